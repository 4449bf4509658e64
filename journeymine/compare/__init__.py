"""Assumed versus observed: compare journey maps with the data, segments, periods and personas."""

from .assumed import AssumedJourney
from .conformance import Comparison, compare

__all__ = ["AssumedJourney", "compare", "Comparison"]
