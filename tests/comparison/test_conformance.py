"""compare(): per-step table, unexpected behaviour, timing, fitness, perturbation recovery, pm4py agreement."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.datasets import JourneyModel, simulate
from journeymine.errors import DataQualityWarning, InvalidParameterError
from journeymine.schema import END, START

T0 = pd.Timestamp("2025-03-01 09:00")


def _rows(spec):
    """(case, activity, hours after T0, channel) tuples -> make_log rows."""
    return [(c, a, str(T0 + pd.Timedelta(hours=h)), ch) for c, a, h, ch in spec]


TINY = _rows(
    [
        ("c1", "A", 0, "web"),
        ("c1", "B", 1, "web"),
        ("c1", "C", 2, "email"),
        ("c2", "A", 0, "web"),
        ("c2", "X", 1, "phone"),
        ("c2", "B", 2, "web"),
        ("c2", "C", 3, "email"),
        ("c3", "B", 0, "web"),
        ("c3", "A", 1, "web"),
        ("c3", "C", 2, "email"),
        ("c4", "A", 0, "web"),
        ("c4", "C", 3, "email"),
        ("c5", "A", 0, "app"),
        ("c5", "B", 1, "web"),
        ("c6", "A", 0, "web"),
        ("c6", "B", 1, "web"),
        ("c6", "B", 2, "web"),
        ("c6", "C", 3, "email"),
    ]
)
TINY_AJ = {
    "steps": [{"name": "A", "channel": "web"}, "B", {"name": "C", "max_wait": "90min"}],
    "goal": "C",
}


@pytest.fixture
def tiny(make_log):
    return jm.compare(make_log(TINY, columns=["channel"]), jm.AssumedJourney.from_dict(TINY_AJ))


def test_step_table_hand_computed(tiny):
    s = tiny.steps.set_index("step")
    assert s["journeys"].tolist() == [6, 5, 5]
    assert s["contains"].tolist() == pytest.approx([1, 5 / 6, 5 / 6])
    assert s["skipped"].tolist() == pytest.approx([0, 1 / 6, 0])  # c4 goes past B
    assert s["not_reached"].tolist() == pytest.approx([0, 0, 1 / 6])  # c5 ends before C
    assert (s["contains"] + s["skipped"] + s["not_reached"]).tolist() == pytest.approx([1, 1, 1])
    assert s["median_position"].tolist() == [1.0, 2.0, 3.0]
    assert s["out_of_order"].tolist() == pytest.approx([1 / 6, 1 / 5, 0])  # c3: B before A
    assert s["repeated"].tolist() == pytest.approx([0, 1 / 5, 0])  # c6 repeats B
    assert s.loc["A", "channel_match"] == pytest.approx(5 / 6)  # c5's A is in the app
    assert np.isnan(s.loc["B", "channel_match"])
    assert s["assumed_position"].tolist() == [1, 2, 3]
    assert s["in_log"].all()


def test_journey_fitness_hand_computed(tiny):
    j = tiny.journeys.set_index("case_id")
    # cost / worst case (events + required steps + timed waits)
    expected = {
        "c1": 1.0,
        "c2": 1 - 1 / 8,
        "c3": 1 - 2 / 7,
        "c4": 1 - 2 / 6,
        "c5": 1 - 1 / 5,
        "c6": 1 - 1 / 8,
    }
    assert j["fitness"].to_dict() == pytest.approx(expected)
    assert j.loc["c3", "out_of_order"] == 1 and j.loc["c3", "cost"] == 2
    assert j.loc["c4", "missing_step"] == 1 and j.loc["c4", "too_slow"] == 1
    assert j.loc["c2", "unexpected_touchpoint"] == 1
    assert j.loc["c6", "repeated_step"] == 1
    assert j["reached_goal"].tolist() == [True, True, True, True, False, True]
    assert tiny.fitness == pytest.approx(np.mean(list(expected.values())))
    assert tiny.log_fitness == pytest.approx(1 - 7 / 41)
    assert ((j["fitness"] >= 0) & (j["fitness"] <= 1)).all()


def test_deviation_tables(tiny):
    dev = tiny.deviations
    got = set(zip(dev["case_id"].astype(str), dev["kind"], dev["touchpoint"], strict=True))
    assert got == {
        ("c2", "unexpected_touchpoint", "X"),
        ("c3", "out_of_order", "B"),
        ("c4", "missing_step", "B"),
        ("c4", "too_slow", "C"),
        ("c5", "missing_step", "C"),
        ("c6", "repeated_step", "B"),
    }
    summ = tiny.deviation_summary.set_index(["kind", "touchpoint"])
    assert summ.loc[("missing_step", "B"), "share"] == pytest.approx(1 / 6)


def test_unexpected_touchpoints_and_transitions(tiny):
    u = tiny.unexpected_touchpoints
    assert u[["touchpoint", "events", "journeys"]].values.tolist() == [["X", 1, 1]]
    assert u["share"].iloc[0] == pytest.approx(1 / 6)
    e = tiny.edges.set_index(["source", "target"])
    assert e.loc[(START, "A"), "journeys"] == 5 and e.loc[(START, "A"), "status"] == "matched"
    assert e.loc[("A", "B"), "journeys"] == 3 and e.loc[("B", "C"), "journeys"] == 3
    assert e.loc[("C", END), "journeys"] == 5
    unexpected = set(
        map(tuple, tiny.unexpected_transitions[["source", "target"]].to_numpy().tolist())
    )
    assert unexpected == {
        (START, "B"),
        ("A", "X"),
        ("X", "B"),
        ("B", "A"),
        ("A", "C"),
        ("B", "B"),
        ("B", END),
    }
    assert e.loc[("A", "C"), "journeys"] == 2
    assert e.loc[("A", "B"), "median_gap"] == pd.Timedelta("1h")


def test_timing_table(tiny):
    t = tiny.timing.set_index("step")
    c = t.loc["C"]
    assert c["max_wait"] == pd.Timedelta("90min")
    assert c["journeys"] == 5 and c["over"] == 1 and c["share_over"] == pytest.approx(0.2)
    assert c["median"] == pd.Timedelta("1h")
    assert c["p90"] == pd.Timedelta(hours=2.2)
    b = t.loc["B"]  # from the previous step of the map: c2 waits 2h (A -> X -> B)
    assert b["journeys"] == 4 and b["median"] == pd.Timedelta("1h") and np.isnan(b["share_over"])
    whole = t.loc["(whole journey)"]
    assert whole["journeys"] == 6 and whole["median"] == pd.Timedelta("2.5h")


def test_ongoing_journeys_are_not_missing_later_steps(make_log):
    log = make_log(TINY, columns=["channel"])
    ongoing = np.array([c == "c5" for c in log.cases["case_id"].astype(str)])
    cmp = jm.compare(log._replace(ongoing=ongoing), jm.AssumedJourney.from_dict(TINY_AJ))
    j = cmp.journeys.set_index("case_id")
    assert j.loc["c5", "fitness"] == 1.0 and j.loc["c5", "missing_step"] == 0
    assert not (cmp.deviations["case_id"].astype(str) == "c5").any()


def test_max_duration(make_log):
    log = make_log(TINY, columns=["channel"])
    aj = jm.AssumedJourney.from_dict({**TINY_AJ, "max_duration": "150min"})
    j = jm.compare(log, aj).journeys.set_index("case_id")
    assert j.loc["c6", "too_slow"] == 1 and j.loc["c2", "too_slow"] == 1  # 3h journeys
    assert j.loc["c1", "fitness"] == 1.0  # 2h


def test_any_order_stage_optional_and_repeatable(make_log):
    aj = jm.AssumedJourney.from_dict(
        {
            "stages": [
                {"name": "s1", "steps": ["A", {"name": "O", "optional": True}]},
                {"name": "s2", "order": "any", "steps": ["B", "C"]},
                {"name": "s3", "steps": [{"name": "D", "repeatable": True}]},
            ]
        }
    )
    log = make_log(
        _rows(
            [
                ("k1", "A", 0, "web"),
                ("k1", "C", 1, "web"),
                ("k1", "B", 2, "web"),
                ("k1", "D", 3, "web"),
                ("k1", "D", 4, "web"),
                ("k2", "A", 0, "web"),
                ("k2", "O", 1, "web"),
                ("k2", "B", 2, "web"),
                ("k2", "C", 3, "web"),
                ("k2", "D", 4, "web"),
                ("k3", "O", 0, "web"),
                ("k3", "A", 1, "web"),
                ("k3", "B", 2, "web"),
                ("k3", "C", 3, "web"),
                ("k3", "D", 4, "web"),
            ]
        ),
        columns=["channel"],
    )
    j = jm.compare(log, aj).journeys.set_index("case_id")
    assert j.loc["k1", "fitness"] == 1.0 and j.loc["k2", "fitness"] == 1.0
    # an optional step out of place costs one move: 1 - 1 / (5 events + 4 required)
    assert j.loc["k3", "fitness"] == pytest.approx(1 - 1 / 9)


def test_not_observed_steps_are_reported_not_noise(make_log):
    log = make_log(TINY, columns=["channel"])
    aj = jm.AssumedJourney(["A", "B", "C", "Survey  sent"])
    log2 = make_log(
        [*TINY, ("c1", "survey sent", str(T0 + pd.Timedelta(hours=5)), "email")],
        columns=["channel"],
    )
    with pytest.warns(DataQualityWarning, match="Survey  sent"):
        cmp = jm.compare(log2, aj)
    assert cmp.not_observed["step"].tolist() == ["Survey  sent"]
    assert cmp.not_observed["near_matches"].iloc[0].startswith("survey sent")
    s = cmp.steps.set_index("step")
    assert not s.loc["Survey  sent", "in_log"] and s.loc["Survey  sent", "contains"] == 0
    assert "survey sent" in s.loc["Survey  sent", "near_matches"]
    # the missing name does not count against any journey
    with pytest.warns(DataQualityWarning):
        plain = jm.compare(log, jm.AssumedJourney(["A", "B", "C", "nowhere"]))
    assert plain.journeys.set_index("case_id").loc["c1", "fitness"] == 1.0
    # loose matching finds it
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataQualityWarning)
        loose = jm.compare(log2, aj, match="loose")
    assert loose.steps.set_index("step").loc["Survey  sent", "journeys"] == 1
    assert (
        loose.unexpected_touchpoints.empty
        or "survey sent" not in loose.unexpected_touchpoints["touchpoint"].tolist()
    )


def test_aliases_count_as_the_step(make_log):
    log = make_log(TINY, columns=["channel"])
    aj = jm.AssumedJourney(["A", {"name": "B", "aliases": ["X"]}, "C"])
    cmp = jm.compare(log, aj)
    assert cmp.unexpected_touchpoints.empty
    assert cmp.journeys.set_index("case_id").loc["c2", "repeated_step"] == 1


def test_bad_parameters(make_log):
    log = make_log(TINY, columns=["channel"])
    with pytest.raises(InvalidParameterError, match="'match'"):
        jm.compare(log, ["A"], match="fuzzy")
    with pytest.raises(InvalidParameterError, match="'log'"):
        jm.compare(log.events, ["A"])
    with pytest.raises(InvalidParameterError, match="'assumed'"):
        jm.compare(log, 42)


def test_repr_html_escapes_labels(make_log):
    log = make_log(
        _rows([("a", "<script>x</script>", 0, "web"), ("a", "B", 1, "web")]), columns=["channel"]
    )
    with pytest.warns(DataQualityWarning):
        cmp = jm.compare(log, jm.AssumedJourney(["<img src=y>", "B"]))
    out = cmp._repr_html_()
    assert "<script>" not in out and "<img" not in out
    assert "&lt;img src=y&gt;" in out
    assert "Comparison(" in repr(cmp)


def test_plot_returns_axes(tiny, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = jm.plot_comparison(tiny)
    assert ax.get_title().startswith("assumed journey: assumed vs observed")
    ax.figure.savefig(tmp_path / "cmp.png")
    fig, ax2 = plt.subplots()
    assert jm.plot_comparison(tiny, ax=ax2) is ax2
    plt.close("all")


# --------------------------------------------------------------------------- simulations

AJ_SIM = jm.AssumedJourney.from_dict(
    {
        "name": "shop",
        "goal": "confirm",
        "max_duration": "40D",
        "stages": [
            {
                "name": "find",
                "steps": [
                    {"name": "land", "channel": "web"},
                    {"name": "read reviews", "optional": True},
                    "browse",
                ],
            },
            {
                "name": "buy",
                "steps": ["add to cart", "checkout", {"name": "pay", "max_wait": "3D"}],
            },
            {"name": "after", "steps": ["confirm", {"name": "rate us", "optional": True}]},
        ],
    }
)


def _log_from_frame(df, truth=None):
    """The log of a (perturbed) simulated frame; journeys cut by the window end are marked ongoing."""
    log = jm.from_pandas(
        df,
        case="case_id",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        department="department",
    )
    if truth is None:
        return log
    ongoing = (
        truth.set_index("case_id")["ongoing"]
        .reindex(log.cases["case_id"].astype(str))
        .fillna(False)
    )
    return log._replace(ongoing=ongoing.to_numpy(dtype=bool))


def test_unperturbed_simulation_fits_fully():
    df, truth = simulate(
        AJ_SIM.to_model(), n_journeys=3000, seed=11, as_frame=True, return_truth=True
    )
    assert truth["ongoing"].any()  # some journeys are cut by the end of the window: not deviations
    cmp = jm.compare(_log_from_frame(df, truth), AJ_SIM)
    assert cmp.fitness == 1.0 and cmp.log_fitness == 1.0
    assert cmp.deviations.empty and cmp.unexpected_touchpoints.empty
    assert (cmp.journeys["fitness"] == 1.0).all()
    assert set(cmp.edges["status"]) <= {"matched", "assumed_not_observed"}


def test_simulating_the_assumed_journey_itself_fits_fully():
    """simulate() takes the AssumedJourney directly (through to_model) and marks cut journeys ongoing."""
    log = simulate(AJ_SIM, n_journeys=3000, seed=12)
    cmp = jm.compare(log, AJ_SIM)
    assert cmp.fitness == 1.0 and cmp.deviations.empty
    steps = cmp.steps.set_index("step")
    assert steps.loc["read reviews", "contains"] == pytest.approx(0.5, abs=0.04)  # optional: half
    assert steps.loc["land", "channel_match"] == 1.0


def _perturb(df, rng, *, skip, detour, swap):
    """Skip 'add to cart', insert a 'call support' detour after 'browse', swap 'checkout' and 'pay'."""
    df = df.copy()
    df["activity"] = df["activity"].astype(str)
    cases = df["case_id"].cat.categories
    code = df["case_id"].cat.codes.to_numpy()
    sets = {
        k: rng.random(len(cases)) < p
        for k, p in (("skip", skip), ("detour", detour), ("swap", swap))
    }
    # swap the timestamps of checkout and pay
    sw = sets["swap"][code]
    ck = np.flatnonzero(sw & (df["activity"] == "checkout").to_numpy())
    pay = np.flatnonzero(sw & (df["activity"] == "pay").to_numpy())
    ts = df["timestamp"].to_numpy().copy()
    ts[ck], ts[pay] = df["timestamp"].to_numpy()[pay], df["timestamp"].to_numpy()[ck]
    df["timestamp"] = pd.to_datetime(ts, utc=True)
    # detour halfway between browse and the next event
    br = np.flatnonzero(sets["detour"][code] & (df["activity"] == "browse").to_numpy())
    nxt = df["timestamp"].iloc[br + 1].to_numpy()
    det = df.iloc[br].copy()
    det["activity"] = "call support"
    det["channel"] = "phone"
    det["timestamp"] = (
        df["timestamp"].iloc[br].to_numpy() + (nxt - df["timestamp"].iloc[br].to_numpy()) / 2
    )
    # skip add to cart
    drop = sets["skip"][code] & (df["activity"] == "add to cart").to_numpy()
    out = pd.concat([df[~drop], det], ignore_index=True)
    return out, {k: pd.Index(cases[v]) for k, v in sets.items()}


def test_perturbations_are_recovered():
    rng = np.random.default_rng(5)
    df, truth = simulate(
        AJ_SIM.to_model(), n_journeys=4000, seed=5, as_frame=True, return_truth=True
    )
    # keep the journeys the window did not cut, so every perturbation is visible
    df = df[~df["case_id"].isin(truth.loc[truth["ongoing"], "case_id"])].copy()
    df["case_id"] = df["case_id"].cat.remove_unused_categories()
    pert, sets = _perturb(df, rng, skip=0.15, detour=0.20, swap=0.10)
    cmp = jm.compare(_log_from_frame(pert), AJ_SIM)
    n = cmp.n_journeys
    share = {k: len(v) / n for k, v in sets.items()}
    steps = cmp.steps.set_index("step")
    # recovered exactly (the known sets), and within a few points of the planted rates
    assert steps.loc["add to cart", "skipped"] == pytest.approx(share["skip"])
    assert abs(steps.loc["add to cart", "skipped"] - 0.15) < 0.03
    unexpected = cmp.unexpected_touchpoints.set_index("touchpoint")
    assert unexpected.loc["call support", "share"] == pytest.approx(share["detour"])
    assert abs(unexpected.loc["call support", "share"] - 0.20) < 0.03
    assert steps.loc["checkout", "out_of_order"] == pytest.approx(share["swap"])
    assert steps.loc["pay", "out_of_order"] == pytest.approx(share["swap"])
    assert abs(steps.loc["pay", "out_of_order"] - 0.10) < 0.03
    for other in ("land", "browse", "confirm"):
        assert steps.loc[other, "out_of_order"] == 0 and steps.loc[other, "skipped"] == 0
    summ = cmp.deviation_summary.set_index(["kind", "touchpoint"])
    assert summ.loc[("missing_step", "add to cart"), "share"] == pytest.approx(share["skip"])
    assert summ.xs("out_of_order", level="kind")["share"].sum() == pytest.approx(share["swap"])
    # fitness per journey: exact costs for the single perturbations, 1.0 for untouched journeys
    j = cmp.journeys.set_index(cmp.journeys["case_id"].astype(str))
    only = {
        k: sets[k].difference(sets[o1]).difference(sets[o2])
        for k, (o1, o2) in {
            "skip": ("detour", "swap"),
            "detour": ("skip", "swap"),
            "swap": ("skip", "detour"),
        }.items()
    }
    untouched = j.index.difference(sets["skip"]).difference(sets["detour"]).difference(sets["swap"])
    assert (j.loc[untouched, "fitness"] == 1.0).all()
    assert (j.loc[only["skip"], "missing_step"] == 1).all()
    assert (j.loc[only["detour"], "unexpected_touchpoint"] == 1).all()
    assert (j.loc[only["swap"], "out_of_order"] == 1).all() and (
        j.loc[only["swap"], "cost"] == 2
    ).all()
    assert (j.loc[only["skip"], "cost"] == 1).all() and (j.loc[only["detour"], "cost"] == 1).all()
    assert ("browse", "call support") in set(
        map(tuple, cmp.unexpected_transitions[["source", "target"]].values.tolist())
    )


def test_simulator_skips_and_detours_are_recovered():
    """Perturbations planted with the simulator itself rather than by editing events."""
    steps = ["a", "b", "c", "d"]
    model = JourneyModel(
        touchpoints=[(s, "web", "sales", "inbound") for s in [*steps, "help"]],
        start={"a": 1.0},
        transitions={
            "a": {"b": 0.75, "c": 0.25},
            "b": {"c": 0.8, "help": 0.2},
            "help": {"c": 1.0},
            "c": {"d": 1.0},
        },
        goals=["d"],
    )
    df, truth = simulate(model, n_journeys=5000, seed=2, as_frame=True, return_truth=True)
    cmp = jm.compare(_log_from_frame(df, truth), jm.AssumedJourney(steps, goal="d"))
    s = cmp.steps.set_index("step")
    assert abs(s.loc["b", "skipped"] - 0.25) < 0.03
    u = cmp.unexpected_touchpoints.set_index("touchpoint")
    assert abs(u.loc["help", "share"] - 0.75 * 0.2) < 0.03


# --------------------------------------------------------------------------- pm4py models


def _receipt(real_data):
    return jm.read_csv(
        real_data / "receipt.csv.gz",
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
        resource="org:resource",
        channel="case:channel",
    )


@pytest.mark.realdata
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_receipt_bpmn_agrees_with_pm4py(real_data):
    pm4py = pytest.importorskip("pm4py")
    log = _receipt(real_data)
    aj = jm.AssumedJourney.from_bpmn(real_data / "receipt.bpmn")
    net, im, fm = aj.petri_net
    df = log.to_pm4py()
    cmp = jm.compare(log, aj)
    assert cmp.method == "alignments" and cmp.n_journeys == 1434
    ref = pm4py.fitness_alignments(df, net, im, fm)
    assert cmp.fitness == pytest.approx(ref["average_trace_fitness"], abs=1e-9)
    assert cmp.log_fitness == pytest.approx(ref["log_fitness"], abs=1e-9)
    tbr = jm.compare(log, aj, method="token_replay")
    ref_t = pm4py.fitness_token_based_replay(df, net, im, fm)
    assert tbr.fitness == pytest.approx(ref_t["average_trace_fitness"], abs=1e-9)
    assert tbr.log_fitness == pytest.approx(ref_t["log_fitness"], abs=1e-9)
    assert {"case_id", "fitness"} <= set(cmp.journeys.columns)
    assert cmp.steps.set_index("step").loc["Confirmation of receipt", "contains"] == 1.0


@pytest.mark.realdata
@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_receipt_with_deviations_agrees_with_pm4py(real_data):
    pm4py = pytest.importorskip("pm4py")
    log = _receipt(real_data)
    df = log.to_pm4py()
    rng = np.random.default_rng(0)
    cases = df["case:concept:name"].unique()
    noisy = set(rng.choice(cases, size=150, replace=False))
    extra = df[df["case:concept:name"].isin(noisy)].groupby("case:concept:name").head(1).copy()
    extra["concept:name"] = "Phone call about the permit"
    extra["time:timestamp"] = extra["time:timestamp"] + pd.Timedelta("1s")
    dropped = set(rng.choice(cases, size=150, replace=False))
    first = df["case:concept:name"].isin(dropped) & (
        df["concept:name"] == "Confirmation of receipt"
    )
    df2 = pd.concat([df[~first], extra], ignore_index=True).sort_values(
        ["case:concept:name", "time:timestamp"], kind="stable"
    )
    log2 = jm.from_pandas(
        df2, case="case:concept:name", activity="concept:name", timestamp="time:timestamp"
    )
    aj = jm.AssumedJourney.from_bpmn(real_data / "receipt.bpmn")
    net, im, fm = aj.petri_net
    cmp = jm.compare(log2, aj)
    ref = pm4py.fitness_alignments(df2, net, im, fm)
    assert cmp.fitness < 1.0
    assert cmp.fitness == pytest.approx(ref["average_trace_fitness"], abs=1e-9)
    assert cmp.log_fitness == pytest.approx(ref["log_fitness"], abs=1e-9)
    summ = cmp.deviation_summary.set_index(["kind", "touchpoint"])
    assert summ.loc[("unexpected_touchpoint", "Phone call about the permit"), "journeys"] == 150
    assert ("missing_step", "Confirmation of receipt") in summ.index
    unexpected = cmp.unexpected_touchpoints.set_index("touchpoint")
    assert unexpected.loc["Phone call about the permit", "journeys"] == 150
