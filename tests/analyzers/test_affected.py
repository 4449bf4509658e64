"""Tests of jm.affected_journeys: the journeys behind a row of any findings table."""

from __future__ import annotations

import pandas as pd
import pytest

import journeymine as jm

GOAL = "purchase"
STEPS = ["visit homepage", "view pricing", "start trial", "enter payment details", "purchase"]


@pytest.fixture
def tiny() -> jm.JourneyLog:
    df = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "b", "c", "d", "d", "d"],
            "tp": ["home", "cart", "purchase", "home", "cart", "home", "home", "cart", "cart"],
            "t": pd.date_range("2025-01-01", periods=9, freq="h"),
        }
    )
    return jm.from_pandas(df, case="c", activity="tp", timestamp="t")


def test_by_hand(tiny):
    d = jm.dropoffs(tiny, goal=GOAL).set_index("touchpoint", drop=False)
    # cart: a converts after it; b and d end there unconverted
    assert list(jm.affected_journeys(tiny, d.loc["cart"])) == ["b", "d"]
    assert list(jm.affected_journeys(tiny, d.loc["cart"], reached=True)) == ["a", "b", "d"]
    assert list(jm.affected_journeys(tiny, d.loc["home"])) == ["c"]
    f = jm.funnel(tiny, ["home", "cart", GOAL])
    assert list(jm.affected_journeys(tiny, f.iloc[0])) == ["c"]  # dropped after home
    assert list(jm.affected_journeys(tiny, f.iloc[1])) == ["b", "d"]
    assert list(jm.affected_journeys(tiny, f.iloc[2])) == []  # nobody drops at the last step
    assert list(jm.affected_journeys(tiny, f.iloc[2], reached=True)) == ["a"]
    lp = jm.loops(tiny)
    assert list(jm.affected_journeys(tiny, lp.iloc[0])) == ["d"]  # d visits cart twice
    de = jm.dead_ends(tiny, goal=GOAL, min_journeys=1).set_index("touchpoint", drop=False)
    # journeys visiting home before converting, or never converting: all four
    assert list(jm.affected_journeys(tiny, de.loc["home"])) == ["a", "b", "c", "d"]
    out = jm.affected_journeys(tiny, d.loc["cart"])
    assert isinstance(out, pd.Index) and out.name == "case_id"
    # a one-row DataFrame is a row too
    assert list(jm.affected_journeys(tiny, d.iloc[[0]])) == list(
        jm.affected_journeys(tiny, d.iloc[0])
    )


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


@pytest.mark.parametrize(
    ("make", "count", "reached"),
    [
        (lambda log: jm.pain_points(log, goal=GOAL), "journeys_affected", False),
        (lambda log: jm.dropoffs(log, goal=GOAL), "lost", False),
        (lambda log: jm.dropoffs(log, goal=GOAL), "journeys", True),
        (lambda log: jm.funnel(log, STEPS), "dropped", False),
        (lambda log: jm.funnel(log, STEPS, within="30D"), "journeys", True),
        (lambda log: jm.handoffs(log, goal=GOAL), "journeys", False),
        (lambda log: jm.silent_gaps_summary(log), "journeys", False),
        (lambda log: jm.dead_ends(log, goal=GOAL), "journeys", False),
        (lambda log: jm.repeat_contacts(log, window="3D"), "journeys", False),
        (lambda log: jm.loops(log), "looping_journeys", False),
    ],
)
def test_every_row_of_every_table_gives_its_own_count(sample, make, count, reached):
    table = make(sample)
    assert len(table)
    for _, row in table.iterrows():
        ids = jm.affected_journeys(sample, row, reached=reached)
        assert len(ids) == row[count]
        assert ids.is_monotonic_increasing and ids.is_unique


def test_pain_point_rows_are_the_union_of_their_members(sample):
    p = jm.pain_points(sample, goal=GOAL)
    merged = p[p["where"] == "legacy help page"].iloc[0]
    assert merged["kind"] == "drop_off+dead_end+handoff"
    got = set(jm.affected_journeys(sample, merged))
    d = jm.dropoffs(sample, goal=GOAL).set_index("touchpoint", drop=False)
    lost = set(jm.affected_journeys(sample, d.loc["legacy help page"]))
    de = jm.dead_ends(sample, goal=GOAL).set_index("touchpoint", drop=False)
    stuck = set(jm.affected_journeys(sample, de.loc["legacy help page"]))
    assert lost | stuck <= got
    assert len(got) == merged["journeys_affected"]


def test_a_predicate_goal_is_used_again(sample):
    def bought(ev):
        return ev["activity"] == GOAL

    p = jm.pain_points(sample, goal=bought)
    row = p.iloc[0]
    assert len(jm.affected_journeys(sample, row)) == row["journeys_affected"]
    d = jm.dropoffs(sample, goal=bought)
    assert len(jm.affected_journeys(sample, d.iloc[0])) == d.iloc[0]["lost"]


def test_the_cached_table_is_not_altered(sample):
    d = jm.dropoffs(sample, goal=GOAL)
    assert d.attrs["journeymine"]["analysis"] == "dropoffs"
    assert d.attrs["journeymine"]["params"] == {"goal": GOAL, "level": "activity"}
    cached = sample._cache[("analyzers.dropoffs", ("goal", GOAL), "activity")]
    assert "journeymine" not in cached.attrs
    d.attrs["journeymine"]["params"]["goal"] = "other"
    assert jm.dropoffs(sample, goal=GOAL).attrs["journeymine"]["params"]["goal"] == GOAL


def test_errors(sample, tiny):
    d = jm.dropoffs(sample, goal=GOAL)
    bare = pd.Series({"touchpoint": "purchase"})
    with pytest.raises(jm.InvalidParameterError, match="'finding' parameter of affected_journeys"):
        jm.affected_journeys(sample, bare)
    with pytest.raises(jm.InvalidParameterError, match="another log"):
        jm.affected_journeys(tiny, d.iloc[0])
    other = jm.datasets.load_sample()  # the same data, another log object
    with pytest.raises(jm.InvalidParameterError, match="another log"):
        jm.affected_journeys(other, d.iloc[0])
    with pytest.raises(jm.InvalidParameterError, match="one row"):
        jm.affected_journeys(sample, d)
    with pytest.raises(jm.InvalidParameterError, match="'reached' parameter"):
        jm.affected_journeys(sample, jm.loops(sample).iloc[0], reached=True)
    with pytest.raises(jm.InvalidParameterError, match="'touchpoint' column"):
        jm.affected_journeys(sample, d.iloc[0].drop("touchpoint"))
    chains = jm.repeat_contacts(sample, chains=True)
    with pytest.raises(jm.InvalidParameterError, match="chains=True"):
        jm.affected_journeys(sample, chains.iloc[0])
    with pytest.raises(jm.InvalidParameterError, match="'log' parameter"):
        jm.affected_journeys(d, d.iloc[0])
