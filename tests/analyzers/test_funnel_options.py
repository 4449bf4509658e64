"""Tests of the funnel's analyst options: exclude=, optional steps, mode="any_order", by=,
and jm.funnel_times, counted by hand on small logs (brute force for the exclusions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

T0 = pd.Timestamp("2025-01-01")

# j1 home cart pay | j2 cart home pay | j3 home help cart pay | j4 home coupon cart
# j5 home help | j6 help home cart
ROWS = [
    ("j1", "home", 0, "x"),
    ("j1", "cart", 1, "x"),
    ("j1", "pay", 2, "x"),
    ("j2", "cart", 0, "x"),
    ("j2", "home", 1, "x"),
    ("j2", "pay", 2, "x"),
    ("j3", "home", 0, "y"),
    ("j3", "help", 1, "y"),
    ("j3", "cart", 2, "y"),
    ("j3", "pay", 3, "y"),
    ("j4", "home", 0, "y"),
    ("j4", "coupon", 1, "y"),
    ("j4", "cart", 2, "y"),
    ("j5", "home", 0, "y"),
    ("j5", "help", 1, "y"),
    ("j6", "help", 0, "x"),
    ("j6", "home", 1, "x"),
    ("j6", "cart", 2, "x"),
]
STEPS = ["home", "cart", "pay"]


@pytest.fixture(scope="module")
def log() -> jm.JourneyLog:
    df = pd.DataFrame(ROWS, columns=["c", "a", "h", "seg"])
    df["t"] = T0 + pd.to_timedelta(df["h"], unit="h")
    return jm.from_pandas(df, case="c", activity="a", timestamp="t", keep=["seg"])


def _n(table: pd.DataFrame) -> list[int]:
    return table["journeys"].tolist()


def test_defaults_unchanged(log):
    # home: all six; cart after home: j1 j3 j4 j6; pay after: j1 j3
    f = jm.funnel(log, STEPS)
    assert _n(f) == [6, 4, 2]
    assert "optional" not in f.columns
    assert f.attrs["journeymine"]["params"] == {"steps": STEPS, "mode": "eventual", "within": None}


def test_any_order(log):
    # cart (any order): j1 j2 j3 j4 j6; and pay: j1 j2 j3
    f = jm.funnel(log, STEPS, mode="any_order")
    assert _n(f) == [6, 5, 3]
    assert f["dropped"].tolist() == [1, 2, 0]
    # time from completing step 1 to completing step 2: j1 1h, j2 0h (cart came first, at
    # 0h, so home at 1h completes both), j3 2h, j4 2h, j6 1h: median 1h
    assert f["median_time_from_previous"].iloc[1] == pd.Timedelta(hours=1)
    # a journey missing step 1 but holding the others is not in the funnel
    assert _n(jm.funnel(log, ["coupon", "home"], mode="any_order")) == [1, 1]


def test_any_order_repeated_step_needs_two_occurrences(make_log):
    lg = make_log(
        [
            ("a", "x", "2025-01-01 10:00"),
            ("a", "y", "2025-01-01 11:00"),
            ("a", "x", "2025-01-01 12:00"),
            ("b", "y", "2025-01-01 10:00"),
            ("b", "x", "2025-01-01 11:00"),
        ]
    )
    assert _n(jm.funnel(lg, ["x", "y", "x"], mode="any_order")) == [2, 2, 1]


def test_exclude_ordered(log):
    # j3 has help between home and pay: out of every step. j5 reaches only home (nothing
    # between), j6's help is before its home: both stay.
    f = jm.funnel(log, STEPS, exclude="help")
    assert _n(f) == [5, 3, 1]
    assert f.attrs["journeymine"]["params"]["exclude"] == "help"


def test_exclude_any_order(log):
    # any order: j3 (help between home at 0 and pay at 3) is out
    assert _n(jm.funnel(log, STEPS, mode="any_order", exclude=["help"])) == [5, 4, 2]
    # j2 matches cart at 0 and home at 1: an exclusion of neither changes nothing
    assert _n(jm.funnel(log, ["home", "cart"], mode="any_order", exclude="coupon")) == [5, 4]


def test_exclude_direct(log):
    # direct: home->cart consecutive in j1 and j6 (j4 has coupon between: no direct match)
    assert _n(jm.funnel(log, ["home", "cart"], mode="direct")) == [6, 2]
    assert _n(jm.funnel(log, ["home", "cart"], mode="direct", exclude="coupon")) == [6, 2]


def _brute_excluded(seq: list[str], steps: list[str], excluded: set[str]) -> int:
    """Depth reached by the greedy ordered match, or -1 when an excluded touchpoint lies
    between its first and last matched events."""
    if steps[0] not in seq:
        return 0
    pos = [seq.index(steps[0])]
    for s in steps[1:]:
        nxt = [i for i in range(pos[-1] + 1, len(seq)) if seq[i] == s]
        if not nxt:
            break
        pos.append(nxt[0])
    if any(seq[i] in excluded for i in range(pos[0] + 1, pos[-1])):
        return -1
    return len(pos)


def test_exclude_matches_brute_force(make_log):
    rng = np.random.default_rng(7)
    alphabet = ["a", "b", "c", "x"]
    rows, seqs = [], {}
    for j in range(200):
        seq = list(rng.choice(alphabet, size=int(rng.integers(1, 8))))
        seqs[f"j{j:03d}"] = seq
        for i, s in enumerate(seq):
            rows.append((f"j{j:03d}", s, str(T0 + pd.Timedelta(minutes=i))))
    lg = make_log(rows)
    for steps in (["a", "b", "c"], ["b", "a"], ["a", "a", "c"]):
        depth = [_brute_excluded(s, steps, {"x"}) for s in seqs.values()]
        want = [sum(d >= k for d in depth) for k in range(1, len(steps) + 1)]
        assert _n(jm.funnel(lg, steps, exclude="x")) == want, steps


def test_optional_step_ordered(log):
    # coupon between home and cart: only j4; the required steps count as without it
    f = jm.funnel(log, ["home", "coupon", "cart", "pay"], optional=["coupon"])
    assert f["step"].tolist() == [1, 2, 3, 4]
    assert _n(f) == [6, 1, 4, 2]
    assert f["optional"].tolist() == [False, True, False, False]
    # an optional row's rate is over the previous required step; cart's too (not over coupon)
    assert f["conversion_from_previous"].iloc[1] == pytest.approx(1 / 6)
    assert f["conversion_from_previous"].iloc[2] == pytest.approx(4 / 6)
    assert f["dropped"].tolist() == [2, 0, 2, 0]
    assert f["median_time_from_previous"].iloc[1] == pd.Timedelta(hours=1)
    # help between home and cart: j3 only (j5 has help after home, never reaches cart:
    # counted too, since for a journey not reaching the next step any later time counts)
    g = jm.funnel(log, ["home", "help", "cart"], optional="help")
    assert _n(g) == [6, 2, 4]


def test_optional_step_any_order_and_errors(log):
    f = jm.funnel(log, ["home", "help", "cart", "pay"], optional="help", mode="any_order")
    assert _n(f) == [6, 3, 5, 3]  # help anywhere: j3 j5 j6
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.funnel(log, STEPS, optional="coupon")
    assert err.value.param == "optional"
    with pytest.raises(jm.InvalidParameterError, match="first step"):
        jm.funnel(log, STEPS, optional="home")
    with pytest.raises(jm.InvalidParameterError, match="direct"):
        jm.funnel(log, STEPS, optional="cart", mode="direct")
    with pytest.raises(jm.GoalNotFoundError, match="'exclude' parameter"):
        jm.funnel(log, STEPS, exclude="hepl")


def test_by_segment(log):
    # x: j1 j2 j6, y: j3 j4 j5; cart: x j1 j6, y j3 j4; pay: x j1, y j3
    b = jm.funnel(log, STEPS, by="seg")
    assert list(b.columns[:4]) == ["seg", "step", "touchpoint", "journeys"]
    assert b["journeys"].tolist() == [3, 3, 2, 2, 1, 1]
    assert b["seg"].tolist() == ["x", "y"] * 3
    assert b["diff_vs_rest"].iloc[2:].tolist() == [0.0] * 4
    assert b["chi2"].iloc[2:].tolist() == [0.0] * 4
    assert b["p_value"].iloc[2:].tolist() == [1.0] * 4
    with pytest.raises(jm.MissingColumnError):
        jm.funnel(log, STEPS, by="nope")


def test_by_segment_test_statistics_match_scipy():
    from scipy import stats

    from journeymine._stats import newcombe_diff_ci

    log = jm.datasets.load_sample()
    steps = ["visit homepage", "view pricing", "start trial"]
    b = jm.funnel(log, steps, by="acquisition")
    row = b[(b["step"] == 3) & (b["acquisition"] == "ads")].iloc[0]
    other = b[(b["step"] == 3) & (b["acquisition"] == "partner")].iloc[0]
    prev = b[b["step"] == 2].set_index("acquisition")["journeys"]
    n1, d1 = row["journeys"], prev["ads"]
    n2, d2 = other["journeys"], prev["partner"]
    chi2, p, _, _ = stats.chi2_contingency([[n1, d1 - n1], [n2, d2 - n2]], correction=False)
    assert row["chi2"] == pytest.approx(chi2) and row["p_value"] == pytest.approx(p)
    low, high = newcombe_diff_ci(n1, d1, n2, d2)
    assert (row["diff_low"], row["diff_high"]) == pytest.approx((low, high))
    assert row["diff_vs_rest"] == pytest.approx(n1 / d1 - n2 / d2)
    # the segments add up to the whole funnel
    whole = jm.funnel(log, steps)["journeys"].tolist()
    assert b.groupby("step")["journeys"].sum().tolist() == whole


def test_funnel_times(log):
    t = jm.funnel_times(log, STEPS)
    assert list(zip(t["from_step"], t["to_step"], strict=True)) == [(1, 2), (1, 3), (2, 3)]
    # cart after home: j1 1h, j3 2h, j4 2h, j6 1h; pay: j1 2h, j3 3h (from cart: 1h, 1h)
    assert _n(t) == [4, 2, 2]
    h = pd.Timedelta(hours=1)
    assert t["median"].tolist() == [1.5 * h, 2.5 * h, h]
    assert t["p25"].iloc[0] == h and t["p75"].iloc[0] == 2 * h
    assert t["p90"].iloc[1] == pd.Timedelta(hours=2.9)
    assert t["mean"].iloc[0] == 1.5 * h
    # any order: j2 is in, reaching home+cart at 1h and pay at 2h
    a = jm.funnel_times(log, STEPS, mode="any_order")
    assert _n(a) == [5, 3, 3]
    assert jm.funnel_times(log, STEPS, exclude="help")["journeys"].tolist() == [3, 1, 1]
    assert jm.funnel_times(log, STEPS, min_journeys=3)["median"].isna().tolist() == [
        False,
        True,
        True,
    ]


def test_no_mutation_and_identical_repeat(log):
    before = log.events.copy()
    kws = [{"exclude": "help"}, {"mode": "any_order"}, {"optional": "pay"}, {"by": "seg"}]
    for kw in kws:
        first = jm.funnel(log, STEPS, **kw)
        keep = first.copy()
        col = first.select_dtypes("number").columns[0]
        first.loc[first.index[0], col] = -99  # a write to the answer does not reach the next one
        pd.testing.assert_frame_equal(jm.funnel(log, STEPS, **kw), keep)
    pd.testing.assert_frame_equal(log.events, before)
