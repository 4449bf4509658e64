"""The merged results a PartitionedLog keeps (its one cache, as a log in memory keeps its
derived tables): asked again, they cost no pass over the partitions; they are never
stale, never altered by a caller, and warnings and errors still come on every call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.analyzers._parts_gaps import GapValues, merge_gap_values
from journeymine.analyzers._parts_pain import _id_array, _union_codes

GOAL = "purchase"


class Passes:
    """Counts the partitions run (the progress lines a PartitionedLog tells)."""

    def __init__(self) -> None:
        self.n = 0

    def info(self, text: str) -> None:
        if "partition" in text:
            self.n += 1


@pytest.fixture
def sample():
    return jm.datasets.load_sample()


def _plog(log, progress=None, partitions=3):
    plog = jm.partition(log, partitions=partitions, workers=1)
    if progress is not None:
        plog._report_to(progress)
    return plog


def test_a_result_asked_again_costs_no_pass(sample):
    seen = Passes()
    plog = _plog(sample, seen)
    first = jm.silent_gaps(plog)
    after_first = seen.n
    assert after_first >= 6  # two passes over 3 partitions
    summary = jm.silent_gaps_summary(plog)
    assert seen.n == after_first  # the summary of the same pass: nothing run again
    pd.testing.assert_frame_equal(summary, jm.silent_gaps_summary(sample), check_exact=True)
    pd.testing.assert_frame_equal(first, jm.silent_gaps(sample), check_exact=True)
    jm.handoffs(plog, goal=GOAL)
    before = seen.n
    jm.handoffs(plog, goal=GOAL)
    assert seen.n == before


def test_pain_points_reuses_what_the_analyses_before_it_merged(sample):
    cold, warm = Passes(), Passes()
    jm.pain_points(_plog(sample, cold), goal=GOAL)
    plog = _plog(sample, warm)
    for f in (jm.dropoffs, jm.handoffs, jm.dead_ends):
        f(plog, goal=GOAL)
    jm.silent_gaps(plog), jm.repeat_contacts(plog), jm.loops(plog), jm.unanswered(plog)
    warm.n = 0
    got = jm.pain_points(plog, goal=GOAL)
    # cold: facts, drop-offs, baselines, answers, windows, dead ends, loops, handoffs,
    # repeats and members; warm: facts, windows and members only
    assert warm.n == 3 * 3 and cold.n > warm.n
    pd.testing.assert_frame_equal(got, jm.pain_points(_plog(sample), goal=GOAL), check_exact=True)
    pd.testing.assert_frame_equal(got, jm.pain_points(sample, goal=GOAL), check_exact=True)


def test_results_do_not_depend_on_what_was_computed_before(sample):
    names = ["dropoffs", "handoffs", "dead_ends", "silent_gaps", "unanswered"]
    calls = {
        "dropoffs": lambda log: jm.dropoffs(log, goal=GOAL),
        "handoffs": lambda log: jm.handoffs(log, goal=GOAL),
        "dead_ends": lambda log: jm.dead_ends(log, goal=GOAL),
        "silent_gaps": lambda log: jm.silent_gaps_summary(log, factor=3.0),
        "unanswered": lambda log: jm.unanswered(log),
        "pain_points": lambda log: jm.pain_points(log, goal=GOAL, factor=3.0),
    }
    warm_log, cold_log = _plog(sample), _plog(sample)
    warm = {n: calls[n](warm_log) for n in [*names, "pain_points"]}
    cold = {n: calls[n](cold_log) for n in ["pain_points", *reversed(names)]}
    for name in calls:
        pd.testing.assert_frame_equal(warm[name], cold[name], check_exact=True)
        pd.testing.assert_frame_equal(warm[name], calls[name](sample), check_exact=True)


def test_a_caller_changing_a_result_does_not_change_the_next_one(sample):
    plog = _plog(sample)
    first = jm.handoffs(plog, goal=GOAL)
    want = first.copy(deep=True)
    first.loc[0, "handoffs"] = -1
    first["extra"] = 1
    s = jm.silent_gaps_summary(plog)
    s_want = s.copy(deep=True)
    s.iloc[:, 2] = 0
    pd.testing.assert_frame_equal(jm.handoffs(plog, goal=GOAL), want)
    pd.testing.assert_frame_equal(jm.silent_gaps_summary(plog), s_want)


def test_settings_are_part_of_the_key(sample):
    plog = _plog(sample)
    assert not jm.silent_gaps_summary(plog, factor=3.0).equals(
        jm.silent_gaps_summary(plog, factor=20.0)
    )
    a = jm.repeat_contacts(plog, window="1D")
    b = jm.repeat_contacts(plog, window="30D")
    assert b["repeats"].sum() > a["repeats"].sum()
    assert not jm.handoffs(plog).equals(jm.handoffs(plog, goal=GOAL))


def test_errors_and_warnings_come_on_every_call(sample, make_log):
    plog = _plog(sample)
    for _ in range(2):
        with pytest.raises(jm.InvalidParameterError, match="'baselines' parameter"):
            jm.silent_gaps(plog, baselines=[{"from": "nowhere", "to": "home", "wait": "1D"}])
        with pytest.raises(jm.GoalNotFoundError):
            jm.dropoffs(plog, goal="no such touchpoint")
    log = make_log(
        [
            ("a", "x", pd.Timestamp("2025-01-01"), "in"),
            ("a", "y", pd.Timestamp("2025-01-02"), "in"),
            ("b", "x", pd.Timestamp("2025-01-03"), "in"),
        ],
        columns=["direction"],
    )
    plog = _plog(log, partitions=2)
    for _ in range(2):
        with pytest.warns(jm.DataQualityWarning, match="no 'channel' values"):
            jm.repeat_contacts(plog)


def test_merged_gaps_come_by_transition_in_sorted_runs():
    # two partitions, labels in their own orders; transitions x->y, y->x and x->(missing)
    one = GapValues(
        labels=["x", "y"],
        psrc=np.array([0, 1]),
        pdst=np.array([1, 0]),
        counts=np.array([2, 1]),
        gaps=np.array([5, 9, 7]),
    )
    two = GapValues(
        labels=["y", "x"],
        psrc=np.array([0, 1, 1]),
        pdst=np.array([1, 0, -1]),
        counts=np.array([2, 3, 1]),
        gaps=np.array([1, 2, 3, 4, 8, 6]),
    )
    labels, uniq, L, counts, gaps = merge_gap_values([one, two])
    assert labels == ["x", "y"] and L == 3
    # x->(missing), x->y, y->x: (from + 1) * L + to + 1
    assert uniq.tolist() == [1 * 3 + 0, 1 * 3 + 2, 2 * 3 + 1]
    assert counts.tolist() == [1, 5, 3]
    # each transition's gaps: partition one's run, then partition two's
    assert gaps.tolist() == [6, 5, 9, 3, 4, 8, 7, 1, 2]


def test_union_codes_is_the_sorted_union():
    rng = np.random.default_rng(7)
    words = ["a", "b", "é", "Z", "zz", "10", "9", "ß", "a b", ""]
    parts = [list(rng.choice(words, size=k, replace=False)) for k in (4, 0, 7, 10)]
    n, maps = _union_codes([_id_array(p) for p in parts])
    union = sorted(set().union(*parts))
    assert n == len(union)
    for p, m in zip(parts, maps, strict=True):
        assert [union[i] for i in m] == p


def test_costing_sums_on_threads_are_the_same_to_the_last_bit(monkeypatch):
    from journeymine.analyzers import _problems as Q

    rng = np.random.default_rng(11)
    n = 5000
    per = rng.random((n, 7)) * 1e6
    sets = [np.sort(rng.choice(n, size=k, replace=False)) for k in rng.integers(0, 900, 40)]
    monkeypatch.setattr(Q, "_BATCH", 1000)  # many batches, so that both threads have some
    one = Q._set_sums(per, sets, n, threads=1)
    two = Q._set_sums(per, sets, n, threads=2)
    np.testing.assert_array_equal(one, two)
    # and each row is its set's sum, in the set's order
    for s, row in zip(sets, one, strict=True):
        want = np.zeros(7)
        for i in s:
            want = want + per[i]
        np.testing.assert_allclose(row, want, rtol=1e-12)
