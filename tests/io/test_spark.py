"""jm.from_spark: a Spark DataFrame analysed partition by partition on local[2], as in memory."""

from __future__ import annotations

import functools
import gc
import os
import shutil
import sys
import warnings

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,  # a SparkSession takes 10-30 s to start
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support:FutureWarning"),
]

SIM = dict(
    case="case_id",
    customer="customer_id",
    activity="activity",
    timestamp="timestamp",
    channel="channel",
    department="department",
    resource="resource",
    direction="direction",
    keep=["acquisition"],
)


@pytest.fixture(scope="session")
def spark():
    """A quiet local[2] SparkSession (skips without PySpark or Java)."""
    pytest.importorskip("pyspark", reason="PySpark is not installed (journeymine[spark])")
    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and os.path.exists(f"{java_home}/bin/java"))):
        pytest.skip("Java is not installed: PySpark needs a JVM (Java 17)")
    from pyspark.sql import SparkSession

    before = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this venv's Python
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            session = (
                SparkSession.builder.master("local[2]")
                .appName("journeymine-tests")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.default.parallelism", "2")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .getOrCreate()
            )
    finally:
        if before is None:
            os.environ.pop("PYSPARK_PYTHON", None)
        else:
            os.environ["PYSPARK_PYTHON"] = before
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as plain text with None for missing values (what Spark takes)."""
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _to_spark(spark, df: pd.DataFrame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spark.createDataFrame(df)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return func(*args, **kwargs)


def _same_graph(got: jm.JourneyGraph, expected: jm.JourneyGraph) -> None:
    pdt.assert_frame_equal(got.nodes, expected.nodes, check_exact=True)
    pdt.assert_frame_equal(got.edges, expected.edges, check_exact=True)


# ---------------------------------------------------------------------- same results
@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    """A planted simulation (the sample model: drop-off, ping-pong, dead end, ...)."""
    return _plain(jm.datasets.simulate(n_journeys=1500, seed=7, as_frame=True))


@pytest.fixture(scope="module")
def simulated_logs(spark, simulated):
    """The simulation in memory and on Spark (3 partitions)."""
    memory = jm.from_pandas(simulated, **SIM)
    return memory, jm.from_spark(_to_spark(spark, simulated), partitions=3, **SIM)


def test_planted_simulation_gives_the_in_memory_map(simulated_logs):
    memory, plog = simulated_logs
    assert plog.engine == "spark" and plog.n_partitions == 3
    assert (len(plog), plog.n_cases, plog.columns) == (len(memory), memory.n_cases, memory.columns)
    for level in ("activity", "channel"):
        _same_graph(jm.discover(plog, level=level), jm.discover(memory, level=level))
    _same_graph(
        jm.discover(plog, collapse_repeats=True), jm.discover(memory, collapse_repeats=True)
    )
    assert len(plog.rejected) == 0 and plog.rejected.attrs["n_rejected"] == 0


def test_planted_simulation_gives_the_in_memory_findings(simulated_logs):
    memory, plog = simulated_logs
    pdt.assert_frame_equal(jm.variants(plog), jm.variants(memory), check_exact=True)
    pdt.assert_frame_equal(
        jm.dropoffs(plog, goal="purchase"), jm.dropoffs(memory, goal="purchase"), check_exact=True
    )
    pdt.assert_frame_equal(jm.handoffs(plog), jm.handoffs(memory), check_exact=True)


def test_journeys_one_per_customer_are_partitioned_by_customer(spark, simulated):
    mapping = dict(customer="customer_id", activity="activity", timestamp="timestamp")
    memory = jm.from_pandas(simulated, **mapping)
    plog = jm.from_spark(_to_spark(spark, simulated), partitions=4, **mapping)
    assert (len(plog), plog.n_cases) == (len(memory), memory.n_cases)
    _same_graph(jm.discover(plog), jm.discover(memory))


def test_real_log_gives_the_in_memory_results(spark, real_data):
    raw = pd.read_csv(real_data / "receipt.csv.gz")
    # a process export: case, activity, time, resource (no channel or department); a
    # column name with a dot, and the colons of pm4py's convention, pass through Spark
    raw = raw[["case:concept:name", "concept:name", "time:timestamp", "org:resource"]]
    raw = raw.rename(columns={"org:resource": "org.resource"})
    mapping = dict(
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        resource="org.resource",
    )
    memory = _quiet(jm.from_pandas, raw, **mapping)
    plog = _quiet(jm.from_spark, _to_spark(spark, raw), **mapping)  # default partitions
    assert plog.n_partitions >= 2
    assert (len(plog), plog.n_cases) == (len(memory), memory.n_cases)
    assert len(plog) + len(plog.rejected) == len(raw)
    pdt.assert_frame_equal(
        plog.rejected[["row", "reason"]], memory.rejected[["row", "reason"]], check_exact=True
    )
    _same_graph(jm.discover(plog), jm.discover(memory))
    _same_graph(jm.discover(plog, level="resource"), jm.discover(memory, level="resource"))
    pdt.assert_frame_equal(jm.variants(plog), jm.variants(memory), check_exact=True)


def test_ties_blank_padded_ids_and_input_order_as_in_memory(spark):
    # ties in time keep their input order; " c1" and "c1" are one journey (ids are stripped)
    df = pd.DataFrame(
        {
            "case": ["c1", " c1", "c2", "c1", "c2", "c3\t", "c3", "c4"],
            "activity": ["b", "a", "x", "c", "y", "p", "q", "solo"],
            "time": [
                "2025-01-01 10:00",
                "2025-01-01 10:00",
                "2025-01-02 09:00",
                "2025-01-01 11:00",
                "2025-01-02 09:00",
                "2025-01-03 08:00",
                "2025-01-03 08:00",
                "2025-01-04 08:00",
            ],
        }
    )
    mapping = dict(case="case", activity="activity", timestamp="time")
    memory = jm.from_pandas(df, **mapping)
    plog = jm.from_spark(_to_spark(spark, df), partitions=3, **mapping)
    assert (len(plog), plog.n_cases) == (len(memory), memory.n_cases) == (8, 4)
    _same_graph(jm.discover(plog), jm.discover(memory))
    pdt.assert_frame_equal(plog.collect().events, memory.events, check_exact=True)


# ---------------------------------------------------------------------- rejected rows
def test_rejected_rows_reconcile_with_the_source(spark, simulated):
    dirty = simulated[["case_id", "activity", "timestamp"]].copy()
    dirty["timestamp"] = dirty["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S").astype(object)
    rng = np.random.default_rng(3)
    rows = rng.choice(len(dirty), size=30, replace=False)
    dirty.loc[rows[:10], "activity"] = None
    dirty.loc[rows[10:20], "timestamp"] = "not a time"
    dirty.loc[rows[20:], "case_id"] = None
    mapping = dict(case="case_id", activity="activity", timestamp="timestamp")
    with pytest.warns(jm.DataQualityWarning) as expected:
        memory = jm.from_pandas(dirty, **mapping)
    with pytest.warns(jm.DataQualityWarning) as got:
        plog = jm.from_spark(_to_spark(spark, dirty), partitions=3, **mapping)
    assert [str(w.message) for w in got] == [str(w.message) for w in expected]
    assert len(plog) + len(plog.rejected) == len(dirty)
    assert plog.rejected.attrs["n_rejected"] == 30
    pdt.assert_frame_equal(plog.rejected, memory.rejected, check_exact=True, check_dtype=False)
    _same_graph(jm.discover(plog), jm.discover(memory))


def test_only_so_many_rejected_rows_come_to_the_driver(spark, monkeypatch):
    from journeymine.io import spark as spark_io

    df = pd.DataFrame(
        {
            "case": [f"c{i % 40}" for i in range(200)],
            "activity": [None if i % 5 == 0 else "a" for i in range(200)],
            "time": ["2025-01-01 10:00"] * 200,
        }
    )
    monkeypatch.setattr(spark_io, "MAX_REJECTED", 12)
    with pytest.warns(jm.DataQualityWarning, match=r"40 of 200 rows .*\(12 of them; the count"):
        plog = jm.from_spark(
            _to_spark(spark, df), partitions=3, case="case", activity="activity", timestamp="time"
        )
    rejected = plog.rejected
    assert len(rejected) == 12 and rejected.attrs["n_rejected"] == 40
    assert rejected["row"].is_monotonic_increasing
    assert set(rejected["row"]) <= set(range(0, 200, 5))
    assert len(plog) == 160


# ---------------------------------------------------------------------- errors
def test_a_missing_column_is_named_with_the_columns_there_are(spark, simulated):
    sdf = _to_spark(spark, simulated[["case_id", "activity", "timestamp"]])
    with pytest.raises(jm.MissingColumnError) as err:
        jm.from_spark(sdf, case="case_id", activity="activty", timestamp="timestamp")
    assert err.value.column == "activty"
    assert err.value.available == ["case_id", "activity", "timestamp"]
    assert "from_spark" in str(err.value) and "Did you mean 'activity'?" in str(err.value)


def test_loader_errors_come_before_any_job(spark):
    sdf = _to_spark(spark, pd.DataFrame({"c": ["a"], "a": ["x"], "t": [1_700_000_000]}))
    with pytest.raises(jm.InvalidParameterError, match="epoch_unit"):
        jm.from_spark(sdf, case="c", activity="a", timestamp="t")
    with pytest.raises(jm.InvalidParameterError, match="journey column"):
        jm.from_spark(sdf, activity="a", timestamp="t")
    plog = jm.from_spark(sdf, case="c", activity="a", timestamp="t", epoch_unit="s")
    assert len(plog) == 1


def test_functions_that_do_not_run_on_partitions_say_to_collect(spark, simulated):
    sdf = _to_spark(spark, simulated[["case_id", "activity", "timestamp"]])
    plog = jm.from_spark(
        sdf, partitions=2, case="case_id", activity="activity", timestamp="timestamp"
    )
    with pytest.raises(jm.InvalidParameterError, match=r"collect\(\)") as err:
        jm.journey_features(plog, goal="purchase")
    assert err.value.param == "log"


def test_errors_in_a_partition_and_in_spark(spark, simulated):
    from pyspark.sql import functions as F

    sdf = _to_spark(spark, simulated[["case_id", "activity", "timestamp"]])
    mapping = dict(case="case_id", activity="activity", timestamp="timestamp")
    plog = jm.from_spark(sdf, partitions=2, **mapping)
    # a journeymine error in a partition is raised as it is, with its attributes
    with pytest.raises(jm.MissingColumnError) as err:
        plog._map(functools.partial(jm.discover, level="nope"), ())
    assert err.value.column == "nope" and "activity" in err.value.available
    # any other error too, with the partition's traceback as a note
    with pytest.raises(TypeError, match="positional argument") as err:
        plog._map(jm.discover, ("nope",))
    assert any("Raised in a Spark partition" in note for note in err.value.__notes__)
    # an error of Spark is a DataError with its first useful line, no Java stack
    boom = sdf.withColumn(
        "activity", F.when(F.col("case_id").isNotNull(), F.raise_error(F.lit("boom at row")))
    )
    with pytest.raises(jm.DataError) as err:
        jm.from_spark(boom, partitions=2, **mapping)
    assert "boom at row" in str(err.value)
    assert "\tat " not in str(err.value) and len(str(err.value).splitlines()) == 1


def test_the_cache_is_released_with_the_log(spark, simulated):
    sdf = _to_spark(spark, simulated[["case_id", "activity", "timestamp"]])
    mapping = dict(case="case_id", activity="activity", timestamp="timestamp")
    plog = jm.from_spark(sdf, partitions=2, **mapping)
    frame = plog._runner.frame
    assert frame.is_cached
    del plog
    gc.collect()
    assert not frame.is_cached
    uncached = jm.from_spark(sdf, partitions=2, persist=False, **mapping)
    assert not uncached._runner.frame.is_cached
    memory = jm.from_pandas(simulated[["case_id", "activity", "timestamp"]], **mapping)
    _same_graph(jm.discover(uncached), jm.discover(memory))


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, text: str) -> None:
        self.lines.append(text)


def test_partials_come_back_in_partition_order_with_progress(simulated_logs):
    memory, plog = simulated_logs
    progress = _Lines()
    sizes = plog._map(len, (), progress)
    assert len(sizes) == plog.n_partitions == 3 and sum(sizes) == len(memory)
    assert progress.lines[-1] == "partition 3/3 done on Spark"
    assert plog._map(len, ()) == sizes  # the same partitions, in the same order


def test_an_empty_frame_gives_an_empty_log(spark):
    df = pd.DataFrame({"c": [], "a": [], "t": []}, dtype=object)
    sdf = spark.createDataFrame([], "c string, a string, t string")
    plog = jm.from_spark(sdf, partitions=2, case="c", activity="a", timestamp="t")
    memory = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    assert (len(plog), plog.n_cases) == (0, 0)
    _same_graph(jm.discover(plog), jm.discover(memory))


# ---------------------------------------------------------------------- without Spark
def test_not_a_spark_frame_is_refused_before_spark_is_needed():
    df = pd.DataFrame({"c": ["a"], "a": ["x"], "t": ["2025-01-01"]})
    with pytest.raises(jm.InvalidParameterError, match="use jm.from_pandas") as err:
        jm.from_spark(df, case="c", activity="a", timestamp="t")
    assert err.value.param == "spark_df"
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.from_spark(None, partitions=0)
    assert err.value.param == "partitions"


def test_without_pyspark_the_error_names_the_extra(monkeypatch):
    fake = type("DataFrame", (), {"__module__": "pyspark.sql.dataframe"})()
    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(jm.MissingDependencyError, match=r"pip install 'journeymine\[spark\]'"):
        jm.from_spark(fake, case="c", activity="a", timestamp="t")
