"""Tests of jm.pain_points (and of the confidence intervals it rests on)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine._stats import newcombe_diff_ci, rate, wald_diff_ci, wilson_ci

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

H = pd.Timedelta(hours=1)
CURRENCY_LOWS = ["conversions_lost_low", "hours_lost_low", "extra_effort_low"]


def _rows(case, steps, start):
    """(case, activity, time, channel, department, direction) rows, each step ``gap`` later."""
    t, out = start, []
    for act, ch, dep, d, gap in steps:
        t = t + gap
        out.append((case, act, t, ch, dep, d))
    return out


@pytest.fixture
def desk() -> jm.JourneyLog:
    """30 journeys, every one answered (converted), by hand:

    * p0..p9 bounce: question (billing) -> transfer (support) -> back (billing, 72h later)
      -> answer: 2 handoffs + 1 bounce + 1 contact = effort 4; the 72h gap is silent
      (global baseline 1h, cut-off 1 day): excess 72h - 1h = 71h waiting;
    * d0..d9: question -> answer: effort 1 (the contact);
    * s0..s9 go to sales: question -> pitch (sales) [-> call again (s0..s4)] -> answer:
      1 handoff + 1 or 2 contacts = effort 2 or 3.
    """
    rows = []
    for i in range(10):
        start = T0 + i * H
        q = ("question", "phone", "billing", "inbound", 0 * H)
        rows += _rows(
            f"p{i}",
            [
                q,
                ("transfer", "phone", "support", "internal", H),
                ("back", "phone", "billing", "internal", 72 * H),
                ("answer", "email", "billing", "outbound", H),
            ],
            start,
        )
        rows += _rows(f"d{i}", [q, ("answer", "email", "billing", "outbound", H)], start)
        sales = [q, ("pitch", "email", "sales", "outbound", H)]
        if i < 5:
            sales.append(("call again", "phone", "sales", "inbound", H))
        rows += _rows(f"s{i}", [*sales, ("answer", "email", "sales", "outbound", H)], start)
    df = pd.DataFrame(rows, columns=["c", "a", "t", "ch", "dep", "dir"])
    return jm.from_pandas(
        df, case="c", activity="a", timestamp="t", channel="ch", department="dep", direction="dir"
    )


def test_effort_and_waiting_by_hand(desk):
    p = jm.pain_points(desk, goal="answer", min_journeys=5)
    assert p["kind"].tolist() == ["ping_pong+handoff", "handoff", "repeat_contact"]
    assert p["where"].tolist() == [
        "billing \u2192 support \u2192 billing",
        "billing \u2192 sales",
        "phone \u2192 phone",
    ]
    # the bounce and both of its handoffs are the same 10 journeys: one row
    assert p.loc[0, "members"].count(";") == 2
    assert p["journeys_affected"].tolist() == [10, 10, 5]
    # everyone converts: no conversions lost, and no row claims any
    assert p["conversions_lost"].tolist() == [0.0, 0.0, 0.0]
    assert (p["conversions_lost_low"] < 0).all()
    # ping-pong: compared with the journeys handing over from billing without bouncing
    # (s0..s9, effort 2 or 3: mean 2.5, sample variance 2.5 / 9); bounced: 4, variance 0.
    # d = 1.5, se = sqrt(0.27778 / 10) = 0.16667 -> 1.5 -+ 1.96 se = [1.1733, 1.8267], x 10
    row = p.iloc[0]
    assert (row["extra_effort"], row["extra_effort_low"], row["extra_effort_high"]) == (
        pytest.approx(15.0),
        pytest.approx(11.7334, abs=1e-3),
        pytest.approx(18.2666, abs=1e-3),
    )
    # waiting: 71h per bounced journey, none for the others (no variance): 710h exactly
    assert (row["hours_lost"], row["hours_lost_low"], row["hours_lost_high"]) == (
        pytest.approx(710.0),
        pytest.approx(710.0),
        pytest.approx(710.0),
    )
    # the handoff to sales itself: followed by a repeat contact in 5 of 10 journeys
    # (mean 0.5, variance 0.27778): 5 -+ 10 x 1.96 x 0.16667 = [1.733, 8.267]
    assert p.loc[1, ["extra_effort", "extra_effort_low", "extra_effort_high"]].tolist() == (
        pytest.approx([5.0, 1.7334, 8.2666], abs=1e-3)
    )
    # repeat phone -> phone (s0..s4, effort 3) against the other 25 phone contacts
    # (4 x 10, 1 x 10, 2 x 5: mean 2.4, variance 46 / 24): d = 0.6, se = 0.27689
    assert p.loc[2, ["extra_effort", "extra_effort_low", "extra_effort_high"]].tolist() == (
        pytest.approx([3.0, 0.2866, 5.7134], abs=1e-3)
    )
    # balanced: shares of the log's totals (30 conversions, 710h, effort 75) at the low end
    assert p["score"].tolist() == pytest.approx(
        [710 / 710 + 11.7334 / 75, 1.7334 / 75, 0.2866 / 75], abs=1e-5
    )
    assert "710 hours of extra waiting" in p.loc[0, "detail"]
    # by effort alone the ping-pong still leads; by conversions nothing differs
    assert jm.pain_points(desk, goal="answer", min_journeys=5, rank="effort")["kind"][0] == (
        "ping_pong+handoff"
    )


@pytest.fixture
def shop() -> jm.JourneyLog:
    """Ten copies of five journeys: a converts; b, c end at cart; d at an old page; e buys."""
    rows = []
    paths = {
        "a": ["home", "cart", "buy"],
        "b": ["home", "cart"],
        "c": ["home", "cart"],
        "d": ["home", "old"],
        "e": ["home", "buy"],
    }
    for k in range(10):
        for case, acts in paths.items():
            rows += [(f"{case}{k}", a, T0 + pd.Timedelta(hours=i)) for i, a in enumerate(acts)]
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def test_conversions_by_hand(shop):
    with pytest.warns(jm.DataQualityWarning, match="department.*direction"):
        p = jm.pain_points(shop, goal="buy", min_journeys=5)
    assert p["kind"].tolist() == ["drop_off", "drop_off+dead_end"]
    assert p["where"].tolist() == ["cart", "old"]
    assert p["journeys_affected"].tolist() == [20, 10]
    # cart: 20 lost (0%) against the 10 that went on (100%):
    #   Wilson(10, 10) = (0.72246, 1), Wilson(0, 20) = (0, 0.16113);
    #   low = 1 - sqrt(0.27754^2 + 0.16113^2) = 0.67908, high = 1; x 20
    # old (a drop-off nobody goes on from, and a dead end): 10 (0%) against the other
    #   40 journeys (20 / 40): Wilson(20, 40) = (0.35199, 0.64801), Wilson(0, 10) =
    #   (0, 0.27753); low = 0.5 - sqrt(0.14801^2 + 0.27753^2) = 0.18547, high = 0.64801
    assert p["conversions_lost"].tolist() == [20.0, 5.0]
    assert p["conversions_lost_low"].tolist() == pytest.approx([13.5816, 1.8547], abs=1e-3)
    assert p["conversions_lost_high"].tolist() == pytest.approx([20.0, 6.4801], abs=1e-3)
    # no department, no direction: no effort, no waiting anywhere
    assert (p["extra_effort"] == 0).all() and (p["hours_lost"] == 0).all()
    assert p["score"].tolist() == pytest.approx([13.5816 / 20, 1.8547 / 20], abs=1e-4)
    assert p.loc[0, "detail"].startswith("67% of the 30 journeys reaching it end there")
    assert "no path to the goal" in p.loc[1, "detail"]


def test_nothing_that_costs_nothing_or_helps(shop):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        p = jm.pain_points(shop, goal="buy", min_journeys=5)
        # 'home' is where every journey starts: never listed; a single copy is too
        # small for any lower bound to clear zero, so nothing is listed at all
        small = jm.pain_points(
            shop.select_cases(["a0", "b0", "c0", "d0", "e0"]), goal="buy", min_journeys=1
        )
    assert "home" not in set(p["where"])
    assert small.empty and list(small.columns[:3]) == ["rank", "kind", "where"]
    lows = p[CURRENCY_LOWS].to_numpy()
    assert (lows > 0).any(axis=1).all()


def test_empty_and_errors(shop):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        p = jm.pain_points(shop, goal="buy", min_journeys=100)
        assert p.empty and list(p.columns[:3]) == ["rank", "kind", "where"]
        with pytest.raises(jm.GoalNotFoundError, match="Did you mean 'buy'"):
            jm.pain_points(shop, goal="buyy")
        with pytest.raises(jm.InvalidParameterError, match="'min_journeys'"):
            jm.pain_points(shop, goal="buy", min_journeys=0)
        with pytest.raises(
            jm.InvalidParameterError,
            match="The 'rank' parameter of pain_points must be one of .*'balanced'.*Got 'money'",
        ):
            jm.pain_points(shop, goal="buy", rank="money")
        with pytest.raises(TypeError):
            jm.pain_points(shop, goal="buy", by="department")  # renamed: department=


# --------------------------------------------------------------------------- planted


def planted_log(n: int = 2000, seed: int = 7) -> tuple[jm.JourneyLog, set[str]]:
    """~25% of the journeys bounce billing -> support -> billing without any effect on
    conversion (effort only); 30% of those reaching checkout drop off there; some end on
    a help page (self-service: not an unanswered contact)."""
    rng = np.random.default_rng(seed)
    bounce = rng.random(n) < 0.25
    drop = rng.random(n) < 0.30
    help_page = rng.random(n) < 0.10
    rows = []
    for i in range(n):
        t = T0 + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 60)))
        steps = [
            ("visit", "web", "marketing", "inbound"),
            ("invoice question", "phone", "billing", "inbound"),
        ]
        if bounce[i]:
            steps += [
                ("transfer to support", "phone", "support", "internal"),
                ("transfer to billing", "phone", "billing", "internal"),
            ]
        steps += [
            ("invoice answer", "email", "billing", "outbound"),
            ("checkout", "web", "sales", "inbound"),
        ]
        if help_page[i] and drop[i]:
            steps.append(("help page", "web", "support", "inbound"))
        elif not drop[i]:
            steps.append(("purchase", "web", "sales", "inbound"))
        for act, ch, dep, d in steps:
            t = t + pd.Timedelta(minutes=float(rng.lognormal(3.0, 0.8)))
            rows.append((f"j{i:05d}", act, t, ch, dep, d))
    df = pd.DataFrame(rows, columns=["c", "a", "t", "ch", "dep", "dir"])
    log = jm.from_pandas(
        df, case="c", activity="a", timestamp="t", channel="ch", department="dep", direction="dir"
    )
    return log, {f"j{i:05d}" for i in np.flatnonzero(bounce)}


def test_planted_effort_only_ping_pong_and_drop_off():
    log, bounced = planted_log()
    p = jm.pain_points(log, goal="purchase")
    top = p.head(10)
    # no top-ten row (no row at all) has every lower bound at or below zero
    assert (top[CURRENCY_LOWS].to_numpy() > 0).any(axis=1).all()
    assert (p[CURRENCY_LOWS].to_numpy() > 0).any(axis=1).all()
    pp = top[top["kind"].str.contains("ping_pong")]
    assert pp["where"].tolist() == ["billing \u2192 support \u2192 billing"]
    row = pp.iloc[0]
    # effort only: the bounce costs no conversions, 2 handoffs and 1 bounce each
    assert row["conversions_lost_low"] < 0 < row["extra_effort_low"]
    assert row["extra_effort"] == pytest.approx(3 * len(bounced), rel=0.05)
    # the drop-off at checkout is listed once, with the conversions it costs
    at_checkout = p[p["where"] == "checkout"]
    assert len(at_checkout) == 1 and "drop_off" in at_checkout.iloc[0]["kind"]
    assert at_checkout.iloc[0]["conversions_lost_low"] > 0
    assert at_checkout.iloc[0]["rank"] <= 10
    # a help page view expects no answer: never an unanswered contact
    assert not p["kind"].str.contains("unanswered").any()
    # the drill-down recovers the planted journeys
    got = set(jm.affected_journeys(log, row))
    assert len(got & bounced) >= 0.95 * len(bounced)
    assert len(got - bounced) <= 0.05 * len(got)


def test_rank_settings_order_by_their_currency():
    log, _ = planted_log(seed=3)
    for rank, col in (("conversions", "conversions_lost_low"), ("effort", "extra_effort_low")):
        p = jm.pain_points(log, goal="purchase", rank=rank)
        assert p["score"].tolist() == p[col].tolist()
        assert p["score"].is_monotonic_decreasing
    b = jm.pain_points(log, goal="purchase")
    assert b["score"].is_monotonic_decreasing
    assert b.attrs["journeymine"]["params"]["rank"] == "balanced"


def test_sample_planted_findings_listed():
    p = jm.pain_points(jm.datasets.load_sample(), goal="purchase")
    top = p.head(10)
    pairs = set(zip(top["kind"], top["where"], strict=True))
    assert ("drop_off", "enter payment details") in pairs
    assert ("silent_gap", "support ticket opened \u2192 support reply") in pairs
    listed = set(zip(p["kind"], p["where"], strict=True))
    assert ("drop_off+dead_end+handoff", "legacy help page") in listed
    assert ("ping_pong+handoff", "support \u2192 billing \u2192 support") in listed
    assert ("repeat_contact", "chat \u2192 phone") in listed
    # every touchpoint at most once among the touchpoint kinds' rows
    tp = p[~p["where"].str.contains("\u2192")]
    assert not tp.duplicated(["kind", "where"]).any()


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


# --------------------------------------------------------------------------- real log


def _receipt(real_data):
    cols = ["case:concept:name", "concept:name", "time:timestamp", "org:group"]
    df = pd.read_csv(real_data / "receipt.csv.gz")[cols]
    log = jm.from_pandas(
        df,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
    )
    ends = df.sort_values("time:timestamp").groupby("case:concept:name")["concept:name"].last()
    return log, ends.value_counts().index[0]


def test_real_receipt_log(real_data):
    log, goal = _receipt(real_data)
    with pytest.warns(jm.DataQualityWarning, match="direction"):
        p = jm.pain_points(log, goal=goal)
    assert len(p) > 0
    assert (p[CURRENCY_LOWS].to_numpy() > 0).any(axis=1).all()
    # the drop-off after the confirmation of receipt: ~113 conversions, listed once
    d = p[p["where"] == "Confirmation of receipt"]
    assert len(d) == 1 and "drop_off" in d.iloc[0]["kind"]
    assert d.iloc[0]["conversions_lost_low"] > 100
    # one row per problem: no journey set appears twice at one place
    assert not p.duplicated(["kind", "where"]).any()
    # the drill-down gives every row's journeys
    for _, row in p.head(5).iterrows():
        assert len(jm.affected_journeys(log, row)) == row["journeys_affected"]


def test_baselines_set_by_the_user_reach_the_silent_gap_rows():
    """Saying a step usually takes a month: its two-week waits are no longer a silence."""
    log = jm.datasets.load_sample()
    where = "support ticket opened \u2192 support reply"
    base = jm.pain_points(log, goal="purchase")
    assert ("silent_gap", where) in set(zip(base["kind"], base["where"], strict=True))
    fixed = [{"from": "support ticket opened", "to": "support reply", "wait": "30D"}]
    again = jm.pain_points(log, goal="purchase", baselines=fixed)
    assert ("silent_gap", where) not in set(zip(again["kind"], again["where"], strict=True))
    assert again.attrs["journeymine"]["params"]["baselines"] == fixed
    for i in range(len(again)):
        row = again.iloc[i]
        assert len(jm.affected_journeys(log, row)) == row["journeys_affected"]
    with pytest.raises(jm.InvalidParameterError, match="baselines"):
        jm.pain_points(
            log, goal="purchase", baselines=[{"from": "nowhere", "to": "x", "wait": "1D"}]
        )


# --------------------------------------------------------------------------- after the goal


def after_goal_log(
    n: int = 1200, seed: int = 11, share: float = 0.3, calls: bool = True
) -> tuple[jm.JourneyLog, set[str], int]:
    """Customers buy product A or B (or leave); ``share`` of A's buyers call support once
    or twice within 10 days of buying, in a later journey (the journeys end at the
    purchase); B's buyers never do. Noise that must not count: customers calling support
    without buying, and a call 20 days after a purchase of A. Returns the log, the
    planted purchase journeys and the number of planted calls."""
    rng = np.random.default_rng(seed)
    rows, planted, n_calls = [], set(), 0
    for i in range(n):
        who = f"c{i:05d}"
        t = T0 + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 200)))
        rows += [(who, "visit", t, "web", "inbound"), (who, "view product", t, "web", "inbound")]
        r = rng.random()
        if r < 0.1:  # a question, no purchase
            rows.append((who, "call support", t + pd.Timedelta("1h"), "phone", "inbound"))
            continue
        if r > 0.8:
            continue
        product = "buy A" if r < 0.5 else "buy B"
        tb = t + pd.Timedelta("2h")
        rows += [
            (who, product, tb, "web", "inbound"),
            (who, "receipt", tb + pd.Timedelta("1min"), "email", "outbound"),
        ]
        if product == "buy A" and calls and rng.random() < share:
            planted.add(f"{who}#1")
            for _ in range(1 + int(rng.random() < 0.4)):
                day = float(rng.uniform(0.5, 9.5))
                rows.append((who, "call support", tb + pd.Timedelta(days=day), "phone", "inbound"))
                n_calls += 1
        elif product == "buy A" and rng.random() < 0.05:  # outside the window
            rows.append((who, "call support", tb + pd.Timedelta("20D"), "phone", "inbound"))
    df = pd.DataFrame(rows, columns=["who", "tp", "t", "ch", "dir"])
    log = jm.from_pandas(
        df, customer="who", activity="tp", timestamp="t", channel="ch", direction="dir"
    )
    return jm.split_journeys(log, end_at=["buy A", "buy B"]), planted, n_calls


GOALS = ["buy A", "buy B"]


def _quiet(log: jm.JourneyLog, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)  # no departments here
        return jm.pain_points(log, goal=GOALS, **kw)


def test_post_goal_contacts_planted_are_found_exactly():
    log, planted, n_calls = after_goal_log()
    p = _quiet(log, after_goal="10D")
    rows = p[p["kind"] == "post_goal_contact"]
    assert rows["where"].tolist() == ["buy A"]  # B's buyers never call
    row = rows.iloc[0]
    assert row["journeys_affected"] == len(planted)
    assert set(jm.affected_journeys(log, row)) == planted
    # costed in effort only: the contacts after the goal, with a 95% interval around them
    assert row["extra_effort"] == pytest.approx(n_calls)
    assert 0 < row["extra_effort_low"] < n_calls < row["extra_effort_high"]
    for c in ("conversions_lost", "hours_lost"):
        assert row[[c, c + "_low", c + "_high"]].isna().all()
    assert row["members"] == "post_goal_contact at buy A"  # never merged
    assert "contact the company again within 10d" in row["detail"]
    assert "first most often at call support (100%)" in row["detail"]
    # the rate over the journeys with the whole window, as after_goal says
    a = jm.after_goal(log, goal=GOALS, within="10D")
    done = a[a["window_complete"] & (a["goal_touchpoint"] == "buy A")]
    assert f"of the {len(done)} journeys" in row["detail"]
    # the balanced score is the share of all effort it costs at least
    total = p.attrs["totals"]["extra_effort"]
    assert row["score"] == pytest.approx(row["extra_effort_low"] / total)


def test_post_goal_contacts_rank_as_documented():
    log, _, _ = after_goal_log(seed=5)
    for rank in ("conversions", "time"):  # not costed in these: last, NaN score
        p = _quiet(log, after_goal="10D", rank=rank)
        assert p["kind"].iloc[-1] == "post_goal_contact" and np.isnan(p["score"].iloc[-1])
    e = _quiet(log, after_goal="10D", rank="effort")
    assert e["score"].tolist() == e["extra_effort_low"].tolist()
    assert e["score"].is_monotonic_decreasing
    b = _quiet(log, after_goal="10D")
    row = b[b["kind"] == "post_goal_contact"].iloc[0]
    assert row["score"] > 0 and b["score"].is_monotonic_decreasing


def test_no_post_goal_contacts_no_finding():
    log, planted, _ = after_goal_log(calls=False)
    assert not planted
    assert "post_goal_contact" not in set(_quiet(log, after_goal="10D")["kind"])
    # none is looked for with after_goal=None, nor listed below min_journeys
    with_calls, _, _ = after_goal_log()
    assert "post_goal_contact" not in set(_quiet(with_calls, after_goal=None)["kind"])
    assert "post_goal_contact" not in set(
        _quiet(with_calls, after_goal="10D", min_journeys=500)["kind"]
    )


def test_post_goal_contacts_need_directions():
    log, _, _ = after_goal_log()
    bare = jm.from_pandas(
        log.events[["case_id", "customer_id", "activity", "timestamp", "channel"]],
        case="case_id",
        customer="customer_id",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
    )
    with pytest.warns(jm.DataQualityWarning, match="contacts after the goal"):
        p = jm.pain_points(bare, goal=GOALS)
    assert "post_goal_contact" not in set(p["kind"])
