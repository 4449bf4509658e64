"""Pictures of funnels, segment and period comparisons, and personas (matplotlib, imported
when drawing). Each takes ``ax=None`` and returns the Axes; text stays readable (at least
7 points, labels shortened to the width there is) at the default size and in a 2x2 grid
of subplots."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import InstanceOf, validate_params
from ..comparison import PeriodComparison, Personas, SegmentComparison
from ..errors import InvalidParameterError
from . import _rows as R

__all__ = ["plot_funnel", "plot_segments", "plot_periods", "plot_personas"]

_FUNNEL = ("touchpoint", "journeys", "conversion_from_previous", "conversion_from_first")
_PROPORTIONS = ("conversion", "drop_off")


@validate_params({"table": [InstanceOf(pd.DataFrame, "a funnel table from jm.funnel")]})
def plot_funnel(table: pd.DataFrame, ax: Any = None) -> Any:
    """Draw a funnel: one bar per step, as long as the journeys reaching it.

    Parameters
    ----------
    table : pandas.DataFrame
        The result of :func:`~journeymine.funnel`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        Each row reads ``step. touchpoint`` at the left and, at the right, the
        journeys reaching the step, the share of the previous step and of the first.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> table = jm.funnel(log, ["visit homepage", "view pricing", "purchase"])
    >>> ax = jm.plot_funnel(table)
    >>> [t.get_text() for t in ax.texts][:3]
    ['Funnel: 4142 journeys at step 1', '1. visit homepage', '4142']
    """
    _require(table, _FUNNEL, "plot_funnel", "jm.funnel")
    ax = R.axes(ax, 2 + 2 * len(table))
    steps = table["step"].tolist() if "step" in table.columns else list(range(1, len(table) + 1))
    labels = [f"{s}. {t}" for s, t in zip(steps, table["touchpoint"], strict=True)]
    notes = []
    for i, r in enumerate(table.itertuples(index=False)):
        note = f"{int(r.journeys)}"
        if i:
            note += (
                f" · {_pct(r.conversion_from_previous)} of prev · {_pct(r.conversion_from_first)}"
            )
        notes.append(note)
    first = int(table["journeys"].iloc[0]) if len(table) else 0
    values = [float(v) for v in table["journeys"]]
    return R.bar_rows(ax, labels, values, notes, f"Funnel: {first} journeys at step 1")


@validate_params({"comparison": [InstanceOf(SegmentComparison, "a result of jm.compare_segments")]})
def plot_segments(comparison: SegmentComparison, ax: Any = None) -> Any:
    """Draw the largest differences in conversion and drop-off between segments.

    Parameters
    ----------
    comparison : SegmentComparison
        The result of :func:`~journeymine.compare_segments`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        One row per difference of a proportion (conversion, drop-off at a touchpoint),
        in percentage points (second segment minus first) with its 95% interval:
        significant differences (after the comparison's correction) first, drawn
        filled, then the largest; as many as fit the axes.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> ax = jm.plot_segments(jm.compare_segments(log, "acquisition", goal="purchase"))
    >>> [t.get_text() for t in ax.texts][1]
    'partner − ads, % points (filled: significant)'
    """
    return _forest(ax, comparison.differences, "segment_a", "segment_b", f"By {comparison.by}")


@validate_params({"comparison": [InstanceOf(PeriodComparison, "a result of jm.compare_periods")]})
def plot_periods(comparison: PeriodComparison, ax: Any = None) -> Any:
    """Draw the largest changes in conversion and drop-off between two periods.

    Parameters
    ----------
    comparison : PeriodComparison
        The result of :func:`~journeymine.compare_periods`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        As :func:`plot_segments`: one row per change of a proportion, in percentage
        points (second period minus first) with its 95% interval.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> ax = jm.plot_periods(jm.compare_periods(log, split="2025-07-01", goal="purchase"))
    >>> [t.get_text() for t in ax.texts][1]
    'from 2025-07-01 − before 2025-07-01, % points (filled: significant)'
    """
    return _forest(ax, comparison.metrics, "period_a", "period_b", "Changes")


@validate_params({"personas": [InstanceOf(Personas, "a result of jm.personas")]})
def plot_personas(personas: Personas, ax: Any = None) -> Any:
    """Draw the personas: one bar per persona, as long as its share of journeys.

    Parameters
    ----------
    personas : Personas
        The result of :func:`~journeymine.personas`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        Each row reads the persona and its typical path at the left and, at the right,
        its share of journeys, its conversion (with a goal) and its median duration.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> small = log.select_cases(log.cases["case_id"][:300])
    >>> ax = jm.plot_personas(jm.personas(small, n=3, goal="purchase"))
    >>> len(ax.patches)
    3
    """
    p = personas.profiles
    labels = [f"{r.persona}: {r.typical_path}" for r in p.itertuples(index=False)]
    notes = []
    for r in p.itertuples(index=False):
        parts = [_pct(r.share)]
        if "conversion" in p.columns and pd.notna(r.conversion):
            parts.append(f"conv {_pct(r.conversion)}")
        parts.append(_days(r.median_duration))
        notes.append(" · ".join(parts))
    ax = R.axes(ax, 2 + 2 * len(p))
    values = [float(v) for v in p["share"]]
    return R.bar_rows(ax, labels, values, notes, f"{len(p)} personas: share of journeys")


def _forest(ax: Any, table: pd.DataFrame, col_a: str, col_b: str, what: str) -> Any:
    """Differences of proportions with their intervals, a label line above each."""
    t = table[table["metric"].isin(_PROPORTIONS)]
    t = t[np.isfinite(t["ci_low"].astype(float)) & np.isfinite(t["ci_high"].astype(float))]
    sig = t["significant"].fillna(False).astype(bool).to_numpy()
    order = np.lexsort((-t["difference"].abs().to_numpy(), ~sig))
    t, sig = t.iloc[order], sig[order]
    n = len(t)
    ax = R.axes(ax, 3 + 2 * min(n, 10))
    fs, k = R.fit(ax, min(n, 10), 2.0, 2.5)
    t, sig = t.iloc[:k], sig[:k]
    pairs = t[[col_a, col_b]].astype(str).drop_duplicates()
    one_pair = len(pairs) == 1
    w, _ = R.size_pt(ax)
    unit = f"{pairs.iloc[0, 1]} − {pairs.iloc[0, 0]}" if one_pair else "difference"
    shown = f", top {k} of {n}" if k < n else ""
    head = R.heading(
        ax,
        [f"{what}: conversion and drop-off{shown}", f"{unit}, % points (filled: significant)"],
        max(fs, 7.5),
    )
    tr = ax.get_yaxis_transform()
    for i, r in enumerate(t.itertuples(index=False)):
        y = head + 2 * i
        label = "conversion" if r.metric == "conversion" else f"drop-off at {r.step}"
        if not one_pair:
            label += f" ({getattr(r, col_b)} vs {getattr(r, col_a)})"
        lo, mid, hi = (100 * float(x) for x in (r.ci_low, r.difference, r.ci_high))
        color = R.STRONG if sig[i] else R.WEAK
        ax.plot([lo, hi], [y + 1.4, y + 1.4], color=color, lw=1.2)
        ax.plot([mid], [y + 1.4], "o", color=color, mfc=color if sig[i] else "white", ms=4)
        ax.text(0.01, y + 0.5, R.shorten(label, w, fs), transform=tr, va="center", fontsize=fs)
    if not n:
        ax.text(0.5, head + 1, "no proportion to compare", transform=tr, ha="center", fontsize=fs)
    # the zero line beside each interval only: never through a label or the heading
    rows = head + 2 * np.arange(max(k, 1))
    ax.vlines(np.zeros(len(rows)), rows + 1.0, rows + 1.8, color="#444444", lw=0.8)
    R.finish(ax, head + 2 * max(k, 1))
    _x_ticks(ax, fs)
    return ax


def _x_ticks(ax: Any, fs: float) -> None:
    """Few enough x ticks for the width: labels of about 5 characters each."""
    from matplotlib.ticker import MaxNLocator

    w, _ = R.size_pt(ax)
    # about one tick label ("-20") per 6 font sizes of width, at most 6
    ax.xaxis.set_major_locator(
        MaxNLocator(nbins=max(2, min(6, int(w // (fs * 6)))), steps=[1, 2, 5, 10])
    )
    ax.tick_params(axis="x", labelsize=fs)


def _require(table: pd.DataFrame, needed: tuple[str, ...], func: str, source: str) -> None:
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InvalidParameterError(
            f"The 'table' parameter of {func} must be a table from {source} "
            f"(columns {list(needed)!r}). Got a table without {missing!r} instead.",
            param="table",
        )


def _pct(x: Any) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{float(x):.0%}"


def _days(td: Any) -> str:
    if td is None or pd.isna(td):
        return "n/a"
    sec = pd.Timedelta(td).total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if sec >= size:
            return f"{sec / size:.1f}{unit}".replace(f".0{unit}", unit)
    return f"{sec:.0f}s"
