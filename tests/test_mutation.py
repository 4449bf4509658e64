"""Mutating a returned table never changes the next answer (the log's cache is not handed out).

For each public function of ``journeymine.__all__`` that returns a table (or an object
holding tables, or a log): call it on a small simulated log, mutate every returned table
in place (a new column, a changed cell, dropped rows), call it again on the same log and
compare with the answer of a freshly built log. A table the library hands out read-only
may refuse a mutation: that is fine too.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

import journeymine as jm

GOAL = "purchase"
FUNNEL = ["visit homepage", "view pricing", "start trial", "enter payment details", GOAL]


def _fresh() -> jm.JourneyLog:
    """A small log built from scratch (its own, empty cache)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jm.datasets.simulate(n_journeys=300, seed=7)


CALLS: dict[str, Callable[[jm.JourneyLog], Any]] = {
    "discover": lambda log: jm.discover(log),
    "discover_channel": lambda log: jm.discover(log, level="channel"),
    "variants": lambda log: jm.variants(log),
    "case_table": lambda log: jm.case_table(log),
    "transitions": lambda log: jm.transitions(log),
    "transitions_channel": lambda log: jm.transitions(log, "channel"),
    "case_goals": lambda log: jm.case_goals(log, GOAL),
    "time_to_goal": lambda log: jm.time_to_goal(log, goal=GOAL),
    "time_to_goal_by": lambda log: jm.time_to_goal(log, goal=GOAL, by="channel"),
    "after_goal": lambda log: jm.after_goal(log, goal=GOAL),
    "journey_features": lambda log: jm.journey_features(log, goal=GOAL),
    "dead_ends": lambda log: jm.dead_ends(log, goal=GOAL),
    "dropoffs": lambda log: jm.dropoffs(log, goal=GOAL),
    "funnel": lambda log: jm.funnel(log, FUNNEL),
    "funnel_options": lambda log: jm.funnel(log, FUNNEL, optional=FUNNEL[2], by="channel"),
    "funnel_times": lambda log: jm.funnel_times(log, FUNNEL, exclude="call support"),
    "attribution_markov": lambda log: jm.attribution(log, goal=GOAL, method="markov"),
    "handoffs": lambda log: jm.handoffs(log),
    "repeat_contacts": lambda log: jm.repeat_contacts(log),
    "loops": lambda log: jm.loops(log),
    "pain_points": lambda log: jm.pain_points(log, goal=GOAL),
    "silent_gaps": lambda log: jm.silent_gaps(log),
    "silent_gaps_summary": lambda log: jm.silent_gaps_summary(log),
    "unanswered": lambda log: jm.unanswered(log),
    "compare": lambda log: jm.compare(log=log, assumed=jm.AssumedJourney.from_steps(FUNNEL)),
    "compare_segments": lambda log: jm.compare_segments(log, by="channel", goal=GOAL),
    "compare_periods": lambda log: jm.compare_periods(log, split="2025-07-01"),
    "personas": lambda log: jm.personas(log, n=3),
    "split_journeys": lambda log: jm.split_journeys(log, inactivity="3D"),
    "map_stages": lambda log: jm.map_stages(log, {"explore": FUNNEL[:2], "buy": FUNNEL[2:]}),
    "classify_direction": lambda log: jm.classify_direction(log, "process"),
    "combine": lambda log: jm.combine({"all": log}),
}
# Not here: affected_journeys returns a pandas Index (immutable); read_* and from_* build logs
# from the caller's data (their "never mutate inputs" tests live in tests/io/).


def _tables(result: Any) -> dict[str, pd.DataFrame]:
    """Every table a result holds, by name."""
    if isinstance(result, pd.DataFrame):
        return {"result": result}
    if isinstance(result, jm.JourneyLog):
        return {"events": result.events}
    if dataclasses.is_dataclass(result):
        names = [f.name for f in dataclasses.fields(result)]
    else:
        names = [n for n in dir(result) if not n.startswith("_")]
    return {n: getattr(result, n) for n in names if isinstance(getattr(result, n), pd.DataFrame)}


def _mutate(table: pd.DataFrame) -> None:
    """Change ``table`` in place every way a caller might; read-only tables may refuse."""
    steps = [
        lambda: table.__setitem__("__mutated__", 1),
        lambda: table.iloc.__setitem__((0, 0), table.iloc[-1, 0]) if len(table) > 1 else None,
        lambda: table.drop(index=table.index[: max(1, len(table) // 2)], inplace=True),  # noqa: PD002
    ]
    for step in steps:
        try:
            with warnings.catch_warnings():
                # pandas 3 deprecates inplace=True; it still changes the caller's object
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                step()
        except (ValueError, TypeError):  # a read-only view refusing the write
            pass


def _same(a: Any, b: Any) -> None:
    ta, tb = _tables(a), _tables(b)
    assert ta, f"{type(a).__name__} holds no table"
    assert ta.keys() == tb.keys()
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    """Each function's answer on a fresh log, computed once."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: call(_fresh()) for name, call in CALLS.items()}


@pytest.mark.parametrize("name", list(CALLS))
def test_mutating_a_result_does_not_change_the_next_one(name: str, expected) -> None:
    call = CALLS[name]
    log = _fresh()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = call(log)
        tables = _tables(first)
        assert tables, f"{name} returned no table"
        for table in tables.values():
            _mutate(table)
        again = call(log)
    _same(again, expected[name])


def test_the_mutation_test_can_fail() -> None:
    """A function handing out its cached table itself is caught by this test's check."""
    cache: dict[str, pd.DataFrame] = {}

    def leaky(log: jm.JourneyLog) -> pd.DataFrame:
        if "t" not in cache:
            cache["t"] = jm.variants(log)
        return cache["t"]

    log = _fresh()
    fresh = jm.variants(_fresh())
    _mutate(leaky(log))
    with pytest.raises(AssertionError):
        _same(leaky(log), fresh)
