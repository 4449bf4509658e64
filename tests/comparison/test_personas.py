"""personas(): planted journey types are recovered, results are seeded, the log gets a persona column."""

from __future__ import annotations

import numpy as np
import pytest

import journeymine as jm
from journeymine.datasets import JourneyModel, simulate
from journeymine.errors import InvalidParameterError

TOUCHPOINTS = [
    ("visit homepage", "web", "marketing", "inbound"),
    ("view pricing", "web", "sales", "inbound"),
    ("purchase", "web", "sales", "inbound"),
    ("call support", "phone", "support", "inbound"),
    ("ticket update", "email", "support", "outbound"),
    ("support resolved", "email", "support", "outbound"),
    ("open app", "app", "product", "inbound"),
    ("use feature", "app", "product", "inbound"),
    ("rate app", "app", "product", "inbound"),
    ("newsletter email", "email", "marketing", "outbound"),
]


def _planted(n_journeys: int, seed: int):
    """Three journey types (web buyers, support callers, app users) sharing a newsletter touchpoint."""
    model = JourneyModel(
        touchpoints=TOUCHPOINTS,
        start={"visit homepage": 0.4, "call support": 0.35, "open app": 0.25},
        transitions={
            "visit homepage": {"view pricing": 0.8, "newsletter email": 0.1, "END": 0.1},
            "view pricing": {"purchase": 0.5, "view pricing": 0.2, "END": 0.3},
            "purchase": {"newsletter email": 0.3, "END": 0.7},
            "call support": {"ticket update": 0.8, "call support": 0.1, "END": 0.1},
            "ticket update": {
                "support resolved": 0.6,
                "call support": 0.2,
                "newsletter email": 0.1,
                "END": 0.1,
            },
            "support resolved": {"END": 0.8, "newsletter email": 0.2},
            "open app": {"use feature": 0.9, "END": 0.1},
            "use feature": {
                "use feature": 0.5,
                "rate app": 0.2,
                "newsletter email": 0.1,
                "END": 0.2,
            },
            "rate app": {"END": 1.0},
            "newsletter email": {"END": 1.0},
        },
        goals=["purchase"],
    )
    df, truth = simulate(model, n_journeys=n_journeys, seed=seed, as_frame=True, return_truth=True)
    log = jm.from_pandas(
        df,
        case="case_id",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        department="department",
    )
    kind = truth.set_index("case_id")["first_activity"].astype(str)
    return log, kind.reindex(log.cases["case_id"].astype(str)).to_numpy()


@pytest.mark.parametrize("seed", [0, 7])
def test_planted_types_are_recovered(seed):
    from sklearn.metrics import adjusted_rand_score

    log, truth = _planted(3000, seed)
    p = jm.personas(log, goal="purchase", seed=seed)
    assert p.n == 3
    ari = adjusted_rand_score(truth, p.assignment["persona"].astype(str).to_numpy())
    assert ari > 0.8
    assert p.silhouette["k"].tolist() == list(range(2, 9))
    prof = p.profiles.set_index("persona")
    assert prof["journeys"].sum() == log.n_cases
    assert (np.diff(prof["journeys"].to_numpy()) <= 0).all()  # P1 is the largest
    # each planted type is one persona with its own channel and path
    channels = {prof.loc[q, "dominant_channels"].split()[0] for q in prof.index}
    assert channels == {"web", "phone", "app"} or channels == {"web", "email", "app"}
    buyers = prof["conversion"].idxmax()
    assert "web" in prof.loc[buyers, "dominant_channels"] and prof.loc[buyers, "conversion"] > 0.3
    assert all(prof["description"].str.startswith(tuple(prof.index)))


def test_seeded_and_deterministic():
    log, _ = _planted(1500, 3)
    a = jm.personas(log, seed=1)
    b = jm.personas(log, seed=1)
    assert a.assignment.equals(b.assignment)
    assert a.profiles.equals(b.profiles)


def test_fixed_n_and_feature_choice():
    log, truth = _planted(1500, 4)
    p = jm.personas(log, n=4, features=["touchpoints"])
    assert p.n == 4 and p.silhouette is None
    assert p.assignment["persona"].cat.categories.tolist() == ["P1", "P2", "P3", "P4"]
    assert p.features == ("touchpoints",)
    with pytest.raises(InvalidParameterError, match="'features'"):
        jm.personas(log, features=["colour"])
    with pytest.raises(InvalidParameterError, match="'n'"):
        jm.personas(log, n=0)


def test_label_gives_one_map_per_persona():
    log, _ = _planted(1500, 5)
    p = jm.personas(log, n=3, goal="purchase")
    labelled = p.label(log)
    assert "persona" in labelled.columns and "persona" not in log.columns
    per_case = labelled.events.groupby("case_id", observed=True)["persona"].first().astype(str)
    expected = p.assignment.set_index("case_id")["persona"].astype(str)
    assert (per_case.reindex(expected.index) == expected).all()
    assert p.apply(log).events["persona"].equals(labelled.events["persona"])
    maps = jm.discover(labelled, by="persona")
    assert sorted(maps) == ["P1", "P2", "P3"]
    with pytest.raises(InvalidParameterError, match="'column'"):
        p.label(log, column="activity")
    assert "Personas(3 personas" in repr(p) and "<table" in p._repr_html_()


def test_label_a_sub_log():
    log, _ = _planted(600, 6)
    p = jm.personas(log, n=2)
    sub = log.select_cases(log.cases["case_id"][:50])
    assert p.label(sub).events["persona"].notna().all()
