"""The vectorised simulation engine: a compiled model and all journeys stepped at once.

:func:`_compile` turns a :class:`~journeymine.datasets.JourneyModel` into flat
arrays: one cumulative probability row per (customer profile, state), offset
by the row number so that one :func:`numpy.searchsorted` over the flattened
rows draws the next state of every active journey; delays, silent gaps and
agents by transition or state. :func:`_simulate_arrays` draws customers,
walks every journey at once (one uniform draw per active journey and step,
no Python loop per journey or event), draws the delays, places the journeys
in the observation window and cuts them at its end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._journeymodel import (
    END_STATE,
    RETURN_STATE,
    START_STATE,
    Delay,
    SegmentEffect,
    SilentGap,
    unique_names,
)
from ..schema import DIRECTIONS

if TYPE_CHECKING:
    from .._journeymodel import JourneyModel

__all__: list[str] = []


@dataclass(frozen=True)
class _Compiled:
    n_states: int
    names: list[str]
    profile_attrs: list[str]
    profile_radix: list[int]
    flat_cum: np.ndarray  # (n_profiles * (S + 2) * (S + 1),) offset cumulative rows
    last_col: np.ndarray  # (n_profiles * (S + 2),) last column with positive probability
    log_median: np.ndarray  # (S * S,) log of median delay in seconds, by prev * S + cur
    spread: np.ndarray  # (S * S,)
    gap_share: np.ndarray  # (S * S,)
    gap_log_median: np.ndarray  # (S * S,)
    gap_spread: np.ndarray  # (S * S,)
    agents: np.ndarray  # (S,)
    resource_offset: np.ndarray  # (S,)
    resource_names: list[str]
    channel_codes: np.ndarray
    department_codes: np.ndarray
    direction_codes: np.ndarray
    goal_mask: np.ndarray  # (S,) bool
    marker_masks: dict[str, np.ndarray]


def compiled(model: JourneyModel) -> _Compiled:
    """The model's arrays, compiled once per model and kept on it (a model is immutable)."""
    cache = model.__dict__
    if "_compiled" not in cache:
        cache["_compiled"] = _compile(model)
    return cache["_compiled"]


def _compile(model: JourneyModel) -> _Compiled:
    names = model.touchpoint_names
    s = len(names)
    index = {n: i for i, n in enumerate(names)}
    profile_attrs, radix, flat_cum, last_col = _transition_tables(model, index)
    log_median, spread, gap_share, gap_log_median, gap_spread = _delay_tables(model, index)
    tps = model.touchpoints
    agents, resource_offset, resource_names = _resources(tps)

    channels = model.channels
    departments = model.departments
    return _Compiled(
        n_states=s,
        names=names,
        profile_attrs=profile_attrs,
        profile_radix=radix,
        flat_cum=flat_cum,
        last_col=last_col,
        log_median=log_median,
        spread=spread,
        gap_share=gap_share,
        gap_log_median=gap_log_median,
        gap_spread=gap_spread,
        agents=agents,
        resource_offset=resource_offset,
        resource_names=resource_names,
        channel_codes=np.array(
            [channels.index(t.channel) if t.channel else -1 for t in tps], dtype=np.int8
        ),
        department_codes=np.array(
            [departments.index(t.department) if t.department else -1 for t in tps],
            dtype=np.int8,
        ),
        direction_codes=np.array(
            [DIRECTIONS.index(t.direction) if t.direction else -1 for t in tps], dtype=np.int8
        ),
        goal_mask=np.isin(np.arange(s), [index[g] for g in model.goals]),
        marker_masks={
            flag: np.isin(np.arange(s), [index[m] for m in members])
            for flag, members in model.markers.items()
        },
    )


def _transition_tables(
    model: JourneyModel, index: dict[str, int]
) -> tuple[list[str], list[int], np.ndarray, np.ndarray]:
    """The next-step sampling tables, one per profile of the segment attributes.

    Returns the profile attributes, their radix, the flattened cumulative row
    probabilities (row r shifted by r) and each row's last possible column.
    """
    s = len(index)
    k = s + 1  # columns: touchpoints, then END

    def row_vector(row: Mapping[str, float]) -> np.ndarray:
        vec = np.zeros(k)
        for tgt, p in row.items():
            vec[s if tgt == END_STATE else index[tgt]] = p
        return vec

    base = np.zeros((s + 2, k))  # rows: touchpoints, then START, then RETURN
    base[:, s] = 1.0
    for src, row in model.transitions.items():
        base[index[src]] = row_vector(row)
    base[s] = row_vector(model.start)
    base[s + 1] = row_vector(model.return_start or model.start)

    effects = [m for m in model.modifiers if isinstance(m, SegmentEffect)]
    profile_attrs = unique_names(m.attribute for m in effects)
    radix = [len(model.attributes[a]) for a in profile_attrs]
    n_profiles = int(np.prod(radix)) if radix else 1
    tables = np.repeat(base[None], n_profiles, axis=0)
    if effects:
        values = {a: list(model.attributes[a]) for a in profile_attrs}
        for prof in range(n_profiles):
            digits = _unravel(prof, radix)
            chosen = {a: values[a][d] for a, d in zip(profile_attrs, digits, strict=True)}
            for m in effects:
                if chosen[m.attribute] == m.value:
                    if m.source == START_STATE:
                        targets = [s] if model.return_start is not None else [s, s + 1]
                    elif m.source == RETURN_STATE:
                        targets = [s + 1]
                    else:
                        targets = [index[m.source]]
                    tables[prof, targets] = row_vector(m.transitions)
    rows = tables.reshape(n_profiles * (s + 2), k)
    rows = rows / rows.sum(axis=1, keepdims=True)
    cum = np.cumsum(rows, axis=1)
    positive = rows > 0
    last_col = (k - 1 - np.argmax(positive[:, ::-1], axis=1)).astype(np.int64)
    cols = np.arange(k)
    cum[cols[None, :] >= last_col[:, None]] = 1.0
    flat_cum = (np.arange(rows.shape[0], dtype=np.float64)[:, None] + cum).ravel()

    return profile_attrs, radix, flat_cum, last_col


def _delay_tables(
    model: JourneyModel, index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per (source, target) pair, flattened: log median delay and spread, then the share,
    log median and spread of the planted silent gaps."""
    s = len(index)

    # delays by precedence: default, ("*", "*"), (a, "*"), ("*", b), (a, b)
    log_median = np.empty((s, s))
    spread = np.empty((s, s))

    def put(rows: Any, cols: Any, d: Delay) -> None:
        log_median[rows, cols] = math.log(d.median.total_seconds())
        spread[rows, cols] = d.spread

    put(slice(None), slice(None), model.default_delay)
    ranked = sorted(model.delays.items(), key=lambda kv: (kv[0][0] != "*") + 2 * (kv[0][1] != "*"))
    for (src, tgt), d in ranked:
        rows = slice(None) if src == "*" else index[src]
        cols = slice(None) if tgt == "*" else index[tgt]
        put(rows, cols, d)
    log_median = log_median.ravel()
    spread = spread.ravel()
    gap_share = np.zeros(s * s)
    gap_log_median = np.zeros(s * s)
    gap_spread = np.zeros(s * s)
    for m in model.modifiers:
        if isinstance(m, SilentGap):
            t = index[m.source] * s + index[m.target]
            gap_share[t] = m.share
            gap_log_median[t] = math.log(m.delay.median.total_seconds())
            gap_spread[t] = m.delay.spread
    return log_median, spread, gap_share, gap_log_median, gap_spread


def _resources(tps: Any) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Agents per touchpoint, the offset of its department's pool and the pool's names."""
    agents = np.array([t.agents for t in tps], dtype=np.int64)
    dept_pool: dict[str, int] = {}
    for t in tps:
        key = t.department or "agent"
        dept_pool[key] = max(dept_pool.get(key, 0), t.agents)
    resource_names: list[str] = []
    first: dict[str, int] = {}
    for key, size in dept_pool.items():
        first[key] = len(resource_names)
        resource_names.extend(f"{key}-{i}" for i in range(1, size + 1))
    resource_offset = np.array([first[t.department or "agent"] for t in tps], dtype=np.int64)
    return agents, resource_offset, resource_names


def _unravel(value: int, radix: list[int]) -> list[int]:
    digits = []
    for r in reversed(radix):
        digits.append(value % r)
        value //= r
    return digits[::-1]


# --------------------------------------------------------------------------- simulation


def _segment_starts(lengths: np.ndarray) -> np.ndarray:
    starts = np.zeros(lengths.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def _draw_customers(model: JourneyModel, n_journeys: int, rng: np.random.Generator) -> np.ndarray:
    """The number of journeys of each customer, summing to ``n_journeys``."""
    values = np.array(list(model.journeys_per_customer), dtype=np.int64)
    probs = np.array(list(model.journeys_per_customer.values()))
    counts = values[rng.choice(values.size, size=n_journeys, p=probs / probs.sum())]
    total = np.cumsum(counts)
    n_customers = int(np.searchsorted(total, n_journeys)) + 1
    counts = counts[:n_customers].copy()
    counts[-1] -= int(total[n_customers - 1]) - n_journeys
    return counts


def _walk(
    comp: _Compiled,
    profile: np.ndarray,
    returning: np.ndarray,
    max_events: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step every journey at once; return per-journey lengths, states and truncation."""
    s = comp.n_states
    k = s + 1
    n = profile.size
    state_dtype = np.int16 if s < np.iinfo(np.int16).max else np.int32
    case_dtype = np.int32 if n < np.iinfo(np.int32).max else np.int64
    lengths = np.zeros(n, dtype=np.int64)
    active = np.arange(n, dtype=case_dtype)
    # the START (first journeys) or RETURN row of each journey's profile
    row = profile.astype(np.int64) * (s + 2) + s + returning
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    for _ in range(max_events):
        if active.size == 0:
            break
        u = rng.random(active.size)
        u += row
        col = np.searchsorted(comp.flat_cum, u, side="right")
        col -= row * k
        np.minimum(col, comp.last_col[row], out=col)
        alive = col < s
        active = active[alive]
        col = col[alive]
        lengths[active] += 1
        steps.append((active, col.astype(state_dtype)))
        row = profile[active].astype(np.int64) * (s + 2) + col
    truncated = np.zeros(n, dtype=bool)
    truncated[active] = True
    offsets = _segment_starts(lengths)
    states = np.empty(int(lengths.sum()), dtype=state_dtype)
    for t, (cases, cols) in enumerate(steps):
        states[offsets[cases] + t] = cols
    return lengths, states, truncated


def _relative_starts(
    span: np.ndarray, customer_first: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Start of each journey after its customer's first one, and of each customer's last."""
    before = np.cumsum(span) - span
    rel_start = before - np.repeat(before[customer_first], counts)
    return rel_start, rel_start[customer_first + counts - 1]


def _simulate_arrays(
    model: JourneyModel, n_journeys: int, seed: int | None, start_ns: int, end_ns: int
) -> dict[str, Any]:
    comp = compiled(model)
    rng = np.random.default_rng(seed)

    # customers, their attributes, and the profile (attribute combination) of each journey
    counts = _draw_customers(model, n_journeys, rng)
    n_customers = counts.size
    index_dtype = np.int32 if n_journeys < np.iinfo(np.int32).max else np.int64
    journey_customer = np.repeat(np.arange(n_customers, dtype=index_dtype), counts)
    attr_codes, customer_profile = _draw_attributes(model, comp, n_customers, rng)
    profile = customer_profile[journey_customer]
    customer_first = _segment_starts(counts)
    returning = np.ones(n_journeys, dtype=np.int64)
    returning[customer_first] = 0

    # paths
    lengths, states, truncated = _walk(comp, profile, returning, model.max_events, rng)
    del profile, returning
    n_events = states.size
    offsets = _segment_starts(lengths)
    first = np.zeros(n_events, dtype=bool)
    first[offsets] = True

    # delays (whole seconds, at least 1, capped below the inactivity)
    elapsed, silent = _draw_delays(model, comp, states, first, rng)
    journey_base = elapsed[offsets]
    last = offsets + lengths - 1
    duration = elapsed[last] - journey_base

    # journey start times: a customer's journeys follow each other after the inactivity
    window = (end_ns - start_ns) // 1_000_000_000
    journey_start = _draw_starts(model, duration, counts, journey_customer, window, rng)
    seconds = elapsed  # in place: seconds since the window start
    seconds += np.repeat(journey_start - journey_base, lengths)
    del elapsed

    # observation window
    keep = seconds < window
    event_journey = np.repeat(np.arange(n_journeys, dtype=index_dtype), lengths)
    kept = np.bincount(event_journey[keep], minlength=n_journeys)
    ongoing = (kept < lengths) & (kept > 0)
    observed = kept > 0
    if not keep.all():
        states = states[keep]
        seconds = seconds[keep]
        silent = silent[keep]
        event_journey = event_journey[keep]
    del keep
    if not observed.all():
        new_index = (np.cumsum(observed) - 1).astype(index_dtype)
        event_journey = new_index[event_journey]
        journey_customer = journey_customer[observed]
        truncated = truncated[observed]
        ongoing = ongoing[observed]
        kept = kept[observed]
        seen = np.zeros(n_customers, dtype=bool)
        seen[journey_customer] = True
        new_customer = (np.cumsum(seen) - 1).astype(index_dtype)
        journey_customer = new_customer[journey_customer]
        attr_codes = {a: c[seen] for a, c in attr_codes.items()}
        n_customers = int(seen.sum())
    n_obs = int(observed.sum())

    resource = _draw_agents(comp, states, rng)

    timestamps = seconds  # in place: nanoseconds since the epoch
    timestamps *= 1_000_000_000
    timestamps += start_ns
    return {
        "n_journeys": n_obs,
        "n_customers": n_customers,
        "event_journey": event_journey,
        "journey_customer": journey_customer,
        "states": states,
        "timestamps": timestamps,
        "resource": resource,
        "silent": silent,
        "attr_codes": attr_codes,
        "lengths": kept,
        "ongoing": ongoing,
        "truncated": truncated,
    }


def _draw_attributes(
    model: JourneyModel, comp: _Compiled, n_customers: int, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each customer's attribute codes, and its profile (the combination of attributes)."""
    attr_codes: dict[str, np.ndarray] = {}
    for attr, dist in model.attributes.items():
        probs = np.array(list(dist.values()))
        codes = rng.choice(probs.size, size=n_customers, p=probs / probs.sum())
        attr_codes[attr] = codes.astype(np.int8 if probs.size < 128 else np.int32)
    customer_profile = np.zeros(n_customers, dtype=np.int64)
    for attr, r in zip(comp.profile_attrs, comp.profile_radix, strict=True):
        customer_profile = customer_profile * r + attr_codes[attr]
    return attr_codes, customer_profile


def _draw_delays(
    model: JourneyModel,
    comp: _Compiled,
    states: np.ndarray,
    first: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since each journey's first event (cumulated delays), and which delays are
    planted silent gaps. Delays are whole seconds, at least 1, capped below the inactivity."""
    s = comp.n_states
    n_events = states.size
    trans = np.empty(n_events, dtype=np.int32)
    trans[1:] = states[:-1].astype(np.int32) * s + states[1:]
    trans[0] = 0
    delay = rng.standard_normal(n_events)
    delay *= comp.spread[trans]
    delay += comp.log_median[trans]
    silent = np.zeros(n_events, dtype=bool)
    candidates = np.flatnonzero((comp.gap_share[trans] > 0) & ~first)
    if candidates.size:
        hit = candidates[rng.random(candidates.size) < comp.gap_share[trans[candidates]]]
        t_hit = trans[hit]
        delay[hit] = comp.gap_log_median[t_hit] + comp.gap_spread[t_hit] * rng.standard_normal(
            hit.size
        )
        silent[hit] = True
    del trans, candidates
    np.exp(delay, out=delay)
    cap = max(1.0, math.floor(0.9 * model.inactivity.total_seconds()))
    np.clip(delay, 1.0, cap, out=delay)
    np.rint(delay, out=delay)
    delay[first] = 0.0
    elapsed = delay.astype(np.int64)
    del delay
    np.cumsum(elapsed, out=elapsed)
    return elapsed, silent


def _draw_starts(
    model: JourneyModel,
    duration: np.ndarray,
    counts: np.ndarray,
    journey_customer: np.ndarray,
    window: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Each journey's start (seconds into the window): a customer's journeys follow each
    other after the inactivity plus a revisit delay, and all fit in the window if they can."""
    n_journeys, n_customers = duration.size, counts.size
    customer_first = _segment_starts(counts)
    gap = np.exp(
        math.log(model.revisit_delay.median.total_seconds())
        + model.revisit_delay.spread * rng.standard_normal(n_journeys)
    )
    gap = np.ceil(gap).astype(np.int64) + int(model.inactivity.total_seconds())
    rel_start, last_start = _relative_starts(duration + gap, customer_first, counts)
    crowded = last_start >= window
    if crowded.any():
        # shorten the waits between these customers' journeys to just over the inactivity
        gap[crowded[journey_customer]] = int(model.inactivity.total_seconds()) + 1
        rel_start, last_start = _relative_starts(duration + gap, customer_first, counts)
    room = np.maximum(window - last_start, 0)
    t0 = np.floor(rng.random(n_customers) * room).astype(np.int64)
    return t0[journey_customer] + rel_start


def _draw_agents(comp: _Compiled, states: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The agent (resource code) of each staffed event, -1 for the others."""
    resource = np.full(states.size, -1, dtype=np.int16)
    staffed = np.flatnonzero(comp.agents[states] > 0)
    if staffed.size:
        st = states[staffed]
        pick = np.floor(rng.random(staffed.size) * comp.agents[st]).astype(np.int64)
        resource[staffed] = comp.resource_offset[st] + pick
    return resource
