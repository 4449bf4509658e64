"""Analyzers: find where journeys break, from the data.

Each analyzer takes a :class:`~journeymine.JourneyLog` and returns a tidy DataFrame,
one row per finding, sorted by importance:

* :func:`dropoffs` and :func:`funnel` — where journeys stop;
* :func:`funnel_times` — time to convert between any two funnel steps;
* :func:`attribution` — which channels (or any label) earn the conversions;
* :func:`handoffs` — work passing between departments (or channels, agents), with
  delays, ping-pongs and repeat contacts;
* :func:`silent_gaps`, :func:`silent_gaps_summary` and :func:`unanswered` — customers
  left waiting;
* :func:`dead_ends` — touchpoints after which journeys rarely reach the goal;
* :func:`repeat_contacts` and :func:`loops` — customers coming back, touchpoints
  repeated;
* :func:`pain_points` — all of the above in one prioritised list of problems;
* :func:`affected_journeys` — the journeys behind any row of these tables;
* :func:`journey_features` — one row per journey with a flag or count from each;
* :func:`time_to_goal` and :func:`after_goal` — how long conversion takes, and what follows it.
"""

from .affected import affected_journeys
from .credit import attribution
from .features import journey_features
from .funnels import dropoffs, funnel
from .gaps import silent_gaps, silent_gaps_summary, unanswered
from .outcomes import after_goal, time_to_goal
from .ranking import pain_points
from .reachability import dead_ends
from .repeats import loops, repeat_contacts
from .timing import funnel_times
from .transfers import handoffs

__all__ = [
    "affected_journeys",
    "after_goal",
    "attribution",
    "dead_ends",
    "dropoffs",
    "funnel",
    "funnel_times",
    "handoffs",
    "journey_features",
    "loops",
    "pain_points",
    "repeat_contacts",
    "silent_gaps",
    "silent_gaps_summary",
    "time_to_goal",
    "unanswered",
]
