"""Read CSV, Parquet and JSON-lines files into a journey log.

Each reader reads only the columns the mapping names (plus ``keep``), then hands
the frame to :func:`~journeymine.from_pandas`, which does all the mapping and
validation. The mapping keywords are those of :func:`~journeymine.from_pandas`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from .._validation import check_column
from ..log import JourneyLog
from .pandas import from_pandas

__all__ = ["read_csv", "read_parquet", "read_json"]

_ID_FIELDS = ("case", "customer")
_COLUMN_FIELDS = ("case", "customer", "activity", "timestamp", "channel", "department", "resource", "direction")


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
        ``keep``, ``tz``). Identifier columns are read as text, so ``007`` stays ``007``.

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
    :func:`~journeymine.from_pandas`.

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

    header = pq.read_schema(path).names
    usecols, _ = _columns(mapping, header, "read_parquet")
    opts = dict(read_options or {})
    if usecols is not None:
        opts.setdefault("columns", [c for c in header if c in usecols])
    df = pd.read_parquet(path, **opts)
    mapping.setdefault("name", _stem(path))
    return from_pandas(df, **mapping)


def read_json(
    path: str | os.PathLike[str], *, read_options: dict[str, Any] | None = None, **mapping: Any
) -> JourneyLog:
    """Read a JSON-lines file (one event object per line) into a :class:`~journeymine.JourneyLog`.

    The mapping keywords are those of :func:`~journeymine.from_pandas`.

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


def _stem(path: str | os.PathLike[str]) -> str:
    name = Path(path).name
    for suffix in (".gz", ".bz2", ".xz", ".zip", ".csv", ".parquet", ".jsonl", ".json", ".xes"):
        name = name.removesuffix(suffix)
    return name
