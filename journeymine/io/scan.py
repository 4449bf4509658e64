"""Logs larger than memory: a Parquet file or folder scanned into partitions of whole journeys.

:func:`scan_parquet` reads the source once, in record batches, and writes each row
to one of ``P`` spill files by a hash of its journey key (the case id; the customer
id when only a customer is mapped), as :func:`~journeymine.from_spark` partitions. Each spill
file is then loaded with the same loader as :func:`~journeymine.read_parquet`
(:func:`~journeymine.from_arrow`, so every row is normalised, checked and rejected
exactly as in memory) and written back as one canonical, sorted partition. The
analyses then load one partition at a time per worker (see
:mod:`journeymine._partitioned`); the whole log is never in memory.

Why our own spill rather than a dataframe engine: the partitions must hold whole
journeys, in input order within a journey (ties in time keep their input order,
as in memory), and each must go through journeymine's own loader. One streaming
pass with a stable hash and Parquet writers does that in bounded memory; pyarrow
(already required) brings everything it needs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import weakref
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._partitioned import (
    FileParts,
    PartitionedLog,
    default_workers,
    load_canonical,
    process_pool,
)
from .._validation import Constraint, Interval, validate_params
from ..errors import DataError, InvalidParameterError
from .arrow import from_arrow
from .files import _columns, _stem
from .pandas import _warn_rejected

__all__ = ["scan_parquet"]

_FUNC = "scan_parquet"
#: the column that carries each row's position in the source through the spill
_ROW = "__journeymine_row__"
#: events per partition by default. Smaller partitions are faster and lighter on the
#: workers (their arrays stay in the processor's caches and in memory the allocator
#: reuses), but the main process's merges grow with their number. Measured with 2
#: workers (benchmarks/scaling.py, docs/scaling.md): at 10M events the full analysis
#: takes 24.1 s with 4M-event partitions, 17.7 s with 2M, 17.9 s with 1M (PSS 2.79,
#: 1.87, 1.39 GiB); at 100M the main process peaks at 4.96, 5.50, 5.92 GiB
_EVENTS_PER_PARTITION = 2_000_000


class _PathLike(Constraint):
    """A path: str or os.PathLike."""

    def ok(self, value: Any) -> bool:
        return isinstance(value, str | os.PathLike)

    def __str__(self) -> str:
        return "a path (str or os.PathLike)"


def _dataset(path: Any) -> Any:
    import pyarrow.dataset as ds

    try:
        return ds.dataset(os.fspath(path), format="parquet", partitioning="hive")
    except (OSError, ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(
            f"{_FUNC}: cannot read {os.fspath(path)!r} as a Parquet file or folder: "
            f"{str(exc).splitlines()[0]}"
        ) from None


@validate_params(
    {
        "path": [_PathLike()],
        "partitions": [Interval(int, 1, None), None],
        "workers": [Interval(int, 1, None), None],
        "spill_dir": [_PathLike(), None],
        "batch_size": [Interval(int, 1, None)],
    }
)
def scan_parquet(
    path: str | os.PathLike[str],
    *,
    partitions: int | None = None,
    workers: int | None = None,
    spill_dir: str | os.PathLike[str] | None = None,
    batch_size: int = 1_000_000,
    **mapping: Any,
) -> PartitionedLog:
    """Scan a Parquet file or folder (a data-lake dataset) into a log larger than memory.

    The events are split into ``partitions`` of whole journeys (by a stable hash of
    the case id, or of the customer id when only a customer is mapped), written once as
    canonical Parquet files in ``spill_dir``; every analysis that accepts a
    :class:`~journeymine.PartitionedLog` then runs partition by partition (in
    ``workers`` processes) and gives the same results as the log in memory.

    Parameters
    ----------
    path : str or path-like
        A Parquet file, or a folder of them (hive-style ``key=value`` folders add
        their keys as columns).
    partitions : int, optional
        How many partitions; default: a multiple of ``workers``, one per 2M events or
        fewer (at least one per worker).
    workers : int, optional
        Worker processes for the spill and the analyses; default: every core.
    spill_dir : str or path-like, optional
        Where the partitions are written; default: a temporary folder, removed when
        the log is garbage-collected.
    batch_size : int, default 1,000,000
        Rows read at a time.
    **mapping
        The column mapping of :func:`~journeymine.from_pandas` (``case``,
        ``activity``, ``timestamp``, ...).

    Returns
    -------
    PartitionedLog
        Its ``rejected`` rows carry the row number in the source (in the order the
        dataset lists its files).

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.datasets import sample_path
    >>> mapping = dict(case="case_id", customer="customer_id", activity="activity",
    ...                timestamp="timestamp", channel="channel")
    >>> plog = jm.scan_parquet(sample_path("sample.parquet"), partitions=3, workers=1, **mapping)
    >>> log = jm.read_parquet(sample_path("sample.parquet"), **mapping)
    >>> len(plog) == len(log), plog.n_partitions
    (True, 3)
    >>> jm.discover(plog).edges.equals(jm.discover(log).edges)
    True
    """
    dataset = _dataset(path)
    header = list(dataset.schema.names)
    if _ROW in header:
        raise InvalidParameterError(
            f"The 'path' parameter of {_FUNC} must name Parquet data without a column "
            f"{_ROW!r} (journeymine's own). Got {os.fspath(path)!r} instead.",
            param="path",
        )
    usecols, _ = _columns(mapping, header, _FUNC)
    columns = [c for c in header if usecols is None or c in usecols]
    mapping.setdefault("name", _stem(path) if Path(path).is_file() else Path(path).name)
    # the journey key (as jm.from_spark): the case, else the customer when journeys are customers
    key = [mapping[k] for k in ("case", "customer") if isinstance(mapping.get(k), str)][:1]
    if not key:
        raise InvalidParameterError(
            f"The 'case' parameter of {_FUNC} must name the journey column (or 'customer' the "
            "customer column). Got neither instead.",
            param="case",
        )
    workers = default_workers() if workers is None else int(workers)
    n_rows = int(dataset.count_rows())
    if partitions is None:
        # a multiple of the workers, each then gets as many
        partitions = workers * max(1, -(-n_rows // (_EVENTS_PER_PARTITION * workers)))
    folder = Path(spill_dir) if spill_dir is not None else Path(tempfile.mkdtemp(prefix="jm-"))
    folder.mkdir(parents=True, exist_ok=True)
    raw = _spill(dataset, columns, key[0], int(partitions), int(batch_size), folder)
    stats = _canonical(raw, mapping, workers)
    files = [s["path"] for s in stats if s["path"] is not None]
    rejected = _rejected(stats)
    # each partition's warnings once; the rejected rows once, counted over the whole source
    for category, text in dict.fromkeys(w for s in stats for w in s["warnings"]):
        if "were rejected" not in text:
            warnings.warn(text, category, stacklevel=2)
    if rejected is not None:
        _warn_rejected(rejected, n_rows, mapping.get("name"))
    first = next((s for s in stats if s["path"] is not None), stats[0])
    plog = PartitionedLog._make(
        FileParts(files, load_canonical, workers),
        name=mapping.get("name"),
        columns=first["columns"],
        n_events=sum(s["n_events"] for s in stats),
        n_cases=sum(s["n_cases"] for s in stats),
        rejected=rejected,
        kind="files",
    )
    if spill_dir is None:
        weakref.finalize(plog, shutil.rmtree, folder, True)
    return plog


# ---------------------------------------------------------------------- pass 1: spill by journey
def _bucket_of(values: Any, partitions: int) -> np.ndarray:
    """A stable partition number per key (the same key, the same partition, in every run).

    Only the distinct keys of the batch are hashed (dictionary-encoded first: a
    batch holds each journey's events many times), as text, so that a key read as
    a number in one file and as text in another lands in the same partition.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(
        values.combine_chunks() if hasattr(values, "combine_chunks") else values
    )
    dictionary = enc.dictionary
    if not pa.types.is_string(dictionary.type) and not pa.types.is_large_string(dictionary.type):
        dictionary = pc.cast(dictionary, pa.string())
    # the loaders strip the ids: " c1" and "c1" are one journey, so one partition
    dictionary = pc.utf8_trim_whitespace(dictionary)
    keys = np.asarray(dictionary.to_pylist(), dtype=object)
    per_key = (pd.util.hash_array(keys, categorize=False) % np.uint64(partitions)).astype(np.int64)
    idx = enc.indices.to_numpy(zero_copy_only=False)
    out = np.zeros(len(idx), dtype=np.int64)  # a missing key: partition 0 (rejected there)
    valid = ~np.asarray(pc.is_null(enc.indices).to_numpy(zero_copy_only=False), dtype=bool)
    out[valid] = per_key[idx[valid].astype(np.int64)]
    return out


def _spill(
    dataset: Any, columns: list[str], key: str, partitions: int, batch_size: int, folder: Path
) -> list[Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    paths = [folder / f"raw-{i:05d}.parquet" for i in range(partitions)]
    writers: dict[int, Any] = {}
    start = 0
    try:
        # one file and two batches ahead at most: pyarrow reads whole files ahead by default
        batches = dataset.to_batches(
            columns=columns, batch_size=batch_size, batch_readahead=2, fragment_readahead=1
        )
        for batch in batches:
            n = batch.num_rows
            if not n:
                continue
            table = pa.Table.from_batches([batch]).append_column(
                _ROW, pa.array(np.arange(start, start + n, dtype=np.int64))
            )
            start += n
            bucket = _bucket_of(table.column(key), partitions)
            order = np.argsort(bucket, kind="stable")
            bounds = np.searchsorted(bucket[order], np.arange(partitions + 1))
            for b in np.flatnonzero(np.diff(bounds)).tolist():
                part = table.take(pa.array(order[bounds[b] : bounds[b + 1]]))
                if b not in writers:
                    writers[b] = pq.ParquetWriter(paths[b], part.schema)
                writers[b].write_table(part)
    except (OSError, ValueError, TypeError) as exc:
        raise DataError(
            f"{_FUNC}: cannot read the Parquet data: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        for w in writers.values():
            w.close()
    return [paths[b] for b in sorted(writers)] or [_empty_raw(dataset, columns, paths[0])]


def _empty_raw(dataset: Any, columns: list[str], path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([dataset.schema.field(c) for c in columns]).append(
        pa.field(_ROW, pa.int64())
    )
    pq.write_table(schema.empty_table(), path)
    return path


# ---------------------------------------------------------------------- pass 2: canonical partitions
def _canonical(raw: list[Path], mapping: dict[str, Any], workers: int) -> list[dict[str, Any]]:
    if workers <= 1 or len(raw) <= 1:
        return [_canonical_one(p, mapping) for p in raw]
    with process_pool(min(workers, len(raw))) as pool:
        return list(pool.map(_canonical_one, raw, [mapping] * len(raw)))


def _canonical_one(raw: Path, mapping: dict[str, Any]) -> dict[str, Any]:
    import pyarrow.parquet as pq

    table = pq.read_table(raw)
    rows = table.column(_ROW).to_numpy()
    table = table.drop_columns([_ROW])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = from_arrow(table, **mapping)
    del table
    rejected = log.rejected
    if len(rejected):
        rejected["row"] = rows[rejected["row"].to_numpy()]
    out_path = raw.with_name(raw.name.replace("raw-", "part-").replace(".parquet", ".pkl"))
    events = log.events
    if len(events):
        events.to_pickle(out_path)
    raw.unlink()
    return {
        "path": str(out_path) if len(events) else None,
        "n_events": len(log),
        "n_cases": log.n_cases,
        "columns": log.columns,
        "rejected": rejected,
        "warnings": [(w.category, str(w.message)) for w in caught],
        "name": mapping.get("name"),
    }


def _rejected(stats: list[dict[str, Any]]) -> pd.DataFrame | None:
    frames = [s["rejected"] for s in stats if len(s["rejected"])]
    if not frames:
        return None
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values("row", kind="stable").reset_index(drop=True)
