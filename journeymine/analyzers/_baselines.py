"""Per-transition baselines of silent gaps (private): what wait is normal for each step.

Three estimates, tried from the most specific:

* ``set``: the user says the step's usual wait (``baselines=[{"from", "to", "wait"}]``).
* ``scheduled``: the step runs on a timer (an automatic close 7 days after the
  resolution, a weekly batch run, a reminder after 48 hours). Its waits cluster
  tightly around one value above the floor, and that value is the baseline.
  **Tightness**: at least half (:data:`SCHEDULE_SHARE`) of the transition's gaps lie
  in one window ``[v, 1.2 v]`` (:data:`SCHEDULE_RATIO`) with ``v`` at or above the
  floor; the baseline is the median of the gaps in the densest such window. Human
  waits do not do this: a lognormal wait with log-spread 0.8 puts at most 9% of its
  gaps in any window that narrow, and even a log-spread of 0.2 at most 36%; a timer
  puts all its gaps there. Only windows at or above the floor count, because a step
  faster than the floor is never silent anyway (and the quick share of a step, the
  cases closed by hand, does not hide the timer).
* ``transition`` (or ``global`` for transitions with fewer than ``min_gaps`` gaps):
  the *typical non-silent gap*, a fixed point (see :mod:`journeymine.analyzers.gaps`).
"""

from __future__ import annotations

import numpy as np

from .. import _kernels as K

__all__: list[str] = []

_ITERATIONS = 3
# up to this many groups, _sorted_groups sorts each group's slice (one Python step per group)
_SLICE_SORT_GROUPS = 65535
#: Width of the window a scheduled step's waits fall in: ``[v, SCHEDULE_RATIO x v]``.
SCHEDULE_RATIO = 1.2
#: Least share of a transition's gaps in that window for the step to be scheduled.
SCHEDULE_SHARE = 0.5

# baseline codes (_parts_gaps.BASELINES names them)
TRANSITION, GLOBAL, THRESHOLD, SCHEDULED, SET = range(5)


def estimate(
    inv: np.ndarray,
    P: int,
    gap: np.ndarray,
    factor: float,
    floor_ns: int,
    min_gaps: int,
    fixed: np.ndarray,
    *,
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per transition: expected gap, cut-off, baseline code, median gap.

    ``inv`` is each gap's transition (0..P-1); ``fixed`` per transition the wait the
    user set (NaN where none). Or ``counts`` (``inv`` None): the float gaps come by
    transition, ``counts`` each, each transition's as a few sorted runs (sorted in place).
    """
    sg, counts = _sorted_groups(inv, P, gap, counts)
    exp_pair = _typical(sg, counts, factor, floor_ns)
    use_pair = counts >= min_gaps
    if use_pair.all():
        expected = exp_pair  # no transition needs the global baseline
    else:
        # the per-transition runs are sorted: a stable sort (timsort) merges them
        exp_all = _typical(np.sort(sg, kind="stable"), np.asarray([len(sg)]), factor, floor_ns)
        expected = np.where(use_pair, exp_pair, exp_all[0])
    base = np.where(use_pair, TRANSITION, GLOBAL)
    sched, value = _scheduled(sg, counts, floor_ns, use_pair)
    expected = np.where(sched, value, expected)
    base = np.where(sched, SCHEDULED, base)
    is_set = ~np.isnan(fixed)
    expected = np.where(is_set, fixed, expected)
    base = np.where(is_set, SET, base)
    cut = np.maximum(factor * np.nan_to_num(expected), float(floor_ns))
    return expected, cut, base, _medians(sg, counts)


def _scheduled(
    sg: np.ndarray, counts: np.ndarray, floor_ns: int, eligible: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per group: whether its gaps cluster on a schedule (see module doc), and the value."""
    G = len(counts)
    sched = np.zeros(G, dtype=bool)
    value = np.full(G, np.nan)
    if not len(sg) or not eligible.any():
        return sched, value
    # windows start at a gap at or above the floor: within a group those are the tail of
    # its sorted run, so the candidates of each group stay contiguous (the group of each
    # candidate by a binary search of the group ends: no group id for every gap)
    idx = np.flatnonzero(np.repeat(eligible, counts) & (sg >= max(floor_ns, 1)))
    if not len(idx):
        return sched, value
    gs = np.searchsorted(np.cumsum(counts), idx, side="right")
    # one globally sorted key: group, then log gap (ln of 1e19 ns is 44 < 64)
    key = gs * 64.0 + np.log(sg[idx])
    end = np.searchsorted(key, key + np.log(SCHEDULE_RATIO), side="right")
    inside = end - np.arange(len(idx))
    runs = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
    best = np.zeros(G, dtype=np.int64)
    best[gs[runs]] = np.maximum.reduceat(inside, runs)
    sched = eligible & (best > 0) & (best >= SCHEDULE_SHARE * counts)
    if not sched.any():
        return sched, value
    # the first densest window of each scheduled group, and the median of its gaps
    cand = np.flatnonzero(sched[gs] & (inside == best[gs]))
    g_of, first = np.unique(gs[cand], return_index=True)
    lo = idx[cand[first]]
    hi = idx[end[cand[first]] - 1]
    mid = 0.5 * (lo + hi)
    a = np.floor(mid).astype(np.int64)
    b = np.ceil(mid).astype(np.int64)
    value[g_of] = sg[a] + (sg[b] - sg[a]) * (mid - a)
    return sched, value


def _sorted_groups(
    groups: np.ndarray | None, G: int, gap: np.ndarray, runs: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The gaps as floats, by group and sorted within each group; and the group sizes.

    ``runs`` (``groups`` None): the float gaps come by group already, ``runs`` each,
    each group's a few sorted runs (a partitioned log's); a stable sort (timsort) of
    each group's slice, in place, merges them, several times faster than sorting afresh.
    """
    if runs is not None:
        sg, counts = gap, np.asarray(runs)
        starts = np.cumsum(counts) - counts
        for b, n in zip(starts.tolist(), counts.tolist(), strict=True):
            if n > 1:
                sg[b : b + n].sort(kind="stable")
        return sg, counts
    assert groups is not None
    counts = np.bincount(groups, minlength=G)
    if G > _SLICE_SORT_GROUPS:
        return gap[K.group_value_order(groups, gap, G)].astype(float), counts
    # a (radix) stable order by group, then each group's slice sorted in place:
    # 1.6 s instead of 4.2 s for a stable argsort of 9M gaps (group_value_order)
    sg = gap[K.group_order(groups, G)].astype(float)
    starts = np.cumsum(counts) - counts
    for b, n in zip(starts.tolist(), counts.tolist(), strict=True):
        if n > 1:
            sg[b : b + n].sort()
    return sg, counts


def _medians(sg: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per group, the median of its sorted values (as :func:`K.group_quantiles` computes it)."""
    out = np.full(len(counts), np.nan)
    has = counts > 0
    if not has.any():
        return out
    at = (np.cumsum(counts) - counts)[has] + 0.5 * (counts[has] - 1)
    lo = np.floor(at).astype(np.int64)
    hi = np.ceil(at).astype(np.int64)
    out[has] = sg[lo] + (sg[hi] - sg[lo]) * (at - lo)
    return out


def _typical(sg: np.ndarray, counts: np.ndarray, factor: float, floor_ns: int) -> np.ndarray:
    """Median of the non-silent gaps per group, by the fixed-point iteration (see gaps' doc).

    ``sg`` holds the gaps of group 0, then of group 1, ..., each group's sorted.
    """
    G = len(counts)
    out = np.full(G, np.nan)
    if not len(sg):
        return out
    starts = np.cumsum(counts) - counts
    has = counts > 0
    bounds = list(
        zip(np.flatnonzero(has).tolist(), starts[has].tolist(), counts[has].tolist(), strict=True)
    )

    def quantile(p: np.ndarray) -> np.ndarray:
        # p: per group, in [0, 1], over the group's sorted gaps (linear interpolation)
        pos = starts + p * np.maximum(counts - 1, 0)
        lo = np.clip(np.floor(pos).astype(np.int64), 0, len(sg) - 1)
        hi = np.clip(np.ceil(pos).astype(np.int64), 0, len(sg) - 1)
        return sg[lo] + (sg[hi] - sg[lo]) * (pos - np.floor(pos))

    typical = quantile(np.full(G, 0.25))
    for _ in range(_ITERATIONS):
        cut = np.maximum(factor * typical, float(floor_ns))
        # the gaps at or below the cut: one binary search in each group's sorted slice
        below = np.zeros(G)
        for g, b, n in bounds:
            below[g] = np.searchsorted(sg[b : b + n], cut[g], side="right")
        # the median of the gaps at or below the cut: position (below - 1) / 2
        p = np.where(counts > 1, (below - 1) / 2 / np.maximum(counts - 1, 1), 0.0)
        typical = quantile(np.clip(p, 0.0, 1.0))
    out[has] = typical[has]
    return out
