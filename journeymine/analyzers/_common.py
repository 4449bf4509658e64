"""Helpers shared by the analyzers (private): outcomes, contacts, labels, checks.

The numpy kernels (group quantiles, distinct values, ns to timedelta, ...) are in
:mod:`journeymine._kernels`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._kernels import distinct
from .._partitioned import cached, is_partitioned
from .._validation import check_column, near_matches
from ..derive import Goal, arrays, goal_mask
from ..errors import GoalNotFoundError, MissingColumnError
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL, DIRECTION
from ._provenance import KEY as PROVENANCE

__all__: list[str] = []

#: Channels whose inbound events are self-service use, not customer contacts (by default).
SELF_SERVICE: tuple[str, ...] = ("web", "app")

ARROW = " \u2192 "

_HINTS = {
    DIRECTION: (
        "Map it when loading, e.g. jm.from_pandas(df, ..., direction='<column>') with values "
        "inbound/outbound/internal, or give a whole source one value with "
        "labels={'direction': 'inbound'}."
    ),
    "department": (
        "Map it when loading, e.g. jm.from_pandas(df, ..., department='<column>'), or give a "
        "whole source one value with labels={'department': 'support'}."
    ),
    CHANNEL: (
        "Map it when loading, e.g. jm.from_pandas(df, ..., channel='<column>'), or give a "
        "whole source one value with labels={'channel': 'phone'}."
    ),
}


def memo(log: JourneyLog, key: tuple[Any, ...] | None, compute: Callable[[], Any]) -> Any:
    """``compute()``, once per log and ``key``, through the log's one cache.

    The analyzers share results this way: :func:`~journeymine.pain_points` and a
    report ask again for what :func:`~journeymine.handoffs` and the others have
    already computed. ``key`` must name the computation and every setting it depends
    on; a key with a None part (a goal given as a predicate, see :func:`goal_key`)
    computes without caching. See :meth:`JourneyLog._cached` for what is handed out.
    A :class:`~journeymine.PartitionedLog` keeps its merged results the same way.
    """
    if is_partitioned(log):
        return cached(log, key, compute)
    return arrays(log).cached(key, compute)


def goal_key(goal: Any) -> tuple[Any, ...] | None:
    """A cache key for a goal: its names, or None for a predicate (not cached)."""
    if callable(goal):
        return None
    try:
        key = ("goal", goal) if isinstance(goal, str) or goal is None else ("goal", *goal)
        hash(key)
    except TypeError:  # not names: let the analyzer raise its own error
        return None
    return key


def level_codes(
    log: JourneyLog, level: str, func: str, param: str = "level"
) -> tuple[np.ndarray, pd.Index]:
    """Codes and labels of an event column, with a hint for stages."""
    hint = ""
    if level == "stage":
        hint = "Add stages first with jm.map_stages(log, {'stage': ['touchpoint', ...], ...})."
    if not isinstance(level, str) or not arrays(log).has(level):
        check_column(arrays(log).columns, level, param, func, hint=hint)
    return memo(log, ("analyzers.codes", level), lambda: _wide_codes(log, level, func))


def _wide_codes(log: JourneyLog, level: str, func: str) -> tuple[np.ndarray, pd.Index]:
    a = arrays(log)
    codes, labels = a.codes(level, func), a.labels(level, func)
    # once per log and column, read-only (the analyzers share it)
    wide = np.asarray(codes).astype(np.int64)
    wide.flags.writeable = False
    return wide, labels


def require_values(log: JourneyLog, column: str, func: str, why: str) -> np.ndarray:
    """Codes of ``column``; MissingColumnError with a mapping hint if it has no values at all."""
    a = arrays(log)
    present = a.has(column)
    codes = a.codes(column, func) if present else None
    if codes is None or len(codes) == 0 or not (np.asarray(codes) >= 0).any():
        what = "has no values" if present else "is missing"
        raise MissingColumnError(
            f"{func} needs the {column!r} column ({why}), but it {what} in this log. "
            f"{_HINTS.get(column, '')}",
            column=column,
            available=a.columns,
        )
    return np.asarray(codes).astype(np.int64, copy=False)


def has_values(log: JourneyLog, column: str) -> bool:
    """Whether ``column`` exists and has at least one value."""
    return arrays(log).has_values(column)


def direction_codes(log: JourneyLog) -> np.ndarray:
    """0 inbound, 1 outbound, 2 internal, -1 missing (the direction categories are fixed)."""
    return memo(log, ("analyzers.direction",), lambda: _direction_codes(log))


def _direction_codes(log: JourneyLog) -> np.ndarray:
    s = arrays(log).column(DIRECTION)
    cats = [str(c) for c in s.cat.categories]
    codes = s.cat.codes.to_numpy().astype(np.int64)
    lut = np.asarray([("inbound", "outbound", "internal").index(c) for c in cats] + [-1])
    out = lut[codes] if len(codes) else codes
    out.flags.writeable = False  # shared by the analyzers
    return out


def contact_mask(
    log: JourneyLog, self_service: Sequence[str] | None, func: str, why: str
) -> np.ndarray:
    """Inbound events that are customer contacts: inbound and not on a self-service channel."""
    require_values(log, DIRECTION, func, why)
    inbound = direction_codes(log) == 0
    skip = names(self_service)
    a = arrays(log)
    if skip and a.has(CHANNEL):
        codes, labels = a.codes(CHANNEL, func), a.labels(CHANNEL, func)
        lowered = {s.lower() for s in skip}
        bad = np.asarray([str(c).lower() in lowered for c in labels] + [False], dtype=bool)
        inbound &= ~bad[np.asarray(codes)]
    return inbound


def names(value: str | Sequence[str] | None) -> list[str]:
    """A list of names from None, a str or a sequence of str (a ``"channels"`` parameter,
    checked by the public function's declaration)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


@dataclass(frozen=True)
class Outcome:
    """Per-journey goal outcome arrays (in case order)."""

    converted: np.ndarray  # bool: has a goal event
    first_goal: np.ndarray  # row of the first goal event, -1 if none
    last_goal: np.ndarray  # row of the last goal event, -1 if none
    ongoing: np.ndarray  # bool: censored
    known: np.ndarray  # bool: converted, or finished without converting
    mask: np.ndarray  # bool per event: goal event


def outcome(log: JourneyLog, goal: Goal, func: str) -> Outcome:
    """Goal outcome of every journey; GoalNotFoundError (with near matches) for unknown goals."""
    return outcome_of_mask(log, goal_mask(log, goal, func=func))


def outcome_of_mask(log: JourneyLog, mask: np.ndarray) -> Outcome:
    """Goal outcome of every journey from the goal events ``mask`` (one bool per event)."""
    a = arrays(log)
    case = a.case
    n_cases = a.n_cases
    first = np.full(n_cases, -1, dtype=np.int64)
    last = np.full(n_cases, -1, dtype=np.int64)
    hits = np.flatnonzero(mask)
    if len(hits):
        hc = case[hits]
        new = np.r_[True, hc[1:] != hc[:-1]]
        first[hc[new]] = hits[new]
        end = np.r_[hc[1:] != hc[:-1], True]
        last[hc[end]] = hits[end]
    converted = first >= 0
    ongoing = np.asarray(a.ongoing, dtype=bool)
    return Outcome(converted, first, last, ongoing, converted | ~ongoing, mask)


def labels_of(labels: pd.Index, codes: np.ndarray) -> np.ndarray:
    """Label strings for codes (-1 gives None), as an object array."""
    codes = np.asarray(codes, dtype=np.int64)
    out = np.full(len(codes), None, dtype=object)
    ok = codes >= 0
    if len(labels) > 4 * len(codes):
        # few codes into many labels (journey ids): convert only the labels used
        used = distinct(codes[ok])
        out[ok] = _strings(labels[used])[np.searchsorted(used, codes[ok])]
    else:
        out[ok] = _strings(labels)[codes[ok]]
    return out


def _strings(labels: pd.Index) -> np.ndarray:
    """The labels as an object array of Python str."""
    if pd.api.types.is_string_dtype(labels.dtype) and labels.dtype != object:
        # text labels are strings already: no str() per label (1M journey ids: 0.4 s)
        return labels.to_numpy(dtype=object)
    return np.asarray([str(x) for x in labels], dtype=object)


def sort_key(values: Any) -> np.ndarray:
    """Strings for sorting a label column of a result (missing values sort first, as "")."""
    return np.asarray(["" if v is None or v != v else str(v) for v in values], dtype=object)


def last_valued(log: JourneyLog, codes: np.ndarray) -> np.ndarray:
    """Per journey, the code of its last event with a value (-1 if none)."""
    case = arrays(log).case
    out = np.full(log.n_cases, -1, dtype=np.int64)
    pos = np.flatnonzero(codes >= 0)
    if len(pos):
        pc = case[pos]
        end = np.r_[pc[1:] != pc[:-1], True]
        out[pc[end]] = codes[pos[end]]
    return out


# ---------------------------------------------------------------------- partitioned logs
def not_found_error(param: str, func: str, missing: list[str], labels: Any) -> GoalNotFoundError:
    """The error for touchpoint names that never occur (as :func:`goal_mask` words it)."""
    near = near_matches(missing[0], labels)
    hint = f" Did you mean {near[0]!r}?" if near else ""
    return GoalNotFoundError(
        f"The {param!r} parameter of {func} names touchpoints that never occur in the log: "
        f"{missing!r}.{hint} The log has {len(labels)} touchpoints, e.g. "
        f"{[str(x) for x in labels[:8]]!r}."
    )


def goal_names(goal: Goal) -> list[str] | None:
    """The goal's names as a list (None for a predicate), to send to the partitions."""
    if callable(goal):
        return None
    return [goal] if isinstance(goal, str) else list(goal)


def part_goal_mask(log: JourneyLog, goal: Goal, func: str) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`goal_mask` on one partition: names that do not occur in it match nothing.

    Returns the mask and, for names, whether each occurs in this partition (None for a
    predicate); the merge raises for names that occur in no partition.
    """
    names = goal_names(goal)
    if names is None:
        return goal_mask(log, goal, func=func), None
    labels = arrays(log).labels(ACTIVITY, func)
    found = labels.get_indexer(pd.Index(names, dtype=object)) >= 0
    if not found.any():
        return np.zeros(arrays(log).n_events, dtype=bool), found
    present = [n for n, f in zip(names, found, strict=True) if f]
    return goal_mask(log, present, func=func), found


def check_level(columns: Sequence[str], level: Any, func: str, param: str = "level") -> None:
    """The column check of :func:`level_codes` without the data (for a partitioned log)."""
    hint = ""
    if level == "stage":
        hint = "Add stages first with jm.map_stages(log, {'stage': ['touchpoint', ...], ...})."
    check_column(columns, level, param, func, hint=hint)


def stamp_partitioned(table: pd.DataFrame, analysis: str, **params: Any) -> pd.DataFrame:
    """``table`` with the provenance of a result computed on a partitioned log.

    Its ``"log"`` is None: no log in memory stands behind it, so a drill-down with
    :func:`~journeymine.affected_journeys` refuses it (bring the log to memory first).
    """
    out = table.copy(deep=False)
    out.attrs[PROVENANCE] = {"analysis": analysis, "params": params, "log": None}
    return out
