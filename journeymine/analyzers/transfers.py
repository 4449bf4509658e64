"""Handoffs between departments (or channels, agents, ...): delays, ping-pongs, repeat contacts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._partitioned import is_partitioned
from .._validation import Interval, to_timedelta, validate_params, warn
from ..derive import Goal, arrays
from ..errors import DataQualityWarning
from ..log import JourneyLog
from ..schema import DEPARTMENT, DIRECTION
from . import _common as C
from . import _parts_transfers as P

__all__ = ["handoffs"]

#: How soon after a handoff a contact is a repeat contact, when ``window`` is not given.
_DEFAULT_WINDOW = pd.Timedelta("7D")


@validate_params(
    {
        "log": ["log", "partitioned"],
        "level": ["column"],
        "goal": ["goal", "predicate", None],
        "window": ["duration", None],
        "self_service": ["channels", None],
        "min_handoffs": [Interval(int, 1, None)],
    }
)
def handoffs(
    log: JourneyLog,
    *,
    level: str = DEPARTMENT,
    goal: Goal | None = None,
    window: str | pd.Timedelta | None = None,
    self_service: Sequence[str] | None = C.SELF_SERVICE,
    min_handoffs: int = 20,
) -> pd.DataFrame:
    """Per ordered pair (from, to): how often work passes between owners, and what it costs.

    A handoff is a pair of consecutive *owned* events of a journey whose ``level`` values
    differ. Events with a missing ``level`` value are skipped (the handoff goes from the
    last owned event to the next one): a web page with no department between a
    support and a billing event is still a support -> billing handoff, and its delay
    is the time between those two owned events.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A :class:`~journeymine.PartitionedLog` gives the same table, computed partition
        by partition (a predicate ``goal`` must then be a module-level function).
    level : str, default "department"
        The column whose changes are handoffs: ``"department"``, ``"channel"`` (channel
        switches), ``"resource"`` (agent changes) or any other column.
    goal : str, list of str or callable, optional
        With a goal, compare the conversion of journeys with each handoff against
        journeys without it.
    window : str or Timedelta, optional
        How soon after a handoff a customer contact counts as a repeat contact; 7 days
        when omitted. Giving it asks for the repeat-contact columns: on a log without
        ``direction`` values that is warned about (otherwise they are NaN silently).
    self_service : list of str or None, default ("web", "app")
        Channels whose inbound events are self-service use rather than customer
        contacts (matched ignoring case); None counts every inbound event.
    min_handoffs : int, default 20
        Pairs with fewer handoffs are kept but placed after all the others, so a pair
        seen twice never leads the table however costly its two handoffs look.

    Returns
    -------
    pandas.DataFrame
        One row per (from, to) pair with at least one handoff, columns:

        =====================  =========================================================
        from, to               the two owners (``level`` values)
        handoffs               how many handoffs from -> to
        journeys               journeys with at least one
        median_delay           median time between the two events of the handoff
        p90_delay              90th percentile of that time
        customer_hours         ``handoffs x median_delay`` in hours: the time customers'
                               journeys spend across this handoff (the sort key)
        ping_pongs             handoffs from -> to whose next handoff goes straight back
                               (from -> to -> from)
        ping_pong_journeys     journeys with such a ping-pong
        repeat_contacts        handoffs after which the customer contacts the company
                               again within ``window`` (an inbound event after the
                               handoff's second event, not on a self-service channel)
        repeat_contact_share   ``repeat_contacts / handoffs`` ("will I have to repeat
                               myself?"); NaN when the log has no ``direction``
        conversion_with        with ``goal``: conversion of journeys with the handoff
        conversion_without     conversion of the other journeys
        conversion_difference  ``conversion_with - conversion_without``
        difference_low,        95% Newcombe confidence interval of the difference
        difference_high
        ping_pong_conversion   conversion of journeys with a ping-pong on this pair
        ping_pong_difference   ``ping_pong_conversion`` minus the conversion of journeys
                               with this handoff but no ping-pong on it
        conversions_lost       ``journeys x max(0, -conversion_difference)`` plus
                               ``ping_pong_journeys x max(0, -ping_pong_difference)``
                               (journeys with known outcome): conversions the handoff
                               and its ping-pongs are associated with losing
        =====================  =========================================================

        Conversion columns are NaN without ``goal``; rates are over journeys whose
        outcome is known (ongoing journeys that have not converted are left out).
        Sorted by cost: pairs with at least ``min_handoffs`` handoffs first (the smaller
        ones are kept, after them), each part by ``customer_hours`` (how often the
        handoff happens times its median delay, which a few stray months-long gaps do
        not dominate as they would a sum of delays), then ``conversions_lost`` (with a
        goal), then "bad handoffs" (``ping_pongs + repeat_contacts``: bounced back, or the
        customer had to come back), then ``handoffs`` (all descending), then names.
        Ping-pongs and conversion effects are columns to sort by, not the default order:
        :func:`~journeymine.pain_points` weighs them against comparable journeys.

    Raises
    ------
    MissingColumnError
        If ``level`` is not a column or has no values (with how to map it).

    Warns
    -----
    DataQualityWarning
        If ``window`` is given but the log has no ``direction`` values: the
        repeat-contact columns it asks for are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "a"],
    ...     "tp": ["question", "transfer", "transfer back", "call again"],
    ...     "dept": ["support", "billing", "support", "support"],
    ...     "dir": ["inbound", "internal", "internal", "inbound"],
    ...     "t": pd.to_datetime(["2025-01-01 09:00", "2025-01-01 09:10",
    ...                          "2025-01-01 09:30", "2025-01-02 09:00"]),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t",
    ...                      department="dept", direction="dir")
    >>> jm.handoffs(log)[["from", "to", "handoffs", "customer_hours", "ping_pongs"]]
          from       to  handoffs  customer_hours  ping_pongs
    0  billing  support         1        0.333333           0
    1  support  billing         1        0.166667           1
    """
    func = "handoffs"
    win = _DEFAULT_WINDOW if window is None else to_timedelta(window, "window", func)
    if is_partitioned(log):
        table = _partitioned(log, level, goal, win, window, self_service, min_handoffs, func)
    else:
        if window is not None and not C.has_values(log, DIRECTION):
            _warn_no_direction(func)
        table, _ = _handoffs(log, level, goal, win, self_service, func, min_handoffs=min_handoffs)
    return P.stamp_any(
        table,
        log,
        func,
        level=level,
        goal=goal,
        window=window,
        self_service=self_service,
        min_handoffs=min_handoffs,
    )


def _warn_no_direction(func: str) -> None:
    warn(
        f"{func}: the log has no 'direction' values, so repeat contacts after handoffs "
        "cannot be found (repeat_contacts and repeat_contact_share are NaN). "
        + C._HINTS[DIRECTION],
        DataQualityWarning,
    )


def _partitioned(
    log: Any,
    level: str,
    goal: Goal | None,
    win: pd.Timedelta,
    window: Any,
    self_service: Sequence[str] | None,
    min_handoffs: int,
    func: str,
) -> pd.DataFrame:
    """The handoff table of a PartitionedLog: the partitions' counts and delays, merged."""
    P.check_level(log, level, func)
    goals = P.goal_names(goal, func)
    parts = P.map_handoffs(log, level, goals, win, C.names(self_service), func)
    if window is not None and not parts.has_direction:
        _warn_no_direction(func)
    return P.merged_handoffs(log, level, goals, win, C.names(self_service), min_handoffs, func)


def _handoffs(
    log: JourneyLog,
    level: str,
    goal: Goal | None,
    win: pd.Timedelta,
    self_service: Sequence[str] | None,
    func: str,
    *,
    min_handoffs: int = 20,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The handoff table and its parts (for pain_points), once per log and settings.

    ``parts["order"][i]`` is the pair (an index into ``parts["uniq"]``) of row ``i`` of
    the table. Never warns: the caller knows whether the repeat-contact columns (which
    need ``direction``) were asked for.
    """
    C.level_codes(log, level, func)
    codes = C.require_values(
        log, level, func, f"whose values change at a handoff (level={level!r})"
    )
    skip = C.names(self_service)
    has_direction = C.has_values(log, DIRECTION)
    key = ("analyzers.handoffs", level, C.goal_key(goal), win.value, tuple(skip), min_handoffs)
    return C.memo(
        log,
        key,
        lambda: _handoff_results(
            log, level, codes, goal, win, skip, has_direction, func, min_handoffs
        ),
    )


def _handoff_results(
    log: JourneyLog,
    level: str,
    codes: np.ndarray,
    goal: Goal | None,
    win: pd.Timedelta,
    self_service: list[str],
    has_direction: bool,
    func: str,
    min_handoffs: int = 20,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    labels = arrays(log).labels(level, func)
    out = C.outcome(log, goal, func) if goal is not None else None
    h = _handoff_table(log, codes)
    contact = None
    if has_direction:
        contact = C.contact_mask(log, self_service, func, "to find repeat contacts")
    s = P.pair_stats(log, h, max(len(labels), 1), out, contact, win.value)
    table, order = P.handoff_frame(labels, s, s["inv"], h["delay"], min_handoffs)
    parts = {
        "case": h["case"],
        "uniq": s["uniq"],
        "inv": s["inv"],
        "back": s["back"],
        "groups": s["groups"],
        "order": order,
    }
    return table, parts


# the kernels live with the partitioned engine's code; pain_points and others use them
_handoff_table = P.handoff_table
_followed_by = P.followed_by
pair_groups = P.pair_groups
