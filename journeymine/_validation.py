"""Parameter checks shared by every public function (private).

Each helper raises :class:`~journeymine.errors.InvalidParameterError` or
:class:`~journeymine.errors.MissingColumnError` with a message of the form
``The 'x' parameter of f must be ... Got ... instead.``
"""

from __future__ import annotations

import datetime
import difflib
import functools
import inspect
import numbers
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .errors import InvalidParameterError, MissingColumnError

__all__: list[str] = []

F = TypeVar("F", bound=Callable[..., Any])


def show_value(value: Any) -> str:
    """``repr(value)`` for an error message, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def near_matches(name: str, candidates: Iterable[Any], n: int = 3) -> list[str]:
    """Candidates that look like ``name``, ignoring case and spacing first."""
    cands = [str(c) for c in candidates]
    key = fold_name(name)
    exact = [c for c in cands if fold_name(c) == key and c != name]
    close = difflib.get_close_matches(name, cands, n=n, cutoff=0.6)
    folded = {fold_name(c): c for c in cands}
    close += [folded[m] for m in difflib.get_close_matches(key, list(folded), n=n, cutoff=0.6)]
    out: list[str] = []
    for c in exact + close:
        if c not in out and c != name:
            out.append(c)
    return out[:n]


def fold_name(text: str) -> str:
    """A name without case, spaces, ``_`` or ``-``: how near-matches are compared."""
    return "".join(str(text).lower().split()).replace("_", "").replace("-", "")


def check_one_of(value: Any, allowed: Sequence[Any], param: str, func: str) -> Any:
    """Return ``value`` if it is in ``allowed``, else raise naming the allowed values."""
    if value not in allowed:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be one of {list(allowed)!r}. "
            f"Got {show_value(value)} instead.",
            param=param,
        )
    return value


def check_type(value: Any, types: type | tuple[type, ...], what: str, param: str, func: str) -> Any:
    """Return ``value`` if it is an instance of ``types``, else raise."""
    if not isinstance(value, types) or isinstance(value, bool) and bool not in _as_tuple(types):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be {what}. "
            f"Got {show_value(value)} of type {type(value).__name__} instead.",
            param=param,
        )
    return value


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def check_number(
    value: Any,
    param: str,
    func: str,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    low_open: bool = False,
) -> Any:
    """Return a number within [low, high] (or (low, high] with ``low_open``), else raise."""
    kinds = (int,) if integer else (int, float)
    ok = isinstance(value, kinds) and not isinstance(value, bool)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        what = "an integer" if integer else "a number"
        if low is not None and high is not None:
            what += f" in {'(' if low_open else '['}{low}, {high}]"
        elif low is not None:
            what += f" {'>' if low_open else '>='} {low}"
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be {what}. Got {show_value(value)} instead.",
            param=param,
        )
    return value


_BARE_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def parse_duration(value: Any) -> pd.Timedelta:
    """Parse a duration that states its unit; raise ``ValueError`` saying why not.

    The one owner of "what is a duration" for every public function, the configuration
    file and the assumed-journey specification. Accepted: strings with a unit
    (``"30D"``, ``"12h"``, ``"1 days 02:00:00"``, ``"02:00:00"``, ``"P1D"``),
    :class:`pandas.Timedelta`, :class:`datetime.timedelta` and :class:`numpy.timedelta64`
    with a unit. Refused: numbers of any kind (``30``, ``np.int64(30)``, ``1.5``) and
    strings that are only a number (``"30"``, ``" 30 "``, ``"-2"``), which pandas would
    silently read as nanoseconds, generic ``np.timedelta64(30)`` and NaT. The sign is not
    checked here.

    Examples
    --------
    >>> parse_duration("30D"), parse_duration("12h")
    (Timedelta('30 days 00:00:00'), Timedelta('0 days 12:00:00'))
    >>> parse_duration("30")
    Traceback (most recent call last):
    ...
    ValueError: a bare number has no unit
    """
    if isinstance(value, bool | np.bool_ | numbers.Number) and not isinstance(
        value, pd.Timedelta | datetime.timedelta | np.timedelta64
    ):
        raise ValueError("a bare number has no unit")
    if isinstance(value, str) and _BARE_NUMBER.fullmatch(value.strip()):
        raise ValueError("a bare number has no unit")
    if isinstance(value, np.timedelta64) and np.datetime_data(value.dtype)[0] == "generic":
        raise ValueError("a numpy timedelta64 without a unit has no unit")
    if not isinstance(value, str | pd.Timedelta | datetime.timedelta | np.timedelta64):
        raise ValueError(f"a {type(value).__name__} is not a duration")
    try:
        td = pd.Timedelta(value)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError("it cannot be read as a duration") from exc
    if td is pd.NaT:
        raise ValueError("it is not a duration (NaT)")
    return td


def to_timedelta(
    value: Any, param: str, func: str, *, allow_none: bool = True, positive: bool = True
) -> pd.Timedelta | None:
    """Parse ``value`` ("30D", "2h", a Timedelta or timedelta) into a Timedelta.

    Every duration parameter of a public function goes through here (see
    :func:`parse_duration` for what is accepted): a bare number such as ``30`` or ``"30"``
    is refused, never read as nanoseconds.

    Examples
    --------
    >>> to_timedelta("30D", "inactivity", "split_journeys")
    Timedelta('30 days 00:00:00')
    >>> to_timedelta("30", "inactivity", "split_journeys")
    Traceback (most recent call last):
    ...
    journeymine.errors.InvalidParameterError: The 'inactivity' parameter of split_journeys must be a duration with a unit such as '30D' or '12h' (a bare number has no unit). Got '30' instead.
    """
    if value is None:
        if allow_none:
            return None
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a duration with a unit such as '30D' or "
            "'12h'. Got None instead.",
            param=param,
        )
    try:
        td = parse_duration(value)
    except ValueError as exc:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a duration with a unit such as '30D' or "
            f"'12h' ({exc}). Got {show_value(value)} instead.",
            param=param,
        ) from None
    if positive and td <= pd.Timedelta(0):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a positive duration such as '30D' or "
            f"'12h'. Got {show_value(value)} instead.",
            param=param,
        )
    return td


def check_column(
    columns: Iterable[str], column: Any, param: str, func: str, *, hint: str = ""
) -> str:
    """Return ``column`` if it is one of ``columns``, else raise listing the columns there are."""
    cols = [str(c) for c in columns]
    if not isinstance(column, str) or column not in cols:
        near = near_matches(str(column), cols) if isinstance(column, str) else []
        near_txt = f" Did you mean {near[0]!r}?" if near else ""
        raise MissingColumnError(
            f"The {param!r} parameter of {func} must name a column of the data {cols!r}. "
            f"Got {show_value(column)} instead.{near_txt}{(' ' + hint) if hint else ''}",
            column=str(column),
            available=cols,
            param=param,
        )
    return column


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def warn(message: str, category: type[Warning]) -> None:
    """Issue a warning attributed to the first caller outside journeymine.

    So a warning raised deep inside (``read_csv`` -> ``from_pandas``, ``pain_points`` ->
    ``handoffs``) points at the user's own line, not at library code.
    """
    frame = sys._getframe(1)
    level = 2  # stacklevel 2 is the caller of warn()
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


# --------------------------------------------------------------------------- declared checks


class Constraint:
    """One kind of value a parameter accepts (see :func:`validate_params`)."""

    def ok(self, value: Any) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def describe(self, value: Any) -> str:
        """What is accepted, worded for "must be ...", knowing the value that was not."""
        return str(self)


class InstanceOf(Constraint):
    """An instance of ``types`` (a bool is not an int unless ``bool`` is named)."""

    def __init__(self, types: type | tuple[type, ...], what: str) -> None:
        self.types = _as_tuple(types)
        self.what = what

    def ok(self, value: Any) -> bool:
        if isinstance(value, bool | np.bool_) and bool not in self.types:
            return False
        return isinstance(value, self.types)

    def __str__(self) -> str:
        return self.what


class Interval(Constraint):
    """A number (``int`` only with ``kind=int``) in an interval.

    ``closed`` is "both", "left", "right" or "neither"; None bounds are open ends.
    """

    def __init__(
        self,
        kind: type,
        low: float | None,
        high: float | None,
        *,
        closed: str = "both",
    ) -> None:
        self.kind = kind
        self.low, self.high, self.closed = low, high, closed

    def ok(self, value: Any) -> bool:
        kinds = (int,) if self.kind is int else (int, float)  # as check_number
        if isinstance(value, bool) or not isinstance(value, kinds) or value != value:
            return False
        if self.low is not None:
            if value < self.low or value == self.low and self.closed in ("right", "neither"):
                return False
        if self.high is not None:
            if value > self.high or value == self.high and self.closed in ("left", "neither"):
                return False
        return True

    def __str__(self) -> str:
        what = "an integer" if self.kind is int else "a number"
        low_in = self.closed in ("both", "left")
        high_in = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            return f"{what} in {'[' if low_in else '('}{self.low}, {self.high}{']' if high_in else ')'}"
        if self.low is not None:
            return f"{what} {'>=' if low_in else '>'} {self.low}"
        if self.high is not None:
            return f"{what} {'<=' if high_in else '<'} {self.high}"
        return what


class Options(Constraint):
    """One of a closed set of values."""

    def __init__(self, *values: Any) -> None:
        self.values = values

    def ok(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:  # e.g. an array compared with strings
            return False

    def __str__(self) -> str:
        return f"one of {list(self.values)!r}"


class Duration(Constraint):
    """A duration that states its unit (see :func:`parse_duration`), positive by default."""

    def __init__(self, *, positive: bool = True) -> None:
        self.positive = positive

    def _why(self, value: Any) -> str | None:
        try:
            td = parse_duration(value)
        except ValueError as exc:
            return str(exc)
        if self.positive and td <= pd.Timedelta(0):
            return "positive"
        return None

    def ok(self, value: Any) -> bool:
        return self._why(value) is None

    def describe(self, value: Any) -> str:
        why = self._why(value)
        if why == "positive":
            return "a positive duration such as '30D' or '12h'"
        return "a duration with a unit such as '30D' or '12h'" + (f" ({why})" if why else "")

    def __str__(self) -> str:
        return "a duration with a unit such as '30D' or '12h'"


class Names(Constraint):
    """A name (str) or a sequence of names; ``non_empty`` refuses an empty sequence.

    With ``iterable=True`` any iterable of names (a set, an Index) is accepted; an
    iterator is let through unread (the function reads it once).
    """

    def __init__(
        self, what: str, *, non_empty: bool = False, single: bool = True, iterable: bool = False
    ) -> None:
        self.what = what
        self.non_empty = non_empty
        self.single = single
        self.iterable = iterable

    def ok(self, value: Any) -> bool:
        if isinstance(value, str):
            return self.single
        if self.iterable and isinstance(value, Iterable) and not hasattr(value, "__len__"):
            return True
        kind = Iterable if self.iterable else Sequence
        if not isinstance(value, kind) or isinstance(value, dict):
            return False
        if self.non_empty and not len(value):  # type: ignore[arg-type]
            return False
        return all(isinstance(v, str) for v in value)

    def __str__(self) -> str:
        return self.what


class SubsetOf(Constraint):
    """A name or a non-empty list of names, each one of ``allowed``."""

    def __init__(self, allowed: Sequence[str]) -> None:
        self.allowed = tuple(allowed)

    def ok(self, value: Any) -> bool:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, Iterable) or not hasattr(items, "__len__") or not len(items):
            return False
        return all(isinstance(v, str) and v in self.allowed for v in items)

    def __str__(self) -> str:
        return f"a non-empty list of {list(self.allowed)!r}"


class Predicate(Constraint):
    """A callable (a predicate over the events)."""

    def __init__(self, what: str = "a callable") -> None:
        self.what = what

    def ok(self, value: Any) -> bool:
        return callable(value)

    def __str__(self) -> str:
        return self.what


class _Log(Constraint):
    """A JourneyLog. Validation is below the log (the log module imports this one), so it
    does not import the log: no JourneyLog can exist before journeymine.log is loaded."""

    def ok(self, value: Any) -> bool:
        log_module = sys.modules.get("journeymine.log")
        return log_module is not None and isinstance(value, log_module.JourneyLog)

    def describe(self, value: Any) -> str:
        if _Partitioned().ok(value):
            return (
                "a JourneyLog in memory (this function does not run partition by partition: "
                "filter the PartitionedLog to what you need and bring it to memory with "
                ".collect())"
            )
        return str(self)

    def __str__(self) -> str:
        return "a JourneyLog (see jm.from_pandas)"


class _Partitioned(Constraint):
    """A PartitionedLog (journeymine._partitioned), checked without importing it."""

    def ok(self, value: Any) -> bool:
        module = sys.modules.get("journeymine._partitioned")
        return module is not None and isinstance(value, module.PartitionedLog)

    def describe(self, value: Any) -> str:
        return "a PartitionedLog"

    def __str__(self) -> str:
        return "a PartitionedLog (see jm.scan_parquet)"


class _IsNone(Constraint):
    def ok(self, value: Any) -> bool:
        return value is None

    def __str__(self) -> str:
        return "None"


#: Shorthands accepted in a :func:`validate_params` declaration.
_SHORTHANDS: dict[str, Constraint] = {
    "log": _Log(),
    "partitioned": _Partitioned(),
    "boolean": InstanceOf(bool, "True or False"),
    "column": InstanceOf(str, "a column name (str)"),
    "duration": Duration(),
    "duration_or_zero": Duration(positive=False),
    "goal": Names("a touchpoint name, a list of names", non_empty=True, iterable=True),
    "predicate": Predicate("a predicate over the events"),
    "channels": Names("a channel name (or a list of them)"),
}


def _constraint(item: Any) -> Constraint:
    if isinstance(item, Constraint):
        return item
    if item is None:
        return _IsNone()
    if isinstance(item, str):
        return _SHORTHANDS[item]
    if isinstance(item, type):
        return InstanceOf(item, f"an instance of {item.__name__!r}")
    raise TypeError(f"not a parameter constraint: {item!r}")


def _got(value: Any) -> str:
    text = repr(value)
    if "\n" in text or len(text) > 80:
        return f"a {type(value).__name__}"
    return text


def _must_be(constraints: list[Constraint], value: Any) -> str:
    parts = [c.describe(value) for c in constraints if not isinstance(c, _IsNone)]
    if any(isinstance(c, _IsNone) for c in constraints):
        parts.append("None")
    if len(parts) <= 2:
        return " or ".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def check_params(
    func: str, constraints: dict[str, list[Constraint]], values: dict[str, Any]
) -> None:
    """Raise InvalidParameterError (with ``.param``) for the first value no constraint allows."""
    for name, allowed in constraints.items():
        if name not in values:
            continue
        value = values[name]
        if not any(c.ok(value) for c in allowed):
            raise InvalidParameterError(
                f"The {name!r} parameter of {func} must be {_must_be(allowed, value)}. "
                f"Got {_got(value)} instead.",
                param=name,
            )


def validate_params(constraints: dict[str, list[Any]]) -> Callable[[F], F]:
    """Declare, next to a public function, the values each parameter accepts.

    Each parameter named in ``constraints`` maps to a list of allowed kinds: a
    :class:`Constraint` (:class:`Interval`, :class:`Options`, :class:`InstanceOf`,
    :class:`Duration`, :class:`Names`, :class:`Predicate`), ``None``, a type, or a
    shorthand (``"log"``, ``"boolean"``, ``"column"``, ``"duration"``,
    ``"duration_or_zero"``, ``"goal"``, ``"predicate"``, ``"channels"``). Before the body runs, a value
    that none of its kinds allows raises :class:`~journeymine.errors.InvalidParameterError`
    worded "The 'x' parameter of f must be ... Got ... instead." with ``err.param == "x"``.
    Checks that need the data (is this a column of the log, does this touchpoint occur)
    stay in the body. The declaration is kept as ``f.__jm_constraints__``.

    Examples
    --------
    >>> @validate_params({"n": [Interval(int, 1, None)], "how": [Options("a", "b")]})
    ... def f(n, *, how="a"):
    ...     return n
    >>> f(0)
    Traceback (most recent call last):
    ...
    journeymine.errors.InvalidParameterError: The 'n' parameter of f must be an integer >= 1. Got 0 instead.
    """
    declared = {name: [_constraint(c) for c in kinds] for name, kinds in constraints.items()}

    def decorate(f: F) -> F:
        sig = inspect.signature(f)
        unknown = set(declared) - set(sig.parameters)
        if unknown:
            raise TypeError(f"{f.__name__} has no parameters {sorted(unknown)}")
        name = f.__name__

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                return f(*args, **kwargs)  # let Python word the wrong call
            bound.apply_defaults()
            check_params(name, declared, bound.arguments)
            return f(*args, **kwargs)

        wrapper.__jm_constraints__ = declared  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
