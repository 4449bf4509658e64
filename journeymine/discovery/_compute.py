"""Computing a journey map's tables from the sorted log (private).

The log is encoded once per level (:func:`_steps`, cached on the log): compact
integer node codes per step and the journey of each step. The directly-follows
pairs with their gaps are computed from the same arrays on first use (the
consecutive events of one journey: one mask over the sorted log), so that
:func:`journeymine.variants`, which needs no pairs, never pays for them. The tables
are then a few vectorised passes: ``np.bincount`` over node and pair codes;
distinct journeys from a 64-bit set per journey (``np.bitwise_or.reduceat``, up
to 64 groups) or from one stable radix sort by group; gap medians and 90th
percentiles by partitioning each pair's gaps (few pairs) or one more sort (many).
No Python loop runs per event or per journey. The grouping and order-statistics
kernels are shared, in :mod:`journeymine._kernels`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from .._kernels import (
    distinct_cases,
    distinct_inverse,
    group_order,
    group_order_stats,
    ns_to_timedelta,
    positions,
)
from ..derive import arrays
from ..log import JourneyLog
from ..schema import END, START

__all__: list[str] = []

#: The node that stands for a missing value of the level column.
MISSING = "(missing)"

_NAT = np.iinfo(np.int64).min
# bincount over pair codes while the pair space stays this small, else one sort
_DENSE_PAIRS = 1 << 22


@dataclass(frozen=True)
class _Steps:
    """A log seen at one level: one step per event (or per run of equal values).

    ``code`` holds compact node codes ``0..len(labels)-1`` (the missing value, if
    present, is the last label, :data:`MISSING`); ``case`` the journey of each step;
    ``offsets`` where each journey's steps begin. ``src``/``dst``/``gap``/``tcase``
    are the directly-follows pairs between consecutive steps of a journey, with
    the time between them in ns; they are computed on first access, from the
    event-level codes, journeys and timestamps (``_event_code``, ``_event_case``,
    ``_ts``; with ``collapse``, the pairs between equal values are left out, so a
    step out of a run is timed from the run's last event).
    """

    labels: list[str]
    code: np.ndarray
    case: np.ndarray
    offsets: np.ndarray
    n_events: int
    _event_code: np.ndarray = field(repr=False)
    _event_case: np.ndarray = field(repr=False)
    _ts: np.ndarray = field(repr=False)
    _collapse: bool = False

    @cached_property
    def _pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, gap, tcase), computed once: one mask over the event arrays."""
        code, case, ts = self._event_code, self._event_case, self._ts
        if len(code) < 2:
            empty = np.zeros(0, dtype=np.int64)
            return code[:0], code[:0], empty, case[:0]
        # a pair starts at every event but a journey's last (and, collapsed, a run's)
        keep = case[1:] == case[:-1]
        if self._collapse:
            keep &= code[1:] != code[:-1]
        gap = np.subtract(ts[1:], ts[:-1])[keep]
        return code[:-1][keep], code[1:][keep], gap, case[:-1][keep]

    @property
    def src(self) -> np.ndarray:
        return self._pairs[0]

    @property
    def dst(self) -> np.ndarray:
        return self._pairs[1]

    @property
    def gap(self) -> np.ndarray:
        return self._pairs[2]

    @property
    def tcase(self) -> np.ndarray:
        return self._pairs[3]


def _steps(log: JourneyLog, level: str, collapse: bool) -> _Steps:
    """Encode ``log`` at ``level`` (cached on the log).

    With ``collapse``, a run of consecutive events of one journey with the same
    ``level`` value is one step; the step into the next value is timed from the
    run's last event (it is the original transition out of the run). ``level`` is a
    column of the log: the public functions checked it.
    """
    return arrays(log).cached(
        ("discovery.steps", level, bool(collapse)),
        lambda: _encode_steps(log, level, collapse),
    )


def _encode_steps(log: JourneyLog, level: str, collapse: bool) -> _Steps:
    arr = arrays(log)
    raw, cats = arr.codes(level), arr.labels(level)
    raw = np.asarray(raw)
    n_cat = len(cats)
    used = (
        np.bincount(raw.astype(np.int64) + 1, minlength=n_cat + 1) > 0
        if len(raw)
        else np.zeros(n_cat + 1, bool)
    )
    # compact codes: present categories in category order, then the missing value
    order = np.r_[np.arange(1, n_cat + 1), 0]
    present = order[used[order]]
    labels = [str(cats[i - 1]) if i > 0 else MISSING for i in present]
    if MISSING in labels[:-1] and present[-1] == 0:
        # a real value already spells "(missing)": keep the two apart
        labels[-1] = MISSING + " "
    code_dtype = np.int32 if len(present) < np.iinfo(np.int32).max else np.int64
    identity = not used[0] and bool(used[1:].all())
    if identity:  # every category occurs and none is missing: the codes are the node codes

        def compact(x: np.ndarray) -> np.ndarray:
            return x.astype(code_dtype, copy=False)

    else:
        remap = np.full(n_cat + 1, -1, dtype=code_dtype)
        remap[present] = np.arange(len(present), dtype=code_dtype)

        def compact(x: np.ndarray) -> np.ndarray:
            return remap[x.astype(np.int64) + 1]

    case_dtype = np.int32 if log.n_cases < np.iinfo(np.int32).max else np.int64
    event_code = code = compact(raw)
    event_case = case = arr.case_as(case_dtype)
    ts = np.asarray(arr.timestamps_ns, dtype=np.int64)
    n_cases = log.n_cases
    if collapse and len(code):
        keep = np.ones(len(code), dtype=bool)
        keep[1:] = (case[1:] != case[:-1]) | (code[1:] != code[:-1])
        code, case = code[keep], case[keep]
        counts = np.bincount(case, minlength=n_cases)
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int64)
    else:
        offsets = np.asarray(arr.offsets, dtype=np.int64)
    out = _Steps(
        labels=labels,
        code=code,
        case=case,
        offsets=offsets,
        n_events=len(raw),
        _event_code=event_code,
        _event_case=event_case,
        _ts=ts,
        _collapse=bool(collapse),
    )
    return out


def _gap_stats(
    gid: np.ndarray, gap: np.ndarray, counts: np.ndarray, order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, mean and 90th percentile (numpy's linear rule) of ``gap`` per group, in ns.

    ``order`` sorts the rows by group (stable); the order statistics come from
    :func:`journeymine._kernels.group_order_stats`. The median of an even count is
    the integer midpoint of the middle two (rounded down); the 90th percentile
    interpolates linearly and rounds to the nearest nanosecond.
    """
    n_groups = len(counts)
    mean = np.full(n_groups, _NAT, dtype=np.int64)
    med = mean.copy()
    p90 = mean.copy()
    has = counts > 0
    if not has.any():
        return med, mean, p90
    sums = np.bincount(gid, weights=gap.astype(np.float64), minlength=n_groups)
    mean[has] = np.rint(sums[has] / counts[has]).astype(np.int64)
    c = counts[has]
    lo_m = (c - 1) // 2
    hi_m = c // 2
    h = 0.9 * (c - 1)
    lo_p = np.floor(h).astype(np.int64)
    hi_p = np.minimum(lo_p + 1, c - 1)
    frac = h - lo_p
    got = group_order_stats(gid, gap, counts, np.c_[lo_m, hi_m, lo_p, hi_p], order)
    med[has] = got[:, 0] + (got[:, 1] - got[:, 0]) // 2
    p90[has] = got[:, 2] + np.rint(frac * (got[:, 3] - got[:, 2]).astype(np.float64)).astype(
        np.int64
    )
    return med, mean, p90


def _pair_ids(
    src: np.ndarray, dst: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dense ids of the (src, dst) pairs present: (id per row, src of id, dst of id, rows per id)."""
    pair = src.astype(np.int64) * k + dst
    if k * k <= max(_DENSE_PAIRS, 4 * len(pair)):
        per_pair = np.bincount(pair, minlength=k * k)
        present = per_pair > 0
        remap = (np.cumsum(present) - 1).astype(np.int32)
        uniq = np.flatnonzero(present)
        ids = remap[pair]
        counts = per_pair[uniq]
    else:
        uniq, ids = distinct_inverse(pair)
        counts = np.bincount(ids, minlength=len(uniq))
    return ids, uniq // k, uniq % k, counts


def _name_ranks(names: list[str]) -> np.ndarray:
    """Each name's rank in code-point order (as pandas sorts text); equal names, equal ranks."""
    rank = np.empty(len(names), dtype=np.int64)
    r, prev = -1, None
    for i in sorted(range(len(names)), key=names.__getitem__):
        if r < 0 or names[i] != prev:
            r, prev = r + 1, names[i]
        rank[i] = r
    return rank


def _tables(steps: _Steps) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nodes and edges tables of a journey graph from encoded steps.

    Nodes are sorted by ``events`` (descending), then ``node``; edges by
    ``transitions`` (descending), then ``source``, ``target`` (one ``np.lexsort``
    over the label ranks of :func:`_name_ranks`, before the tables are built).
    """
    labels = np.asarray(steps.labels, dtype=object)
    k = len(labels)
    # the last two: START, END, ranked by their display labels (as the edges always were)
    rank = _name_ranks([*(str(x) for x in steps.labels), str(START), str(END)])
    code, case, off = steps.code, steps.case, steps.offsets
    events = np.bincount(code, minlength=k)
    journeys = distinct_cases(code, case, events)
    nonempty = off[1:] > off[:-1]
    first = code[off[:-1][nonempty]]
    last = code[off[1:][nonempty] - 1]
    starts = np.bincount(first, minlength=k)
    ends = np.bincount(last, minlength=k)
    o = np.lexsort((rank[:k], -events))
    nodes = pd.DataFrame(
        {
            "node": pd.Series(labels[o], dtype="str"),
            "events": events[o].astype(np.int64),
            "journeys": journeys[o].astype(np.int64),
            "starts": starts[o].astype(np.int64),
            "ends": ends[o].astype(np.int64),
        },
        copy=False,
    )

    ids, psrc, pdst, counts = _pair_ids(steps.src, steps.dst, max(k, 1))
    n_pairs = len(psrc)
    order = group_order(ids, n_pairs)
    dj = distinct_cases(ids, steps.tcase, counts, order)
    med, mean, p90 = _gap_stats(ids, steps.gap, counts, order)
    s_nodes = np.flatnonzero(starts)
    e_nodes = np.flatnonzero(ends)
    nat_s = np.full(len(s_nodes), _NAT, dtype=np.int64)
    nat_e = np.full(len(e_nodes), _NAT, dtype=np.int64)
    # entries START -> node, the directly-follows pairs, exits node -> END
    src = np.r_[np.full(len(s_nodes), k), psrc, e_nodes]
    dst = np.r_[s_nodes, pdst, np.full(len(e_nodes), k + 1)]
    transitions = np.r_[starts[s_nodes], counts, ends[e_nodes]].astype(np.int64)
    o = np.lexsort((rank[dst], rank[src], -transitions))
    names = np.array([*(str(x) for x in labels), START, END], dtype=object)
    edges = pd.DataFrame(
        {
            # object columns: touchpoint names (str) and the markers START and END
            # (journeymine.schema.Marker), which no name can equal
            "source": pd.Series(names[src[o]], dtype=object),
            "target": pd.Series(names[dst[o]], dtype=object),
            "transitions": transitions[o],
            "journeys": np.r_[starts[s_nodes], dj, ends[e_nodes]][o].astype(np.int64),
            "median_gap": ns_to_timedelta(np.r_[nat_s, med, nat_e][o]),
            "mean_gap": ns_to_timedelta(np.r_[nat_s, mean, nat_e][o]),
            "p90_gap": ns_to_timedelta(np.r_[nat_s, p90, nat_e][o]),
        },
        copy=False,
    )
    return nodes, edges


def _first_steps(log: JourneyLog, level: str, collapse: bool) -> dict[str, float]:
    """Per node: the mean step (0, 1, ...) at which journeys first reach it.

    The typical order of the touchpoints, which pictures follow from left to right.
    """
    steps = _steps(log, level, collapse)
    code = steps.code
    _, pos = positions(steps.offsets)
    k = len(steps.labels)
    order = group_order(code, k)
    c, g = steps.case[order], code[order]
    first = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        first[1:] = (g[1:] != g[:-1]) | (c[1:] != c[:-1])
    total = np.bincount(g[first], weights=pos[order][first].astype(np.float64), minlength=k)
    n = np.bincount(g[first], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    return {str(lab): float(m) for lab, m in zip(steps.labels, mean, strict=True)}
