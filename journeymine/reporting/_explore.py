"""The explorable journey map of the report: layouts at several detail levels, as JSON (private).

The layout is the one of the static picture: each detail level is the graph
simplified to at most so many touchpoints (``graph.simplify(max_nodes=...)``, as
``jm.plot_journey`` does), drawn once by :func:`journeymine.plotting.plot_journey`, and
the boxes' positions are read back from its Axes. The page's script
(:data:`~journeymine.reporting._explore_js.SCRIPT`) only draws and switches; it
never lays anything out. Every name reaches the page as JSON text inside a
``<script type="application/json">`` (never run) with ``<``, ``>`` and ``&`` escaped,
and the script puts names into the page with ``textContent`` only.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from ..discovery import variants
from ..plotting import plot_journey
from ..plotting.journey import BOX_GID
from ..plotting.post_goal import after_goal_view
from ..schema import END, START
from ._figures import figure_context

__all__ = ["LEVELS", "OPEN_NODES", "WRAP", "map_data", "map_json", "levels_for"]

#: The detail levels offered: at most this many touchpoints on the map.
LEVELS = (3, 5, 8, 12, 16, 20, 30, 45, 70, 100, 150, 200)
#: Names wrap at this many characters, in the report's static maps too (narrow boxes, so
#: a map of 20 touchpoints fits the page at a readable size).
WRAP = 14
#: The map opens on the largest level with at most this many touchpoints.
OPEN_NODES = 20
_TOP_VARIANTS = 5
_VARIANT_ROWS = 2000  # the most frequent paths searched for the variants through a touchpoint


def levels_for(n_nodes: int) -> list[int]:
    """The detail levels (touchpoint caps) for a map of ``n_nodes`` touchpoints."""
    caps = [k for k in LEVELS if k < n_nodes]
    if n_nodes <= LEVELS[-1]:
        caps.append(n_nodes)
    return caps or [n_nodes]


def _seconds(value: Any) -> float | None:
    if value is None or value is pd.NaT or pd.isna(value):
        return None
    return round(pd.Timedelta(value).total_seconds(), 1)


def _positions(graph: Any) -> dict[str, list[float]]:
    """Box centre and size (points) of every node of ``graph`` as ``plot_journey`` lays it out."""
    from matplotlib.patches import Circle

    with figure_context():
        import matplotlib.pyplot as plt

        ax = plot_journey(graph, max_nodes=None, edge_labels=False, wrap=WRAP)
        try:
            names = [str(n) for n in graph.nodes["node"]]
            boxes = [p for p in ax.patches if p.get_gid() == BOX_GID]
            out: dict[str, list[float]] = {}
            for name, box in zip(names, boxes, strict=True):
                x0, y0 = box.get_x(), box.get_y()
                w, h = box.get_width(), box.get_height()
                out[name] = [round(x0 + w / 2, 1), round(y0 + h / 2, 1), round(w, 1), round(h, 1)]
            circles = [p for p in ax.patches if isinstance(p, Circle)]
            for marker, circle in zip(("start", "end"), circles[:2], strict=False):
                cx, cy = circle.center
                r = circle.radius
                out[f"\x00{marker}"] = [round(cx, 1), round(cy, 1), 2 * r, 2 * r]
            return out
        finally:
            plt.close(ax.figure)


def _node_key(value: Any) -> str:
    if value is START:
        return "\x00start"
    if value is END:
        return "\x00end"
    return str(value)


def _variants_through(log: Any, graph: Any, names: list[str]) -> dict[str, list[list[Any]]]:
    """The most frequent paths through each touchpoint: (path, journeys, share)."""
    table = variants(log, level=graph.level, collapse_repeats=graph.collapse_repeats)
    paths = [tuple(str(s) for s in p) for p in table["variant"].tolist()[:_VARIANT_ROWS]]
    counts = table["journeys"].to_numpy()[:_VARIANT_ROWS]
    total = max(int(graph.n_journeys), 1)
    out: dict[str, list[list[Any]]] = {}
    wanted = set(names)
    for path, count in zip(paths, counts, strict=True):
        for step in sorted(set(path) & wanted):  # sorted: the same page on every run
            rows = out.setdefault(step, [])
            if len(rows) < _TOP_VARIANTS:
                rows.append([list(path), int(count), round(int(count) / total, 4)])
    return {name: out[name] for name in names if name in out}


def map_data(
    graph: Any, log: Any, *, unit: str = "touchpoints", after: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Everything the page's script needs to draw ``graph`` at each detail level.

    ``after``: a table of :func:`~journeymine.after_goal`; the map then shows what
    ``plot_journey(graph, after_goal=after)`` shows (see :func:`_after`).
    """
    names = [str(n) for n in graph.nodes["node"]]
    index = {n: i for i, n in enumerate(names)}
    index["\x00start"], index["\x00end"] = len(names), len(names) + 1
    nodes = [
        {
            "name": n,
            "lines": textwrap.wrap(n if len(n) <= 80 else n[:79] + "…", WRAP) or [n],
            "journeys": int(j),
            "events": int(e),
            "starts": int(s),
            "ends": int(t),
        }
        for n, j, e, s, t in zip(
            names,
            graph.nodes["journeys"],
            graph.nodes["events"],
            graph.nodes["starts"],
            graph.nodes["ends"],
            strict=True,
        )
    ]
    nodes += [{"name": "start", "marker": 1}, {"name": "end", "marker": 1}]
    e = graph.edges
    src = [index[_node_key(s)] for s in e["source"]]
    dst = [index[_node_key(t)] for t in e["target"]]
    edge_id = {(s, t): i for i, (s, t) in enumerate(zip(src, dst, strict=True))}
    edges = [
        [s, t, int(j), int(n), _seconds(m)]
        for s, t, j, n, m in zip(
            src, dst, e["journeys"], e["transitions"], e["median_gap"], strict=True
        )
    ]
    levels = []
    for cap in levels_for(len(names)):
        shown = graph if cap >= len(names) else graph.simplify(max_nodes=cap)
        if levels and len(shown.nodes) == levels[-1]["n"]:
            continue
        pos = _positions(shown)
        hidden = int(shown.hidden.get("journeys", 0)) if shown.is_simplified else 0
        kept = [
            edge_id[(index[_node_key(s)], index[_node_key(t)])]
            for s, t in zip(shown.edges["source"], shown.edges["target"], strict=True)
        ]
        levels.append(
            {
                "n": len(shown.nodes),
                "cover": round(1 - hidden / max(graph.n_journeys, 1), 4),
                "pos": {str(index[k]): v for k, v in pos.items()},
                "edges": sorted(kept),
            }
        )
    ns = np.array([lv["n"] for lv in levels])
    fit = np.flatnonzero(ns <= OPEN_NODES)
    return {
        "unit": unit,
        "total": len(names),
        "journeys": int(graph.n_journeys),
        "nodes": nodes,
        "edges": edges,
        "levels": levels,
        "open": int(fit[-1]) if len(fit) else 0,
        "variants": _variants_through(log, graph, names),
        **({"after": _after(after, graph, index)} if after is not None else {}),
    }


def _after(table: pd.DataFrame, graph: Any, index: dict[str, int]) -> dict[str, Any]:
    """What follows the goal, by node index: per goal touchpoint its summary's lines, a
    short badge, and its arcs ``[target, journeys]`` to the first contacts after it."""
    v = after_goal_view(table, graph)
    did = "more events" if v["every_event"] else "contact again"
    goals = []
    for g in v["goals"]:
        m = g["journeys"]
        badge = f"after: {g['contact'] / m:.0%} {did}" if m else "after: n/a"
        goals.append(
            {
                "node": index[g["node"]],
                "lines": g["lines"],
                "badge": badge,
                "flows": [[index[t], int(n)] for t, n in g["flows"]],
            }
        )
    return {"within": v["within"], "goals": goals, "caption": v["caption"]}


def map_json(data: dict[str, Any]) -> str:
    """``data`` as JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
