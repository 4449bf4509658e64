"""read_csv / read_parquet / read_json on hand-written files and the real public logs."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

import journeymine as jm


@pytest.fixture
def events_frame():
    return pd.DataFrame(
        {
            "visitor": ["007", "007", "42"],
            "page": ["home", "pricing", "home"],
            "at": ["2025-01-01T10:00:00Z", "2025-01-01T10:05:00Z", "2025-01-02T09:00:00+01:00"],
            "ignored": [1, 2, 3],
        }
    )


def test_read_csv_maps_and_keeps_identifiers_as_text(tmp_path, events_frame):
    path = tmp_path / "web.csv"
    events_frame.to_csv(path, index=False)
    log = jm.read_csv(
        path, customer="visitor", activity="page", timestamp="at", labels={"channel": "web"}
    )
    assert log.events["customer_id"].tolist() == ["007", "007", "42"]  # leading zeros survive
    assert log.name == "web"
    assert "ignored" not in log.columns
    assert log.events["timestamp"].iloc[2] == pd.Timestamp("2025-01-02 08:00", tz="UTC")


def test_read_csv_missing_column_lists_all_file_columns(tmp_path, events_frame):
    path = tmp_path / "web.csv"
    events_frame.to_csv(path, index=False)
    with pytest.raises(jm.MissingColumnError) as exc:
        jm.read_csv(path, customer="visitor", activity="event", timestamp="at")
    assert exc.value.available == ["visitor", "page", "at", "ignored"]


def test_parquet_and_json_lines_give_the_same_log(tmp_path, events_frame):
    events_frame.to_parquet(tmp_path / "w.parquet")
    events_frame.to_json(tmp_path / "w.jsonl", orient="records", lines=True)
    events_frame.to_csv(tmp_path / "w.csv", index=False)
    kw = dict(customer="visitor", activity="page", timestamp="at", keep=["ignored"])
    logs = [
        jm.read_parquet(tmp_path / "w.parquet", **kw),
        jm.read_json(tmp_path / "w.jsonl", **kw),
        jm.read_csv(tmp_path / "w.csv", **kw),
    ]
    cols = ["case_id", "activity", "timestamp"]
    for other in logs[1:]:
        pd.testing.assert_frame_equal(logs[0].events[cols], other.events[cols])


@pytest.mark.realdata
def test_receipt_csv_loads_with_columns_mapped(real_data):
    log = jm.read_csv(
        real_data / "receipt.csv.gz",
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        resource="org:resource",
        department="org:group",
        channel="case:channel",
    )
    assert (len(log), log.n_cases, len(log.rejected)) == (8577, 1434, 0)
    # the shared README lists four channels; the file also has a few "Intern" cases
    assert set(log.events["channel"].dropna()) == {"Internet", "Desk", "Post", "e-mail", "Intern"}
    assert log.events["department"].nunique() == 10
    pm4py = pytest.importorskip("pm4py")
    df = pd.read_csv(real_data / "receipt.csv.gz")
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], utc=True, format="mixed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pm4py.format_dataframe(
            df,
            case_id="case:concept:name",
            activity_key="concept:name",
            timestamp_key="time:timestamp",
        )
    ours = log.events
    a = sorted(
        zip(
            ours["case_id"].astype(str),
            ours["activity"].astype(str),
            ours["timestamp"],
            strict=True,
        )
    )
    b = sorted(
        zip(
            ref["case:concept:name"].astype(str),
            ref["concept:name"].astype(str),
            ref["time:timestamp"],
            strict=True,
        )
    )
    assert a == b


@pytest.mark.realdata
def test_bpi2016_messy_csv(real_data):
    path = real_data / "BPI2016_Complaints.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log = jm.read_csv(
            path,
            sep=";",
            encoding="latin-1",
            customer="CustomerID",
            activity="ComplaintTopic_EN",
            timestamp="ContactDate",
            channel="ContactChannelID",
            labels={"direction": "inbound"},
            keep=["ComplaintTheme_EN"],
        )
    raw = pd.read_csv(path, sep=";", encoding="latin-1")
    assert len(raw) == len(log) + len(log.rejected) == 289
    assert log.events["customer_id"].nunique() + log.rejected["CustomerID"].nunique() >= 226
    assert set(log.events["timestamp"].dt.year.unique().tolist()) == {2015, 2016}


def test_rejected_rows_warning_points_at_the_callers_line(tmp_path):
    pd.DataFrame({"c": ["a", "a"], "act": ["x", None], "t": ["2025-01-01", "2025-01-02"]}).to_csv(
        tmp_path / "e.csv", index=False
    )
    with pytest.warns(jm.DataQualityWarning) as caught:
        jm.read_csv(tmp_path / "e.csv", case="c", activity="act", timestamp="t")
    assert caught[0].filename == __file__
