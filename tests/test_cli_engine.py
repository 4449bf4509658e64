"""`journeymine run` with engine = "partitioned": the same tables as in memory, from a Parquet folder."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm
from journeymine import cli


def _project(tmp_path: Path, engine_lines: str) -> Path:
    log = jm.datasets.load_sample()
    ev = log.events[["case_id", "activity", "timestamp", "channel", "department", "direction"]]
    frame = ev.astype({c: "string" for c in ev.columns if c != "timestamp"})
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    folder = tmp_path / "lake"
    folder.mkdir(exist_ok=True)
    for i, rows in enumerate(np.array_split(np.arange(len(frame)), 3)):
        frame.iloc[rows].to_parquet(folder / f"part-{i}.parquet", index=False)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        textwrap.dedent(
            f"""
            title = "Engines"
            goal = "purchase"
            funnel = ["visit homepage", "view pricing", "purchase"]
            output = "out"
            {engine_lines}

            [sources.events]
            path = "lake"
            format = "parquet"
            case = "case_id"
            activity = "activity"
            timestamp = "timestamp"
            channel = "channel"
            department = "department"
            direction = "direction"
            """
        )
    )
    return cfg


def _tables(cfg: Path) -> dict[str, pd.DataFrame]:
    out = cfg.parent / "out" / "tables"
    return {p.stem: pd.read_csv(p) for p in sorted(out.glob("*.csv"))}


@pytest.mark.slow
def test_partitioned_run_gives_the_tables_of_a_memory_run(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "p").mkdir()
    mem = _project(tmp_path / "m", 'engine = "memory"')
    options = "[engine_options]\nworkers = 2\npartitions = 3"
    par = _project(tmp_path / "p", f'engine = "partitioned"\n{options}')
    assert cli.main(["-q", "run", str(mem)]) == 0
    assert cli.main(["-q", "run", str(par)]) == 0
    want, got = _tables(mem), _tables(par)
    assert set(got) and set(got) <= set(want)
    for name in got:
        pdt.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)
    results = json.loads((par.parent / "out" / "results.json").read_text())
    skipped = results["skipped"] if "skipped" in results else {}
    assert "time_to_goal" in json.dumps(skipped) or "time_to_goal" not in got


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            'engine = "partitioned"\n[journeys]\ninactivity = "30D"',
            "journeys: engine = 'partitioned'",
        ),
        ('engine = "quantum"', "engine"),
        ("[engine_options]\nworkers = 2", "engine_options.workers: applies to"),
        ('engine = "partitioned"\n[engine_options]\nworkers = 0', "engine_options.workers"),
    ],
)
def test_engine_configuration_errors(tmp_path, lines, message):
    cfg = _project(tmp_path, lines)
    with pytest.raises(jm.ConfigError, match=message):
        from journeymine.cli.config import load_config

        load_config(cfg)


def test_validate_accepts_a_parquet_folder(tmp_path, capsys):
    cfg = _project(tmp_path, 'engine = "partitioned"\n[engine_options]\nworkers = 1')
    assert cli.main(["-q", "validate", str(cfg)]) == 0
    assert "40,640 events" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.spark
def test_spark_run_gives_the_tables_of_a_memory_run(tmp_path):
    import shutil

    pytest.importorskip(
        "pyspark", reason="PySpark is not installed (pip install journeymine[spark])"
    )
    if shutil.which("java") is None:
        pytest.skip("no Java on this machine: Spark needs Java 17")
    (tmp_path / "m").mkdir()
    (tmp_path / "s").mkdir()
    mem = _project(tmp_path / "m", 'engine = "memory"')
    opts = '[engine_options]\npartitions = 3\nspark_master = "local[2]"'
    spark = _project(tmp_path / "s", f'engine = "spark"\n{opts}')
    assert cli.main(["-q", "run", str(mem)]) == 0
    assert cli.main(["-q", "run", str(spark)]) == 0
    want, got = _tables(mem), _tables(spark)
    assert {"handoffs", "dropoffs", "journey_map_edges"} <= set(got)
    for name in got:
        pdt.assert_frame_equal(got[name], want[name], check_exact=True, obj=name)
