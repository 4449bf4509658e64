"""Configuration files: the schema as data, recursive validation, messages naming file and key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from journeymine.cli.config import SCHEMA, Field, load_config, parse_config
from journeymine.errors import ConfigError
from journeymine.reporting import ANALYSES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"

MINIMAL = {
    "sources": {"web": {"path": "web.csv", "customer": "c", "activity": "a", "timestamp": "t"}}
}


def _problems(data, **kwargs) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(data, file="cfg.toml", check_files=False, **kwargs)
    return str(info.value)


def test_minimal_config_and_defaults(tmp_path: Path) -> None:
    cfg = parse_config(MINIMAL, file="cfg.toml", folder=tmp_path, check_files=False)
    assert cfg.output == tmp_path / "journeymine-output"
    assert cfg.sources["web"].path == tmp_path / "web.csv"
    assert cfg.sources["web"].format == "csv"
    assert cfg.sources["web"].mapping == {"customer": "c", "activity": "a", "timestamp": "t"}
    assert cfg.goal is None
    # without a goal, stages, funnel or assumed journey only the analyses that need none run
    assert "dropoffs" not in cfg.analyses and "journey_map" in cfg.analyses
    assert set(cfg.analyses) <= set(ANALYSES)


def test_unknown_key_names_dotted_path_file_and_near_match() -> None:
    data = {
        "sources": {"calls": {"path": "c.csv", "customer": "p", "activity": "a", "timestmp": "t"}}
    }
    msg = _problems(data)
    assert "cfg.toml: sources.calls.timestmp: unknown key. Did you mean 'timestamp'?" in msg
    assert "cfg.toml: sources.calls.timestamp: missing" in msg


@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"goal": 3}, "goal: must be a text value or a list of text values"),
        ({"funnel": "a, b"}, "funnel: must be a list of text values"),
        ({"journeys": {"inactivity": 30}}, "journeys.inactivity: must be a duration"),
        ({"journeys": {"inactivity": "soon"}}, "journeys.inactivity: must be a positive duration"),
        (
            {"journeys": {"inactivty": "30D"}},
            "journeys.inactivty: unknown key. Did you mean 'inactivity'?",
        ),
        ({"stages": {"awareness": "ad click"}}, "stages.awareness: must be a list of text values"),
        ({"analyses": {"run": ["handofs"]}}, "analyses.run: 'handofs' is not one of"),
        (
            {"analyses": {"handoffs": {"window": "7 parsecs"}}},
            "analyses.handoffs.window: must be a positive",
        ),
        ({"analyses": {"run": ["funnel"]}}, "analyses.run: 'funnel' needs funnel steps"),
        ({"analyses": {"run": ["dropoffs"]}}, "analyses.run: 'dropoffs' needs a goal"),
        ({"analyses": {"run": ["attribution"]}}, "analyses.run: 'attribution' needs a goal"),
        (
            {"analyses": {"attribution": {"method": "markow"}}},
            "analyses.attribution.method: 'markow' is not one of",
        ),
        (
            {"analyses": {"attribution": {"half_life": "soon"}}},
            "analyses.attribution.half_life: must be a positive duration",
        ),
        (
            {"analyses": {"after_goal": {"within": "30 parsecs"}}},
            "analyses.after_goal.within: must be a positive",
        ),
        ({"analyses": {"time_to_goal": {"start": 3}}}, "analyses.time_to_goal.start: must be"),
        ({"identity": {"primary": "crm"}}, "identity.file: missing"),
        (
            {"identity": {"file": "x.csv", "keys": {"wbe": "cookie"}}},
            "identity.keys.wbe: names no source. Did you mean 'web'?",
        ),
        ({"outptu": "x"}, "outptu: unknown key. Did you mean 'output'?"),
        ({"title": ["a"]}, "title: must be a text value"),
    ],
)
def test_wrong_values_name_their_key(patch: dict, expected: str) -> None:
    data = {**MINIMAL, **patch}
    assert expected in _problems(data)


@pytest.mark.parametrize(
    ("source_patch", "expected"),
    [
        ({"labels": {"channel": 1}}, "sources.web.labels: must be a table of column = text value"),
        ({"keep": "ticket_id"}, "sources.web.keep: must be a list of column names"),
        ({"dayfirst": "yes"}, "sources.web.dayfirst: must be true or false"),
        ({"format": "xlsx"}, "sources.web.format: 'xlsx' is not one of"),
        ({"sep": ";", "path": "web.parquet"}, "sources.web.sep: applies to CSV sources only"),
        ({"path": "web.txt"}, "sources.web.path: cannot tell the format"),
        ({"customer": None}, "sources.web.customer: must be a text value"),
    ],
)
def test_source_values(source_patch: dict, expected: str) -> None:
    src = {**MINIMAL["sources"]["web"], **source_patch}
    src = (
        {k: v for k, v in src.items() if v is not None or k != "customer"}
        if "customer" not in source_patch
        else src
    )
    assert expected in _problems({"sources": {"web": src}})


def test_an_xes_source_may_leave_out_the_standard_keys() -> None:
    """XES has standard keys (case:concept:name, concept:name, time:timestamp): read_xes's defaults."""
    cfg = parse_config(
        {"sources": {"log": {"path": "helpdesk.xes.gz"}}}, file="cfg.toml", check_files=False
    )
    assert cfg.sources["log"].format == "xes" and cfg.sources["log"].mapping == {}
    msg = _problems({"sources": {"log": {"path": "log.csv", "case": "c"}}})
    assert "sources.log.activity: missing" in msg and "sources.log.timestamp: missing" in msg
    msg = _problems({"sources": {"log": {"path": "log.dat", "format": "csv"}}})
    assert "sources.log: needs a journey identifier" in msg or "activity: missing" in msg


def test_source_needs_an_identifier_and_sources_are_required() -> None:
    src = {"path": "w.csv", "activity": "a", "timestamp": "t"}
    assert "sources.web: needs a journey identifier" in _problems({"sources": {"web": src}})
    assert "sources: missing" in _problems({})
    assert "sources: name at least one source" in _problems({"sources": {}})
    assert "the configuration must be a table" in _problems(["a"])


def test_all_problems_are_reported_at_once() -> None:
    msg = _problems({**MINIMAL, "goal": 1, "funnel": 2, "colour": "red"})
    assert len(msg.splitlines()) == 3
    assert all(line.startswith("cfg.toml: ") for line in msg.splitlines())


def test_files_must_exist_relative_to_the_config(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cfg.toml"
    path.parent.mkdir()
    path.write_text(
        '[sources.web]\npath = "../data/web.csv"\ncustomer = "c"\nactivity = "a"\ntimestamp = "t"\n'
    )
    with pytest.raises(
        ConfigError, match=r"sources\.web\.path: the file '\.\./data/web\.csv' does not exist"
    ):
        load_config(path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "web.csv").write_text("c,a,t\n")
    cfg = load_config(path)
    assert cfg.sources["web"].path == (tmp_path / "data" / "web.csv").absolute()
    assert cfg.output == (path.parent / "journeymine-output").absolute()
    assert cfg.display_path(cfg.sources["web"].path) == "../data/web.csv"


def test_syntax_errors_and_suffixes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("goal = [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad\.toml: not valid TOML"):
        load_config(bad)
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("goal: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: not valid YAML"):
        load_config(bad_yaml)
    other = tmp_path / "cfg.ini"
    other.write_text("")
    with pytest.raises(ConfigError, match=r"must end in \.toml, \.yaml or \.yml"):
        load_config(other)
    empty = tmp_path / "empty.yml"
    empty.write_text("")
    with pytest.raises(ConfigError, match=r"empty\.yml: sources: missing"):
        load_config(empty)


def test_config_error_is_a_value_error_with_problems() -> None:
    with pytest.raises(ValueError) as info:
        parse_config({"x": 1, **MINIMAL}, file="f.toml", check_files=False)
    assert info.value.problems == [
        "x: unknown key. The keys allowed here are " + repr(sorted(SCHEMA)) + "."
    ]
    assert info.value.file == "f.toml"


# --------------------------------------------------------------------------- the documentation


def _walk(schema: dict[str, Field], prefix: str = ""):
    for key, spec in schema.items():
        yield prefix + key, spec
        if spec.kind == "table":
            yield from _walk(dict(spec.children or {}), f"{prefix}{key}.")
        elif spec.kind == "map" and spec.value is not None and spec.value.kind == "table":
            yield from _walk(dict(spec.value.children or {}), f"{prefix}{key}.<name>.")


def test_docs_describe_every_key_and_the_example_is_valid(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    for dotted, _spec in _walk(SCHEMA):
        assert f"`{dotted}`" in text, f"docs/config.md does not describe {dotted}"
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    assert blocks, "docs/config.md has no TOML example"
    for block in blocks:
        data = tomllib.loads(block)
        parse_config(data, file="docs/config.md", folder=tmp_path, check_files=False)
