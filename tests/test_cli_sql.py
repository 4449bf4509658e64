"""Database sources in a run configuration: url / url_env with query / table, checked, run end to
end, and never a password in results.json, the report or a message.

The DuckDB and configuration tests always run; those against PostgreSQL need
JOURNEYMINE_TEST_PG_URL (``tools/pg_throwaway.sh start``) and skip without it.
"""

from __future__ import annotations

import json
import os
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import journeymine as jm
from journeymine import cli
from journeymine.cli.config import parse_config
from journeymine.reporting.results import RESULTS_SCHEMA

sa = pytest.importorskip("sqlalchemy", reason="the 'sql' extra (SQLAlchemy) is not installed")

PG_URL = os.environ.get("JOURNEYMINE_TEST_PG_URL")
needs_pg = pytest.mark.skipif(
    not PG_URL,
    reason="no PostgreSQL: set JOURNEYMINE_TEST_PG_URL (tools/pg_throwaway.sh start makes one)",
)
ENV_NAME = "JOURNEYMINE_TEST_DB_URL"
MAPPING = {"case": "case_id", "activity": "activity", "timestamp": "timestamp"}


def events() -> pd.DataFrame:
    """The first 300 journeys of the sample, as a database table holds them."""
    ev = jm.datasets.load_sample().events
    ev = ev[ev["case_id"].isin(ev["case_id"].cat.categories[:300])]
    out = pd.DataFrame({c: ev[c].astype("str") for c in ("case_id", "activity", "channel")})
    out["timestamp"] = ev["timestamp"].to_numpy()  # instants, as timestamptz holds them
    out.insert(0, "row_id", range(len(out)))
    return out.reset_index(drop=True)


def write_config(folder: Path, source: dict[str, Any]) -> Path:
    lines = [f"{k} = {json.dumps(v)}" for k, v in {**source, **MAPPING}.items()]
    text = textwrap.dedent(
        """\
        title = "From a database"
        goal = "purchase"
        output = "out"
        [analyses]
        run = ["journey_map", "variants", "dropoffs"]
        [sources.db]
        """
    )
    path = folder / "config.toml"
    path.write_text(text + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def output_text(folder: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((folder / "out").rglob("*"))
        if p.is_file() and p.suffix in (".json", ".html", ".csv")
    )


# --------------------------------------------------------------------------- the configuration


def problems(source: dict[str, Any], **kwargs: Any) -> str:
    data = {"sources": {"db": {**MAPPING, **source}}}
    with pytest.raises(jm.ConfigError) as err:
        parse_config(data, file="cfg.toml", check_files=kwargs.pop("check_files", False), **kwargs)
    return str(err.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({}, "sources.db: needs exactly one of 'path' (an events file), 'url' or 'url_env'"),
        (
            {"path": "e.csv", "url": "sqlite://", "query": "select 1"},
            "Got ['path', 'url']",
        ),
        ({"url": "sqlite://"}, "a database source needs 'query' (the SQL that returns the events)"),
        ({"url": "sqlite://", "query": "select 1", "table": "e"}, "or 'table' (a table or view name); not both"),
        ({"path": "e.csv", "query": "select 1"}, "sources.db.query: applies to database sources"),
        ({"url": "sqlite://", "table": "e", "format": "csv"}, "sources.db.format: applies to file sources"),
        ({"url": "sqlite://", "table": "e", "sep": ";"}, "sources.db.sep: applies to file sources"),
        ({"url_env": "1DB", "table": "e"}, "sources.db.url_env: must name an environment variable"),
        ({"url": "env:DB_URL", "table": "e"}, "For a variable, write url_env = 'DB_URL'."),
        ({"url": "sqlite://", "table": "my events"}, "sources.db.table: must be a name such as"),
    ],
)  # fmt: skip
def test_source_keys_are_checked(source, expected):
    assert expected in problems(source)


def test_a_url_that_is_not_one_is_never_echoed():
    text = problems({"url": "host=db user=jm password=hunter2", "table": "events"})
    assert "sources.db.url: must be a database URL" in text and "hunter2" not in text


def test_url_env_must_be_set_when_files_are_checked(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_NAME, raising=False)
    source = {"url_env": ENV_NAME, "query": "select * from events"}
    text = problems(source, check_files=True, folder=tmp_path)
    assert f"sources.db.url_env: the environment variable '{ENV_NAME}' is not set." in text
    monkeypatch.setenv(ENV_NAME, "postgresql://jm:hunter2@db/events")
    cfg = parse_config({"sources": {"db": {**MAPPING, **source}}}, folder=tmp_path)
    src = cfg.sources["db"]
    assert (src.format, src.path, src.url_env, src.query) == (
        "sql",
        None,
        ENV_NAME,
        source["query"],
    )
    assert src.mapping == MAPPING  # the loader keywords only
    # the URL is read when the source is loaded, never kept in the configuration
    assert "hunter2" not in repr(cfg)


def test_a_literal_url_is_not_in_the_repr(tmp_path):
    data = {"sources": {"db": {**MAPPING, "url": "postgresql://jm:hunter2@db/e", "table": "e"}}}
    cfg = parse_config(data, folder=tmp_path)
    assert cfg.sources["db"].url == "postgresql://jm:hunter2@db/e"
    assert "hunter2" not in repr(cfg.sources["db"])


def test_url_env_that_holds_no_url_is_a_config_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV_NAME, "host=db user=jm password=hunter2")
    config = write_config(tmp_path, {"url_env": ENV_NAME, "table": "events"})
    assert cli.main(["-q", "validate", str(config)]) == 2
    err = capsys.readouterr().err
    assert "sources.db.url_env: The 'con' parameter of read_sql must be a database URL" in err
    assert "hunter2" not in err


# --------------------------------------------------------------------------- DuckDB end to end


@pytest.fixture
def duckdb_project(tmp_path: Path) -> Path:
    duckdb = pytest.importorskip("duckdb", reason="DuckDB (the 'sql' extra) is not installed")
    pytest.importorskip("duckdb_engine", reason="duckdb-engine (the 'sql' extra) is not installed")
    con = duckdb.connect(str(tmp_path / "events.duckdb"))
    con.register("src", events())
    con.execute("create table events as select * from src")
    con.close()
    # a relative file is read from the configuration's folder, as every path is
    return write_config(tmp_path, {"url": "duckdb:///events.duckdb", "table": "events"})


def test_run_and_validate_with_a_duckdb_source(duckdb_project: Path, capsys) -> None:
    assert cli.main(["-q", "validate", str(duckdb_project)]) == 0
    assert "source db:" in capsys.readouterr().out
    assert cli.main(["-q", "run", str(duckdb_project)]) == 0
    out = duckdb_project.parent / "out"
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    [source] = results["run"]["inputs"]
    assert (
        source["url"]
        == source["path"]
        == f"duckdb:///{duckdb_project.parent.as_posix()}/events.duckdb"
    )
    assert source["table"] == "events" and source["sha256"] is None and source["bytes"] is None
    assert results["settings"]["sources"]["db"]["format"] == "sql"
    expected = jm.from_pandas(events(), **MAPPING)
    assert results["summary"]["events"] == len(expected)
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(results, RESULTS_SCHEMA)  # results.json keeps its documented shape


# --------------------------------------------------------------------------- PostgreSQL end to end


@pytest.fixture
def pg_table() -> Any:
    if not PG_URL:
        pytest.skip("no PostgreSQL: set JOURNEYMINE_TEST_PG_URL")
    name = f"jm_cli_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        events().to_sql(name, conn, index=False)
    yield name
    with engine.begin() as conn:
        conn.exec_driver_sql(f"drop table {name}")
    engine.dispose()


@needs_pg
@pytest.mark.slow  # a second full run (the DuckDB one is in the fast lane)
def test_run_from_postgres_never_writes_the_password(
    pg_table: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    password = sa.make_url(PG_URL).password
    assert password
    monkeypatch.setenv(ENV_NAME, PG_URL)
    query = f"select * from {pg_table} order by row_id"
    config = write_config(tmp_path, {"url_env": ENV_NAME, "query": query})
    assert password not in config.read_text(encoding="utf-8")
    assert cli.main(["validate", str(config)]) == 0
    assert cli.main(["run", str(config)]) == 0
    printed = capsys.readouterr()
    assert password not in printed.out + printed.err
    text = output_text(tmp_path)
    assert password not in text
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    [source] = results["run"]["inputs"]
    assert source["url"] == sa.make_url(PG_URL).render_as_string(hide_password=True)
    assert source["query"] == query and "***" in source["url"]
    assert results["summary"]["events"] == len(jm.from_pandas(events(), **MAPPING))
    assert source["url"] in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


@needs_pg
def test_wrong_password_fails_cleanly_without_showing_it(
    pg_table: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    wrong = "n0t-the-p@ssword"
    url = sa.make_url(PG_URL).set(password=wrong).render_as_string(hide_password=False)
    monkeypatch.setenv(ENV_NAME, url)
    config = write_config(tmp_path, {"url_env": ENV_NAME, "table": pg_table})
    for command in ("validate", "run"):
        assert cli.main([command, str(config)]) == 2
        err = capsys.readouterr().err
        assert "sources.db: read_sql could not connect to" in err
        assert "password authentication failed" in err
        assert wrong not in err and "n0t-the-p%40ssword" not in err
    assert not (tmp_path / "out").exists()


@needs_pg
def test_missing_column_is_a_config_error_naming_the_key(
    pg_table: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv(ENV_NAME, PG_URL)
    config = write_config(tmp_path, {"url_env": ENV_NAME, "table": pg_table})
    text = config.read_text(encoding="utf-8").replace(
        'activity = "activity"', 'activity = "touchpoint"'
    )
    config.write_text(text, encoding="utf-8")
    assert cli.main(["-q", "validate", str(config)]) == 2
    err = capsys.readouterr().err
    assert "sources.db.activity: The 'activity' parameter of read_sql" in err
    assert "'touchpoint'" in err
