"""Shared fixtures: the real public logs (skipped when absent) and tiny hand-written logs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the real public event logs; tests using it skip when it is absent."""
    if not REAL.is_dir():
        pytest.skip(
            f"real event logs not found at {REAL} (they live beside the repository in shared/)"
        )
    return REAL


def _make_log(rows, **kwargs) -> jm.JourneyLog:
    """A log from (case, activity, timestamp[, extra...]) tuples; name extra columns in ``columns``."""
    cols = ["case", "activity", "timestamp", *kwargs.pop("columns", [])]
    df = pd.DataFrame(rows, columns=cols)
    mapping = {
        c: c
        for c in cols[3:]
        if c in ("channel", "department", "resource", "direction", "customer")
    }
    keep = [c for c in cols[3:] if c not in mapping]
    return jm.from_pandas(
        df,
        case="case",
        activity="activity",
        timestamp="timestamp",
        keep=keep or None,
        **mapping,
        **kwargs,
    )


@pytest.fixture
def make_log():
    """``make_log(rows, columns=[...])``: a JourneyLog from tuples, e.g.
    ``make_log([("c1", "A", "2025-01-01 10:00", "support")], columns=["department"])``."""
    return _make_log


@pytest.fixture
def running_example() -> jm.JourneyLog:
    """The six-case textbook log (42 events), from the copy bundled in the package if present."""
    path = Path(jm.__file__).parent / "datasets" / "data" / "running-example.xes"
    if path.exists():
        return jm.read_xes(path)
    if not (REAL / "running-example.xes").exists():
        pytest.skip("running-example.xes not available")
    return jm.read_xes(REAL / "running-example.xes")


# Test files that are slow as a whole (the fast lane `pytest -m "not slow"` leaves them out).
_SLOW_FILES = frozenset({"test_notebooks.py", "test_browser.py", "test_bench_smoke.py"})
# Single slow tests (node id suffixes) marked here so that their files stay their owners': a docs
# build, the memory and scaling checks of hostile XES files, and the personas doctests (each
# clusters the whole sample, several seconds).
_SLOW_TESTS = (
    "test_docs.py::test_mkdocs_build_strict",
    "test_xes_hostile.py::test_hostile_files_stay_under_a_gibibyte",
    "test_xes_hostile.py::test_time_grows_linearly_with_events",
    "journeymine.comparison.clusters.personas",
    "journeymine.comparison.clusters.Personas",
    "journeymine.comparison.clusters.Personas.label",
    # the features guide trains a scikit-learn model on the whole sample (about 3 s)
    "test_examples_on_the_page_run[guide/features.md]",
)


def pytest_collection_modifyitems(config, items) -> None:
    """Two lanes: ``pytest -m "not slow"`` (fast) and ``pytest`` (everything).

    Also ``slow``: everything marked ``realdata`` (or using ``real_data``), property-based
    (hypothesis) tests, the tests of the slow files and the slow tests named above.
    """
    for item in items:
        if item.get_closest_marker("slow") is not None:
            continue
        real = item.get_closest_marker("realdata") is not None
        real = real or "real_data" in getattr(item, "fixturenames", ())
        fuzz = getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
        if real or fuzz or item.path.name in _SLOW_FILES or item.nodeid.endswith(_SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


def _assert_same_result(a, b) -> None:
    """Equal results of an analysis: frames exactly, graphs by their tables, dicts per key."""
    import pandas.testing as pdt

    if isinstance(a, pd.DataFrame):
        pdt.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, pd.Series):
        pdt.assert_series_equal(a, b, check_exact=True)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _assert_same_result(a[k], b[k])
    elif hasattr(a, "nodes") and hasattr(a, "edges"):
        _assert_same_result(a.nodes, b.nodes)
        _assert_same_result(a.edges, b.edges)
    else:
        assert a == b


@pytest.fixture
def same_on_partitions():
    """``check(func, log, **kw)``: ``func`` gives the same result on ``log`` and on
    ``jm.partition(log)`` with 1, 2, 3 and 7 partitions (in process and with 2 workers)."""
    from journeymine._partitioned import partition

    def check(func, log, partitions=(1, 2, 3, 7), workers=(1, 2), **kw):
        expected = func(log, **kw)
        for p in partitions:
            for w in workers:
                got = func(partition(log, partitions=p, workers=w), **kw)
                try:
                    _assert_same_result(got, expected)
                except AssertionError as exc:
                    raise AssertionError(f"{p} partitions, {w} workers: {exc}") from exc
        return expected

    return check
