"""Formal process models from a journey log, via pm4py (an optional extra).

The journey map of :func:`~journeymine.discover` is what journeymine reads and
draws. Users who need a formal model (a Petri net to check conformance against,
a heuristics net) get pm4py's own objects here.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_pm4py
from .._validation import Interval, Options, check_column, validate_params
from ..derive import arrays
from ..errors import DataError, InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY
from ._compute import _steps

__all__ = ["discover_model"]

_METHODS = ("inductive", "heuristics")


@validate_params(
    {
        "log": ["log"],
        "method": [Options(*_METHODS)],
        "noise_threshold": [Interval(float, 0, 1)],
        "level": ["column"],
        "max_events": [Interval(int, 1, None), None],
        "max_journey_length": [Interval(int, 1, None), None],
    }
)
def discover_model(
    log: JourneyLog,
    method: str = "inductive",
    *,
    noise_threshold: float = 0.0,
    level: str = ACTIVITY,
    max_events: int | None = 2_000_000,
    max_journey_length: int | None = 10_000,
    **options: Any,
) -> Any:
    """Discover a formal process model with pm4py.

    Parameters
    ----------
    log : JourneyLog
    method : {"inductive", "heuristics"}, default "inductive"
        ``"inductive"``: pm4py's inductive miner, a sound Petri net.
        ``"heuristics"``: pm4py's heuristics miner, a ``HeuristicsNet`` (robust to
        noise; draw it with ``pm4py.view_heuristics_net``).
    noise_threshold : float in [0, 1], default 0.0
        The inductive miner's noise filter (0 keeps every behaviour). The heuristics
        miner has its own thresholds: pass them as ``options``
        (e.g. ``dependency_threshold=0.9``); a non-zero ``noise_threshold`` with
        ``method="heuristics"`` is an error.
    level : str, default "activity"
        The event column whose values are the model's activities (missing values
        become ``"(missing)"``).
    max_events : int or None, default 2,000,000
        Size guard: a log with more events is refused before pm4py runs (pm4py's
        miners hold the whole log in memory). ``None`` lifts the guard.
    max_journey_length : int or None, default 10,000
        Size guard: a log whose longest journey has more events is refused before
        pm4py runs. pm4py's miners grow much faster than linearly with the length of
        a journey (one journey of 20,000 events takes seconds, one of 60,000 more than
        two minutes); filter or split such journeys first
        (:func:`~journeymine.split_journeys`), or pass ``None`` to lift the guard.
    **options
        Passed on to ``pm4py.discover_petri_net_inductive`` or
        ``pm4py.discover_heuristics_net``.

    Returns
    -------
    tuple (PetriNet, Marking, Marking) or HeuristicsNet
        For ``"inductive"``, the net with its initial and final markings
        ``(net, im, fm)``; for ``"heuristics"``, the heuristics net.

    Raises
    ------
    MissingDependencyError
        pm4py is not installed (``pip install 'journeymine[pm4py]'``).
    DataError
        The log is larger than ``max_events`` or ``max_journey_length`` allow.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["x", "x", "y", "y"], "a": ["A", "B", "A", "B"],
    ...                    "t": pd.date_range("2025-01-01", periods=4, freq="h")})
    >>> net, im, fm = jm.discover_model(jm.from_pandas(df, case="c", activity="a", timestamp="t"))
    >>> sorted(t.label for t in net.transitions if t.label)
    ['A', 'B']
    """
    func = "discover_model"
    check_column(log.columns, level, "level", func)
    _check_size(log, max_events, max_journey_length, func)
    if method == "heuristics" and noise_threshold:
        raise InvalidParameterError(
            f"The 'noise_threshold' parameter of {func} applies to method='inductive'. Got "
            f"{noise_threshold!r} with method='heuristics' instead; pass the heuristics miner's "
            "own thresholds, e.g. dependency_threshold=0.9."
        )
    pm4py = import_pm4py(func)
    df = log.to_pm4py()
    if level != ACTIVITY:
        steps = _steps(log, level, False)
        df["concept:name"] = np.asarray(steps.labels, dtype=object)[steps.code]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "inductive":
            return pm4py.discover_petri_net_inductive(
                df, noise_threshold=float(noise_threshold), **options
            )
        return pm4py.discover_heuristics_net(df, **options)


def _check_size(log: JourneyLog, max_events: Any, max_length: Any, func: str) -> None:
    """Refuse logs beyond the documented size guard of :func:`discover_model`."""
    if max_events is not None:
        if len(log) > max_events:
            raise DataError(
                f"{func} refuses a log of {len(log):,} events: the size guard 'max_events' is "
                f"{max_events:,}. Filter the log first, or pass max_events=None to lift the guard."
            )
    if max_length is not None:
        lengths = np.diff(log.case_offsets)
        longest = int(lengths.max()) if log.n_cases else 0
        if longest > max_length:
            too_long = np.flatnonzero(lengths > max_length)
            raise DataError(
                f"{func} refuses a log whose longest journey has {longest:,} events: the size "
                f"guard 'max_journey_length' is {max_length:,} (pm4py's miners slow down much "
                "faster than linearly with journey length). Split or filter long journeys "
                "first, or pass max_journey_length=None to lift the guard. The journeys "
                "over the guard are in the error's failure_cases.",
                failure_cases=pd.DataFrame(
                    {
                        "case_id": arrays(log).case_ids[too_long],
                        "events": lengths[too_long].astype(np.int64),
                    }
                ),
            )
