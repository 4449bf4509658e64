"""AssumedJourney: specs from lists, dicts, YAML and JSON, errors that name the field, edges, to_model."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import journeymine as jm
from journeymine.errors import InvalidParameterError
from journeymine.schema import END, START

SPEC = {
    "name": "Online purchase",
    "goal": "purchase",
    "max_duration": "30D",
    "stages": [
        {
            "name": "Awareness",
            "steps": [
                {"name": "visit homepage", "channel": "web", "department": "marketing"},
                {"name": "read reviews", "optional": True},
            ],
        },
        {"name": "Consideration", "order": "any", "steps": ["view pricing", "compare plans"]},
        {
            "name": "Purchase",
            "steps": [
                {"name": "enter payment details", "max_wait": "2D", "aliases": ["Payment details"]},
                {"name": "purchase", "required": True},
                {"name": "use app", "optional": True, "repeatable": True},
            ],
        },
    ],
}


def test_plain_list_of_steps():
    aj = jm.AssumedJourney(["a", "b", "c"], goal="c")
    assert aj.step_names == ["a", "b", "c"]
    assert aj.goal == ("c",)
    assert [s.stage for s in aj.steps] == ["journey"] * 3
    assert aj.kind == "steps"
    assert aj == jm.AssumedJourney.from_steps(["a", "b", "c"], goal="c")
    assert jm.AssumedJourney.from_dict(["a", "b", "c"]).step_names == ["a", "b", "c"]


def test_dict_spec_fields():
    aj = jm.AssumedJourney.from_dict(SPEC)
    assert aj.name == "Online purchase"
    assert [st.name for st in aj.stages] == ["Awareness", "Consideration", "Purchase"]
    s = {x.name: x for x in aj.steps}
    assert s["visit homepage"].channel == "web" and s["visit homepage"].department == "marketing"
    assert s["read reviews"].optional and not s["purchase"].optional
    assert s["enter payment details"].max_wait == pd.Timedelta("2D")
    assert s["use app"].repeatable
    assert aj.max_duration == pd.Timedelta("30D")
    assert aj.ranks.tolist() == [0, 1, 2, 2, 3, 4, 5]
    assert aj.labels()["Payment details"] == "enter payment details"


def test_round_trip_dict_yaml_json(tmp_path):
    import yaml

    aj = jm.AssumedJourney.from_dict(SPEC)
    assert jm.AssumedJourney.from_dict(aj.to_dict()) == aj
    y = tmp_path / "journey.yaml"
    y.write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    assert jm.AssumedJourney.from_file(y) == aj
    assert jm.AssumedJourney.from_yaml(y) == aj
    assert jm.AssumedJourney.from_yaml(yaml.safe_dump(SPEC)) == aj
    j = tmp_path / "journey.json"
    j.write_text(json.dumps(SPEC), encoding="utf-8")
    assert jm.AssumedJourney.from_file(j) == aj


@pytest.mark.parametrize(
    ("spec", "path", "problem"),
    [
        (
            {
                "stages": [
                    {"name": "a", "steps": ["x"]},
                    {"name": "b", "steps": [{"name": "y", "max_wait": "soon"}]},
                ]
            },
            "stages[1].steps[0].max_wait",
            "positive duration",
        ),
        (
            {
                "stages": [
                    {"name": "a", "steps": ["x"]},
                    {"name": "b", "steps": [{"name": "y", "max_wait": 3}]},
                ]
            },
            "stages[1].steps[0].max_wait",
            "no unit",
        ),
        ({"steps": ["x", {"name": "y", "optional": "yes"}]}, "steps[1].optional", "true or false"),
        ({"steps": ["x", {"channel": "web"}]}, "steps[1].name", "needs a name"),
        (
            {"steps": ["x", {"name": "y", "chanel": "web"}]},
            "steps[1].chanel",
            "did you mean 'channel'",
        ),
        ({"steps": ["x", "x"]}, "steps[1].name", "already belongs"),
        (
            {"stages": [{"name": "a", "steps": ["x"], "order": "random"}]},
            "stages[0].order",
            "one of",
        ),
        ({"stages": [{"name": "a", "steps": []}]}, "stages[0].steps", "non-empty"),
        ({"steps": ["x", "y"], "goal": "z"}, "goal", "must name steps"),
        ({"steps": ["x", "y"], "goal": "Y"}, "goal", "did you mean 'y'"),
        ({"steps": ["x"], "stages": []}, "stages", "exactly one"),
        ({"steps": ["x"], "max_duration": "-1D"}, "max_duration", "positive duration"),
        (
            {"steps": ["x", {"name": "y", "aliases": ["x"]}]},
            "steps[1].aliases[0]",
            "already belongs",
        ),
        (
            {"stages": [{"name": "a", "steps": ["x"]}, {"name": "a", "steps": ["y"]}]},
            "stages[1].name",
            "unique",
        ),
    ],
)
def test_invalid_specs_name_the_field(spec, path, problem):
    with pytest.raises(InvalidParameterError) as err:
        jm.AssumedJourney.from_dict(spec)
    msg = str(err.value)
    assert f"at {path!r}" in msg
    assert problem in msg


def test_invalid_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("steps: [a, b\n", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match="cannot be read"):
        jm.AssumedJourney.from_file(bad)
    with pytest.raises(InvalidParameterError, match="existing file"):
        jm.AssumedJourney.from_file(tmp_path / "missing.yaml")
    other = tmp_path / "x.txt"
    other.write_text("a", encoding="utf-8")
    with pytest.raises(InvalidParameterError, match=r"\.yaml, \.yml, \.json"):
        jm.AssumedJourney.from_file(other)


def test_edges_optional_any_order_repeatable():
    aj = jm.AssumedJourney.from_dict(SPEC)
    edges = set(map(tuple, aj.edges().to_numpy().tolist()))
    assert (START, "visit homepage") in edges
    assert (START, "read reviews") not in edges  # visit homepage is required
    assert ("visit homepage", "view pricing") in edges  # read reviews is optional
    assert ("view pricing", "compare plans") in edges and ("compare plans", "view pricing") in edges
    assert (
        "visit homepage",
        "enter payment details",
    ) not in edges  # the any-order stage is required
    assert ("use app", "use app") in edges
    assert ("purchase", END) in edges and ("use app", END) in edges
    assert ("enter payment details", END) not in edges


def test_to_model_follows_the_assumptions():
    aj = jm.AssumedJourney.from_dict(SPEC)
    model = aj.to_model(optional_share=0.25)
    assert model.goals == ("purchase",)
    assert dict(model.transitions["visit homepage"]) == pytest.approx(
        {"read reviews": 0.25, "view pricing": 0.75}
    )
    assert model.touchpoint("visit homepage").channel == "web"
    # waits stay inside max_wait: median max_wait / 5, and the caps of max_duration
    assert model.delay("view pricing", "enter payment details").median <= pd.Timedelta("2D") / 5
    df = jm.datasets.simulate(model, n_journeys=300, seed=3, as_frame=True)
    assert set(df["activity"].astype(str)) <= set(aj.step_names)


def test_simulate_accepts_an_assumed_journey():
    aj = jm.AssumedJourney(["a", {"name": "b", "optional": True}, "c"], goal="c")
    df = jm.datasets.simulate(aj, n_journeys=400, seed=2, as_frame=True)
    expected = jm.datasets.simulate(aj.to_model(), n_journeys=400, seed=2, as_frame=True)
    assert df.equals(expected)
    counts = df["activity"].value_counts()
    assert (
        counts["a"] == 400 and counts["c"] >= 380 and 150 < counts["b"] < 250
    )  # a few cut by the window end


@pytest.mark.realdata
def test_to_model_rejects_model_based_journeys(real_data):
    pytest.importorskip("pm4py")
    aj = jm.AssumedJourney.from_bpmn(real_data / "receipt.bpmn")
    with pytest.raises(InvalidParameterError, match="stages and steps"):
        aj.to_model()


@pytest.mark.realdata
def test_from_bpmn_and_petri_net(real_data):
    pytest.importorskip("pm4py")
    aj = jm.AssumedJourney.from_file(real_data / "receipt.bpmn")
    assert aj.kind == "petri_net"
    assert aj.step_names[0] == "Confirmation of receipt"
    assert "T02 Check confirmation of receipt" in aj.step_names
    net, im, fm = aj.petri_net
    again = jm.AssumedJourney.from_petri_net(net, im, fm, name="receipt")
    assert again.step_names == aj.step_names
    edges = aj.edges()
    assert (START, "Confirmation of receipt") in set(map(tuple, edges.to_numpy().tolist()))
    with pytest.raises(InvalidParameterError, match="PetriNet"):
        jm.AssumedJourney.from_petri_net("not a net", im, fm)


def test_repr_and_html_escape():
    aj = jm.AssumedJourney(["<b>x</b>", "y"])
    assert "AssumedJourney(" in repr(aj)
    assert "<b>x</b>" not in aj._repr_html_() and "&lt;b&gt;" in aj._repr_html_()
