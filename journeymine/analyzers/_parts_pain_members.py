"""Pain points partition by partition, pass 3: each finding's journeys in one partition (private).

Split from :mod:`journeymine.analyzers._parts_pain` (the driver and the merge), which
gives each partition the global decisions; here a partition says which of its journeys
each finding affects and exposes, and the per-journey quantities the costing needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..derive import arrays, case_codes, transitions
from ..log import JourneyLog
from ..schema import DIRECTION
from . import _common as C
from . import _members as M
from . import _parts_gaps as P
from . import _parts_reach as RCH
from . import _parts_repeats as R
from . import _parts_transfers as TP

__all__ = ["members_part", "contacts_of", "goal_events", "label_index"]

_FUNC = "pain_points"


def contacts_of(log: JourneyLog, skip: list[str]) -> np.ndarray:
    """Customer contacts (none in a partition without direction values)."""
    if not C.has_values(log, DIRECTION):
        return np.zeros(len(log), dtype=bool)
    return C.contact_mask(log, skip, _FUNC, "to find customer contacts")


def goal_events(log: JourneyLog, goal: Any) -> np.ndarray:
    return C.part_goal_mask(log, RCH.resolve_goal(goal, _FUNC), _FUNC)[0]


def label_index(labels: Any) -> dict[str, int]:
    return {str(x): i for i, x in enumerate(labels)}


# ---------------------------------------------------------------------- pass 3: members
def members_part(log: JourneyLog, s: Any, goal: Any, d: dict[str, Any]) -> dict[str, Any]:
    """Pass 3 on a partition: per finding of ``d`` its journeys here; per journey its
    outcome and effort; per handoff of ``d["wait"]`` spanning silent gaps, where they are."""
    out = C.outcome_of_mask(log, goal_events(log, goal))
    n = log.n_cases
    codes, own = C.level_codes(log, s.level, _FUNC)
    idx = label_index(own)

    def at(names: list[str]) -> np.ndarray:
        return np.asarray([idx.get(x, -1) for x in names], dtype=np.int64)

    vcase, vval, _, nv = M.visit_pairs(log, s.level)
    res: dict[str, Any] = {"known": out.known, "converted": out.converted}
    lost = M.lost_at(log, out, s.level, _FUNC)
    keep = at(d["drop"])
    res["drop"] = (M.split(vval[lost], vcase[lost], n, keep), M.split(vval, vcase, n, keep))
    risk = M.at_risk(log, out, s.level)
    res["dead"] = M.split(vval[risk], vcase[risk], n, at(d["dead"]))
    multi = nv > 1
    keep = at(d["loop"])
    res["loop"] = (M.split(vval[multi], vcase[multi], n, keep), M.split(vval, vcase, n, keep))
    contact = contacts_of(log, list(s.skip))
    case = case_codes(log)
    effort = np.zeros(n)
    spos = _silent_rows_here(log, s, d, res)
    if d["has_dept"]:
        effort += _handoff_members(log, s, d, res, contact, spos)
    if d["has_dir"]:
        effort += np.bincount(case[contact], minlength=n)
        keep = at(d["unanswered"])
        res["unanswered"] = M.split(codes[contact], case[contact], n, keep)
        res["repeat"] = _repeat_members(log, s, d, contact)
    res["effort"] = effort
    return _small(res)


def _small(res: dict[str, Any]) -> dict[str, Any]:
    """The journey lists of ``res`` as int32 (a partition's journeys are far fewer than
    2**31): half the bytes shipped to, and held by, the parent."""

    def cut(x: Any) -> Any:
        if isinstance(x, list):
            return [cut(v) for v in x]
        if isinstance(x, tuple):
            return tuple(cut(v) for v in x)
        if isinstance(x, np.ndarray) and x.dtype == np.int64:
            return x.astype(np.int32)
        return x

    lists = ("drop", "dead", "loop", "silent", "unanswered", "repeat", "with", "bounced", "out_of")
    return {k: cut(v) if k in lists else v for k, v in res.items()}


def _silent_rows_here(
    log: JourneyLog, s: Any, d: dict[str, Any], res: dict[str, Any]
) -> np.ndarray:
    """The rows of the partition's silent gaps (their first events); per kept transition
    the journeys with a silent gap on it and those with it (into ``res["silent"]``)."""
    _, own = C.level_codes(log, s.level, _FUNC)
    lut = P.codes_in(own, d["labels"])
    tr = transitions(log, s.level)
    L = len(d["labels"]) + 1
    src = lut[tr["source"].cat.codes.to_numpy().astype(np.int64)]
    dst = lut[tr["target"].cat.codes.to_numpy().astype(np.int64)]
    inv = np.searchsorted(d["uniq"], (src + 1) * L + (dst + 1))
    gap = tr["gap"].to_numpy().view(np.int64)
    pos = tr["position"].to_numpy()
    silent = gap > d["cut"][inv]
    case = case_codes(log)[pos]
    row = d["silent_row"][inv]  # the kept finding of each transition, -1 none
    ok = row >= 0
    n = log.n_cases
    keep = np.arange(len(d["silent"]))
    res["silent"] = (
        M.split(row[ok & silent], case[ok & silent], n, keep),
        M.split(row[ok], case[ok], n, keep),
    )
    return pos[silent]


def _handoff_members(
    log: JourneyLog,
    s: Any,
    d: dict[str, Any],
    res: dict[str, Any],
    contact: np.ndarray,
    spos: np.ndarray,
) -> np.ndarray:
    """The handoff and ping-pong members (into ``res``); the effort per journey."""
    a = arrays(log)
    n = log.n_cases
    dcodes = np.asarray(a.codes(s.department, _FUNC), dtype=np.int64)
    dl = a.labels(s.department, _FUNC)
    L = max(len(dl), 1)
    h = TP.handoff_table(log, dcodes)
    st = TP.pair_stats(log, h, L, None, None, 0)
    inv, back, hcase, uniq = st["inv"], st["back"], h["case"], st["uniq"]
    effort = np.bincount(hcase, minlength=n) + np.bincount(hcase[back], minlength=n)
    didx = label_index(dl)

    def pair_codes(pairs: list[tuple[str, str]]) -> np.ndarray:
        key = np.asarray(
            [didx[x] * L + didx[y] if x in didx and y in didx else -1 for x, y in pairs],
            dtype=np.int64,
        )
        p = np.minimum(np.searchsorted(uniq, key), max(len(uniq) - 1, 0))
        return np.where((key >= 0) & (len(uniq) > 0) & (uniq[p] == key), p, -1)

    with_p = pair_codes(d["with"])
    res["with"] = M.split(inv, hcase, n, with_p)
    res["bounced"] = M.split(inv[back], hcase[back], n, pair_codes(d["bounced"]))
    res["out_of"] = M.split(h["src"], hcase, n, np.asarray([didx.get(x, -1) for x in d["out_of"]]))
    h_effort = back.astype(float)
    if d["has_dir"]:
        h_effort += TP.followed_by(log, contact, h["to_row"], hcase, int(s.win.value))
    # per handoff finding: the effort per journey with it, and the handoffs spanning a
    # silent gap (the waiting is taken from the running sum over the whole log's gaps)
    start = np.searchsorted(spos, a.offsets[hcase])
    lo = np.searchsorted(spos, h["from_row"]) - start
    hi = np.searchsorted(spos, h["to_row"]) - start
    effort_of, spans = [], []
    for i, p in enumerate(with_p[d["wait"]].tolist()):
        sel = np.flatnonzero(inv == p) if p >= 0 else np.zeros(0, np.int64)
        _, j = np.unique(hcase[sel], return_inverse=True)
        effort_of.append(np.bincount(j, weights=h_effort[sel]) if len(sel) else np.zeros(0))
        span = sel[hi[sel] > lo[sel]]
        spans.append((np.full(len(span), i), hcase[span], lo[span], hi[span]))
    res["direct_effort"] = effort_of
    res["spans"] = tuple(
        np.concatenate(x) if x else np.zeros(0, np.int64) for x in zip(*spans, strict=False)
    )
    return effort


def _repeat_members(
    log: JourneyLog, s: Any, d: dict[str, Any], contact: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per kept repeat-contact row: the journeys with the repeat, and with a contact on
    its first value."""
    n = log.n_cases
    cpos, cc, rep, _ = R.contacts(log, contact, int(s.win.value))
    codes, own = C.level_codes(log, d["repeat_level"], _FUNC)
    idx = label_index(own)
    b = codes[cpos] + 1
    L = len(own) + 1

    def value(x: str | None) -> int:
        return 0 if x is None else idx.get(x, -2) + 1

    rows = d["repeat"]
    fa = np.asarray([value(x) for x, _ in rows], dtype=np.int64)
    ta = np.asarray([value(y) for _, y in rows], dtype=np.int64)
    key = np.where((fa >= 0) & (ta >= 0), fa * L + ta, -1)
    i = np.flatnonzero(rep)
    pair = b[i] * L + b[i + 1]
    order = np.argsort(key, kind="stable")
    at = np.searchsorted(key[order], pair)
    hit = (at < len(key)) & (key[order][np.minimum(at, max(len(key) - 1, 0))] == pair)
    row = np.where(hit, order[np.minimum(at, max(len(key) - 1, 0))], -1)
    ok = row >= 0
    keep = np.arange(len(rows))
    rep_j = M.split(row[ok], cc[i][ok], n, keep)
    by_value = M.split(b, cc, n, fa)
    return rep_j, by_value
