"""The arrays analyses read (journeymine._arrays, journeymine.derive.arrays)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeymine as jm
from journeymine import _kernels as K
from journeymine.derive import arrays

PACKAGE = Path(jm.__file__).parent

# the core owns the log's private attributes
CORE = {"log.py", "derive.py", "_arrays.py", "_encode.py", "_partitioned.py"}
# (a new log from another one: journeymine.derive.new_log)
PRIVATE = {
    "_events",
    "_offsets",
    "_ongoing",
    "_codes",
    "_cache",
    "_cached",
    "_rejected",
    "_replace",
}
# private attributes of other objects, with the one module that owns each
# (the graph's log is read through JourneyGraph.log)
OWNED = {"_log": "discovery/graph.py"}
# (module, attribute) pairs not yet moved to the interface, each with its reason
ALLOWED: set[tuple[str, str]] = set()


def _private_reads() -> set[tuple[str, str, int]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in CORE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            if node.attr in PRIVATE or OWNED.get(node.attr, rel) != rel:
                found.add((rel, node.attr, node.lineno))
    return found


def test_no_module_outside_the_core_reads_the_logs_private_attributes():
    reads = _private_reads()
    unexpected = sorted(r for r in reads if (r[0], r[1]) not in ALLOWED)
    assert not unexpected, f"use journeymine.derive.arrays(log) instead: {unexpected}"


def test_the_allowlist_is_not_stale():
    reads = {(r[0], r[1]) for r in _private_reads()}
    assert ALLOWED <= reads, f"remove from ALLOWED: {sorted(ALLOWED - reads)}"


@pytest.fixture(scope="module")
def log():
    return jm.datasets.load_sample()


@pytest.fixture(scope="module")
def small():
    df = pd.DataFrame(
        {
            "c": ["x", "x", "x", "y", "z", "z"],
            "a": ["A", "B", "A", "B", "A", "C"],
            "ch": ["web", None, "phone", "web", "app", None],
            "t": pd.date_range("2025-01-01", periods=6, freq="h"),
        }
    )
    return jm.from_pandas(df, case="c", activity="a", timestamp="t", channel="ch")


def _readonly(a: np.ndarray) -> bool:
    with pytest.raises(ValueError, match="read-only"):
        a[...] = a
    return not a.flags.writeable


def test_arrays_equal_what_the_log_holds_and_are_read_only(log):
    a = arrays(log)
    ev = log.events
    cases = log.cases
    assert a.whole and a.n_events == len(log) and a.n_cases == log.n_cases
    np.testing.assert_array_equal(a.offsets, log.case_offsets)
    np.testing.assert_array_equal(a.case, ev["case_id"].cat.codes.to_numpy())
    assert a.case.dtype == np.int64
    np.testing.assert_array_equal(a.case_as(np.int32), a.case)
    assert a.case_as(np.int32).dtype == np.int32
    np.testing.assert_array_equal(a.ongoing, cases["ongoing"].to_numpy())
    np.testing.assert_array_equal(a.timestamps_ns, ev["timestamp"].array.asi8)
    assert list(a.case_ids) == list(cases["case_id"].astype(str))
    assert a.observation_end == log.observation_end
    assert a.columns == log.columns
    for col in ("activity", "channel", "department"):
        codes, labels = a.codes(col), a.labels(col)
        back = np.where(codes >= 0, np.asarray(labels, dtype=object)[codes], None)
        want = ev[col].astype(object).where(ev[col].notna(), None).to_numpy()
        assert back.tolist() == want.tolist()
        assert _readonly(codes)
    for arr in (a.offsets, a.case, a.case_as(np.int32), a.ongoing, a.timestamps_ns):
        assert _readonly(arr)
    assert a.has("channel") and not a.has("nope") and a.has_values("channel")


def test_column_is_a_view_that_cannot_change_the_log(small):
    a = arrays(small)
    s = a.column("activity")
    s.iloc[0] = "B"
    assert small.events["activity"].iloc[0] == "A"
    with pytest.raises(jm.errors.MissingColumnError):
        a.column("nope")
    with pytest.raises(jm.errors.MissingColumnError):
        a.codes("nope")


def test_has_values_of_an_empty_column(small):
    a = arrays(small)
    assert a.has_values("channel")
    assert not a.has_values("department")  # mapped by no loader argument: all missing


def test_cached_goes_through_the_log_and_a_partition_has_its_own_keys(small):
    a = arrays(small)
    calls = []

    def compute():
        calls.append(1)
        return np.arange(3)

    first = a.cached(("test.arrays",), compute)
    again = arrays(small).cached(("test.arrays",), compute)
    assert len(calls) == 1 and first is again and not first.flags.writeable
    part = a.partition(1, 3).cached(("test.arrays",), lambda: np.arange(2))
    assert part.tolist() == [0, 1]
    assert a.cached(None, lambda: "no cache") == "no cache"


def _parts(n: int) -> list[tuple[int, int]]:
    cuts = [0, n // 3, n // 3, 2 * n // 3 + 1, n]  # an empty partition too
    return list(zip(cuts[:-1], cuts[1:], strict=True))


def test_a_partition_is_the_same_interface_over_whole_journeys(log):
    a = arrays(log)
    for lo, hi in _parts(a.n_cases):
        p = a.partition(lo, hi)
        r0, r1 = int(a.offsets[lo]), int(a.offsets[hi])
        assert not p.whole or (lo, hi) == (0, a.n_cases)
        assert p.n_cases == hi - lo and p.n_events == r1 - r0
        np.testing.assert_array_equal(p.offsets, a.offsets[lo : hi + 1] - r0)
        np.testing.assert_array_equal(p.case, a.case[r0:r1] - lo)
        np.testing.assert_array_equal(p.case_as(np.int16), a.case[r0:r1] - lo)
        np.testing.assert_array_equal(p.ongoing, a.ongoing[lo:hi])
        np.testing.assert_array_equal(p.timestamps_ns, a.timestamps_ns[r0:r1])
        np.testing.assert_array_equal(p.codes("activity"), a.codes("activity")[r0:r1])
        assert p.labels("activity").equals(a.labels("activity"))
        assert list(p.case_ids) == list(a.case_ids[lo:hi])
        assert p.column("activity").tolist() == a.column("activity").iloc[r0:r1].tolist()
        for arr in (p.offsets, p.case, p.ongoing, p.timestamps_ns, p.codes("activity")):
            assert _readonly(arr)
    nested = a.partition(10, 40).partition(5, 10)
    np.testing.assert_array_equal(nested.case_ids, a.case_ids[15:20])
    with pytest.raises(IndexError):
        a.partition(5, a.n_cases + 1)


def _per_journey(p) -> dict[str, np.ndarray]:
    """A few kernels over a view, as per-journey (or per-event) results."""
    code = np.asarray(p.codes("activity"), dtype=np.int64)
    off = p.offsets
    lens = np.diff(off)
    nonempty = lens > 0
    _, pos = K.positions(off)
    ts = p.timestamps_ns
    dur = ts[off[1:][nonempty] - 1] - ts[off[:-1][nonempty]]
    return {
        "position": pos,
        "first_visit": K.first_of_pairs(p.case, code, len(p.labels("activity"))),
        "hash": K.hash_keys(code, off[:-1][nonempty], lens[nonempty]),
        "duration": dur,
        "median_gap": K.group_quantiles(
            p.case[1:][p.case[1:] == p.case[:-1]],
            np.diff(ts)[p.case[1:] == p.case[:-1]].astype(float),
            p.n_cases,
            [0.5],
        )[:, 0],
    }


def test_kernels_give_the_same_per_journey_results_on_partitions(log):
    a = arrays(log)
    whole = _per_journey(a)
    pieces = [_per_journey(a.partition(lo, hi)) for lo, hi in _parts(a.n_cases)]
    for name, want in whole.items():
        got = np.concatenate([p[name] for p in pieces])
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_variants_of_partitions_agree_with_the_whole_log(log):
    a = arrays(log)
    code = np.asarray(a.codes("activity"), dtype=np.int64)
    var, _ = K.case_variants(code, a.offsets)
    for lo, hi in _parts(a.n_cases):
        p = a.partition(lo, hi)
        pvar, _ = K.case_variants(np.asarray(p.codes("activity"), dtype=np.int64), p.offsets)
        # the same grouping of the partition's journeys (variant ids are local)
        pairs = pd.DataFrame({"part": pvar, "whole": var[lo:hi]}).drop_duplicates()
        assert pairs["part"].is_unique and pairs["whole"].is_unique
