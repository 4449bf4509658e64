"""Tests of jm.attribution: every method by hand on four journeys, Markov removal effects
against an independent chain solved with numpy.linalg.solve, sums, errors, no mutation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

D = pd.Timedelta(days=1)
T0 = pd.Timestamp("2025-01-01")


@pytest.fixture(scope="module")
def small() -> jm.JourneyLog:
    rows = [
        ("j1", "ad", T0, "social"),
        ("j1", "mail", T0 + D, "email"),
        ("j1", "buy", T0 + 2 * D, "web"),
        ("j2", "mail", T0, "email"),
        ("j2", "buy", T0 + 7 * D, "web"),
        ("j3", "buy", T0, "web"),  # converts with no touch before: "(none)"
        ("j4", "ad", T0, "social"),
        ("j4", "search", T0 + D, "search"),  # lost
        ("j5", "tv", T0, "tv"),  # ongoing, not converted: left out
        ("j6", "ad", T0 + 9 * D, "social"),  # after its goal, not a touch
    ]
    rows.insert(8, ("j6", "buy", T0 + 8 * D, "web"))
    df = pd.DataFrame(rows, columns=["c", "a", "t", "ch"])
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", channel="ch")
    return log._replace(ongoing=log.cases["case_id"].astype(str).eq("j5").to_numpy())


def _credit(table: pd.DataFrame) -> dict[str, float]:
    return dict(zip(table["channel"], table["conversions"], strict=True))


HAND = {
    "first_touch": {"social": 1.0, "email": 1.0, "search": 0.0, "(none)": 2.0},
    "last_touch": {"social": 0.0, "email": 2.0, "search": 0.0, "(none)": 2.0},
    "linear": {"social": 0.5, "email": 1.5, "search": 0.0, "(none)": 2.0},
    # half-life 1 day: j1's social is 2 days before the goal (weight 1/4), email 1 day (1/2)
    "time_decay": {"social": 1 / 3, "email": 1 + 2 / 3, "search": 0.0, "(none)": 2.0},
    # start -> social 2/5, email 1/5, conv 2/5 (j3, j6); P(conv) = 2/5 * 1/2 + 1/5 + 2/5 = 4/5;
    # without social 3/5 (effect 1/4), without email 2/5 (effect 1/2), without search 4/5 (0):
    # the two touched conversions are shared 1:2
    "markov": {"social": 2 / 3, "email": 4 / 3, "search": 0.0, "(none)": 2.0},
}


@pytest.mark.parametrize("method", sorted(HAND))
def test_every_method_by_hand(small, method):
    t = jm.attribution(small, goal="buy", method=method, half_life="1D")
    got = _credit(t)
    assert set(got) == set(HAND[method])  # tv (ongoing only) is left out
    for k, v in HAND[method].items():
        assert got[k] == pytest.approx(v, abs=1e-12), (method, k)
    assert t["conversions"].sum() == pytest.approx(4.0)  # j1, j2, j3, j6
    assert t["channel"].iloc[-1] == "(none)"
    assert t["share"].sum() == pytest.approx(1.0)


def test_markov_removal_effects_by_hand(small):
    t = jm.attribution(small, goal="buy", method="markov").set_index("channel")
    assert t.loc["social", "removal_effect"] == pytest.approx(1 / 4)
    assert t.loc["email", "removal_effect"] == pytest.approx(1 / 2)
    assert t.loc["search", "removal_effect"] == pytest.approx(0.0)
    assert np.isnan(t.loc["(none)", "removal_effect"])
    assert t["journeys"].to_dict() == {"email": 2, "social": 1, "search": 0, "(none)": 2}


def test_columns_and_order(small):
    t = jm.attribution(small, goal="buy", method="linear")
    assert list(t.columns) == ["channel", "conversions", "share", "journeys"]
    assert t["channel"].tolist() == ["email", "social", "search", "(none)"]


def _paths(log: jm.JourneyLog, goal: str, level: str) -> list[tuple[list[str], bool]]:
    """Plain Python: each journey's values up to its first goal, and whether it converted."""
    ev = log.events
    ongoing = dict(zip(log.cases["case_id"].astype(str), log.cases["ongoing"], strict=True))
    journeys: dict[str, list[tuple[str, object]]] = {}
    cols = (ev["case_id"].astype(str), ev["activity"].astype(str), ev[level].astype(object))
    for cid, act, val in zip(*cols, strict=True):
        journeys.setdefault(cid, []).append((act, val))
    out = []
    for cid, evs in sorted(journeys.items()):
        acts = [a for a, _ in evs]
        conv = goal in acts
        if not conv and ongoing[cid]:
            continue
        cut = acts.index(goal) if conv else len(acts)
        out.append(([str(v) for _, v in evs[:cut] if isinstance(v, str)], conv))
    return out


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


@pytest.fixture(scope="module")
def sample_paths(sample) -> list[tuple[list[str], bool]]:
    return _paths(sample, "purchase", "channel")


def _p_conv(paths: list[tuple[list[str], bool]], removed: str | None) -> float:
    """Absorption in conversion from the start, removing ``removed`` (its inflow goes to null)."""
    counts: dict[str, dict[str, int]] = {}
    for vals, conv in paths:
        seq = ["<start>", *vals, "<conv>" if conv else "<null>"]
        for a, b in zip(seq[:-1], seq[1:], strict=True):
            counts.setdefault(a, {}).setdefault(b, 0)
            counts[a][b] += 1
    states = sorted({s for a, d in counts.items() for s in (a, *d)})
    idx = {s: i for i, s in enumerate(states)}
    n = len(states)
    P = np.zeros((n, n))
    for a, d in counts.items():
        tot = sum(d.values())
        for b, c in d.items():
            dst = "<null>" if b == removed else b
            P[idx[a], idx[dst]] += c / tot
    for s in ("<conv>", "<null>"):
        if s in idx:
            P[idx[s]] = 0.0
            P[idx[s], idx[s]] = 1.0
    trans = [i for s, i in idx.items() if s not in ("<conv>", "<null>") and s != removed]
    A = np.eye(len(trans)) - P[np.ix_(trans, trans)]
    b = P[trans, idx["<conv>"]]
    h = np.linalg.solve(A, b)
    return float(h[trans.index(idx["<start>"])])


def test_markov_equals_an_independent_chain_on_the_sample(sample, sample_paths):
    t = jm.attribution(sample, goal="purchase", method="markov")
    paths = sample_paths
    base = _p_conv(paths, None)
    effects = {}
    for ch in t["channel"]:
        if ch != "(none)":
            effects[ch] = 1 - _p_conv(paths, ch) / base
    got = dict(zip(t["channel"], t["removal_effect"], strict=True))
    for ch, e in effects.items():
        assert got[ch] == pytest.approx(e, abs=1e-12), ch
    n_conv = sum(c for _, c in paths)
    n_none = sum(1 for v, c in paths if c and not v)
    touched = n_conv - n_none
    total = sum(effects.values())
    for ch, e in effects.items():
        credit = t.loc[t["channel"] == ch, "conversions"].item()
        assert credit == pytest.approx(touched * e / total)
    assert t["conversions"].sum() == pytest.approx(n_conv)


def test_first_touch_counts_exact_on_the_sample(sample, sample_paths):
    t = jm.attribution(sample, goal="purchase", method="first_touch")
    expect: dict[str, int] = {}
    for vals, conv in sample_paths:
        if conv:
            key = vals[0] if vals else "(none)"
            expect[key] = expect.get(key, 0) + 1
    got = {k: v for k, v in _credit(t).items() if v}
    assert got == expect
    assert int(jm.case_goals(sample, "purchase")["converted"].sum()) == t["conversions"].sum()


@pytest.mark.parametrize("method", sorted(HAND))
def test_conversions_sum_to_observed_on_the_sample(sample, method):
    log = sample
    t = jm.attribution(log, goal="purchase", method=method, level="activity")
    n_conv = int(jm.case_goals(log, "purchase")["converted"].sum())
    assert t["conversions"].sum() == pytest.approx(n_conv, rel=1e-12)
    assert t.columns[0] == "activity"


def test_errors_name_the_parameter(small):
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.attribution(small, goal="buy", method="shapley")
    assert err.value.param == "method"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.attribution(small, goal="buy", half_life="0D")
    assert err.value.param == "half_life"
    with pytest.raises(jm.MissingColumnError):
        jm.attribution(small, goal="buy", level="nope")
    with pytest.raises(jm.GoalNotFoundError):
        jm.attribution(small, goal="bye")


def test_no_conversion_and_no_mutation(small):
    before = small.events.copy()
    t = jm.attribution(small, goal="search", method="first_touch")
    # j4 converts at search after social; nothing else converts
    assert _credit(t) == {"social": 1.0, "email": 0.0, "web": 0.0}
    pd.testing.assert_frame_equal(small.events, before)
    t2 = jm.attribution(small, goal=lambda ev: ev["activity"] == "never", method="markov")
    assert t2["conversions"].sum() == 0.0
    assert "(none)" not in set(t2["channel"])
