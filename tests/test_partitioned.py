"""The partitioned engine's core: jm.partition, PartitionedLog, merging by label."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm
from journeymine._partitioned import journey_bounds, place_runs, slice_log, union_labels


@pytest.fixture(scope="module")
def sample():
    return jm.datasets.load_sample()


@pytest.mark.parametrize("partitions", [1, 2, 5, 13])
def test_bounds_cover_every_journey_once(sample, partitions):
    bounds = journey_bounds(sample.case_offsets, partitions)
    assert bounds[0][0] == 0 and bounds[-1][1] == sample.n_cases
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    assert len(bounds) == partitions


def test_bounds_of_an_empty_and_a_tiny_log():
    assert journey_bounds(np.array([0]), 4) == [(0, 0)]
    assert journey_bounds(np.array([0, 3]), 4) == [(0, 1)]


def test_slices_are_the_journeys_of_the_range(sample):
    part = slice_log(sample, 10, 20)
    want = sample.select_cases(sample.cases["case_id"][10:20])
    pdt.assert_frame_equal(part.events, want.events)
    assert part.n_cases == 10


@pytest.mark.parametrize("workers", [1, 2])
def test_collect_gives_the_log_back(sample, workers):
    plog = jm.partition(sample, partitions=4, workers=workers)
    back = plog.collect()
    pdt.assert_frame_equal(back.events, sample.events)
    np.testing.assert_array_equal(back._ongoing, sample._ongoing)


@pytest.mark.parametrize("workers", [1, 2])
def test_summary_is_the_log_summary(sample, workers):
    assert jm.partition(sample, partitions=6, workers=workers).summary() == sample.summary()


def test_the_log_is_not_copied_or_changed(sample):
    before = sample.events.copy()
    plog = jm.partition(sample, partitions=3, workers=2)
    jm.discover(plog)
    pdt.assert_frame_equal(sample.events, before)
    assert len(plog) == len(sample) and plog.columns == sample.columns


def test_discover_on_partitions(sample, same_on_partitions):
    same_on_partitions(jm.discover, sample)
    same_on_partitions(jm.discover, sample, level="channel", collapse_repeats=True)


def test_labels_in_one_partition_only_and_missing_values(same_on_partitions):
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b", "b", "c", "c", "c", "d"],
            "tp": ["x", "y", "x", "y", "z", "z", "x", "solo"],
            "ch": ["web", None, "web", "app", None, "shop", "web", "app"],
            "t": pd.to_datetime(["2025-01-01 10:00"] * 2 + ["2025-01-02 00:00"] * 6),
        }
    )
    log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", channel="ch")
    same_on_partitions(jm.discover, log, partitions=(1, 2, 4))
    g = same_on_partitions(jm.discover, log, partitions=(1, 2, 4), level="channel")
    assert "(missing)" in set(g.nodes["node"])


def test_by_is_refused_with_what_to_do(sample):
    with pytest.raises(jm.InvalidParameterError, match="'by' parameter of discover"):
        jm.discover(jm.partition(sample, workers=1), by="acquisition")


def test_other_functions_say_to_collect(sample):
    plog = jm.partition(sample, workers=1)
    with pytest.raises(jm.InvalidParameterError, match=r"in memory.*\.collect\(\)"):
        jm.time_to_goal(plog, goal="purchase")


@pytest.mark.parametrize(
    ("kw", "param"),
    [
        ({"partitions": 0}, "partitions"),
        ({"workers": 1.5}, "workers"),
        ({"workers": True}, "workers"),
    ],
)
def test_bad_parameters(sample, kw, param):
    with pytest.raises(jm.InvalidParameterError, match=f"'{param}' parameter of partition"):
        jm.partition(sample, **kw)


def test_partition_wants_a_log():
    with pytest.raises(jm.InvalidParameterError, match="'log' parameter of partition"):
        jm.partition(pd.DataFrame())


def test_union_labels_maps_each_partition():
    labels, maps = union_labels([["b", "a"], [], ["c"]])
    assert labels == ["a", "b", "c"]
    assert [m.tolist() for m in maps] == [[1, 0], [], [2]]


def test_repr_and_constructor(sample):
    assert "4 partitions, engine='memory'" in repr(jm.partition(sample, partitions=4, workers=1))
    with pytest.raises(TypeError, match="jm.scan_parquet"):
        jm.PartitionedLog()


def test_place_runs_regroups_blocks_in_partition_order():
    rng = np.random.default_rng(3)
    n_groups, parts = 5, []
    for _ in range(4):  # each partition: some of the groups, in its own order
        mine = rng.permutation(n_groups)[: rng.integers(0, n_groups + 1)]
        counts = rng.integers(1, 6, size=len(mine))
        values = [np.sort(rng.integers(0, 100, size=c)) for c in counts]
        parts.append((mine, counts, values))
    got, total = place_runs(
        [p[0] for p in parts],
        [p[1] for p in parts],
        [np.concatenate(p[2]) if len(p[2]) else np.zeros(0) for p in parts],
        n_groups,
    )
    # by hand: per group, its blocks in partition order
    blocks = [(m, v) for mine, _, vals in parts for m, v in zip(mine, vals, strict=True)]
    want = [v for g in range(n_groups) for m, v in blocks if m == g]
    assert got.tolist() == np.concatenate(want).astype(float).tolist()
    assert total.tolist() == [sum(len(v) for m, v in blocks if m == g) for g in range(n_groups)]


@pytest.mark.parametrize(
    ("per", "workers", "want"),
    [(10**9, 1, 2), (10**9, 2, 4), (1000, 1, None), (1000, 2, None)],
)
def test_default_partitions_are_a_multiple_of_workers_and_small(
    sample, monkeypatch, per, workers, want
):
    import journeymine._partitioned as P

    monkeypatch.setattr(P, "PARTITION_EVENTS", per)
    plog = jm.partition(sample, workers=workers)
    n = -(-len(sample) // (per * workers)) * workers  # at most `per` events each
    assert plog.n_partitions == (want if want is not None else max(2 * workers, n))
    assert plog.n_partitions % workers == 0
