"""Silent gaps in parts (private): one log's, or a partitioned log's.

The tables of :mod:`journeymine.analyzers.gaps` are built from two kinds of aggregates:

* per transition (``from -> to``), its baseline (:class:`PairBaselines`), which needs
  every gap of the transition over *all* journeys (order statistics, the fixed point
  and the schedule windows of :mod:`._baselines`);
* the silent gaps themselves (:class:`SilentRows`), from which the summary's counts,
  journeys, medians and hours lost and the rows of ``silent_gaps`` follow.

On one log both come from its transitions. On a :class:`~journeymine.PartitionedLog`
of whole journeys a first pass collects every partition's gaps per transition
(:func:`gap_values`; merged by :func:`merge_gap_values` into the same baselines), and
a second pass, given those baselines, each partition's silent gaps
(:func:`silent_part`); they are concatenated in log order (partitions hold
consecutive ranges of journeys, in order), so that every sum, count and order
statistic is computed on the same values in the same order as on the whole log.

Transitions are numbered by their (from, to) codes in the order of the log's
categories, which some estimates depend on to the last bit (the positions of
:func:`journeymine._kernels.group_quantiles` with ``global_positions``, the window
keys of the schedule test): the partitions' labels are united in the order they
hold them (:func:`ordered_union`), which is the log's.

The same for ``unanswered``: :mod:`journeymine.analyzers._parts_unanswered`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._partitioned import journey_keys, numeric_ids, place_runs
from .._stats import rate, wilson_ci
from ..derive import arrays, case_codes, event_times, transitions
from ..log import JourneyLog
from ..schema import DIRECTION
from . import _baselines as B
from . import _common as C

__all__: list[str] = []

WAITING = np.asarray(["company", "customer", "unknown"], dtype=object)
# names of the baseline codes of _baselines (TRANSITION, GLOBAL, THRESHOLD, SCHEDULED, SET)
BASELINES = np.asarray(["transition", "global", "threshold", "scheduled", "set"], dtype=object)
_NS_PER_HOUR = 3.6e12


# ---------------------------------------------------------------------- labels
def ordered_union(label_lists: Sequence[Sequence[str]]) -> tuple[list[str], list[np.ndarray]]:
    """The union of several partitions' labels in their own order, and each one's code map.

    Every partition's labels are a sorted subset of the log's categories, so the
    union keeps each list's order (a topological merge); labels that no list orders
    follow the loaders' order: by number when every label is an integer and every
    list is in numeric order, else by code points. Lists that disagree (never the
    case for partitions of one log) give that order alone.

    Examples
    --------
    >>> labels, maps = ordered_union([["2", "10"], ["2", "3"], ["3", "10"]])
    >>> labels, [m.tolist() for m in maps]
    (['2', '3', '10'], [[0, 2], [0, 1], [1, 2]])
    """
    lists = [[str(x) for x in lab] for lab in label_lists]
    rank = _loader_ranks(lists)
    every = sorted(rank, key=rank.__getitem__)
    if all(lab == lists[0] for lab in lists) and len(set(lists[0])) == len(lists[0]):
        labels = list(lists[0])
    else:
        after: dict[str, set[str]] = {x: set() for x in every}
        before = dict.fromkeys(every, 0)
        for lab in lists:
            for a, b in zip(lab[:-1], lab[1:], strict=True):
                if b not in after[a]:
                    after[a].add(b)
                    before[b] += 1
        ready = [(rank[x], x) for x in every if not before[x]]
        heapq.heapify(ready)
        labels = []
        while ready:
            _, x = heapq.heappop(ready)
            labels.append(x)
            for y in after[x]:
                before[y] -= 1
                if not before[y]:
                    heapq.heappush(ready, (rank[y], y))
        if len(labels) != len(every):  # orders that disagree
            labels = every
    index = {x: i for i, x in enumerate(labels)}
    return labels, [np.asarray([index[x] for x in lab], dtype=np.int64) for lab in lists]


def _loader_ranks(lists: list[list[str]]) -> dict[str, int]:
    """Each label's rank by number (every label an integer, every list in numeric order),
    else by code points."""
    every = sorted({x for lab in lists for x in lab})
    try:
        numbers = {x: int(x) for x in every}
    except ValueError:
        numbers = {}
    numeric = bool(numbers) and all(str(n) == x for x, n in numbers.items())
    numeric = numeric and all(
        all(numbers[a] < numbers[b] for a, b in zip(lab[:-1], lab[1:], strict=True))
        for lab in lists
    )
    if numeric:
        every.sort(key=numbers.__getitem__)
    return {x: i for i, x in enumerate(every)}


def codes_in(labels: pd.Index, union: Sequence[str]) -> np.ndarray:
    """The code in ``union`` of every label of ``labels``, with a last slot for -1 (-1)."""
    index = {x: i for i, x in enumerate(union)}
    return np.asarray([index[str(x)] for x in labels] + [-1], dtype=np.int64)


# ---------------------------------------------------------------------- turns
def turns(log: JourneyLog) -> np.ndarray:
    """Per event, whose turn it is after it: 0 the company's, 1 the customer's, 2 unknown.

    An inbound event hands the turn to the company, an outbound one to the customer;
    internal and unclassified events leave it as it was, and before the first inbound
    or outbound event of a journey it is unknown. One forward fill over event
    positions, cut at journey boundaries.
    """
    return C.memo(log, ("analyzers.turns",), lambda: _turn_codes(log))


def _turn_codes(log: JourneyLog) -> np.ndarray:
    n = len(log)
    if not n or not C.has_values(log, DIRECTION):
        out = np.full(n, 2, dtype=np.int8)
    else:
        d = C.direction_codes(log)
        directed = (d == 0) | (d == 1)
        # the position of the last inbound/outbound event at or before each event
        last = np.maximum.accumulate(np.where(directed, np.arange(n), -1))
        arr = arrays(log)
        ok = last >= arr.offsets[arr.case]  # that event is in the same journey
        out = np.where(ok, d[np.maximum(last, 0)], 2).astype(np.int8)
    out.flags.writeable = False
    return out


# ---------------------------------------------------------------------- baselines
@dataclass
class PairBaselines:
    """Per transition (sorted by from, then to code; -1 is a missing value): its labels,
    number of gaps, expected gap, cut-off, baseline code and median gap."""

    src: np.ndarray
    dst: np.ndarray
    n_gaps: np.ndarray
    expected: np.ndarray
    cut: np.ndarray
    base: np.ndarray
    median: np.ndarray


def pair_baselines(
    labels: Sequence[str],
    uniq: np.ndarray,
    L: int,
    inv: np.ndarray,
    gap: np.ndarray,
    settings: tuple[pd.Timedelta | None, float, pd.Timedelta, int],
    fixed: dict[tuple[str, str], int],
    counts: np.ndarray | None = None,
) -> PairBaselines:
    """The baselines of the transitions ``uniq`` (``(from + 1) * L + to + 1``), from every gap.

    ``inv`` is each gap's transition; ``settings`` are (threshold, factor, floor,
    min_gaps); ``fixed`` the waits the user set. Or, with ``counts`` (``inv`` None),
    the gaps are floats grouped by transition (``counts`` each), each transition's in
    a few sorted runs, as :func:`merge_gap_values` gives them; they are sorted in place.
    """
    thr, factor, flo, min_gaps = settings
    P = len(uniq)
    waits = fixed_waits(fixed, labels, uniq, L)
    expected, cut, base, med_all = B.estimate(
        inv, P, gap, float(factor), flo.value, min_gaps, waits, counts=counts
    )
    if thr is not None:
        cut = np.full(P, float(thr.value))
        base = np.full(P, B.THRESHOLD)
    index = pd.Index(list(labels), dtype=object)
    return PairBaselines(
        src=C.labels_of(index, uniq // L - 1),
        dst=C.labels_of(index, uniq % L - 1),
        n_gaps=np.bincount(inv, minlength=P) if counts is None else counts,
        expected=expected,
        cut=cut,
        base=base,
        median=med_all,
    )


def fixed_waits(
    fixed: dict[tuple[str, str], int], labels: Sequence[str], uniq: np.ndarray, L: int
) -> np.ndarray:
    """Per transition (``uniq`` pair codes), the wait the user set for it, NaN where none."""
    out = np.full(len(uniq), np.nan)
    if not fixed:
        return out
    code = {str(x): i for i, x in enumerate(labels)}
    for (a, b), ns in fixed.items():
        at = np.searchsorted(uniq, (code[a] + 1) * L + (code[b] + 1))
        if at < len(uniq) and uniq[at] == (code[a] + 1) * L + (code[b] + 1):
            out[at] = float(ns)
    return out


@dataclass
class GapValues:
    """A partition's gaps per transition (its ``labels``' codes ``psrc -> pdst``, -1 missing):
    ``counts`` each, and every gap (ns), grouped by transition in that order."""

    labels: list[str]
    psrc: np.ndarray
    pdst: np.ndarray
    counts: np.ndarray
    gaps: np.ndarray


def gap_values(log: JourneyLog, level: str, func: str) -> GapValues:
    """First pass on a partition: its gaps per transition."""
    codes, labels = C.level_codes(log, level, func)
    tr = transitions(log, level)
    src = tr["source"].cat.codes.to_numpy().astype(np.int64)
    dst = tr["target"].cat.codes.to_numpy().astype(np.int64)
    gap = tr["gap"].to_numpy().view(np.int64)
    L = len(labels) + 1
    uniq, inv = K.distinct_inverse((src + 1) * L + (dst + 1))
    return GapValues(
        labels=[str(x) for x in labels],
        psrc=uniq // L - 1,
        pdst=uniq % L - 1,
        counts=np.bincount(inv, minlength=len(uniq)).astype(np.int64),
        # sorted within each transition here, in the workers: the merge then only
        # merges sorted runs (see _baselines._sorted_groups)
        gaps=gap[K.group_value_order(inv, gap, len(uniq))] if len(gap) else gap.astype(np.int64),
    )


def merge_gap_values(
    parts: list[GapValues],
) -> tuple[list[str], np.ndarray, int, np.ndarray, np.ndarray]:
    """The united labels, transitions (``uniq``, with ``L``), and every gap (as a float)
    grouped by transition with the number of each.

    Each transition's gaps are one sorted run per partition, in partition order: the
    blocks are copied into place, in one pass, with no sort (the baselines then merge
    the runs). Each partition's gaps are let go of once copied (``parts`` is consumed):
    the gaps are held once, not twice.
    """
    labels, maps = ordered_union([p.labels for p in parts])
    L = len(labels) + 1

    def united(m: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.where(c >= 0, m[np.maximum(c, 0)] if len(m) else c, -1)

    keys = np.concatenate(
        [
            (united(m, p.psrc) + 1) * L + united(m, p.pdst) + 1
            for m, p in zip(maps, parts, strict=True)
        ]
    ).astype(np.int64)
    uniq, inv = np.unique(keys, return_inverse=True)
    blocks = np.split(inv.astype(np.int64), np.cumsum([len(p.counts) for p in parts])[:-1])
    values = [p.gaps for p in parts]
    for p in parts:  # the gaps are held once: by values, then in the merged array
        p.gaps = np.zeros(0, dtype=np.int64)
    gaps, total = place_runs(blocks, [p.counts for p in parts], values, len(uniq))
    return labels, uniq.astype(np.int64), L, total, gaps


# ---------------------------------------------------------------------- silent gaps
@dataclass
class SilentRows:
    """The silent gaps in log order: transition ``inv``, ``gap`` (ns), whose turn
    (``waiting``), the journey (``case``: its position in the log) and the start time
    (``ts``, ns); from a partition also the journey ids and the start and end times
    (``ids``, ``start``, ``end``), its number of journeys (``n_cases``) and whether its
    journey ids are in numeric order (``numeric``, see :func:`numeric_ids`)."""

    inv: np.ndarray
    gap: np.ndarray
    waiting: np.ndarray
    case: np.ndarray
    ts: np.ndarray
    ids: np.ndarray | None = None
    start: pd.Series | None = None
    end: pd.Series | None = None
    n_cases: int = 0
    numeric: bool = True


def silent_part(
    log: JourneyLog,
    level: str,
    func: str,
    labels: list[str],
    uniq: np.ndarray,
    cut: np.ndarray,
    by_id: bool,
) -> SilentRows:
    """Second pass on a partition: its silent gaps, given the transitions' cut-offs.

    ``labels`` are the united labels, ``uniq`` the transitions (``(from + 1) * L + to
    + 1`` in their codes) and ``cut`` their cut-offs; ``by_id``: the partitions are
    not ranges of the log's journeys (tell the order of the journey ids).
    """
    _, own = C.level_codes(log, level, func)
    lut = codes_in(own, labels)
    tr = transitions(log, level)
    L = len(labels) + 1
    src = lut[tr["source"].cat.codes.to_numpy().astype(np.int64)]
    dst = lut[tr["target"].cat.codes.to_numpy().astype(np.int64)]
    gap = tr["gap"].to_numpy().view(np.int64)
    pos = tr["position"].to_numpy()
    inv = np.searchsorted(uniq, (src + 1) * L + (dst + 1))
    idx = np.flatnonzero(gap > cut[inv])
    p = pos[idx]
    case = case_codes(log)[p]
    ts = arrays(log).column("timestamp")
    return SilentRows(
        inv=inv[idx],
        gap=gap[idx],
        waiting=turns(log)[p],
        case=case,
        ts=event_times(log)[p],
        ids=C.labels_of(arrays(log).case_ids, case),
        start=ts.iloc[p].reset_index(drop=True),
        end=ts.iloc[p + 1].reset_index(drop=True),
        n_cases=log.n_cases,
        numeric=numeric_ids(arrays(log).case_ids) if by_id else True,
    )


def merge_silent_rows(parts: list[SilentRows], by_id: bool) -> SilentRows:
    """The partitions' silent gaps as one log's, in log order (see :func:`journey_keys`)."""
    case = journey_keys(
        [p.case for p in parts],
        [p.ids for p in parts],
        [p.n_cases for p in parts],
        [p.numeric for p in parts] if by_id else None,
    )
    # a journey's rows come from one partition, in time order: a stable sort by journey
    order = np.argsort(case, kind="stable") if by_id else np.arange(len(case))

    def cat(attr: str) -> np.ndarray:
        return np.concatenate([getattr(p, attr) for p in parts])[order]

    def series(attr: str) -> pd.Series:
        s = pd.concat([getattr(p, attr) for p in parts], ignore_index=True)
        return s.iloc[order].reset_index(drop=True) if by_id else s

    return SilentRows(
        inv=cat("inv"),
        gap=cat("gap"),
        waiting=cat("waiting"),
        case=case[order],
        ts=cat("ts"),
        ids=cat("ids"),
        start=series("start"),
        end=series("end"),
        n_cases=sum(p.n_cases for p in parts),
    )


def taken(rows: SilentRows) -> Callable[[np.ndarray], tuple[Any, pd.Series, pd.Series]]:
    """The journey ids and start and end times of ``rows`` held with them, in an order."""

    def fetch(order: np.ndarray) -> tuple[Any, pd.Series, pd.Series]:
        assert rows.ids is not None and rows.start is not None and rows.end is not None
        return (
            rows.ids.take(order),
            rows.start.iloc[order].reset_index(drop=True),
            rows.end.iloc[order].reset_index(drop=True),
        )

    return fetch


def silent_tables(
    pb: PairBaselines,
    rows: SilentRows,
    fetch: Callable[[np.ndarray], tuple[Any, pd.Series, pd.Series]],
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
    """The silent gaps and their summary; every transition's rank and row in the summary.

    ``fetch(order)`` gives the journey ids and start and end times of the rows in
    ``order``.
    """
    P = len(pb.src)
    inv, gap, waiting = rows.inv, rows.gap, rows.waiting
    excess = gap - np.nan_to_num(pb.expected[inv])
    lost = waiting != 1  # the customer was not the one to act
    hours_lost = np.bincount(inv[lost], weights=excess[lost], minlength=P) / _NS_PER_HOUR
    n_gaps = pb.n_gaps
    n_sil = np.bincount(inv, minlength=P)
    journeys = _journeys_per_pair(rows.case, inv, P)
    med_sil = K.group_quantiles(inv, gap, P, (0.5,), global_positions=True)[:, 0]
    wait_counts = [np.bincount(inv[waiting == w], minlength=P) for w in range(3)]
    lo, hi = wilson_ci(n_sil, n_gaps)
    summary = pd.DataFrame(
        {
            "from_activity": pb.src,
            "to_activity": pb.dst,
            "gaps": n_gaps.astype(np.int64),
            "silent": n_sil.astype(np.int64),
            "share": rate(n_sil, n_gaps),
            "share_low": lo,
            "share_high": hi,
            "journeys": journeys.astype(np.int64),
            "expected_gap": K.ns_to_timedelta(pb.expected),
            "threshold": K.ns_to_timedelta(pb.cut),
            "median_gap": K.ns_to_timedelta(pb.median),
            "median_silent_gap": K.ns_to_timedelta(med_sil),
            "waiting_on_company": wait_counts[0].astype(np.int64),
            "waiting_on_customer": wait_counts[1].astype(np.int64),
            "waiting_on_unknown": wait_counts[2].astype(np.int64),
            "hours_lost": hours_lost,
            "baseline": BASELINES[pb.base],
        }
    )
    summary, rank, row_of = _ranked(summary, hours_lost, n_sil)
    return _gap_rows(pb, rows, rank, fetch), summary, rank, row_of


def _journeys_per_pair(case: np.ndarray, pair: np.ndarray, P: int) -> np.ndarray:
    """Distinct journeys per transition pair, from the silent gaps' journeys and pairs."""
    if not len(pair):
        return np.zeros(P, np.int64)
    jkey = K.distinct(case * P + pair, case_major=True)
    return np.bincount(jkey % P, minlength=P) if len(jkey) else np.zeros(P, np.int64)


def _ranked(
    summary: pd.DataFrame, hours_lost: np.ndarray, n_sil: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The summary's pairs ranked (hours lost, share, silent gaps, then names), kept if silent.

    Returns the kept rows in rank order, every pair's rank, and every pair's row in
    the kept summary (-1 when it has no silent gap).
    """
    P = len(summary)
    order = np.lexsort(
        (
            C.sort_key(summary["to_activity"]),
            C.sort_key(summary["from_activity"]),
            -summary["silent"].to_numpy(),
            -np.nan_to_num(summary["share_low"].to_numpy()),
            -np.round(hours_lost, 6),
        )
    )
    rank = np.empty(P, dtype=np.int64)
    rank[order] = np.arange(P)
    keep = order[n_sil[order] > 0]
    row_of = np.full(P, -1, dtype=np.int64)
    row_of[keep] = np.arange(len(keep))
    return summary.iloc[keep].reset_index(drop=True), rank, row_of


def _gap_rows(
    pb: PairBaselines,
    rows: SilentRows,
    rank: np.ndarray,
    fetch: Callable[[np.ndarray], tuple[Any, pd.Series, pd.Series]],
) -> pd.DataFrame:
    """One row per silent gap, in the order of its transition's rank, then longest first."""
    row_order = np.lexsort((rows.ts, rows.case, -rows.gap, rank[rows.inv]))
    g_inv, g_gap = rows.inv[row_order], rows.gap[row_order]
    ids, start, end = fetch(row_order)
    exp_g = pb.expected[g_inv]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(exp_g > 0, g_gap / np.where(exp_g > 0, exp_g, 1.0), np.nan)
    return pd.DataFrame(
        {
            "case_id": ids,
            "from_activity": pb.src[g_inv],
            "to_activity": pb.dst[g_inv],
            "start": start,
            "end": end,
            "gap": pd.Series(g_gap.view("m8[ns]")),
            "expected_gap": K.ns_to_timedelta(exp_g),
            "threshold": K.ns_to_timedelta(pb.cut[g_inv]),
            "ratio": ratio,
            "waiting_on": WAITING[rows.waiting[row_order]],
            "baseline": BASELINES[pb.base[g_inv]],
        }
    )
