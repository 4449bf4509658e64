"""Load anything that speaks Arrow: pyarrow Tables and RecordBatches, Polars, DuckDB.

Only the columns the mapping names (plus ``keep``) leave Arrow; they are handed to
:func:`~journeymine.from_pandas`, which does all the mapping and validation, so an
Arrow source and its pandas twin load to the same log.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._validation import Constraint, check_column, validate_params
from ..derive import new_log
from ..errors import InvalidParameterError
from ..log import JourneyLog
from .files import _columns
from .pandas import from_pandas

__all__ = ["from_arrow"]

_FUNC = "from_arrow"
_ARROW_METHODS = ("to_arrow", "arrow", "fetch_arrow_table")


class _ArrowData(Constraint):
    """Arrow tabular data: a pyarrow Table, RecordBatch or reader, or an Arrow exporter."""

    def ok(self, value: Any) -> bool:
        if isinstance(value, pd.DataFrame):
            return False
        if type(value).__module__.startswith("pyarrow") and hasattr(value, "schema"):
            return True
        return hasattr(value, "__arrow_c_stream__") or any(
            callable(getattr(value, m, None)) for m in _ARROW_METHODS
        )

    def describe(self, value: Any) -> str:
        if isinstance(value, pd.DataFrame):
            return "Arrow tabular data (use jm.from_pandas for a pandas DataFrame)"
        return str(self)

    def __str__(self) -> str:
        return (
            "Arrow tabular data (a pyarrow Table or RecordBatch, a Polars DataFrame, "
            "a DuckDB result, or anything with __arrow_c_stream__)"
        )


@validate_params({"data": [_ArrowData()]})
def from_arrow(data: Any, **mapping: Any) -> JourneyLog:
    """Build a :class:`~journeymine.JourneyLog` from Arrow data, mapping its columns once.

    Parameters
    ----------
    data : Arrow tabular data
        A :class:`pyarrow.Table`, :class:`pyarrow.RecordBatch` or
        :class:`pyarrow.RecordBatchReader`; or any object that exports an Arrow stream
        (the ``__arrow_c_stream__`` protocol: Polars DataFrames, DuckDB relations,
        pyarrow datasets' scanners, ...) or has a ``to_arrow()`` / ``arrow()`` method
        (older Polars and DuckDB). It is never modified. A pandas DataFrame goes to
        :func:`~journeymine.from_pandas` instead.
    **mapping
        The keywords of :func:`~journeymine.from_pandas` (``case``, ``customer``,
        ``activity``, ``timestamp``, ``channel``, ..., ``labels``, ``keep``, ``tz``,
        ``name``, ``drop_duplicates``), with the same meaning.

    Returns
    -------
    JourneyLog
        The same log as ``from_pandas`` gives for the same data as a pandas DataFrame.

    Notes
    -----
    What is copied, honestly:

    * Polars frames and other ``__arrow_c_stream__`` exporters hand over their Arrow
      buffers without a copy; a DuckDB result is materialised as Arrow by DuckDB (a
      copy DuckDB makes: select the columns you need in SQL to keep it small).
    * Only the mapped columns (and ``keep``) are converted to pandas
      (``Table.select``): other columns are never materialised.
    * Text columns become Arrow-backed pandas strings (``types_mapper``): string and
      large-string buffers are wrapped, not turned into Python objects (Polars'
      ``string_view`` is cast to ``large_string`` first: one copy of the text).
      Numbers without nulls and timestamps are converted by pyarrow, mostly without a
      copy.
    * :func:`~journeymine.from_pandas` then builds the log's own sorted, encoded
      events: that step is the same as for a pandas source.

    Raises
    ------
    InvalidParameterError
        ``data`` is not Arrow tabular data (named by its type).
    MissingColumnError
        A mapping keyword names a column the data does not have.

    Examples
    --------
    >>> import pyarrow as pa
    >>> import journeymine as jm
    >>> table = pa.table({
    ...     "phone": ["+31 6 1", "+31 6 1", "+31 6 2"],
    ...     "reason": ["billing question", "billing question", "cancel"],
    ...     "started": ["2025-03-01 09:00", "2025-03-04 10:00", "2025-03-02 11:30"],
    ...     "unused": [1.0, 2.0, 3.0],
    ... })
    >>> log = jm.from_arrow(table, customer="phone", activity="reason", timestamp="started",
    ...                     labels={"channel": "phone"})
    >>> log.events[["case_id", "activity", "channel"]]
       case_id          activity channel
    0  +31 6 1  billing question   phone
    1  +31 6 1  billing question   phone
    2  +31 6 2            cancel   phone
    """
    table = _to_table(data)
    header = list(table.column_names)
    usecols, _ = _columns(mapping, header, _FUNC)
    keep = mapping.get("keep")
    if isinstance(keep, dict | list | tuple):
        for k in keep:
            check_column(header, str(k), "keep", _FUNC)
    if usecols is not None:
        table = table.select([c for c in header if c in usecols])
    fields = set(_columns(mapping, header, _FUNC)[0] or ()) - _kept(mapping)
    df = _to_pandas(table, fields)
    log = from_pandas(df, **mapping)
    return _plain_rejected(
        log, table, [c for c in df.columns if isinstance(df[c].dtype, pd.StringDtype)]
    )


def _plain_rejected(log: JourneyLog, table: Any, text: list[str]) -> JourneyLog:
    """Show rejected rows' text as pandas reads it by default (as for the pandas twin),
    not as the Arrow-backed strings the loader was given: those rows are taken again
    from the source by their row number."""
    rejected = log.rejected
    if not text:
        return log
    import pyarrow as pa

    rows = pa.array(rejected["row"].to_numpy(), type=pa.int64())
    plain = _no_views(table.select(text)).take(rows).to_pandas()
    for col in text:
        shown = f"source_{col}" if col in ("row", "reason") else col  # as the loader names it
        rejected[shown] = plain[col].array
    return new_log(log, rejected=rejected)


def _kept(mapping: dict[str, Any]) -> set[str]:
    """Source columns carried along as they are (``keep``) rather than encoded as fields."""
    keep = mapping.get("keep")
    return {str(k) for k in keep} if isinstance(keep, dict | list | tuple) else set()


def _to_table(data: Any) -> Any:
    """A :class:`pyarrow.Table` of ``data`` (without a copy where the source allows)."""
    import pyarrow as pa

    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if hasattr(data, "__arrow_c_stream__"):
        return pa.table(data)
    for method in _ARROW_METHODS:
        if callable(getattr(data, method, None)):
            out = getattr(data, method)()
            if isinstance(out, pa.RecordBatchReader):
                out = out.read_all()
            if isinstance(out, pa.Table):
                return out
    raise InvalidParameterError(
        f"The 'data' parameter of {_FUNC} must be Arrow tabular data (a pyarrow Table or "
        "RecordBatch, a Polars DataFrame, a DuckDB result, or anything with "
        f"__arrow_c_stream__). Got a {type(data).__name__} instead.",
        param="data",
    )


def _to_pandas(table: Any, fields: set[str]) -> pd.DataFrame:
    """The selected columns as pandas: text of the mapped ``fields`` kept in Arrow memory
    (from_pandas encodes it), other columns (``keep``) as pandas reads them by default."""
    import pyarrow as pa

    names = list(table.column_names)
    mapped = [c for c in names if c in fields]
    rest = [c for c in names if c not in fields]
    sub = _no_views(table.select(mapped))
    text = pd.StringDtype("pyarrow", na_value=float("nan"))
    mapper = {pa.string(): text, pa.large_string(): text}
    df = sub.to_pandas(types_mapper=mapper.get, split_blocks=True)
    if rest:
        other = table.select(rest).to_pandas(split_blocks=True)
        df = pd.concat([df, other], axis=1)[names]
    return df


def _no_views(table: Any) -> Any:
    """``string_view`` columns (Polars) cast to ``large_string``: pandas has no mapping for
    them and pyarrow few kernels (one copy of their text)."""
    import pyarrow as pa

    for i, f in enumerate(table.schema):
        if f.type == pa.string_view():
            table = table.set_column(i, f.name, table.column(i).cast(pa.large_string()))
    return table
