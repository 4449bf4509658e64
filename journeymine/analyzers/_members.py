"""Which journeys are behind a finding (private), for pain_points and affected_journeys.

Each function returns (journey, value) pairs as two int arrays — the journey's case
code and the code of the touchpoint (or pair) the finding is about — with a flag
per pair, using the same definitions as the table the finding comes from (the tests
check that the counts agree with the tables' columns).
"""

from __future__ import annotations

import numpy as np

from .. import _kernels as K
from ..derive import visits
from ..log import JourneyLog
from . import _common as C

__all__: list[str] = []


def visit_pairs(log: JourneyLog, level: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per visit (distinct journey and ``level`` value): journey, value, first row, visits."""
    v = visits(log, level)
    return (
        v["case_id"].cat.codes.to_numpy().astype(np.int64),
        v["value"].cat.codes.to_numpy().astype(np.int64),
        v["first"].to_numpy(),
        v["n_visits"].to_numpy(),
    )


def lost_at(log: JourneyLog, out: C.Outcome, level: str, func: str) -> np.ndarray:
    """Per visit (as :func:`visit_pairs`): the journey ended there, finished and unconverted.

    The ``lost`` column of :func:`~journeymine.dropoffs`.
    """
    codes, _ = C.level_codes(log, level, func)
    vcase, vval, vfirst, _ = visit_pairs(log, level)
    conv_after = out.last_goal[vcase] >= vfirst
    last_val = C.last_valued(log, codes)
    return (last_val[vcase] == vval) & ~out.converted[vcase] & ~out.ongoing[vcase] & ~conv_after


def at_risk(log: JourneyLog, out: C.Outcome, level: str) -> np.ndarray:
    """Per visit: visited before converting, or never converted (``journeys_before_goal``)."""
    vcase, _, vfirst, _ = visit_pairs(log, level)
    return (out.last_goal[vcase] >= vfirst) | ~out.converted[vcase]


def distinct_cases(cases: np.ndarray) -> np.ndarray:
    """Sorted distinct case codes."""
    return np.unique(np.asarray(cases, dtype=np.int64))


def split(rows: np.ndarray, cases: np.ndarray, n_cases: int, keep: np.ndarray) -> list:
    """Per row in ``keep``, the sorted distinct cases paired with it.

    Pairs that come in journey order (most do: they are read off the log) need no
    sort of ``row * n + case``: a stable radix sort by the few rows keeps each row's
    journeys in order, and repeats are next to each other.
    """
    rows = np.asarray(rows).astype(np.int64, copy=False)
    cases = np.asarray(cases).astype(np.int64, copy=False)
    ordered = len(rows) and (np.diff(cases) >= 0).all()
    if ordered and 0 <= rows.min() and rows.max() < 2**15:
        order = np.argsort(rows.astype(np.int16), kind="stable")
        r, c = rows[order], cases[order]
        new = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])]
        r, c = r[new], c[new]
    else:
        key = K.distinct(rows * max(n_cases, 1) + cases)
        r = key // max(n_cases, 1)
        c = key % max(n_cases, 1)
    lo = np.searchsorted(r, keep, side="left")
    hi = np.searchsorted(r, keep, side="right")
    return [c[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
