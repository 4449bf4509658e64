"""A layered left-to-right layout for journey maps (private; numpy and networkx, no Graphviz).

The classic Sugiyama steps, kept small:

1. **Layers.** Each node hangs under the neighbour most journeys reach it from
   (a maximum spanning arborescence rooted at START); nodes are taken parents
   first, otherwise in their typical order (the mean step at which journeys first
   reach them), and each goes one layer right of its furthest predecessor along
   tree edges and other frequent edges that agree with that order. Heavy paths
   thus run straight to the right and rare detours cannot stretch them. END gets
   the last layer.
2. **Back edges.** Edges to the same or an earlier layer (loops, returns) are
   drawn as arcs; forward edges that span several layers get a dummy point in
   each layer they cross.
3. **Crossings.** Weighted barycenter sweeps, down and up, keeping the order with
   the least weighted crossing.
4. **Coordinates.** Layers get the width of their widest box; within a layer,
   boxes go as close as possible to the weighted mean height of their neighbours
   without overlapping (weighted isotonic regression), so the heaviest path comes
   out straight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__: list[str] = []

Node = Hashable


@dataclass
class Layout:
    """Positions (box centres, in points; y grows downwards) and edge routes."""

    x: dict[Node, float]
    y: dict[Node, float]
    layer: dict[Node, int]
    forward: list[tuple[Node, Node]]
    back: list[tuple[Node, Node]]
    loops: list[Node]
    routes: dict[tuple[Node, Node], list[tuple[float, float]]] = field(default_factory=dict)
    bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def layered_layout(
    nodes: Sequence[Node],
    size: Mapping[Node, tuple[float, float]],
    edges: Sequence[tuple[Node, Node, float]],
    key: Mapping[Node, float],
    *,
    layer_gap: float = 60.0,
    node_gap: float = 14.0,
    dummy_gap: float = 6.0,
    loop_room: float = 32.0,
    sweeps: int = 12,
) -> Layout:
    """Lay out ``nodes`` (with box sizes ``size``) left to right.

    ``key`` orders the nodes (smaller is further left); ties are broken by the
    node's string form. ``edges`` are ``(source, target, weight)`` with weights
    that are counts. A node with a self-loop gets ``loop_room`` free space above it.
    """
    weight: dict[tuple[Node, Node], float] = {(s, t): float(w) for s, t, w in edges}
    order = sorted(nodes, key=lambda n: (key[n], str(n)))
    rank = {n: i for i, n in enumerate(order)}
    layer = _tree_layers(order, weight, rank)
    forward: list[tuple[Node, Node]] = []
    back: list[tuple[Node, Node]] = []
    loops: list[Node] = []
    for s, t, _ in edges:
        if s == t:
            loops.append(s)
        elif layer[s] < layer[t]:
            forward.append((s, t))
        else:
            back.append((s, t))

    # dummy points on long edges
    n_layers = max(layer.values(), default=-1) + 1
    layers: list[list[Node]] = [[] for _ in range(n_layers)]
    for n in order:
        layers[layer[n]].append(n)
    chains: dict[tuple[Node, Node], list[Node]] = {}
    segs: list[tuple[Node, Node, float]] = []
    for s, t in forward:
        w = weight[(s, t)]
        chain = [s]
        for li in range(layer[s] + 1, layer[t]):
            d = ("\x00dummy", s, t, li)
            layers[li].append(d)
            layer[d] = li
            chain.append(d)
        chain.append(t)
        chains[(s, t)] = chain
        segs.extend((a, b, w) for a, b in zip(chain[:-1], chain[1:], strict=True))
    is_dummy = {
        n: isinstance(n, tuple) and len(n) == 4 and n[0] == "\x00dummy" for L in layers for n in L
    }

    up: dict[Node, list[tuple[Node, float]]] = defaultdict(list)
    down: dict[Node, list[tuple[Node, float]]] = defaultdict(list)
    for a, b, w in segs:
        down[a].append((b, w))
        up[b].append((a, w))

    layers = _reduce_crossings(layers, up, down, sweeps)

    # x: layer centres
    widths = [max([size[n][0] for n in L if not is_dummy[n]], default=0.0) for L in layers]
    xs = []
    cur = 0.0
    for i, wdt in enumerate(widths):
        if i:
            cur += (widths[i - 1] + wdt) / 2 + layer_gap
        xs.append(cur)

    def height(n: Node) -> float:
        return 2.0 if is_dummy[n] else size[n][1]

    looped = set(loops)

    def gap(a: Node, b: Node) -> float:
        g = dummy_gap if (is_dummy[a] or is_dummy[b]) else node_gap
        return (height(a) + height(b)) / 2 + g + (loop_room if b in looped else 0.0)

    # y: start stacked, then pull towards neighbours without overlaps
    y: dict[Node, float] = {}
    for L in layers:
        cur = 0.0
        for i, n in enumerate(L):
            if i:
                cur += gap(L[i - 1], n)
            y[n] = cur
        shift = cur / 2
        for n in L:
            y[n] -= shift
    for it in range(8):
        sides = (up,) if it % 2 == 0 else (down,)
        if it >= 6:
            sides = (up, down)
        seq = layers if it % 2 == 0 else layers[::-1]
        for L in seq:
            desired, wts = [], []
            for n in L:
                nb = [(y[m], w) for side in sides for m, w in side.get(n, [])]
                if nb:
                    tw = sum(w for _, w in nb)
                    desired.append(sum(v * w for v, w in nb) / tw)
                    wts.append(tw + 1e-9)
                else:
                    desired.append(y[n])
                    wts.append(1e-6)
            seps = [gap(L[i], L[i + 1]) for i in range(len(L) - 1)]
            for n, v in zip(L, _place(desired, wts, seps), strict=True):
                y[n] = v

    x = {n: xs[layer[n]] for L in layers for n in L}
    routes: dict[tuple[Node, Node], list[tuple[float, float]]] = {}
    for e, chain in chains.items():
        routes[e] = [(x[d], y[d]) for d in chain[1:-1]]
    real = [n for n in order]
    if real:
        x0 = min(x[n] - size[n][0] / 2 for n in real)
        x1 = max(x[n] + size[n][0] / 2 for n in real)
        y0 = min(y[n] - height(n) / 2 for L in layers for n in L)
        y1 = max(y[n] + height(n) / 2 for L in layers for n in L)
    else:
        x0 = x1 = y0 = y1 = 0.0
    return Layout(
        x={n: x[n] for n in real},
        y={n: y[n] for n in real},
        layer={n: layer[n] for n in real},
        forward=forward,
        back=back,
        loops=loops,
        routes=routes,
        bounds=(x0, x1, y0, y1),
    )


def _tree_layers(
    order: list[Node],
    weight: Mapping[tuple[Node, Node], float],
    rank: Mapping[Node, int],
    significant: float = 0.2,
) -> dict[Node, int]:
    """Layers from the heaviest tree of steps out of the first node (START).

    Each node hangs under the neighbour most journeys reach it from (a maximum
    spanning arborescence; ties go to the source earlier in the typical order).
    The nodes are then ordered parents first (among free choices, in the typical
    order), and each node is put one layer right of its furthest predecessor along
    tree edges and *significant* edges (at least ``significant`` of the source's
    outflow or the target's inflow) that agree with that order. So heavy steps point
    right and rare detours cannot stretch the main path. The last node (END) gets a
    layer of its own.
    """
    import heapq

    import networkx as nx

    if len(order) < 2:
        return {n: 0 for n in order}
    root, sink = order[0], order[-1]
    g = nx.DiGraph()
    g.add_nodes_from(order)
    n = len(order)
    out_w: dict[Node, float] = defaultdict(float)
    in_w: dict[Node, float] = defaultdict(float)
    for (s, t), w in sorted(weight.items(), key=lambda e: (rank[e[0][0]], rank[e[0][1]])):
        if s != t and t != root and s != sink:
            # counts are integers: a tie-break below 1 never overrides a real difference
            g.add_edge(s, t, w=w + 0.5 * (1.0 - rank[s] / (n + 1)))
            out_w[s] += w
            in_w[t] += w
    try:
        tree = nx.maximum_spanning_arborescence(g, attr="w", preserve_attrs=False)
        parent = {b: a for a, b in tree.edges}
    except (nx.NetworkXException, KeyError):
        parent = {b: a for a, b in nx.bfs_edges(g, root)}
    # parents first, otherwise the typical order
    children: dict[Node, list[Node]] = defaultdict(list)
    for b, a in parent.items():
        children[a].append(b)
    topo: list[Node] = []
    heap = [(rank[v], v) for v in order if v not in parent and v != sink]
    heapq.heapify(heap)
    while heap:
        _, v = heapq.heappop(heap)
        topo.append(v)
        for c in children[v]:
            if c != sink:
                heapq.heappush(heap, (rank[c], c))
    pos = {v: i for i, v in enumerate(topo)}
    preds: dict[Node, list[Node]] = defaultdict(list)
    for b, a in parent.items():
        preds[b].append(a)
    for (s, t), w in weight.items():
        if s in pos and t in pos and pos[s] < pos[t] and parent.get(t) != s:
            if w >= significant * max(out_w[s], in_w[t]):
                preds[t].append(s)
    layer: dict[Node, int] = {}
    for v in topo:
        layer[v] = max(
            [layer[p] + 1 for p in preds[v] if p in layer], default=0 if v == root else 1
        )
    layer[root] = 0
    layer[sink] = max(layer.values()) + 1
    return layer


def _place(desired: list[float], weights: list[float], seps: list[float]) -> list[float]:
    """Positions in the given order, each at least ``seps[i]`` below the previous one,
    as close as possible (weighted least squares) to ``desired``: isotonic regression
    (pool adjacent violators) on the positions minus the cumulative separations."""
    if not desired:
        return []
    offs = np.r_[0.0, np.cumsum(seps)]
    target = np.asarray(desired, dtype=float) - offs
    w = np.asarray(weights, dtype=float)
    blocks: list[list[float]] = []  # [value, weight, count]
    for t, wi in zip(target, w, strict=True):
        blocks.append([t, wi, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks.pop()
            tw = w1 + w2
            blocks.append([(v1 * w1 + v2 * w2) / tw, tw, c1 + c2])
    z = np.concatenate([np.full(c, v) for v, _, c in blocks])
    return (z + offs).tolist()


def _crossings(
    upper: list[Node], lower: list[Node], down: Mapping[Node, list[tuple[Node, float]]]
) -> float:
    pu = {n: i for i, n in enumerate(upper)}
    pl = {n: i for i, n in enumerate(lower)}
    e = [(pu[a], pl[b], w) for a in upper for b, w in down.get(a, []) if b in pl]
    if len(e) < 2:
        return 0.0
    arr = np.asarray(e, dtype=float)
    a, b, w = arr[:, 0], arr[:, 1], arr[:, 2]
    cross = ((a[:, None] - a[None, :]) * (b[:, None] - b[None, :])) < 0
    return float((cross * (w[:, None] * w[None, :])).sum() / 2)


def _center_heavy(bary: list[float], weight: list[float]) -> list[int]:
    """Among nodes with the same barycenter, a rank that puts the heaviest in the middle.

    Siblings of one parent tie; with the heaviest in the middle, the main path keeps
    running straight and the lighter branches fan out above and below it.
    """
    slot = [0] * len(bary)
    groups: dict[float, list[int]] = defaultdict(list)
    for i, b in enumerate(bary):
        groups[b].append(i)
    for members in groups.values():
        k = len(members)
        ranked = sorted(members, key=lambda i: (-weight[i], i))
        centre = (k - 1) // 2
        places = [centre]
        for d in range(1, k):
            places.append(centre + (d + 1) // 2 if d % 2 == 0 else centre - (d + 1) // 2)
        places = [p for p in places if 0 <= p < k][:k]
        missing = [p for p in range(k) if p not in places]
        places += missing
        for i, p in zip(ranked, places, strict=False):
            slot[i] = p
    return slot


def _reduce_crossings(
    layers: list[list[Node]],
    up: Mapping[Node, list[tuple[Node, float]]],
    down: Mapping[Node, list[tuple[Node, float]]],
    sweeps: int,
) -> list[list[Node]]:
    def total(ls: list[list[Node]]) -> float:
        return sum(_crossings(ls[i], ls[i + 1], down) for i in range(len(ls) - 1))

    best = [list(L) for L in layers]
    best_score = total(best)
    cur = [list(L) for L in layers]
    for it in range(sweeps):
        if it % 2 == 0:
            rng, side = range(1, len(cur)), up
        else:
            rng, side = range(len(cur) - 2, -1, -1), down
        for li in rng:
            ref = cur[li - 1] if it % 2 == 0 else cur[li + 1]
            pos = {n: i for i, n in enumerate(ref)}
            L = cur[li]
            bary = []
            for i, n in enumerate(L):
                nb = [(pos[m], w) for m, w in side.get(n, []) if m in pos]
                if nb:
                    tw = sum(w for _, w in nb)
                    bary.append(sum(p * w for p, w in nb) / tw)
                else:
                    bary.append(i * (len(ref) / max(len(L), 1)))
            weight = [sum(w for _, w in side.get(n, [])) for n in L]
            slot = _center_heavy(bary, weight)
            cur[li] = [
                n for _, _, n in sorted(zip(bary, slot, L, strict=True), key=lambda t: t[:2])
            ]
        score = total(cur)
        if score < best_score:
            best, best_score = [list(L) for L in cur], score
    return best
