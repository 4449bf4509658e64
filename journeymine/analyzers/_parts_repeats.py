"""Repeat contacts and loops partition by partition (private).

A repeat pairs two consecutive contacts of one journey, a chain runs inside one
journey, and a loop is a journey coming back to a touchpoint, so a partition of
whole journeys has all of them for its journeys. Per (from, to) pair, per chain
sequence and per touchpoint the counts add up across partitions (so do the exact
integer sums of the loops' extra time); the intervals, spans and extra times are
kept, one int64 per repeat, chain or looping journey, for the exact medians. The
functions on a log in memory are the one-partition case of the same code:
:func:`contacts`, :func:`repeat_pairs` and :func:`repeat_frame`;
:func:`chain_groups` and :func:`chain_frame`; :func:`loop_part` and :func:`loop_frame`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._stats import rate
from ..derive import case_codes, event_times, transitions, visits
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL, DIRECTION
from . import _common as C
from ._parts_transfers import add_at, float_sums, int_sums, ordered_union, remap

__all__: list[str] = []

_HASH = np.uint64(0x9E3779B97F4A7C15)

#: the columns of the chains table
_CHAIN_COLUMNS = ["chain", "length", "chains", "journeys", "median_span"]


# ---------------------------------------------------------------------- repeat contacts: kernels
def contacts(
    log: JourneyLog, contact: np.ndarray, window_ns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The contacts' rows ``cpos``, journeys ``cc`` and times ``tc``, and ``rep``: whether
    contact ``i`` is repeated by contact ``i + 1`` (the same journey, within the window)."""
    case = case_codes(log)
    ts = event_times(log)
    cpos = np.flatnonzero(contact)
    cc = case[cpos]
    tc = ts[cpos]
    rep = np.zeros(len(cpos), dtype=bool)
    if len(cpos) > 1:
        rep[:-1] = (cc[1:] == cc[:-1]) & (tc[1:] - tc[:-1] <= window_ns)
    return cpos, cc, rep, tc


def repeat_pairs(
    b: np.ndarray, L: int, cc: np.ndarray, rep: np.ndarray, tc: np.ndarray
) -> dict[str, np.ndarray]:
    """Per (from, to) pair of contact values ``b`` (0 missing, else label code + 1; the
    pairs ``from * L + to`` in code order): ``n_rep`` repeats and their ``journeys``;
    ``contacts`` per value; per repeat ``i`` (its first contact), its pair ``inv`` and
    its ``interval`` (ns)."""
    i = np.flatnonzero(rep)
    pair = b[i] * L + b[i + 1]
    uniq, inv = K.distinct_inverse(pair)
    P = len(uniq)
    n_rep = np.bincount(inv, minlength=P)
    jkey = K.distinct(cc[i] * P + inv, case_major=True) if len(i) else np.zeros(0, np.int64)
    return {
        "i": i,
        "uniq": uniq,
        "inv": inv,
        "src": uniq // L,
        "dst": uniq % L,
        "n_rep": n_rep,
        "journeys": np.bincount(jkey % P, minlength=P),
        "contacts": np.bincount(b, minlength=L),
        "interval": tc[i + 1] - tc[i],
    }


def repeat_frame(
    labels: pd.Index,
    src: np.ndarray,
    dst: np.ndarray,
    n_rep: np.ndarray,
    journeys: np.ndarray,
    contacts_from: np.ndarray,
    gid: np.ndarray,
    interval: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The sorted repeat-contact table (``src``/``dst``: 0 missing, else code + 1 into
    ``labels``; ``gid``: each interval's pair), and the order of its rows."""
    P = len(src)
    med = K.group_quantiles(gid, interval, P, (0.5,), global_positions=True)[:, 0]
    table = pd.DataFrame(
        {
            "from": C.labels_of(labels, src - 1),
            "to": C.labels_of(labels, dst - 1),
            "repeats": n_rep.astype(np.int64),
            "journeys": journeys.astype(np.int64),
            "contacts": contacts_from.astype(np.int64),
            "share": rate(n_rep, contacts_from),
            "median_interval": K.ns_to_timedelta(med),
            "switch": src != dst,
        }
    )
    order = np.lexsort((C.sort_key(table["to"]), C.sort_key(table["from"]), -n_rep))
    return table.iloc[order].reset_index(drop=True), order


def chain_groups(
    cc: np.ndarray, rep: np.ndarray, b: np.ndarray, labels: pd.Index, tc: np.ndarray
) -> dict[str, Any]:
    """The distinct sequences of maximal repeat chains (length >= 2), numbered in order of
    first appearance: per sequence its values ``seqs`` (tuples of labels, None missing),
    ``length``, ``n`` chains and ``journeys``; per chain its sequence ``gid`` and ``span``."""
    start = np.r_[True, ~rep[:-1]] if len(rep) else np.zeros(0, bool)
    cid = np.cumsum(start) - 1
    n_chain = int(cid[-1]) + 1 if len(cid) else 0
    length = np.bincount(cid, minlength=n_chain)
    first = np.flatnonzero(start)
    pos_in = np.arange(len(cid)) - first[cid]
    # polynomial hash of the chain's value sequence (uint64 arithmetic wraps on purpose)
    with np.errstate(over="ignore"):
        powers = np.ones(max(int(length.max()) if n_chain else 1, 1), dtype=np.uint64)
        for k in range(1, len(powers)):
            powers[k] = powers[k - 1] * _HASH
        terms = (b.astype(np.uint64) + np.uint64(1)) * powers[pos_in]
    h = np.add.reduceat(terms, first) if n_chain else np.zeros(0, np.uint64)
    keep = np.flatnonzero(length >= 2)
    if not len(keep):
        empty = np.zeros(0, np.int64)
        return {"seqs": [], **dict.fromkeys(("length", "n", "journeys", "gid", "span"), empty)}
    key = pd.MultiIndex.from_arrays([h[keep], length[keep]])
    gid, uniq = pd.factorize(key)
    G = len(uniq)
    ccase = cc[first[keep]]
    jkey = K.distinct(ccase * G + gid, case_major=True)
    last = first[keep] + length[keep] - 1
    # factorize numbers values in order of first appearance: a new value exceeds all before it
    seen = np.r_[-1, np.maximum.accumulate(gid)[:-1]]
    rep_chain = keep[np.flatnonzero(gid > seen)]
    # one representative per distinct chain (few), not per journey
    seqs = [tuple(C.labels_of(labels, b[first[c] : first[c] + length[c]] - 1)) for c in rep_chain]
    return {
        "seqs": seqs,
        "length": length[rep_chain].astype(np.int64),
        "n": np.bincount(gid, minlength=G).astype(np.int64),
        "journeys": np.bincount(jkey % G, minlength=G).astype(np.int64),
        "gid": gid.astype(np.int64),
        "span": tc[last] - tc[first[keep]],
    }


def chain_frame(g: dict[str, Any]) -> pd.DataFrame:
    """The sorted chains table from :func:`chain_groups` (or merged ones)."""
    G = len(g["seqs"])
    if not G:
        return pd.DataFrame({c: [] for c in _CHAIN_COLUMNS})
    med = K.group_quantiles(g["gid"], g["span"], G, (0.5,), global_positions=True)[:, 0]
    names = [" \u2192 ".join("(missing)" if v is None else v for v in s) for s in g["seqs"]]
    table = pd.DataFrame(
        {
            "chain": names,
            "length": g["length"],
            "chains": g["n"],
            "journeys": g["journeys"],
            "median_span": K.ns_to_timedelta(med),
        }
    )
    order = np.lexsort(
        (table["chain"].to_numpy(), -table["length"].to_numpy(), -table["chains"].to_numpy())
    )
    return table.iloc[order].reset_index(drop=True)


# ---------------------------------------------------------------------- repeat contacts: partitions
@dataclass
class RepeatParts:
    """A partition's repeat contacts at one level: ``labels``; per pair (``src``, ``dst``:
    0 missing, else code + 1) ``n_rep`` and ``journeys``; ``contacts`` per value (0
    missing); per repeat its pair ``gid`` and ``interval``. With chains, ``chains``
    holds :func:`chain_groups`' result instead of the pairs."""

    labels: list[str]
    src: np.ndarray
    dst: np.ndarray
    n_rep: np.ndarray
    journeys: np.ndarray
    contacts: np.ndarray
    gid: np.ndarray
    interval: np.ndarray
    chains: dict[str, Any] | None = None


@dataclass
class RepeatPartial:
    """What a partition contributes: whether it has values of the level and of the
    direction, its parts at the level, and at the touchpoint when the level is the
    channel and it has no channel values (the whole log may have none either)."""

    n_events: int
    has_level: bool
    has_direction: bool
    main: RepeatParts
    fallback: RepeatParts | None


def _parts_at(log: JourneyLog, level: str, found: tuple, chains: bool, func: str) -> RepeatParts:
    codes, labels = C.level_codes(log, level, func)
    cpos, cc, rep, tc = found
    b = codes[cpos] + 1  # 0 = missing
    L = len(labels) + 1
    names = [str(x) for x in labels]
    if chains:
        empty = np.zeros(0, np.int64)
        g = chain_groups(cc, rep, b, labels, tc)
        return RepeatParts(names, empty, empty, empty, empty, empty, empty, empty, g)
    s = repeat_pairs(b, L, cc, rep, tc)
    P = len(s["uniq"])
    return RepeatParts(
        labels=names,
        src=s["src"],
        dst=s["dst"],
        n_rep=s["n_rep"].astype(np.int64),
        journeys=s["journeys"].astype(np.int64),
        contacts=s["contacts"].astype(np.int64),
        gid=s["inv"].astype(np.int32 if P < 2**31 else np.int64),
        interval=np.asarray(s["interval"], dtype=np.int64),
    )


def repeat_part(
    log: JourneyLog, level: str, skip: list[str], window_ns: int, chains: bool, func: str
) -> RepeatPartial:
    """A partition's :class:`RepeatPartial` (run in the partitioned engine's workers)."""
    has_direction = C.has_values(log, DIRECTION)
    has_level = C.has_values(log, level)
    contact = (
        C.contact_mask(log, skip, func, "to tell customer contacts apart")
        if has_direction
        else np.zeros(len(log), dtype=bool)
    )
    found = contacts(log, contact, window_ns)
    main = _parts_at(log, level, found, chains, func)
    fallback = None
    if level == CHANNEL and not has_level:
        fallback = _parts_at(log, ACTIVITY, found, chains, func)
    return RepeatPartial(len(log), has_level, has_direction, main, fallback)


def merge_repeat_parts(parts: list[RepeatParts]) -> RepeatParts:
    """The :class:`RepeatParts` of the union of partitions of whole journeys (exact)."""
    if len(parts) == 1:
        return parts[0]
    labels, maps = ordered_union([p.labels for p in parts])
    # value codes: 0 missing, else label code + 1
    vmaps = [np.r_[0, m + 1].astype(np.int64) for m in maps]
    if parts[0].chains is not None:
        empty = np.zeros(0, np.int64)
        g = _merge_chains([p.chains for p in parts])  # type: ignore[misc]
        return RepeatParts(labels, empty, empty, empty, empty, empty, empty, empty, g)
    L = len(labels) + 1
    src, dst = remap(vmaps, [p.src for p in parts]), remap(vmaps, [p.dst for p in parts])
    keys = [s * L + d for s, d in zip(src, dst, strict=True)]
    uniq, inv = np.unique(np.concatenate(keys), return_inverse=True)
    P = len(uniq)
    idx = np.split(inv.astype(np.int64), np.cumsum([len(k) for k in keys])[:-1])
    return RepeatParts(
        labels=labels,
        src=uniq // L,
        dst=uniq % L,
        n_rep=add_at(P, idx, [p.n_rep for p in parts]),
        journeys=add_at(P, idx, [p.journeys for p in parts]),
        contacts=add_at(L, vmaps, [p.contacts for p in parts]),
        gid=np.concatenate([i[p.gid] for i, p in zip(idx, parts, strict=True)]),
        interval=np.concatenate([p.interval for p in parts]),
    )


def _merge_chains(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Chain sequences of several partitions, numbered in order of first appearance."""
    index: dict[tuple, int] = {}
    ids = [
        np.array([index.setdefault(s, len(index)) for s in g["seqs"]], dtype=np.int64)
        for g in groups
    ]
    G = len(index)
    length = np.zeros(G, dtype=np.int64)
    for m, g in zip(ids, groups, strict=True):
        length[m] = g["length"]
    return {
        "seqs": list(index),
        "length": length,
        "n": add_at(G, ids, [g["n"] for g in groups]),
        "journeys": add_at(G, ids, [g["journeys"] for g in groups]),
        "gid": np.concatenate([m[g["gid"]] for m, g in zip(ids, groups, strict=True)]),
        "span": np.concatenate([np.asarray(g["span"], dtype=np.int64) for g in groups]),
    }


def repeat_table(parts: RepeatParts) -> pd.DataFrame:
    """The repeat-contact (or chains) table of merged parts."""
    if parts.chains is not None:
        return chain_frame(parts.chains)
    labels = pd.Index(parts.labels, dtype=object)
    contacts_from = parts.contacts[parts.src]
    args = (parts.n_rep, parts.journeys, contacts_from, parts.gid, parts.interval)
    return repeat_frame(labels, parts.src, parts.dst, *args)[0]


# ---------------------------------------------------------------------- loops
@dataclass
class LoopParts:
    """Per label of ``labels``: ``journeys`` visiting it, ``looping`` journeys visiting it
    more than once, ``extra`` visits, ``self_loops`` and the exact sums (:func:`int_sums`)
    of the looping journeys' extra time; per looping (journey, label) its ``gid`` (the
    label) and ``span`` (ns)."""

    labels: list[str]
    journeys: np.ndarray
    looping: np.ndarray
    extra: np.ndarray
    self_loops: np.ndarray
    sums: np.ndarray
    gid: np.ndarray
    span: np.ndarray


def loop_part(log: JourneyLog, level: str, func: str) -> LoopParts:
    """A log's (or a partition's) :class:`LoopParts`."""
    codes, labels = C.level_codes(log, level, func)
    n_lab = len(labels)
    ts = event_times(log)
    v = visits(log, level)
    val = v["value"].cat.codes.to_numpy().astype(np.int64)
    nv = v["n_visits"].to_numpy()
    looping = nv > 1
    span = ts[v["last"].to_numpy()] - ts[v["first"].to_numpy()]
    extra = np.bincount(val, weights=(nv - 1).astype(float), minlength=n_lab).astype(np.int64)
    tr = transitions(log, level)
    s = tr["source"].cat.codes.to_numpy().astype(np.int64)
    t = tr["target"].cat.codes.to_numpy().astype(np.int64)
    same = (s == t) & (s >= 0)
    gid, gspan = val[looping], np.asarray(span[looping], dtype=np.int64)
    return LoopParts(
        labels=[str(x) for x in labels],
        journeys=np.bincount(val, minlength=n_lab).astype(np.int64),
        looping=np.bincount(gid, minlength=n_lab).astype(np.int64),
        extra=extra,
        self_loops=np.bincount(s[same], minlength=n_lab).astype(np.int64),
        sums=int_sums(gid, gspan, n_lab),
        gid=gid,
        span=gspan,
    )


def merge_loop_parts(parts: list[LoopParts]) -> LoopParts:
    """The :class:`LoopParts` of the union of partitions of whole journeys (exact)."""
    if len(parts) == 1:
        return parts[0]
    labels, maps = ordered_union([p.labels for p in parts])
    n = len(labels)
    sums = np.zeros((n, 2), dtype=np.int64)
    for m, p in zip(maps, parts, strict=True):
        np.add.at(sums, m, p.sums)
    return LoopParts(
        labels=labels,
        journeys=add_at(n, maps, [p.journeys for p in parts]),
        looping=add_at(n, maps, [p.looping for p in parts]),
        extra=add_at(n, maps, [p.extra for p in parts]),
        self_loops=add_at(n, maps, [p.self_loops for p in parts]),
        sums=sums,
        gid=np.concatenate(remap(maps, [p.gid for p in parts])),
        span=np.concatenate([p.span for p in parts]),
    )


def loop_frame(parts: LoopParts) -> pd.DataFrame:
    """The sorted loops table of a log's (or merged partitions') :class:`LoopParts`."""
    n_lab = len(parts.labels)
    n_loop, extra = parts.looping, parts.extra
    med = K.group_quantiles(parts.gid, parts.span, n_lab, (0.5,), global_positions=True)[:, 0]
    table = pd.DataFrame(
        {
            "touchpoint": list(parts.labels),
            "journeys": parts.journeys,
            "looping_journeys": n_loop,
            "loop_share": rate(n_loop, parts.journeys),
            "extra_visits": extra,
            "self_loops": parts.self_loops,
            "returns": (extra - parts.self_loops).astype(np.int64),
            "median_extra_time": K.ns_to_timedelta(med),
            # exact integer sums, rounded once: the same on every partitioning
            "total_extra_days": float_sums(parts.sums) / 86_400e9,
        }
    )
    table = table[table["looping_journeys"] > 0]
    order = np.lexsort(
        (
            table["touchpoint"].to_numpy(),
            -table["extra_visits"].to_numpy(),
            -table["looping_journeys"].to_numpy(),
        )
    )
    return table.iloc[order].reset_index(drop=True)


def map_loops(log: Any, level: str, func: str) -> pd.DataFrame:
    """The loops table of a PartitionedLog (``level`` is a column of it)."""
    return C.memo(
        log,
        ("parts.loops", level),
        lambda: loop_frame(merge_loop_parts(log._map(loop_part, (level, func)))),
    )
