"""Tests of jm.handoffs: hand-computed pairs, missing owners, repeat contacts, planted ping-pong."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm

T0 = pd.Timestamp("2025-01-01 09:00")
H = pd.Timedelta(hours=1)
COLS = ["department", "direction", "channel"]


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


@pytest.fixture
def desk(make_log) -> jm.JourneyLog:
    rows = [
        # a: support -> (web page, no department) -> billing -> support -> sales; converts
        ("a", "question", _at(0), "support", "inbound", "chat"),
        ("a", "browse", _at(1), None, "inbound", "web"),
        ("a", "transfer", _at(2), "billing", "internal", "chat"),
        ("a", "transfer back", _at(3), "support", "internal", "chat"),
        ("a", "call", _at(4), "support", "inbound", "phone"),
        ("a", "buy", _at(5), "sales", "inbound", "web"),
        # b: support -> billing -> support a month later; no purchase
        ("b", "question", _at(0), "support", "inbound", "chat"),
        ("b", "transfer", _at(1), "billing", "internal", "chat"),
        ("b", "call", _at(720), "support", "inbound", "phone"),
        # c: a single event; converts
        ("c", "buy", _at(0), "sales", "inbound", "web"),
        # d: support -> billing (an answer) 3h later; no purchase
        ("d", "question", _at(0), "support", "inbound", "chat"),
        ("d", "answer", _at(3), "billing", "outbound", "email"),
    ]
    return make_log(rows, columns=COLS)


def test_every_column_by_hand(desk):
    h = jm.handoffs(desk, goal="buy")
    # every pair is below min_handoffs (20): ordered by customer_hours, handoffs x median
    assert list(zip(h["from"], h["to"], strict=True)) == [
        ("billing", "support"),
        ("support", "billing"),
        ("support", "sales"),
    ]
    assert h["customer_hours"].tolist() == pytest.approx([2 * 360, 3 * 2, 1 * 1])
    pairs = [("support", "billing"), ("billing", "support"), ("support", "sales")]
    h = h.set_index(["from", "to"]).loc[pairs].reset_index()
    # support -> billing: a (0h -> 2h, the web page without department is skipped), b (1h), d (3h)
    # billing -> support: a (1h), b (719h); support -> sales: a (1h)
    assert h["handoffs"].tolist() == [3, 2, 1]
    assert h["journeys"].tolist() == [3, 2, 1]
    # medians: [1, 2, 3]h -> 2h; [1, 719]h -> 360h; [1]h
    assert h["median_delay"].tolist() == [2 * H, 360 * H, H]
    # p90 (linear): 2 + 0.8 * (3 - 2) = 2.8h; 1 + 0.9 * 718 = 647.2h; 1h
    assert h["p90_delay"].tolist() == [2.8 * H, 647.2 * H, H]
    # a and b go support -> billing -> support (b a month later: still a ping-pong)
    assert h["ping_pongs"].tolist() == [2, 0, 0]
    assert h["ping_pong_journeys"].tolist() == [2, 0, 0]
    # next customer contact (inbound, not web) after the handoff's second event, within 7 days:
    # a's transfer -> call 2h later (yes); b's transfer -> call 719h later (no); d: none.
    # a's transfer back -> call 1h later (yes); b's call: nothing after. a's buy: nothing after.
    assert h["repeat_contacts"].tolist() == [1, 1, 0]
    assert h["repeat_contact_share"].tolist() == pytest.approx([1 / 3, 1 / 2, 0.0])
    # converted: a, c. support -> billing: with {a, b, d} 1/3, without {c} 1/1
    # billing -> support: {a, b} 1/2 vs {c, d} 1/2; support -> sales: {a} 1/1 vs {b, c, d} 1/3
    assert h["conversion_with"].tolist() == pytest.approx([1 / 3, 1 / 2, 1.0])
    assert h["conversion_without"].tolist() == pytest.approx([1.0, 1 / 2, 1 / 3])
    assert h["conversion_difference"].tolist() == pytest.approx([-2 / 3, 0.0, 2 / 3])
    # Newcombe for 1/3 - 1/1: Wilson(1, 3) = (0.0615, 0.7923), Wilson(1, 1) = (0.2065, 1);
    # low = -2/3 - sqrt((1/3 - 0.0615)^2 + (1 - 1)^2) = -0.9385
    # high = -2/3 + sqrt((0.7923 - 1/3)^2 + (1 - 0.2065)^2) = 0.2500
    assert h.loc[0, "difference_low"] == pytest.approx(-0.93851, abs=1e-4)
    assert h.loc[0, "difference_high"] == pytest.approx(0.24999, abs=1e-4)
    # 1/2 - 1/2: symmetric, Wilson(1, 2) = (0.0945, 0.9055): +-sqrt(2 * 0.4055^2) = +-0.5734
    assert h.loc[1, "difference_low"] == pytest.approx(-0.57342, abs=1e-4)
    assert h.loc[1, "difference_high"] == pytest.approx(0.57342, abs=1e-4)
    # ping-pong journeys {a, b} convert 1/2, the other support -> billing journey {d} 0/1
    assert h.loc[0, "ping_pong_conversion"] == pytest.approx(0.5)
    assert h.loc[0, "ping_pong_difference"] == pytest.approx(0.5)
    assert h.loc[1:, "ping_pong_conversion"].isna().all()
    # conversions_lost: 3 x (1 - 1/3) + 0 = 2; 2 x 0; 1 x max(0, 1/3 - 1) = 0
    assert h["conversions_lost"].tolist() == pytest.approx([2.0, 0.0, 0.0])


def test_without_goal_and_ordering(desk):
    h = jm.handoffs(desk)
    # by customer_hours: 720h, 6h, 1h; a goal does not change the order here
    assert h["from"].tolist() == ["billing", "support", "support"]
    assert h["conversion_with"].isna().all() and h["conversions_lost"].isna().all()
    assert h[["from", "to"]].equals(jm.handoffs(desk, goal="buy")[["from", "to"]])
    # with min_handoffs=3, support -> billing (3 handoffs) is the only pair large enough
    h = jm.handoffs(desk, min_handoffs=3)
    assert list(zip(h["from"], h["to"], strict=True)) == [
        ("support", "billing"),
        ("billing", "support"),
        ("support", "sales"),
    ]
    with pytest.raises(jm.InvalidParameterError, match="'min_handoffs'"):
        jm.handoffs(desk, min_handoffs=0)


def test_small_pairs_never_lead(make_log):
    # x -> y: 2 handoffs of 30 days (1,440 customer hours); y -> z: 25 handoffs of 1 hour
    rows = []
    for i in range(2):
        rows += [(f"s{i}", "a", _at(0), "x"), (f"s{i}", "b", _at(720), "y")]
    for i in range(25):
        rows += [(f"b{i}", "a", _at(0), "y"), (f"b{i}", "b", _at(1), "z")]
    log = make_log(rows, columns=["department"])
    h = jm.handoffs(log)
    assert h["customer_hours"].tolist() == pytest.approx([25.0, 1440.0])
    assert list(zip(h["from"], h["to"], strict=True)) == [("y", "z"), ("x", "y")]
    assert jm.handoffs(log, min_handoffs=1)["from"].tolist() == ["x", "y"]


def test_order_is_the_pair_of_each_row(desk):
    # pain_points reads parts["order"][i] as the pair (index into parts["uniq"]) of row i
    from journeymine.analyzers.transfers import _handoffs

    for kw in ({}, {"min_handoffs": 3}):
        table, parts = _handoffs(desk, "department", "buy", pd.Timedelta("7D"), None, "t", **kw)
        _, labels = desk._codes("department", "t")
        L = len(labels)
        pairs = parts["uniq"][parts["order"]]
        assert [str(labels[p // L]) for p in pairs] == table["from"].tolist()
        assert [str(labels[p % L]) for p in pairs] == table["to"].tolist()
        n = np.bincount(parts["inv"], minlength=len(parts["uniq"]))
        assert n[parts["order"]].tolist() == table["handoffs"].tolist()


def test_self_service_and_window(desk):
    # counting web events as contacts: a's buy (web, inbound) follows a's billing -> support
    h = jm.handoffs(desk, self_service=None).set_index(["from", "to"])
    assert h.loc[("support", "sales"), "repeat_contacts"] == 0  # nothing after the buy
    h = jm.handoffs(desk, window="40D").set_index(["from", "to"])
    assert h.loc[("support", "billing"), "repeat_contacts"] == 2  # b's call 719h later counts


def test_channel_switches(desk):
    h = jm.handoffs(desk, level="channel").set_index(["from", "to"])
    # a: chat -> web -> chat -> chat -> phone -> web; b: chat -> chat -> phone; d: chat -> email
    assert h.loc[("chat", "web"), "handoffs"] == 1
    assert h.loc[("web", "chat"), "handoffs"] == 1
    assert h.loc[("chat", "phone"), "handoffs"] == 2
    assert h.loc[("chat", "web"), "ping_pongs"] == 1  # chat -> web -> chat


def test_equal_timestamps_and_ongoing(make_log):
    log = make_log(
        [
            ("a", "x", _at(0), "support", "inbound"),
            ("a", "y", _at(0), "billing", "internal"),
            ("b", "x", _at(0), "support", "inbound"),
            ("b", "buy", _at(1), "sales", "inbound"),
        ],
        columns=["department", "direction"],
    )
    log = log._replace(ongoing=np.array([True, False]))
    h = jm.handoffs(log, goal="buy").set_index(["from", "to"])
    assert h.loc[("support", "billing"), "median_delay"] == pd.Timedelta(0)
    # a is ongoing and unconverted: censored, so no conversion for "with"
    assert np.isnan(h.loc[("support", "billing"), "conversion_with"])
    assert h.loc[("support", "sales"), "conversion_with"] == 1.0


def test_missing_department_says_how_to_map_it(make_log):
    log = make_log([("a", "x", _at(0)), ("a", "y", _at(1))])
    with pytest.raises(jm.MissingColumnError, match="department.*labels=\\{'department'"):
        jm.handoffs(log)
    with pytest.raises(jm.MissingColumnError, match="'level' parameter"):
        jm.handoffs(log, level="team")


def test_missing_direction_warns_only_when_repeat_contacts_are_asked_for(make_log):
    log = make_log([("a", "x", _at(0), "s"), ("a", "y", _at(1), "b")], columns=["department"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # only handoffs wanted: no warning
        h = jm.handoffs(log)
    assert h["repeat_contact_share"].isna().all()
    assert h["handoffs"].tolist() == [1]
    # a window asks for repeat contacts, which need direction
    with pytest.warns(jm.DataQualityWarning, match="direction.*from_pandas"):
        h = jm.handoffs(log, window="2D")
    assert h["repeat_contact_share"].isna().all()


def test_goal_not_found(desk):
    with pytest.raises(jm.GoalNotFoundError):
        jm.handoffs(desk, goal="purchase")


# --------------------------------------------------------------------------- planted


def _bounce_model():
    from journeymine.datasets import JourneyModel

    return JourneyModel(
        touchpoints=[
            ("browse plans", "web", "sales", "inbound"),
            ("ask question", "chat", "support", "inbound", 3),
            ("answer", "email", "support", "outbound", 3),
            ("forward to risk", "chat", "risk", "internal", 2),
            ("back to support", "chat", "support", "internal", 3),
            ("call again", "phone", "support", "inbound", 3),
            ("configure", "web", "sales", "inbound"),
            ("order", "web", "sales", "inbound"),
        ],
        start={"browse plans": 1.0},
        transitions={
            "browse plans": {"ask question": 0.5, "configure": 0.3, "END": 0.2},
            "ask question": {"answer": 0.6, "forward to risk": 0.4},
            "forward to risk": {"back to support": 1.0},
            "back to support": {"call again": 1.0},
            "call again": {"configure": 0.2, "END": 0.8},
            "answer": {"configure": 0.7, "END": 0.3},
            "configure": {"order": 0.6, "END": 0.4},
        },
        goals=["order"],
        delays={
            ("ask question", "forward to risk"): ("10min", 0.4),
            ("forward to risk", "back to support"): ("20min", 0.4),
            ("back to support", "call again"): ("1D", 0.4),
        },
        default_delay=("3h", 1.0),
    )


def test_planted_ping_pong_and_repeat_contact_cost_the_most_conversions():
    from journeymine.datasets import simulate

    log = simulate(_bounce_model(), n_journeys=20_000, seed=11)
    h = jm.handoffs(log, goal="order")
    hours = h["customer_hours"].to_numpy()
    assert (hours[:-1] >= hours[1:]).all()  # every pair here has >= 20 handoffs
    top = h.sort_values("conversions_lost", ascending=False).iloc[0]
    assert (top["from"], top["to"]) == ("support", "risk")
    # every forward is bounced straight back, and 40% of questions are forwarded
    assert top["ping_pongs"] == top["handoffs"]
    questions = (log.events["activity"] == "ask question").sum()
    assert top["ping_pongs"] / questions == pytest.approx(0.40, abs=0.02)
    # after the bounce the customer calls again (a day later): repeat contact after the handoff
    back = h.set_index(["from", "to"]).loc[("risk", "support")]
    assert back["repeat_contact_share"] == pytest.approx(1.0, abs=0.01)
    # bounced journeys convert 0.2 * 0.6 = 12%, less than the journeys without the handoff
    assert top["conversion_with"] == pytest.approx(0.12, abs=0.02)
    assert top["difference_high"] < 0


def test_sample_planted_ping_pong_near_the_top():
    log = jm.datasets.load_sample()
    h = jm.handoffs(log, goal="purchase")
    pairs = list(zip(h["from"].head(5), h["to"].head(5), strict=True))
    assert ("support", "billing") in pairs
    top = h.sort_values("conversions_lost", ascending=False).iloc[0]
    assert (top["from"], top["to"]) == ("support", "billing")
    assert top["ping_pong_conversion"] < top["conversion_with"]


@pytest.mark.realdata
def test_receipt_group_handoffs(real_data):
    log = jm.read_csv(
        real_data / "receipt.csv.gz",
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
        resource="org:resource",
        channel="case:channel",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)  # no direction in this log
        h = jm.handoffs(log)
    assert len(h) > 10
    assert (h["from"] != h["to"]).all()
    assert (h["handoffs"] >= h["journeys"]).all() and (
        h["journeys"] >= h["ping_pong_journeys"]
    ).all()
    assert (h["p90_delay"] >= h["median_delay"]).all()
    # pairs with >= 20 handoffs first, each part by customer hours (handoffs x median delay)
    big = (h["handoffs"] >= 20).to_numpy()
    assert not (~big[:-1] & big[1:]).any()
    for part in (h[big], h[~big]):
        hours = part["customer_hours"].to_numpy()
        assert (hours[:-1] >= hours[1:]).all()
    expect = h["handoffs"] * h["median_delay"].dt.total_seconds() / 3600
    assert np.allclose(h["customer_hours"], expect)
    # the total number of handoffs equals the number of owner changes counted directly
    ev = log.events
    dep = ev["department"].astype(object)
    ok = dep.notna()
    sub = ev[ok]
    changes = (
        (sub["case_id"].to_numpy()[1:] == sub["case_id"].to_numpy()[:-1])
        & (dep[ok].to_numpy()[1:] != dep[ok].to_numpy()[:-1])
    ).sum()
    assert h["handoffs"].sum() == changes


# --------------------------------------------------------------------------- brute force


event_st = st.tuples(
    st.sampled_from(["A", "B", "C", None]),
    st.sampled_from(["inbound", "outbound", "internal"]),
    st.sampled_from(["phone", "web"]),
    st.integers(0, 100),  # hours after the previous event
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(event_st, min_size=1, max_size=7), min_size=1, max_size=8))
def test_matches_brute_force(journeys):
    rows = []
    for i, events in enumerate(journeys):
        t = 0
        for k, (dep, d, ch, dt) in enumerate(events):
            t += dt
            rows.append((f"c{i}", f"e{k}", _at(t), dep, d, ch))
    df = pd.DataFrame(rows, columns=["c", "a", "t", "dep", "dir", "ch"])
    if df["dep"].isna().all():
        return
    log = jm.from_pandas(
        df, case="c", activity="a", timestamp="t", department="dep", direction="dir", channel="ch"
    )
    h = jm.handoffs(log, window="48h").set_index(["from", "to"])
    expect: dict[tuple[str, str], list[int]] = {}
    for events in journeys:
        owned = [(k, dep) for k, (dep, *_rest) in enumerate(events) if dep is not None]
        times = np.cumsum([e[3] for e in events])
        hand = [
            (owned[j][0], owned[j + 1][0], owned[j][1], owned[j + 1][1])
            for j in range(len(owned) - 1)
            if owned[j][1] != owned[j + 1][1]
        ]
        for n, (_, to_k, a, b) in enumerate(hand):
            row = expect.setdefault((a, b), [0, 0, 0])
            row[0] += 1
            if n + 1 < len(hand) and hand[n + 1][3] == a:
                row[1] += 1
            later = [
                k
                for k in range(to_k + 1, len(events))
                if events[k][1] == "inbound" and events[k][2] != "web"
            ]
            if later and times[later[0]] - times[to_k] <= 48:
                row[2] += 1
    assert set(h.index) == set(expect)
    for key, (n, pp, rep) in expect.items():
        assert (
            h.loc[key, "handoffs"],
            h.loc[key, "ping_pongs"],
            h.loc[key, "repeat_contacts"],
        ) == (n, pp, rep)
