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

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .._validation import _show, check_number, near_matches, to_timedelta
from ..errors import InvalidParameterError
from ..schema import CANONICAL_COLUMNS, DIRECTIONS
from ..schema import END as _GRAPH_END

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

_END = "END"
_START = "START"
_RETURN = "RETURN"
_END_ALIASES = (_END, _GRAPH_END)
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
                f"Got {_show(self.name)} instead."
            )
        if self.name in (*_END_ALIASES, _START, _RETURN):
            raise InvalidParameterError(
                f"The 'name' parameter of {where} must not be one of the reserved names "
                f"{[_START, _RETURN, *_END_ALIASES]!r}. Got {self.name!r} instead."
            )
        for param in ("channel", "department"):
            value = getattr(self, param)
            if value is not None and (not isinstance(value, str) or not value):
                raise InvalidParameterError(
                    f"The {param!r} parameter of {where} must be a non-empty string or None. "
                    f"Got {_show(value)} for touchpoint {self.name!r} instead."
                )
        if self.direction is not None and self.direction not in DIRECTIONS:
            raise InvalidParameterError(
                f"The 'direction' parameter of {where} must be one of {list(DIRECTIONS)!r} "
                f"or None. Got {_show(self.direction)} for touchpoint {self.name!r} instead."
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
                f"touchpoint to probability. Got {_show(self.transitions)} instead."
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


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, kw_only=True, repr=False)
class JourneyModel:
    """An explicit model of customer journeys, to simulate event logs from.

    Every field can be written by hand as plain Python values (the form
    :meth:`to_dict` returns and :meth:`from_dict` reads); they are checked and
    normalised on construction. Use :func:`dataclasses.replace` for what-if
    variants: the copy is checked again.

    Parameters
    ----------
    touchpoints : sequence or mapping
        The touchpoints: :class:`Touchpoint` objects, dicts of their fields,
        tuples ``(name, channel, department, direction[, agents])``, or a
        mapping ``name -> (channel, department, direction[, agents])`` (or dict).
    start : mapping of str to float
        Where journeys start: touchpoint -> probability (sums to 1).
    transitions : mapping of str to mapping of str to float
        For each touchpoint, the probabilities of the next touchpoint; the
        target ``"END"`` ends the journey. Each row sums to 1. A touchpoint
        without a row always ends the journey.
    return_start : mapping of str to float, optional
        Where a customer's second and later journeys start (returning
        customers); by default like ``start``.
    goals : sequence of str, default ()
        The goal touchpoints; a journey that reaches one is ``converted``.
    delays : mapping, default {}
        Delays of steps, keyed by ``(source, target)``; either may be ``"*"``
        (any touchpoint). Values are :class:`Delay`, a duration string, a
        ``(median, spread)`` pair or a dict. The most specific key wins:
        ``(a, b)``, then ``("*", b)``, then ``(a, "*")``, then ``("*", "*")``
        or ``default_delay``.
    default_delay : Delay, default Delay("1h", 1.0)
        The delay of steps no key of ``delays`` matches.
    attributes : mapping, default {}
        Customer attributes: name -> {value: probability}. Every event carries
        its customer's attributes as extra columns.
    modifiers : sequence, default ()
        :class:`SilentGap` and :class:`SegmentEffect` objects (or dicts with
        ``kind="silent_gap"`` / ``kind="segment"``).
    markers : mapping of str to sequence of str, default {}
        Ground-truth flags: name -> touchpoints; the truth table gets a boolean
        column per marker that is true for journeys that visit any of them.
    journeys_per_customer : mapping of int to float, default {1: 1.0}
        How many journeys a customer has, with probabilities.
    inactivity : str or pandas.Timedelta, default "30D"
        A customer's journeys are separated by more than this (the gap is
        ``inactivity`` plus a draw from ``revisit_delay``), and every wait
        inside a journey is capped at 0.9 times it, so splitting a customer's
        events on this inactivity recovers the journeys exactly.
    revisit_delay : Delay, default Delay("30D", 0.5)
        The time between journeys of one customer beyond ``inactivity``.
    max_events : int, default 100
        Journeys are cut after this many events (ground truth ``truncated``).
    name : str, default "journey model"
        A label for the model.

    Raises
    ------
    InvalidParameterError
        If a probability is outside [0, 1], a row does not sum to 1, a name is
        not a touchpoint of the model, or a field has the wrong form.

    See Also
    --------
    simulate : Generate an event log from a model.
    sample_model : The realistic model behind the bundled sample.

    Examples
    --------
    >>> model = JourneyModel(
    ...     touchpoints=[("ad click", "web", "marketing", "inbound"),
    ...                  ("purchase", "web", "sales", "inbound")],
    ...     start={"ad click": 1.0},
    ...     transitions={"ad click": {"purchase": 0.2, "END": 0.8}},
    ...     goals=["purchase"],
    ... )
    >>> model
    JourneyModel('journey model': 2 touchpoints, 1 channels, 2 departments, goals=['purchase'], 0 modifiers)
    >>> model.transitions["ad click"]["END"]
    0.8
    >>> JourneyModel(
    ...     touchpoints=[("ad click", "web", "marketing", "inbound")],
    ...     start={"ad click": 0.5},
    ...     transitions={},
    ... )
    Traceback (most recent call last):
    ...
    journeymine.errors.InvalidParameterError: The 'start' parameter of JourneyModel must ...
    """

    touchpoints: tuple[Touchpoint, ...]
    start: Mapping[str, float]
    transitions: Mapping[str, Mapping[str, float]]
    return_start: Mapping[str, float] | None = None
    goals: tuple[str, ...] = ()
    delays: Mapping[tuple[str, str], Delay] = field(default_factory=dict)
    default_delay: Delay = Delay("1h", 1.0)
    attributes: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    modifiers: tuple[SilentGap | SegmentEffect, ...] = ()
    markers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    journeys_per_customer: Mapping[int, float] = field(default_factory=lambda: {1: 1.0})
    inactivity: pd.Timedelta = pd.Timedelta("30D")
    revisit_delay: Delay = Delay("30D", 0.5)
    max_events: int = 100
    name: str = "journey model"

    # ------------------------------------------------------------------ validation

    def __post_init__(self) -> None:
        f = "JourneyModel"
        tps = _as_touchpoints(self.touchpoints)
        names = [t.name for t in tps]
        known = set(names)
        _set = object.__setattr__
        _set(self, "touchpoints", tps)

        _set(self, "start", _check_row(self.start, known, "start", f, allow_end=False))
        if self.return_start is not None:
            _set(
                self,
                "return_start",
                _check_row(self.return_start, known, "return_start", f, allow_end=False),
            )

        if not isinstance(self.transitions, Mapping):
            raise InvalidParameterError(
                f"The 'transitions' parameter of {f} must be a mapping of touchpoint to "
                f"{{next touchpoint: probability}}. Got {_show(self.transitions)} instead."
            )
        rows: dict[str, Mapping[str, float]] = {}
        for source, row in self.transitions.items():
            _check_name(source, known, "transitions", f)
            rows[source] = _check_row(row, known, "transitions", f, source=source)
        _set(self, "transitions", MappingProxyType(rows))

        if isinstance(self.goals, str):
            _set(self, "goals", (self.goals,))
        goals = tuple(self.goals)
        for g in goals:
            _check_name(g, known, "goals", f)
        _set(self, "goals", goals)

        _set(self, "default_delay", _as_delay(self.default_delay, "default_delay", f))
        if not isinstance(self.delays, Mapping):
            raise InvalidParameterError(
                f"The 'delays' parameter of {f} must be a mapping of (source, target) to a "
                f"delay. Got {_show(self.delays)} instead."
            )
        delays: dict[tuple[str, str], Delay] = {}
        for key, value in self.delays.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise InvalidParameterError(
                    f"The 'delays' parameter of {f} must have (source, target) pairs as keys. "
                    f"Got {_show(key)} instead."
                )
            src, tgt = key
            if src != "*":
                _check_name(src, known, "delays", f)
            if tgt != "*":
                _check_name(tgt, known, "delays", f)
            delays[(src, tgt)] = _as_delay(value, "delays", f)
        _set(self, "delays", MappingProxyType(delays))

        if not isinstance(self.attributes, Mapping):
            raise InvalidParameterError(
                f"The 'attributes' parameter of {f} must be a mapping of attribute name to "
                f"{{value: probability}}. Got {_show(self.attributes)} instead."
            )
        attrs: dict[str, Mapping[str, float]] = {}
        for attr, dist in self.attributes.items():
            if not isinstance(attr, str) or attr in CANONICAL_COLUMNS or attr in TRUTH_COLUMNS:
                raise InvalidParameterError(
                    f"The 'attributes' parameter of {f} must use names that are not canonical "
                    f"or ground-truth columns. Got {_show(attr)} instead."
                )
            attrs[attr] = _check_dist(dist, "attributes", f, f"attribute {attr!r}", str)
        _set(self, "attributes", MappingProxyType(attrs))

        mods = tuple(_as_modifier(m) for m in self.modifiers)
        seen_gaps: set[tuple[str, str]] = set()
        for m in mods:
            if isinstance(m, SilentGap):
                _check_name(m.source, known, "modifiers", f)
                _check_name(m.target, known, "modifiers", f)
                if (m.source, m.target) in seen_gaps:
                    raise InvalidParameterError(
                        f"The 'modifiers' parameter of {f} must have at most one SilentGap per "
                        f"transition. Got two for {(m.source, m.target)!r} instead."
                    )
                seen_gaps.add((m.source, m.target))
            else:
                if m.attribute not in attrs:
                    raise InvalidParameterError(
                        f"The 'modifiers' parameter of {f} must refer to attributes of the "
                        f"model {list(attrs)!r}. Got {m.attribute!r} instead."
                    )
                if m.value not in attrs[m.attribute]:
                    raise InvalidParameterError(
                        f"The 'modifiers' parameter of {f} must refer to values of attribute "
                        f"{m.attribute!r} {list(attrs[m.attribute])!r}. Got {_show(m.value)} "
                        "instead."
                    )
                if m.source in (_START, _RETURN):
                    _check_row(m.transitions, known, "modifiers", f, allow_end=False)
                else:
                    _check_name(m.source, known, "modifiers", f)
                    _check_row(m.transitions, known, "modifiers", f, source=m.source)
        _set(self, "modifiers", mods)

        if not isinstance(self.markers, Mapping):
            raise InvalidParameterError(
                f"The 'markers' parameter of {f} must be a mapping of flag name to "
                f"touchpoints. Got {_show(self.markers)} instead."
            )
        markers: dict[str, tuple[str, ...]] = {}
        for flag, members in self.markers.items():
            if not isinstance(flag, str) or flag in TRUTH_COLUMNS or flag in attrs:
                raise InvalidParameterError(
                    f"The 'markers' parameter of {f} must use names that are not ground-truth "
                    f"columns or attributes. Got {_show(flag)} instead."
                )
            members = (members,) if isinstance(members, str) else tuple(members)
            for m_name in members:
                _check_name(m_name, known, "markers", f)
            markers[flag] = members
        _set(self, "markers", MappingProxyType(markers))

        jpc = _check_dist(
            self.journeys_per_customer, "journeys_per_customer", f, "journeys per customer", int
        )
        if any(k < 1 for k in jpc):
            raise InvalidParameterError(
                f"The 'journeys_per_customer' parameter of {f} must have journey counts >= 1. "
                f"Got {sorted(jpc)!r} instead."
            )
        _set(self, "journeys_per_customer", jpc)
        _set(self, "inactivity", to_timedelta(self.inactivity, "inactivity", f, allow_none=False))
        _set(self, "revisit_delay", _as_delay(self.revisit_delay, "revisit_delay", f))
        check_number(self.max_events, "max_events", f, low=1, integer=True)
        if not isinstance(self.name, str):
            raise InvalidParameterError(
                f"The 'name' parameter of {f} must be a string. Got {_show(self.name)} instead."
            )

    def __reduce__(self) -> tuple[Any, ...]:
        # the read-only mappings do not pickle; the plain-value form does
        return (JourneyModel.from_dict, (self.to_dict(),))

    def __repr__(self) -> str:
        return (
            f"JourneyModel({self.name!r}: {len(self.touchpoints)} touchpoints, "
            f"{len(self.channels)} channels, {len(self.departments)} departments, "
            f"goals={list(self.goals)!r}, {len(self.modifiers)} modifiers)"
        )

    # ------------------------------------------------------------------ views

    @property
    def touchpoint_names(self) -> list[str]:
        """The touchpoint names, in model order."""
        return [t.name for t in self.touchpoints]

    @property
    def channels(self) -> list[str]:
        """The channels of the touchpoints, in order of first appearance."""
        return _unique(t.channel for t in self.touchpoints)

    @property
    def departments(self) -> list[str]:
        """The departments of the touchpoints, in order of first appearance."""
        return _unique(t.department for t in self.touchpoints)

    def touchpoint(self, name: str) -> Touchpoint:
        """The touchpoint called ``name``.

        Examples
        --------
        >>> from journeymine.datasets import sample_model
        >>> sample_model().touchpoint("support reply").channel
        'email'
        """
        _check_name(name, set(self.touchpoint_names), "name", "JourneyModel.touchpoint")
        return self.touchpoints[self.touchpoint_names.index(name)]

    def delay(self, source: str, target: str) -> Delay:
        """The delay of a ``source -> target`` step (before silent gaps).

        Examples
        --------
        >>> from journeymine.datasets import sample_model
        >>> sample_model().delay("support ticket opened", "support reply")
        Delay(median='0 days 04:00:00', spread=0.8)
        """
        for key in ((source, target), ("*", target), (source, "*"), ("*", "*")):
            if key in self.delays:
                return self.delays[key]
        return self.default_delay

    # ------------------------------------------------------------------ dict form

    def to_dict(self) -> dict[str, Any]:
        """The model as plain Python values (YAML/JSON friendly).

        :meth:`from_dict` reads it back into an equal model.

        Examples
        --------
        >>> from journeymine.datasets import JourneyModel, sample_model
        >>> spec = sample_model().to_dict()
        >>> spec["goals"]
        ['purchase']
        >>> JourneyModel.from_dict(spec) == sample_model()
        True
        """
        return {
            "name": self.name,
            "touchpoints": [t.to_dict() for t in self.touchpoints],
            "start": dict(self.start),
            "return_start": None if self.return_start is None else dict(self.return_start),
            "transitions": {k: dict(v) for k, v in self.transitions.items()},
            "goals": list(self.goals),
            "delays": [
                {"source": s, "target": t, **d.to_dict()} for (s, t), d in self.delays.items()
            ],
            "default_delay": self.default_delay.to_dict(),
            "attributes": {k: dict(v) for k, v in self.attributes.items()},
            "modifiers": [m.to_dict() for m in self.modifiers],
            "markers": {k: list(v) for k, v in self.markers.items()},
            "journeys_per_customer": dict(self.journeys_per_customer),
            "inactivity": _format_timedelta(self.inactivity),
            "revisit_delay": self.revisit_delay.to_dict(),
            "max_events": self.max_events,
        }

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> JourneyModel:
        """Build a model from plain Python values (the form :meth:`to_dict` gives).

        ``delays`` may also be a list of ``{"source", "target", "median", "spread"}``
        dicts, and modifiers dicts with a ``kind`` of ``"silent_gap"`` or ``"segment"``.

        Examples
        --------
        >>> from journeymine.datasets import JourneyModel
        >>> model = JourneyModel.from_dict({
        ...     "touchpoints": {"start trial": ["web", "sales", "inbound"],
        ...                     "purchase": ["web", "sales", "inbound"]},
        ...     "start": {"start trial": 1.0},
        ...     "transitions": {"start trial": {"purchase": 0.4, "END": 0.6}},
        ...     "goals": ["purchase"],
        ...     "delays": [{"source": "start trial", "target": "purchase", "median": "7D"}],
        ... })
        >>> model.delay("start trial", "purchase").median
        Timedelta('7 days 00:00:00')
        """
        if not isinstance(spec, Mapping):
            raise InvalidParameterError(
                "The 'spec' parameter of JourneyModel.from_dict must be a mapping. "
                f"Got {_show(spec)} instead."
            )
        fields = set(cls.__dataclass_fields__)
        unknown = [k for k in spec if k not in fields]
        if unknown:
            near = near_matches(str(unknown[0]), fields)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise InvalidParameterError(
                f"The 'spec' parameter of JourneyModel.from_dict must only have the keys "
                f"{sorted(fields)!r}. Got {unknown[0]!r} instead.{hint}"
            )
        kwargs = dict(spec)
        delays = kwargs.get("delays")
        if isinstance(delays, Sequence) and not isinstance(delays, str):
            table: dict[tuple[str, str], Any] = {}
            for item in delays:
                if not isinstance(item, Mapping) or not {"source", "target"} <= set(item):
                    raise InvalidParameterError(
                        "The 'delays' parameter of JourneyModel.from_dict must be a list of "
                        f"dicts with 'source', 'target' and 'median'. Got {_show(item)} instead."
                    )
                rest = {k: v for k, v in item.items() if k not in ("source", "target")}
                table[(item["source"], item["target"])] = rest
            kwargs["delays"] = table
        if "journeys_per_customer" in kwargs and isinstance(
            kwargs["journeys_per_customer"], Mapping
        ):
            kwargs["journeys_per_customer"] = {
                int(k) if isinstance(k, str) and k.isdigit() else k: v
                for k, v in kwargs["journeys_per_customer"].items()
            }
        return cls(**kwargs)

    @classmethod
    def from_steps(
        cls,
        steps: Sequence[Any],
        *,
        drop_off: float | Mapping[str, float] = 0.0,
        skip: float | Mapping[str, float] = 0.0,
        delay: Any = "1D",
        goals: Sequence[str] | None = None,
        name: str = "linear journey",
        **kwargs: Any,
    ) -> JourneyModel:
        """A linear journey: the steps in order, with optional drop-offs and skips.

        A journey starts at the first step and moves to the next one until the
        last step, then ends. At each step it ends early with probability
        ``drop_off``; a step is jumped over with probability ``skip`` (from the
        step before it, or from the start), so several steps in a row can be
        skipped. This is the simplest model an assumed journey maps to.

        Parameters
        ----------
        steps : sequence
            The steps: names (no channel or department), :class:`Touchpoint`
            objects, dicts or tuples as in ``JourneyModel(touchpoints=...)``.
        drop_off : float or mapping of str to float, default 0.0
            The probability of ending the journey at a step (one for all, or
            per step name; the last step always ends it).
        skip : float or mapping of str to float, default 0.0
            The probability of jumping over a step (one for all, or per step).
        delay : delay or mapping of str to delay, default "1D"
            The delay before each step (one for all, or per step name).
        goals : sequence of str, optional
            The goals; by default the last step.
        name : str, default "linear journey"
            The model's name.
        **kwargs
            Other :class:`JourneyModel` fields (``attributes``, ``modifiers``, ...).

        Returns
        -------
        JourneyModel

        Examples
        --------
        >>> from journeymine.datasets import JourneyModel
        >>> model = JourneyModel.from_steps(
        ...     ["visit homepage", "view pricing", "enter payment details", "purchase"],
        ...     drop_off={"enter payment details": 0.35},
        ...     skip={"view pricing": 0.2},
        ... )
        >>> dict(model.transitions["visit homepage"])
        {'view pricing': 0.8, 'enter payment details': 0.2}
        >>> model.goals
        ('purchase',)
        """
        f = "JourneyModel.from_steps"
        if isinstance(steps, str) or not isinstance(steps, Sequence) or not steps:
            raise InvalidParameterError(
                f"The 'steps' parameter of {f} must be a non-empty sequence of steps. "
                f"Got {_show(steps)} instead."
            )
        tps = _as_touchpoints(
            [Touchpoint(s) if isinstance(s, str) else s for s in steps], param="steps", func=f
        )
        names = [t.name for t in tps]
        drops = _per_step(drop_off, names, "drop_off", f)
        skips = _per_step(skip, names, "skip", f)
        n = len(names)

        def chain(after: int, leave: float) -> dict[str, float]:
            # From position ``after`` (-1 = the start), where the next step is.
            row: dict[str, float] = {}
            reach = leave
            for j in range(after + 1, n):
                p = reach * (1.0 - skips[names[j]])
                if p > 0:
                    row[names[j]] = p
                reach *= skips[names[j]]
            if reach > 0:
                row[_END] = reach
            return row

        start = chain(-1, 1.0)
        start.pop(_END, None)
        total = sum(start.values())
        if total <= 0:
            raise InvalidParameterError(
                f"The 'skip' parameter of {f} must leave some step to start at. "
                "Got every step skipped instead."
            )
        start = {k: v / total for k, v in start.items()}
        transitions: dict[str, dict[str, float]] = {}
        for i, step in enumerate(names[:-1]):
            row = chain(i, 1.0 - drops[step])
            if drops[step] > 0:
                row[_END] = row.get(_END, 0.0) + drops[step]
            transitions[step] = {k: round(v, 12) for k, v in row.items()}
        transitions[names[-1]] = {_END: 1.0}
        if isinstance(delay, Mapping):
            delays = {("*", k): v for k, v in delay.items()}
            default = kwargs.pop("default_delay", Delay("1D", 1.0))
        else:
            delays = {}
            default = delay
        return cls(
            touchpoints=tps,
            start={k: round(v, 12) for k, v in start.items()},
            transitions=transitions,
            goals=tuple(goals) if goals is not None else (names[-1],),
            delays=kwargs.pop("delays", delays),
            default_delay=default,
            name=name,
            **kwargs,
        )

    # ------------------------------------------------------------------ compiled arrays

    @cached_property
    def _compiled(self) -> _Compiled:
        return _compile(self)


def _unique(values: Iterable[str | None]) -> list[str]:
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
    return _END if name in _END_ALIASES else name


def _check_name(name: Any, known: set[str], param: str, func: str) -> None:
    if not isinstance(name, str) or name not in known:
        near = near_matches(str(name), known) if isinstance(name, str) else []
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must name touchpoints of the model. "
            f"Got {_show(name)} instead.{hint}"
        )


def _check_prob(p: Any, param: str, func: str, what: str) -> float:
    if (
        isinstance(p, bool)
        or not isinstance(p, int | float | np.floating | np.integer)
        or not (0.0 <= float(p) <= 1.0)
    ):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must have probabilities in [0, 1]. "
            f"Got {_show(p)} for {what} instead."
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
            f"touchpoint to probability for {where}. Got {_show(row)} instead."
        )
    out: dict[str, float] = {}
    for target, p in row.items():
        target = _norm_target(target)
        if target == _END:
            if not allow_end:
                raise InvalidParameterError(
                    f"The {param!r} parameter of {func} must not lead to 'END' from {where}. "
                    f"Got {_show(dict(row))} instead."
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
            f"probability for {what}. Got {_show(dist)} instead."
        )
    out: dict[Any, float] = {}
    for k, p in dist.items():
        if not isinstance(k, kind) or isinstance(k, bool):
            raise InvalidParameterError(
                f"The {param!r} parameter of {func} must have {kind.__name__} keys for {what}. "
                f"Got {_show(k)} instead."
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
            f"such as '4h', a (median, spread) pair or a dict. Got {_show(value)} instead."
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
            f"touchpoints. Got {_show(value)} instead."
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
                f"Got {_show(item)} instead."
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
                f"fields of SilentGap or SegmentEffect. Got {_show(value)} instead."
            ) from exc
    raise InvalidParameterError(
        "The 'modifiers' parameter of JourneyModel must contain SilentGap or SegmentEffect "
        "objects, or dicts with kind 'silent_gap' or 'segment'. "
        f"Got {_show(value)} instead."
    )


def _per_step(value: Any, names: list[str], param: str, func: str) -> dict[str, float]:
    if isinstance(value, Mapping):
        for k in value:
            _check_name(k, set(names), param, func)
        return {n: _check_prob(value.get(n, 0.0), param, func, repr(n)) for n in names}
    p = _check_prob(value, param, func, "every step")
    return dict.fromkeys(names, p)


# --------------------------------------------------------------------------- compiled model


@dataclass(frozen=True)
class _Compiled:
    n_states: int
    names: list[str]
    profile_attrs: list[str]
    profile_radix: list[int]
    flat_cum: np.ndarray  # (n_profiles * (S + 2) * (S + 1),) offset cumulative rows
    last_col: np.ndarray  # (n_profiles * (S + 2),) last column with positive probability
    log_median: np.ndarray  # (S * S,) log of median delay in seconds, by prev * S + cur
    spread: np.ndarray  # (S * S,)
    gap_share: np.ndarray  # (S * S,)
    gap_log_median: np.ndarray  # (S * S,)
    gap_spread: np.ndarray  # (S * S,)
    agents: np.ndarray  # (S,)
    resource_offset: np.ndarray  # (S,)
    resource_names: list[str]
    channel_codes: np.ndarray
    department_codes: np.ndarray
    direction_codes: np.ndarray
    goal_mask: np.ndarray  # (S,) bool
    marker_masks: dict[str, np.ndarray]


def _compile(model: JourneyModel) -> _Compiled:
    names = model.touchpoint_names
    s = len(names)
    index = {n: i for i, n in enumerate(names)}
    k = s + 1  # columns: touchpoints, then END

    def row_vector(row: Mapping[str, float]) -> np.ndarray:
        vec = np.zeros(k)
        for tgt, p in row.items():
            vec[s if tgt == _END else index[tgt]] = p
        return vec

    base = np.zeros((s + 2, k))  # rows: touchpoints, then START, then RETURN
    base[:, s] = 1.0
    for src, row in model.transitions.items():
        base[index[src]] = row_vector(row)
    base[s] = row_vector(model.start)
    base[s + 1] = row_vector(model.return_start or model.start)

    effects = [m for m in model.modifiers if isinstance(m, SegmentEffect)]
    profile_attrs = _unique(m.attribute for m in effects)
    radix = [len(model.attributes[a]) for a in profile_attrs]
    n_profiles = int(np.prod(radix)) if radix else 1
    tables = np.repeat(base[None], n_profiles, axis=0)
    if effects:
        values = {a: list(model.attributes[a]) for a in profile_attrs}
        for prof in range(n_profiles):
            digits = _unravel(prof, radix)
            chosen = {a: values[a][d] for a, d in zip(profile_attrs, digits, strict=True)}
            for m in effects:
                if chosen[m.attribute] == m.value:
                    if m.source == _START:
                        targets = [s] if model.return_start is not None else [s, s + 1]
                    elif m.source == _RETURN:
                        targets = [s + 1]
                    else:
                        targets = [index[m.source]]
                    tables[prof, targets] = row_vector(m.transitions)
    rows = tables.reshape(n_profiles * (s + 2), k)
    rows = rows / rows.sum(axis=1, keepdims=True)
    cum = np.cumsum(rows, axis=1)
    positive = rows > 0
    last_col = (k - 1 - np.argmax(positive[:, ::-1], axis=1)).astype(np.int64)
    cols = np.arange(k)
    cum[cols[None, :] >= last_col[:, None]] = 1.0
    flat_cum = (np.arange(rows.shape[0], dtype=np.float64)[:, None] + cum).ravel()

    # delays by precedence: default, ("*", "*"), (a, "*"), ("*", b), (a, b)
    log_median = np.empty((s, s))
    spread = np.empty((s, s))

    def put(rows: Any, cols: Any, d: Delay) -> None:
        log_median[rows, cols] = math.log(d.median.total_seconds())
        spread[rows, cols] = d.spread

    put(slice(None), slice(None), model.default_delay)
    ranked = sorted(model.delays.items(), key=lambda kv: (kv[0][0] != "*") + 2 * (kv[0][1] != "*"))
    for (src, tgt), d in ranked:
        rows = slice(None) if src == "*" else index[src]
        cols = slice(None) if tgt == "*" else index[tgt]
        put(rows, cols, d)
    log_median = log_median.ravel()
    spread = spread.ravel()
    gap_share = np.zeros(s * s)
    gap_log_median = np.zeros(s * s)
    gap_spread = np.zeros(s * s)
    for m in model.modifiers:
        if isinstance(m, SilentGap):
            t = index[m.source] * s + index[m.target]
            gap_share[t] = m.share
            gap_log_median[t] = math.log(m.delay.median.total_seconds())
            gap_spread[t] = m.delay.spread

    tps = model.touchpoints
    agents = np.array([t.agents for t in tps], dtype=np.int64)
    dept_pool: dict[str, int] = {}
    for t in tps:
        key = t.department or "agent"
        dept_pool[key] = max(dept_pool.get(key, 0), t.agents)
    resource_names: list[str] = []
    first: dict[str, int] = {}
    for key, size in dept_pool.items():
        first[key] = len(resource_names)
        resource_names.extend(f"{key}-{i}" for i in range(1, size + 1))
    resource_offset = np.array([first[t.department or "agent"] for t in tps], dtype=np.int64)

    channels = model.channels
    departments = model.departments
    return _Compiled(
        n_states=s,
        names=names,
        profile_attrs=profile_attrs,
        profile_radix=radix,
        flat_cum=flat_cum,
        last_col=last_col,
        log_median=log_median,
        spread=spread,
        gap_share=gap_share,
        gap_log_median=gap_log_median,
        gap_spread=gap_spread,
        agents=agents,
        resource_offset=resource_offset,
        resource_names=resource_names,
        channel_codes=np.array(
            [channels.index(t.channel) if t.channel else -1 for t in tps], dtype=np.int8
        ),
        department_codes=np.array(
            [departments.index(t.department) if t.department else -1 for t in tps],
            dtype=np.int8,
        ),
        direction_codes=np.array(
            [DIRECTIONS.index(t.direction) if t.direction else -1 for t in tps], dtype=np.int8
        ),
        goal_mask=np.isin(np.arange(s), [index[g] for g in model.goals]),
        marker_masks={
            flag: np.isin(np.arange(s), [index[m] for m in members])
            for flag, members in model.markers.items()
        },
    )


def _unravel(value: int, radix: list[int]) -> list[int]:
    digits = []
    for r in reversed(radix):
        digits.append(value % r)
        value //= r
    return digits[::-1]


# --------------------------------------------------------------------------- simulation


def _segment_starts(lengths: np.ndarray) -> np.ndarray:
    starts = np.zeros(lengths.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def _draw_customers(model: JourneyModel, n_journeys: int, rng: np.random.Generator) -> np.ndarray:
    """The number of journeys of each customer, summing to ``n_journeys``."""
    values = np.array(list(model.journeys_per_customer), dtype=np.int64)
    probs = np.array(list(model.journeys_per_customer.values()))
    counts = values[rng.choice(values.size, size=n_journeys, p=probs / probs.sum())]
    total = np.cumsum(counts)
    n_customers = int(np.searchsorted(total, n_journeys)) + 1
    counts = counts[:n_customers].copy()
    counts[-1] -= int(total[n_customers - 1]) - n_journeys
    return counts


def _walk(
    comp: _Compiled,
    profile: np.ndarray,
    returning: np.ndarray,
    max_events: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step every journey at once; return per-journey lengths, states and truncation."""
    s = comp.n_states
    k = s + 1
    n = profile.size
    state_dtype = np.int16 if s < np.iinfo(np.int16).max else np.int32
    case_dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64
    lengths = np.zeros(n, dtype=np.int64)
    active = np.arange(n, dtype=case_dtype)
    # the START (first journeys) or RETURN row of each journey's profile
    row = profile.astype(np.int64) * (s + 2) + s + returning
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(max_events):
        if active.size == 0:
            break
        u = rng.random(active.size)
        u += row
        col = np.searchsorted(comp.flat_cum, u, side="right")
        col -= row * k
        np.minimum(col, comp.last_col[row], out=col)
        alive = col < s
        active = active[alive]
        col = col[alive]
        lengths[active] += 1
        steps.append((active, col.astype(state_dtype)))
        row = profile[active].astype(np.int64) * (s + 2) + col
    truncated = np.zeros(n, dtype=bool)
    truncated[active] = True
    offsets = _segment_starts(lengths)
    states = np.empty(int(lengths.sum()), dtype=state_dtype)
    for t, (cases, cols) in enumerate(steps):
        states[offsets[cases] + t] = cols
    return lengths, states, truncated


def _relative_starts(
    span: np.ndarray, customer_first: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Start of each journey after its customer's first one, and of each customer's last."""
    before = np.cumsum(span) - span
    rel_start = before - np.repeat(before[customer_first], counts)
    return rel_start, rel_start[customer_first + counts - 1]


def _simulate_arrays(
    model: JourneyModel, n_journeys: int, seed: int | None, start_ns: int, end_ns: int
) -> dict[str, Any]:
    comp = model._compiled
    s = comp.n_states
    rng = np.random.default_rng(seed)

    # customers, their attributes, and the profile (attribute combination) of each journey
    counts = _draw_customers(model, n_journeys, rng)
    n_customers = counts.size
    index_dtype = np.int32 if n_journeys < np.iinfo(np.int32).max else np.int64
    journey_customer = np.repeat(np.arange(n_customers, dtype=index_dtype), counts)
    attr_codes: dict[str, np.ndarray] = {}
    for attr, dist in model.attributes.items():
        probs = np.array(list(dist.values()))
        codes = rng.choice(probs.size, size=n_customers, p=probs / probs.sum())
        attr_codes[attr] = codes.astype(np.int8 if probs.size < 128 else np.int32)
    customer_profile = np.zeros(n_customers, dtype=np.int64)
    for attr, r in zip(comp.profile_attrs, comp.profile_radix, strict=True):
        customer_profile = customer_profile * r + attr_codes[attr]
    profile = customer_profile[journey_customer]
    customer_first = _segment_starts(counts)
    returning = np.ones(n_journeys, dtype=np.int64)
    returning[customer_first] = 0

    # paths
    lengths, states, truncated = _walk(comp, profile, returning, model.max_events, rng)
    del profile, returning
    n_events = states.size
    offsets = _segment_starts(lengths)
    first = np.zeros(n_events, dtype=bool)
    first[offsets] = True

    # delays (whole seconds, at least 1, capped below the inactivity)
    trans = np.empty(n_events, dtype=np.int32)
    trans[1:] = states[:-1].astype(np.int32) * s + states[1:]
    trans[0] = 0
    delay = rng.standard_normal(n_events)
    delay *= comp.spread[trans]
    delay += comp.log_median[trans]
    silent = np.zeros(n_events, dtype=bool)
    candidates = np.flatnonzero((comp.gap_share[trans] > 0) & ~first)
    if candidates.size:
        hit = candidates[rng.random(candidates.size) < comp.gap_share[trans[candidates]]]
        t_hit = trans[hit]
        delay[hit] = comp.gap_log_median[t_hit] + comp.gap_spread[t_hit] * rng.standard_normal(
            hit.size
        )
        silent[hit] = True
    del trans, candidates
    np.exp(delay, out=delay)
    cap = max(1.0, math.floor(0.9 * model.inactivity.total_seconds()))
    np.clip(delay, 1.0, cap, out=delay)
    np.rint(delay, out=delay)
    delay[first] = 0.0
    elapsed = delay.astype(np.int64)
    del delay
    np.cumsum(elapsed, out=elapsed)
    journey_base = elapsed[offsets]
    last = offsets + lengths - 1
    duration = elapsed[last] - journey_base

    # journey start times: a customer's journeys follow each other after the inactivity
    gap = np.exp(
        math.log(model.revisit_delay.median.total_seconds())
        + model.revisit_delay.spread * rng.standard_normal(n_journeys)
    )
    gap = np.ceil(gap).astype(np.int64) + int(model.inactivity.total_seconds())
    window = (end_ns - start_ns) // 1_000_000_000
    rel_start, last_start = _relative_starts(duration + gap, customer_first, counts)
    crowded = last_start >= window
    if crowded.any():
        # shorten the waits between these customers' journeys to just over the inactivity
        gap[crowded[journey_customer]] = int(model.inactivity.total_seconds()) + 1
        rel_start, last_start = _relative_starts(duration + gap, customer_first, counts)
    room = np.maximum(window - last_start, 0)
    t0 = np.floor(rng.random(n_customers) * room).astype(np.int64)
    journey_start = t0[journey_customer] + rel_start
    seconds = elapsed  # in place: seconds since the window start
    seconds += np.repeat(journey_start - journey_base, lengths)
    del elapsed

    # observation window
    keep = seconds < window
    event_journey = np.repeat(np.arange(n_journeys, dtype=index_dtype), lengths)
    kept = np.bincount(event_journey[keep], minlength=n_journeys)
    ongoing = (kept < lengths) & (kept > 0)
    observed = kept > 0
    if not keep.all():
        states = states[keep]
        seconds = seconds[keep]
        silent = silent[keep]
        event_journey = event_journey[keep]
    del keep
    if not observed.all():
        new_index = (np.cumsum(observed) - 1).astype(index_dtype)
        event_journey = new_index[event_journey]
        journey_customer = journey_customer[observed]
        truncated = truncated[observed]
        ongoing = ongoing[observed]
        kept = kept[observed]
        seen = np.zeros(n_customers, dtype=bool)
        seen[journey_customer] = True
        new_customer = (np.cumsum(seen) - 1).astype(index_dtype)
        journey_customer = new_customer[journey_customer]
        attr_codes = {a: c[seen] for a, c in attr_codes.items()}
        n_customers = int(seen.sum())
    n_obs = int(observed.sum())

    # agents
    resource = np.full(states.size, -1, dtype=np.int16)
    staffed = np.flatnonzero(comp.agents[states] > 0)
    if staffed.size:
        st = states[staffed]
        pick = np.floor(rng.random(staffed.size) * comp.agents[st]).astype(np.int64)
        resource[staffed] = comp.resource_offset[st] + pick

    timestamps = seconds  # in place: nanoseconds since the epoch
    timestamps *= 1_000_000_000
    timestamps += start_ns
    return {
        "n_journeys": n_obs,
        "n_customers": n_customers,
        "event_journey": event_journey,
        "journey_customer": journey_customer,
        "states": states,
        "timestamps": timestamps,
        "resource": resource,
        "silent": silent,
        "attr_codes": attr_codes,
        "lengths": kept,
        "ongoing": ongoing,
        "truncated": truncated,
    }


def _ids(prefix: str, n: int, width: int) -> pd.Index:
    width = max(width, len(str(max(n - 1, 0))))
    return pd.Index([f"{prefix}{i:0{width}d}" for i in range(n)], dtype="str")


def _categorical(codes: np.ndarray, categories: Sequence[str] | pd.Index) -> pd.Categorical:
    cats = categories if isinstance(categories, pd.Index) else pd.Index(categories, dtype="str")
    return pd.Categorical.from_codes(codes, categories=cats, validate=False)


def _frame(model: JourneyModel, arrays: dict[str, Any]) -> pd.DataFrame:
    comp = model._compiled
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
    comp = model._compiled
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
            f"'2025-01-01'. Got {_show(value)} instead."
        ) from exc
    if ts is pd.NaT:
        raise InvalidParameterError(
            f"The {param!r} parameter of simulate must be a date or timestamp such as "
            f"'2025-01-01'. Got {_show(value)} instead."
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
            f"Got {_show(model)} of type {type(model).__name__} instead."
        )
    check_number(n_journeys, "n_journeys", f, low=1, integer=True)
    if seed is not None:
        check_number(seed, "seed", f, low=0, integer=True)
    t_start = _utc(start, "start")
    t_end = t_start + pd.Timedelta(days=365) if end is None else _utc(end, "end")
    if t_end <= t_start + pd.Timedelta(seconds=1):
        raise InvalidParameterError(
            f"The 'end' parameter of {f} must be after 'start' ({t_start}). "
            f"Got {_show(end)} instead."
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
    return log._replace(ongoing=flags, observation_end=observation_end)


# --------------------------------------------------------------------------- the sample model

#: The patterns :func:`sample_model` plants, with their exact rates. Rates are
#: per visit of the touchpoint (or per step on the transition), so they can be
#: read off an event log directly: e.g. the share of "enter payment details"
#: events that are the last event of a finished journey.
PLANTED: dict[str, dict[str, Any]] = {
    "drop_off": {
        "touchpoint": "enter payment details",
        "rate": 0.35,
        "description": "35% of visits of 'enter payment details' end the journey without a "
        "purchase; the rest purchase.",
    },
    "ping_pong": {
        "path": ("billing question", "transfer to billing", "transfer back to support"),
        "departments": ("support", "billing", "support"),
        "rate": 0.35,
        "followed_by": "billing complaint call",
        "description": "35% of billing questions (support chat) are transferred to billing and "
        "straight back to support; all of those are followed, about a day later, by an inbound "
        "'billing complaint call', and they convert less (15% go on to 'enter payment details' "
        "versus 45% after a 'billing answer').",
    },
    "silent_gap": {
        "transition": ("support ticket opened", "support reply"),
        "rate": 1 / 3,
        "gap": "14D",
        "normal": "4h",
        "description": "A third of the waits between 'support ticket opened' (inbound) and "
        "'support reply' (outbound) are silent gaps of about 14 days (lognormal, spread 0.2); "
        "the others take hours (median 4h, spread 0.8). Every gap exceeds 7 days and every "
        "normal wait is shorter, up to chance below 0.5%.",
    },
    "dead_end": {
        "touchpoint": "legacy help page",
        "conversion": 0.0,
        "description": "From 'legacy help page' journeys only reload it (20%) or end (80%): "
        "no journey that visits it reaches 'purchase' afterwards, and since it can only be "
        "reached before any purchase, no such journey converts.",
    },
    "repeat_contact": {
        "path": ("email support", "chat with support", "call support"),
        "rate": 0.30,
        "then": 0.50,
        "within": "3D",
        "description": "30% of inbound 'email support' contacts are followed by an inbound "
        "'chat with support' about the same issue (median 1 day later, spread 0.4), and 50% of "
        "those chats by an inbound 'call support' (again ~1 day later): repeat contacts "
        "across channels within 3 days.",
    },
    "segment": {
        "attribute": "acquisition",
        "shares": {"ads": 0.6, "partner": 0.4},
        "step": ("view pricing", "start trial"),
        "rates": {"ads": 0.40, "partner": 0.60},
        "description": "Customers acquired via 'partner' go from 'view pricing' to 'start "
        "trial' 60% of the time, those acquired via 'ads' 40%; every other probability is "
        "the same for both.",
    },
    "goal": {"touchpoint": "purchase"},
    "journeys_per_customer": {
        "rates": {1: 0.65, 2: 0.25, 3: 0.10},
        "inactivity": "30D",
        "description": "Customers have 1-3 journeys; consecutive journeys of a customer are "
        "more than 30 days apart (30 days plus a lognormal wait, median 30 days), and no "
        "wait inside a journey exceeds 27 days (longer draws are capped).",
    },
}

#: The arguments of :func:`simulate` that generate the bundled sample
#: (``simulate(sample_model(), **SAMPLE_SIMULATION)``).
SAMPLE_SIMULATION: dict[str, Any] = {
    "n_journeys": 8000,
    "seed": 20250101,
    "start": "2025-01-01",
    "end": "2026-01-01",
}


def sample_model() -> JourneyModel:
    """The realistic journey model behind the bundled sample.

    A subscription product sold through web, app, email, phone, chat and
    stores, with departments marketing, sales, onboarding, support and billing
    and 28 touchpoints. Journeys start from an ad click, a newsletter, the
    homepage or a store visit, go through pricing, a trial, onboarding and the
    app to a purchase (the goal), with support and billing detours. Customers
    have an ``acquisition`` attribute ("ads" or "partner").

    It plants the patterns listed in :data:`PLANTED`, each at a known rate:

    1. drop-off: 35% of visits of "enter payment details" end the journey;
    2. ping-pong: 35% of "billing question" chats go support -> billing ->
       support ("transfer to billing", "transfer back to support"), then to an
       inbound "billing complaint call"; those journeys convert less;
    3. silent gap: 1/3 of the waits from "support ticket opened" to "support
       reply" are ~14 days instead of ~4 hours;
    4. dead end: no journey that visits "legacy help page" converts;
    5. repeat contacts: 30% of "email support" contacts are followed within
       days by "chat with support", and half of those by "call support";
    6. segment difference: "view pricing" -> "start trial" is 40% for
       acquisition "ads" and 60% for "partner"; nothing else differs.

    Customers have 1, 2 or 3 journeys (65%, 25%, 10%) more than 30 days apart.
    The truth table of :func:`simulate` gets the markers ``had_ping_pong``,
    ``visited_dead_end``, ``had_repeat_contact`` and ``had_billing_question``.

    Returns
    -------
    JourneyModel

    Examples
    --------
    >>> from journeymine.datasets import sample_model, PLANTED
    >>> model = sample_model()
    >>> len(model.touchpoints), model.channels
    (28, ['web', 'email', 'store', 'chat', 'app', 'phone'])
    >>> model.transitions["enter payment details"]["END"] == PLANTED["drop_off"]["rate"]
    True
    """
    inbound, outbound, internal = DIRECTIONS
    touchpoints = [
        Touchpoint("ad click", "web", "marketing", inbound),
        Touchpoint("newsletter email", "email", "marketing", outbound),
        Touchpoint("visit homepage", "web", "marketing", inbound),
        Touchpoint("store visit", "store", "sales", inbound, agents=4),
        Touchpoint("view pricing", "web", "sales", inbound),
        Touchpoint("legacy help page", "web", "support", inbound),
        Touchpoint("request demo", "web", "sales", inbound),
        Touchpoint("sales chat", "chat", "sales", outbound, agents=4),
        Touchpoint("start trial", "web", "sales", inbound),
        Touchpoint("onboarding email", "email", "onboarding", outbound),
        Touchpoint("reminder email", "email", "marketing", outbound),
        Touchpoint("setup chat", "chat", "onboarding", outbound, agents=3),
        Touchpoint("install app", "app", "onboarding", inbound),
        Touchpoint("use app", "app", "onboarding", inbound),
        Touchpoint("enter payment details", "web", "billing", inbound),
        Touchpoint("purchase", "web", "sales", inbound),
        Touchpoint("receipt email", "email", "billing", outbound),
        Touchpoint("cancel", "web", "billing", inbound),
        Touchpoint("support ticket opened", "web", "support", inbound),
        Touchpoint("support reply", "email", "support", outbound, agents=6),
        Touchpoint("email support", "email", "support", inbound),
        Touchpoint("chat with support", "chat", "support", inbound, agents=6),
        Touchpoint("call support", "phone", "support", inbound, agents=6),
        Touchpoint("billing question", "chat", "support", inbound, agents=6),
        Touchpoint("transfer to billing", "chat", "billing", internal, agents=3),
        Touchpoint("transfer back to support", "chat", "support", internal, agents=6),
        Touchpoint("billing complaint call", "phone", "support", inbound, agents=6),
        Touchpoint("billing answer", "email", "billing", outbound, agents=3),
    ]
    drop = PLANTED["drop_off"]["rate"]
    pp = PLANTED["ping_pong"]["rate"]
    rc = PLANTED["repeat_contact"]["rate"]
    seg = PLANTED["segment"]["rates"]
    transitions = {
        "ad click": {"visit homepage": 0.65, "view pricing": 0.25, "END": 0.10},
        "newsletter email": {"visit homepage": 0.50, "view pricing": 0.25, "END": 0.25},
        "visit homepage": {
            "view pricing": 0.50,
            "legacy help page": 0.08,
            "request demo": 0.12,
            "start trial": 0.12,
            "END": 0.18,
        },
        "store visit": {"view pricing": 0.25, "start trial": 0.50, "END": 0.25},
        "view pricing": {
            "start trial": seg["ads"],
            "request demo": 0.15,
            "enter payment details": 0.15,
            "END": 0.70 - seg["ads"],
        },
        "legacy help page": {"legacy help page": 0.20, "END": 0.80},
        "request demo": {"sales chat": 0.85, "END": 0.15},
        "sales chat": {"start trial": 0.60, "view pricing": 0.15, "END": 0.25},
        "start trial": {"onboarding email": 0.95, "END": 0.05},
        "onboarding email": {
            "install app": 0.50,
            "setup chat": 0.15,
            "reminder email": 0.20,
            "END": 0.15,
        },
        "reminder email": {"install app": 0.35, "enter payment details": 0.10, "END": 0.55},
        "setup chat": {"install app": 0.80, "END": 0.20},
        "install app": {"use app": 0.90, "END": 0.10},
        "use app": {
            "use app": 0.40,
            "enter payment details": 0.18,
            "support ticket opened": 0.10,
            "email support": 0.09,
            "billing question": 0.12,
            "cancel": 0.04,
            "END": 0.07,
        },
        "enter payment details": {"purchase": 1.0 - drop, "END": drop},
        "purchase": {"receipt email": 0.95, "END": 0.05},
        "receipt email": {"END": 1.0},
        "cancel": {"END": 1.0},
        "support ticket opened": {"support reply": 1.0},
        "support reply": {
            "use app": 0.60,
            "enter payment details": 0.12,
            "cancel": 0.08,
            "END": 0.20,
        },
        "email support": {"chat with support": rc, "support reply": 0.60, "END": 0.40 - rc},
        "chat with support": {"call support": 0.50, "use app": 0.35, "END": 0.15},
        "call support": {
            "use app": 0.50,
            "enter payment details": 0.20,
            "cancel": 0.10,
            "END": 0.20,
        },
        "billing question": {"billing answer": 1.0 - pp, "transfer to billing": pp},
        "transfer to billing": {"transfer back to support": 1.0},
        "transfer back to support": {"billing complaint call": 1.0},
        "billing complaint call": {"enter payment details": 0.15, "cancel": 0.35, "END": 0.50},
        "billing answer": {"enter payment details": 0.40, "use app": 0.40, "END": 0.20},
    }
    partner_row = dict(transitions["view pricing"])
    partner_row["start trial"] = seg["partner"]
    partner_row["END"] = 0.70 - seg["partner"]
    delays = {
        ("ad click", "*"): ("3min", 0.8),
        ("visit homepage", "*"): ("10min", 1.0),
        ("newsletter email", "*"): ("1D", 1.0),
        ("store visit", "*"): ("1D", 1.0),
        ("view pricing", "*"): ("2h", 1.2),
        ("*", "legacy help page"): ("2min", 0.8),
        ("request demo", "sales chat"): ("1D", 0.6),
        ("sales chat", "*"): ("1D", 1.0),
        ("*", "start trial"): ("1h", 1.0),
        ("start trial", "onboarding email"): ("1h", 0.3),
        ("onboarding email", "*"): ("1D", 0.8),
        ("onboarding email", "reminder email"): ("7D", 0.2),
        ("reminder email", "*"): ("2D", 0.8),
        ("*", "install app"): ("6h", 1.0),
        ("install app", "use app"): ("5min", 0.8),
        ("use app", "*"): ("3D", 1.0),
        ("*", "enter payment details"): ("5D", 0.8),
        ("enter payment details", "purchase"): ("3min", 0.5),
        ("purchase", "receipt email"): ("1min", 0.3),
        ("*", "cancel"): ("3D", 1.0),
        ("support reply", "*"): ("1D", 1.0),
        ("billing answer", "*"): ("1D", 1.0),
        ("*", "billing question"): ("2D", 1.0),
        ("*", "email support"): ("2D", 1.0),
        ("*", "support ticket opened"): ("2D", 1.0),
        ("support ticket opened", "support reply"): ("4h", 0.8),
        ("email support", "support reply"): ("6h", 0.8),
        ("email support", "chat with support"): ("1D", 0.4),
        ("chat with support", "call support"): ("1D", 0.4),
        ("billing question", "billing answer"): ("1D", 0.6),
        ("billing question", "transfer to billing"): ("10min", 0.5),
        ("transfer to billing", "transfer back to support"): ("20min", 0.5),
        ("transfer back to support", "billing complaint call"): ("1D", 0.5),
    }
    gap = PLANTED["silent_gap"]
    return JourneyModel(
        name="sample",
        touchpoints=touchpoints,
        start={
            "ad click": 0.40,
            "newsletter email": 0.15,
            "visit homepage": 0.35,
            "store visit": 0.10,
        },
        return_start={
            "use app": 0.35,
            "billing question": 0.15,
            "email support": 0.15,
            "support ticket opened": 0.15,
            "visit homepage": 0.10,
            "newsletter email": 0.10,
        },
        transitions=transitions,
        goals=(PLANTED["goal"]["touchpoint"],),
        delays=delays,
        default_delay=Delay("2h", 1.0),
        attributes={"acquisition": PLANTED["segment"]["shares"]},
        modifiers=(
            SilentGap(*gap["transition"], share=gap["rate"], delay=Delay(gap["gap"], 0.2)),
            SegmentEffect("acquisition", "partner", "view pricing", partner_row),
        ),
        markers={
            "had_ping_pong": ("transfer back to support",),
            "visited_dead_end": ("legacy help page",),
            "had_repeat_contact": ("chat with support",),
            "had_billing_question": ("billing question",),
        },
        journeys_per_customer=PLANTED["journeys_per_customer"]["rates"],
        inactivity=PLANTED["journeys_per_customer"]["inactivity"],
        revisit_delay=Delay("30D", 0.6),
        max_events=100,
    )


# --------------------------------------------------------------------------- random models

_CHANNELS = ("web", "app", "email", "phone", "chat", "store", "sms", "social", "post")
_DEPARTMENTS = ("marketing", "sales", "onboarding", "support", "billing", "logistics", "finance")
_SELF_SERVICE = {"web", "app"}


def random_model(
    n_touchpoints: int = 40,
    n_channels: int = 6,
    n_departments: int = 5,
    *,
    events_per_journey: float = 12,
    seed: int = 0,
) -> JourneyModel:
    """A random journey model, for benchmarks and property tests.

    Each touchpoint leads to 3-6 others with random probabilities and ends the
    journey with probability ``1 / events_per_journey``, so journeys have that
    many events on average (a geometric length). The last touchpoint is the
    goal. Customers have a ``segment`` ("a" or "b"; "b" swaps the two likeliest
    next steps of the first touchpoint), and a quarter of the steps on that
    touchpoint's likeliest transition are 10-day silent gaps, so the model
    exercises every feature. Customers have 1-3 journeys.

    Parameters
    ----------
    n_touchpoints : int, default 40
        The number of touchpoints (at least 2), named "touchpoint 00", ....
    n_channels, n_departments : int, default 6 and 5
        How many channels and departments the touchpoints spread over.
    events_per_journey : float, default 12
        The mean number of events per journey (at least 1).
    seed : int, default 0
        The seed of the random structure.

    Returns
    -------
    JourneyModel

    Examples
    --------
    >>> from journeymine.datasets import random_model, simulate
    >>> model = random_model(20, events_per_journey=8, seed=3)
    >>> len(model.touchpoints), len(model.channels) <= 6
    (20, True)
    >>> df = simulate(model, n_journeys=2000, as_frame=True)
    >>> 7 < len(df) / 2000 < 9
    True
    """
    f = "random_model"
    check_number(n_touchpoints, "n_touchpoints", f, low=2, integer=True)
    check_number(n_channels, "n_channels", f, low=1, integer=True)
    check_number(n_departments, "n_departments", f, low=1, integer=True)
    check_number(events_per_journey, "events_per_journey", f, low=1)
    check_number(seed, "seed", f, low=0, integer=True)
    rng = np.random.default_rng(seed)
    channels = [_CHANNELS[i] if i < len(_CHANNELS) else f"channel {i}" for i in range(n_channels)]
    departments = [
        _DEPARTMENTS[i] if i < len(_DEPARTMENTS) else f"department {i}"
        for i in range(n_departments)
    ]
    width = len(str(n_touchpoints - 1))
    names = [f"touchpoint {i:0{width}d}" for i in range(n_touchpoints)]
    touchpoints = []
    for i, name in enumerate(names):
        channel = channels[i % n_channels] if i < n_channels else channels[rng.integers(n_channels)]
        department = departments[i % n_departments]
        direction = DIRECTIONS[int(rng.choice(3, p=[0.6, 0.3, 0.1]))]
        agents = 0 if channel in _SELF_SERVICE else int(rng.integers(2, 9))
        touchpoints.append(Touchpoint(name, channel, department, direction, agents))
    p_end = 1.0 / float(events_per_journey)
    goal = names[-1]
    transitions: dict[str, dict[str, float]] = {}
    for i, name in enumerate(names):
        k = int(rng.integers(3, 7))
        targets = rng.choice(n_touchpoints, size=min(k, n_touchpoints), replace=False)
        if i % 5 == 0 and n_touchpoints - 1 not in targets:
            targets[0] = n_touchpoints - 1  # make the goal reachable from many places
        weights = rng.dirichlet(np.ones(targets.size)) * (1.0 - p_end)
        row: dict[str, float] = {}
        for t, w in zip(targets, weights, strict=True):
            row[names[int(t)]] = row.get(names[int(t)], 0.0) + float(w)
        row[_END] = p_end
        transitions[name] = row
    starts = rng.choice(n_touchpoints - 1, size=min(4, n_touchpoints - 1), replace=False)
    start = dict(
        zip(
            [names[int(i)] for i in starts],
            rng.dirichlet(np.ones(starts.size)).tolist(),
            strict=True,
        )
    )
    medians = np.exp(rng.uniform(math.log(300), math.log(86400), size=n_touchpoints))
    delays = {
        ("*", n): (pd.Timedelta(seconds=round(float(m))), 1.0)
        for n, m in zip(names, medians, strict=True)
    }
    # segment "b" swaps the two likeliest next steps of the first touchpoint (the end
    # probability, and so the mean journey length, stays the same)
    src = names[0]
    ranked = sorted((t for t in transitions[src] if t != _END), key=transitions[src].get)
    tgt = ranked[-1]
    seg_row = dict(transitions[src])
    if len(ranked) > 1:
        seg_row[ranked[-1]], seg_row[ranked[-2]] = seg_row[ranked[-2]], seg_row[ranked[-1]]
    return JourneyModel(
        name=f"random model (seed {seed})",
        touchpoints=touchpoints,
        start=start,
        transitions=transitions,
        goals=(goal,),
        delays=delays,
        attributes={"segment": {"a": 0.5, "b": 0.5}},
        modifiers=(
            SilentGap(src, tgt, 0.25, Delay("10D", 0.3)),
            SegmentEffect("segment", "b", src, seg_row),
        ),
        journeys_per_customer={1: 0.6, 2: 0.3, 3: 0.1},
        max_events=max(100, int(20 * events_per_journey)),
    )
