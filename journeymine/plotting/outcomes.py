"""Pictures of outcomes over time (matplotlib, imported when drawing)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import InstanceOf, validate_params
from ..errors import InvalidParameterError

__all__ = ["plot_time_to_goal"]

_NEEDED = ("time", "share_converted", "ci_low", "ci_high")


@validate_params({"table": [InstanceOf(pd.DataFrame, "a table from jm.time_to_goal")]})
def plot_time_to_goal(table: pd.DataFrame, ax: Any = None) -> Any:
    """Draw the cumulative share converted over time, with its 95% band, per segment.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`~journeymine.time_to_goal` (with or without ``by``).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> ax = jm.plot_time_to_goal(jm.time_to_goal(log, goal="purchase", by="acquisition"))
    >>> ax.get_xlabel()
    'days since journey start'
    """
    missing = [c for c in _NEEDED if c not in table.columns]
    if missing:
        raise InvalidParameterError(
            "The 'table' parameter of plot_time_to_goal must be a table from jm.time_to_goal "
            f"(columns {list(_NEEDED)!r}). Got a table without {missing!r} instead.",
            param="table",
        )
    import matplotlib.pyplot as plt  # imported here: drawing is optional

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    info = table.attrs.get("journeymine", {})
    params = info.get("params", {})
    by = params.get("by")
    groups = (
        [(None, table)]
        if by is None or by not in table.columns
        else list(table.groupby(by, sort=True))
    )
    for name, part in groups:
        days = part["time"].to_numpy(dtype="timedelta64[ns]").astype(np.int64) / 86_400e9
        label = "all journeys" if name is None else str(name)
        line = ax.step(days, part["share_converted"], where="post", label=label)[0]
        ax.fill_between(
            days,
            part["ci_low"],
            part["ci_high"],
            step="post",
            alpha=0.2,
            color=line.get_color(),
            linewidth=0,
        )
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.set_xlabel("days since " + ("journey start" if params.get("start") is None else "start"))
    ax.set_ylabel("share converted")
    goal = params.get("goal")
    ax.set_title(f"Time to {goal}" if isinstance(goal, str) else "Time to goal")
    ax.legend(loc="lower right", frameon=False)
    ax.grid(alpha=0.3)
    return ax
