"""time_to_goal (Aalen-Johansen cumulative incidence) and after_goal, checked by hand,
against lifelines where it is installed, and on a planted simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine._stats import wilson_ci
from journeymine.analyzers import outcomes as O

DAY = pd.Timedelta("1D")


def _six() -> jm.JourneyLog:
    """Six journeys: two conversions and one ending tied at day 2, an ending at day 4,
    one censored at the data end (day 5 of it), a conversion at day 7."""
    rows = [
        ("j1", "visit", "2025-01-01", "ads"),
        ("j1", "buy", "2025-01-03", "ads"),
        ("j2", "visit", "2025-01-05", "ads"),
        ("j2", "buy", "2025-01-07", "ads"),
        ("j3", "visit", "2025-01-01", "seo"),
        ("j3", "visit", "2025-01-03", "seo"),
        ("j4", "visit", "2025-01-15", "seo"),
        ("j4", "visit", "2025-01-16", "seo"),
        ("j5", "visit", "2025-01-02", "ads"),
        ("j5", "leave", "2025-01-06", "ads"),
        ("j6", "visit", "2025-01-12", "seo"),
        ("j6", "buy", "2025-01-19", "seo"),
    ]
    df = pd.DataFrame(rows, columns=["c", "a", "t", "src"])
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", keep=["src"])
    return jm.split_journeys(log, inactivity="10D", end_at="buy", observation_end="2025-01-20")


def test_six_journeys_by_hand():
    log = _six()
    assert log.cases["ongoing"].tolist() == [False, False, False, True, False, False]
    t = jm.time_to_goal(log, goal="buy")
    assert (t["time"] / DAY).tolist() == [0, 2, 4, 5, 7]
    assert t["at_risk"].tolist() == [6, 6, 3, 2, 1]
    assert t["converted"].tolist() == [0, 2, 0, 0, 1]
    assert t["ended"].tolist() == [0, 1, 1, 0, 0]
    assert t["censored"].tolist() == [0, 0, 0, 1, 0]
    # S(2) = 1 - 3/6; F(2) = 2/6; F(7) = F(5) + S(4) * 1/1 with S(4) = 1/2 * 2/3
    np.testing.assert_allclose(t["share_converted"], [0, 1 / 3, 1 / 3, 1 / 3, 2 / 3])
    assert t.attrs["journeymine"]["median_time"] == 7 * DAY
    assert t.attrs["journeymine"]["journeys"] == 6
    assert (t["ci_low"] <= t["share_converted"]).all()
    assert (t["share_converted"] <= t["ci_high"]).all()
    assert t["ci_high"].between(0, 1).all()
    # Var F(2) by hand: 0 + S0^2 d1 (n - d1) / n^3 - 0 = 2 * 4 / 216
    var = O._delta_variance(
        t["share_converted"].to_numpy(),
        np.r_[1.0, 1.0, 0.5, 1 / 3, 1 / 3],
        t["at_risk"].to_numpy(float),
        (t["converted"] + t["ended"]).to_numpy(float),
        t["converted"].to_numpy(float),
    )
    assert var[1] == pytest.approx(8 / 216)
    f = 1 / 3
    step = 1.959963984540054 * np.sqrt(8 / 216) / abs(f * np.log(f))
    assert t["ci_low"][1] == pytest.approx(f ** np.exp(step))
    assert t["ci_high"][1] == pytest.approx(f ** np.exp(-step))


def test_start_and_segments():
    log = _six()
    # from the first "leave": only j5 reaches it, and never buys after
    t = jm.time_to_goal(log, goal="buy", start="leave")
    assert t.attrs["journeymine"]["journeys"] == 1
    assert t["share_converted"].max() == 0
    by = jm.time_to_goal(log, goal="buy", by="src")
    assert by["src"].unique().tolist() == ["ads", "seo"]
    ads = by[by["src"] == "ads"]
    # ads: j1 (2d buy), j2 (2d buy), j5 (4d ended): 2/3 by day 2
    assert ads["share_converted"].tolist() == pytest.approx([0, 2 / 3, 2 / 3])
    assert by.attrs["journeymine"]["median_time"] == {"ads": 2 * DAY, "seo": 7 * DAY}
    assert by.attrs["journeymine"]["journeys"] == {"ads": 3, "seo": 3}


def test_no_competing_ending_is_kaplan_meier_with_greenwood():
    # without j3 and j5 no journey ends without the goal
    log = _six().select_cases(["j1#1", "j2#1", "j4#1", "j6#1"])
    t = jm.time_to_goal(log, goal="buy")
    assert t["ended"].sum() == 0
    surv = np.cumprod(1 - (t["converted"] / t["at_risk"]).to_numpy())
    np.testing.assert_allclose(t["share_converted"], 1 - surv)
    n, d = t["at_risk"].to_numpy(float), t["converted"].to_numpy(float)
    s_prev = np.r_[1.0, surv[:-1]]
    var = O._delta_variance(t["share_converted"].to_numpy(), s_prev, n, d, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, d / (n * (n - d)), 0.0)
    greenwood = surv**2 * np.cumsum(terms)
    np.testing.assert_allclose(var[:-1], greenwood[:-1], atol=1e-12)


def test_errors_name_the_parameter():
    log = _six()
    with pytest.raises(jm.GoalNotFoundError, match="'goal' parameter of time_to_goal"):
        jm.time_to_goal(log, goal="bye")
    with pytest.raises(jm.GoalNotFoundError, match="'start' parameter of time_to_goal"):
        jm.time_to_goal(log, goal="buy", start="vist")
    with pytest.raises(jm.MissingColumnError) as err:
        jm.time_to_goal(log, goal="buy", by="scr")
    assert err.value.param == "by"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.after_goal(log, goal="buy", within="30")
    assert err.value.param == "within"


def _planted(n: int = 4000, seed: int = 3) -> tuple[jm.JourneyLog, float, float]:
    """Exponential times to convert (rate l1) and to drop (rate l2), starts spread over
    60 days, cut at day 60: the truth is l1 / (l1 + l2) * (1 - exp(-(l1 + l2) t))."""
    l1, l2 = 0.06, 0.04
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.uniform(0, 60, n), unit="D")
    t1, t2 = rng.exponential(1 / l1, n), rng.exponential(1 / l2, n)
    end = t0 + pd.to_timedelta(np.minimum(t1, t2), unit="D")
    cut = pd.Timestamp("2025-03-02")
    ids = [f"j{i:05d}" for i in range(n)]
    first = pd.DataFrame({"c": ids, "a": "visit", "t": t0})
    done = end <= cut
    last = pd.DataFrame(
        {"c": np.asarray(ids)[done], "a": np.where(t1 < t2, "buy", "drop")[done], "t": end[done]}
    )
    log = jm.from_pandas(pd.concat([first, last]), case="c", activity="a", timestamp="t")
    log = jm.split_journeys(log, inactivity="400D", end_at=["buy", "drop"], observation_end=cut)
    return log, l1, l2


def test_planted_simulation_recovers_the_truth():
    log, l1, l2 = _planted()
    assert 0.1 < log.cases["ongoing"].mean() < 0.6  # heavily censored
    t = jm.time_to_goal(log, goal="buy")
    days = (t["time"] / DAY).to_numpy()
    for q in (3, 7, 14):
        truth = l1 / (l1 + l2) * (1 - np.exp(-(l1 + l2) * q))
        row = t.iloc[int(np.searchsorted(days, q, side="right")) - 1]
        assert abs(row["share_converted"] - truth) < 0.03, (q, row["share_converted"], truth)
        assert row["ci_low"] <= truth <= row["ci_high"], (q, truth, row)
    # ignoring censoring (conversions so far over all journeys) would understate it
    naive = (jm.case_goals(log, "buy")["converted"]).mean()
    assert naive < l1 / (l1 + l2) - 0.05


@pytest.mark.slow  # importing lifelines takes about 2 s
def test_against_lifelines():
    lifelines = pytest.importorskip("lifelines")
    log, _, _ = _planted(n=400, seed=5)
    cases = log.cases
    conv = jm.case_goals(log, "buy")["converted"].to_numpy()
    ongoing = cases["ongoing"].to_numpy()
    end = pd.Timestamp("2025-03-02", tz="UTC")
    stop = np.where(ongoing & ~conv, end, cases["end"])
    dur = ((pd.Series(stop) - cases["start"].reset_index(drop=True)) / DAY).to_numpy()
    kind = np.where(conv, 1, np.where(ongoing, 0, 2))
    aj = lifelines.AalenJohansenFitter(calculate_variance=True, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns about the ties it jitters
        aj.fit(dur, kind, event_of_interest=1)
    t = jm.time_to_goal(log, goal="buy")
    days = (t["time"] / DAY).to_numpy()
    ci = aj.confidence_interval_
    for q in (3, 7, 14, 30):
        mine = t.iloc[int(np.searchsorted(days, q, side="right")) - 1]
        theirs = aj.cumulative_density_[aj.cumulative_density_.index <= q].iloc[-1, 0]
        assert mine["share_converted"] == pytest.approx(theirs, abs=1e-9)
        lo, hi = ci[ci.index <= q].iloc[-1]
        assert (mine["ci_low"], mine["ci_high"]) == pytest.approx((lo, hi), abs=1e-6)
    # no competing ending: lifelines' Kaplan-Meier (ties and all)
    km = lifelines.KaplanMeierFitter().fit(dur, kind > 0)
    t = jm.time_to_goal(log, goal=["buy", "drop"])
    np.testing.assert_allclose(
        t["share_converted"].to_numpy()[1:],
        1 - km.survival_function_.iloc[1:, 0].to_numpy(),
        atol=1e-9,
    )
    np.testing.assert_array_equal(t["at_risk"].to_numpy()[1:], km.event_table["at_risk"].iloc[1:])


def test_empty_and_does_not_mutate():
    log = _six()
    before = log.events.copy(deep=True)
    jm.time_to_goal(log, goal="buy", by="src")
    jm.after_goal(log, goal="buy")
    pd.testing.assert_frame_equal(log.events, before)
    empty = log.select_cases([])
    t = jm.time_to_goal(empty, goal="buy") if "buy" in set(empty.events["activity"]) else None
    assert t is None or len(t) == 1


# --------------------------------------------------------------------------- after_goal


def _after_log(direction: bool = True) -> jm.JourneyLog:
    rows = [
        ("A", "visit", "2025-01-01", "web", "inbound"),
        ("A", "buy", "2025-01-02", "web", "inbound"),
        ("A", "call", "2025-01-05", "phone", "inbound"),
        ("A", "buy", "2025-01-10", "web", "inbound"),
        ("B", "visit", "2025-01-01", "web", "inbound"),
        ("B", "buy", "2025-01-03", "web", "inbound"),
        ("B", "receipt", "2025-01-03", "email", "outbound"),
        ("B", "use app", "2025-01-04", "app", "inbound"),
        ("C", "visit", "2025-01-01", "web", "inbound"),
        ("C", "buy", "2025-01-02", "web", "inbound"),
        ("C", "chat", "2025-02-20", "chat", "inbound"),
        ("D", "visit", "2025-01-01", "web", "inbound"),
        ("F", "buy", "2025-01-01", "web", "inbound"),
        ("F", "call", "2025-01-31", "phone", "inbound"),  # exactly 30 days: inside
        ("E", "buy", "2025-03-25", "web", "inbound"),
        ("E", "call", "2025-03-26", "phone", "inbound"),
    ]
    df = pd.DataFrame(rows, columns=["who", "tp", "t", "ch", "dir"])
    kw = {"direction": "dir"} if direction else {}
    log = jm.from_pandas(df, customer="who", activity="tp", timestamp="t", channel="ch", **kw)
    return jm.split_journeys(log, end_at="buy")


def test_after_goal_by_hand():
    a = jm.after_goal(_after_log(), goal="buy", within="30D")
    a = a.set_index("case_id")
    assert a.index.tolist() == ["A#1", "A#2", "B#1", "C#1", "E#1", "F#1"]
    assert a["contacts"].tolist() == [1, 0, 0, 0, 1, 1]
    assert a["repeat_goals"].tolist() == [1, 0, 0, 0, 0, 0]
    assert a["activity"].tolist() == [2, 0, 1, 0, 1, 1]
    assert a["outcome"].tolist() == [
        "contact",
        "silence",
        "self-service",
        "silence",
        "contact",
        "contact",
    ]
    assert a["window_complete"].tolist() == [True, True, True, True, False, True]
    assert a.loc["A#1", "first_contact_after"] == 3 * DAY
    assert a.loc["A#1", "first_repeat_after"] == 8 * DAY
    assert a.loc["F#1", "first_contact_after"] == 30 * DAY
    assert pd.isna(a.loc["C#1", "first_contact_after"])
    assert a["customer_id"].tolist() == ["A", "A", "B", "C", "E", "F"]


def test_after_goal_summary_and_window():
    a = jm.after_goal(_after_log(), goal="buy", within="30D")
    s = a.attrs["journeymine"]["summary"]
    lo, hi = wilson_ci(2, 5)
    assert s == {
        "journeys": 5,
        "incomplete_windows": 1,
        "with_contact": 2,
        "contact_rate": 0.4,
        "contact_rate_low": lo,
        "contact_rate_high": hi,
        "repeat_goal_rate": 0.2,
        "silence_rate": 0.4,
        "contacts_are": "inbound contacts",
    }
    # a longer window reaches C's chat on day 49
    long = jm.after_goal(_after_log(), goal="buy", within="60D").set_index("case_id")
    assert long.loc["C#1", "contacts"] == 1
    assert long.loc["C#1", "first_contact_after"] == 49 * DAY


def test_after_goal_without_directions_counts_every_event():
    t = jm.after_goal(_after_log(direction=False), goal="buy", within="30D")
    assert t.attrs["journeymine"]["summary"]["contacts_are"] == "every event"
    a = t.set_index("case_id")
    # B: the receipt and the app use are contacts now
    assert a.loc["B#1", "contacts"] == 2 and a.loc["B#1", "outcome"] == "contact"
    assert a.loc["A#1", "contacts"] == 1  # the repeat buy is a repeat goal, not a contact
    assert a.loc["B#1", "first_contact_touchpoint"] == "receipt"


def test_after_goal_names_the_goal_and_the_first_contact():
    a = jm.after_goal(_after_log(), goal="buy", within="30D").set_index("case_id")
    assert (a["goal_touchpoint"] == "buy").all()
    first = a["first_contact_touchpoint"]
    assert first["A#1"] == "call" and first["F#1"] == "call" and first["E#1"] == "call"
    assert first[["A#2", "B#1", "C#1"]].isna().all()  # no contact: the app use is self-service
    # at another level: the channel of the first contact
    c = jm.after_goal(_after_log(), goal="buy", within="30D", level="channel").set_index("case_id")
    assert c.loc["A#1", "first_contact_touchpoint"] == "phone"
    assert (c["goal_touchpoint"] == "web").all()
    assert c.attrs["journeymine"]["params"]["level"] == "channel"
    pd.testing.assert_series_equal(c["contacts"], a["contacts"])


def test_customer_order_is_a_lexsort():
    from journeymine.analyzers.outcomes import _by_customer

    rng = np.random.default_rng(3)
    for trial in range(200):
        n = int(rng.integers(0, 40))
        cust = rng.integers(-1, 5, n)
        if trial % 2:  # customers next to each other (journeys named after them)
            cust = np.sort(cust)
        ts = rng.integers(0, 6, n)
        want = np.lexsort((np.arange(n), ts, cust))
        np.testing.assert_array_equal(_by_customer(cust, ts), want)


def test_after_goal_matches_a_loop_over_the_events():
    rng = np.random.default_rng(11)
    n = 400
    df = pd.DataFrame(
        {
            "who": rng.integers(0, 25, n).astype(str),
            "tp": rng.choice(["visit", "buy", "call", "mail"], n, p=[0.4, 0.2, 0.2, 0.2]),
            "t": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            "ch": rng.choice(["web", "phone", "email"], n),
            "dir": rng.choice(["inbound", "outbound"], n),
        }
    )
    log = jm.split_journeys(
        jm.from_pandas(
            df, customer="who", activity="tp", timestamp="t", channel="ch", direction="dir"
        ),
        end_at="buy",
    )
    got = jm.after_goal(log, goal="buy", within="10D").set_index("case_id")
    ev = log.events.reset_index(drop=True)
    ev["row"] = np.arange(len(ev))
    expected = {}
    for case, g in ev.groupby("case_id", observed=True, sort=False):
        goals = g[g["activity"] == "buy"]
        if goals.empty:
            continue
        first = goals.iloc[0]
        mine = ev[ev["customer_id"] == first["customer_id"]].sort_values(["timestamp", "row"])
        later = mine[
            (mine["timestamp"] <= first["timestamp"] + pd.Timedelta("10D"))
            & ((mine["timestamp"] > first["timestamp"]) | (mine["row"] > first["row"]))
        ]
        inbound = later["direction"] == "inbound"
        contact = inbound & (later["channel"] != "web") & (later["activity"] != "buy")
        expected[case] = (
            int(contact.sum()),
            int((later["activity"] == "buy").sum()),
            int((inbound | (later["activity"] == "buy")).sum()),
        )
    assert sorted(got.index) == sorted(expected)
    for case, (c, r, act) in expected.items():
        assert (got.loc[case, "contacts"], got.loc[case, "repeat_goals"]) == (c, r), case
        assert got.loc[case, "activity"] == act, case


def test_missing_segment_value_is_its_own_curve():
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b", "b"],
            "tp": ["visit", "buy", "visit", "buy"],
            "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-03"]),
            "src": ["x", "x", None, None],
        }
    )
    log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", keep=["src"])
    t = jm.time_to_goal(log, goal="buy", by="src")
    assert t["src"].unique().tolist() == ["x", "(missing)"]
    assert t.attrs["journeymine"]["median_time"] == {"x": DAY, "(missing)": 2 * DAY}
