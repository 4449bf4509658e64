"""Tests of the direction rules (journeymine._rules) and jm.classify_direction."""

from __future__ import annotations

import pandas as pd
import pytest

import journeymine as jm
from journeymine._rules import PROCESS_RULES, parse_rules, rule_problems

T0 = pd.Timestamp("2025-01-01")


@pytest.fixture
def desk(make_log) -> jm.JourneyLog:
    rows = [
        ("a", "New ticket", T0, "email", None),
        ("a", "Assign agent", T0 + pd.Timedelta("1h"), None, None),
        ("a", "Reply", T0 + pd.Timedelta("2h"), "email", None),
        ("a", "Customer reply", T0 + pd.Timedelta("3h"), "email", None),
        ("b", "Call", T0, "phone", "inbound"),
        ("b", "Reply", T0 + pd.Timedelta("1D"), "email", None),
        ("b", "Close", T0 + pd.Timedelta("2D"), None, "internal"),
    ]
    return make_log(rows, columns=["channel", "direction"])


def _dirs(log: jm.JourneyLog) -> list:
    return [None if pd.isna(v) else v for v in log.events["direction"]]


def test_first_match_wins_and_unmatched_keep_their_value(desk):
    rules = [
        {"column": "activity", "pattern": "Customer reply", "direction": "inbound"},
        {"column": "activity", "pattern": ["Reply", "Customer reply"], "direction": "outbound"},
        {"column": "channel", "pattern": "email", "direction": "inbound"},
    ]
    out = jm.classify_direction(desk, rules)
    # a: New ticket (email -> 3rd rule), Assign (no rule, no value), Reply (2nd),
    #    Customer reply (1st rule wins over the 2nd and 3rd)
    # b: Call keeps inbound, Reply (2nd), Close keeps internal
    assert _dirs(out) == [
        "inbound",
        None,
        "outbound",
        "inbound",
        "inbound",
        "outbound",
        "internal",
    ]


def test_exact_is_whole_value_regex_is_search(desk):
    exact = [{"column": "activity", "pattern": "reply", "direction": "outbound"}]
    assert _dirs(jm.classify_direction(desk, exact))[:4] == [None, None, None, None]
    regex = [{"column": "activity", "pattern": "reply", "match": "regex", "direction": "outbound"}]
    # re.search is case-sensitive: "Customer reply" matches, "Reply" does not
    assert _dirs(jm.classify_direction(desk, regex))[:4] == [None, None, None, "outbound"]
    nocase = [dict(regex[0], pattern="(?i)^reply$")]
    assert _dirs(jm.classify_direction(desk, nocase))[:4] == [None, None, "outbound", None]


def test_any_column_including_kept_ones(make_log):
    rows = [("a", "x", T0, "start"), ("a", "x", T0 + pd.Timedelta("1h"), "complete")]
    log = make_log(rows, columns=["lifecycle"])
    rules = [{"column": "lifecycle", "pattern": "start", "direction": "inbound"}]
    assert _dirs(jm.classify_direction(log, rules)) == ["inbound", None]


def test_never_mutates_and_keeps_journey_state(desk):
    log = jm.split_journeys(desk, inactivity="30D", observation_end="2025-01-05")
    before = log.events.copy()
    out = jm.classify_direction(log, "process")
    assert out is not log and log.cases["ongoing"].any()
    pd.testing.assert_frame_equal(log.events, before)
    assert (out.cases["ongoing"].to_numpy() == log.cases["ongoing"].to_numpy()).all()
    assert out.observation_end == log.observation_end
    assert out.events.drop(columns="direction").equals(log.events.drop(columns="direction"))
    assert out.events["direction"].dtype == log.events["direction"].dtype


def test_process_rules_on_typical_names(make_log):
    names = {
        "Insert ticket": "inbound",
        "Register request": "inbound",
        "A_SUBMITTED": "inbound",
        "O_SENT_BACK": "inbound",
        "Assign seriousness": "inbound",  # triage of a request that just arrived
        "Take in charge ticket": "internal",
        "T02 Check confirmation of receipt": "internal",
        "O_SENT": "outbound",
        "T05 Print and send confirmation of receipt": "outbound",
        "Resolve ticket": "outbound",
        "Wait": "outbound",
        "Waiting for customer": "outbound",
    }
    rows = [(f"c{i}", n, T0) for i, n in enumerate(names)]
    rows += [("x", "Create SW anomaly", T0), ("y", "Closed", T0)]  # no rule: left missing
    out = jm.classify_direction(make_log(rows), "process")
    got = dict(zip(out.events["activity"].astype(str), _dirs(out), strict=True))
    assert got == {**names, "Create SW anomaly": None, "Closed": None}


def test_own_rules_before_process(desk):
    rules = [{"column": "activity", "pattern": "Reply", "direction": "internal"}, "process"]
    out = _dirs(jm.classify_direction(desk, rules))
    assert out[2] == "internal" and out[3] == "inbound"  # Customer reply: process rule 1
    assert len(parse_rules("process")) == len(PROCESS_RULES)


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({"column": "activity"}, r"rules: must be 'process' or a list of rules"),
        ("proc", r"rules: must be 'process' or a list"),
        ([], r"rules: must hold at least one rule"),
        ([5], r"rules\[0\]: must be a rule.*Got 5"),
        (
            [{"column": "activity", "pattern": "x"}],
            r"rules\[0\]\.direction: missing",
        ),
        (
            [
                {"column": "activity", "pattern": "x", "direction": "inbound"},
                {"column": "activity", "pattern": "x", "direction": "in"},
            ],
            r"rules\[1\]\.direction: must be one of \['inbound', 'outbound', 'internal'\]\. Got 'in'",
        ),
        (
            [{"column": "activity", "patern": "x", "direction": "inbound"}],
            r"rules\[0\]\.patern: unknown key.*Did you mean 'pattern'",
        ),
        (
            [{"column": "activity", "pattern": "(", "match": "regex", "direction": "inbound"}],
            r"rules\[0\]\.pattern: must be a valid regular expression.*Got '\('",
        ),
        (
            [{"column": "activity", "pattern": "x", "match": "glob", "direction": "inbound"}],
            r"rules\[0\]\.match: must be one of \['exact', 'regex'\]\. Got 'glob'",
        ),
        (
            [{"column": "activity", "pattern": [], "direction": "inbound"}],
            r"rules\[0\]\.pattern: must be text or a non-empty list of text",
        ),
        (
            [{"column": 3, "pattern": "x", "direction": "inbound"}],
            r"rules\[0\]\.column: must be the name of an event column",
        ),
    ],
)
def test_bad_rules_name_index_key_expected_and_found(desk, rules, expected):
    with pytest.raises(jm.InvalidParameterError, match=expected):
        jm.classify_direction(desk, rules)


def test_unknown_column_is_named(desk):
    rules = [{"column": "chanel", "pattern": "x", "direction": "inbound"}]
    with pytest.raises(
        jm.InvalidParameterError, match=r"rules\[0\]\.column.*Did you mean 'channel'"
    ):
        jm.classify_direction(desk, rules)


def test_problems_for_the_configuration():
    probs = rule_problems([{"column": "activity", "pattern": "x"}], "direction_rules")
    assert probs == [
        "direction_rules[0].direction: missing; every rule needs 'column', 'pattern' and "
        "'direction'."
    ]
    with pytest.raises(jm.InvalidParameterError, match="'log' parameter"):
        jm.classify_direction(pd.DataFrame(), "process")


def test_config_validates_and_applies_rules(tmp_path):
    from journeymine.cli._sources import load_log
    from journeymine.cli.config import parse_config

    src = tmp_path / "t.csv"
    pd.DataFrame(
        {
            "c": ["a", "a", "a"],
            "a": ["Insert ticket", "Take in charge ticket", "Resolve ticket"],
            "t": ["2025-01-01", "2025-01-02", "2025-01-03"],
        }
    ).to_csv(src, index=False)
    base = {"sources": {"t": {"path": str(src), "case": "c", "activity": "a", "timestamp": "t"}}}
    with pytest.raises(jm.ConfigError, match=r"direction_rules\[0\]\.direction: must be one of"):
        parse_config(
            {
                **base,
                "direction_rules": [{"column": "activity", "pattern": "x", "direction": "up"}],
            },
            file="c.toml",
        )
    cfg = parse_config({**base, "direction_rules": "process"}, file="c.toml")
    log = load_log(cfg).log
    assert log.events["direction"].tolist() == ["inbound", "internal", "outbound"]
    bad = parse_config(
        {**base, "direction_rules": [{"column": "queue", "pattern": "x", "direction": "inbound"}]},
        file="c.toml",
    )
    with pytest.raises(jm.ConfigError, match=r"c.toml: direction_rules\[0\]\.column: must name"):
        load_log(bad)
