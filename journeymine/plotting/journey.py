"""Drawing a journey map with matplotlib alone (no Graphviz binary needed)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import InstanceOf, Interval, Options, validate_params
from ..discovery.graph import JourneyGraph, first_steps, format_duration
from ..schema import END, START, Marker
from . import post_goal as AG
from ._layout import Layout, layered_layout

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_journey"]

_METRICS = ("journeys", "transitions", "median_gap")
#: gid of the node label texts and edge label texts (tests find them by it)
NODE_GID = "journeymine-node-label"
EDGE_GID = "journeymine-edge-label"
BOX_GID = "journeymine-node-box"
#: Node names longer than this are drawn cut short, ending in "…" (tables keep full names):
#: it bounds the drawing work, which grows with the length of a label.
MAX_LABEL_CHARS = 80
_CIRCLE = 26.0  # diameter of the START and END markers, in points
_PAD_X, _PAD_Y = 8.0, 5.0
_EDGE_COLOR = "#5b6b7f"
_EDGE_TEXT = "#333333"
_BACK_COLOR = "#b0653a"


@validate_params(
    {
        "graph": [InstanceOf(JourneyGraph, "a JourneyGraph from jm.discover")],
        "metric": [Options(*_METRICS)],
        "max_nodes": [Interval(int, 1, None), None],
        "edge_labels": [InstanceOf((bool, int), "True, False or a number of edges")],
        "wrap": [Interval(int, 4, None)],
        "fontsize": [Interval(float, 0, None, closed="neither")],
        "after_goal": [InstanceOf(pd.DataFrame, "a table from jm.after_goal"), None],
    }
)
def plot_journey(
    graph: JourneyGraph,
    *,
    ax: Axes | None = None,
    metric: str = "journeys",
    max_nodes: int | None = 30,
    edge_labels: bool | int = 40,
    wrap: int = 22,
    fontsize: float = 9.0,
    title: str | None = None,
    after_goal: pd.DataFrame | None = None,
) -> Axes:
    """Draw a journey map left to right, the main path straight, loops as arcs.

    Columns follow the main flow: the steps by which journeys first reach each
    touchpoint, taken from the most journeys down and kept unless they close a
    cycle of steps already kept, each one column or more to the right (so the
    step by which most journeys first reach a touchpoint points right, and so do
    the steps of the most frequent paths, unless they return to a touchpoint
    visited before). Within a column, boxes are ordered to reduce crossings.
    Steps back to an earlier column (loops, returns, and rare steps left out of the
    main flow so they do not stretch it) are drawn as orange arcs, repeats of a
    touchpoint as a small loop above its box; no step is drawn straight up or down.
    Edge width shows how many journeys (or transitions) take a step; each edge
    label sits on its own edge or arc where it overlaps no other text or box (a
    label with no room is left out, and the caption says how many). START and END
    are the green and grey circles. A caption says what is shown and, for a
    simplified map, what is hidden. Only matplotlib is needed.

    Parameters
    ----------
    graph : JourneyGraph
        From :func:`~journeymine.discover` (full or simplified).
    ax : matplotlib Axes, optional
        Where to draw; by default a new figure sized to the map. Text shrinks if the
        axes are too small for the map.
    metric : {"journeys", "transitions", "median_gap"}, default "journeys"
        What edge widths and labels show: distinct journeys, transitions, or (labels
        only; widths by journeys) the median time a step takes. Node labels show
        journeys (events for "transitions").
    max_nodes : int or None, default 30
        A larger map is first simplified with ``graph.simplify(max_nodes=...)`` (its
        most frequent paths), and the caption says what is hidden. None draws all.
    edge_labels : bool or int, default 40
        Label every edge (True), none (False), or the given number of widest edges.
    wrap : int, default 22
        Wrap node names longer than this many characters. Names longer than 80
        characters are drawn cut short, ending in "…" (tables keep full names).
    fontsize : float, default 9
        Font size of the node labels, in points (edge labels are smaller).
    title : str, optional
        A title above the map.
    after_goal : DataFrame, optional
        A table from :func:`~journeymine.after_goal` (at the map's level): beside each
        goal touchpoint on the map, what its journeys did within the window after the
        goal (the share that contacted the company again, with its 95% interval, that
        reached the goal again, that went silent, out of ``n`` journeys whose whole
        window is in the data), and dashed purple arcs below the map from the goal to
        the touchpoints where they first contacted the company, with the number of
        journeys (the five largest per goal; the caption counts the others).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["x", "x", "x", "y", "y"],
    ...                    "a": ["home", "pricing", "buy", "home", "buy"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="h")})
    >>> ax = jm.plot_journey(jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t")))
    >>> sorted(t.get_text().split("\\n")[0] for t in ax.texts if t.get_gid() == "journeymine-node-label")
    ['buy', 'end', 'home', 'pricing', 'start']

    The bundled sample's touchpoint map, and its channel map on a given axes:

    >>> import matplotlib.pyplot as plt
    >>> log = jm.datasets.load_sample()
    >>> ax = jm.plot_journey(jm.discover(log), metric="median_gap")
    >>> fig, ax = plt.subplots(figsize=(10, 4))
    >>> ax = jm.plot_journey(jm.discover(log, level="channel"), ax=ax, title="Channel switching")

    What follows the purchase, beside it:

    >>> after = jm.after_goal(log, goal="purchase", within="30D")
    >>> ax = jm.plot_journey(jm.discover(log), after_goal=after)
    >>> [t.get_text().split("\\n")[0] for t in ax.texts if t.get_gid() == "journeymine-after-goal"]
    ['after purchase, within 30 days (n=1,326)']
    >>> plt.close("all")
    """

    if max_nodes is not None and len(graph.nodes) > max_nodes:
        cov = graph._coverage if graph.is_simplified else None
        graph = graph.simplify(coverage=cov, max_nodes=max_nodes)

    nodes_df = graph.nodes
    edges_df = graph.edges
    names = [str(n) for n in nodes_df["node"]]
    node_value = nodes_df["events" if metric == "transitions" else "journeys"].to_numpy()
    node_unit = "events" if metric == "transitions" else "journeys"
    labels = {
        n: "\n".join(textwrap.wrap(_shorten(n), wrap) or [_shorten(n)])
        + f"\n{int(v):,} {node_unit}"
        for n, v in zip(names, node_value, strict=True)
    }
    size = _box_sizes(names, labels, fontsize)
    lay, edge_list, weights = _lay_out(graph, names, size, metric, fontsize)
    after = None if after_goal is None else AG.view(after_goal, graph.level, names)

    arcs = _arc_geometry(lay, size)
    flows = AG.flow_geometry(after, lay, size, arcs) if after is not None else {}
    spots, room = AG.note_spots(after, lay, size, arcs, flows, fontsize) if after else ({}, 0.0)
    ax, scale, top, bottom = _map_axes(ax, lay, {**arcs, **flows}, bool(title), fontsize, room)
    fs = fontsize * scale
    x0, x1 = lay.bounds[:2]

    # edge labels are placed after everything else is drawn (see _place_edge_labels)
    wanted, lines = _draw_edges(
        ax,
        lay,
        size,
        arcs,
        edge_list,
        _labelled_edges(edge_list, edge_labels),
        _edge_texts(edges_df, metric),
        float(weights.max()) if len(weights) else 1.0,
        scale,
    )

    wanted += _draw_flows(ax, flows, scale, lines)
    # the arrows were added without measuring each curve: the data limits are the map's
    ax.update_datalim([(x0, top), (x1, bottom + room)])
    _draw_nodes(ax, lay, size, names, labels, node_value, fs)
    if after is not None:
        AG.annotate(ax, after, spots, fs, fontsize)
    if title:
        ax.text(
            0.5,
            0.995,
            title,
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=fs * 1.3,
            weight="bold",
        )
    omitted = _place_edge_labels(ax, wanted, fs, lines)

    caption = _caption(graph, metric, omitted) + (AG.caption(after) if after else "")
    ax.text(
        0.005,
        0.005,
        caption,
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=fs * 0.85,
        color="#555555",
    )
    return ax


def _lay_out(
    graph: JourneyGraph,
    names: list[str],
    size: dict[Any, tuple[float, float]],
    metric: str,
    fontsize: float,
) -> tuple[Layout, list[tuple[str, str, float]], np.ndarray]:
    """The layered layout of the map, its edges as (source, target, weight) and the weights."""
    edges_df = graph.edges
    steps = first_steps(graph)
    key: dict[Any, float] = {n: steps.get(n, 0.0) for n in names}
    key[START] = -np.inf
    key[END] = np.inf
    width_col = "journeys" if metric == "median_gap" else metric
    weights = edges_df[width_col].to_numpy(dtype=float)
    # START and END stay markers (journeymine.schema.Marker): a touchpoint named
    # like them is a node of its own
    edge_list = [
        (_key(s), _key(t), float(w))
        for s, t, w in zip(edges_df["source"], edges_df["target"], weights, strict=True)
    ]
    lay = layered_layout(
        [START, *names, END],
        size,
        edge_list,
        key,
        priority=_first_visits(graph),
        layer_gap=max(60.0, 6.5 * fontsize),
    )
    return lay, edge_list, weights


def _map_axes(
    ax: Axes | None,
    lay: Layout,
    arcs: dict[tuple[Any, ...], dict[str, Any]],
    titled: bool,
    fontsize: float,
    room: float = 0.0,
) -> tuple[Axes, float, float, float]:
    """The Axes framing the map (a new figure sized to it when ``ax`` is None).

    Returns the Axes, the scale of the drawing (1 or less, when the map does not fit
    ``ax``) and the top and bottom of the map in layout points; ``room`` points more
    are kept below the bottom.
    """
    import matplotlib.pyplot as plt

    # loops and back-edge arcs need room above and below the boxes
    x0, x1, y0, y1 = lay.bounds
    top = min([y0] + [a["apex"][1] - 12 for a in arcs.values()])
    bottom = max([y1] + [a["apex"][1] + 12 for a in arcs.values()])
    top -= 30 if lay.loops else 0
    margin = 14.0
    caption_h = fontsize * 4
    title_h = fontsize * 2.5 if titled else 0.0
    ext_w = x1 - x0 + 2 * margin
    ext_h = bottom - top + 2 * margin + caption_h + title_h + room

    if ax is None:
        fig_w = min(ext_w / 72, 60.0)
        fig_h = min(ext_h / 72, 40.0)
        fig = plt.figure(figsize=(max(fig_w, 3.0), max(fig_h, 2.0)))
        ax = fig.add_axes((0, 0, 1, 1))
    fig = ax.figure
    bbox = ax.get_position()
    fw, fh = fig.get_size_inches()
    ax_w, ax_h = bbox.width * fw * 72, bbox.height * fh * 72
    scale = min(1.0, ax_w / ext_w, ax_h / ext_h)

    ax.set_xlim(x0 - margin, x0 - margin + ext_w)
    # y grows downwards in the layout: flip the axis
    ax.set_ylim(top - margin - title_h + ext_h, top - margin - title_h)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")
    return ax, scale, top, bottom


def _box_sizes(
    names: list[str], labels: dict[str, str], fontsize: float
) -> dict[Any, tuple[float, float]]:
    """Width and height (points) of each node's box: its measured label plus padding."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    measure = TextToPath()
    prop = FontProperties(size=fontsize)

    def text_size(text: str) -> tuple[float, float]:
        lines = text.split("\n")
        ws = [measure.get_text_width_height_descent(ln, prop, ismath=False)[0] for ln in lines]
        return max(ws), fontsize * 1.2 * len(lines)

    size: dict[Any, tuple[float, float]] = {}
    for n in names:
        w, h = text_size(labels[n])
        size[n] = (w + 2 * _PAD_X, h + 2 * _PAD_Y)
    size[START] = size[END] = (_CIRCLE, _CIRCLE)
    return size


def _draw_edges(
    ax: Axes,
    lay: Layout,
    size: dict[Any, tuple[float, float]],
    arcs: dict[tuple[Any, Any], dict[str, Any]],
    edge_list: list[tuple[str, str, float]],
    label_set: set[tuple[str, str]],
    metric_text: dict[tuple[str, str], str],
    top_w: float,
    scale: float,
) -> tuple[list[_Wanted], list[np.ndarray]]:
    """Draw the forward edges, the back arcs and the self-loops, in that order.

    Returns the edge labels wanted (placed last, by :func:`_place_edge_labels`) and the
    points along the edges drawn, for the labels to avoid. ``top_w`` is the heaviest
    edge's weight: the widest line.
    """

    def lw(w: float) -> float:
        return (0.6 + 6.0 * (w / top_w) ** 0.75 if top_w else 0.6) * scale

    weight_of = {(s, t): w for s, t, w in edge_list}
    wanted: list[_Wanted] = []
    lines: list[np.ndarray] = []  # points along the edges drawn, for labels to avoid
    few = len(edge_list) <= 400  # else only the labelled edges are traced

    def trace(path: Any, labelled: bool) -> None:
        lines.append(_trace(path) if few or labelled else np.zeros((0, 2)))

    for (s, t), pts in ((e, lay.routes.get(e, [])) for e in lay.forward):
        w = weight_of[(s, t)]
        path = _forward_path(lay, size, s, t, pts)
        _arrow(ax, path, lw(w), _EDGE_COLOR, scale)
        trace(path, (s, t) in label_set)
        if (s, t) in label_set:
            spots = _candidates(lines[-1])
            wanted.append((w, metric_text[(s, t)], _EDGE_TEXT, spots, len(lines) - 1))
    for (s, t), arc in arcs.items():
        w = weight_of[(s, t)]
        _arrow(ax, arc["path"], lw(w), _BACK_COLOR, scale, alpha=0.8)
        trace(arc["path"], (s, t) in label_set)
        if (s, t) in label_set:
            spots = _candidates(lines[-1])
            wanted.append((w, metric_text[(s, t)], _BACK_COLOR, spots, len(lines) - 1))
    for n in lay.loops:
        x, y = lay.x[n], lay.y[n]
        w_box, h_box = size[n]
        path = _loop_path(x, y, w_box, h_box)
        _arrow(ax, path, lw(weight_of[(n, n)]), _BACK_COLOR, scale, alpha=0.8)
        trace(path, (n, n) in label_set)
        if (n, n) in label_set:
            # on the top of the loop (a cubic: 3/4 of the way to its control points)
            ly = y - h_box / 2 - 22.5
            half = min(18.0, w_box / 3)
            spots = np.array([(x, ly), (x - half / 2, ly + 1), (x + half / 2, ly + 1)])
            w = weight_of[(n, n)]
            wanted.append((w, metric_text[(n, n)], _BACK_COLOR, spots, len(lines) - 1))
    return wanted, lines


def _draw_flows(
    ax: Axes, flows: dict[tuple[str, str, str], dict[str, Any]], scale: float, lines: list
) -> list[_Wanted]:
    """The dashed purple arcs from a goal to the first contacts after it; their labels."""
    top = max((f["n"] for f in flows.values()), default=1)
    wanted: list[_Wanted] = []
    for f in flows.values():
        width = (0.6 + 3.0 * (f["n"] / top) ** 0.75) * scale
        _arrow(ax, f["path"], width, AG.COLOR, scale, alpha=0.85, linestyle=(0, (4, 2)))
        lines.append(_trace(f["path"]))
        wanted.append(
            (float(f["n"]), f"{f['n']:,}", AG.COLOR, _candidates(lines[-1]), len(lines) - 1)
        )
    return wanted


def _key(value: Any) -> Any:
    """An edge end as a layout node: a marker as is, a touchpoint by its name."""
    return value if isinstance(value, Marker) else str(value)


def _shorten(name: str, limit: int = MAX_LABEL_CHARS) -> str:
    """``name`` cut to ``limit`` characters (ending in an ellipsis) for drawing."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _first_visits(graph: JourneyGraph) -> dict[tuple[str, str], float]:
    """Per step A -> B: the journeys that reach B for the first time straight from A.

    The steps by which journeys *first* reach a touchpoint are the ones that move
    them forward; a step into a touchpoint already visited is a return. (Repeats of
    a value are never first visits, so this is the same with or without
    ``collapse_repeats``.) Steps out of START count the journeys starting there.
    """
    from ..derive import arrays, visits

    log = graph.log
    if log is None or not len(graph.edges):
        return {}
    arr = arrays(log)
    codes, labels = arr.codes(graph.level, "plot_journey"), arr.labels(graph.level, "plot_journey")
    codes = np.asarray(codes)
    case = arr.case
    rows = visits(log, graph.level)["first"].to_numpy()
    prev = rows - 1
    ok = prev >= 0
    ok[ok] = (case[prev[ok]] == case[rows[ok]]) & (codes[prev[ok]] >= 0)
    k = len(labels)
    pair = codes[prev[ok]].astype(np.int64) * k + codes[rows[ok]]
    counts = np.bincount(pair, minlength=k * k) if k else np.zeros(0, dtype=np.int64)
    names = [str(v) for v in labels]
    out: dict[tuple[str, str], float] = {}
    for p in np.flatnonzero(counts):
        out[(names[p // k], names[p % k])] = float(counts[p])
    starts = graph.edges[graph.edges["source"] == START]
    for t, j in zip(starts["target"], starts["journeys"], strict=True):
        out[(START, str(t))] = float(j)
    return out


def _labelled_edges(
    edge_list: list[tuple[str, str, float]], edge_labels: bool | int
) -> set[tuple[str, str]]:
    if edge_labels is True:
        return {(s, t) for s, t, _ in edge_list}
    if edge_labels is False or edge_labels <= 0:
        return set()
    ranked = sorted(edge_list, key=lambda e: (-e[2], e[0], e[1]))
    return {(s, t) for s, t, _ in ranked[: int(edge_labels)]}


def _edge_texts(edges_df: pd.DataFrame, metric: str) -> dict[tuple[str, str], str]:
    out = {}
    for row in edges_df.itertuples(index=False):
        if metric == "median_gap":
            v = row.median_gap
            text = "" if pd.isna(v) else format_duration(pd.Timedelta(v))
        else:
            text = f"{int(getattr(row, metric)):,}"
        out[(_key(row.source), _key(row.target))] = text
    return out


def _forward_path(
    lay: Layout, size: dict[Any, tuple[float, float]], s: str, t: str, pts: list
) -> Any:
    """A smooth path from the right side of ``s`` through the dummy points to ``t``."""
    from matplotlib.path import Path

    sx = lay.x[s] + size[s][0] / 2
    tx = lay.x[t] - size[t][0] / 2
    way = [(sx, lay.y[s]), *pts, (tx, lay.y[t])]
    verts = [way[0]]
    codes = [Path.MOVETO]
    for (ax_, ay), (bx, by) in zip(way[:-1], way[1:], strict=True):
        dx = (bx - ax_) / 2
        verts += [(ax_ + dx, ay), (bx - dx, by), (bx, by)]
        codes += [Path.CURVE4] * 3
    return Path(verts, codes)


def _trace(path: Any) -> np.ndarray:
    """Points along a path of Bezier curves (data coordinates)."""
    return np.concatenate(
        [seg(np.linspace(0.0, 1.0, 17)) for seg, _ in path.iter_bezier()] or [path.vertices[:1]]
    )


def _candidates(verts: np.ndarray, n: int = 24) -> np.ndarray:
    """Points along a traced path where its label may sit, best first: the middle,
    then alternately a little before and after it."""
    seg = np.hypot(*np.diff(verts, axis=0).T)
    cum = np.r_[0.0, np.cumsum(seg)]
    if cum[-1] <= 0:
        return verts[:1]
    fr = [0.5]
    for k in range(1, n // 2):
        d = 0.4 * k / (n // 2 - 1)
        fr += [0.5 - d, 0.5 + d]
    at = np.asarray(fr) * cum[-1]
    return np.column_stack([np.interp(at, cum, verts[:, 0]), np.interp(at, cum, verts[:, 1])])


def _renderer(fig: Any) -> Any:
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get is not None else fig._get_renderer()


#: an edge label to place: weight, text, colour, candidate points, index of its line
_Wanted = tuple[float, str, str, np.ndarray, int]


def _place_edge_labels(
    ax: Axes, wanted: list[_Wanted], fs: float, lines: Sequence[np.ndarray] = ()
) -> int:
    """Put each edge label on its own edge where it overlaps no other text or box.

    Labels are placed heaviest edge first, each at the first of its candidate points
    (along its path, middle first) where its window extent, as the renderer measures
    it, is clear of the node boxes, all texts and the labels already placed, and
    preferably where no other edge of ``lines`` runs under it (not on a crossing).
    A label with no clear point is left out; returns how many were.
    """
    fig = ax.figure
    ax.apply_aspect()
    renderer = _renderer(fig)
    pad = 1.5 * fig.dpi / 72
    taken = [t.get_window_extent(renderer) for t in ax.texts]
    taken += [p.get_window_extent(renderer) for p in ax.patches if p.get_gid() == BOX_GID]
    boxes = [np.array([b.x0, b.y0, b.x1, b.y1]) for b in taken]
    owner = np.repeat(np.arange(len(lines)), [len(v) for v in lines])
    # other edges are avoided when that is cheap (always on maps of a few hundred edges)
    under = ax.transData.transform(np.concatenate(lines)) if 0 < len(owner) <= 60_000 else None
    omitted = 0
    for _, text, color, pts, own in sorted(wanted, key=lambda e: -e[0]):
        if not text:
            continue
        t = _edge_label(ax, float(pts[0][0]), float(pts[0][1]), text, fs, color=color)
        ext = t.get_window_extent(renderer)
        anchor = ax.transData.transform(pts[:1])[0]
        lo = np.array([ext.x0, ext.y0]) - anchor - pad
        hi = np.array([ext.x1, ext.y1]) - anchor + pad
        disp = ax.transData.transform(pts)
        arr = np.array(boxes) if boxes else np.zeros((0, 4))
        line = lines[own] if len(lines) > own and len(lines[own]) else pts
        ends = ax.transData.transform(line[[0, -1]])
        reach = (hi[0] - lo[0]) / 2 + 10 * fig.dpi / 72
        best = None
        for k, d in enumerate(disp):
            a, b = d + lo, d + hi
            clash = (
                (np.minimum(b[0], arr[:, 2]) - np.maximum(a[0], arr[:, 0]) > 0)
                & (np.minimum(b[1], arr[:, 3]) - np.maximum(a[1], arr[:, 1]) > 0)
            ).any()
            if clash:
                continue
            if best is None:
                best = k
            if under is None or (np.hypot(*(ends - d).T) < reach).any():
                continue  # crossings are avoided, but not by sliding onto an arrow head
            crossed = (
                (under[:, 0] > a[0])
                & (under[:, 0] < b[0])
                & (under[:, 1] > a[1])
                & (under[:, 1] < b[1])
                & (owner != own)
            ).any()
            if not crossed:
                best = k
                break
        if best is None:
            t.remove()
            omitted += 1
            continue
        t.set_position((float(pts[best][0]), float(pts[best][1])))
        boxes.append(np.r_[disp[best] + lo, disp[best] + hi])
    return omitted


def _arc_geometry(
    lay: Layout, size: dict[Any, tuple[float, float]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Back edges: arcs below the boxes or above them (the side where the arc's ends
    cross fewer boxes of their columns; otherwise above for nodes in the upper half).

    Short arcs are placed first, each just outside the boxes it spans and outside
    the arcs already placed on that side over an overlapping stretch (a skyline), so
    nested arcs never share their bottom (top) and each label has its own arc.
    """
    from matplotlib.path import Path

    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not lay.back:
        return out
    ys = list(lay.y.values())
    mid = (min(ys) + max(ys)) / 2
    placed: dict[int, list[tuple[float, float, float]]] = {1: [], -1: []}
    for s, t in sorted(lay.back, key=lambda e: (lay.x[e[0]] - lay.x[e[1]], str(e))):
        xs_, xt = lay.x[s], lay.x[t]
        # the side where the vertical legs cross fewer boxes of their own columns
        below = sum(lay.x[n] == lay.x[m] and lay.y[n] > lay.y[m] for m in (s, t) for n in lay.x)
        above = sum(lay.x[n] == lay.x[m] and lay.y[n] < lay.y[m] for m in (s, t) for n in lay.x)
        if below != above:
            sign = 1 if below < above else -1
        else:
            sign = 1 if (lay.y[s] + lay.y[t]) / 2 >= mid else -1
        p0 = (xs_ - size[s][0] * 0.15, lay.y[s] + sign * size[s][1] / 2)
        p3 = (xt + size[t][0] * 0.15, lay.y[t] + sign * size[t][1] / 2)
        lo, hi = min(xs_, xt), max(xs_, xt)
        between = [n for n in lay.x if lo <= lay.x[n] <= hi]
        edge_y = max(sign * (lay.y[n] + sign * size[n][1] / 2) for n in between)
        level = edge_y + 14 + 0.03 * (hi - lo)
        for a, b, depth in placed[sign]:
            if a <= p0[0] + 6 and b >= p3[0] - 6:
                level = max(level, depth + 11)
        placed[sign].append((p3[0], p0[0], level))
        apex_y = sign * level
        # a cubic with both control points at height c has its extreme at
        # 0.25 * (ends) + 0.75 * c: put that on the skyline level
        c = (apex_y - 0.25 * (p0[1] + p3[1]) / 2) / 0.75
        path = Path(
            [p0, (p0[0], c), (p3[0], c), p3], [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
        )
        out[(s, t)] = {"path": path, "apex": ((p0[0] + p3[0]) / 2, apex_y)}
    return out


def _loop_path(x: float, y: float, w: float, h: float) -> Any:
    """A loop over the top of a box, leaving on the right and coming back on the left."""
    from matplotlib.path import Path

    top = y - h / 2
    half = min(18.0, w / 3)
    return Path(
        [(x + half, top), (x + half + 8, top - 30), (x - half - 8, top - 30), (x - half, top)],
        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
    )


def _arrow(
    ax: Axes,
    path: Any,
    width: float,
    color: str,
    scale: float,
    alpha: float = 0.75,
    linestyle: Any = "-",
) -> None:
    from matplotlib.patches import FancyArrowPatch

    # add_artist: add_patch would measure every Bezier segment for the data limits
    ax.add_artist(
        FancyArrowPatch(
            path=path,
            arrowstyle="-|>,head_length=0.7,head_width=0.4",
            mutation_scale=7 * scale + 1.6 * width,
            linewidth=width,
            color=color,
            alpha=alpha,
            linestyle=linestyle,
            zorder=1,
        )
    )


def _edge_label(ax: Axes, x: float, y: float, text: str, fs: float, color: str = _EDGE_TEXT) -> Any:
    return ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=fs * 0.8,
        color=color,
        zorder=4,
        gid=EDGE_GID,
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
    )


def _draw_nodes(
    ax: Axes,
    lay: Layout,
    size: dict[Any, tuple[float, float]],
    names: list[str],
    labels: dict[str, str],
    values: np.ndarray,
    fs: float,
) -> None:
    from matplotlib import colormaps
    from matplotlib.patches import Circle, FancyBboxPatch

    cmap = colormaps["Blues"]
    top = float(values.max()) if len(values) else 1.0
    for n, v in zip(names, values, strict=True):
        x, y = lay.x[n], lay.y[n]
        w, h = size[n]
        shade = 0.12 + 0.45 * (float(v) / top if top else 0.0)
        face = cmap(shade)
        ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=5",
                fc=face,
                ec="#2f4f7f",
                lw=0.8,
                zorder=3,
                gid=BOX_GID,
            )
        )
        ax.text(
            x,
            y,
            labels[n],
            ha="center",
            va="center",
            fontsize=fs,
            zorder=5,
            gid=NODE_GID,
            linespacing=1.2,
            color="#102030",
        )
    for n, face, text in ((START, "#5aa469", "start"), (END, "#6d6d6d", "end")):
        x, y = lay.x[n], lay.y[n]
        ax.add_patch(Circle((x, y), _CIRCLE / 2, fc=face, ec="none", zorder=3))
        ax.text(
            x,
            y,
            text,
            ha="center",
            va="center",
            fontsize=fs * 0.75,
            color="white",
            zorder=5,
            weight="bold",
            gid=NODE_GID,
        )


def _caption(graph: JourneyGraph, metric: str, omitted: int = 0) -> str:
    what = {
        "journeys": "journeys per step",
        "transitions": "transitions per step",
        "median_gap": "median time per step (width: journeys)",
    }[metric]
    text = (
        f"{graph.level} map of {graph.n_journeys:,} journeys ({graph.n_events:,} events); "
        f"edges: {what}; orange arcs: repeats and steps leading back left"
    )
    if graph.is_simplified:
        h = graph.hidden
        text += (
            f"\nsimplified to the most frequent paths: {h['nodes']} nodes and {h['edges']} edges hidden; "
            f"{h['journeys']:,} journeys ({100 * h['journeys'] / max(graph.n_journeys, 1):.0f}%) "
            "use a hidden step; counts are over all journeys"
        )
    if omitted:
        text += f"\n{omitted} edge label{'s' if omitted > 1 else ''} left out for lack of room"
    return text
