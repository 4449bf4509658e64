"""The streaming, bounded XES parser behind :func:`journeymine.io.xes.read_xes` (private).

It walks the file once with :func:`lxml.etree.iterparse`, keeps columns sparsely
(rows and values per key), never processes a DTD, and refuses files beyond the
documented limits (the ``MAX_*`` constants below) with a
:class:`~journeymine.errors.DataError` within seconds. See ``read_xes``, Notes.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections.abc import Iterable
from typing import IO, Any

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import DataError

__all__ = [
    "parse_parts",
    "MAX_VALUE_CHARS",
    "MAX_KEYS",
    "MAX_ELEMENT_BYTES",
    "MAX_ELEMENT_NODES",
    "MAX_TAG_BYTES",
    "MAX_PROLOG_BYTES",
    "CASE_KEY",
    "ACTIVITY_KEY",
    "TIMESTAMP_KEY",
    "RESOURCE_KEY",
    "GROUP_KEY",
    "LIFECYCLE_KEY",
]

#: The XES attribute element types that carry a value we read.
_VALUE_KINDS = frozenset({"string", "date", "int", "float", "boolean", "id"})

_CASE_PREFIX = "case:"
CASE_KEY = "case:concept:name"
ACTIVITY_KEY = "concept:name"
TIMESTAMP_KEY = "time:timestamp"
RESOURCE_KEY = "org:resource"
GROUP_KEY = "org:group"
LIFECYCLE_KEY = "lifecycle:transition"
#: Columns shown first (when present), in this order; the rest follow in file order.
_LEADING = (CASE_KEY, ACTIVITY_KEY, TIMESTAMP_KEY, RESOURCE_KEY, GROUP_KEY, LIFECYCLE_KEY)

_CACHE_LIMIT = 100_000
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16

# The documented limits of the reader (see read_xes, Notes). Beyond them a file is
# refused with a DataError within seconds, before it can take much time or memory.
#: Longest attribute value (characters) the reader accepts.
MAX_VALUE_CHARS = 1_000_000
#: Most distinct attribute keys, for events and for traces (each).
MAX_KEYS = 1_000
#: Most bytes (after decompression) from one event to the next: one event, or the
#: trace attributes (and anything else, such as the log's header) between two events.
MAX_ELEMENT_BYTES = 64 << 20
#: Most XML elements (counted as "<" bytes) from one event to the next.
MAX_ELEMENT_NODES = 1_000_000
#: Longest stretch of the (decompressed) file without a "<": it bounds every single
#: tag, attribute value and text, before libxml2 has buffered it.
MAX_TAG_BYTES = 8 << 20
#: Most bytes (after decompression) before the root element's start tag ends.
MAX_PROLOG_BYTES = 1 << 20
#: A table of events x columns larger than this many cells must be at least
#: 1/_MAX_SPARSITY filled with values (missing cells cost memory too).
_DENSE_CELLS = 10_000_000
_MAX_SPARSITY = 32

_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}


def parse_parts(path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events inside traces (as :func:`_parse_xes`) and the events outside any trace.

    The second table has one row per ``<event>`` that is not inside a ``<trace>``,
    in file order, with its own attributes as columns: :func:`read_xes` reports
    them as rejected rows (reason ``"event_outside_trace"``).
    """
    with _open_binary(path) as raw:
        stream = _Guarded(raw, path)
        try:
            _refuse_entities(stream, path)
            raw.seek(0)
            stream.reset()
            return _read_events(stream, path)
        except etree.XMLSyntaxError as err:
            raise _syntax_error(err, path) from None
        except (EOFError, OSError, UnicodeError, zlib.error) as err:
            # a truncated or corrupt gzip stream, or undecodable bytes
            what = (
                "truncated or corrupt" if isinstance(err, EOFError | zlib.error) else "unreadable"
            )
            raise DataError(
                f"XES file {path!r} could not be read: it is {what} ({type(err).__name__}: "
                f"{err}). Check that the file was copied or downloaded completely."
            ) from err


class _Guarded:
    """A binary stream that refuses what libxml2 would buffer without bound.

    It watches the bytes it hands to the parser, at C speed per chunk: the
    longest stretch without a ``<`` (so a huge attribute value or text hidden in
    a small ``.xes.gz`` is refused after :data:`MAX_TAG_BYTES`, not after
    gigabytes), and the bytes and elements since the last :meth:`reset`, which
    the parser calls at every event and trace (:data:`MAX_ELEMENT_BYTES`,
    :data:`MAX_ELEMENT_NODES`).
    """

    __slots__ = ("nodes", "path", "raw", "run", "since")

    def __init__(self, raw: IO[bytes], path: str) -> None:
        self.raw = raw
        self.path = path
        self.since = 0  # bytes since the last reset
        self.nodes = 0  # "<" since the last reset
        self.run = 0  # bytes since the last "<"

    def reset(self) -> None:
        self.since = 0
        self.nodes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size is not None and size > 0 else _CHUNK)
        n = len(chunk)
        self.since += n
        first = chunk.find(b"<")
        if first < 0:
            self.run += n
        else:
            self.run += first
            if self.run <= MAX_TAG_BYTES:
                self.run = n - chunk.rfind(b"<") - 1
                self.nodes += chunk.count(b"<")
        if self.run > MAX_TAG_BYTES:
            self._refuse(f"a tag, attribute value or text of more than {MAX_TAG_BYTES >> 20} MiB")
        if self.since > MAX_ELEMENT_BYTES:
            self._refuse(
                f"more than {MAX_ELEMENT_BYTES >> 20} MiB of XML in one event (or between two events)"
            )
        if self.nodes > MAX_ELEMENT_NODES:
            self._refuse(
                f"more than {MAX_ELEMENT_NODES:,} XML elements in one event (or between two events)"
            )
        return chunk

    def _refuse(self, what: str) -> None:
        raise DataError(
            f"XES file {self.path!r} has {what}: journeymine refuses it, to bound memory and "
            f"time. An attribute value may have up to {MAX_VALUE_CHARS:,} characters."
        )


def _open_binary(path: str) -> IO[bytes]:
    """Open ``path`` for reading bytes, decompressing it if it starts with the gzip magic."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rb")
    return open(path, "rb")


def _syntax_error(err: etree.XMLSyntaxError, path: str, log: Any = None) -> DataError:
    """A DataError naming the file, the line (and column) and libxml2's reason.

    ``log`` is the error log of the parser that failed: libxml2's push parser
    sometimes raises a generic "no element found" at line 0, while its log
    keeps the real error (e.g. "Entity 'x' not defined") with its position.
    """
    line, column = err.position if err.position else (err.lineno, None)
    msg = err.msg or str(err)
    errors = [e for e in (log or []) if e.level >= etree.ErrorLevels.ERROR]
    if errors and (not line or "no element found" in msg):
        line, column, msg = errors[0].line, errors[0].column, errors[0].message
    where = f"line {line}" + (f", column {column}" if column else "")
    return DataError(f"XES file {path!r} is not well-formed XML ({where}): {msg}")


#: "<!ENTITY" as it appears in the bytes of a UTF-8/ASCII/Latin-1 or UTF-16 document.
_ENTITY_MARKS = (b"<!ENTITY", "<!ENTITY".encode("utf-16-le"), "<!ENTITY".encode("utf-16-be"))


def _entity_error(path: str, names: list[str]) -> DataError:
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return DataError(
        f"XES file {path!r} declares XML entities (<!ENTITY {shown}>); journeymine refuses "
        "them to guard against entity-expansion and external-entity attacks."
    )


def _refuse_entities(stream: Any, path: str) -> None:
    """Raise DataError if the document has a DTD: entities, other declarations or an external DTD.

    An internal DTD subset is refused whatever it declares: libxml2 applies the
    default values of ``<!ATTLIST ...>`` declarations even without loading a DTD,
    which would inject values into events. A bare ``<!DOCTYPE log>`` (no
    declarations) is harmless and accepted. The prolog may not exceed
    :data:`MAX_PROLOG_BYTES`.

    Only the prolog is inspected: the pull parser stops at the root element's
    start tag, after which no DTD can follow. If libxml2 already fails on the
    first chunk (e.g. its entity-amplification guard trips on a "billion
    laughs" document) and that chunk declares entities, the entity refusal is
    reported rather than the parser's error.
    """
    parser = etree.XMLPullParser(events=("start",), **_PARSER_OPTIONS)
    root = None
    seen = b""
    try:
        while root is None:
            if len(seen) > MAX_PROLOG_BYTES:
                raise DataError(
                    f"XES file {path!r} has more than {MAX_PROLOG_BYTES >> 20} MiB before the end "
                    "of its root element's start tag (a DTD, comments or a huge attribute of "
                    "<log>): journeymine refuses it, to bound memory."
                )
            chunk = stream.read(_CHUNK)
            if not chunk:
                parser.close()  # raises XMLSyntaxError on an empty or truncated prolog
                break
            seen += chunk
            parser.feed(chunk)
            for _event, elem in parser.read_events():
                root = elem
                break
    except etree.XMLSyntaxError as err:
        if any(mark in seen for mark in _ENTITY_MARKS):
            names = re.findall(rb"<!ENTITY\s+(?:%\s+)?([^\s\"'>]+)", seen)
            raise _entity_error(
                path, [n.decode("utf-8", "replace") for n in names] or ["..."]
            ) from None
        raise _syntax_error(err, path, parser.error_log) from None
    if root is None:
        return
    docinfo = root.getroottree().docinfo
    dtd = docinfo.internalDTD
    entities = [e.name for e in dtd.iterentities()] if dtd is not None else []
    if entities:
        raise _entity_error(path, entities)
    if docinfo.system_url or docinfo.public_id:
        raise DataError(
            f"XES file {path!r} refers to an external DTD ({docinfo.doctype}); journeymine "
            "never loads DTDs and refuses such files to guard against external-entity attacks."
        )
    if _has_dtd_subset(seen, docinfo.encoding):
        raise DataError(
            f"XES file {path!r} has an internal DTD (<!DOCTYPE ... [ ... ]>); journeymine never "
            "processes DTDs (their default attribute values would be injected into events). "
            "Remove the DOCTYPE declaration."
        )


_BARE_DOCTYPE = re.compile(r"<!DOCTYPE\s+[^\s\[>]+\s*(?:\[\s*\]\s*)?>")
_FIRST_TAG = re.compile(r"<(?![!?])")


def _has_dtd_subset(prolog: bytes, encoding: str | None) -> bool:
    """Whether the prolog holds a DOCTYPE with declarations (anything but ``<!DOCTYPE name>``)."""
    try:
        text = prolog.decode(encoding or "utf-8", "replace")
    except LookupError:  # an encoding Python does not know: refuse any DOCTYPE in it
        return b"DOCTYPE" in prolog or "DOCTYPE".encode("utf-16-le") in prolog
    first = _FIRST_TAG.search(text)
    head = text[: first.start()] if first else text
    start = head.find("<!DOCTYPE")
    if start < 0:
        return False
    return _BARE_DOCTYPE.match(head, start) is None


class _Columns:
    """Values of one table (events or traces), gathered column by column.

    Each column is stored sparsely, as the rows that have a value and those
    values, so memory stays proportional to the values in the file however many
    distinct keys there are (a key first seen at row 40,000 costs nothing for the
    rows before it). Columns are expanded to full length once, at the end.
    Repeated text values are interned through a small cache, so that e.g. 260,000
    copies of "COMPLETE" cost one string.
    """

    __slots__ = ("cache", "dates", "order", "path", "values", "what")

    def __init__(self, path: str = "", what: str = "event") -> None:
        #: key -> (rows, values) of the non-date values
        self.values: dict[str, tuple[list[int], list[Any]]] = {}
        #: key -> (rows, ISO strings) of the date values
        self.dates: dict[str, tuple[list[int], list[str | None]]] = {}
        #: every key, in order of first appearance in the file (pm4py's column order)
        self.order: dict[str, None] = {}
        #: interned text values; emptied when it grows past _CACHE_LIMIT entries
        self.cache: dict[str, str] = {}
        self.path = path
        self.what = what

    def _new_key(self, key: str) -> None:
        if key not in self.order:
            if len(self.order) >= MAX_KEYS:
                raise DataError(
                    f"XES file {self.path!r} has more than {MAX_KEYS:,} distinct {self.what} "
                    "attribute keys: journeymine refuses it, to bound memory (every key "
                    "becomes a column)."
                )
            self.order[key] = None

    def add(self, children: Iterable[Any], row: int, kinds: dict[Any, str]) -> None:
        """Read the attribute elements among ``children`` into ``row``.

        Elements that are not value-carrying XES attributes (events, lists,
        containers, comments) are skipped; so are the children of attributes.
        When a key occurs twice in one element, the last value wins (as in pm4py).
        """
        values = self.values
        dates = self.dates
        cache = self.cache
        for child in children:
            tag = child.tag
            kind = kinds.get(tag)
            if kind is None:
                kind = kinds[tag] = _kind_of(tag)
            if not kind:
                continue
            key = child.get("key")
            if key is None:
                continue
            value = child.get("value")
            if value is not None and len(value) > MAX_VALUE_CHARS:
                raise DataError(
                    f"XES file {self.path!r} has a value of {len(value):,} characters (key "
                    f"{key[:80]!r}, line {child.sourceline}): journeymine accepts values of up "
                    f"to {MAX_VALUE_CHARS:,} characters."
                )
            if kind == "date":
                col = dates.get(key)
                if col is None:
                    self._new_key(key)
                    col = dates[key] = ([], [])
            else:
                if value is None:
                    pass
                elif kind == "string" or kind == "id":
                    value = cache.setdefault(value, value)
                elif kind == "int":
                    try:
                        value = int(value)
                    except ValueError:
                        continue
                elif kind == "float":
                    try:
                        value = float(value)
                    except ValueError:
                        continue
                else:  # boolean, read like pm4py: "true" in any case is True
                    value = value.lower() == "true"
                col = values.get(key)
                if col is None:
                    self._new_key(key)
                    col = values[key] = ([], [])
            rows, vals = col
            if rows and rows[-1] == row:  # the key again in the same element
                vals[-1] = value
            else:
                rows.append(row)
                vals.append(value)

    def trim_cache(self) -> None:
        """Bound the interning cache (logs with millions of distinct values)."""
        if len(self.cache) > _CACHE_LIMIT:
            self.cache.clear()

    def keys(self) -> list[str]:
        """Column names, in order of first appearance in the file."""
        return list(self.order)

    def filled(self, key: str) -> np.ndarray:
        """The rows that have a value for ``key`` (dates and others)."""
        parts = [
            np.asarray(c[0], dtype=np.int64)
            for c in (self.values.get(key), self.dates.get(key))
            if c
        ]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def column(self, key: str, n: int) -> Any:
        """Column ``key`` as an array of length ``n`` with the right dtype."""
        values = self.values.get(key)
        dates = self.dates.get(key)
        if dates is None:
            return _typed(_spread(values, n))  # type: ignore[arg-type]
        date_strings = _spread(dates, n)
        parsed = _dates(date_strings)
        if values is None:
            return parsed
        # The same key holds dates in some elements and other types in others.
        out = np.array(pd.Series(parsed).astype(object), dtype=object)
        for row, (value, date) in enumerate(zip(_spread(values, n), date_strings, strict=True)):
            if date is None:
                out[row] = value
            elif out[row] is pd.NaT:
                out[row] = None
        return out


def _spread(col: tuple[list[int], list[Any]], n: int) -> list[Any]:
    """A sparse column (rows, values) as a list of length ``n``, None where no value."""
    rows, vals = col
    if len(rows) == n:  # every row has a value (rows are increasing)
        return vals
    out: list[Any] = [None] * n
    for row, value in zip(rows, vals, strict=True):
        out[row] = value
    return out


def _kind_of(tag: Any) -> str:
    """The XES attribute type of an element tag, or "" for anything we skip."""
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    local = tag.rpartition("}")[2]
    return local if local in _VALUE_KINDS else ""


def _typed(vals: list[Any]) -> Any:
    """A pandas-ready array for a column of strings, ints, floats or booleans."""
    complete = None not in vals
    types = set(map(type, vals))
    types.discard(type(None))
    if types == {int}:
        try:
            if complete:
                return np.array(vals, dtype=np.int64)
            return pd.array(vals, dtype="Int64")
        except (OverflowError, TypeError, ValueError):
            return np.array(vals, dtype=object)
    if types and types <= {int, float}:
        return np.array([np.nan if v is None else v for v in vals], dtype=np.float64)
    if types == {bool}:
        return np.array(vals, dtype=bool) if complete else pd.array(vals, dtype="boolean")
    if types == {str}:
        return pd.Series(vals).array  # pandas' default text dtype ("str" in pandas 3)
    return np.array(vals, dtype=object)


def _dates(col: list[str | None]) -> pd.DatetimeIndex:
    """Parse ISO 8601 date strings into UTC timestamps (NaT where missing or invalid)."""
    parsed = pd.to_datetime(col, utc=True, format="ISO8601", errors="coerce")
    try:
        return parsed.as_unit("ns")
    except (OverflowError, ValueError):  # dates outside 1677-2262 keep a wider unit
        return parsed


def _read_events(stream: _Guarded, path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The streaming pass: one row per ``<event>`` directly inside a ``<trace>``, and the others."""
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        tag=("{*}trace", "{*}event"),
        remove_comments=True,
        remove_pis=True,
        **_PARSER_OPTIONS,
    )
    try:
        return _stream_events(context, path, stream)
    except etree.XMLSyntaxError as err:
        raise _syntax_error(err, path, context.error_log) from None


def _stream_events(context: Any, path: str, stream: _Guarded) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Consume the iterparse ``context`` (see :func:`_read_events`)."""
    events = _Columns(path, "event")
    traces = _Columns(path, "trace")
    strays = _Columns(path, "event")  # events outside any trace
    counts: list[int] = []  # events per trace
    kinds: dict[Any, str] = {}
    n = 0  # events read so far
    n_stray = 0
    trace = None  # the <trace> element being read
    trace_start = 0
    for action, elem in context:
        stream.reset()  # bounds the bytes libxml2 buffers until the next event
        is_trace = elem.tag.endswith("trace")
        if action == "start":
            if is_trace:
                if trace is not None:
                    raise DataError(
                        f"XES file {path!r} has a <trace> inside another <trace> "
                        f"(line {elem.sourceline})."
                    )
                trace = elem
                trace_start = n
            continue
        if not is_trace:
            parent = elem.getparent()
            if trace is None or parent is not trace:
                # An event outside any trace (or nested in another element of a trace):
                # it belongs to no journey; read_xes reports it as a rejected row.
                strays.add(elem, n_stray, kinds)
                n_stray += 1
                strays.trim_cache()
                if trace is None:
                    elem.clear(keep_tail=False)
                    if parent is not None:  # drop it and what came before it
                        while elem.getprevious() is not None:
                            del parent[0]
                continue  # (nested: emptied with its parent)
            events.add(elem, n, kinds)
            n += 1
            # Read the trace's own attributes that precede this event, then drop
            # everything before it (and empty the event itself) to keep memory flat.
            event_tag = elem.tag
            while (first := parent[0]) is not elem:
                if first.tag != event_tag:
                    traces.add((first,), len(counts), kinds)
                del parent[0]
            elem.clear(keep_tail=False)
            continue
        if elem is not trace:
            continue
        # End of the trace: its attributes after the last event, then its span.
        traces.add(elem, len(counts), kinds)  # skips the last (emptied) event
        counts.append(n - trace_start)
        events.trim_cache()
        traces.trim_cache()
        trace = None
        elem.clear(keep_tail=False)
        parent = elem.getparent()
        if parent is not None:
            while elem.getprevious() is not None:
                del parent[0]
    _check_sparsity(events, traces, counts, n, path)
    _check_sparsity(strays, _Columns(), [], n_stray, path)
    return _build_frame(events, traces, counts, n), _build_frame(strays, _Columns(), [], n_stray)


def _check_sparsity(
    events: _Columns, traces: _Columns, counts: list[int], n: int, path: str
) -> None:
    """Refuse a table of mostly missing cells bigger than :data:`_DENSE_CELLS`.

    A few values under many distinct keys spread over many events would make a
    table far bigger than the file (every key is a column of every event).
    """
    cells = n * (len(events.order) + len(traces.order))
    if cells <= _DENSE_CELLS:
        return
    filled = sum(len(events.filled(k)) for k in events.order)
    sizes = np.asarray(counts, dtype=np.int64)
    filled += sum(int(sizes[traces.filled(k)].sum()) for k in traces.order)
    if cells > _MAX_SPARSITY * filled:
        raise DataError(
            f"XES file {path!r} would make a table of {n:,} events x "
            f"{len(events.order) + len(traces.order):,} attribute keys in which fewer than "
            f"1 cell in {_MAX_SPARSITY} has a value: journeymine refuses it, to bound memory."
        )


def _build_frame(events: _Columns, traces: _Columns, counts: list[int], n: int) -> pd.DataFrame:
    """Assemble the DataFrame once, from the gathered columns."""
    data: dict[str, Any] = {}
    for key in events.keys():
        data[key] = events.column(key, n)

    repeats = np.asarray(counts, dtype=np.int64)
    for key in traces.keys():
        per_trace = traces.column(key, len(counts))
        expanded = pd.Series(per_trace).repeat(repeats).reset_index(drop=True)
        name = _CASE_PREFIX + key
        if name in data:
            # An event attribute named "case:<key>": the trace value wins where the
            # trace has one, as in pm4py.
            expanded = expanded.where(expanded.notna(), pd.Series(data[name]))
        data[name] = expanded.array if isinstance(expanded, pd.Series) else expanded

    if not data:  # no events, or events without any attribute
        data = {
            CASE_KEY: np.full(n, None, dtype=object),
            ACTIVITY_KEY: np.full(n, None, dtype=object),
            TIMESTAMP_KEY: pd.DatetimeIndex([pd.NaT] * n, tz="UTC").as_unit("ns"),
        }
    order = [c for c in _LEADING if c in data] + [c for c in data if c not in _LEADING]
    frame = pd.DataFrame({c: data[c] for c in order}, index=pd.RangeIndex(n))
    return frame
