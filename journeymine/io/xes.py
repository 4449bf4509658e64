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

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._validation import Names, validate_params
from ..derive import new_log
from ..errors import InvalidParameterError
from ._xes_stream import ACTIVITY_KEY as _ACTIVITY_KEY
from ._xes_stream import CASE_KEY as _CASE_KEY
from ._xes_stream import GROUP_KEY as _GROUP_KEY
from ._xes_stream import LIFECYCLE_KEY as _LIFECYCLE_KEY
from ._xes_stream import RESOURCE_KEY as _RESOURCE_KEY
from ._xes_stream import TIMESTAMP_KEY as _TIMESTAMP_KEY
from ._xes_stream import parse_parts

if TYPE_CHECKING:
    from ..log import JourneyLog

__all__ = ["read_xes", "xes_classifiers"]


# --------------------------------------------------------------------------- #
# public reader
# --------------------------------------------------------------------------- #


@validate_params(
    {
        "activity": [
            Names(
                "a column name, the name of a classifier of the log or a list of keys",
                non_empty=True,
            )
        ],
        "lifecycle": [
            Names(
                "'all', a transition name such as 'complete' or a list of transition names",
                non_empty=True,
                iterable=True,
            ),
            None,
        ],
    }
)
def read_xes(
    path: str | os.PathLike[str],
    *,
    case: str = _CASE_KEY,
    activity: str | Sequence[str] = _ACTIVITY_KEY,
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
    activity : str or list of str, default "concept:name"
        Column holding the activity (touchpoint); or the name of one of the log's
        ``<classifier>`` elements (e.g. ``"Activity classifier"``), used when no
        column has that name; or a list of keys (e.g.
        ``["concept:name", "lifecycle:transition"]``). Several keys, from a list
        or a classifier, are joined with a space in the order given (``"W_Afhandelen
        leads complete"``); an event lacking some keys joins those it has.
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
        If the file is not well-formed XML, is a truncated or corrupt gzip
        stream, has a DTD, or goes beyond the reader's limits (see Notes).
    journeymine.errors.InvalidParameterError
        If ``lifecycle`` is not None, a string or a collection of strings.

    See Also
    --------
    journeymine.io.pandas.from_pandas : the loader this function delegates to.

    Notes
    -----
    What the reader keeps, and what it leaves out, matching pm4py:

    * one row per ``<event>`` inside a ``<trace>``, in file order; events
      outside any trace belong to no journey: they are rejected rows (reason
      ``"event_outside_trace"``, numbered after the events inside traces), so
      ``len(log) + len(log.rejected)`` counts every ``<event>`` of the file;
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

    Limits: memory and time grow linearly with the file. Files beyond these
    limits are refused with a :class:`~journeymine.errors.DataError` within
    seconds, before they use much time or memory:

    * an attribute value may have up to 1,000,000 characters
      (``MAX_VALUE_CHARS``);
    * at most 1,000 distinct attribute keys for events and 1,000 for traces
      (``MAX_KEYS``): every key becomes a column;
    * no tag, attribute value or text longer than 8 MiB (after decompression,
      ``MAX_TAG_BYTES``);
    * at most 64 MiB of XML and 1,000,000 elements in one event or between
      two events (``MAX_ELEMENT_BYTES``, ``MAX_ELEMENT_NODES``), and
      1 MiB before the end of the root element's start tag
      (``MAX_PROLOG_BYTES``);
    * elements nest at most 256 deep (libxml2's limit);
    * a table of more than 10 million cells (events x keys) must have a value
      in at least one cell in 32.

    No DTD is ever processed: a file whose DOCTYPE declares anything (entities,
    ``<!ATTLIST>`` default values, ...) or refers to an external DTD is refused;
    a bare ``<!DOCTYPE log>`` is accepted. A truncated or corrupt ``.xes.gz`` is
    a ``DataError`` naming the file.

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
    instance. A classifier of name and transition
    (``activity=["concept:name", "lifecycle:transition"]``) tells them apart
    instead; any keys can be joined:

    >>> both = jm.read_xes(path, activity=["concept:name", "org:resource"])
    >>> both.events["activity"].iloc[0]
    'register request Pete'
    """
    from .pandas import from_pandas

    wanted = _lifecycle_values(lifecycle)
    path = _fspath(path)
    parsed, strays = parse_parts(path)
    df = _filter_lifecycle(parsed, wanted)
    df, activity = _activity_column(df, activity, path)

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

    log = from_pandas(
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
    if len(strays):
        log = _reject_strays(log, strays, len(df), path)
    return log


def _activity_column(df: pd.DataFrame, activity: Any, path: str) -> tuple[pd.DataFrame, str]:
    """The events with the activity column ``activity`` names, and that column's name.

    A column name is used as it is; the name of one of the file's classifiers, or a
    list of keys, gives a new column of the keys' values joined with a space.
    """
    if isinstance(activity, str) and (activity in df.columns or activity == _ACTIVITY_KEY):
        return df, activity
    if isinstance(activity, str):
        classifiers = xes_classifiers(path)
        if activity not in classifiers:
            return df, activity  # from_pandas names the missing column
        keys = classifiers[activity]
        what = f"classifier {activity!r} of the log, whose keys are {keys!r}"
    elif (
        isinstance(activity, Sequence)
        and len(activity) > 0
        and all(isinstance(k, str) for k in activity)
    ):
        keys, what = list(activity), "the 'activity' keys"
    else:
        raise InvalidParameterError(
            "The 'activity' parameter of read_xes must be a column name, the name of a "
            f"classifier of the log or a list of keys. Got {activity!r} instead.",
            param="activity",
        )
    missing = [k for k in keys if k not in df.columns]
    if missing or not keys:
        from .._validation import near_matches

        near = [m for k in missing for m in near_matches(k, df.columns, 1)]
        hint = f" Did you mean {near[0]!r}?" if near else ""
        raise InvalidParameterError(
            f"The 'activity' parameter of read_xes must name keys of the log's events "
            f"{[str(c) for c in df.columns]!r}. Got {what}, of which {missing!r} are not in "
            f"the log, instead.{hint}",
            param="activity",
        )
    name = " ".join(keys)
    while name in df.columns:
        name = f"_{name}"
    joined = df[keys[0]].astype("string")
    for k in keys[1:]:  # a missing part leaves out its space
        part = df[k].astype("string")
        joined = (joined + " " + part).fillna(joined).fillna(part)
    joined = joined.astype(object).where(joined.notna(), None)
    return df.assign(**{name: joined}), name


def xes_classifiers(path: str | os.PathLike[str]) -> dict[str, list[str]]:
    """The ``<classifier>`` elements of an XES file: each name and its list of keys.

    Only the file's header (before the first ``<trace>`` or ``<event>``, at most
    1 MiB) is read. Keys with spaces are written in single quotes, as XES says.

    Examples
    --------
    >>> from importlib.resources import files
    >>> from journeymine.io.xes import xes_classifiers
    >>> xes_classifiers(files("journeymine") / "datasets" / "data" / "running-example.xes")
    {'Activity': ['Activity'], 'activity classifier': ['Activity']}
    """
    import re
    import shlex

    from ._xes_stream import _open_binary

    head = b""
    with _open_binary(_fspath(path)) as raw:
        while len(head) < (1 << 20):
            chunk = raw.read(1 << 16)
            if not chunk:
                break
            head += chunk
            if re.search(rb"<(\w+:)?(trace|event)\b", head):
                break
    text = head.decode("utf-8", errors="replace")
    stop = re.search(r"<(\w+:)?(trace|event)\b", text)
    text = text[: stop.start()] if stop else text
    out: dict[str, list[str]] = {}
    for tag in re.finditer(r"<(?:\w+:)?classifier\b([^>]*)>", text):
        pairs = re.finditer(r"([\w:]+)\s*=\s*(\"([^\"]*)\"|'([^']*)')", tag[1])
        attrs = {m[1]: m[3] if m[3] is not None else m[4] for m in pairs}
        if "name" in attrs and "keys" in attrs:
            try:
                out[attrs["name"]] = shlex.split(attrs["keys"])
            except ValueError:  # unbalanced quotes: split at spaces
                out[attrs["name"]] = attrs["keys"].split()
    return out


def _reject_strays(log: JourneyLog, strays: pd.DataFrame, n: int, path: str) -> JourneyLog:
    """``log`` with the events outside any trace added to its rejected rows.

    They are numbered after the ``n`` events inside traces (``row`` n, n + 1, ...),
    in file order, with reason ``"event_outside_trace"``.
    """
    from .._validation import warn
    from ..errors import DataQualityWarning

    rows = strays.copy()
    for col in ("row", "reason"):
        if col in rows.columns:
            rows = rows.rename(columns={col: f"source_{col}"})
    rows.insert(0, "row", np.arange(n, n + len(rows), dtype=np.int64))
    rows["reason"] = "event_outside_trace"
    before = log.rejected
    rejected = pd.concat([before, rows], ignore_index=True) if len(before) else rows
    warn(
        f"{len(rows)} <event>s of XES file {path!r} are outside any <trace>: they belong to no "
        "journey and are kept in log.rejected with reason 'event_outside_trace'.",
        DataQualityWarning,
    )
    return new_log(log, rejected=rejected)


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
        line), is a broken or truncated gzip stream, has a DTD (declarations or
        an external DTD), or goes beyond the reader's limits (see
        :func:`read_xes`, Notes).

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
    return parse_parts(_fspath(path))[0]
