"""The journeymine exception family and its warning class.

Every error that journeymine raises on purpose is a :class:`JourneymineError`.
The subclasses also derive from the built-in exception a Python user would
expect (``ValueError`` for bad values, ``ImportError`` for a missing extra),
so ``except ValueError`` keeps working.

Messages follow one shape: what was wrong (the parameter or column), what was
expected, and what was found, e.g. ``The 'level' parameter of discover must be
one of the log's columns ['activity', 'channel']. Got 'stage' instead.``
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "JourneymineError",
    "InvalidParameterError",
    "MissingColumnError",
    "DataError",
    "GoalNotFoundError",
    "MissingDependencyError",
    "ConfigError",
    "DataQualityWarning",
]

# "The 'x' parameter of f ...": the shape of every parameter error's message
_PARAM_MESSAGE = re.compile(r"(?:.*?: )?The '([A-Za-z_][\w.\[\]]*)' parameter of ")


class JourneymineError(Exception):
    """Base class of every error journeymine raises on purpose."""


class InvalidParameterError(JourneymineError, ValueError):
    """A parameter has a value or type the function does not accept.

    Attributes
    ----------
    param : str or None
        The name of the parameter. When not given, it is read from a message that
        starts "The 'x' parameter of ..." (None for other messages).
    """

    def __init__(self, message: str, *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param if param is not None else _param_named(message)


def _param_named(message: str) -> str | None:
    m = _PARAM_MESSAGE.match(message)
    return m.group(1) if m else None


class MissingColumnError(JourneymineError, ValueError):
    """A column that was named or is needed is not there.

    Attributes
    ----------
    column : str
        The missing column.
    available : list of str
        The columns that are there.
    param : str or None
        The parameter that named the column, where there is one.
    """

    def __init__(
        self, message: str, *, column: str, available: list[str], param: str | None = None
    ) -> None:
        super().__init__(message)
        self.column = column
        self.available = list(available)
        self.param = param if param is not None else _param_named(message)


class DataError(JourneymineError, ValueError):
    """The data cannot be used as given.

    Attributes
    ----------
    failure_cases : pandas.DataFrame or None
        The offending rows, where there are rows to show.
    """

    def __init__(self, message: str, *, failure_cases: Any = None) -> None:
        super().__init__(message)
        self.failure_cases = failure_cases


class GoalNotFoundError(JourneymineError, ValueError):
    """A goal names touchpoints that never occur in the log."""


class MissingDependencyError(JourneymineError, ImportError):
    """An optional dependency (an extra) is needed and not installed."""


class ConfigError(JourneymineError, ValueError):
    """A configuration file is invalid: an unknown key, a wrong type, a missing source."""


class DataQualityWarning(UserWarning):
    """Rows were set aside or values were changed while loading; the message gives counts."""
