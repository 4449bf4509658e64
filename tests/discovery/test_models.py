"""jm.discover_model: pm4py's formal models, and a clear error without the extra."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

import journeymine as jm
from journeymine._optional import import_pm4py


def _log() -> jm.JourneyLog:
    df = pd.DataFrame(
        {
            "c": ["x", "x", "x", "y", "y", "y", "z", "z"],
            "a": ["A", "B", "D", "A", "C", "D", "A", "D"],
            "ch": ["web", "web", "app", "web", "phone", "app", "web", "app"],
            "t": pd.date_range("2025-01-01", periods=8, freq="h"),
        }
    )
    return jm.from_pandas(df, case="c", activity="a", timestamp="t", channel="ch")


def test_inductive_returns_net_and_markings(running_example):
    pytest.importorskip("pm4py")
    net, im, fm = jm.discover_model(running_example)
    labels = {t.label for t in net.transitions if t.label}
    assert labels == set(running_example.events["activity"].astype(str))
    assert len(im) == 1 and len(fm) == 1
    pm4py = import_pm4py()
    fit = pm4py.fitness_token_based_replay(running_example.to_pm4py(), net, im, fm)
    assert fit["perc_fit_traces"] == pytest.approx(100.0)


def test_inductive_noise_threshold_and_level():
    pytest.importorskip("pm4py")
    net, im, fm = jm.discover_model(_log(), noise_threshold=0.2)
    assert {t.label for t in net.transitions if t.label} <= {"A", "B", "C", "D"}
    net, _, _ = jm.discover_model(_log(), level="channel")
    assert {t.label for t in net.transitions if t.label} == {"web", "app", "phone"}


def test_heuristics_net():
    pytest.importorskip("pm4py")
    from pm4py.objects.heuristics_net.obj import HeuristicsNet

    hn = jm.discover_model(_log(), "heuristics", dependency_threshold=0.0)
    assert isinstance(hn, HeuristicsNet)
    assert set(hn.activities) == {"A", "B", "C", "D"}


def test_bad_parameters():
    with pytest.raises(jm.InvalidParameterError, match="'method' parameter of discover_model"):
        jm.discover_model(_log(), "alpha")
    with pytest.raises(jm.InvalidParameterError, match="noise_threshold"):
        jm.discover_model(_log(), "heuristics", noise_threshold=0.3)
    with pytest.raises(jm.InvalidParameterError, match="noise_threshold"):
        jm.discover_model(_log(), noise_threshold=2)
    with pytest.raises(jm.MissingColumnError):
        jm.discover_model(_log(), level="stage")
    with pytest.raises(jm.InvalidParameterError, match="JourneyLog"):
        jm.discover_model(pd.DataFrame())


def test_missing_pm4py_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pm4py", None)
    with pytest.raises(
        jm.MissingDependencyError, match=r"pip install 'journeymine\[pm4py\]'"
    ) as err:
        jm.discover_model(_log())
    assert isinstance(err.value, ImportError)
    assert "discover_model" in str(err.value)


def test_pm4py_import_is_quiet(capfd):
    pytest.importorskip("pm4py")
    import_pm4py()
    out, err = capfd.readouterr()
    assert "Welcome" not in out + err


def test_import_journeymine_stays_light():
    import subprocess

    code = (
        "import sys, journeymine; "
        "heavy = [m for m in ('pm4py', 'matplotlib', 'networkx') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


def test_discover_model_size_guard():
    from journeymine.errors import DataError

    n = 30
    df = pd.DataFrame(
        {
            "c": ["x"] * n,
            "a": ["A", "B", "C"] * (n // 3),
            "t": pd.date_range("2025-01-01", periods=n, freq="h"),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.raises(DataError, match="max_journey_length"):
        jm.discover_model(log, max_journey_length=10)
    with pytest.raises(DataError, match="max_events"):
        jm.discover_model(log, max_events=20)
    with pytest.raises(jm.errors.InvalidParameterError, match="max_events"):
        jm.discover_model(log, max_events=0)
