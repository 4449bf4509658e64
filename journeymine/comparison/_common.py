"""Building blocks shared by the comparisons (private).

* :class:`Context` holds the log's arrays a comparison reads, computed once, with
  the journeys grouped into variants (:func:`journeymine._kernels.case_variants`).
* :func:`case_attribute` reads a case-level attribute from each journey's first event.
* :func:`case_ids` and :func:`path_text` format results (the notebook tables are
  :func:`journeymine._html.html_table`).

The numpy kernels (positions, variants, group quantiles, distinct values, ...) are
in :mod:`journeymine._kernels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._kernels import case_variants, positions
from .._validation import check_column
from ..derive import arrays, event_times
from ..log import JourneyLog
from ..schema import ACTIVITY

__all__: list[str] = []

ARROW = " → "


def case_attribute(
    log: JourneyLog, column: str, param: str, func: str
) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 missing) and labels of ``column`` at each journey's first event."""
    check_column(log.columns, column, param, func)
    arr = arrays(log)
    codes, labels = arr.codes(column, func), arr.labels(column, func)
    first = arr.offsets[:-1]
    if not len(codes):
        return np.zeros(0, np.int64), labels
    return np.asarray(codes, dtype=np.int64)[np.minimum(first, len(codes) - 1)], labels


def case_ids(log: JourneyLog, rows: np.ndarray | None = None) -> pd.Categorical:
    """The case ids of journeys (all, or the given case indices) as a Categorical."""
    cats = arrays(log).case_ids
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


class Context:
    """The log's arrays the comparison reads, computed once."""

    def __init__(self, log: JourneyLog) -> None:
        self.log = log
        arr = arrays(log)
        codes, labels = arr.codes(ACTIVITY, "compare"), arr.labels(ACTIVITY, "compare")
        self.codes = np.asarray(codes, dtype=np.int64)
        self.labels = [str(x) for x in labels]
        self.offsets = arr.offsets
        self.n_cases = log.n_cases
        self.case, self.pos = positions(self.offsets)
        self.lens = np.diff(self.offsets)
        self.ongoing = np.asarray(arr.ongoing, dtype=bool)
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
