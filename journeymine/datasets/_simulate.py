"""Simulate customer journeys from an explicit journey model.

A :class:`JourneyModel` is a first-order Markov chain over touchpoints: where
journeys start, which touchpoint follows which (including the end of the
journey), how long each step takes (lognormal delays given by a median and a
spread), which touchpoints are goals, and *modifiers* that plant patterns on
top of the chain: silent gaps on one transition (:class:`SilentGap`) and
customer-attribute effects on one touchpoint's next-step probabilities
(:class:`SegmentEffect`). Customers can have several journeys separated by a
long inactivity, and returning customers' journeys can start elsewhere
(``return_start``).

:func:`simulate` steps all journeys at once with numpy (one uniform draw and a
vectorised search per step, no Python loop per journey or per event), so ten
million events take seconds. The same seed gives byte-identical output.

:func:`sample_model` is the realistic model behind
:func:`journeymine.datasets.load_sample`; the patterns it plants and their
rates are in :data:`PLANTED`. :func:`random_model` builds synthetic models for
benchmarks.

Examples
--------
>>> from journeymine.datasets import JourneyModel, simulate
>>> model = JourneyModel(
...     touchpoints={
...         "visit homepage": ("web", "marketing", "inbound"),
...         "view pricing": ("web", "sales", "inbound"),
...         "purchase": ("web", "sales", "inbound"),
...     },
...     start={"visit homepage": 1.0},
...     transitions={
...         "visit homepage": {"view pricing": 0.6, "END": 0.4},
...         "view pricing": {"purchase": 0.5, "END": 0.5},
...     },
...     goals=["purchase"],
...     delays={("view pricing", "purchase"): ("10min", 0.5)},
... )
>>> df = simulate(model, n_journeys=200, seed=1, as_frame=True)
>>> list(df.columns)
['case_id', 'customer_id', 'timestamp', 'activity', 'channel', 'department', 'resource', 'direction']
>>> df["case_id"].nunique()
200
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._journeymodel import (
    TRUTH_COLUMNS,
    Delay,
    JourneyModel,
    SegmentEffect,
    SilentGap,
    Touchpoint,
)
from .._validation import check_number, show_value
from ..derive import new_log
from ..errors import InvalidParameterError
from ..schema import DIRECTIONS

# the model and the sample model live in their own modules; they are re-exported
# here so that ``journeymine.datasets._simulate.X`` (and pickles naming it) keep working
from ._engine import _segment_starts, _simulate_arrays, compiled
from ._sample_model import PLANTED, SAMPLE_SIMULATION, random_model, sample_model

__all__ = [
    "Delay",
    "Touchpoint",
    "SilentGap",
    "SegmentEffect",
    "JourneyModel",
    "sample_model",
    "random_model",
    "simulate",
    "PLANTED",
    "SAMPLE_SIMULATION",
    "TRUTH_COLUMNS",
]


def _ids(prefix: str, n: int, width: int) -> pd.Index:
    width = max(width, len(str(max(n - 1, 0))))
    return pd.Index([f"{prefix}{i:0{width}d}" for i in range(n)], dtype="str")


def _categorical(codes: np.ndarray, categories: Sequence[str] | pd.Index) -> pd.Categorical:
    cats = categories if isinstance(categories, pd.Index) else pd.Index(categories, dtype="str")
    return pd.Categorical.from_codes(codes, categories=cats, validate=False)


def _frame(model: JourneyModel, arrays: dict[str, Any]) -> pd.DataFrame:
    comp = compiled(model)
    states = arrays["states"]
    event_journey = arrays["event_journey"]
    case_codes = event_journey
    customer_codes = arrays["journey_customer"][event_journey]
    ts = pd.DatetimeIndex(arrays["timestamps"].view("M8[ns]")).tz_localize("UTC")
    columns: dict[str, Any] = {
        "case_id": _categorical(case_codes, _ids("J", arrays["n_journeys"], 6)),
        "customer_id": _categorical(customer_codes, _ids("C", arrays["n_customers"], 5)),
        "timestamp": ts,
        "activity": _categorical(states, comp.names),
        "channel": _categorical(comp.channel_codes[states], model.channels),
        "department": _categorical(comp.department_codes[states], model.departments),
        "resource": _categorical(arrays["resource"], comp.resource_names),
        "direction": _categorical(comp.direction_codes[states], DIRECTIONS),
    }
    for attr, codes in arrays["attr_codes"].items():
        values = list(model.attributes[attr])
        columns[attr] = _categorical(codes[arrays["journey_customer"]][event_journey], values)
    return pd.DataFrame(columns, copy=False)


def _truth(model: JourneyModel, arrays: dict[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    comp = compiled(model)
    n = arrays["n_journeys"]
    states = arrays["states"]
    ej = arrays["event_journey"]
    lengths = arrays["lengths"]
    starts = _segment_starts(lengths)
    jc = arrays["journey_customer"]
    number = np.arange(n) - _segment_starts(np.bincount(jc, minlength=arrays["n_customers"]))[jc]
    names = np.asarray(comp.names, dtype=object)
    out: dict[str, Any] = {
        "case_id": frame["case_id"].cat.categories.astype(str),
        "customer_id": frame["customer_id"].cat.categories[jc].astype(str),
        "journey_number": number + 1,
        "n_events": lengths,
        "first_activity": names[states[starts]],
        "last_activity": names[states[starts + lengths - 1]],
        "converted": np.bincount(ej[comp.goal_mask[states]], minlength=n) > 0,
        "ongoing": arrays["ongoing"],
        "truncated": arrays["truncated"],
        "silent_gaps": np.bincount(ej[arrays["silent"]], minlength=n),
    }
    for attr, codes in arrays["attr_codes"].items():
        out[attr] = np.asarray(list(model.attributes[attr]), dtype=object)[codes[jc]]
    for flag, mask in comp.marker_masks.items():
        out[flag] = np.bincount(ej[mask[states]], minlength=n) > 0
    truth = pd.DataFrame(out)
    for col in ("case_id", "customer_id", "first_activity", "last_activity", *arrays["attr_codes"]):
        truth[col] = truth[col].astype("str")
    return truth


def _utc(value: Any, param: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InvalidParameterError(
            f"The {param!r} parameter of simulate must be a date or timestamp such as "
            f"'2025-01-01'. Got {show_value(value)} instead."
        ) from exc
    if ts is pd.NaT:
        raise InvalidParameterError(
            f"The {param!r} parameter of simulate must be a date or timestamp such as "
            f"'2025-01-01'. Got {show_value(value)} instead."
        )
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.as_unit("ns")


def simulate(
    model: JourneyModel | None = None,
    *,
    n_journeys: int = 1000,
    seed: int | None = 0,
    start: Any = "2025-01-01",
    end: Any = None,
    as_frame: bool = False,
    return_truth: bool = False,
) -> Any:
    """Simulate an event log of customer journeys from a journey model.

    All journeys are stepped at once with numpy; ten million events take
    seconds. Customers get ``model.journeys_per_customer`` journeys separated
    by more than ``model.inactivity``. Each customer's first journey starts at
    a random time such that all of their journeys start before ``end``; events
    at or after ``end`` are not observed, and journeys that lose events that
    way are ground-truth ``ongoing``. Timestamps have whole seconds and strictly
    increase within a journey.

    Parameters
    ----------
    model : JourneyModel, optional
        The model; by default :func:`sample_model`. An object with a
        ``to_model()`` method, such as an :class:`~journeymine.AssumedJourney`,
        is converted with it (journeys that go as assumed).
    n_journeys : int, default 1000
        How many journeys to simulate. When a customer's journeys do not fit
        into the window, the waits between them are shortened to just over
        ``model.inactivity``; journeys that still start after ``end`` are left
        out (only with windows shorter than a few journeys).
    seed : int or None, default 0
        The seed of :func:`numpy.random.default_rng`; the same seed gives
        identical output. None draws fresh entropy.
    start, end : str or pandas.Timestamp
        The observation window; naive values are UTC. ``end`` defaults to
        ``start`` plus 365 days.
    as_frame : bool, default False
        Return the pandas DataFrame instead of a :class:`~journeymine.JourneyLog`.
        The log knows which journeys are ongoing (``log.cases["ongoing"]``) and
        ends its observation at ``end``.
    return_truth : bool, default False
        Also return the ground truth, one row per journey.

    Returns
    -------
    JourneyLog or pandas.DataFrame
        The events, sorted by case and timestamp, with columns ``case_id``
        ("J000123"), ``customer_id`` ("C00045"), ``timestamp``
        (datetime64[ns, UTC]), ``activity``, ``channel``, ``department``,
        ``resource`` ("support-3", missing for self-service and automated
        touchpoints), ``direction``, then one column per customer attribute;
        all but ``timestamp`` are categoricals.
    truth : pandas.DataFrame
        Only with ``return_truth=True``. One row per journey in case order:
        ``case_id``, ``customer_id``, ``journey_number`` (1, 2, ... within the
        customer), ``n_events`` (observed), ``first_activity``,
        ``last_activity``, ``converted`` (reached a goal), ``ongoing`` (cut off
        by ``end``), ``truncated`` (cut at ``model.max_events``),
        ``silent_gaps`` (observed waits drawn from a :class:`SilentGap`), then
        the customer attributes and one boolean column per marker of the model.

    Raises
    ------
    InvalidParameterError
        If ``model`` is not a JourneyModel, ``n_journeys`` is not a positive
        integer, or ``end`` is not after ``start``.

    See Also
    --------
    sample_model, random_model, JourneyModel

    Examples
    --------
    >>> from journeymine.datasets import simulate, sample_model
    >>> df, truth = simulate(sample_model(), n_journeys=300, seed=7, as_frame=True,
    ...                      return_truth=True)
    >>> df[["case_id", "customer_id", "activity", "channel"]].head(3)
       case_id customer_id        activity channel
    0  J000000      C00000        ad click     web
    1  J000000      C00000  visit homepage     web
    2  J000000      C00000     start trial     web
    >>> str(df["timestamp"].dtype)
    'datetime64[ns, UTC]'
    >>> truth[["case_id", "n_events", "converted", "ongoing"]].head(2)
       case_id  n_events  converted  ongoing
    0  J000000        12       True    False
    1  J000001         1      False    False
    >>> simulate(sample_model(), n_journeys=300, seed=7, as_frame=True).equals(df)
    True

    The JourneyLog (the default) knows which journeys were cut off:

    >>> log = simulate(sample_model(), n_journeys=300, seed=7)
    >>> log.n_cases
    300
    """
    f = "simulate"
    if model is None:
        model = sample_model()
    if not isinstance(model, JourneyModel) and hasattr(model, "to_model"):
        model = model.to_model()
    if not isinstance(model, JourneyModel):
        raise InvalidParameterError(
            f"The 'model' parameter of {f} must be a JourneyModel or None. "
            f"Got {show_value(model)} of type {type(model).__name__} instead."
        )
    check_number(n_journeys, "n_journeys", f, low=1, integer=True)
    if seed is not None:
        check_number(seed, "seed", f, low=0, integer=True)
    t_start = _utc(start, "start")
    t_end = t_start + pd.Timedelta(days=365) if end is None else _utc(end, "end")
    if t_end <= t_start + pd.Timedelta(seconds=1):
        raise InvalidParameterError(
            f"The 'end' parameter of {f} must be after 'start' ({t_start}). "
            f"Got {show_value(end)} instead."
        )
    arrays = _simulate_arrays(model, int(n_journeys), seed, t_start.value, t_end.value)
    frame = _frame(model, arrays)
    truth = _truth(model, arrays, frame) if return_truth else None
    result: Any = frame
    if not as_frame:
        ongoing = frame["case_id"].cat.categories[arrays["ongoing"]]
        del arrays
        result = _to_log(
            frame, list(model.attributes), name=model.name, ongoing=ongoing, observation_end=t_end
        )
    return (result, truth) if return_truth else result


def _to_log(
    frame: pd.DataFrame,
    extra: list[str],
    *,
    name: str,
    ongoing: Iterable[str] = (),
    observation_end: pd.Timestamp | None = None,
) -> Any:
    """The JourneyLog of a simulated frame, with the known ongoing journeys and window end."""
    from ..io.pandas import from_pandas

    log = from_pandas(
        frame,
        case="case_id",
        customer="customer_id",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        department="department",
        resource="resource",
        direction="direction",
        keep=extra or None,
        name=name,
    )
    cases = log.events["case_id"].cat.categories
    flags = np.zeros(len(cases), dtype=bool)
    found = pd.Index(cases).get_indexer(pd.Index(list(ongoing), dtype=object))
    flags[found[found >= 0]] = True
    return new_log(log, ongoing=flags, observation_end=observation_end)
