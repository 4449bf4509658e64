"""The report's headline figures and data-quality tables, on any log (private).

On a :class:`~journeymine.PartitionedLog` the figures come from one pass over the
partitions (counts add), the same numbers as on the log in memory.
"""

from __future__ import annotations

from typing import Any

from .._partitioned import is_partitioned

__all__ = ["present_columns", "data_quality"]


def _summary(log: Any, goal: Any) -> dict[str, Any]:
    summary = dict(log.summary())
    if goal is not None:
        # the analyzers' definition: ongoing journeys that have not converted yet are
        # censored, so they count neither as converted nor as lost
        if is_partitioned(log):
            parts = log._map(_conversion_part, (goal,))
            converted, known = (sum(p[i] for p in parts) for i in (0, 1))
        else:
            converted, known = _conversion_part(log, goal)
        summary["converted_journeys"] = converted
        summary["journeys_with_known_outcome"] = known
        summary["conversion_rate"] = float(converted / known) if known else None
    return summary


def present_columns(log: Any) -> frozenset[str]:
    """The event columns of ``log`` that have at least one value."""
    if is_partitioned(log):
        return frozenset().union(*log._map(_present_part, ()))
    return _present_part(log)


def _present_part(log: Any) -> frozenset[str]:
    events = log.events
    return frozenset(str(c) for c in events.columns if events[c].notna().any())


def _conversion_part(log: Any, goal: Any) -> tuple[int, int]:
    """(converted, known outcome) journeys of one partition."""
    from ..derive import converted as converted_of

    converted = converted_of(log, goal, "report")
    known = converted | ~log.cases["ongoing"].to_numpy(dtype=bool)
    return int(converted.sum()), int(known.sum())


def data_quality(log: Any, found: Any, titles: dict[str, str]) -> None:
    """The rejected rows (counted by reason) and the identity stitching, as report tables."""
    rej = log.rejected
    if len(rej):
        cols = [c for c in ("source", "reason") if c in rej.columns]
        counts = rej.groupby(cols, dropna=False, observed=True).size().reset_index(name="rows")
        found.tables["rejected_rows"] = counts.sort_values(cols, kind="stable").reset_index(
            drop=True
        )
        found.table_owner["rejected_rows"] = "data_quality"
        found.table_titles["rejected_rows"] = titles["rejected_rows"]
    stitching = getattr(log, "stitching", None)
    if stitching is not None:
        found.tables["stitching"] = stitching.reset_index(drop=True)
        found.table_owner["stitching"] = "data_quality"
        found.table_titles["stitching"] = titles["stitching"]
