"""from_pandas: mapping, ordering, time zones, rejected rows, errors, immutability."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeymine as jm


def _df(**cols):
    return pd.DataFrame(cols)


def test_sorted_by_case_then_time_then_input_order():
    df = _df(
        c=["b", "a", "a", "b", "a"],
        act=["b1", "a2", "a1", "b2", "a3"],
        t=["2025-01-02", "2025-01-03", "2025-01-01", "2025-01-02", "2025-01-03"],
    )
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    # case a: a1 (Jan 1), then a2 and a3 tie on Jan 3 and keep input order (a2 came first)
    # case b: b1 and b2 tie on Jan 2 and keep input order
    assert log.events["activity"].tolist() == ["a1", "a2", "a3", "b1", "b2"]
    assert log.events["case_id"].tolist() == ["a", "a", "a", "b", "b"]
    assert log.case_offsets.tolist() == [0, 3, 5]


def test_integer_case_ids_sort_numerically():
    df = _df(c=[10, 2, 1], act=["x", "y", "z"], t=["2025-01-01"] * 3)
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    assert log.events["case_id"].tolist() == ["1", "2", "10"]


def test_timezones_are_converted_to_utc():
    df = _df(
        c=["a", "a", "a", "a"],
        act=["w", "x", "y", "z"],
        t=[
            "2025-03-01T10:00:00+01:00",
            "2025-03-01T10:00:00Z",
            "2025-03-01 12:00",
            "2025-03-01T08:30:00-05:00",
        ],
    )
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    ts = log.events.set_index("activity")["timestamp"]
    assert str(ts.dtype) == "datetime64[ns, UTC]"
    assert ts["w"] == pd.Timestamp("2025-03-01 09:00", tz="UTC")
    assert ts["x"] == pd.Timestamp("2025-03-01 10:00", tz="UTC")
    assert ts["y"] == pd.Timestamp("2025-03-01 12:00", tz="UTC")  # naive read as UTC (default tz)
    assert ts["z"] == pd.Timestamp("2025-03-01 13:30", tz="UTC")


def test_naive_timestamps_take_tz_parameter_and_offsets_win():
    df = _df(c=["a", "a"], act=["x", "y"], t=["2025-07-01 12:00", "2025-07-01 12:00+00:00"])
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t", tz="Europe/Amsterdam")
    ts = log.events.set_index("activity")["timestamp"]
    assert ts["x"] == pd.Timestamp("2025-07-01 10:00", tz="UTC")  # CEST is UTC+2 in July
    assert ts["y"] == pd.Timestamp("2025-07-01 12:00", tz="UTC")


def test_datetime_columns_naive_and_aware():
    naive = pd.to_datetime(["2025-01-01 10:00", "2025-01-01 11:00"])
    df = _df(c=["a", "a"], act=["x", "y"], t=naive)
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t", tz="America/New_York")
    assert log.events["timestamp"].iloc[0] == pd.Timestamp("2025-01-01 15:00", tz="UTC")
    aware = naive.tz_localize("Asia/Tokyo")
    log2 = jm.from_pandas(
        _df(c=["a", "a"], act=["x", "y"], t=aware), case="c", activity="act", timestamp="t"
    )
    assert log2.events["timestamp"].iloc[0] == pd.Timestamp("2025-01-01 01:00", tz="UTC")


def test_rejected_rows_have_reasons_and_counts_reconcile():
    df = _df(
        c=["a", "a", None, "a", "b", "b", "", "b"],
        act=["x", "y", "z", None, "x", "x", "q", "y"],
        t=[
            "2025-01-01",
            "2025-01-02",
            "2025-01-01",
            "2025-01-03",
            "not a date",
            "2025-01-05",
            "2025-01-01",
            None,
        ],
        d=["inbound", "OUT", "inbound", "inbound", "inbound", "sideways", "inbound", "inbound"],
    )
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)  # row 8 duplicates row 0
    with pytest.warns(jm.DataQualityWarning, match=r"7 of 9 rows were rejected"):
        log = jm.from_pandas(
            df, case="c", activity="act", timestamp="t", direction="d", drop_duplicates=True
        )
    rej = log.rejected.set_index("row")["reason"].to_dict()
    assert rej == {
        2: "missing_case",
        3: "missing_activity",
        4: "unparseable_timestamp",
        5: "invalid_direction",
        6: "missing_case",
        7: "missing_timestamp",
        8: "duplicate",
    }
    assert len(df) == len(log) + len(log.rejected)
    assert log.events["activity"].tolist() == ["x", "y"]
    assert log.events["direction"].tolist() == ["inbound", "outbound"]
    # the rejected rows carry their original values
    assert log.rejected.set_index("row").loc[5, "d"] == "sideways"


def test_duplicates_are_exact_only():
    df = _df(c=["a", "a", "a"], act=["x", "x", "x"], t=["2025-01-01"] * 3, r=["ann", "bob", "ann"])
    with pytest.warns(jm.DataQualityWarning, match="duplicate: 1"):
        log = jm.from_pandas(
            df, case="c", activity="act", timestamp="t", resource="r", drop_duplicates=True
        )
    assert log.events["resource"].tolist() == ["ann", "bob"]
    assert log.rejected["row"].tolist() == [2]
    kept = jm.from_pandas(df, case="c", activity="act", timestamp="t", resource="r")
    assert len(kept) == 3  # kept by default, as pm4py keeps them


def test_constant_labels_and_kept_columns():
    df = _df(
        phone=["1", "2"],
        reason=["bill", "cancel"],
        at=["2025-01-01", "2025-01-02"],
        mood=["ok", "bad"],
    )
    log = jm.from_pandas(
        df,
        customer="phone",
        activity="reason",
        timestamp="at",
        labels={
            "channel": "phone",
            "department": "support",
            "direction": "inbound",
            "source": "calls",
        },
        keep={"mood": "sentiment"},
    )
    ev = log.events
    assert ev["channel"].tolist() == ["phone", "phone"]
    assert ev["department"].tolist() == ["support", "support"]
    assert ev["direction"].tolist() == ["inbound", "inbound"]
    assert ev["source"].tolist() == ["calls", "calls"]
    assert ev["sentiment"].tolist() == ["ok", "bad"]
    assert list(ev.columns[:8]) == list(jm.schema.CANONICAL_COLUMNS)
    # without a case column each customer is one journey
    assert ev["case_id"].tolist() == ev["customer_id"].tolist() == ["1", "2"]


def test_case_without_customer_uses_case_as_customer():
    df = _df(c=["t1", "t2"], act=["x", "y"], t=["2025-01-01", "2025-01-02"])
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    assert log.events["customer_id"].tolist() == ["t1", "t2"]


def test_missing_column_error_lists_columns():
    df = _df(c=["a"], act=["x"], t=["2025-01-01"])
    with pytest.raises(
        jm.MissingColumnError, match=r"'activity' parameter of from_pandas must name a column"
    ) as exc:
        jm.from_pandas(df, case="c", activity="activty", timestamp="t")
    assert exc.value.available == ["c", "act", "t"]
    assert "Got 'activty' instead" in str(exc.value)


def test_channel_name_that_is_not_a_column_suggests_labels():
    df = _df(c=["a"], act=["x"], t=["2025-01-01"])
    with pytest.raises(jm.MissingColumnError, match=r"labels=\{'channel': 'phone'\}"):
        jm.from_pandas(df, case="c", activity="act", timestamp="t", channel="phone")


def test_bad_keyword_is_named_with_suggestion():
    df = _df(c=["a"], act=["x"], t=["2025-01-01"])
    with pytest.raises(
        jm.InvalidParameterError, match=r"unknown keyword 'custmer'.*Did you mean 'customer'"
    ):
        jm.from_pandas(df, case="c", activity="act", timestamp="t", custmer="c")


def test_needs_case_or_customer():
    df = _df(act=["x"], t=["2025-01-01"])
    with pytest.raises(jm.InvalidParameterError, match="'case' or the 'customer' parameter"):
        jm.from_pandas(df, activity="act", timestamp="t")


def test_labels_conflicting_with_mapping():
    df = _df(c=["a"], act=["x"], t=["2025-01-01"], ch=["web"])
    with pytest.raises(jm.InvalidParameterError, match="already maps"):
        jm.from_pandas(
            df, case="c", activity="act", timestamp="t", channel="ch", labels={"channel": "x"}
        )


def test_numeric_timestamps_are_refused_with_advice():
    df = _df(c=["a"], act=["x"], t=[1700000000])
    with pytest.raises(jm.InvalidParameterError, match="unit='s'"):
        jm.from_pandas(df, case="c", activity="act", timestamp="t")


def test_not_a_dataframe():
    with pytest.raises(jm.InvalidParameterError, match="must be a pandas DataFrame"):
        jm.from_pandas([1, 2], case="c", activity="a", timestamp="t")


def test_empty_input_gives_empty_log():
    df = _df(
        c=pd.Series([], dtype=object),
        act=pd.Series([], dtype=object),
        t=pd.Series([], dtype=object),
    )
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    assert len(log) == 0 and log.n_cases == 0 and len(log.rejected) == 0
    assert len(log.cases) == 0
    assert "0 events" in repr(log)


def test_all_rows_rejected_gives_empty_log():
    df = _df(c=["a", "b"], act=[None, None], t=["2025-01-01", "2025-01-02"])
    with pytest.warns(jm.DataQualityWarning):
        log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    assert len(log) == 0 and len(log.rejected) == 2


def test_input_is_not_mutated():
    df = _df(c=["b", "a"], act=["x", "y"], t=["2025-01-02", "2025-01-01"], d=["in", "out"])
    before = df.copy(deep=True)
    jm.from_pandas(df, case="c", activity="act", timestamp="t", direction="d", keep=True)
    pd.testing.assert_frame_equal(df, before)


def test_events_view_cannot_change_the_log():
    df = _df(c=["a", "a"], act=["x", "y"], t=["2025-01-01", "2025-01-02"])
    log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    ev = log.events
    ev.loc[0, "timestamp"] = pd.Timestamp("2030-01-01", tz="UTC")
    assert log.events["timestamp"].iloc[0] == pd.Timestamp("2025-01-01", tz="UTC")


def test_direct_construction_is_refused():
    with pytest.raises(TypeError, match="built by the loaders"):
        jm.JourneyLog()


_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", None]),
        st.sampled_from(["x", "y", "z", "", None]),
        st.sampled_from(["2025-01-01 10:00", "2025-01-01 11:00", "2025-01-02", "bad", None]),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(_rows)
def test_property_counts_reconcile_and_order_holds(rows):
    df = pd.DataFrame(rows, columns=["c", "act", "t"], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log = jm.from_pandas(df, case="c", activity="act", timestamp="t")
    assert len(df) == len(log) + len(log.rejected)
    assert set(log.rejected["row"]).isdisjoint(set())  # rows are plain ints
    assert sorted(log.rejected["row"]) == sorted(set(log.rejected["row"]))
    ev = log.events
    keys = list(zip(ev["case_id"].astype(str), ev["timestamp"], strict=True))
    assert keys == sorted(keys)
    # shuffling the input rows gives the same events, up to the order of exact ties
    shuffled = df.sample(frac=1.0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log2 = jm.from_pandas(shuffled, case="c", activity="act", timestamp="t")
    cols = ["case_id", "timestamp", "activity"]
    a = ev[cols].astype(str).sort_values(cols).to_numpy().tolist()
    b = log2.events[cols].astype(str).sort_values(cols).to_numpy().tolist()
    assert a == b
    assert np.array_equal(log.case_offsets, log2.case_offsets)


def test_keep_true_keeps_every_one_of_many_columns():
    # 10,000 columns took 115 s when every kept column was compared with every other;
    # benchmarks/hostile.py measures how the time grows with the columns
    df = pd.DataFrame({f"c{i}": ["x", "y"] for i in range(2_000)})
    df["case"], df["act"], df["ts"] = ["a", "a"], ["p", "q"], ["2020-01-01", "2020-01-02"]
    log = jm.from_pandas(df, case="case", activity="act", timestamp="ts", keep=True)
    assert len(log.events.columns) == 8 + 2_000
    assert log.events["c1999"].tolist() == ["x", "y"]
