"""Silent gaps (customers left waiting) and unanswered contacts.

The baseline of "normal" must hold up when silence is common. If a third of all
complaint tickets wait two weeks for a reply while the rest are answered within
hours, a high quantile of the transition's own gaps would call the two-week waits
normal, and so would the median once half of them wait. :func:`silent_gaps`
therefore learns, per transition, the *typical non-silent gap*: it starts at the
25th percentile (which lies inside the answered cluster as long as fewer than
three quarters of the gaps are silent) and then takes, three times over, the median
of the gaps at or below the current cut-off ``max(factor x typical, floor)``; that
fixed point is the median of the answered cluster whether 0%, a third or half of
the gaps are silent, because the silent gaps above the cut-off never enter it.
A step on a timer (``baseline == "scheduled"``) and a wait the user sets
(``"set"``) take precedence; :mod:`journeymine.analyzers._baselines` estimates them.

Whose turn a gap is comes from :func:`_turns`: the direction of the last inbound or
outbound event of the journey, carried forward (one forward fill, no loop).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._partitioned import is_partitioned
from .._stats import rate
from .._validation import Interval, near_matches, to_timedelta, validate_params
from ..derive import arrays, case_codes, event_times, transitions
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY
from . import _common as C
from . import _parts_gaps as P
from . import _parts_unanswered as U
from ._provenance import stamp

__all__ = ["silent_gaps", "silent_gaps_summary", "unanswered"]

#: What silent_gaps and silent_gaps_summary accept (``baselines`` is checked against the log).
_SILENT_PARAMS = {
    "log": ["log", "partitioned"],
    "threshold": ["duration", None],
    "factor": [Interval(float, 1.0, None, closed="right")],
    "floor": ["duration_or_zero", None],
    "min_gaps": [Interval(int, 1, None)],
    "level": ["column"],
}


@validate_params(_SILENT_PARAMS)
def silent_gaps(
    log: JourneyLog,
    *,
    threshold: str | pd.Timedelta | None = None,
    factor: float = 7.0,
    floor: str | pd.Timedelta = "1D",
    min_gaps: int = 20,
    level: str = ACTIVITY,
    baselines: Sequence[Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Every abnormally long gap between consecutive events of a journey, and whose turn it was.

    A gap is *silent* when it is longer than ``max(factor x expected_gap, floor)``, where
    ``expected_gap`` is the typical gap of its transition (``from -> to``) learnt from
    the data, or, with ``threshold``, simply longer than ``threshold``.

    **The baseline.** ``expected_gap`` is the median of the transition's *non-silent*
    gaps, found by a fixed-point iteration: start from the 25th percentile of the
    transition's gaps, set the cut-off to ``max(factor x typical, floor)``, take as the
    new typical gap the median of the gaps at or below the cut-off, and repeat (three
    rounds). A high quantile would call common silence normal, and even the median
    fails once half of the gaps are silent; this estimate stays inside the main
    (answered) cluster as long as fewer than three quarters of the gaps are silent,
    and converges to that cluster's median whether none, a third or half of the gaps
    are silent. ``factor`` then says how many times longer than usual counts as
    abnormal; for lognormal waits with spread 0.8 (log-sd) fewer than 1% of ordinary
    gaps exceed 7 times their median. ``floor`` keeps short gaps from ever being
    silent (3 minutes against a usual 10 seconds is not silence). A transition with
    fewer than ``min_gaps`` gaps is too rare to learn from: it gets the baseline of all
    gaps of the log (the global fallback; ``baseline`` says which was used).

    **Scheduled steps.** A step that runs on a timer (an automatic close 7 days after
    the resolution, a weekly batch, a reminder after 48 hours) is judged against its
    own schedule instead: when at least half of a transition's gaps (and at least
    ``min_gaps`` in all) lie in one narrow window ``[v, 1.2 v]`` at or above ``floor``,
    ``expected_gap`` is the median of the gaps in the densest such window and
    ``baseline`` is ``"scheduled"``. Human waits are never that tight (a lognormal wait
    with log-spread 0.8 puts at most 9% of its gaps in such a window, one with 0.2 at
    most 36%), a timer puts nearly all its gaps there; the quick share of the step
    (cases closed by hand) does not hide it, as windows below ``floor`` are ignored.

    **Your own baselines.** ``baselines`` sets the usual wait of named transitions
    (``baseline`` is ``"set"``); it wins over the estimates above.

    **Whose turn.** The turn is a state of the journey: an inbound event (customer to
    company) hands it to the company, an outbound one to the customer, and internal or
    unclassified events leave it as it was; before the first inbound or outbound event
    of a journey it is unknown. A gap's ``waiting_on`` is the turn in force after the
    event before it. Without a ``direction`` column, set one by rules with
    :func:`~journeymine.classify_direction` (e.g. ``rules="process"``).

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A PartitionedLog (:func:`~journeymine.partition`, :func:`~journeymine.scan_parquet`)
        gives the same rows, in two passes over its partitions: every transition's
        gaps for the baselines, then each partition's silent gaps.
    threshold : str or Timedelta, optional
        An absolute limit, e.g. ``"14D"``: every longer gap is silent (the learnt
        ``expected_gap`` is still reported).
    factor : float, default 7.0
        How many times the expected gap a silent gap lasts at least (> 1).
    floor : str or Timedelta, default "1D"
        Gaps no longer than this are never silent.
    min_gaps : int, default 20
        Fewest gaps of a transition for it to get its own baseline.
    level : str, default "activity"
        The column naming the two ends of a transition.
    baselines : list of dict, optional
        The usual wait of transitions you know, e.g.
        ``[{"from": "Resolved", "to": "Closed", "wait": "7D"}]``: each a mapping with
        exactly the keys ``from`` and ``to`` (``level`` values of the log; an unknown
        name is an error) and ``wait`` (a duration). The transition's cut-off is then
        ``max(factor x wait, floor)``.

    Returns
    -------
    pandas.DataFrame
        One row per silent gap, columns:

        ==============  ==============================================================
        case_id         the journey
        from_activity   touchpoint (``level`` value) before the gap
        to_activity     touchpoint after it
        start, end      times of the two events
        gap             ``end - start``
        expected_gap    the transition's usual gap (see ``baseline``)
        threshold       the cut-off the gap exceeded
        ratio           ``gap / expected_gap`` (NaN when that is 0)
        waiting_on      whose turn it was: ``"company"`` (the last inbound-or-outbound
                        event before the gap was inbound: the customer was left
                        waiting), ``"customer"`` (it was outbound), else ``"unknown"``
        baseline        where ``expected_gap`` comes from: ``"transition"`` (its
                        typical non-silent gap), ``"global"`` (too rare: all gaps'),
                        ``"scheduled"`` (its schedule), ``"set"`` (``baselines``);
                        ``"threshold"`` for every row with ``threshold``
        ==============  ==============================================================

        Sorted by the transition's rank in :func:`silent_gaps_summary`, then longest
        gap first, then journey.

    See Also
    --------
    silent_gaps_summary : The same gaps, counted per transition.
    unanswered : Journeys that end on a customer contact nobody answered.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> rows = []
    >>> for i in range(6):  # six tickets; the replies to two of them take two weeks
    ...     wait = pd.Timedelta("14D") if i < 2 else pd.Timedelta(hours=2 + i)
    ...     t0 = pd.Timestamp("2025-01-01") + pd.Timedelta(days=i)
    ...     rows += [(f"c{i}", "ticket", t0, "inbound"), (f"c{i}", "reply", t0 + wait, "outbound")]
    >>> df = pd.DataFrame(rows, columns=["c", "tp", "t", "dir"])
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", direction="dir")
    >>> jm.silent_gaps(log, min_gaps=5)[["case_id", "gap", "expected_gap", "waiting_on"]]
      case_id     gap    expected_gap waiting_on
    0      c0 14 days 0 days 05:30:00    company
    1      c1 14 days 0 days 05:30:00    company
    """
    gaps, _, _ = _silent(
        log, threshold, factor, floor, min_gaps, level, "silent_gaps", baselines=baselines
    )
    return gaps


@validate_params(_SILENT_PARAMS)
def silent_gaps_summary(
    log: JourneyLog,
    *,
    threshold: str | pd.Timedelta | None = None,
    factor: float = 7.0,
    floor: str | pd.Timedelta = "1D",
    min_gaps: int = 20,
    level: str = ACTIVITY,
    baselines: Sequence[Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Silent gaps counted per transition: how often, how long, and whose turn it was.

    Parameters are those of :func:`silent_gaps`.

    Returns
    -------
    pandas.DataFrame
        One row per transition with at least one silent gap, columns:

        ====================  ========================================================
        from_activity,        the transition
        to_activity
        gaps                  gaps observed on it
        silent                silent gaps
        share                 ``silent / gaps``
        share_low,            95% Wilson interval of ``share``
        share_high
        journeys              journeys with at least one silent gap on it
        expected_gap          the usual gap (see ``baseline``)
        threshold             the cut-off
        median_gap            median of all its gaps
        median_silent_gap     median of its silent gaps
        waiting_on_company    silent gaps in the company's turn (see silent_gaps)
        waiting_on_customer   silent gaps in the customer's turn
        waiting_on_unknown    the others
        hours_lost            the time its silent gaps cost customers, in hours: the
                              sum of ``gap - expected_gap`` over its silent gaps that
                              were not the customer's turn (company or unknown)
        baseline              ``"transition"``, ``"global"``, ``"scheduled"``,
                              ``"set"`` or ``"threshold"`` (see :func:`silent_gaps`)
        ====================  ========================================================

        Sorted by ``hours_lost`` (descending): the waits that cost customers most time
        come first, and a wait on the customer (after an outbound event: the company
        has answered) counts for nothing. Ties by ``share_low`` (the share, discounted
        for small counts), then ``silent`` (both descending), then names.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> rows = []
    >>> for i in range(6):
    ...     wait = pd.Timedelta("14D") if i < 2 else pd.Timedelta(hours=2 + i)
    ...     t0 = pd.Timestamp("2025-01-01") + pd.Timedelta(days=i)
    ...     rows += [(f"c{i}", "ticket", t0, "inbound"), (f"c{i}", "reply", t0 + wait, "outbound")]
    >>> df = pd.DataFrame(rows, columns=["c", "tp", "t", "dir"])
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", direction="dir")
    >>> s = jm.silent_gaps_summary(log, min_gaps=5)
    >>> s[["from_activity", "to_activity", "gaps", "silent", "waiting_on_company"]]
      from_activity to_activity  gaps  silent  waiting_on_company
    0        ticket       reply     6       2                   2
    """
    func = "silent_gaps_summary"
    _, summary, _ = _silent(
        log, threshold, factor, floor, min_gaps, level, func, baselines=baselines
    )
    params = {"threshold": threshold, "factor": factor, "floor": floor, "min_gaps": min_gaps}
    params.update(level=level, baselines=baselines)
    if is_partitioned(log):  # no journeys to find in memory: affected_journeys refuses it
        return C.stamp_partitioned(summary, func, **params)
    return stamp(summary, log, func, **params)


def _silent(
    log: JourneyLog,
    threshold: Any,
    factor: Any,
    floor: Any,
    min_gaps: Any,
    level: str,
    func: str,
    baselines: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    """Silent gaps, their summary, and per journey which summary rows it has (for pain_points).

    The parameters were checked by the caller's declaration (:data:`_SILENT_PARAMS`).
    On a PartitionedLog the third (positions in one log's transitions) is empty.
    """
    thr = to_timedelta(threshold, "threshold", func)
    flo = to_timedelta(floor, "floor", func, allow_none=True, positive=False) or pd.Timedelta(0)
    if is_partitioned(log):
        C.check_level(log.columns, level, func)
        # their form, before any partition is read
        waits = _baseline_waits(baselines, None, level, func)
        settings = (thr, float(factor), flo, int(min_gaps))
        key = ("parts.silent", *_settings_key(settings), level, tuple(sorted(waits.items())))
        gaps, summary = C.memo(
            log, key, lambda: _partitioned_silent(log, settings, level, func, baselines)
        )
        return gaps, summary, {}
    C.level_codes(log, level, func)  # a missing level column is an error before the cache
    fixed = _check_baselines(log, baselines, level, func)
    # silent_gaps, silent_gaps_summary and pain_points all need this: compute it once per
    # log and settings (the log is immutable; callers get copy-on-write views)
    key = (
        "analyzers.silent",
        "baselines" if thr is None else thr.value,
        float(factor),
        flo.value,
        int(min_gaps),
        level,
        tuple(sorted(fixed.items())),
    )
    return C.memo(
        log,
        key,
        lambda: _silent_tables(log, thr, float(factor), flo, int(min_gaps), level, func, fixed),
    )


def _check_baselines(
    log: JourneyLog, baselines: Any, level: str, func: str
) -> dict[tuple[str, str], int]:
    """``{(from, to): wait in ns}`` from ``[{"from": ..., "to": ..., "wait": ...}, ...]``."""
    return _baseline_waits(
        baselines, lambda: {str(x) for x in C.level_codes(log, level, func)[1]}, level, func
    )


def _baseline_waits(
    baselines: Any, names_of: Callable[[], set[str]] | None, level: str, func: str
) -> dict[tuple[str, str], int]:
    """:func:`_check_baselines` given the ``level`` values (``names_of()``; None: any name)."""
    if baselines is None:
        return {}
    what = (
        "a list of {'from': touchpoint, 'to': touchpoint, 'wait': duration} mappings, e.g. "
        "[{'from': 'Resolved', 'to': 'Closed', 'wait': '7D'}]"
    )
    if isinstance(baselines, Mapping | str) or not isinstance(baselines, Sequence):
        raise InvalidParameterError(
            f"The 'baselines' parameter of {func} must be {what}. Got {baselines!r} instead."
        )
    out: dict[tuple[str, str], int] = {}
    names = names_of() if names_of is not None else None
    unknown: list[str] = []
    for i, item in enumerate(baselines):
        keys = set(item) if isinstance(item, Mapping) else set()
        if keys != {"from", "to", "wait"} or not all(
            isinstance(item[k], str) for k in ("from", "to")
        ):
            raise InvalidParameterError(
                f"The 'baselines' parameter of {func} must be {what}. "
                f"Got {item!r} at index {i} instead."
            )
        wait = to_timedelta(item["wait"], f"baselines[{i}].wait", func)
        pair = (item["from"], item["to"])
        if pair in out:
            raise InvalidParameterError(
                f"The 'baselines' parameter of {func} must give each transition once. "
                f"Got {pair[0]!r} -> {pair[1]!r} twice (index {i})."
            )
        if names is not None:
            unknown += [n for n in pair if n not in names and n not in unknown]
        assert wait is not None
        out[pair] = int(wait.value)
    if unknown and names is not None:
        hints = [
            f"{n!r} (did you mean {near_matches(n, names)[0]!r}?)"
            if near_matches(n, names)
            else repr(n)
            for n in unknown
        ]
        raise InvalidParameterError(
            f"The 'baselines' parameter of {func} must name {level} values of the log. "
            f"Got unknown {', '.join(hints)} instead."
        )
    return out


def _silent_tables(
    log: JourneyLog,
    thr: pd.Timedelta | None,
    factor: float,
    flo: pd.Timedelta,
    min_gaps: int,
    level: str,
    func: str,
    fixed: dict[tuple[str, str], int],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray]]:
    codes, labels = C.level_codes(log, level, func)
    tr = transitions(log, level)
    src = tr["source"].cat.codes.to_numpy().astype(np.int64)
    dst = tr["target"].cat.codes.to_numpy().astype(np.int64)
    gap = tr["gap"].to_numpy().view(np.int64)
    pos = tr["position"].to_numpy()
    L = len(labels) + 1  # +1: missing values (-1) get their own slot
    pair = (src + 1) * L + (dst + 1)
    uniq, inv = K.distinct_inverse(pair)
    settings = (thr, factor, flo, min_gaps)
    pb = P.pair_baselines(labels, uniq, L, inv, gap, settings, fixed)
    silent = gap > pb.cut[inv]
    # whose turn it is during each gap: the turn in force after the event before it
    waiting = P.turns(log)[pos]
    excess = np.where(silent, gap - np.nan_to_num(pb.expected[inv]), 0.0)
    case = case_codes(log)
    sil_idx = np.flatnonzero(silent)
    sil_pos = pos[sil_idx]
    ts = event_times(log)
    rows = P.SilentRows(
        inv=inv[sil_idx],
        gap=gap[sil_idx],
        waiting=waiting[sil_idx],
        case=case[sil_pos],
        ts=ts[sil_pos],
    )
    arr = arrays(log)
    stamps = arr.column("timestamp")

    def fetch(order: np.ndarray) -> tuple[Any, pd.Series, pd.Series]:
        at = sil_pos[order]
        return (
            C.labels_of(arr.case_ids, case[at]),
            stamps.iloc[at].reset_index(drop=True),
            stamps.iloc[at + 1].reset_index(drop=True),
        )

    gaps, summary, _, row_of = P.silent_tables(pb, rows, fetch)
    tr_case = case[pos]
    internals = {
        "case_transition": tr_case,
        "row_transition": row_of[inv],
        "case_silent": tr_case[sil_idx],
        "row_silent": row_of[inv[sil_idx]],
        # per transition: how much longer than expected a silent gap lasted (0 otherwise)
        "excess_transition": excess,
        # per transition: 0 the company's turn, 1 the customer's, 2 unknown
        "turn_transition": waiting.astype(np.int8),
    }
    return gaps, summary, internals


def _partitioned_silent(
    log: Any,
    settings: tuple[pd.Timedelta | None, float, pd.Timedelta, int],
    level: str,
    func: str,
    baselines: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Silent gaps and their summary on a PartitionedLog: two passes over its partitions.

    The first gathers every transition's gaps (their baselines need all of them), the
    second each partition's silent gaps given the baselines; see
    :mod:`journeymine.analyzers._parts_gaps`.
    """
    labels, uniq, pb = partitioned_baselines(log, settings, level, func, baselines)
    by_id = log.engine != "memory"  # partitions by a hash of the journey: order by id
    parts = log._map(P.silent_part, (level, func, labels, uniq, pb.cut, by_id))
    rows = P.merge_silent_rows(parts, by_id)
    gaps, summary, _, _ = P.silent_tables(pb, rows, P.taken(rows))
    return gaps, summary


def partitioned_baselines(
    log: Any,
    settings: tuple[pd.Timedelta | None, float, pd.Timedelta, int],
    level: str,
    func: str,
    baselines: Any,
) -> tuple[list[str], np.ndarray, P.PairBaselines]:
    """The labels, transitions and baselines of a PartitionedLog's silent gaps: the
    first pass over its partitions (every transition's gaps), once per log and settings
    (silent_gaps, silent_gaps_summary and pain_points share it)."""

    def compute() -> tuple[list[str], np.ndarray, P.PairBaselines]:
        labels, uniq, L, n, gap = P.merge_gap_values(log._map(P.gap_values, (level, func)))
        fixed = _baseline_waits(baselines, lambda: set(labels), level, func)
        pb = P.pair_baselines(labels, uniq, L, None, gap, settings, fixed, counts=n)
        return labels, uniq, pb

    waits = _baseline_waits(baselines, None, level, func)
    key = ("parts.baselines", *_settings_key(settings), level, tuple(sorted(waits.items())))
    labels, uniq, pb = C.memo(log, key, compute)
    return list(labels), uniq, pb


def partitioned_answers(
    log: Any, skip: list[str], func: str
) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """Per touchpoint of a PartitionedLog its response rate and answered contacts, and
    the end of observation: a pass over its partitions, once per log and ``skip``
    (unanswered and pain_points share it)."""

    def compute() -> tuple[list[str], np.ndarray, np.ndarray, int]:
        parts = log._map(U.answer_part, (list(skip), func))
        return U.merge_answers(parts, func, log.columns)

    labels, resp, n_ans, obs_ns = C.memo(log, ("parts.answers", tuple(skip)), compute)
    return list(labels), resp, n_ans, obs_ns


def _settings_key(settings: tuple[pd.Timedelta | None, float, pd.Timedelta, int]) -> tuple:
    thr, factor, flo, min_gaps = settings
    return ("baselines" if thr is None else thr.value, float(factor), flo.value, int(min_gaps))


@validate_params(
    {
        "log": ["log", "partitioned"],
        "min_response_rate": [Interval(float, 0.0, 1.0)],
        "self_service": ["channels", None],
    }
)
def unanswered(
    log: JourneyLog,
    *,
    min_response_rate: float = 0.5,
    self_service: str | list[str] | tuple[str, ...] | None = C.SELF_SERVICE,
) -> pd.DataFrame:
    """Journeys whose last customer contact got no answer.

    A *customer contact* is an inbound event that is not on a self-service channel
    (a page view on the web expects no answer). A contact is *answered* when the next
    contact-or-outbound event of its journey (internal and self-service events are
    skipped) is outbound. A journey is unanswered when its last contact-or-outbound
    event is a contact and that touchpoint is normally answered: at least ``min_response_rate`` of its inbound events get an answer
    (so a journey that simply ends on a web page view is not a finding, but one that
    ends on a support ticket nobody replied to is). Ongoing journeys are flagged:
    their customer may simply still be waiting.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A PartitionedLog gives the same rows, in two passes over its partitions
        (the response rates and the end of observation, then the journeys).
    min_response_rate : float, default 0.5
        How often a touchpoint must normally be answered for silence after it to
        count, in [0, 1].
    self_service : list of str or None, default ("web", "app")
        Channels whose inbound events are self-service use, not contacts (matched
        ignoring case); None makes every inbound event a contact.

    Returns
    -------
    pandas.DataFrame
        One row per unanswered journey, columns:

        ==============  ==============================================================
        case_id         the journey
        activity        the unanswered touchpoint
        channel,        its channel and department
        department
        at              when the customer reached out
        events_after    internal events that followed it in the journey
        waited          from ``at`` to the end of the observation (``log.observation_end``,
                        else the last event of the log)
        ongoing         the journey is still ongoing (it may yet be answered)
        response_rate   how often this touchpoint is answered elsewhere in the log
        ==============  ==============================================================

        Finished journeys first, then longest wait, then journey.

    Raises
    ------
    MissingColumnError
        If the log has no ``direction`` values (with how to map them).

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "b", "b", "c"],
    ...     "tp": ["ticket", "reply", "ticket", "reply", "ticket"],
    ...     "dir": ["inbound", "outbound", "inbound", "outbound", "inbound"],
    ...     "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04",
    ...                          "2025-01-05"]),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", direction="dir")
    >>> jm.unanswered(log)[["case_id", "activity", "waited", "response_rate"]]
      case_id activity waited  response_rate
    0       c   ticket 0 days       0.666667
    """
    return _unanswered(log, min_response_rate, "unanswered", self_service)[0]


def _unanswered(
    log: JourneyLog,
    min_response_rate: float,
    func: str,
    self_service: str | list[str] | tuple[str, ...] | None = C.SELF_SERVICE,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The unanswered table and the row in ``log.events`` of each finding.

    On a PartitionedLog, two passes: the response rates and the end of observation
    over all journeys, then each partition's unanswered journeys (no rows: they are
    positions in one log).
    """
    skip = tuple(C.names(self_service))
    key = ("analyzers.unanswered", float(min_response_rate), skip)
    if is_partitioned(log):

        def compute() -> pd.DataFrame:
            labels, resp, n_ans, obs_ns = partitioned_answers(log, list(skip), func)
            by_id = log.engine != "memory"  # partitions by a hash of the journey: order by id
            more = (labels, resp, n_ans, float(min_response_rate), obs_ns, by_id)
            parts = log._map(U.unanswered_part, (list(skip), func, *more))
            return U.merge_unanswered(parts, by_id)

        return C.memo(log, key, compute), np.zeros(0, dtype=np.int64)
    return C.memo(log, key, lambda: _unanswered_table(log, min_response_rate, list(skip), func))


def _unanswered_table(
    log: JourneyLog, min_response_rate: float, self_service: list[str], func: str
) -> tuple[pd.DataFrame, np.ndarray]:
    dirs = U.directed(log, self_service, func)
    n_in, n_ans = U.answer_counts(dirs)
    resp = rate(n_ans, n_in)
    rows, hcase, after, waited, on = U.unanswered_hits(
        log, dirs, resp, n_ans, min_response_rate, U.observation_ns(log)
    )
    order = np.lexsort((hcase, -waited, on))
    rows, hcase, after, waited, on = (
        rows[order],
        hcase[order],
        after[order],
        waited[order],
        on[order],
    )
    cols = U.unanswered_columns(log, rows, hcase, resp, func)
    return U.unanswered_frame(cols, after, waited, on), rows
