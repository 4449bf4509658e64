"""Customers coming back: repeat contacts across channels, and touchpoints repeated (loops)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._partitioned import is_partitioned
from .._validation import to_timedelta, validate_params, warn
from ..errors import DataQualityWarning
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL, DIRECTION
from . import _common as C
from . import _parts_repeats as R
from ._parts_transfers import check_level, no_values, stamp_any

__all__ = ["repeat_contacts", "loops"]


@validate_params(
    {
        "log": ["log", "partitioned"],
        "window": ["duration"],
        "level": ["column"],
        "self_service": ["channels", None],
        "chains": ["boolean"],
    }
)
def repeat_contacts(
    log: JourneyLog,
    *,
    window: str | pd.Timedelta = "7D",
    level: str = CHANNEL,
    self_service: Sequence[str] | None = C.SELF_SERVICE,
    chains: bool = False,
) -> pd.DataFrame:
    """Customer contacts followed by another contact of the same journey within ``window``.

    A *contact* is an inbound event (customer-initiated) that is not on a self-service
    channel. A contact is *repeated* when the journey's next contact comes within
    ``window`` of it, on any channel: an email, then a chat the next day, then a call.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A :class:`~journeymine.PartitionedLog` gives the same table, computed partition
        by partition.
    window : str or Timedelta, default "7D"
        How soon the next contact must come to count as a repeat.
    level : str, default "channel"
        The column that labels contacts (``"activity"`` for touchpoints,
        ``"department"``, ...). On a log without channel values, ``"channel"`` falls
        back to ``"activity"`` (with a :class:`~journeymine.DataQualityWarning` saying
        so): contacts are then labelled by touchpoint, never as ``None -> None``.
    self_service : list of str or None, default ("web", "app")
        Channels whose inbound events are self-service use, not contacts (matched
        ignoring case); None makes every inbound event a contact.
    chains : bool, default False
        Return one row per chain of repeated contacts (e.g. "email → chat → phone")
        instead of one row per pair.

    Returns
    -------
    pandas.DataFrame
        By default one row per (from, to) pair of ``level`` values with at least one
        repeat, columns:

        ===============  ==============================================================
        from, to         ``level`` of the contact and of the repeat that followed it
                         (missing where the event has no value)
        repeats          contacts on ``from`` followed within ``window`` by the next
                         contact, on ``to``
        journeys         journeys with at least one such repeat
        contacts         all contacts on ``from`` (the denominator of ``share``)
        share            ``repeats / contacts``
        median_interval  median time from the contact to its repeat
        switch           ``from != to`` (the customer changed channel)
        ===============  ==============================================================

        Sorted by ``repeats`` (descending), then names.

        With ``chains=True``, one row per sequence of ``level`` values of a maximal chain
        of contacts each within ``window`` of the one before: ``chain`` (the values
        joined by " → "), ``length`` (contacts), ``chains``, ``journeys`` and
        ``median_span`` (first to last contact); sorted by ``chains``, then ``length``
        (descending), then ``chain``.

    Raises
    ------
    MissingColumnError
        If the log has no ``direction`` values (with how to map them), or ``level`` is
        not a column, or a ``level`` other than ``"channel"`` has no values.

    Warns
    -----
    DataQualityWarning
        If ``level="channel"`` and the log has no channel values: the table is by touchpoint.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b"],
    ...     "tp": ["email us", "chat", "call", "email us"],
    ...     "ch": ["email", "chat", "phone", "email"],
    ...     "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-01"]),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", channel="ch",
    ...                      labels={"direction": "inbound"})
    >>> jm.repeat_contacts(log)[["from", "to", "repeats", "contacts", "share"]]
        from     to  repeats  contacts  share
    0  chat  phone        1         1    1.0
    1  email   chat        1         2    0.5
    >>> jm.repeat_contacts(log, chains=True)[["chain", "length", "chains"]]
                       chain  length  chains
    0  email → chat → phone       3       1
    """
    func = "repeat_contacts"
    if is_partitioned(log):
        table = _partitioned_repeats(log, window, level, self_service, chains, func)
    else:
        table, _ = _repeats(log, window, level, self_service, chains, func)
    params = {"window": window, "level": level, "self_service": self_service, "chains": chains}
    return stamp_any(table, log, func, **params)


def _repeats(
    log: JourneyLog,
    window: str | pd.Timedelta,
    level: str,
    self_service: Sequence[str] | None,
    chains: bool,
    func: str,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The repeat-contact table, and per journey which rows it has (for pain_points)."""
    win = to_timedelta(window, "window", func, allow_none=False)
    skip = tuple(C.names(self_service))
    level = _grouping(log, level, func)
    key = ("analyzers.repeats", win.value, level, skip, bool(chains))
    return C.memo(log, key, lambda: _repeat_tables(log, win, level, list(skip), chains, func))


def _partitioned_repeats(
    log: Any,
    window: str | pd.Timedelta,
    level: str,
    self_service: Sequence[str] | None,
    chains: bool,
    func: str,
) -> pd.DataFrame:
    """The table of a PartitionedLog: the partitions' counts and intervals, merged."""
    win = to_timedelta(window, "window", func, allow_none=False)
    check_level(log, level, func)
    args = (level, C.names(self_service), int(win.value), bool(chains), func)

    def compute() -> tuple[pd.DataFrame, bool]:
        parts = log._map(R.repeat_part, args)
        fallback = False
        if len(log) and not any(p.has_level for p in parts):
            if level != CHANNEL:
                why = f"whose values label the contacts (level={level!r})"
                raise no_values(log, level, func, why)
            fallback = True
        if not any(p.has_direction for p in parts):
            raise no_values(log, DIRECTION, func, "to tell customer contacts apart")
        merged = R.merge_repeat_parts([p.fallback if fallback else p.main for p in parts])
        return R.repeat_table(merged), fallback

    key = ("parts.repeats", int(win.value), level, tuple(args[1]), bool(chains))
    table, fallback = C.memo(log, key, compute)
    if fallback:  # warned at every call, as on a log in memory
        _warn_no_channel(func)
    return table


def _warn_no_channel(func: str) -> None:
    warn(
        f"{func}: the log has no 'channel' values, so contacts are grouped by "
        "touchpoint ('activity') instead. " + C._HINTS[CHANNEL],
        DataQualityWarning,
    )


def _grouping(log: JourneyLog, level: str, func: str) -> str:
    """The column that labels contacts: ``level``, or the touchpoint when ``level`` is the
    channel and the log has none (a ``None -> None`` row would say nothing)."""
    C.level_codes(log, level, func)
    if not len(log) or C.has_values(log, level):
        return level
    if level == CHANNEL:
        _warn_no_channel(func)
        return ACTIVITY
    C.require_values(log, level, func, f"whose values label the contacts (level={level!r})")
    return level


def _repeat_tables(
    log: JourneyLog,
    win: pd.Timedelta,
    level: str,
    self_service: Sequence[str] | None,
    chains: bool,
    func: str,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    codes, labels = C.level_codes(log, level, func)
    contact = C.contact_mask(log, self_service, func, "to tell customer contacts apart")
    cpos, cc, rep, tc = R.contacts(log, contact, win.value)
    b = codes[cpos] + 1  # 0 = missing
    L = len(labels) + 1
    if chains:
        return R.chain_frame(R.chain_groups(cc, rep, b, labels, tc)), {}
    s = R.repeat_pairs(b, L, cc, rep, tc)
    i, uniq, inv = s["i"], s["uniq"], s["inv"]
    P = len(uniq)
    args = (s["n_rep"], s["journeys"], s["contacts"][s["src"]], inv, s["interval"])
    table, order = R.repeat_frame(labels, s["src"], s["dst"], *args)
    row_of = np.empty(P, dtype=np.int64)
    row_of[order] = np.arange(P)
    # journeys "exposed" to each row: with a contact on the row's ``from`` value
    row_from = uniq[order] // L
    by_from = np.argsort(row_from, kind="stable")
    per_from = np.bincount(row_from, minlength=L)
    from_start = np.concatenate([[0], np.cumsum(per_from)[:-1]])
    ukey = K.distinct(cc * L + b, case_major=True) if len(cc) else np.zeros(0, np.int64)
    kc, kf = ukey // L, ukey % L
    n_rep_rows = per_from[kf]
    offset = np.repeat(np.cumsum(n_rep_rows) - n_rep_rows, n_rep_rows)
    within = np.arange(int(n_rep_rows.sum())) - offset
    internals = {
        "case_repeat": cc[i],
        "row_repeat": row_of[inv],
        "case_contact": np.repeat(kc, n_rep_rows),
        "row_contact": by_from[np.repeat(from_start[kf], n_rep_rows) + within],
    }
    return table, internals


@validate_params({"log": ["log", "partitioned"], "level": ["column"]})
def loops(log: JourneyLog, *, level: str = ACTIVITY) -> pd.DataFrame:
    """Touchpoints repeated within a journey: self-loops and returns, and the time they take.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A :class:`~journeymine.PartitionedLog` gives the same table, computed partition
        by partition.
    level : str, default "activity"
        The column to analyse.

    Returns
    -------
    pandas.DataFrame
        One row per touchpoint that some journey visits more than once, columns:

        =================  ===========================================================
        touchpoint         the touchpoint
        journeys           journeys visiting it
        looping_journeys   journeys visiting it more than once
        loop_share         ``looping_journeys / journeys``
        extra_visits       visits beyond the first, over all journeys
        self_loops         of those, visits right after a visit of the same touchpoint
        returns            the others: coming back after something else
        median_extra_time  per looping journey, the time from its first to its last
                           visit of the touchpoint; the median over looping journeys
        total_extra_days   the sum of those times, in days (a float: summed over many
                           journeys it can exceed what a timedelta holds; summed
                           exactly in nanoseconds, then rounded once)
        =================  ===========================================================

        Sorted by ``looping_journeys``, then ``extra_visits`` (descending), then name.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "a", "b"],
    ...     "tp": ["form", "form", "help", "form", "form"],
    ...     "t": pd.date_range("2025-01-01", periods=5, freq="h"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> jm.loops(log)[["touchpoint", "looping_journeys", "self_loops", "returns",
    ...                "median_extra_time"]]
      touchpoint  looping_journeys  self_loops  returns median_extra_time
    0       form                 1           1        1   0 days 03:00:00
    """
    func = "loops"
    if is_partitioned(log):
        check_level(log, level, func)
        table = R.map_loops(log, level, func)
    else:
        table = C.memo(log, ("analyzers.loops", level), lambda: _loop_table(log, level, func))
    return stamp_any(table, log, func, level=level)


def _loop_table(log: JourneyLog, level: str, func: str) -> pd.DataFrame:
    return R.loop_frame(R.loop_part(log, level, func))
