"""One row per journey: outcome, size and a flag or count from every analyzer, for models and joins."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import InstanceOf, parse_duration, validate_params
from ..derive import Goal, arrays, new_log
from ..errors import DataQualityWarning, InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY, CASE, CHANNEL, CUSTOMER, DEPARTMENT, DIRECTION
from . import _common as C
from . import _members as M
from .outcomes import after_goal
from .ranking import _per_journey, _Settings
from .reachability import _dead_ends
from .repeats import _repeats
from .transfers import _handoffs

__all__ = ["journey_features"]

_FUNC = "journey_features"
_OUTCOMES = ["converted", "lost", "ongoing"]


@validate_params(
    {
        "log": ["log"],
        "goal": ["goal", "predicate"],
        "cut": [
            InstanceOf(
                (str, pd.Timedelta, dt.timedelta, np.timedelta64), "a touchpoint name or a duration"
            ),
            None,
        ],
        "level": ["column"],
        "window": ["duration"],
        "self_service": ["channels", None],
    }
)
def journey_features(
    log: JourneyLog,
    *,
    goal: Goal,
    cut: str | pd.Timedelta | None = None,
    level: str = ACTIVITY,
    window: str | pd.Timedelta = "7D",
    self_service: Sequence[str] | None = C.SELF_SERVICE,
) -> pd.DataFrame:
    """One row per journey, for joining with customer data or feeding a model.

    Parameters
    ----------
    log : JourneyLog
    goal : str, list of str or predicate
        The goal touchpoint(s), as in :func:`~journeymine.dropoffs`.
    cut : str or duration, optional
        Compute the features on each journey's events *before* this point only:
        a touchpoint name (a value of ``level``: only the events before its first
        occurrence; journeys that never reach it keep all their events) or a duration
        since the journey's first event (``"2D"``, ``pd.Timedelta("2D")``: only the
        events strictly earlier than start + duration). A string that is not a
        touchpoint of the log is read as a duration.
    level : str, default "activity"
        The column whose values are the touchpoints.
    window : duration, default "7D"
        How soon a second contact counts as a repeat (:func:`~journeymine.repeat_contacts`),
        and a handoff's reach (:func:`~journeymine.handoffs`).
    self_service : str or list of str, optional
        Channels whose inbound events are not customer contacts.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``case_id`` (in ``log.cases`` order), with columns:

        * ``customer_id``;
        * ``outcome``: ``"converted"`` (reached the goal), ``"lost"`` (finished
          without it) or ``"ongoing"`` (may still convert), always from the *whole*
          journey: it is the label to predict;
        * ``duration`` (Timedelta, first to last event), ``n_events``;
        * ``n_channels``, ``n_departments``: distinct values touched; and one boolean
          column ``channel=<name>`` per channel of the log;
        * ``dropped_at``: the touchpoint where the journey was lost, as
          :func:`~journeymine.dropoffs` counts it (text; missing otherwise);
        * ``dead_end``: visited a touchpoint flagged by :func:`~journeymine.dead_ends`
          before converting (or without converting);
        * ``handoffs`` and ``ping_pongs``: department handoffs and A -> B -> A bounces
          (:func:`~journeymine.handoffs`; only when the log has departments);
        * ``hours_waited``: hours the customer waited on the company beyond what is
          typical, the per-journey hours of :func:`~journeymine.pain_points`;
        * ``repeat_contacts``: contacts followed by another within ``window``
          (:func:`~journeymine.repeat_contacts`; only when the log has directions);
        * ``extra_visits``: visits to a touchpoint beyond the first (:func:`~journeymine.loops`);
        * ``time_to_goal`` (Timedelta): from the journey's first event to its first goal
          event, NaT for journeys that did not reach the goal;
        * ``post_goal_contacts``: the customer's contacts within 30 days after the goal
          (the ``contacts`` of :func:`~journeymine.after_goal`), 0 for journeys that did
          not reach the goal.

        ``outcome``, ``time_to_goal`` and ``post_goal_contacts`` always describe the
        *whole* journey, even with ``cut``: they are labels, not features.

        Columns of fields the log does not have are left out, never filled with zeros.

    Notes
    -----
    **Leakage.** Without ``cut``, features describe the whole journey, including what
    happened after the goal: ``dropped_at`` is set exactly for lost journeys, and
    ``n_events`` or ``duration`` grow with the purchase itself. A model trained on
    them predicts the past. To predict conversion, cut the journeys at a point known
    before the outcome (a touchpoint every journey passes before it can convert, or a
    duration since the start), and keep only journeys still undecided there. With
    ``cut``, the journeys cut short count as ongoing at the cut, so ``dropped_at`` is
    set only for journeys that ended before the cut point; journeys that never reach
    a touchpoint cut or are shorter than a duration cut keep all their events, and
    their features can still reveal the outcome (filter them out, e.g. by
    ``n_events`` or by the cut touchpoint's presence, when that matters). Journeys
    with no event before the cut have zero counts and a zero duration.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "case": ["a", "a", "a", "b", "b"],
    ...     "activity": ["visit", "visit", "buy", "visit", "leave"],
    ...     "timestamp": pd.to_datetime(["2025-01-01 10:00", "2025-01-01 11:00",
    ...                                  "2025-01-01 12:00", "2025-01-02 09:00", "2025-01-03 09:00"]),
    ...     "channel": ["web", "web", "web", "web", "email"],
    ... })
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="timestamp",
    ...                      channel="channel")
    >>> f = jm.journey_features(log, goal="buy")
    >>> f[["outcome", "n_events", "dropped_at", "extra_visits"]]
               outcome  n_events dropped_at  extra_visits
    case_id
    a        converted         3        NaN             1
    b             lost         2      leave             0
    >>> f[["n_channels", "channel=email", "channel=web"]].to_numpy().tolist()
    [[1, False, True], [2, True, True]]
    >>> f[["time_to_goal", "post_goal_contacts"]]
               time_to_goal  post_goal_contacts
    case_id
    a       0 days 02:00:00                   0
    b                   NaT                   0
    >>> jm.journey_features(log, goal="buy", cut="buy")["n_events"].tolist()
    [2, 2]
    >>> jm.journey_features(log, goal="buy", cut="90min")["n_events"].tolist()
    [2, 1]
    """
    out = C.outcome(log, goal, _FUNC)
    a = arrays(log)
    cases = a.case_ids
    label = np.where(out.converted, 0, np.where(out.ongoing, 2, 1))
    outcome = pd.Categorical.from_codes(label, categories=_OUTCOMES)
    customers = a.column(CUSTOMER).iloc[np.asarray(a.offsets[:-1])].array
    head = pd.DataFrame({CUSTOMER: customers, "outcome": outcome}, index=pd.Index(cases, name=CASE))
    sub, kept = _cut(log, cut, level)
    win = pd.Timedelta(parse_duration(window))
    feats = _features(sub, goal, level, win, self_service)
    if kept is not None:
        feats = _reindex(feats, kept, log.n_cases)
        fields = (CHANNEL, DEPARTMENT, DIRECTION)
        if any(C.has_values(log, c) != C.has_values(sub, c) for c in fields):
            # the cut left no value of a field the log has: the same columns, all zero
            whole = _features(log, goal, level, win, self_service)
            for name in whole.columns.difference(feats.columns):
                feats[name] = _zeros(whole[name])
            feats = feats[list(whole.columns)]
    feats.index = head.index
    return pd.concat([head, feats, _goal_columns(log, goal, head.index)], axis=1)


def _goal_columns(log: JourneyLog, goal: Goal, index: pd.Index) -> pd.DataFrame:
    """``time_to_goal`` and ``post_goal_contacts`` of every journey, from the whole log."""
    out = C.outcome(log, goal, _FUNC)
    a = arrays(log)
    ts = a.timestamps_ns
    first = out.first_goal
    reached = first >= 0
    ns = np.full(a.n_cases, np.iinfo(np.int64).min, dtype=np.int64)  # NaT
    if reached.any():
        starts = np.asarray(a.offsets[:-1])[reached]
        ns[reached] = ts[first[reached]] - ts[starts]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        after = after_goal(log, goal=goal)
    contacts = pd.Series(after["contacts"].to_numpy(), index=after["case_id"].astype(str))
    post = contacts.reindex(index.astype(str), fill_value=0).to_numpy(dtype=np.int64)
    return pd.DataFrame(
        {"time_to_goal": pd.to_timedelta(ns, unit="ns"), "post_goal_contacts": post},
        index=index,
    )


def _cut(log: JourneyLog, cut: Any, level: str) -> tuple[JourneyLog, np.ndarray | None]:
    """The log of the events before the cut, and the case codes (of ``log``) it keeps."""
    if cut is None:
        return log, None
    a = arrays(log)
    case = a.case
    first_row = a.offsets[:-1]
    rows = np.arange(a.n_events)
    codes, labels = C.level_codes(log, level, _FUNC)
    hit = labels.get_indexer([cut]) if isinstance(cut, str) else np.array([-1])
    if hit[0] >= 0:
        at = np.flatnonzero(codes == hit[0])
        stop = np.full(a.n_cases, -1, dtype=np.int64)
        stop[case[at][::-1]] = at[::-1]  # first occurrence per journey
        stop = np.where(stop < 0, a.offsets[1:], stop)
    else:
        try:
            span = parse_duration(cut)
        except ValueError:
            raise InvalidParameterError(
                f"The 'cut' parameter of {_FUNC} must be a touchpoint of {level!r} or a "
                f"duration such as '2D'. Got {cut!r} instead.",
                param="cut",
            ) from None
        ts = a.timestamps_ns
        limit = ts[first_row] + pd.Timedelta(span).value
        stop = _first_at_or_after(ts, case, limit, a.offsets)
    keep_rows = rows < stop[case]
    was_cut = stop < a.offsets[1:]
    kept = np.flatnonzero(stop > first_row)
    ev = log.events.loc[keep_rows].reset_index(drop=True)
    for col in (CASE, CUSTOMER):
        ev[col] = ev[col].cat.remove_unused_categories()
    ongoing = (np.asarray(a.ongoing, dtype=bool) | was_cut)[kept]
    return new_log(log, ev, ongoing=ongoing), kept


def _first_at_or_after(
    ts: np.ndarray, case: np.ndarray, limit: np.ndarray, offsets: np.ndarray
) -> np.ndarray:
    """Per journey, the first row whose time is >= its limit (its end if none)."""
    late = ts >= limit[case]
    idx = np.where(late, np.arange(len(ts)), len(ts))
    n = len(offsets) - 1
    if not len(ts):
        return offsets[1:].copy()
    starts = np.minimum(offsets[:-1], len(ts) - 1)
    first = np.minimum.reduceat(idx, starts) if n else np.zeros(0, dtype=np.int64)
    empty = offsets[1:] == offsets[:-1]
    return np.where(empty | (first >= offsets[1:]), offsets[1:], first)


def _reindex(feats: pd.DataFrame, kept: np.ndarray, n: int) -> pd.DataFrame:
    """Rows for all ``n`` journeys: those without events before the cut get zeros (and
    missing text), each column keeping its dtype."""
    full = pd.DataFrame(index=pd.RangeIndex(n))
    for name, col in feats.items():
        if pd.api.types.is_string_dtype(col.dtype):
            v = np.full(n, None, dtype=object)
            v[kept] = col.to_numpy(dtype=object)
            full[name] = pd.array(v, dtype=col.dtype)
            continue
        s = col.to_numpy()
        v = np.zeros(n, dtype=s.dtype)  # False, 0, 0.0 or a zero duration
        v[kept] = s
        full[name] = v
    return full


def _zeros(col: pd.Series) -> Any:
    """A column like ``col`` with no event counted: False, 0, a zero duration or missing."""
    if pd.api.types.is_string_dtype(col.dtype):
        return pd.array([None] * len(col), dtype=col.dtype)
    return np.zeros(len(col), dtype=col.to_numpy().dtype)


def _features(
    log: JourneyLog,
    goal: Goal,
    level: str,
    win: pd.Timedelta,
    self_service: Sequence[str] | None,
) -> pd.DataFrame:
    """The features of every journey of ``log`` (positional rows, in case order)."""
    a = arrays(log)
    n = a.n_cases
    off = np.asarray(a.offsets)
    f: dict[str, Any] = {}
    ts = a.timestamps_ns
    starts = off[:-1]
    has = off[1:] > starts
    if len(ts):
        s = np.minimum(starts, len(ts) - 1)
        lo, hi = np.minimum.reduceat(ts, s), np.maximum.reduceat(ts, s)
        f["duration"] = pd.to_timedelta(np.where(has, hi - lo, 0), unit="ns").to_numpy()
    else:
        f["duration"] = np.zeros(n, dtype="m8[ns]")
    f["n_events"] = np.diff(off).astype(np.int64)
    skip = tuple(C.names(self_service))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        f.update(_distinct(log, CHANNEL, "n_channels", per_value=True))
        f.update(_distinct(log, DEPARTMENT, "n_departments", per_value=False))
        f.update(_analyzer_flags(log, goal, level, win, skip))
    return pd.DataFrame(f)


def _distinct(log: JourneyLog, column: str, name: str, *, per_value: bool) -> dict[str, np.ndarray]:
    """Distinct values of ``column`` per journey, and one flag column per value."""
    if not C.has_values(log, column):
        return {}
    a = arrays(log)
    codes, labels = a.codes(column, _FUNC), a.labels(column, _FUNC)
    n, k = a.n_cases, max(len(labels), 1)
    ok = codes >= 0
    pairs = np.unique(a.case[ok].astype(np.int64) * k + codes[ok])
    out = {name: np.bincount(pairs // k, minlength=n).astype(np.int64)}
    if per_value:
        for j, lab in sorted(enumerate(labels), key=lambda t: str(t[1])):
            flag = np.zeros(n, dtype=bool)
            flag[pairs[pairs % k == j] // k] = True
            out[f"{column}={lab}"] = flag
    return out


def _analyzer_flags(
    log: JourneyLog, goal: Goal, level: str, win: pd.Timedelta, skip: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """A flag or count per journey from each analyzer, read from its own private parts."""
    n = log.n_cases
    out = C.outcome(log, goal, _FUNC)
    _, labels = C.level_codes(log, level, _FUNC)
    vcase, vval, _, nv = M.visit_pairs(log, level)
    lost = M.lost_at(log, out, level, _FUNC)
    dropped = np.full(n, None, dtype=object)
    dropped[vcase[lost]] = C.labels_of(labels, vval[lost])
    res: dict[str, Any] = {"dropped_at": pd.array(dropped, dtype="str")}
    d = _dead_ends(log, goal, 20, level, _FUNC)
    flagged = pd.Index([str(x) for x in labels]).get_indexer(d.loc[d["dead_end"], "touchpoint"])
    risk = M.at_risk(log, out, level) & np.isin(vval, flagged)
    res["dead_end"] = np.bincount(vcase[risk], minlength=n) > 0
    has_dept = C.has_values(log, DEPARTMENT)
    has_dir = C.has_values(log, DIRECTION)
    if has_dept:
        _, parts = _handoffs(log, DEPARTMENT, goal, win, list(skip), _FUNC)
        hc = np.asarray(parts["case"], dtype=np.int64)
        res["handoffs"] = np.bincount(hc, minlength=n).astype(np.int64)
        res["ping_pongs"] = np.bincount(hc[parts["back"]], minlength=n).astype(np.int64)
    # pain_points' defaults (factor 7, floor 1 day, no baselines): the same hours it counts
    s = _Settings(
        goal=goal,
        level=level,
        department=DEPARTMENT,
        win=win,
        min_journeys=20,
        factor=7.0,
        floor=pd.Timedelta("1D"),
        skip=list(skip),
        baselines=None,
    )
    hours, _, _, _ = _per_journey(log, s, has_dept, has_dir)
    res["hours_waited"] = np.asarray(hours, dtype=float)
    if has_dir:
        _, it = _repeats(log, win, CHANNEL, skip, False, _FUNC)
        res["repeat_contacts"] = np.bincount(it["case_repeat"], minlength=n).astype(np.int64)
    res["extra_visits"] = np.bincount(vcase, weights=nv - 1, minlength=n).astype(np.int64)
    return res
