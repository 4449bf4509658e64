"""Filter and reshape a log: keep journeys or events, add or replace columns.

Every function returns a NEW :class:`~journeymine.JourneyLog` and never changes its
input. What a log carries besides its events survives: the name, the source key of
the customers, the observation end, the ``ongoing`` (censored) flags of the journeys
kept and the rejected input rows (those of customers no journey is left for are
dropped with them; a rejected row whose customer cannot be told stays).

* :func:`filter_journeys` keeps whole journeys (by touchpoints, order, time, journey
  attributes, variants or the journeys behind a finding);
* :func:`filter_events` keeps or drops events (journeys left empty disappear);
* :func:`with_columns` adds or replaces columns; :func:`column` and :func:`concat`
  name source columns for it.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _kernels as K
from . import _rules
from ._encode import to_categorical
from ._validation import (
    InstanceOf,
    Interval,
    Names,
    Options,
    near_matches,
    show_value,
    to_timedelta,
    validate_params,
    warn,
)
from .derive import arrays, new_log
from .errors import DataQualityWarning, InvalidParameterError
from .log import DIRECTION_DTYPE, JourneyLog, canonical_order, sort_canonical
from .schema import (
    ACTIVITY,
    CANONICAL_COLUMNS,
    CASE,
    CUSTOMER,
    DIRECTION,
    DIRECTIONS,
    LABEL_COLUMNS,
    TIMESTAMP,
)

__all__ = ["filter_journeys", "filter_events", "with_columns", "column", "concat"]

_TIME = [InstanceOf((str, datetime.date, np.datetime64), "a date and time"), None]
_TOUCHPOINTS = Names("a touchpoint name or a list of them", non_empty=True)
_ATTRIBUTES = [InstanceOf(Mapping, "a dict of column -> values"), None]


# --------------------------------------------------------------------------- filter_journeys


@validate_params(
    {
        "log": ["log"],
        "contains": [_TOUCHPOINTS, None],
        "not_contains": [_TOUCHPOINTS, None],
        "followed_by": [InstanceOf((tuple, list), "a pair (A, B) or a list of pairs"), None],
        "start": _TIME,
        "end": _TIME,
        "time_rule": [Options("contained", "intersecting", "started")],
        "attributes": _ATTRIBUTES,
        "variants": [
            InstanceOf((list, tuple, pd.Series), "a list of paths (tuples of touchpoints)"),
            None,
        ],
        "top_variants": [Interval(float, 0, 1, closed="right"), None],
    }
)
def filter_journeys(
    log: JourneyLog,
    *,
    contains: str | Sequence[str] | None = None,
    not_contains: str | Sequence[str] | None = None,
    followed_by: tuple[str, str] | Sequence[tuple[str, str]] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    time_rule: str = "intersecting",
    attributes: Mapping[str, Any] | None = None,
    variants: Sequence[Sequence[str]] | None = None,
    top_variants: float | None = None,
    finding: Any = None,
) -> JourneyLog:
    """A new log with the whole journeys that meet every condition given.

    Parameters
    ----------
    log : JourneyLog
    contains : str or list of str, optional
        Keep journeys that visit each of these touchpoints (all of them).
    not_contains : str or list of str, optional
        Keep journeys that visit none of these touchpoints.
    followed_by : (A, B) or list of (A, B), optional
        Keep journeys in which an ``A`` event is eventually followed (later in the
        journey) by a ``B`` event; with several pairs, every pair must hold.
    start, end : str or Timestamp, optional
        A time window ``start <= t < end`` (either end may be open; naive times are
        UTC).
    time_rule : {"intersecting", "contained", "started"}, default "intersecting"
        Which journeys the window keeps: those with an event time span that meets
        it, those lying wholly inside it, or those whose first event is inside it.
    attributes : dict of column -> value or list of values, optional
        Keep journeys whose FIRST event has one of the values in each column (a
        segment column kept at load time, ``channel``, ...). ``None`` in the values
        matches a missing value.
    variants : list of paths, optional
        Keep journeys whose touchpoint sequence is one of these paths (tuples of
        touchpoints, as in the ``variant`` column of :func:`~journeymine.variants`).
    top_variants : float in (0, 1], optional
        Keep the journeys of the most frequent variants, as few as together cover
        at least this share of the journeys (ties broken by first appearance).
    finding : pandas.Series, optional
        A row of a findings table computed on ``log``: keep the journeys behind it
        (see :func:`~journeymine.affected_journeys`).

    Returns
    -------
    JourneyLog
        The kept journeys, unchanged, with their ``ongoing`` flags; the observation
        end stays that of ``log``.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b", "b", "c"],
    ...     "tp": ["home", "pricing", "buy", "home", "pricing", "pricing"],
    ...     "t": pd.date_range("2025-01-01", periods=6, freq="D"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> list(jm.filter_journeys(log, contains="pricing", not_contains="buy").cases["case_id"])
    ['b', 'c']
    >>> list(jm.filter_journeys(log, followed_by=("home", "pricing")).cases["case_id"])
    ['a', 'b']
    >>> jm.filter_journeys(log, start="2025-01-04", time_rule="started").n_cases
    2
    """
    func = "filter_journeys"
    a = arrays(log)
    keep = np.ones(a.n_cases, dtype=bool)
    if contains is not None:
        for tp in _names(contains):
            keep &= _visits(log, tp, "contains", func)
    if not_contains is not None:
        for tp in _names(not_contains):
            keep &= ~_visits(log, tp, "not_contains", func)
    if followed_by is not None:
        for first, then in _pairs(followed_by, func):
            keep &= _followed(log, first, then, func)
    if start is not None or end is not None:
        keep &= _in_window(log, start, end, time_rule, func)
    if attributes is not None:  # read from each journey's first event
        full = np.diff(a.offsets) > 0
        keep &= full
        keep[full] &= _attribute_rows(log, attributes, func)[a.offsets[:-1][full]]
    if variants is not None:
        keep &= _of_variants(log, variants, func)
    if top_variants is not None:
        keep &= _top_variants(log, top_variants)
    if finding is not None:
        from .analyzers import affected_journeys

        keep &= a.case_ids.isin(affected_journeys(log, finding))
    return _select(log, keep, np.ones(a.n_events, dtype=bool))


def _names(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _activity_code(log: JourneyLog, touchpoint: str, param: str, func: str) -> int:
    """The code of a touchpoint; -1 with a DataQualityWarning (and near matches) if absent."""
    labels = arrays(log).labels(ACTIVITY, func)
    idx = int(pd.Index([str(x) for x in labels]).get_indexer([touchpoint])[0])
    if idx < 0:
        near = near_matches(touchpoint, labels, 1)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        warn(
            f"{func}: the touchpoint {touchpoint!r} of the {param!r} parameter never occurs in "
            f"the log.{hint}",
            DataQualityWarning,
        )
    return idx


def _visits(log: JourneyLog, touchpoint: str, param: str, func: str) -> np.ndarray:
    """Per journey: whether it visits the touchpoint."""
    a = arrays(log)
    code = _activity_code(log, touchpoint, param, func)
    if code < 0:
        return np.zeros(a.n_cases, dtype=bool)
    return np.bincount(a.case[a.codes(ACTIVITY) == code], minlength=a.n_cases) > 0


def _pairs(value: Any, func: str) -> list[tuple[str, str]]:
    items = [value] if len(value) == 2 and all(isinstance(v, str) for v in value) else value
    out = []
    for item in items:
        if (
            not isinstance(item, tuple | list)
            or len(item) != 2
            or not all(isinstance(v, str) for v in item)
        ):
            raise InvalidParameterError(
                f"The 'followed_by' parameter of {func} must be a pair (A, B) of touchpoints or "
                f"a list of such pairs. Got {show_value(value)} instead.",
                param="followed_by",
            )
        out.append((item[0], item[1]))
    return out


def _followed(log: JourneyLog, first: str, then: str, func: str) -> np.ndarray:
    """Per journey: an event ``first`` comes before a later event ``then``."""
    a = arrays(log)
    ca = _activity_code(log, first, "followed_by", func)
    cb = _activity_code(log, then, "followed_by", func)
    out = np.zeros(a.n_cases, dtype=bool)
    if ca < 0 or cb < 0:
        return out
    codes = a.codes(ACTIVITY)
    rows_a, rows_b = np.flatnonzero(codes == ca), np.flatnonzero(codes == cb)
    first_a = np.full(a.n_cases, a.n_events, dtype=np.int64)
    last_b = np.full(a.n_cases, -1, dtype=np.int64)
    # rows are in log order: assigning in reverse leaves the first, in order the last
    first_a[a.case[rows_a[::-1]]] = rows_a[::-1]
    last_b[a.case[rows_b]] = rows_b
    return first_a < last_b


def _timestamp(value: Any, param: str, func: str) -> int:
    """A date and time as int64 UTC nanoseconds (naive: UTC)."""
    try:
        ts = pd.Timestamp(value)
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        if pd.isna(ts):
            raise ValueError("NaT")
        return int(ts.as_unit("ns").value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a date and time. "
            f"Got {show_value(value)} instead.",
            param=param,
        ) from exc


def _in_window(log: JourneyLog, start: Any, end: Any, rule: str, func: str) -> np.ndarray:
    a = arrays(log)
    lo = -(2**63) if start is None else _timestamp(start, "start", func)
    hi = 2**63 - 1 if end is None else _timestamp(end, "end", func)
    full = np.diff(a.offsets) > 0
    out = np.zeros(a.n_cases, dtype=bool)
    ts = a.timestamps_ns
    first, last = ts[a.offsets[:-1][full]], ts[a.offsets[1:][full] - 1]
    if rule == "contained":
        ok = (first >= lo) & (last < hi)
    elif rule == "started":
        ok = (first >= lo) & (first < hi)
    else:
        ok = (first < hi) & (last >= lo)
    out[full] = ok
    return out


def _attribute_rows(log: JourneyLog, attributes: Mapping[str, Any], func: str) -> np.ndarray:
    """Per event: its value is one of the wanted ones in every named column."""
    a = arrays(log)
    hit = np.ones(a.n_events, dtype=bool)
    for col, values in attributes.items():
        if not isinstance(col, str) or not a.has(col):
            near = near_matches(str(col), a.columns, 1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise InvalidParameterError(
                f"The 'attributes' parameter of {func} must map event columns of the log "
                f"{a.columns!r} to values. Got the column {show_value(col)} instead.{hint}",
                param="attributes",
            )
        wanted = [values] if isinstance(values, str) or not isinstance(values, Sequence) else values
        texts = {str(v) for v in wanted if v is not None}
        labels = a.labels(col, func)
        lut = np.append(
            np.asarray([str(x) in texts for x in labels], dtype=bool),
            any(v is None for v in wanted),  # code -1: a missing value
        )
        hit &= lut[np.asarray(a.codes(col, func))]
    return hit


def _variant_ids(log: JourneyLog) -> np.ndarray:
    a = arrays(log)
    code = np.asarray(a.codes(ACTIVITY), dtype=np.int64)
    return a.cached(("reshape.variants",), lambda: K.case_variants(code, a.offsets)[0])


def _of_variants(log: JourneyLog, paths: Sequence[Any], func: str) -> np.ndarray:
    a = arrays(log)
    labels = pd.Index([str(x) for x in a.labels(ACTIVITY, func)])
    codes = np.asarray(a.codes(ACTIVITY), dtype=np.int64)
    lens = np.diff(a.offsets)
    out = np.zeros(a.n_cases, dtype=bool)
    for path in paths:
        if isinstance(path, str) or not isinstance(path, Sequence):
            raise InvalidParameterError(
                f"The 'variants' parameter of {func} must be a list of paths, each a tuple of "
                f"touchpoints. Got the item {show_value(path)} instead.",
                param="variants",
            )
        want = labels.get_indexer([str(p) for p in path])
        if (want < 0).any():
            continue  # a touchpoint that never occurs: no journey follows the path
        match = lens == len(want)
        for i, c in enumerate(want):
            idx = np.flatnonzero(match)
            match[idx] = codes[a.offsets[idx] + i] == c
        out |= match
    return out


def _top_variants(log: JourneyLog, share: float) -> np.ndarray:
    var = _variant_ids(log)
    if not len(var):
        return np.zeros(0, dtype=bool)
    counts = np.bincount(var)
    order = np.lexsort((np.arange(len(counts)), -counts))  # most frequent, then first seen
    covered = np.cumsum(counts[order]) / len(var)
    n_top = int(np.searchsorted(covered, share - 1e-12)) + 1
    chosen = np.zeros(len(counts), dtype=bool)
    chosen[order[:n_top]] = True
    return chosen[var]


# --------------------------------------------------------------------------- filter_events


@validate_params(
    {
        "log": ["log"],
        "keep": [_TOUCHPOINTS, None],
        "drop": [_TOUCHPOINTS, None],
        "attributes": _ATTRIBUTES,
        "start": _TIME,
        "end": _TIME,
        "inactivity": ["duration", None],
    }
)
def filter_events(
    log: JourneyLog,
    *,
    keep: str | Sequence[str] | None = None,
    drop: str | Sequence[str] | None = None,
    attributes: Mapping[str, Any] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    inactivity: str | pd.Timedelta | None = None,
) -> JourneyLog:
    """A new log with only the events that meet every condition; empty journeys disappear.

    Parameters
    ----------
    log : JourneyLog
    keep : str or list of str, optional
        Keep only events of these touchpoints.
    drop : str or list of str, optional
        Drop the events of these touchpoints.
    attributes : dict of column -> value or list of values, optional
        Keep events whose value in each column is one of these (``None`` matches a
        missing value).
    start, end : str or Timestamp, optional
        Keep events with ``start <= timestamp < end`` (naive times are UTC).
    inactivity : str or Timedelta, optional
        The longest silence inside a journey, as given to
        :func:`~journeymine.split_journeys`; used only with ``end`` (see below).

    Returns
    -------
    JourneyLog
        Derived tables (``log.cases``, transitions, ...) are those of the trimmed
        journeys. With ``end``, the observation end becomes
        ``min(old observation end, end)`` and the ``ongoing`` flags are recomputed:
        a journey is ongoing when it was already, or when it had events at or after
        ``end`` (it continued beyond the new end of observation), or, with
        ``inactivity``, when its last kept event lies within ``inactivity`` of the
        new observation end. Otherwise each journey keeps its flag.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b"],
    ...     "tp": ["home", "pricing", "buy", "home"],
    ...     "t": pd.date_range("2025-01-01", periods=4, freq="D"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> jm.filter_events(log, drop="home").cases[["case_id", "n_events"]]
      case_id  n_events
    0       a         2
    >>> cut = jm.filter_events(log, end="2025-01-03")
    >>> cut.cases[["case_id", "n_events", "ongoing"]]
      case_id  n_events  ongoing
    0       a         2     True
    >>> str(cut.observation_end)
    '2025-01-03 00:00:00+00:00'
    """
    func = "filter_events"
    a = arrays(log)
    rows = np.ones(a.n_events, dtype=bool)
    codes = a.codes(ACTIVITY)
    for param, names, wanted in (("keep", keep, True), ("drop", drop, False)):
        if names is not None:
            tps = [_activity_code(log, tp, param, func) for tp in _names(names)]
            rows &= np.isin(codes, [c for c in tps if c >= 0]) == wanted
    if attributes is not None:
        rows &= _attribute_rows(log, attributes, func)
    ts = a.timestamps_ns
    if start is not None:
        rows &= ts >= _timestamp(start, "start", func)
    ongoing, obs = None, log.observation_end
    if end is not None:
        hi = _timestamp(end, "end", func)
        late = ts >= hi
        rows &= ~late
        ongoing = a.ongoing | (np.bincount(a.case[late], minlength=a.n_cases) > 0)
        old = obs.value if obs is not None else (int(ts.max()) if len(ts) else hi)
        obs = pd.Timestamp(min(old, hi), tz="UTC")
        gap = to_timedelta(inactivity, "inactivity", func)
        if gap is not None:
            ongoing |= _last_within(log, rows, obs.value - gap.value)
    return _select(log, None, rows, ongoing=ongoing, observation_end=obs)


def _last_within(log: JourneyLog, rows: np.ndarray, since: int) -> np.ndarray:
    """Per journey: its last kept event is at or after ``since``."""
    a = arrays(log)
    last = np.full(a.n_cases, np.iinfo(np.int64).min, dtype=np.int64)
    kept = np.flatnonzero(rows)
    last[a.case[kept]] = a.timestamps_ns[kept]  # rows in time order: the last write wins
    return last >= since


# --------------------------------------------------------------------------- building logs


def _select(
    log: JourneyLog,
    cases: np.ndarray | None,
    rows: np.ndarray,
    *,
    ongoing: np.ndarray | None = None,
    observation_end: pd.Timestamp | None = None,
) -> JourneyLog:
    """A new log of the ``rows`` of the journeys ``cases`` (journeys left empty disappear)."""
    a = arrays(log)
    flags = np.asarray(a.ongoing if ongoing is None else ongoing, dtype=bool)
    if cases is not None:
        rows = rows & cases[a.case]
    kept_cases = np.bincount(a.case[rows], minlength=a.n_cases) > 0
    if cases is not None:
        kept_cases &= cases
    if rows.all() and kept_cases.all() and ongoing is None and observation_end is None:
        return new_log(log)
    ev = log.events.loc[rows].reset_index(drop=True)
    for col in ev.columns:
        if isinstance(ev[col].dtype, pd.CategoricalDtype) and col != DIRECTION:
            ev[col] = ev[col].cat.remove_unused_categories()
    changes: dict[str, Any] = {"ongoing": flags[kept_cases], "rejected": _rejected_of(log, ev)}
    if observation_end is not None:
        changes["observation_end"] = observation_end
    return new_log(log, ev, **changes)


def _rejected_of(log: JourneyLog, events: pd.DataFrame) -> pd.DataFrame:
    """The rejected rows, without those of customers that no longer have a journey.

    A rejected row is matched to a customer through the source column the customers
    were loaded from (``log.customer_key``); rows without that column, or whose value
    is missing or names no customer of ``log``, stay.
    """
    rejected, key = log.rejected, log.customer_key
    if not len(rejected) or key is None or key not in rejected.columns:
        return rejected
    before = pd.Index(arrays(log).labels(CUSTOMER)).astype(str)
    gone = before[~before.isin(pd.Index(events[CUSTOMER].cat.categories).astype(str))]
    raw = rejected[key]
    value = raw.astype(str).str.strip().where(raw.notna().to_numpy(), None)
    return rejected.loc[~value.isin(gone).to_numpy()].reset_index(drop=True)


# --------------------------------------------------------------------------- with_columns


@dataclasses.dataclass(frozen=True)
class _Column:
    """A reference to an event column of the log (see :func:`column`)."""

    name: str

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        if self.name not in events.columns:
            from ._validation import check_column

            check_column(events.columns, self.name, "column", "with_columns")
        return events[self.name]


@dataclasses.dataclass(frozen=True)
class _Concat:
    """Several columns joined as text (see :func:`concat`)."""

    names: tuple[str, ...]
    sep: str

    def __call__(self, events: pd.DataFrame) -> pd.Series:
        parts = [_Column(n)(events) for n in self.names]
        missing = np.zeros(len(events), dtype=bool)
        out = None
        for p in parts:
            missing |= p.isna().to_numpy()
            text = p.astype(object).astype(str)
            out = text if out is None else out + self.sep + text
        assert out is not None
        return out.where(~missing, None)


@validate_params({"name": ["column"]})
def column(name: str) -> Callable[[pd.DataFrame], pd.Series]:
    """A reference to an event column, for :func:`with_columns` (a plain string is a constant).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> jm.with_columns(log, segment=jm.column("acquisition")).events["segment"].equals(
    ...     log.events["acquisition"].rename("segment"))
    True
    """
    return _Column(name)


@validate_params({"sep": [str]})
def concat(*columns: str, sep: str = " ") -> Callable[[pd.DataFrame], pd.Series]:
    """Event columns joined as text, for :func:`with_columns` (missing if any part is).

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["a", "a"], "name": ["Offer", "Offer"],
    ...                    "life": ["start", "complete"], "t": ["2025-01-01", "2025-01-02"]})
    >>> log = jm.from_pandas(df, case="c", activity="name", timestamp="t", keep=["life"])
    >>> jm.with_columns(log, activity=jm.concat("activity", "life")).events["activity"].tolist()
    ['Offer start', 'Offer complete']
    """
    if not columns or not all(isinstance(c, str) for c in columns):
        raise InvalidParameterError(
            "The 'columns' parameter of concat must be one or more column names. "
            f"Got {show_value(columns)} instead.",
            param="columns",
        )
    return _Concat(tuple(columns), sep)


@validate_params({"log": ["log"]})
def with_columns(log: JourneyLog, **columns: Any) -> JourneyLog:
    """A new log with columns added or replaced, canonical or kept ones.

    Each keyword names the column to set; its value is one of

    ==============================  ====================================================
    ``jm.column("name")``           a copy of another event column
    ``jm.concat("a", "b", sep=" ")``  event columns joined as text (e.g. name + lifecycle)
    a function                      called with ``log.events``; returns an array, a
                                    Series (by position) or a constant
    a list of rules (dicts)         ``{"column", "pattern", "value" | "direction",
                                    "match"}``: the first rule that matches an event sets
                                    its value; other events keep their value (missing
                                    for a new column). The format of
                                    :func:`~journeymine.classify_direction`, whose rule
                                    sets (e.g. ``"process"``) the ``direction`` accepts
    an array, Series or list        one value per event, in ``log.events`` order
    anything else (a string too)    a constant for every event
    ==============================  ====================================================

    All values are computed from the input log, then set together.
    ``case_id`` and ``timestamp`` may not be missing; changing them re-sorts the log.
    A new ``case_id`` regroups journeys: each new journey takes the ``ongoing`` flag
    of the journey its last event came from. ``direction`` must be ``inbound``,
    ``outbound``, ``internal`` or missing.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["a", "a"], "tp": ["Open ticket", "Reply"],
    ...                    "t": ["2025-01-01", "2025-01-02"]})
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> out = jm.with_columns(log, channel="email", direction=[
    ...     {"column": "activity", "pattern": "Open ticket", "direction": "inbound"},
    ...     {"column": "activity", "pattern": "Reply", "direction": "outbound"}])
    >>> out.events[["activity", "channel", "direction"]].values.tolist()
    [['Open ticket', 'email', 'inbound'], ['Reply', 'email', 'outbound']]
    """
    func = "with_columns"
    ev = log.events
    values = {name: _values(log, ev, name, spec, func) for name, spec in columns.items()}
    out = ev.copy(deep=False)
    for name, vals in values.items():
        out[name] = _typed(vals, name, func)
    out = out[canonical_order(list(out.columns))]
    if CASE not in values and TIMESTAMP not in values:
        return new_log(log, out)
    return _resorted(log, out, regrouped=CASE in values)


def _values(log: JourneyLog, ev: pd.DataFrame, name: str, spec: Any, func: str) -> pd.Series:
    """The values of one keyword, as a Series by position over the events."""
    n = len(ev)
    if _is_rules(spec, name):
        vals: Any = _by_rules(log, ev, name, spec, func)
    elif callable(spec):
        vals = spec(ev)
    else:
        vals = spec
    if isinstance(vals, pd.Series | np.ndarray | pd.Index | pd.Categorical | list | tuple):
        arr = vals.to_numpy() if isinstance(vals, pd.Series | pd.Index) else vals
        if len(arr) != n:
            raise InvalidParameterError(
                f"The {name!r} parameter of {func} must give one value per event ({n}). "
                f"Got {len(arr)} values instead.",
                param=name,
            )
        if isinstance(vals, pd.Series):
            return vals.reset_index(drop=True).rename(name)
        return pd.Series(pd.array(arr) if isinstance(arr, list | tuple) else arr, name=name)
    return pd.Series([vals] * n, name=name, dtype=object if isinstance(vals, str) else None)


def _is_rules(spec: Any, name: str) -> bool:
    """Whether a value is a rule list (``"process"`` is one only for ``direction``)."""
    if name == DIRECTION and (
        spec == "process" or isinstance(spec, list | tuple) and "process" in spec
    ):
        return True
    return isinstance(spec, list | tuple) and any(isinstance(r, Mapping) for r in spec)


def _by_rules(log: JourneyLog, ev: pd.DataFrame, name: str, rules: Any, func: str) -> pd.Series:
    """The column ``name`` set by rules over values (first matching rule wins)."""
    a = arrays(log)
    targets: list[Any] = []
    checked: list[Any] = []
    for rule in [rules] if isinstance(rules, str) else rules:
        if isinstance(rule, Mapping):
            value = rule.get("value", rule.get("direction"))
            if "value" not in rule and "direction" not in rule:
                raise InvalidParameterError(
                    f"The {name!r} parameter of {func} must be rules each with a 'value' (or "
                    f"'direction'). Got the rule {show_value(dict(rule))} instead.",
                    param=name,
                )
            if value not in targets:
                targets.append(value)
            rule = {k: v for k, v in rule.items() if k not in ("value", "direction")}
            rule["direction"] = DIRECTIONS[0]  # checked as a direction rule, value kept aside
            checked.append((rule, targets.index(value)))
        elif rule == "process" and name == DIRECTION:
            checked += [(dict(r), DIRECTIONS.index(r["direction"])) for r in _rules.PROCESS_RULES]
            targets += [d for d in DIRECTIONS if d not in targets]
        else:
            raise InvalidParameterError(
                f"The {name!r} parameter of {func} must be rules, each a dict with 'column', "
                "'pattern' and 'value' (and optionally 'match'; 'process' stands for the "
                f"process rules of direction only). Got the item {show_value(rule)} instead.",
                param=name,
            )
    if name == DIRECTION and any(t not in DIRECTIONS for t in targets):
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must be rules whose direction is one of "
            f"{list(DIRECTIONS)!r}. Got {show_value([t for t in targets if t not in DIRECTIONS])} "
            "instead.",
            param=name,
        )
    if name == DIRECTION:  # direction codes are the values' positions in DIRECTIONS
        checked = [(r, DIRECTIONS.index(targets[i])) for r, i in checked]
        targets = list(DIRECTIONS)
    if len(targets) > 127:
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must set at most 127 distinct values by rules. "
            f"Got {len(targets)} instead.",
            param=name,
        )
    parsed = _rules.parse_rules([r for r, _ in checked], name, func)
    bad = _rules.column_problems([r for r, _ in checked], a.columns, name)
    if bad:
        raise InvalidParameterError(
            f"The {name!r} parameter of {func} must be rules over event columns. " + " ".join(bad),
            param=name,
        )
    parsed = tuple(
        dataclasses.replace(p, direction=i) for p, (_, i) in zip(parsed, checked, strict=True)
    )
    got = _rules.classify(
        parsed, lambda c: (a.codes(c, func), a.labels(c, func)), np.full(a.n_events, -1)
    )
    table = np.asarray(targets, dtype=object)
    old = ev[name].astype(object) if name in ev.columns else pd.Series([None] * len(ev))
    new = np.where(got >= 0, table[np.maximum(got, 0)] if len(table) else None, old.to_numpy())
    return pd.Series(new, name=name, dtype=object)


def _typed(vals: pd.Series, name: str, func: str) -> Any:
    """The values in the dtype the column has in a log."""
    if name in (CASE, CUSTOMER, *LABEL_COLUMNS):
        if name in (CASE, ACTIVITY) and vals.isna().any():
            raise InvalidParameterError(
                f"The {name!r} parameter of {func} must give a value for every event. "
                f"Got {int(vals.isna().sum())} missing values instead.",
                param=name,
            )
        return to_categorical(vals)
    if name == DIRECTION:
        text = vals.astype(object)
        bad = text.notna() & ~text.isin(list(DIRECTIONS))
        if bad.any():
            raise InvalidParameterError(
                f"The {name!r} parameter of {func} must give {list(DIRECTIONS)!r} or missing "
                f"values. Got {show_value(sorted(set(map(str, text[bad])))[:5])} instead.",
                param=name,
            )
        return pd.Categorical(text.where(text.notna(), None), dtype=DIRECTION_DTYPE)
    if name == TIMESTAMP:
        try:
            ts = pd.to_datetime(vals, utc=True).dt.as_unit("ns")
        except (ValueError, TypeError, OverflowError) as exc:
            raise InvalidParameterError(
                f"The {name!r} parameter of {func} must give dates and times. "
                f"Got {show_value(vals.head(3).tolist())} instead.",
                param=name,
            ) from exc
        if ts.isna().any():
            raise InvalidParameterError(
                f"The {name!r} parameter of {func} must give a time for every event. "
                f"Got {int(ts.isna().sum())} missing values instead.",
                param=name,
            )
        return ts
    if name in CANONICAL_COLUMNS:  # pragma: no cover - every canonical column is handled above
        raise AssertionError(name)
    return vals.to_numpy() if isinstance(vals.dtype, np.dtype) else vals.array


def _resorted(log: JourneyLog, events: pd.DataFrame, *, regrouped: bool) -> JourneyLog:
    """A log of events whose case or timestamp changed: sorted again, flags carried over."""
    a = arrays(log)
    old_case = a.case
    frame = events.assign(_old_case=old_case)
    if not regrouped:  # same journeys, same codes: only the order inside journeys changes
        frame = sort_canonical(frame)
        return new_log(log, frame.drop(columns="_old_case"))
    frame = sort_canonical(frame)
    case = frame[CASE].cat.codes.to_numpy()
    n_new = len(frame[CASE].cat.categories)
    last = np.full(n_new, -1, dtype=np.int64)
    last[case] = np.arange(len(case))  # the last row of each new journey
    ongoing = a.ongoing[frame["_old_case"].to_numpy()[last]] if len(case) else np.zeros(0, bool)
    return new_log(log, frame.drop(columns="_old_case"), ongoing=ongoing)
