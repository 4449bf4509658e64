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
    "invalid_direction": "direction is not one of inbound, outbound, internal",
    "duplicate": "an exact duplicate of an earlier row",
}

#: The artificial node every journey enters from, in journey graphs.
START = "▶ start"
#: The artificial node every journey leaves to, in journey graphs.
END = "■ end"
