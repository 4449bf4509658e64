"""The benchmark suite at a tiny size: it runs, both libraries agree, the JSON has its keys.

Timings are never asserted: CI machines are shared and small.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "benchmarks" / "run.py"
# pm4py's slowest tasks at any size, and the CSV loaders, are left to the real runs
TASKS = [
    "load_parquet",
    "dfg",
    "performance_dfg",
    "variants",
    "start_end",
    "handoffs",
    "full_analysis",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    pytest.importorskip("pm4py")
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "results.json"
    cmd = [
        sys.executable,
        str(RUN),
        "--events",
        "5k",
        "--repeat",
        "1",
        "--data-dir",
        str(tmp / "data"),
        "--out",
        str(out),
        "--tasks",
        *TASKS,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text()), proc.stdout


def test_both_libraries_give_the_same_answers(results):
    data, _ = results
    (size,) = data["sizes"]
    by_task = {t["task"]: t for t in size["tasks"]}
    assert list(by_task) == TASKS
    for name in TASKS[:-1]:
        entry = by_task[name]
        assert entry["verified"] is True, (name, entry["check"])
        assert entry["journeymine"]["status"] == entry["pm4py"]["status"] == "ok"
        assert entry["speedup"] > 0
    full = by_task["full_analysis"]
    assert full["verified"] is None and "pm4py" not in full
    assert {"discover", "variants", "handoffs", "pain_points"} <= set(
        full["journeymine"]["split_median_s"]
    )


def test_json_has_the_documented_keys(results):
    data, stdout = results
    assert data["schema"] == "journeymine-benchmark/1"
    assert {"created", "command", "machine", "versions", "settings", "tasks", "sizes"} <= set(data)
    assert {"cores", "memory_gib", "cpu", "load_average_at_start", "load_average_at_end"} <= set(
        data["machine"]
    )
    assert {"journeymine", "pm4py", "pandas", "numpy", "pyarrow", "python"} <= set(data["versions"])
    (size,) = data["sizes"]
    assert {"label", "events", "journeys", "data", "tasks"} <= set(size)
    assert 4000 < size["events"] < 6000
    side = size["tasks"][0]["journeymine"]
    keys = {
        "status",
        "times_s",
        "median_s",
        "min_s",
        "max_s",
        "peak_rss_mib",
        "input_rss_mib",
        "setup_s",
    }
    assert keys <= set(side)
    assert len(side["times_s"]) == 1 and side["peak_rss_mib"] > 0
    assert "| events | task | journeymine | pm4py | speed-up |" in stdout


def test_sizes_parse():
    sys.path.insert(0, str(RUN.parent))
    try:
        from bench_data import parse_size, size_label
    finally:
        sys.path.remove(str(RUN.parent))
    assert [parse_size(s) for s in ("100k", "1M", "10M", "2500")] == [
        100_000,
        1_000_000,
        10_000_000,
        2500,
    ]
    assert [size_label(n) for n in (100_000, 1_000_000, 2500)] == ["100k", "1M", "2500"]
    with pytest.raises(ValueError):
        parse_size("lots")


def test_scaling_reports_the_median_run_with_every_run_beside_it():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from scaling import _median_run
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    runs = [
        {"status": "ok", "analyses_s": t, "load_s": 1.0, "peak_gib": p}
        for t, p in [(13.0, 1.0), (11.0, 3.0), (12.0, 2.0)]
    ]
    runs.append({"status": "failed (exit 9)", "peak_gib": 0.5})
    res = _median_run(runs)
    assert res["analyses_s"] == 12.0  # the median of the three that finished
    assert res["runs_analyses_s"] == [13.0, 11.0, 12.0]
    assert res["peak_gib"] == 3.0  # the largest of all runs
    assert _median_run(runs[3:])["status"] == "failed (exit 9)"
