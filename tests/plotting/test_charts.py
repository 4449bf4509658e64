"""plot_funnel, plot_segments, plot_periods, plot_personas: readable alone and in a 2x2 grid."""

from __future__ import annotations

import itertools
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

import journeymine as jm

GOAL = "purchase"
STEPS = ["visit homepage", "view pricing", "start trial", "enter payment details", "purchase"]


@pytest.fixture(scope="module")
def results():
    log = jm.datasets.load_sample()
    small = log.select_cases(log.cases["case_id"][:400])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "funnel": jm.funnel(log, STEPS),
            "segments": jm.compare_segments(log, "acquisition", goal=GOAL),
            "periods": jm.compare_periods(log, split="2025-07-01", goal=GOAL),
            "personas": jm.personas(small, n=4, goal=GOAL),
        }


PLOTS = {
    "funnel": jm.plot_funnel,
    "segments": jm.plot_segments,
    "periods": jm.plot_periods,
    "personas": jm.plot_personas,
}


def _texts(ax):
    """Every visible text of the axes, its title and tick labels included."""
    out = [t for t in ax.texts if t.get_visible() and t.get_text()]
    out += [t for t in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label) if t.get_text()]
    return out + _ticks(ax)


def _ticks(ax):
    """The x tick labels that are drawn (inside the view limits)."""
    lo, hi = sorted(ax.get_xlim())
    pairs = zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
    return [lab for x, lab in pairs if lo <= x <= hi and lab.get_text()]


def _check_readable(fig, axes):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    fig_box = fig.bbox
    for ax in axes:
        for t in _texts(ax):
            assert t.get_fontsize() >= 7, (t.get_text(), t.get_fontsize())
            box = t.get_window_extent(renderer)
            # inside the figure (nothing cut off at its edge)
            assert box.x0 >= fig_box.x0 - 1 and box.x1 <= fig_box.x1 + 1, t.get_text()
        ticks = [t.get_window_extent(renderer) for t in _ticks(ax)]
        for a, b in itertools.pairwise(sorted(ticks, key=lambda b: b.x0)):
            assert a.x1 <= b.x0, "overlapping x tick labels"
    # texts of different axes never overlap (a label running into the neighbour)
    boxes = [(i, t.get_window_extent(renderer)) for i, ax in enumerate(axes) for t in _texts(ax)]
    for (i, a), (j, b) in itertools.combinations(boxes, 2):
        if i != j:
            assert not a.overlaps(b), "text of two subplots overlaps"
    # texts inside one axes never overlap each other
    for ax in axes:
        inside = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
        for a, b in itertools.combinations(inside, 2):
            assert not a.overlaps(b), "texts overlap inside an axes"


@pytest.mark.parametrize("name", list(PLOTS))
def test_each_plot_returns_its_axes_readable_at_the_default_size(results, name):
    ax = PLOTS[name](results[name])
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        _check_readable(ax.figure, [ax])
    finally:
        plt.close(ax.figure)


def test_readable_in_a_two_by_two_grid(results, tmp_path):
    fig, axs = plt.subplots(2, 2)
    try:
        for ax, name in zip(axs.flat, PLOTS, strict=True):
            assert PLOTS[name](results[name], ax=ax) is ax
        _check_readable(fig, list(axs.flat))
        fig.savefig(tmp_path / "grid.png")
    finally:
        plt.close(fig)


def test_funnel_rows_by_hand():
    import pandas as pd

    df = pd.DataFrame(
        {
            "case": list("aabbc"),
            "activity": ["x", "y", "x", "y", "x"],
            "time": pd.date_range("2025-01-01", periods=5, freq="h"),
        }
    )
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="time")
    ax = jm.plot_funnel(jm.funnel(log, ["x", "y"]))
    texts = [t.get_text() for t in ax.texts]
    # 3 journeys reach x, 2 go on to y: 67% of the previous step and of the first
    assert texts[1:] == ["1. x", "3", "2. y", "2 · 67% of prev · 67%"]
    assert [round(p.get_width(), 3) for p in ax.patches] == [1.0, 0.667]
    plt.close(ax.figure)


def test_segments_rows_are_proportions_in_percentage_points(results):
    ax = jm.plot_segments(results["segments"])
    d = results["segments"].differences
    d = d[d["metric"].isin(["conversion", "drop_off"]) & d["ci_low"].notna()]
    # the first row is the most significant difference, drawn at 100 x difference
    sig = d[d["significant"].astype(bool)]
    first = sig.iloc[sig["difference"].abs().argmax()] if len(sig) else None
    points = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(points) >= 1
    if first is not None:
        assert points[0].get_xdata()[0] == pytest.approx(100 * first["difference"])
    plt.close(ax.figure)


def test_bad_tables_name_the_parameter(results):
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.plot_funnel(results["funnel"].drop(columns="journeys"))
    assert err.value.param == "table"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.plot_segments(results["periods"])
    assert err.value.param == "comparison"
