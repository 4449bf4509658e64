"""Formal process models from a journey log, via pm4py (an optional extra).

The journey map of :func:`~journeymine.discover` is what journeymine reads and
draws. Users who need a formal model (a Petri net to check conformance against,
a heuristics net) get pm4py's own objects here.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._optional import import_pm4py
from .._validation import check_column, check_number, check_one_of
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY
from ._compute import _steps

__all__ = ["discover_model"]

_METHODS = ("inductive", "heuristics")


def discover_model(
    log: JourneyLog,
    method: str = "inductive",
    *,
    noise_threshold: float = 0.0,
    level: str = ACTIVITY,
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
    if not isinstance(log, JourneyLog):
        raise InvalidParameterError(
            f"The 'log' parameter of {func} must be a JourneyLog. Got {type(log).__name__} instead."
        )
    check_one_of(method, _METHODS, "method", func)
    check_number(noise_threshold, "noise_threshold", func, low=0, high=1)
    check_column(log.columns, level, "level", func)
    if method == "heuristics" and noise_threshold:
        raise InvalidParameterError(
            f"The 'noise_threshold' parameter of {func} applies to method='inductive'. Got "
            f"{noise_threshold!r} with method='heuristics' instead; pass the heuristics miner's "
            "own thresholds, e.g. dependency_threshold=0.9."
        )
    pm4py = import_pm4py(func)
    df = log.to_pm4py()
    if level != ACTIVITY:
        steps = _steps(log, level, False, func)
        df["concept:name"] = np.asarray(steps.labels, dtype=object)[steps.code]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "inductive":
            return pm4py.discover_petri_net_inductive(
                df, noise_threshold=float(noise_threshold), **options
            )
        return pm4py.discover_heuristics_net(df, **options)
