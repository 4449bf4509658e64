"""The assumed journey: the map a journey team draws before looking at the data.

An :class:`AssumedJourney` is written the way a journey team writes it: ordered
stages, the touchpoints (steps) expected in each, with the channel and department
where the team assumes them, which steps are optional, the expected order, the
expected maximum time between steps, and the goal. It can be built from a plain
list of steps, a dict, a YAML or JSON file, or (through the pm4py extra) a BPMN
file or a Petri net.

The spec form, as YAML::

    name: Online purchase
    goal: purchase
    max_duration: 30D            # optional: the whole journey
    stages:
      - name: Awareness
        steps:
          - name: visit homepage
            channel: web
            department: marketing
          - name: read reviews
            optional: true
      - name: Consideration
        order: any               # steps of this stage may come in any order
        steps: [view pricing, compare plans]
      - name: Purchase
        steps:
          - name: enter payment details
            max_wait: 2D         # at most 2 days after the previous step of the map
          - name: purchase
            aliases: [Purchase completed]   # other log labels of this step

Instead of ``stages``, a spec may give ``steps`` (one stage). Every problem is an
:class:`~journeymine.InvalidParameterError` that names the place in the spec,
e.g. ``stages[1].steps[0].max_wait``, and what is wrong with it.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_number, near_matches, show_value
from ..errors import InvalidParameterError
from ..schema import END, START
from ._netreplay import bfs_labels, net_edges
from ._spec import (
    ORDERS,
    TOP_KEYS,
    WHAT,
    AssumedStage,
    AssumedStep,
    _bad,
    _duration,
    _fmt_td,
    _join,
    _parse_stages,
    _unknown_keys,
)

__all__ = ["AssumedJourney", "AssumedStage", "AssumedStep", "ORDERS"]


class AssumedJourney:
    """The journey a team assumes: ordered stages of expected touchpoints, and a goal.

    Parameters
    ----------
    stages : sequence
        Either the stages (dicts with ``name``, ``steps`` and optional ``order``, or
        :class:`AssumedStage` objects) or a plain list of steps (names, dicts with the
        step keys below, or :class:`AssumedStep` objects), which makes one stage.
        Step keys: ``name`` (required), ``channel``, ``department``, ``optional``
        (or ``required``), ``repeatable``, ``max_wait`` (a duration such as ``"2D"``:
        the expected maximum time since the journey's previous step of the map) and
        ``aliases`` (other log labels of the same step).
    goal : str or list of str, optional
        The step(s) that mean success.
    name : str, default "assumed journey"
    max_duration : str or pandas.Timedelta, optional
        The expected maximum duration of a whole journey.
    description : str, optional
        Free text.

    Raises
    ------
    InvalidParameterError
        Naming the place in the spec (e.g. ``stages[1].steps[0].max_wait``) and the problem.

    See Also
    --------
    journeymine.compare : Hold the assumed journey against observed journeys.

    Examples
    --------
    >>> import journeymine as jm
    >>> aj = jm.AssumedJourney(["visit homepage", "view pricing", "purchase"], goal="purchase")
    >>> aj
    AssumedJourney('assumed journey': 1 stages, 3 steps, goal=['purchase'])
    >>> aj.step_names
    ['visit homepage', 'view pricing', 'purchase']
    >>> jm.AssumedJourney.from_dict({"steps": [{"name": "visit homepage", "max_wait": "soon"}]})
    Traceback (most recent call last):
    ...
    journeymine.errors.InvalidParameterError: The assumed journey is invalid at 'steps[0].max_wait': it must be a positive duration such as '2D' or '4h' (it cannot be read as a duration). Got 'soon' instead.
    """

    def __init__(
        self,
        stages: Sequence[Any],
        *,
        goal: str | Sequence[str] | None = None,
        name: str = "assumed journey",
        max_duration: Any = None,
        description: str | None = None,
    ) -> None:
        self._net: tuple[Any, Any, Any] | None = None
        self._parse(stages, goal, name, max_duration, description, root="")

    # ------------------------------------------------------------------ parsing
    def _parse(
        self, stages: Any, goal: Any, name: Any, max_duration: Any, description: Any, *, root: str
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            _bad(_join(root, "name"), "it must be a non-empty string", name)
        self.name: str = name
        if description is not None and not isinstance(description, str):
            _bad(_join(root, "description"), "it must be a string", description)
        self.description: str | None = description
        self.max_duration: pd.Timedelta | None = _duration(
            max_duration, _join(root, "max_duration")
        )
        parsed, self._plain = _parse_stages(stages, root)
        self.stages: tuple[AssumedStage, ...] = parsed
        self._check_names(root)
        self.goal: tuple[str, ...] = self._parse_goal(goal, _join(root, "goal"))

    def _check_names(self, root: str) -> None:
        seen: dict[str, str] = {}
        plain_list = self._plain
        for i, stage in enumerate(self.stages):
            for j, step in enumerate(stage.steps):
                where = f"steps[{j}]" if plain_list else f"stages[{i}].steps[{j}]"
                for k, label in enumerate((step.name, *step.aliases)):
                    path = _join(root, where + (".name" if k == 0 else f".aliases[{k - 1}]"))
                    if label in seen:
                        _bad(
                            path,
                            f"the label {label!r} already belongs to the step at {seen[label]!r}",
                            label,
                        )
                    seen[label] = _join(root, where)

    def _parse_goal(self, goal: Any, path: str) -> tuple[str, ...]:
        if goal is None:
            return ()
        names = [goal] if isinstance(goal, str) else goal
        if (
            not isinstance(names, Sequence)
            or not names
            or not all(isinstance(g, str) for g in names)
        ):
            _bad(path, "it must be a step name or a list of step names", goal)
        known = self.step_names
        for g in names:
            if g not in known:
                near = near_matches(g, known)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                _bad(path, f"it must name steps of the journey {known!r}{hint}", g)
        return tuple(dict.fromkeys(names))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_steps(cls, steps: Sequence[Any], **kwargs: Any) -> AssumedJourney:
        """An assumed journey of one stage from a plain list of steps.

        Examples
        --------
        >>> import journeymine as jm
        >>> jm.AssumedJourney.from_steps(["a", {"name": "b", "optional": True}, "c"]).steps[1].optional
        True
        """
        if isinstance(steps, str) or not isinstance(steps, Sequence) or not steps:
            _bad("steps", "it must be a non-empty list of steps", steps)
        return cls.from_dict({"steps": list(steps), **kwargs})

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any] | Sequence[Any]) -> AssumedJourney:
        """Build an assumed journey from its spec (a dict as in the module docs, or a list of steps).

        Examples
        --------
        >>> import journeymine as jm
        >>> aj = jm.AssumedJourney.from_dict({
        ...     "name": "trial", "goal": "purchase",
        ...     "stages": [{"name": "try", "steps": ["start trial", {"name": "use product",
        ...                 "repeatable": True}]},
        ...                {"name": "buy", "steps": [{"name": "purchase", "max_wait": "14D"}]}]})
        >>> [s.stage for s in aj.steps]
        ['try', 'try', 'buy']
        >>> aj.steps[2].max_wait
        Timedelta('14 days 00:00:00')
        >>> jm.AssumedJourney.from_dict({"stages": [{"name": "x", "steps": ["a"]}], "gaol": "a"})
        Traceback (most recent call last):
        ...
        journeymine.errors.InvalidParameterError: The assumed journey is invalid at 'gaol': it is not a known key; the keys are ['name', 'goal', 'stages', 'steps', 'max_duration', 'description'] (did you mean 'goal'?). Got 'gaol' instead.
        """
        if isinstance(spec, Sequence) and not isinstance(spec, str | bytes):
            spec = {"steps": list(spec)}
        if not isinstance(spec, Mapping):
            _bad("spec", "it must be a mapping with 'stages' or 'steps', or a list of steps", spec)
        _unknown_keys(spec, TOP_KEYS, "")
        has_stages, has_steps = "stages" in spec, "steps" in spec
        if has_stages == has_steps:
            _bad("stages", "the spec must have exactly one of 'stages' and 'steps'", sorted(spec))
        self = object.__new__(cls)
        self._net = None
        body = spec["steps"] if has_steps else spec["stages"]
        if has_steps:
            if isinstance(body, str) or not isinstance(body, Sequence) or not body:
                _bad("steps", "it must be a non-empty list of steps", body)
            body = [{"name": "journey", "steps": list(body), "_plain": True}]
        self._parse(
            body,
            spec.get("goal"),
            spec.get("name", "assumed journey"),
            spec.get("max_duration"),
            spec.get("description"),
            root="",
        )
        return self

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> AssumedJourney:
        """Read a spec from a ``.yaml``/``.yml`` or ``.json`` file (a ``.bpmn`` file goes to :meth:`from_bpmn`).

        Examples
        --------
        >>> import json, tempfile, os
        >>> import journeymine as jm
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = os.path.join(d, "journey.json")
        ...     with open(p, "w") as fh:
        ...         json.dump({"steps": ["a", "b"], "goal": "b"}, fh)
        ...     jm.AssumedJourney.from_file(p).goal
        ('b',)
        """
        p = Path(path)
        if not p.is_file():
            raise InvalidParameterError(
                f"The 'path' parameter of AssumedJourney.from_file must be an existing file. "
                f"Got {show_value(str(path))} instead."
            )
        suffix = p.suffix.lower()
        if suffix == ".bpmn":
            return cls.from_bpmn(p)
        text = p.read_text(encoding="utf-8")
        if suffix == ".json":
            try:
                spec = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InvalidParameterError(
                    f"{WHAT} file {str(p)!r} is not valid JSON: {exc.msg} at line {exc.lineno}."
                ) from exc
            return cls.from_dict(spec)
        if suffix in (".yaml", ".yml"):
            return cls.from_yaml(p)
        raise InvalidParameterError(
            "The 'path' parameter of AssumedJourney.from_file must end in .yaml, .yml, .json or "
            f".bpmn. Got {show_value(str(path))} instead."
        )

    @classmethod
    def from_yaml(cls, source: str | os.PathLike[str]) -> AssumedJourney:
        """Read a spec from a YAML file, or from YAML text (a string with a line break).

        Examples
        --------
        >>> import journeymine as jm
        >>> aj = jm.AssumedJourney.from_yaml('''
        ... goal: purchase
        ... steps:
        ...   - visit homepage
        ...   - {name: view pricing, optional: true}
        ...   - purchase
        ... ''')
        >>> [s.optional for s in aj.steps]
        [False, True, False]
        """
        import yaml

        if isinstance(source, str) and "\n" in source:
            text, where = source, "text"
        else:
            p = Path(source)
            if not p.is_file():
                raise InvalidParameterError(
                    "The 'source' parameter of AssumedJourney.from_yaml must be an existing file "
                    f"or YAML text. Got {show_value(str(source))} instead."
                )
            text, where = p.read_text(encoding="utf-8"), repr(str(p))
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f" at line {mark.line + 1}" if mark is not None else ""
            raise InvalidParameterError(
                f"{WHAT} YAML {where} cannot be read{line}: {exc}."
            ) from exc
        return cls.from_dict(spec)

    @classmethod
    def from_bpmn(
        cls, path: str | os.PathLike[str], *, name: str | None = None, goal: Any = None
    ) -> AssumedJourney:
        """An assumed journey from a BPMN file (needs the pm4py extra).

        Compared with :func:`~journeymine.compare`, fitness and deviations come from
        pm4py's alignments (or token replay) on the Petri net of the BPMN model.
        """
        from .._optional import import_pm4py

        pm4py = import_pm4py("AssumedJourney.from_bpmn")
        p = Path(path)
        if not p.is_file():
            raise InvalidParameterError(
                "The 'path' parameter of AssumedJourney.from_bpmn must be an existing BPMN file. "
                f"Got {show_value(str(path))} instead."
            )
        try:
            bpmn = pm4py.read_bpmn(str(p))
            net, im, fm = pm4py.convert_to_petri_net(bpmn)
        except Exception as exc:  # pm4py raises many kinds on a broken file
            raise InvalidParameterError(
                f"{WHAT} BPMN file {str(p)!r} cannot be read: {exc}."
            ) from exc
        return cls.from_petri_net(net, im, fm, name=name or p.stem, goal=goal)

    @classmethod
    def from_petri_net(
        cls,
        net: Any,
        initial_marking: Any,
        final_marking: Any,
        *,
        name: str = "assumed journey",
        goal: Any = None,
    ) -> AssumedJourney:
        """An assumed journey from a pm4py Petri net with its initial and final markings.

        The steps are the net's visible transition labels, in breadth-first order from
        the initial marking. Compared with :func:`~journeymine.compare`, fitness and
        deviations come from pm4py's alignments (or token replay).
        """
        transitions = getattr(net, "transitions", None)
        if transitions is None or not hasattr(net, "places"):
            raise InvalidParameterError(
                "The 'net' parameter of AssumedJourney.from_petri_net must be a pm4py PetriNet. "
                f"Got {type(net).__name__} instead."
            )
        labels = bfs_labels(net, initial_marking)
        if not labels:
            raise InvalidParameterError(
                "The 'net' parameter of AssumedJourney.from_petri_net must have visible "
                "(labelled) transitions. Got a net without any instead."
            )
        self = object.__new__(cls)
        self._net = None
        self._parse(
            [{"name": "model", "steps": [{"name": lab, "optional": True} for lab in labels]}],
            goal,
            name,
            None,
            None,
            root="",
        )
        self._net = (net, initial_marking, final_marking)
        return self

    # ------------------------------------------------------------------ views
    @property
    def kind(self) -> str:
        """``"steps"`` for a spec of stages and steps, ``"petri_net"`` for a BPMN or Petri-net model."""
        return "steps" if self._net is None else "petri_net"

    @property
    def petri_net(self) -> tuple[Any, Any, Any] | None:
        """``(net, initial_marking, final_marking)`` for a model-based journey, else None."""
        return self._net

    @property
    def steps(self) -> tuple[AssumedStep, ...]:
        """Every step, in the assumed order."""
        return tuple(s for st in self.stages for s in st.steps)

    @property
    def step_names(self) -> list[str]:
        """The step names, in the assumed order."""
        return [s.name for s in self.steps]

    @property
    def ranks(self) -> np.ndarray:
        """The order rank of each step: steps of an ``order: any`` stage share one rank."""
        out: list[int] = []
        r = 0
        for stage in self.stages:
            if stage.order == "any":
                out += [r] * len(stage.steps)
                r += 1
            else:
                out += list(range(r, r + len(stage.steps)))
                r += len(stage.steps)
        return np.asarray(out, dtype=np.int64)

    def labels(self) -> dict[str, str]:
        """Log label -> step name, for every step name and alias."""
        return {lab: s.name for s in self.steps for lab in (s.name, *s.aliases)}

    def edges(self) -> pd.DataFrame:
        """The transitions the assumed map allows, with :data:`~journeymine.START` and :data:`~journeymine.END`.

        ``a -> b`` is allowed when ``b`` comes later in the assumed order and every step
        between them is optional, or when both are in the same ``order: any`` stage;
        ``a -> a`` when ``a`` is repeatable. For a BPMN or Petri-net model the edges
        are the model's directly-follows relation (pm4py footprints).

        Examples
        --------
        >>> import journeymine as jm
        >>> aj = jm.AssumedJourney(["a", {"name": "b", "optional": True}, "c"])
        >>> aj.edges().values.tolist()
        [[START, 'a'], ['a', 'b'], ['a', 'c'], ['b', 'c'], ['c', END]]
        """
        if self._net is not None:
            pairs = net_edges(*self._net)
        else:
            pairs = _order_edges(self.steps, self.ranks)
        return pd.DataFrame(pairs, columns=["source", "target"])

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        """The spec as plain values; :meth:`from_dict` reads it back.

        Examples
        --------
        >>> import journeymine as jm
        >>> aj = jm.AssumedJourney(["a", "b"], goal="b", max_duration="7D")
        >>> jm.AssumedJourney.from_dict(aj.to_dict()) == aj
        True
        """
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.goal:
            out["goal"] = list(self.goal)
        if self.max_duration is not None:
            out["max_duration"] = _fmt_td(self.max_duration)
        out["stages"] = [st.to_dict() for st in self.stages]
        return out

    def to_model(
        self,
        *,
        optional_share: float = 0.5,
        drop_off: float | Mapping[str, float] = 0.0,
        delay: Any = "1D",
        **kwargs: Any,
    ) -> Any:
        """The :class:`~journeymine.datasets.JourneyModel` of journeys that go exactly as assumed.

        Steps follow the assumed order (an ``order: any`` stage in its listed order),
        each optional step is taken with probability ``optional_share``, and waits
        stay inside the assumptions: a step with ``max_wait`` waits a lognormal time
        with median ``max_wait / 5`` and spread 0.3 (beyond ``max_wait`` with
        probability below 1e-7), and with ``max_duration`` every median is capped at
        ``max_duration / (5 * steps)``. So ``simulate(aj.to_model())`` gives
        journeys that :func:`~journeymine.compare` finds fully fitting.

        Parameters
        ----------
        optional_share : float, default 0.5
            Probability that an optional step happens.
        drop_off : float or mapping of str to float, default 0.0
            Probability of ending the journey at a step (see ``JourneyModel.from_steps``).
        delay : duration, default "1D"
            Median wait before steps without ``max_wait``.
        **kwargs
            Other ``JourneyModel`` fields (``attributes``, ``modifiers``, ...).

        Examples
        --------
        >>> import journeymine as jm
        >>> aj = jm.AssumedJourney(["a", {"name": "b", "optional": True}, "c"], goal="c")
        >>> model = aj.to_model()
        >>> dict(model.transitions["a"])
        {'b': 0.5, 'c': 0.5}
        """
        if self._net is not None:
            raise InvalidParameterError(
                "AssumedJourney.to_model needs an assumed journey of stages and steps. "
                "Got one built from a BPMN file or Petri net instead."
            )
        from .._journeymodel import Delay, JourneyModel, Touchpoint

        check_number(optional_share, "optional_share", "AssumedJourney.to_model", low=0.0, high=1.0)
        base = _duration(delay, "delay") if not isinstance(delay, pd.Timedelta) else delay
        steps = self.steps
        cap = None if self.max_duration is None else self.max_duration / (5 * len(steps))
        delays: dict[str, Any] = {}
        for s in steps:
            median = s.max_wait / 5 if s.max_wait is not None else base
            spread = 0.3 if s.max_wait is not None or cap is not None else 1.0
            if cap is not None:
                median = min(median, cap)
            delays[s.name] = Delay(max(median, pd.Timedelta(seconds=2)), spread)
        waits = [s.max_wait for s in steps if s.max_wait is not None]
        if waits and "inactivity" not in kwargs:
            kwargs["inactivity"] = max(pd.Timedelta("30D"), 2 * max(waits))
        return JourneyModel.from_steps(
            [Touchpoint(s.name, s.channel, s.department) for s in steps],
            skip={s.name: 1.0 - optional_share for s in steps if s.optional},
            drop_off=drop_off,
            delay=delays,
            goals=list(self.goal) if self.goal else None,
            name=self.name,
            **kwargs,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AssumedJourney):
            return NotImplemented
        if self._net is not None or other._net is not None:
            return self is other
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = "" if self._net is None else ", from a Petri net"
        return (
            f"AssumedJourney({self.name!r}: {len(self.stages)} stages, {len(self.steps)} steps, "
            f"goal={list(self.goal)!r}{kind})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                html.escape(s.stage),
                html.escape(s.name),
                html.escape(s.channel or ""),
                html.escape(s.department or ""),
                "optional" if s.optional else "required",
                html.escape(_fmt_td(s.max_wait) if s.max_wait is not None else ""),
            )
            for s in self.steps
        )
        head = "<tr><th>stage</th><th>step</th><th>channel</th><th>department</th><th></th><th>max wait</th></tr>"
        return f"<div><p><b>{html.escape(repr(self))}</b></p><table>{head}{rows}</table></div>"


# --------------------------------------------------------------------------- helpers


def _order_edges(steps: Sequence[AssumedStep], ranks: np.ndarray) -> list[tuple[str, str]]:
    names = [s.name for s in steps]
    req = np.array([not s.optional for s in steps], dtype=bool)
    n = len(steps)
    pairs: list[tuple[str, str]] = []

    def clear(
        lo: int, hi: int
    ) -> bool:  # every step with rank strictly between lo and hi is optional
        between = (ranks > lo) & (ranks < hi)
        return not bool((between & req).any())

    pairs += [(START, names[b]) for b in range(n) if clear(-1, int(ranks[b]))]
    for a in range(n):
        for b in range(n):
            if a == b:
                if steps[a].repeatable:
                    pairs.append((names[a], names[a]))
            elif ranks[b] == ranks[a] or (
                ranks[b] > ranks[a] and clear(int(ranks[a]), int(ranks[b]))
            ):
                pairs.append((names[a], names[b]))
    top = int(ranks.max()) + 1 if n else 0
    pairs += [(names[a], END) for a in range(n) if clear(int(ranks[a]), top)]
    return pairs
