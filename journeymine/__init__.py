"""journeymine: customer journey maps from event data instead of from assumptions.

The public contract is the grouped ``__all__`` below; everything else is private.
Heavy or optional dependencies (pm4py, matplotlib, scikit-learn) are imported
only inside the functions that use them, so ``import journeymine`` stays light.
"""

from . import datasets
from ._version import __version__ as __version__
from .analyzers import (
    affected_journeys,
    dead_ends,
    dropoffs,
    funnel,
    handoffs,
    loops,
    pain_points,
    repeat_contacts,
    silent_gaps,
    silent_gaps_summary,
    unanswered,
)
from .comparison import (
    AssumedJourney,
    Comparison,
    PeriodComparison,
    Personas,
    SegmentComparison,
    compare,
    compare_periods,
    compare_segments,
    personas,
)
from .derive import case_goals, case_table, transitions
from .directions import classify_direction
from .discovery import JourneyGraph, discover, discover_model, variants
from .errors import (
    ConfigError,
    DataError,
    DataQualityWarning,
    GoalNotFoundError,
    InvalidParameterError,
    JourneymineError,
    MissingColumnError,
    MissingDependencyError,
)
from .io import from_pandas, from_pm4py, read_csv, read_json, read_parquet, read_xes
from .journeys import combine, map_stages, split_journeys
from .log import JourneyLog
from .plotting import plot_journey
from .reporting import Report, report
from .schema import END, START

__all__ = [
    # Load: sources -> one canonical journey log
    "JourneyLog",
    "from_pandas",
    "read_csv",
    "read_parquet",
    "read_json",
    "read_xes",
    "from_pm4py",
    "combine",
    "split_journeys",
    "map_stages",
    "classify_direction",
    # Derived tables every analysis reads
    "case_table",
    "transitions",
    "case_goals",
    # Discover
    "START",
    "END",
    "discover",
    "JourneyGraph",
    "variants",
    "discover_model",
    "plot_journey",
    # Compare
    "AssumedJourney",
    "compare",
    "compare_segments",
    "compare_periods",
    "personas",
    "Comparison",
    "SegmentComparison",
    "PeriodComparison",
    "Personas",
    # Analyze
    "dead_ends",
    "dropoffs",
    "funnel",
    "handoffs",
    "repeat_contacts",
    "loops",
    "pain_points",
    "silent_gaps",
    "silent_gaps_summary",
    "unanswered",
    "affected_journeys",
    # Report
    "report",
    "Report",
    # Data
    "datasets",
    # Errors and warnings
    "JourneymineError",
    "InvalidParameterError",
    "MissingColumnError",
    "DataError",
    "GoalNotFoundError",
    "MissingDependencyError",
    "ConfigError",
    "DataQualityWarning",
]
