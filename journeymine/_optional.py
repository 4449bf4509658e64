"""Lazy imports of optional dependencies, with an error that names the extra (private)."""

from __future__ import annotations

import contextlib
import io
import warnings
from types import ModuleType

from .errors import MissingDependencyError

__all__: list[str] = []


def import_pm4py(func: str = "this function") -> ModuleType:
    """Import pm4py quietly (no banner, no import-time warnings) or explain how to get it.

    Raises
    ------
    MissingDependencyError
        pm4py is not installed: the message names the extra ``journeymine[pm4py]``.
    """
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            import pm4py
    except ImportError as exc:
        raise MissingDependencyError(
            f"{func} needs pm4py, an optional extra (AGPL-licensed): "
            "pip install 'journeymine[pm4py]'."
        ) from exc
    return pm4py
