"""Every loader is total: a log whose events + rejected rows equal the input rows, or a
journeymine error; never a pandas, pyarrow, numpy or builtin exception (issue #14).

Two parts: named edge cases (one fast test per bug the reliability probe found), and
hypothesis fuzzing (``slow``) of from_pandas, read_csv, read_parquet, read_json, a few
XES files, combine, split_journeys, map_stages and some analyses. The fuzzing is
derandomized, so a failure replays as it is; each loader sees at least 1,000 inputs.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import journeymine as jm
from journeymine.errors import JourneymineError

M = {"case": "c", "activity": "a", "timestamp": "t"}
N_EXAMPLES = 1000  # per loader and CI run


def _load(func, *args, **kwargs):
    """Call a loader; its result, or the journeymine error it raised (anything else fails)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return func(*args, **kwargs)
        except JourneymineError as exc:
            return exc


def _check_rows(log, n_rows: int) -> None:
    if isinstance(log, JourneymineError):
        return
    assert len(log.events) + len(log.rejected) == n_rows
    assert not log.events["timestamp"].isna().any()
    assert log.rejected["reason"].isin(list(jm.schema.REJECT_REASONS)).all()
    log.cases  # noqa: B018 - never an overflow


def _frame(ts, **cols) -> pd.DataFrame:
    n = len(ts)
    return pd.DataFrame({"c": cols.pop("c", ["x"] * n), "a": cols.pop("a", ["v"] * n), "t": ts})


# ---------------------------------------------------------------- named edge cases


@pytest.mark.parametrize("value", ["1500-01-01", "9999-12-31", "-1", "0001-01-01 00:00"])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Amsterdam"])
def test_out_of_range_date_is_one_rejected_row(value, tz):
    log = _load(jm.from_pandas, _frame(["2025-01-01", value]), tz=tz, **M)
    assert len(log.events) == 1
    assert log.rejected["reason"].tolist() == ["timestamp_out_of_range"]


def test_out_of_range_datetime64_column_is_rejected_rows():
    ts = pd.Series(np.array(["2025-01-01", "1500-01-01", "9999-12-31"], dtype="M8[s]"))
    log = _load(jm.from_pandas, _frame(ts), **M)
    assert log.rejected["reason"].tolist() == ["timestamp_out_of_range"] * 2


def test_non_utc_tz_with_unreadable_timestamp():
    log = _load(jm.from_pandas, _frame(["2025-01-01", "garbage"]), tz="Europe/Amsterdam", **M)
    assert log.rejected["reason"].tolist() == ["unparseable_timestamp"]


def test_clock_changes_are_named_rejections():
    ts = ["2025-10-26 02:30", "2025-03-30 02:30", "2025-06-01 12:00"]
    log = _load(jm.from_pandas, _frame(ts), tz="Europe/Amsterdam", **M)
    assert log.rejected["reason"].tolist() == ["ambiguous_local_time", "nonexistent_local_time"]


def test_unknown_tz_names_the_parameter():
    with pytest.raises(jm.InvalidParameterError, match="'tz'"):
        jm.from_pandas(_frame(["2025-01-01"]), tz="Mars/Olympus", **M)


@pytest.mark.parametrize(
    "ts", [[1700000000, 1700000060], pd.Series([1700000000, "2025-01-01"], dtype=object)]
)
def test_epoch_numbers_need_epoch_unit(ts):
    with pytest.raises(jm.InvalidParameterError, match="epoch_unit"):
        jm.from_pandas(_frame(ts), **M)


@pytest.mark.parametrize("unit,value", [("s", 1700000000), ("ms", 1700000000000)])
def test_epoch_unit_reads_numbers(unit, value):
    log = _load(jm.from_pandas, _frame([value, str(value)]), epoch_unit=unit, **M)
    assert log.events["timestamp"].tolist() == [pd.Timestamp("2023-11-14 22:13:20", tz="UTC")] * 2


def test_epoch_out_of_range_is_rejected():
    log = _load(jm.from_pandas, _frame([1700000000, 10**15, -(10**15)]), epoch_unit="s", **M)
    assert log.rejected["reason"].tolist() == ["timestamp_out_of_range"] * 2


def test_json_zero_and_minus_one_are_not_1970(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text('{"c":"x","a":"v","t":0}\n{"c":"x","a":"v","t":-1}\n')
    with pytest.raises(jm.InvalidParameterError, match="epoch_unit"):
        jm.read_json(path, **M)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-16"])
def test_other_encodings_name_the_encoding_parameter(tmp_path, encoding):
    path = tmp_path / "x.csv"
    path.write_bytes("c,a,t\nx,café €,2025-01-01\n".encode(encoding, errors="replace"))
    with pytest.raises(jm.DataError, match="encoding="):
        jm.read_csv(path, **M)
    log = _load(jm.read_csv, path, encoding=encoding, **M)
    assert len(log.events) == 1


def test_truncated_gz(tmp_path):
    data = gzip.compress(b"c,a,t\n" + b"x,v,2025-01-01\n" * 1000)
    path = tmp_path / "x.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(jm.DataError, match="truncated or corrupt"):
        jm.read_csv(path, **M)


@pytest.mark.parametrize(
    "reader,content",
    [
        (jm.read_csv, b""),
        (jm.read_csv, b'c,a,t\nx,"v,2025\n1,2,3,4,5\n'),
        (jm.read_parquet, b""),
        (jm.read_parquet, b"PAR1 not a parquet file PAR1"),
        (jm.read_json, b'{"c": "x",\n'),
    ],
)
def test_empty_or_corrupt_files_name_the_file(tmp_path, reader, content):
    path = tmp_path / "broken.data"
    path.write_bytes(content)
    with pytest.raises(jm.DataError, match="broken.data"):
        reader(path, **M)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(jm.InvalidParameterError, match="'path'"):
        jm.read_csv(tmp_path / "nope.csv", **M)


def test_duplicate_column_names():
    df = pd.DataFrame([["x", "v", "2025-01-01", "w"]], columns=["c", "a", "t", "a"])
    with pytest.raises(jm.DataError, match="duplicate column names"):
        jm.from_pandas(df, **M)
    # a duplicate that is neither mapped nor kept is no problem
    df.columns = ["c", "a", "t", "z"]
    df = pd.concat([df, df[["z"]]], axis=1)
    assert len(_load(jm.from_pandas, df, **M).events) == 1


@pytest.mark.parametrize(
    "values",
    [
        pd.period_range("2025-01", periods=2, freq="M"),
        pd.to_timedelta([1, 2], unit="D"),
        [1 + 2j, 3j],
        [b"2025-01-01", b"\xff"],
        [True, False],
        pd.interval_range(0, 2),
        [dt.date(2025, 1, 1), dt.time(10, 0)],
        pd.Categorical(["2025-01-01", "9999-01-01"]),
    ],
)
@pytest.mark.parametrize("tz", ["UTC", "Europe/Amsterdam"])
def test_timestamp_columns_of_any_dtype(values, tz):
    df = pd.DataFrame({"c": [b"\xfe", "y"], "a": ["v", b"\xff"], "t": pd.Series(values)})
    _check_rows(_load(jm.from_pandas, df, tz=tz, keep=True, drop_duplicates=True, **M), 2)


def test_list_valued_cells():
    df = pd.DataFrame({"c": [["x"], "y"], "a": ["v", {"k": 1}], "t": ["2025-01-01"] * 2})
    log = _load(
        jm.from_pandas, df.assign(extra=[[1], [1]]), keep=["extra"], drop_duplicates=True, **M
    )
    assert len(log.events) == 2


@pytest.mark.parametrize("name", ["NA", "null", "None", "N/A", "nan", "NaN", "#N/A"])
def test_csv_text_spelling_missing_is_kept(tmp_path, name):
    path = tmp_path / "na.csv"
    path.write_text(f"c,a,t\n{name},{name},2025-01-01\nx,,2025-01-02\n")
    log = _load(jm.read_csv, path, **M)
    assert log.events["case_id"].tolist() == [name]
    assert log.events["activity"].tolist() == [name]
    assert log.rejected["reason"].tolist() == ["missing_activity"]  # only an empty cell


def test_combine_with_an_empty_crosswalk():
    log = _load(jm.from_pandas, _frame(["2025-01-01"]), customer="c", activity="a", timestamp="t")
    out = _load(jm.combine, [log], identities=pd.DataFrame({"c": []}))
    assert len(out.events) == 1


def test_split_journeys_observation_end_out_of_range():
    log = _load(jm.from_pandas, _frame(["2025-01-01", "2025-02-01"]), **M)
    with pytest.raises(jm.InvalidParameterError, match="observation_end"):
        jm.split_journeys(log, inactivity="1D", observation_end="9999-01-01")


def test_journey_of_300_years_is_refused_with_a_reason():
    log = _load(jm.from_pandas, _frame(["1700-01-01", "2100-01-01", "2100-01-02"]), **M)
    assert log.rejected["reason"].tolist() == ["journey_too_long"] * 3
    assert len(log.cases) == 0
    a = _load(jm.from_pandas, _frame(["1700-01-01"]), customer="c", activity="a", timestamp="t")
    b = _load(jm.from_pandas, _frame(["2100-01-01"]), customer="c", activity="a", timestamp="t")
    with pytest.raises(jm.DataError, match="292 years"):
        jm.combine([a, b])


def test_split_journeys_far_apart_times_do_not_overflow():
    log = _load(jm.from_pandas, _frame(["1700-01-01", "1700-01-02"]), **M)
    split = _load(jm.split_journeys, log, inactivity="1D", observation_end="2262-01-01")
    assert split.cases["ongoing"].tolist() == [False]


def test_real_bpi2016_complaints_needs_its_encoding(real_data):
    path = real_data / "BPI2016_Complaints.csv"
    if not path.exists():
        pytest.skip("BPI2016_Complaints.csv not present")
    mapping = {"case": "CustomerID", "activity": "ComplaintTheme", "timestamp": "ContactDate"}
    with pytest.raises(jm.DataError, match="encoding="):
        jm.read_csv(path, sep=";", **mapping)
    log = _load(jm.read_csv, path, sep=";", encoding="latin-1", **mapping)
    n_rows = len(pd.read_csv(path, sep=";", encoding="latin-1", usecols=[0]))
    assert len(log.events) + len(log.rejected) == n_rows


# ---------------------------------------------------------------- strategies

# separators, quotes, line breaks, accents, right-to-left, emoji, a lone high code point
_TEXT = st.text(alphabet=st.sampled_from(list("ab7 ,;\t\"'\r\né€ا😀\U0010ffff-:/+#")), max_size=8)
_LABELS = st.one_of(
    st.sampled_from(["x", "y", "NA", "null", "None", "N/A", "nan", "", " ", "007", "▶ start"]),
    _TEXT,
)
_DATES = st.sampled_from(
    [
        "2025-01-01",
        "2025-03-30 02:30",
        "2025-10-26 02:30",
        "2025-01-01T10:00:00Z",
        "2025-01-01 10:00+05:30",
        "01/02/2025 10:00",
        "1500-01-01",
        "9999-12-31",
        "1677-09-21 12:00",
        "2262-04-11 12:00",
        "1700-01-01",
        "-1",
        "0",
        "1700000000",
        "garbage",
        "",
        "2025-02-30",
    ]
)
_TIMES = st.one_of(
    _DATES,
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.datetimes(timezones=st.just(dt.UTC)),
    st.booleans(),
    st.binary(max_size=4),
    st.decimals(places=2, allow_nan=False),  # (a signalling NaN breaks pandas itself)
    _TEXT,
)
_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "tz": st.sampled_from(["UTC", "Europe/Amsterdam", "America/New_York", "Nowhere/Else"]),
        "epoch_unit": st.sampled_from(["s", "ms", "us", "ns"]),
        "dayfirst": st.booleans(),
        "timestamp_format": st.sampled_from(["%Y-%m-%d", "%d/%m/%Y %H:%M", "%Q"]),
        "drop_duplicates": st.booleans(),
        "keep": st.sampled_from([True, ["k"]]),
    },
)
_FUZZ = settings(
    max_examples=N_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@st.composite
def _frames(draw, times=_TIMES, labels=_LABELS):
    n = draw(st.integers(0, 6))
    df = pd.DataFrame(
        {
            "c": draw(
                st.lists(st.one_of(labels, st.none(), st.integers()), min_size=n, max_size=n)
            ),
            "a": draw(st.lists(st.one_of(labels, st.none()), min_size=n, max_size=n)),
            "t": pd.Series(draw(st.lists(times, min_size=n, max_size=n)), dtype=object),
            "k": draw(
                st.lists(
                    st.one_of(labels, st.lists(st.integers(), max_size=2)), min_size=n, max_size=n
                )
            ),
        }
    )
    return df


def _retyped(df: pd.DataFrame, how: str) -> pd.DataFrame:
    """The frame with its timestamp column in another dtype, where pandas allows it."""
    try:
        if how == "string":
            return df.assign(t=df["t"].astype("string"))
        if how == "category":
            return df.assign(t=df["t"].astype(str).astype("category"))
        if how.startswith("M8"):
            return df.assign(
                t=pd.Series(pd.to_datetime(df["t"], errors="coerce", utc=True)).dt.as_unit(how[3:5])
            )
        if how == "float":
            return df.assign(t=pd.to_numeric(df["t"], errors="coerce"))
    except Exception:  # the retyping is only a variation of the input
        pass
    return df


# ---------------------------------------------------------------- fuzzing


@pytest.mark.slow
@_FUZZ
@given(
    df=_frames(),
    how=st.sampled_from(["object", "string", "category", "M8[s]", "M8[ns]", "float"]),
    by=st.sampled_from(["case", "customer"]),
    options=_OPTIONS,
)
def test_fuzz_from_pandas(df, how, by, options):
    df = _retyped(df, how)
    mapping = {by: "c", "activity": "a", "timestamp": "t"}
    _check_rows(_load(jm.from_pandas, df, **mapping, **options), len(df))


def _csv_bytes(df: pd.DataFrame, sep: str) -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    writer.writerow(df.columns)
    for row in df.itertuples(index=False):
        writer.writerow(["" if v is None else str(v) for v in row])
    return buf.getvalue().encode("utf-8")


def _mutate(data: bytes, how: str, at: float, junk: bytes) -> bytes:
    i = int(at * len(data))
    if how == "truncate":
        return data[:i]
    if how == "insert":
        return data[:i] + junk + data[i:]
    if how == "overwrite":
        return data[:i] + junk + data[i + len(junk) :]
    return data


_MUTATION = st.tuples(
    st.sampled_from(["none", "none", "truncate", "insert", "overwrite"]),
    st.floats(0, 1),
    st.binary(min_size=1, max_size=6),
)


@pytest.mark.slow
@_FUZZ
@given(
    df=_frames(times=st.one_of(_DATES, _TEXT)),
    sep=st.sampled_from([",", ";", "\t"]),
    mutation=_MUTATION,
    suffix=st.sampled_from([".csv", ".csv", ".csv.gz"]),
    encoding=st.sampled_from([None, None, "latin-1", "utf-16"]),
    options=_OPTIONS,
)
def test_fuzz_read_csv(tmp_path, df, sep, mutation, suffix, encoding, options):
    df = df[["c", "a", "t"]]
    if encoding == "utf-16":
        data = _csv_bytes(df, sep).decode("utf-8").encode("utf-16")
    elif encoding == "latin-1":
        data = _csv_bytes(df, sep).decode("utf-8").encode("latin-1", errors="replace")
    else:
        data = _csv_bytes(df, sep)
    data = _mutate(data, *mutation)
    if suffix.endswith(".gz"):
        packed = gzip.compress(data, mtime=0)
        data = packed[: len(packed) - 4] if mutation[0] == "truncate" else packed
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    options = {k: v for k, v in options.items() if k != "keep"}
    log = _load(jm.read_csv, path, sep=sep, encoding=encoding, **M, **options)
    if mutation[0] == "none":
        _check_rows(log, len(df))


def _str(value) -> str | None:
    return None if value is None or isinstance(value, float) and np.isnan(value) else str(value)


@pytest.mark.slow
@_FUZZ
@given(
    df=_frames(times=st.one_of(_DATES, st.none())),
    kind=st.sampled_from(["text", "s", "ms", "us", "ns", "int", "date"]),
    years=st.lists(st.integers(1, 9999), min_size=6, max_size=6),
    mutation=_MUTATION,
    options=_OPTIONS,
)
def test_fuzz_read_parquet(tmp_path, df, kind, years, mutation, options):
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = len(df)
    text = pa.array([_str(v) for v in df["c"]], type=pa.string())
    acts = pa.array([_str(v) for v in df["a"]], type=pa.string())
    if kind == "text":
        times = pa.array([_str(v) for v in df["t"]], type=pa.string())
    elif kind == "int":
        times = pa.array([y * 10**7 for y in years[:n]], type=pa.int64())
    elif kind == "date":
        times = pa.array([dt.date(y, 1, 1) for y in years[:n]], type=pa.date32())
    else:
        seconds = [
            int((dt.datetime(y, 6, 1) - dt.datetime(1970, 1, 1)).total_seconds()) for y in years[:n]
        ]
        scale = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[kind]
        values = [s * scale for s in seconds]
        if kind == "ns":
            values = [v if -(2**63) < v < 2**63 else None for v in values]
        times = pa.array(values, type=pa.timestamp(kind))
    table = pa.table({"c": text, "a": acts, "t": times, "k": pa.array([str(v) for v in df["k"]])})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    data = _mutate(buf.getvalue(), *mutation)
    path = tmp_path / "fuzz.parquet"
    path.write_bytes(data)
    log = _load(jm.read_parquet, path, **M, **options)
    if mutation[0] == "none":
        _check_rows(log, n)


_JSON_VALUES = st.one_of(
    _LABELS,
    st.none(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["k"]), st.integers(), max_size=1),
    _DATES,
)


@pytest.mark.slow
@_FUZZ
@given(
    rows=st.lists(
        st.fixed_dictionaries({"c": _JSON_VALUES, "a": _JSON_VALUES, "t": _JSON_VALUES}),
        max_size=6,
    ),
    mutation=_MUTATION,
    options=_OPTIONS,
)
def test_fuzz_read_json(tmp_path, rows, mutation, options):
    text = "".join(json.dumps(r) + "\n" for r in rows).encode("utf-8")
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(_mutate(text, *mutation))
    options = {k: v for k, v in options.items() if k != "keep"}
    log = _load(jm.read_json, path, **M, **options)
    if mutation[0] == "none" and rows:
        _check_rows(log, len(rows))


@pytest.mark.slow
@settings(_FUZZ, max_examples=25)
@given(
    times=st.lists(_DATES, min_size=1, max_size=4),
    names=st.lists(_LABELS, min_size=1, max_size=4),
    mutation=_MUTATION,
)
def test_fuzz_read_xes(tmp_path, times, names, mutation):
    from xml.sax.saxutils import quoteattr

    events = "".join(
        f'<event><string key="concept:name" value={quoteattr(a)}/>'
        f'<date key="time:timestamp" value={quoteattr(t)}/></event>'
        for a, t in zip(names, times, strict=False)
    )
    xml = f'<log><trace><string key="concept:name" value="c1"/>{events}</trace></log>'
    path = tmp_path / "fuzz.xes"
    path.write_bytes(_mutate(xml.encode("utf-8"), *mutation))
    _load(jm.read_xes, path)


def _small_log(seed: int, customer: bool = False) -> jm.JourneyLog:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 12))
    df = pd.DataFrame(
        {
            "c": rng.choice(["a", "b", "NA", "c"], n),
            "a": rng.choice(["visit", "call", "buy", "▶ start"], n),
            "t": pd.Timestamp("2025-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 10**6, n), unit="min"),
        }
    )
    key = "customer" if customer else "case"
    return _load(jm.from_pandas, df, **{key: "c"}, activity="a", timestamp="t", name=f"s{seed}")


@pytest.mark.slow
@settings(_FUZZ, max_examples=100)
@given(
    seeds=st.lists(st.integers(0, 10**6), min_size=1, max_size=3),
    xwalk=st.one_of(
        st.none(),
        st.lists(
            st.tuples(st.one_of(_LABELS, st.none()), st.one_of(_LABELS, st.none())), max_size=4
        ),
    ),
    inactivity=st.sampled_from([None, "1D", "30D", "0s", "-1D", "100000D", "abc"]),
    end_at=st.sampled_from([None, "buy", ["visit", "nope"], "nope"]),
    observation_end=st.sampled_from([None, "2025-06-01", "9999-01-01", "1500-01-01", "x"]),
    stages=st.sampled_from(
        [{}, {"s1": ["visit"]}, {"s1": ["visit"], "s2": ["visit"]}, {"s": "buy"}]
    ),
)
def test_fuzz_journeys_and_analyses(seeds, xwalk, inactivity, end_at, observation_end, stages):
    logs = [_small_log(s, customer=True) for s in seeds]
    identities = None
    if xwalk is not None:
        identities = pd.DataFrame(xwalk, columns=["c", "crm"]) if xwalk else pd.DataFrame({"c": []})
    combined = _load(jm.combine, logs, identities=identities)
    if isinstance(combined, JourneymineError):
        return
    assert len(combined.events) == sum(len(lg.events) for lg in logs)
    split = _load(
        jm.split_journeys,
        combined,
        inactivity=inactivity,
        end_at=end_at,
        observation_end=observation_end,
    )
    if isinstance(split, JourneymineError):
        return
    assert len(split.events) == len(combined.events)
    staged = _load(jm.map_stages, split, stages)
    log = staged if isinstance(staged, jm.JourneyLog) else split
    for analysis in (jm.discover, jm.variants, jm.loops, jm.silent_gaps, jm.repeat_contacts):
        _load(analysis, log)
    _load(jm.dropoffs, log, goal=end_at or "buy")
    _load(jm.pain_points, log, goal=end_at or "buy", min_journeys=1)


def test_fuzz_suite_runs_enough_examples():
    assert N_EXAMPLES >= 1000
    assert Path(__file__).name == "test_fuzz_loaders.py"
