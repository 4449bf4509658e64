"""Journey variants: the distinct paths journeys take, with how many take each.

A variant is a journey's whole sequence of touchpoints (or of channels, stages,
... with ``level``). Journeys are grouped without a Python loop over journeys by
:func:`journeymine._kernels.case_variants`: each journey's code sequence is
hashed with a polynomial hash in ``uint64`` (``np.add.reduceat`` over the journey
boundaries), journeys are grouped by hash, and every journey is then checked,
element by element, against the first journey of its group, so a hash collision
can never merge two different paths (colliding groups are split exactly).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._kernels import case_variants, distinct, group_order_stats, hash_keys
from .._validation import check_column, check_type
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY, CASE, TIMESTAMP
from ._compute import _steps

__all__ = ["variants"]

# module-level, so that a test can substitute a colliding hash
_hash_keys = hash_keys


@dataclass(frozen=True)
class _Variants:
    """Journeys grouped into variants, ranked 0 = most frequent (ties by first appearance).

    ``rank`` has one entry per journey (-1 for a journey without events);
    ``counts``, ``rep`` (first journey of the variant) and ``length`` one per
    variant; ``labels`` the node labels the step codes stand for.
    """

    rank: np.ndarray
    counts: np.ndarray
    rep: np.ndarray
    length: np.ndarray
    labels: list[str]


def _case_variants(log: JourneyLog, level: str, collapse: bool, func: str) -> _Variants:
    """Group the journeys of ``log`` into variants at ``level`` (cached on the log)."""
    key = ("discovery.variants", level, bool(collapse))
    if key in log._cache:
        return log._cache[key]
    steps = _steps(log, level, collapse, func)
    lens_all = steps.offsets[1:] - steps.offsets[:-1]
    group, rep = case_variants(steps.code, steps.offsets, empty_variant=False, hasher=_hash_keys)
    nonempty = group >= 0
    group = group[nonempty]
    n_groups = len(rep)
    counts = np.bincount(group, minlength=n_groups)
    rep_len = lens_all[rep]
    # most frequent first; ties in order of first appearance (ids are numbered that way)
    order = np.argsort(-counts, kind="stable")
    new_rank = np.empty(n_groups, dtype=np.int64)
    new_rank[order] = np.arange(n_groups)
    rank = np.full(log.n_cases, -1, dtype=np.int64)
    rank[nonempty] = new_rank[group]
    rep_o, len_o = rep[order], rep_len[order]
    out = _Variants(
        rank=rank, counts=counts[order], rep=rep_o, length=len_o, labels=list(steps.labels)
    )
    log._cache[key] = out
    return out


def _paths(
    labels: np.ndarray, code: np.ndarray, start: np.ndarray, length: np.ndarray
) -> np.ndarray:
    """The label tuple of each variant, as an object array.

    Variants are handled one length at a time. When a length has more variants than
    steps, one gather per step position and ``zip`` build the tuples in C; otherwise
    each of its (few) variants is one slice. Either way there are at most as many
    numpy calls as variants, and no loop per event.
    """
    out = np.empty(len(start), dtype=object)
    for n in distinct(length).tolist():
        which = np.flatnonzero(length == n)
        first = start[which]
        if len(which) >= n:
            columns = [labels[code[first + j]].tolist() for j in range(n)]
            out[which] = np.fromiter(zip(*columns, strict=True), dtype=object, count=len(which))
        else:
            for w, s in zip(which.tolist(), first.tolist(), strict=True):
                out[w] = tuple(labels[code[s : s + n]].tolist())
    return out


def variants(
    log: JourneyLog, *, level: str = ACTIVITY, collapse_repeats: bool = False
) -> pd.DataFrame:
    """The distinct paths journeys take, most frequent first.

    Parameters
    ----------
    log : JourneyLog
    level : str, default "activity"
        The event column whose values make up the paths (missing values appear as
        ``"(missing)"``).
    collapse_repeats : bool, default False
        Merge consecutive equal values (``web, web, app`` is the path ``(web, app)``).

    Returns
    -------
    pandas.DataFrame
        One row per variant: ``variant`` (tuple of labels), ``length`` (its number of
        steps), ``journeys``, ``share`` (of all journeys), ``median_duration`` (from
        first to last event, over the variant's journeys; the mean of the middle two for
        an even count) and ``example_case`` (the first such journey in the log).
        Sorted by ``journeys`` (descending); ties in the order their first journeys
        appear in the log (the order of ``log.cases``).

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["x", "x", "y", "y", "z"], "a": ["A", "B", "A", "B", "A"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D")})
    >>> jm.variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
      variant  length  journeys     share median_duration example_case
    0  (A, B)       2         2  0.666667          1 days            x
    1    (A,)       1         1  0.333333          0 days            z
    """
    func = "variants"
    if not isinstance(log, JourneyLog):
        raise InvalidParameterError(
            f"The 'log' parameter of {func} must be a JourneyLog. Got {type(log).__name__} instead."
        )
    check_column(log.columns, level, "level", func)
    check_type(collapse_repeats, bool, "True or False", "collapse_repeats", func)
    v = _case_variants(log, level, collapse_repeats, func)
    n_var = len(v.counts)
    ts = log._events[TIMESTAMP].array.asi8
    off = log._offsets
    ok = v.rank >= 0
    dur = ts[off[1:][ok] - 1] - ts[off[:-1][ok]]
    grp = v.rank[ok]
    med = np.zeros(n_var, dtype=np.int64)
    single = v.counts[grp] == 1 if n_var else np.zeros(0, dtype=bool)
    med[grp[single]] = dur[single]  # a variant taken once: its one duration
    multi = np.flatnonzero(v.counts > 1)
    if len(multi):
        # the middle two durations of the other variants; their midpoint, rounded down
        g = grp[~single]
        cnt = v.counts[multi]
        mid = group_order_stats(
            g, dur[~single], np.bincount(g, minlength=n_var), np.c_[(cnt - 1) // 2, cnt // 2]
        )
        med[multi] = mid[:, 0] + (mid[:, 1] - mid[:, 0]) // 2
    steps = _steps(log, level, collapse_repeats, func)
    paths = _paths(np.asarray(v.labels, dtype=object), steps.code, steps.offsets[v.rep], v.length)
    cases = log._events[CASE].cat.categories
    total = int(ok.sum())
    return pd.DataFrame(
        {
            "variant": pd.Series(paths, dtype=object),
            "length": v.length.astype(np.int64),
            "journeys": v.counts.astype(np.int64),
            "share": v.counts / total if total else np.zeros(0),
            "median_duration": pd.Series(med.view("m8[ns]")),
            "example_case": pd.Series(np.asarray(cases, dtype=object)[v.rep], dtype=object),
        }
    )
