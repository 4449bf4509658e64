"""journey_features: one row per journey, hand-checked on a tiny log, agreeing with each analyzer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

GOAL = "purchase"


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


@pytest.fixture(scope="module")
def feats(sample) -> pd.DataFrame:
    return jm.journey_features(sample, goal=GOAL)


def _tiny() -> jm.JourneyLog:
    t = pd.Timestamp("2025-01-01 09:00")
    h = pd.Timedelta("1h")
    rows = [
        # a: web visit, phone call to sales, handed to support, back to sales (ping-pong), buy
        ("a", "visit", t, "web", "sales", "inbound"),
        ("a", "call", t + h, "phone", "sales", "inbound"),
        ("a", "ticket", t + 2 * h, "phone", "support", "outbound"),
        ("a", "call", t + 3 * h, "phone", "sales", "inbound"),
        ("a", "buy", t + 4 * h, "web", "sales", "inbound"),
        # b: visit, email, email again an hour later (a repeat contact), ends unconverted
        ("b", "visit", t, "web", "sales", "inbound"),
        ("b", "email", t + h, "email", "support", "inbound"),
        ("b", "email", t + 2 * h, "email", "support", "inbound"),
    ]
    df = pd.DataFrame(rows, columns=["case", "activity", "ts", "channel", "dept", "dir"])
    df["customer"] = ["c1"] * 5 + ["c2"] * 3
    return jm.from_pandas(
        df,
        case="case",
        customer="customer",
        activity="activity",
        timestamp="ts",
        channel="channel",
        department="dept",
        direction="dir",
    )


def test_tiny_log_by_hand():
    f = jm.journey_features(_tiny(), goal="buy", self_service=None)
    assert f.index.tolist() == ["a", "b"] and f.index.name == "case_id"
    assert f["customer_id"].astype(str).tolist() == ["c1", "c2"]
    assert f["outcome"].astype(str).tolist() == ["converted", "lost"]
    assert f["duration"].tolist() == [pd.Timedelta("4h"), pd.Timedelta("2h")]
    assert f["n_events"].tolist() == [5, 3]
    assert f["n_channels"].tolist() == [2, 2]  # a: web, phone; b: web, email
    assert f["n_departments"].tolist() == [2, 2]
    assert f["channel=phone"].tolist() == [True, False]
    assert f["channel=email"].tolist() == [False, True]
    assert f["channel=web"].tolist() == [True, True]
    assert f["dropped_at"].isna().tolist() == [True, False] and f["dropped_at"].iloc[1] == "email"
    # a: sales -> support -> sales (2 handoffs, 1 bounce back); b: sales -> support
    assert f["handoffs"].tolist() == [2, 1]
    assert f["ping_pongs"].tolist() == [1, 0]
    # every inbound contact followed by another within 7 days is a repeat (no channel is
    # self-service here): a's contacts visit, call, call, buy (the outbound ticket is no
    # contact) give 3 repeats; b's visit, email, email give 2
    assert f["repeat_contacts"].tolist() == [3, 2]
    # a visits "call" twice, b visits "email" twice
    assert f["extra_visits"].tolist() == [1, 1]
    assert (f["hours_waited"] >= 0).all()


def test_cut_at_a_touchpoint_and_at_a_duration():
    log = _tiny()
    f = jm.journey_features(log, goal="buy", cut="ticket", self_service=None)
    # a keeps visit, call (before its first ticket); b never reaches ticket: all kept
    assert f["n_events"].tolist() == [2, 3]
    assert f["outcome"].astype(str).tolist() == ["converted", "lost"]  # from the whole journey
    assert f["ping_pongs"].tolist() == [0, 0]
    g = jm.journey_features(log, goal="buy", cut="90min", self_service=None)
    assert g["n_events"].tolist() == [2, 2]
    # b is cut too: it counts as ongoing at the cut, so it has not dropped anywhere yet
    assert g["dropped_at"].isna().all()
    assert g["duration"].tolist() == [pd.Timedelta("1h"), pd.Timedelta("1h")]
    # a cut at the first touchpoint leaves no event: zeros, the row stays
    z = jm.journey_features(log, goal="buy", cut="visit", self_service=None)
    assert z.index.tolist() == ["a", "b"]
    assert z["n_events"].tolist() == [0, 0] and z["duration"].tolist() == [pd.Timedelta(0)] * 2
    assert z["dropped_at"].isna().all()
    # the same columns as without the cut, though no event is left to show a channel
    assert z.columns.equals(jm.journey_features(log, goal="buy", self_service=None).columns)
    assert not z["channel=web"].any() and (z["n_channels"] == 0).all()


def test_bad_cut_names_the_parameter():
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.journey_features(_tiny(), goal="buy", cut="no such touchpoint")
    assert err.value.param == "cut"


def test_one_row_per_journey_joining_on_case_id(sample, feats):
    cases = sample.cases
    assert len(feats) == sample.n_cases and feats.index.is_unique
    assert feats.index.tolist() == cases["case_id"].astype(str).tolist()
    joined = cases.assign(case_id=cases["case_id"].astype(str)).merge(
        feats.drop(columns="customer_id"), left_on="case_id", right_index=True, how="left"
    )
    assert len(joined) == len(cases) and joined["outcome"].notna().all()
    assert (feats["customer_id"].astype(str).to_numpy() == cases["customer_id"].astype(str)).all()


def test_counts_agree_with_each_analyzer(sample, feats):
    d = jm.dropoffs(sample, goal=GOAL)
    lost = feats["dropped_at"].value_counts()
    for row in d.itertuples():
        assert lost.get(row.touchpoint, 0) == row.lost
    assert (feats["outcome"] == "converted").sum() == jm.case_goals(sample, GOAL)["converted"].sum()
    h = jm.handoffs(sample, min_handoffs=1)
    assert feats["handoffs"].sum() == h["handoffs"].sum()
    assert feats["ping_pongs"].sum() == h["ping_pongs"].sum()
    assert feats["repeat_contacts"].sum() == jm.repeat_contacts(sample)["repeats"].sum()
    assert feats["extra_visits"].sum() == jm.loops(sample)["extra_visits"].sum()
    de = jm.dead_ends(sample, goal=GOAL)
    assert feats["dead_end"].sum() >= de.loc[de["dead_end"], "journeys_before_goal"].max()
    assert np.isclose(
        feats["hours_waited"].sum(), jm.pain_points(sample, goal=GOAL).attrs["totals"]["hours_lost"]
    )


def test_input_is_not_changed_and_answer_is_fresh(sample):
    before = sample.events.copy()
    f = jm.journey_features(sample, goal=GOAL, cut="view pricing")
    f["n_events"] = -1
    pd.testing.assert_frame_equal(sample.events, before)
    assert jm.journey_features(sample, goal=GOAL, cut="view pricing")["n_events"].ge(0).all()


def test_cut_only_removes_events(sample, feats):
    c = jm.journey_features(sample, goal=GOAL, cut="2D")
    assert (c["n_events"] <= feats["n_events"]).all()
    assert (c["duration"] < pd.Timedelta("2D")).all()
    assert (c["outcome"] == feats["outcome"]).all()


def test_time_to_goal_and_post_goal_contacts_by_hand() -> None:
    # a: visit (1 Jan) -> buy (3 Jan), then calls 5 Jan and 20 Jan (2 contacts within 30 days)
    # and one on 1 Mar (outside); b: visit, buy at once, nothing after; c: never buys
    df = pd.DataFrame(
        {
            "who": ["a", "a", "a", "a", "a", "b", "b", "c", "c"],
            "tp": ["visit", "buy", "call", "call", "call", "visit", "buy", "visit", "leave"],
            "t": pd.to_datetime(
                [
                    "2025-01-01 00:00",
                    "2025-01-03 00:00",
                    "2025-01-05 00:00",
                    "2025-01-20 00:00",
                    "2025-03-01 00:00",
                    "2025-01-02 10:00",
                    "2025-01-02 10:30",
                    "2025-01-04 00:00",
                    "2025-01-05 00:00",
                ]
            ),
        }
    )
    log = jm.split_journeys(
        jm.from_pandas(df, customer="who", activity="tp", timestamp="t"), end_at="buy"
    )
    f = jm.journey_features(log, goal="buy")
    ttg = f["time_to_goal"]
    assert ttg["a#1"] == pd.Timedelta("2D")
    assert ttg["b#1"] == pd.Timedelta("30min")
    assert pd.isna(ttg["c#1"])
    assert ttg.drop(["a#1", "b#1"]).isna().all()
    assert f["post_goal_contacts"].to_dict() == {
        **{c: 0 for c in f.index},
        "a#1": 2,
    }
    assert f["post_goal_contacts"].dtype == np.int64
    # labels of the whole journey, also with a cut
    cut = jm.journey_features(log, goal="buy", cut="buy")
    pd.testing.assert_series_equal(cut["time_to_goal"], ttg)
