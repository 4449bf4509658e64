"""Discovery: the observed journey map, its variants, exports and formal models."""

from .graph import MISSING, JourneyGraph, discover
from .models import discover_model
from .sequences import variants

__all__ = ["JourneyGraph", "discover", "variants", "discover_model", "MISSING"]
