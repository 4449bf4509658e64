"""Customers coming back: repeat contacts across channels, and touchpoints repeated (loops)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import _kernels as K
from .._stats import rate
from .._validation import to_timedelta, validate_params, warn
from ..derive import case_codes, event_times, transitions, visits
from ..errors import DataQualityWarning
from ..log import JourneyLog
from ..schema import ACTIVITY, CHANNEL
from . import _common as C
from ._provenance import stamp

__all__ = ["repeat_contacts", "loops"]

_HASH = np.uint64(0x9E3779B97F4A7C15)


@validate_params(
    {
        "log": ["log"],
        "window": ["duration"],
        "level": ["column"],
        "self_service": ["channels", None],
        "chains": ["boolean"],
    }
)
def repeat_contacts(
    log: JourneyLog,
    *,
    window: str | pd.Timedelta = "7D",
    level: str = CHANNEL,
    self_service: Sequence[str] | None = C.SELF_SERVICE,
    chains: bool = False,
) -> pd.DataFrame:
    """Customer contacts followed by another contact of the same journey within ``window``.

    A *contact* is an inbound event (customer-initiated) that is not on a self-service
    channel. A contact is *repeated* when the journey's next contact comes within
    ``window`` of it, on any channel: an email, then a chat the next day, then a call.

    Parameters
    ----------
    log : JourneyLog
    window : str or Timedelta, default "7D"
        How soon the next contact must come to count as a repeat.
    level : str, default "channel"
        The column that labels contacts (``"activity"`` for touchpoints,
        ``"department"``, ...). On a log without channel values, ``"channel"`` falls
        back to ``"activity"`` (with a :class:`~journeymine.DataQualityWarning` saying
        so): contacts are then labelled by touchpoint, never as ``None -> None``.
    self_service : list of str or None, default ("web", "app")
        Channels whose inbound events are self-service use, not contacts (matched
        ignoring case); None makes every inbound event a contact.
    chains : bool, default False
        Return one row per chain of repeated contacts (e.g. "email → chat → phone")
        instead of one row per pair.

    Returns
    -------
    pandas.DataFrame
        By default one row per (from, to) pair of ``level`` values with at least one
        repeat, columns:

        ===============  ==============================================================
        from, to         ``level`` of the contact and of the repeat that followed it
                         (missing where the event has no value)
        repeats          contacts on ``from`` followed within ``window`` by the next
                         contact, on ``to``
        journeys         journeys with at least one such repeat
        contacts         all contacts on ``from`` (the denominator of ``share``)
        share            ``repeats / contacts``
        median_interval  median time from the contact to its repeat
        switch           ``from != to`` (the customer changed channel)
        ===============  ==============================================================

        Sorted by ``repeats`` (descending), then names.

        With ``chains=True``, one row per sequence of ``level`` values of a maximal chain
        of contacts each within ``window`` of the one before: ``chain`` (the values
        joined by " → "), ``length`` (contacts), ``chains``, ``journeys`` and
        ``median_span`` (first to last contact); sorted by ``chains``, then ``length``
        (descending), then ``chain``.

    Raises
    ------
    MissingColumnError
        If the log has no ``direction`` values (with how to map them), or ``level`` is
        not a column, or a ``level`` other than ``"channel"`` has no values.

    Warns
    -----
    DataQualityWarning
        If ``level="channel"`` and the log has no channel values: the table is by touchpoint.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "b"],
    ...     "tp": ["email us", "chat", "call", "email us"],
    ...     "ch": ["email", "chat", "phone", "email"],
    ...     "t": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-01"]),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t", channel="ch",
    ...                      labels={"direction": "inbound"})
    >>> jm.repeat_contacts(log)[["from", "to", "repeats", "contacts", "share"]]
        from     to  repeats  contacts  share
    0  chat  phone        1         1    1.0
    1  email   chat        1         2    0.5
    >>> jm.repeat_contacts(log, chains=True)[["chain", "length", "chains"]]
                       chain  length  chains
    0  email → chat → phone       3       1
    """
    table, _ = _repeats(log, window, level, self_service, chains, "repeat_contacts")
    params = {"window": window, "level": level, "self_service": self_service, "chains": chains}
    return stamp(table, log, "repeat_contacts", **params)


def _repeats(
    log: JourneyLog,
    window: str | pd.Timedelta,
    level: str,
    self_service: Sequence[str] | None,
    chains: bool,
    func: str,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The repeat-contact table, and per journey which rows it has (for pain_points)."""
    win = to_timedelta(window, "window", func, allow_none=False)
    skip = tuple(C.names(self_service))
    level = _grouping(log, level, func)
    key = ("analyzers.repeats", win.value, level, skip, bool(chains))
    return C.memo(log, key, lambda: _repeat_tables(log, win, level, list(skip), chains, func))


def _grouping(log: JourneyLog, level: str, func: str) -> str:
    """The column that labels contacts: ``level``, or the touchpoint when ``level`` is the
    channel and the log has none (a ``None -> None`` row would say nothing)."""
    C.level_codes(log, level, func)
    if not len(log) or C.has_values(log, level):
        return level
    if level == CHANNEL:
        warn(
            f"{func}: the log has no 'channel' values, so contacts are grouped by "
            "touchpoint ('activity') instead. " + C._HINTS[CHANNEL],
            DataQualityWarning,
        )
        return ACTIVITY
    C.require_values(log, level, func, f"whose values label the contacts (level={level!r})")
    return level


def _repeat_tables(
    log: JourneyLog,
    win: pd.Timedelta,
    level: str,
    self_service: Sequence[str] | None,
    chains: bool,
    func: str,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    codes, labels = C.level_codes(log, level, func)
    contact = C.contact_mask(log, self_service, func, "to tell customer contacts apart")
    case = case_codes(log)
    ts = event_times(log)
    cpos = np.flatnonzero(contact)
    cc = case[cpos]
    rep = np.zeros(len(cpos), dtype=bool)  # rep[i]: contact i is repeated by contact i + 1
    if len(cpos) > 1:
        rep[:-1] = (cc[1:] == cc[:-1]) & (ts[cpos[1:]] - ts[cpos[:-1]] <= win.value)
    b = codes[cpos] + 1  # 0 = missing
    L = len(labels) + 1
    if chains:
        return _chains(log, cpos, cc, rep, b, labels, ts), {}
    i = np.flatnonzero(rep)
    pair = b[i] * L + b[i + 1]
    uniq, inv = K.distinct_inverse(pair)
    P = len(uniq)
    n_rep = np.bincount(inv, minlength=P)
    jkey = K.distinct(cc[i] * P + inv, case_major=True) if len(i) else np.zeros(0, np.int64)
    journeys = np.bincount(jkey % P, minlength=P)
    contacts_from = np.bincount(b, minlength=L)[uniq // L]
    med = K.group_quantiles(inv, ts[cpos[i + 1]] - ts[cpos[i]], P, (0.5,), global_positions=True)[
        :, 0
    ]
    src = C.labels_of(labels, uniq // L - 1)
    dst = C.labels_of(labels, uniq % L - 1)
    table = pd.DataFrame(
        {
            "from": src,
            "to": dst,
            "repeats": n_rep.astype(np.int64),
            "journeys": journeys.astype(np.int64),
            "contacts": contacts_from.astype(np.int64),
            "share": rate(n_rep, contacts_from),
            "median_interval": K.ns_to_timedelta(med),
            "switch": (uniq // L) != (uniq % L),
        }
    )
    order = np.lexsort((C.sort_key(table["to"]), C.sort_key(table["from"]), -n_rep))
    row_of = np.empty(P, dtype=np.int64)
    row_of[order] = np.arange(P)
    # journeys "exposed" to each row: with a contact on the row's ``from`` value
    row_from = uniq[order] // L
    by_from = np.argsort(row_from, kind="stable")
    per_from = np.bincount(row_from, minlength=L)
    from_start = np.concatenate([[0], np.cumsum(per_from)[:-1]])
    ukey = K.distinct(cc * L + b, case_major=True) if len(cc) else np.zeros(0, np.int64)
    kc, kf = ukey // L, ukey % L
    n_rep_rows = per_from[kf]
    offset = np.repeat(np.cumsum(n_rep_rows) - n_rep_rows, n_rep_rows)
    within = np.arange(int(n_rep_rows.sum())) - offset
    internals = {
        "case_repeat": cc[i],
        "row_repeat": row_of[inv],
        "case_contact": np.repeat(kc, n_rep_rows),
        "row_contact": by_from[np.repeat(from_start[kf], n_rep_rows) + within],
    }
    return table.iloc[order].reset_index(drop=True), internals


def _chains(
    log: JourneyLog,
    cpos: np.ndarray,
    cc: np.ndarray,
    rep: np.ndarray,
    b: np.ndarray,
    labels: pd.Index,
    ts: np.ndarray,
) -> pd.DataFrame:
    """One row per distinct sequence of maximal repeat chains (length >= 2)."""
    cols = ["chain", "length", "chains", "journeys", "median_span"]
    start = np.r_[True, ~rep[:-1]] if len(rep) else np.zeros(0, bool)
    cid = np.cumsum(start) - 1
    n_chain = int(cid[-1]) + 1 if len(cid) else 0
    length = np.bincount(cid, minlength=n_chain)
    first = np.flatnonzero(start)
    pos_in = np.arange(len(cid)) - first[cid]
    # polynomial hash of the chain's value sequence (uint64 arithmetic wraps on purpose)
    with np.errstate(over="ignore"):
        powers = np.ones(max(int(length.max()) if n_chain else 1, 1), dtype=np.uint64)
        for k in range(1, len(powers)):
            powers[k] = powers[k - 1] * _HASH
        terms = (b.astype(np.uint64) + np.uint64(1)) * powers[pos_in]
    h = np.add.reduceat(terms, first) if n_chain else np.zeros(0, np.uint64)
    keep = np.flatnonzero(length >= 2)
    if not len(keep):
        return pd.DataFrame({c: [] for c in cols})
    key = pd.MultiIndex.from_arrays([h[keep], length[keep]])
    gid, uniq = pd.factorize(key)
    G = len(uniq)
    n = np.bincount(gid, minlength=G)
    ccase = cc[first[keep]]
    jkey = K.distinct(ccase * G + gid, case_major=True)
    journeys = np.bincount(jkey % G, minlength=G)
    last = first[keep] + length[keep] - 1
    span = ts[cpos[last]] - ts[cpos[first[keep]]]
    med = K.group_quantiles(gid, span, G, (0.5,), global_positions=True)[:, 0]
    # factorize numbers values in order of first appearance: a new value exceeds all before it
    seen = np.r_[-1, np.maximum.accumulate(gid)[:-1]]
    rep_chain = keep[np.flatnonzero(gid > seen)]
    names = []
    for c in rep_chain:  # one representative per distinct chain (few), not per journey
        vals = C.labels_of(labels, b[first[c] : first[c] + length[c]] - 1)
        names.append(" \u2192 ".join("(missing)" if v is None else v for v in vals))
    table = pd.DataFrame(
        {
            "chain": names,
            "length": length[rep_chain].astype(np.int64),
            "chains": n.astype(np.int64),
            "journeys": journeys.astype(np.int64),
            "median_span": K.ns_to_timedelta(med),
        }
    )
    order = np.lexsort(
        (table["chain"].to_numpy(), -table["length"].to_numpy(), -table["chains"].to_numpy())
    )
    return table.iloc[order].reset_index(drop=True)


@validate_params({"log": ["log"], "level": ["column"]})
def loops(log: JourneyLog, *, level: str = ACTIVITY) -> pd.DataFrame:
    """Touchpoints repeated within a journey: self-loops and returns, and the time they take.

    Parameters
    ----------
    log : JourneyLog
    level : str, default "activity"
        The column to analyse.

    Returns
    -------
    pandas.DataFrame
        One row per touchpoint that some journey visits more than once, columns:

        =================  ===========================================================
        touchpoint         the touchpoint
        journeys           journeys visiting it
        looping_journeys   journeys visiting it more than once
        loop_share         ``looping_journeys / journeys``
        extra_visits       visits beyond the first, over all journeys
        self_loops         of those, visits right after a visit of the same touchpoint
        returns            the others: coming back after something else
        median_extra_time  per looping journey, the time from its first to its last
                           visit of the touchpoint; the median over looping journeys
        total_extra_days   the sum of those times, in days (a float: summed over many
                           journeys it can exceed what a timedelta holds)
        =================  ===========================================================

        Sorted by ``looping_journeys``, then ``extra_visits`` (descending), then name.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({
    ...     "c": ["a", "a", "a", "a", "b"],
    ...     "tp": ["form", "form", "help", "form", "form"],
    ...     "t": pd.date_range("2025-01-01", periods=5, freq="h"),
    ... })
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> jm.loops(log)[["touchpoint", "looping_journeys", "self_loops", "returns",
    ...                "median_extra_time"]]
      touchpoint  looping_journeys  self_loops  returns median_extra_time
    0       form                 1           1        1   0 days 03:00:00
    """
    func = "loops"
    table = C.memo(log, ("analyzers.loops", level), lambda: _loop_table(log, level, func))
    return stamp(table, log, func, level=level)


def _loop_table(log: JourneyLog, level: str, func: str) -> pd.DataFrame:
    codes, labels = C.level_codes(log, level, func)
    n_lab = len(labels)
    ts = event_times(log)
    v = visits(log, level)
    val = v["value"].cat.codes.to_numpy().astype(np.int64)
    nv = v["n_visits"].to_numpy()
    looping = nv > 1
    span = ts[v["last"].to_numpy()] - ts[v["first"].to_numpy()]
    journeys = np.bincount(val, minlength=n_lab)
    n_loop = np.bincount(val[looping], minlength=n_lab)
    extra = np.bincount(val, weights=(nv - 1).astype(float), minlength=n_lab).astype(np.int64)
    tr = transitions(log, level)
    s = tr["source"].cat.codes.to_numpy().astype(np.int64)
    t = tr["target"].cat.codes.to_numpy().astype(np.int64)
    same = (s == t) & (s >= 0)
    self_loops = np.bincount(s[same], minlength=n_lab)
    med = K.group_quantiles(val[looping], span[looping], n_lab, (0.5,), global_positions=True)[:, 0]
    total = np.bincount(val[looping], weights=span[looping].astype(float), minlength=n_lab)
    table = pd.DataFrame(
        {
            "touchpoint": [str(x) for x in labels],
            "journeys": journeys.astype(np.int64),
            "looping_journeys": n_loop.astype(np.int64),
            "loop_share": rate(n_loop, journeys),
            "extra_visits": extra,
            "self_loops": self_loops.astype(np.int64),
            "returns": (extra - self_loops).astype(np.int64),
            "median_extra_time": K.ns_to_timedelta(med),
            "total_extra_days": total / 86_400e9,
        }
    )
    table = table[table["looping_journeys"] > 0]
    order = np.lexsort(
        (
            table["touchpoint"].to_numpy(),
            -table["extra_visits"].to_numpy(),
            -table["looping_journeys"].to_numpy(),
        )
    )
    return table.iloc[order].reset_index(drop=True)
