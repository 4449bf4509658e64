"""Journey variants: the distinct paths journeys take, with how many take each.

A variant is a journey's whole sequence of touchpoints (or of channels, stages,
... with ``level``). Journeys are grouped without a Python loop over journeys
by :func:`journeymine._kernels.case_variants`: each journey's code sequence is hashed with a polynomial hash in ``uint64`` (a running sum over
the log, differenced at the journey boundaries), journeys are grouped by hash,
and every journey that is not the first of its group is then checked, element by
element, against that first journey, so a hash collision can never merge two
different paths (colliding groups are split exactly). The ``variant`` column is
a :class:`~journeymine.discovery._paths.PathArray`: spans of the step codes,
whose tuples are made only when they are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._kernels import case_variants, group_order, hash_keys
from .._partitioned import is_partitioned, numeric_ids
from .._validation import check_column, validate_params
from ..derive import arrays
from ..log import JourneyLog
from ..schema import ACTIVITY
from ._compute import _steps
from ._parts_variants import (
    VariantParts,
    VariantTable,
    group_medians,
    merge_variant_parts,
    spans,
)
from ._paths import PathArray, PathDtype

# PathDtype: the dtype of the variant column (a path per row)
__all__ = ["variants", "PathDtype"]

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


def _case_variants(log: JourneyLog, level: str, collapse: bool) -> _Variants:
    """Group the journeys of ``log`` into variants at ``level`` (cached on the log)."""
    return arrays(log).cached(
        ("discovery.variants", level, bool(collapse)),
        lambda: _group_variants(log, level, collapse),
    )


def _group_variants(log: JourneyLog, level: str, collapse: bool) -> _Variants:
    steps = _steps(log, level, collapse)
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
    return out


@validate_params(
    {"log": ["log", "partitioned"], "level": ["column"], "collapse_repeats": ["boolean"]}
)
def variants(log: Any, *, level: str = ACTIVITY, collapse_repeats: bool = False) -> pd.DataFrame:
    """The distinct paths journeys take, most frequent first.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        A PartitionedLog (:func:`~journeymine.partition`, :func:`~journeymine.scan_parquet`)
        gives the same table: each partition's variants, merged by their labels.
    level : str, default "activity"
        The event column whose values make up the paths (missing values appear as
        ``"(missing)"``).
    collapse_repeats : bool, default False
        Merge consecutive equal values (``web, web, app`` is the path ``(web, app)``).

    Returns
    -------
    pandas.DataFrame
        One row per variant: ``variant`` (the path: each element is a tuple of labels),
        ``length`` (its number of steps), ``journeys``, ``share`` (of all journeys),
        ``median_duration`` (from first to last event, over the variant's journeys; the
        mean of the middle two for an even count) and ``example_case`` (the first such
        journey in the log). Sorted by ``journeys`` (descending); ties in the order
        their first journeys appear in the log (the order of ``log.cases``).

    Notes
    -----
    The ``variant`` column has dtype ``"path"``: it is stored as integer codes and
    makes a tuple only when an element is read (``v["variant"][0]``, iteration,
    ``tolist()``), so that building the table costs no Python object per variant.
    It compares, sorts, groups, prints and writes to Parquet (a list of strings)
    as a column of tuples does; ``.str`` methods do not apply (use
    ``v["variant"].map(" → ".join)``), and ``astype(object)`` gives the tuples.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["x", "x", "y", "y", "z"], "a": ["A", "B", "A", "B", "A"],
    ...                    "t": pd.date_range("2025-01-01", periods=5, freq="D")})
    >>> v = jm.variants(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> v
      variant  length  journeys     share median_duration example_case
    0  (A, B)       2         2  0.666667          1 days            x
    1    (A,)       1         1  0.333333          0 days            z
    >>> v["variant"][0], v["variant"].tolist()
    (('A', 'B'), [('A', 'B'), ('A',)])
    >>> v["variant"].map(" → ".join).tolist()
    ['A → B', 'A']
    """
    func = "variants"
    check_column(log.columns, level, "level", func)
    if is_partitioned(log):
        by_id = log.engine != "memory"  # partitions by a hash of the journey: order by id
        parts = log._map(_variant_parts, (level, collapse_repeats, by_id))
        return _variant_table(merge_variant_parts(parts, by_id, hasher=_hash_keys))
    v = _case_variants(log, level, collapse_repeats)
    med = _median_durations(log, v)
    steps = _steps(log, level, collapse_repeats)
    cases = np.asarray(arrays(log).case_ids, dtype=object)
    table = VariantTable(
        labels=v.labels,
        codes=steps.code,
        starts=steps.offsets[v.rep],
        lengths=v.length.copy(),
        counts=v.counts,
        examples=cases.take(v.rep),
        median=med,
    )
    return _variant_table(table)


def _variant_table(v: VariantTable) -> pd.DataFrame:
    """The variants table from its ranked aggregates (one log's, or merged partitions')."""
    # the paths as spans of the step codes: no tuple is built until one is read
    paths = PathArray._from_codes(v.codes, v.starts, v.lengths, v.labels)
    total = int(v.counts.sum())
    # every column is a fresh array: no copies (copying objects costs a reference count each)
    return pd.DataFrame(
        {
            "variant": pd.Series(paths, copy=False),
            "length": v.lengths.astype(np.int64),
            "journeys": v.counts.astype(np.int64),
            "share": v.counts / total if total else np.zeros(0),
            "median_duration": pd.Series(v.median.view("m8[ns]"), copy=False),
            "example_case": pd.Series(v.examples, dtype=object, copy=False),
        },
        copy=False,
    )


def _durations(log: JourneyLog, v: _Variants) -> tuple[np.ndarray, np.ndarray]:
    """The variant (rank) and duration (first to last event, ns) of every journey with events."""
    arr = arrays(log)
    ts = np.asarray(arr.timestamps_ns, dtype=np.int64)
    off = arr.offsets
    grp = v.rank
    if len(grp) and grp.min() < 0:  # journeys without events belong to no variant
        ok = grp >= 0
        dur = ts.take(off[1:][ok] - 1) - ts.take(off[:-1][ok])
        grp = grp[ok]
    else:
        dur = ts.take(off[1:] - 1) - ts.take(off[:-1]) if len(ts) else np.zeros(0, np.int64)
    return grp, dur


def _median_durations(log: JourneyLog, v: _Variants) -> np.ndarray:
    """Per variant, the median time from first to last event of its journeys, in ns.

    The median of an even count is the midpoint of the middle two, rounded down
    (:func:`~journeymine.discovery._parts_variants.group_medians`).
    """
    grp, dur = _durations(log, v)
    return group_medians(grp, dur, v.counts)


def _variant_parts(log: JourneyLog, level: str, collapse: bool, by_id: bool) -> VariantParts:
    """A partition's share of the variants table (run in the partitioned engine's workers)."""
    v = _case_variants(log, level, collapse)
    steps = _steps(log, level, collapse)
    grp, dur = _durations(log, v)
    arr = arrays(log)
    codes = np.asarray(arr.codes(level))
    # only the variants' paths (the steps of their first journeys), one after the other
    lengths = np.asarray(v.length, dtype=np.int64)
    paths = steps.code[spans(steps.offsets[v.rep], lengths)]
    starts = np.cumsum(lengths) - lengths
    return VariantParts(
        labels=list(v.labels),
        missing=bool(len(codes)) and bool((codes < 0).any()),
        codes=paths,
        starts=starts,
        lengths=lengths,
        counts=v.counts,
        first=v.rep,
        examples=np.asarray(arr.case_ids[v.rep], dtype=object),
        durations=dur[group_order(grp, len(v.counts))],
        n_cases=log.n_cases,
        numeric=numeric_ids(arr.case_ids) if by_id else True,
        keys=_hash_keys(np.asarray(paths, dtype=np.int64), starts, lengths),
    )
