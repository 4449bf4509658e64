"""jm.variants: hand-checked paths, ordering, exact grouping under hash collisions, pm4py parity."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

# the module (the package attribute of the same name is the function)
variants_module = importlib.import_module("journeymine.discovery.sequences")

T0 = pd.Timestamp("2025-01-01")


def _log(
    paths: dict[str, list[str]], *, step: str = "1h", channel: dict | None = None
) -> jm.JourneyLog:
    rows = []
    for case, acts in paths.items():
        for k, a in enumerate(acts):
            rows.append(
                {"c": case, "a": a, "t": T0 + k * pd.Timedelta(step), "ch": (channel or {}).get(a)}
            )
    df = pd.DataFrame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return jm.from_pandas(df, case="c", activity="a", timestamp="t", channel="ch")


def test_running_example_six_distinct_variants(running_example):
    v = jm.variants(running_example)
    assert len(v) == 6 and (v["journeys"] == 1).all()
    assert v["share"].sum() == pytest.approx(1.0)
    # case 5: register, (examine casually, check ticket, decide, reinitiate) ... reject: 13 steps
    longest = v.loc[v["length"].idxmax()]
    assert longest["length"] == 13 and longest["example_case"] == "5"
    assert longest["variant"][:3] == ("register request", "examine casually", "check ticket")
    # case 5 runs Jan 6 09:02 -> Jan 24 14:56 = 18 days 5h54m
    assert longest["median_duration"] == pd.Timedelta(days=18, hours=5, minutes=54)
    # ties (all 1 journey) are in the order of their journeys in the log
    assert v["example_case"].tolist() == ["1", "2", "3", "4", "5", "6"]


def test_counts_shares_durations_by_hand():
    log = _log(
        {
            "a": ["home", "pricing", "buy"],
            "b": ["home", "pricing", "buy"],
            "c": ["home", "pricing", "buy"],
            "d": ["home", "buy"],
            "e": ["home", "buy"],
            "f": ["pricing"],
        }
    )
    v = jm.variants(log)
    assert v["variant"].tolist() == [("home", "pricing", "buy"), ("home", "buy"), ("pricing",)]
    assert v["journeys"].tolist() == [3, 2, 1]
    assert v["share"].tolist() == pytest.approx([3 / 6, 2 / 6, 1 / 6])
    # three steps an hour apart: 2h; two steps: 1h; one event: 0
    assert v["median_duration"].tolist() == [
        pd.Timedelta(hours=2),
        pd.Timedelta(hours=1),
        pd.Timedelta(0),
    ]
    assert v["example_case"].tolist() == ["a", "d", "f"]
    assert list(v.columns) == [
        "variant",
        "length",
        "journeys",
        "share",
        "median_duration",
        "example_case",
    ]


def test_median_duration_even_count_is_mean_of_middle_two():
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b", "b"],
            "x": ["A", "B", "A", "B"],
            "t": ["2025-01-01 00:00", "2025-01-01 01:00", "2025-01-02 00:00", "2025-01-02 04:00"],
        }
    )
    v = jm.variants(jm.from_pandas(df, case="c", activity="x", timestamp="t"))
    assert v["median_duration"].iloc[0] == pd.Timedelta(hours=2, minutes=30)


def test_prefix_and_repeats_are_different_variants():
    v = jm.variants(_log({"a": ["A", "B"], "b": ["A", "B", "B"], "c": ["A"], "d": ["B", "A"]}))
    assert sorted(v["variant"]) == [("A",), ("A", "B"), ("A", "B", "B"), ("B", "A")]
    # all tie at 1: in the order of their journeys
    assert v["variant"].tolist() == [("A", "B"), ("A", "B", "B"), ("A",), ("B", "A")]


def test_level_and_collapse_repeats():
    log = _log(
        {"a": ["visit", "pricing", "call"], "b": ["visit", "call"]},
        channel={"visit": "web", "pricing": "web", "call": None},
    )
    v = jm.variants(log, level="channel")
    assert set(v["variant"]) == {("web", "web", "(missing)"), ("web", "(missing)")}
    v = jm.variants(log, level="channel", collapse_repeats=True)
    assert v["variant"].tolist() == [("web", "(missing)")] and v["journeys"].tolist() == [2]


def test_empty_log_and_bad_input():
    df = pd.DataFrame(
        {
            "c": pd.Series([], dtype=object),
            "a": pd.Series([], dtype=object),
            "t": pd.Series([], dtype=object),
        }
    )
    v = jm.variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    assert len(v) == 0 and "variant" in v.columns
    with pytest.raises(jm.MissingColumnError, match="'level' parameter of variants"):
        jm.variants(_log({"a": ["A"]}), level="stage")
    with pytest.raises(jm.InvalidParameterError):
        jm.variants("not a log")


def test_hash_collisions_are_split_exactly(monkeypatch):
    """With a hash that makes every journey of the same length collide, grouping stays exact."""

    def bad_hash(code, starts, lens):
        return lens.astype(np.uint64)

    monkeypatch.setattr(variants_module, "_hash_keys", bad_hash)
    log = _log(
        {
            "a": ["A", "B"],
            "b": ["B", "A"],
            "c": ["A", "B"],
            "d": ["A", "A"],
            "e": ["C"],
            "f": ["B", "A"],
        }
    )
    v = jm.variants(log)
    assert dict(zip(v["variant"], v["journeys"], strict=True)) == {
        ("A", "B"): 2,
        ("B", "A"): 2,
        ("A", "A"): 1,
        ("C",): 1,
    }
    g = jm.discover(log).simplify(coverage=0.5)
    assert set(g.nodes["node"]) == {"A", "B"}


def test_many_journeys_vectorised():
    rng = np.random.default_rng(1)
    n = 3000
    lens = rng.integers(1, 6, n)
    acts = rng.choice(list("ABC"), lens.sum())
    case = np.repeat([f"c{i:05d}" for i in range(n)], lens)
    t = T0 + pd.to_timedelta(np.arange(lens.sum()), unit="min")
    log = jm.from_pandas(
        pd.DataFrame({"c": case, "a": acts, "t": t}),
        case="c",
        activity="a",
        timestamp="t",
        drop_duplicates=False,
    )
    v = jm.variants(log)
    # reference grouping with plain Python tuples
    ev = log.events
    ref = ev.groupby("case_id", observed=True)["activity"].agg(lambda s: tuple(s.astype(str)))
    counts = ref.value_counts()
    assert dict(zip(v["variant"], v["journeys"], strict=True)) == counts.to_dict()
    first_seen = {}
    for case, path in ref.items():
        first_seen.setdefault(path, case)
    order = sorted(counts.items(), key=lambda kv: (-kv[1], first_seen[kv[0]]))
    assert v["variant"].tolist() == [k for k, _ in order]
    assert v["example_case"].tolist() == [first_seen[k] for k, _ in order]


# ----------------------------------------------------------------------------- pm4py parity


@pytest.fixture(scope="module")
def pm4py():
    pytest.importorskip("pm4py")
    from journeymine._optional import import_pm4py

    return import_pm4py()


def _frame(path, case, activity, timestamp, **read) -> pd.DataFrame:
    """The file's events for pm4py, stably sorted by case and time (equal times keep file order)."""
    raw = pd.read_csv(path, **read)
    frame = pd.DataFrame(
        {
            "case:concept:name": raw[case].astype(str),
            "concept:name": raw[activity].astype(str).str.strip(),
            "time:timestamp": pd.to_datetime(raw[timestamp], utc=True, format="mixed"),
        }
    )
    order = np.lexsort(
        (frame["time:timestamp"].to_numpy(), pd.factorize(frame["case:concept:name"])[0])
    )
    return frame.iloc[order].reset_index(drop=True)


@pytest.mark.realdata
def test_variants_equal_pm4py(real_data, pm4py):
    read = {"sep": ";", "encoding": "latin-1"}
    cases = [
        (
            jm.read_csv(
                real_data / "receipt.csv.gz",
                case="case:concept:name",
                activity="concept:name",
                timestamp="time:timestamp",
                drop_duplicates=False,
            ),
            _frame(
                real_data / "receipt.csv.gz", "case:concept:name", "concept:name", "time:timestamp"
            ),
        ),
        (
            jm.read_csv(
                real_data / "running-example.csv",
                case="case:concept:name",
                activity="concept:name",
                timestamp="time:timestamp",
                drop_duplicates=False,
            ),
            _frame(
                real_data / "running-example.csv",
                "case:concept:name",
                "concept:name",
                "time:timestamp",
            ),
        ),
        (
            jm.read_csv(
                real_data / "BPI2016_Complaints.csv",
                **read,
                customer="CustomerID",
                activity="ComplaintTopic_EN",
                timestamp="ContactDate",
                drop_duplicates=False,
            ),
            _frame(
                real_data / "BPI2016_Complaints.csv",
                "CustomerID",
                "ComplaintTopic_EN",
                "ContactDate",
                **read,
            ),
        ),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        help_log = jm.read_xes(real_data / "helpdesk.xes.gz")
        bpic = jm.read_xes(real_data / "bpic2012.xes.gz")
    cases += [(help_log, help_log.to_pm4py()), (bpic, bpic.to_pm4py())]
    for log, frame in cases:
        v = jm.variants(log)
        theirs = pm4py.get_variants(frame)
        assert dict(zip(v["variant"], v["journeys"].astype(int), strict=True)) == {
            tuple(k): int(n) for k, n in theirs.items()
        }
        assert v["journeys"].sum() == log.n_cases


# ----------------------------------------------------------------------------- the kernels


def _random_codes(rng, n_journeys, k, max_len):
    lens = rng.integers(0, max_len + 1, n_journeys)
    # few distinct paths, so that many journeys share one
    pool = [rng.integers(0, k, n) for n in range(max_len + 1)]
    code = np.concatenate(
        [pool[n][:n] if rng.random() < 0.7 else rng.integers(0, k, n) for n in lens]
    )
    return code.astype(np.int32), np.r_[0, np.cumsum(lens)].astype(np.int64)


def test_median_durations_of_rare_and_frequent_variants():
    """Variants taken 1, 2, 3 and 70 times (the last by partition, the others by sort)."""
    rng = np.random.default_rng(5)
    paths, durations = {}, {}
    plan = [("A",)] * 70 + [("B", "C")] * 3 + [("C", "B")] * 2 + [("D",)]
    for i, path in enumerate(plan):
        case = f"c{i:03d}"
        paths[case] = list(path) + ["end"]
        durations[case] = int(rng.integers(1, 10_000))
    rows = []
    for case, acts in paths.items():
        for k, a in enumerate(acts):
            t = T0 + pd.Timedelta(minutes=int(rng.integers(0, 1000))) if k == 0 else None
            rows.append({"c": case, "a": a, "k": k, "t": t})
    df = pd.DataFrame(rows)
    start = df.groupby("c")["t"].transform("first")
    df["t"] = start + pd.to_timedelta(df["k"] * df["c"].map(durations), unit="s")
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    v = jm.variants(log)
    ends = {}
    for case, acts in paths.items():
        ends.setdefault(tuple(acts), []).append(durations[case] * (len(acts) - 1) * 10**9)
    for path, med in zip(v["variant"], v["median_duration"], strict=True):
        d = sorted(ends[path])
        lo, hi = d[(len(d) - 1) // 2], d[len(d) // 2]
        assert med == pd.Timedelta(lo + (hi - lo) // 2, unit="ns"), path
    assert v["journeys"].tolist() == [70, 3, 2, 1]
