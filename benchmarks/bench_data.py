"""Benchmark data: journey logs of a given size from the project's simulator, cached on disk.

A log of ``N`` events is simulated from ``random_model(40, 6, 5, events_per_journey=12)``
(40 touchpoints, 6 channels, 5 departments, about 12 events per journey) and cut at
the journey boundary nearest to ``N`` events. It is written, once, as Parquet and
CSV under ``benchmarks/data/`` (gitignored) in the shape of a typical event export:

- rows in **time order** (the order an event stream is exported in), not grouped by
  journey, so every loader has to do the real (journey, time) sort;
- identifiers and labels as plain text (``case_id`` like ``"J000123"``,
  ``customer_id`` like ``"C00045"``), not as dictionary/categorical columns;
- in Parquet, ``timestamp`` as ``timestamp[ns, UTC]``; in CSV, ISO 8601 text
  ``2025-03-01T10:15:00Z``.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["parse_size", "size_label", "dataset", "COLUMNS", "MODEL"]

#: The columns of every benchmark file, in file order.
COLUMNS = (
    "case_id",
    "customer_id",
    "timestamp",
    "activity",
    "channel",
    "department",
    "resource",
    "direction",
)

#: The arguments of ``random_model`` behind every benchmark log.
MODEL: dict[str, Any] = {
    "n_touchpoints": 40,
    "n_channels": 6,
    "n_departments": 5,
    "events_per_journey": 12,
    "seed": 0,
}

#: Bump when the file layout changes, so stale caches are rebuilt.
_FORMAT_VERSION = 1
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$")


def parse_size(text: str) -> int:
    """``"100k"`` -> 100_000, ``"1M"`` -> 1_000_000, ``"2500"`` -> 2500."""
    m = _SIZE_RE.match(str(text))
    if not m:
        raise ValueError(f"not an event count: {text!r} (use e.g. 100k, 1M, 10M)")
    value = float(m.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    if value < 100:
        raise ValueError(f"an event count must be at least 100, got {text!r}")
    return int(value)


def size_label(n: int) -> str:
    """1_000_000 -> ``"1M"``, 100_000 -> ``"100k"``."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def dataset(n_events: int, data_dir: Path, *, log: Any = print) -> dict[str, Any]:
    """Paths and facts of the benchmark log of about ``n_events`` events (made once).

    Returns a dict with ``parquet``, ``csv`` (paths as str), ``events``, ``journeys``,
    ``customers`` and ``seconds_to_generate``.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    stem = data_dir / f"journeys_{size_label(n_events)}"
    meta_path = stem.with_suffix(".json")
    paths = {"parquet": str(stem.with_suffix(".parquet")), "csv": str(stem.with_suffix(".csv"))}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if (
            meta.get("format_version") == _FORMAT_VERSION
            and meta.get("model") == MODEL
            and all(Path(p).exists() for p in paths.values())
        ):
            return {**meta, **paths}
    log(f"generating a log of {n_events:,} events into {data_dir} ...")
    t0 = time.perf_counter()
    facts = _write(n_events, paths)
    meta = {
        "format_version": _FORMAT_VERSION,
        "model": MODEL,
        **facts,
        "seconds_to_generate": round(time.perf_counter() - t0, 2),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    log(
        f"  {meta['events']:,} events, {meta['journeys']:,} journeys in {meta['seconds_to_generate']} s"
    )
    return {**meta, **paths}


def _simulate(n_events: int) -> Any:
    """A simulated frame (sorted by journey) of about ``n_events`` events, whole journeys."""
    from journeymine.datasets import random_model, simulate

    model = random_model(
        MODEL["n_touchpoints"],
        MODEL["n_channels"],
        MODEL["n_departments"],
        events_per_journey=MODEL["events_per_journey"],
        seed=MODEL["seed"],
    )
    # the walk ends journeys early at the observation window and the length cap, so
    # draw ~10% more journeys than needed and cut at the nearest journey boundary
    n_journeys = int(n_events / MODEL["events_per_journey"] * 1.1) + 10
    frame = simulate(model, n_journeys=n_journeys, seed=MODEL["seed"], as_frame=True)
    frame = frame[list(COLUMNS)]
    codes = frame["case_id"].cat.codes.to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    cut = int(starts[np.argmin(np.abs(starts - n_events))]) if len(frame) > n_events else len(frame)
    return frame.iloc[:cut]


def _write(n_events: int, paths: dict[str, str]) -> dict[str, Any]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    frame = _simulate(n_events)
    ts = frame["timestamp"].array.asi8
    order = np.argsort(ts, kind="stable")  # an export in time order
    columns: dict[str, Any] = {}
    for col in COLUMNS:
        if col == "timestamp":
            columns[col] = pa.array(ts[order], type=pa.timestamp("ns", tz="UTC"))
        else:
            cat = frame[col].array
            labels = np.asarray(cat.categories.astype(str), dtype=object)
            codes = np.asarray(cat.codes)[order]
            # plain (not dictionary-encoded) text, None where missing
            idx = pa.array(codes, mask=codes < 0)
            columns[col] = pa.array(labels, type=pa.string()).take(idx)
    table = pa.table(columns)
    pq.write_table(table, paths["parquet"])
    # CSV: ISO 8601 UTC timestamps with a Z, empty fields for missing values
    secs = (ts[order] // 1_000_000_000).astype("datetime64[s]")
    iso = np.char.add(np.datetime_as_string(secs, unit="s"), "Z")
    csv_table = table.set_column(
        COLUMNS.index("timestamp"), "timestamp", pa.array(iso.astype(object), type=pa.string())
    )
    pacsv.write_csv(
        csv_table,
        paths["csv"],
        write_options=pacsv.WriteOptions(quoting_style="needed"),
    )
    return {
        "events": int(len(frame)),
        "journeys": int(frame["case_id"].nunique()),
        "customers": int(frame["customer_id"].nunique()),
        "touchpoints": int(frame["activity"].nunique()),
        "channels": int(frame["channel"].nunique()),
        "departments": int(frame["department"].nunique()),
        "missing_resource_share": round(float(frame["resource"].isna().mean()), 4),
        "row_order": "timestamp",
    }
