"""Text and graph exports of a journey map: Graphviz DOT, Mermaid, networkx."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import check_one_of
from ..schema import END, START, Marker
from ._format import format_gap

if TYPE_CHECKING:
    import networkx

    from .graph import JourneyGraph

__all__ = ["to_dot", "to_mermaid", "to_networkx"]

_METRICS = ("journeys", "transitions", "median_gap")


def _node_ids(graph: JourneyGraph) -> dict[Any, str]:
    """Node id per node: touchpoints by name, and the markers START and END.

    START and END are :class:`~journeymine.schema.Marker` objects, never equal to a
    name, so a touchpoint literally named like a marker gets its own id.
    """
    ids: dict[Any, str] = {str(n): f"n{i}" for i, n in enumerate(graph.nodes["node"])}
    ids[START] = "start"
    ids[END] = "finish"
    return ids


def _key(value: Any) -> Any:
    """The key of an edge end in :func:`_node_ids`: a marker as is, a name as text."""
    return value if isinstance(value, Marker) else str(value)


def _edge_text(row: Any, metric: str) -> str:
    if metric == "median_gap":
        return format_gap(row.median_gap)
    return str(int(getattr(row, metric)))


def _node_text(row: Any, metric: str) -> str:
    if metric == "transitions":
        return f"{row.events} events"
    return f"{row.journeys} journeys"


def _dot_escape(text: str) -> str:
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return out.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def to_dot(graph: JourneyGraph, *, metric: str = "journeys") -> str:
    """Graphviz DOT text of the map (see :meth:`JourneyGraph.to_dot`)."""
    check_one_of(metric, _METRICS, "metric", "to_dot")
    ids = _node_ids(graph)
    lines = [
        "digraph journey {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
        f'  {ids[START]} [label="{_dot_escape(str(START))}", shape=circle, fillcolor="#7fbf7f"];',
        f'  {ids[END]} [label="{_dot_escape(str(END))}", shape=doublecircle, fillcolor="#bbbbbb"];',
    ]
    for row in graph.nodes.itertuples(index=False):
        label = _dot_escape(f"{row.node}\n{_node_text(row, metric)}")
        lines.append(
            f'  {ids[str(row.node)]} [label="{label}", tooltip="{_dot_escape(str(row.node))}"];'
        )
    weights = graph.edges["journeys" if metric == "median_gap" else metric].to_numpy(dtype=float)
    top = float(weights.max()) if len(weights) else 1.0
    for row, w in zip(graph.edges.itertuples(index=False), weights, strict=True):
        pen = 0.5 + 5.5 * (w / top if top else 0.0)
        label = _dot_escape(_edge_text(row, metric))
        lines.append(
            f'  {ids[_key(row.source)]} -> {ids[_key(row.target)]} [label="{label}", penwidth={pen:.2f}];'
        )
    lines.append("}")
    return "\n".join(lines)


_MERMAID_ENTITIES = {
    "&": "#amp;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "#": "#35;",
    "|": "#124;",
    "`": "#96;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
    "(": "#40;",
    ")": "#41;",
}


def _mermaid_escape(text: str) -> str:
    out = "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text)
    return out.replace("\r\n", "<br/>").replace("\n", "<br/>").replace("\r", "<br/>")


def to_mermaid(graph: JourneyGraph, *, metric: str = "journeys") -> str:
    """Mermaid flowchart text of the map (see :meth:`JourneyGraph.to_mermaid`)."""
    check_one_of(metric, _METRICS, "metric", "to_mermaid")
    ids = _node_ids(graph)
    lines = [
        "flowchart LR",
        f'  {ids[START]}(("{_mermaid_escape(str(START))}"))',
        f'  {ids[END]}((("{_mermaid_escape(str(END))}")))',
    ]
    for row in graph.nodes.itertuples(index=False):
        label = _mermaid_escape(str(row.node)) + "<br/>" + _mermaid_escape(_node_text(row, metric))
        lines.append(f'  {ids[str(row.node)]}["{label}"]')
    for row in graph.edges.itertuples(index=False):
        label = _mermaid_escape(_edge_text(row, metric))
        lines.append(f'  {ids[_key(row.source)]} -->|"{label}"| {ids[_key(row.target)]}')
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if value is pd.NaT:
        return pd.NaT
    return value


def to_networkx(graph: JourneyGraph) -> networkx.DiGraph:
    """A ``networkx.DiGraph`` of the map (see :meth:`JourneyGraph.to_networkx`)."""
    import networkx as nx

    g = nx.DiGraph(
        level=graph.level,
        n_journeys=graph.n_journeys,
        n_events=graph.n_events,
        hidden=dict(graph.hidden),
    )
    g.add_node(START, kind="start", journeys=graph.n_journeys)
    for row in graph.nodes.to_dict("records"):
        name = str(row.pop("node"))
        g.add_node(name, kind="touchpoint", **{k: _plain(v) for k, v in row.items()})
    g.add_node(END, kind="end", journeys=graph.n_journeys)
    for row in graph.edges.to_dict("records"):
        s, t = _key(row.pop("source")), _key(row.pop("target"))
        g.add_edge(s, t, **{k: _plain(v) for k, v in row.items()})
    return g
