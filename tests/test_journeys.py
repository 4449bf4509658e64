"""combine (identity stitching), split_journeys (cutting and censoring), map_stages."""

from __future__ import annotations

import pandas as pd
import pytest

import journeymine as jm


def _log(rows, key, channel, name):
    df = pd.DataFrame(rows, columns=[key, "what", "when"])
    return jm.from_pandas(
        df, customer=key, activity="what", timestamp="when", labels={"channel": channel}, name=name
    )


@pytest.fixture
def sources():
    web = _log(
        [
            ("ck1", "visit", "2025-01-01 10:00"),
            ("ck2", "visit", "2025-01-01 11:00"),
            ("ck9", "visit", "2025-01-01 12:00"),
        ],
        "cookie_id",
        "web",
        "web",
    )
    mail = _log([("ann@x.org", "open email", "2025-01-02 09:00")], "email", "email", "mail")
    calls = _log(
        [("555", "call", "2025-01-03 09:00"), ("777", "call", "2025-01-03 10:00")],
        "phone",
        "phone",
        "calls",
    )
    # ck1 -> ann@x.org (row 0); ann@x.org -> CRM-1 (row 1); 555 -> CRM-1 (row 2): two hops
    # ck2 -> CRM-2 directly; ck9 and 777 appear nowhere
    xwalk = pd.DataFrame(
        {
            "cookie_id": ["ck1", None, None, "ck2"],
            "email": ["ann@x.org", "ann@x.org", None, None],
            "phone": [None, None, "555", None],
            "crm_id": [None, "CRM-1", "CRM-1", "CRM-2"],
        }
    )
    return web, mail, calls, xwalk


def test_identity_stitching_through_two_hops(sources):
    web, mail, calls, xwalk = sources
    with pytest.warns(jm.DataQualityWarning, match="2 of 6 events could not be linked"):
        log = jm.combine([web, mail, calls], identities=xwalk, primary="crm_id")
    ev = log.events
    by_cust = ev.groupby("customer_id", observed=True)["activity"].apply(list).to_dict()
    assert by_cust == {
        "CRM-1": ["visit", "open email", "call"],
        "CRM-2": ["visit"],
        "cookie_id:ck9": ["visit"],
        "phone:777": ["call"],
    }
    assert ev.loc[ev["customer_id"] == "CRM-1", "channel"].tolist() == ["web", "email", "phone"]
    assert ev.loc[ev["customer_id"] == "CRM-1", "source"].tolist() == ["web", "mail", "calls"]
    rep = log.stitching.set_index("source")
    assert rep.loc["web", "linked_events"] == 2 and rep.loc["web", "unlinked_events"] == 1
    assert rep.loc["calls", "unlinked_events"] == 1 and rep["events"].sum() == 6


def test_combine_without_primary_value_names_component_by_first_identifier(sources):
    web, mail, _, _ = sources
    xwalk = pd.DataFrame({"cookie_id": ["ck1"], "email": ["ann@x.org"]})
    with pytest.warns(jm.DataQualityWarning):
        log = jm.combine({"w": web, "m": mail}, identities=xwalk, primary="email")
    assert set(log.events["customer_id"]) == {"ann@x.org", "cookie_id:ck2", "cookie_id:ck9"}


def test_combine_key_not_in_crosswalk_is_a_clear_error(sources):
    web, mail, calls, xwalk = sources
    with pytest.raises(jm.InvalidParameterError, match=r"Pass keys=\[\.\.\.\]"):
        jm.combine([web, mail], identities=xwalk[["cookie_id", "crm_id"]])
    with pytest.warns(jm.DataQualityWarning, match="2 of 5 events could not be linked"):
        log = jm.combine(
            [web, calls], identities=xwalk, keys=["cookie_id", "phone"], primary="crm_id"
        )
    assert "CRM-1" in set(log.events["customer_id"])


def test_combine_does_not_mutate_sources(sources):
    web, mail, calls, xwalk = sources
    before = web.events.copy(deep=True), xwalk.copy(deep=True)
    with pytest.warns(jm.DataQualityWarning):
        jm.combine([web, mail, calls], identities=xwalk)
    pd.testing.assert_frame_equal(web.events, before[0])
    pd.testing.assert_frame_equal(xwalk, before[1])


def test_split_journeys_at_inactivity_with_censoring():
    df = pd.DataFrame(
        {
            "who": ["a", "a", "a", "a", "b", "b"],
            "what": ["v", "v", "v", "v", "v", "v"],
            "when": [
                "2025-01-01",
                "2025-01-10",
                "2025-03-01",
                "2025-03-05",
                "2025-01-01",
                "2025-03-20",
            ],
        }
    )
    log = jm.from_pandas(df, customer="who", activity="what", timestamp="when")
    split = jm.split_journeys(log, inactivity="30D")
    cases = split.cases.set_index("case_id")
    # a: Jan 1 + Jan 10 | gap 50 days | Mar 1 + Mar 5;  b: Jan 1 | gap 78 days | Mar 20
    assert cases["n_events"].to_dict() == {"a#1": 2, "a#2": 2, "b#1": 1, "b#2": 1}
    # data ends Mar 20: a#2 ended Mar 5 (15 days before, within 30) and b#2 are ongoing
    assert cases["ongoing"].to_dict() == {"a#1": False, "a#2": True, "b#1": False, "b#2": True}
    assert cases["customer_id"].astype(str).to_dict() == {
        "a#1": "a",
        "a#2": "a",
        "b#1": "b",
        "b#2": "b",
    }
    # with an explicit extraction date far later, nothing is ongoing
    late = jm.split_journeys(log, inactivity="30D", observation_end="2025-12-31")
    assert not late.cases["ongoing"].any()


def test_split_journeys_after_goal_and_goal_ending_is_not_ongoing():
    df = pd.DataFrame(
        {
            "who": ["a"] * 3,
            "what": ["v", "buy", "v"],
            "when": ["2025-01-01", "2025-01-02", "2025-01-03"],
        }
    )
    log = jm.from_pandas(df, customer="who", activity="what", timestamp="when")
    split = jm.split_journeys(log, end_at="buy", inactivity="30D")
    c = split.cases
    assert c["n_events"].tolist() == [2, 1]
    assert c["ongoing"].tolist() == [False, True]


def test_split_keeps_source_cases_and_only_cuts_them():
    df = pd.DataFrame(
        {
            "t": ["T1", "T1", "T2"],
            "c": ["a", "a", "a"],
            "what": ["x", "y", "z"],
            "when": ["2025-01-01", "2025-06-01", "2025-01-02"],
        }
    )
    log = jm.from_pandas(df, case="t", customer="c", activity="what", timestamp="when")
    split = jm.split_journeys(log, inactivity="30D")
    assert split.cases["case_id"].tolist() == ["T1#1", "T1#2", "T2"]
    assert split.events["activity"].tolist() == ["x", "y", "z"]


def test_split_needs_a_rule_and_a_valid_duration():
    df = pd.DataFrame({"c": ["a"], "what": ["x"], "when": ["2025-01-01"]})
    log = jm.from_pandas(df, customer="c", activity="what", timestamp="when")
    with pytest.raises(jm.InvalidParameterError, match="'inactivity' parameter"):
        jm.split_journeys(log)
    with pytest.raises(
        jm.InvalidParameterError, match="must be a duration with a unit such as '30D'"
    ):
        jm.split_journeys(log, inactivity="soon")
    with pytest.raises(jm.InvalidParameterError, match="bare number has no unit"):
        jm.split_journeys(log, inactivity=30)
    with pytest.raises(jm.GoalNotFoundError, match="never occur"):
        jm.split_journeys(log, end_at="purchase")


def test_split_empty_log():
    df = pd.DataFrame(
        {
            "c": pd.Series([], dtype=object),
            "what": pd.Series([], dtype=object),
            "when": pd.Series([], dtype=object),
        }
    )
    log = jm.from_pandas(df, customer="c", activity="what", timestamp="when")
    assert len(jm.split_journeys(log, inactivity="1D")) == 0


def test_map_stages_orders_and_reports_unmapped():
    df = pd.DataFrame(
        {
            "c": ["x"] * 4,
            "a": ["ad", "pricing", "buy", "faq"],
            "t": pd.date_range("2025-01-01", periods=4, freq="D"),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.warns(jm.DataQualityWarning, match=r"'faq' \(1 events\)"):
        staged = jm.map_stages(
            log, {"awareness": ["ad"], "consideration": ["pricing"], "conversion": ["buy"]}
        )
    st = staged.events["stage"]
    assert st.tolist()[:3] == ["awareness", "consideration", "conversion"] and pd.isna(st.iloc[3])
    assert (
        list(st.cat.categories) == ["awareness", "consideration", "conversion"] and st.cat.ordered
    )
    assert "stage" not in log.columns  # the input log is unchanged
    with pytest.warns(jm.DataQualityWarning) as caught:
        jm.map_stages(log, {"a": ["ad", "faq", "buy", "Pricing "]})
    messages = [str(w.message) for w in caught]
    assert any("did you mean 'pricing'" in m for m in messages)
    assert any("'pricing' (1 events)" in m for m in messages)  # and pricing itself is unmapped
    with pytest.raises(jm.InvalidParameterError, match="two stages"):
        jm.map_stages(log, {"a": ["ad"], "b": ["ad"]})
