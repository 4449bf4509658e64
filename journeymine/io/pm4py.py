"""Interoperability with pm4py: its DataFrames and EventLog objects.

pm4py is AGPL-licensed and an optional extra (``pip install journeymine[pm4py]``);
it is imported here only when an ``EventLog`` object has to be converted.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._validation import Constraint, validate_params
from ..errors import DataError, MissingDependencyError
from ..log import JourneyLog
from .pandas import from_pandas

__all__ = ["from_pm4py"]

_PM4PY_COLUMNS = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "timestamp": "time:timestamp",
    "resource": "org:resource",
    "department": "org:group",
}


class _Pm4pyLog(Constraint):
    def ok(self, value: Any) -> bool:
        return isinstance(value, pd.DataFrame) or type(value).__module__.startswith("pm4py")

    def __str__(self) -> str:
        return "a pandas DataFrame in pm4py's column convention or a pm4py EventLog"


@validate_params({"log": [_Pm4pyLog()]})
def from_pm4py(
    log: Any,
    *,
    keep: bool | list[str] = True,
    name: str | None = None,
    drop_duplicates: bool = False,
    **mapping: Any,
) -> JourneyLog:
    """Build a :class:`~journeymine.JourneyLog` from a pm4py DataFrame or ``EventLog``.

    pm4py's column convention is mapped: ``case:concept:name`` -> ``case_id``,
    ``concept:name`` -> ``activity``, ``time:timestamp`` -> ``timestamp``,
    ``org:resource`` -> ``resource`` and ``org:group`` -> ``department`` (when present).
    Other columns are kept (``keep=True``). Further mapping keywords of
    :func:`~journeymine.from_pandas` (e.g. ``channel="case:channel"``) override these.

    Exact duplicate events are kept, as pm4py keeps them, so counts agree with pm4py's;
    ``drop_duplicates=True`` moves them to ``log.rejected`` with reason ``"duplicate"``
    (see :func:`~journeymine.from_pandas`).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> back = jm.from_pm4py(log.to_pm4py())
    >>> (len(back), back.n_cases) == (len(log), log.n_cases)
    True
    """
    if isinstance(log, pd.DataFrame):
        df = log
    else:  # a pm4py object, as declared
        try:
            import pm4py
        except ImportError as exc:  # pragma: no cover - only without the extra
            raise MissingDependencyError(
                "Converting a pm4py EventLog needs pm4py: pip install 'journeymine[pm4py]'."
            ) from exc
        try:
            df = pm4py.convert_to_dataframe(log)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
            raise DataError(
                f"from_pm4py could not convert the pm4py {type(log).__name__} to a DataFrame "
                f"({type(exc).__name__}: {exc}). Pass pm4py's DataFrame instead "
                "(pm4py.convert_to_dataframe) after checking the log."
            ) from exc
    cols = [str(c) for c in df.columns]
    kw: dict[str, Any] = {k: v for k, v in _PM4PY_COLUMNS.items() if v in cols}
    kw.update(mapping)
    if keep is True:
        used = {v for v in kw.values() if isinstance(v, str)}
        keep = [c for c in cols if c not in used]
    return from_pandas(df, keep=keep or None, name=name, drop_duplicates=drop_duplicates, **kw)
