"""Variants of a log kept as partitions of whole journeys (private).

A partition contributes :class:`VariantParts`: its variants (their paths as label
codes, how many journeys take each, the first such journey and its id) and the
duration of every journey, grouped by variant. A variant is its sequence of labels:
partitions have their own label codes, so :func:`merge_variant_parts` maps every
partition's paths to the united labels and groups them again, exactly (the same
collision-safe grouping as one log's journeys, :func:`journeymine._kernels.case_variants`).
Counts add; the first journey of a variant is the earliest over the partitions (in
log order: partitions hold consecutive ranges of journeys, in order); the median
durations are exact order statistics of the gathered durations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._kernels import case_variants, group_order_stats, hash_keys
from .._partitioned import journey_keys
from ._compute import MISSING

__all__: list[str] = []  # private; serves discovery.sequences


@dataclass
class VariantParts:
    """What one partition contributes to the variants table.

    Per variant of the partition: its path ``codes[starts[i]:starts[i] + lengths[i]]``
    (codes into ``labels``), ``counts`` (journeys), ``first`` (the position of its
    first journey in the partition) and ``examples`` (that journey's id). Per journey
    with events: ``durations`` (first to last event, ns), variant 0's first, then
    variant 1's, ... (``counts`` say how many each). ``n_cases``: the partition's
    journeys (the first journey of the next partition comes after them). ``missing``:
    the last label is the missing-value node; ``numeric``: its journey ids are in
    numeric order (see :func:`journeymine._partitioned.journey_keys`).
    """

    labels: list[str]
    missing: bool
    codes: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    counts: np.ndarray
    first: np.ndarray
    examples: np.ndarray
    durations: np.ndarray
    n_cases: int
    numeric: bool = True
    #: per variant, the hash of its path (the ``hasher`` of the merge over ``codes``):
    #: the merge reuses them where the partitions share their labels
    keys: np.ndarray | None = None


@dataclass
class VariantTable:
    """The aggregates the variants table is made of, ranked (most frequent first)."""

    labels: list[str]
    codes: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray
    counts: np.ndarray
    examples: np.ndarray
    median: np.ndarray


def group_medians(grp: np.ndarray, dur: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per group, the median of ``dur`` (int64 ns; the midpoint of the middle two, rounded down).

    ``counts`` are the groups' sizes, in descending order (the variants are ranked by
    count). A group of one has its one value; the others' middle two come from
    :func:`journeymine._kernels.group_order_stats` (large groups partitioned, the
    rest sharing one sort).
    """
    med = np.zeros(len(counts), dtype=np.int64)
    single = counts.take(grp) == 1
    med[grp[single]] = dur[single]  # a variant taken once: its one duration
    n_multi = int((counts > 1).sum())
    if not n_multi:
        return med
    # variants are ranked by count: those taken more than once are 0..n_multi-1
    cnt = counts[:n_multi]
    multi = ~single
    mid = group_order_stats(grp[multi], dur[multi], cnt, np.c_[(cnt - 1) // 2, cnt // 2])
    med[:n_multi] = mid[:, 0] + (mid[:, 1] - mid[:, 0]) // 2
    return med


def _united_labels(parts: list[VariantParts]) -> tuple[list[str], list[np.ndarray]]:
    """The united step labels (the missing-value node last, as one log encodes it) and per
    partition the map of its codes to them."""
    from .._partitioned import union_labels

    real = [p.labels[:-1] if p.missing else p.labels for p in parts]
    labels, maps = union_labels(real)
    if any(p.missing for p in parts):
        # a real value spelled "(missing)" keeps the missing-value node apart ("(missing) ")
        labels = [*labels, MISSING + " " if MISSING in labels else MISSING]
        maps = [
            np.r_[m, len(labels) - 1] if p.missing else m for m, p in zip(maps, parts, strict=True)
        ]
    return labels, maps


def merge_variant_parts(
    parts: list[VariantParts], by_id: bool, hasher: Callable[..., np.ndarray] = hash_keys
) -> VariantTable:
    """The variants of the union of partitions of whole journeys, exactly as one log's.

    The partitions' variants are mapped to the united labels and grouped by their
    label sequences (``hasher`` as in :func:`journeymine._kernels.case_variants`);
    ranked by journeys (descending), ties by the first journey in log order (``by_id``:
    the partitions are not ranges of the log's journeys, see :func:`journeymine._partitioned.journey_keys`).
    """
    labels, maps = _united_labels(parts)
    lens = np.concatenate([p.lengths for p in parts]).astype(np.int64)
    paths = [_united_paths(m, p) for m, p in zip(maps, parts, strict=True)]
    codes = np.concatenate(paths).astype(np.int64)
    offsets = np.r_[0, np.cumsum(lens)].astype(np.int64)
    if hasher is hash_keys and all(
        x is p.codes and p.keys is not None for x, p in zip(paths, parts, strict=True)
    ):
        # the partitions' own codes are the united ones: their hashes, computed in the
        # workers, are the merge's (equal keys are still checked path by path)
        keys = np.concatenate([p.keys for p in parts])

        def hasher(code: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
            return keys

    group, _ = case_variants(codes, offsets, empty_variant=False, hasher=hasher)
    n_groups = int(group.max()) + 1 if len(group) else 0
    counts = np.zeros(n_groups, dtype=np.int64)
    np.add.at(counts, group, np.concatenate([p.counts for p in parts]).astype(np.int64))
    # the first journey of each partition's variant, as a place in the whole log
    first = journey_keys(
        [p.first for p in parts],
        [p.examples for p in parts],
        [p.n_cases for p in parts],
        [p.numeric for p in parts] if by_id else None,
    )
    by_first = np.lexsort((first, group))  # per group, its earliest partition variant first
    g = group[by_first]
    head = by_first[np.r_[True, g[1:] != g[:-1]]] if len(g) else by_first
    rep = np.empty(n_groups, dtype=np.int64)
    rep[group[head]] = head
    order = np.lexsort((first[rep], -counts))
    new_rank = np.empty(n_groups, dtype=np.int64)
    new_rank[order] = np.arange(n_groups)
    rep, counts = rep[order], counts[order]
    examples = np.concatenate([p.examples for p in parts])
    # every journey's duration with its merged variant
    grp = np.repeat(new_rank[group], np.concatenate([p.counts for p in parts]))
    dur = np.concatenate([p.durations for p in parts]).astype(np.int64, copy=False)
    code_dtype = np.int32 if len(labels) < np.iinfo(np.int32).max else np.int64
    return VariantTable(
        labels=labels,
        codes=codes.astype(code_dtype),
        starts=offsets[:-1][rep],
        lengths=lens[rep],
        counts=counts,
        examples=examples.take(rep) if len(rep) else examples[:0],
        median=group_medians(grp, dur, counts),
    )


def _united_paths(m: np.ndarray, p: VariantParts) -> np.ndarray:
    """The paths of ``p``'s variants one after the other, in the united codes ``m[code]``;
    no gather where the paths are that already and ``m`` maps every code to itself (the
    partitions of one log in memory share its labels)."""
    lengths = np.asarray(p.lengths, dtype=np.int64)
    packed = len(p.codes) == int(lengths.sum()) and np.array_equal(
        p.starts, np.cumsum(lengths) - lengths
    )
    paths = p.codes if packed else p.codes[spans(p.starts, lengths)]
    if len(m) and np.array_equal(m, np.arange(len(m))) and (not len(paths) or paths.min() >= 0):
        return paths
    return m[paths]


def spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of the elements of the spans ``starts[i]:starts[i] + lengths[i]``, in order."""
    lens = np.asarray(lengths, dtype=np.int64)
    if not len(lens):
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(lens)
    return np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lens), lens) + np.arange(
        int(ends[-1]), dtype=np.int64
    )
