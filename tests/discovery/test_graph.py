"""jm.discover and JourneyGraph: hand-checked counts, edge cases, invariants, exports, pm4py parity."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.discovery import MISSING

T0 = pd.Timestamp("2025-01-01 09:00")


def _edge(g: jm.JourneyGraph, source: str, target: str) -> pd.Series:
    rows = g.edges[(g.edges["source"] == source) & (g.edges["target"] == target)]
    assert len(rows) == 1, (source, target)
    return rows.iloc[0]


def _log(rows, **kwargs) -> jm.JourneyLog:
    """Rows (case, activity, minutes after T0[, channel[, segment]])."""
    cols = ["case", "activity", "minute", "channel", "segment"][: len(rows[0])]
    df = pd.DataFrame(rows, columns=cols)
    df["timestamp"] = T0 + pd.to_timedelta(df.pop("minute"), unit="min")
    extra = {"channel": "channel"} if "channel" in df else {}
    keep = ["segment"] if "segment" in df else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return jm.from_pandas(
            df,
            case="case",
            activity="activity",
            timestamp="timestamp",
            keep=keep,
            **extra,
            **kwargs,
        )


# ----------------------------------------------------------------------------- running example


def test_running_example_nodes_by_hand(running_example):
    g = jm.discover(running_example)
    nodes = g.nodes.set_index("node")
    # check ticket: once in cases 1, 2, 4, 6, twice in 3, three times in 5: 1+1+2+1+3+1 = 9 events, 6 journeys
    assert nodes.loc["check ticket"].tolist() == [9, 6, 0, 0]
    # examine casually: case 2 once, 3 once, 5 three times, 6 once: 6 events in 4 journeys
    assert nodes.loc["examine casually"].tolist() == [6, 4, 0, 0]
    # reinitiate request: case 3 once, case 5 twice
    assert nodes.loc["reinitiate request"].tolist() == [3, 2, 0, 0]
    # every case starts with register request; cases 2, 3, 6 end paid, 1, 4, 5 rejected
    assert nodes.loc["register request"].tolist() == [6, 6, 6, 0]
    assert nodes.loc["pay compensation", "ends"] == 3
    assert nodes.loc["reject request", "ends"] == 3
    # sorted by events (desc), then name
    assert g.nodes["node"].tolist() == [
        "check ticket",
        "decide",
        "examine casually",
        "register request",
        "examine thoroughly",
        "pay compensation",
        "reinitiate request",
        "reject request",
    ]
    assert (g.n_journeys, g.n_events) == (6, 42)


def test_running_example_edges_and_gaps_by_hand(running_example):
    g = jm.discover(running_example)
    # 16 directly-follows pairs + 1 entry + 2 exits
    assert len(g.edges) == 19
    e = _edge(g, "check ticket", "decide")
    # case 1: Jan 5 15:12 -> Jan 6 11:18 = 20h06m; case 3: Dec 30 16:34 -> Jan 6 09:18 = 160h44m and
    # Jan 8 11:43 -> Jan 9 09:55 = 22h12m; case 5: Jan 8 11:22 -> Jan 10 13:28 = 50h06m and
    # Jan 21 11:34 -> Jan 23 13:12 = 49h38m; case 6: 16:22 -> 16:52 = 30m.  6 steps in cases 1, 3, 5, 6.
    assert (e["transitions"], e["journeys"]) == (6, 4)
    # sorted: 30m, 20h06m, 22h12m, 49h38m, 50h06m, 160h44m; median = (22h12m + 49h38m) / 2 = 35h55m
    assert e["median_gap"] == pd.Timedelta(hours=35, minutes=55)
    # mean = (0.5 + 20.1 + 22.2 + 49.6333 + 50.1 + 160.7333) h / 6 = 303h16m / 6 = 50h32m40s
    assert e["mean_gap"] == pd.Timedelta(hours=50, minutes=32, seconds=40)
    # p90 at position 0.9 * 5 = 4.5: 50h06m + 0.5 * (160h44m - 50h06m) = 50h06m + 55h19m = 105h25m
    assert e["p90_gap"] == pd.Timedelta(hours=105, minutes=25)

    e = _edge(g, "register request", "examine casually")
    # case 3: 14:32 -> 15:06 = 34m; case 5: Jan 6 09:02 -> Jan 7 10:16 = 25h14m; case 6: 15:02 -> 16:06 = 64m
    assert (e["transitions"], e["journeys"]) == (3, 3)
    assert e["median_gap"] == pd.Timedelta(minutes=64)
    # mean = (34 + 1514 + 64) / 3 min = 537m20s; p90 = 64m + 0.8 * (1514m - 64m) = 1224m
    assert e["mean_gap"] == pd.Timedelta(minutes=537, seconds=20)
    assert e["p90_gap"] == pd.Timedelta(minutes=1224)

    e = _edge(g, "decide", "reinitiate request")
    # case 3: 09:18 -> 12:18 = 3h; case 5: Jan 10 13:28 -> Jan 11 16:18 = 26h50m, Jan 19 11:18 -> Jan 20 12:48 = 25h30m
    assert (e["transitions"], e["journeys"]) == (3, 2)
    assert e["median_gap"] == pd.Timedelta(hours=25, minutes=30)

    start = _edge(g, jm.START, "register request")
    assert (start["transitions"], start["journeys"]) == (6, 6)
    assert pd.isna(start["median_gap"])
    assert _edge(g, "pay compensation", jm.END)["transitions"] == 3
    assert _edge(g, "reject request", jm.END)["transitions"] == 3


def test_edges_sorted_deterministically(running_example):
    e = jm.discover(running_example).edges
    # sorted by transitions, then the display labels (START and END are markers,
    # shown as "▶ start" and "■ end")
    keys = list(zip(-e["transitions"], e["source"].map(str), e["target"].map(str), strict=True))
    assert keys == sorted(keys)
    assert e["median_gap"].dtype == "timedelta64[ns]"


# ----------------------------------------------------------------------------- edge cases


def test_empty_log_gives_empty_graph():
    df = pd.DataFrame(
        {
            "c": pd.Series([], dtype=object),
            "a": pd.Series([], dtype=object),
            "t": pd.Series([], dtype=object),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    g = jm.discover(log)
    assert (len(g.nodes), len(g.edges), g.n_journeys) == (0, 0, 0)
    assert list(g.nodes.columns) == ["node", "events", "journeys", "starts", "ends"]
    assert list(g.edges.columns) == [
        "source",
        "target",
        "transitions",
        "journeys",
        "median_gap",
        "mean_gap",
        "p90_gap",
    ]
    assert g.simplify().hidden["journeys"] == 0


def test_single_event_journeys_have_only_start_and_end_edges():
    g = jm.discover(_log([("a", "X", 0), ("b", "Y", 5), ("c", "X", 9)]))
    assert g.nodes.set_index("node")["events"].to_dict() == {"X": 2, "Y": 1}
    assert set(zip(g.edges["source"], g.edges["target"], strict=True)) == {
        (jm.START, "X"),
        (jm.START, "Y"),
        ("X", jm.END),
        ("Y", jm.END),
    }
    assert g.edges["median_gap"].isna().all()


def test_ties_keep_input_order():
    # B and A of case x share a timestamp: the file order B, A is kept (as pm4py does)
    g = jm.discover(
        _log(
            [
                ("x", "S", 0),
                ("x", "B", 10),
                ("x", "A", 10),
                ("y", "S", 0),
                ("y", "A", 10),
                ("y", "B", 10),
            ]
        )
    )
    assert _edge(g, "B", "A")["transitions"] == 1
    assert _edge(g, "A", "B")["transitions"] == 1
    assert _edge(g, "B", "A")["median_gap"] == pd.Timedelta(0)


def test_repeated_pair_counts_journey_once():
    # A->B twice in case x, not adjacent: 2 transitions, 1 journey; plus once in case y
    g = jm.discover(
        _log(
            [
                ("x", "A", 0),
                ("x", "B", 1),
                ("x", "C", 2),
                ("x", "A", 3),
                ("x", "B", 4),
                ("y", "A", 0),
                ("y", "B", 6),
            ]
        )
    )
    e = _edge(g, "A", "B")
    assert (e["transitions"], e["journeys"]) == (3, 2)
    # gaps 1m, 1m, 6m: median 1m, mean 2m40s
    assert e["median_gap"] == pd.Timedelta(minutes=1)
    assert e["mean_gap"] == pd.Timedelta(minutes=2, seconds=40)
    assert g.nodes.set_index("node").loc["A", ["events", "journeys"]].tolist() == [3, 2]


def test_unknown_level_lists_columns():
    log = _log([("a", "X", 0)])
    with pytest.raises(jm.MissingColumnError, match="'level' parameter of discover") as err:
        jm.discover(log, level="chanel")
    assert "channel" in err.value.available
    assert "Did you mean 'channel'" in str(err.value)
    with pytest.raises(jm.MissingColumnError, match="'by' parameter of discover"):
        jm.discover(log, by="segment")
    with pytest.raises(jm.InvalidParameterError, match="must be a column name"):
        jm.discover(log, level=3)  # not a name at all: refused by the declaration
    with pytest.raises(jm.InvalidParameterError, match="must be a JourneyLog"):
        jm.discover(pd.DataFrame())
    with pytest.raises(jm.InvalidParameterError, match="collapse_repeats"):
        jm.discover(log, collapse_repeats="yes")


# ----------------------------------------------------------------------------- levels


def _channel_log() -> jm.JourneyLog:
    return _log(
        [
            ("x", "visit", 0, "web"),
            ("x", "pricing", 1, "web"),
            ("x", "call", 30, None),
            ("x", "buy", 60, "store"),
            ("y", "visit", 0, "web"),
            ("y", "app open", 5, "app"),
            ("y", "call", 9, None),
        ]
    )


def test_channel_level_keeps_self_loops_and_missing_node():
    g = jm.discover(_channel_log(), level="channel")
    nodes = g.nodes.set_index("node")
    # missing channels form the node "(missing)": the journeys are not cut short
    assert nodes.loc[MISSING, "events"] == 2
    assert nodes.loc["web", ["events", "journeys", "starts"]].tolist() == [3, 2, 2]
    # web -> web is a self-loop, as in pm4py's DFG
    assert _edge(g, "web", "web")["transitions"] == 1
    assert _edge(g, "web", MISSING)["transitions"] == 1
    assert _edge(g, MISSING, jm.END)["transitions"] == 1


def test_collapse_repeats_merges_runs():
    g = jm.discover(_channel_log(), level="channel", collapse_repeats=True)
    assert not ((g.edges["source"] == "web") & (g.edges["target"] == "web")).any()
    # web (visit, pricing) counts as one visit in x
    assert g.nodes.set_index("node").loc["web", "events"] == 2
    # the step out of a run is timed from its last event: x pricing (1m) -> call (30m) = 29m
    assert _edge(g, "web", MISSING)["median_gap"] == pd.Timedelta(minutes=29)
    outgoing = g.edges.groupby("source")["transitions"].sum()
    assert outgoing["web"] == 2


def test_stage_level_with_map_stages():
    log = _log(
        [("x", "ad", 0), ("x", "pricing", 1), ("x", "buy", 2), ("y", "ad", 0), ("y", "other", 3)]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        staged = jm.map_stages(
            log, {"awareness": ["ad"], "consideration": ["pricing"], "conversion": ["buy"]}
        )
    g = jm.discover(staged, level="stage")
    assert set(g.nodes["node"]) == {"awareness", "consideration", "conversion", MISSING}
    assert _edge(g, "awareness", "consideration")["transitions"] == 1
    assert _edge(g, "awareness", MISSING)["transitions"] == 1
    by_stage = jm.discover(staged, by="stage")
    assert list(by_stage) == ["awareness"]  # both journeys start in awareness


def test_segments_first_event_value_sorted_keys():
    log = _log(
        [
            ("x", "A", 0, "web", "b2c"),
            ("x", "B", 1, "web", "b2b"),  # changes: first event wins
            ("y", "A", 0, "web", "b2b"),
            ("y", "C", 1, "web", "b2b"),
            ("z", "A", 0, "web", None),
            ("z", "B", 2, "web", None),
        ]
    )
    graphs = jm.discover(log, by="segment")
    assert list(graphs) == ["b2b", "b2c", MISSING]
    assert graphs["b2c"].n_journeys == 1
    assert set(graphs["b2b"].nodes["node"]) == {"A", "C"}
    assert graphs[MISSING].n_journeys == 1
    assert all(isinstance(g, jm.JourneyGraph) for g in graphs.values())


def test_any_event_column_as_level(make_log):
    log = make_log(
        [("c1", "A", "2025-01-01 10:00", "support"), ("c1", "B", "2025-01-01 11:00", "sales")],
        columns=["department"],
    )
    g = jm.discover(log, level="department")
    assert _edge(g, "support", "sales")["median_gap"] == pd.Timedelta(hours=1)


# ----------------------------------------------------------------------------- simplify


def _simplify_log() -> jm.JourneyLog:
    rows = []
    paths = (
        [("A", "B", "D")] * 6
        + [("A", "C", "D")] * 3
        + [("A", "E")] * 2
        + [("A", "B", "F", "B", "D")]
    )
    for i, p in enumerate(paths):
        rows += [(f"c{i:02d}", a, k) for k, a in enumerate(p)]
    return _log(rows)


def _reachable(g: jm.JourneyGraph) -> tuple[set, set]:
    G = g.to_networkx()
    return nx.descendants(G, jm.START), nx.ancestors(G, jm.END)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"coverage": 0.5},
        {"coverage": 0.8},
        {"coverage": 1.0},
        {"min_journeys": 3},
        {"max_nodes": 3},
        {},
    ],
)
def test_simplify_invariants(kwargs):
    full = jm.discover(_simplify_log())
    s = full.simplify(**kwargs)
    down, up = _reachable(s)
    for n in s.nodes["node"]:
        assert n in down and n in up
    h = s.hidden
    assert len(s.nodes) + h["nodes"] == len(full.nodes)
    assert len(s.edges) + h["edges"] == len(full.edges)
    assert s.nodes["events"].sum() + h["events"] == full.nodes["events"].sum()
    df_full = full.edges[(full.edges["source"] != jm.START) & (full.edges["target"] != jm.END)]
    df_kept = s.edges[(s.edges["source"] != jm.START) & (s.edges["target"] != jm.END)]
    assert df_kept["transitions"].sum() + h["transitions"] == df_full["transitions"].sum()
    # kept rows carry their full-log counts
    merged = s.edges.merge(full.edges, on=["source", "target"], suffixes=("", "_full"))
    assert (merged["transitions"] == merged["transitions_full"]).all()
    assert (merged["journeys"] == merged["journeys_full"]).all()
    assert s.is_simplified and "simplified" in repr(s)


def test_simplify_counts_by_hand():
    full = jm.discover(_simplify_log())
    # variants: ABD 6, ACD 3, AE 2, ABFBD 1 (12 journeys); 80% needs ABD + ACD (9/12 = 75% < 80%) + AE
    s = full.simplify(coverage=0.8)
    assert set(s.nodes["node"]) == {"A", "B", "C", "D", "E"}
    assert s.hidden == {
        "variants": 1,
        "nodes": 1,
        "edges": 2,
        "journeys": 1,
        "events": 1,
        "transitions": 2,
    }
    s = full.simplify(coverage=0.5)
    assert set(s.nodes["node"]) == {"A", "B", "D"}
    # hidden: C, E, F; journeys not traceable: ACD x3, AE x2, ABFBD x1
    assert s.hidden["nodes"] == 3 and s.hidden["journeys"] == 6
    assert full.simplify(min_journeys=3).hidden["variants"] == 2
    assert set(full.simplify(max_nodes=4).nodes["node"]) == {"A", "B", "C", "D"}
    # the most frequent path is always kept, even if it alone exceeds max_nodes
    assert len(full.simplify(max_nodes=1).nodes) == 3


def test_simplify_rejects_bad_values():
    g = jm.discover(_simplify_log())
    with pytest.raises(jm.InvalidParameterError, match="'coverage' parameter of simplify"):
        g.simplify(coverage=1.5)
    with pytest.raises(jm.InvalidParameterError, match="'min_journeys'"):
        g.simplify(min_journeys=0)


# ----------------------------------------------------------------------------- exports


def test_to_networkx_attributes(running_example):
    g = jm.discover(running_example)
    G = g.to_networkx()
    assert G.number_of_nodes() == len(g.nodes) + 2
    assert G.number_of_edges() == len(g.edges)
    assert G.nodes["check ticket"] == {
        "kind": "touchpoint",
        "events": 9,
        "journeys": 6,
        "starts": 0,
        "ends": 0,
    }
    assert G.nodes[jm.START]["kind"] == "start" and G.nodes[jm.END]["kind"] == "end"
    attrs = G.edges["check ticket", "decide"]
    assert attrs["transitions"] == 6 and attrs["journeys"] == 4
    assert attrs["median_gap"] == pd.Timedelta(hours=35, minutes=55)
    assert set(attrs) == {"transitions", "journeys", "median_gap", "mean_gap", "p90_gap"}
    assert G.graph["level"] == "activity" and G.graph["n_journeys"] == 6


def _odd_log() -> jm.JourneyLog:
    return _log(
        [("x", 'say "hi"', 0), ("x", "a\\b <c> [d] |e| #f {g}", 1), ("x", "line\nbreak", 2)]
    )


def test_to_dot_escapes_labels():
    dot = jm.discover(_odd_log()).to_dot()
    assert dot.startswith("digraph journey {") and dot.endswith("}")
    assert 'label="say \\"hi\\"\\n1 journeys"' in dot
    assert "a\\\\b <c> [d] |e| #f {g}" in dot
    assert "line\\nbreak" in dot
    # no raw newline or unescaped quote inside any label
    for line in dot.splitlines():
        body = line.replace('\\"', "")
        assert body.count('"') % 2 == 0
    assert "penwidth" in jm.discover(_odd_log()).to_dot(metric="transitions")


def test_to_mermaid_escapes_labels():
    text = jm.discover(_odd_log()).to_mermaid(metric="median_gap")
    assert text.startswith("flowchart LR")
    assert "say #quot;hi#quot;" in text
    assert "a\\b #lt;c#gt; #91;d#93; #124;e#124; #35;f #123;g#125;" in text
    assert "line<br/>break" in text
    assert "\n  " in text and all(line.count('"') % 2 == 0 for line in text.splitlines())
    assert '-->|"1m"|' in text
    with pytest.raises(jm.InvalidParameterError, match="'metric'"):
        jm.discover(_odd_log()).to_mermaid(metric="speed")


def test_repr_html_escapes():
    g = jm.discover(_log([("x", "<script>alert(1)</script>", 0), ("x", "B & C", 1)]))
    out = g._repr_html_()
    assert "<script>" not in out and "&lt;script&gt;" in out and "B &amp; C" in out


def test_graph_is_not_built_by_hand():
    with pytest.raises(TypeError):
        jm.JourneyGraph()


# ----------------------------------------------------------------------------- properties


@st.composite
def _random_logs(draw):
    n_cases = draw(st.integers(1, 8))
    rows = []
    for c in range(n_cases):
        n = draw(st.integers(1, 7))
        acts = draw(st.lists(st.sampled_from("ABCD"), min_size=n, max_size=n))
        mins = sorted(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)))
        chans = draw(st.lists(st.sampled_from(["web", "app", None]), min_size=n, max_size=n))
        rows += [(f"c{c}", a, m, ch) for a, m, ch in zip(acts, mins, chans, strict=True)]
    return _log(rows, drop_duplicates=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=_random_logs(), level=st.sampled_from(["activity", "channel"]), collapse=st.booleans())
def test_flow_conservation(log, level, collapse):
    g = jm.discover(log, level=level, collapse_repeats=collapse)
    events = g.nodes.set_index("node")["events"]
    out = g.edges.groupby("source")["transitions"].sum()
    into = g.edges.groupby("target")["transitions"].sum()
    for node, n in events.items():
        assert out[node] == n  # every event is left once, to the next one or to END
        assert into[node] == n  # and entered once, from the previous one or from START
    assert out[jm.START] == log.n_cases == into[jm.END]
    assert (g.edges["journeys"] <= g.edges["transitions"]).all()
    assert (g.nodes["journeys"] <= g.nodes["events"]).all()
    assert (g.edges["median_gap"].dropna() >= pd.Timedelta(0)).all()
    s = g.simplify(coverage=0.5)
    down, up = _reachable(s)
    assert set(s.nodes["node"]) <= down & up


# ----------------------------------------------------------------------------- pm4py parity on real logs


@pytest.fixture(scope="module")
def pm4py():
    pytest.importorskip("pm4py")
    from journeymine._optional import import_pm4py

    return import_pm4py()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Stably sorted by case and time, as pm4py's DFG sorts (its start/end counts do not sort)."""
    case = pd.factorize(frame["case:concept:name"], sort=True)[0]
    ts = frame["time:timestamp"].to_numpy()
    return frame.iloc[np.lexsort((ts, case))].reset_index(drop=True)


def _pm4py_csv(path, case, activity, timestamp, **read) -> pd.DataFrame:
    raw = pd.read_csv(path, **read)
    return _sorted(
        pd.DataFrame(
            {
                "case:concept:name": raw[case].astype(str),
                "concept:name": raw[activity].astype(str).str.strip(),
                "time:timestamp": pd.to_datetime(raw[timestamp], utc=True, format="mixed"),
            }
        )
    )


@pytest.fixture(scope="module")
def real_logs(real_data, pm4py):
    """(name, JourneyLog, pm4py frame of the same events), each file parsed once."""
    out = []
    p = real_data / "receipt.csv.gz"
    out.append(
        (
            "receipt",
            jm.read_csv(
                p,
                case="case:concept:name",
                activity="concept:name",
                timestamp="time:timestamp",
                drop_duplicates=False,
            ),
            _pm4py_csv(p, "case:concept:name", "concept:name", "time:timestamp"),
        )
    )
    p = real_data / "running-example.csv"
    out.append(
        (
            "running-example",
            jm.read_csv(
                p,
                case="case:concept:name",
                activity="concept:name",
                timestamp="time:timestamp",
                drop_duplicates=False,
            ),
            _pm4py_csv(p, "case:concept:name", "concept:name", "time:timestamp"),
        )
    )
    p = real_data / "BPI2016_Complaints.csv"
    read = {"sep": ";", "encoding": "latin-1"}
    out.append(
        (
            "bpi2016",
            jm.read_csv(
                p,
                **read,
                customer="CustomerID",
                activity="ComplaintTopic_EN",
                timestamp="ContactDate",
                drop_duplicates=False,
            ),
            _pm4py_csv(p, "CustomerID", "ComplaintTopic_EN", "ContactDate", **read),
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        help_pm = pm4py.read_xes(str(real_data / "helpdesk.xes.gz"), show_progress_bar=False)
        out.append(
            (
                "helpdesk",
                jm.read_xes(real_data / "helpdesk.xes.gz", drop_duplicates=False),
                _sorted(help_pm),
            )
        )
        rx = real_data / "running-example.xes"
        out.append(
            (
                "running-example.xes",
                jm.read_xes(rx, drop_duplicates=False),
                _sorted(pm4py.read_xes(str(rx), show_progress_bar=False)),
            )
        )
        bpic = jm.read_xes(real_data / "bpic2012.xes.gz", drop_duplicates=False)
    # bpic2012: pm4py's own XES parser takes ~15 s, so pm4py gets the same parsed events
    out.append(("bpic2012", bpic, bpic.to_pm4py()))
    return out


@pytest.mark.realdata
def test_dfg_start_end_equal_pm4py(real_logs, pm4py):
    for name, log, frame in real_logs:
        assert len(log.rejected) == 0, name
        assert len(log) == len(frame), name
        g = jm.discover(log)
        dfg, sa, ea = pm4py.discover_dfg(frame)
        inner = g.edges[(g.edges["source"] != jm.START) & (g.edges["target"] != jm.END)]
        ours = {
            (s, t): int(n)
            for s, t, n in zip(inner["source"], inner["target"], inner["transitions"], strict=True)
        }
        assert ours == {k: int(v) for k, v in dfg.items()}, name
        starts = g.edges[g.edges["source"] == jm.START]
        assert dict(zip(starts["target"], starts["transitions"].astype(int), strict=True)) == {
            k: int(v) for k, v in pm4py.get_start_activities(frame).items()
        }, name
        ends = g.edges[g.edges["target"] == jm.END]
        assert dict(zip(ends["source"], ends["transitions"].astype(int), strict=True)) == {
            k: int(v) for k, v in pm4py.get_end_activities(frame).items()
        }, name
        node_starts = g.nodes.set_index("node")["starts"]
        assert node_starts[node_starts > 0].to_dict() == {
            k: int(v) for k, v in pm4py.get_start_activities(frame).items()
        }, name


@pytest.mark.realdata
def test_performance_dfg_medians_equal_pm4py(real_logs, pm4py):
    name, log, frame = real_logs[0]
    assert name == "receipt"
    perf, _, _ = pm4py.discover_performance_dfg(frame)
    g = jm.discover(log)
    inner = g.edges[(g.edges["source"] != jm.START) & (g.edges["target"] != jm.END)]
    assert len(inner) == len(perf)
    for row in inner.itertuples():
        theirs = perf[(row.source, row.target)]
        assert abs(row.median_gap.total_seconds() - float(theirs["median"])) < 1.0
        assert abs(row.mean_gap.total_seconds() - float(theirs["mean"])) < 1.0


@pytest.mark.realdata
def test_channel_level_on_receipt_matches_pm4py(real_data, pm4py):
    p = real_data / "receipt.csv.gz"
    log = jm.read_csv(
        p,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        channel="org:group",
        drop_duplicates=False,
    )
    frame = _pm4py_csv(p, "case:concept:name", "org:group", "time:timestamp")
    g = jm.discover(log, level="channel")
    inner = g.edges[(g.edges["source"] != jm.START) & (g.edges["target"] != jm.END)]
    dfg, _, _ = pm4py.discover_dfg(frame)
    ours = {
        (s, t): int(n)
        for s, t, n in zip(inner["source"], inner["target"], inner["transitions"], strict=True)
    }
    assert ours == {k: int(v) for k, v in dfg.items()}


@pytest.mark.parametrize("n_labels", [5, 150, 300])
def test_counts_and_gaps_match_pandas_reference(n_labels):
    """Both code paths (bit sets for few labels, sorts for many) against plain pandas groupbys."""
    rng = np.random.default_rng(n_labels)
    n_cases = 400
    lens = rng.integers(1, 40, n_cases)
    n = int(lens.sum())
    df = pd.DataFrame(
        {
            "c": np.repeat([f"c{i:04d}" for i in range(n_cases)], lens),
            "a": rng.choice([f"t{j:03d}" for j in range(n_labels)], n),
            "t": T0 + pd.to_timedelta(np.cumsum(rng.integers(0, 5000, n)), unit="s"),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", drop_duplicates=False)
    g = jm.discover(log)
    ev = log.events.astype({"activity": str})
    ref_nodes = ev.groupby("activity").agg(
        events=("case_id", "size"), journeys=("case_id", "nunique")
    )
    got_nodes = g.nodes.set_index("node")[["events", "journeys"]].sort_index()
    pd.testing.assert_frame_equal(
        got_nodes, ref_nodes.sort_index(), check_names=False, check_index_type=False
    )

    t = jm.transitions(log).astype({"source": str, "target": str})
    ref = t.groupby(["source", "target"]).agg(
        transitions=("case_id", "size"),
        journeys=("case_id", "nunique"),
        median_gap=("gap", "median"),
        mean_gap=("gap", "mean"),
    )
    ref["p90_gap"] = t.groupby(["source", "target"])["gap"].quantile(0.9)
    inner = g.edges[(g.edges["source"] != jm.START) & (g.edges["target"] != jm.END)]
    got = inner.set_index(["source", "target"]).sort_index()
    ref = ref.sort_index()
    assert got.index.equals(ref.index)
    assert (got["transitions"] == ref["transitions"]).all()
    assert (got["journeys"] == ref["journeys"]).all()
    for col in ("median_gap", "mean_gap", "p90_gap"):
        diff = (got[col] - ref[col]).abs()
        assert (diff <= pd.Timedelta("1us")).all(), col


def test_too_many_segments_is_a_clear_error():
    rows = [(f"c{i}", "A", i, "web", f"s{i}") for i in range(201)]
    with pytest.raises(jm.InvalidParameterError, match="at most 200 values"):
        jm.discover(_log(rows), by="segment")
    assert len(jm.discover(_log(rows[:5]), by="segment")) == 5
