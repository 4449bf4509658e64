"""results.json, findings tables and the atomic output folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from journeymine.errors import ConfigError
from journeymine.reporting import results
from journeymine.reporting.results import (
    AtomicFolder,
    is_output_folder,
    jsonable,
    table_payload,
    to_json,
    write_table,
)

SCHEMA_FILE = Path(results.__file__).with_name("results.schema.json")


def _file_schema() -> dict:
    """The shipped results.schema.json, read from disk (what a consumer of the results uses)."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _assert_rejected(doc: dict, schema: dict) -> None:
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def _assert_corruptions_rejected(doc: dict, schema: dict) -> None:
    """The schema is not vacuous: each corruption of a valid results.json is rejected."""
    import copy

    corruptions = {
        "wrong version": lambda d: d.__setitem__("schema_version", "0.9"),
        "missing summary": lambda d: d.pop("summary"),
        "unknown top-level key": lambda d: d.__setitem__("extra", 1),
        "rows as text": lambda d: next(iter(d["tables"].values())).__setitem__("rows", "3"),
        "unknown column type": lambda d: next(iter(d["tables"].values()))["columns"][0].__setitem__(
            "type", "complex"
        ),
        "rejected rows as float": lambda d: d["data_quality"].__setitem__("rejected_rows", 1.5),
        "input of unknown role": lambda d: d["run"]["inputs"][0].__setitem__("role", "other"),
    }
    for name, corrupt in corruptions.items():
        bad = copy.deepcopy(doc)
        corrupt(bad)
        try:
            _assert_rejected(bad, schema)
        except pytest.fail.Exception as exc:
            raise AssertionError(f"the schema accepted a corrupted results.json: {name}") from exc


@pytest.mark.slow
def test_schema_file_accepts_a_run_on_the_sample(tmp_path: Path) -> None:
    """`journeymine sample` + `journeymine run`: the full sample's results.json follows the file."""
    import jsonschema

    from journeymine import cli

    schema = _file_schema()
    demo = tmp_path / "demo"
    assert cli.main(["-q", "sample", str(demo)]) == 0
    assert cli.main(["-q", "run", str(demo / "config.toml")]) == 0
    doc = json.loads((demo / "output" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    assert doc["summary"]["journeys"] > 1000


def test_jsonable_types() -> None:
    assert jsonable(pd.Timedelta("1h")) == 3600.0
    assert jsonable(pd.Timestamp("2025-01-01", tz="UTC")) == "2025-01-01T00:00:00+00:00"
    assert (
        jsonable(float("nan")) is None
        and jsonable(pd.NaT) is None
        and jsonable(float("inf")) is None
    )
    assert jsonable({"a": (1, 2)}) == {"a": [1, 2]}
    assert jsonable({3, 1}) == [1, 3]
    assert to_json({"b": 1, "a": [1.5]}) == '{\n  "b": 1,\n  "a": [\n    1.5\n  ]\n}\n'


def test_table_payload_columns_and_missing_values() -> None:
    frame = pd.DataFrame(
        {
            "name": pd.Categorical(["a", None]),
            "n": pd.array([1, None], dtype="Int64"),
            "ok": [True, False],
            "t": pd.to_datetime(["2025-01-01", None], utc=True),
        }
    )
    payload = table_payload(frame)
    assert [c["type"] for c in payload["columns"]] == ["string", "integer", "boolean", "datetime"]
    assert payload["records"][1] == {"name": None, "n": None, "ok": False, "t": None}


def test_write_table_is_deterministic_and_keeps_true_values(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "touchpoint": ["=1+1", "-2", "ok"],
            "delta": [-1.5, 0.0, 2.0],
            "gap": pd.to_timedelta(["1h", "2h", "3h"]),
        }
    )
    write_table(frame, tmp_path / "a", "x")
    write_table(frame, tmp_path / "b", "x")
    for ext in ("csv", "parquet"):
        assert (tmp_path / "a" / "tables" / f"x.{ext}").read_bytes() == (
            tmp_path / "b" / "tables" / f"x.{ext}"
        ).read_bytes()
    back = pd.read_parquet(tmp_path / "a" / "tables" / "x.parquet")
    assert back["touchpoint"].tolist() == ["=1+1", "-2", "ok"]  # Parquet: the true values
    assert back["gap"].tolist() == frame["gap"].tolist()
    csv = pd.read_csv(tmp_path / "a" / "tables" / "x.csv")
    assert csv["touchpoint"].tolist() == ["'=1+1", "'-2", "ok"]  # CSV: neutralised text
    assert csv["delta"].tolist() == [-1.5, 0.0, 2.0]  # numbers untouched


# --------------------------------------------------------------------------- atomic folder


def _complete(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps({"schema_version": "1.0", "text": text}))


def test_atomic_folder_replaces_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with AtomicFolder(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.journeymine-tmp-")
        _complete(tmp, "first")
        assert not target.exists()
    assert "first" in (target / "results.json").read_text()
    with pytest.raises(RuntimeError), AtomicFolder(target) as tmp:
        _complete(tmp, "second")
        raise RuntimeError("failed half-way")
    assert "first" in (target / "results.json").read_text()
    with AtomicFolder(target) as tmp:
        _complete(tmp, "third")
    assert "third" in (target / "results.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_folder_without_rename_exchange(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(results, "_exchange", lambda a, b: False)
    target = tmp_path / "out"
    for text in ("one", "two"):
        with AtomicFolder(target) as tmp:
            _complete(tmp, text)
    assert "two" in (target / "results.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_refuses_a_folder_that_is_not_an_output(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("precious")
    assert not is_output_folder(tmp_path)
    with (
        pytest.raises(ConfigError, match="does not hold a previous journeymine output"),
        AtomicFolder(tmp_path),
    ):
        pass
    assert (tmp_path / "mine.txt").read_text() == "precious"
    assert is_output_folder(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    assert is_output_folder(tmp_path / "empty")


def test_leftovers_of_dead_runs_are_removed(tmp_path: Path) -> None:
    target = tmp_path / "out"
    _complete(target, "kept")
    dead = tmp_path / ".out.journeymine-tmp-999999999-abc"
    dead.mkdir()
    alive = tmp_path / f".out.journeymine-tmp-{os.getppid()}-abc"
    alive.mkdir()
    with AtomicFolder(target) as tmp:
        _complete(tmp, "new")
    assert not dead.exists()
    assert alive.exists()  # another live process may still be writing it


def test_killed_between_renames_restores_the_old_output(tmp_path: Path) -> None:
    target = tmp_path / "out"
    old = tmp_path / ".out.journeymine-old-999999999-abc"
    _complete(old, "previous")
    with AtomicFolder(target) as tmp:
        assert "previous" in (target / "results.json").read_text()  # restored before the new run
        _complete(tmp, "new")
    assert "new" in (target / "results.json").read_text()


def test_results_json_of_a_run_follows_the_schema(project: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from journeymine import cli

    assert cli.main(["-q", "run", str(project)]) == 0
    doc = json.loads((project.parent / "out" / "results.json").read_text(encoding="utf-8"))
    # the shipped file, read from disk, against the results of a real run on a small log
    schema = _file_schema()
    jsonschema.validate(doc, schema)
    assert doc["tables"], "the run wrote no table: the schema's table layout was not exercised"
    _assert_corruptions_rejected(doc, schema)
    assert doc["schema_version"] == "1.0"
    assert set(doc["summary"]) >= {"events", "journeys", "customers", "conversion_rate"}
    assert doc["settings"]["goal"] == "purchase"
    for name, table in doc["tables"].items():
        assert len(table["records"]) == table["rows"], name
        if table["rows"]:
            assert [c["name"] for c in table["columns"]] == list(table["records"][0]), name
    assert set(doc["run"]) == {"journeymine_version", "config_file", "config_sha256", "inputs"}
