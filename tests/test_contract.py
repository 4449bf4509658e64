"""Contract tests: every public function that takes a log, through the same hard cases.

For each function: an empty log, a log of single-event journeys, a log whose events
all share one timestamp, a log without direction/department values, and a check that
neither the log nor its events change. A function may answer a case it cannot handle
with a journeymine error (never another exception); otherwise it must return a result
and return the same result twice (determinism).
"""

from __future__ import annotations

import dataclasses
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
    "funnel_options": lambda log: jm.funnel(
        log, ["visit", "call", GOAL], mode="any_order", exclude="call", by="segment"
    ),
    "funnel_times": lambda log: jm.funnel_times(log, ["visit", GOAL]),
    "attribution": lambda log: jm.attribution(log, goal=GOAL),
    "attribution_markov": lambda log: jm.attribution(log, goal=GOAL, method="markov"),
    "handoffs": lambda log: jm.handoffs(log, level="department", goal=GOAL),
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
    "compare": lambda log: jm.compare(log, jm.AssumedJourney.from_steps(["visit", "call", GOAL])),
    "split_journeys": lambda log: jm.split_journeys(log, inactivity="1D"),
    "map_stages": lambda log: jm.map_stages(log, {"a": ["visit"], "b": ["call", GOAL]}),
    "classify_direction": lambda log: jm.classify_direction(log, "process"),
    "filter_journeys": lambda log: jm.filter_journeys(
        log, contains="visit", start="2025-01-02", attributes={"segment": ["ads", None]}
    ),
    "filter_journeys_top": lambda log: jm.filter_journeys(log, top_variants=0.5),
    "filter_events": lambda log: jm.filter_events(log, drop="call", end="2025-01-04"),
    "with_columns": lambda log: jm.with_columns(
        log, resource=jm.concat("activity", "channel"), score=lambda ev: len(ev)
    ),
    "case_table": lambda log: jm.case_table(log),
    "transitions": lambda log: jm.transitions(log),
    "case_goals": lambda log: jm.case_goals(log, GOAL),
    "time_to_goal": lambda log: jm.time_to_goal(log, goal=GOAL),
    "time_to_goal_by": lambda log: jm.time_to_goal(log, goal=GOAL, by="channel"),
    "after_goal": lambda log: jm.after_goal(log, goal=GOAL),
    "journey_features": lambda log: jm.journey_features(log, goal=GOAL),
    "journey_features_cut": lambda log: jm.journey_features(log, goal=GOAL, cut="call"),
    "journey_features_cut_time": lambda log: jm.journey_features(log, goal=GOAL, cut="1h"),
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


_CASE_BUILDERS: dict[str, Callable[[], jm.JourneyLog]] = {
    "normal": lambda: _log(_FULL),
    "empty": lambda: _log([]),
    "single_event_journeys": lambda: _log(
        [
            ("a", "visit", "2025-01-01", "web", "marketing", "inbound", "ads"),
            ("b", "buy", "2025-01-02", "web", "sales", "inbound", "partner"),
            ("c", "call", "2025-01-03", "phone", "support", "inbound", "ads"),
        ]
    ),
    "ties": lambda: _log(
        [(c, a, "2025-01-01 10:00", ch, d, dr, s) for c, a, _, ch, d, dr, s in _FULL]
    ),
    "no_direction_department": lambda: _log(_FULL, direction=None, department=None),
}


def _fresh(case: str) -> jm.JourneyLog:
    """A log built from scratch (a fresh load: its own, empty cache)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _CASE_BUILDERS[case]()


def _cases() -> dict[str, jm.JourneyLog]:
    return {case: _fresh(case) for case in _CASE_BUILDERS}


CASES = _cases()


#: The tables each result object documents: they must exist (and are then all compared).
_RESULT_TABLES: dict[str, set[str]] = {
    "JourneyGraph": {"nodes", "edges"},
    "SegmentComparison": {"segments", "differences"},
    "PeriodComparison": {"periods", "transitions", "changes", "paths", "metrics"},
    "Personas": {"assignment", "profiles"},
    "Comparison": {"steps", "edges", "journeys"},
}


def _tables(result: Any) -> dict[str, pd.DataFrame]:
    """The tables a result object holds: its dataclass fields, slots or attributes that are frames."""
    if dataclasses.is_dataclass(result):
        names = [f.name for f in dataclasses.fields(result)]
    else:
        names = [n for n in dir(result) if not n.startswith("_")]
    out = {}
    for n in names:
        value = getattr(result, n)
        if isinstance(value, pd.DataFrame):
            out[n] = value
    return out


def _check(result: Any, again: Any) -> None:
    """Same input, same output; DataFrames compared exactly (values, dtypes, index, order)."""
    assert type(result) is type(again)
    if isinstance(result, pd.DataFrame):
        pd.testing.assert_frame_equal(result, again, check_exact=True)
    elif isinstance(result, pd.Series):
        pd.testing.assert_series_equal(result, again, check_exact=True)
    elif isinstance(result, dict):
        assert result.keys() == again.keys()
        for k in result:
            _check(result[k], again[k])
    elif isinstance(result, jm.JourneyLog):
        pd.testing.assert_frame_equal(result.events, again.events, check_exact=True)
    else:
        tables = _tables(result)
        # a result object must hold tables, else this check would compare nothing
        assert tables, f"{type(result).__name__} holds no DataFrame to compare"
        missing = _RESULT_TABLES.get(type(result).__name__, set()) - tables.keys()
        assert not missing, f"{type(result).__name__} lacks the tables {sorted(missing)}"
        again_tables = _tables(again)
        assert tables.keys() == again_tables.keys()
        for attr, table in tables.items():
            pd.testing.assert_frame_equal(table, again_tables[attr], check_exact=True, obj=attr)


def _deterministic(name: str, case: str, result: Any) -> None:
    """Call ``name`` again on a log rebuilt from scratch: the answer must not change."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = CALLS[name](_fresh(case))
    _check(result, again)


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
            _deterministic(name, case, result)
    pd.testing.assert_frame_equal(log.events, before)
    assert log.n_cases == n_before


@pytest.mark.parametrize(
    "name",
    ["handoffs", "repeat_contacts", "unanswered"],
)
def test_missing_columns_are_named(name: str) -> None:
    log = CASES["no_direction_department"]
    call = {
        "handoffs": lambda: jm.handoffs(log, level="department"),
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


def test_determinism_check_catches_a_nondeterministic_function(monkeypatch) -> None:
    """The check above can fail: a function that shuffles its rows on each call is caught."""
    real = jm.variants
    calls = iter(range(100))

    def shuffled(log: jm.JourneyLog) -> pd.DataFrame:
        table = real(log)
        return table.sample(frac=1.0, random_state=next(calls))

    monkeypatch.setattr(jm, "variants", shuffled)
    result = CALLS["variants"](_fresh("normal"))
    assert len(result) > 1
    with pytest.raises(AssertionError):
        _deterministic("variants", "normal", result)


def test_determinism_check_catches_a_changed_cell() -> None:
    """A one-cell difference in a result object's table is caught, exactly."""
    result = jm.compare_periods(_fresh("normal"), split="2025-01-03")
    again = jm.compare_periods(_fresh("normal"), split="2025-01-03")
    _check(result, again)
    # the smallest float change in any table: a tolerant comparison would let it pass
    name, table = next(
        (n, t)
        for n, t in _tables(again).items()
        if len(t) and len(t.select_dtypes("float").columns)
    )
    column = table.select_dtypes("float").columns[0]
    table.loc[table.index[0], column] = table[column].iloc[0] * (1 + 1e-12) + 1e-300
    with pytest.raises(AssertionError):
        _check(result, again)
