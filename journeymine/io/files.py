"""Read CSV, Parquet and JSON-lines files into a journey log.

Each reader reads only the columns the mapping names (plus ``keep``), then hands
the frame to :func:`~journeymine.from_pandas`, which does all the mapping and
validation. The mapping keywords are those of :func:`~journeymine.from_pandas`.
"""

from __future__ import annotations

import csv
import io
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import Constraint, InstanceOf, check_column, validate_params
from ..errors import DataError, InvalidParameterError, JourneymineError
from ..log import JourneyLog
from .pandas import _from_pandas, from_pandas

__all__ = ["read_csv", "read_parquet", "read_json"]

_ID_FIELDS = ("case", "customer")
_COLUMN_FIELDS = (
    "case",
    "customer",
    "activity",
    "timestamp",
    "channel",
    "department",
    "resource",
    "direction",
)


class _Separator(Constraint):
    def ok(self, value: Any) -> bool:
        return isinstance(value, str) and bool(value)

    def __str__(self) -> str:
        return "a non-empty string such as ',' or ';'"


_READ_OPTIONS = [InstanceOf(dict, "a dict of keyword arguments"), None]


@validate_params({"sep": [_Separator()], "read_options": _READ_OPTIONS})
def read_csv(
    path: str | os.PathLike[str],
    *,
    sep: str = ",",
    encoding: str | None = None,
    read_options: dict[str, Any] | None = None,
    **mapping: Any,
) -> JourneyLog:
    """Read a CSV file of events into a :class:`~journeymine.JourneyLog`.

    Parameters
    ----------
    path : str or path-like
        The file; ``.gz``, ``.zip``, ``.bz2`` and ``.xz`` are decompressed.
    sep : str, default ","
        The field separator (``";"`` for many European exports).
    encoding : str, optional
        The text encoding, e.g. ``"latin-1"``; UTF-8 when omitted. A file that is not
        valid in it raises a :class:`~journeymine.DataError` naming this parameter.
    read_options : dict, optional
        Further keyword arguments for :func:`pandas.read_csv`.
    **mapping
        The mapping keywords of :func:`~journeymine.from_pandas` (``case``,
        ``customer``, ``activity``, ``timestamp``, ``channel``, ..., ``labels``,
        ``keep``, ``tz``, ``drop_duplicates``). Identifier columns are read as text, so
        ``007`` stays ``007``. Exact duplicate rows are kept unless ``drop_duplicates=True``.
        A timestamp column of numbers needs ``epoch_unit=`` (``"s"``, ``"ms"``, ...).

    Notes
    -----
    Only an empty cell is missing: text such as ``NA``, ``null``, ``None``, ``N/A`` or
    ``nan`` is kept as it is (pandas' ``keep_default_na`` is off), so a touchpoint or a
    journey with such a name is not lost. Pass ``read_options={"na_values": [...]}`` to
    treat other spellings as missing. A file that cannot be read (empty, not CSV with
    this ``sep``, a truncated ``.gz``, another encoding) raises a
    :class:`~journeymine.DataError` naming the file and what to change.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.datasets import sample_path
    >>> calls = jm.read_csv(sample_path("calls.csv"), customer="phone_number",
    ...                     activity="call_reason", timestamp="call_start",
    ...                     resource="agent", labels={"channel": "phone", "department": "support"})
    >>> calls.events["channel"].unique().tolist()
    ['phone']
    """
    func = "read_csv"
    opts = {
        "sep": sep,
        "encoding": encoding,
        # only an empty cell is missing: a touchpoint or case named "NA" or "null" is text
        "keep_default_na": False,
        "na_values": [""],
        **_options(read_options, func),
    }
    if opts["encoding"] is None:
        # pandas decodes only the columns it reads: check the whole file is UTF-8, so that
        # a file in another encoding is never half-read
        _guarded(lambda: _check_utf8(path), path, func, opts)
    header = _guarded(lambda: pd.read_csv(path, **{**opts, "nrows": 0}).columns, path, func, opts)
    usecols, dtype = _columns(mapping, header, func)
    opts.setdefault("dtype", dtype)
    if usecols is not None:
        opts.setdefault("usecols", [c for c in header if c in usecols])
    df = _guarded(lambda: pd.read_csv(path, **opts), path, func, opts)
    mapping.setdefault("name", _stem(path))
    return from_pandas(df, **mapping)


@validate_params({"read_options": _READ_OPTIONS})
def read_parquet(
    path: str | os.PathLike[str], *, read_options: dict[str, Any] | None = None, **mapping: Any
) -> JourneyLog:
    """Read a Parquet file (or a folder of them) of events into a :class:`~journeymine.JourneyLog`.

    A folder is read as one dataset (hive-style ``key=value`` folders add their keys as
    columns); for data larger than memory use :func:`~journeymine.scan_parquet`.

    Only the mapped (and kept) columns are read. The mapping keywords are those of
    :func:`~journeymine.from_pandas`; exact duplicate rows are kept unless
    ``drop_duplicates=True``.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.datasets import sample_path
    >>> log = jm.read_parquet(sample_path("sample.parquet"), case="case_id", customer="customer_id",
    ...                       activity="activity", timestamp="timestamp", channel="channel")
    >>> log.n_cases == jm.datasets.load_sample().n_cases
    True
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    func = "read_parquet"
    if isinstance(path, str | os.PathLike) and os.path.isdir(path):  # a dataset folder
        import pyarrow.dataset as ds

        schema = _guarded(
            lambda: ds.dataset(path, format="parquet", partitioning="hive").schema, path, func, {}
        )
    else:
        schema = _guarded(lambda: pq.read_schema(path), path, func, {})
    header = schema.names
    usecols, _ = _columns(mapping, header, func)
    opts = _options(read_options, func)
    if usecols is not None:
        opts.setdefault("columns", [c for c in header if c in usecols])
    mapping.setdefault("name", _stem(path))
    if not read_options and isinstance(path, str | os.PathLike):
        fast = _read_encoded(path, schema, opts.get("columns", header), mapping, func)
        if fast is not None:
            df, encoded, source_rows = fast
            del fast
            log = _from_pandas(
                df,
                _text_columns=frozenset(encoded),
                _encoded=encoded,
                _source_rows=source_rows,
                **mapping,
            )
            del df, encoded
            # pyarrow's allocator keeps what the read freed for its next allocation
            # (0.44 GiB after 10M events): give it back, the log is all numpy now
            pa.default_memory_pool().release_unused()
            return log
    return from_pandas(_guarded(lambda: pd.read_parquet(path, **opts), path, func, opts), **mapping)


@validate_params({"read_options": _READ_OPTIONS})
def read_json(
    path: str | os.PathLike[str], *, read_options: dict[str, Any] | None = None, **mapping: Any
) -> JourneyLog:
    """Read a JSON-lines file (one event object per line) into a :class:`~journeymine.JourneyLog`.

    The mapping keywords are those of :func:`~journeymine.from_pandas`; exact duplicate
    rows are kept unless ``drop_duplicates=True``.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.datasets import sample_path
    >>> app = jm.read_json(sample_path("app_events.jsonl"), customer="device_id",
    ...                    activity="event", timestamp="ts", labels={"channel": "app"})
    >>> app.events["channel"].unique().tolist()
    ['app']
    """
    func = "read_json"
    # dtype=False: no types (nor dates) guessed; epoch numbers need epoch_unit=
    opts = {"lines": True, "dtype": False, **_options(read_options, func)}
    df = _guarded(lambda: pd.read_json(path, **opts), path, func, opts)
    mapping.setdefault("name", _stem(path))
    return from_pandas(df, **mapping)


def _options(read_options: Any, func: str) -> dict[str, Any]:
    # (a dict or None, as the readers declare)
    return {} if read_options is None else dict(read_options)


def _guarded(read: Callable[[], Any], path: Any, func: str, opts: dict[str, Any]) -> Any:
    """``read()``, its pandas, pyarrow and builtin errors turned into journeymine's.

    The message names the file, what went wrong and the parameter that fixes it.
    A lack of memory is not the file's fault and is raised as it is.
    """
    where = f"{func} could not read {str(path)!r}"
    try:
        return read()
    except (MemoryError, JourneymineError):
        raise
    except UnicodeError as exc:
        enc = opts.get("encoding")
        bom = _bom(path)
        hint = (
            f"the file starts with a {bom} byte-order mark: pass encoding={bom.lower()!r}"
            if bom
            else "pass the file's encoding, e.g. encoding='latin-1' (Western European "
            "exports), 'cp1252' (Windows) or 'utf-16'"
        )
        raise DataError(
            f"{where} as {enc or 'UTF-8'} text ({_reason(exc)}). The 'encoding' parameter "
            f"of {func} must name the file's encoding: {hint}."
        ) from exc
    except LookupError as exc:  # an unknown encoding name
        raise InvalidParameterError(
            f"The 'encoding' parameter of {func} must name a text encoding such as 'utf-8' or "
            f"'latin-1'. Got {opts.get('encoding')!r} instead."
        ) from exc
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        raise InvalidParameterError(
            f"The 'path' parameter of {func} must be a readable file. Got {str(path)!r} "
            f"instead ({exc.strerror or type(exc).__name__})."
        ) from exc
    except TypeError as exc:  # bad read_options for the pandas or pyarrow reader
        raise InvalidParameterError(
            f"{where}: the 'read_options' parameter of {func} was not accepted ({_reason(exc)})."
        ) from exc
    except (EOFError, zlib.error, OSError, ValueError, IndexError, KeyError, csv.Error) as exc:
        # pandas' EmptyDataError/ParserError, pyarrow's ArrowInvalid and a truncated or
        # corrupt .gz/.zip/.bz2/.xz all derive from these
        raise DataError(f"{where}: {_what(exc, func)}") from exc


def _what(exc: BaseException, func: str) -> str:
    if isinstance(exc, pd.errors.EmptyDataError):
        return "the file is empty (no header line). Check the path."
    if isinstance(exc, EOFError | zlib.error) or "compress" in str(exc).lower():
        return f"the compressed file is truncated or corrupt ({_reason(exc)}). Check the file."
    if func == "read_csv":
        return (
            f"it is not CSV as read with these options ({_reason(exc)}). Check the 'sep' "
            "parameter (';' for many European exports), the quoting, and 'read_options'."
        )
    if func == "read_json":
        return (
            f"it is not JSON lines, one object per line ({_reason(exc)}). For a single JSON "
            "document pass read_options={'lines': False}."
        )
    return f"it is not a valid Parquet file ({_reason(exc)}). Check the path and the file."


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _check_utf8(path: Any) -> None:
    """Raise UnicodeDecodeError unless the (decompressed) file is UTF-8; one streaming pass."""
    import bz2
    import codecs
    import gzip
    import lzma

    if not isinstance(path, str | os.PathLike):
        return  # a buffer: pandas reads it as it is
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(
        Path(path).suffix.lower(), open
    )
    if Path(path).suffix.lower() == ".zip":
        return  # pandas reads the one member of the archive; it decodes what it reads
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    with opener(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                where = max(exc.start, 0)
                line = lines + chunk.count(b"\n", 0, where)
                raise UnicodeDecodeError(
                    "utf-8",
                    chunk,
                    exc.start,
                    exc.end,
                    f"{exc.reason}, on line {line}, byte {offset + where}",
                ) from None
            offset += len(chunk)
            lines += chunk.count(b"\n")
    decoder.decode(b"", final=True)


def _bom(path: Any) -> str | None:
    """'UTF-16' or 'UTF-32' when an uncompressed file starts with that byte-order mark."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except (OSError, TypeError, ValueError):
        return None
    if head[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "UTF-32"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    return None


def _columns(
    mapping: dict[str, Any], header: Any, func: str
) -> tuple[set[str] | None, dict[str, str]]:
    """The source columns a mapping needs (None: all), and text dtypes for identifiers.

    Every named column is checked against the file's header here, so the error lists
    all the columns of the file, not only those that were read.
    """
    cols = {v for k, v in mapping.items() if k in _COLUMN_FIELDS and isinstance(v, str)}
    for k, v in mapping.items():
        if k in _COLUMN_FIELDS and isinstance(v, str):
            check_column(header, v, k, func)
    keep = mapping.get("keep")
    if keep is True:
        usecols = None
    elif isinstance(keep, dict):
        usecols = cols | {str(k) for k in keep}
    elif isinstance(keep, list | tuple):
        usecols = cols | {str(k) for k in keep}
    else:
        usecols = cols
    dtype = {mapping[k]: "string" for k in _ID_FIELDS if isinstance(mapping.get(k), str)}
    return usecols, dtype


def _read_encoded(
    path: str | os.PathLike[str],
    schema: Any,
    columns: list[str],
    mapping: dict[str, Any],
    func: str,
) -> tuple[pd.DataFrame, dict[str, tuple[Any, Any]], Callable[[Any], pd.DataFrame]] | None:
    """A Parquet file or folder as :func:`_from_pandas` takes it, its text fields encoded.

    Returns the frame of the ``columns``, the codes and labels of its text label
    columns, and the source rows at given positions as ``log.rejected`` shows them;
    None when no column is read so (or pyarrow cannot: the caller reads the file as
    pandas does, and reports any error).

    Parquet stores text columns as a dictionary per row group, and those are read
    as they are (``read_dictionary``), one chunk per row group: the labels are then
    found by sorting the dictionaries only, and each row costs a lookup of its
    dictionary index (:func:`~journeymine._encode.encode_arrow`). Decoding millions
    of strings for pandas, only to hash them back into codes, was most of the cost
    of a plain read. A folder is read file by file, in the order (and with the file
    selection) of ``pd.read_parquet``; the other columns (the timestamp, ``keep``)
    are read by pandas, as before, meanwhile.
    """
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from .._encode import as_categorical, encode_arrow, parallel_map

    text = _dictionary_columns(schema, mapping)
    if not text:
        return None
    try:
        if os.path.isfile(path):
            files, filesystem = [path], None
        else:
            dataset = pq.ParquetDataset(path)
            # hive keys are in the folder names, not in the files
            keys = {
                k for f in dataset.fragments for k in ds.get_partition_keys(f.partition_expression)
            }
            text = [c for c in text if c not in keys]
            files, filesystem = dataset.files, dataset.filesystem
    except (pa.ArrowException, OSError, ValueError, TypeError):
        return None
    if not text:
        return None
    rest = [c for c in columns if c not in text]  # the timestamp is always among them
    with ThreadPoolExecutor(1) as reader:
        # pyarrow reads the text while pandas reads the other columns
        reading = reader.submit(_read_dictionaries, files, filesystem, text)
        df = _guarded(lambda: pd.read_parquet(path, columns=rest), path, func, {})
        try:
            chunks = reading.result()
            done = parallel_map(encode_arrow, [chunks[c] for c in text])  # (on threads)
        except MemoryError:
            raise
        except (pa.ArrowException, OSError, ValueError, KeyError, TypeError, IndexError):
            return None
    encoded = {c: (codes, labels) for c, (codes, labels, _) in zip(text, done, strict=True)}
    # the text of rejected rows: their label when that is their text, else from the file's
    # dictionaries, which are kept only then (and pyarrow's unused memory is given back)
    raw = {c: chunks[c] for c, (_, _, exact) in zip(text, done, strict=True) if not exact}
    del chunks, done
    pa.default_memory_pool().release_unused()
    if any(len(codes) != len(df) for codes, _ in encoded.values()):
        return None  # (the folder changed between the reads)
    # the text columns as the log will hold them (only their names are read from df)
    df = pd.DataFrame(
        {c: as_categorical(*encoded[c]) if c in encoded else df[c] for c in columns},
        index=df.index,
        copy=False,
    )

    def source_rows(positions: Any) -> pd.DataFrame:
        # rejected rows show their text as pandas reads it, not as labels of the log
        rows = df.iloc[positions].copy() if len(positions) else df.iloc[:0].copy()
        dtypes = pd.read_parquet(_empty_parquet(schema), columns=list(encoded)).dtypes
        for c, (codes, labels) in encoded.items():
            if c in raw:
                values = _text_at(raw[c], positions)
            else:
                values = np.append(labels, np.nan)[codes[positions]]  # (code -1: missing)
            rows[c] = pd.Series(values, index=rows.index, dtype=object).astype(dtypes[c])
        return rows

    return df, encoded, source_rows


def _read_dictionaries(files: list[str], filesystem: Any, text: list[str]) -> dict[str, list[Any]]:
    """The ``text`` columns of Parquet ``files``, dictionary-encoded: one chunk per row group."""
    import pyarrow.parquet as pq

    chunks: dict[str, list[Any]] = {c: [] for c in text}
    for file in files:
        table = pq.ParquetFile(file, read_dictionary=text, filesystem=filesystem).read(columns=text)
        for c in text:
            chunks[c].extend(table.column(c).chunks)
    return chunks


def _text_at(chunks: list[Any], positions: Any) -> Any:
    """The text at ``positions`` of a column held as pyarrow ``chunks``, NaN where missing."""
    import pyarrow as pa

    out = np.empty(len(positions), dtype=object)
    ends = np.cumsum([len(c) for c in chunks], dtype=np.int64)
    which = np.searchsorted(ends, positions, side="right")
    for k in np.unique(which).tolist():
        picked = which == k
        chunk = chunks[k]
        local = pa.array(positions[picked] - (ends[k] - len(chunk)), type=pa.int64())
        values = chunk.take(local)
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        out[picked] = values.to_numpy(zero_copy_only=False)
    out[pd.isna(out)] = np.nan  # (None from pyarrow) as a missing value of pandas' text
    return out


def _dictionary_columns(schema: Any, mapping: dict[str, Any]) -> list[str]:
    """The text columns of a Parquet file that are mapped only to label fields.

    Those can be read as dictionaries (categoricals) without changing the log: the
    loader encodes them anyway. Columns also kept, or used as the timestamp, are read
    as they are.
    """
    import pyarrow as pa

    if len(set(schema.names)) != len(schema.names):
        return []
    fields = ("case", "customer", "activity", "channel", "department", "resource", "direction")
    wanted = {mapping[f] for f in fields if isinstance(mapping.get(f), str)}
    keep = mapping.get("keep")
    if keep is True:
        return []
    if isinstance(keep, dict | list | tuple):
        wanted -= {str(k) for k in keep}
    wanted.discard(mapping.get("timestamp"))
    out = []
    for name in schema.names:
        if name in wanted:
            t = schema.field(name).type
            if pa.types.is_string(t) or pa.types.is_large_string(t):
                out.append(name)
    return out


def _empty_parquet(schema: Any) -> io.BytesIO:
    """An in-memory Parquet file with no rows and the given schema (and its pandas metadata)."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(schema.empty_table(), buffer)
    buffer.seek(0)
    return buffer


def _stem(path: str | os.PathLike[str]) -> str | None:
    if not isinstance(path, str | os.PathLike):
        return None  # a buffer or an open file has no name to show
    name = Path(path).name
    for suffix in (".gz", ".bz2", ".xz", ".zip", ".csv", ".parquet", ".jsonl", ".json", ".xes"):
        name = name.removesuffix(suffix)
    return name
