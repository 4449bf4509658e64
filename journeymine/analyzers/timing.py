"""How long journeys take between any two steps of a funnel: the distribution of time to convert."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validation import Interval, Names, Options, to_timedelta, validate_params
from ..derive import arrays
from ..log import JourneyLog
from . import _common as C
from ._provenance import stamp
from .funnels import _reach, _step_codes

__all__ = ["funnel_times"]

QUANTILES = (("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9))


@validate_params(
    {
        "log": ["log"],
        "steps": [Names("a non-empty list of touchpoint names", non_empty=True, single=False)],
        "mode": [Options("eventual", "direct", "any_order")],
        "within": ["duration", None],
        "exclude": [Names("a touchpoint name or a list of them", non_empty=True), None],
        "min_journeys": [Interval(int, 1, None)],
    }
)
def funnel_times(
    log: JourneyLog,
    steps: Sequence[str],
    *,
    mode: str = "eventual",
    within: str | pd.Timedelta | None = None,
    exclude: str | Sequence[str] | None = None,
    min_journeys: int = 1,
) -> pd.DataFrame:
    """Time to convert between every pair of funnel steps: median, quartiles and 90th percentile.

    The journeys are matched as :func:`funnel` matches them (same ``mode``, ``within``
    and ``exclude``). For steps *i* < *j*, the times are those of the journeys that
    reach step *j*, from their match of step *i* to their match of step *j*; in
    ``mode="any_order"``, from the moment the journey had completed steps 1..i to the
    moment it completed steps 1..j. Journeys still ongoing that have not reached step
    *j* are not counted (their time is not known yet): this is the time of the
    journeys that converted, not a survival estimate.

    Parameters
    ----------
    log : JourneyLog
    steps : list of str
        Touchpoint names, in funnel order.
    mode : {"eventual", "direct", "any_order"}, default "eventual"
    within : str or Timedelta, optional
        Longest time from the first step, as in :func:`funnel`.
    exclude : str or list of str, optional
        Journeys with one of these touchpoints between their first and last matched
        step are left out, as in :func:`funnel`.
    min_journeys : int, default 1
        Pairs reached by fewer journeys get NaT quantiles.

    Returns
    -------
    pandas.DataFrame
        One row per pair of steps (``from_step`` < ``to_step``), columns ``from_step``,
        ``to_step`` (1-based), ``from_touchpoint``, ``to_touchpoint``, ``journeys``
        (journeys reaching ``to_step``), then ``p25``, ``median``, ``p75``, ``p90``
        (Timedelta; quantiles with linear interpolation between the nearest journeys)
        and ``mean``.

    Raises
    ------
    GoalNotFoundError
        If a step or an excluded touchpoint never occurs (with near matches).
    InvalidParameterError
        For an empty ``steps``, an unknown ``mode`` or a non-positive ``within``.

    See Also
    --------
    funnel : Journeys through an ordered list of steps.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b", "b", "b", "c", "c"],
    ...     "tp": ["cart", "pay", "done", "cart", "pay", "done", "cart", "pay"],
    ...     "t": pd.to_datetime(["2025-01-01 00:00", "2025-01-01 01:00", "2025-01-01 02:00",
    ...                          "2025-01-01 00:00", "2025-01-01 03:00", "2025-01-01 07:00",
    ...                          "2025-01-01 00:00", "2025-01-01 05:00"]),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> jm.funnel_times(log, ["cart", "pay", "done"])[["from_step", "to_step", "journeys", "median"]]
       from_step  to_step  journeys          median
    0          1        2         3 0 days 03:00:00
    1          1        3         2 0 days 04:30:00
    2          2        3         2 0 days 02:30:00
    """
    func = "funnel_times"
    win = to_timedelta(within, "within", func)
    step_codes = _step_codes(log, steps, func)
    excl = None if exclude is None else _step_codes(log, C.names(exclude), func, "exclude")
    win_ns = None if win is None else win.value
    cand_case, chosen, pos = _reach(log, step_codes, mode, win_ns, func, exclude=excl)
    ts = arrays(log).timestamps_ns
    names = [str(s) for s in steps]
    rows = []
    K = len(step_codes)
    for j in range(1, K):
        c = chosen[j]
        for i in range(j):
            gaps = (ts[pos[j][c]] - ts[pos[i][c]]).astype(float)
            row: dict[str, object] = {
                "from_step": i + 1,
                "to_step": j + 1,
                "from_touchpoint": names[i],
                "to_touchpoint": names[j],
                "journeys": len(c),
            }
            enough = len(c) >= min_journeys and len(c) > 0
            for name, q in QUANTILES:
                row[name] = np.round(np.quantile(gaps, q)) if enough else np.nan
            row["mean"] = np.round(gaps.mean()) if enough else np.nan
            rows.append(row)
    cols = ["from_step", "to_step", "from_touchpoint", "to_touchpoint", "journeys"]
    table = pd.DataFrame(rows, columns=[*cols, *(n for n, _ in QUANTILES), "mean"])
    for col in ("from_step", "to_step", "journeys"):
        table[col] = table[col].astype(np.int64)
    for name in [n for n, _ in QUANTILES] + ["mean"]:
        table[name] = pd.to_timedelta(table[name].astype(float), unit="ns")
    table = table.sort_values(["from_step", "to_step"], kind="stable").reset_index(drop=True)
    params = {"steps": list(steps), "mode": mode, "within": within, "exclude": exclude}
    return stamp(table, log, func, **params)
