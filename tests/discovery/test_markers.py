"""START and END are node kinds of their own: no touchpoint name can merge with them."""

from __future__ import annotations

import copy
import pickle

import pandas as pd
import pytest

import journeymine as jm
from journeymine.schema import Marker

START_NAME, END_NAME = str(jm.START), str(jm.END)


@pytest.fixture(scope="module")
def marker_log():
    # a: START_NAME -> x -> END_NAME (twice); b: x -> END_NAME
    df = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "b", "d", "d", "d"],
            "a": [START_NAME, "x", END_NAME, "x", END_NAME, START_NAME, "x", END_NAME],
            "t": pd.date_range("2025-01-01", periods=8, freq="h"),
        }
    )
    return jm.from_pandas(df, case="c", activity="a", timestamp="t")


def _edges(graph) -> dict:
    return {
        (s, t): n
        for s, t, n in zip(
            graph.edges["source"], graph.edges["target"], graph.edges["transitions"], strict=True
        )
    }


def test_markers_are_not_strings():
    assert isinstance(jm.START, Marker) and isinstance(jm.END, Marker)
    assert jm.START != START_NAME and jm.END != END_NAME
    assert pickle.loads(pickle.dumps(jm.START)) is jm.START
    assert copy.deepcopy(jm.END) is jm.END
    assert sorted(["b", jm.END, "a", jm.START]) == [jm.START, "a", "b", jm.END]


def test_edges_keep_names_and_markers_apart(marker_log):
    g = jm.discover(marker_log)
    edges = _edges(g)
    assert edges == {
        (jm.START, START_NAME): 2,
        (jm.START, "x"): 1,
        (START_NAME, "x"): 2,
        ("x", END_NAME): 3,
        (END_NAME, jm.END): 3,
    }
    assert len(g.edges) == len(edges)  # no duplicate rows
    assert g.edges.loc[g.edges["source"] == jm.START, "transitions"].sum() == 3
    assert g.edges.loc[g.edges["target"] == jm.END, "transitions"].sum() == 3
    assert sorted(g.nodes["node"]) == sorted(["x", START_NAME, END_NAME])


def test_networkx_counts_nothing_lost(marker_log):
    pytest.importorskip("networkx")
    g = jm.discover(marker_log)
    nx_graph = g.to_networkx()
    assert nx_graph.number_of_nodes() == 5
    assert nx_graph.number_of_edges() == len(g.edges)
    assert nx_graph.nodes[jm.START]["kind"] == "start"
    assert nx_graph.nodes[START_NAME]["kind"] == "touchpoint"
    assert nx_graph.edges[jm.START, START_NAME]["transitions"] == 2
    assert nx_graph.edges[END_NAME, jm.END]["transitions"] == 3
    total = sum(d["transitions"] for _, _, d in nx_graph.edges(data=True))
    assert total == int(g.edges["transitions"].sum())


def test_mermaid_and_dot_define_each_node_once(marker_log):
    g = jm.discover(marker_log)
    mermaid = g.to_mermaid().splitlines()
    defined = [ln.split("[")[0].split("((")[0].strip() for ln in mermaid[1:] if "-->" not in ln]
    assert len(defined) == len(set(defined)) == 5
    arrows = [ln for ln in mermaid if "-->" in ln]
    assert len(arrows) == len(g.edges)
    assert any(ln.strip().startswith("start -->") for ln in arrows)
    dot = g.to_dot()
    assert dot.count("->") == len(g.edges)
    assert dot.count("\n  start [") == 1 and dot.count("\n  finish [") == 1


def test_simplify_and_plot_with_marker_names(marker_log):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = jm.discover(marker_log)
    s = g.simplify(coverage=1.0)
    assert _edges(s) == _edges(g)
    ax = jm.plot_journey(g)
    texts = [t.get_text() for t in ax.texts if t.get_gid() == "journeymine-node-label"]
    assert sum(t.startswith(START_NAME) for t in texts) == 1  # the touchpoint's box
    assert texts.count("start") == 1 and texts.count("end") == 1  # the markers
    plt.close(ax.figure)


def test_long_labels_are_cut_for_drawing_only():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    long = "y" * 16_000
    df = pd.DataFrame(
        {"c": ["a", "a"], "a": [long, "z"], "t": pd.date_range("2025-01-01", periods=2, freq="h")}
    )
    g = jm.discover(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    assert long in g.nodes["node"].tolist()  # tables keep the full name
    ax = jm.plot_journey(g)
    texts = [t.get_text() for t in ax.texts if t.get_gid() == "journeymine-node-label"]
    assert max(len(t) for t in texts) < 200
    plt.close(ax.figure)
