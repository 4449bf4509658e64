"""Funnel matching beyond the ordered modes (private): any order, exclusions, optional
steps and the breakdown by a segment. :mod:`.funnels` calls these; they read arrays only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._kernels import first_per_group, ns_to_timedelta
from .._stats import newcombe_diff_ci, rate

__all__: list[str] = []


def reach_any_order(
    case: np.ndarray,
    codes: np.ndarray,
    ts: np.ndarray,
    n_cases: int,
    step_codes: list[int],
    win_ns: int | None,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Any-order matching: a journey reaches step k when it holds each of steps 1..k.

    A step is matched at its touchpoint's first occurrence in the journey (its m-th
    occurrence when the name is the m-th repeat among the steps). Returns, as
    ``_reach`` does, one candidate per journey holding step 1, the chosen candidates per
    step, and per step each candidate's completion row (the latest matched row so far);
    plus per step the earliest matched row (for exclusions). With ``win_ns`` the
    matched rows of steps 1..k must lie within ``win_ns`` of each other.
    """
    occ: list[np.ndarray] = []
    repeat: dict[int, int] = {}
    for code in step_codes:
        m = repeat.get(code, 0)
        repeat[code] = m + 1
        rows = np.flatnonzero(codes == code)
        firsts = first_per_group(case[rows])
        start = np.repeat(firsts, np.diff(np.r_[firsts, len(rows)]))
        sel = rows[np.arange(len(rows)) - start == m]
        row_k = np.full(n_cases, -1, dtype=np.int64)
        row_k[case[sel]] = sel
        occ.append(row_k)
    cand_case = np.flatnonzero(occ[0] >= 0)
    hi = occ[0][cand_case]
    lo = hi.copy()
    alive = np.ones(len(cand_case), dtype=bool)
    pos, low, chosen = [], [], []
    for row_k in occ:
        r = row_k[cand_case]
        ok = r >= 0
        new_hi, new_lo = np.maximum(hi, r), np.where(ok, np.minimum(lo, r), lo)
        if win_ns is not None:
            ok &= (ts[new_hi] - ts[new_lo]) <= win_ns
        alive &= ok
        hi = np.where(alive, new_hi, hi)
        lo = np.where(alive, new_lo, lo)
        pos.append(hi.copy())
        low.append(lo.copy())
        chosen.append(np.flatnonzero(alive))
    return cand_case, chosen, pos, low


def drop_excluded(
    excluded: np.ndarray,
    n_cases: int,
    cand_case: np.ndarray,
    chosen: list[np.ndarray],
    pos_by_step: list[np.ndarray],
    low_by_step: list[np.ndarray],
) -> list[np.ndarray]:
    """``chosen`` without the journeys that have an excluded event strictly between the
    first and the last matched row of their deepest match (left out at every step)."""
    before = np.r_[0, np.cumsum(excluded, dtype=np.int64)]  # excluded rows before row r
    bad = np.zeros(n_cases, dtype=bool)
    seen = np.zeros(n_cases, dtype=bool)
    for k in range(len(chosen) - 1, -1, -1):
        c = chosen[k]
        c = c[~seen[cand_case[c]]]
        lo, hi = low_by_step[k][c], pos_by_step[k][c]
        between = before[hi] - before[np.minimum(lo + 1, hi)]
        bad[cand_case[c[between > 0]]] = True
        seen[cand_case[c]] = True
    return [c[~bad[cand_case[c]]] for c in chosen]


def optional_reach(
    mode: str,
    code: int,
    codes: np.ndarray,
    ts: np.ndarray,
    ends: np.ndarray,
    cand_case: np.ndarray,
    prev: np.ndarray,
    pos_prev: np.ndarray,
    pos_next: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Journeys (case codes) that took an optional step, and the times to it (ns).

    ``prev`` are the candidates reaching the previous required step. In the ordered
    mode the optional touchpoint must occur after that step's match and before the next
    required step's match (or the journey's end when it does not reach it); in any
    order, anywhere in the journey (no time is measured then: None).
    """
    pc = cand_case[prev]
    occ = np.flatnonzero(codes == code)
    if mode == "any_order":
        has = np.zeros(len(ends), dtype=bool)
        has[np.unique(_case_of(occ, ends))] = True
        return pc[has[pc]], None
    lo = pos_prev[prev]
    hi = ends[pc]
    if pos_next is not None:
        nxt = pos_next[prev]
        hi = np.where(nxt > lo, nxt, hi)
    idx = np.searchsorted(occ, lo, side="right")
    at = occ[np.minimum(idx, max(len(occ) - 1, 0))] if len(occ) else lo
    ok = (idx < len(occ)) & (at < hi)
    return pc[ok], ts[at[ok]] - ts[lo[ok]]


def _case_of(rows: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The journey of each row, from the journeys' end rows (exclusive)."""
    return np.searchsorted(ends, rows, side="right")


def optional_row(
    step: int, touchpoint: str, n: int, n_prev: int, n_first: int, med: float
) -> dict[str, object]:
    """A funnel row for an optional step (nobody drops at an optional step)."""
    return {
        "step": step,
        "touchpoint": touchpoint,
        "journeys": n,
        "conversion_from_previous": rate(n, n_prev),
        "conversion_from_first": rate(n, n_first),
        "median_time_from_previous": ns_to_timedelta(np.asarray([med]))[0],
        "dropped": 0,
        "ongoing": 0,
        "ended": 0,
        "went_elsewhere": 0,
        "lost_next": [],
    }


def segment_counts(seg: np.ndarray, n_seg: int, reached: list[np.ndarray]) -> np.ndarray:
    """``out[i, s]``: journeys of segment ``s`` among ``reached[i]`` (case codes)."""
    out = np.zeros((len(reached), n_seg), dtype=np.int64)
    for i, r in enumerate(reached):
        s = seg[r]
        out[i] = np.bincount(s[s >= 0], minlength=n_seg)
    return out


def breakdown_table(
    by: str, seg_labels: list[str], steps: pd.DataFrame, counts: np.ndarray, prev: list[int]
) -> pd.DataFrame:
    """The breakdown from the journeys per (row, segment) ``counts``.

    Per step a chi-square test of homogeneity of ``conversion_from_previous`` across the
    segments; per segment the difference with all other segments pooled and its
    Newcombe 95% interval.
    """
    from scipy.special import chdtrc  # imported here: ``import journeymine`` stays light

    n_seg = len(seg_labels)
    labels = np.asarray(seg_labels, dtype=object)
    parts = []
    for i, n in enumerate(counts):
        d = counts[prev[i]] if prev[i] >= 0 else np.full(n_seg, np.nan)
        first = counts[0]
        rest_n, rest_d = n.sum() - n, d.sum() - d
        low, high = newcombe_diff_ci(n, d, rest_n, rest_d)
        chi2 = _chi_square(n, d) if prev[i] >= 0 else np.nan
        keep = first > 0
        parts.append(
            pd.DataFrame(
                {
                    by: [str(x) for x in labels[keep]],
                    "step": steps["step"].iloc[i],
                    "touchpoint": steps["touchpoint"].iloc[i],
                    "journeys": n[keep].astype(np.int64),
                    "conversion_from_previous": rate(n, d)[keep],
                    "conversion_from_first": rate(n, first)[keep],
                    "diff_vs_rest": (rate(n, d) - rate(rest_n, rest_d))[keep],
                    "diff_low": np.asarray(low, dtype=float)[keep],
                    "diff_high": np.asarray(high, dtype=float)[keep],
                    "chi2": chi2,
                    "p_value": chdtrc(max(int((d > 0).sum()) - 1, 1), chi2),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    order = np.lexsort((out[by].to_numpy(), out["step"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _chi_square(n: np.ndarray, d: np.ndarray) -> float:
    """Pearson's chi-square statistic of a 2 x segments table (successes ``n`` of ``d``)."""
    ok = d > 0
    n, d = n[ok].astype(float), d[ok].astype(float)
    if len(d) < 2:
        return np.nan
    p = n.sum() / d.sum()
    if p <= 0 or p >= 1:
        return 0.0
    e1, e0 = d * p, d * (1 - p)
    chi2 = float((((n - e1) ** 2) / e1 + (((d - n) - e0) ** 2) / e0).sum())
    return chi2
