"""From sources to journeys: combining channels, stitching identities, cutting journeys, stages.

* :func:`combine` merges logs from several channels into one, and with an identity
  crosswalk stitches each source's own identifier to one customer.
* :func:`split_journeys` cuts each customer's events into journeys at long
  silences and/or after a goal, marking journeys still in progress as ongoing.
* :func:`map_stages` adds a ``stage`` column (awareness, consideration, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._encode import TIME_MAX, TIME_MIN, to_categorical
from ._validation import (
    Constraint,
    InstanceOf,
    Predicate,
    check_column,
    near_matches,
    to_timedelta,
    validate_params,
    warn,
)
from .derive import Goal, arrays, goal_mask, new_log
from .errors import DataQualityWarning, InvalidParameterError
from .log import DIRECTION_DTYPE, JourneyLog, canonical_order, sort_canonical
from .schema import ACTIVITY, CANONICAL_COLUMNS, CASE, CUSTOMER, DIRECTION, TIMESTAMP

__all__ = ["combine", "split_journeys", "map_stages"]


class _LogSources(Constraint):
    def ok(self, value: Any) -> bool:
        if isinstance(value, Mapping):
            items = list(value.values())
        elif isinstance(value, Sequence) and not isinstance(value, str):
            items = list(value)
        else:
            return False
        return all(isinstance(lg, JourneyLog) for lg in items)

    def __str__(self) -> str:
        return "a list or dict of JourneyLog"


@validate_params({"logs": [_LogSources()]})
def combine(
    logs: Sequence[JourneyLog] | Mapping[str, JourneyLog],
    *,
    identities: pd.DataFrame | None = None,
    keys: Sequence[str] | None = None,
    primary: str | None = None,
) -> JourneyLog:
    """Merge logs from several sources into one, stitching identities.

    Every journey of the result belongs to one customer; use
    :func:`split_journeys` afterwards to cut customers' events into journeys.

    Parameters
    ----------
    logs : list of JourneyLog or dict of name -> JourneyLog
        The sources. Their names (dict keys, else ``log.name``) go into a ``source``
        column.
    identities : DataFrame, optional
        An identity crosswalk: one column per identifier type (e.g. ``cookie_id``,
        ``email``, ``phone``, ``crm_id``), each row linking identifiers that belong to
        one person. Links are transitive (cookie -> email in one row, email -> crm_id
        in another): each connected component of identifiers is one customer. Without
        it, customer ids are taken to be shared across sources as they are.
    keys : list of str, optional
        For each log, the crosswalk column its customer ids belong to. Defaults to
        the source column each log's customers were loaded from.
    primary : str, optional
        The crosswalk column whose value names a stitched customer (default: the
        first column). A customer with no value in it is named ``"<column>:<id>"``
        after its first identifier; so is an identifier not in the crosswalk at all.

    Returns
    -------
    JourneyLog
        With ``log.stitching``: per source, the events and how many were linked
        through the crosswalk. A :class:`~journeymine.DataQualityWarning` reports
        unlinked events.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> web = jm.from_pandas(pd.DataFrame({"cookie_id": ["k1", "k2"], "page": ["home", "pricing"],
    ...     "t": ["2025-01-01 10:00", "2025-01-01 11:00"]}),
    ...     customer="cookie_id", activity="page", timestamp="t", labels={"channel": "web"}, name="web")
    >>> calls = jm.from_pandas(pd.DataFrame({"phone": ["555"], "reason": ["billing question"],
    ...     "t": ["2025-01-02 09:00"]}),
    ...     customer="phone", activity="reason", timestamp="t", labels={"channel": "phone"}, name="calls")
    >>> xwalk = pd.DataFrame({"cookie_id": ["k1", None], "email": ["a@x.org", "a@x.org"],
    ...                       "phone": [None, "555"], "crm_id": [None, "CRM-1"]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:  # k2 is in no crosswalk row
    ...     warnings.simplefilter("always")
    ...     log = jm.combine([web, calls], identities=xwalk, primary="crm_id")
    >>> print(caught[0].message)
    1 of 3 events could not be linked through the identity crosswalk (web: 1); ...
    >>> log.events[["customer_id", "activity", "channel"]]
      customer_id          activity channel
    0       CRM-1              home     web
    1       CRM-1  billing question   phone
    2  cookie_id:k2           pricing     web
    """
    func = "combine"
    names, items = _sources(logs, func)
    if keys is not None and len(keys) != len(items):
        raise InvalidParameterError(
            f"The 'keys' parameter of {func} must give one crosswalk column per log ({len(items)}). "
            f"Got {len(keys)} instead."
        )
    key_list = list(keys) if keys is not None else [lg.customer_key for lg in items]

    # one customer label per (source, customer category): cheap, works on categories only
    if identities is not None:
        primary, cust_maps, linked_counts = _crosswalk_customers(
            items, names, key_list, identities, primary, func
        )
    else:
        cust_maps = [np.asarray(arrays(lg).labels(CUSTOMER), dtype=object) for lg in items]
        linked_counts = [len(lg) for lg in items]

    frame = _merged_events(items, names, cust_maps)
    rejected = (
        pd.concat(
            [
                lg.rejected.assign(source=nm)
                for lg, nm in zip(items, names, strict=True)
                if len(lg.rejected)
            ],
            ignore_index=True,
            sort=False,
        )
        if any(len(lg.rejected) for lg in items)
        else None
    )
    report = pd.DataFrame(
        {
            "source": names,
            "key": key_list,
            "events": [len(lg) for lg in items],
            "linked_events": linked_counts,
        }
    )
    report["unlinked_events"] = report["events"] - report["linked_events"]
    out = JourneyLog._from_sorted(
        frame,
        rejected=rejected,
        customer_key=primary if identities is not None else None,
        stitching=report,
    )
    unlinked = int(report["unlinked_events"].sum())
    if identities is not None and unlinked:
        _warn_unlinked(report, unlinked)
    return out


def _sources(
    logs: Sequence[JourneyLog] | Mapping[str, JourneyLog], func: str
) -> tuple[list[str], list[JourneyLog]]:
    """The names (unique) and the logs of ``combine``'s sources, checked."""
    if isinstance(logs, Mapping):
        names = [str(k) for k in logs]
        items = list(logs.values())
    else:  # a list of JourneyLog, as combine declares
        items = list(logs)
        names = [lg.name or f"source_{i}" for i, lg in enumerate(items)]
    if len(set(names)) != len(names):
        names = [f"{n}_{i}" for i, n in enumerate(names)]
    return names, items


def _crosswalk_customers(
    items: list[JourneyLog],
    names: list[str],
    key_list: list[str],
    identities: pd.DataFrame,
    primary: str | None,
    func: str,
) -> tuple[str, list[np.ndarray], list[int]]:
    """Stitch each source's customer categories through the crosswalk.

    Returns the primary identifier column, per source the customer label of each of its
    customer categories, and per source how many of its events were linked.
    """
    if not isinstance(identities, pd.DataFrame) or identities.shape[1] == 0:
        raise InvalidParameterError(
            f"The 'identities' parameter of {func} must be a DataFrame with one column per "
            f"identifier type. Got {type(identities).__name__} instead."
        )
    id_cols = [str(c) for c in identities.columns]
    if len(set(id_cols)) != len(id_cols):
        raise InvalidParameterError(
            f"The 'identities' parameter of {func} must name each identifier column once. "
            f"Got the columns {id_cols!r} instead."
        )
    identities = identities.set_axis(id_cols, axis=1)
    primary = id_cols[0] if primary is None else check_column(id_cols, primary, "primary", func)
    for k, nm in zip(key_list, names, strict=True):
        if k not in id_cols:
            raise InvalidParameterError(
                f"The customer ids of source {nm!r} were loaded from column {k!r}, which is not a "
                f"column of the 'identities' crosswalk {id_cols!r}. Pass keys=[...] to {func} "
                "naming, for each log, the crosswalk column its ids belong to."
            )
    lookup = _stitch(identities, id_cols, primary)
    cust_maps: list[np.ndarray] = []
    linked_counts: list[int] = []
    for lg, k in zip(items, key_list, strict=True):
        cats = arrays(lg).labels(CUSTOMER)
        node = pd.Index([f"{k}\x00{c}" for c in cats], dtype=object)
        found = lookup.reindex(node)
        labels = np.where(found.isna(), [f"{k}:{c}" for c in cats], found.to_numpy(object))
        cust_maps.append(labels.astype(object))
        codes = arrays(lg).codes(CUSTOMER)
        linked = found.notna().to_numpy()
        linked_counts.append(int(linked[codes].sum()) if len(codes) else 0)
    return primary, cust_maps, linked_counts


def _merged_events(
    items: list[JourneyLog], names: list[str], cust_maps: list[np.ndarray]
) -> pd.DataFrame:
    """All sources' events in one canonical, sorted frame: one journey per customer."""
    frames = []
    for lg, nm, labels in zip(items, names, cust_maps, strict=True):
        ev = lg.events
        codes = ev[CUSTOMER].cat.codes.to_numpy()
        cust = labels[codes] if len(codes) else np.zeros(0, dtype=object)
        f = pd.DataFrame(
            {
                c: ev[c].astype(object) if isinstance(ev[c].dtype, pd.CategoricalDtype) else ev[c]
                for c in ev.columns
            }
        )
        if not (
            ev[CASE].cat.categories.equals(ev[CUSTOMER].cat.categories)
            and np.array_equal(ev[CASE].cat.codes, ev[CUSTOMER].cat.codes)
        ):
            f["source_case_id"] = f[CASE]
        f[CUSTOMER] = cust
        f[CASE] = cust
        f["source"] = nm
        frames.append(f)
    frame = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
    for col in list(frame.columns):
        if col == DIRECTION:
            frame[col] = pd.Categorical(frame[col], dtype=DIRECTION_DTYPE)
        elif col in CANONICAL_COLUMNS and col != TIMESTAMP or col in ("source", "source_case_id"):
            frame[col] = to_categorical(frame[col])
    return sort_canonical(frame[canonical_order(list(frame.columns))])


def _warn_unlinked(report: pd.DataFrame, unlinked: int) -> None:
    """The DataQualityWarning naming, per source, the events the crosswalk did not link."""
    detail = ", ".join(
        f"{s}: {u}" for s, u in zip(report["source"], report["unlinked_events"], strict=True) if u
    )
    warn(
        f"{unlinked} of {int(report['events'].sum())} events could not be linked through the "
        f"identity crosswalk ({detail}); each keeps its own identifier as its customer. "
        "See log.stitching.",
        DataQualityWarning,
    )


def _stitch(identities: pd.DataFrame, id_cols: list[str], primary: str) -> pd.Series:
    """Map every crosswalk identifier ("column\\x00value") to its customer label.

    Identifiers are nodes, each crosswalk row links its identifiers, and each connected
    component is one customer (scipy's connected_components: linear, unlike a Python
    union-find over millions of rows).
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    long = []
    for col in id_cols:
        vals = identities[col]
        ok = vals.notna() & (vals.astype(str).str.strip() != "")
        long.append(
            pd.DataFrame(
                {
                    "row": np.flatnonzero(ok.to_numpy()),
                    "col": col,
                    "value": vals[ok].astype(str).str.strip().to_numpy(),
                }
            )
        )
    pairs = pd.concat(long, ignore_index=True)
    if not len(pairs):  # an empty crosswalk links nothing
        return pd.Series([], index=pd.Index([], dtype=object), dtype=object)
    pairs["node"] = pairs["col"] + "\x00" + pairs["value"]
    codes, nodes = pd.factorize(pairs["node"])
    first = pairs.assign(code=codes).groupby("row")["code"].transform("first").to_numpy()
    n = len(nodes)
    graph = coo_matrix((np.ones(len(codes)), (codes, first)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    info = pd.DataFrame(
        {
            "node": nodes,
            "comp": comp,
            "col": [x.split("\x00", 1)[0] for x in nodes],
            "value": [x.split("\x00", 1)[1] for x in nodes],
        }
    )
    rank = {c: i for i, c in enumerate([primary] + [c for c in id_cols if c != primary])}
    info["rank"] = info["col"].map(rank)
    best = info.sort_values(["comp", "rank", "value"]).drop_duplicates("comp")
    best_label = np.where(best["col"] == primary, best["value"], best["col"] + ":" + best["value"])
    label_of = pd.Series(best_label, index=best["comp"].to_numpy())
    return pd.Series(
        label_of.reindex(info["comp"]).to_numpy(), index=pd.Index(info["node"], dtype=object)
    )


@validate_params(
    {"log": ["log"], "inactivity": ["duration", None], "end_at": ["goal", "predicate", None]}
)
def split_journeys(
    log: JourneyLog,
    *,
    inactivity: str | pd.Timedelta | None = None,
    end_at: Goal | None = None,
    observation_end: str | pd.Timestamp | None = None,
) -> JourneyLog:
    """Cut each journey (or customer) into journeys at long silences and/or after a goal.

    A new journey starts after a gap longer than ``inactivity`` and after every
    ``end_at`` event. Journeys never span two journeys of the input: where the source
    had a case column, its cases are only cut further. A journey whose last event
    lies within ``inactivity`` of the end of the data (``observation_end``, by
    default the last event of the log) and that did not end at the goal is marked
    ``ongoing`` (censored): it may still continue, so analyses never count it as lost.

    New journey ids are ``"<old id>#<k>"`` (k = 1, 2, ...) when the input journeys
    were whole customers; otherwise an input journey keeps its id unless it is cut.

    Parameters
    ----------
    log : JourneyLog
    inactivity : str or Timedelta, optional
        The longest silence inside one journey, e.g. ``"30D"``.
    end_at : str, list of str or callable, optional
        Goal touchpoint(s) after which a journey ends (see ``goal`` in the analyzers).
    observation_end : str or Timestamp, optional
        When the data was extracted; by default the time of the last event.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"who": ["a"] * 4,
    ...     "what": ["visit", "purchase", "visit", "visit"],
    ...     "when": ["2025-01-01", "2025-01-02", "2025-03-01", "2025-03-02"]})
    >>> log = jm.from_pandas(df, customer="who", activity="what", timestamp="when")
    >>> split = jm.split_journeys(log, inactivity="30D")
    >>> split.cases[["case_id", "n_events", "ongoing"]]
      case_id  n_events  ongoing
    0     a#1         2    False
    1     a#2         2     True
    >>> jm.split_journeys(log, end_at="purchase").cases["n_events"].tolist()
    [2, 2]
    """
    func = "split_journeys"
    gap_max = to_timedelta(inactivity, "inactivity", func)
    if gap_max is None and end_at is None:
        raise InvalidParameterError(
            f"{func} needs a rule: the 'inactivity' parameter (e.g. '30D') or the 'end_at' parameter "
            "(goal touchpoints). Got neither."
        )
    ev = log.events  # a copy-on-write view
    n = len(ev)
    if observation_end is not None:
        obs = _observation_end(observation_end, func)
    elif log.observation_end is not None:
        obs = log.observation_end
    else:
        obs = ev[TIMESTAMP].max() if n else None
    case = ev[CASE].cat.codes.to_numpy()
    ts = ev[TIMESTAMP].array.asi8
    goal = (
        goal_mask(log, end_at, param="end_at", func=func)
        if end_at is not None
        else np.zeros(n, bool)
    )
    new = np.ones(n, dtype=bool)
    if n > 1:
        cut = np.zeros(n - 1, dtype=bool)
        if gap_max is not None:
            cut |= (ts[1:] - ts[:-1]) > gap_max.value
        cut |= goal[:-1]
        new[1:] = (case[1:] != case[:-1]) | cut
    new_code = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    n_new = len(starts)
    old_of_new = case[starts] if n else np.zeros(0, dtype=np.int64)
    # k: 1-based index of each new journey within its input journey
    idx = np.arange(n_new)
    group_first = np.flatnonzero(np.r_[True, old_of_new[1:] != old_of_new[:-1]]) if n_new else idx
    k = idx - group_first[np.searchsorted(group_first, idx, side="right") - 1] + 1 if n_new else idx
    parts = np.bincount(old_of_new, minlength=log.n_cases) if n_new else np.zeros(log.n_cases, int)
    old_labels = np.asarray(ev[CASE].cat.categories, dtype=object)
    cust_of_case = (
        ev[CUSTOMER].array[arrays(log).offsets[:-1]] if log.n_cases else np.zeros(0, object)
    )
    whole_customers = (
        bool(np.all(np.asarray(cust_of_case, dtype=object) == old_labels)) if log.n_cases else True
    )
    suffix = whole_customers | (parts[old_of_new] > 1)
    labels = (
        np.where(
            suffix,
            [f"{old_labels[o]}#{j}" for o, j in zip(old_of_new, k, strict=True)],
            old_labels[old_of_new],
        )
        if n_new
        else np.zeros(0, object)
    )
    if len(set(labels.tolist())) != len(labels):  # a "#k" label can collide with an existing id
        labels = np.asarray([f"{lab}~{i}" for i, lab in enumerate(labels)], dtype=object)
    events = ev.copy(deep=False)
    # categories in the current (case, time) order: the log stays sorted with no new sort
    events[CASE] = pd.Categorical.from_codes(
        new_code.astype(np.int32), categories=pd.Index(labels, dtype=object)
    )
    last = np.r_[starts[1:] - 1, n - 1] if n_new else np.zeros(0, int)
    ongoing = arrays(log).ongoing[old_of_new] & (
        np.r_[old_of_new[1:] != old_of_new[:-1], True] if n_new else np.zeros(0, bool)
    )
    if gap_max is not None and obs is not None and n_new:
        # obs - t <= gap, written so that no int64 difference can overflow
        censored = ts[last] >= max(obs.value - gap_max.value, np.iinfo(np.int64).min + 1)
        ongoing = ongoing | (censored & ~goal[last])
    return new_log(log, events, ongoing=ongoing, observation_end=obs)


def _observation_end(value: object, func: str) -> pd.Timestamp:
    """``observation_end`` as a UTC timestamp inside the supported range (naive: UTC)."""
    try:
        obs = pd.Timestamp(value)
        obs = obs.tz_localize("UTC") if obs.tzinfo is None else obs.tz_convert("UTC")
        ok = not pd.isna(obs) and TIME_MIN <= obs < TIME_MAX
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidParameterError(
            f"The 'observation_end' parameter of {func} must be a date and time. "
            f"Got {value!r} instead."
        ) from exc
    if not ok:
        raise InvalidParameterError(
            f"The 'observation_end' parameter of {func} must be a date and time from "
            f"{TIME_MIN:%Y-%m-%d} to {TIME_MAX:%Y-%m-%d} (the supported range). "
            f"Got {value!r} instead."
        )
    return obs.as_unit("ns")


@validate_params(
    {
        "log": ["log"],
        "stages": [
            InstanceOf(Mapping, "a dict of stage -> touchpoints"),
            Predicate("a function of the touchpoint"),
        ],
        "column": ["column"],
    }
)
def map_stages(
    log: JourneyLog,
    stages: Mapping[str, Sequence[str]] | Callable[[str], str | None],
    *,
    column: str = "stage",
) -> JourneyLog:
    """Add a ``stage`` column that groups touchpoints into journey stages.

    Parameters
    ----------
    log : JourneyLog
    stages : dict of stage -> list of touchpoints, or callable
        E.g. ``{"awareness": ["ad click"], "consideration": ["view pricing"], ...}``.
        The dict's order is the stages' order (an ordered categorical). A callable
        gets a touchpoint name and returns its stage (or None).
    column : str, default "stage"
        Name of the new column.

    Returns
    -------
    JourneyLog
        A new log. Touchpoints that no stage claims get a missing stage, and a
        :class:`~journeymine.DataQualityWarning` lists them with their event counts;
        stage touchpoints that never occur are reported the same way.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"c": ["x", "x", "x"], "a": ["ad click", "view pricing", "purchase"],
    ...                    "t": ["2025-01-01", "2025-01-02", "2025-01-03"]})
    >>> log = jm.from_pandas(df, case="c", activity="a", timestamp="t")
    >>> staged = jm.map_stages(log, {"awareness": ["ad click"], "consideration": ["view pricing"],
    ...                              "conversion": ["purchase"]})
    >>> staged.events["stage"].tolist()
    ['awareness', 'consideration', 'conversion']
    """
    func = "map_stages"
    codes, acts = arrays(log).codes(ACTIVITY, func), arrays(log).labels(ACTIVITY, func)
    if callable(stages):
        mapped = [stages(str(a)) for a in acts]
        order = list(dict.fromkeys(s for s in mapped if s is not None))
    else:  # a mapping (the declaration allows nothing else)
        owner: dict[str, str] = {}
        for stage, tps in stages.items():
            if isinstance(tps, str) or not isinstance(tps, Sequence):
                raise InvalidParameterError(
                    f"The 'stages' parameter of {func} must map each stage to a list of touchpoints. "
                    f"Got {tps!r} for stage {stage!r} instead."
                )
            for tp in tps:
                if tp in owner and owner[tp] != stage:
                    raise InvalidParameterError(
                        f"The 'stages' parameter of {func} puts touchpoint {tp!r} in two stages: "
                        f"{owner[tp]!r} and {stage!r}. Each touchpoint belongs to one stage."
                    )
                owner[str(tp)] = str(stage)
        mapped = [owner.get(str(a)) for a in acts]
        order = [str(s) for s in stages]
        absent = [tp for tp in owner if tp not in set(map(str, acts))]
        if absent:
            hints = {tp: near_matches(tp, acts, 1) for tp in absent}
            detail = ", ".join(
                f"{tp!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for tp, h in hints.items()
            )
            warn(
                f"{func}: {len(absent)} touchpoints named in 'stages' never occur in the log: {detail}.",
                DataQualityWarning,
            )
    stage_idx = {s: i for i, s in enumerate(order)}
    per_act = np.asarray(
        [stage_idx.get(s, -1) if s is not None else -1 for s in mapped], dtype=np.int16
    )
    stage_codes = per_act[codes] if len(codes) else np.zeros(0, np.int16)
    unmapped = [str(a) for a, s in zip(acts, per_act, strict=True) if s < 0]
    if unmapped:
        counts = np.bincount(codes, minlength=len(acts))
        detail = ", ".join(
            f"{a!r} ({counts[list(map(str, acts)).index(a)]} events)" for a in unmapped[:20]
        )
        warn(
            f"{func}: {len(unmapped)} touchpoints belong to no stage and get a missing {column!r}: {detail}"
            + (" ..." if len(unmapped) > 20 else "."),
            DataQualityWarning,
        )
    if column in CANONICAL_COLUMNS:
        raise InvalidParameterError(
            f"The 'column' parameter of {func} must not be a canonical column {list(CANONICAL_COLUMNS)!r}. Got {column!r} instead."
        )
    events = log.events  # a copy-on-write view
    events[column] = pd.Categorical.from_codes(
        stage_codes, categories=pd.Index(order, dtype=object), ordered=True
    )
    return new_log(log, events)
