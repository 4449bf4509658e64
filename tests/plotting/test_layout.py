"""The layered layout of journey maps: the main flow points right, loops go back."""

from __future__ import annotations

import numpy as np
import pytest

from journeymine.plotting._layout import _main_flow_layers, layered_layout

S, E = "start", "end"


def _layers(edges: dict[tuple[str, str], float], priority=None) -> dict[str, int]:
    nodes = sorted({n for e in edges for n in e} - {S, E})
    order = [S, *nodes, E]
    rank = {n: i for i, n in enumerate(order)}
    return _main_flow_layers(order, edges, rank, priority or {})


def test_heavy_path_points_right_and_lightest_step_of_the_cycle_goes_back():
    edges = {
        (S, "A"): 100,
        ("A", "B"): 90,
        ("B", "C"): 80,
        ("C", "A"): 10,
        ("C", "D"): 70,
        ("D", E): 70,
        ("B", E): 30,
    }
    layer = _layers(edges)
    assert layer[S] < layer["A"] < layer["B"] < layer["C"] < layer["D"] < layer[E]
    # the loop back C -> A is the only step pointing left
    left = [(s, t) for s, t in edges if layer[s] >= layer[t]]
    assert left == [("C", "A")]


def test_first_visits_decide_between_two_directions():
    # B -> C and C -> B are taken by as many journeys, but journeys reach C from B
    edges = {(S, "A"): 10, ("A", "B"): 10, ("B", "C"): 6, ("C", "B"): 7, ("C", E): 10}
    assert _layers(edges)["C"] < _layers(edges)["B"]  # by weight alone C -> B wins
    layer = _layers(edges, priority={("B", "C"): 6, ("C", "B"): 0})
    assert layer["B"] < layer["C"]


def test_rare_step_does_not_stretch_the_main_path():
    # X is reached from A (30) and, rarely, from the end of the main path (2)
    edges = {
        (S, "A"): 100,
        ("A", "B"): 95,
        ("B", "C"): 95,
        ("C", "D"): 95,
        ("D", E): 95,
        ("A", "X"): 30,
        ("D", "X"): 2,
        ("X", E): 32,
    }
    layer = _layers(edges)
    assert layer["X"] == layer["A"] + 1
    assert [layer[n] for n in "ABCD"] == [1, 2, 3, 4]


@pytest.mark.parametrize("seed", range(20))
def test_random_graphs_have_no_vertical_steps_and_are_deterministic(seed):
    rng = np.random.default_rng(seed)
    names = [f"n{i:02d}" for i in range(16)]
    edges: dict[tuple[str, str], float] = {}
    for s in [S, *names]:
        for t in rng.choice(names + [E], size=4, replace=False):
            edges[(s, str(t))] = float(rng.integers(1, 200))
    for n in names:
        edges[(n, E)] = float(rng.integers(1, 50))
    layer = _layers(edges)
    assert all(layer[s] != layer[t] for s, t in edges if s != t)
    assert layer[S] == 0 and layer[E] == max(layer.values())
    # each node's heaviest way in (from START, which is in no cycle) points right
    for n in names:
        if (S, n) in edges and max(w for (s, t), w in edges.items() if t == n) == edges[(S, n)]:
            assert layer[S] < layer[n]
    shuffled = dict(sorted(edges.items(), key=lambda e: rng.random()))
    assert _layers(shuffled) == layer


def test_layout_sorts_every_edge_into_forward_back_or_loop():
    nodes = [S, "A", "B", "C", E]
    size = {n: (40.0, 20.0) for n in nodes}
    edges = [(S, "A", 9), ("A", "B", 9), ("B", "C", 8), ("C", "A", 2), ("B", "B", 3), ("C", E, 8)]
    key = {S: -1.0, "A": 0.0, "B": 1.0, "C": 2.0, E: 99.0}
    lay = layered_layout(nodes, size, edges, key)
    assert sorted(lay.forward) == sorted([(S, "A"), ("A", "B"), ("B", "C"), ("C", E)])
    assert lay.back == [("C", "A")] and lay.loops == ["B"]
    assert all(lay.x[s] < lay.x[t] for s, t in lay.forward)
    assert all(lay.x[s] > lay.x[t] for s, t in lay.back)
