"""The funnel as mergeable partial results (private).

A funnel is matched journey by journey, so :func:`~journeymine.funnel` splits into a
*partial* on one log (or one partition of whole journeys; computed in :mod:`.funnels`,
which owns the matching) and a *merge*: per step the journeys reaching it, dropping,
ongoing, ending and going elsewhere add up; where the dropped journeys went next adds
up by touchpoint name; the medians are taken once from the concatenated times between
the matched steps (one value per journey reaching the step: a median needs them all);
the breakdown ``by`` a segment adds up journeys per (step, segment). The tables are
built from the merged parts only, so a log in memory (the one-partition case) and its
partitions give the same tables to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._kernels import distinct, ns_to_timedelta
from .._partitioned import union_labels
from .._stats import rate
from . import _common as C
from . import _funnel_match as FM

__all__: list[str] = []


@dataclass
class FunnelParts:
    """What one log (or partition) contributes to a funnel.

    Per required step: ``reached``, ``dropped``, ``ongoing``, ``ended``, ``went``
    (journeys that dropped and went elsewhere), ``gaps`` (ns from the previous step's
    match, one per journey reaching the step; empty at step 1) and where ``went``
    journeys went next (``next_codes`` into ``labels`` with ``next_counts``). Per
    optional step: ``opt_reached`` and ``opt_gaps`` (None in any order). With ``by``:
    ``seg_counts[row, segment]`` journeys per row of the full table (steps in order)
    and segment (``seg_labels``). ``found`` (partitions only): whether each name of
    ``steps`` then ``exclude`` occurs in the partition; ``activities``: its touchpoints
    when one does not (for the error message).
    """

    reached: np.ndarray
    dropped: np.ndarray
    ongoing: np.ndarray
    ended: np.ndarray
    went: np.ndarray
    gaps: list[np.ndarray]
    labels: list[str]
    next_codes: list[np.ndarray]
    next_counts: list[np.ndarray]
    opt_reached: np.ndarray
    opt_gaps: list[np.ndarray | None]
    seg_labels: list[str] | None = None
    seg_counts: np.ndarray | None = None
    found: np.ndarray | None = None
    activities: list[str] | None = None


def compact_next(
    nxt: list[np.ndarray], labels: Any
) -> tuple[list[str], list[np.ndarray], list[np.ndarray]]:
    """The touchpoints the dropped journeys went to next (``nxt[k]`` codes into
    ``labels``, per step) as counts per used label: (used labels, codes, counts)."""
    used = distinct(np.concatenate(nxt)) if nxt else np.zeros(0, dtype=np.int64)
    codes, counts = [], []
    for x in nxt:
        cnt = np.bincount(np.searchsorted(used, x), minlength=len(used))
        nz = np.flatnonzero(cnt)
        codes.append(nz.astype(np.int64))
        counts.append(cnt[nz].astype(np.int64))
    return [str(labels[u]) for u in used], codes, counts


def ordered_union(label_lists: list[list[str]]) -> tuple[list[str], list[np.ndarray]]:
    """The union of several partitions' labels, in the whole log's category order where
    it can be told: the partitions' common order when they all have the same labels (the
    partitions of one log in memory), else numeric order when every label is an integer
    (as the loaders order integer values), else code-point order; per partition its code
    map. The order matters only to the last bit of a float sum over segments."""
    first = label_lists[0]
    if all(lab == first for lab in label_lists[1:]):
        return list(first), [np.arange(len(first), dtype=np.int64) for _ in label_lists]
    labels, maps = union_labels(label_lists)
    try:
        numbers = [int(x) for x in labels]
    except ValueError:
        return labels, maps
    if any(str(n) != x for n, x in zip(numbers, labels, strict=True)):
        return labels, maps
    order = np.argsort(np.asarray(numbers, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return [labels[i] for i in order], [rank[m] for m in maps]


def merge_funnel_parts(parts: list[FunnelParts]) -> FunnelParts:
    """The parts of the union of partitions of whole journeys (exact)."""
    if len(parts) == 1:
        return parts[0]
    labels, maps = union_labels([p.labels for p in parts])
    n_steps = len(parts[0].reached)
    next_codes, next_counts = [], []
    for k in range(n_steps):
        total = np.zeros(len(labels), dtype=np.int64)
        for m, p in zip(maps, parts, strict=True):
            np.add.at(total, m[p.next_codes[k]], p.next_counts[k])
        nz = np.flatnonzero(total)
        next_codes.append(nz.astype(np.int64))
        next_counts.append(total[nz])
    seg_labels, seg_counts = None, None
    if parts[0].seg_labels is not None:
        seg_labels, seg_maps = ordered_union([p.seg_labels or [] for p in parts])
        seg_counts = np.zeros((len(parts[0].seg_counts), len(seg_labels)), dtype=np.int64)
        for m, p in zip(seg_maps, parts, strict=True):
            np.add.at(seg_counts, (slice(None), m), p.seg_counts)

    def add(attr: str) -> np.ndarray:
        return np.sum([getattr(p, attr) for p in parts], axis=0, dtype=np.int64)

    def cat(values: list[np.ndarray | None]) -> np.ndarray | None:
        return None if values[0] is None else np.concatenate(values)

    n_opt = len(parts[0].opt_gaps)
    return FunnelParts(
        reached=add("reached"),
        dropped=add("dropped"),
        ongoing=add("ongoing"),
        ended=add("ended"),
        went=add("went"),
        gaps=[np.concatenate([p.gaps[k] for p in parts]) for k in range(n_steps)],
        labels=labels,
        next_codes=next_codes,
        next_counts=next_counts,
        opt_reached=add("opt_reached"),
        opt_gaps=[cat([p.opt_gaps[i] for p in parts]) for i in range(n_opt)],
        seg_labels=seg_labels,
        seg_counts=seg_counts,
    )


def check_names(
    parts: list[FunnelParts], steps: list[str], exclude: list[str] | None, func: str
) -> None:
    """GoalNotFoundError for steps (then excluded names) that occur in no partition."""
    found = np.logical_or.reduce([p.found for p in parts])
    lists = [("steps", steps, found[: len(steps)])]
    if exclude is not None:
        lists.append(("exclude", exclude, found[len(steps) :]))
    for param, names, ok in lists:
        if not ok.all():
            labels, _ = union_labels([p.activities or [] for p in parts])
            missing = [n for n, f in zip(names, ok, strict=True) if not f]
            raise C.not_found_error(param, func, missing, labels)


def _median(gaps: np.ndarray | None) -> float:
    return float(np.median(gaps)) if gaps is not None and len(gaps) else np.nan


def funnel_table(p: FunnelParts, names: list[str], top: int | None) -> pd.DataFrame:
    """The funnel table of the required steps (touchpoints ``names``) from their parts."""
    K = len(names)
    reached = np.asarray(p.reached, dtype=np.int64)
    medians = np.full(K, np.nan)
    for k in range(1, K):
        if len(p.gaps[k]):
            medians[k] = np.median(p.gaps[k])
    lost_next: list[list[tuple[str, int]]] = [[] for _ in range(K)]
    for k in range(K - 1):
        codes, cnt = p.next_codes[k], p.next_counts[k]
        order = sorted(range(len(codes)), key=lambda i: (-cnt[i], p.labels[codes[i]]))
        if top is not None:
            order = order[:top]
        lost_next[k] = [(p.labels[codes[i]], int(cnt[i])) for i in order]
    first = reached[0] if K else 0
    prev = np.r_[np.nan, reached[:-1]].astype(float)
    table = pd.DataFrame(
        {
            "step": np.arange(1, K + 1, dtype=np.int64),
            "touchpoint": [str(x) for x in names],
            "journeys": reached,
            "conversion_from_previous": rate(reached, prev) if K > 1 else np.full(K, np.nan),
            "conversion_from_first": rate(reached, np.full(K, first)),
            "median_time_from_previous": ns_to_timedelta(medians),
            "dropped": np.asarray(p.dropped, dtype=np.int64),
            "ongoing": np.asarray(p.ongoing, dtype=np.int64),
            "ended": np.asarray(p.ended, dtype=np.int64),
            "went_elsewhere": np.asarray(p.went, dtype=np.int64),
            "lost_next": pd.Series(lost_next, dtype=object),
        }
    )
    table.loc[0, "conversion_from_previous"] = np.nan
    return table


def previous_rows(opt: list[bool]) -> list[int]:
    """Per row, the row whose journeys are its ``conversion_from_previous`` base: the
    last required step before it (-1 for the first step)."""
    prev, last = [], -1
    for i, is_opt in enumerate(opt):
        prev.append(last)
        if not is_opt:
            last = i
    return prev


def with_optional(
    table: pd.DataFrame, p: FunnelParts, steps: list[str], opt: list[bool]
) -> pd.DataFrame:
    """The table with the optional steps' rows put in (see :func:`~journeymine.funnel`)."""
    rows: list[dict[str, Any]] = []
    j = -1  # the last required step so far
    o = -1  # the optional steps so far
    for i, (name, is_opt) in enumerate(zip(steps, opt, strict=True)):
        if not is_opt:
            j += 1
            rows.append(table.iloc[j].to_dict())
            rows[-1]["step"] = i + 1
            continue
        o += 1
        n, n_prev, n_first = int(p.opt_reached[o]), int(p.reached[j]), int(p.reached[0])
        med = _median(p.opt_gaps[o])
        rows.append(FM.optional_row(i + 1, str(name), n, n_prev, n_first, med))
    out = pd.DataFrame(rows, columns=list(table.columns))
    out["step"] = out["step"].astype(np.int64)
    for col in ("journeys", "dropped", "ongoing", "ended", "went_elsewhere"):
        out[col] = out[col].astype(np.int64)
    if any(opt):
        out["optional"] = opt
    return out
