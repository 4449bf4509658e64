"""jm.plot_journey: a readable map drawn with matplotlib alone (labels never overlap)."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
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


# --- the main flow points right, and no two texts overlap (issue #12, item 7) ---------


def _node_x(ax) -> dict[str, float]:
    """x of each node's label, by node name (wrapped names joined again)."""
    out = {}
    for t in _labels(ax):
        lines = t.get_text().split("\n")
        name = " ".join(" ".join(lines[:-1] or lines).split())
        out[name] = t.get_position()[0]
    out[str(jm.START)] = out.pop("start")
    out[str(jm.END)] = out.pop("end")
    return out


def _key(name: str) -> str:
    return " ".join(str(name).split())


def _assert_no_text_overlaps(ax, tolerance: float = 2.0, draw: bool = True) -> None:
    """No two texts of the picture (node and edge labels, caption, title) overlap."""
    fig = ax.figure
    if draw:
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text() and t.get_visible()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    clashes = []
    for (a, ea), (b, eb) in itertools.combinations(zip(texts, boxes, strict=True), 2):
        overlap_x = min(ea.x1, eb.x1) - max(ea.x0, eb.x0)
        overlap_y = min(ea.y1, eb.y1) - max(ea.y0, eb.y0)
        if overlap_x > tolerance and overlap_y > tolerance:
            clashes.append((a.get_text(), b.get_text()))
    assert not clashes, clashes[:10]


def _assert_main_flow_forward(ax, graph: jm.JourneyGraph, log: jm.JourneyLog) -> None:
    """Edges taken by more than half of the journeys, and the edges of the most
    frequent path (when it repeats no node), point right."""
    xs = _node_x(ax)
    e = graph.edges
    heavy = e[(e["journeys"] > graph.n_journeys / 2) & (e["source"] != e["target"])]
    steps = list(zip(heavy["source"], heavy["target"], strict=True))
    top = jm.variants(log, level=graph.level, collapse_repeats=graph.collapse_repeats)
    path = [str(jm.START), *list(top.iloc[0]["variant"]), str(jm.END)]
    if len(set(path)) == len(path) and all(_key(n) in xs for n in path):
        steps += list(zip(path[:-1], path[1:], strict=True))
    assert steps
    wrong = [(s, t) for s, t in steps if not xs[_key(s)] < xs[_key(t)]]
    assert not wrong


def _journeys_log(paths: list[tuple[str, int]]) -> jm.JourneyLog:
    rows = []
    for v, (path, count) in enumerate(paths):
        for j in range(count):
            for k, a in enumerate(path.split()):
                rows.append((f"v{v}-{j}", a, pd.Timestamp("2025-01-01") + pd.Timedelta(hours=k)))
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def test_dominant_path_points_right_and_the_loop_is_the_back_arc():
    # A B C D is the most frequent path; C is also often where journeys start (so C
    # is "typically" reached early); C -> B is a light loop back
    log = _journeys_log([("A B C D", 40), ("C D", 30), ("C E D", 25), ("A B C B C D", 5)])
    ax = jm.plot_journey(jm.discover(log))
    xs = _node_x(ax)
    assert xs["A"] < xs["B"] < xs["C"] < xs["D"]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    back = [p for p in arrows if matplotlib.colors.to_hex(p.get_edgecolor()) == _BACK_COLOR]
    assert len(back) == 1
    # the back arc leaves C and ends at B; its label (5 journeys) sits on it
    verts = back[0].get_path().vertices[:4]  # the curve (then the arrow head)
    assert verts[0][0] > verts[-1][0]
    assert abs(verts[0][0] - xs["C"]) < abs(verts[0][0] - xs["D"])
    assert abs(verts[-1][0] - xs["B"]) < abs(verts[-1][0] - xs["A"])
    (label,) = [
        t
        for t in ax.texts
        if t.get_gid() == EDGE_GID and matplotlib.colors.to_hex(t.get_color()) == _BACK_COLOR
    ]
    assert label.get_text() == "5"
    bezier = back[0].get_path()
    pts = np.concatenate([seg(np.linspace(0, 1, 50)) for seg, _ in bezier.iter_bezier()])
    assert np.hypot(*(pts - np.asarray(label.get_position())).T).min() < 3.0
    _assert_no_text_overlaps(ax)


def _generated_log(seed: int = 3, n: int = 3000) -> jm.JourneyLog:
    """16 touchpoints: a main path, journeys that start in its middle, loops back to
    earlier steps, drop-offs and detours, drawn with a seeded generator."""
    rng = np.random.default_rng(seed)
    main = ["land", "browse", "compare", "cart", "checkout", "pay", "confirm", "ship", "deliver"]
    side = ["help", "chat", "coupon", "wishlist", "return form", "survey", "call centre"]
    rows = []
    for j in range(n):
        u = rng.random()
        if u < 0.55:
            path = list(main)
        elif u < 0.75:
            path = main[2:7]
        elif u < 0.85:
            path = main[:4] + main[1:4] + main[4:]
        else:
            path = main[: int(rng.integers(2, 6))]
        for s in side:
            if rng.random() < 0.12:
                path.insert(int(rng.integers(1, len(path) + 1)), s)
        rows += [(f"j{j}", a, 60 * j + 3600 * k) for k, a in enumerate(path)]
    df = pd.DataFrame(rows, columns=["c", "a", "t"])
    df["t"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(df["t"], unit="s")
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def test_generated_16_node_map_is_readable_and_flows_right():
    log = _generated_log()
    g = jm.discover(log)
    assert len(g.nodes) == 16
    ax = jm.plot_journey(g, max_nodes=16, edge_labels=True, title="Generated")
    _assert_readable(ax)
    _assert_no_text_overlaps(ax, draw=False)
    _assert_main_flow_forward(ax, g, log)


@pytest.mark.parametrize("max_nodes", [14, 16])
def test_sample_map_has_no_overlapping_texts(max_nodes):
    log = jm.datasets.load_sample()
    g = jm.discover(log)
    ax = jm.plot_journey(g, max_nodes=max_nodes, title="Sample")
    _assert_no_text_overlaps(ax)
    _assert_main_flow_forward(ax, g, log)


def _real_log(real_data, name: str) -> jm.JourneyLog:
    if name == "receipt":
        df = pd.read_csv(real_data / "receipt.csv.gz")[
            ["case:concept:name", "concept:name", "time:timestamp", "org:group"]
        ]
        return jm.from_pandas(
            df,
            case="case:concept:name",
            activity="concept:name",
            timestamp="time:timestamp",
            department="org:group",
        )
    return jm.read_xes(real_data / f"{name}.xes.gz")


@pytest.mark.realdata
@pytest.mark.parametrize(
    "name", ["receipt", "helpdesk", pytest.param("bpic2012", marks=pytest.mark.slow)]
)
def test_real_16_node_maps_are_readable_and_flow_right(real_data, name):
    log = _real_log(real_data, name)
    g = jm.discover(log)
    ax = jm.plot_journey(g, max_nodes=16, title=name)
    assert 12 <= len(_labels(ax)) - 2 <= 16
    _assert_readable(ax)
    _assert_no_text_overlaps(ax, draw=False)
    _assert_main_flow_forward(ax, g, log)


def test_edge_label_without_room_is_left_out_and_counted():
    from journeymine.plotting.journey import _caption, _place_edge_labels

    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.text(50, 50, "a wide node label\nthat covers the middle", ha="center", va="center")
    free = np.array([[10.0, 10.0]])
    covered = np.array([[50.0, 50.0], [52.0, 50.0]])
    wanted = [(5.0, "12", "#333333", covered, 0), (9.0, "34", "#333333", free, 1)]
    assert _place_edge_labels(ax, wanted, 9.0, [covered, free]) == 1
    edge_texts = [t for t in ax.texts if t.get_gid() == EDGE_GID]
    assert [t.get_text() for t in edge_texts] == ["34"]
    assert edge_texts[0].get_position() == (10.0, 10.0)
    caption = _caption(jm.discover(_small_log()), "journeys", omitted=1)
    assert caption.endswith("1 edge label left out for lack of room")
