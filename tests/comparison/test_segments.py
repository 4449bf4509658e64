"""compare_segments(): tests, intervals, BH correction; a planted one-step difference is the only one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import journeymine as jm
from journeymine.datasets import JourneyModel, SegmentEffect, simulate
from journeymine.errors import InvalidParameterError, MissingColumnError

T0 = pd.Timestamp("2025-03-01 09:00")


def _model(effect_row):
    return JourneyModel(
        touchpoints=[
            ("land", "web", "marketing", "inbound"),
            ("view pricing", "web", "sales", "inbound"),
            ("chat", "chat", "support", "inbound"),
            ("enter payment", "web", "sales", "inbound"),
            ("purchase", "web", "sales", "inbound"),
        ],
        start={"land": 1.0},
        transitions={
            "land": {"view pricing": 0.7, "chat": 0.1, "END": 0.2},
            "chat": {"view pricing": 0.6, "END": 0.4},
            "view pricing": {"enter payment": 0.5, "chat": 0.1, "END": 0.4},
            "enter payment": {"purchase": 0.7, "END": 0.3},
        },
        goals=["purchase"],
        attributes={"segment": {"A": 0.5, "B": 0.5}},
        modifiers=[SegmentEffect("segment", "B", "view pricing", effect_row)],
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_one_step_difference_is_the_only_step_difference(seed):
    model = _model({"enter payment": 0.3, "chat": 0.1, "END": 0.6})
    df = simulate(model, n_journeys=6000, seed=seed, as_frame=True)
    log = jm.from_pandas(
        df,
        case="case_id",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        department="department",
        keep=["segment"],
    )
    res = jm.compare_segments(log, "segment", goal="purchase")
    sig = res.significant
    step_rows = sig[sig["step"].notna()]
    assert set(step_rows["step"]) == {"view pricing"}
    assert {"drop_off", "next_step"} <= set(step_rows["metric"])
    d = res.differences.set_index(["metric", "step"]).loc[("drop_off", "view pricing")]
    assert d["value_a"] == pytest.approx(0.4, abs=0.07) and d["value_b"] == pytest.approx(
        0.6, abs=0.07
    )
    assert d["ci_low"] < d["difference"] < d["ci_high"] and d["ci_low"] > 0
    # conversion differs as a consequence of that one step, and is reported as such
    assert "conversion" in set(sig["metric"])
    # every other step is tested and not significant
    others = res.differences[
        (res.differences["step"].notna()) & (res.differences["step"] != "view pricing")
    ]
    assert others["tested"].all() and not others["significant"].any()


def test_no_difference_no_significance():
    model = _model({"enter payment": 0.5, "chat": 0.1, "END": 0.4})  # the same row: no effect
    df = simulate(model, n_journeys=4000, seed=4, as_frame=True)
    log = jm.from_pandas(
        df,
        case="case_id",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        department="department",
        keep=["segment"],
    )
    res = jm.compare_segments(log, "segment", goal="purchase")
    assert res.significant.empty
    p = res.differences["p_value"].to_numpy()
    adj = res.differences["p_adjusted"].to_numpy()
    assert np.allclose(adj, stats.false_discovery_control(p, method="bh"))


def _tiny(make_log):
    rows = []
    # region north: 6 journeys, 4 convert; south: 6 journeys, 1 converts; east: 2 journeys
    for i in range(6):
        path = ["home", "pricing", "buy"] if i < 4 else ["home", "pricing"]
        rows += [
            (f"n{i}", a, str(T0 + pd.Timedelta(hours=k + 2 * i)), "north", dep)
            for k, (a, dep) in enumerate(zip(path, ["web", "sales", "sales"], strict=False))
        ]
    for i in range(6):
        path = ["home", "pricing", "buy"] if i < 1 else ["home"]
        rows += [
            (f"s{i}", a, str(T0 + pd.Timedelta(hours=3 * k + i)), "south", dep)
            for k, (a, dep) in enumerate(zip(path, ["web", "support", "sales"], strict=False))
        ]
    for i in range(2):
        rows += [(f"e{i}", "home", str(T0 + pd.Timedelta(hours=i)), "east", "web")]
    return make_log(rows, columns=["region", "department"])


def test_hand_computed_rates_and_small_segments(make_log):
    log = _tiny(make_log)
    res = jm.compare_segments(log, "region", goal="buy", min_journeys=5)
    seg = res.segments.set_index("segment")
    assert seg.loc["north", "conversion"] == pytest.approx(4 / 6)
    assert seg.loc["south", "conversion"] == pytest.approx(1 / 6)
    assert not seg.loc["east", "tested"] and "too few" in seg.loc["east", "note"]
    d = res.differences
    conv = d[
        (d["metric"] == "conversion") & (d["segment_a"] == "north") & (d["segment_b"] == "south")
    ].iloc[0]
    assert conv["difference"] == pytest.approx(1 / 6 - 4 / 6)
    assert conv["test"] == "fisher_exact"
    assert conv["p_value"] == pytest.approx(stats.fisher_exact([[4, 2], [1, 5]]).pvalue)
    assert conv["effect_size"] == pytest.approx(
        2 * np.arcsin(np.sqrt(1 / 6)) - 2 * np.arcsin(np.sqrt(4 / 6))
    )
    # rows with the small segment are marked, not tested
    east = d[(d["segment_a"] == "east") | (d["segment_b"] == "east")]
    assert len(east) and not east["tested"].any() and east["p_value"].isna().all()
    assert east["note"].str.contains("too few").all() and not east["significant"].any()
    # drop-off at pricing: north 2 of 6 visits end there, south 0 of 1
    drop = d[
        (d["metric"] == "drop_off")
        & (d["step"] == "pricing")
        & (d["segment_a"] == "north")
        & (d["segment_b"] == "south")
    ].iloc[0]
    assert drop["value_a"] == pytest.approx(2 / 6) and drop["n_b"] == 1 and not drop["tested"]
    # duration: median hours per segment, Mann-Whitney
    dur = d[
        (d["metric"] == "duration_hours")
        & (d["segment_a"] == "north")
        & (d["segment_b"] == "south")
    ].iloc[0]
    assert dur["value_a"] == pytest.approx(np.median([2, 2, 2, 2, 1, 1]))
    assert dur["value_b"] == pytest.approx(0.0)
    assert dur["p_value"] == pytest.approx(
        stats.mannwhitneyu([6, 0, 0, 0, 0, 0], [2, 2, 2, 2, 1, 1], alternative="two-sided").pvalue
    )
    # handoffs: department changes per journey
    hand = d[
        (d["metric"] == "handoffs") & (d["segment_a"] == "north") & (d["segment_b"] == "south")
    ].iloc[0]
    assert hand["value_a"] == pytest.approx(1.0) and hand["value_b"] == pytest.approx(2 / 6)


def test_reference_and_errors(make_log):
    log = _tiny(make_log)
    res = jm.compare_segments(log, "region", reference="north", min_journeys=5)
    pairs = set(zip(res.differences["segment_a"], res.differences["segment_b"], strict=True))
    assert pairs == {("north", "east"), ("north", "south")}
    assert "conversion" not in set(res.differences["metric"])  # no goal
    with pytest.raises(InvalidParameterError, match="reference"):
        jm.compare_segments(log, "region", reference="west")
    with pytest.raises(MissingColumnError, match="Did you mean 'region'"):
        jm.compare_segments(log, "regoin")
    assert "SegmentComparison(by='region'" in repr(res)
    assert "<table" in res._repr_html_()


def test_first_event_decides_the_segment(make_log):
    rows = [
        ("a", "x", str(T0), "p"),
        ("a", "y", str(T0 + pd.Timedelta("1h")), "q"),
        ("b", "x", str(T0), "q"),
    ]
    res = jm.compare_segments(make_log(rows, columns=["plan"]), "plan", min_journeys=2)
    assert res.segments.set_index("segment")["journeys"].to_dict() == {"p": 1, "q": 1}


def test_segment_column_without_values_is_a_missing_column_error():
    df = pd.DataFrame(
        {
            "case": ["a", "a", "b", "b"],
            "act": ["x", "y", "x", "z"],
            "ts": pd.date_range("2020-01-01", periods=4, freq="h"),
        }
    )
    log = jm.from_pandas(df, case="case", activity="act", timestamp="ts")
    with pytest.raises(MissingColumnError, match="'channel'") as info:
        jm.compare_segments(log, "channel")
    assert info.value.column == "channel"
