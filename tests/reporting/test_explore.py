"""The explorable map's data: detail levels, the layout of the static picture, safe JSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import journeymine as jm
from journeymine.reporting._explore import OPEN_NODES, levels_for, map_data, map_json
from journeymine.reporting._explore_js import SCRIPT, SCRIPT_HASH


def test_levels_cover_small_and_large_maps() -> None:
    assert levels_for(4) == [3, 4]
    assert levels_for(1) == [1]
    assert levels_for(200)[-1] == 200
    assert levels_for(500)[-1] == 200  # at most 200 touchpoints are ever drawn


@pytest.fixture(scope="module")
def sample_map() -> dict:
    log = jm.datasets.load_sample()
    return map_data(jm.discover(log), log)


def test_levels_grow_and_open_on_a_readable_map(sample_map: dict) -> None:
    levels = sample_map["levels"]
    ns = [lv["n"] for lv in levels]
    assert ns == sorted(set(ns)) and ns[-1] == sample_map["total"] == 28
    covers = [lv["cover"] for lv in levels]
    assert covers == sorted(covers) and covers[-1] == 1.0
    assert levels[sample_map["open"]]["n"] <= OPEN_NODES
    for lv in levels:  # every shown touchpoint (and start, end) has a box; every step two ends
        assert len(lv["pos"]) == lv["n"] + 2
        for i in lv["edges"]:
            s, t = sample_map["edges"][i][:2]
            assert str(s) in lv["pos"] and str(t) in lv["pos"]


def test_figures_and_variants_match_the_tables(sample_map: dict) -> None:
    log = jm.datasets.load_sample()
    graph = jm.discover(log)
    first = sample_map["nodes"][0]
    row = graph.nodes.iloc[0]
    assert (first["name"], first["journeys"], first["events"]) == (
        row["node"],
        row["journeys"],
        row["events"],
    )
    top = sample_map["variants"]["visit homepage"]
    assert top[0][0] == ["visit homepage"] and top[0][1] == 390
    assert all("visit homepage" in path for path, _, _ in top)


def test_json_cannot_end_its_script_element() -> None:
    names = ["</script><script>alert(1)</script>", "<!--", "a & b", "x\u2028y"]
    df = pd.DataFrame(
        {
            "c": ["x"] * len(names) + ["y"] * len(names),
            "a": names * 2,
            "t": pd.date_range("2025-01-01", periods=2 * len(names), freq="h"),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    text = map_json(map_data(jm.discover(log), log))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert {n["name"] for n in json.loads(text)["nodes"]} >= set(names)


def test_the_script_is_named_by_its_hash_in_the_policy() -> None:
    import base64
    import hashlib

    from journeymine.reporting._template import CSP

    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert SCRIPT_HASH == f"'sha256-{digest}'" and f"script-src {SCRIPT_HASH};" in CSP
    assert "innerHTML" not in SCRIPT and "eval(" not in SCRIPT  # data goes in as text only


def test_after_goal_reaches_the_map_by_node_index() -> None:
    rows = []
    for i in range(30):
        t = pd.Timestamp("2025-01-01") + pd.Timedelta(days=i)
        rows += [(f"c{i}", "visit", t, "web", "inbound"), (f"c{i}", "buy", t, "web", "inbound")]
        if i % 3 == 0:
            rows.append((f"c{i}", "call", t + pd.Timedelta("2D"), "phone", "inbound"))
    df = pd.DataFrame(rows, columns=["c", "a", "t", "ch", "dir"])
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", channel="ch", direction="dir")
    graph = jm.discover(log)
    data = map_data(graph, log, after=jm.after_goal(log, goal="buy", within="10D"))
    (goal,) = data["after"]["goals"]
    name = [n["name"] for n in data["nodes"]]
    assert name[goal["node"]] == "buy"
    assert [[name[t], n] for t, n in goal["flows"]] == [["call", goal["flows"][0][1]]]
    done = 20  # the data end on day 29: the purchases of days 0 to 19 have their 10 days
    assert goal["lines"][0] == f"after buy, within 10 days (n={done})"
    share = sum(i % 3 == 0 for i in range(done)) / done
    assert goal["badge"] == f"after: {share:.0%} contact again"
    assert "dashed arcs" in data["after"]["caption"]
    json.loads(map_json(data))  # safe JSON, as the rest
