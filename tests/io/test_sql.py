"""read_sql: a database source loads to the same log as its pandas twin, and never shows a password.

SQLite, DuckDB and the ADBC path (a DB-API stand-in over DuckDB) always run. The PostgreSQL
tests need a real server: set JOURNEYMINE_TEST_PG_URL (``.ci/run`` starts a throwaway one
with ``tools/pg_throwaway.sh``); without it they skip.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import traceback
import uuid
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

import journeymine as jm

sa = pytest.importorskip("sqlalchemy", reason="the 'sql' extra (SQLAlchemy) is not installed")

PG_URL = os.environ.get("JOURNEYMINE_TEST_PG_URL")
needs_pg = pytest.mark.skipif(
    not PG_URL,
    reason="no PostgreSQL: set JOURNEYMINE_TEST_PG_URL (tools/pg_throwaway.sh start makes one)",
)

#: (case, touchpoint, naive time, amount, note): ids are integers, a few rows lack one field
ROWS: list[tuple[Any, ...]] = [
    (1, "visit", "2025-03-01 09:00:00", 12.5, "first"),
    (1, "call", "2025-03-01 10:30:00", None, None),
    (2, "visit", "2025-03-02 08:00:00", 3.25, "b"),
    (None, "visit", "2025-03-02 09:00:00", 1.0, "no case"),
    (2, None, "2025-03-02 10:00:00", 2.0, "no touchpoint"),
    (2, "buy", None, 99.99, "no time"),
    (3, "visit", "2025-03-03 12:00:00", 0.5, "c"),
    (3, "visit", "2025-03-03 11:00:00", 0.5, "earlier, listed later"),
    (2, "call", "2025-03-02 08:00:00", 7.0, "same time as the visit"),
] + [
    (case, step, f"2025-04-{case:02d} {hour:02d}:15:00", float(case * hour), f"n{case}")
    for case in range(4, 11)
    for hour, step in ((9, "visit"), (10, "view pricing"), (14, "buy"))
]
MAPPING = {"case": "cid", "activity": "act", "timestamp": "ts", "keep": ["amount", "note"]}
COLUMNS = "row_id, cid, act, ts, ts_tz, amount, note, unused"


def frame() -> pd.DataFrame:
    """The events as pandas holds them (the twin every database read is compared with)."""
    df = pd.DataFrame(ROWS, columns=["cid", "act", "ts", "amount", "note"])
    df.insert(0, "row_id", range(1, len(df) + 1))
    df["ts"] = pd.to_datetime(df["ts"]).astype("datetime64[us]")
    df["ts_tz"] = df["ts"].dt.tz_localize("UTC")
    df["unused"] = "not read"
    return df[COLUMNS.split(", ")]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as Python values for an INSERT (missing values as None)."""
    out = []
    for row in df.to_dict("records"):
        rec = {k: (None if pd.isna(v) else v) for k, v in row.items()}
        rec["cid"] = None if rec["cid"] is None else int(rec["cid"])
        for col in ("ts", "ts_tz"):
            rec[col] = None if rec[col] is None else rec[col].to_pydatetime()
        out.append(rec)
    return out


def same(a: jm.JourneyLog, b: jm.JourneyLog) -> None:
    """Same events, journeys and rejected rows (a database read has only the columns it
    needs, so its rejected rows show those)."""
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.cases, b.cases)
    pd.testing.assert_frame_equal(a.rejected[list(b.rejected.columns)], b.rejected)


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        return func(*args, **kwargs)


# --------------------------------------------------------------------------- SQLite


@pytest.fixture(scope="module")
def sqlite_file(tmp_path_factory) -> Path:
    """The events in SQLite (no time type there: times are text, as the twin holds them)."""
    path = tmp_path_factory.mktemp("sqlite") / "events.db"
    df = frame()
    with sqlite3.connect(path) as db:
        db.execute(
            "create table events (row_id integer, cid integer, act text, ts text, ts_tz text, "
            "amount real, note text, unused text)"
        )
        rows = records(df)
        for r in rows:
            r["ts"] = None if r["ts"] is None else r["ts"].isoformat(sep=" ")
            r["ts_tz"] = None if r["ts_tz"] is None else r["ts_tz"].isoformat(sep=" ")
        db.executemany(f"insert into events values ({', '.join(':' + c for c in df)})", rows)
    db.close()
    return path


def sqlite_twin() -> pd.DataFrame:
    df = frame()
    df["ts"] = df["ts"].dt.strftime("%Y-%m-%d %H:%M:%S").astype("str")
    return df


def test_sqlite_query_and_table_give_the_pandas_twin(sqlite_file):
    url = f"sqlite:///{sqlite_file}"
    expected = quiet(jm.from_pandas, sqlite_twin(), **MAPPING)
    same(expected, quiet(jm.read_sql, "select * from events order by row_id", url, **MAPPING))
    from_table = quiet(jm.read_sql, "events", url, **MAPPING)
    same(expected, from_table)
    assert from_table.name == "events"
    # counts reconcile: every row is an event or a rejected row, with its reason
    assert len(from_table) + len(from_table.rejected) == len(ROWS)
    assert sorted(from_table.rejected["reason"]) == [
        "missing_activity",
        "missing_case",
        "missing_timestamp",
    ]


def test_small_chunks_give_the_same_log_as_one_chunk(sqlite_file, monkeypatch):
    url = f"sqlite:///{sqlite_file}"
    tables = []
    real = jm.io.sql.from_arrow

    def spy(table, **mapping):
        tables.append(table)
        return real(table, **mapping)

    monkeypatch.setattr(jm.io.sql, "from_arrow", spy)
    query = "select * from events order by row_id"
    one = quiet(jm.read_sql, query, url, **MAPPING)
    chunked = quiet(jm.read_sql, query, url, chunksize=4, **MAPPING)
    same(one, chunked)
    # read in chunks of 4 rows, put together once without a copy (one Arrow chunk each)
    assert tables[0].column("act").num_chunks == 1
    assert tables[1].column("act").num_chunks == -(-len(ROWS) // 4)
    # only the mapped and kept columns leave the database result
    assert tables[1].column_names == ["cid", "act", "ts", "amount", "note"]


def test_sql_text_reaches_the_driver_as_written(sqlite_file):
    """No bind parameters: '%' and ':' are text, as in the database's own console."""
    query = "select *, '10:30' as at_half_past from events where act like '%i%' order by row_id"
    log = quiet(jm.read_sql, query, f"sqlite:///{sqlite_file}", **MAPPING)
    assert set(log.events["activity"]) == {"visit", "view pricing"}


def test_engine_and_connection_are_used_as_they_are(sqlite_file):
    engine = sa.create_engine(f"sqlite:///{sqlite_file}")
    expected = quiet(jm.from_pandas, sqlite_twin(), **MAPPING)
    same(expected, quiet(jm.read_sql, "events", engine, **MAPPING))
    with engine.connect() as conn:
        conn.exec_driver_sql("create temp table recent as select * from events where cid > 8")
        log = quiet(jm.read_sql, "select * from recent", conn, **MAPPING)
        assert sorted(log.events["case_id"].unique()) == ["10", "9"]
        assert not conn.closed  # a connection it was given is left open
    engine.dispose()


def test_missing_mapped_column_names_it(sqlite_file):
    with pytest.raises(jm.MissingColumnError) as err:
        jm.read_sql("events", f"sqlite:///{sqlite_file}", **{**MAPPING, "activity": "step"})
    assert err.value.column == "step" and err.value.param == "activity"
    assert "read_sql" in str(err.value) and "act" in err.value.available
    with pytest.raises(jm.MissingColumnError, match="'keep' parameter of read_sql"):
        jm.read_sql("select cid, act, ts from events", f"sqlite:///{sqlite_file}",
                    **{**MAPPING, "keep": ["amount"]})  # fmt: skip


def test_empty_result_is_an_empty_log(sqlite_file):
    log = jm.read_sql("select * from events where 1 = 0", f"sqlite:///{sqlite_file}", **MAPPING)
    assert len(log) == 0 and len(log.rejected) == 0


# --------------------------------------------------------------------------- DuckDB and ADBC


def make_duckdb(path: Path | str) -> Any:
    duckdb = pytest.importorskip("duckdb", reason="DuckDB (the 'sql' extra) is not installed")
    con = duckdb.connect(str(path))
    con.execute(
        "create table events (row_id integer, cid bigint, act varchar, ts timestamp, "
        "ts_tz timestamptz, amount decimal(10, 2), note varchar, unused varchar)"
    )
    con.register("src", pa.Table.from_pandas(frame(), preserve_index=False))
    con.execute(f"insert into events select {COLUMNS} from src")
    con.unregister("src")
    return con


def test_duckdb_file_url_gives_the_pandas_twin(tmp_path):
    pytest.importorskip("duckdb_engine", reason="duckdb-engine (the 'sql' extra) is not installed")
    path = tmp_path / "events.duckdb"
    make_duckdb(path).close()
    expected = quiet(jm.from_pandas, frame(), **MAPPING)
    url = f"duckdb:///{path}"
    same(expected, quiet(jm.read_sql, "select * from events order by row_id", url, **MAPPING))
    same(expected, quiet(jm.read_sql, "events", url, chunksize=5, **MAPPING))


def test_duckdb_connection_gives_the_pandas_twin_with_times_in_utc():
    con = make_duckdb(":memory:")
    con.execute("SET TimeZone = 'America/New_York'")  # timestamptz arrives in this zone
    for timestamp in ("ts", "ts_tz"):
        mapping = {**MAPPING, "timestamp": timestamp}
        expected = quiet(jm.from_pandas, frame(), **mapping)
        got = quiet(jm.read_sql, "select * from events order by row_id", con, **mapping)
        same(expected, got)
        same(expected, quiet(jm.read_sql, "events", con, chunksize=3, **mapping))
    assert str(got.events["timestamp"].dtype) == "datetime64[ns, UTC]"
    # naive times are read in tz, as read_parquet reads them
    mapping = {**MAPPING, "tz": "Europe/Amsterdam"}
    same(
        quiet(jm.from_pandas, frame(), **mapping),
        quiet(jm.read_sql, "select * from events order by row_id", con, **mapping),
    )
    con.close()


class FakeAdbcConnection:
    """The ADBC DB-API surface read_sql uses (``cursor``, ``adbc_get_info``), over DuckDB."""

    def __init__(self, duck: Any) -> None:
        self.duck = duck
        self.cursors: list[FakeAdbcCursor] = []

    def adbc_get_info(self) -> dict[str, str]:
        return {"vendor_name": "fake"}

    def cursor(self) -> FakeAdbcCursor:
        self.cursors.append(FakeAdbcCursor(self.duck))
        return self.cursors[-1]


class FakeAdbcCursor:
    def __init__(self, duck: Any) -> None:
        self.duck, self.table, self.closed = duck, None, False

    def execute(self, sql: str) -> None:
        self.table = pa.table(self.duck.sql(sql))

    def fetch_record_batch(self) -> pa.RecordBatchReader:
        return self.table.to_reader(max_chunksize=4)

    def fetch_arrow_table(self) -> pa.Table:
        return self.table

    def close(self) -> None:
        self.closed = True


def test_adbc_connection_gives_the_pandas_twin():
    con = FakeAdbcConnection(make_duckdb(":memory:"))
    expected = quiet(jm.from_pandas, frame(), **MAPPING)
    same(expected, quiet(jm.read_sql, "select * from events order by row_id", con, **MAPPING))
    same(expected, quiet(jm.read_sql, "events", con, **MAPPING))
    assert all(c.closed for c in con.cursors)
    with pytest.raises(jm.DataError, match=r"could not read the table 'nope' from an ADBC"):
        jm.read_sql("nope", con, **MAPPING)


# --------------------------------------------------------------------------- parameters and errors


SECRET = "s3cr:et/p@ss w0rd"


def secret_url(**parts: Any) -> Any:
    """A PostgreSQL URL with SECRET as its password, to a port where nothing listens."""
    return sa.engine.URL.create(
        "postgresql+psycopg",
        username="jm",
        password=SECRET,
        host="127.0.0.1",
        port=1,
        database="events",
        **parts,
    ).render_as_string(hide_password=False)


def shown_chain(err: BaseException) -> str:
    """Everything Python shows of an error: its traceback and any chained exception."""
    return "".join(traceback.format_exception(err))


def assert_no_secret(text: str, secret: str = SECRET) -> None:
    from urllib.parse import quote, quote_plus

    for form in (secret, quote(secret, safe=""), quote_plus(secret)):
        assert form not in text


def test_failed_connection_hides_the_password():
    url = secret_url()
    assert "s3cr%3Aet%2Fp%40ss" in url  # the password is in the URL, percent-encoded
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(jm.DataError) as err:
            jm.read_sql("select * from events", url, **MAPPING)
    text = str(err.value)
    assert text.startswith("read_sql could not connect to postgresql+psycopg://jm:***@127.0.0.1:1")
    assert "Check the URL, the user name and password" in text
    assert_no_secret(text)
    assert err.value.__cause__ is None and err.value.__context__ is None
    assert_no_secret(shown_chain(err.value))
    assert_no_secret(" ".join(str(w.message) for w in caught))


def test_secret_query_parameters_are_hidden_too():
    url = secret_url(query={"sslpassword": "x", "password": "also-secret"})
    shown = jm.io.sql.redacted_url(url)
    assert "also-secret" not in shown and SECRET not in shown and "***" in shown
    with pytest.raises(jm.DataError) as err:
        jm.read_sql("events", url, **MAPPING)
    assert_no_secret(shown_chain(err.value), "also-secret")
    assert_no_secret(shown_chain(err.value))


def test_not_a_url_is_a_parameter_error_that_does_not_echo_it():
    with pytest.raises(jm.InvalidParameterError) as err:
        jm.read_sql("events", "host=db password=hunter2", **MAPPING)
    assert err.value.param == "con" and "hunter2" not in str(err.value)
    with pytest.raises(jm.InvalidParameterError, match="'con' parameter of read_sql") as err:
        jm.read_sql("events", 42, **MAPPING)


def test_unknown_keyword_is_refused_before_connecting():
    with pytest.raises(jm.InvalidParameterError, match="unknown keyword 'activty'") as err:
        jm.read_sql("events", secret_url(), case="cid", activty="act", timestamp="ts")
    assert "Did you mean 'activity'?" in str(err.value)


def test_missing_extra_names_it(monkeypatch):
    with pytest.raises(jm.MissingDependencyError, match=r"journeymine\[sql\]") as err:
        jm.read_sql("events", f"nosuchdb://jm:{SECRET.replace('/', '')}@h/db", **MAPPING)
    assert_no_secret(shown_chain(err.value), SECRET.replace("/", ""))
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)  # as if it were not installed
    with pytest.raises(jm.MissingDependencyError, match=r"pip install 'journeymine\[sql\]'"):
        jm.read_sql("events", "sqlite://", **MAPPING)


def test_redacted_url():
    assert jm.io.sql.redacted_url("postgresql://u:pw@h:5/db") == "postgresql://u:***@h:5/db"
    assert jm.io.sql.redacted_url("duckdb:///events.duckdb") == "duckdb:///events.duckdb"
    # a connection string that is not a URL may be all secret: none of it is shown
    assert jm.io.sql.redacted_url("host=db password=hunter2") == "<not a database URL>"


# --------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg_table() -> Any:
    """The events in a real PostgreSQL table (removed afterwards); yields its name."""
    if not PG_URL:
        pytest.skip("no PostgreSQL: set JOURNEYMINE_TEST_PG_URL")
    name = f"jm_events_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    rows = records(frame())
    for i, row in enumerate(rows):
        row["uid"] = str(uuid.UUID(int=(row["cid"] or 0) + 1))
        row["big"] = None if row["cid"] is None else 10**15 + row["cid"]
        row["when_local"] = row["ts"]
        assert i + 1 == row["row_id"]
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"create table {name} (row_id integer primary key, cid integer, act text, "
            "ts timestamp, ts_tz timestamptz, amount numeric(10, 2), note text, unused text, "
            "uid uuid, big numeric(20, 0), when_local timestamp)"
        )
        cols = list(rows[0])
        conn.execute(
            sa.text(f"insert into {name} ({', '.join(cols)}) values (:{', :'.join(cols)})"), rows
        )
    yield name
    with engine.begin() as conn:
        conn.exec_driver_sql(f"drop table {name}")
    engine.dispose()


@needs_pg
@pytest.mark.parametrize("chunksize", [50_000, 4])
def test_postgres_gives_the_pandas_twin(pg_table, chunksize):
    expected = quiet(jm.from_pandas, frame(), **MAPPING)
    query = f"select * from {pg_table} order by row_id"
    same(expected, quiet(jm.read_sql, query, PG_URL, chunksize=chunksize, **MAPPING))
    from_table = quiet(jm.read_sql, f"public.{pg_table}", PG_URL, chunksize=chunksize, **MAPPING)
    same(expected, from_table)
    assert from_table.name == f"public.{pg_table}"
    # integer ids, numeric amounts, text with NULLs and the rejected rows' reasons
    assert sorted(from_table.events["case_id"].unique(), key=int) == [str(i) for i in range(1, 11)]
    assert str(from_table.events["amount"].dtype) == "float64"
    assert from_table.events["amount"].max() == 140.0  # case 10 at 14:15
    assert len(from_table) + len(from_table.rejected) == len(ROWS)
    assert sorted(from_table.rejected["reason"]) == [
        "missing_activity",
        "missing_case",
        "missing_timestamp",
    ]


@needs_pg
def test_postgres_timestamptz_is_read_in_utc_whatever_the_session_zone(pg_table):
    engine = sa.create_engine(PG_URL, connect_args={"options": "-c timezone=America/New_York"})
    with engine.connect() as conn:
        assert conn.exec_driver_sql("show timezone").scalar() == "America/New_York"
    query = f"select * from {pg_table} order by row_id"
    for timestamp, tz in (("ts_tz", "UTC"), ("ts", "UTC"), ("ts", "Europe/Amsterdam")):
        mapping = {**MAPPING, "timestamp": timestamp, "tz": tz}
        expected = quiet(jm.from_pandas, frame(), **mapping)
        got = quiet(jm.read_sql, query, engine, **mapping)
        same(expected, got)
        assert str(got.events["timestamp"].dtype) == "datetime64[ns, UTC]"
    engine.dispose()


@needs_pg
def test_postgres_uuid_and_wide_numeric_ids(pg_table):
    query = f"select * from {pg_table} where big is not null"
    log = quiet(jm.read_sql, query, PG_URL, case="uid", activity="act", timestamp="ts",
                keep=["big"])  # fmt: skip
    assert str(uuid.UUID(int=2)) in set(log.events["case_id"])  # a uuid is read as text
    assert str(log.events["big"].dtype) == "int64"  # numeric(20, 0) of whole numbers
    assert int(log.events["big"].max()) == 10**15 + 10


@needs_pg
def test_postgres_streams_through_a_server_side_cursor(pg_table):
    engine = sa.create_engine(PG_URL)
    seen = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def spy(conn, cursor, statement, parameters, context, executemany):
        if pg_table in statement and "false" not in statement.lower():
            seen.append((type(cursor).__name__, context.execution_options.get("stream_results")))

    quiet(jm.read_sql, f"select * from {pg_table}", engine, chunksize=5, **MAPPING)
    quiet(jm.read_sql, pg_table, engine, chunksize=5, **MAPPING)
    assert seen == [("ServerCursor", True), ("ServerCursor", True)]
    engine.dispose()


@needs_pg
def test_postgres_wrong_password_never_shows_it(pg_table):
    url = sa.make_url(PG_URL)
    real = url.password
    wrong = url.set(password=SECRET).render_as_string(hide_password=False)
    with pytest.raises(jm.DataError) as err:
        jm.read_sql(pg_table, wrong, **MAPPING)
    text = str(err.value)
    assert "password authentication failed" in text and "could not connect" in text
    assert f"{url.username}:***@{url.host}:{url.port}/{url.database}" in text
    assert_no_secret(shown_chain(err.value))
    assert real not in shown_chain(err.value)


@needs_pg
def test_postgres_query_error_names_the_query_without_the_password(pg_table):
    with pytest.raises(jm.DataError) as err:
        jm.read_sql("select * from no_such_table", PG_URL, **MAPPING)
    text = str(err.value)
    assert "could not read the query 'select * from no_such_table'" in text
    assert "no_such_table" in text and sa.make_url(PG_URL).password not in shown_chain(err.value)
    with pytest.raises(jm.MissingColumnError) as missing:
        jm.read_sql(pg_table, PG_URL, **{**MAPPING, "timestamp": "ts_utc"})
    assert missing.value.column == "ts_utc" and "ts_tz" in missing.value.available


def test_time_types_used_here_round_trip():
    """The twin's types (a guard on the fixture itself)."""
    df = frame()
    assert str(df["ts"].dtype) == "datetime64[us]"
    assert df["ts_tz"].dt.tz == dt.UTC
