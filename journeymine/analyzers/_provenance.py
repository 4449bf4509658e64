"""What produced a findings table (private): the analysis, its settings, and which log.

Every findings table carries ``DataFrame.attrs["journeymine"] = {"analysis": name,
"params": {...}, "log": token}`` so that :func:`~journeymine.affected_journeys` can
find the journeys behind any of its rows (a row taken with ``.iloc`` or ``iterrows``
keeps the attrs). ``token`` identifies the log the table was computed from: a
row of another log's table is refused rather than answered wrongly.
"""

from __future__ import annotations

import uuid
from typing import Any

import pandas as pd

from ..derive import arrays
from ..log import JourneyLog

__all__: list[str] = []

KEY = "journeymine"


def log_token(log: JourneyLog) -> str:
    """A random name for this log, made once and kept in its cache."""
    return arrays(log).cached(("analyzers.token",), lambda: uuid.uuid4().hex)


def stamp(table: pd.DataFrame, log: JourneyLog, analysis: str, **params: Any) -> pd.DataFrame:
    """``table`` (a shallow copy: a cached table is never altered) with its provenance."""
    out = table.copy(deep=False)
    out.attrs[KEY] = {"analysis": analysis, "params": params, "log": log_token(log)}
    return out
