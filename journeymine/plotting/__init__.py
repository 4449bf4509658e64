"""Pictures of journey maps, drawn with matplotlib alone (imported only when drawing)."""

from .journey import plot_journey

__all__ = ["plot_journey"]
