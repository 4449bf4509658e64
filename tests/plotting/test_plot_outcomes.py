"""jm.plot_time_to_goal: one step curve and one band per segment, on the Axes given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import journeymine as jm


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _log() -> jm.JourneyLog:
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b", "b", "c", "c", "d"],
            "tp": ["visit", "buy", "visit", "buy", "visit", "leave", "visit"],
            "t": pd.to_datetime(
                ["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-04"]
                + ["2025-01-01", "2025-01-03", "2025-01-01"]
            ),
            "src": ["x", "x", "y", "y", "x", "x", "y"],
        }
    )
    return jm.from_pandas(df, case="c", activity="tp", timestamp="t", keep=["src"])


def test_draws_the_curve_on_the_given_axes():
    table = jm.time_to_goal(_log(), goal="buy")
    _, ax = plt.subplots()
    assert jm.plot_time_to_goal(table, ax=ax) is ax
    (line,) = ax.get_lines()
    x, y = line.get_data()
    np.testing.assert_allclose(x, [0, 1, 2, 3])  # days
    np.testing.assert_allclose(y, [0, 0.25, 0.25, 0.5])
    assert ax.get_title() == "Time to buy" and ax.get_ylim() == (0, 1)


def test_one_curve_per_segment_and_refuses_other_tables():
    table = jm.time_to_goal(_log(), goal="buy", by="src")
    ax = jm.plot_time_to_goal(table)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["x", "y"]
    assert len(ax.collections) == 2  # one band each
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.plot_time_to_goal(pd.DataFrame({"time": []}))
    assert err.value.param == "table"
    with pytest.raises(jm.InvalidParameterError, match="'table' parameter of plot_time_to_goal"):
        jm.plot_time_to_goal(_log())
