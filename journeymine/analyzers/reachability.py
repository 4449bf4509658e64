"""Dead ends: touchpoints after which journeys rarely or never reach the goal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._stats import rate, wilson_ci
from .._validation import Interval, validate_params
from ..derive import Goal, transitions, visits
from ..log import JourneyLog
from ..schema import ACTIVITY
from . import _common as C
from ._provenance import stamp

__all__ = ["dead_ends"]


@validate_params(
    {
        "log": ["log"],
        "goal": ["goal", "predicate"],
        "min_journeys": [Interval(int, 1, None)],
        "level": ["column"],
    }
)
def dead_ends(
    log: JourneyLog, *, goal: Goal, min_journeys: int = 20, level: str = ACTIVITY
) -> pd.DataFrame:
    """Touchpoints from which journeys rarely or never go on to the goal.

    For each touchpoint, the journeys that visit it *before converting* (or never
    convert) are followed: how many reach a goal event at or after their first visit,
    against the overall conversion rate. Journeys that had already converted when they
    first visit it (e.g. post-purchase support) are left out of the rates: they say
    nothing about whether the touchpoint leads on. Ongoing journeys that have not
    converted are censored: they count in ``journeys_before_goal`` but not in the rates.

    ``journeys`` counts every journey that visits the touchpoint, the same number as
    ``journeys`` in :func:`~journeymine.dropoffs` and the node's ``journeys`` on the
    journey map (:func:`~journeymine.discover`); ``journeys_before_goal`` is the part of
    them the rates are about, and ``journeys - journeys_before_goal`` are the journeys
    that visited it only after converting.

    Parameters
    ----------
    log : JourneyLog
    goal : str, list of str or callable
        The goal touchpoint(s) or a predicate over the events.
    min_journeys : int, default 20
        Touchpoints with fewer ``journeys_before_goal`` (the base of the rates) are
        left out.
    level : str, default "activity"
        The column to analyse (``"stage"`` after :func:`~journeymine.map_stages`, ...).

    Returns
    -------
    pandas.DataFrame
        One row per touchpoint, columns:

        ======================  ==============================================================
        touchpoint              the touchpoint
        journeys                journeys visiting it (as in dropoffs and the journey map)
        journeys_before_goal    of those, journeys visiting it before converting or never
                                converting (ongoing ones included): the base of the rates
        converted               of these, journeys with a goal event at or after the visit
        conversion              ``converted`` over the ones with known outcome
        conversion_low,         95% Wilson interval of ``conversion``
        conversion_high
        overall_conversion      conversion of all journeys with known outcome
        difference              ``conversion - overall_conversion``
        exit_share              share of the (known) visiting journeys whose last event is this
                                touchpoint, unconverted
        conversions_lost        ``known visiting journeys x (overall - conversion)``
        reaches_goal            whether the directly-follows graph of the whole log has any
                                path from this touchpoint to a goal touchpoint
        dead_end                no path to the goal, or ``conversion_high`` below half the
                                overall conversion (it converts at most half as often as the
                                average journey, with 95% confidence)
        ======================  ==============================================================

        Dead ends first, then by ``conversions_lost`` (descending), then name: among
        touchpoints where journeys get stuck, the ones that cost the most conversions
        lead.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "b", "b", "c", "c"],
    ...     "tp": ["home", "buy", "home", "old faq", "home", "buy"],
    ...     "t": pd.date_range("2025-01-01", periods=6, freq="h"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> d = jm.dead_ends(log, goal="buy", min_journeys=1)
    >>> d[["touchpoint", "journeys", "journeys_before_goal", "conversion", "dead_end"]]
      touchpoint  journeys  journeys_before_goal  conversion  dead_end
    0    old faq         1                     1    0.000000      True
    1       home         3                     3    0.666667     False
    2        buy         2                     2    1.000000     False
    """
    table = _dead_ends(log, goal, min_journeys, level, "dead_ends")
    table = table.drop(columns="known").reset_index(drop=True)
    return stamp(table, log, "dead_ends", goal=goal, min_journeys=min_journeys, level=level)


def _dead_ends(
    log: JourneyLog, goal: Goal, min_journeys: int, level: str, func: str
) -> pd.DataFrame:
    """The dead-end table with an extra ``known`` column (visitors with known outcome)."""
    key = ("analyzers.dead_ends", C.goal_key(goal), int(min_journeys), level)
    return C.memo(log, key, lambda: _dead_end_table(log, goal, min_journeys, level, func))


def _dead_end_table(
    log: JourneyLog, goal: Goal, min_journeys: int, level: str, func: str
) -> pd.DataFrame:
    out = C.outcome(log, goal, func)
    codes, labels = C.level_codes(log, level, func)
    n_lab = len(labels)
    v = visits(log, level)
    vcase = v["case_id"].cat.codes.to_numpy().astype(np.int64)
    vval = v["value"].cat.codes.to_numpy().astype(np.int64)
    conv_after = out.last_goal[vcase] >= v["first"].to_numpy()
    at_risk = conv_after | ~out.converted[vcase]
    known = at_risk & (conv_after | ~out.ongoing[vcase])
    last_val = C.last_valued(log, codes)
    exits = (last_val[vcase] == vval) & ~out.converted[vcase] & ~out.ongoing[vcase]

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(vval[mask], minlength=n_lab).astype(np.int64)

    journeys = np.bincount(vval, minlength=n_lab).astype(np.int64)
    before_goal = count(at_risk)
    n_known = count(known)
    n_conv = count(conv_after)
    n_exit = count(exits & at_risk)
    overall = rate(int((out.known & out.converted).sum()), int(out.known.sum()))
    conv = rate(n_conv, n_known)
    lo, hi = wilson_ci(n_conv, n_known)
    reach = reaches(log, level, out.mask, codes, n_lab)
    dead = ~reach | (hi < overall / 2.0)
    table = pd.DataFrame(
        {
            "touchpoint": [str(x) for x in labels],
            "journeys": journeys,
            "journeys_before_goal": before_goal,
            "converted": n_conv,
            "conversion": conv,
            "conversion_low": lo,
            "conversion_high": hi,
            "overall_conversion": np.full(n_lab, overall),
            "difference": conv - overall,
            "exit_share": rate(n_exit, n_known),
            "conversions_lost": n_known * (overall - np.nan_to_num(conv, nan=overall)),
            "reaches_goal": reach,
            "dead_end": np.asarray(dead, dtype=bool),
            "known": n_known,
        }
    )
    table = table[table["journeys_before_goal"] >= min_journeys]
    order = np.lexsort(
        (
            table["touchpoint"].to_numpy(),
            -table["conversions_lost"].to_numpy(),
            ~table["dead_end"].to_numpy(),
        )
    )
    return table.iloc[order].reset_index(drop=True)


def reaches(
    log: JourneyLog, level: str, goal_events: np.ndarray, codes: np.ndarray, n_lab: int
) -> np.ndarray:
    """Per ``level`` value: is there a path to a goal value in the directly-follows graph?

    A breadth-first search backwards from the goal values over the distinct
    directly-follows pairs, one numpy step per level of the search (scipy's
    ``csgraph`` would do the same after a 0.3 s import).
    """
    goal_nodes = K.distinct(codes[goal_events & (codes >= 0)])
    out = np.zeros(n_lab, dtype=bool)
    if not len(goal_nodes):
        return out
    tr = transitions(log, level)
    src = tr["source"].cat.codes.to_numpy()
    dst = tr["target"].cat.codes.to_numpy()
    ok = (src >= 0) & (dst >= 0)
    # the distinct reversed edges (dst -> src), grouped by dst
    key = dst[ok].astype(np.int64) * n_lab + src[ok]
    if n_lab * n_lab <= 1 << 22:
        edge = np.flatnonzero(np.bincount(key, minlength=n_lab * n_lab))
    else:
        edge = K.distinct(key)
    indptr = np.r_[0, np.cumsum(np.bincount(edge // n_lab, minlength=n_lab))]
    back = edge % n_lab
    out[goal_nodes] = True
    frontier = goal_nodes
    while len(frontier):
        lo, hi = indptr[frontier], indptr[frontier + 1]
        n = hi - lo
        idx = np.repeat(lo - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(int(n.sum()))
        new = K.distinct(back[idx])
        frontier = new[~out[new]]
        out[frontier] = True
    return out
