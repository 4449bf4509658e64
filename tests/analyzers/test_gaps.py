"""Tests of jm.silent_gaps, jm.silent_gaps_summary and jm.unanswered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm

T0 = pd.Timestamp("2025-01-01 00:00")
H = pd.Timedelta(hours=1)


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


# --------------------------------------------------------------------------- robust baseline


def _tickets(share_silent: float, n: int = 300, seed: int = 0) -> tuple[jm.JourneyLog, np.ndarray]:
    """n tickets answered after ~3h (lognormal, spread 0.7), a share of them after ~14 days."""
    rng = np.random.default_rng(seed)
    silent = rng.random(n) < share_silent
    normal = 3 * np.exp(0.7 * rng.standard_normal(n))
    long = 14 * 24 * np.exp(0.2 * rng.standard_normal(n))
    wait = np.where(silent, long, normal)
    follow = 2 * np.exp(0.5 * rng.standard_normal(n))  # reply -> close, no silence
    rows = []
    for i in range(n):
        t = float(rng.integers(0, 24 * 300))
        rows += [
            (f"t{i:03d}", "ticket", _at(t), "inbound"),
            (f"t{i:03d}", "reply", _at(t + wait[i]), "outbound"),
            (f"t{i:03d}", "close", _at(t + wait[i] + follow[i]), "internal"),
        ]
    df = pd.DataFrame(rows, columns=["c", "a", "t", "d"])
    return jm.from_pandas(df, case="c", activity="a", timestamp="t", direction="d"), silent


@pytest.mark.parametrize("share", [0.0, 1 / 3, 1 / 2])
def test_baseline_holds_when_silence_is_common(share):
    log, silent = _tickets(share)
    g = jm.silent_gaps(log)
    found = g.loc[(g["from_activity"] == "ticket") & (g["to_activity"] == "reply"), "case_id"]
    truth = {f"t{i:03d}" for i in np.flatnonzero(silent)}
    # every two-week wait is silent, and no ordinary (hours) wait is
    assert set(found) == truth
    # the typical gap is the answered cluster's median (3h), not pulled up by the silence
    s = jm.silent_gaps_summary(log)
    expected = jm.silent_gaps(log, threshold="1000D")  # empty, but checks the parameter
    assert expected.empty
    if share:
        row = s.iloc[0]
        assert (row["from_activity"], row["to_activity"]) == ("ticket", "reply")
        assert row["expected_gap"] / H == pytest.approx(3, rel=0.2)
        assert row["share"] == pytest.approx(share, abs=0.06)
        assert row["waiting_on_company"] == row["silent"]
    # the reply -> close transition has no silence
    assert not ((g["from_activity"] == "reply") & (g["to_activity"] == "close")).any()


def test_a_high_quantile_would_have_failed():
    """Why the baseline is a low quantile: with half the tickets silent, the 90th
    percentile of the transition is itself a two-week wait."""
    log, silent = _tickets(0.5)
    tr = jm.transitions(log)
    gaps = tr.loc[tr["source"] == "ticket", "gap"]
    assert gaps.quantile(0.9) > pd.Timedelta("10D")
    g = jm.silent_gaps(log)
    assert (g["from_activity"] == "ticket").sum() == silent.sum()


# --------------------------------------------------------------------------- hand computed


@pytest.fixture
def desk(make_log) -> jm.JourneyLog:
    waits = [336, 336, 4, 5, 6, 7]  # hours from ticket to reply, tickets c0..c5
    rows = []
    for i, w in enumerate(waits):
        t = 24 * i
        rows += [(f"c{i}", "ticket", _at(t), "inbound"), (f"c{i}", "reply", _at(t + w), "outbound")]
    rows.append(("c0", "close", _at(0 + 336 + 720), "internal"))  # 30 days after the reply
    rows.append(("c1", "close", _at(24 + 336 + 1), "internal"))
    return make_log(rows, columns=["direction"])


def test_every_column_by_hand(desk):
    g = jm.silent_gaps(desk, min_gaps=5)
    # ticket -> reply has 6 gaps (>= min_gaps): [4, 5, 6, 7, 336, 336]h.
    #   25th percentile: position 1.25 -> 5.25h; cut max(7 x 5.25, 24) = 36.75h; 4 gaps below;
    #   their median (position 1.5) = 5.5h; cut 38.5h; again 4 below -> 5.5h (fixed point)
    # reply -> close has 2 gaps: the global baseline over all 8 gaps [1, 4, 5, 6, 7, 336, 336, 720]h:
    #   25th percentile 4.75h; cut 33.25h; 5 below; their median 5h; cut 35h; 5 below -> 5h
    assert g["case_id"].tolist() == ["c0", "c1", "c0"]
    assert g["from_activity"].tolist() == ["ticket", "ticket", "reply"]
    assert g["to_activity"].tolist() == ["reply", "reply", "close"]
    assert g["start"].tolist() == [
        _at(0).tz_localize("UTC"),
        _at(24).tz_localize("UTC"),
        _at(336).tz_localize("UTC"),
    ]
    assert g["end"].tolist() == [
        _at(336).tz_localize("UTC"),
        _at(360).tz_localize("UTC"),
        _at(1056).tz_localize("UTC"),
    ]
    assert g["gap"].tolist() == [336 * H, 336 * H, 720 * H]
    assert g["expected_gap"].tolist() == [5.5 * H, 5.5 * H, 5 * H]
    assert g["threshold"].tolist() == [38.5 * H, 38.5 * H, 35 * H]
    assert g["ratio"].tolist() == pytest.approx([336 / 5.5, 336 / 5.5, 720 / 5])
    # before the first two gaps the customer wrote (inbound); before the last, the company did
    assert g["waiting_on"].tolist() == ["company", "company", "customer"]
    assert g["baseline"].tolist() == ["transition", "transition", "global"]


def test_summary_every_column_by_hand(desk):
    s = jm.silent_gaps_summary(desk, min_gaps=5)
    assert s["from_activity"].tolist() == ["ticket", "reply"]  # own baseline before global
    assert s["to_activity"].tolist() == ["reply", "close"]
    assert s["gaps"].tolist() == [6, 2]
    assert s["silent"].tolist() == [2, 1]
    assert s["share"].tolist() == pytest.approx([1 / 3, 1 / 2])
    # Wilson(2, 6): centre (1/3 + 1.96^2/12) / (1 + 1.96^2/6) = 0.3984, half 0.3016
    assert s["share_low"].tolist() == pytest.approx([0.09677, 0.09453], abs=1e-4)
    assert s["share_high"].tolist() == pytest.approx([0.70000, 0.90547], abs=1e-4)
    assert s["journeys"].tolist() == [2, 1]
    assert s["expected_gap"].tolist() == [5.5 * H, 5 * H]
    assert s["threshold"].tolist() == [38.5 * H, 35 * H]
    # medians of all gaps: (6 + 7) / 2 = 6.5h; (1 + 720) / 2 = 360.5h
    assert s["median_gap"].tolist() == [6.5 * H, 360.5 * H]
    assert s["median_silent_gap"].tolist() == [336 * H, 720 * H]
    assert s["waiting_on_company"].tolist() == [2, 0]
    assert s["waiting_on_customer"].tolist() == [0, 1]
    assert s["waiting_on_unknown"].tolist() == [0, 0]
    assert s["baseline"].tolist() == ["transition", "global"]


def test_absolute_threshold(desk):
    g = jm.silent_gaps(desk, threshold="10D", min_gaps=5)
    assert g["gap"].tolist() == [336 * H, 336 * H, 720 * H]
    assert (g["threshold"] == pd.Timedelta("10D")).all()
    assert (g["baseline"] == "threshold").all()
    assert g["expected_gap"].tolist() == [5.5 * H, 5.5 * H, 5 * H]  # still reported


def test_floor_keeps_short_gaps_quiet(make_log):
    # clicks 10 seconds apart, one 3 minutes: 18x the usual, but 3 minutes is not silence
    rows = [("a", "page", T0 + pd.Timedelta(seconds=10 * k)) for k in range(30)]
    rows.append(("a", "page", T0 + pd.Timedelta(seconds=290 + 180)))
    log = make_log(rows)
    assert jm.silent_gaps(log).empty
    g = jm.silent_gaps(log, floor="0s")
    assert g["gap"].tolist() == [pd.Timedelta(minutes=3)]
    assert g["expected_gap"].tolist() == [pd.Timedelta(seconds=10)]
    assert g["waiting_on"].tolist() == ["unknown"]  # no direction in this log


def test_equal_timestamps_and_single_events(make_log):
    rows = [(f"c{i}", "a", T0, None) for i in range(25)] + [
        (f"c{i}", "b", T0, None) for i in range(25)
    ]
    rows += [("c0", "c", _at(48), None), ("z", "a", T0, None)]
    log = make_log(rows, columns=["channel"], drop_duplicates=False)
    g = jm.silent_gaps(log)
    # a -> b is always 0: expected 0, so the cut is the floor; b -> c (48h) uses the global baseline
    assert g["from_activity"].tolist() == ["b"] and g["gap"].tolist() == [48 * H]
    assert g["expected_gap"].tolist() == [pd.Timedelta(0)]
    assert np.isnan(g["ratio"].iloc[0])
    s = jm.silent_gaps_summary(log)
    assert s["baseline"].tolist() == ["global"]


def test_bad_parameters(desk):
    with pytest.raises(jm.InvalidParameterError, match="'factor'"):
        jm.silent_gaps(desk, factor=1)
    with pytest.raises(jm.InvalidParameterError, match="'threshold'"):
        jm.silent_gaps(desk, threshold=3)
    with pytest.raises(jm.InvalidParameterError, match="'min_gaps'"):
        jm.silent_gaps_summary(desk, min_gaps=0)


# --------------------------------------------------------------------------- whose turn


def test_turn_is_carried_over_internal_events(make_log):
    # one journey, a day between events; the turn after each event, by hand:
    #   note (internal, nothing before): unknown; ticket (inbound): company;
    #   assign (internal): still company; reply (outbound): customer;
    #   log (missing): still customer; call (inbound): company
    rows = [
        ("a", "note", _at(0), "internal"),
        ("a", "ticket", _at(24), "inbound"),
        ("a", "assign", _at(48), "internal"),
        ("a", "reply", _at(72), "outbound"),
        ("a", "log", _at(96), None),
        ("a", "call", _at(120), "inbound"),
        ("b", "assign", _at(0), "internal"),  # a new journey starts unknown again
        ("b", "reply", _at(24), "outbound"),
    ]
    log = make_log(rows, columns=["direction"])
    g = jm.silent_gaps(log, threshold="1h")
    assert g.sort_values(["case_id", "start"])["waiting_on"].tolist() == [
        "unknown",
        "company",
        "company",
        "customer",
        "customer",
        "unknown",
    ]
    from journeymine.analyzers.gaps import _silent

    _, _, it = _silent(log, None, 7.0, "1D", 20, "activity", "silent_gaps")
    assert it["turn_transition"].tolist() == [2, 0, 0, 1, 1, 2]
    assert it["turn_transition"].dtype == np.int8
    assert len(it["excess_transition"]) == len(it["case_transition"]) == 6


def test_waiting_on_from_process_rules(desk):
    log = desk.events.drop(columns="direction")
    log = jm.from_pandas(log, case="case_id", activity="activity", timestamp="timestamp")
    assert (jm.silent_gaps(log, min_gaps=5)["waiting_on"] == "unknown").all()
    rules = [
        {"column": "activity", "pattern": "ticket", "direction": "inbound"},
        {"column": "activity", "pattern": "reply", "direction": "outbound"},
    ]
    g = jm.silent_gaps(jm.classify_direction(log, rules), min_gaps=5)
    assert g["waiting_on"].tolist() == ["company", "company", "customer"]


def test_hours_lost_orders_the_summary(desk):
    # ticket -> reply: 2 silent gaps of 336h in the company's turn, expected 5.5h each;
    # reply -> close: 720h after an outbound reply, the customer's turn: costs nothing
    s = jm.silent_gaps_summary(desk, min_gaps=5)
    assert s["hours_lost"].tolist() == pytest.approx([2 * (336 - 5.5), 0.0])
    from journeymine.analyzers.gaps import _silent

    _, _, it = _silent(desk, None, 7.0, "1D", 5, "activity", "x")
    assert sorted(it["excess_transition"][it["excess_transition"] > 0] / H.value) == pytest.approx(
        [336 - 5.5, 336 - 5.5, 720 - 5]
    )


def test_summary_puts_most_time_lost_first(make_log):
    # "many": 30 journeys, 10 silent by 2 days; "few": 30 journeys, 2 silent by 30 days.
    # By share "many" leads; by time lost (2 x ~30D > 10 x ~2D) "few" does.
    rows = []
    for i in range(30):
        w = 50 if i < 10 else 1
        rows += [(f"m{i}", "ask", _at(i), "inbound"), (f"m{i}", "many", _at(i + w), "outbound")]
        w = 720 if i < 2 else 1
        rows += [(f"f{i}", "ask2", _at(i), "inbound"), (f"f{i}", "few", _at(i + w), "outbound")]
    s = jm.silent_gaps_summary(make_log(rows, columns=["direction"]))
    assert s["to_activity"].tolist() == ["few", "many"]
    assert s["share"].tolist() == pytest.approx([2 / 30, 10 / 30])


# --------------------------------------------------------------------------- baselines


def _auto_close(auto_share: float, n: int = 100, late: bool = True) -> jm.JourneyLog:
    """Resolved -> Closed: closed automatically 7 days +/- 1 hour after the resolution for
    ``auto_share`` of the cases, by hand within hours for the rest; one case 70 days."""
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n):
        t = float(rng.integers(0, 24 * 200))
        r = t + 3 * np.exp(0.7 * rng.standard_normal())
        auto = i < auto_share * n
        close = r + (
            7 * 24 + rng.uniform(-1, 1) if auto else 2 * np.exp(0.5 * rng.standard_normal())
        )
        if late and i == n - 1:
            close = r + 70 * 24
        rows += [
            (f"c{i}", "Queued", _at(t)),
            (f"c{i}", "Resolved", _at(r)),
            (f"c{i}", "Closed", _at(close)),
        ]
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


@pytest.mark.parametrize("auto_share", [0.8, 0.65])
def test_scheduled_step_is_judged_against_its_schedule(auto_share):
    log = _auto_close(auto_share)
    s = jm.silent_gaps_summary(log)
    # only the 70-day close is silent; the 7-day automatic closes are the step's norm
    assert len(s) == 1 and s.loc[0, "silent"] == 1
    assert s.loc[0, "baseline"] == "scheduled"
    assert s.loc[0, "expected_gap"] / pd.Timedelta("7D") == pytest.approx(1, abs=0.01)
    assert s.loc[0, "threshold"] / s.loc[0, "expected_gap"] == pytest.approx(7)


def test_without_the_schedule_the_timer_would_be_silence():
    # the fixed point alone: with 35% quick closes it lands in the quick cluster (hours),
    # so the 65 automatic closes would all be silent; a threshold shows the learnt value
    from journeymine.analyzers import _baselines as B

    log = _auto_close(0.65)
    tr = jm.transitions(log)
    g = tr.loc[tr["source"] == "Resolved", "gap"].to_numpy().view(np.int64)
    sg = np.sort(g).astype(float)
    typical = B._typical(sg, np.asarray([len(sg)]), 7.0, pd.Timedelta("1D").value)[0]
    assert typical < pd.Timedelta("1D").value
    sched, value = B._scheduled(
        sg, np.asarray([len(sg)]), pd.Timedelta("1D").value, np.asarray([True])
    )
    assert sched.tolist() == [True] and value[0] / pd.Timedelta("7D").value == pytest.approx(
        1, abs=0.01
    )


def test_human_waits_are_not_scheduled():
    # lognormal waits (log-spread 0.2, tighter than people are) stay "transition"
    log, _ = _tickets(1 / 3)
    s = jm.silent_gaps_summary(log)
    assert (s["baseline"] == "transition").all()


def test_set_baseline_overrides(desk):
    base = [{"from": "ticket", "to": "reply", "wait": "3D"}]
    s = jm.silent_gaps_summary(desk, min_gaps=5, baselines=base)
    # ticket -> reply: expected 3 days, cut 21 days: the 14-day waits are no longer silent
    assert s["from_activity"].tolist() == ["reply"]
    g = jm.silent_gaps(
        desk, min_gaps=5, baselines=base + [{"from": "reply", "to": "close", "wait": "1h"}]
    )
    assert g["baseline"].tolist() == ["set"] and g["expected_gap"].tolist() == [H]
    assert g["threshold"].tolist() == [pd.Timedelta("1D")]  # max(7 x 1h, floor)
    # names may hold any character; a set baseline on a pair that never occurs is harmless
    ok = [{"from": "reply", "to": "ticket", "wait": "1D"}]
    assert len(jm.silent_gaps(desk, min_gaps=5, baselines=ok)) == 3


@pytest.mark.parametrize(
    ("baselines", "expected"),
    [
        (
            [{"from": "tickte", "to": "reply", "wait": "1D"}],
            r"unknown 'tickte' \(did you mean 'ticket'\?\)",
        ),
        ([{"from": "ticket", "to": "reply"}], r"'baselines' parameter.*index 0"),
        ([{"from": "ticket", "to": "reply", "wait": 5}], r"'baselines\[0\]\.wait'"),
        ({"from": "ticket", "to": "reply", "wait": "1D"}, r"'baselines' parameter.*must be a list"),
        (
            [{"from": "ticket", "to": "reply", "wait": "1D"}] * 2,
            r"each transition once",
        ),
    ],
)
def test_bad_baselines(desk, baselines, expected):
    with pytest.raises(jm.InvalidParameterError, match=expected):
        jm.silent_gaps(desk, baselines=baselines)


def test_settings_are_part_of_the_cache_key(desk):
    a = jm.silent_gaps_summary(desk, min_gaps=5)
    b = jm.silent_gaps_summary(
        desk, min_gaps=5, baselines=[{"from": "ticket", "to": "reply", "wait": "3D"}]
    )
    c = jm.silent_gaps_summary(desk, min_gaps=5)
    assert len(a) == 2 and len(b) == 1
    pd.testing.assert_frame_equal(a, c)


# --------------------------------------------------------------------------- unanswered


@pytest.fixture
def inbox(make_log) -> jm.JourneyLog:
    rows = [
        ("a", "ticket", _at(0), "inbound", "web", "support"),
        ("a", "reply", _at(1), "outbound", "email", "support"),
        ("b", "ticket", _at(0), "inbound", "web", "support"),
        ("b", "reply", _at(2), "outbound", "email", "support"),
        ("b", "ticket", _at(10), "inbound", "web", "support"),
        ("b", "assign", _at(11), "internal", None, "support"),
        ("c", "ticket", _at(20), "inbound", "web", "support"),
        ("d", "page", _at(5), "inbound", "web", "marketing"),
        ("e", "ticket", _at(3), "inbound", "web", "support"),
        ("e", "page", _at(4), "inbound", "web", "marketing"),
    ]
    log = make_log(rows, columns=["direction", "channel", "department"])
    return log._replace(ongoing=log.cases["case_id"].astype(str).eq("c").to_numpy())


def test_unanswered_every_column(inbox):
    u = jm.unanswered(inbox, self_service=None)  # every inbound event is a contact here
    # ticket answers: a yes, b's first yes, b's second no (b finished), e no (next is a page);
    # c's ticket is undecided (c is ongoing): response rate 2 / 4 = 0.5 >= 0.5
    # page is never answered (0 / 2): d and e ending on a page are not findings
    assert u["case_id"].tolist() == ["b", "c"]  # finished first
    assert u["activity"].tolist() == ["ticket", "ticket"]
    assert u["channel"].tolist() == ["web", "web"]
    assert u["department"].tolist() == ["support", "support"]
    assert u["at"].tolist() == [_at(10).tz_localize("UTC"), _at(20).tz_localize("UTC")]
    assert u["events_after"].tolist() == [1, 0]  # b's internal assignment
    # waited until the last event of the log (20h): 10h and 0h
    assert u["waited"].tolist() == [10 * H, pd.Timedelta(0)]
    assert u["ongoing"].tolist() == [False, True]
    assert u["response_rate"].tolist() == pytest.approx([0.5, 0.5])
    assert jm.unanswered(inbox, min_response_rate=0.6, self_service=None).empty


def test_unanswered_counts_only_customer_contacts(inbox):
    # by default web events are self-service use, not contacts: a page view (or a web
    # form here) expects no answer, so nothing in this log is an unanswered contact
    assert jm.unanswered(inbox).empty
    # as emails, the tickets are contacts again; e's ticket is now followed by nothing
    # but a web page (skipped): e joins b among the finished unanswered journeys
    ev = inbox.events.assign(channel=lambda d: d["channel"].astype(object))
    ev.loc[ev["activity"] == "ticket", "channel"] = "email"
    log = jm.from_pandas(
        ev,
        case="case_id",
        activity="activity",
        timestamp="timestamp",
        direction="direction",
        channel="channel",
        department="department",
    )
    log = log._replace(ongoing=inbox._ongoing)
    u = jm.unanswered(log)
    assert u["case_id"].tolist() == ["e", "b", "c"]  # e waited 17h, b 10h
    # answered: a, b's first; unanswered and decided: b's second, e's: 2 / 4
    assert u["response_rate"].tolist() == pytest.approx([0.5, 0.5, 0.5])  # 2 / 4


def test_unanswered_needs_direction(make_log):
    log = make_log([("a", "x", _at(0))])
    with pytest.raises(jm.MissingColumnError, match="direction.*labels=\\{'direction'"):
        jm.unanswered(log)


# --------------------------------------------------------------------------- planted


@pytest.mark.parametrize("share", [1 / 3, 1 / 2])
def test_planted_silent_gap_on_top_with_its_rate(share):
    from journeymine.datasets import Delay, JourneyModel, SilentGap, simulate

    model = JourneyModel(
        touchpoints=[
            ("claim filed", "web", "claims", "inbound"),
            ("documents requested", "email", "claims", "outbound", 4),
            ("documents sent", "email", "claims", "inbound"),
            ("assessment", "email", "claims", "outbound", 4),
            ("payout", "email", "finance", "outbound"),
            ("use app", "app", "service", "inbound"),
        ],
        start={"claim filed": 0.7, "use app": 0.3},
        transitions={
            "use app": {"use app": 0.4, "claim filed": 0.3, "END": 0.3},
            "claim filed": {"documents requested": 0.6, "assessment": 0.4},
            "documents requested": {"documents sent": 0.8, "END": 0.2},
            "documents sent": {"assessment": 1.0},
            "assessment": {"payout": 0.7, "END": 0.3},
        },
        goals=["payout"],
        delays={("use app", "*"): ("1D", 1.0), ("documents sent", "assessment"): ("1D", 0.6)},
        default_delay=("4h", 0.8),
        modifiers=[SilentGap("documents sent", "assessment", share, Delay("14D", 0.25))],
    )
    log, truth = simulate(model, n_journeys=20_000, seed=21, return_truth=True)
    s = jm.silent_gaps_summary(log)
    top = s.iloc[0]
    assert (top["from_activity"], top["to_activity"]) == ("documents sent", "assessment")
    tr = jm.transitions(log)
    on_it = ((tr["source"] == "documents sent") & (tr["target"] == "assessment")).sum()
    planted = truth["silent_gaps"].sum() / on_it
    assert top["share"] == pytest.approx(planted, abs=0.03)
    assert top["waiting_on_company"] == top["silent"]
    assert top["expected_gap"] / pd.Timedelta("1D") == pytest.approx(1, rel=0.25)
    g = jm.silent_gaps(log)
    assert (g["from_activity"].head(50) == "documents sent").all()


def test_sample_planted_silent_gap():
    log = jm.datasets.load_sample()
    s = jm.silent_gaps_summary(log)
    top = s.iloc[0]
    assert (top["from_activity"], top["to_activity"]) == ("support ticket opened", "support reply")
    assert top["share"] == pytest.approx(1 / 3, abs=0.03)
    assert top["waiting_on_company"] == top["silent"]


@pytest.mark.realdata
def test_helpdesk_silent_gaps(real_data):
    log = jm.read_xes(real_data / "helpdesk.xes.gz")
    s = jm.silent_gaps_summary(log)
    g = jm.silent_gaps(log)
    assert len(s) > 5 and len(g) == s["silent"].sum()
    assert s["share"].between(0, 1).all()
    assert (s["threshold"] >= pd.Timedelta("1D")).all()
    assert (g["gap"] > g["threshold"]).all()
    assert (g["waiting_on"] == "unknown").all()  # the helpdesk log has no direction
    # the top transitions have silence as a common pattern, not a fluke
    assert s.loc[0, "share_low"] > 0.05


@pytest.mark.realdata
def test_helpdesk_process_rules_say_whose_turn(real_data):
    log = jm.read_xes(real_data / "helpdesk.xes.gz")
    classified = jm.classify_direction(log, "process")
    before = jm.silent_gaps_summary(log)
    after = jm.silent_gaps_summary(classified)
    # same gaps, same baselines: the rules only say whose turn each wait was
    assert after["silent"].sum() == before["silent"].sum()
    unknown = after["waiting_on_unknown"].sum() / after["silent"].sum()
    assert unknown < 0.05  # from 100% without a direction column
    # the wait costing customers most time: tickets triaged, then not taken in charge
    top = after.iloc[0]
    assert (top["from_activity"], top["to_activity"]) == (
        "Assign seriousness",
        "Take in charge ticket",
    )
    assert top["waiting_on_company"] == top["silent"]
    assert after["hours_lost"].is_monotonic_decreasing
    # a silent wait after "Resolve ticket" or "Wait" is the customer's turn: it costs nothing
    g = jm.silent_gaps(classified)
    assert (
        g.loc[g["from_activity"].isin(["Resolve ticket", "Wait"]), "waiting_on"] == "customer"
    ).all()


# --------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(
            st.tuples(st.sampled_from("ABC"), st.integers(0, 24 * 40)), min_size=1, max_size=6
        ),
        min_size=1,
        max_size=15,
    ),
    st.integers(1, 24 * 20),
)
def test_properties(journeys, threshold_h):
    rows = []
    for i, events in enumerate(journeys):
        t = 0
        for a, dt in events:
            t += dt
            rows.append((f"c{i}", a, _at(t)))
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", drop_duplicates=False)
    # with an absolute threshold: exactly the gaps longer than it
    g = jm.silent_gaps(log, threshold=pd.Timedelta(hours=threshold_h))
    brute = sorted(dt for events in journeys for _, dt in events[1:] if dt > threshold_h)
    assert sorted(g["gap"] / H) == brute
    # learnt baseline: never at or below the floor, always beyond the cut, summary adds up
    g = jm.silent_gaps(log, min_gaps=3)
    s = jm.silent_gaps_summary(log, min_gaps=3)
    assert (g["gap"] > pd.Timedelta("1D")).all() and (g["gap"] > g["threshold"]).all()
    assert s["silent"].sum() == len(g)
    assert (s["waiting_on_unknown"] == s["silent"]).all()
    assert (s["silent"] <= s["gaps"]).all() and (s["journeys"] <= s["silent"]).all()
