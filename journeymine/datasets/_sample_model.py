"""The realistic sample model, its planted patterns, and random models for benchmarks.

:func:`sample_model` is the model behind
:func:`journeymine.datasets.load_sample`; the patterns it plants and their
rates are in :data:`PLANTED`, and :data:`SAMPLE_SIMULATION` holds the
:func:`~journeymine.datasets.simulate` arguments that generate the bundled
sample. :func:`random_model` builds synthetic models for benchmarks and
property tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._journeymodel import (
    END_STATE,
    Delay,
    JourneyModel,
    SegmentEffect,
    SilentGap,
    Touchpoint,
)
from .._validation import check_number
from ..schema import DIRECTIONS

__all__ = ["PLANTED", "SAMPLE_SIMULATION", "sample_model", "random_model"]


#: The patterns :func:`sample_model` plants, with their exact rates. Rates are
#: per visit of the touchpoint (or per step on the transition), so they can be
#: read off an event log directly: e.g. the share of "enter payment details"
#: events that are the last event of a finished journey.
PLANTED: dict[str, dict[str, Any]] = {
    "drop_off": {
        "touchpoint": "enter payment details",
        "rate": 0.35,
        "description": "35% of visits of 'enter payment details' end the journey without a "
        "purchase; the rest purchase.",
    },
    "ping_pong": {
        "path": ("billing question", "transfer to billing", "transfer back to support"),
        "departments": ("support", "billing", "support"),
        "rate": 0.35,
        "followed_by": "billing complaint call",
        "description": "35% of billing questions (support chat) are transferred to billing and "
        "straight back to support; all of those are followed, about a day later, by an inbound "
        "'billing complaint call', and they convert less (15% go on to 'enter payment details' "
        "versus 45% after a 'billing answer').",
    },
    "silent_gap": {
        "transition": ("support ticket opened", "support reply"),
        "rate": 1 / 3,
        "gap": "14D",
        "normal": "4h",
        "description": "A third of the waits between 'support ticket opened' (inbound) and "
        "'support reply' (outbound) are silent gaps of about 14 days (lognormal, spread 0.2); "
        "the others take hours (median 4h, spread 0.8). Every gap exceeds 7 days and every "
        "normal wait is shorter, up to chance below 0.5%.",
    },
    "dead_end": {
        "touchpoint": "legacy help page",
        "conversion": 0.0,
        "description": "From 'legacy help page' journeys only reload it (20%) or end (80%): "
        "no journey that visits it reaches 'purchase' afterwards, and since it can only be "
        "reached before any purchase, no such journey converts.",
    },
    "repeat_contact": {
        "path": ("email support", "chat with support", "call support"),
        "rate": 0.30,
        "then": 0.50,
        "within": "3D",
        "description": "30% of inbound 'email support' contacts are followed by an inbound "
        "'chat with support' about the same issue (median 1 day later, spread 0.4), and 50% of "
        "those chats by an inbound 'call support' (again ~1 day later): repeat contacts "
        "across channels within 3 days.",
    },
    "segment": {
        "attribute": "acquisition",
        "shares": {"ads": 0.6, "partner": 0.4},
        "step": ("view pricing", "start trial"),
        "rates": {"ads": 0.40, "partner": 0.60},
        "description": "Customers acquired via 'partner' go from 'view pricing' to 'start "
        "trial' 60% of the time, those acquired via 'ads' 40%; every other probability is "
        "the same for both.",
    },
    "goal": {"touchpoint": "purchase"},
    "journeys_per_customer": {
        "rates": {1: 0.65, 2: 0.25, 3: 0.10},
        "inactivity": "30D",
        "description": "Customers have 1-3 journeys; consecutive journeys of a customer are "
        "more than 30 days apart (30 days plus a lognormal wait, median 30 days), and no "
        "wait inside a journey exceeds 27 days (longer draws are capped).",
    },
}

#: The arguments of :func:`simulate` that generate the bundled sample
#: (``simulate(sample_model(), **SAMPLE_SIMULATION)``).
SAMPLE_SIMULATION: dict[str, Any] = {
    "n_journeys": 8000,
    "seed": 20250101,
    "start": "2025-01-01",
    "end": "2026-01-01",
}


def sample_model() -> JourneyModel:
    """The realistic journey model behind the bundled sample.

    A subscription product sold through web, app, email, phone, chat and
    stores, with departments marketing, sales, onboarding, support and billing
    and 28 touchpoints. Journeys start from an ad click, a newsletter, the
    homepage or a store visit, go through pricing, a trial, onboarding and the
    app to a purchase (the goal), with support and billing detours. Customers
    have an ``acquisition`` attribute ("ads" or "partner").

    It plants the patterns listed in :data:`PLANTED`, each at a known rate:

    1. drop-off: 35% of visits of "enter payment details" end the journey;
    2. ping-pong: 35% of "billing question" chats go support -> billing ->
       support ("transfer to billing", "transfer back to support"), then to an
       inbound "billing complaint call"; those journeys convert less;
    3. silent gap: 1/3 of the waits from "support ticket opened" to "support
       reply" are ~14 days instead of ~4 hours;
    4. dead end: no journey that visits "legacy help page" converts;
    5. repeat contacts: 30% of "email support" contacts are followed within
       days by "chat with support", and half of those by "call support";
    6. segment difference: "view pricing" -> "start trial" is 40% for
       acquisition "ads" and 60% for "partner"; nothing else differs.

    Customers have 1, 2 or 3 journeys (65%, 25%, 10%) more than 30 days apart.
    The truth table of :func:`simulate` gets the markers ``had_ping_pong``,
    ``visited_dead_end``, ``had_repeat_contact`` and ``had_billing_question``.

    Returns
    -------
    JourneyModel

    Examples
    --------
    >>> from journeymine.datasets import sample_model, PLANTED
    >>> model = sample_model()
    >>> len(model.touchpoints), model.channels
    (28, ['web', 'email', 'store', 'chat', 'app', 'phone'])
    >>> model.transitions["enter payment details"]["END"] == PLANTED["drop_off"]["rate"]
    True
    """
    inbound, outbound, internal = DIRECTIONS
    touchpoints = [
        Touchpoint("ad click", "web", "marketing", inbound),
        Touchpoint("newsletter email", "email", "marketing", outbound),
        Touchpoint("visit homepage", "web", "marketing", inbound),
        Touchpoint("store visit", "store", "sales", inbound, agents=4),
        Touchpoint("view pricing", "web", "sales", inbound),
        Touchpoint("legacy help page", "web", "support", inbound),
        Touchpoint("request demo", "web", "sales", inbound),
        Touchpoint("sales chat", "chat", "sales", outbound, agents=4),
        Touchpoint("start trial", "web", "sales", inbound),
        Touchpoint("onboarding email", "email", "onboarding", outbound),
        Touchpoint("reminder email", "email", "marketing", outbound),
        Touchpoint("setup chat", "chat", "onboarding", outbound, agents=3),
        Touchpoint("install app", "app", "onboarding", inbound),
        Touchpoint("use app", "app", "onboarding", inbound),
        Touchpoint("enter payment details", "web", "billing", inbound),
        Touchpoint("purchase", "web", "sales", inbound),
        Touchpoint("receipt email", "email", "billing", outbound),
        Touchpoint("cancel", "web", "billing", inbound),
        Touchpoint("support ticket opened", "web", "support", inbound),
        Touchpoint("support reply", "email", "support", outbound, agents=6),
        Touchpoint("email support", "email", "support", inbound),
        Touchpoint("chat with support", "chat", "support", inbound, agents=6),
        Touchpoint("call support", "phone", "support", inbound, agents=6),
        Touchpoint("billing question", "chat", "support", inbound, agents=6),
        Touchpoint("transfer to billing", "chat", "billing", internal, agents=3),
        Touchpoint("transfer back to support", "chat", "support", internal, agents=6),
        Touchpoint("billing complaint call", "phone", "support", inbound, agents=6),
        Touchpoint("billing answer", "email", "billing", outbound, agents=3),
    ]
    drop = PLANTED["drop_off"]["rate"]
    pp = PLANTED["ping_pong"]["rate"]
    rc = PLANTED["repeat_contact"]["rate"]
    seg = PLANTED["segment"]["rates"]
    transitions = {
        "ad click": {"visit homepage": 0.65, "view pricing": 0.25, "END": 0.10},
        "newsletter email": {"visit homepage": 0.50, "view pricing": 0.25, "END": 0.25},
        "visit homepage": {
            "view pricing": 0.50,
            "legacy help page": 0.08,
            "request demo": 0.12,
            "start trial": 0.12,
            "END": 0.18,
        },
        "store visit": {"view pricing": 0.25, "start trial": 0.50, "END": 0.25},
        "view pricing": {
            "start trial": seg["ads"],
            "request demo": 0.15,
            "enter payment details": 0.15,
            "END": 0.70 - seg["ads"],
        },
        "legacy help page": {"legacy help page": 0.20, "END": 0.80},
        "request demo": {"sales chat": 0.85, "END": 0.15},
        "sales chat": {"start trial": 0.60, "view pricing": 0.15, "END": 0.25},
        "start trial": {"onboarding email": 0.95, "END": 0.05},
        "onboarding email": {
            "install app": 0.50,
            "setup chat": 0.15,
            "reminder email": 0.20,
            "END": 0.15,
        },
        "reminder email": {"install app": 0.35, "enter payment details": 0.10, "END": 0.55},
        "setup chat": {"install app": 0.80, "END": 0.20},
        "install app": {"use app": 0.90, "END": 0.10},
        "use app": {
            "use app": 0.40,
            "enter payment details": 0.18,
            "support ticket opened": 0.10,
            "email support": 0.09,
            "billing question": 0.12,
            "cancel": 0.04,
            "END": 0.07,
        },
        "enter payment details": {"purchase": 1.0 - drop, "END": drop},
        "purchase": {"receipt email": 0.95, "END": 0.05},
        "receipt email": {"END": 1.0},
        "cancel": {"END": 1.0},
        "support ticket opened": {"support reply": 1.0},
        "support reply": {
            "use app": 0.60,
            "enter payment details": 0.12,
            "cancel": 0.08,
            "END": 0.20,
        },
        "email support": {"chat with support": rc, "support reply": 0.60, "END": 0.40 - rc},
        "chat with support": {"call support": 0.50, "use app": 0.35, "END": 0.15},
        "call support": {
            "use app": 0.50,
            "enter payment details": 0.20,
            "cancel": 0.10,
            "END": 0.20,
        },
        "billing question": {"billing answer": 1.0 - pp, "transfer to billing": pp},
        "transfer to billing": {"transfer back to support": 1.0},
        "transfer back to support": {"billing complaint call": 1.0},
        "billing complaint call": {"enter payment details": 0.15, "cancel": 0.35, "END": 0.50},
        "billing answer": {"enter payment details": 0.40, "use app": 0.40, "END": 0.20},
    }
    partner_row = dict(transitions["view pricing"])
    partner_row["start trial"] = seg["partner"]
    partner_row["END"] = 0.70 - seg["partner"]
    delays = {
        ("ad click", "*"): ("3min", 0.8),
        ("visit homepage", "*"): ("10min", 1.0),
        ("newsletter email", "*"): ("1D", 1.0),
        ("store visit", "*"): ("1D", 1.0),
        ("view pricing", "*"): ("2h", 1.2),
        ("*", "legacy help page"): ("2min", 0.8),
        ("request demo", "sales chat"): ("1D", 0.6),
        ("sales chat", "*"): ("1D", 1.0),
        ("*", "start trial"): ("1h", 1.0),
        ("start trial", "onboarding email"): ("1h", 0.3),
        ("onboarding email", "*"): ("1D", 0.8),
        ("onboarding email", "reminder email"): ("7D", 0.2),
        ("reminder email", "*"): ("2D", 0.8),
        ("*", "install app"): ("6h", 1.0),
        ("install app", "use app"): ("5min", 0.8),
        ("use app", "*"): ("3D", 1.0),
        ("*", "enter payment details"): ("5D", 0.8),
        ("enter payment details", "purchase"): ("3min", 0.5),
        ("purchase", "receipt email"): ("1min", 0.3),
        ("*", "cancel"): ("3D", 1.0),
        ("support reply", "*"): ("1D", 1.0),
        ("billing answer", "*"): ("1D", 1.0),
        ("*", "billing question"): ("2D", 1.0),
        ("*", "email support"): ("2D", 1.0),
        ("*", "support ticket opened"): ("2D", 1.0),
        ("support ticket opened", "support reply"): ("4h", 0.8),
        ("email support", "support reply"): ("6h", 0.8),
        ("email support", "chat with support"): ("1D", 0.4),
        ("chat with support", "call support"): ("1D", 0.4),
        ("billing question", "billing answer"): ("1D", 0.6),
        ("billing question", "transfer to billing"): ("10min", 0.5),
        ("transfer to billing", "transfer back to support"): ("20min", 0.5),
        ("transfer back to support", "billing complaint call"): ("1D", 0.5),
    }
    gap = PLANTED["silent_gap"]
    return JourneyModel(
        name="sample",
        touchpoints=touchpoints,
        start={
            "ad click": 0.40,
            "newsletter email": 0.15,
            "visit homepage": 0.35,
            "store visit": 0.10,
        },
        return_start={
            "use app": 0.35,
            "billing question": 0.15,
            "email support": 0.15,
            "support ticket opened": 0.15,
            "visit homepage": 0.10,
            "newsletter email": 0.10,
        },
        transitions=transitions,
        goals=(PLANTED["goal"]["touchpoint"],),
        delays=delays,
        default_delay=Delay("2h", 1.0),
        attributes={"acquisition": PLANTED["segment"]["shares"]},
        modifiers=(
            SilentGap(*gap["transition"], share=gap["rate"], delay=Delay(gap["gap"], 0.2)),
            SegmentEffect("acquisition", "partner", "view pricing", partner_row),
        ),
        markers={
            "had_ping_pong": ("transfer back to support",),
            "visited_dead_end": ("legacy help page",),
            "had_repeat_contact": ("chat with support",),
            "had_billing_question": ("billing question",),
        },
        journeys_per_customer=PLANTED["journeys_per_customer"]["rates"],
        inactivity=PLANTED["journeys_per_customer"]["inactivity"],
        revisit_delay=Delay("30D", 0.6),
        max_events=100,
    )


# --------------------------------------------------------------------------- random models

_CHANNELS = ("web", "app", "email", "phone", "chat", "store", "sms", "social", "post")
_DEPARTMENTS = ("marketing", "sales", "onboarding", "support", "billing", "logistics", "finance")
_SELF_SERVICE = {"web", "app"}


def random_model(
    n_touchpoints: int = 40,
    n_channels: int = 6,
    n_departments: int = 5,
    *,
    events_per_journey: float = 12,
    seed: int = 0,
) -> JourneyModel:
    """A random journey model, for benchmarks and property tests.

    Each touchpoint leads to 3-6 others with random probabilities and ends the
    journey with probability ``1 / events_per_journey``, so journeys have that
    many events on average (a geometric length). The last touchpoint is the
    goal. Customers have a ``segment`` ("a" or "b"; "b" swaps the two likeliest
    next steps of the first touchpoint), and a quarter of the steps on that
    touchpoint's likeliest transition are 10-day silent gaps, so the model
    exercises every feature. Customers have 1-3 journeys.

    Parameters
    ----------
    n_touchpoints : int, default 40
        The number of touchpoints (at least 2), named "touchpoint 00", ....
    n_channels, n_departments : int, default 6 and 5
        How many channels and departments the touchpoints spread over.
    events_per_journey : float, default 12
        The mean number of events per journey (at least 1).
    seed : int, default 0
        The seed of the random structure.

    Returns
    -------
    JourneyModel

    Examples
    --------
    >>> from journeymine.datasets import random_model, simulate
    >>> model = random_model(20, events_per_journey=8, seed=3)
    >>> len(model.touchpoints), len(model.channels) <= 6
    (20, True)
    >>> df = simulate(model, n_journeys=2000, as_frame=True)
    >>> 7 < len(df) / 2000 < 9
    True
    """
    f = "random_model"
    check_number(n_touchpoints, "n_touchpoints", f, low=2, integer=True)
    check_number(n_channels, "n_channels", f, low=1, integer=True)
    check_number(n_departments, "n_departments", f, low=1, integer=True)
    check_number(events_per_journey, "events_per_journey", f, low=1)
    check_number(seed, "seed", f, low=0, integer=True)
    rng = np.random.default_rng(seed)
    channels = [_CHANNELS[i] if i < len(_CHANNELS) else f"channel {i}" for i in range(n_channels)]
    departments = [
        _DEPARTMENTS[i] if i < len(_DEPARTMENTS) else f"department {i}"
        for i in range(n_departments)
    ]
    width = len(str(n_touchpoints - 1))
    names = [f"touchpoint {i:0{width}d}" for i in range(n_touchpoints)]
    touchpoints = []
    for i, name in enumerate(names):
        channel = channels[i % n_channels] if i < n_channels else channels[rng.integers(n_channels)]
        department = departments[i % n_departments]
        direction = DIRECTIONS[int(rng.choice(3, p=[0.6, 0.3, 0.1]))]
        agents = 0 if channel in _SELF_SERVICE else int(rng.integers(2, 9))
        touchpoints.append(Touchpoint(name, channel, department, direction, agents))
    p_end = 1.0 / float(events_per_journey)
    goal = names[-1]
    transitions: dict[str, dict[str, float]] = {}
    for i, name in enumerate(names):
        k = int(rng.integers(3, 7))
        targets = rng.choice(n_touchpoints, size=min(k, n_touchpoints), replace=False)
        if i % 5 == 0 and n_touchpoints - 1 not in targets:
            targets[0] = n_touchpoints - 1  # make the goal reachable from many places
        weights = rng.dirichlet(np.ones(targets.size)) * (1.0 - p_end)
        row: dict[str, float] = {}
        for t, w in zip(targets, weights, strict=True):
            row[names[int(t)]] = row.get(names[int(t)], 0.0) + float(w)
        row[END_STATE] = p_end
        transitions[name] = row
    starts = rng.choice(n_touchpoints - 1, size=min(4, n_touchpoints - 1), replace=False)
    start = dict(
        zip(
            [names[int(i)] for i in starts],
            rng.dirichlet(np.ones(starts.size)).tolist(),
            strict=True,
        )
    )
    medians = np.exp(rng.uniform(math.log(300), math.log(86400), size=n_touchpoints))
    delays = {
        ("*", n): (pd.Timedelta(seconds=round(float(m))), 1.0)
        for n, m in zip(names, medians, strict=True)
    }
    # segment "b" swaps the two likeliest next steps of the first touchpoint (the end
    # probability, and so the mean journey length, stays the same)
    src = names[0]
    ranked = sorted((t for t in transitions[src] if t != END_STATE), key=transitions[src].get)
    tgt = ranked[-1]
    seg_row = dict(transitions[src])
    if len(ranked) > 1:
        seg_row[ranked[-1]], seg_row[ranked[-2]] = seg_row[ranked[-2]], seg_row[ranked[-1]]
    return JourneyModel(
        name=f"random model (seed {seed})",
        touchpoints=touchpoints,
        start=start,
        transitions=transitions,
        goals=(goal,),
        delays=delays,
        attributes={"segment": {"a": 0.5, "b": 0.5}},
        modifiers=(
            SilentGap(src, tgt, 0.25, Delay("10D", 0.3)),
            SegmentEffect("segment", "b", src, seg_row),
        ),
        journeys_per_customer={1: 0.6, 2: 0.3, 3: 0.1},
        max_events=max(100, int(20 * events_per_journey)),
    )
