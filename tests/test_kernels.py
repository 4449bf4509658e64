"""The shared numpy kernels (journeymine._kernels): hand-checked cases and references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeymine import _kernels as K

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ints = st.lists(st.integers(-50, 50), max_size=60).map(lambda x: np.asarray(x, dtype=np.int64))


@st.composite
def grouped(draw, max_groups: int = 6):
    """(groups, values, n_groups) with some empty groups and many ties."""
    n_groups = draw(st.integers(1, max_groups))
    n = draw(st.integers(0, 40))
    groups = np.asarray(draw(st.lists(st.integers(0, n_groups - 1), min_size=n, max_size=n)))
    values = draw(
        st.one_of(
            st.lists(st.integers(0, 5), min_size=n, max_size=n),
            st.lists(st.integers(0, 10**15), min_size=n, max_size=n),
            st.lists(st.floats(-1e6, 1e6), min_size=n, max_size=n),
        )
    )
    return groups.astype(np.int64), np.asarray(values), n_groups


@st.composite
def journeys(draw):
    """(code, offsets, sequences): journeys over a small alphabet, some empty, many repeats."""
    alphabet = draw(st.integers(1, 3))
    seqs = draw(
        st.lists(st.lists(st.integers(-1, alphabet - 1), max_size=4), max_size=25).map(
            lambda s: [tuple(x) for x in s]
        )
    )
    lens = [len(s) for s in seqs]
    offsets = np.r_[0, np.cumsum(lens)].astype(np.int64)
    code = np.asarray([c for s in seqs for c in s], dtype=np.int64)
    return code, offsets, seqs


# --------------------------------------------------------------------------- hand-checked


def test_positions_and_first_rows():
    case, pos = K.positions(np.array([0, 3, 3, 4]))
    assert case.tolist() == [0, 0, 0, 2] and pos.tolist() == [0, 1, 2, 0]
    case, pos = K.positions(np.array([0]))
    assert case.tolist() == [] and pos.tolist() == []
    assert K.first_per_group(np.array([1, 1, 2, 2, 2, 9])).tolist() == [0, 2, 5]
    assert K.first_per_group(np.array([], dtype=np.int64)).tolist() == []
    assert K.first_occurrence(np.array([2, 2, 1, 2, 1])).tolist() == [2, 0]
    # events of journeys 0, 0, 0, 1 with codes a, a, missing, a
    fo = K.first_of_pairs(np.array([0, 0, 0, 1]), np.array([0, 0, -1, 0]), 1)
    assert fo.tolist() == [True, False, True, True]


def test_distinct_by_hand():
    assert K.distinct(np.array([3, 3, -1, 0])).tolist() == [-1, 0, 3]
    assert K.distinct(np.array([], dtype=np.int64)).tolist() == []
    u, inv = K.distinct_inverse(np.array([7, 7, 2]))
    assert u.tolist() == [2, 7] and inv.tolist() == [1, 1, 0] and inv.dtype == np.int64


def test_group_quantiles_by_hand():
    groups = np.array([1, 1, 1, 1, 0])
    values = np.array([10, 40, 20, 30, 5])
    q = K.group_quantiles(groups, values, 3, (0.0, 0.5, 0.9, 1.0))
    # group 1 sorted: 10 20 30 40; median halfway between 20 and 30; 90%: 30 + 0.7 * 10
    assert q[1].tolist() == pytest.approx([10, 25, 37, 40])
    assert q[0].tolist() == [5, 5, 5, 5]
    assert np.isnan(q[2]).all()
    assert np.isnan(K.group_quantiles(groups[:0], values[:0], 2, [0.5])).all()


def test_group_order_stats_and_distinct_cases_by_hand():
    groups = np.array([0, 2, 0, 0, 2])
    values = np.array([5, 9, 1, 3, 7])
    counts = np.bincount(groups, minlength=3)
    got = K.group_order_stats(groups, values, counts, np.array([[0, 1, 2], [0, 1, 1]]))
    assert got.tolist() == [[1, 3, 5], [7, 9, 9]] and got.dtype == values.dtype
    case = np.array([0, 0, 1, 1, 1])
    assert K.distinct_cases(groups, case, counts).tolist() == [2, 0, 2]
    assert K.distinct_cases(groups, case, counts, K.group_order(groups, 3)).tolist() == [2, 0, 2]
    assert K.distinct_cases(groups[:0], case[:0], np.zeros(3, np.int64)).tolist() == [0, 0, 0]


def test_case_variants_by_hand():
    # journeys: (a, b), (), (b,), (a, b), (), (b, a)
    code = np.array([0, 1, 1, 0, 1, 1, 0])
    offsets = np.array([0, 2, 2, 3, 5, 5, 7])
    variant, first = K.case_variants(code, offsets)
    assert variant.tolist() == [0, 1, 2, 0, 1, 3] and first.tolist() == [0, 1, 2, 5]
    variant, first = K.case_variants(code, offsets, empty_variant=False)
    assert variant.tolist() == [0, -1, 1, 0, -1, 2] and first.tolist() == [0, 2, 5]
    variant, first = K.case_variants(np.zeros(0, np.int64), np.array([0]))
    assert variant.tolist() == [] and first.tolist() == []


def test_case_variants_split_hash_collisions_exactly():
    # every journey gets the same key: (a, b) and (b, a) collide, as do (a,) and (a, b)
    code = np.array([0, 1, 1, 0, 0, 0, 1, 0])
    offsets = np.array([0, 2, 4, 5, 7, 8])

    def collide(code, starts, lens):
        return np.zeros(len(starts), dtype=np.uint64)

    variant, first = K.case_variants(code, offsets, hasher=collide)
    assert variant.tolist() == [0, 1, 2, 0, 2] and first.tolist() == [0, 1, 2]


def test_ns_to_timedelta_by_hand():
    s = K.ns_to_timedelta(np.array([0.4, 0.6, np.nan, np.inf]))
    assert s.dtype == "timedelta64[ns]"
    assert s.tolist()[:2] == [pd.Timedelta(0), pd.Timedelta(1, unit="ns")]
    assert s.isna().tolist() == [False, False, True, True]
    big = np.array([2**62 + 1, np.iinfo(np.int64).min])
    s = K.ns_to_timedelta(big)
    assert s.iloc[0].value == 2**62 + 1 and pd.isna(s.iloc[1])


# --------------------------------------------------------------------------- references


@SETTINGS
@given(grouped(), st.lists(st.floats(0, 1), min_size=1, max_size=4), st.booleans())
def test_group_quantiles_match_np_quantile(data, qs, global_positions):
    groups, values, n_groups = data
    got = K.group_quantiles(groups, values, n_groups, qs, global_positions=global_positions)
    assert got.shape == (n_groups, len(qs))
    for g in range(n_groups):
        mine = values[groups == g].astype(float)
        if len(mine):
            want = np.quantile(mine, qs)
            scale = max(1.0, float(np.abs(mine).max()))
            assert np.allclose(got[g], want, rtol=1e-9, atol=1e-9 * scale)
        else:
            assert np.isnan(got[g]).all()


def _legacy_group_quantiles(groups, values, n_groups, qs, global_positions):
    """The two formulas group_quantiles replaced (analyzers: global; compare: per group)."""
    out = np.full((n_groups, len(qs)), np.nan)
    if not len(values):
        return out
    sv = values[np.lexsort((values, groups))].astype(float)
    counts = np.bincount(groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    has = counts > 0
    for j, q in enumerate(qs):
        if global_positions:
            pos = starts + q * (counts - 1)
            lo = np.floor(pos).astype(np.int64)
            hi = np.ceil(pos).astype(np.int64)
            lo_c = np.clip(lo, 0, len(sv) - 1)
            hi_c = np.clip(hi, 0, len(sv) - 1)
            val = sv[lo_c] + (sv[hi_c] - sv[lo_c]) * (pos - lo)
            out[:, j] = np.where(has, val, np.nan)
        else:
            at = q * (counts[has] - 1)
            lo = np.floor(at).astype(np.int64)
            hi = np.ceil(at).astype(np.int64)
            a = sv[starts[has] + lo]
            b = sv[starts[has] + hi]
            out[has, j] = a + (b - a) * (at - lo)
    return out


@SETTINGS
@given(grouped(max_groups=300), st.lists(st.floats(0, 1), min_size=1, max_size=3), st.booleans())
def test_group_quantiles_keep_the_callers_exact_formulas(data, qs, global_positions):
    groups, values, n_groups = data
    got = K.group_quantiles(groups, values, n_groups, qs, global_positions=global_positions)
    want = _legacy_group_quantiles(groups, values, n_groups, qs, global_positions)
    np.testing.assert_array_equal(got, want)


@SETTINGS
@given(grouped(max_groups=50), st.integers(1, 3))
def test_group_order_stats_match_sorted_groups(data, k):
    groups, values, n_groups = data
    counts = np.bincount(groups, minlength=n_groups)
    c = counts[counts > 0]
    rng = np.random.default_rng(len(values))
    ranks = (rng.random((len(c), k)) * c[:, None]).astype(np.int64)
    got = K.group_order_stats(groups, values, counts, ranks)
    # the same groups among more than 4,096 (empty) ones
    many = np.r_[counts, np.zeros(5000, dtype=counts.dtype)]
    assert K.group_order_stats(groups, values, many, ranks).tolist() == got.tolist()
    # groups partitioned and groups sorted, mixed: groups of 3+ values partitioned,
    # at most 2 of them (the largest), the rest sorted together
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(K, "_PARTITION_MIN", 3)
        mp.setattr(K, "_PARTITION_GROUPS", 2)
        assert K.group_order_stats(groups, values, counts, ranks).tolist() == got.tolist()
        mp.setattr(K, "_PARTITION_MIN", 1)
        assert K.group_order_stats(groups, values, counts, ranks).tolist() == got.tolist()
    for row, g in enumerate(np.flatnonzero(counts)):
        mine = np.sort(values[groups == g])
        assert got[row].tolist() == mine[ranks[row]].tolist()


@SETTINGS
@given(grouped(max_groups=100), st.booleans())
def test_distinct_cases_match_sets(data, with_order):
    groups, _, n_groups = data
    case = np.sort(np.random.default_rng(len(groups)).integers(0, 5, len(groups)))
    counts = np.bincount(groups, minlength=n_groups)
    order = K.group_order(groups, n_groups) if with_order else None
    got = K.distinct_cases(groups, case, counts, order)
    want = [len(set(case[groups == g].tolist())) for g in range(n_groups)]
    assert got.tolist() == want


@SETTINGS
@given(grouped(max_groups=70_000))
def test_group_orders_match_stable_sorts(data):
    groups, values, n_groups = data
    assert K.group_order(groups, n_groups).tolist() == np.argsort(groups, kind="stable").tolist()
    got = K.group_value_order(groups, values, n_groups)
    assert got.tolist() == np.lexsort((values, groups)).tolist()


@SETTINGS
@given(ints)
def test_distinct_matches_np_unique(x):
    assert K.distinct(x).tolist() == np.unique(x).tolist()
    u, inv = K.distinct_inverse(x)
    want_u, want_inv = np.unique(x, return_inverse=True)
    assert u.tolist() == want_u.tolist() and inv.tolist() == want_inv.tolist()
    assert K.first_occurrence(x).tolist() == np.unique(x, return_index=True)[1].tolist()


wide_ints = st.tuples(
    st.sampled_from([np.int8, np.uint8, np.int16, np.int32, np.int64, np.uint64]),
    st.sampled_from([1, 100, 70_000, 2**40]),
    st.lists(st.integers(0, 2**62), max_size=60),
).map(
    lambda t: (
        np.asarray([v % t[1] for v in t[2]])
        - (t[1] // 2 if t[0] not in (np.uint8, np.uint64) else 0)
    ).astype(t[0])
)


@SETTINGS
@given(wide_ints)
def test_distinct_matches_np_unique_over_dtypes_and_ranges(x):
    """Small ranges take the bincount path, wide ones the sort; int8 extremes must not wrap."""
    assert K.distinct(x).tolist() == np.unique(x).tolist()
    assert K.distinct(x).dtype == x.dtype
    u, inv = K.distinct_inverse(x)
    want_u, want_inv = np.unique(x, return_inverse=True)
    assert u.tolist() == want_u.tolist() and inv.tolist() == want_inv.tolist()


def test_distinct_int8_extremes_and_case_major_keys():
    x = np.array([127, -128, 127, 0], dtype=np.int8)
    assert K.distinct(x).tolist() == [-128, 0, 127]
    assert K.distinct_inverse(x)[1].tolist() == [2, 0, 2, 1]
    # journey-major keys (journey * 10**6 + code) whose range is too wide for a bincount
    case = np.array([0, 0, 0, 1, 1, 5])
    code = np.array([7, 3, 7, 3, 999_999, 3])
    got = K.distinct(case * 10**6 + code, case_major=True)
    assert got.tolist() == [3, 7, 1_000_003, 1_999_999, 5_000_003]


@SETTINGS
@given(journeys(), st.booleans(), st.booleans())
def test_case_variants_match_dict_of_tuples(data, empty_variant, collide):
    code, offsets, seqs = data
    hasher = (lambda c, s, n: n.astype(np.uint64)) if collide else K.hash_keys
    variant, first = K.case_variants(code, offsets, empty_variant=empty_variant, hasher=hasher)
    ids: dict[tuple[int, ...], int] = {}
    want, want_first = [], []
    for i, s in enumerate(seqs):
        if not s and not empty_variant:
            want.append(-1)
            continue
        if s not in ids:
            ids[s] = len(ids)
            want_first.append(i)
        want.append(ids[s])
    assert variant.tolist() == want and first.tolist() == want_first
    assert variant.dtype == np.int64 and first.dtype == np.int64


@SETTINGS
@given(journeys())
def test_positions_and_first_of_pairs_match_loops(data):
    code, offsets, seqs = data
    case, pos = K.positions(offsets)
    assert case.tolist() == [i for i, s in enumerate(seqs) for _ in s]
    assert pos.tolist() == [j for s in seqs for j in range(len(s))]
    seen: set[tuple[int, int]] = set()
    want = []
    for c, x in zip(case.tolist(), code.tolist(), strict=True):
        want.append((c, x) not in seen)
        seen.add((c, x))
    assert K.first_of_pairs(case, code, 3).tolist() == want


def _reference_hash(seq: list[int]) -> int:
    """The documented key, with Python integers: sum((c + 2) * M**i) mod 2**64, XOR len * L."""
    m, mix = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F
    h = sum((c + 2) * pow(m, i, 2**64) for i, c in enumerate(seq)) % 2**64
    return h ^ (len(seq) * mix % 2**64)


@SETTINGS
@given(journeys(), st.booleans())
def test_hash_keys_match_the_documented_formula(data, by_powers):
    """Both ways of computing the terms (a table by (position, code), or powers) give the key."""
    code, offsets, seqs = data
    lens = np.diff(offsets)
    ne = lens > 0
    if by_powers:
        old, K._HASH_TABLE = K._HASH_TABLE, 0
    try:
        got = K.hash_keys(code, offsets[:-1][ne], lens[ne])
    finally:
        if by_powers:
            K._HASH_TABLE = old
    assert got.tolist() == [_reference_hash(list(q)) for q in seqs if q]


@SETTINGS
@given(grouped(), st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_sorted_group_quantiles_are_group_quantiles_bit_for_bit(data, qs):
    # the partitioned merges read quantiles off values already grouped and sorted: the
    # same numbers, to the last bit, as group_quantiles of the values in any order
    groups, values, n_groups = data
    want = K.group_quantiles(groups, values, n_groups, qs, global_positions=True)
    order = np.lexsort((values, groups))
    counts = np.bincount(groups, minlength=n_groups)
    got = K.sorted_group_quantiles(values[order], counts, qs)
    np.testing.assert_array_equal(got, want)
