"""The building blocks of a journey model and the checks that read model fields.

:class:`Touchpoint` (a state), :class:`Delay` (a lognormal wait) and the two
modifiers :class:`SilentGap` and :class:`SegmentEffect`, plus the private
helpers that validate and coerce the plain-Python forms of model fields
(probability rows, distributions, delays, touchpoint lists, modifier dicts).
:class:`~journeymine.datasets.JourneyModel` (in ``_model.py``) is built from
them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_number, near_matches, show_value, to_timedelta
from ..errors import InvalidParameterError
from ..schema import DIRECTIONS
from ..schema import END as _GRAPH_END

__all__ = [
    "Delay",
    "Touchpoint",
    "SilentGap",
    "SegmentEffect",
    "TRUTH_COLUMNS",
]

END_STATE = "END"
START_STATE = "START"
RETURN_STATE = "RETURN"
_END_ALIASES = (END_STATE, _GRAPH_END)
_TOL = 1e-6

#: The columns of the ground-truth table ``simulate(..., return_truth=True)``
#: returns, before the customer attributes and the model's markers.
TRUTH_COLUMNS: tuple[str, ...] = (
    "case_id",
    "customer_id",
    "journey_number",
    "n_events",
    "first_activity",
    "last_activity",
    "converted",
    "ongoing",
    "truncated",
    "silent_gaps",
)


# --------------------------------------------------------------------------- building blocks


@dataclass(frozen=True)
class Delay:
    """A lognormal waiting time: ``median * exp(spread * z)`` with ``z`` standard normal.

    Parameters
    ----------
    median : str or pandas.Timedelta
        The median waiting time, e.g. ``"4h"`` or ``"14D"``.
    spread : float, default 1.0
        The standard deviation of the log of the waiting time (0 gives a fixed
        delay). With 1.0, 90% of waits lie between 0.19 and 5.2 times the median.

    Examples
    --------
    >>> Delay("4h", 0.5)
    Delay(median='0 days 04:00:00', spread=0.5)
    """

    median: pd.Timedelta
    spread: float = 1.0

    def __post_init__(self) -> None:
        median = to_timedelta(self.median, "median", "Delay", allow_none=False)
        spread = check_number(self.spread, "spread", "Delay", low=0.0)
        object.__setattr__(self, "median", median)
        object.__setattr__(self, "spread", float(spread))

    def __repr__(self) -> str:
        return f"Delay(median={str(self.median)!r}, spread={self.spread!r})"

    def to_dict(self) -> dict[str, Any]:
        """The delay as plain values, e.g. ``{"median": "4h", "spread": 0.5}``."""
        return {"median": _format_timedelta(self.median), "spread": self.spread}


@dataclass(frozen=True)
class Touchpoint:
    """One touchpoint (state) of a journey model.

    Parameters
    ----------
    name : str
        The activity label the events get, e.g. ``"view pricing"``.
    channel, department : str or None
        The labels of the events' ``channel`` and ``department`` columns.
    direction : {"inbound", "outbound", "internal"} or None
        Who initiates the touchpoint: the customer (inbound), the company
        (outbound), or the company internally (internal).
    agents : int, default 0
        How many agents handle the touchpoint. Each event gets one of them at
        random as ``resource``, named ``"<department>-<k>"`` (``k`` from 1); with
        0 (self-service, automated messages) the resource is missing.

    Examples
    --------
    >>> Touchpoint("support reply", "email", "support", "outbound", agents=4)
    Touchpoint(name='support reply', channel='email', department='support', direction='outbound', agents=4)
    """

    name: str
    channel: str | None = None
    department: str | None = None
    direction: str | None = None
    agents: int = 0

    def __post_init__(self) -> None:
        where = "Touchpoint"
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidParameterError(
                f"The 'name' parameter of {where} must be a non-empty string. "
                f"Got {show_value(self.name)} instead."
            )
        if self.name in (*_END_ALIASES, START_STATE, RETURN_STATE):
            raise InvalidParameterError(
                f"The 'name' parameter of {where} must not be one of the reserved names "
                f"{[START_STATE, RETURN_STATE, *_END_ALIASES]!r}. Got {self.name!r} instead."
            )
        for param in ("channel", "department"):
            value = getattr(self, param)
            if value is not None and (not isinstance(value, str) or not value):
                raise InvalidParameterError(
                    f"The {param!r} parameter of {where} must be a non-empty string or None. "
                    f"Got {show_value(value)} for touchpoint {self.name!r} instead."
                )
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise InvalidParameterError(
                f"The 'direction' parameter of {where} must be one of {list(DIRECTIONS)!r} "
                f"or None. Got {show_value(self.direction)} for touchpoint {self.name!r} instead."
            )
        check_number(self.agents, "agents", where, low=0, integer=True)

    def to_dict(self) -> dict[str, Any]:
        """The touchpoint as a plain dict."""
        return {
            "name": self.name,
            "channel": self.channel,
            "department": self.department,
            "direction": self.direction,
            "agents": self.agents,
        }


@dataclass(frozen=True)
class SilentGap:
    """Modifier: on one transition, a share of the delays is a long silent gap.

    The delay of a ``source -> target`` step is drawn from ``delay`` instead of
    the transition's own delay with probability ``share``: the customer is left
    waiting. What happens next does not change.

    Parameters
    ----------
    source, target : str
        The transition, by touchpoint names.
    share : float
        The probability, in [0, 1], that a step on this transition waits long.
    delay : Delay, default Delay("14D", 0.25)
        The long wait.

    Examples
    --------
    >>> SilentGap("support ticket opened", "support reply", 1 / 3).delay
    Delay(median='14 days 00:00:00', spread=0.25)
    """

    source: str
    target: str
    share: float
    delay: Delay = Delay("14D", 0.25)

    def __post_init__(self) -> None:
        check_number(self.share, "share", "SilentGap", low=0.0, high=1.0)
        object.__setattr__(self, "share", float(self.share))
        object.__setattr__(self, "delay", _as_delay(self.delay, "delay", "SilentGap"))

    def to_dict(self) -> dict[str, Any]:
        """The modifier as a plain dict with ``kind="silent_gap"``."""
        return {
            "kind": "silent_gap",
            "source": self.source,
            "target": self.target,
            "share": self.share,
            "delay": self.delay.to_dict(),
        }


@dataclass(frozen=True)
class SegmentEffect:
    """Modifier: customers with one attribute value have other next-step probabilities.

    For customers whose ``attribute`` equals ``value``, the probabilities of
    what follows ``source`` are ``transitions`` instead of the model's row
    (``source="START"`` replaces the start probabilities of first journeys, and of
    later ones too unless the model has ``return_start``; ``source="RETURN"``
    replaces ``return_start``). When several effects apply to the same row of a
    customer, the last one listed wins.

    Parameters
    ----------
    attribute : str
        A customer attribute of the model, e.g. ``"acquisition"``.
    value : str
        One of the attribute's values, e.g. ``"partner"``.
    source : str
        The touchpoint whose next-step probabilities change, ``"START"`` or ``"RETURN"``.
    transitions : mapping of str to float
        The full replacement row (it must sum to 1; ``"END"`` ends the journey).

    Examples
    --------
    >>> effect = SegmentEffect(
    ...     "acquisition", "partner", "view pricing", {"start trial": 0.6, "END": 0.4}
    ... )
    >>> dict(effect.transitions)
    {'start trial': 0.6, 'END': 0.4}
    """

    attribute: str
    value: str
    source: str
    transitions: Mapping[str, float]

    def __post_init__(self) -> None:
        if not isinstance(self.transitions, Mapping):
            raise InvalidParameterError(
                "The 'transitions' parameter of SegmentEffect must be a mapping of next "
                f"touchpoint to probability. Got {show_value(self.transitions)} instead."
            )
        row = {_norm_target(k): v for k, v in self.transitions.items()}
        object.__setattr__(self, "transitions", MappingProxyType(row))

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            SegmentEffect,
            (self.attribute, self.value, self.source, dict(self.transitions)),
        )

    def to_dict(self) -> dict[str, Any]:
        """The modifier as a plain dict with ``kind="segment"``."""
        return {
            "kind": "segment",
            "attribute": self.attribute,
            "value": self.value,
            "source": self.source,
            "transitions": dict(self.transitions),
        }


# --------------------------------------------------------------------------- checks


def unique_names(values: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v is not None and v not in out:
            out.append(v)
    return out


def _format_timedelta(td: pd.Timedelta) -> str:
    seconds = td.total_seconds()
    for unit, size in (("D", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return td.isoformat()


def _norm_target(name: Any) -> Any:
    return END_STATE if name in _END_ALIASES else name


def _check_name(name: Any, known: set[str], param: str, func: str) -> None:
    if not isinstance(name, str) or name not in known:
        near = near_matches(str(name), known) if isinstance(name, str) else []
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must name touchpoints of the model. "
            f"Got {show_value(name)} instead.{hint}"
        )


def _check_prob(p: Any, param: str, func: str, what: str) -> float:
    if (
        isinstance(p, bool)
        or not isinstance(p, int | float | np.floating | np.integer)
        or not (0.0 <= float(p) <= 1.0)
    ):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must have probabilities in [0, 1]. "
            f"Got {show_value(p)} for {what} instead."
        )
    return float(p)


def _check_row(
    row: Any,
    known: set[str],
    param: str,
    func: str,
    *,
    source: str | None = None,
    allow_end: bool = True,
) -> Mapping[str, float]:
    where = f"the row of {source!r}" if source is not None else "the start"
    if not isinstance(row, Mapping) or not row:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must give a non-empty mapping of next "
            f"touchpoint to probability for {where}. Got {show_value(row)} instead."
        )
    out: dict[str, float] = {}
    for target, p in row.items():
        target = _norm_target(target)
        if target == END_STATE:
            if not allow_end:
                raise InvalidParameterError(
                    f"The {param!r} parameter of {func} must not lead to 'END' from {where}. "
                    f"Got {show_value(dict(row))} instead."
                )
        else:
            _check_name(target, known, param, func)
        out[target] = out.get(target, 0.0) + _check_prob(p, param, func, f"{target!r} in {where}")
    total = sum(out.values())
    if abs(total - 1.0) > _TOL:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must have probabilities that sum to 1 "
            f"(within {_TOL:g}) in {where}. Got a sum of {total:.6g} instead."
        )
    return MappingProxyType(out)


def _check_dist(dist: Any, param: str, func: str, what: str, kind: type) -> Mapping[Any, float]:
    if not isinstance(dist, Mapping) or not dist:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must give a non-empty mapping of value to "
            f"probability for {what}. Got {show_value(dist)} instead."
        )
    out: dict[Any, float] = {}
    for k, p in dist.items():
        if not isinstance(k, kind) or isinstance(k, bool):
            raise InvalidParameterError(
                f"The {param!r} parameter of {func} must have {kind.__name__} keys for {what}. "
                f"Got {show_value(k)} instead."
            )
        out[k] = _check_prob(p, param, func, f"{k!r} of {what}")
    total = sum(out.values())
    if abs(total - 1.0) > _TOL:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must have probabilities that sum to 1 "
            f"(within {_TOL:g}) for {what}. Got a sum of {total:.6g} instead."
        )
    return MappingProxyType(out)


def _as_delay(value: Any, param: str, func: str) -> Delay:
    try:
        if isinstance(value, Delay):
            return value
        if isinstance(value, Mapping):
            return Delay(**value)
        if isinstance(value, tuple | list):
            return Delay(*value)
        return Delay(value)
    except (InvalidParameterError, TypeError) as exc:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must have delays given as Delay, a duration "
            f"such as '4h', a (median, spread) pair or a dict. Got {show_value(value)} instead."
        ) from exc


def _as_touchpoints(
    value: Any, param: str = "touchpoints", func: str = "JourneyModel"
) -> tuple[Touchpoint, ...]:
    items: list[Any]
    if isinstance(value, Mapping):
        items = []
        for name, spec in value.items():
            if isinstance(spec, Mapping):
                items.append({"name": name, **spec})
            elif isinstance(spec, tuple | list):
                items.append((name, *spec))
            elif spec is None:
                items.append((name,))
            else:
                items.append(spec)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        items = list(value)
    else:
        items = None  # type: ignore[assignment]
    if not items:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a non-empty sequence or mapping of "
            f"touchpoints. Got {show_value(value)} instead."
        )
    out: list[Touchpoint] = []
    for item in items:
        try:
            if isinstance(item, Touchpoint):
                tp = item
            elif isinstance(item, Mapping):
                tp = Touchpoint(**item)
            elif isinstance(item, tuple | list):
                tp = Touchpoint(*item)
            else:
                raise TypeError
        except TypeError as exc:
            raise InvalidParameterError(
                f"The {param!r} parameter of {func} must list touchpoints as Touchpoint, dict "
                f"or (name, channel, department, direction[, agents]) tuples. "
                f"Got {show_value(item)} instead."
            ) from exc
        out.append(tp)
    names = [t.name for t in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must have unique touchpoint names. "
            f"Got {dup!r} twice instead."
        )
    return tuple(out)


def _as_modifier(value: Any) -> SilentGap | SegmentEffect:
    if isinstance(value, SilentGap | SegmentEffect):
        return value
    if isinstance(value, Mapping):
        spec = dict(value)
        kind = spec.pop("kind", None)
        try:
            if kind == "silent_gap":
                return SilentGap(**spec)
            if kind == "segment":
                return SegmentEffect(**spec)
        except TypeError as exc:
            raise InvalidParameterError(
                f"The 'modifiers' parameter of JourneyModel must have modifier dicts with the "
                f"fields of SilentGap or SegmentEffect. Got {show_value(value)} instead."
            ) from exc
    raise InvalidParameterError(
        "The 'modifiers' parameter of JourneyModel must contain SilentGap or SegmentEffect "
        "objects, or dicts with kind 'silent_gap' or 'segment'. "
        f"Got {show_value(value)} instead."
    )


def _per_step(value: Any, names: list[str], param: str, func: str) -> dict[str, float]:
    if isinstance(value, Mapping):
        for k in value:
            _check_name(k, set(names), param, func)
        return {n: _check_prob(value.get(n, 0.0), param, func, repr(n)) for n in names}
    p = _check_prob(value, param, func, "every step")
    return dict.fromkeys(names, p)
