"""The journey simulator, the bundled sample and the raw multichannel sample files."""

from __future__ import annotations

import ast
import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine.datasets import (
    PLANTED,
    SAMPLE_SIMULATION,
    TRUTH_COLUMNS,
    Delay,
    JourneyModel,
    SegmentEffect,
    SilentGap,
    Touchpoint,
    load_sample,
    random_model,
    sample_model,
    sample_path,
    simulate,
)
from journeymine.datasets import _make_sample as make
from journeymine.errors import InvalidParameterError

EVENT_COLUMNS = [
    "case_id",
    "customer_id",
    "timestamp",
    "activity",
    "channel",
    "department",
    "resource",
    "direction",
]


# --------------------------------------------------------------------------- helpers


def _tiny(**changes):
    spec = {
        "touchpoints": {
            "visit homepage": ("web", "marketing", "inbound"),
            "view pricing": ("web", "sales", "inbound"),
            "support chat": ("chat", "support", "inbound", 3),
            "purchase": ("web", "sales", "inbound"),
        },
        "start": {"visit homepage": 1.0},
        "transitions": {
            "visit homepage": {"view pricing": 0.6, "support chat": 0.2, "END": 0.2},
            "view pricing": {"purchase": 0.5, "END": 0.5},
            "support chat": {"view pricing": 0.5, "END": 0.5},
        },
        "goals": ["purchase"],
    }
    spec.update(changes)
    return JourneyModel(**spec)


def _next_steps(df: pd.DataFrame, truth: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per event: its activity, the next one ("END" when the journey ended there, NaN when
    it was cut off by the window), and the wait until the next event."""
    act = df["activity"].astype(str)
    same = df["case_id"].eq(df["case_id"].shift(-1))
    ongoing = df["case_id"].map(truth.set_index("case_id")["ongoing"]).astype(bool)
    nxt = act.shift(-1).where(same, pd.Series(np.where(ongoing, None, "END"), index=df.index))
    wait = (df["timestamp"].shift(-1) - df["timestamp"]).where(same)
    return act, nxt, wait


def _share(mask: pd.Series, cond: pd.Series) -> tuple[float, int]:
    return float(cond[mask].mean()), int(mask.sum())


def _tolerance(p: float, n: int, floor: float = 0.03) -> float:
    return max(floor, 4 * np.sqrt(p * (1 - p) / n))


@pytest.fixture(scope="module")
def sample():
    return simulate(sample_model(), **SAMPLE_SIMULATION, as_frame=True, return_truth=True)


@pytest.fixture(scope="module")
def large():
    """100k journeys of the sample model: a vectorisation sanity check and tight rates."""
    return simulate(sample_model(), n_journeys=100_000, seed=11, as_frame=True, return_truth=True)


# --------------------------------------------------------------------------- output shape


def test_frame_schema_and_ids(sample):
    df, truth = sample
    assert list(df.columns) == [*EVENT_COLUMNS, "acquisition"]
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    for col in [*EVENT_COLUMNS, "acquisition"]:
        if col != "timestamp":
            assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert df["case_id"].nunique() == SAMPLE_SIMULATION["n_journeys"] == len(truth)
    assert df["case_id"].astype(str).str.fullmatch(r"J\d{6}").all()
    assert df["customer_id"].astype(str).str.fullmatch(r"C\d{5}").all()
    assert set(df["direction"].dropna().astype(str)) == {"inbound", "outbound", "internal"}
    res = df["resource"].dropna().astype(str)
    assert res.str.fullmatch(r"(sales|support|onboarding|billing)-\d").all()
    self_service = df["activity"].isin(["visit homepage", "use app", "newsletter email"])
    assert df.loc[self_service, "resource"].isna().all()
    # sorted by case then strictly increasing time, whole seconds
    codes = df["case_id"].cat.codes.to_numpy()
    assert (np.diff(codes) >= 0).all()
    ts = df["timestamp"].array.asi8
    same = np.diff(codes) == 0
    assert (np.diff(ts)[same] > 0).all()
    assert (ts % 1_000_000_000 == 0).all()
    start = pd.Timestamp(SAMPLE_SIMULATION["start"], tz="UTC")
    end = pd.Timestamp(SAMPLE_SIMULATION["end"], tz="UTC")
    assert df["timestamp"].min() >= start
    assert df["timestamp"].max() < end


def test_truth_table_matches_frame(sample):
    df, truth = sample
    assert list(truth.columns[: len(TRUTH_COLUMNS)]) == list(TRUTH_COLUMNS)
    assert list(truth["case_id"]) == list(df["case_id"].cat.categories)
    g = df.groupby("case_id", observed=True)
    assert (g.size().to_numpy() == truth["n_events"].to_numpy()).all()
    assert (g["activity"].first().astype(str).to_numpy() == truth["first_activity"]).all()
    assert (g["activity"].last().astype(str).to_numpy() == truth["last_activity"]).all()
    purchased = df.loc[df["activity"] == "purchase", "case_id"].astype(str).unique()
    assert set(purchased) == set(truth.loc[truth["converted"], "case_id"])
    dead = df.loc[df["activity"] == "legacy help page", "case_id"].astype(str).unique()
    assert set(dead) == set(truth.loc[truth["visited_dead_end"], "case_id"])
    assert truth["journey_number"].between(1, 3).all()
    assert not truth["truncated"].any()
    # acquisition is a customer attribute: constant per customer
    assert (df.groupby("customer_id", observed=True)["acquisition"].nunique() == 1).all()


def test_same_seed_is_identical_and_other_seed_differs():
    model = sample_model()
    a, ta = simulate(model, n_journeys=500, seed=3, as_frame=True, return_truth=True)
    b, tb = simulate(sample_model(), n_journeys=500, seed=3, as_frame=True, return_truth=True)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(ta, tb)
    assert (pd.util.hash_pandas_object(a).to_numpy() == pd.util.hash_pandas_object(b)).all()
    c = simulate(model, n_journeys=500, seed=4, as_frame=True)
    assert not a.equals(c)


def test_window_and_ongoing(sample):
    df, truth = sample
    assert 0 < truth["ongoing"].mean() < 0.05
    end = pd.Timestamp(SAMPLE_SIMULATION["end"], tz="UTC")
    last = df.groupby("case_id", observed=True)["timestamp"].max()
    ongoing = truth.set_index("case_id")["ongoing"]
    # ongoing journeys were cut off: their last event is at most one capped wait before the end
    assert (end - last[ongoing[ongoing].index] < pd.Timedelta("27D")).all()
    # only a customer's last journey can be ongoing
    assert not truth.groupby("customer_id")["ongoing"].apply(lambda s: s.iloc[:-1].any()).any()


def test_journeys_of_a_customer_are_separated_by_the_inactivity(sample):
    df, truth = sample
    same_case = df["case_id"].eq(df["case_id"].shift())
    same_customer = df["customer_id"].eq(df["customer_id"].shift())
    gap = df["timestamp"].diff()
    assert gap[same_case].max() <= pd.Timedelta("27D")
    assert gap[same_customer & ~same_case].min() > pd.Timedelta("30D")
    per_customer = truth.groupby("customer_id").size().value_counts(normalize=True)
    for k, p in PLANTED["journeys_per_customer"]["rates"].items():
        assert abs(per_customer[k] - p) < 0.03


def test_n_journeys_is_exact_even_for_short_windows():
    df, truth = simulate(
        sample_model(), n_journeys=300, seed=2, end="2025-03-01", as_frame=True, return_truth=True
    )
    assert df["case_id"].nunique() == len(truth) <= 300
    assert df["timestamp"].max() < pd.Timestamp("2025-03-01", tz="UTC")
    df = simulate(sample_model(), n_journeys=300, seed=2, end="2025-06-01", as_frame=True)
    assert df["case_id"].nunique() == 300


# --------------------------------------------------------------------------- planted patterns


@pytest.mark.parametrize("which", ["sample", "large"])
def test_planted_rates_are_recovered_from_the_frame(which, request):
    df, truth = request.getfixturevalue(which)
    act, nxt, wait = _next_steps(df, truth)
    known = nxt.notna()
    checks = []

    # 1. drop-off
    rate, n = _share((act == "enter payment details") & known, nxt == "END")
    checks.append(("drop_off", rate, PLANTED["drop_off"]["rate"], n))
    # 2. ping-pong
    rate, n = _share((act == "billing question") & known, nxt == "transfer to billing")
    checks.append(("ping_pong", rate, PLANTED["ping_pong"]["rate"], n))
    # 3. silent gaps (per observed step; censoring at the window end lowers it slightly)
    step = (act == "support ticket opened") & (nxt == "support reply")
    rate, n = _share(step, wait > pd.Timedelta("7D"))
    checks.append(("silent_gap", rate, PLANTED["silent_gap"]["rate"], n))
    # 5. repeat contacts
    rate, n = _share((act == "email support") & known, nxt == "chat with support")
    checks.append(("repeat_contact", rate, PLANTED["repeat_contact"]["rate"], n))
    rate, n = _share((act == "chat with support") & known, nxt == "call support")
    checks.append(("repeat_contact_then", rate, PLANTED["repeat_contact"]["then"], n))
    # 6. segment difference in one step only
    for seg, p in PLANTED["segment"]["rates"].items():
        in_seg = df["acquisition"] == seg
        rate, n = _share((act == "view pricing") & known & in_seg, nxt == "start trial")
        checks.append((f"segment {seg}", rate, p, n))
        rate, n = _share((act == "enter payment details") & known & in_seg, nxt == "purchase")
        checks.append((f"payment {seg}", rate, 1 - PLANTED["drop_off"]["rate"], n))

    floor = 0.03 if which == "sample" else 0.015
    for name, rate, planted, n in checks:
        assert n >= 250, name
        assert abs(rate - planted) < _tolerance(planted, n, floor), (name, rate, planted, n)


def test_silent_gaps_are_two_week_waits(sample):
    df, truth = sample
    act, nxt, wait = _next_steps(df, truth)
    step = (act == "support ticket opened") & (nxt == "support reply")
    long = wait[step & (wait > pd.Timedelta("7D"))]
    short = wait[step & (wait <= pd.Timedelta("7D"))]
    assert pd.Timedelta("12D") < long.median() < pd.Timedelta("16D")
    assert short.median() < pd.Timedelta("8h")
    # the truth counts exactly the long waits (up to a draw in the far tails)
    assert abs(int(truth["silent_gaps"].sum()) - len(long)) <= 2
    # no other reply of the company to a customer keeps them waiting that long
    direction = df["direction"].astype(str)
    reply = (direction == "inbound") & (direction.shift(-1) == "outbound") & wait.notna()
    other = wait[reply & ~step]
    assert len(other) > 1000
    assert (other > pd.Timedelta("7D")).mean() < 0.01


def test_ping_pong_goes_support_billing_support_then_a_repeat_call(sample):
    df, truth = sample
    act, nxt, wait = _next_steps(df, truth)
    dept = df["department"].astype(str)
    start = act == "billing question"
    idx = np.flatnonzero((start & (nxt == "transfer to billing")).to_numpy())
    idx = idx[idx + 3 < len(df)]
    same = df["case_id"].to_numpy()
    idx = idx[same[idx + 3] == same[idx]]
    assert len(idx) > 200
    assert (dept.to_numpy()[idx] == "support").all()
    assert (dept.to_numpy()[idx + 1] == "billing").all()
    assert (dept.to_numpy()[idx + 2] == "support").all()
    assert (act.to_numpy()[idx + 3] == PLANTED["ping_pong"]["followed_by"]).all()
    assert (df["direction"].astype(str).to_numpy()[idx + 3] == "inbound").all()
    assert (df["channel"].astype(str).to_numpy()[idx + 3] == "phone").all()
    # journeys with a ping-pong convert less than others with a billing question
    bq = truth[truth["had_billing_question"] & ~truth["ongoing"]]
    by = bq.groupby("had_ping_pong")["converted"].mean()
    assert by[True] < by[False] - 0.1


def test_dead_end_never_converts(large):
    df, truth = large
    dead = truth[truth["visited_dead_end"]]
    assert len(dead) > 1000
    assert not dead["converted"].any()
    assert truth["converted"].mean() > 0.1


def test_repeat_contacts_are_inbound_across_channels_within_days(sample):
    df, truth = sample
    act, nxt, wait = _next_steps(df, truth)
    first = (act == "email support") & (nxt == "chat with support")
    second = (act == "chat with support") & (nxt == "call support")
    assert (wait[first] < pd.Timedelta("3D")).mean() > 0.98
    assert (wait[second] < pd.Timedelta("3D")).mean() > 0.98
    rows = df[df["activity"].isin(PLANTED["repeat_contact"]["path"])]
    assert (rows["direction"] == "inbound").all()
    assert set(rows["channel"].astype(str)) == {"email", "chat", "phone"}


def test_segment_shares(sample):
    df, truth = sample
    customers = truth.drop_duplicates("customer_id")
    shares = customers["acquisition"].value_counts(normalize=True)
    for seg, p in PLANTED["segment"]["shares"].items():
        assert abs(shares[seg] - p) < 0.03


# --------------------------------------------------------------------------- the model


def test_sample_model_shape():
    model = sample_model()
    assert 20 <= len(model.touchpoints) <= 30
    assert set(model.channels) == {"web", "app", "email", "phone", "chat", "store"}
    assert set(model.departments) == {"marketing", "sales", "onboarding", "support", "billing"}
    assert model.goals == ("purchase",)
    directions = {t.direction for t in model.touchpoints}
    assert directions == {"inbound", "outbound", "internal"}
    assert model.transitions["enter payment details"]["END"] == PLANTED["drop_off"]["rate"]
    assert model.delay("support ticket opened", "support reply").median == pd.Timedelta("4h")
    assert model.delay("purchase", "receipt email").median == pd.Timedelta("1min")
    assert model.delay("cancel", "visit homepage") == model.default_delay


def test_hand_written_model_and_dict_round_trip():
    model = _tiny(
        attributes={"segment": {"a": 0.5, "b": 0.5}},
        modifiers=[
            {
                "kind": "silent_gap",
                "source": "support chat",
                "target": "view pricing",
                "share": 0.5,
            },
            {
                "kind": "segment",
                "attribute": "segment",
                "value": "b",
                "source": "visit homepage",
                "transitions": {"view pricing": 0.9, "END": 0.1},
            },
        ],
        markers={"chatted": "support chat"},
        delays={("*", "purchase"): "10min", ("support chat", "*"): ("1D", 0.3)},
    )
    assert isinstance(model.touchpoints[2], Touchpoint)
    assert model.touchpoint("support chat").agents == 3
    assert isinstance(model.modifiers[0], SilentGap)
    assert isinstance(model.modifiers[1], SegmentEffect)
    assert model.markers["chatted"] == ("support chat",)
    spec = model.to_dict()
    json.dumps(spec)  # plain values only
    assert JourneyModel.from_dict(spec) == model
    assert JourneyModel.from_dict(json.loads(json.dumps(spec))) == model
    assert (
        JourneyModel.from_dict(json.loads(json.dumps(sample_model().to_dict()))) == sample_model()
    )
    df, truth = simulate(model, n_journeys=2000, seed=5, as_frame=True, return_truth=True)
    assert "segment" in df.columns and "chatted" in truth.columns
    first = df.groupby("case_id", observed=True).nth(1)
    b = first[first["segment"] == "b"]
    a = first[first["segment"] == "a"]
    assert (b["activity"] == "view pricing").mean() > (a["activity"] == "view pricing").mean()


def test_replace_revalidates():
    model = _tiny()
    changed = dataclasses.replace(
        model, transitions={**model.transitions, "view pricing": {"purchase": 0.9, "END": 0.1}}
    )
    assert changed.transitions["view pricing"]["purchase"] == 0.9
    with pytest.raises(InvalidParameterError, match="sum to 1"):
        dataclasses.replace(model, transitions={"view pricing": {"purchase": 0.9}})


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"start": {"visit homepage": 0.5}}, r"The 'start' parameter of JourneyModel must .*sum"),
        ({"start": {"visit homepage": 1.5}}, r"probabilities in \[0, 1\]. Got 1.5"),
        ({"start": {"visit homepage": 0.5, "END": 0.5}}, "must not lead to 'END'"),
        (
            {"transitions": {"visit homepage": {"view pricing": 0.7, "END": 0.2}}},
            r"The 'transitions' parameter of JourneyModel must have probabilities that sum to 1",
        ),
        (
            {"transitions": {"visit homepage": {"view pricng": 1.0}}},
            r"must name touchpoints of the model. Got 'view pricng' instead. Did you mean "
            r"'view pricing'\?",
        ),
        ({"transitions": {"checkout": {"END": 1.0}}}, "Got 'checkout' instead"),
        ({"transitions": {"view pricing": {"purchase": -0.1, "END": 1.1}}}, r"\[0, 1\]"),
        ({"goals": ["purchased"]}, r"The 'goals' parameter .* Did you mean 'purchase'"),
        ({"touchpoints": [("a", "web", "x", "sideways")]}, "'direction' parameter of Touchpoint"),
        ({"touchpoints": [("a",), ("a",)]}, "unique touchpoint names. Got 'a' twice"),
        ({"touchpoints": [("END",)]}, "reserved names"),
        ({"touchpoints": []}, "non-empty"),
        ({"touchpoints": [42]}, "Touchpoint, dict"),
        ({"delays": {"purchase": "1h"}}, r"\(source, target\) pairs"),
        ({"delays": {("purchase", "*"): "soon"}}, "'delays' parameter of JourneyModel"),
        ({"default_delay": ("-1h", 1.0)}, "'default_delay' parameter"),
        ({"attributes": {"segment": {"a": 0.7}}}, "sum to 1"),
        ({"attributes": {"channel": {"a": 1.0}}}, "not canonical"),
        ({"modifiers": [SilentGap("purchase", "nowhere", 0.2)]}, "Got 'nowhere'"),
        (
            {"modifiers": [SilentGap("view pricing", "purchase", 0.2)] * 2},
            "at most one SilentGap",
        ),
        ({"modifiers": ["gap"]}, "SilentGap or SegmentEffect"),
        (
            {"modifiers": [SegmentEffect("segment", "a", "view pricing", {"END": 1.0})]},
            "must refer to attributes",
        ),
        ({"journeys_per_customer": {0: 1.0}}, ">= 1"),
        ({"markers": {"converted": ["purchase"]}}, "not ground-truth columns"),
        ({"max_events": 0}, "'max_events' parameter"),
        ({"inactivity": 30}, "bare number"),
    ],
)
def test_model_validation(changes, match):
    with pytest.raises(InvalidParameterError, match=match):
        _tiny(**changes)


def test_building_block_validation():
    with pytest.raises(InvalidParameterError, match="'share' parameter of SilentGap"):
        SilentGap("a", "b", 1.5)
    with pytest.raises(InvalidParameterError, match="'spread' parameter of Delay"):
        Delay("1h", -1)
    with pytest.raises(InvalidParameterError, match="'median' parameter of Delay"):
        Delay("0s")
    with pytest.raises(InvalidParameterError, match="'agents' parameter of Touchpoint"):
        Touchpoint("a", agents=-1)
    with pytest.raises(InvalidParameterError, match="only have the keys .* Did you mean 'goals'"):
        JourneyModel.from_dict({**_tiny().to_dict(), "goal": ["purchase"]})


def test_simulate_validation():
    with pytest.raises(InvalidParameterError, match="'model' parameter of simulate"):
        simulate({"touchpoints": []})
    with pytest.raises(InvalidParameterError, match="'n_journeys' parameter of simulate"):
        simulate(_tiny(), n_journeys=0)
    with pytest.raises(InvalidParameterError, match="'end' parameter of simulate must be after"):
        simulate(_tiny(), start="2025-02-01", end="2025-01-01")
    with pytest.raises(InvalidParameterError, match="'start' parameter of simulate"):
        simulate(_tiny(), start="not a date")
    with pytest.raises(InvalidParameterError, match="'seed' parameter of simulate"):
        simulate(_tiny(), seed=-1)


def test_start_and_end_accept_time_zones():
    df = simulate(_tiny(), n_journeys=50, start="2025-01-01T01:00:00+01:00", as_frame=True)
    assert df["timestamp"].min() >= pd.Timestamp("2025-01-01", tz="UTC")


# --------------------------------------------------------------------------- from_steps


def test_from_steps_linear_with_skips_and_drop_offs():
    steps = ["visit homepage", "view pricing", "start trial", "enter payment details", "purchase"]
    model = JourneyModel.from_steps(
        steps,
        drop_off={"start trial": 0.2, "enter payment details": 0.35},
        skip={"view pricing": 0.3, "start trial": 0.5},
        delay={"purchase": "5min"},
    )
    assert model.goals == ("purchase",)
    row = model.transitions["visit homepage"]
    assert row["view pricing"] == pytest.approx(0.7)
    assert row["start trial"] == pytest.approx(0.15)
    assert row["enter payment details"] == pytest.approx(0.15)
    assert model.delay("enter payment details", "purchase").median == pd.Timedelta("5min")
    df, truth = simulate(model, n_journeys=20_000, seed=1, as_frame=True, return_truth=True)
    order = {s: i for i, s in enumerate(steps)}
    pos = df["activity"].astype(str).map(order)
    same = df["case_id"].eq(df["case_id"].shift())
    assert (pos.diff()[same] > 0).all()  # always forward, in order
    visited = df.groupby("case_id", observed=True)["activity"].apply(set)
    skipped = visited.apply(lambda s: "view pricing" not in s).mean()
    assert abs(skipped - 0.3) < 0.015
    done = truth[~truth["ongoing"]]
    payment = done[
        done["case_id"].isin(df.loc[df["activity"] == "enter payment details", "case_id"])
    ]
    assert abs(1 - payment["converted"].mean() - 0.35) < 0.02


def test_from_steps_accepts_touchpoints_and_validates():
    model = JourneyModel.from_steps(
        [("ad click", "web", "marketing", "inbound"), Touchpoint("purchase", "web", "sales")],
        drop_off=0.9,
        goals=["purchase"],
        attributes={"segment": {"a": 1.0}},
    )
    assert model.touchpoint("ad click").channel == "web"
    assert model.transitions["ad click"]["END"] == pytest.approx(0.9)
    with pytest.raises(InvalidParameterError, match="'steps' parameter of JourneyModel.from_steps"):
        JourneyModel.from_steps([])
    with pytest.raises(InvalidParameterError, match="'drop_off' parameter"):
        JourneyModel.from_steps(["a", "b"], drop_off=2)
    with pytest.raises(InvalidParameterError, match="'skip' parameter .* Got 'c'"):
        JourneyModel.from_steps(["a", "b"], skip={"c": 0.1})


# --------------------------------------------------------------------------- random models


def test_random_model_mean_length_and_features():
    model = random_model(30, 4, 3, events_per_journey=10, seed=2)
    assert len(model.touchpoints) == 30
    assert len(model.channels) <= 4 and len(model.departments) == 3
    df, truth = simulate(model, n_journeys=20_000, seed=0, as_frame=True, return_truth=True)
    assert abs(len(df) / len(truth) - 10) < 0.5
    assert truth["silent_gaps"].sum() > 0
    assert set(df["segment"].astype(str)) == {"a", "b"}
    assert random_model(seed=2) == random_model(seed=2)
    with pytest.raises(InvalidParameterError, match="'events_per_journey' parameter"):
        random_model(events_per_journey=0.5)
    with pytest.raises(InvalidParameterError, match="'n_touchpoints' parameter"):
        random_model(1)


def test_many_journeys_at_once(large):
    df, truth = large
    assert df["case_id"].nunique() == 100_000
    assert abs(len(df) / len(truth) - 5.1) < 0.3


def test_simulate_returns_a_journey_log():
    log, truth = simulate(sample_model(), n_journeys=400, seed=9, return_truth=True)
    assert isinstance(log, jm.JourneyLog)
    assert log.n_cases == 400
    assert list(log.events.columns[:8]) == EVENT_COLUMNS
    assert "acquisition" in log.events.columns
    cases = log.cases.set_index("case_id")
    assert (cases["ongoing"] == truth.set_index("case_id")["ongoing"]).all()
    assert log.observation_end == pd.Timestamp("2026-01-01", tz="UTC")


# --------------------------------------------------------------------------- the bundled sample


def test_shipped_sample_equals_a_fresh_simulation(sample):
    df, truth = sample
    shipped = load_sample(as_frame=True)
    assert shipped.dtypes.equals(df.dtypes)
    if not shipped.equals(df):  # the full comparison is slow; only run it for its message
        pd.testing.assert_frame_equal(shipped, df)
    assert 40_000 <= len(shipped) <= 60_000
    assert make.PACKAGE_FILE.stat().st_size < 1.5e6
    import pyarrow.parquet as pq

    meta = json.loads(pq.read_schema(sample_path()).metadata[make.METADATA_KEY])
    assert meta["ongoing"] == truth.loc[truth["ongoing"], "case_id"].tolist()
    assert meta["simulation"]["seed"] == SAMPLE_SIMULATION["seed"]


def test_load_sample_log_knows_ongoing_journeys(sample):
    _, truth = sample
    log = load_sample()
    assert log.n_cases == SAMPLE_SIMULATION["n_journeys"]
    assert len(log) == len(sample[0])
    cases = log.cases.set_index("case_id")
    assert (cases["ongoing"] == truth.set_index("case_id")["ongoing"]).all()
    assert log.observation_end == pd.Timestamp(SAMPLE_SIMULATION["end"], tz="UTC")


def test_sample_path():
    assert sample_path() == make.PACKAGE_FILE
    with pytest.raises(InvalidParameterError, match="'name' parameter of sample_path"):
        sample_path("nope.csv")
    with pytest.raises(InvalidParameterError):
        sample_path("../pyproject.toml")


# --------------------------------------------------------------------------- raw sample files

RAW = make.RAW_DIR
needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason="data/samples/ is not in this tree")


@needs_raw
def test_raw_files_equal_a_fresh_generation(tmp_path, sample):
    df, truth = sample
    make.write_raw_samples(tmp_path, df, truth)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(p.name for p in RAW.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (RAW / name).read_bytes(), name
    assert sum(p.stat().st_size for p in RAW.iterdir()) < 3e6


def _load_raw() -> dict[str, jm.JourneyLog]:
    d = RAW
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return {
            "web_events.csv": jm.read_csv(
                d / "web_events.csv",
                customer="cookie",
                activity="event_name",
                timestamp="event_time",
                department="site_section",
                labels={"channel": "web", "direction": "inbound"},
                drop_duplicates=True,  # the file holds one planted exact duplicate
            ),
            "app_events.jsonl": jm.read_json(
                d / "app_events.jsonl",
                customer="device_id",
                activity="event",
                timestamp="ts",
                labels={"channel": "app", "department": "onboarding", "direction": "inbound"},
            ),
            "email_events.csv": jm.read_csv(
                d / "email_events.csv",
                customer="recipient",
                activity="campaign",
                timestamp="sent_at",
                department="team",
                labels={"channel": "email", "direction": "outbound"},
            ),
            "calls.csv": jm.read_csv(
                d / "calls.csv",
                customer="phone_number",
                activity="call_reason",
                timestamp="call_start",
                resource="agent",
                labels={"channel": "phone", "department": "support", "direction": "inbound"},
            ),
            "chat.csv": jm.read_csv(
                d / "chat.csv",
                customer="customer_email",
                activity="topic",
                timestamp="started",
                timestamp_format="%d/%m/%Y %H:%M:%S",
                department="team",
                resource="agent",
                direction="direction",
                labels={"channel": "chat"},
            ),
            "store_visits.csv": jm.read_csv(
                d / "store_visits.csv",
                customer="member_id",
                activity="purpose",
                timestamp="visit_time",
                tz="Europe/Amsterdam",
                resource="staff",
                labels={"channel": "store", "department": "sales", "direction": "inbound"},
            ),
            "tickets.csv": jm.read_csv(
                d / "tickets.csv",
                customer="customer_no",
                activity="event",
                timestamp="created_at",
                channel="channel",
                department="department",
                direction="direction",
                resource="agent",
                drop_duplicates=True,  # the file holds one planted exact duplicate
            ),
        }


@needs_raw
def test_raw_files_load_rejecting_exactly_the_planted_rows(sample):
    df, truth = sample
    tables = make.raw_tables(df, truth)
    logs = _load_raw()
    for name, log in logs.items():
        planted = tables[name].attrs["dirty"]
        got = log.rejected["reason"].value_counts().to_dict() if len(log.rejected) else {}
        assert got == planted, name
    total = sum(sum(t.attrs["dirty"].values()) for n, t in tables.items() if n in logs)
    assert total == 8
    readme = (RAW / "README.md").read_text()
    assert "8 extra rows in all" in readme


@needs_raw
def test_raw_files_stitch_back_into_the_sample_journeys(sample):
    df, truth = sample
    sub, sub_truth = make.raw_subset(df, truth)
    logs = _load_raw()
    ids = pd.read_csv(RAW / "identities.csv", dtype=str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log = jm.combine(
            list(logs.values()),
            identities=ids,
            keys=["cookie_id", "device_id", "email", "phone", "email", "crm_id", "crm_id"],
            primary="crm_id",
        )
        journeys = jm.split_journeys(log, inactivity="30D")
    ev = journeys.events
    cols = ["customer_id", "timestamp", "activity", "channel", "department", "resource"]
    cols += ["direction"]
    assert len(ev) == len(sub)
    got = ev[cols].astype(str)
    want = sub[cols].astype(str)
    linked = ~got["customer_id"].str.contains(":")
    # a few identifiers are never linked (about 3% of cookies and devices)
    assert 0.005 < 1 - linked.mean() < 0.05
    merged = want.merge(got[linked], how="left", on=cols, indicator=True)
    assert (merged["_merge"] == "both").sum() == linked.sum()
    # customers whose every identifier is linked get exactly their true journeys back
    unlinked_customers = set(
        want.loc[~want.set_index(cols).index.isin(got[linked].set_index(cols).index), "customer_id"]
    )
    keep = ~sub["customer_id"].astype(str).isin(unlinked_customers)
    true_cases = sub.loc[keep].groupby("customer_id", observed=True)["case_id"].nunique()
    found = ev[linked].groupby("customer_id", observed=True)["case_id"].nunique()
    found = found[found.index.isin(true_cases.index)]
    assert (found.sort_index().to_numpy() == true_cases.sort_index().to_numpy()).all()


# --------------------------------------------------------------------------- hygiene


def test_no_heavy_imports_in_the_simulator():
    root = Path(make.__file__).parent
    paths = sorted(root.glob("*.py"))
    assert {"_simulate.py", "__init__.py", "_make_sample.py"} <= {p.name for p in paths}
    for path in paths:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"matplotlib", "sklearn", "pm4py"}, path


def test_models_pickle_and_compare_equal():
    import pickle

    model = sample_model()
    copy = pickle.loads(pickle.dumps(model))
    assert copy == model
    assert pickle.loads(pickle.dumps(model.modifiers[1])) == model.modifiers[1]
    a = simulate(copy, n_journeys=200, seed=1, as_frame=True)
    assert a.equals(simulate(model, n_journeys=200, seed=1, as_frame=True))


def test_delay_precedence_matches_the_compiled_model():
    model = _tiny(
        delays={
            ("*", "*"): "2h",
            ("visit homepage", "*"): "3h",
            ("*", "purchase"): "4h",
            ("view pricing", "purchase"): "5h",
        }
    )
    assert model.delay("support chat", "view pricing").median == pd.Timedelta("2h")
    assert model.delay("visit homepage", "view pricing").median == pd.Timedelta("3h")
    assert model.delay("visit homepage", "purchase").median == pd.Timedelta("4h")
    assert model.delay("view pricing", "purchase").median == pd.Timedelta("5h")
    from journeymine.datasets._engine import compiled

    comp = compiled(model)
    names = model.touchpoint_names
    s = len(names)
    for a in names:
        for b in names:
            t = names.index(a) * s + names.index(b)
            want = model.delay(a, b)
            assert np.exp(comp.log_median[t]) == pytest.approx(want.median.total_seconds())
            assert comp.spread[t] == want.spread
