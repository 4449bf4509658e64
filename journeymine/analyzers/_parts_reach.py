"""Drop-offs and dead ends as mergeable partial counts (private).

:func:`~journeymine.dropoffs` and :func:`~journeymine.dead_ends` are tables of counts per
``level`` value over whole journeys, so each splits into a *partial* on one log (or one
partition of a :class:`~journeymine._partitioned.PartitionedLog`: whole journeys) and a
*merge* that adds the counts by label text. The tables are computed from the merged
counts only, so a log in memory (the one-partition case) and its partitions give the
same tables to the last bit. The overall conversion of the dead ends comes from the
merged counts of converted and known journeys, and whether a value can reach the goal
from the union of the partitions' distinct directly-follows pairs (the same set as the
whole log's).

A goal given by names is matched in every partition against the names that occur there;
a name that occurs in no partition raises :class:`~journeymine.GoalNotFoundError` after
the merge, worded as on the whole log. A goal predicate runs on each partition's events
(so it must decide event by event, as a predicate over the whole log does).
"""

from __future__ import annotations

import itertools
import os
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._partitioned import union_labels
from .._stats import rate, wilson_ci
from ..derive import Goal, arrays, transitions, visits
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY
from . import _common as C

__all__: list[str] = []


# ---------------------------------------------------------------------- the goal on partitions
@dataclass(frozen=True)
class GoalSeen:
    """Which goal names a partition has (None for a predicate), and, when it lacks one,
    its touchpoints (for the error message)."""

    found: np.ndarray | None
    activities: list[str] | None


def _goal_seen(log: JourneyLog, found: np.ndarray | None, func: str) -> GoalSeen:
    if found is None or found.all():
        return GoalSeen(found, None)
    labels = arrays(log).labels(ACTIVITY, func)
    return GoalSeen(found, [str(x) for x in labels])


def check_goal(seen: list[GoalSeen], names: list[str] | None, func: str) -> None:
    """Raise GoalNotFoundError for goal ``names`` that occur in no partition."""
    if names is None or not seen:
        return
    found = np.logical_or.reduce([s.found for s in seen if s.found is not None])
    if found.all():
        return
    labels, _ = union_labels([s.activities or [] for s in seen])
    missing = [n for n, f in zip(names, found, strict=True) if not f]
    raise C.not_found_error("goal", func, missing, labels)


_PREDICATES: dict[str, Any] = {}
_TOKENS = itertools.count()


@dataclass(frozen=True)
class _Registered:
    """A goal predicate that cannot be pickled (a lambda), kept in this process: worker
    processes forked by the partitioned engine see it without pickling."""

    token: str


@contextmanager
def goal_for_workers(goal: Goal, names: list[str] | None) -> Iterator[Any]:
    """The goal as sent to the partitions: its ``names`` (:func:`C.goal_names`), a
    picklable predicate, or a reference to a predicate registered here while the
    partitions run."""
    if names is not None:
        yield names
        return
    try:
        pickle.dumps(goal)
    except Exception:  # any reason it cannot travel: keep it here
        token = f"{os.getpid()}-{next(_TOKENS)}"
        _PREDICATES[token] = goal
        try:
            yield _Registered(token)
        finally:
            _PREDICATES.pop(token, None)
        return
    yield goal


def resolve_goal(goal: Any, func: str) -> Goal:
    """The goal a worker runs with (see :func:`goal_for_workers`)."""
    if not isinstance(goal, _Registered):
        return goal
    if goal.token not in _PREDICATES:
        raise InvalidParameterError(
            f"The 'goal' parameter of {func} must be a predicate that can be pickled (a "
            "function defined at module level, not a lambda) to run on this engine's "
            "workers. Got a predicate that cannot be pickled instead."
        )
    return _PREDICATES[goal.token]


def _outcome(log: JourneyLog, goal: Goal, func: str, strict: bool) -> tuple[C.Outcome, GoalSeen]:
    if strict:
        return C.outcome(log, goal, func), GoalSeen(None, None)
    mask, found = C.part_goal_mask(log, resolve_goal(goal, func), func)
    return C.outcome_of_mask(log, mask), _goal_seen(log, found, func)


def _visits(log: JourneyLog, level: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    v = visits(log, level)
    vcase = v["case_id"].cat.codes.to_numpy().astype(np.int64)
    vval = v["value"].cat.codes.to_numpy().astype(np.int64)
    return vcase, vval, v["first"].to_numpy()


def _add(labels: list[str], maps: list[np.ndarray], values: list[np.ndarray]) -> np.ndarray:
    total = np.zeros(len(labels), dtype=np.int64)
    for m, v in zip(maps, values, strict=True):
        np.add.at(total, m, v)
    return total


# ---------------------------------------------------------------------- drop-offs
@dataclass
class DropoffParts:
    """Per ``level`` value (``labels``): journeys reaching it, converting at or after it,
    lost at it and ongoing; plus the journeys lost anywhere. Counts add across partitions."""

    labels: list[str]
    journeys: np.ndarray
    converted: np.ndarray
    lost: np.ndarray
    ongoing: np.ndarray
    total_lost: int
    seen: GoalSeen


def dropoff_part(
    log: JourneyLog, goal: Goal, level: str, func: str, strict: bool = True
) -> DropoffParts:
    """The drop-off counts of one log (``strict``: unknown goal names raise here)."""
    out, seen = _outcome(log, goal, func, strict)
    codes, labels = C.level_codes(log, level, func)
    n_lab = len(labels)
    vcase, vval, vfirst = _visits(log, level)
    conv_after = out.last_goal[vcase] >= vfirst
    ongoing = ~conv_after & out.ongoing[vcase]
    last_val = C.last_valued(log, codes)
    lost = (last_val[vcase] == vval) & ~out.converted[vcase] & ~out.ongoing[vcase] & ~conv_after

    def count(mask: np.ndarray | None = None) -> np.ndarray:
        w = None if mask is None else mask.astype(float)
        return np.bincount(vval, weights=w, minlength=n_lab).astype(np.int64)

    return DropoffParts(
        labels=[str(x) for x in labels],
        journeys=count(),
        converted=count(conv_after),
        lost=count(lost),
        ongoing=count(ongoing),
        total_lost=int((~out.converted & ~out.ongoing).sum()),
        seen=seen,
    )


def dropoff_worker(log: JourneyLog, goal: Any, level: str, func: str) -> DropoffParts:
    """:func:`dropoff_part` on one partition (run by the partitioned engine)."""
    return dropoff_part(log, goal, level, func, strict=False)


def merge_dropoffs(parts: list[DropoffParts]) -> DropoffParts:
    """The drop-off counts of the union of partitions of whole journeys."""
    if len(parts) == 1:
        return parts[0]
    labels, maps = union_labels([p.labels for p in parts])
    return DropoffParts(
        labels=labels,
        journeys=_add(labels, maps, [p.journeys for p in parts]),
        converted=_add(labels, maps, [p.converted for p in parts]),
        lost=_add(labels, maps, [p.lost for p in parts]),
        ongoing=_add(labels, maps, [p.ongoing for p in parts]),
        total_lost=sum(p.total_lost for p in parts),
        seen=GoalSeen(None, None),
    )


def dropoff_table(p: DropoffParts) -> pd.DataFrame:
    """The drop-off table (see :func:`~journeymine.dropoffs`) from its counts."""
    journeys, n_conv, n_ongoing, n_lost = p.journeys, p.converted, p.ongoing, p.lost
    other = journeys - n_conv - n_ongoing - n_lost
    known = journeys - n_ongoing
    continuing = known - n_lost
    cont_conv = rate(n_conv, continuing)
    conv_lost = np.where(n_lost > 0, n_lost * np.nan_to_num(cont_conv), 0.0)
    table = pd.DataFrame(
        {
            "touchpoint": list(p.labels),
            "journeys": journeys,
            "converted": n_conv,
            "lost": n_lost,
            "ongoing": n_ongoing,
            "other": other,
            "exit_rate": rate(n_lost, known),
            "conversion_rate": rate(n_conv, known),
            "continuing_conversion": cont_conv,
            "conversions_lost": conv_lost,
            "share_of_lost": rate(n_lost, np.full(len(p.labels), p.total_lost)),
        }
    )
    table = table[table["journeys"] > 0]
    order = np.lexsort(
        (
            table["touchpoint"].to_numpy(),
            -table["lost"].to_numpy(),
            -table["conversions_lost"].to_numpy(),
        )
    )
    return table.iloc[order].reset_index(drop=True)


def partitioned_dropoffs(log: Any, goal: Goal, level: str, func: str) -> pd.DataFrame:
    """:func:`~journeymine.dropoffs` of a partitioned log."""
    C.check_level(log.columns, level, func)

    def compute() -> pd.DataFrame:
        names = C.goal_names(goal)
        with goal_for_workers(goal, names) as sent:
            parts = log._map(dropoff_worker, (sent, level, func))
        check_goal([p.seen for p in parts], names, func)
        return dropoff_table(merge_dropoffs(parts))

    return C.memo(log, ("parts.dropoffs", C.goal_key(goal), level), compute)


# ---------------------------------------------------------------------- dead ends
@dataclass
class DeadEndParts:
    """Per ``level`` value (``labels``): visiting journeys, those visiting before converting
    (or never converting), with known outcome, converting after the visit, and ending
    there unconverted; the converted and known journeys overall; the distinct reversed
    directly-follows pairs (``dst * len(labels) + src``, sorted) and the values of goal
    events. Counts add and the pairs and goal values unite across partitions."""

    labels: list[str]
    journeys: np.ndarray
    before_goal: np.ndarray
    known: np.ndarray
    converted: np.ndarray
    exits: np.ndarray
    n_converted: int
    n_known: int
    back_edges: np.ndarray
    goal_nodes: np.ndarray
    seen: GoalSeen


def dead_end_part(
    log: JourneyLog, goal: Goal, level: str, func: str, strict: bool = True
) -> DeadEndParts:
    """The dead-end counts of one log (``strict``: unknown goal names raise here)."""
    out, seen = _outcome(log, goal, func, strict)
    codes, labels = C.level_codes(log, level, func)
    n_lab = len(labels)
    vcase, vval, vfirst = _visits(log, level)
    conv_after = out.last_goal[vcase] >= vfirst
    at_risk = conv_after | ~out.converted[vcase]
    known = at_risk & (conv_after | ~out.ongoing[vcase])
    last_val = C.last_valued(log, codes)
    exits = (last_val[vcase] == vval) & ~out.converted[vcase] & ~out.ongoing[vcase]

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(vval[mask], minlength=n_lab).astype(np.int64)

    goal_nodes = K.distinct(codes[out.mask & (codes >= 0)]).astype(np.int64)
    # one log alone needs the pairs only when it has a goal value to reach
    need = not strict or len(goal_nodes) > 0
    return DeadEndParts(
        labels=[str(x) for x in labels],
        journeys=np.bincount(vval, minlength=n_lab).astype(np.int64),
        before_goal=count(at_risk),
        known=count(known),
        converted=count(conv_after),
        exits=count(exits & at_risk),
        n_converted=int((out.known & out.converted).sum()),
        n_known=int(out.known.sum()),
        back_edges=back_edges(log, level, n_lab) if need else np.zeros(0, dtype=np.int64),
        goal_nodes=goal_nodes,
        seen=seen,
    )


def dead_end_worker(log: JourneyLog, goal: Any, level: str, func: str) -> DeadEndParts:
    """:func:`dead_end_part` on one partition (run by the partitioned engine)."""
    return dead_end_part(log, goal, level, func, strict=False)


def back_edges(log: JourneyLog, level: str, n_lab: int) -> np.ndarray:
    """The distinct directly-follows pairs between values, reversed: ``dst * n_lab + src``."""
    tr = transitions(log, level)
    src = tr["source"].cat.codes.to_numpy()
    dst = tr["target"].cat.codes.to_numpy()
    ok = (src >= 0) & (dst >= 0)
    key = dst[ok].astype(np.int64) * n_lab + src[ok]
    if n_lab * n_lab <= 1 << 22:
        return np.flatnonzero(np.bincount(key, minlength=n_lab * n_lab))
    return K.distinct(key)


def merge_dead_ends(parts: list[DeadEndParts]) -> DeadEndParts:
    """The dead-end counts of the union of partitions of whole journeys."""
    if len(parts) == 1:
        return parts[0]
    labels, maps = union_labels([p.labels for p in parts])
    n = len(labels)
    edges, goals = [], []
    for m, p in zip(maps, parts, strict=True):
        k = max(len(p.labels), 1)
        edges.append(m[p.back_edges // k] * n + m[p.back_edges % k])
        goals.append(m[p.goal_nodes])
    return DeadEndParts(
        labels=labels,
        journeys=_add(labels, maps, [p.journeys for p in parts]),
        before_goal=_add(labels, maps, [p.before_goal for p in parts]),
        known=_add(labels, maps, [p.known for p in parts]),
        converted=_add(labels, maps, [p.converted for p in parts]),
        exits=_add(labels, maps, [p.exits for p in parts]),
        n_converted=sum(p.n_converted for p in parts),
        n_known=sum(p.n_known for p in parts),
        back_edges=K.distinct(np.concatenate(edges).astype(np.int64)),
        goal_nodes=K.distinct(np.concatenate(goals).astype(np.int64)),
        seen=GoalSeen(None, None),
    )


def reach_goal(back_edges: np.ndarray, goal_nodes: np.ndarray, n_lab: int) -> np.ndarray:
    """Per value: is there a path to a goal value over the directly-follows pairs?

    A breadth-first search backwards from the goal values over the distinct reversed
    pairs (sorted, so grouped by their target), one numpy step per level of the search
    (scipy's ``csgraph`` would do the same after a 0.3 s import).
    """
    out = np.zeros(n_lab, dtype=bool)
    if not len(goal_nodes):
        return out
    edge = back_edges
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


def dead_end_table(p: DeadEndParts, min_journeys: int) -> pd.DataFrame:
    """The dead-end table with its ``known`` column (see :func:`~journeymine.dead_ends`)."""
    n_lab = len(p.labels)
    n_known, n_conv = p.known, p.converted
    overall = rate(p.n_converted, p.n_known)
    conv = rate(n_conv, n_known)
    lo, hi = wilson_ci(n_conv, n_known)
    reach = reach_goal(p.back_edges, p.goal_nodes, n_lab)
    dead = ~reach | (hi < overall / 2.0)
    table = pd.DataFrame(
        {
            "touchpoint": list(p.labels),
            "journeys": p.journeys,
            "journeys_before_goal": p.before_goal,
            "converted": n_conv,
            "conversion": conv,
            "conversion_low": lo,
            "conversion_high": hi,
            "overall_conversion": np.full(n_lab, overall),
            "difference": conv - overall,
            "exit_share": rate(p.exits, n_known),
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


def partitioned_dead_ends(
    log: Any, goal: Goal, min_journeys: int, level: str, func: str
) -> pd.DataFrame:
    """The dead-end table (with ``known``) of a partitioned log."""
    C.check_level(log.columns, level, func)

    def compute() -> pd.DataFrame:
        names = C.goal_names(goal)
        with goal_for_workers(goal, names) as sent:
            parts = log._map(dead_end_worker, (sent, level, func))
        check_goal([p.seen for p in parts], names, func)
        return dead_end_table(merge_dead_ends(parts), min_journeys)

    key = ("parts.dead_ends", C.goal_key(goal), int(min_journeys), level)
    return C.memo(log, key, compute)
