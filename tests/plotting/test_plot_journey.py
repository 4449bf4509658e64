"""jm.plot_journey: a readable map drawn with matplotlib alone (labels never overlap)."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch

import journeymine as jm
from journeymine.plotting.journey import _BACK_COLOR, BOX_GID, EDGE_GID, NODE_GID


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labels(ax):
    return [t for t in ax.texts if t.get_gid() == NODE_GID]


def _assert_readable(ax) -> None:
    """No two node labels overlap, and each touchpoint label sits inside its own box."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _labels(ax)
    boxes = {t: t.get_window_extent(renderer) for t in texts}
    for a, b in itertools.combinations(texts, 2):
        ea, eb = boxes[a], boxes[b]
        overlap_x = min(ea.x1, eb.x1) - max(ea.x0, eb.x0)
        overlap_y = min(ea.y1, eb.y1) - max(ea.y0, eb.y0)
        assert overlap_x <= 0.5 or overlap_y <= 0.5, (a.get_text(), b.get_text())
    patches = [p for p in ax.patches if p.get_gid() == BOX_GID]
    assert len(patches) == len(texts) - 2  # START and END are circles
    for p in patches:
        pb = p.get_window_extent(renderer)
        inside = [t for t in texts if pb.contains(*boxes[t].get_points().mean(axis=0))]
        assert len(inside) == 1
        tb = boxes[inside[0]]
        assert (
            tb.x0 >= pb.x0 - 1 and tb.x1 <= pb.x1 + 1 and tb.y0 >= pb.y0 - 1 and tb.y1 <= pb.y1 + 1
        )


def _x(ax, name: str) -> float:
    (t,) = [t for t in _labels(ax) if t.get_text().split("\n")[0] == name.split("\n")[0]]
    return t.get_position()[0]


def _small_log() -> jm.JourneyLog:
    df = pd.DataFrame(
        {
            "c": ["x"] * 5 + ["y"] * 3,
            "a": ["home", "pricing", "home", "pricing", "buy", "home", "pricing", "pricing"],
            "t": pd.date_range("2025-01-01", periods=8, freq="h"),
        }
    )
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def test_returns_axes_with_start_end_and_back_arcs():
    ax = jm.plot_journey(jm.discover(_small_log()))
    assert isinstance(ax, matplotlib.axes.Axes)
    texts = [t.get_text() for t in _labels(ax)]
    assert "start" in texts and "end" in texts
    assert any(t.startswith("home\n") for t in texts)
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    # pricing -> home goes back (an arc), pricing -> pricing is a self-loop: both orange
    back = [p for p in arrows if matplotlib.colors.to_hex(p.get_edgecolor()) == _BACK_COLOR]
    assert len(back) == 2
    assert _x(ax, "start") < _x(ax, "home") < _x(ax, "pricing") < _x(ax, "buy") < _x(ax, "end")
    _assert_readable(ax)


@pytest.mark.parametrize("metric", ["journeys", "transitions", "median_gap"])
def test_metrics_label_edges(metric):
    ax = jm.plot_journey(jm.discover(_small_log()), metric=metric)
    edge_texts = [t.get_text() for t in ax.texts if t.get_gid() == EDGE_GID]
    assert edge_texts
    if metric == "median_gap":
        assert "1.0h" in edge_texts
    node_text = " ".join(t.get_text() for t in _labels(ax))
    assert ("events" in node_text) == (metric == "transitions")


def test_draws_on_given_axes_and_shrinks_text():
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(6, 2))
    out = jm.plot_journey(jm.discover(_small_log()), ax=a2, edge_labels=False, title="Map")
    assert out is a2 and not a1.texts
    assert not [t for t in a2.texts if t.get_gid() == EDGE_GID]
    assert max(t.get_fontsize() for t in _labels(a2)) < 9
    _assert_readable(a2)


def test_max_nodes_simplifies_and_says_so(running_example):
    ax = jm.plot_journey(jm.discover(running_example), max_nodes=5)
    names = [t.get_text().split("\n")[0] for t in _labels(ax)]
    assert len(names) - 2 <= 5
    caption = " ".join(t.get_text() for t in ax.texts if t.get_gid() is None)
    assert "simplified" in caption and "hidden" in caption


def test_simplified_graph_stays_simplified(running_example):
    g = jm.discover(running_example).simplify(coverage=0.3)
    ax = jm.plot_journey(g, max_nodes=30)
    assert len(_labels(ax)) - 2 == len(g.nodes)


def test_empty_and_single_event_graphs():
    df = pd.DataFrame({"c": ["a", "b"], "a": ["X", "Y"], "t": ["2025-01-01", "2025-01-02"]})
    ax = jm.plot_journey(jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t")))
    _assert_readable(ax)
    empty = jm.from_pandas(df.iloc[:0], case="c", activity="a", timestamp="t")
    ax = jm.plot_journey(jm.discover(empty))
    assert len(_labels(ax)) == 2


def test_bad_input():
    with pytest.raises(jm.InvalidParameterError, match="JourneyGraph"):
        jm.plot_journey(_small_log())
    g = jm.discover(_small_log())
    with pytest.raises(jm.InvalidParameterError, match="'metric' parameter of plot_journey"):
        jm.plot_journey(g, metric="speed")
    with pytest.raises(jm.InvalidParameterError, match="'max_nodes'"):
        jm.plot_journey(g, max_nodes=0)


def test_sample_map_is_readable():
    log = jm.datasets.load_sample()
    ax = jm.plot_journey(jm.discover(log))
    _assert_readable(ax)
    # the main path reads left to right
    order = [
        "visit homepage",
        "view pricing",
        "start trial",
        "onboarding email",
        "use app",
        "enter payment details",
        "purchase",
        "receipt email",
    ]
    xs = [_x(ax, n) for n in order]
    assert xs == sorted(xs)
    ax = jm.plot_journey(jm.discover(log, level="channel"))
    _assert_readable(ax)


@pytest.mark.realdata
def test_receipt_map_is_readable(real_data):
    log = jm.read_csv(
        real_data / "receipt.csv.gz",
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
    )
    g = jm.discover(log)
    assert len(g.nodes) == 27
    ax = jm.plot_journey(g)
    assert len(_labels(ax)) == 29
    _assert_readable(ax)
    main = [
        "Confirmation of receipt",
        "T02 Check confirmation of receipt",
        "T04 Determine confirmation of receipt",
        "T05 Print and send confirmation of receipt",
        "T06 Determine necessity of stop advice",
        "T10 Determine necessity to stop indication",
    ]
    xs = [_x(ax, "\n".join(__import__("textwrap").wrap(n, 22))) for n in main]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    _assert_readable(jm.plot_journey(g.simplify(coverage=0.8)))
