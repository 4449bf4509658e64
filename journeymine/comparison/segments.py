"""Segments against segments: which differences between customer groups are real.

:func:`compare_segments` splits the journeys by a case attribute (acquisition
channel, region, product, persona) and tests, for each pair of segments, the
differences in conversion, duration, handoffs, and per step the drop-off and the
next-step distribution, with effect sizes, confidence intervals and p-values
corrected for multiple comparisons (Benjamini-Hochberg).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .._html import html_table
from .._kernels import distinct, positions
from .._stats import newcombe_diff_ci
from .._validation import Interval, check_column, validate_params
from ..derive import Goal, arrays, event_times, goal_mask
from ..derive import converted as converted_of
from ..errors import InvalidParameterError, MissingColumnError
from ..log import JourneyLog
from ..schema import ACTIVITY, DEPARTMENT
from ._common import case_attribute

__all__ = ["compare_segments", "SegmentComparison", "METRICS"]

#: The metrics compared, in table order.
METRICS: tuple[str, ...] = ("conversion", "duration_hours", "handoffs", "drop_off", "next_step")
_RARE_NEXT = 10  # next steps seen fewer times than this (both segments) are pooled for the test
_END = "(end)"
_DIFF_COLUMNS = [
    "metric",
    "step",
    "segment_a",
    "segment_b",
    "n_a",
    "n_b",
    "value_a",
    "value_b",
    "difference",
    "ci_low",
    "ci_high",
    "effect_size",
    "effect_measure",
    "test",
    "p_value",
    "p_adjusted",
    "significant",
    "tested",
    "note",
]


def _scipy_stats():  # scipy imported on use: ``import journeymine`` stays light
    from scipy import stats

    return stats


@dataclass(frozen=True, repr=False)
class SegmentComparison:
    """Differences between segments of journeys (made by :func:`compare_segments`).

    Attributes
    ----------
    by : str
        The attribute the journeys were split by.
    segments : DataFrame
        One row per segment: ``segment``, ``journeys``, ``finished`` (not ongoing),
        ``tested`` (enough journeys), ``note``, ``conversion`` (with a goal),
        ``median_duration``, ``mean_handoffs``.
    differences : DataFrame
        One row per (metric, step, pair of segments); see :func:`compare_segments`.
    alpha : float
        The false discovery rate the ``significant`` column is controlled at.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> result = jm.compare_segments(log, by="acquisition", goal="purchase")
    >>> isinstance(result, jm.SegmentComparison), "p_adjusted" in result.differences.columns
    (True, True)
    """

    by: str
    segments: pd.DataFrame
    differences: pd.DataFrame
    alpha: float

    @property
    def significant(self) -> pd.DataFrame:
        """The differences that are significant after the Benjamini-Hochberg correction."""
        return self.differences[self.differences["significant"]].reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"SegmentComparison(by={self.by!r}: {len(self.segments)} segments, "
            f"{int(self.differences['tested'].sum())} tests, {len(self.significant)} significant "
            f"at FDR {self.alpha})"
        )

    def _repr_html_(self) -> str:
        import html

        sig = self.significant
        cols = [
            "metric",
            "step",
            "segment_a",
            "segment_b",
            "value_a",
            "value_b",
            "difference",
            "p_adjusted",
        ]
        return (
            f"<div><p><b>{html.escape(repr(self))}</b></p>{html_table(self.segments, 20)}"
            f"<p>Significant differences</p>{html_table(sig[cols], 20)}</div>"
        )


@validate_params(
    {
        "log": ["log"],
        "by": ["column"],
        "goal": ["goal", "predicate", None],
        "alpha": [Interval(float, 0.0, 1.0, closed="right")],
        "min_journeys": [Interval(int, 2, None)],
        "level": ["column"],
    }
)
def compare_segments(
    log: JourneyLog,
    by: str,
    *,
    goal: Goal | None = None,
    alpha: float = 0.05,
    min_journeys: int = 20,
    reference: Any = None,
    level: str = ACTIVITY,
) -> SegmentComparison:
    """Compare segments of journeys: conversion, duration, handoffs, drop-off and next step per step.

    Parameters
    ----------
    log : JourneyLog
    by : str
        An event column holding a case-level attribute (e.g. ``"acquisition"``,
        ``"region"``, ``"persona"``). If it varies within a journey, the journey's
        first event decides its segment. Journeys without a value are left out.
    goal : str, list of str or callable, optional
        What counts as conversion (see :func:`journeymine.case_goals`); without it
        there are no conversion rows and drop-off counts every journey end.
    alpha : float, default 0.05
        False discovery rate for ``significant`` (Benjamini-Hochberg over all tests).
    min_journeys : int, default 20
        A segment with fewer finished journeys is marked and not tested; a per-step
        row is tested only when both segments visit the step at least this often.
    reference : segment value, optional
        Compare every segment with this one; by default every pair of segments.
    level : str, default "activity"
        The event column whose values are the steps.

    Returns
    -------
    SegmentComparison
        ``differences`` has one row per metric, step and pair (``segment_a``,
        ``segment_b``) with ``n_a``/``n_b``, ``value_a``/``value_b``,
        ``difference`` (b - a), its confidence interval ``ci_low``/``ci_high``,
        ``effect_size`` with its ``effect_measure``, ``test``, ``p_value``,
        ``p_adjusted`` (Benjamini-Hochberg), ``significant``, ``tested`` and ``note``:

        * ``conversion``: share of finished journeys that reach the goal.
          Chi-square test (Fisher's exact test when an expected count is below 5),
          Newcombe's hybrid score interval of the difference, Cohen's h.
        * ``duration_hours``: median duration of finished journeys, in hours.
          Mann-Whitney U test, interval of the difference of medians from
          order-statistic standard errors (Bonett and Price), rank-biserial
          correlation (positive: b longer).
        * ``handoffs``: mean number of department changes per finished journey.
          Mann-Whitney U test, Welch interval of the difference of means,
          rank-biserial correlation.
        * ``drop_off`` (per step): share of the finished journeys visiting the step
          whose last event it is, without reaching the goal. As conversion.
        * ``next_step`` (per step): what follows the step (the next step, or the
          end of the journey), over all its visits; ``value_a``/``value_b`` are the
          most common next step's share; ``difference`` is the total variation
          distance between the two distributions (no interval). Chi-square test of
          homogeneity (rare next steps pooled; Fisher for a 2x2 table with small
          counts), Cramér's V.

        Ongoing journeys are left out of every metric (their outcome and duration
        are not known yet).

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> res = jm.compare_segments(log, "acquisition", goal="purchase")
    >>> res.segments["segment"].tolist()
    ['ads', 'partner']
    >>> list(res.differences.columns[:6])
    ['metric', 'step', 'segment_a', 'segment_b', 'n_a', 'n_b']
    """
    func = "compare_segments"
    check_column(log.columns, level, "level", func)
    seg, labels = case_attribute(log, by, "by", func)
    present = np.bincount(seg[seg >= 0], minlength=len(labels)) > 0
    keep = np.flatnonzero(present)
    if not len(keep):  # the column exists but no journey has a value in it
        raise MissingColumnError(
            f"The 'by' parameter of {func} names the column {by!r}, but no journey has a "
            f"value in it, so there are no segments to compare. Map a column to {by!r} when "
            "loading the log (or pass labels=...), or choose another column.",
            column=str(by),
            available=[str(c) for c in log.columns],
        )
    remap = np.full(len(labels), -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    seg = np.where(seg >= 0, remap[np.maximum(seg, 0)], -1)
    names = [str(labels[i]) for i in keep]
    if reference is None:
        pairs = list(combinations(range(len(names)), 2))
    else:
        if str(reference) not in names:
            raise InvalidParameterError(
                f"The 'reference' parameter of {func} must be one of the segments {names!r}. "
                f"Got {reference!r} instead."
            )
        r = names.index(str(reference))
        pairs = [(r, i) for i in range(len(names)) if i != r]
    segments, diffs = segment_differences(
        log,
        seg,
        names,
        pairs,
        goal=goal,
        alpha=alpha,
        min_journeys=min_journeys,
        level=level,
        func=func,
    )
    return SegmentComparison(by=by, segments=segments, differences=diffs, alpha=float(alpha))


# --------------------------------------------------------------------------- the engine (also used by periods)


def segment_differences(
    log: JourneyLog,
    seg: np.ndarray,
    names: list[str],
    pairs: list[tuple[int, int]],
    *,
    goal: Goal | None,
    alpha: float,
    min_journeys: int,
    level: str,
    func: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-segment summary and the tidy differences table for the given pairs of segment codes."""
    n_seg = len(names)
    fin = ~np.asarray(arrays(log).ongoing, dtype=bool)
    valid = (seg >= 0) & fin
    converted = converted_of(log, goal, func) if goal is not None else None
    n_journeys = np.bincount(seg[seg >= 0], minlength=n_seg)
    n_fin = np.bincount(seg[valid], minlength=n_seg)
    enough = n_fin >= min_journeys
    seg_table = pd.DataFrame(
        {
            "segment": names,
            "journeys": n_journeys.astype(np.int64),
            "finished": n_fin.astype(np.int64),
            "tested": enough,
            "note": [
                "" if e else f"too few finished journeys ({k} < {min_journeys}): not tested"
                for e, k in zip(enough, n_fin, strict=True)
            ],
        }
    )
    rows: list[dict[str, Any]] = []
    if converted is not None:
        k = np.bincount(seg[valid & converted], minlength=n_seg)
        seg_table["conversion"] = np.where(n_fin > 0, k / np.maximum(n_fin, 1), np.nan)
        for a, b in pairs:
            rows.append(_rate_row("conversion", None, names, a, b, k, n_fin, enough))
    rows += _duration_and_handoff_rows(log, seg_table, seg, valid, names, pairs, enough)
    goal_codes: set[int] = set()
    if goal is not None:
        codes = arrays(log).codes(level, func)
        hit = np.asarray(codes)[goal_mask(log, goal, func=func)]
        goal_codes = set(np.flatnonzero(np.bincount(hit[hit >= 0], minlength=1)).tolist())
    rows += _step_rows(
        log, seg, valid, converted, goal_codes, names, pairs, enough, min_journeys, level, func
    )
    diffs = pd.DataFrame(rows, columns=_DIFF_COLUMNS)
    diffs = _adjust(diffs, alpha)
    return seg_table, diffs


def _duration_and_handoff_rows(
    log: JourneyLog,
    seg_table: pd.DataFrame,
    seg: np.ndarray,
    valid: np.ndarray,
    names: list[str],
    pairs: list[tuple[int, int]],
    enough: np.ndarray,
) -> list[dict[str, Any]]:
    """Journey duration (and handoffs, with departments): per-segment columns added to
    ``seg_table`` in place, and the difference rows of the given pairs."""
    n_seg = len(names)
    off = arrays(log).offsets
    ts = event_times(log)
    dur_h = (ts[off[1:] - 1] - ts[off[:-1]]) / 3.6e12 if log.n_cases else np.zeros(0)
    handoffs, has_dept = _handoffs(log)
    rows: list[dict[str, Any]] = []
    groups = [np.flatnonzero(valid & (seg == i)) for i in range(n_seg)]
    seg_table["median_duration"] = pd.to_timedelta(
        [np.median(dur_h[g]) * 3.6e12 if len(g) else np.nan for g in groups], unit="ns"
    )
    for a, b in pairs:
        rows.append(
            _continuous_row(
                "duration_hours",
                names,
                a,
                b,
                dur_h[groups[a]],
                dur_h[groups[b]],
                enough,
                center="median",
            )
        )
    if has_dept:
        seg_table["mean_handoffs"] = [
            float(handoffs[g].mean()) if len(g) else np.nan for g in groups
        ]
        for a, b in pairs:
            rows.append(
                _continuous_row(
                    "handoffs",
                    names,
                    a,
                    b,
                    handoffs[groups[a]],
                    handoffs[groups[b]],
                    enough,
                    center="mean",
                )
            )
    return rows


def _handoffs(log: JourneyLog) -> tuple[np.ndarray, bool]:
    """Department changes between consecutive events of each journey (both known)."""
    if DEPARTMENT not in log.columns:
        return np.zeros(log.n_cases), False
    codes = arrays(log).codes(DEPARTMENT, "compare_segments")
    codes = np.asarray(codes, dtype=np.int64)
    if not (codes >= 0).any():
        return np.zeros(log.n_cases), False
    case, _ = positions(arrays(log).offsets)
    same = np.r_[case[1:] == case[:-1]] if len(case) > 1 else np.zeros(0, bool)
    change = same & (codes[1:] >= 0) & (codes[:-1] >= 0) & (codes[1:] != codes[:-1])
    return np.bincount(case[:-1][change], minlength=log.n_cases).astype(float), True


def _step_rows(
    log: JourneyLog,
    seg: np.ndarray,
    valid: np.ndarray,
    converted: np.ndarray | None,
    goal_codes: set[int],
    names: list[str],
    pairs: list[tuple[int, int]],
    enough: np.ndarray,
    min_journeys: int,
    level: str,
    func: str,
) -> list[dict[str, Any]]:
    codes, labels = arrays(log).codes(level, func), arrays(log).labels(level, func)
    codes = np.asarray(codes, dtype=np.int64)
    n_l, n_seg = len(labels), len(names)
    case, _ = positions(arrays(log).offsets)
    ev_ok = valid[case] & (codes >= 0)
    # visits: distinct (journey, step) among finished journeys of a segment
    key = distinct(case[ev_ok] * (n_l + 1) + codes[ev_ok])
    vc, vs = key // (n_l + 1), key % (n_l + 1)
    visits = np.bincount(seg[vc] * n_l + vs, minlength=n_seg * n_l).reshape(n_seg, n_l)
    last = codes[arrays(log).offsets[1:] - 1] if log.n_cases else np.zeros(0, np.int64)
    ends = valid & (last >= 0) & (True if converted is None else ~converted)
    drops = np.bincount(seg[ends] * n_l + last[ends], minlength=n_seg * n_l).reshape(n_seg, n_l)
    # next-step counts: transitions out of each step (to the end for the last event of finished journeys)
    same = case[1:] == case[:-1] if len(case) > 1 else np.zeros(0, bool)
    src_rows = np.flatnonzero(same & ev_ok[:-1] & (codes[1:] >= 0))
    fin_last = valid & (last >= 0)
    nxt_src = np.r_[codes[src_rows], last[fin_last]]
    nxt_dst = np.r_[codes[src_rows + 1], np.full(int(fin_last.sum()), n_l)]
    nxt_seg = np.r_[seg[case[src_rows]], seg[fin_last]]
    nxt = np.bincount(
        (nxt_seg * n_l + nxt_src) * (n_l + 1) + nxt_dst, minlength=n_seg * n_l * (n_l + 1)
    ).reshape(n_seg, n_l, n_l + 1)
    rows: list[dict[str, Any]] = []
    order = np.argsort(np.asarray([str(x) for x in labels], dtype=object), kind="stable")
    for s in order:
        step = str(labels[s])
        for a, b in pairs:
            if visits[a, s] + visits[b, s] == 0:
                continue
            ok = enough.copy()
            ok[a] &= visits[a, s] >= min_journeys
            ok[b] &= visits[b, s] >= min_journeys
            if s not in goal_codes:
                rows.append(
                    _rate_row(
                        "drop_off",
                        step,
                        names,
                        a,
                        b,
                        drops[:, s],
                        visits[:, s],
                        ok,
                        unit="visiting journeys",
                    )
                )
            rows.append(
                _next_row(step, names, a, b, nxt[a, s], nxt[b, s], ok, labels, visits[:, s])
            )
    return rows


def _base(metric: str, step: str | None, names: list[str], a: int, b: int) -> dict[str, Any]:
    return {"metric": metric, "step": step, "segment_a": names[a], "segment_b": names[b]}


def _untested(
    row: dict[str, Any], names: list[str], a: int, b: int, ok: np.ndarray, n: Any, unit: str
) -> dict[str, Any]:
    small = [f"{names[i]} has {int(n[i])}" for i in (a, b) if not ok[i]]
    row.update(
        test="",
        p_value=np.nan,
        tested=False,
        note=f"too few {unit} ({'; '.join(small)}): not tested",
    )
    return row


def _rate_row(
    metric: str,
    step: str | None,
    names: list[str],
    a: int,
    b: int,
    k: np.ndarray,
    n: np.ndarray,
    ok: np.ndarray,
    unit: str = "finished journeys",
) -> dict[str, Any]:
    ka, na, kb, nb = int(k[a]), int(n[a]), int(k[b]), int(n[b])
    pa = ka / na if na else np.nan
    pb = kb / nb if nb else np.nan
    row = _base(metric, step, names, a, b)
    row.update(n_a=na, n_b=nb, value_a=pa, value_b=pb, difference=pb - pa, effect_measure="cohen_h")
    row["effect_size"] = (
        2 * np.arcsin(np.sqrt(pb)) - 2 * np.arcsin(np.sqrt(pa)) if na and nb else np.nan
    )
    lo, hi = newcombe_diff_ci(kb, nb, ka, na) if na and nb else (np.nan, np.nan)
    row.update(ci_low=lo, ci_high=hi, note="")
    if not (ok[a] and ok[b]):
        return _untested(row, names, a, b, ok, n, unit)
    table = np.array([[ka, na - ka], [kb, nb - kb]])
    test, p = _table_test(table)
    row.update(test=test, p_value=p, tested=True)
    return row


def _table_test(table: np.ndarray) -> tuple[str, float]:
    """Chi-square test of a contingency table; Fisher's exact test for a 2x2 with small counts."""
    table = table[:, table.sum(0) > 0]
    if table.shape[1] < 2:
        return "none (no variation)", 1.0
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    if table.shape == (2, 2) and expected.min() < 5:
        return "fisher_exact", float(_scipy_stats().fisher_exact(table).pvalue)
    res = _scipy_stats().chi2_contingency(table, correction=table.shape == (2, 2))
    return "chi_square", float(res.pvalue)


def _next_row(
    step: str,
    names: list[str],
    a: int,
    b: int,
    ca: np.ndarray,
    cb: np.ndarray,
    ok: np.ndarray,
    labels: Any,
    visits: np.ndarray,
) -> dict[str, Any]:
    na, nb = int(ca.sum()), int(cb.sum())
    row = _base("next_step", step, names, a, b)
    tot = ca + cb
    top = int(np.argmax(tot))
    top_name = _END if top == len(tot) - 1 else str(labels[top])
    pa, pb = (ca / na if na else ca * np.nan), (cb / nb if nb else cb * np.nan)
    tvd = 0.5 * float(np.abs(pa - pb).sum()) if na and nb else np.nan
    row.update(
        n_a=na,
        n_b=nb,
        value_a=float(pa[top]) if na else np.nan,
        value_b=float(pb[top]) if nb else np.nan,
        difference=tvd,
        ci_low=np.nan,
        ci_high=np.nan,
        effect_measure="cramers_v",
        note=f"most common next step: {top_name}; difference = total variation distance",
    )
    row["effect_size"] = np.nan
    if not (ok[a] and ok[b]):
        return _untested(row, names, a, b, ok, visits, "visiting journeys")
    table = np.vstack([ca, cb])[:, tot > 0]
    rare = table.sum(0) < _RARE_NEXT
    if rare.any():  # pool the rare next steps into one column
        table = np.column_stack([table[:, ~rare], table[:, rare].sum(1)])
    test, p = _table_test(table)
    if table.shape[1] >= 2 and table.sum() > 0:
        chi2 = _scipy_stats().chi2_contingency(table, correction=False).statistic
        row["effect_size"] = float(np.sqrt(chi2 / table.sum()))  # Cramer's V for 2 rows
    else:
        row["effect_size"] = 0.0
    row.update(test=test, p_value=p, tested=True)
    return row


def _continuous_row(
    metric: str,
    names: list[str],
    a: int,
    b: int,
    xa: np.ndarray,
    xb: np.ndarray,
    ok: np.ndarray,
    *,
    center: str,
) -> dict[str, Any]:
    na, nb = len(xa), len(xb)
    row = _base(metric, None, names, a, b)
    f = np.median if center == "median" else np.mean
    va = float(f(xa)) if na else np.nan
    vb = float(f(xb)) if nb else np.nan
    row.update(
        n_a=na,
        n_b=nb,
        value_a=va,
        value_b=vb,
        difference=vb - va,
        effect_measure="rank_biserial",
        note="",
    )
    lo, hi = (
        (_median_diff_ci(xa, xb) if center == "median" else _welch_ci(xa, xb))
        if na > 1 and nb > 1
        else (np.nan, np.nan)
    )
    row.update(ci_low=lo, ci_high=hi, effect_size=np.nan)
    if not (ok[a] and ok[b]):
        return _untested(
            row,
            names,
            a,
            b,
            ok,
            np.bincount([a, b], weights=[na, nb], minlength=len(names)),
            "finished journeys",
        )
    if np.all(xa == xa[0]) and np.all(xb == xa[0]):
        row.update(test="none (no variation)", p_value=1.0, effect_size=0.0, tested=True)
        return row
    res = _scipy_stats().mannwhitneyu(xb, xa, alternative="two-sided")
    row.update(
        test="mann_whitney_u",
        p_value=float(res.pvalue),
        tested=True,
        effect_size=float(2 * res.statistic / (na * nb) - 1),
    )
    return row


def _median_diff_ci(
    xa: np.ndarray, xb: np.ndarray, confidence: float = 0.95
) -> tuple[float, float]:
    """Interval of median(b) - median(a) from distribution-free standard errors of each median."""
    z = _scipy_stats().norm.ppf(0.5 + confidence / 2)

    def se(x: np.ndarray) -> float:
        s = np.sort(x)
        n = len(s)
        c = max(int(round(n / 2 - np.sqrt(n))), 1)  # order statistics around the median
        lo, hi = s[c - 1], s[min(n - c, n - 1)]
        zc = _scipy_stats().norm.ppf(1 - _scipy_stats().binom.cdf(c - 1, n, 0.5))
        return float((hi - lo) / (2 * zc)) if zc > 0 else float("nan")

    d = float(np.median(xb) - np.median(xa))
    half = z * np.sqrt(se(xa) ** 2 + se(xb) ** 2)
    return d - half, d + half


def _welch_ci(xa: np.ndarray, xb: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    va, vb = np.var(xa, ddof=1) / len(xa), np.var(xb, ddof=1) / len(xb)
    d = float(np.mean(xb) - np.mean(xa))
    se = np.sqrt(va + vb)
    if se == 0:
        return d, d
    dof = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    half = float(_scipy_stats().t.ppf(0.5 + confidence / 2, dof) * se)
    return d - half, d + half


def _adjust(diffs: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Benjamini-Hochberg adjusted p-values over all tested rows; ``significant`` at ``alpha``."""
    diffs = diffs.copy()
    diffs["tested"] = diffs["tested"].fillna(False).astype(bool)
    p = diffs["p_value"].to_numpy(dtype=float)
    adj = np.full(len(p), np.nan)
    t = diffs["tested"].to_numpy() & ~np.isnan(p)
    if t.any():
        adj[t] = _scipy_stats().false_discovery_control(p[t], method="bh")
    diffs["p_adjusted"] = adj
    diffs["significant"] = t & (adj < alpha)
    for col in ("n_a", "n_b"):
        diffs[col] = diffs[col].astype(np.int64)
    return diffs.reset_index(drop=True)
