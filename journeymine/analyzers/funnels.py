"""Where journeys stop: drop-offs per touchpoint (or stage) and ordered funnels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._kernels import first_per_group
from .._partitioned import is_partitioned
from .._validation import Interval, Names, Options, to_timedelta, validate_params
from ..derive import Goal, arrays, case_codes, event_times
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY
from . import _common as C
from . import _funnel_match as FM
from . import _parts_funnel as PF
from . import _parts_reach as PR
from ._provenance import stamp

__all__ = ["dropoffs", "funnel"]


@validate_params(
    {"log": ["log", "partitioned"], "goal": ["goal", "predicate"], "level": ["column"]}
)
def dropoffs(log: JourneyLog, *, goal: Goal, level: str = ACTIVITY) -> pd.DataFrame:
    """Per touchpoint: how many journeys reach it, end there without converting, or convert after.

    Every journey that reaches a touchpoint falls in exactly one of four groups
    (``converted + lost + ongoing + other == journeys``):

    * ``converted`` — it has a goal event at or after its first visit of the touchpoint;
    * ``ongoing`` — otherwise, if the journey is still ongoing (censored: it may yet
      convert, so it is never counted as lost);
    * ``lost`` — otherwise, if its last event is this touchpoint and it never converted
      (the journey ended here);
    * ``other`` — the rest: it moved on and ended elsewhere without converting (or
      converted only before reaching the touchpoint).

    Rates are taken over the journeys whose outcome is known (``journeys - ongoing``).

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A :class:`~journeymine.PartitionedLog` gives the same table, computed partition
        by partition (a goal predicate then sees one partition's events at a time).
    goal : str, list of str or callable
        The goal touchpoint(s), or a predicate over the events (see
        :func:`journeymine.derive.goal_mask`); a journey converts when it has a goal event.
    level : str, default "activity"
        The column to analyse: ``"activity"`` (touchpoints), ``"stage"`` after
        :func:`~journeymine.map_stages`, or any label column. For a column with missing
        values, a journey "ends at" the value of its last event that has one.

    Returns
    -------
    pandas.DataFrame
        One row per touchpoint, columns:

        ========================  ==========================================================
        touchpoint                the touchpoint (or stage, ...)
        journeys                  journeys that reach it
        converted                 of those, journeys with a goal event at or after it
        lost                      journeys that end at it without converting
        ongoing                   journeys that reach it and are still ongoing (censored)
        other                     the rest (moved on and ended elsewhere unconverted)
        exit_rate                 ``lost / (journeys - ongoing)``
        conversion_rate           ``converted / (journeys - ongoing)``
        continuing_conversion     conversion of the journeys that did not end here:
                                  ``converted / (journeys - ongoing - lost)``
        conversions_lost          ``lost * continuing_conversion``: conversions had the lost
                                  journeys carried on like the others (the sort key)
        share_of_lost             ``lost`` over all journeys lost anywhere
        ========================  ==========================================================

        Sorted by ``conversions_lost``, then ``lost`` (both descending), then name: a step
        where those who continue usually convert (a checkout step) outranks a page where
        many journeys end but few would convert anyway.

    Raises
    ------
    GoalNotFoundError
        If ``goal`` names touchpoints that never occur (with near matches).
    MissingColumnError
        If ``level`` is not a column of the log.

    See Also
    --------
    funnel : Journeys through an ordered list of steps.
    dead_ends : Touchpoints after which journeys rarely reach the goal.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b", "b", "c"],
    ...     "tp": ["home", "checkout", "purchase", "home", "checkout", "home"],
    ...     "t": pd.date_range("2025-01-01", periods=6, freq="h"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> jm.dropoffs(log, goal="purchase")[["touchpoint", "journeys", "converted", "lost"]]
      touchpoint  journeys  converted  lost
    0   checkout         2          1     1
    1       home         3          1     1
    2   purchase         1          1     0
    """
    func = "dropoffs"
    if is_partitioned(log):
        table = PR.partitioned_dropoffs(log, goal, level, func)
        return C.stamp_partitioned(table, func, goal=goal, level=level)
    key = ("analyzers.dropoffs", C.goal_key(goal), level)
    table = C.memo(log, key, lambda: _dropoff_table(log, goal, level, func))
    return stamp(table, log, func, goal=goal, level=level)


def _dropoff_table(log: JourneyLog, goal: Goal, level: str, func: str) -> pd.DataFrame:
    return PR.dropoff_table(PR.dropoff_part(log, goal, level, func))


@validate_params(
    {
        "log": ["log", "partitioned"],
        "steps": [Names("a non-empty list of touchpoint names", non_empty=True, single=False)],
        "mode": [Options("eventual", "direct", "any_order")],
        "within": ["duration", None],
        "top": [Interval(int, 1, None), None],
        "exclude": [Names("a touchpoint name or a list of them", non_empty=True), None],
        "optional": [Names("a step name or a list of them", non_empty=True), None],
        "by": ["column", None],
    }
)
def funnel(
    log: JourneyLog,
    steps: Sequence[str],
    *,
    mode: str = "eventual",
    within: str | pd.Timedelta | None = None,
    top: int | None = 5,
    exclude: str | Sequence[str] | None = None,
    optional: str | Sequence[str] | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Journeys through an ordered list of steps, with where the others went instead.

    A journey reaches step *k* when it contains steps 1..k in this order:

    * ``mode="eventual"`` — in order, other events allowed between them. Each step is
      matched at its first occurrence after the previous step's match (greedy matching,
      which finds an ordered match whenever one exists);
    * ``mode="direct"`` — as consecutive events (anywhere in the journey);
    * ``mode="any_order"`` — a journey reaches step *k* when it contains each of steps
      1..k, in any order (a name repeated among the steps must occur as many times).
      Each step is matched at its touchpoint's first occurrence; the step's time and
      "next" event are those of the event that completes steps 1..k.

    With ``within``, the match must reach step *k* no later than ``within`` after its
    step 1 (in any order: its matched events must lie within ``within`` of each
    other); every occurrence of step 1 is then tried as a start.

    ``exclude`` leaves out of the funnel entirely (every step, every mode) the journeys
    with an excluded touchpoint strictly between the first and the last event of their
    match (the match reaching their furthest step).

    An ``optional`` step is not needed to reach the later steps: the required steps are
    matched as if it were not there, and its row counts the journeys reaching the
    previous required step that took it after that step's match and before the next
    required step's match (any later time if they never reach it; in any order:
    anywhere in the journey). Its ``conversion_from_previous`` and the next required
    step's are both over the previous required step; nobody drops at an optional step.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A :class:`~journeymine.PartitionedLog` gives the same table, computed partition
        by partition (``by`` included).
    steps : list of str
        Touchpoint names, in funnel order (a name may repeat).
    mode : {"eventual", "direct"}, default "eventual"
    within : str or Timedelta, optional
        Longest time from the first step, e.g. ``"30D"``.
    top : int or None, default 5
        How many next touchpoints ``lost_next`` lists (None: all).
    exclude : str or list of str, optional
        Touchpoints that disqualify a journey when they occur inside its match.
    optional : str or list of str, optional
        Steps (by name, not the first) that journeys may skip.
    by : str, optional
        A column to break the funnel down by: each journey's segment is the value of
        its first event (journeys without one are left out). Returns the breakdown
        table described below instead of the funnel table.

    Returns
    -------
    pandas.DataFrame
        One row per step, in funnel order, columns:

        =========================  =====================================================
        step                       1, 2, ...
        touchpoint                 the step's touchpoint
        journeys                   journeys reaching this step in order
        conversion_from_previous   ``journeys / journeys of the previous step`` (NaN at 1)
        conversion_from_first      ``journeys / journeys of step 1``
        median_time_from_previous  median time between the previous step's match and this
                                   step's match (NaT at step 1)
        dropped                    journeys reaching this step but not the next (0 at the
                                   last step)
        ongoing                    of the dropped, journeys still ongoing (censored)
        ended                      of the dropped, finished journeys with no event after
                                   this step
        went_elsewhere             of the dropped, finished journeys that went on to other
                                   touchpoints
        lost_next                  where ``went_elsewhere`` journeys went next: a list of
                                   ``(touchpoint, journeys)``, most frequent first (ties
                                   by name), at most ``top`` long
        =========================  =====================================================

        ``dropped == ongoing + ended + went_elsewhere`` and ``journeys`` never increases
        (over the required steps). "Next" is the event right after the step's match
        (the earliest match that reaches the step). With ``optional``, a bool column
        ``optional`` is added.

        With ``by``: one row per (segment, step), sorted by step then segment, columns
        ``<by>``, ``step``, ``touchpoint``, ``journeys``, ``conversion_from_previous``,
        ``conversion_from_first`` (within the segment), ``diff_vs_rest`` (the
        segment's ``conversion_from_previous`` minus that of all other segments
        pooled) with its Newcombe 95% interval ``diff_low``/``diff_high``, and per step
        ``chi2`` and ``p_value``: Pearson's chi-square test (no continuity correction)
        that ``conversion_from_previous`` is the same in every segment (NaN at step 1).

    Notes
    -----
    On the BPI Challenge 2012 loan log, ``funnel(log, ["A_SUBMITTED", "A_PREACCEPTED",
    "A_ACCEPTED", "A_FINALIZED", "A_APPROVED"])`` on all events gives the published
    13,087 / 7,367 / 5,113 / 5,015 / 2,246 applications: the ``A_`` activities have only
    ``COMPLETE`` lifecycle events (so filtering on the lifecycle changes nothing) and no
    application reaches a milestone out of order, so the eventual-mode count equals the
    number of applications with the activity. ``mode="direct"`` gives 13,087 and then 0
    (other events always come between the milestones).

    Raises
    ------
    GoalNotFoundError
        If a step names a touchpoint that never occurs (with near matches).
    InvalidParameterError
        For an empty ``steps``, an unknown ``mode``, a non-positive ``within``, or an
        ``optional`` that names no step, the first step, or comes with ``mode="direct"``.
    MissingColumnError
        If ``by`` is not a column of the log.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b", "b", "b", "c"],
    ...     "tp": ["cart", "pay", "done", "cart", "help", "pay", "cart"],
    ...     "t": pd.date_range("2025-01-01", periods=7, freq="h"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> f = jm.funnel(log, ["cart", "pay", "done"])
    >>> f[["touchpoint", "journeys", "dropped", "ended", "lost_next"]]
      touchpoint  journeys  dropped  ended lost_next
    0       cart         3        1      1        []
    1        pay         2        1      1        []
    2       done         1        0      0        []
    >>> jm.funnel(log, ["cart", "pay"], mode="direct")["journeys"].tolist()
    [3, 1]
    >>> jm.funnel(log, ["cart", "pay"], exclude="help")["journeys"].tolist()
    [2, 1]
    >>> jm.funnel(log, ["cart", "help", "pay"], optional="help")["journeys"].tolist()
    [3, 1, 2]
    """
    func = "funnel"
    win = to_timedelta(within, "within", func)
    win_ns = None if win is None else win.value
    params: dict[str, Any] = {"steps": list(steps), "mode": mode, "within": within}
    extra = {"exclude": exclude, "optional": optional, "by": by}
    params.update({k: v for k, v in extra.items() if v is not None})
    if is_partitioned(log):
        opt = _optional_steps(list(steps), optional, mode, func)
        if by is not None:
            C.check_level(log.columns, by, func, param="by")
        excl = None if exclude is None else C.names(exclude)
        args = ([str(x) for x in steps], opt, mode, win_ns, excl, by)
        parts = log._map(_funnel_worker, args)
        PF.check_names(parts, list(steps), excl, func)
        merged = PF.merge_funnel_parts(parts)
        table = _funnel_result(merged, list(steps), opt, top, optional, by)
        return C.stamp_partitioned(table, func, **params)
    step_codes = _step_codes(log, steps, func)
    opt = _optional_steps(list(steps), optional, mode, func)
    excl = None if exclude is None else _step_codes(log, C.names(exclude), func, "exclude")
    if by is not None:
        C.level_codes(log, by, func, param="by")
    parts = _funnel_part(log, step_codes, opt, mode, win_ns, excl, by)
    table = _funnel_result(parts, list(steps), opt, top, optional, by)
    return stamp(table, log, func, **params)


def _funnel_result(
    parts: PF.FunnelParts,
    steps: list[str],
    opt: list[bool],
    top: int | None,
    optional: Any,
    by: str | None,
) -> pd.DataFrame:
    """The funnel table (or its breakdown ``by`` a segment) from its parts."""
    req = [s for s, o in zip(steps, opt, strict=True) if not o]
    table = PF.funnel_table(parts, req, top)
    if optional is None and by is None:
        return table
    table = PF.with_optional(table, parts, steps, opt)
    if by is None:
        return table
    prev = PF.previous_rows(opt)
    return FM.breakdown_table(by, parts.seg_labels or [], table, parts.seg_counts, prev)


def _funnel_worker(
    log: JourneyLog,
    steps: list[str],
    opt: list[bool],
    mode: str,
    win_ns: int | None,
    exclude: list[str] | None,
    by: str | None,
) -> PF.FunnelParts:
    """:func:`_funnel_part` on one partition (run by the partitioned engine): names that
    do not occur in it match nothing; the merge raises for those that occur nowhere."""
    labels = arrays(log).labels(ACTIVITY, "funnel")
    names = steps + (exclude or [])
    idx = labels.get_indexer(pd.Index(names, dtype=object))
    found = idx >= 0
    # a step that does not occur here gets a code no event has (-2, -3, ...)
    codes = [int(i) if i >= 0 else -2 - j for j, i in enumerate(idx[: len(steps)])]
    excl = None if exclude is None else [int(i) for i in idx[len(steps) :] if i >= 0]
    parts = _funnel_part(log, codes, opt, mode, win_ns, excl, by)
    parts.found = found
    if not found.all():
        parts.activities = [str(x) for x in labels]
    return parts


def _funnel_part(
    log: JourneyLog,
    step_codes: list[int],
    opt: list[bool],
    mode: str,
    win_ns: int | None,
    excl: list[int] | None,
    by: str | None,
) -> PF.FunnelParts:
    """What one log contributes to a funnel (see :class:`._parts_funnel.FunnelParts`)."""
    func = "funnel"
    req = [c for c, o in zip(step_codes, opt, strict=True) if not o]
    match = _reach(log, req, mode, win_ns, func, exclude=excl)
    parts = _required_parts(log, match)
    cand_case, chosen, pos = match
    a = arrays(log)
    codes, _ = C.level_codes(log, ACTIVITY, func)
    ends = np.asarray(a.offsets[1:])
    reached: list[np.ndarray] = []
    opt_n, opt_gaps = [], []
    j = -1  # the last required step so far (its index in the match)
    for code, is_opt in zip(step_codes, opt, strict=True):
        if not is_opt:
            j += 1
            reached.append(cand_case[chosen[j]])
            continue
        nxt = pos[j + 1] if j + 1 < len(pos) else None
        cases, gaps = FM.optional_reach(
            mode, code, codes, a.timestamps_ns, ends, cand_case, chosen[j], pos[j], nxt
        )
        reached.append(cases)
        opt_n.append(len(cases))
        opt_gaps.append(gaps)
    parts.opt_reached = np.asarray(opt_n, dtype=np.int64)
    parts.opt_gaps = opt_gaps
    if by is not None:
        seg_codes, seg_labels = C.level_codes(log, by, func, param="by")
        seg = np.asarray(seg_codes)[a.offsets[:-1]] if a.n_events else np.zeros(0, np.int64)
        parts.seg_labels = [str(x) for x in seg_labels]
        parts.seg_counts = FM.segment_counts(seg, len(seg_labels), reached)
    return parts


def _required_parts(
    log: JourneyLog, match: tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]
) -> PF.FunnelParts:
    """The counts, times and next touchpoints of the required steps from their match."""
    codes, labels = C.level_codes(log, ACTIVITY, "funnel")
    case = case_codes(log)
    ts = event_times(log)
    n = len(codes)
    cand_case, chosen, pos_by_step = match
    K = len(chosen)
    reached = np.asarray([len(c) for c in chosen], dtype=np.int64)
    gaps = [np.zeros(0, dtype=np.int64)]
    for k in range(1, K):
        c = chosen[k]
        gaps.append(ts[pos_by_step[k][c]] - ts[pos_by_step[k - 1][c]])
    dropped = np.zeros(K, dtype=np.int64)
    n_ongoing = np.zeros(K, dtype=np.int64)
    n_ended = np.zeros(K, dtype=np.int64)
    n_else = np.zeros(K, dtype=np.int64)
    nxt: list[np.ndarray] = []
    ongoing_case = np.asarray(arrays(log).ongoing, dtype=bool)
    for k in range(K - 1):
        drop = _dropped(log, cand_case, chosen, k)
        dropped[k] = len(drop)
        dcase = cand_case[drop]
        is_on = ongoing_case[dcase]
        p = pos_by_step[k][drop] + 1
        has_next = p < n
        p = np.where(has_next, p, 0)
        has_next &= case[p] == dcase if n else has_next
        n_ongoing[k] = int(is_on.sum())
        n_ended[k] = int((~is_on & ~has_next).sum())
        went = ~is_on & has_next
        n_else[k] = int(went.sum())
        nxt.append(codes[p[went]])
    nxt.append(np.zeros(0, dtype=np.int64))
    used, next_codes, next_counts = PF.compact_next(nxt, labels)
    return PF.FunnelParts(
        reached=reached,
        dropped=dropped,
        ongoing=n_ongoing,
        ended=n_ended,
        went=n_else,
        gaps=gaps,
        labels=used,
        next_codes=next_codes,
        next_counts=next_counts,
        opt_reached=np.zeros(0, dtype=np.int64),
        opt_gaps=[],
    )


def _reach(
    log: JourneyLog,
    step_codes: list[int],
    mode: str,
    win_ns: int | None,
    func: str,
    *,
    exclude: list[int] | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Funnel matching: the candidates' journeys, per step the chosen candidates (the
    earliest live one of every journey reaching it), and per step each candidate's row
    (in any order: the row completing the step). With ``exclude`` (touchpoint codes),
    the journeys with such an event between their first and last matched rows are
    left out of every step."""
    if mode == "any_order":
        codes, _ = C.level_codes(log, ACTIVITY, func)
        a = arrays(log)
        cand_case, chosen, pos_by_step, low = FM.reach_any_order(
            a.case, codes, a.timestamps_ns, a.n_cases, step_codes, win_ns
        )
    else:
        cand_case, chosen, pos_by_step = _reach_ordered(log, step_codes, mode, win_ns, func)
        low = [pos_by_step[0]] * len(step_codes)
    if exclude:
        codes, _ = C.level_codes(log, ACTIVITY, func)
        excluded = np.isin(codes, np.asarray(exclude, dtype=np.int64))
        chosen = FM.drop_excluded(excluded, log.n_cases, cand_case, chosen, pos_by_step, low)
    return cand_case, chosen, pos_by_step


def _reach_ordered(
    log: JourneyLog, step_codes: list[int], mode: str, win_ns: int | None, func: str
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Ordered matching (``"eventual"`` or ``"direct"``), without exclusions."""
    codes, _ = C.level_codes(log, ACTIVITY, func)
    case = case_codes(log)
    ts = event_times(log)
    n = len(codes)
    K = len(step_codes)
    # candidates: occurrences of step 1 (only the first per journey when no window)
    starts = np.flatnonzero(codes == step_codes[0])
    if mode == "eventual" and win_ns is None and len(starts):
        starts = starts[first_per_group(case[starts])]
    cand_case = case[starts]
    alive = np.ones(len(starts), dtype=bool)
    cur = starts.copy()
    pos_by_step = [cur.copy()]
    alive_by_step = [alive.copy()]
    for k in range(1, K):
        if mode == "eventual":
            occ = np.flatnonzero(codes == step_codes[k])
            idx = np.searchsorted(occ, cur, side="right")
            ok = idx < len(occ)
            nxt = occ[np.minimum(idx, max(len(occ) - 1, 0))] if len(occ) else cur
        else:
            nxt = starts + k
            ok = nxt < n
            nxt = np.where(ok, nxt, 0)
            ok &= codes[nxt] == step_codes[k] if n else ok
        ok &= case[nxt] == cand_case if n else ok
        if win_ns is not None:
            ok &= (ts[nxt] - ts[starts]) <= win_ns
        alive = alive & ok
        cur = np.where(alive, nxt, cur)
        pos_by_step.append(cur.copy())
        alive_by_step.append(alive.copy())

    # per step: the earliest live candidate of every journey that reaches it
    chosen: list[np.ndarray] = []
    for k in range(K):
        idx = np.flatnonzero(alive_by_step[k])
        chosen.append(idx[first_per_group(cand_case[idx])])
    return cand_case, chosen, pos_by_step


def _dropped(
    log: JourneyLog, cand_case: np.ndarray, chosen: list[np.ndarray], k: int
) -> np.ndarray:
    """Positions in ``chosen[k]`` of the journeys that reach step ``k`` but not the next."""
    nxt_cases = np.zeros(log.n_cases, dtype=bool)
    if k + 1 < len(chosen):
        nxt_cases[cand_case[chosen[k + 1]]] = True
    return chosen[k][~nxt_cases[cand_case[chosen[k]]]]


def _step_codes(log: JourneyLog, steps: Any, func: str, param: str = "steps") -> list[int]:
    """Codes of the steps (their types were checked by funnel's declaration)."""
    labels = arrays(log).labels(ACTIVITY, func)
    idx = labels.get_indexer(pd.Index(list(steps), dtype=object))
    if (idx < 0).any():
        missing = [s for s, i in zip(steps, idx, strict=True) if i < 0]
        raise C.not_found_error(param, func, missing, labels)
    return [int(i) for i in idx]


def _optional_steps(
    steps: list[str], optional: str | Sequence[str] | None, mode: str, func: str
) -> list[bool]:
    """Per step, whether it is optional (every step named in ``optional``)."""
    names = C.names(optional)
    if not names:
        return [False] * len(steps)
    unknown = [x for x in names if x not in steps]
    why = ""
    if unknown:
        why = f"names {unknown!r}, which are not steps ({steps!r})"
    elif steps[0] in names:
        why = "names the first step, which every funnel journey must reach"
    elif mode == "direct":
        why = 'cannot be used with mode="direct" (consecutive steps have no room to skip one)'
    if why:
        raise InvalidParameterError(
            f"The 'optional' parameter of {func} must name steps after the first. Got "
            f"{optional!r} instead: it {why}.",
            param="optional",
        )
    return [x in names for x in steps]
