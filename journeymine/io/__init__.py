"""Loaders: one module per source format, all ending in :func:`from_pandas`."""

from .arrow import from_arrow
from .files import read_csv, read_json, read_parquet
from .pandas import from_pandas
from .pm4py import from_pm4py
from .scan import scan_parquet
from .spark import from_spark
from .sql import read_sql
from .xes import read_xes

__all__ = [
    "from_pandas",
    "from_arrow",
    "read_csv",
    "read_parquet",
    "read_json",
    "read_xes",
    "read_sql",
    "scan_parquet",
    "from_spark",
    "from_pm4py",
]
