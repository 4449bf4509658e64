"""The arrays that analyses read: a small, read-only interface over a log (private).

Discovery, the analyzers, the comparisons and the plots read a log through
:class:`EventArrays` (get one with :func:`journeymine.derive.arrays`), never through
the log's private attributes. Everything is expressed as flat arrays in log order
(events sorted by journey, then time) plus journey boundaries:

==================  ==========================================================
``n_events``        number of events
``n_cases``         number of journeys
``offsets``         int64, ``n_cases + 1``: journey ``i`` is rows ``offsets[i]:offsets[i + 1]``
``case``            int64 per event: its journey, ``0 .. n_cases - 1``
``case_as(dtype)``  the same in a narrower dtype (no copy of the log's own codes)
``ongoing``         bool per journey: it may still continue (censored)
``timestamps_ns``   int64 per event: nanoseconds since the epoch (UTC)
``codes(column)``   int per event: code of the column's value, -1 for missing
``labels(column)``  the values the codes point into (a pandas Index)
``case_ids``        the journeys' labels (a pandas Index, ``n_cases`` long)
``column(name)``    a read-only pandas view of an event column, where a Series is needed
``cached(k, f)``    ``f()`` once per key, through the log's one cache
==================  ==========================================================

Every array is read-only: an analysis that needs to change one makes its own copy.

Partitions. Nothing here assumes the whole log: a contiguous range of whole journeys
(:meth:`EventArrays.partition`, as a log too large for one pass is processed
partition by partition) offers the same interface, with journeys numbered from 0 and
rows from 0 inside the partition, ``offsets`` starting at 0, and ``codes`` pointing
into the same ``labels`` as the whole log (so per-partition counts over codes add up).
A kernel written against this interface, over ``case``/``offsets`` and the per-event
arrays, gives per journey the same result on a partition as on the whole log.
What a partition caches is stored in the log's cache under the partition's range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._validation import check_column
from .schema import CASE, TIMESTAMP

if TYPE_CHECKING:
    from .log import JourneyLog

__all__ = ["EventArrays"]


def _readonly(a: np.ndarray) -> np.ndarray:
    out = a.view()
    out.flags.writeable = False
    return out


class EventArrays:
    """Read-only arrays of the journeys ``start .. stop - 1`` of a log (all of them by default).

    Build one with :func:`journeymine.derive.arrays`; see the module docstring.

    Examples
    --------
    >>> import journeymine as jm
    >>> from journeymine.derive import arrays
    >>> log = jm.datasets.load_sample()
    >>> a = arrays(log)
    >>> a.n_events == len(log), a.n_cases == log.n_cases
    (True, True)
    >>> part = a.partition(2, 5)
    >>> part.n_cases, int(part.offsets[-1]) == int(a.offsets[5] - a.offsets[2])
    (3, True)
    """

    __slots__ = ("_log", "_start", "_stop", "_row0", "_row1")

    def __init__(self, log: JourneyLog, start: int = 0, stop: int | None = None) -> None:
        self._log = log
        n = len(log._offsets) - 1
        stop = n if stop is None else stop
        if not 0 <= start <= stop <= n:
            raise IndexError(f"journeys {start}:{stop} are not in a log of {n} journeys")
        self._start = int(start)
        self._stop = int(stop)
        self._row0 = int(log._offsets[start])
        self._row1 = int(log._offsets[stop])

    # ------------------------------------------------------------------ shape
    @property
    def whole(self) -> bool:
        """Whether this is the whole log (not a partition of it)."""
        return self._start == 0 and self._stop == len(self._log._offsets) - 1

    @property
    def n_events(self) -> int:
        """Number of events."""
        return self._row1 - self._row0

    @property
    def n_cases(self) -> int:
        """Number of journeys."""
        return self._stop - self._start

    @property
    def offsets(self) -> np.ndarray:
        """Where each journey starts (int64, read-only); the last entry is ``n_events``."""
        off = self._log._offsets
        if self.whole:
            return _readonly(off)
        return self.cached(
            ("arrays.offsets",), lambda: off[self._start : self._stop + 1] - off[self._start]
        )

    @property
    def case(self) -> np.ndarray:
        """The journey of every event (int64, ``0 .. n_cases - 1``, read-only)."""
        # the key the kernels have always used: one array per log, shared by every analysis
        full = self._log._cached(
            ("kernels.case_codes",),
            lambda: self._log._events[CASE].cat.codes.to_numpy().astype(np.int64),
        )
        if self.whole:
            return full
        return self.cached(("arrays.case",), lambda: full[self._row0 : self._row1] - self._start)

    def case_as(self, dtype: Any) -> np.ndarray:
        """``case`` in a narrower integer ``dtype`` (wide enough for ``n_cases``), read-only.

        For the whole log this is the log's own journey codes when they already have
        that dtype (no copy, no int64 array made); a kernel that keeps the journey of
        every event in its result (discovery) uses it to stay small.
        """
        codes = self._log._codes(CASE)[0]
        if self.whole:
            return _readonly(codes.astype(dtype, copy=False))
        part = codes[self._row0 : self._row1].astype(np.int64) - self._start
        return _readonly(part.astype(dtype, copy=False))

    @property
    def ongoing(self) -> np.ndarray:
        """Per journey: it may still continue (bool, read-only)."""
        return _readonly(self._log._ongoing[self._start : self._stop])

    @property
    def timestamps_ns(self) -> np.ndarray:
        """Event times as int64 nanoseconds since the epoch (read-only)."""
        ts = np.asarray(self._log._events[TIMESTAMP].array.asi8, dtype=np.int64)
        return _readonly(ts[self._row0 : self._row1])

    @property
    def case_ids(self) -> pd.Index:
        """The journeys' labels, in journey order."""
        cats = self._log._events[CASE].cat.categories
        return cats if self.whole else cats[self._start : self._stop]

    @property
    def observation_end(self) -> pd.Timestamp | None:
        """When observation of the log ended (None if not known)."""
        return self._log.observation_end

    # ------------------------------------------------------------------ columns
    @property
    def columns(self) -> list[str]:
        """The event columns: canonical first, then kept extras."""
        return [str(c) for c in self._log._events.columns]

    def has(self, column: str) -> bool:
        """Whether the log has the event column ``column``."""
        return column in self._log._events.columns

    def has_values(self, column: str) -> bool:
        """Whether ``column`` exists and has at least one value in these events."""
        if not self.has(column) or not self.n_events:
            return False
        return bool((np.asarray(self.codes(column)) >= 0).any())

    def codes(self, column: str, func: str = "this function") -> np.ndarray:
        """Integer code of every event's ``column`` value, -1 for missing (read-only).

        Raises MissingColumnError (naming ``func``) if the log has no such column.
        """
        codes = self._log._codes(column, func)[0]
        return codes if self.whole else codes[self._row0 : self._row1]

    def labels(self, column: str, func: str = "this function") -> pd.Index:
        """The values ``codes(column)`` point into (the same for every partition)."""
        return self._log._codes(column, func)[1]

    def column(self, name: str, func: str = "this function") -> pd.Series:
        """A read-only view of an event column (copy-on-write: a write makes a copy).

        The index is the row in these events. Prefer ``codes`` and ``timestamps_ns``;
        use this where a pandas Series is truly needed.
        """
        ev = self._log._events
        if name not in ev.columns:
            check_column(ev.columns, name, "column", func)
        s = ev[name]
        if self.whole:
            return s.copy(deep=False)
        return s.iloc[self._row0 : self._row1].reset_index(drop=True)

    # ------------------------------------------------------------------ the cache
    def cached(self, key: tuple[Any, ...] | None, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per key, in the log's one cache (see ``JourneyLog._cached``).

        A partition's results are stored under its range of journeys. A key that is None
        or holds a None part is computed without caching.
        """
        if key is not None and not self.whole:
            key = ("partition", self._start, self._stop, *key)
        return self._log._cached(key, compute)

    # ------------------------------------------------------------------ partitions
    def partition(self, start: int, stop: int) -> EventArrays:
        """The same interface over journeys ``start .. stop - 1`` of these (whole journeys only)."""
        n = self.n_cases
        if not 0 <= start <= stop <= n:
            raise IndexError(f"journeys {start}:{stop} are not in {n} journeys")
        return EventArrays(self._log, self._start + start, self._start + stop)

    def __repr__(self) -> str:
        part = "" if self.whole else f", journeys {self._start}:{self._stop} of the log"
        return f"EventArrays({self.n_events} events, {self.n_cases} journeys{part})"
