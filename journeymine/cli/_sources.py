"""Read the sources a run configuration names into one journey log (private).

:func:`load_log` loads every source of a :class:`~journeymine.cli.config.Config`,
stitches identities, applies the direction rules, cuts journeys and maps stages,
collecting the warnings on the way, as ``journeymine run`` and ``validate`` need.
Parsing and checking the configuration itself is :mod:`journeymine.cli.config`.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import DataError, InvalidParameterError, JourneymineError, MissingColumnError
from .config import Config, SourceConfig, config_error, config_file, format_of

__all__ = ["LoadedLog", "load_log"]


@dataclass
class LoadedLog:
    """The journey log a configuration describes, with what went into it."""

    log: Any
    inputs: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    per_source: dict[str, int] = field(default_factory=dict)


def _capture(warns: list[str], func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    for w in caught:
        text = str(w.message)
        if text not in warns:
            warns.append(text)
    return out


def _input(cfg: Config, role: str, name: str, path: Path) -> dict[str, Any]:
    from ..reporting.results import file_sha256

    if path.is_dir():  # a dataset folder: a fingerprint of its files' names and contents
        import hashlib

        files = sorted(p for p in path.rglob("*") if p.is_file())
        digest = hashlib.sha256()
        for f in files:
            digest.update(f"{f.relative_to(path).as_posix()}\0{file_sha256(f)}\n".encode())
        sha, size = digest.hexdigest(), sum(f.stat().st_size for f in files)
    else:
        sha, size = file_sha256(path), path.stat().st_size
    return {
        "role": role,
        "name": name,
        "path": cfg.display_path(path),
        "sha256": sha,
        "bytes": size,
    }


def _sql_input(cfg: Config, src: SourceConfig) -> dict[str, Any]:
    """A database source as ``results.json`` records it: its URL without the password, and the
    query or table. A database has no file to fingerprint: ``sha256`` and ``bytes`` are None."""
    from ..io.sql import redacted_url

    url = redacted_url(_source_url(cfg, src))
    what = {"query": src.query} if src.query is not None else {"table": src.table}
    entry = {"role": "source", "name": src.name, "path": url, "url": url, **what}
    return {**entry, "sha256": None, "bytes": None}


def _source_url(cfg: Config, src: SourceConfig) -> str:
    """A database source's URL (from its environment variable for ``url_env``); a relative
    SQLite or DuckDB file is read from the configuration's folder, as every path is."""
    url = os.environ.get(src.url_env) if src.url_env is not None else src.url
    if not url:
        raise config_error(
            config_file(cfg),
            [f"sources.{src.name}.url_env: the environment variable {src.url_env!r} is not set."],
        )
    found = re.match(r"(sqlite|duckdb)(\+\w+)?:///(?!/)(?!:memory:)([^?]+)", url)
    if found and not os.path.isabs(found.group(3)):
        start, end = found.span(3)
        url = url[:start] + (cfg.folder / found.group(3)).as_posix() + url[end:]
    return url


def _read_source(cfg: Config, src: SourceConfig) -> Any:
    from ..io import read_csv, read_json, read_parquet, read_sql, read_xes

    kwargs = dict(src.mapping)
    kwargs.setdefault("name", src.name)
    readers = {
        "csv": read_csv,
        "parquet": read_parquet,
        "json": read_json,
        "xes": read_xes,
    }
    try:
        if src.format == "sql":
            return read_sql(src.query or src.table, _source_url(cfg, src), **kwargs)
        return readers[src.format](src.path, **kwargs)
    except InvalidParameterError as exc:
        if src.format != "sql" or exc.param not in ("con", "query"):
            raise
        if exc.param == "con":
            key = "url_env" if src.url_env is not None else "url"
        else:
            key = "query" if src.query is not None else "table"
        raise config_error(config_file(cfg), [f"sources.{src.name}.{key}: {exc}"]) from None
    except MissingColumnError as exc:
        param = _param_of(str(exc))
        key = f"sources.{src.name}.{param}" if param else f"sources.{src.name}"
        raise config_error(config_file(cfg), [f"{key}: {exc}"]) from None
    except DataError as exc:  # an unreadable file or unusable data: say which source
        raise DataError(
            f"{config_file(cfg)}: sources.{src.name}: {exc}", failure_cases=exc.failure_cases
        ) from exc
    except JourneymineError:
        raise
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(
            f"{config_file(cfg)}: sources.{src.name}: cannot read "
            f"{cfg.display_path(src.path) or 'the database'!r} as {src.format}: {exc}"
        ) from exc


def _param_of(message: str) -> str | None:
    m = re.match(r"The '(\w+)' parameter", message)
    return m.group(1) if m else None


def _read_crosswalk(cfg: Config) -> pd.DataFrame:
    from ..errors import DataError

    ident = cfg.identity or {}
    path: Path = ident["file"]
    try:
        if format_of(path) == "parquet":
            frame = pd.read_parquet(path)
            return frame.astype("string")
        return pd.read_csv(
            path, dtype="string", sep=ident.get("sep", ","), encoding=ident.get("encoding")
        )
    except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(
            f"{config_file(cfg)}: identity.file: cannot read {cfg.display_path(path)!r}: {exc}"
        ) from exc


def _classify(cfg: Config, log: Any) -> Any:
    """The log with ``direction`` set by the configuration's ``direction_rules``."""
    from .._rules import column_problems
    from ..directions import classify_direction

    rules = cfg.data["direction_rules"]
    bad = column_problems(rules, log.columns, "direction_rules")
    if bad:
        raise config_error(config_file(cfg), bad)
    return classify_direction(log, rules)


def load_log(cfg: Config, progress: Any = None) -> LoadedLog:
    """Load every source, stitch identities, cut journeys and map stages, as ``cfg`` says.

    ``progress`` is an optional object with a ``step(text)`` context manager (the
    CLI's progress reporter). Warnings raised while loading are collected, not shown.
    """
    from .._progress import NullProgress
    from ..journeys import combine, map_stages, split_journeys

    progress = progress or NullProgress()
    out = LoadedLog(log=None)
    logs: dict[str, Any] = {}
    with progress.step("loading sources") as step:
        for name, src in cfg.sources.items():
            if src.path is None:  # a database source
                out.inputs.append(_sql_input(cfg, src))
            else:
                out.inputs.append(_input(cfg, "source", name, src.path))
            engine = cfg.data.get("engine", "memory")
            if engine != "memory":  # one source, run partition by partition (see _engine)
                from ._engine import open_source

                opts = dict(cfg.data.get("engine_options") or {})
                read = lambda src=src: _read_source(cfg, src)  # noqa: E731
                logs[name] = _capture(out.warnings, open_source, engine, opts, src, read)
                logs[name]._report_to(progress)
            else:
                logs[name] = _capture(out.warnings, _read_source, cfg, src)
            out.per_source[name] = len(logs[name])
        step.done(
            f"{len(logs)} source{'s' if len(logs) != 1 else ''}, {sum(out.per_source.values()):,} events"
        )
    if cfg.identity is not None or len(logs) > 1:
        with progress.step("stitching identities") as step:
            identities = keys = primary = None
            if cfg.identity is not None:
                out.inputs.append(_input(cfg, "identity", "identity", cfg.identity["file"]))
                identities = _read_crosswalk(cfg)
                primary = cfg.identity.get("primary")
                keys = [src.key or logs[name].customer_key for name, src in cfg.sources.items()]
                cols = [str(c) for c in identities.columns]
                bad = [
                    f"identity.keys.{n}: {k!r} is not a column of the crosswalk {cols!r}."
                    for n, k in zip(cfg.sources, keys, strict=True)
                    if k not in cols
                ]
                if primary is not None and primary not in cols:
                    bad.append(
                        f"identity.primary: {primary!r} is not a column of the crosswalk {cols!r}."
                    )
                if bad:
                    raise config_error(config_file(cfg), bad)
            log = _capture(
                out.warnings, combine, logs, identities=identities, keys=keys, primary=primary
            )
            step.done(f"{log.n_cases:,} customers")
    else:
        log = next(iter(logs.values()))
    if cfg.data.get("direction_rules") is not None:
        with progress.step("classifying directions") as step:
            log = _classify(cfg, log)
            step.done(f"{int(log.events['direction'].notna().sum()):,} events with a direction")
    if cfg.journeys:
        with progress.step("cutting journeys") as step:
            j = cfg.journeys
            log = _capture(
                out.warnings,
                split_journeys,
                log,
                inactivity=j.get("inactivity"),
                end_at=j.get("end_at"),
                observation_end=j.get("observation_end"),
            )
            step.done(f"{log.n_cases:,} journeys")
    if cfg.stages:
        with progress.step("mapping stages") as step:
            log = _capture(out.warnings, map_stages, log, cfg.stages)
            step.done(f"{len(cfg.stages)} stages")
    if cfg.assumed is not None:
        out.inputs.append(_input(cfg, "assumed", "assumed", cfg.assumed))
    out.log = log
    return out
