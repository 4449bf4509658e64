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

__all__: list[str] = []  # private; GraphParts and its functions serve the partitioned engine

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
    ``offsets`` where each journey's steps begin. :meth:`pairs` gives the
    directly-follows pairs between consecutive steps of a journey, with the time
    between them in ns, from the event-level codes, journeys and timestamps
    (``_event_code``, ``_event_case``, ``_ts``; with ``collapse``, the pairs between
    equal values are left out, so a step out of a run is timed from the run's last
    event).
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

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(src, dst, gap, tcase): computed on each call, never kept.

        The pairs take about 20 bytes per event (at 10M events, 200 MB per level); the
        steps stay in the log's cache for every analysis, but the pairs serve one
        computation each (a map's aggregates, a simplification), and keeping them
        made each worker of a partitioned log hold 0.2 GB more at 10M events. One
        mask and four gathers over the event arrays recompute them.
        """
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


def _gap_sums(gid: np.ndarray, gap: np.ndarray, n_groups: int) -> np.ndarray:
    """Exact sums of int64 ``gap`` per group, as (high, low) 32-bit halves (shape ``(n, 2)``).

    Summed as integers, never as floats, so that partial sums from partitions add up to
    exactly the sums over the whole log and every engine gives the same mean (a float
    sum depends on the order of the additions). Each half fits int64 for up to 2**31
    values per group.
    """
    out = np.zeros((n_groups, 2), dtype=np.int64)
    if len(gap):
        g = np.asarray(gap, dtype=np.int64)
        hi = g >> 32
        lo = g - (hi << 32)
        np.add.at(out[:, 0], gid, hi) if len(g) < 4096 else _add_sorted(out[:, 0], gid, hi)
        np.add.at(out[:, 1], gid, lo) if len(g) < 4096 else _add_sorted(out[:, 1], gid, lo)
    return out


def _add_sorted(out: np.ndarray, gid: np.ndarray, values: np.ndarray) -> None:
    order = np.argsort(gid, kind="stable")
    g = gid[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    out[g[starts]] += np.add.reduceat(values[order], starts, dtype=np.int64)


def _mean_of_sums(sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Mean per group from :func:`_gap_sums`, rounded half up to a nanosecond (int64)."""
    n = np.maximum(np.asarray(counts, dtype=np.int64), 1)
    q_hi, r_hi = np.divmod(sums[:, 0], n)
    rest = (r_hi << 32) + sums[:, 1]  # |rest| < n * 2**33: fits for n < 2**30
    q, r = np.divmod(rest, n)
    return (q_hi << 32) + q + (2 * r >= n)


def _gap_stats(
    gid: np.ndarray,
    gap: np.ndarray,
    counts: np.ndarray,
    order: np.ndarray | None,
    sums: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, mean and 90th percentile (numpy's linear rule) of ``gap`` per group, in ns.

    ``order`` sorts the rows by group (stable); the order statistics come from
    :func:`journeymine._kernels.group_order_stats`. The median of an even count is
    the integer midpoint of the middle two (rounded down); the 90th percentile
    interpolates linearly and rounds to the nearest nanosecond; the mean is exact
    (integer sums, :func:`_gap_sums`, given as ``sums`` when already at hand),
    rounded half up to the nanosecond.
    """
    n_groups = len(counts)
    mean = np.full(n_groups, _NAT, dtype=np.int64)
    med = mean.copy()
    p90 = mean.copy()
    has = counts > 0
    if not has.any():
        return med, mean, p90
    if sums is None:
        sums = _gap_sums(gid, gap, n_groups)
    mean[has] = _mean_of_sums(sums, counts)[has]
    ranks, frac = _order_ranks(counts[has])
    got = group_order_stats(gid, gap, counts, ranks, order)
    med[has] = got[:, 0] + (got[:, 1] - got[:, 0]) // 2
    p90[has] = got[:, 2] + np.rint(frac * (got[:, 3] - got[:, 2]).astype(np.float64)).astype(
        np.int64
    )
    return med, mean, p90


def _order_ranks(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ranks of the median pair and the 90th-percentile pair, and the latter's fraction."""
    lo_m = (c - 1) // 2
    hi_m = c // 2
    h = 0.9 * (c - 1)
    lo_p = np.floor(h).astype(np.int64)
    hi_p = np.minimum(lo_p + 1, c - 1)
    return np.c_[lo_m, hi_m, lo_p, hi_p], h - lo_p


def _merged_gap_stats(
    gap_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
    counts: np.ndarray,
    sums: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_gap_stats` over partitions' grouped gaps, one pair at a time (exact).

    The same order statistics and formulas as on one log; the gaps of a pair are
    gathered from the partitions only while that pair is computed, so memory stays
    that of the partial results.
    """
    n_pairs = len(counts)
    mean = np.full(n_pairs, _NAT, dtype=np.int64)
    med = mean.copy()
    p90 = mean.copy()
    has = counts > 0
    if not has.any():
        return med, mean, p90
    mean[has] = _mean_of_sums(sums, counts)[has]
    slices: list[list[np.ndarray]] = [[] for _ in range(n_pairs)]
    for gaps, pair, c in gap_parts:
        ends = np.cumsum(c)
        for j, u in enumerate(pair.tolist()):
            if c[j]:
                slices[u].append(gaps[ends[j] - c[j] : ends[j]])
    ranks, frac = _order_ranks(counts[has])
    got = np.empty(ranks.shape, dtype=np.int64)
    for row, u in enumerate(np.flatnonzero(has).tolist()):
        v = slices[u][0] if len(slices[u]) == 1 else np.concatenate(slices[u])
        k = ranks[row]
        got[row] = np.partition(v, np.unique(k))[k]
        slices[u] = []
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


@dataclass
class GraphParts:
    """The mergeable aggregates of a journey map: what a partition contributes.

    Per node (``labels``): ``events``, ``journeys``, ``starts``, ``ends`` and the sums
    for the mean first step (``first_total``, ``first_n``). Per directly-follows pair
    (``psrc``, ``pdst``, codes into ``labels``): ``counts``, ``pair_journeys``, exact
    gap sums ``gap_sums`` (:func:`_gap_sums`) and every gap, grouped by pair in pair
    order (``gaps``; ``counts`` say how many each). Counts and sums add across
    partitions of whole journeys and the gaps concatenate, so the merged parts give
    the same tables as the whole log (:func:`merge_graph_parts`).
    """

    labels: list[str]
    events: np.ndarray
    journeys: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    first_total: np.ndarray
    first_n: np.ndarray
    psrc: np.ndarray
    pdst: np.ndarray
    counts: np.ndarray
    pair_journeys: np.ndarray
    gap_sums: np.ndarray
    gaps: np.ndarray
    n_journeys: int
    n_events: int
    #: after a merge, the partitions' grouped gaps are kept as they came, with the
    #: merged pair of each of their pairs (``[(gaps, pair, counts), ...]``), and
    #: ``gaps`` is empty: the order statistics are taken pair by pair, so the gaps of
    #: the whole log are never copied into one array (see :func:`_merged_gap_stats`)
    gap_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None


def graph_parts(steps: _Steps, n_journeys: int) -> GraphParts:
    """The aggregates of one log's encoded steps (see :class:`GraphParts`)."""
    k = len(steps.labels)
    code, case, off = steps.code, steps.case, steps.offsets
    events = np.bincount(code, minlength=k).astype(np.int64)
    journeys = distinct_cases(code, case, events).astype(np.int64)
    nonempty = off[1:] > off[:-1]
    starts = np.bincount(code[off[:-1][nonempty]], minlength=k).astype(np.int64)
    ends = np.bincount(code[off[1:][nonempty] - 1], minlength=k).astype(np.int64)
    first_total, first_n = _first_sums(steps)
    src, dst, gap, tcase = steps.pairs()
    ids, psrc, pdst, counts = _pair_ids(src, dst, max(k, 1))
    del src, dst
    n_pairs = len(psrc)
    order = group_order(ids, n_pairs)
    dj = distinct_cases(ids, tcase, counts, order)
    del tcase
    return GraphParts(
        labels=list(steps.labels),
        events=events,
        journeys=journeys,
        starts=starts,
        ends=ends,
        first_total=first_total,
        first_n=first_n,
        psrc=np.asarray(psrc, dtype=np.int64),
        pdst=np.asarray(pdst, dtype=np.int64),
        counts=np.asarray(counts, dtype=np.int64),
        pair_journeys=np.asarray(dj, dtype=np.int64),
        gap_sums=_gap_sums(ids, gap, n_pairs),
        gaps=gap[order] if len(gap) else np.zeros(0, dtype=np.int64),
        n_journeys=int(n_journeys),
        n_events=int(steps.n_events),
    )


def merge_graph_parts(parts: list[GraphParts]) -> GraphParts:
    """The aggregates of the union of partitions of whole journeys (exact).

    Node labels are united (a real value spelled like the missing-value node keeps
    the marker apart, as in :func:`_encode_steps`); counts and sums add; the gaps
    of each pair are gathered from every partition.
    """
    from .._partitioned import union_labels

    if len(parts) == 1:
        return parts[0]
    missing = {MISSING, MISSING + " "}
    real = [[x for x in p.labels if x not in missing] for p in parts]
    labels, _ = union_labels(real)
    # the missing-value node last, as in one log's encoding
    tail = [m for m in (MISSING + " ", MISSING) if any(m in p.labels for p in parts)]
    if MISSING + " " in tail and MISSING not in labels:
        tail = [MISSING]
    labels = labels + tail[:1]
    index = {x: i for i, x in enumerate(labels)}
    if tail:
        for p in parts:  # every partition's own missing node is the one missing node
            for m in missing & set(p.labels):
                index.setdefault(m, len(labels) - 1)
    k = len(labels)
    maps = [np.array([index[x] for x in p.labels], dtype=np.int64) for p in parts]

    def add(attr: str) -> np.ndarray:
        total = np.zeros(k, dtype=np.asarray(getattr(parts[0], attr)).dtype)
        for m, p in zip(maps, parts, strict=True):
            np.add.at(total, m, getattr(p, attr))
        return total

    keys = np.concatenate(
        [m[p.psrc] * k + m[p.pdst] for m, p in zip(maps, parts, strict=True)]
    ).astype(np.int64)
    uniq, inv = np.unique(keys, return_inverse=True) if len(keys) else (keys, keys.astype(np.intp))
    n_pairs = len(uniq)

    def add_pairs(values: list[np.ndarray]) -> np.ndarray:
        v = np.concatenate(values)
        out = np.zeros((n_pairs, *v.shape[1:]), dtype=v.dtype)
        np.add.at(out, inv, v)
        return out

    counts = add_pairs([p.counts for p in parts])
    # each part's grouped gaps stay as they are, labelled with their merged pair
    bounds = np.cumsum([0, *(len(p.counts) for p in parts)])
    gap_parts = []
    for i, p in enumerate(parts):
        if p.gap_parts is not None:  # a merge of merges: re-label the inner parts
            for g, pair, c in p.gap_parts:
                gap_parts.append((g, inv[bounds[i] + pair], c))
        else:
            gap_parts.append((p.gaps, inv[bounds[i] : bounds[i + 1]], p.counts))
    return GraphParts(
        labels=labels,
        events=add("events"),
        journeys=add("journeys"),
        starts=add("starts"),
        ends=add("ends"),
        first_total=add("first_total"),
        first_n=add("first_n"),
        psrc=uniq // max(k, 1),
        pdst=uniq % max(k, 1),
        counts=counts,
        pair_journeys=add_pairs([p.pair_journeys for p in parts]),
        gap_sums=add_pairs([p.gap_sums for p in parts]),
        gaps=np.zeros(0, dtype=np.int64),
        n_journeys=sum(p.n_journeys for p in parts),
        n_events=sum(p.n_events for p in parts),
        gap_parts=gap_parts,
    )


def _tables(steps: _Steps) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nodes and edges tables of a journey graph from encoded steps."""
    return tables_of(graph_parts(steps, len(steps.offsets) - 1))


def tables_of(parts: GraphParts) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The nodes and edges tables of a journey graph from its aggregates.

    Nodes are sorted by ``events`` (descending), then ``node``; edges by
    ``transitions`` (descending), then ``source``, ``target`` (one ``np.lexsort``
    over the label ranks of :func:`_name_ranks`, before the tables are built).
    """
    labels = np.asarray(parts.labels, dtype=object)
    k = len(labels)
    # the last two: START, END, ranked by their display labels (as the edges always were)
    rank = _name_ranks([*(str(x) for x in parts.labels), str(START), str(END)])
    events, journeys, starts, ends = parts.events, parts.journeys, parts.starts, parts.ends
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
    counts = parts.counts
    n_pairs = len(counts)
    if parts.gap_parts is None:
        gid = np.repeat(np.arange(n_pairs), counts)
        med, mean, p90 = _gap_stats(gid, parts.gaps, counts, np.arange(len(gid)), parts.gap_sums)
    else:
        med, mean, p90 = _merged_gap_stats(parts.gap_parts, counts, parts.gap_sums)
    s_nodes = np.flatnonzero(starts)
    e_nodes = np.flatnonzero(ends)
    nat_s = np.full(len(s_nodes), _NAT, dtype=np.int64)
    nat_e = np.full(len(e_nodes), _NAT, dtype=np.int64)
    # entries START -> node, the directly-follows pairs, exits node -> END
    src = np.r_[np.full(len(s_nodes), k), parts.psrc, e_nodes].astype(np.int64)
    dst = np.r_[s_nodes, parts.pdst, np.full(len(e_nodes), k + 1)].astype(np.int64)
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
            "journeys": np.r_[starts[s_nodes], parts.pair_journeys, ends[e_nodes]][o].astype(
                np.int64
            ),
            "median_gap": ns_to_timedelta(np.r_[nat_s, med, nat_e][o]),
            "mean_gap": ns_to_timedelta(np.r_[nat_s, mean, nat_e][o]),
            "p90_gap": ns_to_timedelta(np.r_[nat_s, p90, nat_e][o]),
        },
        copy=False,
    )
    return nodes, edges


def _first_sums(steps: _Steps) -> tuple[np.ndarray, np.ndarray]:
    """Per node: the sum of the steps (0, 1, ...) at which journeys first reach it, and how many."""
    code = steps.code
    _, pos = positions(steps.offsets)
    k = len(steps.labels)
    order = group_order(code, k)
    c, g = steps.case[order], code[order]
    first = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        first[1:] = (g[1:] != g[:-1]) | (c[1:] != c[:-1])
    total = np.bincount(g[first], weights=pos[order][first], minlength=k).astype(np.int64)
    n = np.bincount(g[first], minlength=k).astype(np.int64)
    return total, n


def first_steps_of(parts: GraphParts) -> dict[str, float]:
    """Per node: the mean step (0, 1, ...) at which journeys first reach it."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = parts.first_total / parts.first_n
    return {str(lab): float(m) for lab, m in zip(parts.labels, mean, strict=True)}


def _first_steps(log: JourneyLog, level: str, collapse: bool) -> dict[str, float]:
    """Per node: the mean step (0, 1, ...) at which journeys first reach it.

    The typical order of the touchpoints, which pictures follow from left to right.
    """
    steps = _steps(log, level, collapse)
    total, n = _first_sums(steps)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    return {str(lab): float(m) for lab, m in zip(steps.labels, mean, strict=True)}
