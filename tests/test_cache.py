"""The log's one cache: what it hands out cannot change what later analyses read."""

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.derive import case_codes


@pytest.fixture
def log(make_log):
    return make_log(
        [
            ("c1", "home", "2025-01-01 10:00"),
            ("c1", "pricing", "2025-01-01 10:05"),
            ("c1", "purchase", "2025-01-01 10:09"),
            ("c2", "home", "2025-01-02 09:00"),
            ("c2", "pricing", "2025-01-02 09:30"),
        ]
    )


def test_case_table_column_assignment_does_not_reach_the_cache(log):
    t = jm.case_table(log)
    t["n_events"] = 0
    t.loc[0, "last_activity"] = "pricing"
    again = jm.case_table(log)
    assert again["n_events"].tolist() == [3, 2]
    assert again["last_activity"].tolist() == ["purchase", "pricing"]


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_transitions_inplace_drop_does_not_reach_the_cache(log):
    t = jm.transitions(log)
    n = len(t)
    t.drop(t.index, inplace=True)  # noqa: PD002 (the in-place edit is what is tested)
    assert len(t) == 0
    assert len(jm.transitions(log)) == n == 3


def test_case_goals_and_visits_are_views(log):
    from journeymine.derive import case_goals, visits

    g = case_goals(log, "purchase")
    g["converted"] = False
    assert case_goals(log, "purchase")["converted"].tolist() == [True, False]
    v = visits(log)
    v["n_visits"] = 99
    assert (visits(log)["n_visits"] < 99).all()


def test_cached_arrays_are_read_only(log):
    codes = case_codes(log)
    with pytest.raises(ValueError, match="read-only"):
        codes[0] = 5
    raw, _ = log._codes("activity")
    with pytest.raises(ValueError, match="read-only"):
        raw[0] = 5


def test_analyzer_tables_are_views(log):
    d = jm.dropoffs(log, goal="purchase")
    d["journeys"] = -1
    assert (jm.dropoffs(log, goal="purchase")["journeys"] >= 0).all()


def test_a_key_with_none_is_not_cached(log):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(3)

    log._cached(("x", None), compute)
    log._cached(("x", None), compute)
    log._cached(None, compute)
    assert len(calls) == 3
    log._cached(("y",), compute)
    log._cached(("y",), compute)
    assert len(calls) == 4


def test_one_cache_on_the_log():
    """No module but the log reads or writes the cache dict itself."""
    import pathlib

    root = pathlib.Path(jm.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "log.py" and ("._cache[" in p.read_text() or "._cache.get" in p.read_text())
    ]
    assert offenders == []


def test_series_result_is_a_view(log):
    s = pd.Series([1, 2])
    got = log._cached(("series",), lambda: s)
    got.iloc[0] = 10
    assert log._cached(("series",), lambda: None).iloc[0] == 1
