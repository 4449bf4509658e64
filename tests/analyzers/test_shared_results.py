"""Results the analyzers share on a log (computed once per log and settings): never stale,
never altered by a caller, warnings on every call, and read-only shared arrays."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine._stats import z_value
from journeymine.analyzers import _common as C
from journeymine.derive import case_codes

GOAL = "purchase"


def _all(log: jm.JourneyLog, order: list[str]) -> dict[str, pd.DataFrame]:
    calls = {
        "dropoffs": lambda: jm.dropoffs(log, goal=GOAL),
        "handoffs": lambda: jm.handoffs(log, goal=GOAL),
        "dead_ends": lambda: jm.dead_ends(log, goal=GOAL),
        "repeat_contacts": lambda: jm.repeat_contacts(log),
        "loops": lambda: jm.loops(log),
        "unanswered": lambda: jm.unanswered(log),
        "pain_points": lambda: jm.pain_points(log, goal=GOAL),
    }
    return {name: calls[name]() for name in order}


def test_results_do_not_depend_on_what_was_computed_before():
    names = ["dropoffs", "handoffs", "dead_ends", "repeat_contacts", "loops", "unanswered"]
    warm = _all(jm.datasets.load_sample(), [*names, "pain_points"])
    cold = _all(jm.datasets.load_sample(), ["pain_points", *reversed(names)])
    for name in [*names, "pain_points"]:
        pd.testing.assert_frame_equal(warm[name], cold[name], check_exact=True)


def test_a_caller_changing_a_result_does_not_change_the_next_one():
    log = jm.datasets.load_sample()
    first = jm.handoffs(log, goal=GOAL)
    want = first.copy(deep=True)
    first.loc[0, "handoffs"] = -1
    first["extra"] = 1
    d = jm.dropoffs(log, goal=GOAL)
    d.iloc[:, 1] = 0
    pd.testing.assert_frame_equal(jm.handoffs(log, goal=GOAL), want)
    assert (jm.dropoffs(log, goal=GOAL)["journeys"] > 0).all()


def test_settings_are_part_of_the_key():
    log = jm.datasets.load_sample()
    a = jm.repeat_contacts(log, window="1D")
    b = jm.repeat_contacts(log, window="30D")
    assert b["repeats"].sum() > a["repeats"].sum()
    assert not jm.handoffs(log).equals(jm.handoffs(log, goal=GOAL))
    # a predicate goal is never cached: two predicates give their own answers
    one = jm.dropoffs(log, goal=lambda ev: ev["activity"] == "purchase")
    other = jm.dropoffs(log, goal=lambda ev: ev["activity"] == "view pricing")
    assert not one.equals(other)


def test_warnings_come_on_every_call(make_log):
    log = make_log(
        [
            ("a", "x", pd.Timestamp("2025-01-01"), "sales"),
            ("a", "y", pd.Timestamp("2025-01-02"), "support"),
        ],
        columns=["department"],
    )
    for _ in range(2):
        with pytest.warns(jm.DataQualityWarning, match="no 'direction' values"):
            jm.handoffs(log, window="7D")  # repeat contacts asked for: they need direction


def test_shared_arrays_are_read_only():
    log = jm.datasets.load_sample()
    for arr in (case_codes(log), C.level_codes(log, "activity", "t")[0], C.direction_codes(log)):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1


def test_z_value_table_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    for c in (0.9, 0.95, 0.99, 0.8):
        assert z_value(c) == float(stats.norm.ppf(0.5 + c / 2.0))


def test_labels_of_many_labels_few_codes():
    labels = pd.Index([f"J{i:04d}" for i in range(1000)])
    got = C.labels_of(labels, np.array([999, -1, 3, 999]))
    assert got.tolist() == ["J0999", None, "J0003", "J0999"]
    assert C.labels_of(pd.Index([10, 20]), np.array([1, 0, -1])).tolist() == ["20", "10", None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert C.labels_of(labels, np.zeros(0, dtype=np.int64)).tolist() == []


def test_silent_gaps_are_computed_once_for_three_callers(monkeypatch):
    gaps = importlib.import_module("journeymine.analyzers.gaps")
    calls = []
    real = gaps._silent_tables
    monkeypatch.setattr(gaps, "_silent_tables", lambda *a: calls.append(1) or real(*a))
    log = jm.datasets.load_sample()
    jm.silent_gaps(log)
    jm.silent_gaps_summary(log)
    jm.pain_points(log, goal=GOAL)
    assert len(calls) == 1
    jm.silent_gaps(log, factor=5.0)  # other settings: computed again
    assert len(calls) == 2


def test_a_predicate_goal_is_computed_every_time(monkeypatch):
    dropoffs = importlib.import_module("journeymine.analyzers.funnels")
    calls = []
    real = dropoffs._dropoff_table
    monkeypatch.setattr(dropoffs, "_dropoff_table", lambda *a: calls.append(1) or real(*a))
    log = jm.datasets.load_sample()
    jm.dropoffs(log, goal="purchase")
    jm.dropoffs(log, goal=["purchase"])  # the same names: shared
    assert len(calls) == 1
    jm.dropoffs(log, goal=lambda ev: ev["activity"] == "purchase")
    jm.dropoffs(log, goal=lambda ev: ev["activity"] == "purchase")
    assert len(calls) == 3
