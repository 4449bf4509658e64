"""The journey log: canonical events, sorted once, with case boundaries.

A :class:`JourneyLog` is what every loader returns and every analysis reads.
Its events are sorted once, when the log is built, by (case, timestamp, input
order), and its label columns are categoricals; so each later analysis is a
single vectorised pass over integer codes ("sort once, scan many"). The log is
immutable: functions that change it (:func:`~journeymine.split_journeys`,
:func:`~journeymine.map_stages`, ...) return a new log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._validation import check_column
from .errors import DataError, InvalidParameterError
from .schema import ACTIVITY, CANONICAL_COLUMNS, CASE, CUSTOMER, DIRECTIONS, TIMESTAMP

__all__ = ["JourneyLog"]


class JourneyLog:
    """Touchpoint events in the canonical schema, sorted by journey and time.

    Build one with a loader (:func:`~journeymine.from_pandas`,
    :func:`~journeymine.read_csv`, :func:`~journeymine.read_xes`, ...) rather than
    by hand.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per event, canonical columns first (see :mod:`journeymine.schema`),
        sorted by ``case_id``, ``timestamp`` and input order.
    rejected : pandas.DataFrame
        The input rows that are not in ``events``, with their original columns, the
        input position ``row`` and a ``reason``.
    cases : pandas.DataFrame
        One row per journey: customer, start, end, duration, number of events, first
        and last touchpoint, and whether the journey is ``ongoing`` (censored).
    name : str or None
        A label for the source, used by :func:`~journeymine.combine`.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "visitor": ["a", "a", "b"],
    ...     "page": ["home", "pricing", "home"],
    ...     "at": ["2025-01-01 10:00", "2025-01-01 10:05", "2025-01-02 09:00"],
    ... })
    >>> log = jm.from_pandas(df, customer="visitor", activity="page", timestamp="at")
    >>> log
    JourneyLog: 3 events, 2 journeys, 2 customers, 2025-01-01 to 2025-01-02
    >>> log.events[["case_id", "activity"]].values.tolist()
    [['a', 'home'], ['a', 'pricing'], ['b', 'home']]
    """

    __slots__ = (
        "_events",
        "_offsets",
        "_ongoing",
        "_rejected",
        "_cache",
        "name",
        "customer_key",
        "observation_end",
        "_stitching",
    )

    def __init__(self) -> None:
        raise TypeError(
            "JourneyLog is built by the loaders: use jm.from_pandas, jm.read_csv, "
            "jm.read_parquet, jm.read_json or jm.read_xes."
        )

    # ------------------------------------------------------------------ building
    @classmethod
    def _from_sorted(
        cls,
        events: pd.DataFrame,
        *,
        rejected: pd.DataFrame | None = None,
        ongoing: np.ndarray | None = None,
        name: str | None = None,
        customer_key: str | None = None,
        observation_end: pd.Timestamp | None = None,
        stitching: pd.DataFrame | None = None,
    ) -> JourneyLog:
        """Wrap events that are already canonical and sorted (no copy, no checks of order)."""
        self = object.__new__(cls)
        # the Categorical's own codes, read-only (.cat.codes would copy them into a Series)
        case_codes = np.asarray(events[CASE].array.codes)
        n_cases = len(events[CASE].cat.categories)
        counts = (
            np.bincount(case_codes, minlength=n_cases)
            if len(case_codes)
            else np.zeros(n_cases, dtype=np.int64)
        )
        self._offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        _refuse_too_long(events, self._offsets)
        self._events = events
        self._ongoing = (
            np.zeros(n_cases, dtype=bool) if ongoing is None else np.asarray(ongoing, dtype=bool)
        )
        if len(self._ongoing) != n_cases:
            raise AssertionError("ongoing flags must have one value per case")
        self._rejected = rejected if rejected is not None else _empty_rejected()
        self._cache: dict[Any, Any] = {}
        self.name = name
        self.customer_key = customer_key
        self.observation_end = observation_end
        self._stitching = stitching
        return self

    @classmethod
    def _from_canonical(cls, frame: pd.DataFrame, **kwargs: Any) -> JourneyLog:
        """Sort a canonical frame once by (case, timestamp, input order) and wrap it."""
        return cls._from_sorted(sort_canonical(frame), **kwargs)

    def _replace(self, events: pd.DataFrame | None = None, **changes: Any) -> JourneyLog:
        """A new log sharing everything with this one but what ``changes`` names."""
        kwargs = {
            "rejected": self._rejected,
            "ongoing": self._ongoing,
            "name": self.name,
            "customer_key": self.customer_key,
            "observation_end": self.observation_end,
            "stitching": self._stitching,
        }
        kwargs.update(changes)
        return JourneyLog._from_sorted(self._events if events is None else events, **kwargs)

    # ------------------------------------------------------------------ views
    @property
    def events(self) -> pd.DataFrame:
        """The events as a DataFrame (a copy-on-write view: changing it leaves the log intact)."""
        return self._events.copy(deep=False)

    @property
    def rejected(self) -> pd.DataFrame:
        """Input rows that are not in the log, each with its input position and a ``reason``."""
        return self._rejected.copy(deep=False)

    @property
    def cases(self) -> pd.DataFrame:
        """One row per journey (see :func:`journeymine.derive.case_table`)."""
        from .derive import case_table

        return case_table(self).copy(deep=False)

    @property
    def stitching(self) -> pd.DataFrame | None:
        """Per source, events linked through the identity crosswalk (set by :func:`~journeymine.combine`)."""
        return None if self._stitching is None else self._stitching.copy()

    @property
    def columns(self) -> list[str]:
        """The event columns: canonical first, then kept extras."""
        return [str(c) for c in self._events.columns]

    @property
    def n_cases(self) -> int:
        """Number of journeys."""
        return len(self._offsets) - 1

    @property
    def case_offsets(self) -> np.ndarray:
        """Where each journey starts in ``events``; the last entry is ``len(events)``."""
        out = self._offsets.view()
        out.flags.writeable = False
        return out

    def __len__(self) -> int:
        return len(self._events)

    def __repr__(self) -> str:
        ev = self._events
        n_cust = (
            int((np.bincount(ev[CUSTOMER].cat.codes.to_numpy() + 1) > 0)[1:].sum())
            if len(ev)
            else 0
        )
        head = f"JourneyLog: {len(ev)} events, {self.n_cases} journeys, {n_cust} customers"
        if len(ev):
            ts = ev[TIMESTAMP]
            head += f", {ts.min():%Y-%m-%d} to {ts.max():%Y-%m-%d}"
        if len(self._rejected):
            head += f" ({len(self._rejected)} rows rejected, see .rejected)"
        return head

    def _repr_html_(self) -> str:
        """Notebook display: headline figures and the first events, every value escaped."""
        from ._html import esc, html_table

        figures = "".join(
            f"<tr><th>{esc(key.replace('_', ' '))}</th><td>{esc(value)}</td></tr>"
            for key, value in self.summary().items()
        )
        shown = min(10, len(self))
        return (
            f"<div><p><b>{esc(repr(self))}</b></p><table><tbody>{figures}</tbody></table>"
            f"{html_table(self.events, max_rows=10)}<p>First {shown:,} of {len(self):,} events.</p></div>"
        )

    def summary(self) -> dict[str, Any]:
        """Headline figures of the log as a plain dict.

        Examples
        --------
        >>> import journeymine as jm
        >>> s = jm.datasets.load_sample().summary()
        >>> sorted(s)[:4]
        ['channels', 'customers', 'departments', 'events']
        """
        from .derive import case_table

        cases = case_table(self)
        ev = self._events
        out: dict[str, Any] = {
            "events": int(len(ev)),
            "journeys": int(self.n_cases),
            "customers": int(cases[CUSTOMER].nunique()),
            "rejected_rows": int(len(self._rejected)),
            "ongoing_journeys": int(self._ongoing.sum()),
            "touchpoints": int(ev[ACTIVITY].nunique()),
            "channels": int(ev["channel"].nunique()),
            "departments": int(ev["department"].nunique()),
            "first_event": None if not len(ev) else ev[TIMESTAMP].min().isoformat(),
            "last_event": None if not len(ev) else ev[TIMESTAMP].max().isoformat(),
            "median_events_per_journey": float(cases["n_events"].median()) if len(cases) else None,
            "median_journey_duration": None if not len(cases) else str(cases["duration"].median()),
        }
        return out

    # ------------------------------------------------------------------ selection
    def select_cases(self, cases: Sequence[Any] | np.ndarray | pd.Series) -> JourneyLog:
        """A new log with only the given journeys.

        Parameters
        ----------
        cases : sequence of case ids, or boolean array with one value per journey
            Which journeys to keep (in ``log.cases`` order for a boolean mask).

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_sample()
        >>> small = log.select_cases(log.cases["case_id"][:3])
        >>> small.n_cases
        3
        """
        keep = np.asarray(cases)
        if keep.dtype == bool:
            if len(keep) != self.n_cases:
                raise InvalidParameterError(
                    "The 'cases' parameter of select_cases must be a boolean mask with one value "
                    f"per journey ({self.n_cases}). Got {len(keep)} values instead."
                )
            mask_cases = keep
        else:
            cats = self._events[CASE].cat.categories
            idx = cats.get_indexer(pd.Index(keep.astype(str), dtype=object))
            if (idx < 0).any():
                missing = keep[idx < 0][:5].tolist()
                raise InvalidParameterError(
                    "The 'cases' parameter of select_cases must name journeys of the log. "
                    f"Got unknown ids {missing} instead."
                )
            mask_cases = np.zeros(self.n_cases, dtype=bool)
            mask_cases[idx] = True
        codes = self._events[CASE].cat.codes.to_numpy()
        rows = mask_cases[codes] if len(codes) else np.zeros(0, dtype=bool)
        ev = self._events.loc[rows].reset_index(drop=True)
        ev[CASE] = ev[CASE].cat.remove_unused_categories()
        for col in (CUSTOMER,):
            ev[col] = ev[col].cat.remove_unused_categories()
        return self._replace(ev, ongoing=self._ongoing[mask_cases])

    # ------------------------------------------------------------------ interop
    def to_pm4py(self) -> pd.DataFrame:
        """The events as a DataFrame in pm4py's column convention.

        ``case:concept:name``, ``concept:name``, ``time:timestamp``, ``org:resource``
        and ``org:group`` (department); other columns keep their names. pm4py itself is
        not needed to make it.

        Examples
        --------
        >>> import journeymine as jm
        >>> df = jm.datasets.load_sample().to_pm4py()
        >>> list(df.columns[:3])
        ['case:concept:name', 'concept:name', 'time:timestamp']
        """
        ev = self._events
        out = pd.DataFrame(
            {
                "case:concept:name": ev[CASE].astype(str),
                "concept:name": ev[ACTIVITY].astype(str),
                "time:timestamp": ev[TIMESTAMP],
                "org:resource": ev["resource"].astype(object),
                "org:group": ev["department"].astype(object),
            }
        )
        for col in ev.columns:
            if col not in (CASE, ACTIVITY, TIMESTAMP, "resource", "department"):
                out[col] = ev[col]
        return out

    def _codes(self, column: str, func: str = "this function") -> tuple[np.ndarray, pd.Index]:
        """Integer codes (-1 for missing) and labels of an event column."""
        if column not in self._events.columns:
            check_column(self._events.columns, column, "level", func)
        return self._cached(("codes", column), lambda: self._encode(column))

    def _encode(self, column: str) -> tuple[np.ndarray, pd.Index]:
        s = self._events[column]
        if isinstance(s.dtype, pd.CategoricalDtype):
            return s.cat.codes.to_numpy(), s.cat.categories
        from ._encode import to_categorical

        cat = to_categorical(s)
        return np.asarray(cat.codes), cat.categories

    # ------------------------------------------------------------------ the cache
    def _cached(self, key: tuple[Any, ...] | None, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per log and ``key``: the one cache of journeymine.

        A log never changes, so neither does anything computed from it. ``key`` names
        the computation and every setting it depends on; a key that is None or holds a
        None part (a goal given as a predicate: two lambdas cannot be told apart) is
        computed without caching. What is stored is frozen (numpy arrays read-only, also
        inside tuples and dataclasses) and DataFrames and Series are handed out as
        copy-on-write views, so no caller can alter what later analyses read.
        """
        try:
            cacheable = key is not None and None not in key
        except TypeError:  # a setting that is not a plain value: the caller raises its own error
            cacheable = False
        if not cacheable:
            return compute()
        if key not in self._cache:
            self._cache[key] = _freeze(compute())
        return _view(self._cache[key])


def _freeze(value: Any) -> Any:
    """Make the arrays of a value about to be cached read-only (in place; it is ours)."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple | list):
        for v in value:
            _freeze(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _freeze(getattr(value, f.name))
    return value


def _view(value: Any) -> Any:
    """What a caller of the cache gets: views that cannot write through to the cache."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)  # copy-on-write (pandas >= 3): a write makes a copy
    if isinstance(value, tuple):
        return tuple(_view(v) for v in value)
    return value


def _refuse_too_long(events: pd.DataFrame, offsets: np.ndarray) -> None:
    """Raise if a journey spans more than a duration holds (``pd.Timedelta.max``, ~292 years).

    Loaders reject such journeys' rows (``journey_too_long``); this guards the other ways
    a journey can grow (stitching in ``combine``), so that ``log.cases`` never overflows.
    """
    if TIMESTAMP not in events or len(offsets) < 2 or not len(events):
        return
    ts = events[TIMESTAMP].array.asi8
    full = offsets[1:] > offsets[:-1]
    first, last = offsets[:-1][full], offsets[1:][full] - 1
    # the difference as unsigned: exact for last >= first, where int64 would overflow
    span = ts[last].view(np.uint64) - ts[first].view(np.uint64)
    bad = np.flatnonzero(span > np.uint64(pd.Timedelta.max.value))
    if len(bad):
        ids = np.asarray(events[CASE].cat.categories, dtype=object)[np.flatnonzero(full)[bad]]
        # the failing rows: the first and last event of each such journey
        rows = np.sort(np.concatenate([first[bad], last[bad]]))
        raise DataError(
            f"{len(bad)} journeys span more than a duration can hold (about 292 years), e.g. "
            f"{[str(i) for i in ids[:5]]!r}. Drop their far-off events (a placeholder date such "
            "as 1700-01-01?) before combining, or load them with their own journey ids. "
            "The first and last event of each are in the error's failure_cases.",
            failure_cases=events.iloc[rows].reset_index(drop=True),
        )


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(
        {"row": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype=object)}
    )


def sort_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort a canonical frame by (case code, timestamp, input order); return a fresh RangeIndex.

    ``frame[case_id]`` must be a Categorical whose category order is the wanted case
    order. A log that is already in order (common for exports) is detected in one
    linear pass and not sorted again.
    """
    if not len(frame):
        return frame.reset_index(drop=True)
    order = row_order(np.asarray(frame[CASE].array.codes), frame[TIMESTAMP].array.asi8)
    if order is None:
        return frame.reset_index(drop=True)
    return frame.take(order).reset_index(drop=True)


def row_order(case: np.ndarray, ts: np.ndarray) -> np.ndarray | None:
    """The stable order of rows by (case code, timestamp), or None if they are in it already.

    ``case`` are integer case codes, ``ts`` int64 nanoseconds. Equal (case, timestamp)
    keep their input order. Two linear checks pick the cheapest sort: none for rows
    already grouped by case and in time order (common for exports); one stable sort by
    case for rows in time order (an event stream), which keeps that time order inside
    each case; otherwise a stable sort by time, then that stable sort by case.
    """
    if len(case) < 2:
        return None
    same_case = case[1:] == case[:-1]
    later = ts[1:] >= ts[:-1]
    if bool(np.all((case[1:] > case[:-1]) | (same_case & later))):
        return None
    if len(case) and (int(case.min()) < 0 or int(case.max()) >= 2**32):
        # np.lexsort is stable, so equal (case, timestamp) keep their input order
        return np.lexsort((ts, case))
    if bool(later.all()):
        return _stable_argsort_codes(case)
    by_time = np.argsort(ts, kind="stable")
    return by_time[_stable_argsort_codes(case[by_time])]


def _stable_argsort_codes(codes: np.ndarray) -> np.ndarray:
    """Stable argsort of integer codes in [0, 2**32).

    Category codes are dense (fewer distinct values than rows), so a counting sort,
    linear in rows and codes, is the fastest stable sort: pandas' own
    (``groupsort_indexer``, what its groupby sorts with) orders ten million journey
    codes about ten times faster than the radix sort below. Without it (another
    pandas), or for codes much sparser than the rows, the radix sort in 16-bit
    digits: numpy sorts 16-bit keys stably in linear time, and two passes (low digit,
    then high) are about twice as fast as one timsort.
    """
    n_codes = int(codes.max()) + 1
    if n_codes <= 2 * len(codes) + 2**16:
        try:
            from pandas._libs.algos import groupsort_indexer
        except ImportError:  # pragma: no cover - other pandas versions
            pass
        else:
            order, _ = groupsort_indexer(codes.astype(np.intp, copy=False), n_codes)
            return order
    if n_codes <= 2**16:
        return np.argsort(codes.astype(np.uint16), kind="stable")
    low = np.argsort((codes & 0xFFFF).astype(np.uint16), kind="stable")
    high = (codes[low] >> 16).astype(np.uint16)
    return low[np.argsort(high, kind="stable")]


def canonical_order(columns: Sequence[str]) -> list[str]:
    """Canonical columns first (in schema order), then the rest in their given order."""
    cols = list(columns)
    return [c for c in CANONICAL_COLUMNS if c in cols] + [
        c for c in cols if c not in CANONICAL_COLUMNS
    ]


DIRECTION_DTYPE = pd.CategoricalDtype(list(DIRECTIONS))
