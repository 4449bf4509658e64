"""Parsing assumed-journey specs: steps, stages, durations, and errors that name the field (private)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import near_matches, parse_duration, show_value
from ..errors import InvalidParameterError

__all__ = ["AssumedStep", "AssumedStage", "ORDERS"]

#: How the steps of a stage are ordered: one after the other, or in any order.
ORDERS: tuple[str, ...] = ("sequence", "any")

_STEP_KEYS = (
    "name",
    "channel",
    "department",
    "optional",
    "required",
    "repeatable",
    "max_wait",
    "aliases",
)
_STAGE_KEYS = ("name", "steps", "order")
TOP_KEYS = ("name", "goal", "stages", "steps", "max_duration", "description")
WHAT = "The assumed journey"


@dataclass(frozen=True)
class AssumedStep:
    """One expected touchpoint of an assumed journey.

    Attributes
    ----------
    name : str
        The touchpoint as it is named in the log (``activity``).
    stage : str
        The stage the step belongs to.
    channel, department : str or None
        Where the team assumes the step happens (None: no assumption).
    optional : bool
        A journey may leave the step out without deviating.
    repeatable : bool
        The step may happen more than once without deviating.
    max_wait : pandas.Timedelta or None
        The expected maximum time since the journey's previous step of the map.
    aliases : tuple of str
        Other log labels that count as this step.
    """

    name: str
    stage: str = "journey"
    channel: str | None = None
    department: str | None = None
    optional: bool = False
    repeatable: bool = False
    max_wait: pd.Timedelta | None = None
    aliases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The step in spec form (only the fields that differ from the defaults)."""
        out: dict[str, Any] = {"name": self.name}
        for key in ("channel", "department"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.optional:
            out["optional"] = True
        if self.repeatable:
            out["repeatable"] = True
        if self.max_wait is not None:
            out["max_wait"] = _fmt_td(self.max_wait)
        if self.aliases:
            out["aliases"] = list(self.aliases)
        return out


@dataclass(frozen=True)
class AssumedStage:
    """A stage of an assumed journey: a name, its steps, and their ``order`` (see :data:`ORDERS`)."""

    name: str
    steps: tuple[AssumedStep, ...] = field(default_factory=tuple)
    order: str = "sequence"

    def to_dict(self) -> dict[str, Any]:
        """The stage in spec form."""
        out: dict[str, Any] = {"name": self.name}
        if self.order != "sequence":
            out["order"] = self.order
        out["steps"] = [s.to_dict() for s in self.steps]
        return out


def _bad(path: str, problem: str, value: Any = None) -> None:
    raise InvalidParameterError(
        f"{WHAT} is invalid at {path!r}: {problem}. Got {show_value(value)} instead."
    )


def _join(root: str, key: str) -> str:
    return f"{root}.{key}" if root else key


def _unknown_keys(spec: Mapping[str, Any], allowed: Sequence[str], root: str) -> None:
    for key in spec:
        if key not in allowed and key != "_plain":
            near = near_matches(str(key), allowed)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            _bad(
                _join(root, str(key)),
                f"it is not a known key; the keys are {list(allowed)!r}{hint}",
                key,
            )


def _duration(value: Any, path: str) -> pd.Timedelta | None:
    if value is None:
        return None
    problem = "it must be a positive duration such as '2D' or '4h'"
    try:
        td = parse_duration(value)
    except ValueError as exc:
        _bad(path, f"{problem} ({exc})", value)
    if td <= pd.Timedelta(0):
        _bad(path, problem, value)
    return td


def _flag(spec: Mapping[str, Any], key: str, path: str) -> bool | None:
    if key not in spec:
        return None
    value = spec[key]
    if not isinstance(value, bool | np.bool_):
        _bad(_join(path, key), "it must be true or false", value)
    return bool(value)


def _label(value: Any, path: str, what: str = "a non-empty string") -> str:
    if not isinstance(value, str) or not value.strip():
        _bad(path, f"it must be {what}", value)
    return value


def _parse_step(spec: Any, stage: str, path: str) -> AssumedStep:
    if isinstance(spec, AssumedStep):
        spec = {**spec.to_dict()}
    if isinstance(spec, str):
        spec = {"name": spec}
    if not isinstance(spec, Mapping):
        _bad(path, "a step must be a name or a mapping with 'name'", spec)
    _unknown_keys(spec, _STEP_KEYS, path)
    if "name" not in spec:
        _bad(_join(path, "name"), "every step needs a name", None)
    name = _label(spec["name"], _join(path, "name"))
    for key in ("channel", "department"):
        if spec.get(key) is not None:
            _label(spec[key], _join(path, key), "a non-empty string or null")
    optional = _flag(spec, "optional", path)
    required = _flag(spec, "required", path)
    if optional is not None and required is not None and optional == required:
        _bad(_join(path, "required"), "it contradicts 'optional'", spec["required"])
    is_optional = bool(optional) if optional is not None else (required is False)
    aliases = spec.get("aliases", ())
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, Sequence):
        _bad(_join(path, "aliases"), "it must be a list of log labels", aliases)
    for k, a in enumerate(aliases):
        _label(a, _join(path, f"aliases[{k}]"))
    return AssumedStep(
        name=name,
        stage=stage,
        channel=spec.get("channel"),
        department=spec.get("department"),
        optional=is_optional,
        repeatable=bool(_flag(spec, "repeatable", path)),
        max_wait=_duration(spec.get("max_wait"), _join(path, "max_wait")),
        aliases=tuple(aliases),
    )


def _parse_stages(stages: Any, root: str) -> tuple[tuple[AssumedStage, ...], bool]:
    path = _join(root, "stages")
    if isinstance(stages, str) or not isinstance(stages, Sequence) or not stages:
        _bad(path, "it must be a non-empty list of stages or of steps", stages)
    items = list(stages)
    is_stage = [
        isinstance(x, AssumedStage) or (isinstance(x, Mapping) and "steps" in x) for x in items
    ]
    if not any(is_stage):  # a plain list of steps: one stage
        items = [{"name": "journey", "steps": items, "_plain": True}]
    elif not all(is_stage):
        k = is_stage.index(False)
        _bad(f"{path}[{k}]", "a stage must be a mapping with 'name' and 'steps'", items[k])
    out: list[AssumedStage] = []
    names: set[str] = set()
    all_plain = all(isinstance(st, Mapping) and st.get("_plain") for st in items)
    for i, st in enumerate(items):
        if isinstance(st, AssumedStage):
            st = st.to_dict()
        plain = bool(st.get("_plain"))
        where = "" if plain else f"{path}[{i}]"
        if not plain:
            _unknown_keys(st, _STAGE_KEYS, where)
        sname = _label(st.get("name", f"stage {i + 1}"), _join(where, "name"))
        if sname in names:
            _bad(_join(where, "name"), "stage names must be unique", sname)
        names.add(sname)
        order = st.get("order", "sequence")
        if order not in ORDERS:
            _bad(_join(where, "order"), f"it must be one of {list(ORDERS)!r}", order)
        steps = st["steps"]
        spath = _join(root, "steps") if plain else _join(where, "steps")
        if isinstance(steps, str) or not isinstance(steps, Sequence) or not steps:
            _bad(spath, "it must be a non-empty list of steps", steps)
        parsed = tuple(_parse_step(s, sname, f"{spath}[{j}]") for j, s in enumerate(steps))
        out.append(AssumedStage(sname, parsed, order))
    return tuple(out), all_plain


def _fmt_td(td: pd.Timedelta) -> str:
    for unit, size in (
        ("D", pd.Timedelta(days=1)),
        ("h", pd.Timedelta(hours=1)),
        ("min", pd.Timedelta(minutes=1)),
    ):
        if td % size == pd.Timedelta(0):
            return f"{td // size}{unit}"
    return f"{int(td.total_seconds())}s"
