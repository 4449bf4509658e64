"""Periods against periods: how the journey map changed from one period to the next.

:func:`compare_periods` assigns every journey to a period by its start, and for
each pair of consecutive periods reports new and vanished transitions and paths,
transitions whose share changed, and the changes in conversion, timing, handoffs
and per-step drop-off, tested as in :func:`~journeymine.compare_segments`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._html import html_table
from .._kernels import case_variants, distinct, group_quantiles, positions
from .._validation import Interval, check_column, show_value, validate_params
from ..derive import Goal, arrays, event_times
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY, END, START
from ._common import path_text
from .segments import _scipy_stats, _table_test, segment_differences

__all__ = ["compare_periods", "PeriodComparison"]


@dataclass(frozen=True, repr=False)
class PeriodComparison:
    """How the journey map changed between periods (made by :func:`compare_periods`).

    Attributes
    ----------
    periods : DataFrame
        One row per period: ``period``, ``journeys``, ``events``, ``first_start``,
        ``last_start``, ``conversion`` (with a goal), ``median_duration``, ``variants``.
    transitions : DataFrame
        Per period and transition (START and END included): ``period``, ``source``,
        ``target``, ``transitions``, ``journeys``, ``share`` (of the period's
        journeys), ``median_gap``.
    changes : DataFrame
        Per pair of consecutive periods and transition: ``period_a``, ``period_b``,
        ``source``, ``target``, ``journeys_a``/``journeys_b``, ``share_a``/``share_b``,
        ``change``, ``median_gap_a``/``median_gap_b``, ``p_value``, ``p_adjusted``,
        ``significant`` and ``status``: ``new`` (not in a, in b), ``vanished`` (in a,
        not in b), ``changed`` (significant change of share) or ``stable``.
    paths : DataFrame
        The same for whole paths (variants): ``period_a``, ``period_b``, ``path``,
        ``journeys_a``/``journeys_b``, ``share_a``/``share_b``, ``change``, ``status``
        (the most frequent paths of each pair).
    metrics : DataFrame
        Conversion, duration, handoffs, drop-off and next step per step, period b
        against period a, in the layout of ``SegmentComparison.differences``.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> result = jm.compare_periods(log, split="2025-07-01", goal="purchase")
    >>> isinstance(result, jm.PeriodComparison), len(result.periods)
    (True, 2)
    """

    periods: pd.DataFrame
    transitions: pd.DataFrame
    changes: pd.DataFrame
    paths: pd.DataFrame
    metrics: pd.DataFrame
    alpha: float

    def __repr__(self) -> str:
        st = self.changes["status"].value_counts()
        return (
            f"PeriodComparison({len(self.periods)} periods: {int(st.get('new', 0))} new, "
            f"{int(st.get('vanished', 0))} vanished and {int(st.get('changed', 0))} changed transitions; "
            f"{int(self.metrics['significant'].sum())} significant metric changes)"
        )

    def _repr_html_(self) -> str:
        import html

        ch = self.changes[self.changes["status"] != "stable"]
        sig = self.metrics[self.metrics["significant"]]
        cols = ["metric", "step", "period_a", "period_b", "value_a", "value_b", "p_adjusted"]
        return (
            f"<div><p><b>{html.escape(repr(self))}</b></p>{html_table(self.periods, 24)}"
            f"<p>Transitions that appeared, vanished or changed</p>{html_table(ch, 20)}"
            f"<p>Significant changes</p>{html_table(sig[cols], 20)}</div>"
        )


@validate_params(
    {
        "log": ["log"],
        "goal": ["goal", "predicate", None],
        "level": ["column"],
        "alpha": [Interval(float, 0.0, 1.0, closed="right")],
        "min_journeys": [Interval(int, 2, None)],
        "top_paths": [Interval(int, 1, None)],
    }
)
def compare_periods(
    log: JourneyLog,
    *,
    split: Any,
    goal: Goal | None = None,
    level: str = ACTIVITY,
    alpha: float = 0.05,
    min_journeys: int = 20,
    top_paths: int = 20,
) -> PeriodComparison:
    """Compare the journey map between periods (journeys belong to the period they start in).

    Parameters
    ----------
    log : JourneyLog
    split : date, list of dates, or frequency
        A date (``"2025-07-01"``) gives two periods, before and from it; a list of
        dates gives the periods between them; a frequency (``"M"``, ``"MS"``,
        ``"W"``, ``"Q"``, ``"Y"``) gives calendar periods, for teams that re-run the
        comparison every month.
    goal : str, list of str or callable, optional
        What counts as conversion.
    level : str, default "activity"
        The event column whose values are the map's nodes.
    alpha : float, default 0.05
        False discovery rate (Benjamini-Hochberg) for ``significant``.
    min_journeys : int, default 20
        Periods (and steps) with fewer finished journeys are marked and not tested.
    top_paths : int, default 20
        How many of the most frequent paths each pair of periods lists.

    Returns
    -------
    PeriodComparison

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> res = jm.compare_periods(log, split="2025-07-01", goal="purchase")
    >>> res.periods["period"].tolist()
    ['before 2025-07-01', 'from 2025-07-01']
    >>> set(res.changes["status"]) <= {"new", "vanished", "changed", "stable"}
    True
    """
    func = "compare_periods"
    check_column(log.columns, level, "level", func)
    ts = event_times(log)
    start = ts[arrays(log).offsets[:-1]] if log.n_cases else np.zeros(0, np.int64)
    period, names = _assign(start, split, func)
    n_p = len(names)
    pairs = [(i, i + 1) for i in range(n_p - 1)]
    seg_table, metrics = segment_differences(
        log,
        period,
        names,
        pairs,
        goal=goal,
        alpha=alpha,
        min_journeys=min_journeys,
        level=level,
        func=func,
    )
    lens = np.diff(arrays(log).offsets)
    periods = pd.DataFrame(
        {
            "period": names,
            "journeys": seg_table["journeys"].to_numpy(),
            "events": np.bincount(period, weights=lens, minlength=n_p).astype(np.int64),
            "first_start": pd.to_datetime([start[period == i].min() for i in range(n_p)], utc=True),
            "last_start": pd.to_datetime([start[period == i].max() for i in range(n_p)], utc=True),
        }
    )
    for col in ("conversion", "median_duration"):
        if col in seg_table:
            periods[col] = seg_table[col].to_numpy()
    codes, labels = arrays(log).codes(level, func), arrays(log).labels(level, func)
    codes = np.asarray(codes, dtype=np.int64)
    var, rep = case_variants(codes, arrays(log).offsets)
    pv = distinct(period * (int(var.max()) + 1 if len(var) else 1) + var)
    periods["variants"] = np.bincount(pv // (int(var.max()) + 1 if len(var) else 1), minlength=n_p)
    transitions = _transitions(log, codes, labels, period, names)
    changes = _changes(transitions, periods, pairs, names, alpha)
    paths = _paths(log, codes, labels, var, rep, period, names, pairs, top_paths)
    return PeriodComparison(
        periods=periods,
        transitions=transitions,
        changes=changes,
        paths=paths,
        metrics=metrics.rename(columns={"segment_a": "period_a", "segment_b": "period_b"}),
        alpha=float(alpha),
    )


def _assign(start: np.ndarray, split: Any, func: str) -> tuple[np.ndarray, list[str]]:
    """Period index of each journey (by its start) and the period labels, in time order."""
    if isinstance(split, str) and _is_freq(split):
        naive = pd.Series(pd.to_datetime(start, unit="ns"))
        per = None
        for f in (split, re.sub(r"(?<=[MQYA])[SE]$", "", split)):
            try:
                per = naive.dt.to_period(f)
                break
            except (ValueError, TypeError):
                continue
        if per is None:
            raise InvalidParameterError(
                f"The 'split' parameter of {func} must be a date, a list of dates or a period "
                f"frequency such as 'M', 'W' or 'Q'. Got {split!r}, a frequency periods cannot use."
            )
        codes, uniques = pd.factorize(per, sort=True)
        return codes.astype(np.int64), [str(u) for u in uniques]
    dates = split if isinstance(split, Sequence) and not isinstance(split, str) else [split]
    if not dates:
        raise InvalidParameterError(
            f"The 'split' parameter of {func} must not be empty. Got {split!r} instead."
        )
    cuts = []
    for d in dates:
        try:
            t = pd.Timestamp(d)
        except (ValueError, TypeError) as exc:
            raise InvalidParameterError(
                f"The 'split' parameter of {func} must be a date, a list of dates or a period "
                f"frequency such as 'M', 'W' or 'Q'. Got {show_value(d)} instead."
            ) from exc
        if t is pd.NaT:
            raise InvalidParameterError(
                f"The 'split' parameter of {func} must be a date. Got {show_value(d)} instead."
            )
        cuts.append(t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC"))
    cuts = sorted(set(cuts))
    edges = np.asarray([c.value for c in cuts], dtype=np.int64)
    idx = np.searchsorted(edges, start, side="right")
    fmt = [_fmt(c) for c in cuts]
    labels = [f"before {fmt[0]}"] + [f"{fmt[i]} to {fmt[i + 1]}" for i in range(len(fmt) - 1)]
    labels.append(f"from {fmt[-1]}")
    present = distinct(idx)
    remap = np.full(len(labels), -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    return remap[idx], [labels[i] for i in present]


def _fmt(t: pd.Timestamp) -> str:
    return f"{t:%Y-%m-%d}" if t == t.normalize() else f"{t:%Y-%m-%d %H:%M}"


def _is_freq(text: str) -> bool:
    try:
        pd.Timestamp(text)
        return False
    except (ValueError, TypeError):
        pass
    try:
        pd.tseries.frequencies.to_offset(text)
        return True
    except (ValueError, TypeError):
        pass
    try:
        pd.Period("2025-01-01", freq=text)
        return True
    except (ValueError, TypeError):
        return False


def _transitions(
    log: JourneyLog, codes: np.ndarray, labels: Any, period: np.ndarray, names: list[str]
) -> pd.DataFrame:
    n_l = len(labels)
    node_names = [*(str(x) for x in labels), "(missing)", START, END]
    n_nodes = len(node_names)
    node = np.where(codes >= 0, codes, n_l)
    off = arrays(log).offsets
    case, _ = positions(off)
    ts = event_times(log)
    inner = np.flatnonzero(case[1:] == case[:-1]) if len(case) > 1 else np.zeros(0, np.int64)
    fin = np.flatnonzero(~np.asarray(arrays(log).ongoing, dtype=bool))
    n = log.n_cases
    src = np.r_[np.full(n, n_nodes - 2), node[inner], node[off[1:][fin] - 1]]
    dst = np.r_[
        node[off[:-1]] if n else np.zeros(0, np.int64),
        node[inner + 1],
        np.full(len(fin), n_nodes - 1),
    ]
    cas = np.r_[np.arange(n), case[inner], fin]
    gap = np.r_[
        np.full(n, np.nan), (ts[inner + 1] - ts[inner]).astype(float), np.full(len(fin), np.nan)
    ]
    key = period[cas] * (n_nodes * n_nodes) + src * n_nodes + dst
    uk, inv, cnt = np.unique(key, return_inverse=True, return_counts=True)
    journeys = (
        np.bincount(distinct(cas * len(uk) + inv) % len(uk), minlength=len(uk)) if len(uk) else cnt
    )
    has = ~np.isnan(gap)
    med = group_quantiles(inv[has], gap[has], len(uk), [0.5])[:, 0]
    per_j = np.bincount(period, minlength=len(names))
    p = uk // (n_nodes * n_nodes)
    pair = uk % (n_nodes * n_nodes)
    return pd.DataFrame(
        {
            "period": [names[i] for i in p],
            "source": [node_names[i] for i in pair // n_nodes],
            "target": [node_names[i] for i in pair % n_nodes],
            "transitions": cnt.astype(np.int64),
            "journeys": journeys.astype(np.int64),
            "share": journeys / np.maximum(per_j[p], 1),
            "median_gap": pd.to_timedelta(med, unit="ns"),
        }
    )


def _changes(
    transitions: pd.DataFrame,
    periods: pd.DataFrame,
    pairs: list[tuple[int, int]],
    names: list[str],
    alpha: float,
) -> pd.DataFrame:
    n_j = dict(zip(periods["period"], periods["journeys"], strict=True))
    parts = []
    for a, b in pairs:
        ta = transitions[transitions["period"] == names[a]].set_index(["source", "target"])
        tb = transitions[transitions["period"] == names[b]].set_index(["source", "target"])
        idx = ta.index.union(tb.index)
        ja = ta["journeys"].reindex(idx, fill_value=0).to_numpy()
        jb = tb["journeys"].reindex(idx, fill_value=0).to_numpy()
        na, nb = n_j[names[a]], n_j[names[b]]
        frame = pd.DataFrame(
            {
                "period_a": names[a],
                "period_b": names[b],
                "source": idx.get_level_values(0),
                "target": idx.get_level_values(1),
                "journeys_a": ja,
                "journeys_b": jb,
                "share_a": ja / max(na, 1),
                "share_b": jb / max(nb, 1),
                "median_gap_a": ta["median_gap"].reindex(idx).to_numpy(),
                "median_gap_b": tb["median_gap"].reindex(idx).to_numpy(),
            }
        )
        frame["change"] = frame["share_b"] - frame["share_a"]
        frame["p_value"] = [
            _table_test(np.array([[x, na - x], [y, nb - y]]))[1]
            for x, y in zip(ja, jb, strict=True)
        ]
        parts.append(frame)
    cols = [
        "period_a",
        "period_b",
        "source",
        "target",
        "journeys_a",
        "journeys_b",
        "share_a",
        "share_b",
        "change",
        "median_gap_a",
        "median_gap_b",
        "p_value",
        "p_adjusted",
        "significant",
        "status",
    ]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    p = out["p_value"].to_numpy(float)
    out["p_adjusted"] = _scipy_stats().false_discovery_control(p, method="bh") if len(p) else p
    out["significant"] = out["p_adjusted"] < alpha
    out["status"] = np.select(
        [out["journeys_a"].eq(0), out["journeys_b"].eq(0), out["significant"]],
        ["new", "vanished", "changed"],
        default="stable",
    )
    out = out.sort_values(
        ["period_a", "status", "change"],
        key=lambda s: s.abs() if s.name == "change" else s,
        ascending=[True, True, False],
        kind="stable",
    )
    return out[cols].reset_index(drop=True)


def _paths(
    log: JourneyLog,
    codes: np.ndarray,
    labels: Any,
    var: np.ndarray,
    rep: np.ndarray,
    period: np.ndarray,
    names: list[str],
    pairs: list[tuple[int, int]],
    top: int,
) -> pd.DataFrame:
    n_v = len(rep)
    counts = np.bincount(period * n_v + var, minlength=len(names) * n_v).reshape(len(names), n_v)
    per_j = counts.sum(1)
    off = arrays(log).offsets
    rows = []
    for a, b in pairs:
        sa, sb = counts[a] / max(per_j[a], 1), counts[b] / max(per_j[b], 1)
        order = np.lexsort((np.arange(n_v), -np.maximum(sa, sb)))[:top]
        for v in order:
            if counts[a, v] + counts[b, v] == 0:
                continue
            status = "new" if counts[a, v] == 0 else "vanished" if counts[b, v] == 0 else "both"
            rows.append(
                {
                    "period_a": names[a],
                    "period_b": names[b],
                    "path": path_text(labels, codes[off[rep[v]] : off[rep[v] + 1]]),
                    "journeys_a": int(counts[a, v]),
                    "journeys_b": int(counts[b, v]),
                    "share_a": float(sa[v]),
                    "share_b": float(sb[v]),
                    "change": float(sb[v] - sa[v]),
                    "status": status,
                }
            )
    cols = [
        "period_a",
        "period_b",
        "path",
        "journeys_a",
        "journeys_b",
        "share_a",
        "share_b",
        "change",
        "status",
    ]
    return pd.DataFrame(rows, columns=cols)
