"""The tidy tables of a comparison: steps, unexpected touchpoints, edges, timing, deviations (private)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._kernels import distinct, first_of_pairs, group_order, group_quantiles
from .._validation import near_matches
from ..derive import arrays
from ..schema import CHANNEL, DEPARTMENT, END, START
from ._common import Context, case_ids
from .assumed import AssumedJourney

__all__: list[str] = []

#: The kinds of deviation a journey can have, each costing one move (see :func:`~journeymine.compare`).
DEVIATION_KINDS: tuple[str, ...] = (
    "missing_step",
    "unexpected_touchpoint",
    "out_of_order",
    "repeated_step",
    "too_slow",
)
#: The label of the whole-journey row of the timing table.
WHOLE_JOURNEY = "(whole journey)"
_FUNC = "compare"


def step_waits(aj: AssumedJourney, ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(case, step, wait ns) for each step's first occurrence that has an earlier event of the map."""
    s_ev = ctx.s_ev
    mi = np.flatnonzero(s_ev >= 0)
    case_m = ctx.case[mi]
    has_prev = np.r_[False, case_m[1:] == case_m[:-1]]
    wait = np.r_[0, np.diff(ctx.ts[mi])]
    fo = first_of_pairs(case_m, s_ev[mi], len(aj.steps))
    keep = fo & has_prev
    return case_m[keep], s_ev[mi][keep], wait[keep]


ALL_KINDS: tuple[str, ...] = (*DEVIATION_KINDS, "incomplete")


def deviation_table(ctx: Context, rows: list[Any]) -> pd.DataFrame:
    """Expand variant-level deviation rows to one row per (journey, kind, touchpoint).

    ``kind`` and ``touchpoint`` are categoricals; rows are sorted by journey, kind
    (in :data:`DEVIATION_KINDS` order) and touchpoint.
    """
    order = group_order(ctx.var, ctx.n_var)
    groups = {
        "all": np.ones(ctx.n_cases, dtype=bool),
        "finished": ~ctx.ongoing,
        "ongoing": ctx.ongoing,
    }
    cases, kinds, labels, counts = [], [], [], []
    for kind, vi, lab, cnt, which in rows:
        if not len(vi):
            continue
        lab = np.asarray(lab, dtype=object)
        if which == "journey":
            cases.append(np.asarray(vi, dtype=np.int64))
            ri = np.arange(len(vi))
        else:
            sel = order[groups[which][order]]
            per = np.bincount(ctx.var[sel], minlength=ctx.n_var)
            start = np.r_[0, np.cumsum(per)[:-1]]
            reps = per[vi]
            ri = np.repeat(np.arange(len(vi)), reps)
            at = np.repeat(start[vi] - np.r_[0, np.cumsum(reps)[:-1]], reps) + np.arange(
                int(reps.sum())
            )
            cases.append(sel[at])
        # labels are few: code them per part, then map the codes
        lc, lu = pd.factorize(lab)
        labels.append((lc[ri], lu))
        kinds.append(np.full(len(ri), ALL_KINDS.index(kind), dtype=np.int64))
        counts.append(np.asarray(cnt, dtype=np.int64)[ri])
    names = sorted({str(x) for _, lu in labels for x in lu})
    index = {n: i for i, n in enumerate(names)}
    lab_codes = [
        np.asarray([index[str(x)] for x in lu], dtype=np.int64)[lc] if len(lu) else lc
        for lc, lu in labels
    ]
    case = np.concatenate(cases) if cases else np.zeros(0, np.int64)
    kind = np.concatenate(kinds) if kinds else np.zeros(0, np.int64)
    tp = np.concatenate(lab_codes) if lab_codes else np.zeros(0, np.int64)
    cnt = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    o = np.lexsort((tp, kind, case))
    return pd.DataFrame(
        {
            "case_id": case_ids(ctx.log, case[o]),
            "kind": pd.Categorical.from_codes(kind[o], categories=list(ALL_KINDS)),
            "touchpoint": pd.Categorical.from_codes(tp[o], categories=names),
            "count": cnt[o],
        }
    )


def deviation_summary(dev: pd.DataFrame, n_cases: int) -> pd.DataFrame:
    """Per (kind, touchpoint): journeys, share of all journeys, occurrences; most journeys first."""
    if not len(dev):
        return pd.DataFrame(
            {"kind": [], "touchpoint": [], "journeys": [], "share": [], "occurrences": []}
        )
    k = dev["kind"].cat.codes.to_numpy().astype(np.int64)
    t = dev["touchpoint"].cat.codes.to_numpy().astype(np.int64)
    n_t = len(dev["touchpoint"].cat.categories)
    key = k * n_t + t
    uk, inv = np.unique(key, return_inverse=True)
    journeys = np.bincount(inv)  # one row per (journey, kind, touchpoint)
    occ = np.bincount(inv, weights=dev["count"].to_numpy()).astype(np.int64)
    kinds = dev["kind"].cat.categories
    tps = dev["touchpoint"].cat.categories
    out = pd.DataFrame(
        {
            "kind": [str(kinds[x]) for x in uk // n_t],
            "touchpoint": [str(tps[x]) for x in uk % n_t],
            "journeys": journeys.astype(np.int64),
            "share": journeys / max(n_cases, 1),
            "occurrences": occ,
        }
    )
    out = out.sort_values(
        ["journeys", "kind", "touchpoint"], ascending=[False, True, True], kind="stable"
    )
    return out.reset_index(drop=True)


def step_table(
    aj: AssumedJourney,
    ctx: Context,
    per_var: dict[str, Any],
    observed: np.ndarray,
    not_observed: pd.DataFrame,
) -> pd.DataFrame:
    steps = aj.steps
    n_s = len(steps)
    n = max(ctx.n_cases, 1)
    w = ctx.var_count.astype(float)
    contains = per_var["contains"]
    n_cont = (contains * w[:, None]).sum(0)
    if per_var["r_max"] is not None:
        later = per_var["r_max"][:, None] > aj.ranks[None, :]
        skipped = ((~contains & later) * w[:, None]).sum(0) / n
        not_reached = ((~contains & ~later) * w[:, None]).sum(0) / n
        ooo = np.where(
            n_cont > 0, (per_var["ooo"] * w[:, None]).sum(0) / np.maximum(n_cont, 1), np.nan
        )
    else:
        skipped = not_reached = ooo = np.full(n_s, np.nan)
    repeated = np.where(
        n_cont > 0, ((per_var["cnt"] > 1) * w[:, None]).sum(0) / np.maximum(n_cont, 1), np.nan
    )
    s_ev = ctx.s_ev
    fo = first_of_pairs(ctx.case, s_ev, n_s) & (s_ev >= 0)
    med = group_quantiles(s_ev[fo], ctx.pos[fo] + 1.0, n_s, [0.5])[:, 0]
    match = {}
    for col, attr in ((CHANNEL, "channel"), (DEPARTMENT, "department")):
        codes, labels = arrays(ctx.log).codes(col, _FUNC), arrays(ctx.log).labels(col, _FUNC)
        lab_idx = {str(x): i for i, x in enumerate(labels)}
        want = np.array(
            [lab_idx.get(getattr(s, attr), -2) if getattr(s, attr) else -3 for s in steps]
        )
        m = s_ev >= 0
        hit = m.copy()
        hit[m] = np.asarray(codes)[m] == want[s_ev[m]]
        tot = np.bincount(s_ev[m], minlength=n_s)
        good = np.bincount(s_ev[hit], minlength=n_s)
        match[attr] = np.where((want != -3) & (tot > 0), good / np.maximum(tot, 1), np.nan)
    near = dict(zip(not_observed["step"], not_observed["near_matches"], strict=True))
    return pd.DataFrame(
        {
            "step": [s.name for s in steps],
            "stage": [s.stage for s in steps],
            "required": [not s.optional for s in steps],
            "assumed_position": np.arange(1, n_s + 1),
            "channel": [s.channel for s in steps],
            "department": [s.department for s in steps],
            "in_log": observed,
            "journeys": n_cont.astype(np.int64),
            "contains": n_cont / n,
            "skipped": skipped,
            "not_reached": not_reached,
            "median_position": med,
            "out_of_order": ooo,
            "repeated": repeated,
            "channel_match": match["channel"],
            "department_match": match["department"],
            "near_matches": [near.get(s.name, "") for s in steps],
        }
    )


def unexpected_touchpoints(aj: AssumedJourney, ctx: Context) -> pd.DataFrame:
    un = ctx.s_ev < 0
    n_l = len(ctx.labels)
    events = np.bincount(ctx.codes[un], minlength=n_l)
    fo = first_of_pairs(ctx.case[un], ctx.codes[un], n_l)
    journeys = np.bincount(ctx.codes[un][fo], minlength=n_l)
    idx = np.flatnonzero(events > 0)
    names = aj.step_names
    out = pd.DataFrame(
        {
            "touchpoint": [ctx.labels[i] for i in idx],
            "events": events[idx].astype(np.int64),
            "journeys": journeys[idx].astype(np.int64),
            "share": journeys[idx] / max(ctx.n_cases, 1),
            "near_step": [(near_matches(ctx.labels[i], names, n=1) or [""])[0] for i in idx],
        }
    )
    return out.sort_values(
        ["journeys", "touchpoint"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def edge_table(aj: AssumedJourney, ctx: Context) -> pd.DataFrame:
    """Observed transitions between nodes (steps, or unexpected touchpoints) joined with the assumed ones."""
    names = aj.step_names
    n_s = len(names)
    un_used = np.bincount(ctx.codes[ctx.s_ev < 0], minlength=len(ctx.labels)) > 0
    un_labels = sorted(ctx.labels[c] for c in np.flatnonzero(un_used))
    un_idx = {lab: n_s + i for i, lab in enumerate(un_labels)}
    step_of_code = ctx.step_of_code
    node_of_code = np.array(
        [
            step_of_code[c] if step_of_code[c] >= 0 else un_idx.get(lab, -1)
            for c, lab in enumerate(ctx.labels)
        ],
        dtype=np.int64,
    )
    node_names = [*names, *un_labels, START, END]
    n_nodes = len(node_names)
    n_start, n_end = n_nodes - 2, n_nodes - 1
    node = node_of_code[ctx.codes] if len(ctx.codes) else np.zeros(0, np.int64)
    inner = (
        np.flatnonzero(ctx.case[1:] == ctx.case[:-1]) if len(node) > 1 else np.zeros(0, np.int64)
    )
    first = ctx.offsets[:-1]
    last = ctx.offsets[1:] - 1
    fin = ~ctx.ongoing
    src = np.concatenate([np.full(ctx.n_cases, n_start), node[inner], node[last[fin]]])
    dst = np.concatenate([node[first], node[inner + 1], np.full(int(fin.sum()), n_end)])
    cas = np.concatenate([np.arange(ctx.n_cases), ctx.case[inner], np.flatnonzero(fin)])
    gap = np.concatenate(
        [
            np.full(ctx.n_cases, np.nan),
            (ctx.ts[inner + 1] - ctx.ts[inner]).astype(float),
            np.full(int(fin.sum()), np.nan),
        ]
    )
    pair = src * n_nodes + dst
    trans = np.bincount(pair, minlength=n_nodes * n_nodes)
    uk = distinct(cas * (n_nodes * n_nodes) + pair)
    journeys = np.bincount(uk % (n_nodes * n_nodes), minlength=n_nodes * n_nodes)
    has_gap = ~np.isnan(gap)
    med = np.full(n_nodes * n_nodes, np.nan)
    if has_gap.any():
        present = np.bincount(pair[has_gap], minlength=n_nodes * n_nodes) > 0
        pg = np.flatnonzero(present)
        inv = (np.cumsum(present) - 1)[pair[has_gap]]
        med[pg] = group_quantiles(inv, gap[has_gap], len(pg), [0.5])[:, 0]
    assumed = np.zeros(n_nodes * n_nodes, dtype=bool)
    pos = {nm: i for i, nm in enumerate(node_names)}
    for a, b in aj.edges().itertuples(index=False):
        if a in pos and b in pos:
            assumed[pos[a] * n_nodes + pos[b]] = True
    keep = np.flatnonzero((trans > 0) | assumed)
    status = np.where(
        assumed[keep] & (trans[keep] > 0),
        "matched",
        np.where(assumed[keep], "assumed_not_observed", "observed_not_assumed"),
    )
    out = pd.DataFrame(
        {
            "source": [node_names[k // n_nodes] for k in keep],
            "target": [node_names[k % n_nodes] for k in keep],
            "assumed": assumed[keep],
            "transitions": trans[keep].astype(np.int64),
            "journeys": journeys[keep].astype(np.int64),
            "share": journeys[keep] / max(ctx.n_cases, 1),
            "median_gap": pd.to_timedelta(med[keep], unit="ns"),
            "status": status.astype(object),
        }
    )
    out = out.sort_values(
        ["journeys", "source", "target"], ascending=[False, True, True], kind="stable"
    )
    return out.reset_index(drop=True)


def timing_table(aj: AssumedJourney, ctx: Context) -> pd.DataFrame:
    n_s = len(aj.steps)
    case, step, wait = step_waits(aj, ctx)
    q = group_quantiles(step, wait.astype(float), n_s, [0.5, 0.9])
    n_obs = np.bincount(step, minlength=n_s)
    limit = np.array(
        [s.max_wait.value if s.max_wait is not None else -1 for s in aj.steps], dtype=np.int64
    )
    over = np.bincount(step[(limit[step] > 0) & (wait > limit[step])], minlength=n_s)
    rows = {
        "step": aj.step_names,
        "max_wait": [s.max_wait for s in aj.steps],
        "journeys": n_obs.astype(np.int64),
        "median": pd.to_timedelta(q[:, 0], unit="ns"),
        "p90": pd.to_timedelta(q[:, 1], unit="ns"),
        "over": np.where(limit > 0, over, 0).astype(np.int64),
        "share_over": np.where((limit > 0) & (n_obs > 0), over / np.maximum(n_obs, 1), np.nan),
    }
    out = pd.DataFrame(rows)
    if ctx.n_cases:
        fin = ~ctx.ongoing
        dur = (ctx.ts[ctx.offsets[1:] - 1] - ctx.ts[ctx.offsets[:-1]])[fin].astype(float)
        lim = aj.max_duration
        n_over = int((dur > lim.value).sum()) if lim is not None else 0
        whole = {
            "step": WHOLE_JOURNEY,
            "max_wait": lim,
            "journeys": int(fin.sum()),
            "median": pd.Timedelta(np.median(dur), unit="ns") if len(dur) else pd.NaT,
            "p90": pd.Timedelta(np.quantile(dur, 0.9), unit="ns") if len(dur) else pd.NaT,
            "over": n_over,
            "share_over": n_over / len(dur) if lim is not None and len(dur) else np.nan,
        }
        out = pd.concat([out, pd.DataFrame([whole])], ignore_index=True)
    out["max_wait"] = pd.to_timedelta(out["max_wait"])
    return out
