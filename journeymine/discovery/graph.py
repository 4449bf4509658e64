"""The observed journey graph: touchpoint, channel, department and stage maps.

:func:`discover` counts, for one event column (the *level*), how often journeys
visit each value and step directly from one value to the next: the
directly-follows graph of process mining, with the time each step took. The
same call gives the touchpoint map (``level="activity"``), the
channel-switching map (``"channel"``), the department map (``"department"``)
and the stage map (``"stage"``, after :func:`~journeymine.map_stages`).

The tables are computed by vectorised passes over the sorted log (see
:mod:`journeymine.discovery._compute`), never by a loop per event or journey.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._kernels import distinct
from .._partitioned import is_partitioned
from .._validation import Interval, check_column, validate_params
from ..derive import arrays
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY
from ._compute import (
    MISSING,
    GraphParts,
    _first_steps,
    _steps,
    _tables,
    first_steps_of,
    graph_parts,
    merge_graph_parts,
    tables_of,
)
from ._format import format_duration, format_gap

if TYPE_CHECKING:
    import networkx

__all__ = ["JourneyGraph", "discover", "MISSING", "first_steps", "format_duration"]

#: The most segment values ``discover(by=...)`` draws one map each for.
_MAX_SEGMENTS = 200


class JourneyGraph:
    """The observed journey map: who went where, how often, and how long each step took.

    Made by :func:`discover`; not built by hand.

    Attributes
    ----------
    nodes : pandas.DataFrame
        One row per value of the level column that occurs: ``node`` (the label;
        :data:`MISSING` for events without a value), ``events`` (events there; with
        ``collapse_repeats``, visits), ``journeys`` (distinct journeys visiting it),
        ``starts`` and ``ends`` (journeys whose first / last event is there). Sorted by
        ``events`` (descending), then ``node``.
    edges : pandas.DataFrame
        One row per directly-follows pair ``source`` -> ``target``, plus the entries
        ``START -> node`` and exits ``node -> END`` (:data:`journeymine.START`,
        :data:`journeymine.END`): ``transitions`` (how often the step was taken),
        ``journeys`` (distinct journeys taking it at least once), and the time between
        the two events as ``median_gap``, ``mean_gap`` and ``p90_gap`` (Timedelta; the
        median of an even number of gaps is the mean of the middle two, the 90th
        percentile interpolates linearly, as numpy does; NaT on START and END edges).
        Sorted by ``transitions`` (descending), then ``source``, ``target``.
    level : str
        The event column the nodes are values of.
    n_journeys, n_events : int
        Journeys and events of the log the graph was made from.
    collapse_repeats : bool
        Whether runs of equal values were merged into one visit.
    log : JourneyLog or None
        The log the graph was made from (read-only).
    hidden : dict
        What :meth:`simplify` left out, counted in the full log: ``variants``,
        ``nodes``, ``edges``, ``journeys`` (journeys that cannot be traced on the map:
        they use at least one hidden node or edge), ``events`` (on hidden nodes) and
        ``transitions`` (on hidden directly-follows edges). All zero on a full graph.

    Notes
    -----
    Directly-follows semantics (as pm4py's DFG): when ``level`` is not ``activity``,
    consecutive events with the same value give a self-loop (``web -> web``); pass
    ``collapse_repeats=True`` to :func:`discover` to merge them. ``END`` marks each
    journey's last *observed* event, also for journeys still in progress (see
    ``log.cases["ongoing"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["x", "x", "x", "y", "y"],
    ...                    "a": ["home", "pricing", "buy", "home", "buy"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="h")})
    >>> g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> g
    JourneyGraph(level='activity'): 3 nodes, 5 edges, 2 journeys, 5 events
    >>> g.edges[["source", "target", "transitions", "journeys"]]
        source   target  transitions  journeys
    0      buy    ■ end            2         2
    1  ▶ start     home            2         2
    2     home      buy            1         1
    3     home  pricing            1         1
    4  pricing      buy            1         1

    On the bundled sample, every journey enters once and leaves once:

    >>> log = jm.datasets.load_sample()
    >>> g = jm.discover(log)
    >>> entries = g.edges[g.edges["source"] == jm.START]
    >>> int(entries["transitions"].sum()) == log.n_cases == int(g.nodes["starts"].sum())
    True
    """

    __slots__ = (
        "nodes",
        "edges",
        "level",
        "n_journeys",
        "n_events",
        "collapse_repeats",
        "hidden",
        "_log",
        "_coverage",
        "_first",
        "_source",
    )

    def __init__(self) -> None:
        raise TypeError("JourneyGraph is made by jm.discover(log).")

    @classmethod
    def _make(
        cls,
        nodes: pd.DataFrame,
        edges: pd.DataFrame,
        *,
        level: str,
        n_journeys: int,
        n_events: int,
        collapse_repeats: bool,
        log: JourneyLog,
        hidden: Mapping[str, int] | None = None,
        coverage: float | None = None,
        first: Mapping[str, float] | None = None,
        source: Any = None,
    ) -> JourneyGraph:
        self = object.__new__(cls)
        self.nodes = nodes
        self.edges = edges
        self.level = level
        self.n_journeys = int(n_journeys)
        self.n_events = int(n_events)
        self.collapse_repeats = bool(collapse_repeats)
        self.hidden = dict(
            hidden
            or dict.fromkeys(("variants", "nodes", "edges", "journeys", "events", "transitions"), 0)
        )
        self._log = log
        self._coverage = coverage
        self._first = None if first is None else dict(first)
        self._source = source  # the PartitionedLog it was made from, if any
        return self

    # ------------------------------------------------------------------ views
    @property
    def log(self) -> JourneyLog | None:
        """The log the graph was made from (read-only; ``None`` when made without one)."""
        return self._log

    @property
    def is_simplified(self) -> bool:
        """Whether :meth:`simplify` hid part of the map."""
        return self._coverage is not None

    def __repr__(self) -> str:
        head = (
            f"JourneyGraph(level={self.level!r}): {len(self.nodes)} nodes, {len(self.edges)} edges, "
            f"{self.n_journeys} journeys, {self.n_events} events"
        )
        if self.is_simplified:
            h = self.hidden
            head += (
                f"; simplified: hidden {h['nodes']} nodes, {h['edges']} edges, {h['variants']} variants; "
                f"{h['journeys']} journeys ({_pct(h['journeys'], self.n_journeys)}) cannot be traced"
            )
        return head

    def _repr_html_(self) -> str:
        top_nodes = self.nodes.head(10)
        top_edges = self.edges.head(10)[
            ["source", "target", "transitions", "journeys", "median_gap"]
        ]
        esc = html.escape
        rows_n = "".join(
            f"<tr><td>{esc(str(r.node))}</td><td>{r.events}</td><td>{r.journeys}</td></tr>"
            for r in top_nodes.itertuples()
        )
        rows_e = "".join(
            f"<tr><td>{esc(str(r.source))}</td><td>{esc(str(r.target))}</td><td>{r.transitions}</td>"
            f"<td>{r.journeys}</td><td>{esc(format_gap(r.median_gap))}</td></tr>"
            for r in top_edges.itertuples()
        )
        more_n = f"<p>... and {len(self.nodes) - 10} more nodes</p>" if len(self.nodes) > 10 else ""
        more_e = f"<p>... and {len(self.edges) - 10} more edges</p>" if len(self.edges) > 10 else ""
        return (
            f"<div><p><b>{esc(repr(self))}</b></p>"
            "<table><thead><tr><th>node</th><th>events</th><th>journeys</th></tr></thead>"
            f"<tbody>{rows_n}</tbody></table>{more_n}"
            "<table><thead><tr><th>source</th><th>target</th><th>transitions</th><th>journeys</th>"
            f"<th>median gap</th></tr></thead><tbody>{rows_e}</tbody></table>{more_e}</div>"
        )

    # ------------------------------------------------------------------ operations
    @validate_params(
        {
            "coverage": [Interval(float, 0, 1, closed="right"), None],
            "min_journeys": [Interval(int, 1, None), None],
            "max_nodes": [Interval(int, 1, None), None],
        }
    )
    def simplify(
        self,
        coverage: float | None = None,
        *,
        min_journeys: int | None = None,
        max_nodes: int | None = None,
    ) -> JourneyGraph:
        """Keep the most frequent paths, and say what was hidden.

        Journeys are grouped into variants (distinct paths from START to END, see
        :func:`~journeymine.variants`). The most frequent variants are kept, in order
        of frequency, until together they cover ``coverage`` of the journeys; or every
        variant taken by at least ``min_journeys`` journeys; or as many as fit in
        ``max_nodes`` nodes (at least the most frequent one). With several rules, the
        strictest wins; with none, ``coverage=0.8``. The map keeps exactly the nodes and
        edges those variants use, so every kept node is reachable from START and
        reaches END. Simplifying always starts from the full map.

        The numbers on the kept nodes and edges are still their counts in the *whole*
        log (all journeys, also those whose path is not kept), so a kept edge never
        looks rarer than it is; consequently the outgoing transitions of a kept node
        may add up to less than its events. ``hidden`` counts what is left out (see
        :class:`JourneyGraph`).

        Parameters
        ----------
        coverage : float in (0, 1], optional
            Share of journeys whose paths must be kept.
        min_journeys : int, optional
            Keep the variants taken by at least this many journeys.
        max_nodes : int, optional
            Keep the longest run of most frequent variants that uses at most this many
            nodes.

        Returns
        -------
        JourneyGraph

        Examples
        --------
        >>> import pandas as pd
        >>> import journeymine as jm
        >>> df = pd.DataFrame({"c": list("xxyyzz"), "a": ["A", "B", "A", "B", "A", "C"],
        ...                    "t": pd.date_range("2025-01-01", periods=6, freq="h")})
        >>> g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
        >>> s = g.simplify(coverage=0.6)
        >>> s.nodes["node"].tolist()
        ['A', 'B']
        >>> s.hidden["nodes"], s.hidden["journeys"]
        (1, 1)
        """
        from .simplify import simplify_graph

        return simplify_graph(
            self, coverage=coverage, min_journeys=min_journeys, max_nodes=max_nodes
        )

    def to_networkx(self) -> networkx.DiGraph:
        """The map as a ``networkx.DiGraph`` with every node and edge attribute.

        Nodes are labelled by their values, plus :data:`~journeymine.START` and
        :data:`~journeymine.END` (attribute ``kind`` is ``"start"``, ``"end"`` or
        ``"touchpoint"``). Graph attributes: ``level``, ``n_journeys``, ``n_events``,
        ``hidden``.

        Examples
        --------
        >>> import pandas as pd
        >>> import journeymine as jm
        >>> df = pd.DataFrame({"c": ["x", "x"], "a": ["A", "B"], "t": ["2025-01-01", "2025-01-02"]})
        >>> G = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t")).to_networkx()
        >>> G.edges["A", "B"]["transitions"], str(G.edges["A", "B"]["median_gap"])
        (1, '1 days 00:00:00')
        """
        from .export import to_networkx

        return to_networkx(self)

    def to_dot(self, *, metric: str = "journeys") -> str:
        """The map in Graphviz DOT (left to right), labels escaped; render it with ``dot -Tsvg``.

        ``metric`` ("journeys", "transitions" or "median_gap") labels the edges.

        Examples
        --------
        >>> import pandas as pd
        >>> import journeymine as jm
        >>> df = pd.DataFrame({"c": ["x", "x"], "a": ['say "hi"', "B"], "t": ["2025-01-01", "2025-01-02"]})
        >>> print(jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t")).to_dot())
        digraph journey {
          rankdir=LR;
          node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];
          edge [fontname="Helvetica", fontsize=10];
          start [label="▶ start", shape=circle, fillcolor="#7fbf7f"];
          finish [label="■ end", shape=doublecircle, fillcolor="#bbbbbb"];
          n0 [label="B\\n1 journeys", tooltip="B"];
          n1 [label="say \\"hi\\"\\n1 journeys", tooltip="say \\"hi\\""];
          n0 -> finish [label="1", penwidth=6.00];
          n1 -> n0 [label="1", penwidth=6.00];
          start -> n1 [label="1", penwidth=6.00];
        }
        """
        from .export import to_dot

        return to_dot(self, metric=metric)

    def to_mermaid(self, *, metric: str = "journeys") -> str:
        """The map as a Mermaid ``flowchart LR``, labels escaped (for Markdown pages).

        Examples
        --------
        >>> import pandas as pd
        >>> import journeymine as jm
        >>> df = pd.DataFrame({"c": ["x", "x"], "a": ["A", "B"], "t": ["2025-01-01", "2025-01-02"]})
        >>> print(jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t")).to_mermaid())
        flowchart LR
          start(("▶ start"))
          finish((("■ end")))
          n0["A<br/>1 journeys"]
          n1["B<br/>1 journeys"]
          n0 -->|"1"| n1
          n1 -->|"1"| finish
          start -->|"1"| n0
        """
        from .export import to_mermaid

        return to_mermaid(self, metric=metric)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "0%"


def first_steps(graph: JourneyGraph) -> dict[str, float]:
    """Per node of ``graph``: the mean step (0, 1, ...) at which journeys first reach it.

    The typical order of the touchpoints, which pictures follow from left to right.
    """
    if graph._first is not None:  # made from a partitioned log: kept with the graph
        return dict(graph._first)
    return _first_steps(graph._log, graph.level, graph.collapse_repeats)


def _graph(log: JourneyLog, level: str, collapse: bool) -> JourneyGraph:
    nodes, edges = _tables(_steps(log, level, collapse))
    return JourneyGraph._make(
        nodes,
        edges,
        level=level,
        n_journeys=log.n_cases,
        n_events=len(log),
        collapse_repeats=collapse,
        log=log,
    )


def _graph_parts(log: JourneyLog, level: str, collapse: bool) -> GraphParts:
    """A partition's share of the journey map (run in the partitioned engine's workers)."""
    return graph_parts(_steps(log, level, collapse), log.n_cases)


def _partitioned_graph(log: Any, level: str, collapse: bool, progress: Any = None) -> JourneyGraph:
    parts = merge_graph_parts(log._map(_graph_parts, (level, collapse), progress))
    nodes, edges = tables_of(parts)
    return JourneyGraph._make(
        nodes,
        edges,
        level=level,
        n_journeys=parts.n_journeys,
        n_events=parts.n_events,
        collapse_repeats=collapse,
        log=None,
        first=first_steps_of(parts),
        source=log,
    )


@validate_params(
    {
        "log": ["log", "partitioned"],
        "level": ["column"],
        "by": ["column", None],
        "collapse_repeats": ["boolean"],
    }
)
def discover(
    log: JourneyLog,
    *,
    level: str = ACTIVITY,
    by: str | None = None,
    collapse_repeats: bool = False,
) -> JourneyGraph | dict[str, JourneyGraph]:
    """Discover the observed journey map: nodes, directly-follows steps and their timing.

    Parameters
    ----------
    log : JourneyLog
    level : str, default "activity"
        The event column whose values are the nodes: ``"activity"`` for the touchpoint
        map, ``"channel"`` for channel switching, ``"department"``, ``"stage"`` (after
        :func:`~journeymine.map_stages`) or any other event column. Events without a
        value form the node :data:`MISSING` (``"(missing)"``), so no journey is cut short.
    by : str, optional
        A segment column: one map per segment value (at most 200). A journey's segment
        is the value at its *first* event (so a column that changes within a journey
        does not split it); journeys without a value form the segment ``"(missing)"``.
    collapse_repeats : bool, default False
        Merge consecutive events of a journey with the same ``level`` value into one
        visit: no self-loops such as ``web -> web``; node ``events`` count visits and a
        step is timed from the last event of the run it leaves.

    Returns
    -------
    JourneyGraph, or dict of segment value -> JourneyGraph
        With ``by``, keys follow the column's category order (sorted; an ordered
        categorical's own order), ``"(missing)"`` last.

    Raises
    ------
    MissingColumnError
        ``level`` or ``by`` is not a column of the log; the message lists the columns.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["x", "x", "x", "y", "y"],
    ...     "a": ["ad click", "pricing", "buy", "ad click", "pricing"],
    ...     "ch": ["web", "web", "store", "app", "web"],
    ...     "t": pd.date_range("2025-01-01", periods=5, freq="h")})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t", channel="ch")
    >>> g = jm.discover(log)
    >>> g.nodes
           node  events  journeys  starts  ends
    0  ad click       2         2       2     0
    1   pricing       2         2       0     1
    2       buy       1         1       0     1
    >>> g.edges[["source", "target", "transitions", "median_gap"]].head(3)
         source   target  transitions      median_gap
    0  ad click  pricing            2 0 days 01:00:00
    1   ▶ start ad click            2             NaT
    2       buy    ■ end            1             NaT
    >>> ch = jm.discover(log, level="channel")
    >>> ch.nodes[["node", "events", "journeys"]]
        node  events  journeys
    0    web       3         2
    1    app       1         1
    2  store       1         1
    >>> ch.edges[["source", "target", "transitions"]].head(3)
      source target  transitions
    0    app    web            1
    1  store  ■ end            1
    2    web  store            1
    >>> ch.edges.loc[ch.edges["source"] == ch.edges["target"], ["source", "target"]]
      source target
    3    web    web

    The channel map of the bundled sample, one map per acquisition segment:

    >>> sample = jm.datasets.load_sample()
    >>> maps = jm.discover(sample, level="channel", by="acquisition")
    >>> list(maps) == sorted(maps)
    True
    >>> sum(m.n_journeys for m in maps.values()) == sample.n_cases
    True
    """
    func = "discover"
    check_column(log.columns, level, "level", func)
    if is_partitioned(log):
        if by is not None:
            raise InvalidParameterError(
                "The 'by' parameter of discover must be None on a PartitionedLog (one map per "
                f"segment is not computed partition by partition). Got {by!r} instead: filter "
                "each segment with jm.filter_journeys on a log in memory, or discover per "
                "segment on a Spark DataFrame filtered before jm.from_spark."
            )
        return _partitioned_graph(log, level, collapse_repeats)
    if by is not None:
        check_column(log.columns, by, "by", func)
        return _by_segment(log, level, by, collapse_repeats)
    return _graph(log, level, collapse_repeats)


def _by_segment(log: JourneyLog, level: str, by: str, collapse: bool) -> dict[str, JourneyGraph]:
    arr = arrays(log)
    codes, cats = arr.codes(by, "discover"), arr.labels(by, "discover")
    off = arr.offsets
    nonempty = off[1:] > off[:-1]
    seg = np.full(log.n_cases, -2, dtype=np.int64)
    seg[nonempty] = np.asarray(codes, dtype=np.int64)[off[:-1][nonempty]]
    present = distinct(seg[seg >= -1])
    if len(present) > _MAX_SEGMENTS:
        raise InvalidParameterError(
            f"The 'by' parameter of discover must name a segment column with at most "
            f"{_MAX_SEGMENTS} values (one map each). Got {by!r}, whose journeys start with "
            f"{len(present)} different values instead; group them first, e.g. into a coarser "
            "column kept with keep=."
        )
    out: dict[str, JourneyGraph] = {}
    keys = [(i, str(cats[i])) for i in present if i >= 0] + [(-1, MISSING)] * bool(
        (present == -1).any()
    )
    for i, name in keys:
        mask = seg == i
        if name in out:
            name = f"{name} "
        out[name] = _graph(log.select_cases(mask), level, collapse)
    return out
