"""Exact duplicate events: every loader keeps them by default (as pm4py does) and
rejects them, with reason "duplicate", on ``drop_duplicates=True``."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm

# five rows, row 3 is an exact copy of row 1 (same case, touchpoint, time, resource)
ROWS = pd.DataFrame(
    {
        "case:concept:name": ["c1", "c1", "c1", "c1", "c2"],
        "concept:name": ["open", "reply", "close", "reply", "open"],
        "time:timestamp": [
            "2025-01-01T09:00:00Z",
            "2025-01-01T10:00:00Z",
            "2025-01-02T09:00:00Z",
            "2025-01-01T10:00:00Z",
            "2025-01-03T09:00:00Z",
        ],
        "org:resource": ["ann", "bob", "ann", "bob", "ann"],
    }
)
MAPPING = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
}


def _xes(path: Path) -> Path:
    traces = []
    for case, rows in ROWS.groupby("case:concept:name", sort=False):
        events = "".join(
            "<event>"
            f'<string key="concept:name" value="{r["concept:name"]}"/>'
            f'<date key="time:timestamp" value="{r["time:timestamp"]}"/>'
            f'<string key="org:resource" value="{r["org:resource"]}"/>'
            "</event>"
            for _, r in rows.iterrows()
        )
        traces.append(f'<trace><string key="concept:name" value="{case}"/>{events}</trace>')
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><log>{"".join(traces)}</log>')
    return path


def _load(loader: str, tmp_path: Path, **kw) -> jm.JourneyLog:
    if loader == "from_pandas":
        return jm.from_pandas(ROWS, **MAPPING, **kw)
    if loader == "from_pm4py":
        frame = ROWS.assign(**{"time:timestamp": pd.to_datetime(ROWS["time:timestamp"])})
        return jm.from_pm4py(frame, **kw)
    if loader == "read_csv":
        ROWS.to_csv(tmp_path / "e.csv", index=False)
        return jm.read_csv(tmp_path / "e.csv", **MAPPING, **kw)
    if loader == "read_parquet":
        ROWS.to_parquet(tmp_path / "e.parquet")
        return jm.read_parquet(tmp_path / "e.parquet", **MAPPING, **kw)
    if loader == "read_json":
        ROWS.to_json(tmp_path / "e.jsonl", orient="records", lines=True)
        return jm.read_json(tmp_path / "e.jsonl", **MAPPING, **kw)
    assert loader == "read_xes"
    return jm.read_xes(_xes(tmp_path / "e.xes"), **kw)


LOADERS = ["from_pandas", "from_pm4py", "read_csv", "read_parquet", "read_json", "read_xes"]


@pytest.mark.parametrize("loader", LOADERS)
def test_exact_duplicates_are_kept_by_default(loader, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", jm.DataQualityWarning)  # nothing rejected, no warning
        log = _load(loader, tmp_path)
    assert (len(log), len(log.rejected)) == (5, 0)
    assert log.events["activity"].tolist() == ["open", "reply", "reply", "close", "open"]


@pytest.mark.parametrize("loader", LOADERS)
def test_drop_duplicates_rejects_them_with_a_reason(loader, tmp_path):
    with pytest.warns(jm.DataQualityWarning, match=r"1 of 5 rows.*duplicate: 1"):
        log = _load(loader, tmp_path, drop_duplicates=True)
    assert len(log) + len(log.rejected) == len(ROWS)  # nothing lost silently
    assert log.rejected["reason"].tolist() == ["duplicate"]
    assert log.rejected["row"].tolist() == [3]  # the later copy, in input order
    assert log.events["activity"].tolist() == ["open", "reply", "close", "open"]


@pytest.mark.parametrize("loader", ["read_csv", "read_parquet", "read_json"])
def test_file_readers_pass_the_keyword_by_name(loader, tmp_path):
    # one name for every loader: a misspelling is refused, not ignored
    with pytest.raises(jm.InvalidParameterError, match="drop_duplicates"):
        _load(loader, tmp_path, drop_duplicate=True)


def test_counts_agree_with_pm4py_on_real_logs(real_data):
    pm4py = pytest.importorskip("pm4py")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pm4py.read_xes(str(real_data / "running-example.xes"), show_progress_bar=False)
        ours = jm.read_xes(real_data / "running-example.xes")
        back = jm.from_pm4py(theirs)
    assert len(ours) == len(back) == len(theirs) == 42
    receipt = pd.read_csv(real_data / "receipt.csv.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.format_dataframe(
            receipt.copy(),
            case_id="case:concept:name",
            activity_key="concept:name",
            timestamp_key="time:timestamp",
        )
        log = jm.from_pm4py(receipt)
        dropped = jm.from_pm4py(receipt, drop_duplicates=True)
    assert len(log) + len(log.rejected) == len(receipt)
    assert len(log) == len(frame)  # pm4py keeps exact duplicates, and so do we
    assert len(dropped) + len(dropped.rejected) == len(receipt)
    assert set(dropped.rejected["reason"]) <= {"duplicate"}
