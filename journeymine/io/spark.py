"""Spark: a Spark DataFrame analysed on the cluster, partition by partition of whole journeys.

:func:`from_spark` hash-partitions the events by journey with Spark's own
partitioning (``repartition(P, journey key)``), keeps that shuffled frame cached,
and runs every analysis as an Arrow map over its partitions (``mapInArrow``): each
Spark partition holds whole journeys, is loaded by :func:`~journeymine.from_arrow`
(so every row is normalised, checked and rejected exactly as by the in-memory
loaders), and sends back one small row, the pickled partial result. The driver
merges the partials (see :mod:`journeymine._partitioned`); the events never leave
the cluster.

Why ``mapInArrow`` over the cached, repartitioned frame rather than
``groupBy(bucket).applyInArrow``: both hand a partition of whole journeys to Python
as Arrow, but a grouped map sorts the cached rows by the group key again for every
analysis, and the buckets land on Spark's partitions unevenly (several buckets in
one task, others idle). Reading the cached hash partitions as they are needs no
shuffle and no sort after the first pass.
"""

from __future__ import annotations

import contextlib
import pickle
import re
import threading
import traceback
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from .._partitioned import PartitionedLog
from .._validation import Constraint, Interval, check_column, validate_params, warn
from ..errors import (
    DataError,
    DataQualityWarning,
    InvalidParameterError,
    JourneymineError,
    MissingDependencyError,
)
from .arrow import from_arrow
from .files import _columns

__all__ = ["from_spark"]

_FUNC = "from_spark"
#: Each row's position in the source (``monotonically_increasing_id``) through the shuffle.
_ROW = "__journeymine_row__"
#: The partials' rows: the Spark partition that made it, and the pickled result.
_OUT_SCHEMA = "part long, payload binary"
#: Rejected rows brought back to the driver at most (their count is always complete).
MAX_REJECTED = 100_000
#: ``monotonically_increasing_id`` = partition index << 33 | position in that partition.
_ID_BITS = 33
#: What ``str.strip`` removes (Unicode white space, the separators \x1c-\x1f, \x85), as a
#: Java regex: journey keys are hashed without it, since the loader strips identifiers.
_BLANKS = r"[\s\p{Z}\x1c-\x1f\x85]"
#: PySpark 4 warns about pandas 3 on every Arrow UDF it declares.
_PANDAS_VERSION_WARNING = "PySpark does not yet fully support pandas"


class _SparkFrame(Constraint):
    """A Spark DataFrame (classic or Spark Connect), checked without importing PySpark."""

    def ok(self, value: Any) -> bool:
        return any(
            c.__name__ == "DataFrame" and c.__module__.startswith("pyspark.sql")
            for c in type(value).__mro__
        )

    def describe(self, value: Any) -> str:
        if isinstance(value, pd.DataFrame):
            return f"{self} (use jm.from_pandas for a pandas DataFrame)"
        return str(self)

    def __str__(self) -> str:
        return "a Spark DataFrame (pyspark.sql.DataFrame)"


# "partitions" and "persist" are declared before "spark_df": they are checked first, so a
# bad value of each is reported even without a Spark session.
@validate_params(
    {
        "partitions": [Interval(int, 1, None), None],
        "persist": ["boolean"],
        "spark_df": [_SparkFrame()],
    }
)
def from_spark(
    spark_df: Any, *, partitions: int | None = None, persist: bool = True, **mapping: Any
) -> PartitionedLog:
    """Analyse a Spark DataFrame of events on the cluster, with the same public functions.

    The events are hash-partitioned by journey (the ``case`` column, else the
    ``customer`` column when journeys are one per customer) into ``partitions``
    Spark partitions of whole journeys. Every analysis that accepts a
    :class:`~journeymine.PartitionedLog` (``discover``, ``variants``, ``dropoffs``,
    ...) then runs its kernels on each partition on the executors and merges the
    small partial results on the driver, giving the same results as the log in
    memory. The events are never collected to the driver (except by
    :meth:`~journeymine.PartitionedLog.collect`, which asks for exactly that).

    Parameters
    ----------
    spark_df : pyspark.sql.DataFrame
        The raw events, one row per event (classic PySpark or Spark Connect). It is
        never modified. Only the mapped columns (and ``keep``) are read.
    partitions : int, optional
        How many partitions; default: ``spark_df``'s number of partitions, at least
        twice the cluster's default parallelism. Each partition is loaded whole into
        an executor's Python worker: choose enough partitions for that to fit (a few
        million events each is comfortable).
    persist : bool, default True
        Keep the partitioned events cached (Spark's ``persist``, memory and disk), so
        that each analysis reads them without shuffling the source again. The cache
        is released when the returned log is garbage-collected (``del plog``), or at
        once with ``spark.catalog.clearCache()`` (which drops every cached frame).
        With ``False`` nothing is cached and each analysis re-reads and re-shuffles
        ``spark_df``.
    **mapping
        The column mapping of :func:`~journeymine.from_pandas` (``case``,
        ``customer``, ``activity``, ``timestamp``, ``channel``, ..., ``labels``,
        ``keep``, ``tz``, ``timestamp_format``, ``name``, ``drop_duplicates``), with
        the same meaning: each partition is loaded by :func:`~journeymine.from_arrow`
        with it.

    Returns
    -------
    PartitionedLog
        ``engine == "spark"``. Its ``rejected`` rows carry ``row``, the row's position
        in ``spark_df`` (0, 1, ... in the order of its partitions, as a pandas source's
        row numbers). They are brought back to the driver, so at most
        ``MAX_REJECTED`` (100,000) of them are kept: all of them when fewer were
        rejected, else the first rows of each partition (each partition sends at most
        its share, ``MAX_REJECTED / partitions``); ``rejected.attrs["n_rejected"]``
        and the :class:`~journeymine.DataQualityWarning` always give the full count.

    Raises
    ------
    MissingDependencyError
        PySpark is not installed (``pip install 'journeymine[spark]'``).
    MissingColumnError
        A mapping keyword names a column ``spark_df`` does not have.
    InvalidParameterError
        A keyword the loader refuses, or neither ``case`` nor ``customer``.
    DataError
        Spark failed (the first useful line of its error is in the message).

    Notes
    -----
    * The executors run journeymine: install it (with the same version) on the
      cluster's Python, as any Python dependency of a Spark job.
    * Spark keeps timestamps to the microsecond (the in-memory loaders keep
      nanoseconds). Timestamps held as text are parsed partition by partition, as
      pandas parses a column: a column that mixes formats may parse differently from
      the whole column in memory; give ``timestamp_format``, or convert the column
      with Spark's ``to_timestamp`` first.
    * Events of a journey that tie in time keep their order in ``spark_df``, as in
      memory; that order is the source's (files in the order Spark lists them), so
      a source that Spark reads in a different order each time (after an unordered
      shuffle) has no stable order of ties.
    * Errors of Spark (and of Py4J) are raised as :class:`~journeymine.DataError`
      with the first useful line of the Spark error as the message; an error of
      journeymine inside a partition is raised as it is, as in memory.

    Examples
    --------
    >>> import journeymine as jm
    >>> from pyspark.sql import SparkSession  # doctest: +SKIP
    >>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
    >>> events = jm.datasets.load_sample(as_frame=True)
    >>> sdf = spark.createDataFrame(events)  # doctest: +SKIP
    >>> plog = jm.from_spark(sdf, case="case_id", activity="activity",
    ...                      timestamp="timestamp", channel="channel")  # doctest: +SKIP
    >>> plog.engine, len(plog) == len(events)  # doctest: +SKIP
    ('spark', True)
    >>> jm.discover(plog).edges.head(3)  # doctest: +SKIP
    """
    _import_pyspark()
    with _spark_errors(_FUNC):
        header = [str(c) for c in spark_df.columns]
    if _ROW in header:
        raise InvalidParameterError(
            f"The 'spark_df' parameter of {_FUNC} must be a Spark DataFrame without a column "
            f"{_ROW!r} (journeymine's own). Got one with it instead.",
            param="spark_df",
        )
    usecols, _ = _columns(mapping, header, _FUNC)
    keep = mapping.get("keep")
    if isinstance(keep, dict | list | tuple):
        for k in keep:
            check_column(header, str(k), "keep", _FUNC)
    key = next((mapping[k] for k in ("case", "customer") if isinstance(mapping.get(k), str)), None)
    if key is None:
        raise InvalidParameterError(
            f"The 'case' parameter of {_FUNC} must name the journey column (or 'customer' the "
            "customer column). Got neither instead.",
            param="case",
        )
    columns = [c for c in header if usecols is None or c in usecols]
    with _spark_errors(_FUNC):
        runner = _SparkParts.build(spark_df, columns, key, mapping, partitions, persist)
    share = -(-MAX_REJECTED // runner.n_buckets)  # rejected rows each partition sends back
    summaries = runner.run(_Task(None, (), columns, mapping, summary=share))
    return _partitioned_log(runner, summaries, mapping)


def _import_pyspark() -> Any:
    try:
        import pyspark
        import pyspark.sql
    except ImportError as exc:
        raise MissingDependencyError(
            f"{_FUNC} needs PySpark, an optional extra: pip install 'journeymine[spark]'."
        ) from exc
    return pyspark


# ---------------------------------------------------------------------- the runner
class _SparkParts:
    """The events hash-partitioned by journey in Spark; ``map`` runs a function on each."""

    def __init__(
        self, frame: Any, columns: list[str], mapping: dict[str, Any], empty: Any, n_buckets: int
    ) -> None:
        self.frame = frame  # columns _c0.._cN (the source's ``columns``) and _ROW
        self.n_buckets = n_buckets  # Spark partitions, with or without events
        self.columns = columns
        self.mapping = mapping
        self.empty = empty  # an empty Arrow table of the source's columns
        self.n_partitions = 1  # the partitions that hold events, set by the first pass

    @classmethod
    def build(
        cls,
        spark_df: Any,
        columns: list[str],
        key: str,
        mapping: dict[str, Any],
        partitions: int | None,
        persist: bool,
    ) -> _SparkParts:
        from pyspark.sql import functions as F

        n = _default_partitions(spark_df) if partitions is None else int(partitions)
        # plain positional names in Spark: source names may hold dots or backticks
        safe = [f"_c{i}" for i in range(len(columns))]
        src = spark_df.select(*[_col(c).alias(s) for c, s in zip(columns, safe, strict=True)])
        empty = src.limit(0).toArrow().rename_columns(columns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from_arrow(empty, **mapping)  # the loader's keyword errors, before any job
        key_expr = _journey_key(spark_df, key, safe[columns.index(key)])
        frame = (
            src.withColumn(_ROW, F.monotonically_increasing_id())
            .repartition(n, key_expr)
            .sortWithinPartitions(_ROW)
        )
        runner = cls(frame, columns, mapping, empty, n)
        if persist:
            frame.persist()
            frame.count()  # fills the cache; later maps read it without a shuffle
            weakref.finalize(runner, _unpersist, frame).atexit = False
        return runner

    def map(self, fn: Callable[..., Any], args: tuple[Any, ...], progress: Any) -> list[Any]:
        out = self.run(_Task(fn, args, self.columns, self.mapping), progress)
        if not out:  # no events at all: the function on the empty log, here
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = [fn(from_arrow(self.empty, **self.mapping), *args)]
        return out

    def run(self, task: _Task, progress: Any = None) -> list[Any]:
        """``task`` on every partition that holds events: the results by partition."""
        with _spark_errors(_FUNC if task.summary else "the analysis"):
            rows = _collect(self.frame.mapInArrow(task, _OUT_SCHEMA), progress)
        name = getattr(task.fn, "__name__", _FUNC)
        out = []
        for row in sorted(rows, key=lambda r: r[0]):
            status, value = pickle.loads(row[1])
            if status == "error":
                _raise_from_partition(value, name)
            out.append(value)
        return out


#: The local properties ``setJobGroup`` sets (restored after a run).
_GROUP_PROPERTIES = ("spark.jobGroup.id", "spark.job.description", "spark.job.interruptOnCancel")


def _collect(frame: Any, progress: Any) -> list[Any]:
    """``frame.collect()``; with ``progress``, "partition i/n done" as Spark's tasks finish
    (read from the status tracker of a classic SparkContext; nothing on Spark Connect)."""
    try:
        sc = frame.sparkSession.sparkContext if progress is not None else None
    except Exception:  # Spark Connect: no SparkContext on the client
        sc = None
    if sc is None:
        return frame.collect()
    group = f"journeymine-{uuid.uuid4().hex}"
    saved = {k: sc.getLocalProperty(k) for k in _GROUP_PROPERTIES}
    sc.setJobGroup(group, "journeymine: partitions of whole journeys")
    stop = threading.Event()
    args = (sc.statusTracker(), group, progress, stop)
    reporter = threading.Thread(target=_report, args=args, daemon=True)
    reporter.start()
    try:
        return frame.collect()
    finally:
        stop.set()
        reporter.join()
        for k, v in saved.items():
            sc.setLocalProperty(k, v)


def _report(tracker: Any, group: str, progress: Any, stop: threading.Event) -> None:
    shown = 0
    while True:
        last = stop.wait(0.5)
        try:  # the result stage of each job: its tasks are the partitions
            stages = [
                tracker.getStageInfo(max(ids))
                for j in tracker.getJobIdsForGroup(group)
                if (ids := getattr(tracker.getJobInfo(j), "stageIds", None))
            ]
        except Exception:  # the tracker is best effort; the run goes on without it
            return
        stages = [st for st in stages if st is not None]
        total = sum(st.numTasks for st in stages)
        done = sum(st.numCompletedTasks for st in stages)
        for k in range(shown, done):
            progress.info(f"partition {k + 1}/{total} done on Spark")
        shown = max(shown, done)
        if last:
            return


def _default_partitions(spark_df: Any) -> int:
    try:
        parallelism = spark_df.sparkSession.sparkContext.defaultParallelism
        return max(int(spark_df.rdd.getNumPartitions()), 2 * int(parallelism), 1)
    except Exception:  # Spark Connect: no SparkContext on the client
        conf = spark_df.sparkSession.conf.get("spark.sql.shuffle.partitions", "200")
        return max(int(conf or 200), 2)


def _col(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _journey_key(spark_df: Any, name: str, safe: str) -> Any:
    """The hashed journey key: values the loader reads as one journey hash alike
    (identifiers are stripped of white space; -0.0 is 0.0)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    dtype = next(f.dataType for f in spark_df.schema.fields if f.name == name)
    col = F.col(safe)
    if isinstance(dtype, T.StringType | T.VarcharType | T.CharType):
        return F.regexp_replace(col, _BLANKS, "")
    if isinstance(dtype, T.FloatType | T.DoubleType):
        return col + F.lit(0.0)
    return col


def _unpersist(frame: Any) -> None:
    try:
        frame.unpersist(blocking=False)
    except Exception:  # the session may be gone already
        pass


# ---------------------------------------------------------------------- on the executors
class _Task:
    """What runs on each Spark partition (``mapInArrow``): load it, run ``fn``, pickle.

    With ``summary`` > 0 it is the first pass instead: the partition's sizes, columns
    and (up to ``summary``) rejected rows.
    """

    def __init__(
        self,
        fn: Callable[..., Any] | None,
        args: tuple[Any, ...],
        columns: list[str],
        mapping: dict[str, Any],
        *,
        summary: int = 0,
    ) -> None:
        self.fn = fn
        self.args = args
        self.columns = columns
        self.mapping = mapping
        self.summary = summary

    # no annotations: Spark would read them as the UDF's declared types
    def __call__(self, batches):
        import pyarrow as pa
        from pyspark import TaskContext

        batches = [b for b in batches if b.num_rows]
        if not batches:
            return
        table = pa.Table.from_batches(batches)
        rows = table.column(_ROW).to_numpy()
        if len(rows) > 1 and bool((np.diff(rows) < 0).any()):
            order = np.argsort(rows, kind="stable")
            table, rows = table.take(pa.array(order)), rows[order]
        table = table.drop_columns([_ROW]).rename_columns(self.columns)
        payload = _outcome(lambda: self._compute(table, rows))
        part = TaskContext.get().partitionId()
        yield pa.RecordBatch.from_pydict(
            {"part": [part], "payload": [payload]},
            schema=pa.schema([("part", pa.int64()), ("payload", pa.binary())]),
        )

    def _compute(self, table: Any, rows: np.ndarray) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # counted and warned once, on the driver
            log = from_arrow(table, **self.mapping)
            if self.summary:
                return _summary(log, rows, self.summary)
            assert self.fn is not None
            return self.fn(log, *self.args)


def _summary(log: Any, rows: np.ndarray, cap: int) -> dict[str, Any]:
    """What the driver needs to know of a partition: sizes, columns, rejected rows."""
    rejected = log.rejected
    if len(rejected):
        rejected["row"] = rows[rejected["row"].to_numpy()]
    sources, counts = np.unique(rows >> _ID_BITS, return_counts=True)
    return {
        "n_rows": len(rows),
        "n_events": len(log),
        "n_cases": log.n_cases,
        "columns": log.columns,
        "reasons": rejected["reason"].value_counts().to_dict(),
        "rejected": rejected.sort_values("row", kind="stable").head(cap),
        "sources": (sources, counts),
    }


def _outcome(compute: Callable[[], Any]) -> bytes:
    """The pickled ``("ok", result)``, or ``("error", details)`` to raise on the driver."""
    try:
        return pickle.dumps(("ok", compute()), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        details = (type(exc), exc.args, dict(vars(exc)), traceback.format_exc())
        try:
            return pickle.dumps(("error", details), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            plain = (DataError, (f"{type(exc).__name__}: {exc}",), {}, details[3])
            return pickle.dumps(("error", plain), protocol=pickle.HIGHEST_PROTOCOL)


def _raise_from_partition(details: tuple[Any, ...], name: str) -> None:
    """Raise on the driver the error a partition sent back: journeymine's as they are."""
    cls, args, state, text = details
    try:
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(state)
    except Exception:
        exc = DataError(f"{name} failed in a Spark partition: {cls.__name__}: {args}")
    if not isinstance(exc, JourneymineError):
        exc.add_note(f"Raised in a Spark partition by {name}:\n{text}")
    raise exc


# ---------------------------------------------------------------------- errors of Spark
@contextlib.contextmanager
def _spark_errors(what: str) -> Iterator[None]:
    """Turn an error of Spark or Py4J into a DataError with its first useful line (and
    hide PySpark's warning about the pandas version: the events reach journeymine as
    Arrow, never through PySpark's pandas conversion)."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _PANDAS_VERSION_WARNING, FutureWarning)
            yield
    except JourneymineError:
        raise
    except Exception as exc:
        if not _from_spark(exc):
            raise
        raise DataError(f"{what} failed on Spark: {_first_line(exc)}") from None


def _from_spark(exc: BaseException) -> bool:
    return any(c.__module__.split(".")[0] in ("pyspark", "py4j") for c in type(exc).__mro__)


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)\b")


def _first_line(exc: BaseException) -> str:
    """The first useful line of a Spark error: the Python worker's exception when one
    failed, else the first line that is not Py4J's preamble or a stack frame.

    Examples
    --------
    >>> _first_line(RuntimeError("An error occurred while calling o42.collect.\\n"
    ...                         ": java.lang.OutOfMemoryError: Java heap space\\n\\tat x.y(Z)"))
    'java.lang.OutOfMemoryError: Java heap space'
    """
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    if any(ln.startswith("Traceback (most recent call last)") for ln in lines):
        for ln in reversed(lines):
            if _EXCEPTION_LINE.match(ln):
                return _short(ln)
    for ln in lines:
        if ln.startswith(("An error occurred while calling", "at ", "Traceback", "File ")):
            continue
        return _short(ln.lstrip(": "))
    return type(exc).__name__


def _short(line: str, limit: int = 400) -> str:
    return line if len(line) <= limit else line[: limit - 3] + "..."


# ---------------------------------------------------------------------- the log
def _partitioned_log(
    runner: _SparkParts, summaries: list[dict[str, Any]], mapping: dict[str, Any]
) -> PartitionedLog:
    runner.n_partitions = max(len(summaries), 1)
    if summaries:
        columns = summaries[0]["columns"]
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            columns = from_arrow(runner.empty, **mapping).columns
    rejected, n_rejected, reasons = _rejected(summaries)
    n_rows = sum(s["n_rows"] for s in summaries)
    name = mapping.get("name")
    if n_rejected:
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items()))
        src = f" of source {name!r}" if name else ""
        capped = (
            f" ({len(rejected):,} of them; the count is in log.rejected.attrs['n_rejected'])"
            if n_rejected > len(rejected)
            else ""
        )
        warn(
            f"{n_rejected} of {n_rows} rows{src} were rejected ({detail}); they are kept in "
            f"log.rejected with a 'reason' column{capped}.",
            DataQualityWarning,
        )
    return PartitionedLog._make(
        runner,
        name=name,
        columns=columns,
        n_events=sum(s["n_events"] for s in summaries),
        n_cases=sum(s["n_cases"] for s in summaries),
        rejected=rejected,
        kind="spark",
    )


def _rejected(summaries: list[dict[str, Any]]) -> tuple[pd.DataFrame | None, int, dict]:
    """The partitions' rejected rows as one frame, numbered as rows of the source."""
    reasons: dict[str, int] = {}
    for s in summaries:
        for k, v in s["reasons"].items():
            reasons[k] = reasons.get(k, 0) + int(v)
    n_rejected = sum(reasons.values())
    if not summaries:
        return None, 0, reasons
    frames = [s["rejected"] for s in summaries if len(s["rejected"])]
    if not frames:
        out = summaries[0]["rejected"].iloc[:0].reset_index(drop=True)
        out.attrs["n_rejected"] = 0
        return out, 0, reasons
    # monotonically_increasing_id -> position in the source: rows of earlier partitions first
    sources = np.concatenate([s["sources"][0] for s in summaries])
    counts = np.concatenate([s["sources"][1] for s in summaries])
    ids, where = np.unique(sources, return_inverse=True)
    per_source = np.bincount(where, weights=counts, minlength=len(ids)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(per_source)[:-1]])
    out = pd.concat(frames, ignore_index=True)
    raw = out["row"].to_numpy().astype(np.int64)
    first = starts[np.searchsorted(ids, raw >> _ID_BITS)]
    out["row"] = first + (raw & ((1 << _ID_BITS) - 1))
    out = out.sort_values("row", kind="stable").head(MAX_REJECTED).reset_index(drop=True)
    out.attrs["n_rejected"] = n_rejected
    return out, n_rejected, reasons
