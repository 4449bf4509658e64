"""Tests of jm.repeat_contacts and jm.loops."""

from __future__ import annotations

import pandas as pd
import pytest

import journeymine as jm

T0 = pd.Timestamp("2025-01-01 09:00")
H = pd.Timedelta(hours=1)


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


@pytest.fixture
def contacts(make_log) -> jm.JourneyLog:
    rows = [
        ("a", "email us", _at(0), "inbound", "email"),
        ("a", "chat", _at(20), "inbound", "chat"),
        ("a", "call", _at(40), "inbound", "phone"),
        ("a", "read faq", _at(41), "inbound", "web"),  # self-service, not a contact
        ("b", "email us", _at(0), "inbound", "email"),
        ("b", "reply", _at(1), "outbound", "email"),
        ("b", "email us", _at(240), "inbound", "email"),  # 10 days later
        ("c", "chat", _at(0), "inbound", "chat"),
        ("c", "chat", _at(2), "inbound", "chat"),
        ("d", "call", _at(0), "inbound", "phone"),
        ("d", "letter", _at(5), "inbound", None),
        ("e", "call", _at(0), "inbound", "phone"),
    ]
    return make_log(rows, columns=["direction", "channel"])


def test_pairs_every_column(contacts):
    r = jm.repeat_contacts(contacts)
    # repeats within 7 days: a email -> chat (20h), chat -> phone (20h); c chat -> chat (2h);
    # d phone -> missing channel (5h); b's second email comes after 10 days: not a repeat
    assert list(zip(r["from"], r["to"].fillna("?"), strict=True)) == [
        ("chat", "chat"),
        ("chat", "phone"),
        ("email", "chat"),
        ("phone", "?"),
    ]
    assert pd.isna(r.loc[3, "to"])  # d's letter has no channel
    assert r["repeats"].tolist() == [1, 1, 1, 1]
    assert r["journeys"].tolist() == [1, 1, 1, 1]
    # contacts on the first channel: chat a, c, c = 3; email a, b, b = 3; phone a, d, e = 3
    assert r["contacts"].tolist() == [3, 3, 3, 3]
    assert r["share"].tolist() == pytest.approx([1 / 3] * 4)
    assert r["median_interval"].tolist() == [2 * H, 20 * H, 20 * H, 5 * H]
    assert r["switch"].tolist() == [False, True, True, True]


def test_chains(contacts):
    c = jm.repeat_contacts(contacts, chains=True)
    assert c["chain"].tolist() == [
        "email \u2192 chat \u2192 phone",
        "chat \u2192 chat",
        "phone \u2192 (missing)",
    ]
    assert c["length"].tolist() == [3, 2, 2]
    assert c["chains"].tolist() == [1, 1, 1]
    assert c["journeys"].tolist() == [1, 1, 1]
    assert c["median_span"].tolist() == [40 * H, 2 * H, 5 * H]


def test_window_and_self_service(contacts):
    r = jm.repeat_contacts(contacts, window="11D").set_index(["from", "to"])
    assert r.loc[("email", "email"), "repeats"] == 1  # b, 10 days apart
    r = jm.repeat_contacts(contacts, self_service=None).set_index(["from", "to"])
    assert r.loc[("phone", "web"), "repeats"] == 1  # the faq page now counts
    c = jm.repeat_contacts(contacts, self_service=None, chains=True)
    assert c.loc[0, "chain"] == "email \u2192 chat \u2192 phone \u2192 web"
    r = jm.repeat_contacts(contacts, level="activity").set_index(["from", "to"])
    assert r.loc[("email us", "chat"), "repeats"] == 1


def test_needs_direction(make_log):
    log = make_log([("a", "x", _at(0), "phone"), ("a", "x", _at(1), "phone")], columns=["channel"])
    with pytest.raises(jm.MissingColumnError, match="direction"):
        jm.repeat_contacts(log)


def test_no_repeats_gives_empty_tables(make_log):
    log = make_log([("a", "x", _at(0), "inbound")], columns=["direction"])
    with pytest.warns(jm.DataQualityWarning, match="no 'channel' values"):
        assert jm.repeat_contacts(log).empty
        assert jm.repeat_contacts(log, chains=True).empty


def test_without_channels_groups_by_touchpoint(make_log):
    # no channel values: no "None -> None" row, the touchpoints instead (and it says so)
    rows = [
        ("a", "email us", _at(0), "inbound"),
        ("a", "call", _at(2), "inbound"),
        ("b", "call", _at(0), "inbound"),
        ("b", "call", _at(1), "inbound"),
    ]
    log = make_log(rows, columns=["direction"])
    with pytest.warns(jm.DataQualityWarning, match="grouped by touchpoint \\('activity'\\)"):
        r = jm.repeat_contacts(log)
    assert list(zip(r["from"], r["to"], strict=True)) == [("call", "call"), ("email us", "call")]
    assert r["from"].notna().all() and r["to"].notna().all()
    pd.testing.assert_frame_equal(r, jm.repeat_contacts(log, level="activity"))
    with pytest.warns(jm.DataQualityWarning, match="no 'channel' values"):
        c = jm.repeat_contacts(log, chains=True)
    assert c["chain"].tolist() == ["call \u2192 call", "email us \u2192 call"]
    # another column without values is an error that says how to map it
    with pytest.raises(jm.MissingColumnError, match="'department'.*no values"):
        jm.repeat_contacts(log, level="department")


def test_planted_repeat_contacts():
    from journeymine.datasets import JourneyModel, simulate

    model = JourneyModel(
        touchpoints=[
            ("order", "web", "sales", "inbound"),
            ("email support", "email", "support", "inbound"),
            ("reply", "email", "support", "outbound", 3),
            ("chat support", "chat", "support", "inbound", 3),
            ("call support", "phone", "support", "inbound", 3),
        ],
        start={"order": 1.0},
        transitions={
            "order": {"email support": 0.6, "END": 0.4},
            "email support": {"chat support": 0.25, "reply": 0.75},
            "chat support": {"call support": 0.5, "END": 0.5},
            "reply": {"END": 1.0},
        },
        delays={("*", "chat support"): ("1D", 0.3), ("*", "call support"): ("1D", 0.3)},
        default_delay=("2h", 1.0),
    )
    log = simulate(model, n_journeys=20_000, seed=8)
    r = jm.repeat_contacts(log, window="3D")
    top = r.iloc[0]
    assert (top["from"], top["to"]) == ("email", "chat")
    assert top["share"] == pytest.approx(0.25, abs=0.02)
    second = r.iloc[1]
    assert (second["from"], second["to"]) == ("chat", "phone")
    assert second["share"] == pytest.approx(0.5, abs=0.03)
    c = jm.repeat_contacts(log, window="3D", chains=True)
    assert c.loc[0, "chain"] in ("email \u2192 chat", "email \u2192 chat \u2192 phone")
    assert set(c["chain"].head(2)) == {"email \u2192 chat", "email \u2192 chat \u2192 phone"}


def test_sample_planted_repeat_contacts():
    r = jm.repeat_contacts(jm.datasets.load_sample(), window="3D")
    pairs = list(zip(r["from"].head(2), r["to"].head(2), strict=True))
    assert set(pairs) == {("chat", "phone"), ("email", "chat")}


# --------------------------------------------------------------------------- loops


def test_loops_every_column(make_log):
    log = make_log(
        [
            ("a", "form", _at(0)),
            ("a", "form", _at(1)),
            ("a", "help", _at(2)),
            ("a", "form", _at(4)),
            ("b", "form", _at(0)),
            ("b", "help", _at(1)),
            ("b", "help", _at(1)),
            ("c", "form", _at(0)),
        ],
        drop_duplicates=False,
    )
    lp = jm.loops(log)
    # form: a visits it 3 times (one straight repeat, one return), from 0h to 4h;
    # help: b twice in a row at the same time
    assert lp["touchpoint"].tolist() == ["form", "help"]  # 1 looping journey each; 2 vs 1 extra
    assert lp["journeys"].tolist() == [3, 2]
    assert lp["looping_journeys"].tolist() == [1, 1]
    assert lp["loop_share"].tolist() == pytest.approx([1 / 3, 1 / 2])
    assert lp["extra_visits"].tolist() == [2, 1]
    assert lp["self_loops"].tolist() == [1, 1]
    assert lp["returns"].tolist() == [1, 0]
    assert lp["median_extra_time"].tolist() == [4 * H, pd.Timedelta(0)]
    assert lp["total_extra_days"].tolist() == pytest.approx([4 / 24, 0.0])


def test_loops_none(make_log):
    assert jm.loops(make_log([("a", "x", _at(0)), ("a", "y", _at(1))])).empty


def test_sample_loops():
    lp = jm.loops(jm.datasets.load_sample())
    row = lp.set_index("touchpoint").loc["legacy help page"]
    # the planted dead end is only ever reloaded straight away
    assert row["returns"] == 0 and row["self_loops"] == row["extra_visits"]
