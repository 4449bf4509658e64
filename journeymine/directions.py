"""Whose turn it is: set the ``direction`` of events by rules.

Silent gaps say whose turn a wait was from the ``direction`` of events: an
inbound event (customer to company) hands the turn to the company, an outbound
one (company to customer) to the customer, an internal one leaves it as it was.
Many logs have no direction column; :func:`classify_direction` derives one from
rules over any event column (the rule format is described in
:func:`classify_direction`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _rules
from ._validation import validate_params
from .derive import arrays, new_log
from .errors import InvalidParameterError
from .log import DIRECTION_DTYPE, JourneyLog
from .schema import DIRECTION, DIRECTIONS

__all__ = ["classify_direction"]

Rules = str | Sequence[Mapping[str, Any] | str]


@validate_params({"log": ["log"]})  # the rules are read by _rules.parse_rules
def classify_direction(log: JourneyLog, rules: Rules) -> JourneyLog:
    """A new log whose ``direction`` column is set by rules (the input is not changed).

    Each event is classified as ``inbound`` (customer to company: the company's turn
    follows), ``outbound`` (company to customer: the customer's turn follows) or
    ``internal`` (the turn does not change). :func:`silent_gaps` carries the turn
    forward within each journey from the last inbound or outbound event.

    Parameters
    ----------
    log : JourneyLog
    rules : "process" or list of rules
        An ordered list of rules, each a mapping with the keys

        =========  ==========================================================
        column     an event column of the log: activity, channel, department,
                   resource, direction, or a kept column (``lifecycle:transition``)
        pattern    text, or a list of texts (any of them)
        direction  ``"inbound"``, ``"outbound"`` or ``"internal"``
        match      ``"exact"`` (default): the value (as text) equals a pattern;
                   ``"regex"``: :func:`re.search` of a pattern finds it in the
                   value (write ``(?i)`` for case-insensitive)
        =========  ==========================================================

        The first rule that matches an event decides; events no rule matches keep
        the direction they had (missing if none). ``"process"`` is the default rule
        set for process logs (activity names: a request submitted, received, created
        or triaged is inbound; a reply, notification, resolution, offer or waiting
        for the customer is outbound; checks, decisions and drafts are internal;
        the rest keep the direction they had, missing in most process logs, which
        like internal leaves the turn unchanged; see the user guide). ``"process"``
        may also be an item of the list: rules before it take precedence over it,
        rules after it classify what it leaves alone.

    Returns
    -------
    JourneyLog
        The same events, journeys, ongoing flags and observation end, with the new
        ``direction`` column.

    Raises
    ------
    InvalidParameterError
        A rule is malformed (a missing or unknown key, a direction that is not one
        of the three, an invalid regular expression) or names a column the log does
        not have; the message names the rule by its index and the key.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "a"],
    ...     "tp": ["Open ticket", "Assign agent", "Reply", "Close"],
    ...     "t": pd.date_range("2025-01-01", periods=4, freq="D"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> rules = [
    ...     {"column": "activity", "pattern": "Open ticket", "direction": "inbound"},
    ...     {"column": "activity", "pattern": "(?i)reply|answer", "match": "regex",
    ...      "direction": "outbound"},
    ... ]
    >>> jm.classify_direction(log, rules).events["direction"].tolist()
    ['inbound', nan, 'outbound', nan]
    >>> jm.classify_direction(log, "process").events["direction"].tolist()
    ['inbound', 'internal', 'outbound', nan]
    """
    parsed = _rules.parse_rules(rules, "rules", "classify_direction")
    bad = _rules.column_problems(rules, log.columns, "rules")
    if bad:
        raise InvalidParameterError(
            "The 'rules' parameter of classify_direction must name event columns of the log. "
            + " ".join(bad)
        )
    arr = arrays(log)
    codes = _rules.classify(
        parsed,
        lambda col: (arr.codes(col, "classify_direction"), arr.labels(col, "classify_direction")),
        _current(log),
    )
    direction = pd.Categorical.from_codes(codes.astype(np.int8), dtype=DIRECTION_DTYPE)
    events = log.events.assign(**{DIRECTION: direction})
    return new_log(log, events)


def _current(log: JourneyLog) -> np.ndarray:
    """The events' direction codes (0 inbound, 1 outbound, 2 internal, -1 missing)."""
    arr = arrays(log)
    if not arr.has(DIRECTION):
        return np.full(arr.n_events, -1, dtype=np.int8)
    s = arr.column(DIRECTION)
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(DIRECTION_DTYPE)
    lut = np.asarray(
        [DIRECTIONS.index(str(c)) if str(c) in DIRECTIONS else -1 for c in s.cat.categories] + [-1],
        dtype=np.int8,
    )
    return lut[s.cat.codes.to_numpy()]
