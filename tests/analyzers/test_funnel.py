"""Tests of jm.funnel: hand-computed steps, modes, window, fallout, brute force, BPIC 2012."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm

T0 = pd.Timestamp("2025-01-01 09:00")
H = pd.Timedelta(hours=1)


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


def with_ongoing(log: jm.JourneyLog, ids: list[str]) -> jm.JourneyLog:
    return log._replace(ongoing=log.cases["case_id"].astype(str).isin(ids).to_numpy())


@pytest.fixture
def shop(make_log) -> jm.JourneyLog:
    rows = [
        ("j1", "home", _at(0)),
        ("j1", "cart", _at(1)),
        ("j1", "buy", _at(3)),
        ("j2", "home", _at(0)),
        ("j2", "cart", _at(2)),
        ("j2", "help", _at(3)),
        ("j3", "home", _at(0)),
        ("j4", "cart", _at(0)),
        ("j4", "home", _at(1)),
        ("j4", "help", _at(2)),
        ("j5", "home", _at(0)),
        ("j5", "cart", _at(1)),
        ("j6", "help", _at(0)),
        ("j6", "home", _at(1)),
        ("j6", "home", _at(2)),
        ("j6", "cart", _at(5)),
        ("j6", "buy", _at(6)),
    ]
    return with_ongoing(make_log(rows), ["j5"])


def test_every_column_by_hand(shop):
    f = jm.funnel(shop, ["home", "cart", "buy"])
    assert f["step"].tolist() == [1, 2, 3]
    assert f["touchpoint"].tolist() == ["home", "cart", "buy"]
    # home: all six; cart after home: j1 j2 j5 j6 (j4's cart is before its home); buy: j1 j6
    assert f["journeys"].tolist() == [6, 4, 2]
    # 4/6 and 2/4; from the first: 1, 4/6, 2/6
    assert np.isnan(f.loc[0, "conversion_from_previous"])
    assert f["conversion_from_previous"].tolist()[1:] == pytest.approx([4 / 6, 0.5])
    assert f["conversion_from_first"].tolist() == pytest.approx([1.0, 4 / 6, 2 / 6])
    # home -> cart: j1 1h, j2 2h, j5 1h, j6 4h (first home at 1h, cart at 5h): median 1.5h
    # cart -> buy: j1 2h, j6 1h: median 1.5h
    assert pd.isna(f.loc[0, "median_time_from_previous"])
    assert f["median_time_from_previous"].tolist()[1:] == [1.5 * H, 1.5 * H]
    # after home: j3 ended, j4 went on to help; after cart: j5 is ongoing, j2 went to help
    assert f["dropped"].tolist() == [2, 2, 0]
    assert f["ongoing"].tolist() == [0, 1, 0]
    assert f["ended"].tolist() == [1, 0, 0]
    assert f["went_elsewhere"].tolist() == [1, 1, 0]
    assert f["lost_next"].tolist() == [[("help", 1)], [("help", 1)], []]


def test_within(shop, make_log):
    f = jm.funnel(shop, ["home", "cart", "buy"], within="90min")
    # cart within 1.5h of home: j1 (1h), j5 (1h); j2 takes 2h, j6 3h from its latest home
    # buy: j1 at 3h > 1.5h
    assert f["journeys"].tolist() == [6, 2, 0]
    # a later start can succeed where the first fails: home, home (10h later), cart (+30min)
    log = make_log([("a", "home", _at(0)), ("a", "home", _at(10)), ("a", "cart", _at(10.5))])
    assert jm.funnel(log, ["home", "cart"], within="1h")["journeys"].tolist() == [1, 1]
    assert (
        jm.funnel(log, ["home", "cart"], within="1h").loc[1, "median_time_from_previous"] == 0.5 * H
    )


def test_direct_mode(make_log):
    log = make_log(
        [
            ("a", "A", _at(0)),
            ("a", "X", _at(1)),
            ("a", "B", _at(2)),
            ("b", "A", _at(0)),
            ("b", "B", _at(1)),
            ("c", "A", _at(0)),
            ("c", "X", _at(1)),
            ("c", "A", _at(2)),
            ("c", "B", _at(4)),
        ]
    )
    eventual = jm.funnel(log, ["A", "B"])
    direct = jm.funnel(log, ["A", "B"], mode="direct")
    assert eventual["journeys"].tolist() == [3, 3]
    # consecutive A, B: b, and c at its second A
    assert direct["journeys"].tolist() == [3, 2]
    # b: 1h; c: 2h (second A at 2h, B at 4h): median 1.5h
    assert direct.loc[1, "median_time_from_previous"] == 1.5 * H
    # a dropped after A (next: X)
    assert direct.loc[0, "lost_next"] == [("X", 1)]


def test_repeated_step_and_top(make_log):
    rows = [
        ("a", "A", _at(0)),
        ("a", "B", _at(1)),
        ("a", "A", _at(2)),
        ("b", "A", _at(0)),
        ("b", "B", _at(1)),
    ]
    rows += [(f"x{i}", "A", _at(0)) for i in range(3)]
    rows += [(f"x{i}", nxt, _at(1)) for i, nxt in enumerate(["C", "D", "D"])]
    log = make_log(rows)
    f = jm.funnel(log, ["A", "B", "A"])
    assert f["journeys"].tolist() == [5, 2, 1]
    # after A: x0 -> C, x1 and x2 -> D: most frequent first
    assert f.loc[0, "lost_next"] == [("D", 2), ("C", 1)]
    assert jm.funnel(log, ["A", "B"], top=1).loc[0, "lost_next"] == [("D", 2)]
    assert jm.funnel(log, ["A", "B"], top=None).loc[0, "lost_next"] == [("D", 2), ("C", 1)]


def test_bad_steps(shop):
    with pytest.raises(jm.GoalNotFoundError, match="Did you mean 'cart'"):
        jm.funnel(shop, ["home", "crt"])
    with pytest.raises(jm.InvalidParameterError, match="non-empty list"):
        jm.funnel(shop, [])
    with pytest.raises(jm.InvalidParameterError, match="non-empty list"):
        jm.funnel(shop, "home")
    with pytest.raises(jm.InvalidParameterError, match="'mode'"):
        jm.funnel(shop, ["home"], mode="strict")
    with pytest.raises(jm.InvalidParameterError, match="'within'"):
        jm.funnel(shop, ["home"], within=5)


def test_single_step_and_equal_timestamps(make_log):
    log = make_log([("a", "A", _at(0)), ("a", "B", _at(0)), ("b", "B", _at(0))])
    assert jm.funnel(log, ["A"])["journeys"].tolist() == [1]
    f = jm.funnel(log, ["A", "B"])
    assert f["journeys"].tolist() == [1, 1]
    assert f.loc[1, "median_time_from_previous"] == pd.Timedelta(0)


# --------------------------------------------------------------------------- brute force

journeys_st = st.lists(
    st.lists(st.tuples(st.sampled_from("ABC"), st.integers(0, 3)), min_size=1, max_size=6),
    min_size=1,
    max_size=10,
)


def _brute(journeys, steps, mode, within):
    counts = []
    for k in range(1, len(steps) + 1):
        n = 0
        for events in journeys:
            acts = [a for a, _ in events]
            ts = list(itertools.accumulate(dt for _, dt in events))
            ok = False
            idx_sets = (
                [tuple(range(s, s + k)) for s in range(len(acts) - k + 1)]
                if mode == "direct"
                else itertools.combinations(range(len(acts)), k)
            )
            for idx in idx_sets:
                if [acts[i] for i in idx] == steps[:k] and (
                    within is None or ts[idx[-1]] - ts[idx[0]] <= within
                ):
                    ok = True
                    break
            n += ok
        counts.append(n)
    return counts


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    journeys_st,
    st.lists(st.sampled_from("ABC"), min_size=1, max_size=3),
    st.sampled_from(["eventual", "direct"]),
    st.sampled_from([None, 0, 2, 4]),
)
def test_matches_brute_force(journeys, steps, mode, within):
    rows = []
    for i, events in enumerate(journeys):
        t = 0
        for a, dt in events:
            t += dt
            rows.append((f"c{i}", a, T0 + pd.Timedelta(hours=t)))
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", drop_duplicates=False)
    present = set(df["a"])
    if not set(steps) <= present:
        return
    win = None if within is None else pd.Timedelta(hours=within) if within else pd.Timedelta("1ns")
    f = jm.funnel(log, steps, mode=mode, within=win)
    assert f["journeys"].tolist() == _brute(journeys, steps, mode, within)
    assert (np.diff(f["journeys"].to_numpy()) <= 0).all()
    assert (f["dropped"] == f["ongoing"] + f["ended"] + f["went_elsewhere"]).all()
    assert f["dropped"].tolist()[:-1] == (-np.diff(f["journeys"].to_numpy())).tolist()


# --------------------------------------------------------------------------- planted and real


def test_planted_funnel_rates():
    from journeymine.datasets import JourneyModel, simulate

    model = JourneyModel.from_steps(
        ["land", "choose", "details", "pay", "done"],
        drop_off={"choose": 0.30, "pay": 0.45},
        delay="2h",
    )
    f = jm.funnel(
        simulate(model, n_journeys=20_000, seed=5), ["land", "choose", "details", "pay", "done"]
    )
    rates = f["conversion_from_previous"].tolist()
    assert rates[1] == pytest.approx(1.0, abs=0.01)  # a few journeys are cut by the window end
    assert rates[2] == pytest.approx(0.70, abs=0.02)
    assert rates[4] == pytest.approx(0.55, abs=0.02)
    # journeys that stop simply end (a linear model has nowhere else to go)
    assert f.loc[3, "went_elsewhere"] == 0
    assert f.loc[3, "ended"] + f.loc[3, "ongoing"] == f.loc[3, "dropped"]


@pytest.mark.realdata
def test_bpic2012_funnel_is_reproduced_exactly(real_data):
    """The five application milestones of BPIC 2012, counted on all events.

    The A_ activities have only COMPLETE lifecycle events, so counting all events and
    counting completes give the same numbers; the default (eventual) mode counts an
    application at a step when it has the steps up to it in this order, which here
    equals the number of applications with the activity at all (no application
    reaches a milestone out of order).
    """
    log = jm.read_xes(real_data / "bpic2012.xes.gz")
    steps = ["A_SUBMITTED", "A_PREACCEPTED", "A_ACCEPTED", "A_FINALIZED", "A_APPROVED"]
    f = jm.funnel(log, steps)
    assert f["journeys"].tolist() == [13087, 7367, 5113, 5015, 2246]
    assert f["conversion_from_first"].iloc[-1] == pytest.approx(2246 / 13087)
    # every submitted application is next partly submitted
    assert f.loc[0, "lost_next"] == [("A_PARTLYSUBMITTED", 5720)]
    ev = log.events
    assert [ev.loc[ev["activity"] == s, "case_id"].nunique() for s in steps] == f[
        "journeys"
    ].tolist()
