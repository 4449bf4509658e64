"""The report's outcome sections: time to goal, attribution, after the goal (private).

Each function takes the report's run context (``_analyses._Ctx``) and returns the
section's tables and figures, like the other entries of ``_analyses.SPECS``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..analyzers import after_goal, attribution, time_to_goal
from ..errors import JourneymineError
from ..plotting import plot_time_to_goal
from ._figures import draw_axes

__all__ = ["run_time_to_goal", "run_attribution", "run_after_goal"]

_Result = tuple[dict[str, pd.DataFrame], dict[str, Callable[[], dict[str, bytes]]]]


def _days(td: pd.Timedelta) -> str:
    days = td / pd.Timedelta("1D")
    if days >= 1:
        return f"{days:.1f} days"
    return f"{td / pd.Timedelta('1h'):.1f} hours"


def run_time_to_goal(ctx: Any) -> _Result:
    """``jm.time_to_goal`` (option ``start``) with its picture and the median in a sentence."""
    opts = ctx.options.get("time_to_goal", {})
    table = time_to_goal(ctx.log, goal=ctx.goal, start=opts.get("start"))
    median = table.attrs.get("journeymine", {}).get("median_time")
    final = float(table["share_converted"].iloc[-1]) if len(table) else 0.0
    if median is not None and not pd.isna(median):
        ctx.notes["time_to_goal"] = (
            f"Half of the journeys reached the goal within {_days(median)} of their start "
            "(the median time to goal)."
        )
    else:
        ctx.notes["time_to_goal"] = (
            f"Fewer than half of the journeys reach the goal (at most {final:.0%} by the end of "
            "the data), so there is no median time to goal."
        )
    draw = {"time_to_goal": lambda: draw_axes(lambda: _plot(table))}
    return {"time_to_goal": _bare(table)}, draw


def _bare(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without its ``attrs`` (a Timedelta there is no Parquet metadata)."""
    out = table.copy(deep=False)
    out.attrs = {}
    return out


def _plot(table: pd.DataFrame) -> Any:
    ax = plot_time_to_goal(table)
    ax.set_title("Share of journeys that reached the goal, by time since their start")
    return ax


_METHOD_NAMES = {
    "markov": "Markov",
    "linear": "linear",
    "first_touch": "first-touch",
    "last_touch": "last-touch",
    "time_decay": "time-decay",
}


def run_attribution(ctx: Any) -> _Result:
    """``jm.attribution`` with ``method`` (default markov) and the linear credit beside it."""
    opts = dict(ctx.options.get("attribution", {}))
    method = opts.pop("method", "markov")
    kwargs = {k: opts[k] for k in ("level", "half_life") if k in opts}
    try:
        table = attribution(ctx.log, goal=ctx.goal, method=method, **kwargs)
    except JourneymineError as exc:
        if "method" in ctx.options.get("attribution", {}):
            raise
        ctx.notes["attribution"] = f"The Markov credit could not be computed ({exc}); linear shown."
        method = "linear"
        table = attribution(ctx.log, goal=ctx.goal, method=method, **kwargs)
    level = table.columns[0]
    if method != "linear":
        linear = attribution(ctx.log, goal=ctx.goal, method="linear", **kwargs)
        linear = linear[[level, "conversions", "share"]].rename(
            columns={"conversions": "linear_conversions", "share": "linear_share"}
        )
        table = table.merge(linear, on=level, how="left", sort=False)
    top = table.iloc[0] if len(table) else None
    if top is not None:
        ctx.notes["attribution"] = " ".join(
            filter(
                None,
                (
                    ctx.notes.get("attribution"),
                    f"{top[level]} earns the largest share of conversions ({top['share']:.0%}, "
                    f"{_METHOD_NAMES.get(method, method)} credit).",
                ),
            )
        )
    return {"attribution": _bare(table.reset_index(drop=True))}, {}


def run_after_goal(ctx: Any) -> _Result:
    """A summary of ``jm.after_goal`` (option ``within``): contact rate and outcome counts."""
    opts = ctx.options.get("after_goal", {})
    detail = after_goal(ctx.log, goal=ctx.goal, within=opts.get("within", "30D"))
    s = detail.attrs["journeymine"]["summary"]
    window = opts.get("within", "30D")
    summary = pd.DataFrame(
        [
            {
                "within": str(window),
                "journeys": s["journeys"],
                "incomplete_windows": s["incomplete_windows"],
                "with_contact": s["with_contact"],
                "contact_rate": s["contact_rate"],
                "contact_rate_low": s["contact_rate_low"],
                "contact_rate_high": s["contact_rate_high"],
                "repeat_goal_rate": s["repeat_goal_rate"],
                "silence_rate": s["silence_rate"],
            }
        ]
    )
    order = ["contact", "repeat goal", "self-service", "silence"]
    done = detail[detail["window_complete"].to_numpy()]
    counts = done["outcome"].value_counts()
    outcomes = pd.DataFrame(
        {
            "outcome": order,
            "journeys": [int(counts.get(o, 0)) for o in order],
        }
    )
    m = s["journeys"]
    outcomes["share"] = outcomes["journeys"] / m if m else float("nan")
    rate = s["contact_rate"]
    if m and not math.isnan(rate):
        ctx.notes["after_goal"] = (
            f"Of {m:,} journeys that reached the goal with the whole window in the data, "
            f"{rate:.1%} contacted the company again within it (95% interval "
            f"{s['contact_rate_low']:.1%} to {s['contact_rate_high']:.1%})."
        )
    return {"after_goal_summary": summary, "after_goal_outcomes": outcomes}, {}
