"""jm.scan_parquet: a Parquet file or folder into partitions of whole journeys, as in memory."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm

MAPPING = dict(case="case", activity="activity", timestamp="time", channel="channel")


def _frame(n_cases: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_cases):
        t = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(hours=int(rng.integers(0, 500)))
        for _ in range(int(rng.integers(1, 7))):
            t += pd.Timedelta(minutes=int(rng.integers(0, 3) * 30))  # ties in time
            rows.append(
                {
                    "case": f"c{c:03d}",
                    "activity": str(rng.choice(["home", "search", "cart", "buy", "call"])),
                    "time": t,
                    "channel": str(rng.choice(["web", "app", "phone"])),
                }
            )
    df = pd.DataFrame(rows)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # time-shuffled export


def _lake(tmp_path, df: pd.DataFrame, n_files: int = 3):
    folder = tmp_path / "lake"
    folder.mkdir()
    for i, chunk in enumerate(np.array_split(np.arange(len(df)), n_files)):
        df.iloc[chunk].to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("partitions", [1, 3, 8])
def test_folder_gives_the_log_in_memory(tmp_path, workers, partitions):
    df = _frame()
    folder = _lake(tmp_path, df)
    plog = jm.scan_parquet(folder, partitions=partitions, workers=workers, **MAPPING)
    log = jm.from_pandas(df, **MAPPING)
    assert len(plog) == len(log) and plog.n_cases == log.n_cases
    assert plog.engine == "files" and plog.n_partitions <= partitions
    pdt.assert_frame_equal(plog.collect().events, log.events)
    got, want = jm.discover(plog), jm.discover(log)
    pdt.assert_frame_equal(got.nodes, want.nodes, check_exact=True)
    pdt.assert_frame_equal(got.edges, want.edges, check_exact=True)


def test_rejected_rows_reconcile_with_their_source_row_numbers(tmp_path):
    df = _frame(30)
    df.loc[[3, 17], "time"] = pd.NaT
    df.loc[[5], "case"] = None
    folder = _lake(tmp_path, df, n_files=2)
    with pytest.warns(jm.DataQualityWarning):
        plog = jm.scan_parquet(folder, partitions=4, workers=1, **MAPPING)
    rejected = plog.rejected
    assert len(plog) + len(rejected) == len(df)
    assert sorted(rejected["row"].tolist()) == [3, 5, 17]
    # the row numbers point at the source rows (files in listing order, rows in file order)
    assert rejected.set_index("row").loc[5, "activity"] == df.loc[5, "activity"]


def test_spill_folder_is_removed_with_the_log(tmp_path):
    import tempfile
    from pathlib import Path

    plog = jm.scan_parquet(_lake(tmp_path, _frame(10)), workers=1, **MAPPING)
    # (this log's own folder: other tests running beside this one make theirs)
    folder = Path(plog._runner.files[0]).parent
    assert folder.parent == Path(tempfile.gettempdir()) and folder.name.startswith("jm-")
    assert folder.exists()
    del plog
    gc.collect()
    assert not folder.exists()


def test_spill_dir_is_kept_when_given(tmp_path):
    spill = tmp_path / "spill"
    plog = jm.scan_parquet(
        _lake(tmp_path, _frame(10)), partitions=2, workers=1, spill_dir=spill, **MAPPING
    )
    assert len(list(spill.glob("part-*"))) == plog.n_partitions


def test_missing_column_is_named(tmp_path):
    folder = _lake(tmp_path, _frame(5))
    with pytest.raises(jm.MissingColumnError, match="'department'"):
        jm.scan_parquet(folder, department="department", **MAPPING)


def test_not_parquet_is_a_data_error(tmp_path):
    bad = tmp_path / "x.parquet"
    bad.write_text("not parquet")
    with pytest.raises(jm.DataError, match="x.parquet"):
        jm.scan_parquet(bad, **MAPPING)


@pytest.mark.parametrize("param", ["partitions", "workers", "batch_size"])
def test_bad_counts(tmp_path, param):
    with pytest.raises(jm.InvalidParameterError, match=f"'{param}' parameter of scan_parquet"):
        jm.scan_parquet(tmp_path, **{param: 0}, **MAPPING)


def test_functions_that_do_not_partition_say_to_collect(tmp_path):
    plog = jm.scan_parquet(_lake(tmp_path, _frame(10)), workers=1, **MAPPING)
    with pytest.raises(jm.InvalidParameterError, match=r"collect\(\)"):
        jm.journey_features(plog, goal="buy")


@pytest.mark.realdata
def test_real_log_as_a_lake(tmp_path, real_data):
    df = pd.read_csv(real_data / "receipt.csv.gz")
    df = df[["case:concept:name", "concept:name", "time:timestamp", "org:group"]]
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], format="ISO8601", utc=True)
    mapping = dict(
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
    )
    folder = _lake(tmp_path, df.sample(frac=1.0, random_state=1), n_files=4)
    plog = jm.scan_parquet(folder, partitions=5, workers=2, **mapping)
    log = jm.from_pandas(df, **mapping)
    assert (len(plog), plog.n_cases) == (len(log), log.n_cases) == (8577, 1434)
    for level in ("activity", "department"):
        got, want = jm.discover(plog, level=level), jm.discover(log, level=level)
        pdt.assert_frame_equal(got.edges, want.edges, check_exact=True)
