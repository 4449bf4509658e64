"""``results.json``, the findings tables and the atomic output folder.

A run writes one folder (see ``docs/results-schema.md``)::

    results.json              machine-readable results, schema_version "1.0"
    report.html               the self-contained journey report
    tables/<name>.parquet     every findings table, true values and types
    tables/<name>.csv         the same, safe to open in a spreadsheet
    figures/<name>.png|.svg   the journey map, stage map and funnel pictures

Everything here is deterministic: the same data and configuration give
byte-identical files (no wall-clock times, no absolute paths, no random ids;
Parquet is written by pyarrow without pandas metadata, pictures with fixed
metadata and SVG hash salt). :class:`AtomicFolder` writes into a hidden
temporary sibling folder and swaps it into place only when everything is
written, so a failed or killed run leaves the previous outputs as they were.

Examples
--------
>>> import pandas as pd
>>> from journeymine.reporting.results import table_payload, to_json
>>> df = pd.DataFrame({"touchpoint": ["a", "b"], "share": [0.5, float("nan")],
...                    "gap": pd.to_timedelta(["1h", "2h"])})
>>> payload = table_payload(df)
>>> payload["columns"]
[{'name': 'touchpoint', 'type': 'string'}, {'name': 'share', 'type': 'number'}, {'name': 'gap', 'type': 'duration'}]
>>> payload["records"][1]
{'touchpoint': 'b', 'share': None, 'gap': 7200.0}
>>> print(to_json({"a": 1}))
{
  "a": 1
}
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as _dt
import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ._safe import neutralise_frame

__all__ = [
    "SCHEMA_VERSION",
    "RESULTS_SCHEMA",
    "table_payload",
    "jsonable",
    "to_json",
    "write_table",
    "file_sha256",
    "AtomicFolder",
    "is_output_folder",
    "OUTPUT_MARKER",
    "build_results",
    "write_outputs",
]

#: The version of the ``results.json`` layout; bumped on any incompatible change.
SCHEMA_VERSION = "1.0"

#: The layout of ``results.json`` as data (a JSON-Schema subset), checked by the tests and
#: written to ``journeymine/reporting/results.schema.json``.
RESULTS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "journeymine results",
    "type": "object",
    "required": [
        "schema_version",
        "run",
        "settings",
        "summary",
        "data_quality",
        "analyses",
        "tables",
        "figures",
        "skipped",
    ],
    "additionalProperties": False,
    "properties": {
        "schema_version": {"const": SCHEMA_VERSION},
        "run": {
            "type": "object",
            "required": ["journeymine_version", "config_sha256", "inputs"],
            "properties": {
                "journeymine_version": {"type": "string"},
                "config_file": {"type": ["string", "null"]},
                "config_sha256": {"type": ["string", "null"]},
                "inputs": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["role", "name", "path", "sha256", "bytes"],
                        "properties": {
                            "role": {"enum": ["source", "identity", "assumed"]},
                            "name": {"type": "string"},
                            "path": {"type": "string"},
                            # null for a database source: no file to fingerprint
                            "sha256": {"type": ["string", "null"]},
                            "bytes": {"type": ["integer", "null"]},
                        },
                    },
                },
            },
        },
        "settings": {"type": "object"},
        "summary": {"type": "object", "required": ["events", "journeys", "customers"]},
        "analyses": {
            "type": "object",
            "required": ["ran", "notes"],
            "properties": {
                "ran": {"type": "array", "items": {"type": "string"}},
                "notes": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "data_quality": {
            "type": "object",
            "required": ["rejected_rows", "warnings"],
            "properties": {
                "rejected_rows": {"type": "integer"},
                "warnings": {"type": "array", "items": {"type": "string"}},
            },
        },
        "tables": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["title", "analysis", "rows", "columns", "records", "files"],
                "properties": {
                    "title": {"type": "string"},
                    "analysis": {"type": ["string", "null"]},
                    "rows": {"type": "integer"},
                    "columns": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["name", "type"],
                            "properties": {
                                "name": {"type": "string"},
                                "type": {
                                    "enum": [
                                        "string",
                                        "integer",
                                        "number",
                                        "boolean",
                                        "datetime",
                                        "duration",
                                    ]
                                },
                            },
                        },
                    },
                    "records": {"type": "array", "items": {"type": "object"}},
                    "files": {"type": "object"},
                },
            },
        },
        "figures": {"type": "object"},
        "skipped": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


# --------------------------------------------------------------------------- JSON


def _column_type(s: pd.Series) -> str:
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            return "string"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    return "string"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: NaN/NaT -> None, times -> ISO 8601, durations -> seconds."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray | pd.Index):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [jsonable(v) for v in items]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timedelta | np.timedelta64 | _dt.timedelta):
        td = pd.Timedelta(value)
        return None if td is pd.NaT else td.total_seconds()
    if isinstance(value, pd.Timestamp | np.datetime64 | _dt.datetime | _dt.date):
        ts = pd.Timestamp(value)
        return None if ts is pd.NaT else ts.isoformat()
    if isinstance(value, pd.DataFrame):
        return table_payload(value)["records"]
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def table_payload(frame: pd.DataFrame) -> dict[str, Any]:
    """A findings table as ``{"rows", "columns": [{"name", "type"}], "records"}``.

    Columns are converted once each (not cell by cell in Python where avoidable):
    durations to seconds, times to ISO 8601 text, missing values to ``None``.
    """
    cols: dict[str, list[Any]] = {}
    columns = []
    for col in frame.columns:
        s = frame[col]
        kind = _column_type(s)
        columns.append({"name": str(col), "type": kind})
        if kind == "duration":
            vals = s.dt.total_seconds().to_numpy(dtype=float)
            out: list[Any] = [None if math.isnan(v) else v for v in vals.tolist()]
        elif kind == "datetime":
            out = [None if v is pd.NaT else v.isoformat() for v in s.tolist()]
        elif kind == "number":
            out = [None if not math.isfinite(v) else v for v in s.to_numpy(dtype=float).tolist()]
        elif kind in ("integer", "boolean") and not s.isna().any():
            out = s.to_numpy().tolist()
        else:
            out = [jsonable(v) for v in s.astype(object).tolist()]
        cols[str(col)] = out
    names = list(cols)
    records = (
        [dict(zip(names, row, strict=True)) for row in zip(*cols.values(), strict=True)]
        if names
        else []
    )
    return {"rows": int(len(frame)), "columns": columns, "records": records}


def to_json(obj: Any) -> str:
    """Deterministic JSON text: insertion order, two-space indent, UTF-8, final newline."""
    return json.dumps(jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- files


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_table(frame: pd.DataFrame, folder: Path, name: str) -> dict[str, str]:
    """Write ``tables/<name>.parquet`` (true values) and ``tables/<name>.csv`` (neutralised).

    Parquet is written by pyarrow with no schema metadata (no pandas version block),
    so the bytes depend on the data alone; CSV uses ``\\n`` line ends and UTF-8.
    Returns the two paths relative to ``folder``.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = folder / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    flat = frame.reset_index(drop=True)
    flat.columns = [str(c) for c in flat.columns]
    arrow = pa.Table.from_pandas(_parquet_ready(flat), preserve_index=False)
    arrow = arrow.replace_schema_metadata(None)
    pq.write_table(
        arrow,
        tables / f"{name}.parquet",
        compression="zstd",
        write_statistics=False,
    )
    neutralise_frame(flat).to_csv(
        tables / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8"
    )
    return {"parquet": f"tables/{name}.parquet", "csv": f"tables/{name}.csv"}


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding mixed types become text (Parquet needs one type per column)."""
    out = frame.copy(deep=False)
    for i, col in enumerate(frame.columns):
        s = frame[col]
        if s.dtype == object:
            kinds = {type(v) for v in s.dropna().tolist()}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool, int, float}):
                out.isetitem(
                    i, s.map(lambda v: v if v is None or v is pd.NA else str(v)).astype(object)
                )
    return out


# --------------------------------------------------------------------------- atomic folder

#: The file journeymine writes into every output folder: it lists every file of the
#: output, which proves the folder holds nothing else (and so is safe to replace).
OUTPUT_MARKER = ".journeymine-output.json"
#: What the top of a journeymine output folder may hold.
_KNOWN_ENTRIES = frozenset({"results.json", "report.html", "tables", "figures", OUTPUT_MARKER})
_KNOWN_FOLDERS = frozenset({"tables", "figures"})
_TMP_TAG = ".journeymine-tmp-"
_OLD_TAG = ".journeymine-old-"
#: Why a folder is refused (the end of the error messages of AtomicFolder and the cli).
NOT_AN_OUTPUT = (
    "does not hold a previous journeymine output (it holds files journeymine did not "
    "write). A run replaces its output folder as a whole, so it refuses to use this one: "
    "name a new or empty folder."
)


def is_output_folder(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is absent, empty, or provably a previous journeymine output.

    Provably: the folder holds only entries journeymine writes (``results.json``,
    ``report.html``, ``tables/``, ``figures/`` and its marker file), no links, and
    every file in it is listed by the marker file journeymine wrote there, or (for
    outputs written before the marker existed) by its ``results.json``. A folder
    holding anything else, such as the user's own files beside a stray
    ``results.json``, is not an output. A link is judged by the folder it points to;
    a dangling link is not an output.
    """
    path = Path(path)
    if not path.exists():
        return not path.is_symlink()
    if not path.is_dir():
        return False
    try:
        entries = list(os.scandir(path))
        if not entries:
            return True
        if any(e.name not in _KNOWN_ENTRIES or e.is_symlink() for e in entries):
            return False
        listed = _listed_files(path)
        if listed is None:
            return False
        for root, dirs, files in os.walk(path):
            rel = Path(root).relative_to(path)
            if rel.parts and (len(rel.parts) > 1 or rel.parts[0] not in _KNOWN_FOLDERS):
                return False  # folders only at the top: tables/ and figures/
            for name in files + dirs:
                full = Path(root) / name
                if full.is_symlink():
                    return False
                if name in files and (rel / name).as_posix() not in listed:
                    return False
    except OSError:
        return False
    return True


def _listed_files(folder: Path) -> set[str] | None:
    """The files a journeymine output folder may hold, by its marker or its results.json."""
    marker = folder / OUTPUT_MARKER
    try:
        if marker.is_file():
            doc = json.loads(marker.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or doc.get("written_by") != "journeymine":
                return None
            files = doc.get("files")
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                return None
            return {*files, OUTPUT_MARKER}
        results = folder / "results.json"
        if not results.is_file():
            return None
        doc = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or "schema_version" not in doc:
        return None
    listed = {"results.json", "report.html"}
    for section in ("tables", "figures"):
        for entry in (
            (doc.get(section) or {}).values() if isinstance(doc.get(section), dict) else []
        ):
            files = entry.get("files", entry) if isinstance(entry, dict) else {}
            if isinstance(files, dict):
                listed.update(str(f) for f in files.values() if isinstance(f, str))
    return listed


def _write_marker(folder: Path) -> None:
    """Write the marker file listing every file of ``folder`` (see :func:`is_output_folder`)."""
    from .._version import __version__

    files = sorted(
        (Path(root) / f).relative_to(folder).as_posix()
        for root, _dirs, names in os.walk(folder)
        for f in names
    )
    doc = {"written_by": "journeymine", "journeymine_version": __version__, "files": files}
    (folder / OUTPUT_MARKER).write_text(
        json.dumps(doc, indent=2) + "\n", encoding="utf-8", newline="\n"
    )


def _remove(path: Path) -> None:
    """Delete a folder, or a file or link (a link itself, never what it points to)."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


class AtomicFolder:
    """Build an output folder beside its target, then swap it into place.

    ``with AtomicFolder(target) as tmp:`` yields a fresh hidden sibling folder
    (``.<name>.journeymine-tmp-<pid>-<random>``). On a clean exit the previous
    target (if any) and the new folder are swapped in one ``renameat2`` exchange
    where the system has it (Linux), else by two renames; the old set is then
    removed. On an exception the temporary folder is deleted and the target is
    untouched. A process that is killed leaves at most a hidden temporary folder,
    which the next run removes.

    Raises
    ------
    ConfigError
        ``target`` exists and is not a journeymine output (it would be replaced).
    """

    def __init__(self, target: str | os.PathLike[str]) -> None:
        self.target = Path(target).absolute()
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        if not is_output_folder(self.target):
            raise ConfigError(f"The output folder {str(self.target)!r} exists and {NOT_AN_OUTPUT}")
        if self.target.is_symlink():
            # write into the folder the link points to, and keep the link: swapping the
            # link itself would leave a dangling hidden link behind
            self.target = Path(os.path.realpath(self.target))
        target = self.target
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(target)
        self.tmp = Path(
            tempfile.mkdtemp(prefix=f".{target.name}{_TMP_TAG}{os.getpid()}-", dir=target.parent)
        )
        return self.tmp

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        assert self.tmp is not None
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return
        _write_marker(self.tmp)
        _fsync_tree(self.tmp)
        self.tmp.chmod(0o755)
        _swap_into_place(self.tmp, self.target)


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for f in files:
            fd = os.open(os.path.join(root, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _remove_stale(target: Path) -> None:
    """Delete temporary and old folders left by killed runs (their process is gone)."""
    for prefix in (f".{target.name}{_TMP_TAG}", f".{target.name}{_OLD_TAG}"):
        for p in target.parent.glob(prefix + "*"):
            pid_text = p.name[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and _alive(int(pid_text)) and int(pid_text) != os.getpid():
                continue
            if prefix.endswith(_OLD_TAG) and not target.exists():
                # killed between the two renames: the old set is the last complete output
                os.replace(p, target)
                continue
            _remove(p)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _swap_into_place(new: Path, target: Path) -> None:
    if not target.exists():
        os.replace(new, target)
        return
    if _exchange(new, target):
        _remove(new)  # ``new`` now holds the previous output
        return
    old = target.parent / f".{target.name}{_OLD_TAG}{os.getpid()}-{new.name.rsplit('-', 1)[-1]}"
    os.replace(target, old)
    os.replace(new, target)
    _remove(old)


# --------------------------------------------------------------------------- the run


def build_results(
    found: Any,
    run: Mapping[str, Any],
    files: Mapping[str, dict[str, str]],
    figures: Mapping[str, dict[str, str]],
) -> dict[str, Any]:
    """The ``results.json`` document of a run (see :data:`RESULTS_SCHEMA`)."""
    tables = {}
    for name, frame in found.tables.items():
        payload = table_payload(frame)
        tables[name] = {
            "title": found.table_titles.get(name, name.replace("_", " ")),
            "analysis": found.table_owner.get(name),
            **payload,
            "files": dict(files.get(name, {})),
        }
    return {
        "schema_version": SCHEMA_VERSION,
        "run": dict(run),
        "settings": jsonable(found.settings),
        "summary": jsonable(found.summary),
        "data_quality": {
            "rejected_rows": int(found.summary.get("rejected_rows", 0)),
            "warnings": list(found.warnings),
        },
        "analyses": {"ran": list(found.ran), "notes": dict(found.notes)},
        "tables": tables,
        "figures": {k: dict(v) for k, v in figures.items()},
        "skipped": dict(found.skipped),
    }


def write_outputs(
    found: Any, folder: Path, run: Mapping[str, Any], *, progress: Any = None
) -> dict[str, Any]:
    """Write tables, pictures, ``results.json`` and ``report.html`` into ``folder``."""
    from .._progress import NullProgress
    from .html import render_html

    progress = progress or NullProgress()
    files: dict[str, dict[str, str]] = {}
    with progress.step("writing tables") as step:
        for name, frame in found.tables.items():
            files[name] = write_table(frame, folder, name)
        step.done(f"{len(files)} tables")
    figures: dict[str, dict[str, str]] = {}
    if found.figures:
        (folder / "figures").mkdir(parents=True, exist_ok=True)
        for name, pics in found.figures.items():
            figures[name] = {}
            for fmt, data in pics.items():
                (folder / "figures" / f"{name}.{fmt}").write_bytes(data)
                figures[name][fmt] = f"figures/{name}.{fmt}"
    results = build_results(found, run, files, figures)
    with progress.step("writing report") as step:
        (folder / "report.html").write_text(
            render_html(found, run=run), encoding="utf-8", newline="\n"
        )
        (folder / "results.json").write_text(to_json(results), encoding="utf-8", newline="\n")
        step.done("report.html, results.json")
    return results
