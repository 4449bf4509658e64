"""The derived tables every analysis reads: the single place they are computed.

Discovery, the analyzers and the comparisons are defined on these tables. Each has
a fixed schema, written below, so that another engine (DuckDB, Spark) can produce
the same tables and the analyses run on them unchanged. Each is computed in one
vectorised pass over the sorted log and cached on the (immutable) log. Where an
analysis needs only two or three arrays of a table, it may take them straight from
the log's sorted arrays instead of building the DataFrame (the journey map's
directly-follows pairs, the handoffs between owners: at 10M events the table costs
more than the analysis); the tests check those against these tables or against
brute-force loops over the events.

``case_table(log)`` — one row per journey, in log order:

==============  =====================  ==============================================
column          dtype                  meaning
==============  =====================  ==============================================
case_id         category               the journey
customer_id     category               its customer
start, end      datetime64[ns, UTC]    first and last event time
duration        timedelta64[ns]        ``end - start``
n_events        int64                  events in the journey
first_activity  category               first touchpoint
last_activity   category               last touchpoint
ongoing         bool                   the journey may still continue (censored)
==============  =====================  ==============================================

``transitions(log, level)`` — one row per pair of consecutive events of a journey:

==========  ================  ==========================================================
column      dtype             meaning
==========  ================  ==========================================================
case_id     category          the journey
source      category          ``level`` value of the earlier event (NaN when missing)
target      category          ``level`` value of the later event
gap         timedelta64[ns]   time between the two events
position    int64             row of the earlier event in ``log.events``
step        int32             0 for a journey's first transition, 1 for the next, ...
==========  ================  ==========================================================

``visits(log, level)`` — one row per (journey, ``level`` value) pair that occurs, in
(journey, first visit) order; events whose ``level`` value is missing are left out:

==========  ================  ==========================================================
column      dtype             meaning
==========  ================  ==========================================================
case_id     category          the journey
value       category          the ``level`` value (touchpoint, stage, department, ...)
first       int64             row in ``log.events`` of the journey's first event with it
last        int64             row of the journey's last event with it
n_visits    int64             how many events of the journey have it
==========  ================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._arrays import EventArrays
from ._kernels import group_order
from ._validation import near_matches, validate_params
from .errors import GoalNotFoundError, InvalidParameterError
from .schema import ACTIVITY, CASE, CUSTOMER, TIMESTAMP

if TYPE_CHECKING:
    from .log import JourneyLog

__all__ = [
    "arrays",
    "EventArrays",
    "new_log",
    "case_codes",
    "event_times",
    "case_table",
    "transitions",
    "goal_mask",
    "case_goals",
    "converted",
    "visits",
    "Goal",
]

#: A goal: one touchpoint name, several, or a predicate over the events DataFrame.
Goal = str | Iterable[str] | Callable[[pd.DataFrame], Any]


def arrays(log: JourneyLog) -> EventArrays:
    """The read-only arrays analyses read: journey boundaries, codes, times, the cache.

    Modules outside the core read a log only through this (and its public
    attributes); see :mod:`journeymine._arrays`. ``arrays(log).partition(i, j)``
    offers the same interface over the whole journeys ``i .. j - 1``.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.derive import arrays
    >>> a = arrays(jm.datasets.load_sample())
    >>> a.case[:3].tolist(), bool(a.case.flags.writeable)
    ([0, 0, 0], False)
    """
    return EventArrays(log)


def new_log(log: JourneyLog, events: pd.DataFrame | None = None, **changes: Any) -> JourneyLog:
    """A new log sharing everything with ``log`` but the events and what ``changes`` names.

    This is how modules outside the core derive a log from another one. ``events``
    must already be canonical and sorted as the log keeps them (by journey, time and
    input order); ``changes`` may name ``rejected``, ``ongoing`` (one flag per
    journey), ``name``, ``customer_key``, ``observation_end`` and ``stitching``.
    Nothing is checked or copied, and the new log starts with an empty cache.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.derive import new_log
    >>> log = jm.datasets.load_sample()
    >>> renamed = new_log(log, name="renamed")
    >>> renamed.name, len(renamed) == len(log), log.name == "renamed"
    ('renamed', True, False)
    """
    return log._replace(events, **changes)


def case_codes(log: JourneyLog) -> np.ndarray:
    """The journey (case code) of every event, as int64, in log order (a read-only array).

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.derive import case_codes
    >>> log = jm.datasets.load_sample()
    >>> codes = case_codes(log)
    >>> codes.dtype, codes[:3].tolist(), int(codes[-1]) == log.n_cases - 1
    (dtype('int64'), [0, 0, 0], True)
    """
    # once per log, read-only: the analyzers ask for it a dozen times (80 MB at 10M events)
    return arrays(log).case


def event_times(log: JourneyLog) -> np.ndarray:
    """Event timestamps as int64 nanoseconds since the epoch, in log order.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> from journeymine.derive import event_times
    >>> df = pd.DataFrame({"c": ["x", "x", "y"], "a": ["A", "B", "A"],
    ...                    "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01"])})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> ns = event_times(log)
    >>> ns.dtype, (ns - ns[0]).tolist()
    (dtype('int64'), [0, 86400000000000, 0])
    """
    return np.asarray(log._events[TIMESTAMP].array.asi8, dtype=np.int64)


@validate_params({"log": ["log"]})
def case_table(log: JourneyLog) -> pd.DataFrame:
    """One row per journey: customer, start, end, duration, size, first and last touchpoint.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.derive import case_table
    >>> log = jm.datasets.load_sample()
    >>> t = case_table(log)
    >>> list(t.columns)
    ['case_id', 'customer_id', 'start', 'end', 'duration', 'n_events', 'first_activity', 'last_activity', 'ongoing']
    >>> int(t["n_events"].sum()) == len(log)
    True
    """
    key = ("case_table",)

    def compute() -> pd.DataFrame:
        ev = log._events
        off = log._offsets
        first = off[:-1]
        last = off[1:] - 1
        ts = ev[TIMESTAMP]
        cust = ev[CUSTOMER].array
        act = ev[ACTIVITY].array
        start = ts.array[first]
        end = ts.array[last]
        table = pd.DataFrame(
            {
                # the log's own dtype: no re-validation of a million journey ids
                CASE: pd.Categorical.from_codes(
                    np.arange(len(first)), dtype=ev[CASE].dtype, validate=False
                ),
                CUSTOMER: cust[first],
                "start": start,
                "end": end,
                "duration": end - start,
                "n_events": (off[1:] - off[:-1]).astype(np.int64),
                "first_activity": act[first],
                "last_activity": act[last],
                "ongoing": log._ongoing.copy(),
            }
        )
        return table

    return log._cached(key, compute)


@validate_params({"log": ["log"], "level": ["column"]})
def transitions(log: JourneyLog, level: str = ACTIVITY) -> pd.DataFrame:
    """One row per pair of consecutive events of the same journey.

    Parameters
    ----------
    log : JourneyLog
    level : str, default "activity"
        The event column whose values label ``source`` and ``target``.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> from journeymine.derive import transitions
    >>> df = pd.DataFrame({"c": ["x", "x", "x", "y"], "a": ["A", "B", "A", "A"],
    ...                    "t": pd.date_range("2025-01-01", periods=4, freq="h")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> transitions(log)[["case_id", "source", "target", "gap", "step"]]
      case_id source target             gap  step
    0       x      A      B 0 days 01:00:00     0
    1       x      B      A 0 days 01:00:00     1
    """
    key = ("transitions", level)

    def compute() -> pd.DataFrame:
        codes, labels = log._codes(level, "transitions")
        ev = log._events
        case = ev[CASE].cat.codes.to_numpy()
        ts = ev[TIMESTAMP].array.asi8
        # a transition starts at every event but a journey's last: select with one mask
        # (contiguous compress passes, cheaper than gathers by position)
        same = case[1:] == case[:-1]
        pos = np.flatnonzero(same)
        tr_case = case[:-1][same]
        step = (pos - log._offsets[tr_case]).astype(np.int32)
        # codes are valid by construction: reuse dtypes rather than re-validating categories
        level_dtype = pd.CategoricalDtype(labels)
        table = pd.DataFrame(
            {
                CASE: pd.Categorical.from_codes(tr_case, dtype=ev[CASE].dtype, validate=False),
                "source": pd.Categorical.from_codes(
                    codes[:-1][same], dtype=level_dtype, validate=False
                ),
                "target": pd.Categorical.from_codes(
                    codes[1:][same], dtype=level_dtype, validate=False
                ),
                "gap": pd.to_timedelta((ts[1:] - ts[:-1])[same], unit="ns"),
                "position": pos.astype(np.int64),
                "step": step,
            }
        )
        return table

    return log._cached(key, compute)


def goal_mask(
    log: JourneyLog, goal: Goal, *, param: str = "goal", func: str = "this function"
) -> np.ndarray:
    """Boolean array over ``log.events``: True where the event is a goal event.

    ``goal`` is a touchpoint name, a list of names, or a predicate that takes the
    events DataFrame and returns a boolean Series or array. Names that never occur
    raise :class:`~journeymine.GoalNotFoundError` listing near matches.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.derive import goal_mask
    >>> log = jm.datasets.load_sample()
    >>> int(goal_mask(log, "purchase").sum()) > 0
    True
    >>> goal_mask(log, "purchse")
    Traceback (most recent call last):
    ...
    journeymine.errors.GoalNotFoundError: The 'goal' parameter of this function names touchpoints that never occur in the log: ['purchse']. Did you mean 'purchase'? ...
    """
    ev = log._events
    if callable(goal):
        out = goal(ev.copy(deep=False))
        arr = np.asarray(out, dtype=object)
        if arr.shape != (len(ev),):
            raise InvalidParameterError(
                f"The {param!r} parameter of {func} must be a touchpoint name, a list of names, or "
                f"a predicate returning one boolean per event ({len(ev)}). Got a predicate "
                f"returning shape {arr.shape} instead."
            )
        return np.asarray(pd.Series(out).fillna(False).to_numpy(), dtype=bool)
    names = [goal] if isinstance(goal, str) else list(goal) if isinstance(goal, Iterable) else None
    if not names or not all(isinstance(g, str) for g in names):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a touchpoint name, a list of names, or "
            f"a predicate over the events. Got {goal!r} instead."
        )
    codes, labels = log._codes(ACTIVITY, func)
    idx = labels.get_indexer(pd.Index(names, dtype=object))
    if (idx < 0).any():
        missing = [n for n, i in zip(names, idx, strict=True) if i < 0]
        near = near_matches(missing[0], labels)
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise GoalNotFoundError(
            f"The {param!r} parameter of {func} names touchpoints that never occur in the log: "
            f"{missing!r}.{hint} The log has {len(labels)} touchpoints, e.g. "
            f"{[str(x) for x in labels[:8]]!r}."
        )
    hit = np.zeros(len(labels), dtype=bool)
    hit[idx] = True
    return hit[codes] if len(codes) else np.zeros(0, dtype=bool)


@validate_params({"log": ["log"], "goal": ["goal", "predicate"]})
def case_goals(log: JourneyLog, goal: Goal) -> pd.DataFrame:
    """Per journey: whether it converted and where its first goal event is.

    Returns a DataFrame in ``case_table`` order with ``converted`` (bool) and
    ``first_goal`` (row of the first goal event in ``log.events``, -1 if none).
    A goal that does not fit the log raises as :func:`goal_mask` does (the functions
    that take a ``goal`` of their own read :func:`converted`, whose errors name them).

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.derive import case_goals
    >>> g = case_goals(jm.datasets.load_sample(), "purchase")
    >>> bool(0 < g["converted"].mean() < 1)
    True
    """
    return _case_goals(log, goal, "case_goals")


def converted(log: JourneyLog, goal: Goal, func: str) -> np.ndarray:
    """``case_goals(log, goal)["converted"]`` as an array, for a function ``func`` whose
    own ``goal`` parameter this is: a goal that does not fit the log is named as func's."""
    return _case_goals(log, goal, func)["converted"].to_numpy()


def _case_goals(log: JourneyLog, goal: Goal, func: str) -> pd.DataFrame:
    # predicates are not cached (two lambdas cannot be told apart); names are
    key = None if callable(goal) else ("case_goals", goal if isinstance(goal, str) else repr(goal))

    def compute() -> pd.DataFrame:
        mask = goal_mask(log, goal, func=func)
        case = log._events[CASE].cat.codes.to_numpy()
        n_cases = log.n_cases
        first = np.full(n_cases, -1, dtype=np.int64)
        hits = np.flatnonzero(mask)
        if len(hits):
            # hits are in row order, so the first hit of each case is where the case changes
            hc = case[hits]
            is_first = np.r_[True, hc[1:] != hc[:-1]]
            first[hc[is_first]] = hits[is_first]
        out = pd.DataFrame({"converted": first >= 0, "first_goal": first})
        return out

    return log._cached(key, compute)


def visits(log: JourneyLog, level: str = ACTIVITY) -> pd.DataFrame:
    """One row per (journey, ``level`` value) pair: first and last event with it, and how many.

    The shared base of drop-offs, dead ends and loops ("did the journey reach this
    touchpoint, where first, how often"). Events whose ``level`` value is missing
    are left out.

    Parameters
    ----------
    log : JourneyLog
    level : str, default "activity"
        The event column whose values are visited (``"stage"`` after
        :func:`~journeymine.map_stages`, ``"department"``, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> from journeymine.derive import visits
    >>> df = pd.DataFrame({"c": ["x", "x", "x", "y"], "a": ["A", "B", "A", "B"],
    ...                    "t": pd.date_range("2025-01-01", periods=4, freq="h")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> visits(log)
      case_id value  first  last  n_visits
    0       x     A      0     2         2
    1       x     B      1     1         1
    2       y     B      3     3         1
    """
    key = ("visits", level)

    def compute() -> pd.DataFrame:
        codes, labels = log._codes(level, "visits")
        codes = np.asarray(codes)
        case = log._events[CASE].cat.codes.to_numpy()
        valid = codes >= 0
        # rows by (value, row): a stable radix sort over the (few) values keeps each
        # value's rows in log order, so each run of one journey is one visit; no sort
        # by (journey, value) and none by first row (3x faster at 10M events)
        if valid.all():
            order = group_order(codes, len(labels))
        else:
            pos = np.flatnonzero(valid)
            order = pos[group_order(codes[pos], len(labels))]
        if len(order):
            v, c = codes[order], case[order]
            starts = np.flatnonzero(np.r_[True, (v[1:] != v[:-1]) | (c[1:] != c[:-1])])
            ends = np.r_[starts[1:], len(order)]
        else:
            starts = ends = np.zeros(0, dtype=np.int64)
        first_rows = order[starts]
        # the visits in order of their first event: one scatter of (last - first, count)
        # packed in an int64 to each visit's first row, then one pass in row order
        packed = ((order[ends - 1] - first_rows) << 32) | (ends - starts)
        is_first = np.zeros(len(codes), dtype=bool)
        is_first[first_rows] = True
        at_row = np.empty(len(codes), dtype=np.int64)
        at_row[first_rows] = packed
        # the three integer columns as one block: pandas would copy them into one
        block = np.empty((3, len(first_rows)), dtype=np.int64)
        first = block[0]
        first[:] = np.flatnonzero(is_first)
        packed = at_row[is_first]
        np.add(first, packed >> 32, out=block[1])
        np.bitwise_and(packed, 0xFFFFFFFF, out=block[2])
        table = pd.DataFrame(block.T, columns=["first", "last", "n_visits"], copy=False)
        # codes are valid by construction: reuse dtypes rather than re-validating
        table.insert(
            0,
            CASE,
            pd.Categorical.from_codes(case[first], dtype=log._events[CASE].dtype, validate=False),
        )
        table.insert(
            1,
            "value",
            pd.Categorical.from_codes(
                codes[first], dtype=pd.CategoricalDtype(labels), validate=False
            ),
        )
        return table

    return log._cached(key, compute)
