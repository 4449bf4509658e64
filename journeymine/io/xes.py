"""Read XES event logs (plain ``.xes`` or gzipped ``.xes.gz``) into a :class:`JourneyLog`.

Why journeymine has its own XES parser instead of calling ``pm4py.read_xes``:

* pm4py is licensed under the AGPL and is only an optional extra of journeymine
  (``pip install journeymine[pm4py]``); the core must read XES without it.
* Streaming: the parser walks the file with :func:`lxml.etree.iterparse`, reads
  each ``<event>`` as soon as it is complete, and then deletes it from the tree,
  so memory stays proportional to the output table, not to the XML tree. Values
  are collected column by column and the DataFrame is built once at the end.
* Safety: XES files often come from third parties. The parser never resolves
  entities, never loads a DTD, never touches the network, keeps libxml2's
  limits against huge documents (``huge_tree=False``), and refuses outright any
  document whose DOCTYPE declares entities or points to an external DTD
  (guarding against "billion laughs" entity expansion and external-entity
  attacks such as ``<!ENTITY x SYSTEM "file:///etc/passwd">``).

The parsed table follows pm4py's column convention (``case:concept:name``,
``concept:name``, ``time:timestamp``, ``org:resource``, ...) and contains the
same events, in the same (file) order, as ``pm4py.read_xes``.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import DataError, InvalidParameterError

if TYPE_CHECKING:
    from ..log import JourneyLog

__all__ = ["read_xes"]

#: The XES attribute element types that carry a value we read.
_VALUE_KINDS = frozenset({"string", "date", "int", "float", "boolean", "id"})

_CASE_PREFIX = "case:"
_CASE_KEY = "case:concept:name"
_ACTIVITY_KEY = "concept:name"
_TIMESTAMP_KEY = "time:timestamp"
_RESOURCE_KEY = "org:resource"
_GROUP_KEY = "org:group"
_LIFECYCLE_KEY = "lifecycle:transition"
#: Columns shown first (when present), in this order; the rest follow in file order.
_LEADING = (_CASE_KEY, _ACTIVITY_KEY, _TIMESTAMP_KEY, _RESOURCE_KEY, _GROUP_KEY, _LIFECYCLE_KEY)

_CACHE_LIMIT = 100_000
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16

_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}


# --------------------------------------------------------------------------- #
# public reader
# --------------------------------------------------------------------------- #


def read_xes(
    path: str | os.PathLike[str],
    *,
    case: str = _CASE_KEY,
    activity: str = _ACTIVITY_KEY,
    timestamp: str = _TIMESTAMP_KEY,
    customer: str | None = None,
    channel: str | None = None,
    department: str | None = _GROUP_KEY,
    resource: str | None = _RESOURCE_KEY,
    direction: str | None = None,
    labels: Mapping[str, Any] | None = None,
    keep: Sequence[str] | Mapping[str, str] | bool | None = None,
    lifecycle: str | Collection[str] | None = None,
    name: str | None = None,
    drop_duplicates: bool = False,
) -> JourneyLog:
    """Read an XES event log into a :class:`~journeymine.log.JourneyLog`.

    The file is parsed by journeymine's own streaming, safe XES reader (pm4py is
    not needed), then mapped by :func:`journeymine.io.pandas.from_pandas`, so
    validation, rejected rows and the canonical schema work exactly as for
    every other source.

    Parameters
    ----------
    path : str or path-like
        A ``.xes`` file, plain or gzip-compressed (recognised by its content,
        whatever the extension).
    case : str, default "case:concept:name"
        Column holding the case (journey) id. Trace attributes are named
        ``case:<key>``, event attributes keep their XES key.
    activity : str, default "concept:name"
        Column holding the activity (touchpoint).
    timestamp : str, default "time:timestamp"
        Column holding the event time (already converted to UTC).
    customer, channel, direction : str, optional
        Columns for the customer id, the channel and the direction, if the log
        has them (e.g. ``channel="case:channel"``).
    department : str or None, default "org:group"
        Column holding the department. The default is used only when the log
        has that attribute; pass ``None`` to leave departments out.
    resource : str or None, default "org:resource"
        Column holding the resource (agent, system). The default is used only
        when the log has that attribute; pass ``None`` to leave it out.
    labels : dict, optional
        Constant values for canonical columns, e.g. ``{"channel": "web"}``.
    keep : list of str, dict or bool, optional
        Extra columns to carry along (a dict renames them: source -> new name;
        ``True`` keeps every unmapped column). ``lifecycle:transition`` is
        always carried along when the log has it (unless it is already mapped
        or kept).
    lifecycle : None, "all", str or collection of str, default None
        Which lifecycle transitions to keep. ``None`` or ``"all"`` keeps every
        event, the same events ``pm4py.read_xes`` returns. A transition name
        such as ``"complete"`` (or several, e.g. ``["start", "complete"]``)
        keeps only events whose ``lifecycle:transition`` matches, ignoring
        case; events with no transition count as ``"complete"`` (the XES
        convention for atomic events). Events dropped this way are your
        deliberate choice, not bad data: they are not reported in
        ``log.rejected``.
    name : str, optional
        Name of the log; defaults to the file name without ``.xes``/``.gz``.
    drop_duplicates : bool, default False
        Reject events that equal an earlier event of the same trace in every
        mapped and kept column (they then appear in ``log.rejected`` with reason
        ``"duplicate"``). Off by default, as for every loader: every ``<event>``
        of an XES file is a recorded event, and pm4py keeps them all (the helpdesk
        log, for instance, has 127 events that repeat case, activity,
        timestamp and resource).

    Returns
    -------
    JourneyLog
        The events, in the canonical schema, plus the kept extra columns.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    journeymine.errors.DataError
        If the file is not well-formed XML, or declares XML entities.
    journeymine.errors.InvalidParameterError
        If ``lifecycle`` is not None, a string or a collection of strings.

    See Also
    --------
    journeymine.io.pandas.from_pandas : the loader this function delegates to.

    Notes
    -----
    What the reader keeps, and what it leaves out, matching pm4py:

    * one row per ``<event>`` inside a ``<trace>``, in file order; events
      outside any trace are ignored;
    * typed values: ``int`` -> ``int64`` (``Int64`` when some events lack it),
      ``float`` -> ``float64``, ``boolean`` -> ``bool`` (``boolean`` when some
      events lack it), ``date`` -> ``datetime64[ns, UTC]`` (offsets such as
      ``+02:00`` are converted, dates without an offset are read as UTC),
      ``string`` and ``id`` -> text;
    * ``<global>`` default values are *not* filled into events that lack the
      attribute, because pm4py does not do it either;
    * ``<list>`` and ``<container>`` attributes are skipped, and so are the
      nested (meta-)attributes inside an attribute: the outer attribute keeps
      its own value;
    * values that do not parse as their declared type (e.g. ``<int
      value="abc">``) are left missing, as pm4py does.

    Examples
    --------
    The six-case textbook log shipped with journeymine:

    >>> from importlib.resources import files
    >>> import journeymine as jm
    >>> path = files("journeymine") / "datasets" / "data" / "running-example.xes"
    >>> log = jm.read_xes(path)
    >>> len(log), log.n_cases
    (42, 6)
    >>> log.events[["case_id", "timestamp", "activity", "resource"]].head(3)
      case_id                 timestamp            activity resource
    0       1 2010-12-30 10:02:00+00:00    register request     Pete
    1       1 2010-12-31 09:06:00+00:00  examine thoroughly      Sue
    2       1 2011-01-05 14:12:00+00:00        check ticket     Mike

    Logs with lifecycle transitions (``start``, ``complete``, ...) keep every
    event by default; ``lifecycle="complete"`` keeps one event per activity
    instance.
    """
    from .pandas import from_pandas

    wanted = _lifecycle_values(lifecycle)
    path = _fspath(path)
    df = _filter_lifecycle(_parse_xes(path), wanted)

    if department == _GROUP_KEY and _GROUP_KEY not in df.columns:
        department = None
    if resource == _RESOURCE_KEY and _RESOURCE_KEY not in df.columns:
        resource = None

    mapped = {case, activity, timestamp, customer, channel, department, resource, direction}
    keep_arg: list[str] | dict[str, str] | bool | None
    kept_sources: set[str]
    if isinstance(keep, bool):  # True: every unmapped column (lifecycle included)
        keep_arg = keep or None
        kept_sources = set(df.columns) if keep else set()
    elif isinstance(keep, Mapping):
        keep_arg = dict(keep)
        kept_sources = set(keep_arg)
    elif keep is None:
        keep_arg = None
        kept_sources = set()
    elif isinstance(keep, str):
        keep_arg = [keep]
        kept_sources = {keep}
    else:
        keep_arg = list(keep)
        kept_sources = set(keep_arg)
    if _LIFECYCLE_KEY in df.columns and _LIFECYCLE_KEY not in mapped | kept_sources:
        if isinstance(keep_arg, dict):
            keep_arg[_LIFECYCLE_KEY] = _LIFECYCLE_KEY
        else:
            keep_arg = [*(keep_arg or []), _LIFECYCLE_KEY]

    return from_pandas(
        df,
        case=case,
        customer=customer,
        activity=activity,
        timestamp=timestamp,
        channel=channel,
        department=department,
        resource=resource,
        direction=direction,
        labels=labels,
        keep=keep_arg,
        name=name if name is not None else _log_name(path),
        drop_duplicates=drop_duplicates,
    )


def _lifecycle_values(lifecycle: Any) -> set[str] | None:
    """The lower-cased transitions to keep, or None to keep every event."""
    if lifecycle is None or (isinstance(lifecycle, str) and lifecycle.lower() == "all"):
        return None
    if isinstance(lifecycle, str):
        return {lifecycle.lower()}
    if (
        isinstance(lifecycle, Collection)
        and len(lifecycle) > 0
        and all(isinstance(t, str) for t in lifecycle)
    ):
        return {t.lower() for t in lifecycle}
    raise InvalidParameterError(
        "The 'lifecycle' parameter of read_xes must be None, 'all', a transition name "
        f"such as 'complete', or a list of transition names. Got {lifecycle!r} instead."
    )


def _filter_lifecycle(df: pd.DataFrame, wanted: set[str] | None) -> pd.DataFrame:
    """Keep the events whose ``lifecycle:transition`` is in ``wanted`` (all if None)."""
    if wanted is None:
        return df
    if _LIFECYCLE_KEY not in df.columns:
        # No lifecycle information at all: every event is atomic, i.e. "complete".
        return df if "complete" in wanted else df.iloc[:0]
    transitions = df[_LIFECYCLE_KEY].astype("string").str.lower()
    mask = transitions.isin(wanted).fillna(False)
    if "complete" in wanted:
        mask = mask | transitions.isna()
    return df.loc[mask.to_numpy(dtype=bool)].reset_index(drop=True)


def _log_name(path: str) -> str:
    """The file name without ``.gz`` and ``.xes``."""
    stem = Path(path).name
    for suffix in (".gz", ".xes"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    return stem or Path(path).name


def _fspath(path: Any) -> str:
    """``path`` as a string (accepts ``Traversable`` objects from importlib.resources)."""
    if isinstance(path, str | os.PathLike):
        return os.fspath(path)
    return str(path)


# --------------------------------------------------------------------------- #
# the streaming parser
# --------------------------------------------------------------------------- #


def _parse_xes(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse an XES file into a pandas DataFrame, one row per event (private).

    Parameters
    ----------
    path : str or path-like
        A plain or gzip-compressed XES file (gzip is recognised by its magic
        bytes, not by the extension).

    Returns
    -------
    pandas.DataFrame
        One row per event, in file order, with pm4py's column names: each
        event attribute under its XES key (``concept:name``,
        ``time:timestamp``, ``org:resource``, ``lifecycle:transition``, ...)
        and each trace attribute as ``case:<key>`` (``case:concept:name`` is
        the case id). See :func:`read_xes` for the types and what is skipped.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    journeymine.errors.DataError
        If the file is not well-formed XML (the message names the file and the
        line), is a broken gzip stream, or its DOCTYPE declares entities or
        refers to an external DTD.

    Examples
    --------
    >>> from importlib.resources import files
    >>> from journeymine.io.xes import _parse_xes
    >>> df = _parse_xes(files("journeymine") / "datasets" / "data" / "running-example.xes")
    >>> df.shape
    (42, 8)
    >>> df[["case:concept:name", "concept:name", "time:timestamp"]].iloc[0]
    case:concept:name                            3
    concept:name                  register request
    time:timestamp       2010-12-30 13:32:00+00:00
    Name: 0, dtype: object
    """
    path = _fspath(path)
    with _open_binary(path) as stream:
        try:
            _refuse_entities(stream, path)
            stream.seek(0)
            return _read_events(stream, path)
        except etree.XMLSyntaxError as err:
            raise _syntax_error(err, path) from None
        except (EOFError, OSError, UnicodeError, zlib.error) as err:
            # a truncated or corrupt gzip stream, or undecodable bytes
            raise DataError(f"XES file {path!r} could not be read: {err}") from err


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


def _refuse_entities(stream: IO[bytes], path: str) -> None:
    """Raise DataError if the document's DOCTYPE declares entities or an external DTD.

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


class _Columns:
    """Values of one table (events or traces), gathered column by column.

    Each column is a plain list indexed by row, padded with None for the rows
    that lack the attribute (padding happens lazily, when the next value of that
    column arrives, and at the end). Repeated text values are interned through
    a small cache, so that e.g. 260,000 copies of "COMPLETE" cost one string.
    """

    __slots__ = ("cache", "dates", "order", "values")

    def __init__(self) -> None:
        self.values: dict[str, list[Any]] = {}
        self.dates: dict[str, list[str | None]] = {}
        #: every key, in order of first appearance in the file (pm4py's column order)
        self.order: dict[str, None] = {}
        #: interned text values; emptied when it grows past _CACHE_LIMIT entries
        self.cache: dict[str, str] = {}

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
            if kind == "date":
                col = dates.get(key)
                if col is None:
                    col = dates[key] = []
                    self.order[key] = None
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
                    col = values[key] = []
                    self.order[key] = None
            gap = row - len(col)
            if gap == 0:
                col.append(value)
            elif gap > 0:
                col.extend([None] * gap)
                col.append(value)
            else:  # the key again in the same element
                col[-1] = value

    def trim_cache(self) -> None:
        """Bound the interning cache (logs with millions of distinct values)."""
        if len(self.cache) > _CACHE_LIMIT:
            self.cache.clear()

    def keys(self) -> list[str]:
        """Column names, in order of first appearance in the file."""
        return list(self.order)

    def column(self, key: str, n: int) -> Any:
        """Column ``key`` as an array of length ``n`` with the right dtype."""
        values = self.values.get(key)
        dates = self.dates.get(key)
        if dates is None:
            return _typed(_padded(values, n))  # type: ignore[arg-type]
        dates = _padded(dates, n)
        parsed = _dates(dates)
        if values is None:
            return parsed
        # The same key holds dates in some elements and other types in others.
        out = np.array(pd.Series(parsed).astype(object), dtype=object)
        for row, (value, date) in enumerate(zip(_padded(values, n), dates, strict=True)):
            if date is None:
                out[row] = value
            elif out[row] is pd.NaT:
                out[row] = None
        return out


def _kind_of(tag: Any) -> str:
    """The XES attribute type of an element tag, or "" for anything we skip."""
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    local = tag.rpartition("}")[2]
    return local if local in _VALUE_KINDS else ""


def _padded(col: list[Any], n: int) -> list[Any]:
    """``col`` padded with None to length ``n`` (in place)."""
    if len(col) < n:
        col.extend([None] * (n - len(col)))
    return col


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


def _read_events(stream: IO[bytes], path: str) -> pd.DataFrame:
    """The streaming pass: one row per ``<event>`` directly inside a ``<trace>``."""
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        tag=("{*}trace", "{*}event"),
        remove_comments=True,
        remove_pis=True,
        **_PARSER_OPTIONS,
    )
    try:
        return _stream_events(context, path)
    except etree.XMLSyntaxError as err:
        raise _syntax_error(err, path, context.error_log) from None


def _stream_events(context: Any, path: str) -> pd.DataFrame:
    """Consume the iterparse ``context`` (see :func:`_read_events`)."""
    events = _Columns()
    traces = _Columns()
    counts: list[int] = []  # events per trace
    kinds: dict[Any, str] = {}
    n = 0  # events read so far
    trace = None  # the <trace> element being read
    trace_start = 0
    for action, elem in context:
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
            if trace is None:  # an event outside any trace: ignored, as in pm4py
                elem.clear(keep_tail=False)
                continue
            parent = elem.getparent()
            if parent is not trace:
                continue  # an event nested in an event: ignored, emptied with its parent
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
    return _build_frame(events, traces, counts, n)


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
            _CASE_KEY: np.full(n, None, dtype=object),
            _ACTIVITY_KEY: np.full(n, None, dtype=object),
            _TIMESTAMP_KEY: pd.DatetimeIndex([pd.NaT] * n, tz="UTC").as_unit("ns"),
        }
    order = [c for c in _LEADING if c in data] + [c for c in data if c not in _LEADING]
    frame = pd.DataFrame({c: data[c] for c in order}, index=pd.RangeIndex(n))
    return frame
