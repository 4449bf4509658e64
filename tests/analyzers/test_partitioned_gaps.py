"""silent_gaps, silent_gaps_summary and unanswered on a PartitionedLog: the same as in memory."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm
from journeymine.analyzers._parts_gaps import journey_keys, numeric_ids, ordered_union

T0 = pd.Timestamp("2025-01-01 00:00")
SILENT = (jm.silent_gaps, jm.silent_gaps_summary)


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


def _frame_log(rows: list[tuple], **mapping: str) -> jm.JourneyLog:
    cols = ["c", "a", "t", "d", "ch"][: len(rows[0])]
    df = pd.DataFrame(rows, columns=cols)
    names = {"d": "direction", "ch": "channel"}
    extra = {names[c]: c for c in cols[3:]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return jm.from_pandas(df, case="c", activity="a", timestamp="t", **extra, **mapping)


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


# --------------------------------------------------------------------------- the sample
def test_sample_with_the_defaults(sample, same_on_partitions):
    for func in SILENT:
        assert len(same_on_partitions(func, sample))
    assert len(same_on_partitions(jm.unanswered, sample))


@pytest.mark.parametrize(
    "kw",
    [
        {"threshold": "2D"},
        {"min_gaps": 200},  # rare transitions take the global baseline
        {"factor": 3.0, "floor": "6h"},
        {"floor": None, "min_gaps": 1},
        {"level": "channel"},
        {"baselines": [{"from": "visit homepage", "to": "view pricing", "wait": "2h"}]},
    ],
)
def test_sample_with_settings(sample, same_on_partitions, kw):
    for func in SILENT:
        same_on_partitions(func, sample, partitions=(2, 7), **kw)


@pytest.mark.parametrize(
    "kw", [{"self_service": None}, {"min_response_rate": 0.0}, {"min_response_rate": 0.9}]
)
def test_unanswered_settings(sample, same_on_partitions, kw):
    same_on_partitions(jm.unanswered, sample, partitions=(2, 7), **kw)


def test_summary_keeps_its_provenance_but_refuses_drill_down(sample):
    s = jm.silent_gaps_summary(jm.partition(sample, partitions=3, workers=1), min_gaps=50)
    info = s.attrs["journeymine"]
    assert info["analysis"] == "silent_gaps_summary" and info["params"]["min_gaps"] == 50
    with pytest.raises(jm.InvalidParameterError, match="another log"):
        jm.affected_journeys(sample, s.iloc[0])


# --------------------------------------------------------------------------- tricky logs
def _tricky() -> jm.JourneyLog:
    """Labels in one journey only, missing channels and directions, ties in time,
    single-event journeys, journeys that end on an unanswered contact."""
    rows = []
    for i in range(12):
        c, t = f"j{i:02d}", 24.0 * i
        wait = 24 * 9 if i % 4 == 0 else 2 + i % 3
        rows += [
            (c, "ticket", _at(t), "inbound", "phone" if i % 3 else None),
            (c, "reply", _at(t + wait), "outbound", "email"),
            (c, "note", _at(t + wait), "internal", None),  # a tie in time
        ]
        if i % 5 == 1:
            rows.append((c, "ticket", _at(t + wait + 30 * 24), "inbound", "phone"))
    rows += [
        ("solo", "ticket", _at(5), "inbound", "web"),  # one event
        ("zz-late", "escalate", _at(3), None, None),  # a label in one journey only
        ("zz-late", "ticket", _at(3 + 24 * 40), "inbound", None),
        ("zz-late", "reply", _at(3 + 24 * 41), "outbound", None),
    ]
    return _frame_log(rows)


@pytest.mark.parametrize("kw", [{}, {"min_gaps": 1, "floor": "0s"}, {"threshold": "1D"}])
def test_tricky_log(same_on_partitions, kw):
    log = _tricky()
    for func in SILENT:
        same_on_partitions(func, log, partitions=(1, 2, 3, 5, 13), **kw)
        same_on_partitions(func, log, partitions=(3, 7), level="channel", **kw)
    g = jm.silent_gaps(log, min_gaps=1, floor="0s", level="channel")
    assert g["from_activity"].isna().any()  # missing values are a transition end too


def test_tricky_unanswered(same_on_partitions):
    log = _tricky()
    u = same_on_partitions(jm.unanswered, log, partitions=(1, 2, 3, 5, 13))
    assert set(u["case_id"]) == {"j01", "j06", "j11"}  # "solo" used the web: no contact
    u = same_on_partitions(jm.unanswered, log, partitions=(2, 7), self_service=None)
    assert "solo" in set(u["case_id"])


def test_ongoing_journeys_after_a_split(same_on_partitions):
    log = jm.split_journeys(_tricky(), inactivity="20D", observation_end="2025-03-01")
    assert log.cases["ongoing"].any()
    u = same_on_partitions(jm.unanswered, log, partitions=(1, 2, 4, 9))
    assert u["ongoing"].any() and not u["ongoing"].iloc[0]  # finished journeys first
    for func in SILENT:
        same_on_partitions(func, log, partitions=(2, 4, 9), min_gaps=2)


def test_empty_results(same_on_partitions):
    log = _tricky()
    for func in SILENT:
        assert same_on_partitions(func, log, partitions=(1, 3), threshold="1000D").empty
    quiet = _frame_log([("a", "x", _at(0), "internal"), ("b", "y", _at(1), "outbound")])
    assert same_on_partitions(jm.unanswered, quiet, partitions=(1, 2)).empty
    single = _frame_log([("a", "x", _at(0), "inbound"), ("b", "y", _at(1), "inbound")])
    for func in (*SILENT, jm.unanswered):
        assert same_on_partitions(func, single, partitions=(1, 2)).empty
    none = pd.Series([], dtype=str)
    nothing = jm.from_pandas(
        pd.DataFrame({"c": none, "a": none, "t": pd.Series([], dtype="M8[ns]")}),
        case="c",
        activity="a",
        timestamp="t",
    )
    for func in SILENT:
        assert same_on_partitions(func, nothing, partitions=(1, 2)).empty


def test_a_partition_without_directions(same_on_partitions):
    rows = [(f"a{i}", "ask", _at(i), "inbound") for i in range(3)]
    rows += [(f"a{i}", "answer", _at(i + 200), "outbound") for i in range(2)]
    rows += [(f"z{i}", "ask", _at(i), None) for i in range(4)]
    log = _frame_log(rows)
    u = same_on_partitions(jm.unanswered, log, partitions=(1, 2, 3, 7))
    assert u["case_id"].tolist() == ["a2"]
    same_on_partitions(jm.silent_gaps, log, partitions=(2, 7), min_gaps=1)


def _auto_close(n: int = 80) -> jm.JourneyLog:
    """Resolved -> Closed 7 days (+/- 1 hour) after the resolution for most cases, by
    hand for the rest, one case after 70 days: a scheduled step."""
    rng = np.random.default_rng(1)
    rows = []
    for i in range(n):
        t = float(rng.integers(0, 24 * 200))
        r = t + 3 * np.exp(0.7 * rng.standard_normal())
        close = r + (7 * 24 + rng.uniform(-1, 1) if i < 0.75 * n else 2 + rng.uniform(0, 3))
        close = r + 70 * 24 if i == n - 1 else close
        rows += [(f"c{i}", "Queued", _at(t)), (f"c{i}", "Resolved", _at(r))]
        rows += [(f"c{i}", "Closed", _at(close))]
    return _frame_log(rows)


def test_scheduled_and_global_baselines(same_on_partitions):
    log = _auto_close()
    s = same_on_partitions(jm.silent_gaps_summary, log, partitions=(1, 2, 3, 7))
    assert s["baseline"].tolist() == ["scheduled"]
    s = same_on_partitions(jm.silent_gaps_summary, log, partitions=(2, 7), min_gaps=500)
    assert set(s["baseline"]) == {"global"}
    same_on_partitions(jm.silent_gaps, log, partitions=(2, 7), min_gaps=500)
    base = [{"from": "Resolved", "to": "Closed", "wait": "1h"}]
    s = same_on_partitions(jm.silent_gaps_summary, log, partitions=(2, 7), baselines=base)
    assert "set" in set(s["baseline"])


def test_integer_labels_keep_the_logs_order(same_on_partitions):
    # integer touchpoints are ordered by number (2 before 10): transitions keep that order
    rng = np.random.default_rng(3)
    rows = []
    for i in range(40):
        t = 0.0
        for _ in range(int(rng.integers(2, 6))):
            t += float(rng.choice([1, 2, 24 * 9]))
            rows.append((f"c{i:02d}", int(rng.choice([2, 10, 33, 100])), _at(t), "inbound"))
    log = _frame_log(rows)
    assert list(log.events["activity"].cat.categories) == ["2", "10", "33", "100"]
    for func in SILENT:
        same_on_partitions(func, log, partitions=(2, 5), min_gaps=3)


def test_integer_labels_of_partitions_by_hash(tmp_path):
    # each file partition has its own (sorted) subset of the touchpoints
    rng = np.random.default_rng(4)
    rows = []
    for i in range(60):
        t = pd.Timestamp("2025-01-01", tz="UTC")
        for _ in range(int(rng.integers(2, 5))):
            t += pd.Timedelta(hours=float(rng.choice([1, 2, 24 * 9])))
            rows.append({"c": f"c{i:02d}", "a": int(rng.choice([2, 5, 10, 33, 100])), "t": t})
    df = pd.DataFrame(rows)
    df.loc[df["c"] == "c07", "a"] = 7  # a touchpoint of one journey
    df.to_parquet(tmp_path / "events.parquet", index=False)
    mapping = dict(case="c", activity="a", timestamp="t")
    log = jm.from_pandas(df, **mapping)
    plog = jm.scan_parquet(tmp_path, partitions=6, workers=1, **mapping)
    for func in SILENT:
        want = func(log, min_gaps=3)
        pdt.assert_frame_equal(func(plog, min_gaps=3), want, check_exact=True)


# --------------------------------------------------------------------------- errors
def _same_error(func, log, partitions=3, **kw):
    with pytest.raises(Exception) as want:
        func(log, **kw)
    with pytest.raises(type(want.value)) as got:
        func(jm.partition(log, partitions=partitions, workers=2), **kw)
    assert str(got.value) == str(want.value)
    return got.value


def test_errors_are_those_in_memory(sample):
    _same_error(jm.silent_gaps, sample, level="stage")
    bad = [{"from": "visit hompage", "to": "view pricing", "wait": "2h"}]
    assert "did you mean" in str(_same_error(jm.silent_gaps_summary, sample, baselines=bad))
    _same_error(jm.silent_gaps, sample, baselines=[{"from": "a"}])
    no_dir = _frame_log([("a", "x", _at(0)), ("a", "y", _at(1)), ("b", "x", _at(2))])
    err = _same_error(jm.unanswered, no_dir, partitions=2)
    assert isinstance(err, jm.MissingColumnError) and err.column == "direction"
    empty_dir = _frame_log([("a", "x", _at(0), None), ("b", "y", _at(1), None)])
    assert "has no values" in str(_same_error(jm.unanswered, empty_dir, partitions=2))


# --------------------------------------------------------------------------- files (hashed)
def _lake_frame(idkind: str, n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n):
        t = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(0, 500)))
        cid = {"text": f"c{c:03d}", "int": c * 7 + 3, "digits": str(c * 7 + 3)}[idkind]
        for _ in range(int(rng.integers(1, 6))):
            t += pd.Timedelta(minutes=int(rng.choice([0, 30, 60 * 24 * 5, 60 * 24 * 12])))
            rows.append(
                {
                    "case": cid,
                    "activity": str(rng.choice(["home", "search", "cart", "buy", "call"])),
                    "time": t,
                    "direction": str(rng.choice(["inbound", "outbound", "internal"])),
                }
            )
    return pd.DataFrame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("idkind", ["text", "int", "digits"])
def test_partitions_by_hash_are_ordered_by_journey_id(tmp_path, idkind):
    # jm.scan_parquet spreads journeys over partitions by a hash: rows and sums still
    # follow the log's journey order (by number for an integer column, else by text)
    df = _lake_frame(idkind)
    df.to_parquet(tmp_path / "events.parquet", index=False)
    mapping = dict(case="case", activity="activity", timestamp="time", direction="direction")
    log = jm.from_pandas(df, **mapping)
    plog = jm.scan_parquet(tmp_path, partitions=5, workers=2, **mapping)
    for func, kw in [
        (jm.silent_gaps, {"min_gaps": 5}),
        (jm.silent_gaps_summary, {"min_gaps": 5}),
        (jm.unanswered, {"min_response_rate": 0.2}),
    ]:
        want = func(log, **kw)
        assert len(want)
        pdt.assert_frame_equal(func(plog, **kw), want, check_exact=True)


# --------------------------------------------------------------------------- helpers
def test_ordered_union_keeps_the_partitions_order():
    labels, maps = ordered_union([["b", "a"], ["c", "a"]])
    assert labels == ["b", "c", "a"] and [m.tolist() for m in maps] == [[0, 2], [1, 2]]
    # what no partition orders ("5" against the others) follows the loaders' order
    labels, maps = ordered_union([["2", "10"], ["10", "33"], ["5"]])
    assert labels == ["2", "5", "10", "33"] and maps[1].tolist() == [2, 3]
    assert ordered_union([["10", "2"], ["5"]])[0] == ["10", "2", "5"]  # text, not numbers
    assert ordered_union([["a", "b"], ["b", "a"]])[0] == ["a", "b"]  # disagreeing
    assert ordered_union([["x", "y"], ["x", "y"]])[0] == ["x", "y"]


def test_journey_keys():
    ids = [np.array(["10", "2"], dtype=object), np.array(["3"], dtype=object)]
    case = [np.array([0, 1]), np.array([0])]
    assert journey_keys(case, ids, [2, 1], None).tolist() == [0, 1, 2]
    assert journey_keys(case, ids, [2, 1], [False, True]).tolist() == [1, 2, 3]  # text
    assert journey_keys(case, ids, [2, 1], [True, True]).tolist() == [3, 1, 2]  # numbers
    assert numeric_ids(pd.Index(["2", "10"])) and not numeric_ids(pd.Index(["10", "2"]))
    assert not numeric_ids(pd.Index(["a", "b"])) and not numeric_ids(pd.Index(["02", "3"]))


# --------------------------------------------------------------------------- real data
def test_real_helpdesk(real_data, same_on_partitions):
    # a process export: no channel, no direction (the process rules set directions)
    plain = jm.read_xes(real_data / "helpdesk.xes.gz")
    assert not plain.events["direction"].notna().any()
    ruled = jm.classify_direction(plain, "process")
    for func in SILENT:
        assert len(same_on_partitions(func, plain, partitions=(3, 7)))
        same_on_partitions(func, ruled, partitions=(2, 5), workers=(2,))
    same_on_partitions(jm.unanswered, ruled, partitions=(2, 5), workers=(2,))
