"""Vectorised building blocks shared by the comparisons (private).

* :func:`case_variants` groups journeys into variants (equal code sequences) with a
  polynomial hash over the journey boundaries, checked exactly against the first
  journey of each group, so a hash collision never merges two paths.
* :func:`group_quantiles` computes per-group quantiles with one sort.
* :func:`case_attribute` reads a case-level attribute from each journey's first event.
* :func:`first_of_pairs` marks the first event of each (journey, code) pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_column
from ..log import JourneyLog
from ..schema import ACTIVITY, CASE, TIMESTAMP

__all__: list[str] = []

_MULT = np.uint64(0x9E3779B97F4A7C15)
_LEN_MIX = np.uint64(0xC2B2AE3D27D4EB4F)
ARROW = " → "


def positions(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Case index and 0-based position within the case of every event."""
    lens = np.diff(offsets)
    case = np.repeat(np.arange(len(lens), dtype=np.int64), lens)
    pos = np.arange(int(offsets[-1]), dtype=np.int64) - offsets[:-1][case]
    return case, pos


def case_variants(code: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Variant id per journey (0, 1, ... in order of first appearance) and each variant's first journey.

    Journeys are equal when their code sequences are equal. Empty journeys share
    one variant.
    """
    n_cases = len(offsets) - 1
    if n_cases == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    code = np.asarray(code, dtype=np.int64)
    lens = np.diff(offsets)
    case, pos = positions(offsets)
    max_len = int(lens.max()) if len(lens) else 0
    powers = np.cumprod(
        np.r_[np.uint64(1), np.full(max_len, _MULT, dtype=np.uint64)], dtype=np.uint64
    )
    h = np.zeros(n_cases, dtype=np.uint64)
    nonempty = lens > 0
    if len(code):
        with np.errstate(over="ignore"):
            terms = (code.astype(np.uint64) + np.uint64(2)) * powers[pos]
            sums = np.add.reduceat(terms, offsets[:-1][nonempty])
            h[nonempty] = sums
    with np.errstate(over="ignore"):
        h ^= lens.astype(np.uint64) * _LEN_MIX
    group, _ = pd.factorize(h)
    group = group.astype(np.int64)
    rep = _first_index(group)
    # exact check of every event against the same position of its group's first journey
    if len(code):
        rc = rep[group[case]]
        bad = (lens[case] != lens[rc]) | (
            code[offsets[:-1][rc] + np.minimum(pos, lens[rc] - 1)] != code
        )
        if bad.any():
            group = _split(group, code, offsets, np.unique(group[case[bad]]))
            rep = _first_index(group)
    return group, rep


def _first_index(group: np.ndarray) -> np.ndarray:
    _, first = np.unique(group, return_index=True)
    return first.astype(np.int64)


def _split(group: np.ndarray, code: np.ndarray, offsets: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Regroup the journeys of colliding hash groups by their exact sequences (rare)."""
    new = group.copy()
    seen: dict[tuple[int, ...], int] = {}
    nxt = int(group.max()) + 1
    for c in np.flatnonzero(np.isin(group, bad)):
        key = tuple(code[offsets[c] : offsets[c + 1]].tolist())
        if key not in seen:
            seen[key] = nxt
            nxt += 1
        new[c] = seen[key]
    codes, _ = pd.factorize(new)
    return codes.astype(np.int64)


def group_quantiles(
    group: np.ndarray, values: np.ndarray, n_groups: int, qs: Sequence[float]
) -> np.ndarray:
    """Quantiles (linear interpolation, as ``np.quantile``) of ``values`` per group: (n_groups, len(qs)).

    NaN for groups without values. One ``np.lexsort``.
    """
    out = np.full((n_groups, len(qs)), np.nan)
    if not len(values):
        return out
    values = np.asarray(values, dtype=float)
    order = np.lexsort((values, group))
    v = values[order]
    counts = np.bincount(group, minlength=n_groups)
    start = np.r_[0, np.cumsum(counts)[:-1]]
    has = counts > 0
    for j, q in enumerate(qs):
        at = q * (counts[has] - 1)
        lo = np.floor(at).astype(np.int64)
        hi = np.ceil(at).astype(np.int64)
        a = v[start[has] + lo]
        b = v[start[has] + hi]
        out[has, j] = a + (b - a) * (at - lo)
    return out


def case_attribute(
    log: JourneyLog, column: str, param: str, func: str
) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 missing) and labels of ``column`` at each journey's first event."""
    check_column(log.columns, column, param, func)
    codes, labels = log._codes(column, func)
    first = log._offsets[:-1]
    if not len(codes):
        return np.zeros(0, np.int64), labels
    return np.asarray(codes, dtype=np.int64)[np.minimum(first, len(codes) - 1)], labels


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values, by one sort (``np.unique`` without extra outputs hashes, which is slower)."""
    s = np.sort(np.asarray(values))
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def first_of_pairs(case: np.ndarray, code: np.ndarray, n_codes: int) -> np.ndarray:
    """True at the first event of each (case, code) pair (events sorted by case)."""
    if not len(case):
        return np.zeros(0, dtype=bool)
    key = case * np.int64(n_codes + 1) + (code + 1)
    _, idx = np.unique(key, return_index=True)
    out = np.zeros(len(case), dtype=bool)
    out[idx] = True
    return out


def event_times(log: JourneyLog) -> np.ndarray:
    """Event timestamps as int64 nanoseconds."""
    return np.asarray(log._events[TIMESTAMP].array.asi8, dtype=np.int64)


def case_ids(log: JourneyLog, rows: np.ndarray | None = None) -> pd.Categorical:
    """The case ids of journeys (all, or the given case indices) as a Categorical."""
    cats = log._events[CASE].cat.categories
    idx = np.arange(log.n_cases) if rows is None else np.asarray(rows)
    return pd.Categorical.from_codes(idx.astype(np.int64), categories=cats)


def path_text(labels: Sequence[Any], codes: np.ndarray, limit: int = 12) -> str:
    """``"a → b → c"``; long paths are shortened in the middle."""
    names = [str(labels[c]) if c >= 0 else "(missing)" for c in codes]
    if len(names) > limit:
        names = (
            names[: limit // 2]
            + [f"… {len(names) - limit + 1} more …"]
            + names[-(limit // 2 - 1) :]
        )
    return ARROW.join(names)


def html_table(frame: pd.DataFrame, max_rows: int = 10) -> str:
    """A small HTML table whose cells are all escaped."""
    return frame.head(max_rows).to_html(index=False, border=0, escape=True, na_rep="")


class Context:
    """The log's arrays the comparison reads, computed once."""

    def __init__(self, log: JourneyLog) -> None:
        self.log = log
        codes, labels = log._codes(ACTIVITY, "compare")
        self.codes = np.asarray(codes, dtype=np.int64)
        self.labels = [str(x) for x in labels]
        self.offsets = log._offsets
        self.n_cases = log.n_cases
        self.case, self.pos = positions(self.offsets)
        self.lens = np.diff(self.offsets)
        self.ongoing = np.asarray(log._ongoing, dtype=bool)
        self.ts = event_times(log)
        self.var, self.rep = case_variants(self.codes, self.offsets)
        self.n_var = len(self.rep)
        self.var_count = np.bincount(self.var, minlength=self.n_var)
        self.label_count = (
            np.bincount(self.codes, minlength=len(self.labels))
            if len(self.codes)
            else np.zeros(len(self.labels), np.int64)
        )
        self.s_ev = np.zeros(0, np.int64)
        self.step_of_code = np.zeros(0, np.int64)
