"""compare_periods(): journeys by their start, new and vanished transitions and paths, metric changes."""

from __future__ import annotations

import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import InvalidParameterError
from journeymine.schema import END, START

JAN = pd.Timestamp("2025-01-10 10:00")
FEB = pd.Timestamp("2025-02-10 10:00")


def _journey(case, start, acts, step="1h"):
    return [(case, a, str(start + k * pd.Timedelta(step))) for k, a in enumerate(acts)]


@pytest.fixture
def log(make_log):
    rows = (
        _journey("j1", JAN, ["A", "B", "C"])
        + _journey("j2", JAN, ["A", "B"])
        # starts on 31 January and ends in February: it belongs to January
        + _journey("j3", pd.Timestamp("2025-01-31 23:00"), ["A", "C"], step="2h")
        + _journey("j4", FEB, ["A", "D", "C"])
        + _journey("j5", FEB, ["A", "D"])
        + _journey("j6", FEB, ["A", "B", "C"])
    )
    return make_log(rows)


def _edge(changes, s, t):
    return changes.set_index(["source", "target"]).loc[(s, t)]


@pytest.mark.parametrize("split", ["2025-02-01", "M", "MS", pd.Timestamp("2025-02-01", tz="UTC")])
def test_new_and_vanished_transitions(log, split):
    res = jm.compare_periods(log, split=split, goal="C", min_journeys=2)
    assert res.periods["journeys"].tolist() == [3, 3]
    ch = res.changes
    assert _edge(ch, "A", "D")["status"] == "new" and _edge(ch, "D", "C")["status"] == "new"
    assert _edge(ch, "A", "C")["status"] == "vanished"
    ab = _edge(ch, "A", "B")
    assert ab["journeys_a"] == 2 and ab["journeys_b"] == 1
    assert ab["share_a"] == pytest.approx(2 / 3) and ab["change"] == pytest.approx(-1 / 3)
    assert ab["status"] == "stable"  # 2 of 3 against 1 of 3 is no evidence of change
    assert _edge(ch, START, "A")["share_a"] == 1.0
    assert _edge(ch, "C", END)["journeys_a"] == 2
    assert _edge(ch, "A", "C")["median_gap_a"] == pd.Timedelta("2h")
    t = res.transitions
    assert set(t["period"]) == set(res.periods["period"])
    paths = res.paths.set_index("path")
    assert paths.loc["A → D → C", "status"] == "new"
    assert paths.loc["A → C", "status"] == "vanished"
    assert paths.loc["A → B → C", "status"] == "both"


def test_labels_for_dates_and_frequencies(log):
    assert jm.compare_periods(log, split="2025-02-01").periods["period"].tolist() == [
        "before 2025-02-01",
        "from 2025-02-01",
    ]
    assert jm.compare_periods(log, split="M").periods["period"].tolist() == ["2025-01", "2025-02"]
    three = jm.compare_periods(log, split=["2025-01-20", "2025-02-01"])
    assert three.periods["period"].tolist() == [
        "before 2025-01-20",
        "2025-01-20 to 2025-02-01",
        "from 2025-02-01",
    ]
    assert three.periods["journeys"].tolist() == [2, 1, 3]
    # periods without journeys are left out
    assert jm.compare_periods(log, split="W").periods["journeys"].sum() == 6


def test_metrics_are_tested_between_consecutive_periods(log):
    res = jm.compare_periods(log, split="2025-02-01", goal="C", min_journeys=2)
    m = res.metrics
    conv = m[m["metric"] == "conversion"].iloc[0]
    assert conv["period_a"] == "before 2025-02-01" and conv["period_b"] == "from 2025-02-01"
    assert conv["value_a"] == pytest.approx(2 / 3) and conv["value_b"] == pytest.approx(2 / 3)
    assert res.periods["conversion"].tolist() == pytest.approx([2 / 3, 2 / 3])
    small = jm.compare_periods(log, split="2025-02-01", goal="C")  # default min_journeys=20
    assert not small.metrics["tested"].any()
    assert "PeriodComparison(2 periods" in repr(res)
    assert "<table" in res._repr_html_()


def test_sample_months():
    log = jm.datasets.load_sample()
    res = jm.compare_periods(log, split="MS", goal="purchase")
    assert len(res.periods) == 12
    assert res.periods["journeys"].sum() == log.n_cases
    assert (res.changes["period_b"] > res.changes["period_a"]).all()


def test_bad_split(log):
    with pytest.raises(InvalidParameterError, match="'split'"):
        jm.compare_periods(log, split="not a date")
    with pytest.raises(InvalidParameterError, match="'split'"):
        jm.compare_periods(log, split=[])
