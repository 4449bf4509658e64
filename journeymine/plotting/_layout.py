"""A layered left-to-right layout for journey maps (private; numpy only, no Graphviz).

The classic Sugiyama steps, kept small:

1. **Layers.** The *main flow* is chosen first (see :func:`_main_flow_layers`):
   steps ranked by a priority (in journey maps: how many journeys reach the
   target for the first time through the step), kept greedily from the top unless
   they close a cycle of steps already kept (a greedy maximum acyclic subgraph,
   so each cycle loses its last-ranked step), keeping each node's first-ranked
   step in and the significant ones. Its longest-path layering puts each of its
   steps at least one layer right; a compaction pass keeps heavy steps short, so
   rare detours cannot stretch the main path. START is first, END last, and no
   step joins two nodes of one layer.
2. **Back edges.** Steps that lead to an earlier layer (the loops back and
   returns left out of the main flow, and rare steps outside it) are drawn as
   arcs; forward edges that span
   several layers get a dummy point in each layer they cross.
3. **Crossings.** Weighted barycenter sweeps, down and up, keeping the order with
   the least weighted crossing.
4. **Coordinates.** Layers get the width of their widest box; within a layer,
   boxes go as close as possible to the weighted mean height of their neighbours
   without overlapping (weighted isotonic regression), so the heaviest path comes
   out straight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
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
    priority: Mapping[tuple[Node, Node], float] | None = None,
    layer_gap: float = 60.0,
    node_gap: float = 14.0,
    dummy_gap: float = 6.0,
    loop_room: float = 32.0,
    sweeps: int = 12,
) -> Layout:
    """Lay out ``nodes`` (with box sizes ``size``) left to right.

    ``key`` orders the nodes (smaller is further left); ties are broken by the
    node's string form. ``edges`` are ``(source, target, weight)`` with weights
    that are counts. ``priority`` (default: the weights) says which steps make the
    main flow first (see :func:`_main_flow_layers`). A node with a self-loop gets
    ``loop_room`` free space above it.
    """
    weight: dict[tuple[Node, Node], float] = {(s, t): float(w) for s, t, w in edges}
    order = sorted(nodes, key=lambda n: (key[n], str(n)))
    rank = {n: i for i, n in enumerate(order)}
    layer = _main_flow_layers(order, weight, rank, priority or {})
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

    layers, chains, segs = _long_edge_dummies(order, layer, forward, weight)
    is_dummy = {
        n: isinstance(n, tuple) and len(n) == 4 and n[0] == "\x00dummy" for L in layers for n in L
    }

    up: dict[Node, list[tuple[Node, float]]] = defaultdict(list)
    down: dict[Node, list[tuple[Node, float]]] = defaultdict(list)
    for a, b, w in segs:
        down[a].append((b, w))
        up[b].append((a, w))

    # a huge map (hundreds of nodes, long edges): one sweep each way, no scoring
    small = sum(len(L) for L in layers) <= 4000
    layers = _reduce_crossings(layers, up, down, sweeps if small else 2, score=small)

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

    y = _heights(layers, up, down, gap, 8 if small else 2)
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


def _long_edge_dummies(
    order: list[Node],
    layer: dict[Node, int],
    forward: list[tuple[Node, Node]],
    weight: Mapping[tuple[Node, Node], float],
) -> tuple[list[list[Node]], dict[tuple[Node, Node], list[Node]], list[tuple[Node, Node, float]]]:
    """The layers with a dummy point in each layer a forward edge crosses.

    Returns the layers (nodes, then dummies), each forward edge's chain of points and
    the weighted segments between consecutive points. ``layer`` gets the dummies' layers.
    """
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
    return layers, chains, segs


def _heights(
    layers: list[list[Node]],
    up: Mapping[Node, list[tuple[Node, float]]],
    down: Mapping[Node, list[tuple[Node, float]]],
    gap: Callable[[Node, Node], float],
    rounds: int,
) -> dict[Node, float]:
    """y of every point: stacked first, then pulled towards its neighbours without overlaps.

    Each round places one layer at a time at the weighted mean height of its neighbours
    on one side (upstream on even rounds, downstream on odd ones, both from round 6),
    sweeping right on even rounds and left on odd ones.
    """
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
    for it in range(rounds):
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
    return y


def _main_flow_layers(
    order: list[Node],
    weight: Mapping[tuple[Node, Node], float],
    rank: Mapping[Node, int],
    priority: Mapping[tuple[Node, Node], float],
    significant: float = 0.1,
) -> dict[Node, int]:
    """Layers in which every step of the main flow points right.

    1. **Acyclic steps.** Steps are taken from the highest ``priority`` down (then
       the heaviest, then those that agree with the typical order ``rank``, then by
       rank), and each is kept unless it closes a cycle with steps already kept: a
       greedy maximum acyclic subgraph. A step left out is the last-ranked step of a
       cycle of kept steps (with first-visit priorities: a return to a touchpoint
       already visited).
    2. **The main flow** is the kept steps that are either the first-ranked kept
       step into their target (the step most journeys first reach it by) or
       *significant*: at least ``significant`` of both its source's outflow and its
       target's inflow (by weight). With first-visit priorities, the step by
       which most journeys first reach a touchpoint ranks first into it, so it is
       in the main flow whenever it is kept.
    3. **Layers.** The longest-path layering of the main flow (each of its steps
       goes at least one layer right), then compacted: each node moves, within what
       its main-flow steps allow, towards the heavier side of them (so heavy steps
       are short and rare detours do not stretch the main path), and empty layers
       are removed. START gets layer 0 and END a layer of its own at the right.
    4. **No vertical steps.** A step whose ends share a layer joins the main flow
       (a left-out step: the kept steps leading back from its target to its source
       do), and the layers are made again. So every step between two nodes points
       right or left, never straight up or down.

    Rare kept steps outside the main flow may then point left: they are drawn as
    back arcs, like the left-out steps.
    """
    n = len(order)
    if n < 2:
        return {v: 0 for v in order}
    root, sink = order[0], order[-1]
    idx = {v: i for i, v in enumerate(order)}
    steps = [(s, t, w) for (s, t), w in weight.items() if s != t and s in idx and t in idx]
    steps.sort(
        key=lambda e: (
            -priority.get((e[0], e[1]), 0.0),
            -e[2],
            rank[e[1]] < rank[e[0]],
            rank[e[0]],
            rank[e[1]],
        )
    )
    out_w: dict[Node, float] = defaultdict(float)
    in_w: dict[Node, float] = defaultdict(float)
    for s, t, w in steps:
        out_w[s] += w
        in_w[t] += w
    # reach[i]: bit mask of the nodes reachable from node i along kept steps (and i)
    reach = [1 << i for i in range(n)]
    kept_succ: dict[Node, list[Node]] = defaultdict(list)
    main: dict[tuple[Node, Node], float] = {}
    left_out: list[tuple[Node, Node]] = []
    others: list[tuple[Node, Node]] = []
    has_tree_edge: set[Node] = set()
    for s, t, w in steps:
        i, j = idx[s], idx[t]
        if t == root or s == sink or (reach[j] >> i) & 1:
            left_out.append((s, t))
            continue
        kept_succ[s].append(t)
        add = reach[j]
        for u in range(n):
            if (reach[u] >> i) & 1:
                reach[u] |= add
        if t not in has_tree_edge or w >= significant * max(out_w[s], in_w[t]):
            main[(s, t)] = w
        else:
            others.append((s, t))
        has_tree_edge.add(t)

    def kept_path(a: Node, b: Node) -> list[tuple[Node, Node]]:
        """Kept steps of a path from a to b (one exists)."""
        parent: dict[Node, Node] = {a: a}
        queue = [a]
        for v in queue:
            for u in kept_succ[v]:
                if u not in parent:
                    parent[u] = v
                    queue.append(u)
        path = []
        while b != a:
            path.append((parent[b], b))
            b = parent[b]
        return path

    while True:
        layer = _layers_of(order, main, rank, root, sink)
        flat = [(s, t) for s, t in others if layer[s] == layer[t]]
        for s, t in left_out:
            if s not in (root, sink) and t not in (root, sink) and layer[s] == layer[t]:
                flat.extend(kept_path(t, s))
        flat = [e for e in dict.fromkeys(flat) if e not in main]
        if not flat:
            return layer
        for e in flat:
            main[e] = weight[e]
        others = [e for e in others if e not in main]


def _layers_of(
    order: list[Node],
    main: Mapping[tuple[Node, Node], float],
    rank: Mapping[Node, int],
    root: Node,
    sink: Node,
) -> dict[Node, int]:
    """Longest-path layers of the acyclic ``main`` steps, compacted (see above)."""
    import heapq

    succ: dict[Node, list[tuple[Node, float]]] = defaultdict(list)
    pred: dict[Node, list[tuple[Node, float]]] = defaultdict(list)
    for (s, t), w in main.items():
        succ[s].append((t, w))
        pred[t].append((s, w))
    indeg = {v: len(pred[v]) for v in order}
    heap = [(rank[v], v) for v in order if indeg[v] == 0]
    heapq.heapify(heap)
    topo: list[Node] = []
    while heap:
        _, v = heapq.heappop(heap)
        topo.append(v)
        for t, _ in succ[v]:
            indeg[t] -= 1
            if indeg[t] == 0:
                heapq.heappush(heap, (rank[t], t))
    inner = [v for v in topo if v not in (root, sink)]
    layer: dict[Node, int] = {root: 0}
    for v in inner:
        layer[v] = max([layer[p] + 1 for p, _ in pred[v] if p in layer], default=1)
    top = max(layer.values(), default=0) + 1
    for _ in range(4 * len(order)):
        moved = False
        for v in inner:
            w_in = sum(w for _, w in pred[v])
            w_out = sum(w for t, w in succ[v] if t != sink)
            if w_in > w_out:
                new = max([layer[p] + 1 for p, _ in pred[v]], default=1)
            elif w_out > w_in:
                new = min([layer[t] - 1 for t, _ in succ[v] if t != sink], default=top - 1)
            else:
                continue
            if new != layer[v]:
                layer[v] = new
                moved = True
        if not moved:
            break
    used = sorted(set(layer.values()))
    squeeze = {old: new for new, old in enumerate(used)}
    layer = {v: squeeze[lv] for v, lv in layer.items()}
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
    score: bool = True,
) -> list[list[Node]]:
    """Barycenter sweeps; keeps the order with the fewest weighted crossings (with
    ``score``), else the last one."""

    def total(ls: list[list[Node]]) -> float:
        return sum(_crossings(ls[i], ls[i + 1], down) for i in range(len(ls) - 1))

    best = [list(L) for L in layers]
    best_score = total(best) if score else 0.0
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
        if not score:
            continue
        now = total(cur)
        if now < best_score:
            best, best_score = [list(L) for L in cur], now
    return best if score else cur
