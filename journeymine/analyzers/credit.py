"""Which channels (or any label column) earn conversions: rule-based and Markov attribution."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._stats import rate
from .._validation import Options, to_timedelta, validate_params
from ..derive import Goal, arrays
from ..log import JourneyLog
from ..schema import CHANNEL
from . import _common as C
from ._provenance import stamp

__all__ = ["attribution"]

#: The row of the conversions that had no touch before the goal.
NONE_ROW = "(none)"

METHODS = ("first_touch", "last_touch", "linear", "time_decay", "markov")


@validate_params(
    {
        "log": ["log"],
        "goal": ["goal", "predicate"],
        "method": [Options(*METHODS)],
        "level": ["column"],
        "half_life": ["duration"],
    }
)
def attribution(
    log: JourneyLog,
    *,
    goal: Goal,
    method: str = "linear",
    level: str = CHANNEL,
    half_life: str | pd.Timedelta = "7D",
) -> pd.DataFrame:
    """Conversions credited to the values of ``level`` that touched the journeys before their goal.

    The touches of a converted journey are its events before its first goal event that
    have a ``level`` value (the goal event itself is not a touch). Each converted
    journey hands out one conversion:

    * ``"first_touch"`` — all of it to its first touch;
    * ``"last_touch"`` — all of it to its last touch before the goal;
    * ``"linear"`` — equal shares to every touch (a value touched twice gets two shares);
    * ``"time_decay"`` — shares proportional to ``2 ** (-age / half_life)``, ``age``
      being the time from the touch to the goal event;
    * ``"markov"`` — a first-order Markov chain over the values, with a start state
      and two absorbing states, conversion and null, fitted on the paths of the
      converted journeys (up to the goal) and of the journeys that ended without
      converting. ``P(conv)`` is the chain's probability of absorption in
      conversion (solved exactly, ``(I - Q) h = r``). The removal effect of a value is
      ``1 - P(conv without it) / P(conv)``, where removing a value sends every
      transition into it to null. The conversions of the journeys with a touch are
      shared among the values in proportion to their removal effects.

    Conversions with no touch before the goal (the goal is the journey's first event,
    or no earlier event has a ``level`` value) are counted in a ``(none)`` row, so that
    ``conversions`` always sums to the converted journeys. Journeys still ongoing that
    have not converted are left out: they are neither converted nor lost (censored).
    A journey still ongoing that has already converted counts as converted.

    Parameters
    ----------
    log : JourneyLog
    goal : str, list of str or callable
        The goal touchpoint(s), or a predicate over the events.
    method : {"first_touch", "last_touch", "linear", "time_decay", "markov"}, default "linear"
    level : str, default "channel"
        The event column whose values earn the conversions (``"activity"``,
        ``"department"``, ``"stage"``, ...).
    half_life : str or Timedelta, default "7D"
        For ``"time_decay"``: a touch this long before the goal counts half as much
        as one at the goal.

    Returns
    -------
    pandas.DataFrame
        One row per value of ``level`` that occurs in the journeys considered (the
        converted ones up to their goal and the lost ones), then the ``(none)`` row
        when some conversions had no touch. Columns:

        ===============  ===========================================================
        ``<level>``      the value (the column is named after ``level``)
        conversions      conversions credited to it (float; sums to the converted
                         journeys)
        share            ``conversions`` over all conversions
        journeys         converted journeys it touched before their goal
        removal_effect   (``method="markov"`` only) ``1 - P(conv without it) / P(conv)``
        ===============  ===========================================================

        Sorted by ``conversions`` (descending), then by value; ``(none)`` last.

    Raises
    ------
    GoalNotFoundError
        If ``goal`` names touchpoints that never occur (with near matches).
    MissingColumnError
        If ``level`` is not a column of the log.
    InvalidParameterError
        For an unknown ``method`` or a non-positive ``half_life``.

    See Also
    --------
    dropoffs : Where journeys stop.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b", "b", "b", "c", "c"],
    ...     "tp": ["ad", "mail", "buy", "mail", "ad", "buy", "ad", "leave"],
    ...     "ch": ["social", "email", "web", "email", "social", "web", "social", "web"],
    ...     "t": pd.date_range("2025-01-01", periods=8, freq="D"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", channel="ch")
    >>> jm.attribution(log, goal="buy", method="first_touch")
      channel  conversions  share  journeys
    0   email          1.0    0.5         2
    1  social          1.0    0.5         2
    2     web          0.0    0.0         0
    >>> m = jm.attribution(log, goal="buy", method="markov")
    >>> m[["channel", "conversions", "removal_effect"]].round(3)
      channel  conversions  removal_effect
    0  social        1.059           0.750
    1   email        0.941           0.667
    2     web        0.000           0.000
    """
    func = "attribution"
    hl = to_timedelta(half_life, "half_life", func)
    assert hl is not None
    table = _attribution_table(log, goal, method, level, hl.value, func)
    return stamp(table, log, func, goal=goal, method=method, level=level, half_life=half_life)


def _attribution_table(
    log: JourneyLog, goal: Goal, method: str, level: str, hl_ns: int, func: str
) -> pd.DataFrame:
    out = C.outcome(log, goal, func)
    codes, labels = C.level_codes(log, level, func)
    a = arrays(log)
    case = a.case
    n_lab = len(labels)
    rows = np.arange(len(codes), dtype=np.int64)
    conv, first_goal = out.converted, out.first_goal
    valued = codes >= 0
    # touches: events of converted journeys before their first goal event, with a value
    touch = np.flatnonzero(valued & conv[case] & (rows < first_goal[case]))
    tcase = case[touch]
    n_touch = np.bincount(tcase, minlength=a.n_cases)
    n_none = int((conv & (n_touch == 0)).sum())
    # the values of the paths considered: converted up to the goal, and lost journeys
    lost = ~conv & ~out.ongoing
    path = np.flatnonzero(valued & ((conv[case] & (rows < first_goal[case])) | lost[case]))
    present = np.bincount(codes[path], minlength=n_lab) > 0
    journeys = np.zeros(n_lab, dtype=np.int64)
    if len(touch):
        pair = np.unique(tcase * n_lab + codes[touch])
        journeys = np.bincount(pair % n_lab, minlength=n_lab)
    removal = None
    if method == "markov":
        credit, removal = _markov(log, codes, n_lab, path, conv, n_none)
    else:
        w = _weights(method, touch, tcase, n_touch, a.timestamps_ns, first_goal, hl_ns)
        credit = np.bincount(codes[touch], weights=w, minlength=n_lab)
    keep = np.flatnonzero(present)
    total = float(conv.sum())
    data: dict[str, object] = {
        level: [str(labels[i]) for i in keep],
        "conversions": credit[keep].astype(float),
        "share": rate(credit[keep], np.full(len(keep), total)),
        "journeys": journeys[keep].astype(np.int64),
    }
    if removal is not None:
        data["removal_effect"] = removal[keep]
    table = pd.DataFrame(data)
    order = np.lexsort((table[level].to_numpy(), -table["conversions"].to_numpy()))
    table = table.iloc[order].reset_index(drop=True)
    if n_none:
        none = {level: NONE_ROW, "conversions": float(n_none), "share": n_none / total}
        none["journeys"] = n_none
        if removal is not None:
            none["removal_effect"] = np.nan
        table = pd.concat([table, pd.DataFrame([none])], ignore_index=True)
        table["journeys"] = table["journeys"].astype(np.int64)
    return table


def _weights(
    method: str,
    touch: np.ndarray,
    tcase: np.ndarray,
    n_touch: np.ndarray,
    ts: np.ndarray,
    first_goal: np.ndarray,
    hl_ns: int,
) -> np.ndarray:
    """Each touch's share of its journey's conversion (the shares of a journey sum to 1)."""
    w = np.zeros(len(touch))
    if not len(touch):
        return w
    new = np.r_[True, tcase[1:] != tcase[:-1]]
    end = np.r_[tcase[1:] != tcase[:-1], True]
    if method == "first_touch":
        w[new] = 1.0
    elif method == "last_touch":
        w[end] = 1.0
    elif method == "linear":
        w = 1.0 / n_touch[tcase]
    else:  # time_decay
        age = (ts[first_goal[tcase]] - ts[touch]).astype(float)
        raw = np.exp2(-age / float(hl_ns))
        sums = np.bincount(tcase, weights=raw, minlength=len(n_touch))
        w = raw / sums[tcase]
    return w


def _markov(
    log: JourneyLog,
    codes: np.ndarray,
    n_lab: int,
    path: np.ndarray,
    conv: np.ndarray,
    n_none: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Credit and removal effect per value from the first-order chain over the paths.

    States: 0 start, ``1 + code`` the values, ``n_lab + 1`` conversion, ``n_lab + 2`` null.
    """
    a = arrays(log)
    case = a.case
    lost = ~conv & ~np.asarray(a.ongoing, dtype=bool)
    S = n_lab + 3
    CONV, NULL = n_lab + 1, n_lab + 2
    terminal = np.where(conv, CONV, NULL)
    pcase = case[path]
    state = codes[path] + 1
    same_next = np.r_[pcase[1:] == pcase[:-1], False]
    nxt = np.where(same_next, np.r_[state[1:], 0], terminal[pcase])
    # start -> first state (or straight to the ending for a journey with no touch)
    inc = np.flatnonzero(conv | lost)
    first_state = terminal[inc].copy()
    if len(path):
        new = np.r_[True, pcase[1:] != pcase[:-1]]
        at = np.searchsorted(inc, pcase[new])
        first_state[at] = state[new]
    src = np.r_[state, np.zeros(len(inc), dtype=np.int64)]
    dst = np.r_[nxt, first_state]
    counts = np.bincount(src * S + dst, minlength=S * S).reshape(S, S).astype(float)
    transient = np.r_[0, np.flatnonzero(counts[1 : n_lab + 1].sum(axis=1) > 0) + 1]
    base = _p_conv(counts, transient, CONV)
    removal = np.zeros(n_lab)
    for s in transient[1:]:
        p = _p_conv(counts, transient[transient != s], CONV)
        removal[s - 1] = 1.0 - p / base if base > 0 else np.nan
    credit = np.zeros(n_lab)
    touched = float(conv.sum()) - n_none
    total_effect = np.nansum(removal)
    if touched > 0 and total_effect > 0:
        credit = touched * np.nan_to_num(removal) / total_effect
    return credit, removal


def _p_conv(counts: np.ndarray, transient: np.ndarray, conv_state: int) -> float:
    """Probability of absorption in conversion from the start (transient[0]), the states
    left out of ``transient`` sending their inflow to null."""
    out = counts[transient].sum(axis=1)
    out = np.where(out > 0, out, 1.0)
    Q = counts[np.ix_(transient, transient)] / out[:, None]
    r = counts[transient, conv_state] / out
    h = np.linalg.solve(np.eye(len(transient)) - Q, r)
    return float(h[0])
