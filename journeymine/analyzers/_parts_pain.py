"""pain_points on a PartitionedLog (private): its findings, in the whole log's journey order.

:func:`~journeymine.pain_points` gathers findings (each with the journeys it affects
and the journeys it is compared with) and costs them on per-journey quantities. A
partition holds whole journeys, so the journeys of a finding are the union of every
partition's; the decisions that need all journeys come first:

1. *Global decisions*: the merged tables of the partitioned analyses (drop-offs, dead
   ends, handoffs, repeat contacts, loops) and one pass (:func:`facts_part`) for the
   rest: labels, journey ids (the whole log's journey order, see
   :func:`~journeymine.analyzers._parts_gaps.journey_keys`), every transition's gaps
   (the silent-gap baselines), answered contacts, touchpoints' departments and the
   converted journeys' goals.
2. *Windows* (:func:`window_part`), given those: each partition's silent gaps (the
   silent-gap summary, and the hours waited per journey), its unanswered contacts,
   and for every goal whose customer has events in it the contacts after the goal.
3. *Members* (:func:`members_part`): per finding its journeys in the partition, and
   per journey its outcome and effort.

The merge renumbers every partition's journeys into the whole log's order and builds
the same candidate findings, in the same order, as on the log in memory; merging and
costing them is :mod:`._problems`' code, unchanged. Float sums are taken as on the
whole log: the hours of a journey add its silent gaps in order, and a handoff's
waiting is a difference of the running sum over all silent gaps in journey order
(the cumulative sum on one log), so every figure is identical to the last bit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from ..derive import arrays
from ..errors import DataQualityWarning
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL, CUSTOMER, DIRECTION
from . import _common as C
from . import _members as M
from . import _parts_gaps as P
from . import _parts_reach as RCH
from . import _parts_repeats as R
from . import _parts_transfers as TP
from . import _parts_unanswered as U
from . import _problems as Q
from ._parts_pain_members import contacts_of, goal_events, members_part
from .gaps import _baseline_waits, partitioned_answers, partitioned_baselines
from .outcomes import _first_row
from .repeats import _partitioned_repeats

__all__: list[str] = []

_HOUR = 3_600e9
_FUNC = "pain_points"
_BIG = np.iinfo(np.int64).max


# ---------------------------------------------------------------------- pass 1: facts
@dataclass
class Facts:
    """A partition's labels, journeys, gaps, answers, departments and goals."""

    labels: list[str]
    n: int
    ids: np.ndarray
    numeric: bool
    has: dict[str, bool]
    dept: tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None
    customers: Any  # an Arrow string array
    goals: dict[str, np.ndarray] | None


def facts_part(log: JourneyLog, s: Any, goal: Any, by_id: bool, post: bool) -> Facts:
    """Pass 1 on a partition (see the module docstring)."""
    codes, labels = C.level_codes(log, s.level, _FUNC)
    a = arrays(log)
    has = {
        "dept": C.has_values(log, s.department),
        "dir": C.has_values(log, DIRECTION),
        "channel": C.has_values(log, CHANNEL),
        "missing_customer": bool((np.asarray(a.codes(CUSTOMER, _FUNC)) < 0).any()),
    }
    dept = None
    if has["dept"]:
        dl = a.labels(s.department, _FUNC)
        dc = np.asarray(a.codes(s.department, _FUNC), dtype=np.int64)
        dept = ([str(x) for x in dl], *Q.dept_pairs(codes, dc, len(dl)))
    goals = None
    if post and has["dir"]:
        first = _first_row(goal_events(log, goal), a.case, a.n_cases)
        conv = np.flatnonzero(first >= 0)
        grow = first[conv]
        cust = np.asarray(a.codes(CUSTOMER, _FUNC)).astype(np.int64)
        goals = {
            "conv": conv,
            "cust": cust[grow],
            "time": a.timestamps_ns[grow],
            "row": grow - a.offsets[conv],
            "at": codes[grow],
        }
    return Facts(
        labels=[str(x) for x in labels],
        n=a.n_cases,
        # the order of partitions by a hash of the journey needs every id; ranges, the first
        ids=_id_array(a.case_ids if by_id else a.case_ids[:1]),
        numeric=P.numeric_ids(a.case_ids) if by_id else True,
        has=has,
        dept=dept,
        customers=_id_array(a.labels(CUSTOMER, _FUNC) if goals is not None else []),
        goals=goals,
    )


def _id_array(ids: Any) -> Any:
    """Journey ids as an Arrow string array: a few bytes each, not a Python object each."""
    import pyarrow as pa

    return pa.array(np.asarray(ids, dtype=object), type=pa.string())


def _positions(facts: list[Facts], by_id: bool) -> list[np.ndarray]:
    """Per partition, each of its journeys' place in the whole log's journey order.

    :func:`~journeymine._partitioned.journey_keys` of the journeys, on the Arrow ids.
    """
    n = [f.n for f in facts]
    if by_id and sum(n):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.concat_arrays([f.ids for f in facts])
        if all(f.numeric for f in facts):
            arr = pc.cast(arr, pa.int64())
        keys = pc.rank(arr, sort_keys="ascending", tiebreaker="dense").to_numpy()
        del arr
        keys = keys.astype(np.int64) - 1  # dense ranks from 1
    else:
        keys = np.arange(sum(n), dtype=np.int64)  # ranges of the log's journeys, in order
    dtype = np.int32 if sum(n) < 2**31 else np.int64  # members' journeys: half the bytes
    return np.split(keys.astype(dtype), np.cumsum(n)[:-1]) if n else []


# ---------------------------------------------------------------------- pass 2: windows
def window_part(
    log: JourneyLog, s: Any, goal: Any, w: dict[str, Any]
) -> tuple[P.SilentRows, dict[str, np.ndarray] | None, dict[str, np.ndarray] | None]:
    """Pass 2 on a partition: its silent gaps, unanswered contacts and contacts after goals."""
    sil = P.silent_part(log, s.level, _FUNC, w["labels"], w["uniq"], w["cut"], w["by_id"])
    una = None
    if w["resp"] is not None and C.has_values(log, DIRECTION):
        _, own = C.level_codes(log, ACTIVITY, _FUNC)
        lut = P.codes_in(own, w["act_labels"])[:-1]
        resp, n_ans = w["resp"][lut], w["n_ans"][lut]
        dirs = U.directed(log, list(s.skip), _FUNC)
        rows, hcase, _, _, on = U.unanswered_hits(log, dirs, resp, n_ans, 0.5, w["obs_ns"])
        rows, hcase = rows[~on], hcase[~on]
        acts, _ = C.level_codes(log, ACTIVITY, _FUNC)
        codes, _ = C.level_codes(log, s.level, _FUNC)
        una = {"case": hcase, "val": codes[rows], "resp": resp[acts[rows]]}
    post = None
    queries = w["post"].get(str(arrays(log).case_ids[0])) if log.n_cases and w["post"] else None
    if queries is not None:
        post = _after_goals(log, s, goal, queries, w["after_ns"])
    return sil, una, post


def _after_goals(
    log: JourneyLog, s: Any, goal: Any, q: dict[str, np.ndarray], after_ns: int
) -> dict[str, np.ndarray]:
    """Per goal of ``q`` (customer code here, time, journey place, row in it): the contacts
    of its customer here after it within the window, and the first one.

    As on one log (:class:`~journeymine.analyzers.outcomes._Windows`): the customer's
    events in order of (time, journey, row) after the goal's, up to the goal + window.
    """
    a = arrays(log)
    contact = contacts_of(log, list(s.skip)) & ~goal_events(log, goal)
    cpos = np.flatnonzero(contact)
    ccase = a.case[cpos]
    cust = np.asarray(a.codes(CUSTOMER, _FUNC)).astype(np.int64)[cpos]
    k, nq = len(cpos), len(q["idx"])
    big = np.full(nq, _BIG)
    order = np.lexsort(
        (
            np.r_[np.zeros(k, np.int64), np.ones(2 * nq, np.int64)],
            np.r_[cpos - a.offsets[ccase], q["row"], big],
            np.r_[q["gpos"][ccase], q["jpos"], big],
            np.r_[a.timestamps_ns[cpos], q["time"], q["time"] + after_ns],
            np.r_[cust, q["cust"], q["cust"]],
        )
    )
    is_c = order < k
    before = np.cumsum(is_c) - is_c
    at = np.empty(len(order), dtype=np.int64)
    at[order] = np.arange(len(order))
    lo, hi = before[at[k : k + nq]], before[at[k + nq :]]
    count = hi - lo
    has = count > 0
    first = order[is_c][lo[has]]
    codes, _ = C.level_codes(log, s.level, _FUNC)
    return {
        "idx": q["idx"],
        "count": count,
        "first_idx": q["idx"][has],
        "first_ts": a.timestamps_ns[cpos[first]],
        "first_jpos": q["gpos"][ccase[first]],
        "first_row": cpos[first] - a.offsets[ccase[first]],
        "first_val": codes[cpos[first]],
    }


# ---------------------------------------------------------------------- the driver and merge
def findings(
    log: Any, s: Any, warn_skipped: Any
) -> tuple[Q._Found, dict[str, str], Any, np.ndarray, np.ndarray]:
    """The findings of a PartitionedLog, its touchpoints' departments, its journeys'
    outcomes (``known``, ``converted``), hours and effort, in the whole log's order.

    ``warn_skipped(has_dept, has_dir)`` warns about the kinds the log cannot have, once
    the goal is known to occur (as on a log in memory).
    """
    C.check_level(log.columns, s.level, _FUNC)
    _baseline_waits(s.baselines, None, s.level, _FUNC)  # their form, before any partition
    by_id = log.engine != "memory"  # partitions by a hash of the journey: order by id
    names = C.goal_names(s.goal)
    post = s.after is not None
    with RCH.goal_for_workers(s.goal, names) as sent:
        facts = log._map(facts_part, (s, sent, by_id, post))
        drops = RCH.partitioned_dropoffs(log, s.goal, s.level, _FUNC)  # unknown goal: raises
        has = {k: any(f.has[k] for f in facts) for k in facts[0].has}
        warn_skipped(has["dept"], has["dir"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            return _found(log, s, sent, facts, drops, has, by_id)


def _found(
    log: Any, s: Any, sent: Any, facts: list[Facts], drops: pd.DataFrame, has: dict, by_id: bool
) -> tuple[Q._Found, dict[str, str], Any, np.ndarray, np.ndarray]:
    gpos = _positions(facts, by_id)
    for x in facts:  # let go of the journey ids: only a partition's first is asked for
        x.ids = _id_array(x.ids[:1].to_pylist())
    n = int(sum(len(g) for g in gpos))
    labels, lmaps = TP.ordered_union([f.labels for f in facts])
    # the silent gaps' baselines, from every gap (shared with silent_gaps: cached)
    settings = (None, s.factor, s.floor, 20)
    glabels, uniq, pb = partitioned_baselines(log, settings, s.level, _FUNC, s.baselines)
    w: dict[str, Any] = {"labels": glabels, "uniq": uniq, "cut": pb.cut, "by_id": by_id}
    w.update(resp=None, post={}, after_ns=0 if s.after is None else int(s.after.value))
    if has["dir"]:
        act, resp, n_ans, obs_ns = partitioned_answers(log, list(s.skip), _FUNC)
        w.update(act_labels=act, resp=resp, n_ans=n_ans, obs_ns=obs_ns)
    goals = _goal_queries(facts, gpos, lmaps, w) if s.after is not None and has["dir"] else None
    windows = log._map(window_part, (s, sent, w))
    w["post"] = {}
    rows = P.merge_silent_rows([x[0] for x in windows], by_id)
    _, summary, _, row_of = P.silent_tables(pb, rows, P.taken(rows))
    del rows
    hours, cum, first = _hours(windows, gpos, pb, n)
    d, ctx = _decisions(log, s, has, drops, summary, row_of, labels)
    una = _unanswered(windows, gpos, lmaps, labels, s.min_journeys) if has["dir"] else None
    post = None if goals is None else _after_goal_facts(goals, windows, lmaps, w)
    del windows, goals
    d.update(labels=glabels, uniq=uniq, cut=pb.cut, unanswered=[] if una is None else una[0])
    members = log._map(members_part, (s, sent, d))
    g = _Global(gpos, n, labels, cum, first)
    out = SimpleNamespace(
        known=g.scatter([m.pop("known") for m in members], bool),
        converted=g.scatter([m.pop("converted") for m in members], bool),
    )
    effort = g.scatter([m.pop("effort") for m in members], float)
    f = _assemble(s, d, ctx, members, g, una)
    del members, una
    if post is not None:
        Q.add_post_goal(f, s, *post, labels)
    return f, _dept(facts, lmaps, labels) if has["dept"] else {}, out, hours, effort


@dataclass
class _Global:
    """The whole log's journeys: each partition's in the whole log's order (``gpos``),
    and the running sum of the hours over all silent gaps (``cum``; ``first`` per
    journey: where its silent gaps start in it)."""

    gpos: list[np.ndarray]
    n: int
    labels: list[str]
    cum: np.ndarray
    first: np.ndarray

    def union(self, lists: list[np.ndarray]) -> np.ndarray:
        """The sorted journeys of every partition's ``lists`` (disjoint: whole journeys)."""
        parts = [g[x] for g, x in zip(self.gpos, lists, strict=True)]
        if not parts:
            return np.zeros(0, np.int64)
        out = np.concatenate(parts)
        del parts
        # ranges of the log's journeys (jm.partition) come in order already: a check
        # (one pass) instead of a sort
        if len(out) > 1 and not (out[1:] >= out[:-1]).all():
            out.sort()
        return out

    def scatter(self, values: list[np.ndarray], dtype: Any) -> np.ndarray:
        out = np.zeros(self.n, dtype=dtype)
        for g, v in zip(self.gpos, values, strict=True):
            out[g] = v
        return out


def _hours(
    windows: list[Any], gpos: list[np.ndarray], pb: P.PairBaselines, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per journey the hours waited on the company beyond the typical; the running sum of
    every silent gap's hours in the whole log's order, and where each journey's start.

    As on one log (``ranking._per_journey``): per silent gap its excess over the expected
    gap, when it was not the customer's turn, summed in order (other transitions add 0).
    """
    rows = [x[0] for x in windows]
    case = np.concatenate([g[r.case] for g, r in zip(gpos, rows, strict=True)]) if rows else []
    case = np.asarray(case, dtype=np.int64)
    order = np.argsort(case, kind="stable")

    def cat(attr: str) -> np.ndarray:
        return np.concatenate([getattr(r, attr) for r in rows])[order]

    inv, gap, waiting = cat("inv"), cat("gap"), cat("waiting")
    excess = gap - np.nan_to_num(pb.expected[inv])
    w = np.where(waiting != 1, excess, 0.0) / _HOUR
    case = case[order]
    hours = np.bincount(case, weights=w, minlength=n) if len(w) else np.zeros(n)
    first = np.r_[0, np.cumsum(np.bincount(case, minlength=n))][:n]
    return hours, np.r_[0.0, np.cumsum(w)], first


def _decisions(
    log: Any,
    s: Any,
    has: dict[str, bool],
    drops: pd.DataFrame,
    summary: pd.DataFrame,
    row_of: np.ndarray,
    labels: list[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Which findings there are (as on one log), from the merged tables."""
    k = s.min_journeys
    lost = dict(zip(drops["touchpoint"], drops["lost"], strict=True))
    de = RCH.partitioned_dead_ends(log, s.goal, k, s.level, _FUNC)
    de = de[de["dead_end"]]
    lp = R.map_loops(log, s.level, _FUNC)
    lp = lp[lp["looping_journeys"] >= k]
    base = summary["baseline"].to_numpy()
    kept = [
        i for i in range(len(summary)) if base[i] != "global" and summary["journeys"].iloc[i] >= k
    ]
    silent_row = np.full(len(row_of), -1, dtype=np.int64)
    for j, i in enumerate(kept):
        silent_row[row_of == i] = j
    d: dict[str, Any] = {
        "drop": [x for x in labels if lost.get(x, 0) >= k],
        "dead": [str(x) for x in de["touchpoint"]],
        "loop": [str(x) for x in lp["touchpoint"]],
        "silent": kept,
        "silent_row": silent_row,
        "has_dept": has["dept"],
        "has_dir": has["dir"],
        "with": [],
        "bounced": [],
        "out_of": [],
        "wait": [],
        "repeat": [],
        "repeat_level": CHANNEL if has["channel"] else ACTIVITY,
    }
    ctx: dict[str, Any] = {"drops": drops.set_index("touchpoint"), "dead": de, "loops": lp}
    ctx["summary"] = list(summary.itertuples())
    if has["dept"]:
        ctx["handoffs"] = _handoff_plan(log, s, d)
    if has["dir"]:
        rt = _partitioned_repeats(log, s.win, CHANNEL, s.skip, False, _FUNC)
        rt = rt[rt["journeys"] >= k]
        d["repeat"] = [(x, y) for x, y in zip(rt["from"], rt["to"], strict=True)]
        ctx["repeat"] = list(rt.itertuples(index=False))
    return d, ctx


def _handoff_plan(log: Any, s: Any, d: dict[str, Any]) -> list[tuple]:
    """The handoff and ping-pong findings to look for, in the handoff table's order."""
    goals = TP.goal_names(s.goal, _FUNC)
    table = TP.merged_handoffs(log, s.department, goals, s.win, list(s.skip), 20, _FUNC)
    plan = []
    for i in range(len(table)):
        r = table.iloc[i]
        pair = (str(r["from"]), str(r["to"]))
        jour, ppj = int(r["journeys"]), int(r["ping_pong_journeys"])
        if jour >= s.min_journeys:
            d["wait"].append(len(d["with"]))
            plan.append(("handoff", r, len(d["with"]), len(d["wait"]) - 1))
            d["with"].append(pair)
        if ppj >= s.min_journeys:
            few = jour - ppj < s.min_journeys
            d["bounced"].append(pair)
            exp = len(d["out_of"]) if few else len(d["with"])
            d["out_of" if few else "with"].append(pair[0] if few else pair)
            plan.append(("ping_pong", r, len(d["bounced"]) - 1, exp, few, ppj))
    return plan


def _unanswered(
    windows: list[Any], gpos: list[np.ndarray], lmaps: list[np.ndarray], labels: list[str], k: int
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The touchpoints with unanswered findings; per finished unanswered journey (whole
    log's place) its touchpoint and response rate, and the counts per touchpoint."""
    una = [x[1] for x in windows]
    empty = np.zeros(0, np.int64)
    case = np.concatenate([g[u["case"]] if u else empty for g, u in zip(gpos, una, strict=True)])
    val = np.concatenate(
        [
            np.where(u["val"] >= 0, m[np.maximum(u["val"], 0)] if len(m) else -1, -1)
            if u
            else empty
            for m, u in zip(lmaps, una, strict=True)
        ]
    ).astype(np.int64)
    resp = np.concatenate([u["resp"] if u else np.zeros(0) for u in una])
    cnt = np.bincount(val[val >= 0], minlength=len(labels))
    keep = np.flatnonzero(cnt >= k)
    return [labels[v] for v in keep], keep, cnt, val, case, resp


def _assemble(
    s: Any, d: dict[str, Any], ctx: dict[str, Any], members: list[dict], g: _Global, una: Any
) -> Q._Found:
    """The candidate findings in the order of one log's builders (``ranking._compute``)."""
    f = Q._Found()

    def each(key: str, i: int, j: int | None = None) -> np.ndarray:
        return g.union(_take(members, key, i, j))

    for i, x in enumerate(d["drop"]):
        detail = Q.drop_detail(ctx["drops"].loc[x])
        f.add("drop_off", x, detail, ("tp", x), each("drop", i, 0), each("drop", i, 1))
    for i, r in enumerate(ctx["dead"].itertuples()):
        f.add(
            "dead_end", r.touchpoint, Q.dead_detail(r), ("tp", r.touchpoint), each("dead", i), None
        )
    if d["has_dept"]:
        _add_handoffs(f, ctx["handoffs"], members, g, s.min_journeys)
    for i, row in enumerate(d["silent"]):
        r = ctx["summary"][row]
        x, y = str(r.from_activity), str(r.to_activity)
        sil, had = each("silent", i, 0), each("silent", i, 1)
        f.add("silent_gap", x + C.ARROW + y, Q.silent_detail(r), ("tr", x, y), sil, had)
    if d["has_dir"]:
        for i, row in enumerate(ctx["repeat"]):
            a = "(missing)" if row[0] is None else str(row[0])
            b = "(missing)" if row[1] is None else str(row[1])
            rep, con = each("repeat", i, 0), each("repeat", i, 1)
            detail = Q.repeat_detail(row, a, b, s.win)
            f.add("repeat_contact", a + C.ARROW + b, detail, ("ch", a, b), rep, con)
        names, keep, cnt, val, case, resp = una
        aff = M.split(val, case, g.n, keep)
        for i, (x, v) in enumerate(zip(names, keep.tolist(), strict=True)):
            detail = Q.unanswered_detail(cnt[v], resp[val == v])
            f.add("unanswered", x, detail, ("tp", x), aff[i], each("unanswered", i))
    for i, r in enumerate(ctx["loops"].itertuples()):
        aff, exp = each("loop", i, 0), each("loop", i, 1)
        f.add("loop", r.touchpoint, Q.loop_detail(r), ("tp", r.touchpoint), aff, exp)
    return f


def _take(members: list[dict], key: str, i: int, j: int | None = None) -> list[np.ndarray]:
    """Every partition's ``m[key][i]`` (or ``m[key][j][i]``), let go of in the partials
    (each is united once): the parent holds a finding's journeys once, not twice."""
    out = []
    for m in members:
        lists = m[key] if j is None else m[key][j]
        out.append(lists[i])
        lists[i] = None
    return out


def _add_handoffs(f: Q._Found, plan: list[tuple], members: list[dict], g: _Global, k: int) -> None:
    arrow = C.ARROW
    for entry in plan:
        r = entry[1]
        a_name, b_name = str(r["from"]), str(r["to"])
        place = ("dept", a_name, b_name)
        if entry[0] == "handoff":
            _, _, wi, ti = entry
            with_pair = g.union([m["with"][wi] for m in members])
            direct = _direct(members, g, wi, ti, with_pair)
            for m in members:
                m["with"][wi] = None
            detail = Q.handoff_detail(r)
            f.add("handoff", a_name + arrow + b_name, detail, place, with_pair, None, direct)
            continue
        _, _, bi, ei, few, ppj = entry
        bounced = g.union(_take(members, "bounced", bi))
        exp = g.union(_take(members, "out_of" if few else "with", ei))
        if few and len(exp) - ppj < k:
            continue  # nothing comparable: every hand-over from A is this bounce
        detail = Q.ping_pong_detail(r, ppj, a_name, b_name, few)
        where = a_name + arrow + b_name + arrow + a_name
        f.add("ping_pong", where, detail, place, bounced, exp)


def _direct(
    members: list[dict], g: _Global, wi: int, ti: int, with_pair: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What a handoff itself costs its journeys (``with_pair``): the hours its silent gaps
    waited (differences of the whole log's running sum) and the effort after it."""
    jour = np.concatenate(
        [gp[m["with"][wi]] for gp, m in zip(g.gpos, members, strict=True)]
    ).astype(np.int64)
    eff = np.concatenate([m["direct_effort"][ti] for m in members])
    j_effort = eff[np.argsort(jour, kind="stable")] if len(jour) else np.zeros(0)
    j_wait = np.zeros(len(with_pair))
    for gp, m in zip(g.gpos, members, strict=True):
        if not len(m["spans"]) or not len(m["spans"][0]):
            continue
        idx, hcase, lo, hi = m["spans"]
        sel = idx == ti
        jg = gp[hcase[sel]]
        start = g.first[jg]
        hw = g.cum[start + hi[sel]] - g.cum[start + lo[sel]]
        np.add.at(j_wait, np.searchsorted(with_pair, jg), hw)
    return j_wait, j_effort


def _goal_queries(
    facts: list[Facts], gpos: list[np.ndarray], lmaps: list[np.ndarray], w: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Every converted journey's goal (in the whole log's order), and into ``w["post"]``
    per partition (by its first journey's id) the goals of the customers it has."""
    nc, cmaps = _union_codes([f.customers for f in facts])
    cols: dict[str, list[np.ndarray]] = {k: [] for k in ("jpos", "cust", "time", "row", "at")}
    for gp, m, cm, f in zip(gpos, lmaps, cmaps, facts, strict=True):
        q = f.goals
        if q is None:
            continue
        cols["jpos"].append(gp[q["conv"]])
        cols["cust"].append(
            np.r_[cm, nc].astype(np.int64)[np.where(q["cust"] >= 0, q["cust"], len(cm))]
        )
        cols["time"].append(q["time"])
        cols["row"].append(q["row"])
        cols["at"].append(
            np.where(q["at"] >= 0, np.r_[m, -1][np.where(q["at"] >= 0, q["at"], len(m))], -1)
        )
    goals = {
        k: np.concatenate(v).astype(np.int64) if v else np.zeros(0, np.int64)
        for k, v in cols.items()
    }
    order = np.argsort(goals["jpos"], kind="stable")
    goals = {k: v[order] for k, v in goals.items()}
    for gp, cm, f in zip(gpos, cmaps, facts, strict=True):
        if not len(gp):
            continue
        local = np.full(nc + 1, -2, dtype=np.int64)
        local[cm] = np.arange(len(cm))
        local[nc] = -1 if f.has["missing_customer"] else -2
        c = local[goals["cust"]]
        sel = np.flatnonzero(c != -2)
        w["post"][str(f.ids[0].as_py())] = {
            "idx": sel,
            "cust": c[sel],
            "time": goals["time"][sel],
            "jpos": goals["jpos"][sel],
            "row": goals["row"][sel],
            "gpos": gp,
        }
    return goals


def _union_codes(arrays: list[Any]) -> tuple[int, list[np.ndarray]]:
    """How many distinct labels the Arrow string ``arrays`` have, and per array its labels'
    codes in their sorted union: :func:`~journeymine._partitioned.union_labels` in Arrow
    (customers are many: a Python set and sort of them cost a second at 10M events)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not arrays:
        return 0, []
    enc = pc.dictionary_encode(pa.concat_arrays([a.cast(pa.string()) for a in arrays]))
    order = pc.sort_indices(enc.dictionary).to_numpy()  # UTF-8 bytes sort as code points
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[enc.indices.to_numpy(zero_copy_only=False)]
    return len(order), np.split(codes, np.cumsum([len(a) for a in arrays])[:-1])


def _after_goal_facts(
    goals: dict[str, np.ndarray], windows: list[Any], lmaps: list[np.ndarray], w: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per converted journey: where it reached the goal, its customer's contacts after it,
    whether the window is complete, and where the first contact was."""
    G = len(goals["jpos"])
    contacts = np.zeros(G, dtype=np.int64)
    firsts = []
    for m, x in zip(lmaps, windows, strict=True):
        p = x[2]
        if p is None:
            continue
        np.add.at(contacts, p["idx"], p["count"])
        val = np.where(
            p["first_val"] >= 0,
            np.r_[m, -1][np.where(p["first_val"] >= 0, p["first_val"], len(m))],
            -1,
        )
        firsts.append((p["first_idx"], p["first_ts"], p["first_jpos"], p["first_row"], val))
    first_at = np.full(G, -1, dtype=np.int64)
    if firsts:
        idx, ts, jp, row, val = (np.concatenate(c) for c in zip(*firsts, strict=False))
        order = np.lexsort((row, jp, ts, idx))
        new = np.r_[True, idx[order][1:] != idx[order][:-1]] if len(order) else order
        first_at[idx[order][new]] = val[order][new]
    complete = goals["time"] + w["after_ns"] <= w["obs_ns"]
    return goals["jpos"], goals["at"], contacts, complete, first_at


def _dept(facts: list[Facts], lmaps: list[np.ndarray], labels: list[str]) -> dict[str, str]:
    """:func:`._problems._dept_of` of the whole log, from the partitions' pair counts."""
    with_dept = [(m, f.dept) for m, f in zip(lmaps, facts, strict=True) if f.dept is not None]
    dlabels, dmaps = TP.ordered_union([x[1][0] for x in with_dept])
    D = max(len(dlabels), 1)
    keys = [m[x[1]] * D + dm[x[2]] for (m, x), dm in zip(with_dept, dmaps, strict=True)]
    cnts = [x[3] for _, x in with_dept]
    if not keys:
        return {}
    uniq, inv = np.unique(np.concatenate(keys), return_inverse=True)
    cnt = np.bincount(inv, weights=np.concatenate(cnts), minlength=len(uniq)).astype(np.int64)
    return Q.dept_of_counts(uniq // D, uniq % D, cnt, labels, dlabels)
