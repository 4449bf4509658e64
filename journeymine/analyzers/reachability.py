"""Dead ends: touchpoints after which journeys rarely or never reach the goal."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._partitioned import is_partitioned
from .._validation import Interval, validate_params
from ..derive import Goal
from ..log import JourneyLog
from ..schema import ACTIVITY
from . import _common as C
from . import _parts_reach as P
from ._provenance import stamp

__all__ = ["dead_ends"]


@validate_params(
    {
        "log": ["log", "partitioned"],
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
    log : JourneyLog or PartitionedLog
        A :class:`~journeymine.PartitionedLog` gives the same table, computed partition
        by partition (a goal predicate then sees one partition's events at a time).
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
    params = {"goal": goal, "min_journeys": min_journeys, "level": level}
    if is_partitioned(log):
        return C.stamp_partitioned(table, "dead_ends", **params)
    return stamp(table, log, "dead_ends", **params)


def _dead_ends(
    log: JourneyLog, goal: Goal, min_journeys: int, level: str, func: str
) -> pd.DataFrame:
    """The dead-end table with an extra ``known`` column (visitors with known outcome).

    ``log`` may be a partitioned log: the counts of every partition are merged (not cached).
    """
    if is_partitioned(log):
        return P.partitioned_dead_ends(log, goal, min_journeys, level, func)
    key = ("analyzers.dead_ends", C.goal_key(goal), int(min_journeys), level)
    return C.memo(log, key, lambda: _dead_end_table(log, goal, min_journeys, level, func))


def _dead_end_table(
    log: JourneyLog, goal: Goal, min_journeys: int, level: str, func: str
) -> pd.DataFrame:
    return P.dead_end_table(P.dead_end_part(log, goal, level, func), min_journeys)


def reaches(
    log: JourneyLog, level: str, goal_events: np.ndarray, codes: np.ndarray, n_lab: int
) -> np.ndarray:
    """Per ``level`` value: is there a path to a goal value in the directly-follows graph?

    A breadth-first search backwards from the goal values over the distinct
    directly-follows pairs (:func:`._parts_reach.reach_goal`).
    """
    goal_nodes = K.distinct(codes[goal_events & (codes >= 0)])
    if not len(goal_nodes):
        return np.zeros(n_lab, dtype=bool)
    return P.reach_goal(P.back_edges(log, level, n_lab), goal_nodes, n_lab)
