"""Outcomes over time: how long journeys take to reach the goal, and what follows it.

* :func:`time_to_goal` — the cumulative share of journeys that reached the goal by each
  time since their start, with journeys still in progress censored and journeys that
  ended without the goal as a competing ending (Aalen-Johansen cumulative incidence).
* :func:`after_goal` — what each customer does after reaching the goal, within a
  window, across their later journeys too: contacts, repeat goals, silence.

Why not lifelines: its ``AalenJohansenFitter`` breaks tied times by random jitter
through numpy's global seed and loops over the rows quadratically, so it is neither
deterministic nor fast enough here; the estimator is a few vectorised lines, written
below once, exactly, with ties handled as ties. The tests compare it with lifelines
where lifelines is installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._stats import wilson_ci, z_value
from .._validation import check_column, to_timedelta, validate_params
from ..derive import Goal, arrays, goal_mask
from ..log import JourneyLog
from ..schema import CUSTOMER
from . import _common as C
from ._provenance import KEY, stamp

__all__ = ["time_to_goal", "after_goal"]

_GOAL, _OTHER, _CENSORED = 1, 2, 0
_MISSING = "(missing)"


@validate_params(
    {
        "log": ["log"],
        "goal": ["goal", "predicate"],
        "start": ["goal", "predicate", None],
        "by": ["column", None],
    }
)
def time_to_goal(
    log: JourneyLog, *, goal: Goal, start: Goal | None = None, by: str | None = None
) -> pd.DataFrame:
    """The cumulative share of journeys that reached the goal by each time since their start.

    Each journey is followed from its first event (or from its first ``start`` event;
    journeys that never reach ``start`` are left out) until its first goal event at or
    after that point (it converted then), or its last event when it ended without the
    goal (a *competing* ending: it can no longer convert), or the end of the data when
    it is still in progress (``ongoing``, see :func:`~journeymine.split_journeys`: it is
    *censored* there, at the log's ``observation_end``, else its last event time).

    ``share_converted`` is the Aalen-Johansen estimate of the cumulative incidence of
    the goal, ``F(t) = sum over times s <= t of S(s-) d_goal(s) / n(s)``, where ``S`` is
    the Kaplan-Meier probability of no ending of either kind; with no competing ending
    it is the Kaplan-Meier ``1 - S(t)``. Tied times are handled exactly (all endings at
    a time count together; a journey censored at a time is still at risk there); no
    jitter, so the answer is deterministic. Ignoring censoring (the conversions so far
    over all journeys) would understate conversion; treating ended journeys as censored
    (plain ``1 - KM``) would overstate it.

    The 95% interval uses the delta-method variance of the Aalen-Johansen estimator
    (Marubini & Valsecchi 1995, section 10.2; Greenwood's formula when there is no
    competing ending) on the ``log(-log F)`` scale, which keeps it inside [0, 1]
    (Choudhury 2002, Statistics in Medicine 21: 1129-1144; as lifelines'
    ``AalenJohansenFitter``). Where ``F`` is 0 or 1 the interval is that point.

    Parameters
    ----------
    log : JourneyLog
    goal : str, list of str or callable
        The goal touchpoint(s) or a predicate over the events.
    start : str, list of str or callable, optional
        Measure from the journey's first ``start`` event instead of its first event
        (the time from touchpoint A to touchpoint B).
    by : str, optional
        An event column; one curve per value of it at the journey's first event
        (``"(missing)"`` where it has none).

    Returns
    -------
    pandas.DataFrame
        One row per distinct time at which a journey ended or was censored (and a row at
        time 0), per segment, sorted by segment then time. Columns: ``by`` (when given),
        ``time`` (Timedelta since start), ``share_converted``, ``ci_low``, ``ci_high``,
        ``at_risk`` (journeys still followed just before ``time``), ``converted``,
        ``ended`` (without the goal) and ``censored`` (at ``time``).
        ``table.attrs["journeymine"]`` holds ``median_time``: the first time at which
        ``share_converted`` reaches 0.5 (a Timedelta, or None where it never does), and
        ``journeys``: the number of journeys followed; both per segment (a dict) when
        ``by`` is given.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "b", "b", "c", "c", "d"],
    ...     "tp": ["visit", "buy", "visit", "buy", "visit", "leave", "visit"],
    ...     "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-04",
    ...                          "2025-01-01", "2025-01-03", "2025-01-01"]),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> t = jm.time_to_goal(log, goal="buy")
    >>> t[["time", "share_converted", "at_risk", "converted", "ended"]]
        time  share_converted  at_risk  converted  ended
    0 0 days             0.00        4          0      1
    1 1 days             0.25        3          1      0
    2 2 days             0.25        2          0      1
    3 3 days             0.50        1          1      0
    >>> t.attrs["journeymine"]["median_time"]
    Timedelta('3 days 00:00:00')
    """
    func = "time_to_goal"
    if by is not None:
        check_column(arrays(log).columns, by, "by", func)
    dur, kind, seg, labels = _follow(log, goal, start, by, func)
    parts, medians, counts = [], {}, {}
    for s, name in enumerate(labels):
        pick = seg == s
        if not pick.any():
            continue
        table = _cumulative_incidence(dur[pick], kind[pick])
        if by is not None:
            table.insert(0, by, name)
        parts.append(table)
        medians[name] = _median(table)
        counts[name] = int(pick.sum())
    if parts:
        out = pd.concat(parts, ignore_index=True)
    else:
        out = _cumulative_incidence(np.zeros(0, np.int64), np.zeros(0, np.int8))
        if by is not None:
            out.insert(0, by, pd.Series([], dtype=object))
    out = stamp(out, log, func, goal=goal, start=start, by=by)
    info = out.attrs[KEY]
    if by is None:
        info["median_time"] = medians.get("all")
        info["journeys"] = counts.get("all", 0)
    else:
        info["median_time"] = medians
        info["journeys"] = counts
    return out


def _follow(
    log: JourneyLog, goal: Goal, start: Goal | None, by: str | None, func: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Per followed journey: duration (ns), how it ended, its segment; the segment names."""
    a = arrays(log)
    case, ts, off = a.case, a.timestamps_ns, a.offsets
    n_cases = a.n_cases
    rows = np.arange(a.n_events)
    if start is None:
        origin = off[:-1].copy()
    else:
        origin = _first_row(goal_mask(log, start, param="start", func=func), case, n_cases)
    followed = origin >= 0
    gmask = goal_mask(log, goal, func=func)
    # the first goal event at or after the origin row
    after = gmask & (rows >= origin[case]) & followed[case] if len(rows) else gmask
    first_goal = _first_row(after, case, n_cases)
    ongoing = np.asarray(a.ongoing, dtype=bool)
    end_ns = _end_ns(log, ts)
    kind = np.where(first_goal >= 0, _GOAL, np.where(ongoing, _CENSORED, _OTHER)).astype(np.int8)
    last = off[1:] - 1
    stop = np.where(
        first_goal >= 0,
        ts[np.maximum(first_goal, 0)] if len(ts) else 0,
        np.where(
            ongoing, np.maximum(end_ns, ts[last] if len(ts) else 0), ts[last] if len(ts) else 0
        ),
    )
    t0 = ts[np.maximum(origin, 0)] if len(ts) else np.zeros(n_cases, np.int64)
    dur = (stop - t0).astype(np.int64)
    if by is None:
        seg = np.zeros(n_cases, dtype=np.int64)
        labels = ["all"]
    else:
        codes = np.asarray(a.codes(by, func)).astype(np.int64)
        seg_codes = codes[off[:-1]] if len(codes) else np.zeros(0, np.int64)
        names = [str(x) for x in a.labels(by, func)]
        seg = np.where(seg_codes >= 0, seg_codes, len(names))
        order = sorted(range(len(names)), key=lambda i: names[i])
        rank = np.empty(len(names) + 1, dtype=np.int64)
        rank[order] = np.arange(len(names))
        rank[len(names)] = len(names)
        seg = rank[seg]
        labels = [names[i] for i in order] + [_MISSING]
    return dur[followed], kind[followed], seg[followed], labels


def _first_row(mask: np.ndarray, case: np.ndarray, n_cases: int) -> np.ndarray:
    """Per journey, the row of its first event where ``mask`` holds (-1 if none)."""
    first = np.full(n_cases, -1, dtype=np.int64)
    hits = np.flatnonzero(mask)
    if len(hits):
        hc = case[hits]
        new = np.r_[True, hc[1:] != hc[:-1]]
        first[hc[new]] = hits[new]
    return first


def _end_ns(log: JourneyLog, ts: np.ndarray) -> int:
    """When observation ended: the log's ``observation_end``, else its last event."""
    obs = arrays(log).observation_end
    if obs is not None:
        return int(pd.Timestamp(obs).value)
    return int(ts.max()) if len(ts) else 0


def _cumulative_incidence(dur: np.ndarray, kind: np.ndarray) -> pd.DataFrame:
    """The Aalen-Johansen estimate of the goal's cumulative incidence, with its interval.

    ``dur``: int64 ns per journey; ``kind``: 1 goal, 2 competing ending, 0 censored.
    """
    times, inv = np.unique(dur, return_inverse=True)
    if not len(times) or times[0] != 0:
        times = np.r_[np.int64(0), times]
        inv = inv + 1
    m = len(times)
    d1 = np.bincount(inv, weights=kind == _GOAL, minlength=m)
    d2 = np.bincount(inv, weights=kind == _OTHER, minlength=m)
    cens = np.bincount(inv, weights=kind == _CENSORED, minlength=m)
    leaving = d1 + d2 + cens
    n = len(dur) - np.r_[0.0, np.cumsum(leaving)[:-1]]
    d = d1 + d2
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(n > 0, d / np.where(n > 0, n, 1.0), 0.0)
        surv = np.cumprod(1.0 - frac)
        s_prev = np.r_[1.0, surv[:-1]]
        h1 = np.where(n > 0, d1 / np.where(n > 0, n, 1.0), 0.0)
        f = np.cumsum(s_prev * h1)
        var = _delta_variance(f, s_prev, n, d, d1)
    low, high = _loglog_interval(f, var)
    return pd.DataFrame(
        {
            "time": pd.to_timedelta(times, unit="ns"),
            "share_converted": f,
            "ci_low": low,
            "ci_high": high,
            "at_risk": n.astype(np.int64),
            "converted": d1.astype(np.int64),
            "ended": d2.astype(np.int64),
            "censored": cens.astype(np.int64),
        }
    )


def _delta_variance(
    f: np.ndarray, s_prev: np.ndarray, n: np.ndarray, d: np.ndarray, d1: np.ndarray
) -> np.ndarray:
    """Delta-method variance of the Aalen-Johansen estimate at every time (vectorised).

    ``Var F(t_k) = sum_j<=k (F_k - F_j)^2 d_j / (n_j (n_j - d_j))
    + sum_j<=k S_{j-1}^2 d1_j (n_j - d1_j) / n_j^3
    - 2 sum_j<=k (F_k - F_j) S_{j-1} d1_j / n_j^2``; the sums over ``j`` are expanded
    in powers of ``F_k`` so that one cumulative sum gives every ``k``. Where every
    journey at risk ends (``n_j == d_j``) nothing is left to vary after, and the first
    term's weight is 0.
    """
    ok = n > 0
    nn = np.where(ok, n, 1.0)
    a = np.where(ok & (n > d), d / (nn * np.where(n > d, nn - d, 1.0)), 0.0)
    b = np.where(ok, s_prev**2 * d1 * (nn - d1) / nn**3, 0.0)
    c = np.where(ok, s_prev * d1 / nn**2, 0.0)
    a0, a1, a2 = np.cumsum(a), np.cumsum(a * f), np.cumsum(a * f * f)
    c0, c1 = np.cumsum(c), np.cumsum(c * f)
    var = f * f * a0 - 2.0 * f * a1 + a2 + np.cumsum(b) - 2.0 * (f * c0 - c1)
    return np.maximum(var, 0.0)


def _loglog_interval(f: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """95% interval of ``f`` on the ``log(-log f)`` scale; the point itself at 0 and 1."""
    z = z_value(0.95)
    inside = (f > 0) & (f < 1)
    fi = np.where(inside, f, 0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = z * np.sqrt(var) / np.abs(fi * np.log(fi))
    # log(-log f) is decreasing in f: its upper end gives the lower end of f
    low = np.where(inside, fi ** np.exp(step), f)
    high = np.where(inside, fi ** np.exp(-step), f)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _median(table: pd.DataFrame) -> pd.Timedelta | None:
    reached = np.flatnonzero(table["share_converted"].to_numpy() >= 0.5 - 1e-12)
    return table["time"].iloc[int(reached[0])] if len(reached) else None


@validate_params(
    {"log": ["log"], "goal": ["goal", "predicate"], "within": ["duration"], "level": ["column"]}
)
def after_goal(
    log: JourneyLog,
    *,
    goal: Goal,
    within: str | pd.Timedelta = "30D",
    level: str = "activity",
) -> pd.DataFrame:
    """What each customer does after reaching the goal: contacts, a repeat goal, or silence.

    For every journey that reached the goal, the events of the same customer
    (``customer_id``) after its first goal event and within ``within`` of it are read,
    in that journey and in the customer's later journeys (after
    ``split_journeys(end_at=goal)`` a journey ends at its goal, so what follows is in
    the next one). Events at the goal's own time in other journeys count when they come
    after it in log order.

    *Contacts* are inbound events on a channel that is not self-service (web, app)
    when the log has directions; without directions every event is one. Goal events
    are never contacts: they are *repeat goals*. *Activity* is every event of the
    customer in the window (inbound ones only when the log has directions), and a
    journey with none is *silent*. A window that runs past the end of the data
    (``observation_end``, else the last event) is incomplete: what was seen is a lower
    bound, and the summary leaves it out.

    ``jm.plot_journey(graph, after_goal=table)`` draws the table on the journey map: the
    summary beside each goal touchpoint, and where customers first turn after it.
    :func:`pain_points` ranks the contacts after the goal as a problem
    (``post_goal_contact``).

    Parameters
    ----------
    log : JourneyLog
    goal : str, list of str or callable
        The goal touchpoint(s) or a predicate over the events.
    within : str or Timedelta, default "30D"
        How long after the goal to look.
    level : str, default "activity"
        The column naming the touchpoints of ``goal_touchpoint`` and
        ``first_contact_touchpoint`` (the map's level, to draw the table on a map).

    Returns
    -------
    pandas.DataFrame
        One row per converted journey, in log order: ``case_id``, ``customer_id``,
        ``goal_time``, ``window_complete``, ``activity``, ``contacts``, ``repeat_goals``,
        ``first_contact_after`` (Timedelta, NaT if none), ``first_repeat_after``,
        ``outcome`` (``"contact"`` if any contact, else ``"repeat goal"``, else
        ``"self-service"`` if any activity, else ``"silence"``), ``goal_touchpoint``
        (the ``level`` value of the journey's first goal event) and
        ``first_contact_touchpoint`` (that of the first contact after it, missing if
        none).
        ``table.attrs["journeymine"]["summary"]`` is a dict over the journeys with a
        complete window: ``journeys``, ``incomplete_windows``, ``with_contact``,
        ``contact_rate`` with its 95% Wilson interval
        ``contact_rate_low``/``contact_rate_high``, ``repeat_goal_rate``,
        ``silence_rate``, and ``contacts_are``: ``"inbound contacts"`` or, without
        directions, ``"every event"``.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "who": ["a", "a", "a", "b", "b", "b"],
    ...     "tp": ["visit", "buy", "call", "visit", "buy", "visit"],
    ...     "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-05",
    ...                          "2025-01-01", "2025-01-03", "2025-03-01"]),
    ... })
    >>> log = jm.split_journeys(
    ...     jm.from_pandas(df, customer="who", activity="tp", timestamp="t"), end_at="buy")
    >>> a = jm.after_goal(log, goal="buy", within="30D")
    >>> a[["case_id", "contacts", "first_contact_after", "outcome"]]
      case_id  contacts first_contact_after   outcome
    0     a#1         1              3 days   contact
    1     b#1         0                 NaT   silence
    >>> a["first_contact_touchpoint"].tolist()
    ['call', nan]
    >>> a.attrs["journeymine"]["summary"]["contact_rate"]
    0.5
    """
    func = "after_goal"
    window = to_timedelta(within, "within", func)
    assert window is not None
    codes, labels = C.level_codes(log, level, func)
    table = _after_goal_table(log, goal, int(window.value), codes, labels, func)
    out = stamp(table, log, func, goal=goal, within=str(window), level=level)
    out.attrs[KEY]["summary"] = _after_summary(table)
    out.attrs[KEY]["summary"]["contacts_are"] = (
        "inbound contacts" if C.has_values(log, "direction") else "every event"
    )
    return out


class _Windows:
    """Per converted journey, the customer's events after its first goal, within a window.

    ``conv``: the converted journeys (case codes, in order); ``grow``: the row of each
    one's first goal event; ``order``: every event by (customer, time, row); each
    journey's window is ``order[lo:hi]``; ``complete``: the window ends before the end
    of the data. Shared by :func:`after_goal` and :func:`~journeymine.pain_points`.
    """

    def __init__(self, log: JourneyLog, gmask: np.ndarray, window: int, func: str) -> None:
        a = arrays(log)
        case, ts = a.case, a.timestamps_ns
        n = a.n_events
        first_goal = _first_row(gmask, case, a.n_cases)
        self.conv = np.flatnonzero(first_goal >= 0)
        self.grow = first_goal[self.conv]
        self.cust = np.asarray(a.codes(CUSTOMER, func)).astype(np.int64)
        # events by (customer, time, row): what follows a goal is the run after it
        self.order = C.memo(log, ("analyzers.customer_order",), lambda: _by_customer(self.cust, ts))
        pos = np.empty(n, dtype=np.int64)
        pos[self.order] = np.arange(n)
        self.g_time = ts[self.grow]
        self.lo = pos[self.grow] + 1
        # the window ends at the last of the customer's events at or before goal + within
        block_end = np.searchsorted(self.cust[self.order], self.cust[self.grow], side="right")
        self.hi = _search_right(ts[self.order], self.lo, block_end, self.g_time + window)
        self.complete = self.g_time + window <= _end_ns(log, ts)
        self._ts = ts

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per converted journey, the events of ``mask`` in its window."""
        cum = np.r_[0, np.cumsum(mask[self.order])]
        return (cum[self.hi] - cum[self.lo]).astype(np.int64)

    def first(self, mask: np.ndarray) -> np.ndarray:
        """Per converted journey, the row of the first event of ``mask`` in its window (-1)."""
        n = len(self.order)
        nxt = np.full(n + 1, n, dtype=np.int64)
        nxt[np.flatnonzero(mask[self.order])] = np.flatnonzero(mask[self.order])
        nxt = np.minimum.accumulate(nxt[::-1])[::-1]
        k = nxt[self.lo] if len(self.lo) else np.zeros(0, np.int64)
        return np.where(k < self.hi, self.order[np.minimum(k, max(n - 1, 0))], -1)

    def after(self, rows: np.ndarray) -> pd.Series:
        """The time from each goal to ``rows`` (NaT where -1)."""
        ns = np.where(rows >= 0, self._ts[np.maximum(rows, 0)] - self.g_time, 0) if len(rows) else 0
        nat = np.iinfo(np.int64).min
        return pd.Series(pd.to_timedelta(np.where(rows >= 0, ns, nat), unit="ns"))


def _by_customer(cust: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """The rows in order of (customer, time, row), read-only.

    The log is in order of (journey, time); when each customer's journeys are next to
    each other (journeys named after their customer), only the customers whose
    journeys overlap in time need a sort, and often none does.
    """
    n = len(cust)
    rows = np.arange(n)
    step = np.diff(cust)
    if n and (step >= 0).all():
        back = (step == 0) & (np.diff(ts) < 0)
        if back.any():
            hit = np.zeros(int(cust.max()) + 2, dtype=bool)
            hit[cust[1:][back] + 1] = True
            sel = np.flatnonzero(hit[cust + 1])  # whole customers, in order
            rows[sel] = sel[np.lexsort((sel, ts[sel], cust[sel]))]
    else:
        rows = np.lexsort((rows, ts, cust))
    rows.flags.writeable = False
    return rows


def _after_goal_table(
    log: JourneyLog, goal: Goal, window: int, codes: np.ndarray, labels: pd.Index, func: str
) -> pd.DataFrame:
    a = arrays(log)
    gmask = goal_mask(log, goal, func=func)
    w = _Windows(log, gmask, window, func)
    contact, active = _contact_kinds(log, gmask, func)
    contacts, repeats, activity = w.count(contact), w.count(gmask), w.count(active)
    first_contact = w.first(contact)
    outcome = np.where(
        contacts > 0,
        "contact",
        np.where(repeats > 0, "repeat goal", np.where(activity > 0, "self-service", "silence")),
    )
    return pd.DataFrame(
        {
            "case_id": a.case_ids[w.conv],
            CUSTOMER: C.labels_of(a.labels(CUSTOMER, func), w.cust[w.grow]),
            "goal_time": pd.to_datetime(w.g_time, unit="ns", utc=True),
            "window_complete": w.complete,
            "activity": activity,
            "contacts": contacts,
            "repeat_goals": repeats,
            "first_contact_after": w.after(first_contact),
            "first_repeat_after": w.after(w.first(gmask)),
            "outcome": outcome.astype(object),
            "goal_touchpoint": C.labels_of(labels, codes[w.grow]),
            "first_contact_touchpoint": C.labels_of(
                labels, np.where(first_contact >= 0, codes[np.maximum(first_contact, 0)], -1)
            ),
        }
    )


def _search_right(values: np.ndarray, lo: np.ndarray, hi: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per query, the first index in ``[lo, hi)`` whose value exceeds ``q`` (else ``hi``).

    ``values`` is sorted within each ``[lo, hi)`` only (one customer's events): a binary
    search run for all queries at once, ``log2`` of the longest range steps.
    """
    lo, hi = lo.copy(), hi.copy()
    active = lo < hi
    while active.any():
        mid = (lo + hi) // 2
        go = active & (values[np.minimum(mid, len(values) - 1)] <= q)
        lo = np.where(go, mid + 1, lo)
        hi = np.where(active & ~go, mid, hi)
        active = lo < hi
    return lo


def _contact_kinds(log: JourneyLog, gmask: np.ndarray, func: str) -> tuple[np.ndarray, np.ndarray]:
    """Per event: is it a contact, and is it customer activity (see :func:`after_goal`)."""
    if C.has_values(log, "direction"):
        contact = C.contact_mask(log, C.SELF_SERVICE, func, "contacts are inbound events")
        active = C.direction_codes(log) == 0
    else:
        contact = np.ones(len(gmask), dtype=bool)
        active = contact.copy()
    return contact & ~gmask, active | gmask


def _after_summary(table: pd.DataFrame) -> dict[str, Any]:
    done = table[table["window_complete"].to_numpy()]
    k = int((done["contacts"] > 0).sum())
    m = len(done)
    low, high = wilson_ci(k, m)

    def share(x: Any) -> float:
        return float(x) / m if m else float("nan")

    return {
        "journeys": m,
        "incomplete_windows": int(len(table) - m),
        "with_contact": k,
        "contact_rate": share(k),
        "contact_rate_low": low,
        "contact_rate_high": high,
        "repeat_goal_rate": share((done["repeat_goals"] > 0).sum()),
        "silence_rate": share((done["outcome"] == "silence").sum()),
    }
