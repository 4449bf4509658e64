"""Benchmark journeymine against pm4py on the same journey logs, on this machine.

    python benchmarks/run.py --events 1M 10M --repeat 3

For each size, a journey log is simulated once with the project's simulator and
cached under ``benchmarks/data/`` as Parquet and CSV. Every task (loading, DFG,
performance DFG, variants, start/end touchpoints, handoffs, journeymine's full
analysis) runs for each library in a fresh subprocess, one after the other, so its
peak memory is its own. Both answers are compared before a time is reported. The
results go to one JSON file and a table of ratios is printed. See README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import platform
import resource
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_data import MODEL, dataset, parse_size, size_label  # noqa: E402
from bench_tasks import TASKS, import_side  # noqa: E402

SCHEMA = "journeymine-benchmark/1"
SIDES = ("journeymine", "pm4py")


# ============================================================================ worker
def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM), so the next reading covers the task only."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _mib(kib: int | None) -> float | None:
    return None if kib is None else round(kib / 1024, 1)


def worker(spec_path: str) -> None:
    """Run one task for one side ``repeat`` times; write its report (JSON) and answer (pickle)."""
    spec = json.loads(Path(spec_path).read_text())
    task = TASKS[spec["task"]]
    side = spec["side"]
    report: dict[str, Any] = {"status": "running", "times_s": []}

    def save() -> None:
        Path(spec["report"]).write_text(json.dumps(report))

    t0 = time.perf_counter()
    import_side(side)
    report["import_s"] = round(time.perf_counter() - t0, 3)
    state: dict[str, Any] = {"data": spec["data"]}
    setup = task.jm_setup if side == "journeymine" else task.pm_setup
    run = task.jm_run if side == "journeymine" else task.pm_run
    normalize = task.jm_normalize if side == "journeymine" else task.pm_normalize
    assert run is not None and normalize is not None
    t0 = time.perf_counter()
    if setup is not None:
        setup(state)
    report["setup_s"] = round(time.perf_counter() - t0, 3)
    gc.collect()
    report["input_rss_mib"] = _mib(_status_kib("VmRSS"))
    report["peak_reset"] = _reset_peak()
    report["load_average"] = [round(x, 2) for x in os.getloadavg()]
    save()
    result = None
    for _ in range(spec["repeat"]):
        result = None  # free the previous answer before the next run
        gc.collect()
        t0 = time.perf_counter()
        result = run(state)
        report["times_s"].append(round(time.perf_counter() - t0, 4))
        save()
    report["task_peak_rss_mib"] = _mib(_status_kib("VmHWM")) if report["peak_reset"] else None
    report["peak_rss_mib"] = _mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if "splits" in state:  # per-analysis times of the full analysis
        report["split_median_s"] = {
            k: round(median(s[k] for s in state["splits"]), 4) for k in state["splits"][0]
        }
    answer = normalize(result, state)
    with open(spec["answer"], "wb") as f:
        pickle.dump(answer, f)
    report["status"] = "ok"
    save()


# ============================================================================ parent
def _run_worker(spec: dict[str, Any], work: Path, timeout: float) -> dict[str, Any]:
    name = f"{spec['size']}-{spec['task']}-{spec['side']}"
    spec = {
        **spec,
        "report": str(work / f"{name}.json"),
        "answer": str(work / f"{name}.pkl"),
    }
    spec_path = work / f"{name}.spec.json"
    spec_path.write_text(json.dumps(spec))
    log_path = work / f"{name}.log"
    env = {**os.environ, "PM4PY_SHOW_PROGRESS_BAR": "False", "PYTHONWARNINGS": "ignore"}
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = None
    wall = time.perf_counter() - t0
    report: dict[str, Any] = {}
    if Path(spec["report"]).exists():
        report = json.loads(Path(spec["report"]).read_text())
    report["process_wall_s"] = round(wall, 2)
    if rc is None:
        report["status"] = "timeout"
        report["timeout_s"] = timeout
    elif rc != 0 or report.get("status") != "ok":
        report["status"] = "error"
        report["exit_code"] = rc
        report["log_tail"] = log_path.read_text()[-3000:]
    times = report.get("times_s") or []
    if times and report["status"] == "ok":
        report["median_s"] = round(median(times), 4)
        report["min_s"] = round(min(times), 4)
        report["max_s"] = round(max(times), 4)
    report["answer_path"] = spec["answer"] if report["status"] == "ok" else None
    return report


def _compare(task_name: str, jm: dict[str, Any], pm: dict[str, Any]) -> tuple[bool | None, str]:
    task = TASKS[task_name]
    if task.compare is None:
        return None, task.check
    if jm.get("status") != "ok" or pm.get("status") != "ok":
        return None, "not compared: a side did not finish"
    with open(jm["answer_path"], "rb") as f:
        a = pickle.load(f)
    with open(pm["answer_path"], "rb") as f:
        b = pickle.load(f)
    return task.compare(a, b)


def _versions() -> dict[str, Any]:
    from importlib import metadata

    out: dict[str, Any] = {"python": platform.python_version()}
    for pkg in ("journeymine", "pm4py", "pandas", "numpy", "pyarrow"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    try:
        root = HERE.parent
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "journeymine"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
        out["journeymine_commit"] = commit + ("+uncommitted" if dirty else "") if commit else None
    except OSError:
        out["journeymine_commit"] = None
    return out


def _machine() -> dict[str, Any]:
    cpu = platform.processor() or None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _fmt_s(side: dict[str, Any] | None) -> str:
    if not side:
        return "-"
    if side.get("status") == "timeout":
        return f"timeout (>{side['timeout_s']:.0f} s)"
    if side.get("status") != "ok":
        return side.get("status", "-")
    s = side["median_s"]
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def _fmt_mib(side: dict[str, Any] | None) -> str:
    if not side or side.get("peak_rss_mib") is None:
        return "-"
    v = side["peak_rss_mib"]
    return f"{v / 1024:.2f} GiB" if v >= 1024 else f"{v:.0f} MiB"


def table(results: dict[str, Any]) -> str:
    """The results as a Markdown table (ratio = pm4py time / journeymine time)."""
    lines = [
        "| events | task | journeymine | pm4py | speed-up | jm peak | pm4py peak | same answer |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for size in results["sizes"]:
        for t in size["tasks"]:
            jm, pm = t.get("journeymine"), t.get("pm4py")
            ratio = t.get("speedup")
            if t.get("verified") is False:
                ratio_s = "MISMATCH"
            elif ratio is None:
                ratio_s = "-"
            else:
                ratio_s = f"{ratio:.0f}x" if ratio >= 10 else f"{ratio:.1f}x"
            same = {True: "yes", False: "NO", None: "-"}[t.get("verified")]
            lines.append(
                f"| {size['label']} | {t['task']} | {_fmt_s(jm)} | {_fmt_s(pm)} | {ratio_s} | "
                f"{_fmt_mib(jm)} | {_fmt_mib(pm)} | {same} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", nargs="+", default=["1M"], help="log sizes, e.g. 100k 1M 10M")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per task and library")
    parser.add_argument("--tasks", nargs="+", choices=list(TASKS), help="only these tasks")
    parser.add_argument("--no-pm4py", action="store_true", help="journeymine only (no comparison)")
    parser.add_argument(
        "--timeout", type=float, default=1200, help="seconds per task and library (default 1200)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=HERE / "data", help="where logs are cached"
    )
    parser.add_argument("--out", type=Path, help="the JSON file (default benchmarks/results/...)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0

    sizes = [parse_size(s) for s in args.events]
    task_names = args.tasks or list(TASKS)
    sides = ("journeymine",) if args.no_pm4py else SIDES
    out = args.out or HERE / "results" / f"bench-{'-'.join(size_label(n) for n in sizes)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / (out.stem + ".work")
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "schema": SCHEMA,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            ["python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": _machine(),
        "versions": _versions(),
        "settings": {
            "repeat": args.repeat,
            "timeout_s": args.timeout,
            "model": MODEL,
            "isolation": "one fresh subprocess per task and library, run one after the other",
            "speedup": "pm4py median time / journeymine median time",
            "peak_rss": "peak resident memory of the task's process (input loading included)",
        },
        "tasks": {name: TASKS[name].describe() for name in task_names},
        "sizes": [],
    }
    failed = False
    for n in sizes:
        facts = dataset(n, args.data_dir)
        label = size_label(n)
        size_entry: dict[str, Any] = {
            "label": label,
            "events": facts["events"],
            "journeys": facts["journeys"],
            "data": {k: facts[k] for k in facts if k not in ("parquet", "csv")},
            "tasks": [],
        }
        results["sizes"].append(size_entry)
        data = {
            "parquet": str(Path(facts["parquet"]).resolve()),
            "csv": str(Path(facts["csv"]).resolve()),
        }
        for name in task_names:
            task = TASKS[name]
            entry: dict[str, Any] = {"task": name}
            for side in sides:
                if side == "pm4py" and task.pm_run is None:
                    continue
                spec = {
                    "size": label,
                    "task": name,
                    "side": side,
                    "data": data,
                    "repeat": args.repeat,
                }
                print(f"[{label}] {name:16s} {side:12s} ...", end=" ", flush=True)
                rep = _run_worker(spec, work, args.timeout)
                entry[side] = rep
                print(_fmt_s(rep), f"(peak {_fmt_mib(rep)})", flush=True)
                if rep["status"] == "error":
                    failed = True
                    print(rep.get("log_tail", ""), file=sys.stderr)
            if "pm4py" in entry:
                ok, message = _compare(name, entry["journeymine"], entry["pm4py"])
            else:
                ok, message = None, task.check if task.pm_run is None else "pm4py not run"
            entry["verified"] = ok
            entry["check"] = message
            jm, pm = entry.get("journeymine", {}), entry.get("pm4py", {})
            if ok and jm.get("median_s") and pm.get("median_s"):
                entry["speedup"] = round(pm["median_s"] / jm["median_s"], 2)
            elif ok and jm.get("median_s") and pm.get("status") == "timeout":
                entry["speedup_at_least"] = round(pm["timeout_s"] / jm["median_s"], 1)
            if ok is False:
                failed = True
                print(f"    MISMATCH: {message}", flush=True)
            elif ok:
                print(f"    verified: {message}", flush=True)
            for side in sides:
                entry.get(side, {}).pop("answer_path", None)
            size_entry["tasks"].append(entry)
            out.write_text(json.dumps(results, indent=2))
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out.write_text(json.dumps(results, indent=2))
    print()
    print(table(results))
    print(f"\nresults: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
