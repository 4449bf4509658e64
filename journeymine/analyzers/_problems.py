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
    "post_goal_contact",
)
_CURRENCIES = ("conversions_lost", "hours_lost", "extra_effort")
#: Currencies a kind is not costed in (NaN): contacts after the goal lose no conversion,
#: and the waiting after the goal is not measured.
NOT_COSTED: dict[str, tuple[str, ...]] = {"post_goal_contact": ("conversions_lost", "hours_lost")}
_OVERLAP = 0.8  # two findings at one place sharing this share of their journeys are one problem
_BATCH = 2_000_000  # journeys per indicator matrix in _set_sums (a set longer is one alone)


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
    tp, dep, cnt = dept_pairs(codes, np.asarray(dcodes, dtype=np.int64), len(dlabels))
    return dept_of_counts(tp, dep, cnt, labels, dlabels)


def dept_pairs(
    codes: np.ndarray, dcodes: np.ndarray, D: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (touchpoint, department) codes of the events, and their counts."""
    ok = (codes >= 0) & (dcodes >= 0)
    pair, cnt = np.unique(codes[ok] * D + dcodes[ok], return_counts=True)
    return pair // D, pair % D, cnt


def dept_of_counts(
    tp: np.ndarray, dep: np.ndarray, cnt: np.ndarray, labels: Any, dlabels: Any
) -> dict[str, str]:
    """:func:`_dept_of` from the counts of (touchpoint, department) code pairs."""
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
    if place[0] == "post":  # costed on what follows the goal: never one problem with another
        return []
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
                both = _n_common(a, b)
                if both >= _OVERLAP * big:
                    parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def _n_common(a: np.ndarray, b: np.ndarray) -> int:
    """How many journeys two sorted sets of distinct journeys share.

    A binary search of the smaller among the larger: no concatenation and sort of
    both, as ``np.intersect1d`` does (the merge compares many large sets).

    Examples
    --------
    >>> _n_common(np.array([1, 3, 5, 7]), np.array([0, 3, 4, 7, 9]))
    2
    """
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return 0
    pos = np.searchsorted(b, a)
    pos[pos == len(b)] = 0
    return int(np.count_nonzero(b[pos] == a))


# --------------------------------------------------------------------------- impacts


def _impacts(
    f: _Found,
    groups: list[list[int]],
    out: C.Outcome,
    hours: np.ndarray,
    effort: np.ndarray,
    totals: tuple[float, float, float],
    min_journeys: int,
    threads: int = 1,
) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    conv = out.known & out.converted
    known = out.known
    n, G = len(known), len(groups)
    st = np.zeros((G, 2, 9))  # per group, affected / comparable: n, n_known, k, Σh, Σh², Σe, Σe²
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
    # per journey: 1, known, converted, hours, hours², effort, effort²; every group's sums
    # come from one sparse product (journeys of each group x these quantities), not
    # from a pass over all journeys per group
    per = np.column_stack([np.ones(n), known, conv, hours, hours**2, effort, effort**2])
    order = [sorted(idx, key=lambda i: (KINDS.index(f.kind[i]), f.where[i])) for idx in groups]
    sets = [_union([f.aff[i] for i in idx], n) for idx in order]
    # comparable: the members' comparable journeys (a merged group's union with its
    # affected ones, as one set; a single finding's affected ones are added below)
    exps: list[np.ndarray | None] = []
    for idx, aff in zip(order, sets, strict=True):
        e = [f.exp[i] for i in idx if f.exp[i] is not None]
        exps.append(None if not e else e[0] if len(idx) == 1 else _union([aff, *e], n))
    raw = _set_sums(per, sets, n, threads)
    empty = np.zeros(0, dtype=np.int64)
    exp_sums = _set_sums(per, [empty if e is None else e for e in exps], n, threads)
    n_exp = np.asarray([0 if e is None else len(e) for e in exps], dtype=np.int64)
    # affected journeys a finding does not count among its exposed ones (the builders
    # expose a superset, so usually none): added, so the exposed are the union
    g_out, c_out = _outside(sets, exps, n)
    if len(g_out):
        exp_sums += _pair_sums(per, g_out, c_out, G, n)
        n_exp += np.bincount(g_out, minlength=G)
    kinds, wheres, members, details = [], [], [], []
    for g, idx in enumerate(order):
        aff = sets[g]
        st[g, 0, :7] = raw[g]
        exp_stats = everyone
        if exps[g] is not None:
            exp_stats = np.r_[exp_sums[g], 0.0, 0.0]
            # if they are too few, all other journeys when a member compares with those
            # (a dead end everyone reaching it drops off at), else none (not assessed:
            # the merged problem is the whole flow)
            if len(idx) > 1 and n_exp[g] - len(aff) < min_journeys:
                by_all = any(f.exp[i] is None and f.direct[i] is None for i in idx)
                exp_stats = everyone if by_all else st[g, 0]
        st[g, 1] = exp_stats - st[g, 0]
        direct = f.direct[idx[0]] if len(idx) == 1 else None
        if direct is not None:  # what the finding itself costs; the others have none of it
            dh, de = direct
            # squares summed by numpy, not BLAS: a BLAS dot spawns threads, which on a
            # busy machine made this line alone cost seconds
            st[g, 0, 3:7] = (dh.sum(), (dh * dh).sum(), de.sum(), (de * de).sum())
            st[g, 1, 3:7] = 0.0
        ks = list(dict.fromkeys(f.kind[i] for i in idx))
        kinds.append("+".join(ks))
        wheres.append(f.where[idx[0]])
        members.append("; ".join(f"{f.kind[i]} at {f.where[i]}" for i in idx))
        if len(idx) == 1:
            details.append(f.detail[idx[0]])
        else:
            details.append("; ".join(f"{f.kind[i]}: {f.detail[i]}" for i in idx))
    return _impact_table(st, kinds, wheres, members, details, sets, totals)


def _set_sums(per: np.ndarray, sets: list[np.ndarray], n: int, threads: int = 1) -> np.ndarray:
    """Per set of distinct journeys, the per-journey quantities ``per`` (n x k) summed.

    One sparse product: a (sets x journeys) indicator matrix times ``per``; each sum
    is taken in the set's order of journeys, the same on every machine and with any
    number of ``threads`` (a row's sum does not depend on the others).
    """
    from scipy import sparse  # imported here: ``import journeymine`` stays light

    out = np.zeros((len(sets), per.shape[1]))
    # a few sets at a time: the indicator matrix of all of them at once held every
    # journey of every set, several times
    batches, start = [], 0
    while start < len(sets):
        stop, size = start + 1, len(sets[start])
        while stop < len(sets) and size + len(sets[stop]) <= _BATCH:
            size += len(sets[stop])
            stop += 1
        batches.append((start, stop))
        start = stop

    def run(bounds: tuple[int, int]) -> None:
        start, stop = bounds
        batch = sets[start:stop]
        lens = np.fromiter((len(s) for s in batch), dtype=np.int64, count=len(batch))
        indptr = np.r_[np.int64(0), np.cumsum(lens)]
        idx = np.concatenate(batch) if batch else np.zeros(0, dtype=np.int64)
        m = sparse.csr_matrix((np.ones(len(idx)), idx, indptr), shape=(len(batch), n))
        del idx
        out[start:stop] = np.asarray(m @ per).reshape(len(batch), per.shape[1])

    if threads > 1 and len(batches) > 1:
        # scipy's sparse product lets go of the GIL: the batches run side by side
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, len(batches))) as pool:
            list(pool.map(run, batches))
    else:
        for bounds in batches:
            run(bounds)
    return out


def _pair_sums(per: np.ndarray, gid: np.ndarray, case: np.ndarray, G: int, n: int) -> np.ndarray:
    """:func:`_set_sums` over (group, journey) pairs sorted by group."""
    bounds = np.searchsorted(gid, np.arange(G + 1))
    return _set_sums(per, [case[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)], n)


def _outside(
    sets: list[np.ndarray], exps: list[np.ndarray | None], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """(group, journey) pairs of the journeys in ``sets[g]`` that are not in ``exps[g]``.

    A binary search of each group's journeys among its exposed ones (both sorted): a
    pass over the affected journeys only, whatever the size of the exposed ones.
    """
    groups, cases = [], []
    for g, (aff, exp) in enumerate(zip(sets, exps, strict=True)):
        if exp is None or not len(aff):
            continue
        pos = np.minimum(np.searchsorted(exp, aff), max(len(exp) - 1, 0))
        miss = aff[exp[pos] != aff] if len(exp) else aff
        if len(miss):
            groups.append(np.full(len(miss), g, dtype=np.int64))
            cases.append(np.asarray(miss, dtype=np.int64))
    if not groups:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(groups), np.concatenate(cases)


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
    for kind, names in NOT_COSTED.items():
        rows = np.asarray([k == kind for k in kinds], dtype=bool)
        for name in names:
            for col in (name, name + "_low", name + "_high"):
                table.loc[rows, col] = np.nan
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


# --------------------------------------------------------------------------- the findings' sentences
# (one log's builders in ranking.py and the partitioned merge in _parts_pain.py share them)


def _pct(x: float) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.0%}"


def _dur(td: Any) -> str:
    if td is None or pd.isna(td):
        return "n/a"
    sec = pd.Timedelta(td).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if sec >= size:
            return f"{sec / size:.1f}{unit}".replace(".0" + unit, unit)
    return f"{sec:.0f}s"


def drop_detail(r: Any) -> str:
    """A drop-off's sentence from its row of :func:`~journeymine.dropoffs`."""
    return (
        f"{_pct(r['exit_rate'])} of the {int(r['journeys'])} journeys reaching it end there "
        f"unconverted; {_pct(r['continuing_conversion'])} of those that go on convert"
    )


def dead_detail(r: Any) -> str:
    """A dead end's sentence from its row (a named tuple) of the dead-end table."""
    return (
        f"{_pct(r.conversion)} of visiting journeys convert afterwards vs "
        f"{_pct(r.overall_conversion)} overall"
        + ("; no path to the goal" if not r.reaches_goal else "")
    )


def handoff_detail(r: Any) -> str:
    """A handoff's sentence from its row of the handoff table."""
    return f"{r['handoffs']} handoffs, median delay {_dur(r['median_delay'])}" + (
        ""
        if pd.isna(r["repeat_contact_share"])
        else f"; {_pct(r['repeat_contact_share'])} followed by a repeat contact"
    )


def ping_pong_detail(r: Any, journeys: int, a_name: str, b_name: str, few: bool) -> str:
    """A ping-pong's sentence (``few``: compared with all hand-overs from ``a_name``)."""
    arrow = C.ARROW
    versus = (
        f"journeys handing over from {a_name} without it"
        if few
        else f"the other {a_name}{arrow}{b_name} handoffs"
    )
    return (
        f"{r['ping_pongs']} ping-pongs in {journeys} journeys: {b_name} hands "
        f"straight back to {a_name} (compared with {versus})"
    )


def silent_detail(r: Any) -> str:
    """A silent gap's sentence from its row (a named tuple) of the silent-gap summary."""
    return (
        f"{_pct(r.share)} of {r.gaps} waits last over {_dur(r.threshold)} (typically "
        f"{_dur(r.expected_gap)}); median silent wait {_dur(r.median_silent_gap)}"
        + (
            f"; {r.waiting_on_company} with the customer waiting on the company"
            if r.waiting_on_company
            else ""
        )
    )


def repeat_detail(row: Any, a: str, b: str, win: pd.Timedelta) -> str:
    """A repeat contact's sentence from its row of the repeat-contact table."""
    return (
        f"{_pct(row.share)} of {a} contacts are followed by another contact, on {b}, "
        f"within {_dur(win)} (median {_dur(row.median_interval)} later)"
    )


def unanswered_detail(count: int, resp: np.ndarray) -> str:
    """An unanswered touchpoint's sentence: its finished journeys, its answers' rates."""
    return (
        f"{count} finished journeys end on a customer contact here that nobody "
        f"answered; it is answered {_pct(float(np.nanmedian(resp)))} of the time"
    )


def loop_detail(r: Any) -> str:
    """A loop's sentence from its row (a named tuple) of :func:`~journeymine.loops`."""
    return (
        f"{_pct(r.loop_share)} of the journeys visiting it repeat it ({r.extra_visits} extra "
        f"visits; median {_dur(r.median_extra_time)} from first to last)"
    )


def post_goal_detail(
    m: int, k: int, span: str, n_contacts: int, n_aff: int, tops: np.ndarray, labels: Any
) -> str:
    """A post-goal contact's sentence: ``k`` of ``m`` complete journeys, the contacts and
    where the first ones were (``tops`` per label)."""
    rate = f"{_pct(k / m)} of the {m} journeys" if m else "journeys"
    top = int(np.argmax(tops)) if tops.any() else -1
    return (
        f"{rate} reaching the goal here (with the whole {span} after it in the data) "
        f"contact the company again within {span}: {n_contacts} contacts "
        f"in {n_aff} journeys"
        + (
            f", first most often at {labels[top]} ({_pct(tops[top] / tops.sum())})"
            if top >= 0
            else ""
        )
    )


def add_post_goal(
    f: _Found,
    s: Any,
    conv: np.ndarray,
    at: np.ndarray,
    contacts: np.ndarray,
    complete: np.ndarray,
    first_at: np.ndarray,
    labels: Any,
) -> None:
    """The ``post_goal_contact`` findings, from per converted journey (``conv``, sorted):
    the ``level`` value where it reached the goal (``at``), its customer's ``contacts``
    within the window after it, whether the window is ``complete`` and where the first
    contact was (``first_at``, -1 none)."""
    hit = (contacts > 0) & (at >= 0)
    quiet = (contacts == 0) & complete & (at >= 0)
    n_hit = np.bincount(at[hit], minlength=len(labels))
    keep = np.flatnonzero(n_hit >= s.min_journeys)
    if not len(keep):
        return
    quiet_all = conv[quiet]
    span = _dur(s.after)
    for v in keep.tolist():
        x = str(labels[v])
        here = at == v
        sel = hit & here
        aff = conv[sel]
        versus = conv[quiet & here]
        if len(versus) < s.min_journeys:
            versus = quiet_all
        exp = np.sort(np.concatenate([aff, versus]))
        done = here & complete
        m, k = int(done.sum()), int((sel & complete).sum())
        tops = np.bincount(first_at[sel & (first_at >= 0)], minlength=len(labels))
        n_con = int(contacts[sel].sum())
        detail = post_goal_detail(m, k, span, n_con, len(aff), tops, labels)
        direct = (np.zeros(len(aff)), contacts[sel].astype(float))
        f.add("post_goal_contact", x, detail, ("post", x), aff, exp, direct)
