"""Every duration parameter needs a unit: "30" or 30 is refused, never read as nanoseconds.

One table of (public callable, duration parameter); a contract test checks that the
table covers every public callable whose signature has a duration parameter, so a new
one cannot slip past. Each entry is then called with bare numbers (refused, naming the
parameter) and with durations that carry a unit (accepted).
"""

from __future__ import annotations

import datetime
import inspect

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine._validation import parse_duration, to_timedelta
from journeymine.cli.config import parse_config


@pytest.fixture(scope="module")
def log() -> jm.JourneyLog:
    df = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "b"],
            "what": ["visit", "call", "purchase", "visit", "call"],
            "when": pd.to_datetime(
                ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-01", "2025-01-05"]
            ),
            "ch": ["web", "phone", "web", "web", "phone"],
            "dep": ["sales", "support", "sales", "sales", "support"],
        }
    )
    return jm.from_pandas(
        df,
        customer="c",
        activity="what",
        timestamp="when",
        channel="ch",
        department="dep",
        labels={"direction": "inbound"},
    )


def _aj(**kw):
    return jm.AssumedJourney(["visit", "call"], goal="call", **kw)


# (name, parameter, call(log, value)); ``positive=False`` where zero or a negative is allowed
CALLS = {
    ("split_journeys", "inactivity"): lambda log, v: jm.split_journeys(log, inactivity=v),
    ("funnel", "within"): lambda log, v: jm.funnel(log, ["visit", "call"], within=v),
    ("handoffs", "window"): lambda log, v: jm.handoffs(log, window=v),
    ("repeat_contacts", "window"): lambda log, v: jm.repeat_contacts(log, window=v),
    ("pain_points", "window"): lambda log, v: jm.pain_points(log, goal="purchase", window=v),
    ("pain_points", "floor"): lambda log, v: jm.pain_points(log, goal="purchase", floor=v),
    ("pain_points", "after_goal"): lambda log, v: jm.pain_points(
        log, goal="purchase", after_goal=v
    ),
    ("silent_gaps", "threshold"): lambda log, v: jm.silent_gaps(log, threshold=v),
    ("silent_gaps", "floor"): lambda log, v: jm.silent_gaps(log, floor=v),
    ("silent_gaps_summary", "threshold"): lambda log, v: jm.silent_gaps_summary(log, threshold=v),
    ("silent_gaps_summary", "floor"): lambda log, v: jm.silent_gaps_summary(log, floor=v),
    ("funnel_times", "within"): lambda log, v: jm.funnel_times(log, ["visit", "call"], within=v),
    ("attribution", "half_life"): lambda log, v: jm.attribution(
        log, goal="purchase", method="time_decay", half_life=v
    ),
    ("journey_features", "window"): lambda log, v: jm.journey_features(
        log, goal="purchase", window=v
    ),
    ("journey_features", "cut"): lambda log, v: jm.journey_features(log, goal="purchase", cut=v),
    ("after_goal", "within"): lambda log, v: jm.after_goal(log, goal="purchase", within=v),
    ("filter_events", "inactivity"): lambda log, v: jm.filter_events(
        log, end="2025-01-04", inactivity=v
    ),
    ("AssumedJourney", "max_duration"): lambda log, v: _aj(max_duration=v),
    ("AssumedJourney.to_model", "delay"): lambda log, v: _aj().to_model(delay=v),
    ("datasets.Delay", "median"): lambda log, v: jm.datasets.Delay(v),
    ("datasets.JourneyModel", "inactivity"): lambda log, v: jm.datasets.JourneyModel.from_steps(
        ["a", "b"], inactivity=v
    ),
    ("datasets.JourneyModel.from_steps", "delay"): lambda log, v: (
        jm.datasets.JourneyModel.from_steps(["a", "b"], delay=v)
    ),
}
# the assumed-journey specification parses its durations in compare/_spec.py, not yet
# through parse_duration: it still reads a unitless string (and np.int64) as nanoseconds
SPEC_NOT_ROUTED = {("AssumedJourney", "max_duration"), ("AssumedJourney.to_model", "delay")}

BARE = [
    "30",
    " 30 ",
    "1.5",
    "-2",
    "+5",
    30,
    30.0,
    np.int64(30),
    np.float64(1.5),
    True,
    np.timedelta64(30),
]
WITH_UNIT = [
    "30D",
    "12h",
    "1 days 02:00:00",
    "02:00:00",
    pd.Timedelta("1D"),
    datetime.timedelta(hours=12),
    np.timedelta64(12, "h"),
]

_DURATION_NAMES = {
    "inactivity",
    "within",
    "window",
    "floor",
    "threshold",
    "max_duration",
    "delay",
    "median",
    "max_wait",
    "max_gap",
    "timeout",
}


def _public_callables():
    out = {}
    names = [(n, getattr(jm, n)) for n in jm.__all__]
    names += [(f"datasets.{n}", getattr(jm.datasets, n)) for n in jm.datasets.__all__]
    for name, obj in names:
        if inspect.isclass(obj):
            out[name] = obj
            for meth in vars(obj):
                if not meth.startswith("_") and callable(getattr(obj, meth, None)):
                    out[f"{name}.{meth}"] = getattr(obj, meth)
        elif callable(obj):
            out[name] = obj
    return out


def _is_duration(p: inspect.Parameter) -> bool:
    text = str(p.annotation)
    if "Timedelta" in text and "Delay" not in text:
        return True
    return p.name in _DURATION_NAMES and "Delay" not in text


def test_table_covers_every_public_duration_parameter():
    found = set()
    for name, fn in _public_callables().items():
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            continue
        found |= {(name, p.name) for p in params if _is_duration(p)}
    assert found == set(CALLS)


def _params(values):
    return [pytest.param(key, v, id=f"{key[0]}.{key[1]}={v!r}") for key in CALLS for v in values]


@pytest.mark.parametrize(("key", "value"), _params(BARE))
def test_bare_numbers_are_refused_naming_the_parameter(log, key, value):
    with pytest.raises(jm.InvalidParameterError, match=key[1]):
        CALLS[key](log, value)


@pytest.mark.parametrize(("key", "value"), _params(WITH_UNIT))
def test_durations_with_a_unit_are_accepted(log, key, value):
    CALLS[key](log, value)


def test_split_journeys_message_and_no_nanosecond_journeys(log):
    with pytest.raises(jm.InvalidParameterError) as info:
        jm.split_journeys(log, inactivity="30")
    assert str(info.value).startswith(
        "The 'inactivity' parameter of split_journeys must be a duration with a unit such as "
        "'30D' or '12h'"
    )
    assert str(info.value).endswith("Got '30' instead.")
    assert jm.split_journeys(log, inactivity="30D").n_cases == 2


@pytest.mark.parametrize("value", BARE)
def test_parse_duration_refuses_bare_numbers(value):
    with pytest.raises(ValueError):
        parse_duration(value)


@pytest.mark.parametrize("value", WITH_UNIT)
def test_parse_duration_accepts_units(value):
    assert parse_duration(value) > pd.Timedelta(0)


def test_zero_and_negative_only_where_allowed():
    assert to_timedelta("0s", "floor", "f", positive=False) == pd.Timedelta(0)
    with pytest.raises(jm.InvalidParameterError, match="positive duration"):
        to_timedelta("-1D", "window", "f")
    with pytest.raises(jm.InvalidParameterError, match="'window' parameter of f"):
        to_timedelta(None, "window", "f", allow_none=False)


MINIMAL = {
    "sources": {"web": {"path": "web.csv", "customer": "c", "activity": "a", "timestamp": "t"}}
}
CONFIG_KEYS = {
    "journeys.inactivity": lambda v: {"journeys": {"inactivity": v}},
    "analyses.handoffs.window": lambda v: {"analyses": {"handoffs": {"window": v}}},
}


@pytest.mark.parametrize("key", sorted(CONFIG_KEYS))
@pytest.mark.parametrize(
    "value",
    [
        "30",
        " 30 ",
        30,
        1.5,
        "-2",
    ],
)
def test_config_refuses_bare_numbers_naming_the_key(key, value):
    with pytest.raises(jm.ConfigError, match=key.replace(".", r"\.")):
        parse_config({**MINIMAL, **CONFIG_KEYS[key](value)}, file="c.toml", check_files=False)
