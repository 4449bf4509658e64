"""Handoffs partition by partition (private), and what the partitioned analyzers share.

Every handoff lies inside one journey, so a partition of whole journeys holds all of
each of its journeys' handoffs. Per (from, to) pair the counts (handoffs, journeys,
ping-pongs, repeat contacts, known-outcome journeys with and without a conversion)
add up across partitions, and the delays are kept (one int64 per handoff) for the
exact median and 90th percentile. :func:`~journeymine.handoffs` on a log in memory is
the one-partition case of the same code: :func:`pair_stats` counts and
:func:`handoff_frame` builds and sorts the table.

The helpers at the top (a partitioned log's label union in the whole log's order,
its column, value and goal checks, exact integer sums, the provenance of its tables)
serve :mod:`._parts_repeats` too.
"""

from __future__ import annotations

import heapq
import pickle
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._partitioned import place_runs
from .._stats import newcombe_diff_ci, rate
from .._validation import check_column, near_matches
from ..derive import Goal, arrays, case_codes, event_times
from ..errors import GoalNotFoundError, InvalidParameterError, MissingColumnError
from ..log import JourneyLog
from ..schema import ACTIVITY, DIRECTION
from . import _common as C
from ._provenance import KEY, stamp

__all__: list[str] = []


# ---------------------------------------------------------------------- shared by partitioned analyzers
def stamp_any(table: pd.DataFrame, log: Any, analysis: str, **params: Any) -> pd.DataFrame:
    """:func:`._provenance.stamp` for a log in memory or a PartitionedLog.

    A PartitionedLog has no cache to keep a token in: its tables name no log, so
    :func:`~journeymine.affected_journeys` refuses their rows as another log's.
    """
    if isinstance(log, JourneyLog):
        return stamp(table, log, analysis, **params)
    out = table.copy(deep=False)
    out.attrs[KEY] = {"analysis": analysis, "params": params, "log": None}
    return out


def check_level(log: Any, level: str, func: str, param: str = "level") -> None:
    """The column check of :func:`._common.level_codes`, on a PartitionedLog's columns."""
    hint = ""
    if level == "stage":
        hint = "Add stages first with jm.map_stages(log, {'stage': ['touchpoint', ...], ...})."
    check_column(log.columns, level, param, func, hint=hint)


def no_values(log: Any, column: str, func: str, why: str) -> MissingColumnError:
    """The error of :func:`._common.require_values`, for a log none of whose partitions has
    a value in ``column``."""
    what = "has no values" if column in log.columns else "is missing"
    return MissingColumnError(
        f"{func} needs the {column!r} column ({why}), but it {what} in this log. "
        f"{C._HINTS.get(column, '')}",
        column=column,
        available=log.columns,
    )


def goal_names(goal: Goal | None, func: str, param: str = "goal") -> Goal | None:
    """The goal to send to the partitions: a list of names, or a predicate (None: no goal).

    A predicate runs in the worker processes, so it must pickle (a module-level function).
    """
    if goal is None:
        return None
    if callable(goal):
        try:
            pickle.dumps(goal)
        except Exception:  # whatever pickling raises, the advice is the same
            raise InvalidParameterError(
                f"The {param!r} parameter of {func} must be touchpoint names or a module-level "
                f"function on a PartitionedLog (the predicate runs in worker processes). Got "
                f"{goal!r}, which cannot be pickled, instead: define it with def at the top "
                "level of a module.",
                param=param,
            ) from None
        return goal
    return [goal] if isinstance(goal, str) else list(goal)


def _never(events: pd.DataFrame) -> np.ndarray:
    return np.zeros(len(events), dtype=bool)


def part_outcome(log: JourneyLog, goal: Goal, func: str) -> tuple[C.Outcome, list[str]]:
    """A partition's goal outcomes, and which of the goal's names occur in it.

    A name that occurs in other partitions only matches nothing here; that every name
    occurs somewhere is checked on the merged names (:func:`check_goal`).
    """
    if callable(goal):
        return C.outcome(log, goal, func), []
    names = list(goal)
    labels = arrays(log).labels(ACTIVITY, func)
    idx = labels.get_indexer(pd.Index(names, dtype=object))
    found = [n for n, i in zip(names, idx, strict=True) if i >= 0]
    return C.outcome(log, found or _never, func), found


def _activity_labels(log: JourneyLog, func: str) -> list[str]:
    return [str(x) for x in arrays(log).labels(ACTIVITY, func)]


def check_goal(
    log: Any, goal: Goal | None, found: Sequence[str], func: str, param: str = "goal"
) -> None:
    """The GoalNotFoundError of :func:`journeymine.derive.goal_mask`, for the whole log."""
    if goal is None or callable(goal):
        return
    seen = set(found)
    missing = [n for n in goal if n not in seen]
    if not missing:
        return
    labels, _ = ordered_union(log._map(_activity_labels, (func,)))
    near = near_matches(missing[0], labels)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    raise GoalNotFoundError(
        f"The {param!r} parameter of {func} names touchpoints that never occur in the log: "
        f"{missing!r}.{hint} The log has {len(labels)} touchpoints, e.g. "
        f"{[str(x) for x in labels[:8]]!r}."
    )


_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def ordered_union(label_lists: Sequence[Sequence[Any]]) -> tuple[list[str], list[np.ndarray]]:
    """The union of partitions' labels in the whole log's category order, and per
    partition the union code of each of its codes.

    The partitions of a log in memory share its categories: the union is them. Partitions
    loaded one by one (:func:`~journeymine.scan_parquet`) each sort theirs as the loader
    sorts a whole log (integers numerically, other values by their text), so the union
    is sorted that way: numerically when the labels are integers and some partition is
    sorted numerically but not as text. Partitions in another order (an ordered
    categorical) are merged keeping every partition's order (a topological sort).
    The order decides which group is which in the analyzers' quantiles with
    ``global_positions``, whose last bits depend on it.

    Examples
    --------
    >>> labels, maps = ordered_union([["2", "10"], ["3"]])
    >>> labels, [m.tolist() for m in maps]
    (['2', '3', '10'], [[0, 2], [1]])
    """
    lists = [[str(x) for x in lab] for lab in label_lists]
    if not lists:
        return [], []
    if all(lab == lists[0] for lab in lists[1:]):
        same = np.arange(len(lists[0]), dtype=np.int64)
        return list(lists[0]), [same for _ in lists]
    every = set().union(*lists)
    key: Callable[[str], Any] = str
    if all(_INTEGER.fullmatch(x) for x in every):
        numeric = all(_in_order(lab, int) for lab in lists)
        if numeric and not all(_in_order(lab, str) for lab in lists):
            key = int
    if all(_in_order(lab, key) for lab in lists):
        labels = sorted(every, key=key)
    else:
        labels = _merge_orders(lists, every, key)
    index = {x: i for i, x in enumerate(labels)}
    return labels, [np.array([index[x] for x in lab], dtype=np.int64) for lab in lists]


def _in_order(labels: list[str], key: Callable[[str], Any]) -> bool:
    keys = [key(x) for x in labels]
    return all(a < b for a, b in zip(keys, keys[1:], strict=False))


def _merge_orders(lists: list[list[str]], every: set[str], key: Callable[[str], Any]) -> list[str]:
    """Every label once, after all labels any partition puts before it (ties by ``key``)."""
    after: dict[str, set[str]] = {x: set() for x in every}
    before = dict.fromkeys(every, 0)
    for lab in lists:
        for a, b in zip(lab, lab[1:], strict=False):
            if b not in after[a]:
                after[a].add(b)
                before[b] += 1
    heap = [(key(x), x) for x in every if not before[x]]
    heapq.heapify(heap)
    out: list[str] = []
    while heap:
        _, x = heapq.heappop(heap)
        out.append(x)
        for y in after[x]:
            before[y] -= 1
            if not before[y]:
                heapq.heappush(heap, (key(y), y))
    if len(out) < len(every):  # partitions that disagree: the rest by key
        out += sorted(every - set(out), key=key)
    return out


def remap(maps: Sequence[np.ndarray], codes: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Each partition's ``codes`` as union codes (``maps`` from :func:`ordered_union`)."""
    return [m[np.asarray(c, dtype=np.int64)] for m, c in zip(maps, codes, strict=True)]


def add_at(n: int, index: Sequence[np.ndarray], values: Sequence[np.ndarray]) -> np.ndarray:
    """Per union index ``0..n-1``, the sum of every partition's ``values`` (int64)."""
    out = np.zeros(n, dtype=np.int64)
    if len(index):
        np.add.at(out, np.concatenate(index), np.concatenate(values).astype(np.int64))
    return out


def int_sums(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Exact sums of int64 ``values`` per group, as (high, low) 32-bit halves (``(n, 2)``).

    Integer sums add up across partitions to exactly the whole log's sums, which a
    float sum (its order of additions) does not; each half fits int64 for up to 2**31
    values per group. :func:`float_sums` turns them into floats.
    """
    out = np.zeros((n_groups, 2), dtype=np.int64)
    if len(values):
        g = np.asarray(groups, dtype=np.int64)
        v = np.asarray(values, dtype=np.int64)
        hi = v >> 32
        order = K.group_order(g, n_groups)
        gs = g[order]
        starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
        out[gs[starts], 0] = np.add.reduceat(hi[order], starts, dtype=np.int64)
        out[gs[starts], 1] = np.add.reduceat((v - (hi << 32))[order], starts, dtype=np.int64)
    return out


def float_sums(sums: np.ndarray) -> np.ndarray:
    """The exact sums of :func:`int_sums`, each rounded once to the nearest float.

    Examples
    --------
    >>> big = np.iinfo(np.int64).max
    >>> float_sums(int_sums(np.array([0, 0, 1]), np.array([big, big, 5]), 2)).tolist()
    [1.8446744073709552e+19, 5.0]
    """
    hi, lo = sums[:, 0], sums[:, 1]
    # most sums fit int64 (whose cast to float rounds once); the others go through Python ints
    fits = (np.abs(hi) < 2**30) & (np.abs(lo) < 2**61)
    out = ((hi << 32) + lo).astype(np.float64)
    for i in np.flatnonzero(~fits):
        out[i] = float((int(hi[i]) << 32) + int(lo[i]))
    return out


# ---------------------------------------------------------------------- handoffs: the kernels
def handoff_table(log: JourneyLog, codes: np.ndarray) -> dict[str, np.ndarray]:
    """Handoffs over consecutive owned events: case, src, dst, from_row, to_row, delay (ns)."""
    case = case_codes(log)
    ts = event_times(log)
    valid = codes >= 0
    # every event has an owner: rows are positions, no gathers
    pos = None if valid.all() else np.flatnonzero(valid)
    pc, pv = (case, codes) if pos is None else (case[pos], codes[pos])
    hi = np.flatnonzero((pc[1:] == pc[:-1]) & (pv[1:] != pv[:-1])) if len(pv) > 1 else pv[:0]
    from_row, to_row = (hi, hi + 1) if pos is None else (pos[hi], pos[hi + 1])
    return {
        "case": pc[hi],
        "src": pv[hi],
        "dst": pv[hi + 1],
        "from_row": from_row,
        "to_row": to_row,
        "delay": ts[to_row] - ts[from_row],
    }


def followed_by(
    log: JourneyLog, event_mask: np.ndarray, rows: np.ndarray, cases: np.ndarray, window_ns: int
) -> np.ndarray:
    """Whether a flagged event of the same journey follows each row within the window."""
    n = len(event_mask)
    if not n or not len(rows) or not event_mask.any():
        return np.zeros(len(rows), dtype=bool)
    case = case_codes(log)
    ts = event_times(log)
    # the next flagged row after each row: a running minimum from the end (two linear
    # passes; a binary search per row was 4x slower at 7M handoffs)
    after = np.where(event_mask, np.arange(n), n)[::-1]
    np.minimum.accumulate(after, out=after)
    nxt = np.r_[after[::-1][1:], n][rows]
    ok = nxt < n
    nxt = np.minimum(nxt, n - 1)
    return ok & (case[nxt] == cases) & (ts[nxt] - ts[rows] <= window_ns)


def pair_groups(
    out: C.Outcome, cases: np.ndarray, inv: np.ndarray, P: int, back: np.ndarray
) -> dict[str, np.ndarray]:
    """Known-outcome journey counts (n) and conversions (k) per pair: with the handoff,
    without it, and with a ping-pong on it."""

    def distinct(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not mask.any():
            return np.zeros(P, np.int64), np.zeros(P, np.int64)
        key = K.distinct(cases[mask].astype(np.int64) * P + inv[mask], case_major=True)
        kc, kp = key // P, key % P
        known = out.known[kc]
        n = np.bincount(kp[known], minlength=P)
        k = np.bincount(kp[known & out.converted[kc]], minlength=P)
        return n, k

    n_with, k_with = distinct(np.ones(len(inv), dtype=bool))
    n_pp, k_pp = distinct(back)
    n_all = int(out.known.sum())
    k_all = int((out.known & out.converted).sum())
    return {
        "n_with": n_with,
        "k_with": k_with,
        "n_wo": n_all - n_with,
        "k_wo": k_all - k_with,
        "n_pp": n_pp,
        "k_pp": k_pp,
    }


def pair_stats(
    log: JourneyLog,
    h: dict[str, np.ndarray],
    L: int,
    out: C.Outcome | None,
    contact: np.ndarray | None,
    window_ns: int,
) -> dict[str, Any]:
    """Per (from, to) pair of the handoffs ``h`` (codes ``src * L + dst``, in code order):
    ``n_h``, ``jour``, ``n_pp``, ``pp_j``, ``n_rep`` (None without ``contact``) and the
    ``groups`` of :func:`pair_groups` (None without ``out``); per handoff its pair
    ``inv`` and whether the next one bounces ``back``."""
    pair = h["src"] * L + h["dst"]
    uniq, inv = K.distinct_inverse(pair)
    P = len(uniq)
    n_h = np.bincount(inv, minlength=P)
    # handoffs are in log order, so their journeys (h["case"]) never decrease
    jour = K.distinct_cases(inv, h["case"], n_h)
    # ping-pong: the next handoff of the same journey goes straight back
    nxt_same = np.r_[h["case"][1:] == h["case"][:-1], False]
    back = np.zeros(len(inv), dtype=bool)
    if len(inv) > 1:
        back[:-1] = nxt_same[:-1] & (h["dst"][1:] == h["src"][:-1])
    n_pp = np.bincount(inv[back], minlength=P)
    pp_j = K.distinct_cases(inv[back], h["case"][back], n_pp)
    n_rep = None
    if contact is not None:
        rep = followed_by(log, contact, h["to_row"], h["case"], window_ns)
        n_rep = np.bincount(inv[rep], minlength=P)
    g = pair_groups(out, h["case"], inv, P, back) if out is not None else None
    return {
        "uniq": uniq,
        "inv": inv,
        "back": back,
        "src": uniq // L,
        "dst": uniq % L,
        "n_h": n_h,
        "jour": jour,
        "n_pp": n_pp,
        "pp_j": pp_j,
        "n_rep": n_rep,
        "groups": g,
    }


_CONVERSION_COLUMNS = (
    "conversion_with",
    "conversion_without",
    "conversion_difference",
    "difference_low",
    "difference_high",
    "ping_pong_conversion",
    "ping_pong_difference",
    "conversions_lost",
)


def conversion_by_pair(g: dict[str, np.ndarray] | None, P: int) -> dict[str, np.ndarray]:
    """Conversion of journeys with each pair against journeys without it, and of ping-pongs.

    ``g`` is :func:`pair_groups`' counts, None without a goal.
    """
    if g is None:
        return {c: np.full(P, np.nan) for c in _CONVERSION_COLUMNS}
    lo, hi = newcombe_diff_ci(g["k_with"], g["n_with"], g["k_wo"], g["n_wo"])
    p_with = rate(g["k_with"], g["n_with"])
    p_wo = rate(g["k_wo"], g["n_wo"])
    p_pp = rate(g["k_pp"], g["n_pp"])
    p_npp = rate(g["k_with"] - g["k_pp"], g["n_with"] - g["n_pp"])
    lost = g["n_with"] * np.maximum(np.nan_to_num(p_wo - p_with), 0.0) + g["n_pp"] * np.maximum(
        np.nan_to_num(p_npp - p_pp), 0.0
    )
    return {
        "conversion_with": p_with,
        "conversion_without": p_wo,
        "conversion_difference": p_with - p_wo,
        "difference_low": lo,
        "difference_high": hi,
        "ping_pong_conversion": p_pp,
        "ping_pong_difference": p_pp - p_npp,
        "conversions_lost": lost,
    }


def handoff_frame(
    labels: pd.Index,
    s: dict[str, Any],
    gid: np.ndarray | None,
    delays: np.ndarray,
    min_handoffs: int,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The sorted handoff table from :func:`pair_stats`' counts (``src``/``dst`` codes into
    ``labels``) and every handoff's pair ``gid`` and delay (``gid`` None: the delays come
    by pair, ``n_h`` each, sorted within each); and the order of its rows."""
    n_h = s["n_h"]
    P = len(n_h)
    if gid is None:
        q = K.sorted_group_quantiles(delays, n_h, (0.5, 0.9))
    else:
        q = K.group_quantiles(gid, delays, P, (0.5, 0.9), global_positions=True)
    if s["n_rep"] is not None:
        n_rep = np.asarray(s["n_rep"]).astype(float)
        rep_share = rate(n_rep, n_h)
    else:
        n_rep = np.full(P, np.nan)
        rep_share = np.full(P, np.nan)
    conv = conversion_by_pair(s["groups"], P)
    table = pd.DataFrame(
        {
            "from": C.labels_of(labels, s["src"]),
            "to": C.labels_of(labels, s["dst"]),
            "handoffs": n_h.astype(np.int64),
            "journeys": s["jour"],
            "median_delay": K.ns_to_timedelta(q[:, 0]),
            "p90_delay": K.ns_to_timedelta(q[:, 1]),
            "customer_hours": n_h * np.nan_to_num(q[:, 0]) / 3.6e12,
            "ping_pongs": s["n_pp"].astype(np.int64),
            "ping_pong_journeys": s["pp_j"],
            "repeat_contacts": n_rep,
            "repeat_contact_share": rep_share,
            **conv,
        }
    )
    if not np.isnan(n_rep).any():
        table["repeat_contacts"] = table["repeat_contacts"].astype(np.int64)
    bad = table["ping_pongs"].to_numpy() + np.nan_to_num(table["repeat_contacts"].to_numpy(float))
    order = np.lexsort(
        (
            C.sort_key(table["to"]),
            C.sort_key(table["from"]),
            -table["handoffs"].to_numpy(),
            -bad,
            -np.nan_to_num(table["conversions_lost"].to_numpy(float)),
            -table["customer_hours"].to_numpy(),
            table["handoffs"].to_numpy() < min_handoffs,  # small pairs last
        )
    )
    return table.iloc[order].reset_index(drop=True), order


# ---------------------------------------------------------------------- handoffs: partial and merge
@dataclass
class HandoffParts:
    """What a partition contributes to the handoff table (see the module docstring).

    ``labels`` are the level's labels; per pair (``src``, ``dst``: codes into them)
    the counts of :func:`pair_stats` (``n_rep`` zeros without direction values, and
    ``groups`` ``n_with``/``k_with``/``n_pp``/``k_pp`` with a goal); ``n_known`` and
    ``n_converted`` count the journeys of known outcome and those that converted; every
    handoff's ``delay``, by pair (``n_h`` each) and sorted within each pair (after a
    merge: as float, each pair's delays sorted). ``has_level`` and ``has_direction`` say
    whether the level and the direction have values; ``found`` lists the goal's names
    that occur.
    """

    labels: list[str]
    has_level: bool
    has_direction: bool
    found: list[str]
    src: np.ndarray
    dst: np.ndarray
    n_h: np.ndarray
    jour: np.ndarray
    n_pp: np.ndarray
    pp_j: np.ndarray
    n_rep: np.ndarray
    groups: dict[str, np.ndarray] | None
    n_known: int
    n_converted: int
    delay: np.ndarray


_GROUP_COUNTS = ("n_with", "k_with", "n_pp", "k_pp")


def handoff_part(
    log: JourneyLog,
    level: str,
    goal: Goal | None,
    window_ns: int,
    skip: list[str],
    func: str,
) -> HandoffParts:
    """A partition's :class:`HandoffParts` (run in the partitioned engine's workers)."""
    codes, labels = C.level_codes(log, level, func)
    has_direction = C.has_values(log, DIRECTION)
    out, found = part_outcome(log, goal, func) if goal is not None else (None, [])
    h = handoff_table(log, codes)
    contact = C.contact_mask(log, skip, func, "to find repeat contacts") if has_direction else None
    s = pair_stats(log, h, max(len(labels), 1), out, contact, window_ns)
    P = len(s["uniq"])
    g = s["groups"]
    return HandoffParts(
        labels=[str(x) for x in labels],
        has_level=bool((codes >= 0).any()),
        has_direction=has_direction,
        found=found,
        src=s["src"],
        dst=s["dst"],
        n_h=s["n_h"].astype(np.int64),
        jour=s["jour"],
        n_pp=s["n_pp"].astype(np.int64),
        pp_j=s["pp_j"],
        n_rep=np.zeros(P, np.int64) if s["n_rep"] is None else s["n_rep"].astype(np.int64),
        groups=None if g is None else {k: g[k].astype(np.int64) for k in _GROUP_COUNTS},
        n_known=0 if out is None else int(out.known.sum()),
        n_converted=0 if out is None else int((out.known & out.converted).sum()),
        # sorted by pair, then delay, here in the workers: the merge only merges runs
        delay=np.asarray(h["delay"], dtype=np.int64)[K.group_value_order(s["inv"], h["delay"], P)],
    )


def merge_handoff_parts(parts: list[HandoffParts]) -> HandoffParts:
    """The :class:`HandoffParts` of the union of partitions of whole journeys (exact)."""
    labels, maps = ordered_union([p.labels for p in parts])
    L = max(len(labels), 1)
    src, dst = remap(maps, [p.src for p in parts]), remap(maps, [p.dst for p in parts])
    keys = [s * L + d for s, d in zip(src, dst, strict=True)]
    uniq, inv = np.unique(np.concatenate(keys), return_inverse=True)
    P = len(uniq)
    cut = np.cumsum([len(k) for k in keys])[:-1]
    idx = np.split(inv.astype(np.int64), cut)

    def add(values: list[np.ndarray]) -> np.ndarray:
        return add_at(P, idx, values)

    groups = None
    if parts[0].groups is not None:
        groups = {k: add([p.groups[k] for p in parts]) for k in _GROUP_COUNTS}  # type: ignore[index]
    found = list(dict.fromkeys(n for p in parts for n in p.found))
    # every pair's delays: its partitions' sorted runs, merged (a stable sort of each)
    delay, n_h = place_runs(idx, [p.n_h for p in parts], [p.delay for p in parts], P)
    for b, n in zip((np.cumsum(n_h) - n_h).tolist(), n_h.tolist(), strict=True):
        if n > 1:
            delay[b : b + n].sort(kind="stable")
    return HandoffParts(
        labels=labels,
        has_level=any(p.has_level for p in parts),
        has_direction=any(p.has_direction for p in parts),
        found=found,
        src=uniq // L,
        dst=uniq % L,
        n_h=n_h,
        jour=add([p.jour for p in parts]),
        n_pp=add([p.n_pp for p in parts]),
        pp_j=add([p.pp_j for p in parts]),
        n_rep=add([p.n_rep for p in parts]),
        groups=groups,
        n_known=sum(p.n_known for p in parts),
        n_converted=sum(p.n_converted for p in parts),
        delay=delay,
    )


def map_handoffs(
    log: Any, level: str, goal: Goal | None, win: pd.Timedelta, skip: list[str], func: str
) -> HandoffParts:
    """The merged :class:`HandoffParts` of a PartitionedLog (``level`` is a column of it;
    ``goal`` as :func:`goal_names` gives it)."""
    args = (level, goal, int(win.value), list(skip), func)
    key = ("parts.handoffs", level, C.goal_key(goal), int(win.value), tuple(skip))
    return C.memo(log, key, lambda: merge_handoff_parts(log._map(handoff_part, args)))


def merged_handoffs(
    log: Any,
    level: str,
    goal: Goal | None,
    win: pd.Timedelta,
    skip: list[str],
    min_handoffs: int,
    func: str,
) -> pd.DataFrame:
    """The handoff table of a PartitionedLog, once per log and settings (handoffs and
    pain_points share it)."""
    key = ("parts.handoff_table", level, C.goal_key(goal), int(win.value), tuple(skip))
    return C.memo(
        log,
        (*key, int(min_handoffs)),
        lambda: handoffs_of(
            log, map_handoffs(log, level, goal, win, skip, func), level, goal, min_handoffs, func
        ),
    )


def handoffs_of(
    log: Any, parts: HandoffParts, level: str, goal: Goal | None, min_handoffs: int, func: str
) -> pd.DataFrame:
    """The handoff table of merged parts, after the checks the log in memory makes."""
    if not parts.has_level:
        raise no_values(log, level, func, f"whose values change at a handoff (level={level!r})")
    check_goal(log, goal, parts.found, func)
    s: dict[str, Any] = {
        "src": parts.src,
        "dst": parts.dst,
        "n_h": parts.n_h,
        "jour": parts.jour,
        "n_pp": parts.n_pp,
        "pp_j": parts.pp_j,
        "n_rep": parts.n_rep if parts.has_direction else None,
        "groups": None,
    }
    if parts.groups is not None:
        g = parts.groups
        s["groups"] = {
            "n_with": g["n_with"],
            "k_with": g["k_with"],
            "n_wo": parts.n_known - g["n_with"],
            "k_wo": parts.n_converted - g["k_with"],
            "n_pp": g["n_pp"],
            "k_pp": g["k_pp"],
        }
    labels = pd.Index(parts.labels, dtype=object)
    return handoff_frame(labels, s, None, parts.delay, min_handoffs)[0]
