"""The drill-down: which journeys are behind a row of a findings table."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._validation import to_timedelta, validate_params
from ..derive import arrays
from ..errors import DataQualityWarning, InvalidParameterError
from ..log import JourneyLog
from . import _common as C
from . import _members as M
from ._provenance import KEY, log_token
from .funnels import _dropped, _reach, _step_codes
from .gaps import _silent
from .ranking import _problems
from .repeats import _repeats
from .transfers import _DEFAULT_WINDOW, _handoffs

__all__ = ["affected_journeys"]

_FUNC = "affected_journeys"
_TABLES = (
    "pain_points",
    "dropoffs",
    "funnel",
    "handoffs",
    "silent_gaps_summary",
    "dead_ends",
    "repeat_contacts",
    "loops",
)


@validate_params({"log": ["log"], "reached": ["boolean"]})
def affected_journeys(log: JourneyLog, finding: Any, *, reached: bool = False) -> pd.Index:
    """The journeys behind one row of a findings table, to look at them one by one.

    ``finding`` is a row (``table.iloc[i]``, or a row from ``table.iterrows()``) of
    a table computed on ``log`` by one of the analyzers below; the table remembers
    what produced it (``table.attrs["journeymine"]``), so the same settings are used.

    ======================  =====================================================
    table                   journeys returned for a row
    ======================  =====================================================
    :func:`pain_points`     the problem's affected journeys (for a merged row, the
                            union of its members' journeys; for ``post_goal_contact``
                            those that converted there and contacted again)
    :func:`dropoffs`        those lost there (ended there, finished, unconverted);
                            ``reached=True``: all that reached the touchpoint
    :func:`funnel`          those that reached the step and not the next (none at
                            the last step); ``reached=True``: all that reached it
    :func:`handoffs`        those with at least one ``from -> to`` handoff
    :func:`silent_gaps_     those with at least one silent gap on the transition
    summary`
    :func:`dead_ends`       those visiting the touchpoint before converting (or
                            never converting): the ``journeys`` column
    :func:`repeat_contacts` those with a repeat ``from -> to`` (pairs, not chains)
    :func:`loops`           those visiting the touchpoint more than once
    ======================  =====================================================

    The number of journeys returned equals the row's own count (``lost``,
    ``dropped``, ``journeys``, ``looping_journeys``, ``journeys_affected``, ...).

    Parameters
    ----------
    log : JourneyLog
        The log the table was computed on.
    finding : pandas.Series
        One row of the table (a one-row DataFrame is accepted too).
    reached : bool, default False
        For :func:`dropoffs` and :func:`funnel` rows: the journeys that reached the
        touchpoint or step instead of those lost there.

    Returns
    -------
    pandas.Index
        The ``case_id`` labels of the journeys, in the log's journey order (sorted by
        case id), named ``"case_id"``; select them with ``log.select_cases(...)``.

    Raises
    ------
    InvalidParameterError
        If ``finding`` is not a row of a findings table (no ``attrs``), comes from
        another log, or lacks its key columns; or ``reached`` is given for a table
        other than dropoffs or funnel.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b", "b", "c"],
    ...     "tp": ["home", "checkout", "purchase", "home", "checkout", "home"],
    ...     "t": pd.date_range("2025-01-01", periods=6, freq="h"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> d = jm.dropoffs(log, goal="purchase")
    >>> d.iloc[0]["touchpoint"], list(jm.affected_journeys(log, d.iloc[0]))
    ('checkout', ['b'])
    >>> list(jm.affected_journeys(log, d.iloc[0], reached=True))
    ['a', 'b']
    """
    row = _row(finding)
    info = row.attrs.get(KEY)
    if not isinstance(info, dict) or info.get("analysis") not in _TABLES:
        raise InvalidParameterError(
            f"The 'finding' parameter of {_FUNC} must be a row of a findings table of "
            f"journeymine ({', '.join(_TABLES)}), taken with .iloc[i] or iterrows(), which "
            f"remembers what produced it. Got a {type(finding).__name__} without that "
            "provenance instead (rows rebuilt by hand or saved to a file lose it).",
            param="finding",
        )
    if info.get("log") != log_token(log):
        raise InvalidParameterError(
            f"The 'finding' parameter of {_FUNC} must be a row of a table computed on this "
            f"log. Got a row of a {info['analysis']} table computed on another log instead "
            "(compute the table again on this log).",
            param="finding",
        )
    name, params = info["analysis"], info["params"]
    if reached and name not in ("dropoffs", "funnel"):
        raise InvalidParameterError(
            f"The 'reached' parameter of {_FUNC} applies to rows of dropoffs and funnel. "
            f"Got reached=True for a row of {name} instead.",
            param="reached",
        )
    cases = _CASES[name](log, row, params, reached)
    cats = arrays(log).case_ids
    return pd.Index(cats[np.unique(np.asarray(cases, dtype=np.int64))], name="case_id")


def _row(finding: Any) -> pd.Series:
    if isinstance(finding, pd.DataFrame) and len(finding) == 1:
        return finding.iloc[0]
    if isinstance(finding, pd.Series):
        return finding
    raise InvalidParameterError(
        f"The 'finding' parameter of {_FUNC} must be one row of a findings table (a Series, "
        f"e.g. table.iloc[0]). Got {_what(finding)} instead."
    )


def _what(x: Any) -> str:
    if isinstance(x, pd.DataFrame):
        return f"a DataFrame with {len(x)} rows"
    return f"a {type(x).__name__}"


def _get(row: pd.Series, column: str, name: str) -> Any:
    if column not in row.index:
        raise InvalidParameterError(
            f"The 'finding' parameter of {_FUNC} must keep the key columns of its table. "
            f"Got a row of {name} without the {column!r} column instead."
        )
    value = row[column]
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else value


def _code(log: JourneyLog, level: str, value: Any) -> int:
    _, labels = C.level_codes(log, level, _FUNC)
    idx = pd.Index([str(x) for x in labels]).get_indexer([str(value)])
    return int(idx[0])


def _which(table: pd.DataFrame, row: pd.Series, columns: tuple[str, ...], name: str) -> int:
    """The position in ``table`` of the row whose ``columns`` equal ``row``'s."""
    hit = np.ones(len(table), dtype=bool)
    for c in columns:
        want = _get(row, c, name)
        col = table[c].to_numpy(dtype=object)
        hit &= np.asarray([(v is None and want is None) or v == want for v in col], dtype=bool)
    pos = np.flatnonzero(hit)
    if not len(pos):
        keys = ", ".join(f"{c}={_get(row, c, name)!r}" for c in columns)
        raise InvalidParameterError(
            f"The 'finding' parameter of {_FUNC} must be a row of its table. Got a row "
            f"({keys}) that {name} does not give on this log with the same settings instead."
        )
    return int(pos[0])


# --------------------------------------------------------------------------- one per table


def _pain_points(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    win = to_timedelta(p["window"], "window", _FUNC, allow_none=False)
    flo = to_timedelta(p["floor"], "floor", _FUNC, allow_none=True, positive=False)
    skip = tuple(C.names(p["self_service"]))
    after = to_timedelta(p["after_goal"], "after_goal", _FUNC, allow_none=True)
    table, sets = _problems(
        log,
        p["goal"],
        p["level"],
        p["department"],
        win,
        p["min_journeys"],
        p["factor"],
        flo or pd.Timedelta(0),
        skip,
        p.get("baselines"),
        after,
    )
    return sets[_which(table, row, ("kind", "where"), "pain_points")]


def _dropoffs(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    vcase, vval, _, _ = M.visit_pairs(log, p["level"])
    at = vval == _code(log, p["level"], _get(row, "touchpoint", "dropoffs"))
    if not reached:
        at &= M.lost_at(log, C.outcome(log, p["goal"], _FUNC), p["level"], _FUNC)
    return vcase[at]


def _funnel(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    if p.get("optional") is not None or p.get("by") is not None:
        raise InvalidParameterError(
            f"The 'finding' parameter of {_FUNC} must be a row of a funnel without optional "
            "steps or a breakdown (by=). Got a row of such a funnel instead.",
            param="finding",
        )
    codes = _step_codes(log, p["steps"], _FUNC)
    win = to_timedelta(p["within"], "within", _FUNC)
    excl = p.get("exclude")
    excl = None if excl is None else _step_codes(log, C.names(excl), _FUNC, "exclude")
    win_ns = None if win is None else win.value
    cand_case, chosen, _ = _reach(log, codes, p["mode"], win_ns, _FUNC, exclude=excl)
    k = int(_get(row, "step", "funnel")) - 1
    if reached:
        return cand_case[chosen[k]]
    if k == len(codes) - 1:
        return np.zeros(0, dtype=np.int64)
    return cand_case[_dropped(log, cand_case, chosen, k)]


def _handoff_cases(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    window = p.get("window")
    win = _DEFAULT_WINDOW if window is None else to_timedelta(window, "window", _FUNC)
    with warnings.catch_warnings():  # handoffs warned already, when the table was made
        warnings.simplefilter("ignore", DataQualityWarning)
        _, parts = _handoffs(
            log,
            p["level"],
            p["goal"],
            win,
            p["self_service"],
            _FUNC,
            min_handoffs=p.get("min_handoffs", 20),
        )
    a = _code(log, p["level"], _get(row, "from", "handoffs"))
    b = _code(log, p["level"], _get(row, "to", "handoffs"))
    L = max(len(C.level_codes(log, p["level"], _FUNC)[1]), 1)
    hit = np.flatnonzero(parts["uniq"] == a * L + b)
    if a < 0 or b < 0 or not len(hit):
        return np.zeros(0, dtype=np.int64)
    return parts["case"][parts["inv"] == hit[0]]


def _silent_cases(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    args = (p["threshold"], p["factor"], p["floor"], p["min_gaps"], p["level"], _FUNC)
    extra = {"baselines": p["baselines"]} if p.get("baselines") is not None else {}
    _, summary, it = _silent(log, *args, **extra)
    r = _which(summary, row, ("from_activity", "to_activity"), "silent_gaps_summary")
    return it["case_silent"][it["row_silent"] == r]


def _dead_ends(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    vcase, vval, _, _ = M.visit_pairs(log, p["level"])
    at = vval == _code(log, p["level"], _get(row, "touchpoint", "dead_ends"))
    return vcase[at & M.at_risk(log, C.outcome(log, p["goal"], _FUNC), p["level"])]


def _repeat_cases(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    if p["chains"]:
        raise InvalidParameterError(
            f"The 'finding' parameter of {_FUNC} must be a row of repeat_contacts by pair. "
            "Got a row of repeat_contacts(chains=True) instead (ask for the pairs)."
        )
    table, it = _repeats(log, p["window"], p["level"], p["self_service"], False, _FUNC)
    r = _which(table, row, ("from", "to"), "repeat_contacts")
    return it["case_repeat"][it["row_repeat"] == r]


def _loops(log: JourneyLog, row: pd.Series, p: dict[str, Any], reached: bool) -> Any:
    vcase, vval, _, nv = M.visit_pairs(log, p["level"])
    return vcase[(vval == _code(log, p["level"], _get(row, "touchpoint", "loops"))) & (nv > 1)]


_CASES = {
    "pain_points": _pain_points,
    "dropoffs": _dropoffs,
    "funnel": _funnel,
    "handoffs": _handoff_cases,
    "silent_gaps_summary": _silent_cases,
    "dead_ends": _dead_ends,
    "repeat_contacts": _repeat_cases,
    "loops": _loops,
}
