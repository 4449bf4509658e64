"""jm.variants on a PartitionedLog: the same table as on the log in memory."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm

# the module (the package attribute of the same name is the function)
sequences = importlib.import_module("journeymine.discovery.sequences")

T0 = pd.Timestamp("2025-01-01")


def _log(paths: dict[str, list], channel: dict | None = None, step: str = "1h") -> jm.JourneyLog:
    rows = []
    for case, acts in paths.items():
        for k, a in enumerate(acts):
            t = T0 + k * pd.Timedelta(step)
            rows.append({"c": case, "a": a, "t": t, "ch": (channel or {}).get(a)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return jm.from_pandas(
            pd.DataFrame(rows), case="c", activity="a", timestamp="t", channel="ch"
        )


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


@pytest.mark.parametrize(
    "kw", [{}, {"collapse_repeats": True}, {"level": "channel"}, {"level": "department"}]
)
def test_sample(sample, same_on_partitions, kw):
    v = same_on_partitions(jm.variants, sample, **kw)
    assert v["journeys"].sum() == sample.n_cases


def test_the_doctest_of_partition(sample):
    assert jm.variants(jm.partition(sample, partitions=4, workers=2)).equals(jm.variants(sample))


def test_ties_single_steps_and_labels_in_one_partition(same_on_partitions):
    paths = {
        "a": ["home", "buy"],
        "b": ["home"],
        "c": ["home", "buy"],
        "d": ["search"],
        "e": ["home"],
        "f": ["home", "buy"],
        "g": ["only-here", "home"],  # a label of one journey
        "h": ["search"],
        "i": ["home", "home", "buy"],
    }
    log = _log(paths, step="0s")  # every event of a journey at one time: ties
    for kw in ({}, {"collapse_repeats": True}):
        v = same_on_partitions(jm.variants, log, partitions=(1, 2, 3, 4, 9), **kw)
        assert (v["median_duration"] == pd.Timedelta(0)).all()
    v = jm.variants(log)
    # ties in the order of their first journeys: (home) at b before (search) at d
    assert v["example_case"].tolist()[:4] == ["a", "b", "d", "g"]


def test_missing_values_and_a_real_missing_label(same_on_partitions):
    paths = {f"c{i}": ["A", "B", "C"][: 1 + i % 3] for i in range(9)}
    # channel: A has none (the "(missing)" node); B's channel is spelled "(missing)" in
    # the last journeys only, so partitions see either one or both
    log = _log(
        {**paths, "z1": ["B2"], "z2": ["B2", "A"]}, {"B": "web", "C": "app", "B2": "(missing)"}
    )
    v = same_on_partitions(jm.variants, log, partitions=(1, 2, 3, 11), level="channel")
    flat = {x for path in v["variant"] for x in path}
    assert {"(missing)", "(missing) "} <= flat
    same_on_partitions(jm.variants, log, partitions=(2, 3), level="channel", collapse_repeats=True)


def test_durations_and_medians(same_on_partitions):
    rng = np.random.default_rng(0)
    rows = []
    for i in range(300):
        acts = ["x", "y", "z"][: int(rng.integers(1, 4))]
        t = T0 + pd.Timedelta(hours=int(rng.integers(0, 1000)))
        for a in acts:
            t += pd.Timedelta(minutes=int(rng.integers(0, 500)))
            rows.append((f"k{i:03d}", a, t))
    log = jm.from_pandas(
        pd.DataFrame(rows, columns=["c", "a", "t"]), case="c", activity="a", timestamp="t"
    )
    v = same_on_partitions(jm.variants, log, partitions=(1, 2, 3, 7, 40))
    assert (v["journeys"] > 1).all()  # even and odd counts: the midpoints are exact


def test_hash_collisions_are_split_exactly(monkeypatch, same_on_partitions):
    def bad_hash(code, starts, lens):  # every path of one length collides
        return lens.astype(np.uint64)

    log = _log(
        {"a": ["A", "B"], "b": ["B", "A"], "c": ["A", "B"], "d": ["A", "A"], "e": ["B", "A"]}
    )
    want = jm.variants(log)
    monkeypatch.setattr(sequences, "_hash_keys", bad_hash)
    pdt.assert_frame_equal(same_on_partitions(jm.variants, log, partitions=(1, 2, 3)), want)


def test_ongoing_journeys_after_a_split(sample, same_on_partitions):
    log = jm.split_journeys(
        sample, inactivity="3D", observation_end=sample.events["timestamp"].max()
    )
    same_on_partitions(jm.variants, log, partitions=(2, 7))


@pytest.mark.parametrize("idkind", ["text", "int", "digits"])
def test_partitions_by_hash_give_the_first_journey_of_the_log(tmp_path, idkind):
    rng = np.random.default_rng(5)
    rows = []
    for c in range(150):
        cid = {"text": f"c{c:03d}", "int": c * 7 + 3, "digits": str(c * 7 + 3)}[idkind]
        t = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(0, 99)))
        for _ in range(int(rng.integers(1, 4))):
            t += pd.Timedelta(minutes=int(rng.integers(0, 90)))
            rows.append({"case": cid, "activity": str(rng.choice(["a", "b", "c"])), "time": t})
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=2).reset_index(drop=True)
    df.to_parquet(tmp_path / "events.parquet", index=False)
    mapping = dict(case="case", activity="activity", timestamp="time")
    plog = jm.scan_parquet(tmp_path, partitions=6, workers=2, **mapping)
    want = jm.variants(jm.from_pandas(df, **mapping))
    assert want["journeys"].duplicated().any()  # ties, ordered by their first journeys
    pdt.assert_frame_equal(jm.variants(plog), want, check_exact=True)


@pytest.mark.parametrize("name", ["receipt", "bpic2012"])
def test_real_logs(real_data, same_on_partitions, name):
    if name == "receipt":
        df = pd.read_csv(real_data / "receipt.csv.gz")
        df = df[["case:concept:name", "concept:name", "time:timestamp", "org:group"]]
        log = jm.from_pandas(
            df,
            case="case:concept:name",
            activity="concept:name",
            timestamp="time:timestamp",
            department="org:group",
        )
        same_on_partitions(jm.variants, log, level="department", partitions=(3, 7))
    else:
        log = jm.read_xes(real_data / "bpic2012.xes.gz")
    same_on_partitions(jm.variants, log, partitions=(2, 7), workers=(2,))
    same_on_partitions(jm.variants, log, partitions=(3,), workers=(2,), collapse_repeats=True)


def test_an_empty_log(same_on_partitions):
    df = pd.DataFrame(
        {
            "c": pd.Series([], dtype=str),
            "a": pd.Series([], dtype=str),
            "t": pd.Series([], dtype="M8[ns]"),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    assert same_on_partitions(jm.variants, log, partitions=(1, 2)).empty
