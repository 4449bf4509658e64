"""Tests of jm.dead_ends: hand-computed table, reachability, censoring, planted dead end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeymine as jm

T0 = pd.Timestamp("2025-01-01 09:00")


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


@pytest.fixture
def site(make_log) -> jm.JourneyLog:
    rows = [
        ("a", "home", _at(0)),
        ("a", "faq", _at(1)),
        ("a", "buy", _at(2)),
        ("b", "home", _at(0)),
        ("b", "old", _at(1)),
        ("b", "old", _at(2)),
        ("c", "home", _at(0)),
        ("c", "faq", _at(1)),
        ("d", "home", _at(0)),
        ("d", "buy", _at(1)),
        ("d", "old", _at(2)),
        ("e", "faq", _at(0)),
    ]
    log = make_log(rows)
    return log._replace(ongoing=log.cases["case_id"].astype(str).eq("e").to_numpy())


def test_every_column_by_hand(site):
    d = jm.dead_ends(site, goal="buy", min_journeys=1)
    # old has no path to buy (old -> old only): a dead end; the rest by conversions_lost
    # (faq and home tie at 0: by name), buy last (-1)
    assert d["touchpoint"].tolist() == ["old", "faq", "home", "buy"]
    d = d.set_index("touchpoint")
    # old: b visits it unconverted; d visits it after converting (in journeys, not in rates)
    # faq: a, c, e (e ongoing: counted in journeys, not in rates); home: a b c d; buy: a d
    assert d["journeys"].to_dict() == {"old": 2, "faq": 3, "home": 4, "buy": 2}
    assert d["journeys_before_goal"].to_dict() == {"old": 1, "faq": 3, "home": 4, "buy": 2}
    assert d["converted"].to_dict() == {"old": 0, "faq": 1, "home": 2, "buy": 2}
    # over known outcomes: 0/1, 1/2 (a of a, c), 2/4, 2/2
    assert d["conversion"].to_dict() == pytest.approx(
        {"old": 0.0, "faq": 0.5, "home": 0.5, "buy": 1.0}
    )
    # Wilson: (0, 1) -> (0, 0.7935); (1, 2) -> (0.0945, 0.9055); (2, 4) -> (0.1500, 0.8500); (2, 2) -> (0.3424, 1)
    assert d["conversion_low"].to_dict() == pytest.approx(
        {"old": 0.0, "faq": 0.09453, "home": 0.15004, "buy": 0.34238}, abs=1e-4
    )
    assert d["conversion_high"].to_dict() == pytest.approx(
        {"old": 0.79345, "faq": 0.90547, "home": 0.84996, "buy": 1.0}, abs=1e-4
    )
    # overall: a and d convert, b and c do not, e is censored: 2/4
    assert (d["overall_conversion"] == 0.5).all()
    assert d["difference"].to_dict() == pytest.approx(
        {"old": -0.5, "faq": 0.0, "home": 0.0, "buy": 0.5}
    )
    # last event, unconverted: b at old (1/1), c at faq (1/2)
    assert d["exit_share"].to_dict() == pytest.approx(
        {"old": 1.0, "faq": 0.5, "home": 0.0, "buy": 0.0}
    )
    # known x (overall - conversion): 1 x 0.5, 2 x 0, 4 x 0, 2 x -0.5
    assert d["conversions_lost"].to_dict() == pytest.approx(
        {"old": 0.5, "faq": 0.0, "home": 0.0, "buy": -1.0}
    )
    assert d["reaches_goal"].to_dict() == {"old": False, "faq": True, "home": True, "buy": True}
    # dead end: no path, or conversion_high below half the overall (0.25)
    assert d["dead_end"].to_dict() == {"old": True, "faq": False, "home": False, "buy": False}


def test_min_journeys(site):
    d = jm.dead_ends(site, goal="buy", min_journeys=2)
    assert "old" not in d["touchpoint"].tolist()
    assert jm.dead_ends(site, goal="buy")["touchpoint"].tolist() == []  # default 20


def test_reachable_but_never_converting(make_log):
    # x leads to y, y leads to buy elsewhere: x reaches the goal in the graph, yet its
    # 30 journeys all stop at y; it is still a dead end, by its conversion
    rows = []
    for i in range(30):
        rows += [(f"x{i}", "x", _at(0)), (f"x{i}", "y", _at(1))]
    for i in range(30):
        rows += [(f"y{i}", "y", _at(0)), (f"y{i}", "buy", _at(1))]
    d = jm.dead_ends(make_log(rows), goal="buy").set_index("touchpoint")
    assert d.loc["x", "reaches_goal"] and d.loc["x", "dead_end"]
    assert d.loc["x", "conversion"] == 0.0
    assert not d.loc["y", "dead_end"]


def test_goal_predicate_and_errors(site):
    a = jm.dead_ends(site, goal="buy", min_journeys=1)
    b = jm.dead_ends(site, goal=lambda ev: ev["activity"].eq("buy"), min_journeys=1)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(jm.GoalNotFoundError, match="Did you mean 'buy'"):
        jm.dead_ends(site, goal="bye")
    with pytest.raises(jm.InvalidParameterError, match="'min_journeys'"):
        jm.dead_ends(site, goal="buy", min_journeys=0)


def test_one_event_journeys_and_equal_times(make_log):
    log = make_log(
        [("a", "buy", _at(0)), ("b", "x", _at(0)), ("c", "x", _at(0)), ("c", "buy", _at(0))]
    )
    d = jm.dead_ends(log, goal="buy", min_journeys=1).set_index("touchpoint")
    assert d.loc["x", "journeys"] == 2 and d.loc["x", "conversion"] == 0.5
    assert d.loc["x", "reaches_goal"]


def test_planted_dead_end_comes_first():
    from journeymine.datasets import JourneyModel, simulate

    model = JourneyModel(
        touchpoints=[
            ("land", "web", "marketing", "inbound"),
            ("product", "web", "sales", "inbound"),
            ("old help page", "web", "support", "inbound"),
            ("reviews", "web", "marketing", "inbound"),
            ("buy", "web", "sales", "inbound"),
        ],
        start={"land": 1.0},
        transitions={
            "land": {"product": 0.5, "old help page": 0.2, "reviews": 0.1, "END": 0.2},
            "reviews": {"product": 0.5, "END": 0.5},
            "product": {"buy": 0.4, "reviews": 0.1, "END": 0.5},
            "old help page": {"old help page": 0.3, "END": 0.7},
        },
        goals=["buy"],
    )
    log = simulate(model, n_journeys=10_000, seed=4)
    d = jm.dead_ends(log, goal="buy")
    top = d.iloc[0]
    assert top["touchpoint"] == "old help page"
    assert top["conversion"] == 0.0 and not top["reaches_goal"] and top["dead_end"]
    assert top["exit_share"] == pytest.approx(1.0)
    assert d["dead_end"].sum() == 1
    # "land" converts at the overall rate by construction
    land = d.set_index("touchpoint").loc["land"]
    assert land["conversion"] == pytest.approx(land["overall_conversion"])


def test_sample_planted_dead_end():
    d = jm.dead_ends(jm.datasets.load_sample(), goal="purchase")
    flagged = d[d["dead_end"]]
    # the planted "legacy help page" and the natural exit "cancel": both never convert
    assert "legacy help page" in flagged["touchpoint"].head(2).tolist()
    row = d.set_index("touchpoint").loc["legacy help page"]
    assert row["conversion"] == 0.0 and not row["reaches_goal"]
    assert np.isclose(row["exit_share"], 1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from("ABCDEFG"), min_size=1, max_size=6), min_size=1, max_size=12),
    st.sampled_from("ABCDEFG"),
)
def test_reaches_goal_matches_networkx_ancestors(paths, goal):
    """Every touchpoint with a directed path to the goal in the directly-follows graph."""
    nx = pytest.importorskip("networkx")
    from journeymine.analyzers import _common as C
    from journeymine.analyzers.reachability import reaches

    rows = [
        (f"c{i}", a, pd.Timestamp("2025-01-01") + pd.Timedelta(hours=j))
        for i, p in enumerate(paths)
        for j, a in enumerate(p)
    ]
    log = jm.from_pandas(
        pd.DataFrame(rows, columns=["c", "a", "t"]), case="c", activity="a", timestamp="t"
    )
    codes, labels = C.level_codes(log, "activity", "t")
    goal_events = np.asarray(log.events["activity"] == goal)
    got = dict(
        zip(
            [str(x) for x in labels],
            reaches(log, "activity", goal_events, codes, len(labels)),
            strict=True,
        )
    )
    g = nx.DiGraph()
    g.add_nodes_from(str(x) for x in labels)
    g.add_edges_from((a, b) for p in paths for a, b in zip(p, p[1:], strict=False))
    want = {n: goal in g and (n == goal or goal in nx.descendants(g, n)) for n in g}
    assert got == want


def _agreement(log, goal):
    """Per touchpoint: journeys of dead_ends, dropoffs and the journey map's nodes."""
    d = jm.dead_ends(log, goal=goal, min_journeys=1).set_index("touchpoint")
    o = jm.dropoffs(log, goal=goal).set_index("touchpoint")
    nodes = jm.discover(log).nodes.set_index("node")
    assert len(d) > 0
    assert (d["journeys"] == o.loc[d.index, "journeys"]).all()
    assert (o["journeys"] == nodes.loc[o.index, "journeys"]).all()
    assert (d["journeys_before_goal"] <= d["journeys"]).all()
    return d


def test_journeys_agree_with_dropoffs_and_the_map(site):
    d = _agreement(site, "buy")
    # "old" is visited by b (unconverted) and by d after buying: 2 journeys, 1 before goal
    assert d.loc["old", ["journeys", "journeys_before_goal"]].tolist() == [2, 1]


def test_journeys_agree_on_a_real_log(real_data):
    log = jm.read_xes(real_data / "helpdesk.xes.gz")
    d = _agreement(log, "Closed")
    # one journey was closed before it was taken in charge: in journeys, not in the rates
    row = d.loc["Take in charge ticket"]
    assert row["journeys"] - row["journeys_before_goal"] == 1


def test_journeys_agree_on_the_sample():
    _agreement(jm.datasets.load_sample(), "purchase")
