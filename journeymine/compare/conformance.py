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
import warnings
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import _fold, _show, check_one_of, near_matches
from ..errors import DataQualityWarning, InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL, DEPARTMENT, END, START
from . import _netreplay
from ._common import (
    case_ids,
    case_variants,
    event_times,
    first_of_pairs,
    group_quantiles,
    html_table,
    positions,
)
from .assumed import AssumedJourney

__all__ = ["compare", "Comparison", "DEVIATION_KINDS", "WHOLE_JOURNEY"]

#: The kinds of deviation a journey can have, each costing one move (see :func:`compare`).
DEVIATION_KINDS: tuple[str, ...] = (
    "missing_step",
    "unexpected_touchpoint",
    "out_of_order",
    "repeated_step",
    "too_slow",
)
#: The label of the whole-journey row of the timing table.
WHOLE_JOURNEY = "(whole journey)"
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
        One row per journey: ``fitness`` and the deviation counts that lowered it.
    deviations : DataFrame
        One row per (journey, kind, touchpoint): ``case_id``, ``kind``,
        ``touchpoint``, ``count``.
    deviation_summary : DataFrame
        Per (kind, touchpoint): ``journeys``, ``share`` of all journeys, ``occurrences``.
    not_observed : DataFrame
        Assumed steps whose name (and aliases) never occur in the log, with
        ``near_matches`` from the log's touchpoints. They are left out of the fitness.
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
            "fitting_share": float((j["fitness"] >= 1.0 - 1e-12).mean()) if len(j) else float("nan"),
            "not_observed_steps": self.not_observed["step"].tolist(),
            "unexpected_touchpoints": int(len(self.unexpected_touchpoints)),
        }
        if "reached_goal" in j:
            out["goal_share"] = float(j["reached_goal"].mean()) if len(j) else float("nan")
        top = self.deviation_summary.head(5)
        out["top_deviations"] = [
            f"{k}: {t} ({s:.0%})" for k, t, s in zip(top["kind"], top["touchpoint"], top["share"], strict=True)
        ]
        return out

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Overlay the assumed and the observed maps (see :func:`journeymine.plotting.comparison.plot_comparison`)."""
        from ..plotting.comparison import plot_comparison

        return plot_comparison(self, ax=ax, **kwargs)

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
            self.steps[["step", "stage", "required", "contains", "skipped", "out_of_order", "median_position"]],
            20,
        )
        miss = ""
        if s["not_observed_steps"]:
            miss = "<p>Assumed steps never observed: " + html.escape(", ".join(s["not_observed_steps"])) + "</p>"
        return (
            f"<div><p><b>{head}</b></p>{miss}<p>Per assumed step</p>{steps}"
            f"<p>Deviations</p>{dev}</div>"
        )


# --------------------------------------------------------------------------- compare


def compare(
    assumed: AssumedJourney | dict[str, Any] | list[Any] | str | os.PathLike[str],
    log: JourneyLog,
    *,
    match: str = "exact",
    method: str = "alignments",
) -> Comparison:
    """Hold an assumed journey against the observed journeys.

    Parameters
    ----------
    assumed : AssumedJourney, dict, list of steps, or path
        The assumed journey (a dict, list or YAML/JSON/BPMN path is read with
        :meth:`AssumedJourney.from_dict` / :meth:`AssumedJourney.from_file`).
    log : JourneyLog
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
    >>> cmp = jm.compare(jm.AssumedJourney(["home", "pricing", "buy"], goal="buy"), log)
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
    if not isinstance(log, JourneyLog):
        raise InvalidParameterError(
            f"The 'log' parameter of {_FUNC} must be a JourneyLog. Got {type(log).__name__} instead."
        )
    check_one_of(match, _MATCH, "match", _FUNC)
    check_one_of(method, _netreplay.METHODS, "method", _FUNC)
    ctx = _Context(log)
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
    deviations = _deviation_table(ctx, rows)
    summary = _deviation_summary(deviations, ctx.n_cases)
    steps = _step_table(aj, ctx, per_var, observed, not_observed)
    edges = _edge_table(aj, ctx)
    return Comparison(
        assumed=aj,
        method=method_used,
        fitness=float(journeys["fitness"].mean()) if len(journeys) else float("nan"),
        log_fitness=log_fit,
        steps=steps,
        unexpected_touchpoints=_unexpected_touchpoints(aj, ctx),
        unexpected_transitions=edges[edges["status"] == "observed_not_assumed"].reset_index(drop=True),
        edges=edges,
        timing=_timing_table(aj, ctx),
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
        f"steps or a path to a YAML/JSON/BPMN file. Got {_show(assumed)} of type "
        f"{type(assumed).__name__} instead."
    )


class _Context:
    """The log's arrays the comparison reads, computed once."""

    def __init__(self, log: JourneyLog) -> None:
        self.log = log
        codes, labels = log._codes(ACTIVITY, _FUNC)
        self.codes = np.asarray(codes, dtype=np.int64)
        self.labels = [str(x) for x in labels]
        self.offsets = log._offsets
        self.n_cases = log.n_cases
        self.case, self.pos = positions(self.offsets)
        self.lens = np.diff(self.offsets)
        self.ongoing = np.asarray(log._ongoing, dtype=bool)
        self.ts = event_times(log)
        self.var, self.rep = case_variants(self.codes, self.offsets)
        self.n_var = len(self.rep)
        self.var_count = np.bincount(self.var, minlength=self.n_var)
        self.label_count = np.bincount(self.codes, minlength=len(self.labels)) if len(self.codes) else np.zeros(
            len(self.labels), np.int64
        )
        self.s_ev = np.zeros(0, np.int64)
        self.step_of_code = np.zeros(0, np.int64)


def _map_steps(aj: AssumedJourney, ctx: _Context, match: str) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Step index of every activity code (-1: not in the map), which steps occur, and those that do not."""
    names = aj.step_names
    index = {n: i for i, n in enumerate(names)}
    step_of_label = {lab: index[s] for lab, s in aj.labels().items()}
    folded = {_fold(lab): i for lab, i in step_of_label.items()}
    step_of_code = np.full(len(ctx.labels), -1, dtype=np.int64)
    for c, lab in enumerate(ctx.labels):
        if lab in step_of_label:
            step_of_code[c] = step_of_label[lab]
        elif match == "loose" and _fold(lab) in folded:
            step_of_code[c] = folded[_fold(lab)]
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
        text = "; ".join(f"{s!r}" + (f" (did you mean {m.split(', ')[0]!r}?)" if m else "") for s, m in rows)
        warnings.warn(
            f"{len(rows)} assumed step(s) never occur in the log and are left out of the fitness: {text}. "
            "Fix the names, add aliases, or use match='loose'.",
            DataQualityWarning,
            stacklevel=3,
        )
    return step_of_code, observed, not_observed


# --------------------------------------------------------------------------- native fitness


def _rep_events(ctx: _Context) -> tuple[np.ndarray, np.ndarray]:
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


def _variant_steps(aj: AssumedJourney, ctx: _Context) -> dict[str, Any]:
    """Per (variant, step): counts, first positions, order flags; per variant: max rank, misplaced."""
    n_s = len(aj.steps)
    ranks = aj.ranks
    rows, v = _rep_events(ctx)
    s = ctx.s_ev[rows]
    mapped = s >= 0
    cnt = np.bincount(v[mapped] * n_s + s[mapped], minlength=ctx.n_var * n_s).reshape(ctx.n_var, n_s)
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


def _native(aj: AssumedJourney, ctx: _Context, observed: np.ndarray) -> tuple[dict[str, Any], pd.DataFrame, list[Any]]:
    steps = aj.steps
    n_s = len(steps)
    ranks = aj.ranks
    pv = _variant_steps(aj, ctx)
    cnt, contains, r_max = pv["cnt"], pv["contains"], pv["r_max"]
    req = np.array([not s.optional for s in steps], dtype=bool) & observed
    rep_ok = np.array([s.repeatable for s in steps], dtype=bool)
    lens_v = ctx.lens[ctx.rep]
    unexpected_v = np.bincount(ctx.var[ctx.case[ctx.s_ev < 0]], minlength=ctx.n_var) // np.maximum(ctx.var_count, 1)
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
    rows.append(("unexpected_touchpoint", uk // len(ctx.labels), labels[uk % len(ctx.labels)], uc, "all"))
    rows.append(slow_rows)
    return per_var, journeys, rows


def _too_slow(aj: AssumedJourney, ctx: _Context, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """Per journey: waits over ``max_wait`` (plus an over-long journey) and how many waits were timed."""
    n = ctx.n_cases
    waits = _step_waits(aj, ctx)
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


def _step_waits(aj: AssumedJourney, ctx: _Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(case, step, wait ns) for each step's first occurrence that has an earlier event of the map."""
    s_ev = ctx.s_ev
    mi = np.flatnonzero(s_ev >= 0)
    case_m = ctx.case[mi]
    has_prev = np.r_[False, case_m[1:] == case_m[:-1]]
    wait = np.r_[0, np.diff(ctx.ts[mi])]
    fo = first_of_pairs(case_m, s_ev[mi], len(aj.steps))
    keep = fo & has_prev
    return case_m[keep], s_ev[mi][keep], wait[keep]


def _ratio_fitness(cost: np.ndarray, worst: np.ndarray) -> float:
    den = float(np.sum(worst))
    return 1.0 - float(np.sum(cost)) / den if den > 0 else float("nan")


# --------------------------------------------------------------------------- pm4py models


def _with_pm4py(aj: AssumedJourney, ctx: _Context, method: str) -> tuple[dict[str, Any], pd.DataFrame, list[Any], float]:
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
            "cost": out["cost"][v],
            "worst_case": out["worst"][v],
            **{k: counts[k][v] for k in DEVIATION_KINDS},
            "ongoing": ctx.ongoing.copy(),
        }
    )
    rows: list[Any] = []
    for kind, items in rows_v.items():
        arr = np.asarray([i for i, _, _ in items], dtype=np.int64)
        rows.append((kind, arr, np.asarray([lab for _, lab, _ in items], dtype=object),
                     np.asarray([c for _, _, c in items], dtype=np.int64), "all"))
    return per_var, journeys, rows, _netreplay.log_fitness(out, ctx.var_count, method)


# --------------------------------------------------------------------------- tables


def _deviation_table(ctx: _Context, rows: list[Any]) -> pd.DataFrame:
    """Expand variant-level deviation rows to one row per (journey, kind, touchpoint)."""
    order = np.argsort(ctx.var, kind="stable")
    parts = []
    groups = {"all": np.ones(ctx.n_cases, dtype=bool), "finished": ~ctx.ongoing, "ongoing": ctx.ongoing}
    for kind, vi, lab, cnt, which in rows:
        if not len(vi):
            continue
        if which == "journey":
            parts.append(pd.DataFrame({"case": vi, "kind": kind, "touchpoint": lab, "count": cnt}))
            continue
        sel = order[groups[which][order]]
        per = np.bincount(ctx.var[sel], minlength=ctx.n_var)
        start = np.r_[0, np.cumsum(per)[:-1]]
        reps = per[vi]
        ri = np.repeat(np.arange(len(vi)), reps)
        at = np.repeat(start[vi] - np.r_[0, np.cumsum(reps)[:-1]], reps) + np.arange(int(reps.sum()))
        parts.append(pd.DataFrame({"case": sel[at], "kind": kind, "touchpoint": lab[ri], "count": cnt[ri]}))
    if parts:
        t = pd.concat(parts, ignore_index=True)
    else:
        t = pd.DataFrame({"case": np.zeros(0, np.int64), "kind": [], "touchpoint": [], "count": np.zeros(0, np.int64)})
    kind_rank = {k: i for i, k in enumerate((*DEVIATION_KINDS, "incomplete"))}
    t["_k"] = t["kind"].map(kind_rank).astype(np.int64)
    t = t.sort_values(["case", "_k", "touchpoint"], kind="stable").reset_index(drop=True)
    return pd.DataFrame(
        {
            "case_id": case_ids(ctx.log, t["case"].to_numpy(np.int64)),
            "kind": t["kind"].astype(object).to_numpy(),
            "touchpoint": t["touchpoint"].astype(object).to_numpy(),
            "count": t["count"].to_numpy(np.int64),
        }
    )


def _deviation_summary(dev: pd.DataFrame, n_cases: int) -> pd.DataFrame:
    if not len(dev):
        return pd.DataFrame({"kind": [], "touchpoint": [], "journeys": [], "share": [], "occurrences": []})
    g = dev.groupby(["kind", "touchpoint"], sort=True)
    out = pd.DataFrame({"journeys": g.size(), "occurrences": g["count"].sum()}).reset_index()
    out["share"] = out["journeys"] / max(n_cases, 1)
    out = out.sort_values(["journeys", "kind", "touchpoint"], ascending=[False, True, True], kind="stable")
    return out[["kind", "touchpoint", "journeys", "share", "occurrences"]].reset_index(drop=True)


def _step_table(
    aj: AssumedJourney, ctx: _Context, per_var: dict[str, Any], observed: np.ndarray, not_observed: pd.DataFrame
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
        ooo = np.where(n_cont > 0, (per_var["ooo"] * w[:, None]).sum(0) / np.maximum(n_cont, 1), np.nan)
    else:
        skipped = not_reached = ooo = np.full(n_s, np.nan)
    repeated = np.where(n_cont > 0, ((per_var["cnt"] > 1) * w[:, None]).sum(0) / np.maximum(n_cont, 1), np.nan)
    s_ev = ctx.s_ev
    fo = first_of_pairs(ctx.case, s_ev, n_s) & (s_ev >= 0)
    med = group_quantiles(s_ev[fo], ctx.pos[fo] + 1.0, n_s, [0.5])[:, 0]
    match = {}
    for col, attr in ((CHANNEL, "channel"), (DEPARTMENT, "department")):
        codes, labels = ctx.log._codes(col, _FUNC)
        lab_idx = {str(x): i for i, x in enumerate(labels)}
        want = np.array([lab_idx.get(getattr(s, attr), -2) if getattr(s, attr) else -3 for s in steps])
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


def _unexpected_touchpoints(aj: AssumedJourney, ctx: _Context) -> pd.DataFrame:
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
    return out.sort_values(["journeys", "touchpoint"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _edge_table(aj: AssumedJourney, ctx: _Context) -> pd.DataFrame:
    """Observed transitions between nodes (steps, or unexpected touchpoints) joined with the assumed ones."""
    names = aj.step_names
    n_s = len(names)
    un_labels = sorted({ctx.labels[c] for c in np.unique(ctx.codes[ctx.s_ev < 0])})
    un_idx = {lab: n_s + i for i, lab in enumerate(un_labels)}
    step_of_code = ctx.step_of_code
    node_of_code = np.array(
        [step_of_code[c] if step_of_code[c] >= 0 else un_idx.get(lab, -1) for c, lab in enumerate(ctx.labels)],
        dtype=np.int64,
    )
    node_names = [*names, *un_labels, START, END]
    n_nodes = len(node_names)
    n_start, n_end = n_nodes - 2, n_nodes - 1
    node = node_of_code[ctx.codes] if len(ctx.codes) else np.zeros(0, np.int64)
    inner = np.flatnonzero(ctx.case[1:] == ctx.case[:-1]) if len(node) > 1 else np.zeros(0, np.int64)
    first = ctx.offsets[:-1]
    last = ctx.offsets[1:] - 1
    fin = ~ctx.ongoing
    src = np.concatenate([np.full(ctx.n_cases, n_start), node[inner], node[last[fin]]])
    dst = np.concatenate([node[first], node[inner + 1], np.full(int(fin.sum()), n_end)])
    cas = np.concatenate([np.arange(ctx.n_cases), ctx.case[inner], np.flatnonzero(fin)])
    gap = np.concatenate([np.full(ctx.n_cases, np.nan), (ctx.ts[inner + 1] - ctx.ts[inner]).astype(float),
                          np.full(int(fin.sum()), np.nan)])
    pair = src * n_nodes + dst
    trans = np.bincount(pair, minlength=n_nodes * n_nodes)
    uk = np.unique(cas * (n_nodes * n_nodes) + pair)
    journeys = np.bincount(uk % (n_nodes * n_nodes), minlength=n_nodes * n_nodes)
    has_gap = ~np.isnan(gap)
    med = np.full(n_nodes * n_nodes, np.nan)
    if has_gap.any():
        pg, inv = np.unique(pair[has_gap], return_inverse=True)
        med[pg] = group_quantiles(inv, gap[has_gap], len(pg), [0.5])[:, 0]
    assumed = np.zeros(n_nodes * n_nodes, dtype=bool)
    pos = {nm: i for i, nm in enumerate(node_names)}
    for a, b in aj.edges().itertuples(index=False):
        if a in pos and b in pos:
            assumed[pos[a] * n_nodes + pos[b]] = True
    keep = np.flatnonzero((trans > 0) | assumed)
    status = np.where(assumed[keep] & (trans[keep] > 0), "matched",
                      np.where(assumed[keep], "assumed_not_observed", "observed_not_assumed"))
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
    out = out.sort_values(["journeys", "source", "target"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


def _timing_table(aj: AssumedJourney, ctx: _Context) -> pd.DataFrame:
    n_s = len(aj.steps)
    case, step, wait = _step_waits(aj, ctx)
    q = group_quantiles(step, wait.astype(float), n_s, [0.5, 0.9])
    n_obs = np.bincount(step, minlength=n_s)
    limit = np.array([s.max_wait.value if s.max_wait is not None else -1 for s in aj.steps], dtype=np.int64)
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
