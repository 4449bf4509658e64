"""journeymine: customer journey maps from event data instead of from assumptions.

The public contract is the grouped ``__all__`` below; everything else is private.
Heavy or optional dependencies (pm4py, matplotlib, scikit-learn) are imported
only inside the functions that use them, so ``import journeymine`` stays light.
"""

from . import datasets
from ._partitioned import PartitionedLog, partition
from ._version import __version__ as __version__
from .analyzers import (
    affected_journeys,
    after_goal,
    attribution,
    dead_ends,
    dropoffs,
    funnel,
    funnel_times,
    handoffs,
    journey_features,
    loops,
    pain_points,
    repeat_contacts,
    silent_gaps,
    silent_gaps_summary,
    time_to_goal,
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
from .io import (
    from_arrow,
    from_pandas,
    from_pm4py,
    from_spark,
    read_csv,
    read_json,
    read_parquet,
    read_sql,
    read_xes,
    scan_parquet,
)
from .journeys import combine, map_stages, split_journeys
from .log import JourneyLog
from .plotting import (
    plot_comparison,
    plot_funnel,
    plot_journey,
    plot_periods,
    plot_personas,
    plot_segments,
    plot_time_to_goal,
)
from .reporting import Report, report
from .reshape import column, concat, filter_events, filter_journeys, with_columns
from .schema import END, START

__all__ = [
    # Load: sources -> one canonical journey log
    "JourneyLog",
    "from_pandas",
    "from_arrow",
    "read_csv",
    "read_parquet",
    "read_json",
    "read_xes",
    "read_sql",
    "from_pm4py",
    "combine",
    "split_journeys",
    "map_stages",
    "classify_direction",
    # At scale: partitions of whole journeys, on every core, larger than memory, on Spark
    "PartitionedLog",
    "partition",
    "scan_parquet",
    "from_spark",
    # Reshape: filter journeys or events, add or replace columns
    "filter_journeys",
    "filter_events",
    "with_columns",
    "column",
    "concat",
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
    "plot_comparison",
    "plot_segments",
    "plot_periods",
    "plot_personas",
    # Analyze
    "dead_ends",
    "dropoffs",
    "funnel",
    "funnel_times",
    "plot_funnel",
    "handoffs",
    "repeat_contacts",
    "loops",
    "pain_points",
    "silent_gaps",
    "silent_gaps_summary",
    "unanswered",
    "affected_journeys",
    "journey_features",
    "attribution",
    # Outcomes over time
    "time_to_goal",
    "plot_time_to_goal",
    "after_goal",
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
