"""filter_journeys, filter_events and with_columns (journeymine.reshape)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

TPS = ["home", "pricing", "trial", "support", "buy"]


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


@pytest.fixture(scope="module")
def planted() -> tuple[jm.JourneyLog, pd.DataFrame]:
    """400 journeys of random touchpoints, a segment per journey, some ongoing."""
    rng = np.random.default_rng(7)
    rows = []
    for i in range(400):
        start = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(
            hours=int(rng.integers(0, 24 * 300))
        )
        n = int(rng.integers(1, 7))
        gaps = np.cumsum(rng.integers(1, 72, size=n))
        seg = ["gold", "silver", "bronze"][i % 3]
        for k in range(n):
            rows.append(
                (f"c{i:03d}", str(rng.choice(TPS)), start + pd.Timedelta(hours=int(gaps[k])), seg)
            )
    df = pd.DataFrame(rows, columns=["case", "tp", "t", "segment"])
    log = jm.from_pandas(df, customer="case", activity="tp", timestamp="t", keep=["segment"])
    log = jm.split_journeys(log, inactivity="20D")
    return log, log.events


def _ids(log: jm.JourneyLog) -> list[str]:
    return [str(c) for c in log.cases["case_id"]]


def _flags(log: jm.JourneyLog) -> dict[str, bool]:
    c = log.cases
    return dict(zip(c["case_id"].astype(str), c["ongoing"].astype(bool), strict=True))


def _flags_kept(before: jm.JourneyLog, after: jm.JourneyLog) -> None:
    old = _flags(before)
    assert all(old[k] == v for k, v in _flags(after).items())


# --------------------------------------------------------------------------- hand-checked


@pytest.fixture
def tiny(make_log) -> jm.JourneyLog:
    rows = [
        ("a", "home", "2025-01-01", "x"),
        ("a", "pricing", "2025-01-02", "x"),
        ("a", "buy", "2025-01-03", "x"),
        ("b", "pricing", "2025-01-04", "y"),
        ("b", "home", "2025-01-05", "x"),
        ("c", "home", "2025-02-01", None),
    ]
    return make_log(rows, columns=["segment"])


def test_filter_journeys_by_touchpoints_hand_checked(tiny):
    assert _ids(jm.filter_journeys(tiny, contains="home")) == ["a", "b", "c"]
    assert _ids(jm.filter_journeys(tiny, contains=["home", "pricing"])) == ["a", "b"]
    assert _ids(jm.filter_journeys(tiny, not_contains=["buy", "pricing"])) == ["c"]
    assert _ids(jm.filter_journeys(tiny, followed_by=("home", "pricing"))) == ["a"]
    assert _ids(jm.filter_journeys(tiny, followed_by=[("pricing", "home")])) == ["b"]
    assert _ids(jm.filter_journeys(tiny, followed_by=[("home", "home")])) == []


def test_filter_journeys_by_time_rules_hand_checked(tiny):
    win = {"start": "2025-01-02", "end": "2025-01-05"}
    assert _ids(jm.filter_journeys(tiny, **win, time_rule="intersecting")) == ["a", "b"]
    assert _ids(jm.filter_journeys(tiny, **win, time_rule="contained")) == []
    assert _ids(jm.filter_journeys(tiny, **win, time_rule="started")) == ["b"]
    assert _ids(
        jm.filter_journeys(tiny, start="2025-01-01", end="2025-01-06", time_rule="contained")
    ) == ["a", "b"]
    assert _ids(jm.filter_journeys(tiny, start="2025-01-06")) == ["c"]


def test_filter_journeys_by_attributes_variants_and_top(tiny):
    assert _ids(jm.filter_journeys(tiny, attributes={"segment": "x"})) == ["a"]
    assert _ids(jm.filter_journeys(tiny, attributes={"segment": ["y", None]})) == ["b", "c"]
    assert _ids(jm.filter_journeys(tiny, variants=[("home",), ("pricing", "home")])) == ["b", "c"]
    assert _ids(jm.filter_journeys(tiny, top_variants=0.3)) == ["a"]  # all tie: first seen
    assert _ids(jm.filter_journeys(tiny, top_variants=1.0)) == ["a", "b", "c"]


def test_filter_journeys_by_finding(tiny):
    d = jm.dropoffs(tiny, goal="buy")
    row = d.iloc[0]
    want = list(jm.affected_journeys(tiny, row))
    assert _ids(jm.filter_journeys(tiny, finding=row)) == want and want


def test_unknown_touchpoint_warns_with_a_near_match(tiny):
    with pytest.warns(jm.DataQualityWarning, match="did you mean 'pricing'|Did you mean 'pricing'"):
        out = jm.filter_journeys(tiny, contains="prcing")
    assert out.n_cases == 0


def test_errors_name_the_parameter(tiny):
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.filter_journeys(tiny, time_rule="inside")
    assert err.value.param == "time_rule"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.filter_journeys(tiny, attributes={"segmnt": "x"})
    assert err.value.param == "attributes" and "segment" in str(err.value)
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.filter_journeys(tiny, followed_by=("a", "b", "c"))
    assert err.value.param == "followed_by"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.filter_events(tiny, end="not a date")
    assert err.value.param == "end"


def test_filter_events_hand_checked(tiny):
    out = jm.filter_events(tiny, drop="home")
    assert out.events[["case_id", "activity"]].values.tolist() == [
        ["a", "pricing"],
        ["a", "buy"],
        ["b", "pricing"],
    ]
    assert list(out.events["activity"].cat.categories) == ["buy", "pricing"]
    assert _ids(jm.filter_events(tiny, keep=["buy"])) == ["a"]
    assert _ids(jm.filter_events(tiny, attributes={"segment": "y"})) == ["b"]
    assert len(jm.filter_events(tiny, start="2025-01-03")) == 4


def test_filter_events_by_end_sets_observation_end_and_ongoing(tiny):
    out = jm.filter_events(tiny, end="2025-01-04 12:00")
    assert out.observation_end == pd.Timestamp("2025-01-04 12:00", tz="UTC")
    # b lost its event of 01-05: it went on beyond the new end; a did not
    assert _flags(out) == {"a": False, "b": True}
    near = jm.filter_events(tiny, end="2025-01-04 12:00", inactivity="2D")
    assert _flags(near) == {"a": True, "b": True}  # a's last event is 1.5 days before the end
    later = jm.filter_events(tiny, end="2030-01-01")
    assert later.observation_end == pd.Timestamp("2025-02-01", tz="UTC")  # min(old, end)


def test_inputs_are_not_changed(tiny):
    before = tiny.events.copy()
    jm.filter_events(tiny, drop="home", end="2025-01-03")
    jm.filter_journeys(tiny, contains="home")
    jm.with_columns(tiny, case_id=jm.column("segment").__call__(tiny.events).fillna("z"))
    pd.testing.assert_frame_equal(tiny.events, before)


# --------------------------------------------------------------------------- independent counts


def _pd_contains(ev: pd.DataFrame, tp: str) -> set[str]:
    return set(ev.loc[ev["activity"] == tp, "case_id"].astype(str))


def _pd_followed(ev: pd.DataFrame, a: str, b: str) -> set[str]:
    e = ev.assign(pos=np.arange(len(ev)))
    first_a = e[e["activity"] == a].groupby("case_id", observed=True)["pos"].min()
    last_b = e[e["activity"] == b].groupby("case_id", observed=True)["pos"].max()
    both = pd.concat([first_a, last_b], axis=1, keys=["a", "b"]).dropna()
    return set(both.index[both["a"] < both["b"]].astype(str))


@pytest.mark.parametrize("which", ["sample", "planted"])
def test_counts_equal_independent_pandas_counts(which, sample, planted):
    log = sample if which == "sample" else planted[0]
    ev = log.events
    tps = ev["activity"].value_counts().index[:3].astype(str).tolist()
    a, b = tps[0], tps[1]
    assert set(_ids(jm.filter_journeys(log, contains=a))) == _pd_contains(ev, a)
    assert set(_ids(jm.filter_journeys(log, contains=[a, b]))) == _pd_contains(
        ev, a
    ) & _pd_contains(ev, b)
    everyone = set(ev["case_id"].astype(str))
    assert set(_ids(jm.filter_journeys(log, not_contains=a))) == everyone - _pd_contains(ev, a)
    assert set(_ids(jm.filter_journeys(log, followed_by=(a, b)))) == _pd_followed(ev, a, b)
    g = ev.groupby("case_id", observed=True)["timestamp"].agg(["min", "max"])
    lo, hi = pd.Timestamp("2025-03-01", tz="UTC"), pd.Timestamp("2025-04-01", tz="UTC")
    rules = {
        "contained": (g["min"] >= lo) & (g["max"] < hi),
        "started": (g["min"] >= lo) & (g["min"] < hi),
        "intersecting": (g["min"] < hi) & (g["max"] >= lo),
    }
    for rule, want in rules.items():
        got = jm.filter_journeys(log, start=lo, end=hi, time_rule=rule)
        assert set(_ids(got)) == set(g.index[want].astype(str)), rule
        _flags_kept(log, got)
    seg_col = "acquisition" if which == "sample" else "segment"
    value = str(ev[seg_col].dropna().iloc[0])
    first = ev.groupby("case_id", observed=True)[seg_col].first()
    got = jm.filter_journeys(log, attributes={seg_col: value})
    assert set(_ids(got)) == set(first.index[first.astype(str) == value].astype(str))
    # events: pandas row filter, then journeys that still have events
    kept = ev[(ev["activity"] != a) & (ev["timestamp"] < hi)]
    out = jm.filter_events(log, drop=a, end=hi)
    assert len(out) == len(kept) and set(_ids(out)) == set(kept["case_id"].astype(str))


def test_top_variants_against_pandas(sample):
    ev = sample.events
    path = ev.groupby("case_id", observed=True)["activity"].agg(tuple)
    counts = path.value_counts(sort=False)
    first_seen = {p: i for i, p in enumerate(dict.fromkeys(path))}
    order = sorted(counts.index, key=lambda p: (-counts[p], first_seen[p]))
    share = np.cumsum([counts[p] for p in order]) / len(path)
    n_top = int(np.searchsorted(share, 0.5)) + 1
    chosen = set(order[:n_top])
    want = {str(c) for c, p in path.items() if p in chosen}
    got = jm.filter_journeys(sample, top_variants=0.5)
    assert set(_ids(got)) == want
    assert set(_ids(jm.filter_journeys(sample, variants=order[:2]))) == {
        str(c) for c, p in path.items() if p in set(order[:2])
    }


# --------------------------------------------------------------------------- ongoing survives


def test_ongoing_flags_survive_every_function(planted):
    log = planted[0]
    assert log.cases["ongoing"].sum() > 0
    _flags_kept(log, jm.filter_journeys(log, contains="home"))
    _flags_kept(log, jm.filter_journeys(log, top_variants=0.3))
    _flags_kept(log, jm.filter_events(log, drop="support"))
    _flags_kept(log, jm.filter_events(log, start="2025-03-01"))
    _flags_kept(log, jm.with_columns(log, channel="web", activity=jm.concat("activity", "segment")))
    assert _flags(jm.with_columns(log, timestamp=jm.column("timestamp"))) == _flags(log)
    # a later observation end flags only journeys that went on beyond it
    cut = jm.filter_events(log, end="2025-06-01")
    ev = log.events
    beyond = set(
        ev.loc[ev["timestamp"] >= pd.Timestamp("2025-06-01", tz="UTC"), "case_id"].astype(str)
    )
    old = _flags(log)
    assert _flags(cut) == {k: old[k] or k in beyond for k in _ids(cut)}


def test_rejected_rows_follow_their_customers(make_log):
    df = pd.DataFrame(
        {
            "who": ["a", "a", "b", "b"],
            "tp": ["x", "y", "x", None],
            "t": pd.date_range("2025-01-01", periods=4),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log = jm.from_pandas(df, customer="who", activity="tp", timestamp="t")
    assert len(log.rejected) == 1
    assert len(jm.filter_journeys(log, contains="y").rejected) == 0  # b is gone
    assert len(jm.filter_journeys(log, not_contains="y").rejected) == 1


# --------------------------------------------------------------------------- with_columns


def test_with_columns_kinds_of_values(tiny):
    n = len(tiny)
    out = jm.with_columns(
        tiny,
        channel="web",
        resource=jm.column("segment"),
        score=np.arange(n),
        upper=lambda ev: ev["activity"].astype(str).str.upper(),
        department=[
            {"column": "activity", "pattern": "(?i)^b", "match": "regex", "value": "sales"}
        ],
    )
    ev = out.events
    assert ev["channel"].tolist() == ["web"] * n
    assert isinstance(ev["channel"].dtype, pd.CategoricalDtype)
    assert ev["resource"].astype(object).where(ev["resource"].notna(), None).tolist() == [
        "x",
        "x",
        "x",
        "y",
        "x",
        None,
    ]
    assert ev["score"].tolist() == list(range(n))
    assert ev["upper"].tolist()[:3] == ["HOME", "PRICING", "BUY"]
    assert ev["department"].astype(object).where(ev["department"].notna(), None).tolist() == [
        None,
        None,
        "sales",
        None,
        None,
        None,
    ]


def test_with_columns_new_case_id_resorts_and_rebuilds(tiny):
    out = jm.with_columns(
        tiny, case_id=lambda ev: np.where(ev["case_id"] == "c", "a", ev["case_id"])
    )
    assert _ids(out) == ["a", "b"]
    assert out.cases["n_events"].tolist() == [4, 2]
    assert out.events.loc[out.events["case_id"] == "a", "activity"].tolist() == [
        "home",
        "pricing",
        "buy",
        "home",
    ]
    moved = jm.with_columns(
        tiny, timestamp=lambda ev: ev["timestamp"] - pd.to_timedelta(np.arange(len(ev)), "D") * 2
    )
    assert moved.events["activity"].tolist()[:3] == ["buy", "pricing", "home"]


def test_with_columns_errors(tiny):
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.with_columns(tiny, direction="sideways")
    assert err.value.param == "direction"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.with_columns(tiny, score=[1, 2])
    assert err.value.param == "score"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.with_columns(tiny, channel=[{"column": "activty", "pattern": "x", "value": "web"}])
    assert err.value.param == "channel" and "activity" in str(err.value)
    with pytest.raises(jm.MissingColumnError):
        jm.with_columns(tiny, channel=jm.column("nope"))


def test_direction_from_rules_then_repeat_contacts_runs(make_log):
    rows = [
        ("t1", "Open ticket", "2025-01-01 09:00"),
        ("t1", "Reply to customer", "2025-01-01 10:00"),
        ("t1", "Customer calls", "2025-01-02 10:00"),
        ("t1", "Reply to customer", "2025-01-02 11:00"),
        ("t2", "Open ticket", "2025-01-03 09:00"),
        ("t2", "Reply to customer", "2025-01-03 12:00"),
    ]
    log = make_log(rows)
    assert log.events["direction"].isna().all()
    rules = [
        {
            "column": "activity",
            "pattern": ["Open ticket", "Customer calls"],
            "direction": "inbound",
        },
        {"column": "activity", "pattern": "(?i)reply", "match": "regex", "direction": "outbound"},
    ]
    out = jm.with_columns(log, direction=rules)
    assert out.events["direction"].tolist() == [
        "inbound",
        "outbound",
        "inbound",
        "outbound",
        "inbound",
        "outbound",
    ]
    assert out.events["direction"].equals(jm.classify_direction(log, rules).events["direction"])
    with_process = jm.with_columns(log, direction=["process"])
    assert with_process.events["direction"].equals(
        jm.classify_direction(log, "process").events["direction"]
    )
    with pytest.raises(jm.MissingColumnError), warnings.catch_warnings():  # no direction
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        jm.repeat_contacts(log, window="7D")
    table = jm.repeat_contacts(jm.with_columns(out, channel="phone"), window="7D")
    # t1: inbound at 01-01 09:00 and 01-02 10:00 (one repeat); t2: one contact
    row = table.iloc[0]
    assert (row["from"], row["to"], row["repeats"], row["journeys"], row["contacts"]) == (
        "phone",
        "phone",
        1,
        1,
        3,
    )


def test_concat_equals_pandas_string_concatenation(planted):
    log, ev = planted
    out = jm.with_columns(log, activity=jm.concat("activity", "segment", sep="|"))
    assert (
        out.events["activity"].astype(str).tolist()
        == (ev["activity"].astype(str) + "|" + ev["segment"].astype(str)).tolist()
    )


# --------------------------------------------------------------------------- XES classifiers

_XES = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
  <classifier name="Activity classifier" keys="concept:name lifecycle:transition"/>
  <classifier name="Odd" keys="concept:name 'my key'"/>
  <trace><string key="concept:name" value="c1"/>
    <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2025-01-01T10:00:00+00:00"/></event>
    <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2025-01-01T11:00:00+00:00"/></event>
    <event><string key="concept:name" value="B"/>
      <date key="time:timestamp" value="2025-01-01T12:00:00+00:00"/></event>
  </trace>
</log>
"""


def test_read_xes_classifier_and_key_lists(tmp_path):
    from journeymine.io.xes import xes_classifiers

    path = tmp_path / "tiny.xes"
    path.write_text(_XES, encoding="utf-8")
    assert xes_classifiers(path) == {
        "Activity classifier": ["concept:name", "lifecycle:transition"],
        "Odd": ["concept:name", "my key"],
    }
    want = ["A start", "A complete", "B"]  # B has no transition: the keys it has
    assert jm.read_xes(path, activity="Activity classifier").events["activity"].tolist() == want
    listed = jm.read_xes(path, activity=["concept:name", "lifecycle:transition"])
    assert listed.events["activity"].tolist() == want
    assert "lifecycle:transition" in listed.columns  # still carried along
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.read_xes(path, activity="Odd")
    assert err.value.param == "activity" and "my key" in str(err.value)
    with pytest.raises(jm.MissingColumnError):
        jm.read_xes(path, activity="no such classifier")


def test_config_takes_a_list_of_activity_keys_for_xes_only(tmp_path):
    from journeymine.cli.config import parse_config

    keys = ["concept:name", "lifecycle:transition"]
    cfg = parse_config({"sources": {"l": {"path": "x.xes", "activity": keys}}}, check_files=False)
    assert cfg.sources["l"].mapping["activity"] == keys
    with pytest.raises(jm.ConfigError, match="sources.c.activity: a list of keys is read from XES"):
        parse_config(
            {"sources": {"c": {"path": "x.csv", "activity": keys, "timestamp": "t", "case": "c"}}},
            check_files=False,
        )


@pytest.mark.slow
def test_bpic2012_classifier_equals_pandas_concatenation(real_data):
    from journeymine.io.xes import _parse_xes

    path = real_data / "bpic2012.xes.gz"
    if not path.exists():
        pytest.skip("bpic2012.xes.gz not available")
    log = jm.read_xes(path, activity="Activity classifier")
    df = _parse_xes(path)
    df["joined"] = df["concept:name"].astype(str) + " " + df["lifecycle:transition"].astype(str)
    twin = jm.from_pandas(
        df, case="case:concept:name", activity="joined", timestamp="time:timestamp"
    )
    assert (
        log.events["activity"].astype(str).tolist() == twin.events["activity"].astype(str).tolist()
    )
    assert log.events["activity"].nunique() == df["joined"].nunique() == 36


def test_rules_for_any_column_and_their_errors(tiny):
    rules = [
        {"column": "activity", "pattern": ["home", "pricing"], "value": "web"},
        {"column": "segment", "pattern": "y", "value": "phone"},  # never reached for b's pricing
        {"column": "activity", "pattern": "buy", "value": "store"},
    ]
    got = jm.with_columns(tiny, channel=rules).events
    assert got["channel"].astype(str).tolist() == ["web", "web", "store", "web", "web", "web"]
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.with_columns(
            tiny, channel=[{"column": "activity", "pattern": "x", "value": "w"}, "process"]
        )
    assert err.value.param == "channel"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.with_columns(
            tiny, direction=[{"column": "activity", "pattern": "home", "direction": "up"}]
        )
    assert err.value.param == "direction" and "'up'" in str(err.value)
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.with_columns(tiny, channel=[{"column": "activity", "pattern": "home"}])
    assert err.value.param == "channel"
