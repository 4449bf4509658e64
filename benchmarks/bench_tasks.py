"""The benchmark tasks: the same question answered by journeymine and by pm4py.

Each :class:`Task` has, per side, a ``setup`` (untimed: load the input the timed
step needs), a ``run`` (timed) and a ``normalize`` that turns the answer into plain
Python data, and a ``compare`` that checks both sides gave the same answer.
Analysis tasks run on an already loaded log: journeymine's ``JourneyLog`` from
``jm.read_parquet`` and pm4py's DataFrame from ``pd.read_parquet`` plus
``pm4py.format_dataframe``. journeymine caches derived tables on the log, so the
cache is emptied before every timed run.
"""

from __future__ import annotations

import hashlib
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TASKS", "Task", "MAPPING", "GOAL", "import_side"]

#: How the benchmark files map to journeymine's canonical columns.
MAPPING = {
    "case": "case_id",
    "customer": "customer_id",
    "activity": "activity",
    "timestamp": "timestamp",
    "channel": "channel",
    "department": "department",
    "resource": "resource",
    "direction": "direction",
}
#: The goal touchpoint of ``random_model`` (its last touchpoint).
GOAL = "touchpoint 39"
#: pm4py's column names after ``format_dataframe``.
PM_CASE, PM_ACT, PM_TIME = "case:concept:name", "concept:name", "time:timestamp"
#: Medians may differ by float rounding only (timestamps have whole seconds).
MEDIAN_TOLERANCE_S = 1e-3


def import_side(side: str) -> None:
    """Import a side's library quietly (pm4py prints a banner and progress bars)."""
    warnings.simplefilter("ignore")
    if side == "pm4py":
        os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
        sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]  # pm4py's own switch
        import pm4py  # noqa: F401
    else:
        import journeymine
        import journeymine.analyzers
        import journeymine.discovery  # noqa: F401


# ----------------------------------------------------------------------------- loading
def _jm_read(fmt: str) -> Callable[[dict[str, Any]], Any]:
    def run(state: dict[str, Any]) -> Any:
        import journeymine as jm

        reader = jm.read_parquet if fmt == "parquet" else jm.read_csv
        return reader(state["data"][fmt], **MAPPING)

    return run


def _pm_read(fmt: str) -> Callable[[dict[str, Any]], Any]:
    def run(state: dict[str, Any]) -> Any:
        return _pm_frame(state["data"][fmt], fmt)

    return run


def _pm_frame(path: str, fmt: str) -> Any:
    import pandas as pd
    import pm4py

    df = pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    return pm4py.format_dataframe(
        df, case_id="case_id", activity_key="activity", timestamp_key="timestamp"
    )


def _digest(values: Any) -> str:
    """A fingerprint of a column's values in order (text, or int64 nanoseconds for times)."""
    import pandas as pd

    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        data = arr.astype("datetime64[ns]").view(np.int64)
    else:
        data = pd.util.hash_array(np.asarray(values, dtype=object).astype(str).astype(object))
    return hashlib.sha256(np.ascontiguousarray(data).tobytes()).hexdigest()[:16]


def _jm_log_fingerprint(log: Any, state: dict[str, Any]) -> dict[str, Any]:
    ev = log.events
    return {
        "events": len(ev),
        "journeys": int(log.n_cases),
        "case": _digest(ev["case_id"]),
        "activity": _digest(ev["activity"]),
        "timestamp": _digest(ev["timestamp"].dt.tz_convert(None)),
    }


def _pm_log_fingerprint(df: Any, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "events": len(df),
        "journeys": int(df[PM_CASE].nunique()),
        "case": _digest(df[PM_CASE]),
        "activity": _digest(df[PM_ACT]),
        "timestamp": _digest(df[PM_TIME].dt.tz_convert(None)),
    }


def _same_log(a: dict[str, Any], b: dict[str, Any]) -> tuple[bool, str]:
    if a == b:
        return True, f"same {a['events']:,} events of {a['journeys']:,} journeys in the same order"
    return False, f"logs differ: journeymine {a} vs pm4py {b}"


# ----------------------------------------------------------------------------- setups
def _jm_setup(state: dict[str, Any]) -> None:
    import journeymine as jm

    state["log"] = jm.read_parquet(state["data"]["parquet"], **MAPPING)


def _pm_setup(state: dict[str, Any]) -> None:
    state["df"] = _pm_frame(state["data"]["parquet"], "parquet")


def _fresh(state: dict[str, Any]) -> Any:
    """The loaded log with its derived-table cache emptied, so nothing is reused between runs."""
    log = state["log"]
    log._cache.clear()
    return log


# ----------------------------------------------------------------------------- DFG
def _jm_discover(state: dict[str, Any]) -> Any:
    import journeymine as jm

    return jm.discover(_fresh(state))


def _jm_dfg_counts(graph: Any, state: dict[str, Any]) -> dict[tuple[str, str], int]:
    import journeymine as jm

    e = graph.edges
    inner = e[(e["source"] != jm.START) & (e["target"] != jm.END)]
    return {
        (str(s), str(t)): int(c)
        for s, t, c in zip(inner["source"], inner["target"], inner["transitions"], strict=True)
    }


def _pm_dfg(state: dict[str, Any]) -> Any:
    import pm4py

    return pm4py.discover_dfg(state["df"])


def _pm_dfg_counts(result: Any, state: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {(str(a), str(b)): int(c) for (a, b), c in result[0].items()}


def _same_counts(what: str) -> Callable[[Any, Any], tuple[bool, str]]:
    def compare(a: dict[Any, int], b: dict[Any, int]) -> tuple[bool, str]:
        if a == b:
            return True, f"{what}: {len(a):,} equal counts (total {sum(a.values()):,})"
        only_a = sorted(set(a) - set(b))[:3]
        only_b = sorted(set(b) - set(a))[:3]
        diff = [(k, a[k], b[k]) for k in sorted(set(a) & set(b)) if a[k] != b[k]][:3]
        return False, (
            f"{what} differ: {len(a)} vs {len(b)} keys; only journeymine {only_a}, "
            f"only pm4py {only_b}, different counts {diff}"
        )

    return compare


# ----------------------------------------------------------------------------- performance DFG
def _jm_dfg_medians(graph: Any, state: dict[str, Any]) -> dict[tuple[str, str], float]:
    import journeymine as jm

    e = graph.edges
    inner = e[(e["source"] != jm.START) & (e["target"] != jm.END)]
    secs = inner["median_gap"].dt.total_seconds()
    return {
        (str(s), str(t)): float(v)
        for s, t, v in zip(inner["source"], inner["target"], secs, strict=True)
    }


def _pm_perf_dfg(state: dict[str, Any]) -> Any:
    import pm4py

    # only the median: the cheapest aggregation pm4py offers that answers the question
    return pm4py.discover_performance_dfg(state["df"], perf_aggregation_key="median")


def _pm_dfg_medians(result: Any, state: dict[str, Any]) -> dict[tuple[str, str], float]:
    return {(str(a), str(b)): float(v) for (a, b), v in result[0].items()}


def _close_medians(a: dict[Any, float], b: dict[Any, float]) -> tuple[bool, str]:
    if set(a) != set(b):
        return False, f"edges differ: {len(a)} vs {len(b)}"
    worst = max((abs(a[k] - b[k]) for k in a), default=0.0)
    ok = worst <= MEDIAN_TOLERANCE_S
    return ok, (
        f"median step times of {len(a):,} edges equal within {MEDIAN_TOLERANCE_S} s "
        f"(largest difference {worst:.2g} s)"
        if ok
        else f"medians differ by up to {worst} s"
    )


# ----------------------------------------------------------------------------- variants
def _jm_variants(state: dict[str, Any]) -> Any:
    import journeymine as jm

    return jm.variants(_fresh(state))


def _jm_variant_counts(v: Any, state: dict[str, Any]) -> dict[tuple[str, ...], int]:
    return {
        tuple(str(x) for x in path): int(c)
        for path, c in zip(v["variant"], v["journeys"], strict=True)
    }


def _pm_variants(state: dict[str, Any]) -> Any:
    import pm4py

    return pm4py.get_variants(state["df"])


def _pm_variant_counts(v: Any, state: dict[str, Any]) -> dict[tuple[str, ...], int]:
    return {tuple(str(x) for x in path): int(c) for path, c in v.items()}


# ----------------------------------------------------------------------------- start / end
def _jm_start_end(state: dict[str, Any]) -> Any:
    import journeymine as jm

    cases = jm.case_table(_fresh(state))
    return cases["first_activity"].value_counts(), cases["last_activity"].value_counts()


def _jm_start_end_counts(result: Any, state: dict[str, Any]) -> dict[tuple[str, str], int]:
    starts, ends = result
    out = {("start", str(k)): int(v) for k, v in starts.items() if v}
    out.update({("end", str(k)): int(v) for k, v in ends.items() if v})
    return out


def _pm_start_end(state: dict[str, Any]) -> Any:
    import pm4py

    return pm4py.get_start_activities(state["df"]), pm4py.get_end_activities(state["df"])


def _pm_start_end_counts(result: Any, state: dict[str, Any]) -> dict[tuple[str, str], int]:
    starts, ends = result
    out = {("start", str(k)): int(v) for k, v in starts.items()}
    out.update({("end", str(k)): int(v) for k, v in ends.items()})
    return out


# ----------------------------------------------------------------------------- handoffs
def _jm_handoffs(state: dict[str, Any]) -> Any:
    import journeymine as jm

    return jm.handoffs(_fresh(state), level="department")


def _jm_handoff_counts(h: Any, state: dict[str, Any]) -> dict[tuple[str, str], int]:
    return {
        (str(a), str(b)): int(c) for a, b, c in zip(h["from"], h["to"], h["handoffs"], strict=True)
    }


def _pm_handover(state: dict[str, Any]) -> Any:
    import pm4py

    return pm4py.discover_handover_of_work_network(state["df"], beta=0, resource_key="department")


def _pm_handover_counts(sna: Any, state: dict[str, Any]) -> dict[tuple[str, str], int]:
    # With beta=0 pm4py counts every directly-following pair of departments (self-pairs
    # too) and divides by the number of such pairs, (events - journeys). journeymine's
    # handoffs are the pairs whose departments differ; the benchmark logs have no
    # missing departments, so those are the same pairs.
    df = state["df"]
    pairs = len(df) - int(df[PM_CASE].nunique())
    return {(str(a), str(b)): round(v * pairs) for (a, b), v in sna.connections.items() if a != b}


# ----------------------------------------------------------------------------- full analysis
def _funnel_steps(log: Any) -> list[str]:
    cases = log.cases
    first = str(cases["first_activity"].value_counts().index[0])
    common = [
        str(a) for a in log.events["activity"].value_counts().index if str(a) not in (first, GOAL)
    ]
    return [first, common[0], GOAL]


#: journeymine's whole analysis: discovery plus every analyzer, as a report would run it.
ANALYSES: dict[str, Callable[[Any, list[str]], Any]] = {
    "discover": lambda log, steps: _jm().discover(log),
    "discover_channels": lambda log, steps: _jm().discover(log, level="channel"),
    "variants": lambda log, steps: _jm().variants(log),
    "dropoffs": lambda log, steps: _jm().dropoffs(log, goal=GOAL),
    "funnel": lambda log, steps: _jm().funnel(log, steps),
    "handoffs": lambda log, steps: _jm().handoffs(log, level="department", goal=GOAL),
    "silent_gaps": lambda log, steps: _jm().silent_gaps(log),
    "silent_gaps_summary": lambda log, steps: _jm().silent_gaps_summary(log),
    "dead_ends": lambda log, steps: _jm().dead_ends(log, goal=GOAL),
    "repeat_contacts": lambda log, steps: _jm().repeat_contacts(log),
    "loops": lambda log, steps: _jm().loops(log),
    "pain_points": lambda log, steps: _jm().pain_points(log, goal=GOAL),
    "unanswered": lambda log, steps: _jm().unanswered(log),
}


def _jm() -> Any:
    import journeymine as jm

    return jm


def _jm_full_setup(state: dict[str, Any]) -> None:
    _jm_setup(state)
    state["steps"] = _funnel_steps(state["log"])


def _jm_full(state: dict[str, Any]) -> dict[str, Any]:
    import time

    log = _fresh(state)
    out: dict[str, Any] = {}
    split: dict[str, float] = {}
    for name, analysis in ANALYSES.items():
        t0 = time.perf_counter()
        out[name] = analysis(log, state["steps"])
        split[name] = time.perf_counter() - t0
    state.setdefault("splits", []).append(split)
    return out


def _jm_full_shape(result: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    shapes = {}
    for name, value in result.items():
        table = getattr(value, "edges", value)
        shapes[name] = len(table) if hasattr(table, "__len__") else None
    return shapes


# ----------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class Task:
    """One benchmark question; ``pm4py`` fields are None for journeymine-only tasks."""

    name: str
    title: str
    journeymine: str
    pm4py: str | None
    check: str
    jm_setup: Callable[[dict[str, Any]], None] | None
    jm_run: Callable[[dict[str, Any]], Any]
    jm_normalize: Callable[[Any, dict[str, Any]], Any]
    pm_setup: Callable[[dict[str, Any]], None] | None = None
    pm_run: Callable[[dict[str, Any]], Any] | None = None
    pm_normalize: Callable[[Any, dict[str, Any]], Any] | None = None
    compare: Callable[[Any, Any], tuple[bool, str]] | None = None

    def describe(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "title": self.title,
            "journeymine_call": self.journeymine,
            "pm4py_call": self.pm4py,
            "check": self.check,
        }


TASKS: dict[str, Task] = {
    t.name: t
    for t in [
        Task(
            "load_parquet",
            "Parquet file -> event log",
            "jm.read_parquet(path, case=..., customer=..., activity=..., timestamp=..., channel=..., "
            "department=..., resource=..., direction=...)",
            "pm4py.format_dataframe(pd.read_parquet(path), case_id=..., activity_key=..., "
            "timestamp_key=...)",
            "same events, journeys and (journey, time) order",
            None,
            _jm_read("parquet"),
            _jm_log_fingerprint,
            None,
            _pm_read("parquet"),
            _pm_log_fingerprint,
            _same_log,
        ),
        Task(
            "load_csv",
            "CSV file -> event log",
            "jm.read_csv(path, <same mapping>)",
            "pm4py.format_dataframe(pd.read_csv(path), ...)",
            "same events, journeys and (journey, time) order",
            None,
            _jm_read("csv"),
            _jm_log_fingerprint,
            None,
            _pm_read("csv"),
            _pm_log_fingerprint,
            _same_log,
        ),
        Task(
            "dfg",
            "directly-follows graph (frequency)",
            "jm.discover(log)",
            "pm4py.discover_dfg(df)",
            "DFG counts equal",
            _jm_setup,
            _jm_discover,
            _jm_dfg_counts,
            _pm_setup,
            _pm_dfg,
            _pm_dfg_counts,
            _same_counts("directly-follows counts"),
        ),
        Task(
            "performance_dfg",
            "directly-follows graph (median step time)",
            "jm.discover(log)  (edges.median_gap; the same call as the frequency DFG)",
            "pm4py.discover_performance_dfg(df, perf_aggregation_key='median')",
            f"median per edge equal within {MEDIAN_TOLERANCE_S} s",
            _jm_setup,
            _jm_discover,
            _jm_dfg_medians,
            _pm_setup,
            _pm_perf_dfg,
            _pm_dfg_medians,
            _close_medians,
        ),
        Task(
            "variants",
            "variants (distinct paths) with counts",
            "jm.variants(log)",
            "pm4py.get_variants(df)",
            "variant counts equal",
            _jm_setup,
            _jm_variants,
            _jm_variant_counts,
            _pm_setup,
            _pm_variants,
            _pm_variant_counts,
            _same_counts("variant counts"),
        ),
        Task(
            "start_end",
            "start and end touchpoints",
            "jm.case_table(log)[['first_activity', 'last_activity']] value counts",
            "pm4py.get_start_activities(df), pm4py.get_end_activities(df)",
            "start and end counts equal",
            _jm_setup,
            _jm_start_end,
            _jm_start_end_counts,
            _pm_setup,
            _pm_start_end,
            _pm_start_end_counts,
            _same_counts("start/end counts"),
        ),
        Task(
            "handoffs",
            "department handoffs",
            "jm.handoffs(log, level='department')",
            "pm4py.discover_handover_of_work_network(df, beta=0, resource_key='department')",
            "handoff counts equal (pm4py's shares x (events - journeys), department changes only)",
            _jm_setup,
            _jm_handoffs,
            _jm_handoff_counts,
            _pm_setup,
            _pm_handover,
            _pm_handover_counts,
            _same_counts("handoff counts"),
        ),
        Task(
            "full_analysis",
            "journeymine's full analysis (discover + every analyzer)",
            "discover (activity, channel), variants, dropoffs, funnel, handoffs, silent_gaps, "
            "silent_gaps_summary, dead_ends, repeat_contacts, loops, pain_points, unanswered",
            None,
            "journeymine only",
            _jm_full_setup,
            _jm_full,
            _jm_full_shape,
        ),
    ]
}
