"""Assumed versus observed: how far the journeys in the data are from the assumed map.

:func:`compare` holds an :class:`~journeymine.AssumedJourney` against a
:class:`~journeymine.JourneyLog` and returns a :class:`Comparison` of tidy tables:
per assumed step, unexpected touchpoints and transitions, timing, and a fitness
score per journey with the deviations that lowered it.

Everything is vectorised over the sorted events. The only Python loops are over
distinct variants (the longest in-order subsequence, for the variants that have
an out-of-order step) and over steps and labels.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._html import html_table
from .._kernels import first_of_pairs
from .._validation import (
    InstanceOf,
    Options,
    fold_name,
    near_matches,
    show_value,
    validate_params,
    warn,
)
from ..errors import DataQualityWarning, InvalidParameterError
from ..log import JourneyLog
from . import _netreplay
from ._common import Context, case_ids
from ._tables import (
    DEVIATION_KINDS,
    WHOLE_JOURNEY,
    deviation_summary,
    deviation_table,
    edge_table,
    step_table,
    step_waits,
    timing_table,
    unexpected_touchpoints,
)
from .assumed import AssumedJourney

__all__ = ["compare", "Comparison", "DEVIATION_KINDS", "WHOLE_JOURNEY"]

_MATCH = ("exact", "loose")
_FUNC = "compare"


@dataclass(frozen=True, repr=False)
class Comparison:
    """The assumed journey held against the observed journeys (made by :func:`compare`).

    Attributes
    ----------
    assumed : AssumedJourney
    method : str
        ``"steps"`` (journeymine's alignment-style cost), or ``"alignments"`` /
        ``"token_replay"`` (pm4py, for a BPMN or Petri-net model).
    fitness : float
        The mean fitness of the journeys, in [0, 1].
    log_fitness : float
        ``1 - total cost / total worst-case cost`` over all journeys (pm4py's "log
        fitness" for a model; for token replay pm4py's token formula).
    steps : DataFrame
        One row per assumed step, in the assumed order (see :func:`compare`).
    unexpected_touchpoints, unexpected_transitions, edges, timing : DataFrame
    journeys : DataFrame
        One row per journey: ``fitness``, ``cost`` and ``worst_case`` (in moves; for
        token replay, missing plus remaining and consumed plus produced tokens) and
        the deviation counts that lowered it.
    deviations : DataFrame
        One row per (journey, kind, touchpoint): ``case_id``, ``kind``,
        ``touchpoint``, ``count``.
    deviation_summary : DataFrame
        Per (kind, touchpoint): ``journeys``, ``share`` of all journeys, ``occurrences``.
    not_observed : DataFrame
        Assumed steps whose name (and aliases) never occur in the log, with
        ``near_matches`` from the log's touchpoints. They are left out of the fitness.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> assumed = jm.AssumedJourney.from_steps(
    ...     ["visit homepage", "view pricing", "start trial", "purchase"], goal="purchase")
    >>> result = jm.compare(log, assumed)
    >>> isinstance(result, jm.Comparison), 0.0 <= result.fitness <= 1.0
    (True, True)
    """

    assumed: AssumedJourney
    method: str
    fitness: float
    log_fitness: float
    steps: pd.DataFrame
    unexpected_touchpoints: pd.DataFrame
    unexpected_transitions: pd.DataFrame
    edges: pd.DataFrame
    timing: pd.DataFrame
    journeys: pd.DataFrame
    deviations: pd.DataFrame
    deviation_summary: pd.DataFrame
    not_observed: pd.DataFrame

    @property
    def n_journeys(self) -> int:
        """Number of journeys compared."""
        return len(self.journeys)

    def summary(self) -> dict[str, Any]:
        """Headline figures: fitness, share of fully fitting journeys, top deviations."""
        j = self.journeys
        out: dict[str, Any] = {
            "assumed": self.assumed.name,
            "method": self.method,
            "journeys": int(len(j)),
            "fitness": self.fitness,
            "log_fitness": self.log_fitness,
            "fitting_share": float((j["fitness"] >= 1.0 - 1e-12).mean())
            if len(j)
            else float("nan"),
            "not_observed_steps": self.not_observed["step"].tolist(),
            "unexpected_touchpoints": int(len(self.unexpected_touchpoints)),
        }
        if "reached_goal" in j:
            out["goal_share"] = float(j["reached_goal"].mean()) if len(j) else float("nan")
        top = self.deviation_summary.head(5)
        out["top_deviations"] = [
            f"{k}: {t} ({s:.0%})"
            for k, t, s in zip(top["kind"], top["touchpoint"], top["share"], strict=True)
        ]
        return out

    def __repr__(self) -> str:
        return (
            f"Comparison({self.assumed.name!r} vs {self.n_journeys} journeys: fitness "
            f"{self.fitness:.3f}, {self.summary()['fitting_share']:.0%} fit fully, "
            f"{len(self.unexpected_touchpoints)} unexpected touchpoints)"
        )

    def _repr_html_(self) -> str:
        import html

        s = self.summary()
        head = html.escape(repr(self))
        dev = html_table(self.deviation_summary, 8)
        steps = html_table(
            self.steps[
                [
                    "step",
                    "stage",
                    "required",
                    "contains",
                    "skipped",
                    "out_of_order",
                    "median_position",
                ]
            ],
            20,
        )
        miss = ""
        if s["not_observed_steps"]:
            miss = (
                "<p>Assumed steps never observed: "
                + html.escape(", ".join(s["not_observed_steps"]))
                + "</p>"
            )
        return (
            f"<div><p><b>{head}</b></p>{miss}<p>Per assumed step</p>{steps}"
            f"<p>Deviations</p>{dev}</div>"
        )


# --------------------------------------------------------------------------- compare


@validate_params(
    {
        "log": ["log"],
        "assumed": [
            InstanceOf(
                (AssumedJourney, dict, list, tuple, str, os.PathLike),
                "an AssumedJourney, a spec dict, a list of steps or a path to a "
                "YAML/JSON/BPMN file",
            )
        ],
        "match": [Options(*_MATCH)],
        "method": [Options(*_netreplay.METHODS)],
    }
)
def compare(
    log: JourneyLog,
    assumed: AssumedJourney | dict[str, Any] | list[Any] | str | os.PathLike[str],
    *,
    match: str = "exact",
    method: str = "alignments",
) -> Comparison:
    """Hold an assumed journey against the observed journeys.

    Parameters
    ----------
    log : JourneyLog
    assumed : AssumedJourney, dict, list of steps, or path
        The assumed journey (a dict, list or YAML/JSON/BPMN path is read with
        :meth:`AssumedJourney.from_dict` / :meth:`AssumedJourney.from_file`).
    match : {"exact", "loose"}, default "exact"
        How step names find log touchpoints: exactly (plus ``aliases``), or also
        ignoring case, spaces, ``_`` and ``-`` ("View Pricing" = "view_pricing").
    method : {"alignments", "token_replay"}, default "alignments"
        For a BPMN or Petri-net model only: pm4py's replay technique.

    Returns
    -------
    Comparison
        With these tables:

        ``steps`` — per assumed step: ``step``, ``stage``, ``required``,
        ``assumed_position`` (1-based), ``channel`` / ``department`` (assumed),
        ``in_log``, ``journeys`` (containing it), ``contains`` (share of all
        journeys), ``skipped`` (share without it that do have a later step of the
        map), ``not_reached`` (share without it and without any later step; the
        three shares add up to 1), ``median_position`` (1-based position of its
        first occurrence among the journey's events), ``out_of_order`` (share of the
        journeys containing it in which its first occurrence comes before a step the
        map puts earlier or after one it puts later), ``repeated`` (share of those
        journeys with it more than once), ``channel_match`` / ``department_match``
        (share of its events in the assumed channel / department).

        ``unexpected_touchpoints`` — touchpoints the map does not have: ``touchpoint``,
        ``events``, ``journeys``, ``share``, ``near_step`` (an assumed step with a
        similar name, a hint of a naming mismatch).

        ``edges`` — every assumed or observed transition between steps, unexpected
        touchpoints, START and END: ``source``, ``target``, ``assumed``,
        ``transitions``, ``journeys``, ``share``, ``median_gap``, ``status``
        (``matched``, ``assumed_not_observed``, ``observed_not_assumed``);
        ``unexpected_transitions`` is its ``observed_not_assumed`` part.

        ``timing`` — per step and for the whole journey: ``step``, ``max_wait``
        (assumed), ``journeys`` (with an observed wait), ``median``, ``p90``,
        ``over`` (journeys over ``max_wait``), ``share_over``. The wait of a step is
        the time from the journey's previous event that is a step of the map to the
        step's first occurrence.

        ``journeys`` — per journey: ``case_id``, ``fitness``, ``cost``,
        ``worst_case``, one count per deviation kind, ``ongoing`` and, with a goal,
        ``reached_goal``.

    Notes
    -----
    **Fitness** (assumed journey of stages and steps). Each event of a journey is
    matched to the step it names, or is unexpected. The cost of a journey counts
    moves, as an alignment does:

    * ``missing_step``: 1 per required step the journey does not contain;
    * ``unexpected_touchpoint``: 1 per event of a touchpoint not in the map;
    * ``repeated_step``: 1 per extra occurrence of a step that is not repeatable;
    * ``out_of_order``: the first occurrences of steps that are not in the
      longest subsequence of them that follows the assumed order (a non-decreasing
      order rank; steps of an ``order: any`` stage share a rank) cost 2 each for a
      required step (it is moved: one log move plus one model move), 1 for an
      optional one;
    * ``too_slow``: 1 per step whose wait exceeds its ``max_wait``, and 1 when the
      journey lasts longer than ``max_duration``.

    The worst case is ``events + required steps + timed waits`` (every event a log
    move, every required step a model move, every timed wait too slow), and

    ``fitness = 1 - cost / worst case``, in [0, 1].

    A journey that follows the assumed order without extra touchpoints, repeats or
    slow waits has fitness 1. Without repeated steps the cost equals the cost of an
    optimal alignment against the assumed order. For an *ongoing* journey (it may
    still continue) required steps that come after its last step of the map are not
    counted as missing (nor in the worst case). Assumed steps that never occur in
    the log are reported in ``not_observed`` (with near matches) and left out, so a
    misspelt name does not make every journey unfit.

    For a BPMN or Petri-net model, each distinct variant is replayed with pm4py:
    the journey's fitness is the trace fitness of pm4py's alignments (or token
    replay), ``log_fitness`` is pm4py's log fitness, and the deviations are the
    alignment's moves (log move of an unknown touchpoint: ``unexpected_touchpoint``;
    of a step that also has a synchronous move: ``repeated_step``; of another step:
    ``out_of_order``; model move of a visible step: ``missing_step``).

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "case": ["1", "1", "1", "2", "2", "2", "2", "3", "3"],
    ...     "activity": ["home", "pricing", "buy", "home", "chat", "pricing", "buy", "pricing", "home"],
    ...     "time": pd.date_range("2025-01-01", periods=9, freq="h"),
    ... })
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="time")
    >>> cmp = jm.compare(log, jm.AssumedJourney(["home", "pricing", "buy"], goal="buy"))
    >>> cmp.journeys[["case_id", "fitness", "missing_step", "unexpected_touchpoint", "out_of_order"]].round(3)
      case_id  fitness  missing_step  unexpected_touchpoint  out_of_order
    0       1    1.000             0                      0             0
    1       2    0.857             0                      1             0
    2       3    0.400             1                      0             1
    >>> cmp.steps[["step", "contains", "skipped", "not_reached", "out_of_order"]].round(3)
          step  contains  skipped  not_reached  out_of_order
    0     home     1.000      0.0        0.000         0.333
    1  pricing     1.000      0.0        0.000         0.333
    2      buy     0.667      0.0        0.333         0.000
    """
    aj = _as_assumed(assumed)
    ctx = Context(log)
    step_of_code, observed, not_observed = _map_steps(aj, ctx, match)
    ctx.step_of_code = step_of_code
    ctx.s_ev = step_of_code[ctx.codes] if len(ctx.codes) else np.zeros(0, np.int64)
    if aj.kind == "steps":
        per_var, journeys, rows = _native(aj, ctx, observed)
        method_used = "steps"
        log_fit = _ratio_fitness(journeys["cost"].to_numpy(), journeys["worst_case"].to_numpy())
    else:
        per_var, journeys, rows, log_fit = _with_pm4py(aj, ctx, method)
        method_used = method
    if aj.goal:
        gidx = [aj.step_names.index(g) for g in aj.goal]
        journeys["reached_goal"] = per_var["contains"][:, gidx].any(axis=1)[ctx.var]
    deviations = deviation_table(ctx, rows)
    summary = deviation_summary(deviations, ctx.n_cases)
    steps = step_table(aj, ctx, per_var, observed, not_observed)
    edges = edge_table(aj, ctx)
    return Comparison(
        assumed=aj,
        method=method_used,
        fitness=float(journeys["fitness"].mean()) if len(journeys) else float("nan"),
        log_fitness=log_fit,
        steps=steps,
        unexpected_touchpoints=unexpected_touchpoints(aj, ctx),
        unexpected_transitions=edges[edges["status"] == "observed_not_assumed"].reset_index(
            drop=True
        ),
        edges=edges,
        timing=timing_table(aj, ctx),
        journeys=journeys,
        deviations=deviations,
        deviation_summary=summary,
        not_observed=not_observed,
    )


def _as_assumed(assumed: Any) -> AssumedJourney:
    if isinstance(assumed, AssumedJourney):
        return assumed
    if isinstance(assumed, dict | list | tuple):
        return AssumedJourney.from_dict(assumed)
    if isinstance(assumed, str | os.PathLike):
        return AssumedJourney.from_file(assumed)
    raise InvalidParameterError(
        f"The 'assumed' parameter of {_FUNC} must be an AssumedJourney, a spec dict, a list of "
        f"steps or a path to a YAML/JSON/BPMN file. Got {show_value(assumed)} of type "
        f"{type(assumed).__name__} instead.",
        param="assumed",
    )


def _map_steps(
    aj: AssumedJourney, ctx: Context, match: str
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Step index of every activity code (-1: not in the map), which steps occur, and those that do not."""
    names = aj.step_names
    index = {n: i for i, n in enumerate(names)}
    step_of_label = {lab: index[s] for lab, s in aj.labels().items()}
    folded = {fold_name(lab): i for lab, i in step_of_label.items()}
    step_of_code = np.full(len(ctx.labels), -1, dtype=np.int64)
    for c, lab in enumerate(ctx.labels):
        if lab in step_of_label:
            step_of_code[c] = step_of_label[lab]
        elif match == "loose" and fold_name(lab) in folded:
            step_of_code[c] = folded[fold_name(lab)]
    present = ctx.label_count > 0
    observed = np.zeros(len(names), dtype=bool)
    observed[step_of_code[(step_of_code >= 0) & present]] = True
    seen_labels = [lab for lab, p in zip(ctx.labels, present, strict=True) if p]
    rows = []
    for i in np.flatnonzero(~observed):
        near: list[str] = []
        for lab in (names[i], *aj.steps[i].aliases):
            near += [m for m in near_matches(lab, seen_labels) if m not in near]
        rows.append((names[i], ", ".join(near[:3])))
    not_observed = pd.DataFrame(rows, columns=["step", "near_matches"])
    if rows:
        text = "; ".join(
            f"{s!r}" + (f" (did you mean {m.split(', ')[0]!r}?)" if m else "") for s, m in rows
        )
        warn(
            f"{len(rows)} assumed step(s) never occur in the log and are left out of the fitness: {text}. "
            "Fix the names, add aliases, or use match='loose'.",
            DataQualityWarning,
        )
    return step_of_code, observed, not_observed


# --------------------------------------------------------------------------- native fitness


def _rep_events(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the events of each variant's first journey, and their variant."""
    lens = ctx.lens[ctx.rep]
    v = np.repeat(np.arange(ctx.n_var, dtype=np.int64), lens)
    starts = ctx.offsets[:-1][ctx.rep]
    within = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
    return np.repeat(starts, lens) + within, v


def _group_max(g: np.ndarray, vals: np.ndarray, n: int, fill: int) -> np.ndarray:
    out = np.full(n, fill, dtype=np.int64)
    if len(g):
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        out[g[starts]] = np.maximum.reduceat(vals, starts)
    return out


def _variant_steps(aj: AssumedJourney, ctx: Context) -> dict[str, Any]:
    """Per (variant, step): counts, first positions, order flags; per variant: max rank, misplaced."""
    n_s = len(aj.steps)
    ranks = aj.ranks
    rows, v = _rep_events(ctx)
    s = ctx.s_ev[rows]
    mapped = s >= 0
    cnt = np.bincount(v[mapped] * n_s + s[mapped], minlength=ctx.n_var * n_s).reshape(
        ctx.n_var, n_s
    )
    fo = first_of_pairs(v, s, n_s) & mapped
    fv, fs = v[fo], s[fo]
    fr = ranks[fs]
    r_max = _group_max(fv, fr, ctx.n_var, -1)
    # symmetric out-of-order flag: an earlier step ranked later, or a later step ranked earlier
    big = int(ranks.max()) + 2 if n_s else 2
    same_prev = np.r_[False, fv[1:] == fv[:-1]]
    cm = np.maximum.accumulate(fv * big + fr) if len(fv) else fv
    prev_max = np.where(same_prev, np.r_[-1, cm[:-1]] - fv * big, -1)
    g_rev = (ctx.n_var - 1 - fv)[::-1]
    top = big - 1
    cm2 = np.maximum.accumulate(g_rev * big + (top - fr[::-1])) if len(fv) else fv
    same_next_rev = np.r_[False, g_rev[1:] == g_rev[:-1]]
    next_min = (top - np.where(same_next_rev, np.r_[-1, cm2[:-1]] - g_rev * big, -1 - top))[::-1]
    flag = (prev_max > fr) | (next_min < fr)
    ooo = np.zeros((ctx.n_var, n_s), dtype=bool)
    ooo[fv[flag], fs[flag]] = True
    # misplaced: first occurrences outside the longest in-order subsequence (loop over variants with a flag)
    misplaced = np.zeros((ctx.n_var, n_s), dtype=bool)
    if flag.any():
        bounds = np.flatnonzero(np.r_[True, fv[1:] != fv[:-1], True])
        starts, ends = bounds[:-1], bounds[1:]
        has = np.add.reduceat(flag.astype(np.int64), starts) > 0
        for a, b in zip(starts[has], ends[has], strict=True):
            out = _not_in_lnds(fr[a:b].tolist())
            for k, bad in enumerate(out):
                if bad:
                    misplaced[fv[a], fs[a + k]] = True
    return {"cnt": cnt, "contains": cnt > 0, "r_max": r_max, "ooo": ooo, "misplaced": misplaced}


def _not_in_lnds(seq: list[int]) -> list[bool]:
    """True for the elements outside one longest non-decreasing subsequence of ``seq``."""
    tails: list[int] = []
    tail_at: list[int] = []
    prev = [-1] * len(seq)
    for i, r in enumerate(seq):
        j = bisect_right(tails, r)
        if j == len(tails):
            tails.append(r)
            tail_at.append(i)
        else:
            tails[j] = r
            tail_at[j] = i
        prev[i] = tail_at[j - 1] if j > 0 else -1
    out = [True] * len(seq)
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out[k] = False
        k = prev[k]
    return out


def _native(
    aj: AssumedJourney, ctx: Context, observed: np.ndarray
) -> tuple[dict[str, Any], pd.DataFrame, list[Any]]:
    steps = aj.steps
    ranks = aj.ranks
    pv = _variant_steps(aj, ctx)
    cnt, contains, r_max = pv["cnt"], pv["contains"], pv["r_max"]
    req = np.array([not s.optional for s in steps], dtype=bool) & observed
    rep_ok = np.array([s.repeatable for s in steps], dtype=bool)
    lens_v = ctx.lens[ctx.rep]
    unexpected_v = np.bincount(ctx.var[ctx.case[ctx.s_ev < 0]], minlength=ctx.n_var) // np.maximum(
        ctx.var_count, 1
    )
    extra = np.where(rep_ok[None, :], 0, np.maximum(cnt - 1, 0))
    mis = pv["misplaced"]
    due_ong = contains | (ranks[None, :] < r_max[:, None])
    missing_fin = req[None, :] & ~contains
    missing_ong = missing_fin & due_ong
    per_var = {
        "contains": contains,
        "cnt": cnt,
        "r_max": r_max,
        "ooo": pv["ooo"],
        "missing_fin": missing_fin,
        "missing_ong": missing_ong,
        "misplaced": mis,
        "extra": extra,
    }
    # per journey
    v = ctx.var
    ong = ctx.ongoing
    missing = np.where(ong, missing_ong.sum(1)[v], missing_fin.sum(1)[v])
    due = np.where(ong, (req[None, :] & due_ong).sum(1)[v], int(req.sum()))
    unexpected = unexpected_v[v]
    repeated = extra.sum(1)[v]
    out_of_order = mis.sum(1)[v]
    ooo_cost = (mis & req[None, :]).sum(1)[v] * 2 + (mis & ~req[None, :]).sum(1)[v]
    slow, timed, slow_rows = _too_slow(aj, ctx, observed)
    cost = missing + unexpected + repeated + ooo_cost + slow
    worst = lens_v[v] + due + timed
    fitness = 1.0 - cost / np.maximum(worst, 1)
    journeys = pd.DataFrame(
        {
            "case_id": case_ids(ctx.log),
            "fitness": fitness,
            "cost": cost.astype(np.int64),
            "worst_case": worst.astype(np.int64),
            "missing_step": missing.astype(np.int64),
            "unexpected_touchpoint": unexpected.astype(np.int64),
            "out_of_order": out_of_order.astype(np.int64),
            "repeated_step": repeated.astype(np.int64),
            "too_slow": slow.astype(np.int64),
            "ongoing": ong.copy(),
        }
    )
    names = np.asarray(aj.step_names, dtype=object)
    rows: list[Any] = []
    for kind, mat, which in (
        ("missing_step", missing_fin, "finished"),
        ("missing_step", missing_ong, "ongoing"),
        ("out_of_order", mis, "all"),
        ("repeated_step", extra, "all"),
    ):
        vi, si = np.nonzero(mat)
        rows.append((kind, vi, names[si], np.asarray(mat[vi, si], dtype=np.int64), which))
    # unexpected touchpoints per variant: from the representative journeys
    rrows, rv = _rep_events(ctx)
    un = ctx.s_ev[rrows] < 0
    key = rv[un] * len(ctx.labels) + ctx.codes[rrows][un]
    uk, uc = np.unique(key, return_counts=True)
    labels = np.asarray(ctx.labels, dtype=object)
    rows.append(
        ("unexpected_touchpoint", uk // len(ctx.labels), labels[uk % len(ctx.labels)], uc, "all")
    )
    rows.append(slow_rows)
    return per_var, journeys, rows


def _too_slow(
    aj: AssumedJourney, ctx: Context, observed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Per journey: waits over ``max_wait`` (plus an over-long journey) and how many waits were timed."""
    n = ctx.n_cases
    waits = step_waits(aj, ctx)
    limit = np.array(
        [s.max_wait.value if s.max_wait is not None else -1 for s in aj.steps], dtype=np.int64
    )
    case, step, wait = waits
    timed_mask = (limit[step] > 0) & observed[step]
    over_mask = timed_mask & (wait > limit[step])
    timed = np.bincount(case[timed_mask], minlength=n)
    slow = np.bincount(case[over_mask], minlength=n)
    names = np.asarray(aj.step_names, dtype=object)
    slow_case = [case[over_mask]]
    slow_label = [names[step[over_mask]]]
    if aj.max_duration is not None and n:
        dur = ctx.ts[ctx.offsets[1:] - 1] - ctx.ts[ctx.offsets[:-1]]
        over = dur > aj.max_duration.value
        timed = timed + (~ctx.ongoing | over)
        slow = slow + over
        slow_case.append(np.flatnonzero(over))
        slow_label.append(np.full(int(over.sum()), WHOLE_JOURNEY, dtype=object))
    sc = np.concatenate(slow_case) if slow_case else np.zeros(0, np.int64)
    sl = np.concatenate(slow_label) if slow_label else np.zeros(0, object)
    return slow, timed, ("too_slow", sc, sl, np.ones(len(sc), np.int64), "journey")


def _ratio_fitness(cost: np.ndarray, worst: np.ndarray) -> float:
    den = float(np.sum(worst))
    return 1.0 - float(np.sum(cost)) / den if den > 0 else float("nan")


# --------------------------------------------------------------------------- pm4py models


def _with_pm4py(
    aj: AssumedJourney, ctx: Context, method: str
) -> tuple[dict[str, Any], pd.DataFrame, list[Any], float]:
    net, im, fm = aj.petri_net  # type: ignore[misc]
    labels = ctx.labels
    paths = [
        tuple(labels[c] for c in ctx.codes[ctx.offsets[r] : ctx.offsets[r + 1]]) for r in ctx.rep
    ]
    out = _netreplay.replay(net, im, fm, paths, method)
    names = aj.step_names
    n_s = len(names)
    rows_ev, v_ev = _rep_events(ctx)
    s = ctx.s_ev[rows_ev]
    m = s >= 0
    cnt = np.bincount(v_ev[m] * n_s + s[m], minlength=ctx.n_var * n_s).reshape(ctx.n_var, n_s)
    per_var = {"contains": cnt > 0, "cnt": cnt, "r_max": None, "ooo": None}
    v = ctx.var
    counts = {k: np.zeros(ctx.n_var, np.int64) for k in (*DEVIATION_KINDS, "incomplete")}
    rows_v: dict[str, list[Any]] = {}
    for i, kind, lab, c in out["rows"]:
        counts[kind][i] += c
        rows_v.setdefault(kind, []).append((i, lab, c))
    journeys = pd.DataFrame(
        {
            "case_id": case_ids(ctx.log),
            "fitness": out["fitness"][v],
            "cost": out["moves"][v],
            "worst_case": out["worst_moves"][v],
            **{k: counts[k][v] for k in DEVIATION_KINDS},
            "ongoing": ctx.ongoing.copy(),
        }
    )
    rows: list[Any] = []
    for kind, items in rows_v.items():
        arr = np.asarray([i for i, _, _ in items], dtype=np.int64)
        rows.append(
            (
                kind,
                arr,
                np.asarray([lab for _, lab, _ in items], dtype=object),
                np.asarray([c for _, _, c in items], dtype=np.int64),
                "all",
            )
        )
    return per_var, journeys, rows, _netreplay.log_fitness(out, ctx.var_count, method)
