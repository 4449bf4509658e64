"""Handoffs between departments (or channels, agents, ...): delays, ping-pongs, repeat contacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._stats import newcombe_diff_ci, rate
from .._validation import Interval, to_timedelta, validate_params, warn
from ..derive import Goal, arrays, case_codes, event_times
from ..errors import DataQualityWarning
from ..log import JourneyLog
from ..schema import DEPARTMENT, DIRECTION
from . import _common as C
from ._provenance import stamp

__all__ = ["handoffs"]

#: How soon after a handoff a contact is a repeat contact, when ``window`` is not given.
_DEFAULT_WINDOW = pd.Timedelta("7D")


@validate_params(
    {
        "log": ["log"],
        "level": ["column"],
        "goal": ["goal", "predicate", None],
        "window": ["duration", None],
        "self_service": ["channels", None],
        "min_handoffs": [Interval(int, 1, None)],
    }
)
def handoffs(
    log: JourneyLog,
    *,
    level: str = DEPARTMENT,
    goal: Goal | None = None,
    window: str | pd.Timedelta | None = None,
    self_service: Sequence[str] | None = C.SELF_SERVICE,
    min_handoffs: int = 20,
) -> pd.DataFrame:
    """Per ordered pair (from, to): how often work passes between owners, and what it costs.

    A handoff is a pair of consecutive *owned* events of a journey whose ``level`` values
    differ. Events with a missing ``level`` value are skipped (the handoff goes from the
    last owned event to the next one): a web page with no department between a
    support and a billing event is still a support -> billing handoff, and its delay
    is the time between those two owned events.

    Parameters
    ----------
    log : JourneyLog
    level : str, default "department"
        The column whose changes are handoffs: ``"department"``, ``"channel"`` (channel
        switches), ``"resource"`` (agent changes) or any other column.
    goal : str, list of str or callable, optional
        With a goal, compare the conversion of journeys with each handoff against
        journeys without it.
    window : str or Timedelta, optional
        How soon after a handoff a customer contact counts as a repeat contact; 7 days
        when omitted. Giving it asks for the repeat-contact columns: on a log without
        ``direction`` values that is warned about (otherwise they are NaN silently).
    self_service : list of str or None, default ("web", "app")
        Channels whose inbound events are self-service use rather than customer
        contacts (matched ignoring case); None counts every inbound event.
    min_handoffs : int, default 20
        Pairs with fewer handoffs are kept but placed after all the others, so a pair
        seen twice never leads the table however costly its two handoffs look.

    Returns
    -------
    pandas.DataFrame
        One row per (from, to) pair with at least one handoff, columns:

        =====================  =========================================================
        from, to               the two owners (``level`` values)
        handoffs               how many handoffs from -> to
        journeys               journeys with at least one
        median_delay           median time between the two events of the handoff
        p90_delay              90th percentile of that time
        customer_hours         ``handoffs x median_delay`` in hours: the time customers'
                               journeys spend across this handoff (the sort key)
        ping_pongs             handoffs from -> to whose next handoff goes straight back
                               (from -> to -> from)
        ping_pong_journeys     journeys with such a ping-pong
        repeat_contacts        handoffs after which the customer contacts the company
                               again within ``window`` (an inbound event after the
                               handoff's second event, not on a self-service channel)
        repeat_contact_share   ``repeat_contacts / handoffs`` ("will I have to repeat
                               myself?"); NaN when the log has no ``direction``
        conversion_with        with ``goal``: conversion of journeys with the handoff
        conversion_without     conversion of the other journeys
        conversion_difference  ``conversion_with - conversion_without``
        difference_low,        95% Newcombe confidence interval of the difference
        difference_high
        ping_pong_conversion   conversion of journeys with a ping-pong on this pair
        ping_pong_difference   ``ping_pong_conversion`` minus the conversion of journeys
                               with this handoff but no ping-pong on it
        conversions_lost       ``journeys x max(0, -conversion_difference)`` plus
                               ``ping_pong_journeys x max(0, -ping_pong_difference)``
                               (journeys with known outcome): conversions the handoff
                               and its ping-pongs are associated with losing
        =====================  =========================================================

        Conversion columns are NaN without ``goal``; rates are over journeys whose
        outcome is known (ongoing journeys that have not converted are left out).
        Sorted by cost: pairs with at least ``min_handoffs`` handoffs first (the smaller
        ones are kept, after them), each part by ``customer_hours`` (how often the
        handoff happens times its median delay, which a few stray months-long gaps do
        not dominate as they would a sum of delays), then ``conversions_lost`` (with a
        goal), then "bad handoffs" (``ping_pongs + repeat_contacts``: bounced back, or the
        customer had to come back), then ``handoffs`` (all descending), then names.
        Ping-pongs and conversion effects are columns to sort by, not the default order:
        :func:`~journeymine.pain_points` weighs them against comparable journeys.

    Raises
    ------
    MissingColumnError
        If ``level`` is not a column or has no values (with how to map it).

    Warns
    -----
    DataQualityWarning
        If ``window`` is given but the log has no ``direction`` values: the
        repeat-contact columns it asks for are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "a"],
    ...     "tp": ["question", "transfer", "transfer back", "call again"],
    ...     "dept": ["support", "billing", "support", "support"],
    ...     "dir": ["inbound", "internal", "internal", "inbound"],
    ...     "t": pd.to_datetime(["2025-01-01 09:00", "2025-01-01 09:10",
    ...                          "2025-01-01 09:30", "2025-01-02 09:00"]),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t",
    ...                      department="dept", direction="dir")
    >>> jm.handoffs(log)[["from", "to", "handoffs", "customer_hours", "ping_pongs"]]
          from       to  handoffs  customer_hours  ping_pongs
    0  billing  support         1        0.333333           0
    1  support  billing         1        0.166667           1
    """
    func = "handoffs"
    win = _DEFAULT_WINDOW if window is None else to_timedelta(window, "window", func)
    if window is not None and not C.has_values(log, DIRECTION):
        warn(
            f"{func}: the log has no 'direction' values, so repeat contacts after handoffs "
            "cannot be found (repeat_contacts and repeat_contact_share are NaN). "
            + C._HINTS[DIRECTION],
            DataQualityWarning,
        )
    table, _ = _handoffs(log, level, goal, win, self_service, func, min_handoffs=min_handoffs)
    return stamp(
        table,
        log,
        func,
        level=level,
        goal=goal,
        window=window,
        self_service=self_service,
        min_handoffs=min_handoffs,
    )


def _handoffs(
    log: JourneyLog,
    level: str,
    goal: Goal | None,
    win: pd.Timedelta,
    self_service: Sequence[str] | None,
    func: str,
    *,
    min_handoffs: int = 20,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The handoff table and its parts (for pain_points), once per log and settings.

    ``parts["order"][i]`` is the pair (an index into ``parts["uniq"]``) of row ``i`` of
    the table. Never warns: the caller knows whether the repeat-contact columns (which
    need ``direction``) were asked for.
    """
    C.level_codes(log, level, func)
    codes = C.require_values(
        log, level, func, f"whose values change at a handoff (level={level!r})"
    )
    skip = C.names(self_service)
    has_direction = C.has_values(log, DIRECTION)
    key = ("analyzers.handoffs", level, C.goal_key(goal), win.value, tuple(skip), min_handoffs)
    return C.memo(
        log,
        key,
        lambda: _handoff_results(
            log, level, codes, goal, win, skip, has_direction, func, min_handoffs
        ),
    )


def _handoff_results(
    log: JourneyLog,
    level: str,
    codes: np.ndarray,
    goal: Goal | None,
    win: pd.Timedelta,
    self_service: list[str],
    has_direction: bool,
    func: str,
    min_handoffs: int = 20,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    labels = arrays(log).labels(level, func)
    out = C.outcome(log, goal, func) if goal is not None else None
    h = _handoff_table(log, codes)
    L = max(len(labels), 1)
    pair = h["src"] * L + h["dst"]
    uniq, inv = K.distinct_inverse(pair)
    P = len(uniq)
    n_h = np.bincount(inv, minlength=P)
    # handoffs are in log order, so their journeys (h["case"]) never decrease
    jour = K.distinct_cases(inv, h["case"], n_h)
    q = K.group_quantiles(inv, h["delay"], P, (0.5, 0.9), global_positions=True)
    # ping-pong: the next handoff of the same journey goes straight back
    nxt_same = np.r_[h["case"][1:] == h["case"][:-1], False]
    back = np.zeros(len(inv), dtype=bool)
    if len(inv) > 1:
        back[:-1] = nxt_same[:-1] & (h["dst"][1:] == h["src"][:-1])
    n_pp = np.bincount(inv[back], minlength=P)
    pp_j = K.distinct_cases(inv[back], h["case"][back], n_pp)
    if has_direction:
        contact = C.contact_mask(log, self_service, func, "to find repeat contacts")
        rep = _followed_by(log, contact, h["to_row"], h["case"], win.value)
        n_rep = np.bincount(inv[rep], minlength=P).astype(float)
        rep_share = rate(n_rep, n_h)
    else:
        n_rep = np.full(P, np.nan)
        rep_share = np.full(P, np.nan)
    g = pair_groups(out, h["case"], inv, P, back) if out is not None else None
    conv = _conversion_by_pair(g, P)
    table = pd.DataFrame(
        {
            "from": C.labels_of(labels, uniq // L),
            "to": C.labels_of(labels, uniq % L),
            "handoffs": n_h.astype(np.int64),
            "journeys": jour,
            "median_delay": K.ns_to_timedelta(q[:, 0]),
            "p90_delay": K.ns_to_timedelta(q[:, 1]),
            "customer_hours": n_h * np.nan_to_num(q[:, 0]) / 3.6e12,
            "ping_pongs": n_pp.astype(np.int64),
            "ping_pong_journeys": pp_j,
            "repeat_contacts": n_rep,
            "repeat_contact_share": rep_share,
            **conv,
        }
    )
    if not np.isnan(n_rep).any():
        table["repeat_contacts"] = table["repeat_contacts"].astype(np.int64)
    bad = table["ping_pongs"].to_numpy() + np.nan_to_num(table["repeat_contacts"].to_numpy(float))
    order = np.lexsort(
        (
            C.sort_key(table["to"]),
            C.sort_key(table["from"]),
            -table["handoffs"].to_numpy(),
            -bad,
            -np.nan_to_num(table["conversions_lost"].to_numpy(float)),
            -table["customer_hours"].to_numpy(),
            table["handoffs"].to_numpy() < min_handoffs,  # small pairs last
        )
    )
    parts = {"case": h["case"], "uniq": uniq, "inv": inv, "back": back, "groups": g, "order": order}
    return table.iloc[order].reset_index(drop=True), parts


def _handoff_table(log: JourneyLog, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Handoffs over consecutive owned events: case, src, dst, from_row, to_row, delay (ns)."""
    case = case_codes(log)
    ts = event_times(log)
    valid = codes >= 0
    # every event has an owner: rows are positions, no gathers
    pos = None if valid.all() else np.flatnonzero(valid)
    pc, pv = (case, codes) if pos is None else (case[pos], codes[pos])
    hi = np.flatnonzero((pc[1:] == pc[:-1]) & (pv[1:] != pv[:-1])) if len(pv) > 1 else pv[:0]
    from_row, to_row = (hi, hi + 1) if pos is None else (pos[hi], pos[hi + 1])
    return {
        "case": pc[hi],
        "src": pv[hi],
        "dst": pv[hi + 1],
        "from_row": from_row,
        "to_row": to_row,
        "delay": ts[to_row] - ts[from_row],
    }


def _followed_by(
    log: JourneyLog, event_mask: np.ndarray, rows: np.ndarray, cases: np.ndarray, window_ns: int
) -> np.ndarray:
    """Whether a flagged event of the same journey follows each row within the window."""
    n = len(event_mask)
    if not n or not len(rows) or not event_mask.any():
        return np.zeros(len(rows), dtype=bool)
    case = case_codes(log)
    ts = event_times(log)
    # the next flagged row after each row: a running minimum from the end (two linear
    # passes; a binary search per row was 4x slower at 7M handoffs)
    after = np.where(event_mask, np.arange(n), n)[::-1]
    np.minimum.accumulate(after, out=after)
    nxt = np.r_[after[::-1][1:], n][rows]
    ok = nxt < n
    nxt = np.minimum(nxt, n - 1)
    return ok & (case[nxt] == cases) & (ts[nxt] - ts[rows] <= window_ns)


_CONVERSION_COLUMNS = (
    "conversion_with",
    "conversion_without",
    "conversion_difference",
    "difference_low",
    "difference_high",
    "ping_pong_conversion",
    "ping_pong_difference",
    "conversions_lost",
)


def _conversion_by_pair(g: dict[str, np.ndarray] | None, P: int) -> dict[str, np.ndarray]:
    """Conversion of journeys with each pair against journeys without it, and of ping-pongs.

    ``g`` is :func:`pair_groups`' counts, None without a goal.
    """
    if g is None:
        return {c: np.full(P, np.nan) for c in _CONVERSION_COLUMNS}
    lo, hi = newcombe_diff_ci(g["k_with"], g["n_with"], g["k_wo"], g["n_wo"])
    p_with = rate(g["k_with"], g["n_with"])
    p_wo = rate(g["k_wo"], g["n_wo"])
    p_pp = rate(g["k_pp"], g["n_pp"])
    p_npp = rate(g["k_with"] - g["k_pp"], g["n_with"] - g["n_pp"])
    lost = g["n_with"] * np.maximum(np.nan_to_num(p_wo - p_with), 0.0) + g["n_pp"] * np.maximum(
        np.nan_to_num(p_npp - p_pp), 0.0
    )
    return {
        "conversion_with": p_with,
        "conversion_without": p_wo,
        "conversion_difference": p_with - p_wo,
        "difference_low": lo,
        "difference_high": hi,
        "ping_pong_conversion": p_pp,
        "ping_pong_difference": p_pp - p_npp,
        "conversions_lost": lost,
    }


def pair_groups(
    out: C.Outcome, cases: np.ndarray, inv: np.ndarray, P: int, back: np.ndarray
) -> dict[str, np.ndarray]:
    """Known-outcome journey counts (n) and conversions (k) per pair: with the handoff,
    without it, and with a ping-pong on it."""

    def distinct(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not mask.any():
            return np.zeros(P, np.int64), np.zeros(P, np.int64)
        key = K.distinct(cases[mask].astype(np.int64) * P + inv[mask], case_major=True)
        kc, kp = key // P, key % P
        known = out.known[kc]
        n = np.bincount(kp[known], minlength=P)
        k = np.bincount(kp[known & out.converted[kc]], minlength=P)
        return n, k

    n_with, k_with = distinct(np.ones(len(inv), dtype=bool))
    n_pp, k_pp = distinct(back)
    n_all = int(out.known.sum())
    k_all = int((out.known & out.converted).sum())
    return {
        "n_with": n_with,
        "k_with": k_with,
        "n_wo": n_all - n_with,
        "k_wo": k_all - k_with,
        "n_pp": n_pp,
        "k_pp": k_pp,
    }
