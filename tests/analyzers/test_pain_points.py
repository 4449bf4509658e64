"""Tests of jm.pain_points (and of the confidence intervals it rests on)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.analyzers._stats import newcombe_diff_ci, rate, wald_diff_ci, wilson_ci

T0 = pd.Timestamp("2025-01-01")


# --------------------------------------------------------------------------- intervals


def test_wilson_by_hand():
    # k = 2, n = 6, z = 1.959964: p = 1/3; denom = 1 + z^2/6 = 1.64024;
    # centre = (1/3 + z^2/12) / denom = 0.39839; half = z sqrt(p(1-p)/6 + z^2/144) / denom = 0.30161
    lo, hi = wilson_ci(2, 6)
    assert (lo, hi) == pytest.approx((0.09677, 0.70000), abs=1e-5)
    assert wilson_ci(0, 10)[0] == 0.0 and wilson_ci(10, 10)[1] == 1.0
    lo, hi = wilson_ci(np.array([1, 0]), np.array([4, 0]))
    assert np.isnan(lo[1]) and np.isnan(hi[1])


def test_newcombe_and_wald_by_hand():
    # Newcombe (1998) example: 56/70 - 48/80 -> (0.0524, 0.3339)
    assert newcombe_diff_ci(56, 70, 48, 80) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    # Wald: d = 0.2, se = sqrt(0.8 * 0.2 / 70 + 0.6 * 0.4 / 80) = 0.072703 -> 0.2 -+ 1.96 se
    assert wald_diff_ci(56, 70, 48, 80) == pytest.approx((0.05750, 0.34250), abs=1e-4)
    assert np.isnan(newcombe_diff_ci(1, 0, 1, 2)[0])
    assert np.isnan(rate(1, 0))


# --------------------------------------------------------------------------- hand computed


@pytest.fixture
def shop() -> jm.JourneyLog:
    rows = []
    paths = {
        "a": ["home", "cart", "buy"],
        "b": ["home", "cart"],
        "c": ["home", "cart"],
        "d": ["home", "old"],
        "e": ["home", "buy"],
    }
    for case, acts in paths.items():
        rows += [(case, a, T0 + pd.Timedelta(hours=k)) for k, a in enumerate(acts)]
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def test_every_column_by_hand(shop):
    with pytest.warns(jm.DataQualityWarning, match="department.*direction"):
        p = jm.pain_points(shop, goal="buy", min_journeys=1)
    assert p["rank"].tolist() == [1, 2]
    assert p["kind"].tolist() == ["drop_off", "dead_end"]
    assert p["where"].tolist() == ["cart", "old"]
    # drop-off at cart: b and c end there (affected, 0% convert); a went on and converted (1/1)
    # dead end "old": d visits it (0/1); the other four journeys convert 2/4
    assert p["journeys_affected"].tolist() == [2, 1]
    assert p["conversion_affected"].tolist() == [0.0, 0.0]
    assert p["conversion_unaffected"].tolist() == [1.0, 0.5]
    assert p["conversion_gap"].tolist() == [1.0, 0.5]
    # affected x gap: 2 x 1, 1 x 0.5
    assert p["conversions_lost"].tolist() == [2.0, 0.5]
    # Newcombe(1/1 - 0/2): Wilson(1,1) = (0.2065, 1), Wilson(0,2) = (0, 0.6576):
    #   low = 1 - sqrt(0.7935^2 + 0.6576^2) = -0.0305, high = 1 + 0 = 1; times 2 journeys
    # Newcombe(2/4 - 0/1): Wilson(2,4) = (0.1500, 0.8500), Wilson(0,1) = (0, 0.7935):
    #   low = 0.5 - sqrt(0.35^2 + 0.7935^2) = -0.3672, high = 0.5 + sqrt(0.35^2 + 0) = 0.85
    assert p["conversions_lost_low"].tolist() == pytest.approx([-0.06109, -0.36720], abs=1e-4)
    assert p["conversions_lost_high"].tolist() == pytest.approx([2.0, 0.84996], abs=1e-4)
    assert p["kind_rank"].tolist() == [1, 1]
    assert p.loc[0, "detail"].startswith("67% of the 3 journeys reaching it end there")
    assert "no path to the goal" in p.loc[1, "detail"]


def test_empty_and_errors(shop):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        p = jm.pain_points(shop, goal="buy")  # nothing reaches 20 journeys
    assert p.empty and list(p.columns[:3]) == ["rank", "kind", "where"]
    with pytest.raises(jm.GoalNotFoundError, match="Did you mean 'buy'"):
        jm.pain_points(shop, goal="buyy")
    with pytest.raises(jm.InvalidParameterError, match="'min_journeys'"):
        jm.pain_points(shop, goal="buy", min_journeys=0)


# --------------------------------------------------------------------------- planted


def telecom(silent_share: float):
    """A model of our own: every planted problem on other touchpoints than the sample's."""
    from journeymine.datasets import Delay, JourneyModel, SilentGap

    return JourneyModel(
        name="telecom",
        touchpoints=[
            ("visit site", "web", "marketing", "inbound"),
            ("compare plans", "web", "sales", "inbound"),
            ("old tariff page", "web", "sales", "inbound"),
            ("configure plan", "web", "sales", "inbound"),
            ("credit check", "web", "risk", "internal"),
            ("submit documents", "email", "risk", "inbound"),
            ("document review", "email", "risk", "outbound", 3),
            ("checkout", "web", "billing", "inbound"),
            ("order placed", "web", "sales", "inbound"),
            ("order confirmation", "email", "billing", "outbound"),
            ("ask question", "chat", "support", "inbound", 4),
            ("answer", "email", "support", "outbound", 4),
            ("forward to risk", "chat", "risk", "internal", 2),
            ("back to support", "chat", "support", "internal", 4),
            ("call again", "phone", "support", "inbound", 4),
        ],
        start={"visit site": 1.0},
        transitions={
            "visit site": {"compare plans": 0.6, "old tariff page": 0.12, "END": 0.28},
            "compare plans": {"configure plan": 0.5, "ask question": 0.25, "END": 0.25},
            "old tariff page": {"old tariff page": 0.15, "END": 0.85},  # dead end
            "configure plan": {"credit check": 0.85, "END": 0.15},
            "credit check": {"submit documents": 0.3, "checkout": 0.7},
            "submit documents": {"document review": 1.0},  # silent gaps
            "document review": {"checkout": 0.85, "END": 0.15},
            "checkout": {"order placed": 0.6, "END": 0.4},  # drop-off step
            "order placed": {"order confirmation": 1.0},
            "ask question": {"answer": 0.6, "forward to risk": 0.4},  # ping-pong
            "forward to risk": {"back to support": 1.0},
            "back to support": {"call again": 1.0},  # repeat contact after the handoff
            "call again": {"configure plan": 0.25, "END": 0.75},
            "answer": {"configure plan": 0.6, "END": 0.4},
        },
        goals=["order placed"],
        delays={
            ("visit site", "*"): ("5min", 0.8),
            ("*", "old tariff page"): ("2min", 0.5),
            ("submit documents", "document review"): ("6h", 0.8),
            ("ask question", "forward to risk"): ("10min", 0.4),
            ("forward to risk", "back to support"): ("15min", 0.4),
            ("back to support", "call again"): ("1D", 0.4),
            ("checkout", "order placed"): ("3min", 0.5),
            ("order placed", "order confirmation"): ("1min", 0.3),
        },
        default_delay=("2h", 1.0),
        modifiers=[
            SilentGap("submit documents", "document review", silent_share, Delay("14D", 0.25))
        ],
    )


PLANTED = {
    "drop_off": "checkout",
    "dead_end": "old tariff page",
    "ping_pong": "support \u2192 risk \u2192 support",
    "handoff": "risk \u2192 support",
    "silent_gap": "submit documents \u2192 document review",
    "repeat_contact": "chat \u2192 phone",
}


@pytest.mark.parametrize(("silent_share", "seed"), [(1 / 2, 2), (1 / 3, 9)])
def test_planted_problems_lead_their_kinds_and_the_table(silent_share, seed):
    from journeymine.datasets import simulate

    log = simulate(telecom(silent_share), n_journeys=20_000, seed=seed)
    p = jm.pain_points(log, goal="order placed")
    first = p[p["kind_rank"] == 1].set_index("kind")["where"].to_dict()
    for kind, where in PLANTED.items():
        assert first[kind] == where, kind
    top = p.head(len(PLANTED) + 1)
    assert set(PLANTED.values()) <= set(top["where"])
    row = p.set_index(["kind", "where"])
    assert row.loc[("dead_end", "old tariff page"), "conversion_affected"] == 0.0
    assert row.loc[("drop_off", "checkout"), "conversion_unaffected"] == pytest.approx(1.0)
    # the rates behind them, recovered
    d = jm.dropoffs(log, goal="order placed").set_index("touchpoint")
    assert d.loc["checkout", "exit_rate"] == pytest.approx(0.40, abs=0.02)
    s = jm.silent_gaps_summary(log).iloc[0]
    assert s["share"] == pytest.approx(silent_share, abs=0.04)
    r = jm.repeat_contacts(log).iloc[0]
    assert r["share"] == pytest.approx(0.40, abs=0.03)  # every forwarded chat ends in a call
    # bounced journeys rarely come back to configure a plan: they convert less than the rest
    assert row.loc[("ping_pong", PLANTED["ping_pong"]), "conversions_lost_low"] > 0


def test_sample_planted_findings_in_the_top_ten():
    p = jm.pain_points(jm.datasets.load_sample(), goal="purchase")
    top = p.head(10)
    pairs = set(zip(top["kind"], top["where"], strict=True))
    assert ("drop_off", "enter payment details") in pairs
    assert ("dead_end", "legacy help page") in pairs
    assert ("ping_pong", "support \u2192 billing \u2192 support") in pairs
    assert ("silent_gap", "support ticket opened \u2192 support reply") in pairs
    assert ("repeat_contact", "chat \u2192 phone") in pairs
    # ranks interleave kinds: the first rows are each kind's worst finding
    k = p["kind_rank"].to_numpy()
    assert (np.diff(k) >= 0).all()


def test_deterministic_whatever_the_input_order():
    df = jm.datasets.load_sample(as_frame=True)
    shuffled = df.sample(frac=1.0, random_state=3).reset_index(drop=True)

    def load(frame):
        return jm.from_pandas(
            frame,
            case="case_id",
            customer="customer_id",
            activity="activity",
            timestamp="timestamp",
            channel="channel",
            department="department",
            resource="resource",
            direction="direction",
        )

    a = jm.pain_points(load(df), goal="purchase")
    b = jm.pain_points(load(shuffled), goal="purchase")
    pd.testing.assert_frame_equal(a, b)
