"""The journeymine command line: sample -> run for a new user, scheduled-run failures, atomic outputs."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm
from journeymine import cli

_spec = importlib.util.spec_from_file_location(
    "_jm_cli_project", Path(__file__).parent / "reporting" / "_project.py"
)
_project = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_project)

ENV = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


def _cli(*args: str, cwd: Path | None = None, script: bool = False) -> subprocess.CompletedProcess:
    """Run the command line in a subprocess: the console script, or ``python -m journeymine``."""
    exe = Path(sys.executable).with_name("journeymine")
    cmd = [str(exe)] if script and exe.exists() else [sys.executable, "-m", "journeymine"]
    return subprocess.run(
        [*cmd, *args], cwd=cwd, capture_output=True, text=True, env=ENV, timeout=300
    )


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return _project.write_project(tmp_path / "project")


# --------------------------------------------------------------------------- the new user


@pytest.mark.slow
def test_new_user_sample_then_run(tmp_path: Path) -> None:
    """`journeymine sample demo && journeymine run demo/config.toml`, as the README says."""
    done = _cli("sample", "demo", cwd=tmp_path, script=True)
    assert done.returncode == 0, done.stderr
    demo = tmp_path / "demo"
    for name in ("config.toml", "identities.csv", "web_events.csv", "calls.csv", "README.md"):
        assert (demo / name).is_file(), name
    assert "journeymine run" in done.stderr
    run = _cli("run", "demo/config.toml", cwd=tmp_path, script=True)
    assert run.returncode == 0, run.stderr
    # not a terminal: plain log lines on stderr
    assert "journeymine: loading sources ... 7 sources, 25,927 events" in run.stderr
    out = demo / "output"
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["schema_version"] == "1.0"
    assert results["summary"]["events"] == 25_927
    assert results["data_quality"]["rejected_rows"] == 8  # the planted dirty rows
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Sample company: customer journeys" in html
    for section in (
        "summary",
        "journey_map",
        "stage_map",
        "funnel",
        "dropoffs",
        "handoffs",
        "silent_gaps",
        "dead_ends",
        "pain_points",
        "time_to_goal",
        "attribution",
        "after_goal",
        "data_quality",
    ):
        assert f'id="{section}"' in html, section
    outcome_tables = {"time_to_goal", "attribution", "after_goal_summary", "after_goal_outcomes"}
    assert outcome_tables <= set(results["tables"])
    for name, table in results["tables"].items():
        assert (out / table["files"]["csv"]).is_file(), name
        assert (out / table["files"]["parquet"]).is_file(), name
    # the sample folder refuses to be overwritten silently
    again = _cli("sample", "demo", cwd=tmp_path)
    assert again.returncode == 2 and "--force" in again.stderr


@pytest.mark.slow  # a subprocess or several full runs: the slow lane
def test_help_documents_exit_codes() -> None:
    done = _cli("--help")
    assert done.returncode == 0
    for text in ("run", "validate", "sample", "exit codes", "0 ", "1 ", "2 "):
        assert text in done.stdout
    run_help = _cli("run", "--help")
    assert "exit codes" in run_help.stdout and "internal failure" in run_help.stdout


@pytest.mark.slow  # a subprocess or several full runs: the slow lane
def test_version_and_bad_arguments() -> None:
    assert _cli("--version").stdout.strip() == f"journeymine {jm.__version__}"
    assert _cli("frobnicate").returncode == 2
    assert _cli().returncode == 2


# --------------------------------------------------------------------------- run


def test_run_writes_the_output_folder(project: Path) -> None:
    assert cli.main(["-q", "run", str(project)]) == 0
    out = project.parent / "out"
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"results.json", "report.html"} <= names
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for name, table in results["tables"].items():
        assert f"tables/{name}.csv" in names and f"tables/{name}.parquet" in names
        frame = pd.read_parquet(out / table["files"]["parquet"])
        assert len(frame) == table["rows"] == len(table["records"])
    for name, files in results["figures"].items():
        assert set(files) == {"png", "svg"}, name
        assert (out / files["png"]).read_bytes().startswith(b"\x89PNG")
    # run metadata: hashes of every input, no wall-clock time anywhere
    # the outcome sections of issue #17: their tables and the time-to-goal picture
    new = {"time_to_goal", "attribution", "after_goal_summary", "after_goal_outcomes"}
    assert new <= set(results["tables"])
    assert "time_to_goal" in results["figures"]
    att = pd.read_parquet(out / results["tables"]["attribution"]["files"]["parquet"])
    assert {"conversions", "removal_effect", "linear_conversions"} <= set(att.columns)
    roles = sorted(i["role"] for i in results["run"]["inputs"])
    assert roles == ["identity", "source", "source"]
    assert results["run"]["config_sha256"] == hashlib.sha256(project.read_bytes()).hexdigest()
    text = (out / "results.json").read_text(encoding="utf-8")
    assert str(project.parent) not in text  # no absolute paths: the folder can move
    # no hidden temporary folders are left beside the output
    assert [p.name for p in project.parent.iterdir() if "journeymine-" in p.name] == []


@pytest.mark.slow  # a subprocess or several full runs: the slow lane
def test_two_runs_are_byte_identical(project: Path) -> None:
    assert cli.main(["-q", "run", str(project)]) == 0
    first = _digest(project.parent / "out")
    assert cli.main(["-q", "run", str(project)]) == 0
    second = _digest(project.parent / "out")
    assert first == second
    assert any(k.endswith(".parquet") for k in first) and any(k.endswith(".csv") for k in first)
    # and in a fresh process (hash seeds, import order, caches all differ)
    done = _cli("-q", "run", str(project))
    assert done.returncode == 0, done.stderr
    assert _digest(project.parent / "out") == first


@pytest.mark.slow  # a full run (the fast lane keeps test_run_writes_the_output_folder)
def test_parquet_has_no_varying_metadata(project: Path) -> None:
    import pyarrow.parquet as pq

    assert cli.main(["-q", "run", str(project)]) == 0
    for path in (project.parent / "out" / "tables").glob("*.parquet"):
        meta = pq.read_metadata(path).metadata or {}
        assert b"pandas" not in meta, path.name  # no pandas block (it names versions)


@pytest.mark.slow  # a full run (the fast lane keeps test_run_writes_the_output_folder)
def test_run_output_option_and_progress_lines(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = project.parent / "elsewhere"
    assert cli.main(["run", str(project), "--output", str(target)]) == 0
    err = capsys.readouterr().err
    assert "journeymine: loading sources ... 2 sources," in err
    assert "journeymine: cutting journeys ... 150 journeys" in err
    assert (target / "report.html").is_file()


def test_progress_on_a_terminal_uses_a_live_indicator() -> None:
    out = io.StringIO()
    p = cli.Progress(out, tty=True, interval=0.01)
    with p.step("loading sources") as s:
        import time

        time.sleep(0.05)
        s.done("3 sources, 48,211 events")
    text = out.getvalue()
    assert "\r" in text and "loading sources ... 3 sources, 48,211 events (" in text
    with pytest.raises(RuntimeError), p.step("writing"):
        raise RuntimeError("boom")
    assert "writing ... failed" in out.getvalue()


@pytest.mark.slow  # a full run (the fast lane keeps test_run_writes_the_output_folder)
def test_yaml_config_is_accepted(project: Path) -> None:
    import tomllib

    import yaml

    data = tomllib.loads(project.read_text(encoding="utf-8"))
    data["output"] = "out_yaml"
    path = project.with_suffix(".yaml")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert cli.main(["-q", "run", str(path)]) == 0
    assert (project.parent / "out_yaml" / "results.json").is_file()


# --------------------------------------------------------------------------- scheduled-run failures


def _break(project: Path, old: str, new: str) -> None:
    text = project.read_text(encoding="utf-8")
    assert old in text
    project.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.slow  # a full run (the fast lane keeps test_run_writes_the_output_folder)
def test_broken_config_fails_clearly_and_keeps_outputs(project: Path) -> None:
    assert cli.main(["-q", "run", str(project)]) == 0
    before = _digest(project.parent / "out")
    _break(project, 'timestamp = "ts"', 'timestmp = "ts"')
    done = _cli("run", str(project))
    assert done.returncode == 2
    assert str(project) in done.stderr
    assert "sources.calls.timestmp: unknown key. Did you mean 'timestamp'?" in done.stderr
    assert "sources.calls.timestamp: missing" in done.stderr
    assert "Traceback" not in done.stderr
    assert _digest(project.parent / "out") == before


def test_wrong_type_names_the_key(project: Path) -> None:
    _break(project, 'inactivity = "30D"', "inactivity = 30")
    done = _cli("run", str(project))
    assert done.returncode == 2
    assert "journeys.inactivity: must be a duration" in done.stderr


@pytest.mark.slow  # a subprocess or several full runs: the slow lane
def test_missing_source_fails_and_keeps_outputs(project: Path) -> None:
    assert cli.main(["-q", "run", str(project)]) == 0
    before = _digest(project.parent / "out")
    (project.parent / "calls.jsonl").unlink()
    done = _cli("run", str(project))
    assert done.returncode == 2
    assert "sources.calls.path: the file 'calls.jsonl' does not exist" in done.stderr
    assert _digest(project.parent / "out") == before


def test_misnamed_column_names_the_key(project: Path) -> None:
    _break(project, 'activity = "reason"', 'activity = "reasons"')
    done = _cli("run", str(project))
    assert done.returncode == 2
    assert "sources.calls.activity" in done.stderr and "Did you mean 'reason'?" in done.stderr


@pytest.mark.slow  # a full run (the fast lane keeps test_run_writes_the_output_folder)
def test_unknown_goal_is_invalid_data(project: Path) -> None:
    _break(project, 'goal = "purchase"', 'goal = "purchse"')
    done = _cli("run", str(project))
    assert done.returncode == 2
    assert "purchse" in done.stderr and "Did you mean 'purchase'?" in done.stderr


def test_unreadable_source_is_invalid_data(project: Path) -> None:
    (project.parent / "calls.jsonl").write_text("{not json\n", encoding="utf-8")
    done = _cli("run", str(project))
    assert done.returncode == 2, done.stderr
    assert "sources.calls" in done.stderr


def test_refuses_to_replace_a_folder_that_is_not_an_output(project: Path) -> None:
    _break(project, 'output = "out"', 'output = "."')
    done = _cli("run", str(project))
    assert done.returncode == 2
    assert "does not hold a previous journeymine output" in done.stderr
    assert (project.parent / "web.csv").is_file()


@pytest.mark.slow  # a subprocess or several full runs: the slow lane
def test_internal_failure_exits_1_and_keeps_outputs(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from journeymine.reporting import results

    assert cli.main(["-q", "run", str(project)]) == 0
    before = _digest(project.parent / "out")

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(results, "write_table", broken)
    assert cli.main(["-q", "run", str(project)]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: disk on fire" in err and "--debug" in err
    assert _digest(project.parent / "out") == before
    assert [p.name for p in project.parent.iterdir() if "journeymine-" in p.name] == []


_KILL = textwrap.dedent(
    """
    import os, sys
    from journeymine.reporting import results
    real = results.write_table
    calls = []
    def dying(*args, **kwargs):
        calls.append(1)
        out = real(*args, **kwargs)
        if len(calls) == 3:
            os._exit(9)  # killed mid-way: no cleanup of any kind runs
        return out
    results.write_table = dying
    from journeymine.cli import main
    sys.exit(main(["-q", "run", sys.argv[1]]))
    """
)


@pytest.mark.slow  # a subprocess or several full runs: the slow lane
def test_killed_run_leaves_previous_outputs(project: Path) -> None:
    assert cli.main(["-q", "run", str(project)]) == 0
    before = _digest(project.parent / "out")
    _break(project, 'title = "Test journeys"', 'title = "Changed title"')
    done = subprocess.run(
        [sys.executable, "-c", _KILL, str(project)],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert done.returncode == 9, done.stderr
    out = project.parent / "out"
    assert _digest(out) == before  # the previous complete set, untouched
    assert "Test journeys" in (out / "report.html").read_text(encoding="utf-8")
    # the dead run's temporary folder is hidden, never the output itself
    leftovers = [p.name for p in project.parent.iterdir() if "journeymine-tmp" in p.name]
    assert all(name.startswith(".") for name in leftovers)
    # the next run completes, replaces the set and removes the dead run's leftovers
    assert cli.main(["-q", "run", str(project)]) == 0
    assert "Changed title" in (out / "report.html").read_text(encoding="utf-8")
    assert [p.name for p in project.parent.iterdir() if "journeymine-" in p.name] == []


@pytest.mark.slow  # a full run (the fast lane keeps test_run_writes_the_output_folder)
def test_interrupt_keeps_outputs(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from journeymine.reporting import results

    assert cli.main(["-q", "run", str(project)]) == 0
    before = _digest(project.parent / "out")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(results, "write_table", interrupted)
    assert cli.main(["-q", "run", str(project)]) == 130
    assert _digest(project.parent / "out") == before


# --------------------------------------------------------------------------- validate


def test_validate_reports_rejected_rows_and_changes_nothing(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files_before = _digest(project.parent)
    rejected = tmp_path / "rejected.csv"
    assert cli.main(["-q", "validate", str(project), "--rejected", str(rejected)]) == 0
    out = capsys.readouterr().out
    assert f"{project}: valid" in out
    assert "source web:" in out and "source calls:" in out
    assert "rejected rows: 1" in out and "web missing_timestamp: 1" in out
    assert _digest(project.parent) == files_before  # nothing written beside the config
    assert not (project.parent / "out").exists()
    assert pd.read_csv(rejected)["reason"].tolist() == ["missing_timestamp"]
    assert cli.main(["-q", "validate", str(project), "--strict"]) == 2


def test_validate_broken_config(project: Path) -> None:
    _break(project, "[identity]", "[identiy]")
    done = _cli("validate", str(project))
    assert done.returncode == 2
    assert "identiy: unknown key. Did you mean 'identity'?" in done.stderr


def test_validate_unknown_funnel_step(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _break(project, '"view pricing", "purchase"]', '"view pricng", "purchase"]')
    assert cli.main(["-q", "validate", str(project)]) == 2
    assert "view pricng" in capsys.readouterr().err


def test_missing_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["run", str(tmp_path / "nope.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_printable_neutralises_terminal_escapes() -> None:
    assert cli._printable("a\x1b[2Jb\nc") == "a\\x1b[2Jb\nc"


# --------------------------------------------------------------------------- logs without direction or channel


def _plain_project(folder: Path, extra: str = "") -> Path:
    """A one-source CSV project: case, activity, timestamp and a group; no direction, no channel."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(8):
        t0 = pd.Timestamp("2025-01-01") + pd.Timedelta(days=i)
        rows += [
            (f"T{i}", "open", t0, "desk"),
            (f"T{i}", "review", t0 + pd.Timedelta(hours=2), "backoffice"),
            (f"T{i}", "close" if i % 4 else "cancel", t0 + pd.Timedelta(days=1 + i), "desk"),
        ]
    pd.DataFrame(rows, columns=["ticket", "step", "at", "group"]).to_csv(
        folder / "tickets.csv", index=False
    )
    config = folder / "config.toml"
    config.write_text(
        'goal = "close"\noutput = "out"\n\n[sources.tickets]\npath = "tickets.csv"\n'
        'case = "ticket"\nactivity = "step"\ntimestamp = "at"\ndepartment = "group"\n' + extra,
        encoding="utf-8",
    )
    return config


def test_run_without_direction_or_channel_runs_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _plain_project(tmp_path / "plain")
    assert cli.main(["run", str(config)]) == 0
    captured = capsys.readouterr()
    assert "not run: repeat_contacts needs the 'direction' column" in captured.err
    assert 'direction = "<column>" in the [sources.<name>] table' in captured.err
    assert 'direction_rules = "process"' in captured.err
    assert 'jm.from_pandas(df, ..., direction="<column>")' in captured.err
    results = json.loads((tmp_path / "plain" / "out" / "results.json").read_text("utf-8"))
    assert "repeat_contacts" in results["skipped"]
    assert {"handoffs", "silent_gaps", "dropoffs", "pain_points"} <= set(results["analyses"]["ran"])
    assert "report:" in captured.out  # the summary on stdout, pm4py's banner nowhere
    assert "PM4Py" not in captured.out


def test_validate_lists_what_will_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _plain_project(tmp_path / "plain")
    assert cli.main(["-q", "validate", str(config)]) == 0
    out = capsys.readouterr().out
    assert "analyses (checked against the columns of the loaded data):" in out
    assert re.search(r"will run: journey_map, variants, dropoffs, handoffs", out)
    assert "not run: repeat_contacts needs the 'direction' column" in out
    assert "not run: stage_map needs the 'stage' column" in out


def test_asking_for_an_analysis_the_data_cannot_feed_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _plain_project(
        tmp_path / "plain", '\n[analyses]\nrun = ["journey_map", "repeat_contacts"]\n'
    )
    for command in ("validate", "run"):
        assert cli.main(["-q", command, str(config)]) == 2, command
        err = capsys.readouterr().err
        assert f"{config}: analyses.run: 'repeat_contacts' needs the 'direction' column" in err
        assert 'direction = "<column>"' in err
    assert not (tmp_path / "plain" / "out").exists()


def test_an_option_naming_no_column_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _plain_project(tmp_path / "plain", '\n[analyses.handoffs]\nlevel = "groop"\n')
    assert cli.main(["-q", "validate", str(config)]) == 2
    assert "analyses.handoffs.level: 'groop' is not a column of the data" in capsys.readouterr().err


@pytest.mark.slow
def test_run_on_real_helpdesk_xes_without_direction_or_channel(
    real_data: Path, tmp_path: Path
) -> None:
    config = tmp_path / "helpdesk.toml"
    config.write_text(
        f'title = "Helpdesk"\ngoal = "Closed"\noutput = "out"\n\n[sources.tickets]\n'
        f'path = "{(real_data / "helpdesk.xes.gz").as_posix()}"\n',  # XES: standard keys
        encoding="utf-8",
    )
    done = _cli("run", str(config))
    assert done.returncode == 0, done.stderr
    assert "not run: repeat_contacts needs the 'direction' column" in done.stderr
    assert "not run: handoffs needs the 'department' column" in done.stderr
    assert "PM4Py" not in done.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert {"journey_map", "silent_gaps", "dropoffs", "pain_points"} <= set(
        results["analyses"]["ran"]
    )
    html = (tmp_path / "out" / "report.html").read_text("utf-8")
    assert "0 channels" not in html and "does not record direction" in html


@pytest.mark.slow
def test_run_on_real_receipt_reduced_to_case_activity_time_group(
    real_data: Path, tmp_path: Path
) -> None:
    df = pd.read_csv(real_data / "receipt.csv.gz")
    df[["case:concept:name", "concept:name", "time:timestamp", "org:group"]].to_csv(
        tmp_path / "receipt.csv", index=False
    )
    goal = str(df.groupby("case:concept:name")["concept:name"].last().mode().iloc[0])
    config = tmp_path / "receipt.toml"
    config.write_text(
        f'goal = "{goal}"\noutput = "out"\n\n[sources.receipt]\npath = "receipt.csv"\n'
        'case = "case:concept:name"\nactivity = "concept:name"\ntimestamp = "time:timestamp"\n'
        'department = "org:group"\n',
        encoding="utf-8",
    )
    done = _cli("validate", str(config))
    assert done.returncode == 0, done.stderr
    assert "not run: repeat_contacts" in done.stdout
    done = _cli("run", str(config))
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text("utf-8"))
    assert {"handoffs", "silent_gaps", "dropoffs", "dead_ends", "pain_points"} <= set(
        results["analyses"]["ran"]
    )
    assert list(results["skipped"]) == [
        "stage_map",
        "funnel",
        "repeat_contacts",
        "attribution",
        "comparison",
    ]


def test_printed_pain_points_work_with_either_column_set() -> None:
    old = {"rank": 1, "kind": "loop", "where": "use app", "journeys_affected": 1059}
    old["conversions_lost"] = -3.0  # a gain is not printed as a loss
    assert cli._costs(old) == " (1,059 journeys)"
    new = {**old, "conversions_lost": 16.2, "hours_lost": float("nan"), "extra_effort": 240.0}
    assert (
        cli._costs(new)
        == " (1,059 journeys, ~16 conversions lost, ~240 extra handoffs and contacts)"
    )
    assert cli._costs({"rank": 2, "kind": "x", "where": "y"}) == ""


# --------------------------------------------------------------------------- outputs never destroy user data


def test_output_outside_the_config_folder_is_refused_unless_allowed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = project.parent.parent / "outside"
    _break(project, 'output = "out"', 'output = "../outside"')
    assert cli.main(["-q", "run", str(project)]) == 2
    err = capsys.readouterr().err
    assert "lies outside the configuration's folder" in err and "--allow-output-outside" in err
    assert "bug" not in err
    assert not outside.exists()
    elsewhere = project.parent.parent / "abs_out"
    assert cli.main(["-q", "run", str(project), "-o", str(elsewhere)]) == 2
    assert not elsewhere.exists()
    # a link inside the folder that leads outside is followed, and refused too
    (project.parent / "link").symlink_to(elsewhere, target_is_directory=True)
    assert cli.main(["-q", "run", str(project), "-o", str(project.parent / "link")]) == 2
    assert cli.main(["-q", "run", str(project), "--allow-output-outside"]) == 0
    assert (outside / "report.html").is_file()


def test_allow_output_outside_config_key(project: Path) -> None:
    _break(project, 'output = "out"', 'output = "../outside"\nallow_output_outside = true')
    assert cli.main(["-q", "run", str(project)]) == 0
    assert (project.parent.parent / "outside" / "results.json").is_file()


def test_run_refuses_user_folder_with_stray_results_json(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = project.parent / "out"
    mine.mkdir()
    (mine / "results.json").write_text(json.dumps({"schema_version": "1.0"}))
    (mine / "report.html").write_text("my own report")
    (mine / "budget.xlsx").write_text("precious")
    assert cli.main(["-q", "run", str(project)]) == 2
    err = capsys.readouterr().err
    assert "does not hold a previous journeymine output" in err
    assert (mine / "budget.xlsx").read_text() == "precious"
    assert (mine / "report.html").read_text() == "my own report"


def test_validate_fails_when_every_row_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "events.csv").write_text("case,act,when\na,x,not a date\nb,y,never\n")
    (tmp_path / "config.toml").write_text(
        'output = "out"\n[sources.s]\npath = "events.csv"\ncase = "case"\n'
        'activity = "act"\ntimestamp = "when"\n'
    )
    assert cli.main(["-q", "validate", str(tmp_path / "config.toml")]) == 2
    err = capsys.readouterr().err
    assert "nothing would be loaded" in err and "all 2 rows were rejected" in err


def test_out_of_memory_is_a_resource_error_not_a_bug(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import journeymine.reporting as reporting

    def hungry(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(reporting, "run_analyses", hungry)
    assert cli.main(["-q", "run", str(project)]) == cli.EXIT_RESOURCES == 3
    err = capsys.readouterr().err
    assert "not enough memory" in err
    assert "bug" not in err
    assert [p.name for p in project.parent.iterdir() if "journeymine-" in p.name] == []
