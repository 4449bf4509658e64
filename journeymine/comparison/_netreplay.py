"""Fitness and deviations of journeys against a BPMN or Petri-net model, through pm4py (private).

One trace per distinct variant is replayed (pm4py's alignments or token-based
replay); the results are then broadcast to the journeys of each variant.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..schema import END, START

__all__: list[str] = []

METHODS = ("alignments", "token_replay")
_MOVE_COST = 10000.0


def replay(
    net: Any, im: Any, fm: Any, paths: Sequence[Sequence[str]], method: str
) -> dict[str, Any]:
    """Replay each path; return per-path fitness and pm4py's log-level sums, and deviation rows.

    Returns a dict with ``fitness``, ``cost``, ``worst`` (float arrays, one per path;
    for token replay ``cost`` = missing + remaining tokens and ``worst`` = consumed +
    produced tokens), ``num``/``den`` (the two halves pm4py's log fitness is built
    from) and ``rows``: ``(path index, kind, label, count)`` deviations.
    """
    from .._optional import import_pm4py

    import_pm4py("compare")
    from pm4py.objects.log.obj import Event, EventLog, Trace

    log = EventLog([Trace([Event({"concept:name": a}) for a in p]) for p in paths])
    labels = {str(t.label) for t in net.transitions if t.label is not None}
    n = len(paths)
    fitness = np.ones(n)
    cost = np.zeros(n)
    worst = np.zeros(n)
    rows: list[tuple[int, str, str, int]] = []
    params = {"show_progress_bar": False}
    if method == "alignments":
        from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)  # numpy.matrix inside pm4py
            results = alignments.apply(log, net, im, fm, parameters=params)
        for i, res in enumerate(results):
            if res is None:  # pm4py gave up (timeout): count the trace as not fitting at all
                fitness[i], cost[i], worst[i] = 0.0, _MOVE_COST, _MOVE_COST
                continue
            fitness[i] = float(res["fitness"])
            cost[i] = float(res["cost"])
            worst[i] = float(res["bwc"])
            rows += [
                (i, k, lab, c)
                for (k, lab), c in _alignment_deviations(res["alignment"], labels).items()
            ]
    else:
        from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            results = token_replay.apply(log, net, im, fm, parameters=params)
        m = np.zeros(n)
        c = np.zeros(n)
        r = np.zeros(n)
        p = np.zeros(n)
        for i, res in enumerate(results):
            fitness[i] = float(res["trace_fitness"])
            m[i], c[i] = res["missing_tokens"], res["consumed_tokens"]
            r[i], p[i] = res["remaining_tokens"], res["produced_tokens"]
            problems = Counter(
                str(t.label) for t in res["transitions_with_problems"] if t.label is not None
            )
            rows += [(i, "out_of_order", lab, k) for lab, k in sorted(problems.items())]
            unknown = Counter(a for a in paths[i] if a not in labels)
            rows += [(i, "unexpected_touchpoint", lab, k) for lab, k in sorted(unknown.items())]
            if r[i] > 0 and not problems:
                rows.append((i, "incomplete", "(end)", int(r[i])))
        cost = m + r
        worst = c + p
        return {
            "moves": cost,
            "worst_moves": worst,
            "fitness": fitness,
            "cost": cost,
            "worst": worst,
            "m": m,
            "c": c,
            "r": r,
            "p": p,
            "rows": rows,
        }
    # pm4py prices a log or model move at 10000 and a silent step at 1: count the moves
    moves = np.floor(cost / _MOVE_COST)
    worst_moves = np.floor(worst / _MOVE_COST)
    return {
        "fitness": fitness,
        "cost": cost,
        "worst": worst,
        "moves": moves,
        "worst_moves": worst_moves,
        "rows": rows,
    }


def log_fitness(out: dict[str, Any], weights: np.ndarray, method: str) -> float:
    """pm4py's log-level fitness of the replay, with each path weighted by its journeys."""
    w = np.asarray(weights, dtype=float)
    if method == "alignments":
        den = float((out["worst"] * w).sum())
        return 1.0 - float((out["cost"] * w).sum()) / den if den > 0 else 0.0
    tc, tp = float((out["c"] * w).sum()), float((out["p"] * w).sum())
    if tc <= 0 or tp <= 0:
        return 0.0
    return 0.5 * (1 - float((out["m"] * w).sum()) / tc) + 0.5 * (
        1 - float((out["r"] * w).sum()) / tp
    )


def _alignment_deviations(
    alignment: Sequence[tuple[Any, Any]], labels: set[str]
) -> Counter[tuple[str, str]]:
    """Classify the non-synchronous moves of one alignment."""
    synced = {a for a, b in alignment if a == b and a != ">>"}
    log_moves = [str(a) for a, b in alignment if b == ">>"]
    moved = set(log_moves)
    out: Counter[tuple[str, str]] = Counter()
    for a in log_moves:
        if a not in labels:
            out[("unexpected_touchpoint", a)] += 1
        elif a in synced:
            out[("repeated_step", a)] += 1
        else:
            out[("out_of_order", a)] += 1
    for a, b in alignment:
        if a == ">>" and b is not None and b != ">>" and str(b) not in moved:
            out[("missing_step", str(b))] += 1
    return out


# --------------------------------------------------------------------------- the model's shape


def bfs_labels(net: Any, im: Any) -> list[str]:
    """Visible transition labels in breadth-first order from the initial marking."""
    from collections import deque

    seen_places = set()
    queue = deque(p for p in im)
    seen_places.update(queue)
    seen_trans: set[Any] = set()
    labels: list[str] = []
    while queue:
        place = queue.popleft()
        for arc in sorted(place.out_arcs, key=lambda a: str(a.target.name)):
            t = arc.target
            if t in seen_trans:
                continue
            seen_trans.add(t)
            if t.label is not None and t.label not in labels:
                labels.append(str(t.label))
            for out in sorted(t.out_arcs, key=lambda a: str(a.target.name)):
                if out.target not in seen_places:
                    seen_places.add(out.target)
                    queue.append(out.target)
    rest = sorted({str(t.label) for t in net.transitions if t.label is not None} - set(labels))
    return labels + rest


def net_edges(net: Any, im: Any, fm: Any) -> list[tuple[str, str]]:
    from .._optional import import_pm4py

    import_pm4py("AssumedJourney.edges")
    from pm4py.algo.discovery.footprints import algorithm as footprints

    fp = footprints.apply(net, im, fm)
    pairs = set(fp.get("sequence", set())) | set(fp.get("parallel", set()))
    out = sorted((START, str(a)) for a in fp.get("start_activities", set()))
    out += sorted((str(a), str(b)) for a, b in pairs)
    out += sorted((a, END) for a in _end_labels(net, im, fm))
    return out


def _end_labels(net: Any, im: Any, fm: Any) -> set[str]:
    """Visible labels after which the final marking is reachable through silent transitions only."""
    from pm4py.objects.petri_net.utils import reachability_graph

    incoming, outgoing, _ = reachability_graph.marking_flow_petri(net, im)
    silent_into: dict[Any, list[Any]] = {}
    for m, succ in outgoing.items():
        for t, m2 in succ.items():
            if t.label is None:
                silent_into.setdefault(m2, []).append(m)
    done = [m for m in incoming if m == fm] or [fm]
    seen = set(done)
    while done:
        m = done.pop()
        for prev in silent_into.get(m, []):
            if prev not in seen:
                seen.add(prev)
                done.append(prev)
    return {str(t.label) for m in seen for t in incoming.get(m, ()) if t.label is not None}
