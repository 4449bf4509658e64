"""Load events from a pandas DataFrame: the one place where source columns are mapped.

Every other loader (CSV, Parquet, JSON lines, XES, pm4py) reads its format into
a DataFrame and hands it to :func:`from_pandas`, so mapping, validation,
time-zone handling and rejected rows work the same for every source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._encode import (
    TIMESTAMP_PROBLEMS,
    as_categorical,
    encode,
    narrow_codes,
    parallel_map,
    parse_timestamps,
)
from .._validation import InstanceOf, check_column, check_type, near_matches, validate_params, warn
from ..errors import DataError, DataQualityWarning, InvalidParameterError
from ..log import DIRECTION_DTYPE, JourneyLog, canonical_order, row_order
from ..schema import (
    ACTIVITY,
    CANONICAL_COLUMNS,
    CASE,
    CHANNEL,
    CUSTOMER,
    DEPARTMENT,
    DIRECTION,
    DIRECTIONS,
    REJECT_REASONS,
    RESOURCE,
    TIMESTAMP,
)

__all__ = ["from_pandas"]

_MAPPABLE = (
    "case",
    "customer",
    "activity",
    "timestamp",
    "channel",
    "department",
    "resource",
    "direction",
)
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
_OPTIONS = (
    "labels",
    "keep",
    "tz",
    "timestamp_format",
    "dayfirst",
    "epoch_unit",
    "name",
    "drop_duplicates",
)
#: Rejection reasons as small codes while loading (0: kept).
_REASON_CODES = {reason: i + 1 for i, reason in enumerate(REJECT_REASONS)}
_REASON_NAMES = np.asarray([None, *REJECT_REASONS], dtype=object)
_NAT = np.iinfo(np.int64).min
#: The longest journey: the largest duration (``pd.Timedelta.max``), about 292 years.
_MAX_SPAN = pd.Timedelta.max.value


@validate_params({"df": [InstanceOf(pd.DataFrame, "a pandas DataFrame")]})
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
    epoch_unit: str | None = None,
    name: str | None = None,
    drop_duplicates: bool = False,
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
    epoch_unit : {"s", "ms", "us", "ns"}, optional
        Read numbers in the timestamp column as times since 1970-01-01 UTC in this
        unit. Numbers are never guessed: a timestamp column holding numbers without
        ``epoch_unit`` is an error naming this parameter.
    name : str, optional
        A label for this source (used by :func:`~journeymine.combine`).
    drop_duplicates : bool, default False
        Every row is an event, so exact duplicates are kept by default, as pm4py keeps
        them (counts then agree with pm4py's). With ``True``, a row equal to an earlier
        row of the same journey in every mapped and kept column is rejected: it goes
        to ``log.rejected`` with reason ``"duplicate"``, never silently dropped. Every
        loader (``read_csv``, ``read_parquet``, ``read_json``, ``read_xes``,
        ``from_pm4py``) takes this keyword with the same default.

    Returns
    -------
    JourneyLog
        Rows that cannot be used are in ``log.rejected`` with a ``reason``, and a
        :class:`~journeymine.DataQualityWarning` gives the counts;
        ``len(df) == len(log) + len(log.rejected)`` always holds. Times outside the
        supported range (1677-09-22 to 2262-04-11, what ``datetime64[ns]`` holds) are
        rejected rows (``timestamp_out_of_range``), as are local times that a clock
        change skips or repeats in ``tz`` (``nonexistent_local_time``,
        ``ambiguous_local_time``) and journeys longer than a duration can hold, about
        292 years (``journey_too_long``).

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
    return _from_pandas(
        df,
        case=case,
        customer=customer,
        activity=activity,
        timestamp=timestamp,
        channel=channel,
        department=department,
        resource=resource,
        direction=direction,
        labels=labels,
        keep=keep,
        tz=tz,
        timestamp_format=timestamp_format,
        dayfirst=dayfirst,
        epoch_unit=epoch_unit,
        name=name,
        drop_duplicates=drop_duplicates,
        **unknown,
    )


def _from_pandas(
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
    epoch_unit: str | None = None,
    name: str | None = None,
    drop_duplicates: bool = False,
    _text_columns: frozenset[str] = frozenset(),
    _encoded: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    _source_rows: Callable[[np.ndarray], pd.DataFrame] | None = None,
    **unknown: Any,
) -> JourneyLog:
    """:func:`from_pandas`, for the readers too.

    ``_text_columns`` names categorical columns that a reader decoded from text (the
    Parquet reader reads text columns dictionary-encoded): their blank values count as
    missing, as in a text column. ``_encoded`` gives some columns' codes and labels as
    :func:`~journeymine._encode.encode` would compute them (the Parquet reader encodes
    text from its Arrow dictionaries), and ``_source_rows`` the source rows at given
    positions as the rejected rows show them (default: ``df.iloc[positions]``).
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
    return _build(
        df,
        mapping,
        labels=dict(labels or {}),
        keep=keep,
        tz=tz,
        timestamp_format=timestamp_format,
        dayfirst=dayfirst,
        epoch_unit=epoch_unit,
        name=name,
        drop_duplicates=drop_duplicates,
        func=func,
        text_columns=_text_columns,
        encoded=_encoded,
        rejected_source=_source_rows,
    )


def _build(
    df: pd.DataFrame,
    mapping: dict[str, Any],
    *,
    labels: dict[str, Any],
    keep: Any,
    tz: str,
    timestamp_format: str | None,
    dayfirst: bool,
    epoch_unit: str | None,
    name: str | None,
    drop_duplicates: bool,
    func: str,
    text_columns: frozenset[str] = frozenset(),
    encoded: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    rejected_source: Callable[[np.ndarray], pd.DataFrame] | None = None,
) -> JourneyLog:
    """The body of :func:`from_pandas` (``mapping`` checked here).

    Each mapped source column is encoded once (one hash pass) into integer codes and
    sorted labels; rejection masks, the selection of kept rows and the sort by
    (case, timestamp) all work on those codes, and the categoricals are built once,
    already in log order. ``text_columns`` names categorical columns that the caller
    decoded from text (the Parquet reader): their blank values count as missing, as
    they would in a text column; ``encoded`` and ``rejected_source`` are the
    ``_encoded`` and ``_source_rows`` of :func:`_from_pandas`.
    """
    case, customer = mapping["case"], mapping["customer"]
    df = _named_columns(df, mapping, keep, func)
    _check_mapping(df, mapping, labels, func)
    if case is None and customer is None:
        raise InvalidParameterError(
            f"{func} needs a journey identifier: the 'case' or the 'customer' parameter must "
            f"name a column of the data {[str(c) for c in df.columns]!r}. Got neither."
        )
    extras = _extras(df, mapping, keep, func)
    n = len(df)
    enc = _Encoded(df, text_columns, encoded)
    reasons, ts_ns, dir_codes = _reasons(
        enc,
        mapping,
        tz=tz,
        timestamp_format=timestamp_format,
        dayfirst=dayfirst,
        epoch_unit=epoch_unit,
        func=func,
    )
    ok = reasons == 0
    rows = None if bool(ok.all()) else np.flatnonzero(ok)
    frame, case_codes, ts_sorted, order = _frame(
        enc, mapping, labels, extras, rows, ts_ns, dir_codes, func
    )
    if drop_duplicates and len(frame):
        dup = _duplicates(frame, case_codes, ts_sorted)
        if dup.any():
            source_rows = np.arange(n) if rows is None else rows
            source_rows = source_rows if order is None else source_rows[order]
            reasons[source_rows[dup]] = _REASON_CODES["duplicate"]
            frame = frame.loc[~dup].reset_index(drop=True)
            for col in (CASE, CUSTOMER):
                frame[col] = frame[col].cat.remove_unused_categories()
    rejected = _rejected_rows(df, reasons, rejected_source)
    _warn_rejected(rejected, n, name)
    return JourneyLog._from_sorted(
        frame,
        rejected=rejected,
        name=name,
        customer_key=customer if customer is not None else case,
    )


class _Encoded:
    """The source columns as (codes, labels): each hashed once, however often it is mapped."""

    def __init__(
        self,
        df: pd.DataFrame,
        text_columns: frozenset[str],
        encoded: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        self.df = df
        self.text_columns = text_columns
        self._done: dict[str, tuple[np.ndarray, np.ndarray]] = dict(encoded or {})

    def codes(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        if col not in self._done:
            self._done[col] = encode(self.df[col])
        return self._done[col]

    def blank(self, col: str) -> np.ndarray:
        """As blank_mask: missing, or (text columns only) empty/whitespace-only."""
        codes, labs = self.codes(col)
        missing = codes < 0
        if len(labs) and (col in self.text_columns or _is_text(self.df[col].dtype)):
            empty = labs == ""  # labels are stripped: "" is a blank text
            if empty.any():
                missing |= empty[codes]
        return missing


def _reasons(
    enc: _Encoded,
    mapping: dict[str, Any],
    *,
    tz: str,
    timestamp_format: str | None,
    dayfirst: bool,
    epoch_unit: str | None,
    func: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Why each row is rejected (0: kept, else 1 + position in REJECT_REASONS).

    Also returns what the checks computed on the way: the parsed times (int64 ns) and
    the direction codes (None without a direction column).
    """
    case, customer = mapping["case"], mapping["customer"]
    activity, timestamp, direction = mapping["activity"], mapping["timestamp"], mapping["direction"]
    reasons = np.zeros(len(enc.df), dtype=np.int8)

    def reject(mask: np.ndarray, reason: str) -> None:
        if mask.any():  # (usually not: skip the passes over every row)
            reasons[mask & (reasons == 0)] = _REASON_CODES[reason]

    if case is not None:
        reject(enc.blank(case), "missing_case")
    if customer is not None and case is None:
        reject(enc.blank(customer), "missing_customer")
    reject(enc.blank(activity), "missing_activity")
    ts_ns, ts_problem = parse_timestamps(
        enc.df[timestamp],
        tz=tz,
        fmt=timestamp_format,
        dayfirst=dayfirst,
        column=timestamp,
        func=func,
        epoch_unit=epoch_unit,
    )
    reject((ts_ns == _NAT) & (ts_problem == 0), "missing_timestamp")
    for i, problem in enumerate(TIMESTAMP_PROBLEMS):
        reject(ts_problem == i + 1, problem)
    dir_codes = None
    if direction is not None:
        dir_codes, bad_dir = _directions(*enc.codes(direction), enc.blank(direction))
        reject(bad_dir, "invalid_direction")
    too_long = _too_long_rows(
        enc.codes(case if case is not None else customer)[0], ts_ns, reasons == 0
    )
    if too_long is not None:
        reject(too_long, "journey_too_long")
    return reasons, ts_ns, dir_codes


def _frame(
    enc: _Encoded,
    mapping: dict[str, Any],
    labels: dict[str, Any],
    extras: dict[str, str],
    rows: np.ndarray | None,
    ts_ns: np.ndarray,
    dir_codes: np.ndarray | None,
    func: str,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray | None]:
    """The kept ``rows`` (None: all) as the log's events, sorted by (case, timestamp).

    Returns the events, their case codes and int64 ns times, and the sort ``order``
    applied to the kept rows (None when they were in order already).
    """
    case, customer = mapping["case"], mapping["customer"]
    m = len(enc.df) if rows is None else len(rows)

    def pick(values: np.ndarray) -> np.ndarray:
        return values if rows is None else values[rows]

    case_codes, case_labels = _picked(enc.codes(case if case is not None else customer), rows)
    ts_kept = pick(ts_ns)
    order = row_order(case_codes, ts_kept)

    # the mapped label columns' codes of the kept rows; narrowed first: gathering int16
    # moves half the memory of int32
    fields = {CUSTOMER: customer if case is not None else None}
    fields.update({t: mapping[f] for f, t in (("activity", ACTIVITY), ("channel", CHANNEL))})
    fields.update({t: mapping[f] for f, t in (("department", DEPARTMENT), ("resource", RESOURCE))})
    picked = {t: _picked(enc.codes(src), rows) for t, src in fields.items() if src is not None}
    arrays = [ts_kept, *(narrow_codes(c, len(labs)) for c, labs in picked.values())]
    if dir_codes is not None:
        arrays.append(pick(dir_codes))
    if order is not None:
        # gathering every column in the sorted order reads it at random: the costliest
        # step of a load after the file read. np.take releases the GIL: on threads
        arrays = parallel_map(lambda values: np.take(values, order), arrays)
    elif rows is None:  # the encoded columns as they are: copies, so no two columns share one
        arrays[1:] = [codes.copy() for codes in arrays[1:]]
    ts_sorted = arrays[0]
    sorted_codes = dict(zip(picked, arrays[1 : len(picked) + 1], strict=True))

    cols: dict[str, Any] = {}
    if order is not None:  # sorted by case: the codes are runs, rebuilt from their counts
        counts = np.bincount(case_codes, minlength=len(case_labels))
        case_codes = np.repeat(np.arange(len(case_labels), dtype=case_codes.dtype), counts)
    cols[CASE] = as_categorical(case_codes, case_labels)
    for target in (CUSTOMER, TIMESTAMP, ACTIVITY, CHANNEL, DEPARTMENT, RESOURCE):
        if target == TIMESTAMP:
            cols[target] = pd.Series(ts_sorted.view("M8[ns]"), copy=False).dt.tz_localize("UTC")
        elif target in picked:
            cols[target] = as_categorical(sorted_codes[target], picked[target][1])
        elif target == CUSTOMER:  # journeys are customers (or each is its own customer)
            cols[target] = cols[CASE].copy()  # (a column of its own, as the frame's others)
        elif target in labels:
            cols[target] = _constant(labels[target], m)
        else:
            cols[target] = pd.Categorical.from_codes(np.full(m, -1, dtype=np.int8), categories=[])
    cols[DIRECTION] = _direction_column(
        labels, arrays[-1] if dir_codes is not None else None, m, func
    )
    for src, new in extras.items():
        values = enc.df[src].reset_index(drop=True)
        if rows is not None:
            values = values.take(rows)
        if order is not None:
            values = values.take(order)
        cols[new] = values.reset_index(drop=True)
    for key, value in labels.items():
        if key not in CANONICAL_COLUMNS:
            cols[key] = [value] * m
    frame = pd.DataFrame(cols, copy=False)  # the columns are new: no second copy
    return frame[canonical_order(list(frame.columns))], case_codes, ts_sorted, order


def _direction_column(
    labels: dict[str, Any], codes: np.ndarray | None, m: int, func: str
) -> pd.Categorical:
    """The direction of the ``m`` kept events: from their ``codes``, a label, or missing."""
    if codes is not None:
        return pd.Categorical.from_codes(codes, dtype=DIRECTION_DTYPE)
    if DIRECTION in labels:
        value = labels[DIRECTION]
        if value not in DIRECTIONS and value is not None:
            raise InvalidParameterError(
                f"The 'labels' parameter of {func} must give 'direction' as one of "
                f"{list(DIRECTIONS)!r} or None. Got {value!r} instead."
            )
        return pd.Categorical([value] * m, dtype=DIRECTION_DTYPE)
    return pd.Categorical.from_codes(np.full(m, -1, dtype=np.int8), dtype=DIRECTION_DTYPE)


def _named_columns(df: pd.DataFrame, mapping: dict[str, Any], keep: Any, func: str) -> pd.DataFrame:
    """``df`` with text column names (a cheap view), refusing duplicates among those it uses."""
    names = [str(c) for c in df.columns]
    if any(not isinstance(c, str) for c in df.columns):
        df = df.set_axis(names, axis=1)
    if len(set(names)) == len(names):
        return df
    seen: set[str] = set()
    dup = sorted({c for c in names if c in seen or seen.add(c)})
    used = {v for v in mapping.values() if isinstance(v, str)}
    if keep is True:
        used |= set(names)
    elif isinstance(keep, Mapping) or isinstance(keep, Sequence) and not isinstance(keep, str):
        used |= {str(k) for k in keep}
    clash = [c for c in dup if c in used]
    if clash:
        raise DataError(
            f"The 'df' parameter of {func} has duplicate column names {clash!r}: a column "
            "must be named once to be mapped or kept. Rename them first "
            "(df.columns = [...]) or leave them out of the mapping and 'keep'."
        )
    return df


def _too_long_rows(case_codes: np.ndarray, ts: np.ndarray, ok: np.ndarray) -> np.ndarray | None:
    """The kept rows of journeys whose span is longer than a duration holds (~292 years).

    None when there are none (the usual case: one pass over the kept rows' times).
    """
    valid = ok & (case_codes >= 0)
    if bool(valid.all()):  # (the usual case: no copy of the times)
        rows, t = None, ts
    else:
        rows = np.flatnonzero(valid)
        t = ts[rows]
    if not len(t) or int(t.max()) - int(t.min()) <= _MAX_SPAN:
        return None
    if rows is None:
        rows = np.arange(len(ts))
    codes = case_codes[rows].astype(np.int64)
    n_codes = int(codes.max()) + 1
    lo = np.full(n_codes, np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full(n_codes, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(lo, codes, t)
    np.maximum.at(hi, codes, t)
    # the difference as unsigned: exact for hi >= lo, where int64 would overflow
    span = hi[codes].view(np.uint64) - lo[codes].view(np.uint64)
    bad = span > np.uint64(_MAX_SPAN)
    if not bad.any():
        return None
    out = np.zeros(len(ok), dtype=bool)
    out[rows[bad]] = True
    return out


def _check_mapping(
    df: pd.DataFrame, mapping: dict[str, Any], labels: dict[str, Any], func: str
) -> None:
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
    present = {str(c) for c in df.columns}  # one set: checking each kept column stays linear
    for src, new in out.items():
        if src not in present:
            check_column(df.columns, src, "keep", func)  # raises, listing the columns
        if new in CANONICAL_COLUMNS or new == "_row":
            new_name = f"source_{new}"
            out[src] = new_name
    return out


def _constant(value: Any, m: int) -> pd.Categorical:
    if value is None:
        return pd.Categorical.from_codes(np.full(m, -1, dtype=np.int8), categories=[])
    return pd.Categorical.from_codes(np.zeros(m, dtype=np.int8), categories=[str(value)])


def _is_text(dtype: Any) -> bool:
    """Whether blank values of a column of this dtype count as missing (as in ``blank_mask``)."""
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def _picked(
    encoded: tuple[np.ndarray, np.ndarray], rows: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The codes of the kept rows, and the labels they use (every label is used when all rows are kept)."""
    codes, labels = encoded
    return (codes, labels) if rows is None else _compact(codes[rows], labels)


def _compact(codes: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the labels no code uses (after rows were rejected), keeping their order."""
    if not len(labels):
        return codes, labels
    used = np.bincount(codes[codes >= 0], minlength=len(labels)).astype(bool)
    if used.all():
        return codes, labels
    kept = np.flatnonzero(used)
    lut = np.full(len(labels) + 1, -1, dtype=codes.dtype)
    lut[kept] = np.arange(len(kept))
    return lut[codes], labels[kept]


# accepted spellings (case-insensitive) of the three directions
_DIRECTION_WORDS = {
    **{d: d for d in DIRECTIONS},
    "in": "inbound",
    "incoming": "inbound",
    "out": "outbound",
    "outgoing": "outbound",
    "int": "internal",
}


def _directions(
    codes: np.ndarray, labels: np.ndarray, missing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Direction codes (int8, -1 when missing or invalid) of an encoded column, and the invalid rows."""
    words = [str(c).strip().lower() for c in labels]
    target = np.asarray(
        [DIRECTIONS.index(_DIRECTION_WORDS[w]) if w in _DIRECTION_WORDS else -1 for w in words]
        + [-1],
        dtype=np.int8,
    )
    out = target[codes]  # code -1 picks the trailing -1
    bad = (codes >= 0) & (out < 0) & ~missing
    return out, bad


def _duplicates(frame: pd.DataFrame, case: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Exact duplicates after sorting: they share case and timestamp, so they are adjacent runs.

    ``case`` and ``ts`` are the frame's case codes and int64 times.
    """
    cand = np.zeros(len(frame), dtype=bool)
    cand[1:] = (case[1:] == case[:-1]) & (ts[1:] == ts[:-1])
    if not cand.any():
        return cand
    # rows inside runs of equal (case, timestamp): compare them on every column
    in_run = cand.copy()
    in_run[:-1] |= cand[1:]
    sub = frame.loc[in_run]
    try:
        dup_sub = sub.astype(object).duplicated(keep="first").to_numpy()
    except TypeError:  # unhashable cells (lists, dicts) in kept columns: compare their text
        dup_sub = sub.astype(object).map(repr).duplicated(keep="first").to_numpy()
    out = np.zeros(len(frame), dtype=bool)
    out[np.flatnonzero(in_run)[dup_sub]] = True
    return out


def _rejected_rows(
    df: pd.DataFrame,
    reasons: np.ndarray,
    rejected_source: Callable[[np.ndarray], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    bad = np.flatnonzero(reasons)
    if rejected_source is not None:
        rows = rejected_source(bad)
    else:
        rows = df.iloc[bad].copy() if len(bad) else df.iloc[:0].copy()
    rows.columns = [str(c) for c in rows.columns]
    for col in ("row", "reason"):
        if col in rows.columns:
            rows = rows.rename(columns={col: f"source_{col}"})
    rows.insert(0, "row", bad.astype(np.int64))
    rows["reason"] = _REASON_NAMES[reasons[bad]]
    return rows.reset_index(drop=True)


def _warn_rejected(rejected: pd.DataFrame, n: int, name: str | None) -> None:
    if not len(rejected):
        return
    counts = rejected["reason"].value_counts().sort_index()
    detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
    src = f" of source {name!r}" if name else ""
    warn(
        f"{len(rejected)} of {n} rows{src} were rejected ({detail}); they are kept in "
        "log.rejected with a 'reason' column.",
        DataQualityWarning,
    )
