"""The journey model: a first-order Markov chain over touchpoints, with modifiers.

:class:`JourneyModel` holds and validates every field (``_blocks.py`` has the
building blocks and the field checks); ``_engine.py`` compiles it into the
flat arrays the simulator steps through.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from .._validation import check_number, near_matches, show_value, to_timedelta
from ..errors import InvalidParameterError
from ..schema import CANONICAL_COLUMNS
from ._blocks import (
    END_STATE,
    RETURN_STATE,
    START_STATE,
    TRUTH_COLUMNS,
    Delay,
    SegmentEffect,
    SilentGap,
    Touchpoint,
    _as_delay,
    _as_modifier,
    _as_touchpoints,
    _check_dist,
    _check_name,
    _check_row,
    _format_timedelta,
    _per_step,
    unique_names,
)

__all__ = ["JourneyModel"]


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
        _set(self, "transitions", _checked_transitions(self.transitions, known, f))

        if isinstance(self.goals, str):
            _set(self, "goals", (self.goals,))
        goals = tuple(self.goals)
        for g in goals:
            _check_name(g, known, "goals", f)
        _set(self, "goals", goals)

        _set(self, "default_delay", _as_delay(self.default_delay, "default_delay", f))
        _set(self, "delays", _checked_delays(self.delays, known, f))
        attrs = _checked_attributes(self.attributes, f)
        _set(self, "attributes", attrs)
        _set(self, "modifiers", _checked_modifiers(self.modifiers, known, attrs, f))
        _set(self, "markers", _checked_markers(self.markers, known, attrs, f))

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
                f"The 'name' parameter of {f} must be a string. Got {show_value(self.name)} instead."
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
        return unique_names(t.channel for t in self.touchpoints)

    @property
    def departments(self) -> list[str]:
        """The departments of the touchpoints, in order of first appearance."""
        return unique_names(t.department for t in self.touchpoints)

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
                f"Got {show_value(spec)} instead."
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
                        f"dicts with 'source', 'target' and 'median'. Got {show_value(item)} instead."
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
                f"Got {show_value(steps)} instead."
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
                row[END_STATE] = reach
            return row

        start = chain(-1, 1.0)
        start.pop(END_STATE, None)
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
                row[END_STATE] = row.get(END_STATE, 0.0) + drops[step]
            transitions[step] = {k: round(v, 12) for k, v in row.items()}
        transitions[names[-1]] = {END_STATE: 1.0}
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


# ---------------------------------------------------------------------- field checks
# One checker per field kind of JourneyModel, run by __post_init__ in field order.


def _checked_transitions(
    value: Any, known: set[str], f: str
) -> MappingProxyType[str, Mapping[str, float]]:
    """The ``transitions`` field: each source's row of next-touchpoint probabilities."""
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"The 'transitions' parameter of {f} must be a mapping of touchpoint to "
            f"{{next touchpoint: probability}}. Got {show_value(value)} instead."
        )
    rows: dict[str, Mapping[str, float]] = {}
    for source, row in value.items():
        _check_name(source, known, "transitions", f)
        rows[source] = _check_row(row, known, "transitions", f, source=source)
    return MappingProxyType(rows)


def _checked_delays(
    value: Any, known: set[str], f: str
) -> MappingProxyType[tuple[str, str], Delay]:
    """The ``delays`` field: (source, target) pairs, ``"*"`` for any, to a delay."""
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"The 'delays' parameter of {f} must be a mapping of (source, target) to a "
            f"delay. Got {show_value(value)} instead."
        )
    delays: dict[tuple[str, str], Delay] = {}
    for key, item in value.items():
        if not (isinstance(key, tuple) and len(key) == 2):
            raise InvalidParameterError(
                f"The 'delays' parameter of {f} must have (source, target) pairs as keys. "
                f"Got {show_value(key)} instead."
            )
        src, tgt = key
        if src != "*":
            _check_name(src, known, "delays", f)
        if tgt != "*":
            _check_name(tgt, known, "delays", f)
        delays[(src, tgt)] = _as_delay(item, "delays", f)
    return MappingProxyType(delays)


def _checked_attributes(value: Any, f: str) -> MappingProxyType[str, Mapping[str, float]]:
    """The ``attributes`` field: per attribute name, a distribution of its values."""
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"The 'attributes' parameter of {f} must be a mapping of attribute name to "
            f"{{value: probability}}. Got {show_value(value)} instead."
        )
    attrs: dict[str, Mapping[str, float]] = {}
    for attr, dist in value.items():
        if not isinstance(attr, str) or attr in CANONICAL_COLUMNS or attr in TRUTH_COLUMNS:
            raise InvalidParameterError(
                f"The 'attributes' parameter of {f} must use names that are not canonical "
                f"or ground-truth columns. Got {show_value(attr)} instead."
            )
        attrs[attr] = _check_dist(dist, "attributes", f, f"attribute {attr!r}", str)
    return MappingProxyType(attrs)


def _checked_modifiers(
    value: Any, known: set[str], attrs: Mapping[str, Mapping[str, float]], f: str
) -> tuple[SilentGap | SegmentEffect, ...]:
    """The ``modifiers`` field: silent gaps (one per transition) and segment effects."""
    mods = tuple(_as_modifier(m) for m in value)
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
            _check_segment_effect(m, known, attrs, f)
    return mods


def _check_segment_effect(
    m: SegmentEffect, known: set[str], attrs: Mapping[str, Mapping[str, float]], f: str
) -> None:
    if m.attribute not in attrs:
        raise InvalidParameterError(
            f"The 'modifiers' parameter of {f} must refer to attributes of the "
            f"model {list(attrs)!r}. Got {m.attribute!r} instead."
        )
    if m.value not in attrs[m.attribute]:
        raise InvalidParameterError(
            f"The 'modifiers' parameter of {f} must refer to values of attribute "
            f"{m.attribute!r} {list(attrs[m.attribute])!r}. Got {show_value(m.value)} "
            "instead."
        )
    if m.source in (START_STATE, RETURN_STATE):
        _check_row(m.transitions, known, "modifiers", f, allow_end=False)
    else:
        _check_name(m.source, known, "modifiers", f)
        _check_row(m.transitions, known, "modifiers", f, source=m.source)


def _checked_markers(
    value: Any, known: set[str], attrs: Mapping[str, Mapping[str, float]], f: str
) -> MappingProxyType[str, tuple[str, ...]]:
    """The ``markers`` field: flag name to the touchpoints that set it."""
    if not isinstance(value, Mapping):
        raise InvalidParameterError(
            f"The 'markers' parameter of {f} must be a mapping of flag name to "
            f"touchpoints. Got {show_value(value)} instead."
        )
    markers: dict[str, tuple[str, ...]] = {}
    for flag, members in value.items():
        if not isinstance(flag, str) or flag in TRUTH_COLUMNS or flag in attrs:
            raise InvalidParameterError(
                f"The 'markers' parameter of {f} must use names that are not ground-truth "
                f"columns or attributes. Got {show_value(flag)} instead."
            )
        members = (members,) if isinstance(members, str) else tuple(members)
        for m_name in members:
            _check_name(m_name, known, "markers", f)
        markers[flag] = members
    return MappingProxyType(markers)
