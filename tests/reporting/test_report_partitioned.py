"""jm.report on a PartitionedLog: the same tables as in memory; the rest listed as not run."""

from __future__ import annotations

import pandas.testing as pdt
import pytest

import journeymine as jm
from journeymine.reporting._analyses import PARTITIONED

FUNNEL = ["visit homepage", "view pricing", "purchase"]


@pytest.fixture(scope="module")
def reports():
    log = jm.datasets.load_sample()
    plog = jm.partition(log, partitions=3, workers=2)
    mem = jm.report(log, goal="purchase", funnel=FUNNEL, path=None)
    par = jm.report(plog, goal="purchase", funnel=FUNNEL, path=None)
    return mem, par


@pytest.mark.slow
def test_every_table_that_runs_partitioned_is_the_same(reports):
    mem, par = reports
    assert par.tables, "nothing ran"
    assert {"pain_points", "journey_map_edges", "handoffs", "dropoffs"} <= set(par.tables)
    for name, table in par.tables.items():
        pdt.assert_frame_equal(table, mem.tables[name], check_exact=True, obj=name)
    assert par.summary == mem.summary


@pytest.mark.slow
def test_the_others_are_listed_with_what_to_do(reports):
    _, par = reports
    for name in ("time_to_goal", "attribution", "after_goal", "comparison"):
        assert name not in PARTITIONED
    for name in ("time_to_goal", "attribution", "after_goal"):
        assert "engine = 'memory'" in par.skipped[name]
        assert "log.collect()" in par.skipped[name]
    assert par.html.startswith("<!DOCTYPE html>")


def test_asking_for_one_that_does_not_partition_is_an_error():
    plog = jm.partition(jm.datasets.load_sample(), workers=1)
    with pytest.raises(jm.InvalidParameterError, match="must be a JourneyLog in memory"):
        jm.report(plog, goal="purchase", path=None, analyses=["time_to_goal"])


def test_stages_are_refused_on_partitions():
    plog = jm.partition(jm.datasets.load_sample(), workers=1)
    with pytest.raises(jm.InvalidParameterError, match="'stages' parameter of report"):
        jm.report(plog, path=None, stages={"a": ["visit homepage"]})


def test_large_partitioned_map_is_simplified_as_in_memory():
    log = jm.datasets.load_sample()
    plog = jm.partition(log, partitions=4, workers=1)
    for kw in ({"max_nodes": 8}, {"coverage": 0.5}, {"min_journeys": 40}):
        a, b = jm.discover(log).simplify(**kw), jm.discover(plog).simplify(**kw)
        pdt.assert_frame_equal(a.nodes, b.nodes)
        pdt.assert_frame_equal(a.edges, b.edges)
        assert a.hidden == b.hidden
