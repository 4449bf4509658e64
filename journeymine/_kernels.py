"""Shared numpy kernels of the analyzers, the comparisons and discovery (private).

The kernels work on flat arrays in log order: events sorted by journey (case),
then time, and a journey's events at ``offsets[i]:offsets[i + 1]``. Each runs in
a few vectorised passes, with no Python loop per event or per journey.

* Distinct values and first rows: :func:`distinct`, :func:`distinct_inverse`,
  :func:`first_occurrence`, :func:`first_per_group`, :func:`first_of_pairs`.
* Grouped statistics: :func:`group_order`, :func:`group_value_order`,
  :func:`group_quantiles`, :func:`group_order_stats`, :func:`distinct_cases`.
* Journeys: :func:`positions`, :func:`case_variants` (exact variant grouping:
  a hash per journey, :func:`hash_keys`, then a check against each group's first
  journey).
* Time: :func:`ns_to_timedelta` (ns back to a ``timedelta64[ns]`` Series).

The kernels know no log: the arrays of a log (journey codes, event times) come
from :mod:`journeymine.derive` (``case_codes``, ``event_times``, ``arrays``).

Distinct values are found by sorting: under numpy 2.4 a plain ``np.unique(x)``
hashes, which is about ten times slower than a sort for integer keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "ns_to_timedelta",
    "positions",
    "distinct",
    "distinct_inverse",
    "first_occurrence",
    "first_per_group",
    "first_of_pairs",
    "group_order",
    "group_value_order",
    "group_quantiles",
    "group_order_stats",
    "distinct_cases",
    "hash_keys",
    "case_variants",
]

_NAT = np.iinfo(np.int64).min
# group_order_stats partitions groups of at least _PARTITION_MIN values (at most
# _PARTITION_GROUPS of them, the largest); the other groups share one sort
_PARTITION_MIN = 64
_PARTITION_GROUPS = 4096
_MULT = np.uint64(0x9E3779B97F4A7C15)
_LEN_MIX = np.uint64(0xC2B2AE3D27D4EB4F)
# largest (position, code) table of hash terms (uint64 entries); past it, two gathers
_HASH_TABLE = 1 << 18


def ns_to_timedelta(ns: np.ndarray) -> pd.Series:
    """Nanoseconds as a ``timedelta64[ns]`` Series.

    Integers are taken exactly (``np.iinfo(np.int64).min``, numpy's NaT, stays
    NaT). Floats are rounded to the nearest nanosecond (half to even), and NaN
    or infinity becomes NaT.

    Examples
    --------
    >>> ns_to_timedelta(np.array([1.5, 2.5, np.nan])).tolist()
    [Timedelta('0 days 00:00:00.000000002'), Timedelta('0 days 00:00:00.000000002'), NaT]
    >>> ns_to_timedelta(np.array([3_600_000_000_000, np.iinfo(np.int64).min])).tolist()
    [Timedelta('0 days 01:00:00'), NaT]
    """
    arr = np.asarray(ns)
    if arr.dtype.kind in "iu":
        return pd.Series(arr.astype(np.int64, copy=False).view("m8[ns]"))
    arr = arr.astype(float, copy=False)
    ok = np.isfinite(arr)
    ints = np.full(arr.shape, _NAT, dtype=np.int64)
    ints[ok] = np.round(arr[ok]).astype(np.int64)
    return pd.Series(ints.view("m8[ns]"))


def positions(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The journey of every event and its 0-based position within the journey.

    ``offsets`` starts at 0 and ends at the number of events. The journey index is
    repeated over the journey lengths; an event's position is its index minus its
    journey's first index.

    Examples
    --------
    >>> case, pos = positions(np.array([0, 2, 2, 5]))
    >>> case.tolist(), pos.tolist()
    ([0, 0, 2, 2, 2], [0, 1, 0, 1, 2])
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    lens = np.diff(offsets)
    case = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    pos = np.arange(int(offsets[-1]), dtype=np.int64) - offsets[:-1][case]
    return case, pos


# --------------------------------------------------------------------------- distinct values


def distinct(values: np.ndarray, *, case_major: bool = False) -> np.ndarray:
    """Sorted distinct values, by one sort.

    Sort, then keep each element that differs from the one before it. For
    integers this equals ``np.unique(values)`` (which hashes under numpy 2.4 and
    is several times slower); for floats, NaNs are not merged.

    With ``case_major=True`` the caller promises keys of the form
    ``case * k + code`` over rows in log order: runs of keys, one run per journey,
    that are already in increasing order of journey. A stable sort (timsort)
    then only sorts within each short run and merges runs that are already in
    order: at 10M keys 0.13 s instead of 0.69 s for the default sort. The result
    is the same either way.

    Examples
    --------
    >>> distinct(np.array([5, 1, 5, 3, 1])).tolist()
    [1, 3, 5]
    >>> distinct(np.array([0 * 3 + 2, 0 * 3 + 1, 1 * 3 + 2, 1 * 3 + 2]), case_major=True).tolist()
    [1, 2, 5]
    """
    values = np.asarray(values)
    dense = _dense(values)
    if dense is not None:
        present, lo = dense
        return (np.flatnonzero(present) + lo).astype(values.dtype, copy=False)
    s = np.sort(values, kind="stable" if case_major else None)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def _dense(values: np.ndarray) -> tuple[np.ndarray, int] | None:
    """For integers within a small range: which values of the range occur, and its start.

    A ``np.bincount`` over the range finds the distinct values in two linear passes
    (a 41 x 41 range of transition codes over 10M values: ~40 ms instead of a
    ~0.4 s sort). None when the values are not integers or their range is wider
    than ``max(65,536, len(values))``.
    """
    if values.dtype.kind not in "iu" or values.dtype == np.uint64 or not len(values):
        return None
    lo, hi = int(values.min()), int(values.max())
    if hi - lo + 1 > max(1 << 16, len(values)):
        return None
    return np.bincount(_shift(values, lo), minlength=hi - lo + 1) > 0, lo


def _shift(values: np.ndarray, lo: int) -> np.ndarray:
    """``values - lo`` as int64 (in int64: small types would wrap)."""
    return values.astype(np.int64, copy=False) - lo


def distinct_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and, per element, the index of its value among them.

    :func:`distinct`, then one binary search per element; for integers this
    equals ``np.unique(values, return_inverse=True)``.

    Examples
    --------
    >>> u, inv = distinct_inverse(np.array([30, 10, 30, 20]))
    >>> u.tolist(), inv.tolist()
    ([10, 20, 30], [2, 0, 2, 1])
    """
    values = np.asarray(values)
    dense = _dense(values)
    if dense is not None:
        present, lo = dense
        remap = np.cumsum(present) - 1
        u = (np.flatnonzero(present) + lo).astype(values.dtype, copy=False)
        return u, remap[_shift(values, lo)].astype(np.int64, copy=False)
    u = distinct(values)
    return u, np.searchsorted(u, values).astype(np.int64)


def first_occurrence(values: np.ndarray) -> np.ndarray:
    """The index of the first occurrence of each distinct value, in order of value.

    One stable sort: the first element of each run of equal sorted values is the
    earliest one. For integers this equals ``np.unique(values, return_index=True)[1]``.

    Examples
    --------
    >>> first_occurrence(np.array([7, 3, 7, 3, 5])).tolist()
    [1, 4, 0]
    """
    values = np.asarray(values)
    if not len(values):
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(values, kind="stable")
    s = values[order]
    return order[np.r_[True, s[1:] != s[:-1]]].astype(np.int64, copy=False)


def first_per_group(groups: np.ndarray) -> np.ndarray:
    """The index of the first element of each run of equal values (of a sorted array).

    Examples
    --------
    >>> first_per_group(np.array([3, 3, 5, 7, 7, 7])).tolist()
    [0, 2, 3]
    """
    if not len(groups):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])


def first_of_pairs(case: np.ndarray, code: np.ndarray, n_codes: int) -> np.ndarray:
    """True at the first event of each (journey, code) pair.

    ``code`` is in ``-1..n_codes - 1``; the pairs are combined into one integer
    key and :func:`first_occurrence` finds the earliest event of each.

    Examples
    --------
    >>> first_of_pairs(np.array([0, 0, 0, 1, 1]), np.array([2, -1, 2, 2, -1]), 3).tolist()
    [True, True, False, True, True]
    """
    if not len(case):
        return np.zeros(0, dtype=bool)
    key = np.asarray(case, dtype=np.int64) * np.int64(n_codes + 1) + (code + 1)
    out = np.zeros(len(case), dtype=bool)
    out[first_occurrence(key)] = True
    return out


# --------------------------------------------------------------------------- grouped statistics


def group_order(groups: np.ndarray, n_groups: int) -> np.ndarray:
    """The stable order of rows by group id (``0..n_groups - 1``).

    The ids are cast to the smallest unsigned type that holds them, so for up to
    65,535 groups numpy's stable sort is a radix sort.

    Examples
    --------
    >>> group_order(np.array([2, 0, 1, 0]), 3).tolist()
    [1, 3, 2, 0]
    """
    groups = np.asarray(groups)
    if n_groups <= np.iinfo(np.uint8).max:
        keys = groups.astype(np.uint8)
    elif n_groups <= np.iinfo(np.uint16).max:
        keys = groups.astype(np.uint16)
    else:
        keys = groups.astype(np.int64)
    return np.argsort(keys, kind="stable")


def group_value_order(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """The order of rows by group, then value: ``np.lexsort((values, groups))``.

    A stable sort by value, then a stable (radix, see :func:`group_order`) sort
    by group; faster than ``np.lexsort`` and the same permutation.

    Examples
    --------
    >>> group_value_order(np.array([1, 0, 1, 0]), np.array([5.0, 7.0, 2.0, 1.0]), 2).tolist()
    [3, 1, 2, 0]
    """
    by_value = np.argsort(values, kind="stable")
    return by_value[group_order(np.asarray(groups)[by_value], n_groups)]


def group_quantiles(
    groups: np.ndarray,
    values: np.ndarray,
    n_groups: int,
    qs: Sequence[float],
    *,
    global_positions: bool = False,
) -> np.ndarray:
    """Quantiles of ``values`` per group (linear interpolation, as ``np.quantile``).

    The quantile ``q`` of a group of ``n`` sorted values ``v`` is
    ``v[lo] + (v[hi] - v[lo]) * (h - lo)`` with ``h = q * (n - 1)``, ``lo = floor(h)``
    and ``hi = ceil(h)``. Only those order statistics are computed, by
    :func:`group_order_stats` (a partition per group when there are few groups):
    at 10M values about 0.3-0.6 s instead of 2.5 s for a full sort by (group, value).

    Parameters
    ----------
    groups : array of int
        The group of each value, in ``0..n_groups - 1``.
    values : array of float or int
        The values (cast to float).
    n_groups : int
    qs : sequence of float
        The quantiles, in [0, 1].
    global_positions : bool, default False
        Compute ``h`` as a position in the whole sorted array (``start + q * (n - 1)``)
        rather than within the group. The analyzers were written that way and
        keep it, so that their outputs stay the same to the last bit: the
        fraction then loses precision as the array grows (its rounding error is
        about ``len(values) * 2**-52``).

    Returns
    -------
    numpy.ndarray
        Shape ``(n_groups, len(qs))``; NaN for groups without values.

    Examples
    --------
    >>> group_quantiles(np.array([0, 0, 0, 0, 2]), np.array([4, 1, 3, 2, 9]), 3, [0.5, 0.9])
    array([[2.5, 3.7],
           [nan, nan],
           [9. , 9. ]])
    """
    out = np.full((n_groups, len(qs)), np.nan)
    if not len(values):
        return out
    values = np.asarray(values, dtype=float)
    groups = np.asarray(groups)
    counts = np.bincount(groups, minlength=n_groups)
    has = counts > 0
    start = np.r_[0, np.cumsum(counts)[:-1]][has]
    last = counts[has] - 1
    ats, los, ranks = [], [], []
    for q in qs:
        # the same floating-point positions as a lookup into the fully sorted array
        at = start + q * last if global_positions else q * last
        lo = np.floor(at).astype(np.int64)
        hi = np.ceil(at).astype(np.int64)
        base = start if global_positions else 0
        ats.append(at)
        los.append(lo)
        ranks += [lo - base, hi - base]
    # the order statistics needed, not a full (group, value) sort (see group_order_stats)
    got = group_order_stats(groups, values, counts, np.stack(ranks, axis=1))
    for j, (at, lo) in enumerate(zip(ats, los, strict=True)):
        a, b = got[:, 2 * j], got[:, 2 * j + 1]
        out[has, j] = a + (b - a) * (at - lo)
    return out


def sorted_group_quantiles(sv: np.ndarray, counts: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """:func:`group_quantiles` (``global_positions=True``) of values already grouped
    (``counts`` each, in group order) and sorted within each group: the same positions
    and formula, read off the array, with no partitioning.

    Examples
    --------
    >>> sorted_group_quantiles(np.array([1.0, 2, 3, 4, 9]), np.array([4, 0, 1]), [0.5, 0.9])
    array([[2.5, 3.7],
           [nan, nan],
           [9. , 9. ]])
    """
    counts = np.asarray(counts)
    out = np.full((len(counts), len(qs)), np.nan)
    has = counts > 0
    if not has.any():
        return out
    sv = np.asarray(sv, dtype=float)
    start = np.r_[0, np.cumsum(counts)[:-1]][has]
    last = counts[has] - 1
    for j, q in enumerate(qs):
        at = start + q * last
        lo = np.floor(at).astype(np.int64)
        hi = np.ceil(at).astype(np.int64)
        a, b = sv[lo], sv[hi]
        out[has, j] = a + (b - a) * (at - lo)
    return out


def group_order_stats(
    groups: np.ndarray,
    values: np.ndarray,
    counts: np.ndarray,
    ranks: np.ndarray,
    order: np.ndarray | None = None,
) -> np.ndarray:
    """Per non-empty group, its values at the given ranks (0 = the group's smallest).

    Exact order statistics, in the values' own dtype (so int64 nanoseconds stay
    exact). The large groups (at least 64 values; the 4,096 largest of them) are
    partitioned at their ranks one by one with ``np.partition`` (linear time; their
    rows taken in group order, ``order`` from :func:`group_order`, computed if not
    given); the other groups share one sort of their rows by (group, value), which
    costs less than a Python step per group when groups are many and small (the
    variants of a log: hundreds of thousands, most taken a few times).

    Parameters
    ----------
    groups : array of int
        The group of each value.
    values : array
    counts : array of int
        The number of values of each group (``np.bincount(groups, minlength=n)``).
    ranks : array of int, shape (number of non-empty groups, k)
        Per non-empty group (in group order), the ranks wanted, each in
        ``0..count - 1``.
    order : array of int, optional
        The stable order of the rows by group, if already at hand.

    Returns
    -------
    numpy.ndarray
        Shape ``ranks.shape``.

    Examples
    --------
    >>> groups, values = np.array([1, 0, 1, 1, 0]), np.array([30, 8, 10, 20, 9])
    >>> counts = np.bincount(groups, minlength=3)
    >>> group_order_stats(groups, values, counts, np.array([[0, 1], [1, 2]])).tolist()
    [[8, 9], [20, 30]]
    """
    values = np.asarray(values)
    counts = np.asarray(counts)
    groups = np.asarray(groups)
    ranks = np.asarray(ranks, dtype=np.int64).reshape(-1, np.shape(ranks)[-1])
    n_groups = len(counts)
    has = np.flatnonzero(counts > 0)
    c = counts[has]
    starts = (np.cumsum(counts) - counts)[has]
    got = np.empty(ranks.shape, dtype=values.dtype)
    big = c >= _PARTITION_MIN
    if big.sum() > _PARTITION_GROUPS:  # partition the largest, sort the rest
        big[np.argsort(-c, kind="stable")[_PARTITION_GROUPS:]] = False
    if big.any():
        if order is None:
            order = group_order(groups, n_groups)
        for j in np.flatnonzero(big).tolist():
            b, k = starts[j], ranks[j]
            got[j] = np.partition(values[order[b : b + c[j]]], distinct(k))[k]
    small = ~big
    if small.any():
        # the small groups renumbered 0, 1, ... (in group order), then one sort
        renum = np.full(n_groups, -1, dtype=np.int64)
        renum[has[small]] = np.arange(int(small.sum()))
        gid, v = renum[groups], values
        if not small.all():
            keep = gid >= 0
            gid, v = gid[keep], v[keep]
        cs = c[small]
        vals = v[group_value_order(gid, v, len(cs))]
        got[small] = vals[(np.cumsum(cs) - cs)[:, None] + ranks[small]]
    return got


def distinct_cases(
    groups: np.ndarray, case: np.ndarray, counts: np.ndarray, order: np.ndarray | None = None
) -> np.ndarray:
    """Per group, the number of distinct journeys among its rows.

    ``case`` must be non-decreasing (rows in log order). With up to 64 groups and
    no group order at hand, each journey's groups are OR-ed into a 64-bit set
    (``np.bitwise_or.reduceat`` over the journey boundaries) and the bits
    counted. Otherwise, after a stable sort by group (``order``, see
    :func:`group_order`) the rows of each group stay in journey order, and the
    distinct journeys are the rows whose journey differs from the previous row of
    the group.

    Parameters
    ----------
    groups : array of int
        The group of each row.
    case : array of int
        The journey of each row, non-decreasing.
    counts : array of int
        The number of rows of each group (``np.bincount(groups, minlength=n)``).
    order : array of int, optional
        The stable order of the rows by group.

    Examples
    --------
    >>> groups, case = np.array([0, 1, 0, 0, 1]), np.array([0, 0, 0, 1, 2])
    >>> distinct_cases(groups, case, np.bincount(groups, minlength=3)).tolist()
    [2, 2, 0]
    >>> distinct_cases(groups, case, np.bincount(groups, minlength=3), group_order(groups, 3)).tolist()
    [2, 2, 0]
    """
    n_groups = len(counts)
    if not len(groups):
        return np.zeros(n_groups, dtype=np.int64)
    if n_groups <= 64 and order is None:
        starts = np.flatnonzero(np.r_[True, case[1:] != case[:-1]])
        bits = np.left_shift(np.uint64(1), np.asarray(groups).astype(np.uint64))
        seen = np.bitwise_or.reduceat(bits, starts)
        per_bit = np.unpackbits(seen.view(np.uint8), bitorder="little").reshape(-1, 64)
        return per_bit.sum(axis=0, dtype=np.int64)[:n_groups]
    if order is None:
        order = group_order(groups, n_groups)
    c = case[order]
    first = np.empty(len(c), dtype=bool)
    first[0] = True
    np.not_equal(c[1:], c[:-1], out=first[1:])
    has = counts > 0
    bounds = np.r_[0, np.cumsum(counts)[:-1]][has]
    first[bounds] = True  # a group's first row is a new journey for that group
    out = np.zeros(n_groups, dtype=np.int64)
    out[has] = np.add.reduceat(first, bounds, dtype=np.int64)
    return out


# --------------------------------------------------------------------------- variants


def hash_keys(code: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """One uint64 key per non-empty journey: a polynomial hash of its codes and its length.

    ``sum((code + 2) * M**pos)`` modulo 2**64 over the journey's events (``pos``
    the position in the journey), XOR-ed with the length times a second constant.
    Equal sequences get equal keys; :func:`case_variants` checks that equal keys
    mean equal sequences. The terms come from a table by ``(position, code)`` (one
    gather per event when the table is small) and the sums are differences of one
    running sum over the log (exact modulo 2**64): fewer passes than
    ``np.add.reduceat``.

    Parameters
    ----------
    code : array of int
        The code of every event (any integers, e.g. -1 for missing), in log order.
    starts, lens : array of int
        The first event and the number of events of each non-empty journey, in
        order; the journeys cover ``code``.

    Examples
    --------
    >>> code = np.array([4, 5, 4, 5, 5, 4])
    >>> keys = hash_keys(code, np.array([0, 2, 4]), np.array([2, 2, 2]))
    >>> bool(keys[0] == keys[1]), bool(keys[0] == keys[2])
    (True, False)
    """
    if not len(starts):
        return np.zeros(0, dtype=np.uint64)
    code = np.asarray(code)
    starts = np.asarray(starts, dtype=np.int64)
    lens = np.asarray(lens, dtype=np.int64)
    width = int(lens.max())
    lo = int(code.min())
    k = int(code.max()) - lo + 1
    powers = np.cumprod(
        np.r_[np.uint64(1), np.full(width - 1, _MULT, dtype=np.uint64)], dtype=np.uint64
    )
    # the position of every event in its journey: a running count restarted at each journey
    at = np.ones(len(code), dtype=np.intp)
    at[0] = 0
    at[starts[1:]] = 1 - lens[:-1]
    np.cumsum(at, out=at)
    with np.errstate(over="ignore"):
        if k * width <= _HASH_TABLE:
            values = np.arange(lo, lo + k, dtype=np.int64).astype(np.uint64) + np.uint64(2)
            table = (values[None, :] * powers[:, None]).ravel()
            at *= k
            at += code - lo
            terms = table.take(at, mode="clip")
        else:
            terms = powers.take(at, mode="clip")
            terms *= code.astype(np.int64).astype(np.uint64) + np.uint64(2)
        np.cumsum(terms, out=terms)
        last = terms[starts + lens - 1]
        before = terms[np.maximum(starts - 1, 0)]
        before[starts == 0] = 0
        return (last - before) ^ (lens.astype(np.uint64) * _LEN_MIX)


def case_variants(
    code: np.ndarray,
    offsets: np.ndarray,
    *,
    empty_variant: bool = True,
    hasher: Callable[..., np.ndarray] = hash_keys,
) -> tuple[np.ndarray, np.ndarray]:
    """The variant (equal code sequence) of every journey, exactly, and each variant's first journey.

    Variant ids are 0, 1, ... in order of first appearance. The non-empty
    journeys are grouped by :func:`hash_keys` (``pd.factorize`` keeps the order of
    first appearance), then every journey that is not the first of its group is
    compared, element by element, with that first journey (most of a log's steps
    are in journeys that are the first of their variant); the journeys of a
    group in which any differs (a hash collision) are regrouped by their exact
    code tuples, which is rare and the only Python loop. The result never
    depends on the hash.

    Parameters
    ----------
    code : array of int
        The code of every event, in log order.
    offsets : array of int
        Journey boundaries (from 0 to the number of events).
    empty_variant : bool, default True
        Journeys without events form one variant of their own (numbered where the
        first of them appears); with False they get variant -1 and no variant.
    hasher : callable, default :func:`hash_keys`
        The hash, ``(code, starts, lens) -> uint64 key per non-empty journey``;
        tests substitute a colliding one.

    Returns
    -------
    variant : numpy.ndarray
        The variant of each journey (int64).
    first : numpy.ndarray
        The first journey of each variant (int64, increasing).

    Examples
    --------
    >>> code = np.array([1, 2, 2, 1, 2, 3])  # journeys (1, 2), (2,), (), (1, 2), (3,)
    >>> offsets = np.array([0, 2, 3, 3, 5, 6])
    >>> variant, first = case_variants(code, offsets)
    >>> variant.tolist(), first.tolist()
    ([0, 1, 2, 0, 3], [0, 1, 2, 4])
    >>> case_variants(code, offsets, empty_variant=False)[0].tolist()
    [0, 1, -1, 0, 2]
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    code = np.asarray(code, dtype=np.int64)
    lens_all = np.diff(offsets)
    nonempty = np.flatnonzero(lens_all > 0)
    starts = offsets[:-1][nonempty]
    lens = lens_all[nonempty]
    group, _ = pd.factorize(hasher(code, starts, lens))
    group = _split_collisions(group.astype(np.int64), code, starts, lens)
    first = nonempty[_first_of_ids(group)]
    variant = np.full(len(lens_all), -1, dtype=np.int64)
    variant[nonempty] = group
    empty = np.flatnonzero(lens_all == 0)
    if empty_variant and len(empty):
        # the empty journeys' variant comes after the variants that appear before them
        at = int(np.searchsorted(first, empty[0]))
        variant[nonempty] += group >= at
        variant[empty] = at
        first = np.insert(first, at, empty[0])
    return variant, first


def _first_of_ids(group: np.ndarray) -> np.ndarray:
    """The first row of each id, for ids numbered in order of first appearance."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, np.diff(np.maximum.accumulate(group)) > 0])


def _split_collisions(
    group: np.ndarray, code: np.ndarray, starts: np.ndarray, lens: np.ndarray
) -> np.ndarray:
    """Check every journey against its group's first journey; split groups that differ.

    ``group`` has one id per non-empty journey (at ``starts`` with ``lens`` in
    ``code``), numbered in order of first appearance. Returns ids with the same
    property in which equal ids mean equal sequences.
    """
    if not len(group):
        return group
    rep = _first_of_ids(group)[group]  # the first journey of each journey's group
    other = np.flatnonzero(rep != np.arange(len(group)))
    bad = np.zeros(len(group), dtype=bool)
    bad[other] = lens[other] != lens[rep[other]]
    same = other[~bad[other]]
    n = lens[same]
    if len(n):
        # step i of each journey against step i of its group's first journey; the
        # positions of the steps, and their shift to the first journey, as running sums
        ends = np.cumsum(n)
        at = np.ones(int(ends[-1]), dtype=np.intp)
        at[0] = starts[same[0]]
        at[ends[:-1]] = starts[same[1:]] - (starts[same[:-1]] + n[:-1] - 1)
        np.cumsum(at, out=at)
        shift = np.zeros(len(at), dtype=np.intp)
        d = starts[rep[same]] - starts[same]
        shift[0] = d[0]
        shift[ends[:-1]] = np.diff(d)
        np.cumsum(shift, out=shift)
        shift += at
        mismatch = code.take(at, mode="clip") != code.take(shift, mode="clip")
        if mismatch.any():
            bad[np.repeat(same, n)[mismatch]] = True
    if not bad.any():
        return group
    # rare: regroup the journeys of colliding groups by their exact sequences
    new = group.copy()
    seen: dict[tuple[int, tuple[int, ...]], int] = {}
    next_id = int(group.max()) + 1
    for j in np.flatnonzero(np.isin(group, distinct(group[bad]))).tolist():
        key = (int(group[j]), tuple(code[starts[j] : starts[j] + lens[j]].tolist()))
        if key not in seen:
            seen[key] = next_id
            next_id += 1
        new[j] = seen[key]
    ids, _ = pd.factorize(new)
    return ids.astype(np.int64)
