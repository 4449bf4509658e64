"""Tests of jm.dropoffs: hand-computed tables, censoring, stages, properties, planted drop-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm

T0 = pd.Timestamp("2025-01-01 09:00")


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


def with_ongoing(log: jm.JourneyLog, ids: list[str]) -> jm.JourneyLog:
    flags = log.cases["case_id"].astype(str).isin(ids).to_numpy()
    return log._replace(ongoing=flags)


@pytest.fixture
def shop(make_log) -> jm.JourneyLog:
    rows = [
        ("j1", "home", _at(0)),
        ("j1", "cart", _at(1)),
        ("j1", "buy", _at(2)),
        ("j2", "home", _at(0)),
        ("j2", "cart", _at(1)),
        ("j3", "home", _at(0)),
        ("j4", "home", _at(0)),
        ("j4", "help", _at(1)),
        ("j4", "cart", _at(2)),
        ("j4", "help", _at(3)),
        ("j5", "cart", _at(0)),
        ("j6", "buy", _at(0)),
        ("j6", "help", _at(1)),
        ("j7", "home", _at(0)),
        ("j7", "home", _at(0)),  # equal timestamps
    ]
    return with_ongoing(make_log(rows, drop_duplicates=False), ["j5"])


def test_every_column_by_hand(shop):
    d = jm.dropoffs(shop, goal="buy")
    # order: conversions_lost home 2/3, cart 1/2, then help and buy (0) by lost: help 1, buy 0
    assert d["touchpoint"].tolist() == ["home", "cart", "help", "buy"]
    d = d.set_index("touchpoint")
    # home: j1 j2 j3 j4 j7 reach it; j1 converts after; j3, j7 end there; j2, j4 end elsewhere
    # cart: j1 j2 j4 j5; j1 converts; j5 ongoing; j2 ends there; j4 ends at help
    # help: j4 ends there (lost); j6 converted before reaching help (other)
    # buy:  j1, j6 convert at their visit
    assert d["journeys"].to_dict() == {"home": 5, "cart": 4, "help": 2, "buy": 2}
    assert d["converted"].to_dict() == {"home": 1, "cart": 1, "help": 0, "buy": 2}
    assert d["lost"].to_dict() == {"home": 2, "cart": 1, "help": 1, "buy": 0}
    assert d["ongoing"].to_dict() == {"home": 0, "cart": 1, "help": 0, "buy": 0}
    assert d["other"].to_dict() == {"home": 2, "cart": 1, "help": 1, "buy": 0}
    # exit_rate = lost / (journeys - ongoing): 2/5, 1/3, 1/2, 0/2
    assert d["exit_rate"].to_dict() == pytest.approx(
        {"home": 0.4, "cart": 1 / 3, "help": 0.5, "buy": 0.0}
    )
    # conversion_rate = converted / (journeys - ongoing): 1/5, 1/3, 0/2, 2/2
    assert d["conversion_rate"].to_dict() == pytest.approx(
        {"home": 0.2, "cart": 1 / 3, "help": 0.0, "buy": 1.0}
    )
    # continuing_conversion = converted / (known - lost): 1/3, 1/2, 0/1, 2/2
    assert d["continuing_conversion"].to_dict() == pytest.approx(
        {"home": 1 / 3, "cart": 0.5, "help": 0.0, "buy": 1.0}
    )
    # conversions_lost = lost * continuing_conversion: 2/3, 1/2, 0, 0
    assert d["conversions_lost"].to_dict() == pytest.approx(
        {"home": 2 / 3, "cart": 0.5, "help": 0.0, "buy": 0.0}
    )
    # 4 journeys are lost anywhere (j2, j3, j4, j7): 2/4, 1/4, 1/4, 0
    assert d["share_of_lost"].to_dict() == pytest.approx(
        {"home": 0.5, "cart": 0.25, "help": 0.25, "buy": 0.0}
    )


def test_ongoing_is_never_lost(shop):
    d = jm.dropoffs(shop, goal="buy").set_index("touchpoint")
    # j5 (one event, "cart", ongoing) would be lost at cart if it were finished
    finished = jm.dropoffs(with_ongoing(shop, []), goal="buy").set_index("touchpoint")
    assert d.loc["cart", "lost"] == 1 and finished.loc["cart", "lost"] == 2
    assert d.loc["cart", "ongoing"] == 1 and finished.loc["cart", "ongoing"] == 0


def test_goal_list_and_predicate_agree(shop):
    a = jm.dropoffs(shop, goal=["buy"])
    b = jm.dropoffs(shop, goal=lambda ev: ev["activity"] == "buy")
    pd.testing.assert_frame_equal(a, b)


def test_goal_that_never_occurs(shop):
    with pytest.raises(jm.GoalNotFoundError, match="Did you mean 'buy'"):
        jm.dropoffs(shop, goal="buyy")


def test_stages(shop):
    staged = jm.map_stages(shop, {"browse": ["home", "help"], "checkout": ["cart", "buy"]})
    d = jm.dropoffs(staged, goal="buy", level="stage").set_index("touchpoint")
    # browse: j1 j2 j3 j4 j6 j7; j1 converts after; j3, j7 end in browse, and so do j4
    # (ends at help) and j6 (ends at help but converted before: other)
    assert d.loc["browse", "journeys"] == 6
    assert d.loc["browse", "lost"] == 3
    assert d.loc["browse", "other"] == 2  # j2 ends in checkout, j6 converted before
    # checkout: j1 j2 j4 j5 j6; j1 and j6 convert; j5 ongoing; j2 lost; j4 ends in browse
    assert d.loc["checkout", "converted"] == 2
    assert d.loc["checkout", "lost"] == 1


def test_missing_stage_column_says_how(shop):
    with pytest.raises(jm.MissingColumnError, match="map_stages"):
        jm.dropoffs(shop, goal="buy", level="stage")


def test_not_a_log():
    with pytest.raises(jm.InvalidParameterError, match="JourneyLog"):
        jm.dropoffs(pd.DataFrame(), goal="x")


def test_single_event_journeys(make_log):
    log = make_log([("a", "x", _at(0)), ("b", "y", _at(0)), ("c", "y", _at(1))])
    d = jm.dropoffs(log, goal="y").set_index("touchpoint")
    assert d.loc["x", "lost"] == 1 and d.loc["x", "exit_rate"] == 1.0
    assert d.loc["y", "converted"] == 2 and d.loc["y", "lost"] == 0


def test_does_not_modify_the_log(shop):
    before = shop.events.copy()
    jm.dropoffs(shop, goal="buy")
    pd.testing.assert_frame_equal(shop.events, before)


# --------------------------------------------------------------------------- properties

journeys_st = st.lists(
    st.tuples(
        st.lists(st.sampled_from("ABCDG"), min_size=1, max_size=6),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


def _log_from(journeys) -> jm.JourneyLog:
    rows = []
    for i, (acts, _) in enumerate(journeys):
        for k, a in enumerate(acts):
            rows.append((f"c{i:02d}", a, T0 + pd.Timedelta(minutes=k)))
    df = pd.DataFrame(rows, columns=["case", "activity", "timestamp"])
    log = jm.from_pandas(
        df, case="case", activity="activity", timestamp="timestamp", drop_duplicates=False
    )
    ids = [f"c{i:02d}" for i, (_, on) in enumerate(journeys) if on]
    return with_ongoing(log, ids)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(journeys_st)
def test_partition_and_brute_force(journeys):
    if not any("G" in acts for acts, _ in journeys):
        journeys = [*journeys, (["G"], False)]
    log = _log_from(journeys)
    d = jm.dropoffs(log, goal="G").set_index("touchpoint")
    assert (d["lost"] + d["converted"] + d["ongoing"] + d["other"] == d["journeys"]).all()
    assert d["exit_rate"].dropna().between(0, 1).all()  # NaN when every journey is ongoing
    # brute force, one journey at a time
    for tp in d.index:
        reach = conv = lost = ongoing = 0
        for acts, on in journeys:
            if tp not in acts:
                continue
            reach += 1
            first = acts.index(tp)
            if "G" in acts[first:]:
                conv += 1
            elif on:
                ongoing += 1
            elif acts[-1] == tp and "G" not in acts:
                lost += 1
        assert (d.loc[tp, "journeys"], d.loc[tp, "converted"]) == (reach, conv)
        assert (d.loc[tp, "lost"], d.loc[tp, "ongoing"]) == (lost, ongoing)


# --------------------------------------------------------------------------- planted drop-off


def test_planted_drop_off_step_comes_first_with_its_rate():
    from journeymine.datasets import JourneyModel, simulate

    model = JourneyModel.from_steps(
        ["land", "choose", "details", "pay", "done"],
        drop_off={"land": 0.10, "choose": 0.10, "details": 0.05, "pay": 0.42},
        delay="2h",
    )
    log = simulate(model, n_journeys=20_000, seed=3)
    d = jm.dropoffs(log, goal="done")
    assert d.loc[0, "touchpoint"] == "pay"
    assert d.loc[0, "exit_rate"] == pytest.approx(0.42, abs=0.02)
    rates = d.set_index("touchpoint")["exit_rate"]
    assert rates["choose"] == pytest.approx(0.10, abs=0.02)


def test_sample_planted_drop_off():
    log = jm.datasets.load_sample()
    d = jm.dropoffs(log, goal="purchase")
    top = d.iloc[0]
    assert top["touchpoint"] == "enter payment details"
    assert top["exit_rate"] == pytest.approx(0.35, abs=0.03)
    assert np.isclose(top["continuing_conversion"], 1.0)
