"""Assumed versus observed: journey maps against the data, segments, periods and personas.

* :class:`AssumedJourney` — the map a journey team assumes (spec, YAML/JSON, BPMN).
* :func:`compare` — the assumed map against the observed journeys (:class:`Comparison`).
* :func:`compare_segments` — customer segments against each other, with tests.
* :func:`compare_periods` — how the map changed from period to period.
* :func:`personas` — journeys clustered into personas, one map per persona.
"""

from .assumed import AssumedJourney, AssumedStage, AssumedStep
from .clusters import Personas, personas
from .conformance import DEVIATION_KINDS, Comparison, compare
from .periods import PeriodComparison, compare_periods
from .segments import SegmentComparison, compare_segments

__all__ = [
    "AssumedJourney",
    "AssumedStage",
    "AssumedStep",
    "compare",
    "Comparison",
    "DEVIATION_KINDS",
    "compare_segments",
    "SegmentComparison",
    "compare_periods",
    "PeriodComparison",
    "personas",
    "Personas",
]
