"""Read events from a SQL database: PostgreSQL, DuckDB, SQLite, ... (the ``sql`` extra).

:func:`read_sql` runs a query (or reads a table) through SQLAlchemy, a DuckDB connection or
an ADBC connection, reads the rows in chunks into Arrow and hands one Arrow table to
:func:`~journeymine.from_arrow`, so mapping, types and rejected rows are those of every
other loader. A password never leaves this module: every error names the source by its URL
with the password hidden, and the driver's own message is scrubbed of it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

from .._validation import Constraint, Interval, check_column, validate_params
from ..errors import DataError, InvalidParameterError, JourneymineError, MissingDependencyError
from ..log import JourneyLog
from .arrow import from_arrow
from .files import _columns
from .pandas import _MAPPABLE, _OPTIONS

__all__ = ["read_sql", "redacted_url", "TABLE_NAME"]

_FUNC = "read_sql"
_EXTRA = "pip install 'journeymine[sql]'"
#: A table name, optionally with its schema: ``query`` that is one is read as a table.
TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?")
#: URL query parameters that hold a secret (hidden like the password).
_SECRET_KEYS = frozenset({"password", "passwd", "pwd", "secret", "token", "access_token"})
_HIDDEN = "***"
_URL_EXAMPLE = "'postgresql+psycopg://user@host:5432/db', 'duckdb:///events.duckdb'"


def _kind(con: Any) -> str | None:
    """What ``con`` is: "url", "engine", "connection", "duckdb", "adbc" (None: none of them).

    Read without importing anything: a SQLAlchemy or DuckDB object exists only when its
    module has been imported already.
    """
    if isinstance(con, str):
        return "url"
    sa = sys.modules.get("sqlalchemy")
    if sa is not None:
        if isinstance(con, sa.engine.URL):
            return "url"
        if isinstance(con, sa.engine.Engine):
            return "engine"
        if isinstance(con, sa.engine.Connection):
            return "connection"
    duckdb = sys.modules.get("duckdb")
    if duckdb is not None and isinstance(con, duckdb.DuckDBPyConnection):
        return "duckdb"
    if callable(getattr(con, "adbc_get_info", None)) and callable(getattr(con, "cursor", None)):
        return "adbc"  # an ADBC DB-API connection (adbc_driver_manager.dbapi.Connection)
    return None


class _Connectable(Constraint):
    def ok(self, value: Any) -> bool:
        return _kind(value) is not None

    def __str__(self) -> str:
        return (
            "a database URL (str, e.g. 'postgresql+psycopg://user@host/db'), a SQLAlchemy "
            "Engine or Connection, a DuckDB connection or an ADBC connection"
        )


class _Query(Constraint):
    def ok(self, value: Any) -> bool:
        return isinstance(value, str) and value.strip() != ""

    def __str__(self) -> str:
        return "SQL text or a table name (a non-empty str)"


class _Source:
    """A source as messages show it (the URL without its password), and what to scrub."""

    def __init__(self, shown: str, secrets: list[str], what: str, raw: str | None = None) -> None:
        self.shown = shown
        self.what = what
        self.raw = raw if raw and raw != shown else None  # the URL as given, password and all
        forms = set()
        for s in secrets:
            if s:
                forms |= {s, quote(s, safe=""), quote_plus(s)}
        self.secrets = sorted(forms, key=len, reverse=True)  # longest first

    def scrub(self, text: str) -> str:
        """``text`` without the password: the URL as given shown redacted, then any form of
        the password (as typed, or percent-encoded as in a URL) as ``***``."""
        if self.raw is not None:
            text = text.replace(self.raw, self.shown)
        for s in self.secrets:
            text = text.replace(s, _HIDDEN)
        return text


@validate_params(
    {"query": [_Query()], "con": [_Connectable()], "chunksize": [Interval(int, 1, None)]}
)
def read_sql(query: str, con: Any, *, chunksize: int = 50_000, **mapping: Any) -> JourneyLog:
    """Read events from a SQL database into a :class:`~journeymine.JourneyLog`.

    Parameters
    ----------
    query : str
        The SQL that returns the events, one row per event (sent to the database as it
        is written: no bind parameters), or the name of a table or view, optionally with
        its schema (``"events"``, ``"analytics.events"``). A table is read with only the
        mapped (and kept) columns; a name is matched exactly as given.
    con : str, SQLAlchemy Engine or Connection, DuckDB connection or ADBC connection
        Where to read: a SQLAlchemy URL such as
        ``"postgresql+psycopg://user:password@host:5432/db"``, ``"duckdb:///events.duckdb"``
        or ``"sqlite:///events.db"`` (the engine is made and disposed of here); an
        :class:`sqlalchemy.engine.Engine` or :class:`~sqlalchemy.engine.Connection` (a
        connection is used as it is, inside its transaction, and left open); a
        ``duckdb.DuckDBPyConnection`` (read natively as Arrow); or an ADBC DB-API
        connection (``adbc_driver_postgresql.dbapi.connect(...)``, read as Arrow).
    chunksize : int, default 50000
        Rows fetched at a time. Through SQLAlchemy the rows are streamed (a server-side
        cursor on PostgreSQL), and each chunk becomes compact Arrow columns before the
        next one is fetched; DuckDB hands over Arrow batches of this size. ADBC drivers
        choose their own batch size. The log does not depend on it.
    **mapping
        The keywords of :func:`~journeymine.from_pandas` (``case``, ``customer``,
        ``activity``, ``timestamp``, ``channel``, ..., ``labels``, ``keep``, ``tz``,
        ``name``, ``drop_duplicates``), with the same meaning. ``name`` defaults to the
        table's name when ``query`` is one.

    Returns
    -------
    JourneyLog
        The same log as :func:`~journeymine.from_pandas` gives for the rows as a pandas
        DataFrame, with rows that cannot be used (a NULL journey id, touchpoint or time,
        ...) in ``log.rejected`` with their reason.

    Notes
    -----
    How database types arrive:

    * ``timestamp with time zone`` (``timestamptz``) is an instant: it is read in UTC,
      whatever the session's time zone, as an offset-aware time of any other source is.
      ``timestamp`` (without time zone) is a naive time: it is read in ``tz`` (default
      UTC), as a naive time in a Parquet or CSV file is.
    * ``numeric``/``decimal`` columns become numbers, not Python ``Decimal`` objects:
      integers when the column holds only whole numbers of at most 18 digits
      (identifiers), else floats (:func:`pandas.read_sql` gives floats).
    * UUIDs, and values that have no Arrow type, become text.
    * NULL is missing: a NULL journey id, touchpoint or time rejects the row.

    Every failure of the database or its driver (cannot connect, a wrong password, an
    error in the query) is a :class:`~journeymine.DataError` that names the source by
    its URL with the password hidden, and the query; the password never appears in a
    message.

    Raises
    ------
    DataError
        The database could not be reached, or the query failed.
    MissingColumnError
        A mapping keyword names a column that the query or table does not return.
    MissingDependencyError
        SQLAlchemy, DuckDB or the database's driver is not installed
        (``pip install 'journeymine[sql]'``).

    Examples
    --------
    A DuckDB connection here; a URL (``"postgresql+psycopg://..."``, ``"sqlite:///events.db"``)
    or a SQLAlchemy engine is used the same way.

    >>> import duckdb
    >>> import journeymine as jm
    >>> con = duckdb.connect()
    >>> _ = con.execute(
    ...     "create table steps as select * from (values "
    ...     "('t1', 'opened', timestamp '2025-03-01 09:00'), "
    ...     "('t1', 'closed', timestamp '2025-03-02 10:00'), "
    ...     "('t2', 'opened', timestamp '2025-03-02 11:30')) as t(ticket, step, started)")
    >>> log = jm.read_sql("select * from steps where step <> 'spam'", con,
    ...                   case="ticket", activity="step", timestamp="started")
    >>> log.events[["case_id", "activity"]]
      case_id activity
    0      t1   opened
    1      t1   closed
    2      t2   opened
    >>> jm.read_sql("steps", con, case="ticket", activity="step", timestamp="started").n_cases
    2
    """
    _check_keywords(mapping)
    table_name = query.strip() if TABLE_NAME.fullmatch(query.strip()) else None
    kind = _kind(con)
    if kind in ("duckdb", "adbc"):
        source = _Source(
            "a DuckDB connection" if kind == "duckdb" else f"an ADBC connection ({_module(con)})",
            [],
            _what(query, table_name),
        )
        read = _read_duckdb if kind == "duckdb" else _read_adbc
        table = read(con, source, query, table_name, mapping, chunksize)
    else:
        table = _read_sqlalchemy(con, kind, query, table_name, mapping, chunksize)
    if table_name is not None:
        mapping.setdefault("name", table_name)
    return from_arrow(table, **mapping)


def redacted_url(url: Any) -> str:
    """``url`` as it may be shown: the password (and secret query parameters) as ``***``.

    Examples
    --------
    >>> redacted_url("postgresql://jm:s3cret@db.example.com/events")
    'postgresql://jm:***@db.example.com/events'
    """
    return _url_and_secrets(url)[0]


# --------------------------------------------------------------------------- the source


def _check_keywords(mapping: dict[str, Any]) -> None:
    """Refuse an unknown mapping keyword before the database is asked anything."""
    from .._validation import near_matches

    allowed = _MAPPABLE + _OPTIONS
    for key in mapping:
        if key not in allowed:
            near = near_matches(key, allowed)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise InvalidParameterError(
                f"{_FUNC} got an unknown keyword {key!r}. The keywords are "
                f"{['chunksize', *allowed]!r}.{hint}"
            )


def _what(query: str, table_name: str | None) -> str:
    if table_name is not None:
        return f"the table {table_name!r}"
    text = " ".join(query.split())
    return f"the query {text if len(text) <= 120 else text[:117] + '...'!r}"


def _module(con: Any) -> str:
    return type(con).__module__.split(".")[0]


def _sqlalchemy() -> Any:
    try:
        import sqlalchemy
    except ImportError as exc:
        raise MissingDependencyError(
            f"{_FUNC} needs SQLAlchemy to read from a database URL or engine: {_EXTRA}."
        ) from exc
    return sqlalchemy


def _url_and_secrets(url: Any) -> tuple[str, list[str]]:
    """The URL as shown (password and secret query parameters hidden) and those secrets."""
    secrets: list[str] = []
    try:
        sa = _sqlalchemy()
        parsed = sa.make_url(url) if isinstance(url, str) else url
        hidden = {k: _HIDDEN for k in parsed.query if k.lower() in _SECRET_KEYS}
        for k in hidden:
            v = parsed.query[k]
            secrets += [v] if isinstance(v, str) else list(v)
        shown = parsed.update_query_dict(hidden).render_as_string(hide_password=True)
        shown = shown.replace(quote(_HIDDEN, safe=""), _HIDDEN)
        if parsed.password:
            secrets.append(str(parsed.password))
    except Exception:  # not a URL SQLAlchemy reads: hide what looks like a password
        text = str(url)
        if not re.match(r"[A-Za-z][\w+.-]*://", text):
            return "<not a database URL>", [text]  # e.g. "host=db password=...": all of it
        found = re.search(r"://[^:/@]*:([^@]*)@", text)
        secrets += [found.group(1)] if found else []
        shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:" + _HIDDEN + "@", text)
    return shown, secrets


def _guard(source: _Source, step: str, action: Callable[[], Any]) -> Any:
    """``action()``, with a driver's or SQLAlchemy's error turned into a DataError.

    The new error is raised outside the ``except`` block and ``from None``: the
    original, whose arguments or traceback may hold the password, is not chained.
    """
    err: JourneymineError
    try:
        return action()
    except (MemoryError, JourneymineError):
        raise
    except Exception as exc:  # every driver has its own exception family
        err = _failure(exc, source, step)
    raise err from None


def _failure(exc: BaseException, source: _Source, step: str) -> JourneymineError:
    orig = getattr(exc, "orig", None) or exc  # SQLAlchemy's DBAPIError wraps the driver's
    text = " ".join(str(orig).split())
    text = text if len(text) <= 300 else text[:297] + "..."
    reason = f"{type(orig).__name__}: {text}" if text else type(orig).__name__
    missing = isinstance(orig, ImportError) or type(orig).__name__ == "NoSuchModuleError"
    if missing:
        name = getattr(orig, "name", None)
        what = f"the database driver {name!r}" if name else "a database driver"
        return MissingDependencyError(
            source.scrub(f"{_FUNC} needs {what} for {source.shown} ({reason}): {_EXTRA}.")
        )
    if step == "connect":
        message = (
            f"{_FUNC} could not connect to {source.shown} ({reason}). Check the URL, the "
            "user name and password, and that the server can be reached."
        )
    else:
        message = f"{_FUNC} could not read {source.what} from {source.shown} ({reason})."
    return DataError(source.scrub(message))


def _needed(header: list[str], mapping: dict[str, Any], source: _Source) -> list[str]:
    """The columns to read (header order): the mapped and kept ones, or all with keep=True.

    Every named column is checked against the whole header, so a MissingColumnError
    lists every column the query returns.
    """
    usecols, _ = _columns(mapping, header, _FUNC)
    keep = mapping.get("keep")
    if isinstance(keep, dict | list | tuple):
        for k in keep:
            check_column(header, str(k), "keep", _FUNC)
    cols = list(header) if usecols is None else [c for c in header if c in usecols]
    twice = sorted({c for c in cols if header.count(c) > 1})
    if twice:
        raise DataError(
            f"{_FUNC}: {source.what} returns more than one column named {twice[0]!r}. Give "
            "the columns different names in the query (select ... as ...)."
        )
    return cols


def _quoted(name: str) -> str:
    """A (schema-qualified) name quoted as ANSI SQL does (DuckDB, ADBC)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


# --------------------------------------------------------------------------- SQLAlchemy


def _read_sqlalchemy(
    con: Any, kind: str | None, query: str, table_name: str | None, mapping: Any, chunksize: int
) -> Any:
    sa = _sqlalchemy()
    engine = None
    what = _what(query, table_name)
    if kind == "url":
        shown, secrets = _url_and_secrets(con)
        source = _Source(shown, secrets, what, raw=con if isinstance(con, str) else None)
        try:
            url = sa.make_url(con) if isinstance(con, str) else con
        except sa.exc.ArgumentError:
            raise InvalidParameterError(
                f"The 'con' parameter of {_FUNC} must be a database URL such as {_URL_EXAMPLE}. "
                "Got a str that is not one instead.",
                param="con",
            ) from None
        engine = _guard(source, "connect", lambda: sa.create_engine(url))
    else:
        source = _Source(*_url_and_secrets((con if kind == "engine" else con.engine).url), what)
    try:
        if kind == "connection":
            return _read_connection(sa, con, source, query, table_name, mapping, chunksize)
        conn = _guard(source, "connect", (engine or con).connect)
        with conn:
            return _read_connection(sa, conn, source, query, table_name, mapping, chunksize)
    finally:
        if engine is not None:
            engine.dispose()


def _read_connection(
    sa: Any,
    conn: Any,
    source: _Source,
    query: str,
    table_name: str | None,
    mapping: Any,
    chunksize: int,
) -> Any:
    if conn.dialect.name == "duckdb":  # duckdb-engine: read DuckDB's own Arrow batches
        native = _guard(source, "connect", lambda: conn.connection.driver_connection)
        return _read_duckdb(native, source, query, table_name, mapping, chunksize)
    # Stream the rows (a server-side cursor on PostgreSQL, fetchmany elsewhere) and turn
    # each chunk into compact Arrow columns before the next is fetched: the rows as
    # Python objects (several times the size of the data) are never all in memory,
    # and the Arrow chunks are put together once, without a copy, in a table.
    options = {"stream_results": True, "yield_per": chunksize, "no_parameters": True}
    if table_name is None:
        # the SQL goes to the driver as written: no bind parameters, '%' and ':' are text
        result = _guard(
            source, "query", lambda: conn.exec_driver_sql(query, execution_options=options)
        )
        header = _guard(source, "query", lambda: [str(k) for k in result.keys()])
        with result:
            cols = _needed(header, mapping, source)
            return _guard(source, "query", lambda: _collect(result, header, cols, chunksize))
    schema, _, name = table_name.rpartition(".")
    table = sa.table(name, schema=schema or None)
    probe = sa.select(sa.text("*")).select_from(table).where(sa.false())
    header = _guard(source, "query", lambda: _keys(conn.execute(probe)))
    cols = _needed(header, mapping, source)
    stmt = sa.select(*[sa.column(c) for c in cols]).select_from(table)
    result = _guard(source, "query", lambda: conn.execute(stmt, execution_options=_plain(options)))
    with result:
        return _guard(source, "query", lambda: _collect(result, cols, cols, chunksize))


def _keys(result: Any) -> list[str]:
    with result:
        return [str(k) for k in result.keys()]


def _plain(options: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k != "no_parameters"}


def _collect(result: Any, header: list[str], cols: list[str], chunksize: int) -> Any:
    """The rows of ``result`` as one Arrow table of ``cols``, read chunk by chunk."""
    import pyarrow as pa

    where = [header.index(c) for c in cols]
    chunks: list[list[Any]] = [[] for _ in cols]
    for rows in result.partitions(chunksize):
        values = list(zip(*rows, strict=True))
        for j, i in enumerate(where):
            chunks[j].append(_normalise(_python_column(values[i])))
        del rows, values
    return pa.Table.from_arrays(
        [_one_type(c, name) for c, name in zip(chunks, cols, strict=True)], cols
    )


def _python_column(values: tuple[Any, ...]) -> Any:
    """One chunk of a column's Python values as an Arrow array; text when Arrow has no type
    for them (very large integers, mixed kinds)."""
    import pyarrow as pa

    try:
        return pa.array(values, from_pandas=False)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def _one_type(arrays: list[Any], name: str) -> Any:
    """The chunks of one column with one type: NULL-only chunks take the others' type,
    integers and floats meet as floats, other mixes become text."""
    import pyarrow as pa

    types = {a.type for a in arrays} - {pa.null()}
    if not types:
        return pa.chunked_array(arrays, pa.null())
    if len(types) == 1:
        target = types.pop()
    elif all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types):
        target = pa.float64()
    else:
        target = pa.string()
    out = []
    for a in arrays:
        if a.type == target:
            out.append(a)
        elif a.type == pa.null():
            out.append(pa.nulls(len(a), target))
        else:
            try:
                out.append(a.cast(target))
            except (pa.ArrowException, TypeError, ValueError):
                raise DataError(
                    f"{_FUNC}: the column {name!r} holds values of different kinds "
                    f"({', '.join(sorted(map(str, types)))}). Cast it to one type in the query."
                ) from None
    return pa.chunked_array(out, target)


def _normalise(arr: Any) -> Any:
    """An Arrow column as journeymine reads it from a database (see read_sql's Notes)."""
    import pyarrow as pa

    t = arr.type
    if pa.types.is_decimal(t):
        whole = t.scale == 0 and t.precision <= 18
        return arr.cast(pa.int64() if whole else pa.float64(), safe=False)
    if pa.types.is_timestamp(t) and t.tz is not None and t.tz != "UTC":
        return arr.cast(pa.timestamp(t.unit, "UTC"))  # the same instants, read in UTC
    if isinstance(t, pa.BaseExtensionType):
        if t.extension_name == "arrow.uuid":
            return pa.array([None if v is None else str(v) for v in arr.to_pylist()], pa.string())
        return arr.storage if isinstance(arr, pa.Array) else _normalise(arr.combine_chunks())
    return arr


def _normalise_batch(batch: Any) -> Any:
    import pyarrow as pa

    return pa.RecordBatch.from_arrays(
        [_normalise(c) for c in batch.columns], names=batch.schema.names
    )


def _arrow_batches(reader: Any, cols: list[str]) -> Any:
    """The batches of an Arrow reader, only ``cols``, normalised, as one table (no copy)."""
    import pyarrow as pa

    batches = [_normalise_batch(batch.select(cols)) for batch in _batches(reader)]
    if not batches:
        empty = reader.schema.empty_table()
        return pa.table({c: _normalise(empty.column(c)) for c in cols})
    return pa.Table.from_batches(batches)


def _batches(reader: Any) -> Iterator[Any]:
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return


# --------------------------------------------------------------------------- DuckDB and ADBC


def _read_duckdb(
    con: Any, source: _Source, query: str, table_name: str | None, mapping: Any, chunksize: int
) -> Any:
    """Read with DuckDB's own Arrow export, ``chunksize`` rows per batch."""

    def relation(sql: str) -> Any:
        rel = con.sql(sql)
        if rel is None:
            raise DataError(f"{_FUNC}: {source.what} returns no rows (it is not a query).")
        return rel

    if table_name is None:
        rel = _guard(source, "query", lambda: relation(query))
        cols = _needed([str(c) for c in rel.columns], mapping, source)
    else:
        header = _guard(
            source,
            "query",
            lambda: relation(f"SELECT * FROM {_quoted(table_name)} LIMIT 0").columns,
        )
        cols = _needed([str(c) for c in header], mapping, source)
        sql = f"SELECT {', '.join(map(_quoted, cols))} FROM {_quoted(table_name)}"
        rel = _guard(source, "query", lambda: relation(sql))
    return _guard(source, "query", lambda: _arrow_batches(_duckdb_reader(rel, chunksize), cols))


def _duckdb_reader(rel: Any, chunksize: int) -> Any:
    for method in ("to_arrow_reader", "fetch_arrow_reader", "record_batch"):  # newest first
        if callable(getattr(rel, method, None)):
            return getattr(rel, method)(chunksize)
    raise DataError(f"{_FUNC}: this DuckDB version cannot export Arrow batches; upgrade it.")


def _read_adbc(
    con: Any, source: _Source, query: str, table_name: str | None, mapping: Any, chunksize: int
) -> Any:
    """Read through an ADBC DB-API connection: the driver's Arrow batches."""
    cursor = _guard(source, "connect", con.cursor)
    try:
        if table_name is None:
            _guard(source, "query", lambda: cursor.execute(query))
            reader = _guard(source, "query", cursor.fetch_record_batch)
            cols = _needed([str(c) for c in reader.schema.names], mapping, source)
        else:
            probe = f"SELECT * FROM {_quoted(table_name)} WHERE 1 = 0"
            _guard(source, "query", lambda: cursor.execute(probe))
            header = _guard(source, "query", lambda: cursor.fetch_arrow_table().column_names)
            cols = _needed([str(c) for c in header], mapping, source)
            sql = f"SELECT {', '.join(map(_quoted, cols))} FROM {_quoted(table_name)}"
            _guard(source, "query", lambda: cursor.execute(sql))
            reader = _guard(source, "query", cursor.fetch_record_batch)
        return _guard(source, "query", lambda: _arrow_batches(reader, cols))
    finally:
        try:
            cursor.close()
        except Exception:  # closing is best effort: the result is complete
            pass
