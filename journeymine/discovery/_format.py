"""How discovery writes durations on maps and exports (private to discovery).

Below :mod:`~journeymine.discovery.graph` and :mod:`~journeymine.discovery.export`,
which both use it; other packages take :func:`format_duration` from
:mod:`journeymine.discovery.graph`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["format_duration", "format_gap"]


def format_duration(td: pd.Timedelta) -> str:
    """A short human duration: ``45s``, ``12m``, ``3.5h``, ``2.1d``."""
    s = td.total_seconds()
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s / 60:.0f}m"
    if s < 86400:
        return f"{s / 3600:.1f}h"
    return f"{s / 86400:.1f}d"


def format_gap(value: Any) -> str:
    """:func:`format_duration` of a gap, ``""`` when there is none (NaT, None)."""
    if value is None or pd.isna(value):
        return ""
    return format_duration(pd.Timedelta(value))
