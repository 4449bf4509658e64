"""Parameter checks shared by every public function (private).

Each helper raises :class:`~journeymine.errors.InvalidParameterError` or
:class:`~journeymine.errors.MissingColumnError` with a message of the form
``The 'x' parameter of f must be ... Got ... instead.``
"""

from __future__ import annotations

import datetime
import difflib
import numbers
import os
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidParameterError, MissingColumnError

__all__: list[str] = []


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def near_matches(name: str, candidates: Iterable[Any], n: int = 3) -> list[str]:
    """Candidates that look like ``name``, ignoring case and spacing first."""
    cands = [str(c) for c in candidates]
    key = _fold(name)
    exact = [c for c in cands if _fold(c) == key and c != name]
    close = difflib.get_close_matches(name, cands, n=n, cutoff=0.6)
    folded = {_fold(c): c for c in cands}
    close += [folded[m] for m in difflib.get_close_matches(key, list(folded), n=n, cutoff=0.6)]
    out: list[str] = []
    for c in exact + close:
        if c not in out and c != name:
            out.append(c)
    return out[:n]


def _fold(text: str) -> str:
    return "".join(str(text).lower().split()).replace("_", "").replace("-", "")


def check_one_of(value: Any, allowed: Sequence[Any], param: str, func: str) -> Any:
    """Return ``value`` if it is in ``allowed``, else raise naming the allowed values."""
    if value not in allowed:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be one of {list(allowed)!r}. "
            f"Got {_show(value)} instead."
        )
    return value


def check_type(value: Any, types: type | tuple[type, ...], what: str, param: str, func: str) -> Any:
    """Return ``value`` if it is an instance of ``types``, else raise."""
    if not isinstance(value, types) or isinstance(value, bool) and bool not in _as_tuple(types):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be {what}. "
            f"Got {_show(value)} of type {type(value).__name__} instead."
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
            f"The {param!r} parameter of {func} must be {what}. Got {_show(value)} instead."
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
            "'12h'. Got None instead."
        )
    try:
        td = parse_duration(value)
    except ValueError as exc:
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a duration with a unit such as '30D' or "
            f"'12h' ({exc}). Got {_show(value)} instead."
        ) from None
    if positive and td <= pd.Timedelta(0):
        raise InvalidParameterError(
            f"The {param!r} parameter of {func} must be a positive duration such as '30D' or "
            f"'12h'. Got {_show(value)} instead."
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
            f"Got {_show(column)} instead.{near_txt}{(' ' + hint) if hint else ''}",
            column=str(column),
            available=cols,
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
