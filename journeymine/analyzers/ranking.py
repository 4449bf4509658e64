"""One prioritised list of what to fix: every analyzer's findings, merged, with what they cost."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._partitioned import is_partitioned, workers_of
from .._validation import Interval, Options, to_timedelta, validate_params, warn
from ..derive import Goal, arrays, case_codes, goal_mask
from ..errors import DataQualityWarning
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL, DEPARTMENT, DIRECTION
from . import _common as C
from . import _members as M
from . import _parts_pain as PP
from . import _problems as Q
from ._problems import _CURRENCIES, KINDS, _dept_of, _Found, _impacts, _merge
from ._provenance import stamp
from .funnels import dropoffs
from .gaps import _check_baselines, _silent, _unanswered
from .outcomes import _Windows
from .reachability import _dead_ends
from .repeats import _repeats, loops
from .transfers import _followed_by, _handoff_table, _handoffs

__all__ = ["pain_points"]

#: The ``rank`` settings.
RANKS: tuple[str, ...] = ("balanced", "conversions", "time", "effort")
_COLUMNS = (
    "rank",
    "kind",
    "where",
    "journeys_affected",
    *(f"{c}{s}" for c in _CURRENCIES for s in ("", "_low", "_high")),
    "score",
    "members",
    "detail",
)
_HOUR = 3_600e9


@validate_params(
    {
        "log": ["log", "partitioned"],
        "goal": ["goal", "predicate"],
        "rank": [Options(*RANKS)],
        "level": ["column"],
        "department": ["column"],
        "window": ["duration"],
        "min_journeys": [Interval(int, 1, None)],
        "factor": [Interval(float, 1.0, None, closed="right")],
        "floor": ["duration_or_zero", None],
        "self_service": ["channels", None],
        "after_goal": ["duration", None],
    }
)
def pain_points(
    log: JourneyLog,
    *,
    goal: Goal,
    rank: str = "balanced",
    level: str = ACTIVITY,
    department: str = DEPARTMENT,
    window: str | pd.Timedelta = "7D",
    min_journeys: int = 20,
    factor: float = 7.0,
    floor: str | pd.Timedelta = "1D",
    self_service: Sequence[str] | None = C.SELF_SERVICE,
    baselines: Sequence[Mapping[str, Any]] | None = None,
    after_goal: str | pd.Timedelta | None = "30D",
) -> pd.DataFrame:
    """One prioritised list of problems: what each costs in conversions, waiting and effort.

    Every analyzer's findings are gathered, one candidate per finding:

    =================  ==================  ==================================  ====================================
    kind               where               affected journeys                   comparable journeys
    =================  ==================  ==================================  ====================================
    drop_off           touchpoint          end there, finished, unconverted    reached it and did not end there
                                           (:func:`dropoffs`)
    dead_end           touchpoint          visit it before converting (or      all other journeys
                                           never convert), for touchpoints
                                           flagged by :func:`dead_ends`
    ping_pong          "A → B → A"         bounced A -> B -> A                 had the A -> B handoff, no bounce
                                                                               (all others when fewer than
                                                                               ``min_journeys``)
    handoff            "A → B"             have the handoff                    were in department A, without it
                                           (:func:`handoffs`)
    silent_gap         "X → Y"             a silent gap on X -> Y              had X -> Y, with no silent gap
                                           (:func:`silent_gaps_summary`)
    repeat_contact     "email → phone"     a contact repeated on the other     had a contact on the first channel,
                                           channel within ``window``           not repeated that way
    unanswered         touchpoint          end on a customer contact there     had a customer contact there,
                                           nobody answered (finished)          not ending unanswered
    loop               touchpoint          visit it more than once             visit it once
    post_goal_contact  goal touchpoint     converted there, and the customer   converted there, no contact in the
                                           contacts the company again within   whole window (all converted ones
                                           ``after_goal`` of it (see below)    when fewer than ``min_journeys``)
    =================  ==================  ==================================  ====================================

    A problem after the goal is still a problem: ``post_goal_contact`` takes the
    journeys that reached the goal at a touchpoint (their first goal event's) whose
    customer contacts the company again within ``after_goal`` of it, in the same
    journey or a later one (:func:`after_goal`; contacts are inbound events on a channel
    that is not self-service, so the kind needs directions). Its journeys converted and
    the waiting after the goal is not measured, so it is costed in effort only (what
    the finding itself costs, as for a handoff): ``extra_effort`` is the contacts after
    the goal, ``affected x mean contacts`` with its Welch interval, and
    ``conversions_lost`` and ``hours_lost`` are NaN (not applicable; they count as 0
    in the balanced score and rank last under their own ``rank``). It is never merged
    with another kind.

    **One row per problem.** Two candidates at the same place that share at least
    80% of their journeys (``|A ∩ B| >= 0.8 max(|A|, |B|)``) are one problem: a
    drop-off and an unanswered contact on the same touchpoint, a ping-pong and its
    handoff, a dead end and the handoff leading into it. *Same place* means: the same
    ``where``; a ping-pong or handoff and another on the same two departments (either
    direction); a handoff or ping-pong and a touchpoint finding whose touchpoint
    belongs mostly to one of its two departments; a silent-gap transition and a
    touchpoint finding at one of its two ends; a transition and a handoff between the
    departments its two ends belong to. Merging is transitive. The merged row's
    ``kind`` joins its kinds (``"drop_off+unanswered"``), ``where`` is its first
    member's, ``members`` lists them all, and its impact is computed on the *union*
    of their journeys (against the union of their comparable journeys), never by
    adding impacts.

    **Impact, in three currencies**, each with a 95% interval, each comparing the
    affected journeys with comparable journeys that did not meet the problem:

    * ``conversions_lost = affected x (conversion of comparable - conversion of
      affected)``, over journeys with known outcome; interval from Newcombe's
      hybrid score interval of the difference of two proportions;
    * ``hours_lost``: customer time spent waiting on the company beyond what is
      typical — per journey, the excess of its silent gaps over their transition's
      expected gap (:func:`silent_gaps`), counted when it was not the customer's
      turn — as ``affected x (mean of affected - mean of comparable)``;
    * ``extra_effort``: per journey, handoffs (``department`` changes) + customer
      contacts (inbound, not self-service) + ping-pong bounces, as ``affected x
      (mean of affected - mean of comparable)``. For a handoff the handoff itself is
      not counted (it is the finding, and a designed flow has it): what counts is
      what comes with it.

    Mean differences get the Welch normal interval ``d ± 1.96 sqrt(s1²/n1 + s2²/n2)``
    (the delta method for a difference of means). **A row is listed only when at
    least one currency's lower bound is above zero**, and when it has at least
    ``min_journeys`` affected journeys: a finding that costs nothing, or helps, is
    never listed. A dead end must also be flagged by :func:`dead_ends`, and a silent
    gap needs a transition with its own baseline.

    **Ranking** (``rank``):

    * ``"balanced"`` (default): ``score = Σ max(0, low_c) / total_c`` over the three
      currencies, where ``low_c`` is the row's lower bound in currency *c* and
      ``total_c`` the log-wide total of that currency (converted journeys; hours of
      excess waiting on the company; handoffs + contacts + bounces). Each term is
      the share of all the log's conversions, waiting or effort that the problem
      costs at least (95% confidence): shares can be added where hours and
      conversions cannot, and the lower bound keeps a large but uncertain estimate
      from outranking a smaller certain one. A ping-pong that bounces a quarter of
      the journeys costs a large share of all effort and ranks high without costing
      a conversion;
    * ``"conversions"``, ``"time"``, ``"effort"``: ``score`` is the lower bound of
      ``conversions_lost``, ``hours_lost`` or ``extra_effort`` (ties broken by the
      balanced score).

    Then by kind (in the order of the table above) and ``where``: the order is
    deterministic.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A :class:`~journeymine.PartitionedLog` gives the same table, in three passes
        over its partitions (a predicate ``goal`` must then be a module-level function).
    goal : str, list of str or callable
        The goal touchpoint(s) or a predicate over the events.
    rank : {"balanced", "conversions", "time", "effort"}, default "balanced"
        How to order the problems (see above).
    level : str, default "activity"
        The column naming touchpoints (drop-offs, dead ends, silent gaps, unanswered
        contacts, loops).
    department : str, default "department"
        The column for handoffs and ping-pongs (skipped, with a warning, when it has
        no values).
    window : str or Timedelta, default "7D"
        For repeat contacts (also after handoffs).
    min_journeys : int, default 20
        Fewest affected journeys for a problem to be listed.
    factor, floor
        Passed to :func:`silent_gaps`.
    self_service : list of str or None, default ("web", "app")
        Channels whose inbound events are not customer contacts.
    baselines : list of dict, optional
        The usual wait of transitions you know, as for :func:`silent_gaps`, e.g.
        ``[{"from": "Resolved", "to": "Closed", "wait": "7D"}]``: the silent gaps and
        the hours waited beyond the usual are then judged against it.
    after_goal : str, Timedelta or None, default "30D"
        How long after the goal to count contacts (``post_goal_contact``); None
        leaves that kind out.

    Returns
    -------
    pandas.DataFrame
        One row per problem, columns ``rank`` (1, 2, ...), ``kind``, ``where``,
        ``journeys_affected``, ``conversions_lost``, ``hours_lost`` and
        ``extra_effort`` each with ``_low`` and ``_high`` (95% interval; NaN where a
        currency does not apply), ``score``,
        ``members`` (the findings it merges, e.g. ``"drop_off at cart; unanswered
        at cart"``) and ``detail`` (one sentence with its own figures).
        :func:`affected_journeys` lists the journeys behind a row.

    Warns
    -----
    DataQualityWarning
        When kinds are skipped because the log has no ``direction`` values (repeat
        contacts, unanswered contacts, contacts after the goal) or no ``department``
        values (handoffs, ping-pongs).

    Examples
    --------
    >>> import journeymine as jm
    >>> pp = jm.pain_points(jm.datasets.load_sample(), goal="purchase")
    >>> list(pp.columns[:4])
    ['rank', 'kind', 'where', 'journeys_affected']
    >>> bool((pp[["conversions_lost_low", "hours_lost_low", "extra_effort_low"]] > 0).any(axis=1).all())
    True
    """
    func = "pain_points"
    win = to_timedelta(window, "window", func, allow_none=False)
    after = to_timedelta(after_goal, "after_goal", func, allow_none=True)
    flo = to_timedelta(floor, "floor", func, allow_none=True, positive=False) or pd.Timedelta(0)
    skip = tuple(C.names(self_service))

    def warn_skipped(has_dept: bool, has_dir: bool) -> None:
        skipped: list[str] = []
        if not has_dept:
            skipped.append(
                f"handoffs and ping-pongs (no {department!r} values; "
                f"{C._HINTS.get(department, '')})"
            )
        if not has_dir:
            kinds = "repeat contacts, unanswered contacts and contacts after the goal"
            if after is None:
                kinds = "repeat contacts and unanswered contacts"
            skipped.append(f"{kinds} (no 'direction' values; {C._HINTS[DIRECTION]})")
        if skipped:
            warn(f"{func} skipped " + "; and ".join(skipped), DataQualityWarning)

    if is_partitioned(log):
        args = (goal, level, department, win, int(min_journeys), float(factor), flo)
        s = _Settings(*args, list(skip), baselines, after)
        f, dept, out, hours, effort = PP.findings(log, s, warn_skipped)
        # the costing runs here, in this process: on as many threads as the log's workers
        table, _ = _cost(f, dept, out, hours, effort, s.min_journeys, threads=workers_of(log))
    else:
        C.level_codes(log, level, func)
        C.outcome(log, goal, func)  # GoalNotFoundError before anything else
        warn_skipped(C.has_values(log, department), C.has_values(log, DIRECTION))
        table, _ = _problems(
            log, goal, level, department, win, min_journeys, factor, flo, skip, baselines, after
        )
    params = {
        "goal": goal,
        "level": level,
        "department": department,
        "window": window,
        "min_journeys": min_journeys,
        "factor": factor,
        "floor": floor,
        "self_service": self_service,
        "baselines": baselines,
        "after_goal": after_goal,
    }
    if is_partitioned(log):  # no journeys in memory: affected_journeys refuses it
        return C.stamp_partitioned(_rank(table, rank), func, rank=rank, **params)
    return stamp(_rank(table, rank), log, func, rank=rank, **params)


def _problems(
    log: JourneyLog,
    goal: Goal,
    level: str,
    department: str,
    win: pd.Timedelta,
    min_journeys: int,
    factor: float,
    flo: pd.Timedelta,
    skip: tuple[str, ...],
    baselines: Sequence[Mapping[str, Any]] | None = None,
    after: pd.Timedelta | None = None,
) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    """The unranked problems and, per row, its affected journeys (case codes), once per log.

    ``baselines``: the silent-gap baselines the caller sets (see :func:`silent_gaps`);
    ``after``: the window after the goal for contacts after it (None: not looked for).
    """
    fixed = _check_baselines(log, baselines, level, "pain_points")
    key = (
        "analyzers.pain_points",
        C.goal_key(goal),
        level,
        department,
        win.value,
        int(min_journeys),
        float(factor),
        flo.value,
        skip,
        tuple(sorted(fixed.items())),
        None if after is None else after.value,
    )
    s = _Settings(
        goal,
        level,
        department,
        win,
        int(min_journeys),
        float(factor),
        flo,
        list(skip),
        baselines,
        after,
    )
    return C.memo(log, key, lambda: _compute(log, s))


@dataclass(frozen=True)
class _Settings:
    goal: Goal
    level: str
    department: str
    win: pd.Timedelta
    min_journeys: int
    factor: float
    floor: pd.Timedelta
    skip: list[str]
    baselines: Sequence[Mapping[str, Any]] | None
    after: pd.Timedelta | None = None


def _compute(log: JourneyLog, s: _Settings) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    func = "pain_points"
    out = C.outcome(log, s.goal, func)
    has_dept = C.has_values(log, s.department)
    has_dir = C.has_values(log, DIRECTION)
    hours, effort, w, parts = _per_journey(log, s, has_dept, has_dir)
    f = _Found()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        _drop_offs(f, log, s, out)
        _dead_end_rows(f, log, s, out)
        if has_dept:
            _handoff_rows(f, log, s, parts, w, has_dir)
        _silent_rows(f, log, s)
        if has_dir:
            _repeat_rows(f, log, s)
            _unanswered_rows(f, log, s)
        _loop_rows(f, log, s)
        if has_dir and s.after is not None:
            _post_goal_rows(f, log, s)
    dept = _dept_of(log, s.level, s.department) if has_dept else {}
    return _cost(f, dept, out, hours, effort, s.min_journeys)


def _cost(
    f: _Found,
    dept: dict[str, str],
    out: Any,
    hours: np.ndarray,
    effort: np.ndarray,
    min_journeys: int,
    threads: int = 1,
) -> tuple[pd.DataFrame, tuple[np.ndarray, ...]]:
    """The findings ``f`` merged into problems and costed on the per-journey ``hours`` and
    ``effort`` and the outcomes ``out`` (``known``, ``converted``): one log's, or a
    partitioned log's in the whole log's journey order (the sums on ``threads``)."""
    groups = _merge(f, dept)
    conv = out.known & out.converted
    totals = (float(conv.sum()), float(hours.sum()), float(effort.sum()))
    table, sets = _impacts(f, groups, out, hours, effort, totals, min_journeys, threads)
    table.attrs["totals"] = dict(zip(_CURRENCIES, totals, strict=True))
    return table, sets


# --------------------------------------------------------------------------- per journey


def _per_journey(
    log: JourneyLog, s: _Settings, has_dept: bool, has_dir: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any] | None]:
    """Per journey: hours waiting on the company beyond the typical, and effort; and per
    transition (consecutive events) the hours counted."""
    n = log.n_cases
    _, _, it = _silent(log, None, s.factor, s.floor, 20, s.level, "pain_points", s.baselines)
    hours = np.zeros(n)
    w = np.zeros(len(it["case_transition"]))
    if "excess_transition" in it and len(w):
        w = np.where(it["turn_transition"] != 1, it["excess_transition"], 0.0) / _HOUR
        hours = np.bincount(it["case_transition"], weights=w, minlength=n)
    effort = np.zeros(n)
    parts = None
    if has_dept:
        _, parts = _handoffs(log, s.department, s.goal, s.win, s.skip, "pain_points")
        hc = parts["case"]
        effort += np.bincount(hc, minlength=n) + np.bincount(hc[parts["back"]], minlength=n)
    if has_dir:
        contact = C.contact_mask(log, s.skip, "pain_points", "to count customer contacts")
        effort += np.bincount(case_codes(log)[contact], minlength=n)
    return hours, effort, w, parts


_split = M.split


# --------------------------------------------------------------------------- one builder per kind


def _drop_offs(f: _Found, log: JourneyLog, s: _Settings, out: C.Outcome) -> None:
    vcase, vval, _, _ = M.visit_pairs(log, s.level)
    lost = M.lost_at(log, out, s.level, "pain_points")
    _, labels = C.level_codes(log, s.level, "pain_points")
    n_lost = np.bincount(vval[lost], minlength=len(labels))
    keep = np.flatnonzero(n_lost >= s.min_journeys)
    if not len(keep):
        return
    d = dropoffs(log, goal=s.goal, level=s.level).set_index("touchpoint")
    aff = _split(vval[lost], vcase[lost], log.n_cases, keep)
    exp = _split(vval, vcase, log.n_cases, keep)
    for v, a, e in zip(keep.tolist(), aff, exp, strict=True):
        x = str(labels[v])
        f.add("drop_off", x, Q.drop_detail(d.loc[x]), ("tp", x), a, e)


def _dead_end_rows(f: _Found, log: JourneyLog, s: _Settings, out: C.Outcome) -> None:
    d = _dead_ends(log, s.goal, s.min_journeys, s.level, "pain_points")
    d = d[d["dead_end"]]
    if not len(d):
        return
    _, labels = C.level_codes(log, s.level, "pain_points")
    vcase, vval, _, _ = M.visit_pairs(log, s.level)
    risk = M.at_risk(log, out, s.level)
    codes = pd.Index([str(x) for x in labels]).get_indexer(d["touchpoint"])
    aff = _split(vval[risk], vcase[risk], log.n_cases, codes)
    for r, a in zip(d.itertuples(), aff, strict=True):
        f.add("dead_end", r.touchpoint, Q.dead_detail(r), ("tp", r.touchpoint), a, None)


def _handoff_rows(
    f: _Found, log: JourneyLog, s: _Settings, parts: dict[str, Any], w: np.ndarray, has_dir: bool
) -> None:
    table, _ = _handoffs(log, s.department, s.goal, s.win, s.skip, "pain_points")
    inv, back, case, order = parts["inv"], parts["back"], parts["case"], parts["order"]
    n = log.n_cases
    P = len(parts["uniq"])
    if not P:
        return
    a = arrays(log)
    codes, labels = a.codes(s.department, "pain_points"), a.labels(s.department, "pain_points")
    L = max(len(labels), 1)
    src = parts["uniq"] // L
    # what a handoff itself costs: the excess waiting between its two events (a
    # transition's index is its first event's row minus its journey's code), and the
    # bounce and repeat contact that follow it
    h = _handoff_table(log, np.asarray(codes, dtype=np.int64))
    t_from = h["from_row"] - h["case"]
    cum = np.r_[0.0, np.cumsum(w)]
    h_wait = cum[t_from + (h["to_row"] - h["from_row"])] - cum[t_from]
    h_effort = back.astype(float)
    if has_dir:
        contact = C.contact_mask(log, s.skip, "pain_points", "to find repeat contacts")
        h_effort += _followed_by(log, contact, h["to_row"], h["case"], s.win.value)
    # per (pair, journey): the journeys with the pair, and what its handoffs cost them
    key, inverse = _pair_journeys(inv, case, n, P)
    j_wait = np.bincount(inverse, weights=h_wait, minlength=len(key))
    j_effort = np.bincount(inverse, weights=h_effort, minlength=len(key))
    kp, kc = key // n, key % n
    jour = np.bincount(kp, minlength=P)
    pp_key = K.distinct(inv[back].astype(np.int64) * n + case[back])
    pp_jour = np.bincount(pp_key // n, minlength=P)
    rows = np.arange(P)
    lo = np.searchsorted(kp, rows, side="left")
    hi = np.searchsorted(kp, rows, side="right")
    with_pair = [kc[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
    bounced = _split(pp_key // n, pp_key % n, n, rows)
    # journeys handing work on from each department (to any other)
    dsrc = np.unique(src)
    out_of = dict(zip(dsrc.tolist(), _split(src[kp], kc, n, dsrc), strict=True))
    arrow = C.ARROW
    for i, p in enumerate(order.tolist()):
        r = table.iloc[i]
        a_name, b_name = str(r["from"]), str(r["to"])
        if jour[p] >= s.min_journeys:
            detail = Q.handoff_detail(r)
            place = ("dept", a_name, b_name)
            direct = (j_wait[lo[p] : hi[p]], j_effort[lo[p] : hi[p]])
            f.add("handoff", a_name + arrow + b_name, detail, place, with_pair[p], None, direct)
        if pp_jour[p] >= s.min_journeys:
            few = jour[p] - pp_jour[p] < s.min_journeys
            if few and len(out_of[int(src[p])]) - pp_jour[p] < s.min_journeys:
                continue  # nothing comparable: every hand-over from A is this bounce
            detail = Q.ping_pong_detail(r, pp_jour[p], a_name, b_name, few)
            where = a_name + arrow + b_name + arrow + a_name
            place = ("dept", a_name, b_name)
            exp = out_of[int(src[p])] if few else with_pair[p]
            f.add("ping_pong", where, detail, place, bounced[p], exp)


def _pair_journeys(
    inv: np.ndarray, case: np.ndarray, n: int, P: int
) -> tuple[np.ndarray, np.ndarray]:
    """``K.distinct_inverse(inv * n + case)``: the distinct (pair, journey) keys of the
    handoffs and each handoff's index among them.

    The handoffs come in log order, so keys ``case * P + pair`` are short runs in
    increasing order of journey: a stable sort merges them, and a stable sort by the
    few pairs (a radix sort) puts the distinct ones in (pair, journey) order, about
    three times faster than sorting ``pair * n + case`` and searching every handoff.
    """
    cm = case.astype(np.int64) * P + inv
    order = np.argsort(cm, kind="stable")
    srt = cm[order]
    new = np.r_[True, srt[1:] != srt[:-1]] if len(srt) else np.zeros(0, dtype=bool)
    uid = np.cumsum(new) - 1
    d = srt[new]
    pair, jour = d % P, d // P
    by_pair = np.argsort(pair.astype(np.int16) if P < 2**15 else pair, kind="stable")
    rank = np.empty(len(d), dtype=np.int64)
    rank[by_pair] = np.arange(len(d))
    inverse = np.empty(len(cm), dtype=np.int64)
    inverse[order] = rank[uid]
    return pair[by_pair] * n + jour[by_pair], inverse


def _silent_rows(f: _Found, log: JourneyLog, s: _Settings) -> None:
    _, t, it = _silent(log, None, s.factor, s.floor, 20, s.level, "pain_points", s.baselines)
    R = len(t)
    n = log.n_cases
    rows = np.arange(R)
    sil = _split(it["row_silent"], it["case_silent"], n, rows)
    ok = it["row_transition"] >= 0
    had = _split(it["row_transition"][ok], it["case_transition"][ok], n, rows)
    base = t["baseline"].to_numpy()
    for i, r in enumerate(t.itertuples()):
        if base[i] == "global" or len(sil[i]) < s.min_journeys:
            continue
        x, y = str(r.from_activity), str(r.to_activity)
        f.add("silent_gap", x + C.ARROW + y, Q.silent_detail(r), ("tr", x, y), sil[i], had[i])


def _repeat_rows(f: _Found, log: JourneyLog, s: _Settings) -> None:
    r, it = _repeats(log, s.win, CHANNEL, s.skip, False, "pain_points")
    n = log.n_cases
    rows = np.arange(len(r))
    rep = _split(it["row_repeat"], it["case_repeat"], n, rows)
    con = _split(it["row_contact"], it["case_contact"], n, rows)
    for i, row in enumerate(r.itertuples(index=False)):
        if len(rep[i]) < s.min_journeys:
            continue
        a = "(missing)" if row[0] is None else str(row[0])
        b = "(missing)" if row[1] is None else str(row[1])
        detail = Q.repeat_detail(row, a, b, s.win)
        f.add("repeat_contact", a + C.ARROW + b, detail, ("ch", a, b), rep[i], con[i])


def _unanswered_rows(f: _Found, log: JourneyLog, s: _Settings) -> None:
    u, at = _unanswered(log, 0.5, "pain_points", s.skip)
    finished = ~u["ongoing"].to_numpy()
    u, at = u[finished], at[finished]
    codes, labels = C.level_codes(log, s.level, "pain_points")
    case = case_codes(log)
    n = log.n_cases
    val = codes[at]
    cnt = np.bincount(val[val >= 0], minlength=len(labels))
    keep = np.flatnonzero(cnt >= s.min_journeys)
    if not len(keep):
        return
    contact = C.contact_mask(log, s.skip, "pain_points", "to find customer contacts")
    aff = _split(val, case[at], n, keep)
    exp = _split(codes[contact], case[contact], n, keep)
    resp = u["response_rate"].to_numpy()
    for v, a, e in zip(keep.tolist(), aff, exp, strict=True):
        x = str(labels[v])
        detail = Q.unanswered_detail(cnt[v], resp[val == v])
        f.add("unanswered", x, detail, ("tp", x), a, e)


def _loop_rows(f: _Found, log: JourneyLog, s: _Settings) -> None:
    lp = loops(log, level=s.level)
    lp = lp[lp["looping_journeys"] >= s.min_journeys]
    if not len(lp):
        return
    _, labels = C.level_codes(log, s.level, "pain_points")
    vcase, vval, _, nv = M.visit_pairs(log, s.level)
    multi = nv > 1
    codes = pd.Index([str(x) for x in labels]).get_indexer(lp["touchpoint"])
    aff = _split(vval[multi], vcase[multi], log.n_cases, codes)
    exp = _split(vval, vcase, log.n_cases, codes)
    for r, a, e in zip(lp.itertuples(), aff, exp, strict=True):
        f.add("loop", r.touchpoint, Q.loop_detail(r), ("tp", r.touchpoint), a, e)


def _post_goal_rows(f: _Found, log: JourneyLog, s: _Settings) -> None:
    """Per goal touchpoint: converted journeys whose customer contacts again after the goal."""
    func = "pain_points"
    assert s.after is not None
    gmask = goal_mask(log, s.goal, func=func)
    w = _Windows(log, gmask, s.after.value, func)
    contact = C.contact_mask(log, s.skip, func, "to count contacts after the goal") & ~gmask
    contacts = w.count(contact)
    codes, labels = C.level_codes(log, s.level, func)
    first = w.first(contact)
    first_at = np.where(first >= 0, codes[np.maximum(first, 0)], -1)
    Q.add_post_goal(f, s, w.conv, codes[w.grow], contacts, w.complete, first_at, labels)


def _rank(table: pd.DataFrame, rank: str) -> pd.DataFrame:
    score = table["balanced"].to_numpy(float)
    if rank != "balanced":
        name = {"conversions": "conversions_lost", "time": "hours_lost", "effort": "extra_effort"}
        score = table[name[rank] + "_low"].to_numpy(float)
    kind_order = np.asarray([KINDS.index(str(k).split("+")[0]) for k in table["kind"]], dtype=int)
    order = np.lexsort(
        (
            table["where"].to_numpy(),
            kind_order,
            -table["balanced"].to_numpy(float),
            -np.nan_to_num(score, nan=-np.inf),
        )
    )
    out = table.iloc[order].reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype=np.int64))
    out["score"] = score[order]
    return out[list(_COLUMNS)]
