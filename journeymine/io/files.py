"""Read CSV, Parquet and JSON-lines files into a journey log.

Each reader reads only the columns the mapping names (plus ``keep``), then hands
the frame to :func:`~journeymine.from_pandas`, which does all the mapping and
validation. The mapping keywords are those of :func:`~journeymine.from_pandas`.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .._validation import check_column
from ..log import JourneyLog
from .pandas import _from_pandas, from_pandas

__all__ = ["read_csv", "read_parquet", "read_json"]

_ID_FIELDS = ("case", "customer")
_COLUMN_FIELDS = (
    "case",
    "customer",
    "activity",
    "timestamp",
    "channel",
    "department",
    "resource",
    "direction",
)


def read_csv(
    path: str | os.PathLike[str],
    *,
    sep: str = ",",
    encoding: str | None = None,
    read_options: dict[str, Any] | None = None,
    **mapping: Any,
) -> JourneyLog:
    """Read a CSV file of events into a :class:`~journeymine.JourneyLog`.

    Parameters
    ----------
    path : str or path-like
        The file; ``.gz``, ``.zip``, ``.bz2`` and ``.xz`` are decompressed.
    sep : str, default ","
        The field separator (``";"`` for many European exports).
    encoding : str, optional
        The text encoding, e.g. ``"latin-1"``; UTF-8 when omitted.
    read_options : dict, optional
        Further keyword arguments for :func:`pandas.read_csv`.
    **mapping
        The mapping keywords of :func:`~journeymine.from_pandas` (``case``,
        ``customer``, ``activity``, ``timestamp``, ``channel``, ..., ``labels``,
        ``keep``, ``tz``, ``drop_duplicates``). Identifier columns are read as text, so
        ``007`` stays ``007``. Exact duplicate rows are kept unless ``drop_duplicates=True``.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.datasets import sample_path
    >>> calls = jm.read_csv(sample_path("calls.csv"), customer="phone_number",
    ...                     activity="call_reason", timestamp="call_start",
    ...                     resource="agent", labels={"channel": "phone", "department": "support"})
    >>> calls.events["channel"].unique().tolist()
    ['phone']
    """
    opts = {"sep": sep, "encoding": encoding, **(read_options or {})}
    header = pd.read_csv(path, **{**opts, "nrows": 0}).columns
    usecols, dtype = _columns(mapping, header, "read_csv")
    opts.setdefault("dtype", dtype)
    if usecols is not None:
        opts.setdefault("usecols", [c for c in header if c in usecols])
    df = pd.read_csv(path, **opts)
    mapping.setdefault("name", _stem(path))
    return from_pandas(df, **mapping)


def read_parquet(
    path: str | os.PathLike[str], *, read_options: dict[str, Any] | None = None, **mapping: Any
) -> JourneyLog:
    """Read a Parquet file of events into a :class:`~journeymine.JourneyLog`.

    Only the mapped (and kept) columns are read. The mapping keywords are those of
    :func:`~journeymine.from_pandas`; exact duplicate rows are kept unless
    ``drop_duplicates=True``.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.datasets import sample_path
    >>> log = jm.read_parquet(sample_path("sample.parquet"), case="case_id", customer="customer_id",
    ...                       activity="activity", timestamp="timestamp", channel="channel")
    >>> log.n_cases == jm.datasets.load_sample().n_cases
    True
    """
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    header = schema.names
    usecols, _ = _columns(mapping, header, "read_parquet")
    opts = dict(read_options or {})
    if usecols is not None:
        opts.setdefault("columns", [c for c in header if c in usecols])
    mapping.setdefault("name", _stem(path))
    fast = not read_options and isinstance(path, str | os.PathLike) and os.path.isfile(path)
    text = _dictionary_columns(schema, mapping) if fast else []
    if not text:
        return from_pandas(pd.read_parquet(path, **opts), **mapping)
    # Text label columns (journeys, touchpoints, channels, ...) are read
    # dictionary-encoded: Parquet usually stores them so, and decoding them to
    # millions of Python-visible strings only for from_pandas to hash them back
    # into codes is most of the cost of a naive read.
    columns = opts.get("columns", header)
    rest = [c for c in columns if c not in text]
    df = pd.read_parquet(path, columns=rest)  # the timestamp column is always among them
    # (ParquetFile keeps one dictionary per row group; read_table splits them further)
    table = pq.ParquetFile(path, read_dictionary=text).read(columns=text)
    for col in text:
        df[col] = _dictionary_categorical(table.column(col))
    del table
    df = df[list(columns)]
    log = _from_pandas(df, _text_columns=frozenset(text), **mapping)
    # show rejected rows as pandas reads them: text, not categories
    dtypes = pd.read_parquet(_empty_parquet(schema), columns=text).dtypes
    rejected = log._rejected
    for col in text:
        shown = f"source_{col}" if col in ("row", "reason") else col  # as _rejected_rows names it
        rejected[shown] = rejected[shown].astype(object).astype(dtypes[col])
    return log


def read_json(
    path: str | os.PathLike[str], *, read_options: dict[str, Any] | None = None, **mapping: Any
) -> JourneyLog:
    """Read a JSON-lines file (one event object per line) into a :class:`~journeymine.JourneyLog`.

    The mapping keywords are those of :func:`~journeymine.from_pandas`; exact duplicate
    rows are kept unless ``drop_duplicates=True``.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.datasets import sample_path
    >>> app = jm.read_json(sample_path("app_events.jsonl"), customer="device_id",
    ...                    activity="event", timestamp="ts", labels={"channel": "app"})
    >>> app.events["channel"].unique().tolist()
    ['app']
    """
    opts = {"lines": True, "dtype": False, **(read_options or {})}
    df = pd.read_json(path, **opts)
    mapping.setdefault("name", _stem(path))
    return from_pandas(df, **mapping)


def _columns(
    mapping: dict[str, Any], header: Any, func: str
) -> tuple[set[str] | None, dict[str, str]]:
    """The source columns a mapping needs (None: all), and text dtypes for identifiers.

    Every named column is checked against the file's header here, so the error lists
    all the columns of the file, not only those that were read.
    """
    cols = {v for k, v in mapping.items() if k in _COLUMN_FIELDS and isinstance(v, str)}
    for k, v in mapping.items():
        if k in _COLUMN_FIELDS and isinstance(v, str):
            check_column(header, v, k, func)
    keep = mapping.get("keep")
    if keep is True:
        usecols = None
    elif isinstance(keep, dict):
        usecols = cols | {str(k) for k in keep}
    elif isinstance(keep, list | tuple):
        usecols = cols | {str(k) for k in keep}
    else:
        usecols = cols
    dtype = {mapping[k]: "string" for k in _ID_FIELDS if isinstance(mapping.get(k), str)}
    return usecols, dtype


def _dictionary_columns(schema: Any, mapping: dict[str, Any]) -> list[str]:
    """The text columns of a Parquet file that are mapped only to label fields.

    Those can be read as dictionaries (categoricals) without changing the log: the
    loader encodes them anyway. Columns also kept, or used as the timestamp, are read
    as they are.
    """
    import pyarrow as pa

    if len(set(schema.names)) != len(schema.names):
        return []
    fields = ("case", "customer", "activity", "channel", "department", "resource", "direction")
    wanted = {mapping[f] for f in fields if isinstance(mapping.get(f), str)}
    keep = mapping.get("keep")
    if keep is True:
        return []
    if isinstance(keep, dict | list | tuple):
        wanted -= {str(k) for k in keep}
    wanted.discard(mapping.get("timestamp"))
    out = []
    for name in schema.names:
        if name in wanted:
            t = schema.field(name).type
            if pa.types.is_string(t) or pa.types.is_large_string(t):
                out.append(name)
    return out


def _empty_parquet(schema: Any) -> io.BytesIO:
    """An in-memory Parquet file with no rows and the given schema (and its pandas metadata)."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(schema.empty_table(), buffer)
    buffer.seek(0)
    return buffer


def _dictionary_categorical(column: Any) -> pd.Categorical:
    """A pandas Categorical of a dictionary-encoded pyarrow ChunkedArray (nulls get code -1).

    Chunks (row groups) have their own dictionaries; when those are nearly as long as
    the data (identifiers), decoding and encoding once is faster than unifying them.
    """
    import numpy as np
    import pyarrow.compute as pc

    from .._encode import as_categorical

    n_dict = sum(len(chunk.dictionary) for chunk in column.chunks)
    if column.num_chunks > 1 and n_dict > len(column) // 4:
        column = pc.dictionary_encode(column.cast(column.type.value_type).combine_chunks())
        chunks = [column]
    else:
        chunks = column.unify_dictionaries().chunks
    if not chunks:
        return pd.Categorical([])
    codes = np.concatenate(
        [
            (pc.fill_null(chunk.indices, -1) if chunk.null_count else chunk.indices).to_numpy(
                zero_copy_only=False
            )
            for chunk in chunks
        ]
    )
    labels = chunks[0].dictionary.to_numpy(zero_copy_only=False)
    if labels.dtype != object:
        labels = labels.astype(object)
    return as_categorical(codes, labels)


def _stem(path: str | os.PathLike[str]) -> str:
    name = Path(path).name
    for suffix in (".gz", ".bz2", ".xz", ".zip", ".csv", ".parquet", ".jsonl", ".json", ".xes"):
        name = name.removesuffix(suffix)
    return name
