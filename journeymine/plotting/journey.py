"""Drawing a journey map with matplotlib alone (no Graphviz binary needed)."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import check_number, check_one_of, check_type
from ..discovery._compute import _first_steps
from ..discovery.graph import JourneyGraph, format_duration
from ..errors import InvalidParameterError
from ..schema import END, START
from ._layout import Layout, layered_layout

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_journey"]

_METRICS = ("journeys", "transitions", "median_gap")
#: gid of the node label texts and edge label texts (tests find them by it)
NODE_GID = "journeymine-node-label"
EDGE_GID = "journeymine-edge-label"
BOX_GID = "journeymine-node-box"
_CIRCLE = 26.0  # diameter of the START and END markers, in points
_PAD_X, _PAD_Y = 8.0, 5.0
_EDGE_COLOR = "#5b6b7f"
_BACK_COLOR = "#b0653a"


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
) -> Axes:
    """Draw a journey map left to right, the main path straight, loops as arcs.

    Columns follow the heaviest paths: each touchpoint sits one column right of
    the touchpoint most journeys reach it from (and right of any other frequent
    predecessor), so the main path reads left to right; within a column, boxes are
    ordered to reduce crossings. Steps that lead to the same or an earlier column
    (loops, returns) are drawn as orange arcs, repeats of a touchpoint as a small
    loop above its box. Edge width shows how many journeys (or transitions) take a
    step. START and END are the green and grey circles. A caption says what is
    shown and, for a simplified map, what is hidden. Only matplotlib is needed.

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
        Wrap node names longer than this many characters.
    fontsize : float, default 9
        Font size of the node labels, in points (edge labels are smaller).
    title : str, optional
        A title above the map.

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
    >>> plt.close("all")
    """
    func = "plot_journey"
    if not isinstance(graph, JourneyGraph):
        raise InvalidParameterError(
            f"The 'graph' parameter of {func} must be a JourneyGraph from jm.discover. "
            f"Got {type(graph).__name__} instead."
        )
    check_one_of(metric, _METRICS, "metric", func)
    if max_nodes is not None:
        check_number(max_nodes, "max_nodes", func, low=1, integer=True)
    check_type(edge_labels, (bool, int), "True, False or a number of edges", "edge_labels", func)
    check_number(wrap, "wrap", func, low=4, integer=True)
    check_number(fontsize, "fontsize", func, low=0, low_open=True)

    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    if max_nodes is not None and len(graph.nodes) > max_nodes:
        cov = graph._coverage if graph.is_simplified else None
        graph = graph.simplify(coverage=cov, max_nodes=max_nodes)

    nodes_df = graph.nodes
    edges_df = graph.edges
    names = [str(n) for n in nodes_df["node"]]
    node_value = nodes_df["events" if metric == "transitions" else "journeys"].to_numpy()
    node_unit = "events" if metric == "transitions" else "journeys"
    labels = {
        n: "\n".join(textwrap.wrap(n, wrap) or [n]) + f"\n{int(v):,} {node_unit}"
        for n, v in zip(names, node_value, strict=True)
    }

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

    steps = _first_steps(graph._log, graph.level, graph.collapse_repeats)
    key: dict[Any, float] = {n: steps.get(n, 0.0) for n in names}
    key[START] = -np.inf
    key[END] = np.inf
    width_col = "journeys" if metric == "median_gap" else metric
    weights = edges_df[width_col].to_numpy(dtype=float)
    edge_list = [
        (str(s), str(t), float(w))
        for s, t, w in zip(edges_df["source"], edges_df["target"], weights, strict=True)
    ]
    lay = layered_layout(
        [START, *names, END], size, edge_list, key, layer_gap=max(60.0, 6.5 * fontsize)
    )

    # loops and back-edge arcs need room above and below the boxes
    x0, x1, y0, y1 = lay.bounds
    arcs = _arc_geometry(lay, size)
    top = min([y0] + [a["apex"][1] - 12 for a in arcs.values()])
    bottom = max([y1] + [a["apex"][1] + 12 for a in arcs.values()])
    top -= 30 if lay.loops else 0
    margin = 14.0
    caption_h = fontsize * 3
    title_h = fontsize * 2.5 if title else 0.0
    ext_w = x1 - x0 + 2 * margin
    ext_h = bottom - top + 2 * margin + caption_h + title_h

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
    fs = fontsize * scale

    ax.set_xlim(x0 - margin, x0 - margin + ext_w)
    # y grows downwards in the layout: flip the axis
    ax.set_ylim(top - margin - title_h + ext_h, top - margin - title_h)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")

    top_w = float(weights.max()) if len(weights) else 1.0

    def lw(w: float) -> float:
        return (0.6 + 6.0 * (w / top_w) ** 0.75 if top_w else 0.6) * scale

    weight_of = {(s, t): w for s, t, w in edge_list}
    label_set = _labelled_edges(edge_list, edge_labels)
    metric_text = _edge_texts(edges_df, metric)

    for (s, t), pts in ((e, lay.routes.get(e, [])) for e in lay.forward):
        w = weight_of[(s, t)]
        path = _forward_path(lay, size, s, t, pts)
        _arrow(ax, path, lw(w), _EDGE_COLOR, scale)
        if (s, t) in label_set:
            mx, my = _midpoint(path)
            _edge_label(ax, mx, my, metric_text[(s, t)], fs)
    for (s, t), arc in arcs.items():
        w = weight_of[(s, t)]
        _arrow(ax, arc["path"], lw(w), _BACK_COLOR, scale, alpha=0.8)
        if (s, t) in label_set:
            _edge_label(
                ax, arc["apex"][0], arc["apex"][1], metric_text[(s, t)], fs, color=_BACK_COLOR
            )
    for n in lay.loops:
        x, y = lay.x[n], lay.y[n]
        w_box, h_box = size[n]
        path = _loop_path(x, y, w_box, h_box)
        _arrow(ax, path, lw(weight_of[(n, n)]), _BACK_COLOR, scale, alpha=0.8)
        if (n, n) in label_set:
            _edge_label(ax, x, y - h_box / 2 - 23, metric_text[(n, n)], fs, color=_BACK_COLOR)

    _draw_nodes(ax, lay, size, names, labels, node_value, fs)

    caption = _caption(graph, metric)
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
    return ax


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
        out[(str(row.source), str(row.target))] = text
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


def _midpoint(path: Any) -> tuple[float, float]:
    verts = path.interpolated(20).vertices
    seg = np.hypot(*np.diff(verts, axis=0).T)
    cum = np.r_[0, np.cumsum(seg)]
    half = cum[-1] / 2
    i = int(np.searchsorted(cum, half))
    i = min(max(i, 1), len(verts) - 1)
    f = (half - cum[i - 1]) / (seg[i - 1] or 1)
    p = verts[i - 1] + f * (verts[i] - verts[i - 1])
    return float(p[0]), float(p[1])


def _arc_geometry(
    lay: Layout, size: dict[Any, tuple[float, float]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Back edges: arcs below the boxes (or above, for nodes in the upper half)."""
    from matplotlib.path import Path

    out: dict[tuple[str, str], dict[str, Any]] = {}
    if not lay.back:
        return out
    ys = list(lay.y.values())
    mid = (min(ys) + max(ys)) / 2
    for k, (s, t) in enumerate(sorted(lay.back, key=lambda e: (lay.x[e[0]] - lay.x[e[1]], str(e)))):
        xs_, xt = lay.x[s], lay.x[t]
        below = (lay.y[s] + lay.y[t]) / 2 >= mid
        sign = 1 if below else -1
        lo, hi = min(xs_, xt), max(xs_, xt)
        between = [n for n in lay.x if lo <= lay.x[n] <= hi]
        if below:
            edge_y = max(lay.y[n] + size[n][1] / 2 for n in between)
        else:
            edge_y = min(lay.y[n] - size[n][1] / 2 for n in between)
        span = hi - lo
        depth = 14 + 0.06 * span + 5 * (k % 4)
        sy = lay.y[s] + sign * size[s][1] / 2
        ty = lay.y[t] + sign * size[t][1] / 2
        apex_y = edge_y + sign * depth
        # cubic from s down (up) and across to t; control points at the apex level
        c = apex_y + sign * depth * 0.33
        p0, p3 = (xs_ - size[s][0] * 0.15, sy), (xt + size[t][0] * 0.15, ty)
        path = Path(
            [p0, (p0[0], c), (p3[0], c), p3], [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4]
        )
        # the apex of a cubic with equal control heights is at 3/4 of the way down
        ay = 0.25 * (sy + ty) / 2 + 0.75 * c
        out[(s, t)] = {"path": path, "apex": ((p0[0] + p3[0]) / 2, ay)}
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
    ax: Axes, path: Any, width: float, color: str, scale: float, alpha: float = 0.75
) -> None:
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            path=path,
            arrowstyle="-|>,head_length=0.7,head_width=0.4",
            mutation_scale=7 * scale + 1.6 * width,
            linewidth=width,
            color=color,
            alpha=alpha,
            zorder=1,
        )
    )


def _edge_label(ax: Axes, x: float, y: float, text: str, fs: float, color: str = "#333333") -> None:
    if not text:
        return
    ax.text(
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


def _caption(graph: JourneyGraph, metric: str) -> str:
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
    return text
