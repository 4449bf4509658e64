"""Contract tests: every public function that takes a log, through the same hard cases.

For each function: an empty log, a log of single-event journeys, a log whose events
all share one timestamp, a log without direction/department values, and a check that
neither the log nor its events change. A function may answer a case it cannot handle
with a journeymine error (never another exception); otherwise it must return a result
and return the same result twice (determinism).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import journeymine as jm

GOAL = "buy"

# name -> how to call it on a log that has a "buy" touchpoint
CALLS: dict[str, Callable[[jm.JourneyLog], Any]] = {
    "discover": lambda log: jm.discover(log),
    "discover_channel": lambda log: jm.discover(log, level="channel"),
    "variants": lambda log: jm.variants(log),
    "dropoffs": lambda log: jm.dropoffs(log, goal=GOAL),
    "funnel": lambda log: jm.funnel(log, steps=["visit", GOAL]),
    "handoffs": lambda log: jm.handoffs(log, by="department", goal=GOAL),
    "silent_gaps": lambda log: jm.silent_gaps(log),
    "silent_gaps_summary": lambda log: jm.silent_gaps_summary(log),
    "unanswered": lambda log: jm.unanswered(log),
    "dead_ends": lambda log: jm.dead_ends(log, goal=GOAL),
    "repeat_contacts": lambda log: jm.repeat_contacts(log),
    "loops": lambda log: jm.loops(log),
    "pain_points": lambda log: jm.pain_points(log, goal=GOAL),
    "compare_segments": lambda log: jm.compare_segments(log, by="segment", goal=GOAL),
    "compare_periods": lambda log: jm.compare_periods(log, split="2025-01-03"),
    "personas": lambda log: jm.personas(log, n=2),
    "compare": lambda log: jm.compare(jm.AssumedJourney.from_steps(["visit", "call", GOAL]), log),
    "split_journeys": lambda log: jm.split_journeys(log, inactivity="1D"),
    "map_stages": lambda log: jm.map_stages(log, {"a": ["visit"], "b": ["call", GOAL]}),
    "classify_direction": lambda log: jm.classify_direction(log, "process"),
    "case_table": lambda log: jm.case_table(log),
    "transitions": lambda log: jm.transitions(log),
    "case_goals": lambda log: jm.case_goals(log, GOAL),
}


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["case", "activity", "timestamp", "channel", "department", "direction", "segment"],
    )


def _log(rows: list[tuple], **kw: Any) -> jm.JourneyLog:
    df = _frame(rows)
    mapping = dict(
        case="case",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        department="department",
        direction="direction",
        keep=["segment"],
    )
    mapping.update(kw)
    return jm.from_pandas(df, **mapping)


_FULL = [
    ("c1", "visit", "2025-01-01 10:00", "web", "marketing", "inbound", "ads"),
    ("c1", "call", "2025-01-02 10:00", "phone", "support", "inbound", "ads"),
    ("c1", "call", "2025-01-02 11:00", "phone", "billing", "outbound", "ads"),
    ("c1", "buy", "2025-01-03 10:00", "web", "sales", "inbound", "ads"),
    ("c2", "visit", "2025-01-01 12:00", "web", "marketing", "inbound", "partner"),
    ("c2", "call", "2025-01-05 12:00", "phone", "support", "inbound", "partner"),
    ("c3", "visit", "2025-01-02 09:00", "web", "marketing", "inbound", "ads"),
    ("c3", "buy", "2025-01-04 09:00", "web", "sales", "inbound", "ads"),
    ("c4", "visit", "2025-01-03 09:00", "web", "marketing", "inbound", "partner"),
    ("c4", "call", "2025-01-03 09:30", "phone", "support", "inbound", "partner"),
    ("c4", "buy", "2025-01-06 09:00", "web", "sales", "inbound", "partner"),
]


def _cases() -> dict[str, jm.JourneyLog]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "normal": _log(_FULL),
            "empty": _log([]),
            "single_event_journeys": _log(
                [
                    ("a", "visit", "2025-01-01", "web", "marketing", "inbound", "ads"),
                    ("b", "buy", "2025-01-02", "web", "sales", "inbound", "partner"),
                    ("c", "call", "2025-01-03", "phone", "support", "inbound", "ads"),
                ]
            ),
            "ties": _log(
                [(c, a, "2025-01-01 10:00", ch, d, dr, s) for c, a, _, ch, d, dr, s in _FULL]
            ),
            "no_direction_department": _log(_FULL, direction=None, department=None),
        }


CASES = _cases()


def _check(result: Any, again: Any) -> None:
    """Same input, same output; DataFrames compared exactly."""
    if isinstance(result, pd.DataFrame):
        pd.testing.assert_frame_equal(result, again)
    elif isinstance(result, dict):
        assert result.keys() == again.keys()
        for k in result:
            _check(result[k], again[k])
    elif isinstance(result, jm.JourneyLog):
        pd.testing.assert_frame_equal(result.events, again.events)
    else:
        for attr in (
            "nodes",
            "edges",
            "table",
            "profiles",
            "steps",
            "assignment",
            "segments",
            "differences",
        ):
            if isinstance(getattr(result, attr, None), pd.DataFrame):
                pd.testing.assert_frame_equal(getattr(result, attr), getattr(again, attr))


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", list(CALLS))
def test_contract(name: str, case: str) -> None:
    log = CASES[case]
    before = log.events.copy(deep=True)
    n_before = log.n_cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = CALLS[name](log)
        except jm.JourneymineError as exc:
            # a refusal is fine when it explains itself
            assert str(exc)
            if case == "normal":
                raise AssertionError(f"{name} refused a normal log: {exc}") from exc
            result = None
        if result is not None:
            _check(result, CALLS[name](log))
    pd.testing.assert_frame_equal(log.events, before)
    assert log.n_cases == n_before


@pytest.mark.parametrize(
    "name",
    ["handoffs", "repeat_contacts", "unanswered"],
)
def test_missing_columns_are_named(name: str) -> None:
    log = CASES["no_direction_department"]
    call = {
        "handoffs": lambda: jm.handoffs(log, by="department"),
        "repeat_contacts": lambda: jm.repeat_contacts(log),
        "unanswered": lambda: jm.unanswered(log),
    }[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(jm.MissingColumnError, match="department|direction"):
            call()


@pytest.mark.parametrize("name", ["dropoffs", "dead_ends", "pain_points"])
def test_goal_that_never_occurs_is_an_error_with_near_matches(name: str) -> None:
    log = CASES["normal"]
    func = getattr(jm, name)
    with pytest.raises(jm.GoalNotFoundError, match="Did you mean 'buy'"):
        func(log, goal="Buy ")
