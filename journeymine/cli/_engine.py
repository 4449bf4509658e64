"""Where a run's analyses run: in memory, partition by partition, or on Spark (private).

The configuration's ``engine`` key (``"memory"``, the default; ``"partitioned"``;
``"spark"``) and its ``[engine_options]`` table (``workers``, ``partitions``,
``spark_master``) are declared here and read by :mod:`journeymine.cli.config` and
:mod:`journeymine.cli._sources`.

``partitioned`` scans a Parquet file or folder with :func:`journeymine.scan_parquet`
(larger than memory), or loads any other source in memory and runs it on every core
with :func:`journeymine.partition`. ``spark`` reads a Parquet or CSV file or folder
with Spark and runs the analyses there (:func:`journeymine.from_spark`). Both take a
single source and no identity stitching, journey cutting, stage mapping or direction
rules: those change journeys across the whole log, before any partition exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ENGINES", "engine_fields", "engine_problems", "open_source"]

ENGINES = ("memory", "partitioned", "spark")
#: the keys a partitioned or Spark run cannot honour (they need the whole log at once)
_WHOLE_LOG_KEYS = ("identity", "journeys", "stages", "direction_rules")


def engine_fields(field: Any) -> dict[str, Any]:
    """The schema entries of ``engine`` and ``[engine_options]`` (``field`` is config.Field)."""
    return {
        "engine": field(
            "str",
            "where the analyses run: 'memory' (default), 'partitioned' (partition by "
            "partition on every core; a Parquet folder larger than memory is scanned) or "
            "'spark' (on a Spark cluster)",
            choices=ENGINES,
            default="memory",
        ),
        "engine_options": field(
            "table",
            "settings of the partitioned and Spark engines",
            children={
                "workers": field("int", "worker processes (default: every core)"),
                "partitions": field(
                    "int",
                    "how many partitions (default: one per 2M events, a multiple of the workers)",
                ),
                "spark_master": field("str", "the Spark master URL (default 'local[*]')"),
            },
        ),
    }


def engine_problems(data: Mapping[str, Any]) -> list[str]:
    """What a configuration asks that its engine cannot do, one message per key."""
    engine = data.get("engine", "memory")
    if engine == "memory":
        return [
            f"engine_options.{k}: applies to the partitioned and spark engines only; "
            "set engine = 'partitioned' or 'spark'."
            for k in (data.get("engine_options") or {})
        ]
    problems = [
        f"{key}: engine = {engine!r} runs one source as it is; {key} needs the whole log in "
        "memory (use engine = 'memory', or prepare the data before the run)."
        for key in _WHOLE_LOG_KEYS
        if data.get(key)
    ]
    if len(data.get("sources") or {}) > 1:
        problems.append(f"sources: engine = {engine!r} takes one source; got several.")
    opts = data.get("engine_options") or {}
    for key in ("workers", "partitions"):
        value = opts.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 1
        ):
            problems.append(f"engine_options.{key}: must be an integer >= 1. Got {value!r}.")
    if engine == "spark":
        for name, src in (data.get("sources") or {}).items():
            fmt = src.get("format") or Path(str(src.get("path", ""))).suffix.lstrip(".")
            if "path" not in src or fmt not in ("parquet", "pq", "csv"):
                problems.append(
                    f"sources.{name}: engine = 'spark' reads Parquet or CSV files and folders "
                    "(give path, and format when a folder has no suffix)."
                )
    return problems


def open_source(engine: str, options: Mapping[str, Any], src: Any, read_memory: Any) -> Any:
    """The PartitionedLog of one source for ``engine`` (``read_memory()`` loads it in memory)."""
    from .._partitioned import partition
    from ..io import scan_parquet

    workers, partitions = options.get("workers"), options.get("partitions")
    kwargs = dict(src.mapping)
    kwargs.setdefault("name", src.name)
    if engine == "partitioned":
        if src.format == "parquet":
            return scan_parquet(src.path, workers=workers, partitions=partitions, **kwargs)
        return partition(read_memory(), workers=workers, partitions=partitions)
    import os
    import sys

    from pyspark.sql import SparkSession

    from ..io import from_spark

    # a local master's Python workers run this interpreter (with journeymine) unless set
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    spark = (
        SparkSession.builder.master(options.get("spark_master", "local[*]"))
        .appName("journeymine")
        .getOrCreate()
    )
    path = str(src.path)
    if src.format == "csv":
        frame = spark.read.option("header", True).option("sep", kwargs.pop("sep", ",")).csv(path)
        kwargs.pop("encoding", None)
    else:
        if _nanosecond_times(path, kwargs.get("timestamp")):
            # Spark has no nanosecond timestamps: read them as integers since the epoch
            spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
            kwargs.setdefault("epoch_unit", "ns")
        frame = spark.read.parquet(path)
    return from_spark(frame, partitions=partitions, **kwargs)


def _nanosecond_times(path: str, column: Any) -> bool:
    """Whether the Parquet data at ``path`` stores ``column`` as nanosecond timestamps."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    schema = ds.dataset(path, format="parquet", partitioning="hive").schema
    if not isinstance(column, str) or column not in schema.names:
        return False
    kind = schema.field(column).type
    return bool(pa.types.is_timestamp(kind) and kind.unit == "ns")
