"""Load events from a pandas DataFrame: the one place where source columns are mapped.

Every other loader (CSV, Parquet, JSON lines, XES, pm4py) reads its format into
a DataFrame and hands it to :func:`from_pandas`, so mapping, validation,
time-zone handling and rejected rows work the same for every source.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._encode import blank_mask, parse_timestamps, to_categorical
from .._validation import check_column, check_type, near_matches
from ..errors import DataQualityWarning, InvalidParameterError
from ..log import DIRECTION_DTYPE, JourneyLog, canonical_order, sort_canonical
from ..schema import (
    ACTIVITY,
    CANONICAL_COLUMNS,
    CASE,
    CHANNEL,
    CUSTOMER,
    DEPARTMENT,
    DIRECTION,
    DIRECTIONS,
    RESOURCE,
    TIMESTAMP,
)

__all__ = ["from_pandas"]

_MAPPABLE = ("case", "customer", "activity", "timestamp", "channel", "department", "resource", "direction")
_TARGET = {
    "case": CASE,
    "customer": CUSTOMER,
    "activity": ACTIVITY,
    "timestamp": TIMESTAMP,
    "channel": CHANNEL,
    "department": DEPARTMENT,
    "resource": RESOURCE,
    "direction": DIRECTION,
}
_LABELLABLE = (CHANNEL, DEPARTMENT, RESOURCE, DIRECTION, ACTIVITY)
_OPTIONS = ("labels", "keep", "tz", "timestamp_format", "dayfirst", "name", "drop_duplicates")


def from_pandas(
    df: pd.DataFrame,
    *,
    case: str | None = None,
    customer: str | None = None,
    activity: str,
    timestamp: str,
    channel: str | None = None,
    department: str | None = None,
    resource: str | None = None,
    direction: str | None = None,
    labels: Mapping[str, Any] | None = None,
    keep: Sequence[str] | Mapping[str, str] | bool | None = None,
    tz: str = "UTC",
    timestamp_format: str | None = None,
    dayfirst: bool = False,
    name: str | None = None,
    drop_duplicates: bool = True,
    **unknown: Any,
) -> JourneyLog:
    """Build a :class:`~journeymine.JourneyLog` from a DataFrame, mapping its columns once.

    Each mapping keyword names the *source* column that holds that canonical field.
    A journey needs an identifier: give ``case`` (the source already has journeys),
    ``customer`` (journeys are then one per customer until
    :func:`~journeymine.split_journeys` cuts them), or both. Without ``customer``,
    each case is its own customer.

    Parameters
    ----------
    df : pandas.DataFrame
        The raw events, one row per event. It is never modified.
    case, customer, activity, timestamp, channel, department, resource, direction : str
        Source column names for the canonical fields (see :mod:`journeymine.schema`).
        ``activity`` and ``timestamp`` are required.
    labels : dict, optional
        Constant values for a whole source, e.g. ``{"channel": "phone",
        "department": "support"}`` for a call-centre export. Keys may be ``channel``,
        ``department``, ``resource``, ``direction``, ``activity`` or a new extra column.
    keep : list of str, dict or bool, optional
        Extra source columns to carry along: a list of names, a dict
        ``{source_name: new_name}``, or ``True`` for every unmapped column.
    tz : str, default "UTC"
        Time zone in which naive timestamps are read. Timestamps with an explicit
        offset keep it. Everything is converted to UTC.
    timestamp_format : str, optional
        A ``strftime`` format for the timestamp column; inferred when omitted.
    dayfirst : bool, default False
        Read ambiguous dates like ``01/02/2025`` as 1 February.
    name : str, optional
        A label for this source (used by :func:`~journeymine.combine`).
    drop_duplicates : bool, default True
        Reject exact duplicates (equal in every mapped and kept column).

    Returns
    -------
    JourneyLog
        Rows that cannot be used are in ``log.rejected`` with a ``reason``, and a
        :class:`~journeymine.DataQualityWarning` gives the counts;
        ``len(df) == len(log) + len(log.rejected)`` always holds.

    Raises
    ------
    MissingColumnError
        A keyword names a column that ``df`` does not have.
    InvalidParameterError
        An unknown keyword, a bad ``labels`` key, or neither ``case`` nor ``customer``.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> calls = pd.DataFrame({
    ...     "phone": ["+31 6 1", "+31 6 1", "+31 6 2"],
    ...     "reason": ["billing question", "billing question", "cancel"],
    ...     "started": ["2025-03-01 09:00", "2025-03-04 10:00", "2025-03-02 11:30"],
    ... })
    >>> log = jm.from_pandas(calls, customer="phone", activity="reason", timestamp="started",
    ...                      labels={"channel": "phone", "department": "support",
    ...                              "direction": "inbound"})
    >>> log.events[["case_id", "activity", "channel", "direction"]]
       case_id          activity channel direction
    0  +31 6 1  billing question   phone   inbound
    1  +31 6 1  billing question   phone   inbound
    2  +31 6 2            cancel   phone   inbound
    >>> str(log.events["timestamp"].dtype)
    'datetime64[ns, UTC]'
    """
    func = "from_pandas"
    if unknown:
        bad = next(iter(unknown))
        near = near_matches(bad, _MAPPABLE + _OPTIONS)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise InvalidParameterError(
            f"from_pandas got an unknown keyword {bad!r}. The keywords are "
            f"{list(_MAPPABLE + _OPTIONS)!r}.{hint}"
        )
    if not isinstance(df, pd.DataFrame):
        raise InvalidParameterError(
            f"The 'df' parameter of {func} must be a pandas DataFrame. "
            f"Got {type(df).__name__} instead."
        )
    mapping = {
        "case": case,
        "customer": customer,
        "activity": activity,
        "timestamp": timestamp,
        "channel": channel,
        "department": department,
        "resource": resource,
        "direction": direction,
    }
    labels = dict(labels or {})
    _check_mapping(df, mapping, labels, func)
    if case is None and customer is None:
        raise InvalidParameterError(
            f"{func} needs a journey identifier: the 'case' or the 'customer' parameter must "
            f"name a column of the data {[str(c) for c in df.columns]!r}. Got neither."
        )
    extras = _extras(df, mapping, keep, func)
    n = len(df)
    reasons = np.full(n, None, dtype=object)

    def reject(mask: np.ndarray, reason: str) -> None:
        reasons[mask & (reasons == None)] = reason  # noqa: E711 (elementwise)

    cols: dict[str, Any] = {}
    if case is not None:
        reject(blank_mask(df[case]), "missing_case")
    if customer is not None and case is None:
        reject(blank_mask(df[customer]), "missing_customer")
    act = df[activity]
    reject(blank_mask(act), "missing_activity")
    ts, bad_ts = parse_timestamps(
        df[timestamp], tz=tz, fmt=timestamp_format, dayfirst=dayfirst, column=timestamp, func=func
    )
    reject(ts.isna().to_numpy() & ~bad_ts, "missing_timestamp")
    reject(bad_ts, "unparseable_timestamp")
    if direction is not None:
        dvals, bad_dir = _directions(df[direction])
        reject(bad_dir, "invalid_direction")
    elif DIRECTION in labels:
        dvals = None
    else:
        dvals = None

    ok = reasons == None  # noqa: E711
    all_ok = bool(ok.all())
    sel = slice(None) if all_ok else ok

    def pick(values: Any) -> Any:
        if isinstance(values, pd.Series):
            values = values.reset_index(drop=True)
            return values if all_ok else values[ok].reset_index(drop=True)
        return values if all_ok else np.asarray(values)[sel]

    case_src = df[case] if case is not None else df[customer]
    cust_src = df[customer] if customer is not None else case_src
    cols[CASE] = to_categorical(pick(case_src))
    cols[CUSTOMER] = to_categorical(pick(cust_src))
    cols[TIMESTAMP] = pick(ts)
    m = int(ok.sum())
    for field, target in (("activity", ACTIVITY), ("channel", CHANNEL), ("department", DEPARTMENT), ("resource", RESOURCE)):
        src = mapping[field]
        if src is not None:
            cols[target] = to_categorical(pick(df[src]))
        elif target in labels:
            cols[target] = _constant(labels[target], m)
        else:
            cols[target] = pd.Categorical.from_codes(np.full(m, -1, dtype=np.int8), categories=[])
    if dvals is not None:
        cols[DIRECTION] = pick(dvals)
    elif DIRECTION in labels:
        value = labels[DIRECTION]
        if value not in DIRECTIONS and value is not None:
            raise InvalidParameterError(
                f"The 'labels' parameter of {func} must give 'direction' as one of "
                f"{list(DIRECTIONS)!r} or None. Got {value!r} instead."
            )
        cols[DIRECTION] = pd.Categorical([value] * m, dtype=DIRECTION_DTYPE)
    else:
        cols[DIRECTION] = pd.Categorical.from_codes(np.full(m, -1, dtype=np.int8), dtype=DIRECTION_DTYPE)
    for src, new in extras.items():
        cols[new] = pick(df[src])
    for key, value in labels.items():
        if key not in CANONICAL_COLUMNS:
            cols[key] = [value] * m
    frame = pd.DataFrame(cols)
    frame["_row"] = np.flatnonzero(ok) if not all_ok else np.arange(n)
    frame = frame[canonical_order(list(frame.columns))]
    frame = sort_canonical(frame)
    if drop_duplicates and len(frame):
        dup = _duplicates(frame)
        if dup.any():
            reasons[frame["_row"].to_numpy()[dup]] = "duplicate"
            frame = frame.loc[~dup].reset_index(drop=True)
            for col in (CASE, CUSTOMER):
                frame[col] = frame[col].cat.remove_unused_categories()
    frame = frame.drop(columns="_row")
    rejected = _rejected_rows(df, reasons)
    _warn_rejected(rejected, n, name)
    return JourneyLog._from_sorted(
        frame,
        rejected=rejected,
        name=name,
        customer_key=customer if customer is not None else case,
    )


def _check_mapping(df: pd.DataFrame, mapping: dict[str, Any], labels: dict[str, Any], func: str) -> None:
    cols = [str(c) for c in df.columns]
    for param, col in mapping.items():
        if col is None:
            if param in ("activity", "timestamp"):
                raise InvalidParameterError(
                    f"The {param!r} parameter of {func} must name a column of the data {cols!r}. "
                    "Got None instead."
                )
            continue
        check_type(col, str, "a column name (str)", param, func)
        hint = ""
        if _TARGET[param] in _LABELLABLE:
            hint = f"To give every row the same value, use labels={{{_TARGET[param]!r}: {col!r}}}."
        check_column(cols, col, param, func, hint=hint)
    for key in labels:
        if not isinstance(key, str):
            raise InvalidParameterError(
                f"The 'labels' parameter of {func} must map column names to values. "
                f"Got key {key!r} instead."
            )
        if key in (CASE, CUSTOMER, TIMESTAMP):
            raise InvalidParameterError(
                f"The 'labels' parameter of {func} cannot set {key!r} (it must come from a "
                f"column); it may set {list(_LABELLABLE)!r} or new extra columns."
            )
        if key in _LABELLABLE and mapping.get(_param_of(key)) is not None:
            raise InvalidParameterError(
                f"The 'labels' parameter of {func} sets {key!r}, which the "
                f"{_param_of(key)!r} parameter already maps to column {mapping[_param_of(key)]!r}. "
                "Give one or the other."
            )


def _param_of(target: str) -> str:
    return {v: k for k, v in _TARGET.items()}[target]


def _extras(df: pd.DataFrame, mapping: dict[str, Any], keep: Any, func: str) -> dict[str, str]:
    if keep is None or keep is False:
        return {}
    mapped = {c for c in mapping.values() if c is not None}
    if keep is True:
        out = {str(c): str(c) for c in df.columns if c not in mapped}
    elif isinstance(keep, Mapping):
        out = {str(k): str(v) for k, v in keep.items()}
    elif isinstance(keep, Sequence) and not isinstance(keep, str):
        out = {str(k): str(k) for k in keep}
    else:
        raise InvalidParameterError(
            f"The 'keep' parameter of {func} must be a list of column names, a dict "
            f"{{source: new_name}} or True. Got {keep!r} instead."
        )
    for src, new in out.items():
        check_column(df.columns, src, "keep", func)
        if new in CANONICAL_COLUMNS or new == "_row":
            new_name = f"source_{new}"
            out[src] = new_name
    return out


def _constant(value: Any, m: int) -> pd.Categorical:
    if value is None:
        return pd.Categorical.from_codes(np.full(m, -1, dtype=np.int8), categories=[])
    return pd.Categorical.from_codes(np.zeros(m, dtype=np.int8), categories=[str(value)])


# accepted spellings (case-insensitive) of the three directions
_DIRECTION_WORDS = {
    **{d: d for d in DIRECTIONS},
    "in": "inbound",
    "incoming": "inbound",
    "out": "outbound",
    "outgoing": "outbound",
    "int": "internal",
}


def _directions(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    missing = blank_mask(values)
    cat = to_categorical(values)
    words = pd.Index([str(c).strip().lower() for c in cat.categories], dtype=object)
    known = np.asarray([w in _DIRECTION_WORDS for w in words], dtype=bool)
    codes = np.asarray(cat.codes).astype(np.int64)
    present = codes >= 0
    bad = present & ~(known[np.maximum(codes, 0)] if len(known) else False) & ~missing
    target = np.asarray(
        [DIRECTIONS.index(_DIRECTION_WORDS[w]) if w in _DIRECTION_WORDS else -1 for w in words],
        dtype=np.int64,
    )
    new_codes = np.where(present & ~bad, target[np.maximum(codes, 0)] if len(target) else -1, -1)
    out = pd.Series(pd.Categorical.from_codes(new_codes.astype(np.int8), dtype=DIRECTION_DTYPE))
    return out, bad


def _duplicates(frame: pd.DataFrame) -> np.ndarray:
    """Exact duplicates after sorting: they share case and timestamp, so they are adjacent runs."""
    case = frame[CASE].cat.codes.to_numpy()
    ts = frame[TIMESTAMP].array.asi8
    cand = np.zeros(len(frame), dtype=bool)
    cand[1:] = (case[1:] == case[:-1]) & (ts[1:] == ts[:-1])
    if not cand.any():
        return cand
    # rows inside runs of equal (case, timestamp): compare them on every column
    in_run = cand.copy()
    in_run[:-1] |= cand[1:]
    sub = frame.loc[in_run].drop(columns="_row")
    dup_sub = sub.astype(object).duplicated(keep="first").to_numpy()
    out = np.zeros(len(frame), dtype=bool)
    out[np.flatnonzero(in_run)[dup_sub]] = True
    return out


def _rejected_rows(df: pd.DataFrame, reasons: np.ndarray) -> pd.DataFrame:
    bad = np.flatnonzero(reasons != None)  # noqa: E711
    rows = df.iloc[bad].copy()
    rows.columns = [str(c) for c in rows.columns]
    for col in ("row", "reason"):
        if col in rows.columns:
            rows = rows.rename(columns={col: f"source_{col}"})
    rows.insert(0, "row", bad.astype(np.int64))
    rows["reason"] = reasons[bad].astype(object)
    return rows.reset_index(drop=True)


def _warn_rejected(rejected: pd.DataFrame, n: int, name: str | None) -> None:
    if not len(rejected):
        return
    counts = rejected["reason"].value_counts().sort_index()
    detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
    src = f" of source {name!r}" if name else ""
    warnings.warn(
        f"{len(rejected)} of {n} rows{src} were rejected ({detail}); they are kept in "
        "log.rejected with a 'reason' column.",
        DataQualityWarning,
        stacklevel=3,
    )
