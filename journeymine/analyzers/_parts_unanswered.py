"""Unanswered contacts in parts (private): one log's, or a partitioned log's.

:func:`~journeymine.unanswered` needs the response rate of every touchpoint over all
journeys and the end of observation: on a :class:`~journeymine.PartitionedLog` a first
pass counts each partition's answered contacts per touchpoint (:func:`answer_part`,
merged by label in :func:`merge_answers`), a second picks each partition's unanswered
journeys given those (:func:`unanswered_part`), and :func:`merge_unanswered` orders
them as on the whole log (journeys in log order, see
:func:`~journeymine.analyzers._parts_gaps.journey_keys`). One log's table is built
from the same pieces (:func:`directed`, :func:`answer_counts`, :func:`unanswered_hits`,
:func:`unanswered_columns`, :func:`unanswered_frame`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._partitioned import journey_keys, numeric_ids
from .._stats import rate
from ..derive import arrays, case_codes, event_times
from ..errors import MissingColumnError
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL, DEPARTMENT, DIRECTION
from . import _common as C
from ._parts_gaps import codes_in, ordered_union

__all__: list[str] = []


@dataclass
class Directed:
    """The contacts and answers of a log (see :func:`directed`)."""

    directed: np.ndarray  # event positions of the contacts and outbound events
    case: np.ndarray  # their journeys
    last: np.ndarray  # the last of its journey
    answered: np.ndarray  # the next one of its journey is outbound
    inbound: np.ndarray  # a contact
    acts: np.ndarray  # its activity code
    decided: np.ndarray  # an inbound event whose fate is known
    n_labels: int


def directed(log: JourneyLog, self_service: list[str], func: str) -> Directed:
    """Contacts and answers; internal events and self-service use are skipped."""
    contact = C.contact_mask(log, self_service, func, "to tell customer contacts from answers")
    d = C.direction_codes(log)
    case = case_codes(log)
    codes, labels = C.level_codes(log, ACTIVITY, func)
    ev = np.flatnonzero(contact | (d == 1))
    dc = case[ev]
    last_dir = np.r_[dc[1:] != dc[:-1], True] if len(dc) else np.zeros(0, bool)
    nxt_out = np.zeros(len(ev), dtype=bool)
    if len(ev) > 1:
        nxt_out[:-1] = ~last_dir[:-1] & (d[ev[1:]] == 1)
    inbound = d[ev] == 0
    ongoing = np.asarray(arrays(log).ongoing, dtype=bool)
    # response rate per touchpoint over inbound events whose fate is known
    decided = inbound & (~last_dir | ~ongoing[dc])
    return Directed(ev, dc, last_dir, nxt_out, inbound, codes[ev], decided, len(labels))


def answer_counts(dirs: Directed) -> tuple[np.ndarray, np.ndarray]:
    """Per touchpoint: decided inbound events, and how many of them were answered."""
    n_in = np.bincount(dirs.acts[dirs.decided], minlength=dirs.n_labels)
    n_ans = np.bincount(dirs.acts[dirs.decided & dirs.answered], minlength=dirs.n_labels)
    return n_in, n_ans


def unanswered_hits(
    log: JourneyLog,
    dirs: Directed,
    resp: np.ndarray,
    n_ans: np.ndarray,
    min_response_rate: float,
    obs_ns: int,
) -> tuple[np.ndarray, ...]:
    """The unanswered contacts (event rows), their journeys, events after, waits, ongoing."""
    resp_all = np.where(np.isnan(resp), 0.0, resp)
    acts = dirs.acts
    hit = dirs.last & dirs.inbound & (resp_all[acts] >= min_response_rate) & (n_ans[acts] > 0)
    rows = dirs.directed[hit]
    arr = arrays(log)
    hcase = case_codes(log)[rows]
    after = arr.offsets[hcase + 1] - 1 - rows
    waited = obs_ns - event_times(log)[rows]
    on = np.asarray(arr.ongoing, dtype=bool)[hcase]
    return rows, hcase, after, waited, on


def observation_ns(log: JourneyLog) -> int:
    """The end of observation (ns): ``log.observation_end``, else its last event (0 if none)."""
    arr = arrays(log)
    obs = log.observation_end if log.observation_end is not None else arr.column("timestamp").max()
    return pd.Timestamp(obs).value if arr.n_events else 0


def unanswered_columns(
    log: JourneyLog,
    rows: np.ndarray,
    hcase: np.ndarray,
    rate_of: np.ndarray,
    func: str,
) -> dict[str, Any]:
    """The columns of ``log`` the unanswered table shows for the contacts at ``rows``."""
    arr = arrays(log)
    codes, labels = C.level_codes(log, ACTIVITY, func)

    def lab(col: str) -> np.ndarray:
        if not arr.has(col):
            return np.full(len(rows), None, dtype=object)
        c, lb = arr.codes(col, func), arr.labels(col, func)
        return C.labels_of(lb, np.asarray(c)[rows])

    return {
        "case_id": C.labels_of(arr.case_ids, hcase),
        "activity": C.labels_of(labels, codes[rows]),
        "channel": lab(CHANNEL),
        "department": lab(DEPARTMENT),
        "at": arr.column("timestamp").iloc[rows].reset_index(drop=True),
        "response_rate": rate_of[codes[rows]],
    }


def unanswered_frame(cols: dict[str, Any], after: Any, waited: Any, on: Any) -> pd.DataFrame:
    """The unanswered table from its columns (rows in their final order)."""
    return pd.DataFrame(
        {
            "case_id": cols["case_id"],
            "activity": cols["activity"],
            "channel": cols["channel"],
            "department": cols["department"],
            "at": cols["at"],
            "events_after": after.astype(np.int64),
            "waited": pd.Series(waited.astype(np.int64).view("m8[ns]")),
            "ongoing": on,
            "response_rate": cols["response_rate"],
        }
    )


@dataclass
class AnswerCounts:
    """A partition's answered contacts per touchpoint (``labels``), whether it has
    direction values, its last event (ns, None without events) and end of observation."""

    labels: list[str]
    n_in: np.ndarray
    n_ans: np.ndarray
    has_direction: bool
    last_ns: int | None
    observation_end: pd.Timestamp | None


def answer_part(log: JourneyLog, self_service: list[str], func: str) -> AnswerCounts:
    """First pass of ``unanswered`` on a partition."""
    _, labels = C.level_codes(log, ACTIVITY, func)
    has = C.has_values(log, DIRECTION)
    if has:
        n_in, n_ans = answer_counts(directed(log, self_service, func))
    else:
        n_in = n_ans = np.zeros(len(labels), dtype=np.int64)
    last = observation_ns(log) if len(log) and log.observation_end is None else None
    return AnswerCounts(
        [str(x) for x in labels], n_in, n_ans, has, last, arrays(log).observation_end
    )


def merge_answers(
    parts: list[AnswerCounts], func: str, columns: list[str]
) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """United touchpoints with their response rates and answers, and the end of observation.

    Raises the error of :func:`~journeymine.analyzers._common.require_values` when no
    partition has a direction value.
    """
    if not any(p.has_direction for p in parts):
        what = "has no values" if DIRECTION in columns else "is missing"
        raise MissingColumnError(
            f"{func} needs the {DIRECTION!r} column (to tell customer contacts from answers), "
            f"but it {what} in this log. {C._HINTS.get(DIRECTION, '')}",
            column=DIRECTION,
            available=columns,
        )
    labels, maps = ordered_union([p.labels for p in parts])
    n_in = np.zeros(len(labels), dtype=np.int64)
    n_ans = np.zeros(len(labels), dtype=np.int64)
    for m, p in zip(maps, parts, strict=True):
        np.add.at(n_in, m, p.n_in)
        np.add.at(n_ans, m, p.n_ans)
    ends = [p.observation_end for p in parts if p.observation_end is not None]
    if ends:
        obs_ns = pd.Timestamp(max(ends)).value
    else:
        lasts = [p.last_ns for p in parts if p.last_ns is not None]
        obs_ns = max(lasts) if lasts else 0
    return labels, rate(n_ans, n_in), n_ans, int(obs_ns)


@dataclass
class UnansweredRows:
    """A partition's unanswered contacts (unsorted): their columns and sort keys."""

    cols: dict[str, Any]
    case: np.ndarray
    after: np.ndarray
    waited: np.ndarray
    on: np.ndarray
    n_cases: int
    numeric: bool


def unanswered_part(
    log: JourneyLog,
    self_service: list[str],
    func: str,
    labels: list[str],
    resp: np.ndarray,
    n_ans: np.ndarray,
    min_response_rate: float,
    obs_ns: int,
    by_id: bool,
) -> UnansweredRows:
    """Second pass of ``unanswered`` on a partition, given the united response rates
    (``by_id``: as in :func:`silent_part`)."""
    _, own = C.level_codes(log, ACTIVITY, func)
    lut = codes_in(own, labels)[:-1]
    if C.has_values(log, DIRECTION):
        dirs = directed(log, self_service, func)
        rows, hcase, after, waited, on = unanswered_hits(
            log, dirs, resp[lut], n_ans[lut], min_response_rate, obs_ns
        )
    else:
        rows = hcase = after = waited = np.zeros(0, dtype=np.int64)
        on = np.zeros(0, dtype=bool)
    cols = unanswered_columns(log, rows, hcase, resp[lut], func)
    numeric = numeric_ids(arrays(log).case_ids) if by_id else True
    return UnansweredRows(cols, hcase, after, waited, on, log.n_cases, numeric)


def merge_unanswered(parts: list[UnansweredRows], by_id: bool) -> pd.DataFrame:
    """The unanswered table of the partitions' rows (finished first, longest wait, journey)."""
    case = journey_keys(
        [p.case for p in parts],
        [p.cols["case_id"] for p in parts],
        [p.n_cases for p in parts],
        [p.numeric for p in parts] if by_id else None,
    )
    after = np.concatenate([p.after for p in parts])
    waited = np.concatenate([p.waited for p in parts])
    on = np.concatenate([p.on for p in parts])
    order = np.lexsort((case, -waited, on))
    cols: dict[str, Any] = {}
    for name in parts[0].cols:
        values = [p.cols[name] for p in parts]
        if isinstance(values[0], pd.Series):
            cols[name] = pd.concat(values, ignore_index=True).iloc[order].reset_index(drop=True)
        else:
            cols[name] = np.concatenate(values).take(order)
    return unanswered_frame(cols, after[order], waited[order], on[order])
