"""The canonical journey-log schema: column names, their meaning and their types.

Columns are mapped to these names once, when the data is loaded; everything
after that speaks only the canonical names.

=============  ==========================  =====================================================
column         dtype in ``log.events``     meaning
=============  ==========================  =====================================================
case_id        category                    the journey (case) the event belongs to
customer_id    category                    the customer, after identity stitching
timestamp      datetime64[ns, UTC]         when the event happened (naive input is read in ``tz``)
activity       category                    the touchpoint ("viewed pricing", "called support")
channel        category                    web, app, email, phone, chat, store, ... (may be missing)
department     category                    the owning department (may be missing)
resource       category                    the agent, system or person (may be missing)
direction      category                    ``inbound`` (customer-initiated), ``outbound``
                                           (company-initiated), ``internal``, or missing
=============  ==========================  =====================================================

Any other column the user keeps is carried along unchanged, after these.

Examples
--------
>>> from journeymine.schema import CANONICAL_COLUMNS, DIRECTIONS
>>> CANONICAL_COLUMNS[:4]
('case_id', 'customer_id', 'timestamp', 'activity')
>>> DIRECTIONS
('inbound', 'outbound', 'internal')
"""

from __future__ import annotations

__all__ = [
    "CASE",
    "CUSTOMER",
    "TIMESTAMP",
    "ACTIVITY",
    "CHANNEL",
    "DEPARTMENT",
    "RESOURCE",
    "DIRECTION",
    "CANONICAL_COLUMNS",
    "LABEL_COLUMNS",
    "DIRECTIONS",
    "REJECT_REASONS",
    "START",
    "END",
    "Marker",
]

CASE = "case_id"
CUSTOMER = "customer_id"
TIMESTAMP = "timestamp"
ACTIVITY = "activity"
CHANNEL = "channel"
DEPARTMENT = "department"
RESOURCE = "resource"
DIRECTION = "direction"

#: Every canonical column, in the order ``log.events`` shows them.
CANONICAL_COLUMNS: tuple[str, ...] = (
    CASE,
    CUSTOMER,
    TIMESTAMP,
    ACTIVITY,
    CHANNEL,
    DEPARTMENT,
    RESOURCE,
    DIRECTION,
)

#: The canonical columns that hold labels (stored as categoricals).
LABEL_COLUMNS: tuple[str, ...] = (ACTIVITY, CHANNEL, DEPARTMENT, RESOURCE)

#: Allowed values of ``direction`` (missing is allowed too).
DIRECTIONS: tuple[str, ...] = ("inbound", "outbound", "internal")

#: Why a row can end up in ``log.rejected``.
REJECT_REASONS: dict[str, str] = {
    "missing_case": "the case (journey) identifier is missing",
    "missing_customer": "the customer identifier is missing and there is no case column",
    "missing_activity": "the activity (touchpoint) is missing",
    "missing_timestamp": "the timestamp is missing",
    "unparseable_timestamp": "the timestamp could not be read as a date and time",
    "timestamp_out_of_range": "the timestamp is outside the supported range, 1677-09-22 to 2262-04-11",
    "ambiguous_local_time": "the local time occurs twice in the time zone 'tz' (a clock change)",
    "nonexistent_local_time": "the local time does not exist in the time zone 'tz' (a clock change)",
    "journey_too_long": "the journey spans more than a duration holds (about 292 years)",
    "invalid_direction": "direction is not one of inbound, outbound, internal",
    "event_outside_trace": "an XES <event> outside any <trace>: it belongs to no journey",
    "duplicate": "an exact duplicate of an earlier row",
}


class Marker:
    """The start or the end of the journeys in a journey graph: a node of its own kind.

    The two markers, :data:`START` and :data:`END`, are the only instances. They are
    not strings, so no touchpoint name can equal them, whatever it spells: in a
    graph's ``edges`` table, ``source == jm.START`` picks exactly the entries, even
    when a touchpoint is literally named ``"▶ start"``. ``str(jm.START)`` is its
    display label (``"▶ start"``), used in pictures, exports and text outputs.
    Markers compare equal only to themselves, hash by identity, sort before
    (START) or after (END) every name, and pickle and copy as the same object.

    Examples
    --------
    >>> from journeymine.schema import END, START
    >>> START == "▶ start", str(START), START == START
    (False, '▶ start', True)
    >>> sorted(["b", END, "a", START])
    [START, 'a', 'b', END]
    """

    __slots__ = ("_label", "_name", "_rank")

    def __init__(self, name: str, label: str, rank: int) -> None:
        self._name = name
        self._label = label
        self._rank = rank

    @property
    def kind(self) -> str:
        """``"start"`` or ``"end"`` (the ``kind`` of the node in exports)."""
        return self._name.lower()

    def __repr__(self) -> str:
        return self._name

    def __str__(self) -> str:
        return self._label

    def __format__(self, spec: str) -> str:
        return format(self._label, spec)

    def __reduce__(self) -> str:
        return self._name  # pickled by name: unpickles to the same marker

    def __copy__(self) -> Marker:
        return self

    def __deepcopy__(self, memo: dict) -> Marker:
        return self

    def _cmp(self, other: object) -> int | None:
        mine = self._rank
        theirs = other._rank if isinstance(other, Marker) else 0 if isinstance(other, str) else None
        return None if theirs is None else (mine > theirs) - (mine < theirs)

    def __lt__(self, other: object) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c < 0

    def __le__(self, other: object) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c <= 0

    def __gt__(self, other: object) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c > 0

    def __ge__(self, other: object) -> bool:
        c = self._cmp(other)
        return NotImplemented if c is None else c >= 0


#: The artificial node every journey enters from, in journey graphs (a :class:`Marker`,
#: never equal to a touchpoint name; ``str(START)`` is ``"▶ start"``).
START = Marker("START", "▶ start", -1)
#: The artificial node every journey leaves to, in journey graphs (a :class:`Marker`,
#: never equal to a touchpoint name; ``str(END)`` is ``"■ end"``).
END = Marker("END", "■ end", 1)
