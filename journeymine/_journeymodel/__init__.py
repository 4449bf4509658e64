"""The journey model: touchpoints, transition probabilities, delays and modifiers (private).

A :class:`JourneyModel` describes a journey process. It sits below the packages
that use it: the simulator (:mod:`journeymine.datasets`) runs it, and an assumed
journey (:meth:`journeymine.AssumedJourney.to_model`) converts to it. Users reach
it as :class:`journeymine.datasets.JourneyModel`. It knows no log and no
simulator: ``journeymine.datasets._engine`` compiles it into the arrays it steps through.
"""

from ._blocks import (
    END_STATE,
    RETURN_STATE,
    START_STATE,
    TRUTH_COLUMNS,
    Delay,
    SegmentEffect,
    SilentGap,
    Touchpoint,
    unique_names,
)
from ._model import JourneyModel

__all__ = [
    "JourneyModel",
    "Touchpoint",
    "Delay",
    "SilentGap",
    "SegmentEffect",
    "TRUTH_COLUMNS",
    "START_STATE",
    "END_STATE",
    "RETURN_STATE",
    "unique_names",
]
