"""Merging pain-point candidates into problems, and their impact (private, for pain_points).

See :func:`~journeymine.pain_points` for the rules: which candidates are one problem
(same place, 80% of journeys shared), and how the three currencies and their
intervals are computed on the union of the merged candidates' journeys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._stats import newcombe_diff_ci, rate, z_value
from ..derive import arrays
from ..log import JourneyLog
from . import _common as C

__all__: list[str] = []

#: The kinds of finding, in the order used to name merged rows and to break ties.
KINDS: tuple[str, ...] = (
    "drop_off",
    "dead_end",
    "ping_pong",
    "handoff",
    "silent_gap",
    "repeat_contact",
    "unanswered",
    "loop",
)
_CURRENCIES = ("conversions_lost", "hours_lost", "extra_effort")
_OVERLAP = 0.8  # two findings at one place sharing this share of their journeys are one problem


@dataclass
class _Found:
    """Candidate findings: per candidate its kind, where, place, affected and exposed journeys.

    ``exp`` is the affected plus the comparable journeys (None: all journeys);
    ``direct`` (handoffs) per affected journey the hours and effort the finding itself
    causes (comparable journeys, which do not have it, count zero).
    """

    kind: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)
    place: list[tuple[Any, ...]] = field(default_factory=list)
    aff: list[np.ndarray] = field(default_factory=list)
    exp: list[np.ndarray | None] = field(default_factory=list)
    direct: list[tuple[np.ndarray, np.ndarray] | None] = field(default_factory=list)

    def add(
        self,
        kind: str,
        where: Any,
        detail: str,
        place: tuple[Any, ...],
        aff: np.ndarray,
        exp: np.ndarray | None,
        direct: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.kind.append(kind)
        self.where.append(str(where))
        self.detail.append(detail)
        self.place.append(place)
        self.aff.append(aff)
        self.exp.append(exp)
        self.direct.append(direct)


# --------------------------------------------------------------------------- merging


def _dept_of(log: JourneyLog, level: str, department: str) -> dict[str, str]:
    """The department most events of each touchpoint belong to."""
    codes, labels = C.level_codes(log, level, "pain_points")
    a = arrays(log)
    dcodes, dlabels = a.codes(department, "pain_points"), a.labels(department, "pain_points")
    dcodes = np.asarray(dcodes, dtype=np.int64)
    ok = (codes >= 0) & (dcodes >= 0)
    D = len(dlabels)
    pair, cnt = np.unique(codes[ok] * D + dcodes[ok], return_counts=True)
    tp, dep = pair // D, pair % D
    # per touchpoint the most frequent department (ties: the first label)
    order = np.lexsort((dep, -cnt, tp))
    first = order[np.r_[True, tp[order][1:] != tp[order][:-1]]] if len(order) else order
    return {str(labels[t]): str(dlabels[d]) for t, d in zip(tp[first], dep[first], strict=True)}


def _same_place(p: tuple, q: tuple, dept: dict[str, str]) -> bool:
    if p[0] > q[0]:
        p, q = q, p
    kinds = (p[0], q[0])
    if kinds == ("dept", "dept"):
        return {p[1], p[2]} == {q[1], q[2]}
    if kinds == ("dept", "tp"):
        return dept.get(q[1]) in (p[1], p[2])
    if kinds == ("tp", "tr"):
        return p[1] in (q[1], q[2])
    if kinds == ("dept", "tr"):
        ends = (dept.get(q[1]), dept.get(q[2]))
        return ends in ((p[1], p[2]), (p[2], p[1]))
    return False


def _place_keys(place: tuple, where: str, dept: dict[str, str]) -> list[str]:
    keys = ["w:" + where]
    if place[0] == "tp":
        keys += ["t:" + place[1], "d:" + str(dept.get(place[1]))]
    elif place[0] == "tr":
        keys += ["t:" + place[1], "t:" + place[2]]
        keys.append("p:" + "|".join(sorted((str(dept.get(place[1])), str(dept.get(place[2]))))))
    elif place[0] == "dept":
        keys += ["d:" + place[1], "d:" + place[2], "p:" + "|".join(sorted(place[1:3]))]
    return keys


def _merge(f: _Found, dept: dict[str, str]) -> list[list[int]]:
    """Groups of candidates that are one problem (connected components), in candidate order."""
    n = len(f.kind)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[str, list[int]] = {}
    for i in range(n):
        for k in _place_keys(f.place[i], f.where[i], dept):
            buckets.setdefault(k, []).append(i)
    seen: set[tuple[int, int]] = set()
    for members in buckets.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if (i, j) in seen:
                    continue
                seen.add((i, j))
                a, b = f.aff[i], f.aff[j]
                big = max(len(a), len(b))
                if min(len(a), len(b)) < _OVERLAP * big:
                    continue
                if f.where[i] != f.where[j] and not _same_place(f.place[i], f.place[j], dept):
                    continue
                both = len(np.intersect1d(a, b, assume_unique=True))
                if both >= _OVERLAP * big:
                    parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


# --------------------------------------------------------------------------- impacts


def _impacts(
    f: _Found,
    groups: list[list[int]],
    out: C.Outcome,
    hours: np.ndarray,
    effort: np.ndarray,
    totals: tuple[float, float, float],
    min_journeys: int,
) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    conv = out.known & out.converted
    known = out.known
    G = len(groups)
    st = np.zeros((G, 2, 9))  # per group, affected / comparable: n, n_known, k, Σh, Σh², Σe, Σe²
    kinds, wheres, members, details, sets = [], [], [], [], []
    everyone = np.array(
        [
            len(known),
            known.sum(),
            conv.sum(),
            hours.sum(),
            (hours**2).sum(),
            effort.sum(),
            (effort**2).sum(),
            0,
            0,
        ],
        dtype=float,
    )
    # per journey: 1, known, converted, hours, hours², effort, effort² (one gather or one
    # product per problem instead of seven: at 1M events this is 10x faster than
    # gathering each quantity, and unions through a mask beat np.union1d's sorts)
    per = np.vstack([np.ones(len(known)), known, conv, hours, hours**2, effort, effort**2])
    for g, idx in enumerate(groups):
        idx = sorted(idx, key=lambda i: (KINDS.index(f.kind[i]), f.where[i]))
        aff = _union([f.aff[i] for i in idx], len(known))
        raw = _sums(per, aff)
        # comparable: the members' comparable journeys; if they are too few, all other
        # journeys when a member compares with those (a dead end everyone reaching it
        # drops off at), else none (not assessed: the merged problem is the whole flow)
        exps = [f.exp[i] for i in idx if f.exp[i] is not None]
        exp_stats = everyone
        if exps:
            exp = _union([aff, *exps], len(known))
            exp_stats = _sums(per, exp)
            if len(idx) > 1 and len(exp) - len(aff) < min_journeys:
                by_all = any(f.exp[i] is None and f.direct[i] is None for i in idx)
                exp_stats = everyone if by_all else raw
        st[g, 0] = raw
        st[g, 1] = exp_stats - raw
        direct = f.direct[idx[0]] if len(idx) == 1 else None
        if direct is not None:  # what the finding itself costs; the others have none of it
            dh, de = direct
            st[g, 0, 3:7] = (dh.sum(), dh @ dh, de.sum(), de @ de)
            st[g, 1, 3:7] = 0.0
        ks = list(dict.fromkeys(f.kind[i] for i in idx))
        kinds.append("+".join(ks))
        wheres.append(f.where[idx[0]])
        members.append("; ".join(f"{f.kind[i]} at {f.where[i]}" for i in idx))
        if len(idx) == 1:
            details.append(f.detail[idx[0]])
        else:
            details.append("; ".join(f"{f.kind[i]}: {f.detail[i]}" for i in idx))
        sets.append(aff)
    return _impact_table(st, kinds, wheres, members, details, sets, totals)


def _impact_table(
    st: np.ndarray,
    kinds: list[str],
    wheres: list[str],
    members: list[str],
    details: list[str],
    sets: list[np.ndarray],
    totals: tuple[float, float, float],
) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    """What each group of findings costs, with intervals, from its sums ``st``.

    Keeps the groups with a cost whose interval lies above zero, with their journeys.
    """
    a, c = st[:, 0], st[:, 1]
    k_lo, k_hi = newcombe_diff_ci(c[:, 2], c[:, 1], a[:, 2], a[:, 1])
    p_gap = np.asarray(rate(c[:, 2], c[:, 1])) - np.asarray(rate(a[:, 2], a[:, 1]))
    cols: dict[str, Any] = {
        "kind": pd.Series(kinds, dtype=object),
        "where": pd.Series(wheres, dtype=object),
        "journeys_affected": a[:, 0].astype(np.int64),
        "conversions_lost": a[:, 1] * p_gap,
        "conversions_lost_low": a[:, 1] * np.asarray(k_lo),
        "conversions_lost_high": a[:, 1] * np.asarray(k_hi),
    }
    for name, col in (("hours_lost", 3), ("extra_effort", 5)):
        d, lo, hi = _welch(a[:, 0], a[:, col], a[:, col + 1], c[:, 0], c[:, col], c[:, col + 1])
        cols[name], cols[name + "_low"], cols[name + "_high"] = (
            a[:, 0] * d,
            a[:, 0] * lo,
            a[:, 0] * hi,
        )
    table = pd.DataFrame(cols)
    lows = np.nan_to_num(table[[f"{x}_low" for x in _CURRENCIES]].to_numpy(float), nan=-1.0)
    keep = np.flatnonzero((lows > 0).any(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(np.asarray(totals) > 0, np.maximum(lows, 0) / np.asarray(totals), 0.0)
    table["balanced"] = share.sum(axis=1)
    table["members"] = members
    table["detail"] = [
        d + _impact_text(r) for d, r in zip(details, table.itertuples(index=False), strict=True)
    ]
    table = table.iloc[keep].reset_index(drop=True)
    return table, tuple(sets[i] for i in keep)


def _sums(per: np.ndarray, cases: np.ndarray) -> np.ndarray:
    """The per-journey quantities of ``per`` summed over ``cases`` (distinct), and two zeros."""
    n = per.shape[1]
    if len(cases) * 8 > n:  # a large share of all journeys: one matrix-vector product
        mask = np.zeros(n)
        mask[cases] = 1.0
        total = per @ mask
    else:
        total = per[:, cases].sum(axis=1)
    return np.concatenate([total, np.zeros(2)])


def _union(sets: list[np.ndarray], n: int) -> np.ndarray:
    """The sorted distinct journeys of several sorted sets of journey codes below ``n``."""
    if len(sets) == 1:
        return sets[0]
    mask = np.zeros(n, dtype=bool)
    for cases in sets:
        mask[cases] = True
    return np.flatnonzero(mask)


def _welch(
    n1: np.ndarray, s1: np.ndarray, q1: np.ndarray, n2: np.ndarray, s2: np.ndarray, q2: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference of means (group 1 - group 2) and its Welch normal 95% interval.

    From counts ``n``, sums ``s`` and sums of squares ``q``; NaN where a group has
    fewer than two journeys.
    """
    z = z_value()
    ok = (n1 >= 2) & (n2 >= 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        m1, m2 = s1 / n1, s2 / n2
        v1 = np.maximum(q1 - n1 * m1 * m1, 0.0) / (n1 - 1)
        v2 = np.maximum(q2 - n2 * m2 * m2, 0.0) / (n2 - 1)
        se = np.sqrt(v1 / n1 + v2 / n2)
    d = np.where(ok, m1 - m2, np.nan)
    return d, d - z * se, d + z * se


def _impact_text(r: Any) -> str:
    """What the problem costs, in the currencies whose whole interval is above zero."""
    parts = []
    if r.conversions_lost_low > 0:
        parts.append(
            f"about {r.conversions_lost:,.0f} conversions (95% CI "
            f"{r.conversions_lost_low:,.0f} to {r.conversions_lost_high:,.0f})"
        )
    if r.hours_lost_low > 0:
        parts.append(
            f"{r.hours_lost:,.0f} hours of extra waiting on the company "
            f"({r.hours_lost_low:,.0f} to {r.hours_lost_high:,.0f})"
        )
    if r.extra_effort_low > 0:
        parts.append(
            f"{r.extra_effort:,.0f} extra handoffs, contacts and bounces "
            f"({r.extra_effort_low:,.0f} to {r.extra_effort_high:,.0f})"
        )
    if not parts:
        return ""
    return "; it costs " + (
        parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    )
