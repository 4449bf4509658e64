"""from_arrow: Arrow sources load to the same log as their pandas twins."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

import journeymine as jm

MAPPING = {
    "case": "case_id",
    "customer": "customer_id",
    "activity": "activity",
    "timestamp": "timestamp",
    "channel": "channel",
    "department": "department",
    "resource": "resource",
    "direction": "direction",
    "keep": ["acquisition"],
}


@pytest.fixture(scope="module")
def twin() -> pd.DataFrame:
    """The sample's events as a plain source frame, its dtypes as pandas infers them."""
    ev = jm.datasets.load_sample().events.iloc[:4000]
    df = pd.DataFrame({c: ev[c] if c == "timestamp" else ev[c].tolist() for c in ev.columns})
    df["unused"] = range(len(df))
    return df


def _same(a: jm.JourneyLog, b: jm.JourneyLog, *, rejected: bool = True) -> None:
    """Same events, journeys and rejected rows (``b`` from Arrow never reads the source's
    unmapped columns, so its rejected rows do not show them)."""
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    if rejected:
        pd.testing.assert_frame_equal(a.rejected[list(b.rejected.columns)], b.rejected)


def test_pyarrow_table_and_record_batch_load_as_their_pandas_twin(twin):
    expected = jm.from_pandas(twin, **MAPPING)
    table = pa.Table.from_pandas(twin, preserve_index=False)
    _same(expected, jm.from_arrow(table, **MAPPING))
    _same(expected, jm.from_arrow(table.to_batches()[0], **MAPPING))
    _same(expected, jm.from_arrow(table.to_reader(), **MAPPING))


def test_polars_frame_loads_as_its_pandas_twin(twin):
    pl = pytest.importorskip("polars", reason="polars is not installed (the 'polars' extra)")
    frame = pl.from_pandas(twin)
    expected = jm.from_pandas(twin, **MAPPING)
    _same(expected, jm.from_arrow(frame, **MAPPING))
    # a categorical (dictionary) column and microsecond times: the same events and
    # journeys; rejected rows keep the source's time unit, as for its pandas twin
    cat = frame.with_columns(
        pl.col("activity").cast(pl.Categorical), pl.col("timestamp").dt.cast_time_unit("us")
    )
    _same(expected, jm.from_arrow(cat, **MAPPING), rejected=False)
    _same(jm.from_pandas(cat.to_pandas(), **MAPPING), jm.from_arrow(cat, **MAPPING))


def test_only_mapped_columns_leave_arrow(monkeypatch):
    seen = []
    real = jm.io.arrow.from_pandas

    def spy(df, **mapping):
        seen.append(list(df.columns))
        return real(df, **mapping)

    monkeypatch.setattr(jm.io.arrow, "from_pandas", spy)
    table = pa.table(
        {
            "c": ["a", "a", "b"],
            "act": ["x", "y", "x"],
            "t": ["2025-01-01 09:00", "2025-01-01 10:00", "2025-01-02 09:00"],
            "big": [1.0, 2.0, 3.0],
            "note": ["n1", None, "n3"],
        }
    )
    log = jm.from_arrow(table, case="c", activity="act", timestamp="t", keep=["note"])
    assert seen == [["c", "act", "t", "note"]]
    assert log.n_cases == 2 and len(log) == 3
    assert log.events["note"].iloc[0] == "n1" and pd.isna(log.events["note"].iloc[1])
    everything = jm.from_arrow(table, case="c", activity="act", timestamp="t", keep=True)
    assert "big" in everything.columns


def test_errors_name_the_parameter():
    table = pa.table({"c": ["a"], "act": ["x"], "t": ["2025-01-01 09:00"]})
    with pytest.raises(jm.MissingColumnError) as err:
        jm.from_arrow(table, case="c", activity="nope", timestamp="t")
    assert err.value.param == "activity"
    with pytest.raises(jm.InvalidParameterError, match="use jm.from_pandas") as err:
        jm.from_arrow(table.to_pandas(), case="c", activity="act", timestamp="t")
    assert err.value.param == "data"
    with pytest.raises(jm.InvalidParameterError, match=r"Got \[1, 2\] instead"):
        jm.from_arrow([1, 2], case="c", activity="act", timestamp="t")


def test_the_source_is_not_changed():
    table = pa.table({"c": ["a", "b"], "act": ["x", "y"], "t": ["2025-01-02", "2025-01-01"]})
    before = table.to_pydict()
    jm.from_arrow(table, case="c", activity="act", timestamp="t")
    assert table.to_pydict() == before


@pytest.mark.filterwarnings("ignore::journeymine.DataQualityWarning")
def test_rejected_rows_as_for_the_pandas_twin():
    df = pd.DataFrame(
        {
            "c": ["a", "a", "b", None],
            "act": ["x", None, "y", "z"],
            "t": ["2025-01-01 09:00", "2025-01-01 10:00", "bad", "2025-01-01 10:00"],
        }
    )
    expected = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    assert expected.rejected["reason"].tolist() == [
        "missing_activity",
        "unparseable_timestamp",
        "missing_case",
    ]
    _same(expected, jm.from_arrow(pa.table(df), case="c", activity="act", timestamp="t"))
    pl = pytest.importorskip("polars", reason="polars is not installed (the 'polars' extra)")
    _same(expected, jm.from_arrow(pl.from_pandas(df), case="c", activity="act", timestamp="t"))


def test_duckdb_result_loads_as_its_pandas_twin():
    duckdb = pytest.importorskip("duckdb", reason="duckdb is not installed")
    df = pd.DataFrame({"c": ["a", "a", "b"], "act": ["x", "y", "x"], "t": ["2025-01-01"] * 3})
    rel = duckdb.sql("select c, act, t from df")
    _same(
        jm.from_pandas(df, case="c", activity="act", timestamp="t"),
        jm.from_arrow(rel, case="c", activity="act", timestamp="t"),
    )
