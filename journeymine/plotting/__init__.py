"""Pictures of journey maps, drawn with matplotlib alone (imported only when drawing)."""

from .charts import plot_funnel, plot_periods, plot_personas, plot_segments
from .comparison import plot_comparison
from .journey import plot_journey
from .outcomes import plot_time_to_goal

__all__ = [
    "plot_journey",
    "plot_time_to_goal",
    "plot_funnel",
    "plot_segments",
    "plot_periods",
    "plot_personas",
    "plot_comparison",
]
