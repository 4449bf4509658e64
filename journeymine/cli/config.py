"""Run configurations: the schema as data, loading (TOML or YAML), validation, and the log they describe.

A configuration file names the sources and their column mappings, the identity
crosswalk, how journeys are cut, the stages, the goal, the funnel steps, an
assumed journey, which analyses to run and where the outputs go. It is what
``journeymine run CONFIG`` reads; ``docs/config.md`` shows a full example.

The schema is the data structure :data:`SCHEMA` (key -> :class:`Field`), and
validation walks it recursively. Every problem is a
:class:`~journeymine.errors.ConfigError` that names the file and the key as a
dotted path, with a near-match suggestion for misspelt keys::

    demo/config.toml: sources.calls.timestmp: unknown key. Did you mean 'timestamp'?

Relative paths (sources, crosswalk, assumed journey, output) resolve against
the folder of the configuration file, so a folder can be moved as a whole.

Examples
--------
>>> from journeymine.cli.config import parse_config
>>> cfg = parse_config({
...     "goal": "purchase",
...     "sources": {"web": {"path": "web.csv", "customer": "cookie", "activity": "page",
...                         "timestamp": "ts", "labels": {"channel": "web"}}},
... }, file="example.toml", check_files=False)
>>> cfg.sources["web"].mapping["labels"]
{'channel': 'web'}
>>> parse_config({"sources": {"web": {"path": "w.csv", "activity": "page", "timestmp": "ts",
...                                   "customer": "c"}}}, file="example.toml", check_files=False)
Traceback (most recent call last):
...
journeymine.errors.ConfigError: example.toml: sources.web.timestmp: unknown key. Did you mean 'timestamp'? ...
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .._validation import near_matches, parse_duration
from ..analyzers.credit import METHODS as ATTRIBUTION_METHODS
from ..errors import ConfigError
from ..io.sql import TABLE_NAME
from ..reporting import ANALYSES
from ._engine import engine_fields, engine_problems

__all__ = [
    "Field",
    "SCHEMA",
    "SOURCE_FORMATS",
    "SQL_KEYS",
    "Config",
    "SourceConfig",
    "load_config",
    "parse_config",
    "config_error",
    "config_file",
    "format_of",
    "check_analyses",
    "requested_analyses",
]

#: Source formats and the file suffixes that select them when ``format`` is not given.
SOURCE_FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".csv.gz", ".csv.zip", ".csv.bz2", ".csv.xz", ".tsv"),
    "parquet": (".parquet", ".pq"),
    "json": (".jsonl", ".json", ".jsonl.gz", ".ndjson"),
    "xes": (".xes", ".xes.gz"),
}


@dataclass(frozen=True)
class Field:
    """One key of the configuration schema.

    ``kind`` is one of ``str``, ``bool``, ``int``, ``path``, ``duration``,
    ``str_list`` (list of text), ``str_or_list`` (text or list of text), ``labels``
    (table of column -> text), ``keep`` (list of text, table of text, or true),
    ``table`` (nested keys in ``children``) or ``map`` (user-named keys whose values
    follow ``value``).
    """

    kind: str
    doc: str
    required: bool = False
    choices: tuple[str, ...] | None = None
    children: Mapping[str, Field] | None = None
    value: Field | None = None
    default: Any = None


#: The keys of a database source (``url`` or ``url_env``, and ``query`` or ``table``).
SQL_KEYS = ("url", "url_env", "query", "table")
_MAPPING_DOC = "source column that holds the {}"
SOURCE_SCHEMA: dict[str, Field] = {
    # exactly one of path, url and url_env (see _check_where)
    "path": Field("path", "the events file (CSV, Parquet, JSON lines or XES)"),
    "url": Field("str", "a database URL (SQLAlchemy's form), instead of a path"),
    "url_env": Field("str", "the environment variable that holds the database URL"),
    "query": Field("str", "with url or url_env: the SQL that returns the events"),
    "table": Field("str", "with url or url_env: the table or view that holds the events"),
    "format": Field(
        "str", "the file format; by default from the file's suffix", choices=tuple(SOURCE_FORMATS)
    ),
    "case": Field("str", _MAPPING_DOC.format("journey (case) id, if the source has journeys")),
    "customer": Field("str", _MAPPING_DOC.format("customer identifier")),
    # required except in XES sources, whose standard keys are the defaults (see _check_sources)
    "activity": Field(
        "str_or_list",
        _MAPPING_DOC.format("touchpoint name")
        + "; in XES sources also a classifier's name or a list of keys joined with a space",
    ),
    "timestamp": Field("str", _MAPPING_DOC.format("event time")),
    "channel": Field("str", _MAPPING_DOC.format("channel")),
    "department": Field("str", _MAPPING_DOC.format("owning department")),
    "resource": Field("str", _MAPPING_DOC.format("agent or system")),
    "direction": Field("str", _MAPPING_DOC.format("direction (inbound/outbound/internal)")),
    "labels": Field("labels", 'constant values for the whole source, e.g. {channel = "phone"}'),
    "keep": Field(
        "keep", "extra columns to carry along: a list, a table {source = new name}, or true"
    ),
    "tz": Field("str", "time zone of naive timestamps (default UTC)"),
    "timestamp_format": Field("str", "strftime format of the timestamps (default: inferred)"),
    "dayfirst": Field("bool", "read 01/02/2025 as 1 February"),
    "drop_duplicates": Field(
        "bool", "set aside rows equal to an earlier row (rejected as 'duplicate'; default false)"
    ),
    "sep": Field("str", "CSV field separator (default ',')"),
    "encoding": Field("str", "CSV text encoding (default UTF-8)"),
    "key": Field("str", "the crosswalk column this source's customer ids belong to"),
}

SCHEMA: dict[str, Field] = {
    "title": Field("str", "the report's title", default="Customer journeys"),
    **engine_fields(Field),
    "output": Field(
        "path", "the output folder (replaced as a whole on every run)", default="journeymine-output"
    ),
    "allow_output_outside": Field(
        "bool",
        "allow an output folder outside the configuration file's folder (default false)",
        default=False,
    ),
    "goal": Field("str_or_list", "the goal touchpoint(s): a journey that reaches one converted"),
    "funnel": Field("str_list", "the funnel steps, in order"),
    "assumed": Field(
        "path", "an assumed journey file (TOML, YAML or JSON) to compare with the data"
    ),
    "sources": Field(
        "map",
        "one table per source, named by you: its file and column mapping",
        required=True,
        value=Field("table", "a source", children=SOURCE_SCHEMA),
    ),
    "identity": Field(
        "table",
        "the identity crosswalk that links each source's customer ids",
        children={
            "file": Field(
                "path",
                "the crosswalk (CSV or Parquet): one column per identifier type",
                required=True,
            ),
            "primary": Field(
                "str", "the column whose value names a stitched customer (default: the first)"
            ),
            "keys": Field(
                "map",
                "per source, the crosswalk column its customer ids belong to",
                value=Field("str", "a crosswalk column"),
            ),
            "sep": Field("str", "CSV field separator (default ',')"),
            "encoding": Field("str", "CSV text encoding (default UTF-8)"),
        },
    ),
    "journeys": Field(
        "table",
        "how customers' events are cut into journeys",
        children={
            "inactivity": Field("duration", 'the longest silence inside one journey, e.g. "30D"'),
            "end_at": Field("str_or_list", "touchpoint(s) after which a journey ends"),
            "observation_end": Field(
                "str", "when the data was extracted (default: the last event)"
            ),
        },
    ),
    "direction_rules": Field(
        "rules",
        "how events are classified inbound/outbound/internal: 'process' (the default "
        "rules for process logs) or [[direction_rules]] tables with column, pattern, "
        "direction and optionally match ('exact' or 'regex'), first match wins",
    ),
    "stages": Field(
        "map",
        "stage name -> its touchpoints, in journey order",
        value=Field("str_list", "the stage's touchpoints"),
    ),
    "analyses": Field(
        "table",
        "which analyses to run, and their options",
        children={
            "run": Field(
                "str_list",
                "the analyses to run (default: every one that the settings and the data's "
                "columns allow)",
                choices=ANALYSES,
            ),
            "journey_map": Field(
                "table",
                "options of the journey map",
                children={
                    "level": Field(
                        "str", "the event column the map's nodes show (default activity)"
                    ),
                    "metric": Field("str", "what the map's edges show (passed to plot_journey)"),
                },
            ),
            "handoffs": Field(
                "table",
                "options of the handoff analysis",
                children={
                    "level": Field(
                        "str", "the column whose changes are handoffs (default department)"
                    ),
                    "window": Field(
                        "duration",
                        "how soon after a handoff a customer contact counts as a repeat "
                        'contact (default "7D")',
                    ),
                },
            ),
            "time_to_goal": Field(
                "table",
                "options of the time-to-goal analysis",
                children={
                    "start": Field(
                        "str",
                        "the touchpoint the clock starts at (default: the journey's first "
                        "event); journeys that never reach it are left out",
                    ),
                },
            ),
            "attribution": Field(
                "table",
                "options of the attribution analysis",
                children={
                    "method": Field(
                        "str",
                        "how conversions are credited (default markov, shown with linear "
                        "beside it)",
                        choices=ATTRIBUTION_METHODS,
                    ),
                    "level": Field(
                        "str", "the column whose values earn the credit (default channel)"
                    ),
                    "half_life": Field(
                        "duration",
                        'the half-life of the time_decay method (default "7D")',
                    ),
                },
            ),
            "after_goal": Field(
                "table",
                "options of the after-the-goal analysis",
                children={
                    "within": Field(
                        "duration",
                        'how long after the goal events are followed (default "30D")',
                    ),
                },
            ),
        },
    ),
}

_KIND_TEXT = {
    "str": "a text value",
    "bool": "true or false",
    "int": "an integer",
    "path": "a file or folder path (text)",
    "duration": 'a duration such as "30D" or "2h"',
    "str_list": "a list of text values",
    "str_or_list": "a text value or a list of text values",
    "labels": "a table of column = text value",
    "keep": "a list of column names, a table {source = new name}, or true",
    "table": "a table",
    "map": "a table",
    "rules": "'process' or a list of rules (tables with column, pattern and direction)",
}


@dataclass(frozen=True)
class SourceConfig:
    """One source: its name, resolved file, format, the loader keywords, and crosswalk key.

    A database source (format "sql") has ``url`` (not in the repr: it may hold a password)
    or ``url_env`` (read when loading) and ``query`` or ``table`` instead of a ``path``."""

    name: str
    path: Path | None
    format: str
    mapping: dict[str, Any]
    key: str | None
    url: str | None = field(default=None, repr=False)
    url_env: str | None = None
    query: str | None = None
    table: str | None = None


@dataclass(frozen=True)
class Config:
    """A validated configuration with every path resolved against the config file's folder."""

    file: Path | None
    folder: Path
    data: dict[str, Any]
    sources: dict[str, SourceConfig]
    title: str
    output: Path
    goal: str | list[str] | None
    funnel: list[str] | None
    assumed: Path | None
    identity: dict[str, Any] | None
    journeys: dict[str, Any]
    stages: dict[str, list[str]] | None
    analyses: tuple[str, ...]
    options: dict[str, dict[str, Any]]
    sha256: str | None = None

    def display_path(self, path: Path | None) -> str | None:
        """``path`` relative to the config folder when inside it (for messages and results);
        None (a database source) stays None."""
        if path is None:
            return None
        try:
            return Path(os.path.relpath(path, self.folder)).as_posix()
        except ValueError:
            return path.as_posix()


# --------------------------------------------------------------------------- loading


def load_config(path: str | os.PathLike[str], *, check_files: bool = True) -> Config:
    """Read and validate a TOML (``.toml``) or YAML (``.yaml``/``.yml``) configuration file.

    Parameters
    ----------
    path : str or path-like
    check_files : bool, default True
        Also check that every named file (sources, crosswalk, assumed journey) exists.

    Raises
    ------
    ConfigError
        The file is missing or unreadable, is not valid TOML/YAML, or breaks the schema.
    """
    p = Path(path)
    shown = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{shown}: the configuration file does not exist.") from None
    except OSError as exc:
        raise ConfigError(
            f"{shown}: the configuration file cannot be read ({exc.strerror})."
        ) from None
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(raw.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{shown}: not valid YAML: {exc}") from None
    elif suffix == ".toml":
        try:
            data = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{shown}: not valid TOML: {exc}") from None
    else:
        raise ConfigError(
            f"{shown}: a configuration file must end in .toml, .yaml or .yml. Got {suffix or 'no suffix'!r}."
        )
    if data is None:
        data = {}
    return parse_config(
        data,
        file=shown,
        folder=p.absolute().parent,
        check_files=check_files,
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def parse_config(
    data: Any,
    *,
    file: str = "<config>",
    folder: str | os.PathLike[str] | None = None,
    check_files: bool = True,
    sha256: str | None = None,
) -> Config:
    """Validate a configuration already read into Python objects (see :func:`load_config`)."""
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{file}: the configuration must be a table of keys. Got {type(data).__name__}."
        )
    _check_table(data, SCHEMA, "", problems)
    _check_sources(data, problems)
    if problems:
        raise config_error(file, problems)
    base = Path(folder) if folder is not None else Path.cwd()
    _check_meaning(data, problems)
    if problems:
        raise config_error(file, problems)

    def resolve(value: str) -> Path:
        return Path(os.path.normpath((base / Path(value).expanduser()).absolute()))

    keys_cfg = dict((data.get("identity") or {}).get("keys") or {})
    sources = {
        str(name): _source(str(name), src, resolve, keys_cfg, check_files, problems)
        for name, src in data["sources"].items()
    }
    identity = None
    if "identity" in data:
        identity = dict(data["identity"])
        identity["file"] = resolve(identity["file"])
        if check_files and not identity["file"].is_file():
            problems.append(
                f"identity.file: the file {data['identity']['file']!r} does not exist (looked for {identity['file']})."
            )
    assumed = resolve(data["assumed"]) if "assumed" in data else None
    if check_files and assumed is not None and not assumed.is_file():
        problems.append(
            f"assumed: the file {data['assumed']!r} does not exist (looked for {assumed})."
        )
    if problems:
        raise config_error(file, problems)
    analyses_cfg = dict(data.get("analyses") or {})
    run = tuple(analyses_cfg.pop("run", None) or _default_analyses(data))
    return Config(
        file=Path(file) if file != "<config>" else None,
        folder=base.absolute(),
        data=dict(data),
        sources=sources,
        title=str(data.get("title", SCHEMA["title"].default)),
        output=resolve(data.get("output", SCHEMA["output"].default)),
        goal=data.get("goal"),
        funnel=list(data["funnel"]) if "funnel" in data else None,
        assumed=assumed,
        identity=identity,
        journeys=dict(data.get("journeys") or {}),
        stages={str(k): list(v) for k, v in data["stages"].items()} if data.get("stages") else None,
        analyses=tuple(a for a in ANALYSES if a in run),
        options={k: dict(v) for k, v in analyses_cfg.items()},
        sha256=sha256,
    )


def requested_analyses(cfg: Config) -> tuple[str, ...] | None:
    """The analyses ``analyses.run`` names, in report order; None when it is not set."""
    run = (cfg.data.get("analyses") or {}).get("run")
    return tuple(a for a in ANALYSES if a in run) if run else None


def check_analyses(cfg: Config, log: Any) -> dict[str, Any]:
    """What keeps each analysis from running on ``log`` with ``cfg``'s settings.

    Returns the :class:`~journeymine.reporting._analyses.Blocker` of each analysis that
    cannot run (it is skipped, with that reason). Raises ConfigError when one that
    ``analyses.run`` names cannot run, or when an option names a column the log does
    not have (``analyses.handoffs.level``).
    """
    from ..reporting import blockers, spec

    blocked = blockers(
        log, goal=cfg.goal, funnel=cfg.funnel, assumed=cfg.assumed, options=cfg.options
    )
    problems = []
    for name, opts in cfg.options.items():
        for key, _ in spec(name).option_columns:
            if key in opts and opts[key] not in log.columns:
                near = near_matches(str(opts[key]), log.columns)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                problems.append(
                    f"analyses.{name}.{key}: {opts[key]!r} is not a column of the data.{hint} "
                    f"The columns are {log.columns!r}."
                )
    for name in requested_analyses(cfg) or ():
        if name in blocked:
            problems.append(f"analyses.run: {name!r} {blocked[name].reason()}.")
    if problems:
        raise config_error(config_file(cfg), problems)
    return blocked


def config_error(file: str, problems: list[str]) -> ConfigError:
    """One ConfigError listing ``problems`` (each "key: what is wrong"), naming ``file``."""
    lines = [f"{file}: {p}" for p in problems]
    err = ConfigError("\n".join(lines) if len(lines) > 1 else lines[0])
    err.problems = list(problems)  # type: ignore[attr-defined]
    err.file = file  # type: ignore[attr-defined]
    return err


def config_file(cfg: Config) -> str:
    """The configuration's file, as errors name it."""
    return str(cfg.file) if cfg.file is not None else "<config>"


def format_of(path: Path) -> str | None:
    """The source format a file's suffix says (``csv``, ``parquet``, ...), or None."""
    name = path.name.lower()
    for fmt, suffixes in SOURCE_FORMATS.items():
        if name.endswith(suffixes):
            return fmt
    return None


def _default_analyses(data: Mapping[str, Any]) -> list[str]:
    out = ["journey_map", "variants", "handoffs", "silent_gaps", "repeat_contacts", "loops"]
    if data.get("stages"):
        out.append("stage_map")
    if data.get("funnel"):
        out.append("funnel")
    if data.get("goal") is not None:
        out += ["dropoffs", "dead_ends", "time_to_goal", "attribution", "after_goal"]
        out += ["pain_points"]
    if data.get("assumed"):
        out.append("comparison")
    return out


# --------------------------------------------------------------------------- schema walk


def _check_table(
    data: Mapping[str, Any], schema: Mapping[str, Field], prefix: str, problems: list[str]
) -> None:
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if not isinstance(key, str):
            problems.append(f"{dotted}: keys must be text. Got {key!r}.")
            continue
        spec = schema.get(key)
        if spec is None:
            near = near_matches(key, list(schema))
            hint = f" Did you mean {near[0]!r}?" if near else ""
            problems.append(
                f"{dotted}: unknown key.{hint} The keys allowed here are {sorted(schema)!r}."
            )
            continue
        _check_value(value, spec, dotted, problems)
    for key, spec in schema.items():
        if spec.required and key not in data:
            problems.append(f"{prefix}{key}: missing; {spec.doc} is required here.")


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "path": lambda v: isinstance(v, str) and v.strip() != "",
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "duration": lambda v: isinstance(v, str),
    "str_list": _is_str_list,
    "str_or_list": lambda v: isinstance(v, str) or (_is_str_list(v) and len(v) > 0),
    "labels": lambda v: (
        isinstance(v, Mapping)
        and all(isinstance(k, str) and (isinstance(x, str) or x is None) for k, x in v.items())
    ),
    "keep": lambda v: (
        v is True
        or _is_str_list(v)
        or (isinstance(v, Mapping) and all(isinstance(x, str) for x in v.values()))
    ),
    "table": lambda v: isinstance(v, Mapping),
    "map": lambda v: isinstance(v, Mapping),
    "rules": lambda v: isinstance(v, str | list),
}


def _type_name(value: Any) -> str:
    return {
        dict: "a table",
        list: "a list",
        str: "text",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)


def _check_value(value: Any, spec: Field, dotted: str, problems: list[str]) -> None:
    if not _CHECKS[spec.kind](value):
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        problems.append(
            f"{dotted}: must be {_KIND_TEXT[spec.kind]} ({spec.doc}). Got {_type_name(value)}: {shown}."
        )
        return
    if spec.kind == "table":
        _check_table(value, spec.children or {}, dotted + ".", problems)
    elif spec.kind == "rules":
        from .._rules import rule_problems

        problems += rule_problems(value, dotted)
    elif spec.kind == "map":
        assert spec.value is not None
        for k, v in value.items():
            _check_value(v, spec.value, f"{dotted}.{k}", problems)
    elif spec.kind == "duration":
        try:
            ok = parse_duration(value) > pd.Timedelta(0)
            why = ""
        except ValueError as exc:
            ok, why = False, f" ({exc})"
        if not ok:
            problems.append(
                f'{dotted}: must be a positive duration with a unit such as "30D" or "2h"{why}. '
                f"Got {value!r}."
            )
    if spec.choices is not None:
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v not in spec.choices:
                near = near_matches(str(v), spec.choices)
                hint = f" Did you mean {near[0]!r}?" if near else ""
                problems.append(f"{dotted}: {v!r} is not one of {list(spec.choices)!r}.{hint}")


def _is_sql(src: Mapping[str, Any]) -> bool:
    """A database source: read with ``url`` or ``url_env`` rather than from a file."""
    return "url" in src or "url_env" in src


def _source(
    name: str,
    src: Mapping[str, Any],
    resolve: Callable[[str], Path],
    keys: Mapping[str, Any],
    check: bool,
    problems: list[str],
) -> SourceConfig:
    """One source, a file or a database; with ``check`` its file must exist (its environment
    variable be set)."""
    key = keys.get(name, src.get("key"))
    if _is_sql(src):
        env, sql = src.get("url_env"), {k: src.get(k) for k in SQL_KEYS}
        if check and env is not None and env not in os.environ:
            problems.append(f"sources.{name}.url_env: the environment variable {env!r} is not set.")
        mapping = {k: v for k, v in src.items() if k not in ("key", *SQL_KEYS)}
        return SourceConfig(name, None, "sql", mapping, key, **sql)
    path = resolve(src["path"])
    fmt = src.get("format") or format_of(path)
    mapping = {k: v for k, v in src.items() if k not in ("path", "format", "key")}
    for csv_only in ("sep", "encoding"):
        if csv_only in mapping and fmt != "csv":
            problems.append(
                f"sources.{name}.{csv_only}: applies to CSV sources only; this source is {fmt}."
            )
    if fmt is None:
        problems.append(
            f"sources.{name}.path: cannot tell the format of {src['path']!r} from its suffix; "
            f"add format = one of {list(SOURCE_FORMATS)!r}."
        )
    if check and not (path.is_file() or (path.is_dir() and fmt in ("parquet", None))):
        problems.append(
            f"sources.{name}.path: the file {src['path']!r} does not exist (looked for {path})."
        )
    return SourceConfig(name, path, fmt or "csv", mapping, key)


def _check_where(name: str, src: Mapping[str, Any], problems: list[str]) -> None:
    """Exactly one of path, url and url_env; a database source has query or table."""
    given = [k for k in ("path", "url", "url_env") if k in src]
    if len(given) != 1:
        problems.append(
            f"sources.{name}: needs exactly one of 'path' (an events file), 'url' or 'url_env' "
            f"(a database URL, or the environment variable that holds it). Got {given or 'none'}."
        )
    sql = _is_sql(src)
    for key in ("query", "table") if not sql else ("format", "sep", "encoding"):
        if key in src:
            kind = "database sources (url or url_env)" if not sql else "file sources (path)"
            problems.append(f"sources.{name}.{key}: applies to {kind} only.")
    if sql and ("query" in src) == ("table" in src):
        problems.append(
            f"sources.{name}: a database source needs 'query' (the SQL that returns the events) "
            f"or 'table' (a table or view name); {'not both' if 'query' in src else 'got neither'}."
        )
    url, env, table = src.get("url"), src.get("url_env"), src.get("table")
    if isinstance(url, str) and not re.match(r"[A-Za-z][\w+.-]*://", url):
        hint = f" For a variable, write url_env = {url[4:]!r}." if url.startswith("env:") else ""
        problems.append(
            f"sources.{name}.url: must be a database URL such as 'postgresql+psycopg://user@"
            f"host/db' or 'duckdb:///events.duckdb' (the value is not shown).{hint}"
        )
    if isinstance(env, str) and not re.fullmatch(r"[A-Za-z_]\w*", env):
        problems.append(f"sources.{name}.url_env: must name an environment variable. Got {env!r}.")
    if isinstance(table, str) and not TABLE_NAME.fullmatch(table):
        problems.append(
            f"sources.{name}.table: must be a name such as 'events' or 'analytics.events'. Got "
            f"{table!r}; for another name write a query ('select * from \"my events\"')."
        )


def _is_xes(src: Mapping[str, Any]) -> bool:
    """An XES source may leave out case, activity and timestamp: read_xes defaults them."""
    fmt = src.get("format")
    path = src.get("path")
    if fmt is None and isinstance(path, str):
        fmt = format_of(Path(path))
    return fmt == "xes"


def _check_sources(data: Mapping[str, Any], problems: list[str]) -> None:
    """Every source has one place to read from (a file or a database) and names its activity
    and timestamp columns, except an XES source."""
    sources = data.get("sources")
    if not isinstance(sources, Mapping):
        return
    for name, src in sources.items():
        if not isinstance(src, Mapping):
            continue
        _check_where(str(name), src, problems)
        if _is_xes(src):
            continue
        if isinstance(src.get("activity"), list):
            problems.append(
                f"sources.{name}.activity: a list of keys is read from XES sources only; "
                "load the source with one activity column, keep the others and join them "
                "(jm.with_columns(log, activity=jm.concat(...)))."
            )
        for key in ("activity", "timestamp"):
            if key not in src:
                doc = SOURCE_SCHEMA[key].doc
                problems.append(f"sources.{name}.{key}: missing; {doc} is required here.")


def _check_meaning(data: Mapping[str, Any], problems: list[str]) -> None:
    """Rules that span keys: journey ids, crosswalk keys, analyses that need settings."""
    sources = data["sources"]
    problems += engine_problems(data)
    if not sources:
        problems.append(
            "sources: name at least one source, e.g. [sources.web] with path, activity, timestamp."
        )
    for name, src in sources.items():
        if "case" not in src and "customer" not in src and not _is_xes(src):
            problems.append(
                f"sources.{name}: needs a journey identifier: set 'customer' (or 'case') to a column name."
            )
    identity = data.get("identity")
    if identity:
        for name in identity.get("keys") or {}:
            if name not in sources:
                near = near_matches(str(name), list(sources))
                hint = f" Did you mean {near[0]!r}?" if near else ""
                problems.append(
                    f"identity.keys.{name}: names no source.{hint} The sources are {list(sources)!r}."
                )
    run = (data.get("analyses") or {}).get("run") or []
    needs = {
        "stage_map": ("stages", "a [stages] table"),
        "funnel": ("funnel", "funnel steps"),
        "comparison": ("assumed", "an assumed journey file ('assumed')"),
        "dropoffs": ("goal", "a goal"),
        "dead_ends": ("goal", "a goal"),
        "pain_points": ("goal", "a goal"),
        "time_to_goal": ("goal", "a goal"),
        "attribution": ("goal", "a goal"),
        "after_goal": ("goal", "a goal"),
    }
    for name in run:
        if name in needs and not data.get(needs[name][0]):
            problems.append(f"analyses.run: {name!r} needs {needs[name][1]}, which is not set.")
