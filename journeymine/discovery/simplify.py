"""Simplifying a journey map without lying: keep the most frequent paths, count the rest.

A simplified map keeps whole variants (paths from START to END), so nothing on
it dangles: every kept node is reachable from START and reaches END. Kept nodes
and edges carry their counts in the whole log, and ``graph.hidden`` counts what
was left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._kernels import distinct
from ..schema import END, START
from ._compute import _steps
from .sequences import _case_variants, variants

if TYPE_CHECKING:
    from .graph import JourneyGraph

__all__ = ["simplify_graph"]


def _first_rank(values: np.ndarray, ranks: np.ndarray, size: int) -> np.ndarray:
    """Per value 0..size-1: the smallest rank it occurs with (``size`` rank if never)."""
    out = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    if len(values):
        np.minimum.at(out, values, ranks)
    return out


def simplify_graph(
    graph: JourneyGraph,
    *,
    coverage: float | None = None,
    min_journeys: int | None = None,
    max_nodes: int | None = None,
) -> JourneyGraph:
    """See :meth:`JourneyGraph.simplify`."""
    # the parameters are checked where they are declared, on JourneyGraph.simplify
    if coverage is None and min_journeys is None and max_nodes is None:
        coverage = 0.8
    log = graph.log
    if log is None and graph._source is not None:  # made from a PartitionedLog
        return _simplify_from_variants(graph, coverage, min_journeys, max_nodes)
    steps = _steps(log, graph.level, graph.collapse_repeats)
    var = _case_variants(log, graph.level, graph.collapse_repeats)
    n_var = len(var.counts)
    total = int(var.counts.sum())
    k_labels = len(steps.labels)
    step_rank = var.rank[steps.case]
    # the first (most frequent) variant each node and each step occurs in
    node_first = _first_rank(steps.code, step_rank, k_labels)
    k = _variants_kept(var.counts, node_first, coverage, min_journeys, max_nodes)

    kept_node = node_first < k
    src, dst, _, tcase = steps.pairs()
    t_rank = var.rank[tcase]
    kpair = max(k_labels, 1)
    pair = src * kpair + dst
    del src, dst
    kept_pairs = distinct(pair[t_rank < k])
    labels = np.asarray(steps.labels, dtype=object)
    kept_names = set(labels[kept_node].tolist())
    kept_edge_names = {(labels[p // kpair], labels[p % kpair]) for p in kept_pairs.tolist()}

    off = steps.offsets
    nonempty = np.flatnonzero(off[1:] > off[:-1])
    first_code = steps.code[off[:-1][nonempty]]
    last_code = steps.code[off[1:][nonempty] - 1]
    krank = var.rank[nonempty] < k
    kept_starts = set(labels[distinct(first_code[krank])].tolist())
    kept_ends = set(labels[distinct(last_code[krank])].tolist())

    nodes = graph.nodes
    edges = graph.edges
    node_keep = nodes["node"].isin(kept_names).to_numpy()
    src = edges["source"].to_numpy(dtype=object)
    dst = edges["target"].to_numpy(dtype=object)
    edge_keep = _edges_kept(src, dst, kept_starts, kept_ends, kept_edge_names)

    # journeys that cannot be traced on the kept map: a hidden node, step, entry or exit
    pair_kept = np.isin(pair, kept_pairs)
    bad_t = np.bincount(tcase[~pair_kept], minlength=log.n_cases)
    bad_s = np.bincount(steps.case[~kept_node[steps.code]], minlength=log.n_cases)
    start_ok = np.isin(first_code, np.flatnonzero(np.isin(labels, list(kept_starts))))
    end_ok = np.isin(last_code, np.flatnonzero(np.isin(labels, list(kept_ends))))
    untraced = (bad_t[nonempty] > 0) | (bad_s[nonempty] > 0) | ~start_ok | ~end_ok
    hidden = {
        "variants": int(n_var - k),
        "nodes": int((~node_keep).sum()),
        "edges": int((~edge_keep).sum()),
        "journeys": int(untraced.sum()),
        "events": int(nodes.loc[~node_keep, "events"].sum()),
        "transitions": int(
            edges.loc[~edge_keep & (src != START) & (dst != END), "transitions"].sum()
        ),
    }
    cov = float(var.counts[:k].sum() / total) if total else 1.0
    return type(graph)._make(
        nodes.loc[node_keep].reset_index(drop=True),
        edges.loc[edge_keep].reset_index(drop=True),
        level=graph.level,
        n_journeys=graph.n_journeys,
        n_events=graph.n_events,
        collapse_repeats=graph.collapse_repeats,
        log=log,
        hidden=hidden,
        coverage=cov,
    )


def _simplify_from_variants(
    graph: JourneyGraph,
    coverage: float | None,
    min_journeys: int | None,
    max_nodes: int | None,
) -> JourneyGraph:
    """:func:`simplify_graph` from the variants table alone (a map of a PartitionedLog).

    Every quantity the simplification needs is a property of a journey's path, so the
    table of distinct paths with their counts (the same, row for row, on every engine)
    gives the same map as the events: the first variant each node and step occurs in,
    the kept entries and exits, and the journeys whose path leaves the kept map.
    """
    table = variants(graph._source, level=graph.level, collapse_repeats=graph.collapse_repeats)
    paths = [tuple(str(s) for s in p) for p in table["variant"].tolist()]
    counts = table["journeys"].to_numpy(dtype=np.int64)
    n_var, total = len(paths), int(counts.sum())
    first: dict[str, int] = {}
    for r, path in enumerate(paths):
        for step in path:
            first.setdefault(step, r)
    names = [str(n) for n in graph.nodes["node"]]
    node_first = np.array([first.get(n, n_var) for n in names], dtype=np.int64)
    k = _variants_kept(counts, node_first, coverage, min_journeys, max_nodes)
    kept_names = {n for n, r in first.items() if r < k}
    kept_edge_names = {pair for p in paths[:k] for pair in zip(p[:-1], p[1:], strict=True)}
    kept_starts = {p[0] for p in paths[:k] if p}
    kept_ends = {p[-1] for p in paths[:k] if p}
    untraced = sum(
        int(c)
        for p, c in zip(paths, counts, strict=True)
        if p
        and (
            p[0] not in kept_starts
            or p[-1] not in kept_ends
            or not kept_names.issuperset(p)
            or not kept_edge_names.issuperset(zip(p[:-1], p[1:], strict=True))
        )
    )
    nodes, edges = graph.nodes, graph.edges
    node_keep = nodes["node"].isin(kept_names).to_numpy()
    src = edges["source"].to_numpy(dtype=object)
    dst = edges["target"].to_numpy(dtype=object)
    edge_keep = _edges_kept(src, dst, kept_starts, kept_ends, kept_edge_names)
    hidden = {
        "variants": int(n_var - k),
        "nodes": int((~node_keep).sum()),
        "edges": int((~edge_keep).sum()),
        "journeys": untraced,
        "events": int(nodes.loc[~node_keep, "events"].sum()),
        "transitions": int(
            edges.loc[~edge_keep & (src != START) & (dst != END), "transitions"].sum()
        ),
    }
    cov = float(counts[:k].sum() / total) if total else 1.0
    return type(graph)._make(
        nodes.loc[node_keep].reset_index(drop=True),
        edges.loc[edge_keep].reset_index(drop=True),
        level=graph.level,
        n_journeys=graph.n_journeys,
        n_events=graph.n_events,
        collapse_repeats=graph.collapse_repeats,
        log=None,
        hidden=hidden,
        coverage=cov,
        first=graph._first,
        source=graph._source,
    )


def _variants_kept(
    counts: np.ndarray,
    node_first: np.ndarray,
    coverage: float | None,
    min_journeys: int | None,
    max_nodes: int | None,
) -> int:
    """How many of the most frequent variants the simplified map keeps.

    The fewest that satisfy every limit given: ``coverage`` of the journeys, variants of
    at least ``min_journeys`` journeys, at most ``max_nodes`` nodes (``node_first``: the
    rank of the first variant each node occurs in).
    """
    n_var = len(counts)
    total = int(counts.sum())
    ks = [n_var]
    if coverage is not None and total:
        cum = np.cumsum(counts)
        ks.append(int(np.searchsorted(cum, coverage * total - 1e-9 * total, side="left")) + 1)
    if min_journeys is not None:
        ks.append(int((counts >= min_journeys).sum()))
    if max_nodes is not None:
        firsts = np.sort(node_first)
        fit = int(firsts[max_nodes]) if len(firsts) > max_nodes else n_var
        ks.append(max(fit, 1))
    return min(ks)


def _edges_kept(
    src: np.ndarray,
    dst: np.ndarray,
    kept_starts: set[Any],
    kept_ends: set[Any],
    kept_edge_names: set[tuple[Any, Any]],
) -> np.ndarray:
    """Which edges stay: entries into kept starts, exits from kept ends, kept steps."""
    return np.asarray(
        [
            (t in kept_starts)
            if s == START
            else (s in kept_ends)
            if t == END
            else (s, t) in kept_edge_names
            for s, t in zip(src, dst, strict=True)
        ],
        dtype=bool,
    )
