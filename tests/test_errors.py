"""The exception family: what the errors carry (``.param``, ``.failure_cases``)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import journeymine as jm


def _log(ts: list[str], **kwargs) -> jm.JourneyLog:
    df = pd.DataFrame({"c": ["x"] * len(ts), "a": ["v"] * len(ts), "t": pd.to_datetime(ts)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return jm.from_pandas(df, activity="a", timestamp="t", **kwargs)


def test_journeys_spanning_centuries_are_the_failure_cases():
    a = _log(["1700-01-01", "1700-01-02"], customer="c")
    b = _log(["2100-01-01"], customer="c")
    with pytest.raises(jm.DataError, match="292 years") as err:
        jm.combine([a, b])
    rows = err.value.failure_cases
    assert isinstance(rows, pd.DataFrame)
    # the first and the last event of the one journey that is too long
    assert rows["timestamp"].dt.year.tolist() == [1700, 2100]
    assert rows["case_id"].astype(str).nunique() == 1


def test_journeys_over_the_length_guard_are_the_failure_cases():
    pytest.importorskip("pm4py")
    df = pd.DataFrame(
        {
            "c": ["long"] * 4 + ["short"] * 2,
            "a": ["A", "B", "A", "B", "A", "B"],
            "t": pd.date_range("2025-01-01", periods=6, freq="h"),
        }
    )
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    with pytest.raises(jm.DataError, match="max_journey_length") as err:
        jm.discover_model(log, max_journey_length=3)
    cases = err.value.failure_cases
    assert cases["case_id"].astype(str).tolist() == ["long"]
    assert cases["events"].tolist() == [4]


def test_data_errors_not_about_rows_have_none():
    assert jm.DataError("the file is truncated").failure_cases is None


def test_invalid_parameter_error_names_the_parameter():
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.dead_ends(jm.datasets.load_sample(), goal="purchase", min_journeys=0)
    assert err.value.param == "min_journeys"
    assert jm.InvalidParameterError("plain").param is None


def test_param_is_read_from_a_message_in_the_usual_shape():
    # a check in the body (it needs the data) that does not pass param= explicitly
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.compare_segments(jm.datasets.load_sample(), "acquisition", reference="nowhere")
    assert err.value.param == "reference"
    assert jm.InvalidParameterError("x.csv: The 'sep' parameter of read_csv ...").param == "sep"
    with pytest.raises(jm.MissingColumnError) as col:
        jm.loops(jm.datasets.load_sample(), level="stage")
    assert col.value.param == "level"
