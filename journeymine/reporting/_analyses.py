"""Run the analyses of a report and collect their tables and pictures (private).

Each analysis is one entry of :data:`SPECS`, the report's registry: a name, a
title, a plain-language explanation (shown in the report), what it needs and a
function that calls the public journeymine API and returns its tables and
figures. What an analysis needs is declared there and nowhere else: the
settings (a goal, funnel steps, an assumed journey), the event columns that
must have values (``direction``, ``stage``, the column an option names), and
the columns that only add to it (``optional``). :func:`blockers` reads those
declarations against a log; an analysis that cannot run is listed in
``Findings.skipped`` with what it needs and how to map it, never an error
unless it was asked for by name.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .._partitioned import is_partitioned
from ..analyzers import (
    after_goal,
    dead_ends,
    dropoffs,
    funnel,
    handoffs,
    loops,
    pain_points,
    repeat_contacts,
    silent_gaps,
)
from ..comparison import compare
from ..discovery import discover, variants
from ..discovery.sequences import PathDtype
from ..errors import InvalidParameterError, MissingColumnError
from ..plotting import plot_comparison, plot_journey
from ._explore import WRAP, map_data
from ._figures import draw_axes, funnel_figure, render_figure
from ._outcomes import run_after_goal, run_attribution, run_time_to_goal
from ._summary import _summary, data_quality, present_columns

__all__ = [
    "ANALYSES",
    "Spec",
    "SPECS",
    "Blocker",
    "Findings",
    "blockers",
    "column_hint",
    "present_columns",
    "run_analyses",
    "render_figure",
    "TABLE_TITLES",
    "DETAIL_TABLES",
]

#: The settings an analysis can need, and how to give each: (what it is, configuration, Python).
SETTINGS: dict[str, tuple[str, str, str]] = {
    "goal": ("a goal", 'goal = "<touchpoint>"', 'goal="<touchpoint>"'),
    "funnel": ("funnel steps", 'funnel = ["<step>", ...]', 'funnel=["<step>", ...]'),
    "assumed": ("an assumed journey", 'assumed = "<file>"', 'assumed="<file>"'),
}

#: What a column records, for the reader of a skip reason.
_COLUMN_MEANING: dict[str, str] = {
    "direction": "whether the customer or the company started each event",
    "channel": "the channel of each event: web, email, phone, ...",
    "department": "the team or group that handles each event",
    "resource": "the agent or system behind each event",
    "stage": "the journey stage of each touchpoint",
}

#: How to map a column, beyond the source's own ``<column> = "<source column>"`` key.
_EXTRA_HINTS: dict[str, tuple[str, str]] = {
    "direction": (
        ', or derive it with the top-level key direction_rules = "process" (or a list of '
        "{column, pattern, direction} rules)",
        ', or jm.classify_direction(log, "process")',
    ),
}


def column_hint(column: str) -> str:
    """How to give a log the ``column``: the configuration key and the Python keyword.

    Examples
    --------
    >>> from journeymine.reporting._analyses import column_hint
    >>> print(column_hint("channel"))
    map it with channel = "<column>" in the [sources.<name>] table of the configuration (in Python: jm.from_pandas(df, ..., channel="<column>"))
    """
    if column == "stage":
        return (
            "define stages with a [stages] table in the configuration (in Python: jm.report(..., "
            'stages={"<stage>": ["<touchpoint>", ...]}) or jm.map_stages)'
        )
    if column not in _COLUMN_MEANING:
        return (
            f'keep it with keep = ["{column}"] in the [sources.<name>] table of the configuration '
            f'(in Python: jm.from_pandas(df, ..., keep=["{column}"]))'
        )
    cfg, py = _EXTRA_HINTS.get(column, ("", ""))
    return (
        f'map it with {column} = "<column>" in the [sources.<name>] table of the '
        f'configuration{cfg} (in Python: jm.from_pandas(df, ..., {column}="<column>"){py})'
    )


@dataclass(frozen=True)
class Spec:
    """One analysis of the report, with everything it needs.

    ``settings`` are settings that must be given (``goal``, ``funnel``, ``assumed``);
    ``columns`` event columns that must have values; ``option_columns`` pairs
    (option key, default column) for a column that an option of the analysis names
    (``analyses.handoffs.level``); ``optional`` pairs (column, what is lost without it)
    for columns that add to the analysis when they have values: without them it
    runs, and its section says what is missing and how to map it.
    """

    name: str
    title: str
    explain: str
    run: Callable[[_Ctx], tuple[dict[str, pd.DataFrame], dict[str, Any]]]
    settings: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    option_columns: tuple[tuple[str, str], ...] = ()
    optional: tuple[tuple[str, str], ...] = ()

    def needed_columns(self, options: dict[str, Any]) -> tuple[tuple[str, str | None], ...]:
        """(column, option key that named it or None) of every column that must have values."""
        named = tuple((str(options.get(key, default)), key) for key, default in self.option_columns)
        return tuple((c, None) for c in self.columns) + named


@dataclass(frozen=True)
class Blocker:
    """Why an analysis cannot run on a log: a setting that is not set, or a column with no values."""

    analysis: str
    kind: str  # "setting" or "column"
    name: str  # the setting or the column
    exists: bool = False  # a column that exists but has no values
    option: str | None = None  # the option key that named the column, if any

    def reason(self) -> str:
        """One line: what is needed, and how to give it (configuration and Python)."""
        if self.kind == "setting":
            what, cfg, py = SETTINGS[self.name]
            return f"needs {what}: set {cfg} in the configuration (in Python: {py})"
        if self.kind == "engine":
            return (
                f"runs on a log in memory only, not partition by partition: set engine = "
                f"'memory' in the configuration (in Python: run jm.{self.name} on a filtered "
                "log brought to memory with log.collect())"
            )
        meaning = _COLUMN_MEANING.get(self.name)
        about = f" ({meaning})" if meaning else ""
        state = "has no values in" if self.exists else "is not in"
        named = f", named by analyses.{self.analysis}.{self.option}" if self.option else ""
        return (
            f"needs the {self.name!r} column{about}{named}, which {state} this data: "
            f"{column_hint(self.name)}"
        )

    def error(self, func: str, available: list[str]) -> Exception:
        """The error for asking for this analysis by name."""
        if self.kind == "engine":
            return InvalidParameterError(
                f"The 'log' parameter of {func} must be a JourneyLog in memory to run "
                f"{self.analysis!r} (asked for in 'analyses'). Got a PartitionedLog instead: "
                f"{self.analysis} {self.reason()}."
            )
        if self.kind == "setting":
            return InvalidParameterError(
                f"The {self.name!r} parameter of {func} must be set to run {self.analysis!r} "
                f"(asked for in 'analyses'). Got None instead."
            )
        return MissingColumnError(
            f"{self.analysis} {self.reason()}.", column=self.name, available=available
        )


@dataclass
class Findings:
    """Everything a report shows: summary, tables, pictures, what was skipped and why.

    ``skipped`` holds the analyses asked for (or run by default) that the settings or
    the data do not allow, with what they need; ``not_asked`` the others, with what
    they would need (or that they were left out by choice).
    """

    title: str
    summary: dict[str, Any]
    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    table_titles: dict[str, str] = field(default_factory=dict)
    table_owner: dict[str, str] = field(default_factory=dict)
    figures: dict[str, dict[str, bytes]] = field(default_factory=dict)
    figure_owner: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    not_asked: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    #: the explorable maps' data (see ``_explore.map_data``), by figure name
    maps: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Ctx:
    log: Any
    goal: Any
    funnel: list[str] | None
    assumed: Any
    options: dict[str, dict[str, Any]]
    present: frozenset[str]  # the event columns that have values
    notes: dict[str, str] = field(default_factory=dict)  # what a section's data says, by analysis
    maps: dict[str, dict[str, Any]] = field(default_factory=dict)  # explorable maps, by figure


_Result = tuple[dict[str, pd.DataFrame], dict[str, Callable[[], dict[str, bytes]]]]


def _replaced(call: Callable[[], Any], *fragments: str) -> Any:
    """``call()``, dropping its warnings that contain one of ``fragments``: the report says
    the same to its reader in the section's note (see ``Spec.optional``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call()
    for w in caught:
        if not any(f in str(w.message) for f in fragments):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out


# --------------------------------------------------------------------------- analyses


def _plot_graph(
    ctx: _Ctx, graph: Any, title: str, name: str = "", after: pd.DataFrame | None = None
) -> dict[str, bytes]:
    """The map drawn by ``jm.plot_journey`` on a figure it sizes itself (simplified if large),
    and (with ``name``) the explorable map's layouts at each detail level in ``ctx.maps``;
    ``after``: a table of ``jm.after_goal`` to show on both."""
    if name:
        unit = {"activity": "touchpoints", "stage": "stages", "channel": "channels"}
        ctx.maps[name] = map_data(graph, ctx.log, unit=unit.get(graph.level, "steps"), after=after)
    metric = ctx.options.get("journey_map", {}).get("metric")
    kwargs: dict[str, Any] = {"title": title, "wrap": WRAP}
    if metric:
        kwargs["metric"] = metric
    if after is not None:
        kwargs["after_goal"] = after
    return draw_axes(lambda: plot_journey(graph, **kwargs))


def _after_window(ctx: _Ctx) -> Any:
    """The window after the goal that the report uses everywhere (``analyses.after_goal.within``)."""
    return ctx.options.get("after_goal", {}).get("within", "30D")


def _graph_tables(prefix: str, graph: Any) -> dict[str, pd.DataFrame]:
    return {f"{prefix}_nodes": graph.nodes, f"{prefix}_edges": graph.edges}


def _journey_map(ctx: _Ctx) -> _Result:
    level = ctx.options.get("journey_map", {}).get("level", "activity")
    graph = discover(ctx.log, level=level)
    after = None
    if ctx.goal is not None and not is_partitioned(ctx.log):  # what follows the goal, on the map
        after = after_goal(ctx.log, goal=ctx.goal, within=_after_window(ctx), level=level)
    draw = {
        "journey_map": lambda: _plot_graph(
            ctx, graph, "Observed journey map", "journey_map", after=after
        )
    }
    return _graph_tables("journey_map", graph), draw


def _stage_map(ctx: _Ctx) -> _Result:
    graph = discover(ctx.log, level="stage", collapse_repeats=True)
    draw = {"stage_map": lambda: _plot_graph(ctx, graph, "Observed stage map", "stage_map")}
    return _graph_tables("stage_map", graph), draw


def _variants(ctx: _Ctx) -> _Result:
    return {"variants": variants(ctx.log)}, {}


def _funnel(ctx: _Ctx) -> _Result:
    table = funnel(ctx.log, steps=ctx.funnel)
    return {"funnel": table}, {"funnel": lambda: funnel_figure(table, ctx.funnel or [])}


def _dropoffs(ctx: _Ctx) -> _Result:
    return {"dropoffs": dropoffs(ctx.log, goal=ctx.goal)}, {}


def _dead_ends(ctx: _Ctx) -> _Result:
    return {"dead_ends": dead_ends(ctx.log, goal=ctx.goal)}, {}


def _handoffs(ctx: _Ctx) -> _Result:
    opts = dict(ctx.options.get("handoffs", {}))
    if ctx.goal is not None:
        opts.setdefault("goal", ctx.goal)
    table = _replaced(lambda: handoffs(ctx.log, **opts), "has no 'direction' values")
    return {"handoffs": table}, {}


def _silent_gaps(ctx: _Ctx) -> _Result:
    table = silent_gaps(ctx.log)
    turns = table["waiting_on"].value_counts()
    if len(table) and turns.get("unknown", 0) < len(table):
        company, customer = int(turns.get("company", 0)), int(turns.get("customer", 0))
        ctx.notes["silent_gaps"] = (
            f"Of these {len(table):,} waits, {company:,} were the company's turn (the customer had "
            f"reached out and heard nothing), {customer:,} the customer's, and "
            f"{len(table) - company - customer:,} unknown (no earlier event said who acted)."
        )
    return {"silent_gaps": table}, {}


def _repeat_contacts(ctx: _Ctx) -> _Result:
    level = "channel" if "channel" in ctx.present else "activity"
    return {"repeat_contacts": repeat_contacts(ctx.log, level=level)}, {}


def _loops(ctx: _Ctx) -> _Result:
    return {"loops": loops(ctx.log)}, {}


def _pain_points(ctx: _Ctx) -> _Result:
    table = _replaced(
        lambda: pain_points(ctx.log, goal=ctx.goal, after_goal=_after_window(ctx)),
        "pain_points skipped",
    )
    return {"pain_points": table}, {}


_COMPARISON_TABLES = (
    "steps",
    "unexpected_touchpoints",
    "edges",
    "timing",
    "deviation_summary",
    "not_observed",
)


def _comparison(ctx: _Ctx) -> _Result:
    result = compare(ctx.log, ctx.assumed)
    flat = {k: _flat(v) if isinstance(v, list | tuple) else v for k, v in result.summary().items()}
    tables = {"comparison_summary": pd.DataFrame([flat])}
    for attr in _COMPARISON_TABLES:
        tables[f"comparison_{attr}"] = getattr(result, attr)
    return tables, {"comparison": lambda: draw_axes(lambda: plot_comparison(result))}


SPECS: tuple[Spec, ...] = (
    Spec(
        "journey_map",
        "Journey map",
        "Every touchpoint is a box and every arrow a step that customers really took, from the "
        "start of their journey to its end. Thicker arrows are taken more often. This is the map "
        "as observed in the data, not as designed.",
        _journey_map,
        option_columns=(("level", "activity"),),
    ),
    Spec(
        "stage_map",
        "Stage map",
        "The same journeys, with touchpoints grouped into stages. It shows how customers move "
        "between stages, including steps backwards and stages that are skipped.",
        _stage_map,
        columns=("stage",),
    ),
    Spec(
        "variants",
        "Most common paths",
        "A path (variant) is the exact sequence of touchpoints of a journey. Few paths covering "
        "most journeys means a uniform experience; a long tail means customers take many routes.",
        _variants,
    ),
    Spec(
        "funnel",
        "Funnel",
        "How many journeys reach each funnel step, in order, and how many are lost between steps.",
        _funnel,
        settings=("funnel",),
    ),
    Spec(
        "dropoffs",
        "Drop-offs",
        "Where journeys that did not reach the goal ended. Journeys that may still be in "
        "progress are not counted as lost.",
        _dropoffs,
        settings=("goal",),
    ),
    Spec(
        "handoffs",
        "Handoffs",
        "Moments when a journey passes from one department to another. Many handoffs, or "
        "handoffs that bounce back (ping-pong), often mean customers are being passed around.",
        _handoffs,
        option_columns=(("level", "department"),),
        optional=(
            (
                "direction",
                "so whether customers came back after a handoff (repeat contacts) is not known",
            ),
        ),
    ),
    Spec(
        "silent_gaps",
        "Silent gaps",
        "Waits between two steps of a journey that are far longer than usual for those two steps. "
        "Where the data says who acted last, each wait also says whose turn it was: the "
        "company's (the customer had reached out and heard nothing) or the customer's.",
        _silent_gaps,
        optional=(("direction", "so whose turn it was during each wait is unknown"),),
    ),
    Spec(
        "dead_ends",
        "Dead ends",
        "Touchpoints after which journeys (almost) never reach the goal.",
        _dead_ends,
        settings=("goal",),
    ),
    Spec(
        "repeat_contacts",
        "Repeat contacts",
        "Customers who contact the company again shortly after a contact, often on another "
        "channel: a sign the first contact did not solve their problem.",
        _repeat_contacts,
        columns=("direction",),
        optional=(("channel", "so contacts are told apart by touchpoint instead of channel"),),
    ),
    Spec(
        "loops",
        "Loops",
        "Journeys that go back to a touchpoint they already passed, e.g. reloading the same help "
        "page or being transferred back.",
        _loops,
    ),
    Spec(
        "time_to_goal",
        "Time to goal",
        "How long customers take to reach the goal: the line is the share of journeys that had "
        "reached it by each number of days after they started, with a shaded band for the "
        "uncertainty. Journeys still in progress when the data ends count for as long as they "
        "were seen, and journeys that ended without the goal stop counting, so the line is "
        "neither too hopeful nor too gloomy.",
        run_time_to_goal,
        settings=("goal",),
    ),
    Spec(
        "attribution",
        "Attribution",
        "Which channels earn the conversions. Each journey that reached the goal hands out one "
        "conversion among the channels it touched before it. The main credit (Markov) asks how "
        "many conversions would be lost if a channel were removed; the linear credit beside it "
        "simply shares each conversion equally among the touches. Journeys still in progress "
        "are left out.",
        run_attribution,
        settings=("goal",),
        option_columns=(("level", "channel"),),
    ),
    Spec(
        "after_goal",
        "After the goal",
        "What customers do after reaching the goal: contact the company again (often a sign of "
        "a problem after purchase), reach the goal again, keep using self-service, or go quiet. "
        "Only journeys whose whole window after the goal is in the data are counted.",
        run_after_goal,
        settings=("goal",),
    ),
    Spec(
        "pain_points",
        "Pain points, ranked",
        "All the findings above, ranked by what they cost: conversions lost, hours customers "
        "spent waiting, and extra effort, including contacts after the goal (a problem after "
        "purchase is still a problem). Start at the top.",
        _pain_points,
        settings=("goal",),
        optional=(
            ("department", "so handoffs and ping-pongs between departments are not among them"),
            (
                "direction",
                "so repeat contacts, unanswered contacts and contacts after the goal are not "
                "among them",
            ),
        ),
    ),
    Spec(
        "comparison",
        "Assumed versus observed",
        "The journey the organisation assumes, set against what customers actually do: assumed "
        "steps nobody takes, and frequent real steps that the assumed journey does not have.",
        _comparison,
        settings=("assumed",),
    ),
)

_BY_NAME = {s.name: s for s in SPECS}
#: The analyses that run on a PartitionedLog (partition by partition, same results).
PARTITIONED = frozenset(
    {
        "journey_map",
        "stage_map",
        "variants",
        "funnel",
        "dropoffs",
        "dead_ends",
        "handoffs",
        "silent_gaps",
        "repeat_contacts",
        "loops",
        "pain_points",
    }
)
#: The public function behind an analysis, where its name differs.
_PUBLIC_NAME = {"comparison": "compare"}

#: Every analysis a report (and a run) can include, in report order.
ANALYSES: tuple[str, ...] = tuple(s.name for s in SPECS)

#: Titles of the tables in the report (others are named after the table).
TABLE_TITLES: dict[str, str] = {
    "journey_map_nodes": "Touchpoints on the map",
    "journey_map_edges": "Steps between touchpoints",
    "stage_map_nodes": "Stages",
    "stage_map_edges": "Steps between stages",
    "variants": "Paths, most frequent first",
    "rejected_rows": "Rows set aside while loading",
    "stitching": "Identity stitching per source",
    "comparison_summary": "Fit of the observed journeys to the assumed journey",
    "comparison_steps": "Assumed steps: how often journeys take, skip or reorder them",
    "comparison_unexpected_touchpoints": "Touchpoints the assumed journey does not have",
    "comparison_edges": "Assumed and observed steps between touchpoints",
    "comparison_timing": "Assumed and observed waits",
    "comparison_deviation_summary": "Deviations from the assumed journey",
    "comparison_not_observed": "Assumed steps that never occur in the data",
    "time_to_goal": "Share of journeys that reached the goal, by time since their start",
    "attribution": "Conversions credited to each channel",
    "after_goal_summary": "Contacts after the goal",
    "after_goal_outcomes": "What journeys did after the goal",
}

#: Tables that back a picture: the report folds them away under the picture.
DETAIL_TABLES = frozenset(
    {
        "journey_map_nodes",
        "journey_map_edges",
        "stage_map_nodes",
        "stage_map_edges",
        "time_to_goal",
    }
)


# --------------------------------------------------------------------------- running


def _capture(warns: list[str], func: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func()
    for w in caught:
        text = str(w.message)
        if text not in warns:
            warns.append(text)
    return out


def _flat(value: Any) -> Any:
    """A path ``("a", "b")`` as ``a → b``; a list of (label, count) pairs as ``a (3); b (2)``."""
    if isinstance(value, tuple) and all(isinstance(v, str) for v in value):
        return " → ".join(value)
    if isinstance(value, tuple | list):
        parts = []
        for item in value:
            if isinstance(item, tuple | list) and len(item) == 2 and not isinstance(item[1], str):
                parts.append(f"{item[0]} ({item[1]})")
            else:
                parts.append(str(_flat(item)) if isinstance(item, tuple | list) else str(item))
        return "; ".join(parts)
    return value


def _export_ready(table: pd.DataFrame) -> pd.DataFrame:
    """Tuples and lists become text (see :func:`_flat`); the index becomes columns."""
    out = table
    if not isinstance(out.index, pd.RangeIndex) or out.index.name is not None:
        out = out.reset_index()
    out = out.reset_index(drop=True)
    for i, col in enumerate(out.columns):
        s = out[col]
        paths = isinstance(s.dtype, PathDtype)  # jm.variants' column of paths
        if paths or (
            s.dtype == object and len(s) and s.map(lambda v: isinstance(v, tuple | list)).any()
        ):
            out = out.copy(deep=False) if out is table else out
            out.isetitem(i, s.map(_flat))
    return out


def blockers(
    log: Any,
    *,
    goal: Any = None,
    funnel: list[str] | None = None,
    assumed: Any = None,
    options: dict[str, dict[str, Any]] | None = None,
    names: tuple[str, ...] | None = None,
    present: frozenset[str] | None = None,
) -> dict[str, Blocker]:
    """Why each analysis of ``names`` (default: all) cannot run on ``log`` with these settings.

    Reads what each :class:`Spec` declares: its settings first, then its columns.
    An analysis that can run is not in the result.

    Examples
    --------
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> from journeymine.reporting._analyses import blockers
    >>> df = pd.DataFrame({"c": ["a", "a"], "tp": ["open", "close"],
    ...                    "t": pd.to_datetime(["2025-01-01", "2025-01-02"])})
    >>> log = jm.from_pandas(df, case="c", activity="tp", timestamp="t")
    >>> {name: (b.kind, b.name) for name, b in blockers(log, goal="close").items()}
    ... # doctest: +NORMALIZE_WHITESPACE
    {'stage_map': ('column', 'stage'), 'funnel': ('setting', 'funnel'),
     'handoffs': ('column', 'department'), 'repeat_contacts': ('column', 'direction'),
     'attribution': ('column', 'channel'), 'comparison': ('setting', 'assumed')}
    """
    options = options or {}
    present = present_columns(log) if present is None else present
    columns = set(log.columns)
    given = {"goal": goal is not None, "funnel": bool(funnel), "assumed": assumed is not None}
    out: dict[str, Blocker] = {}
    partitioned = is_partitioned(log)
    for spec in SPECS:
        if names is not None and spec.name not in names:
            continue
        if partitioned and spec.name not in PARTITIONED:
            out[spec.name] = Blocker(spec.name, "engine", _PUBLIC_NAME.get(spec.name, spec.name))
            continue
        setting = next((s for s in spec.settings if not given[s]), None)
        if setting is not None:
            out[spec.name] = Blocker(spec.name, "setting", setting)
            continue
        opts = options.get(spec.name, {})
        for column, key in spec.needed_columns(opts):
            if column not in present:
                option = key if key is not None and key in opts else None
                out[spec.name] = Blocker(spec.name, "column", column, column in columns, option)
                break
    return out


def _optional_notes(spec: Spec, present: frozenset[str]) -> str | None:
    """What the analysis lacks without its optional columns, and how to map them."""
    notes = []
    for column, lost in spec.optional:
        if column not in present:
            meaning = _COLUMN_MEANING.get(column, column)
            notes.append(
                f"This data does not record {column} ({meaning}), {lost}. To add it, "
                f"{column_hint(column)}."
            )
    return " ".join(notes) or None


def run_analyses(
    log: Any,
    *,
    goal: Any = None,
    funnel: list[str] | None = None,
    assumed: Any = None,
    include: tuple[str, ...] | None = None,
    strict: bool = False,
    options: dict[str, dict[str, Any]] | None = None,
    title: str = "Customer journeys",
    progress: Any = None,
    figures: bool = True,
    func: str = "report",
) -> Findings:
    """Run the analyses ``include`` names (default: every one that the settings and data allow).

    An analysis that cannot run (see :func:`blockers`) is listed in ``skipped`` with
    what it needs and how to give it; with ``strict`` (the analyses were asked for by
    name) it is an error instead: :class:`~journeymine.errors.MissingColumnError` for a
    column, :class:`~journeymine.errors.InvalidParameterError` for a setting.
    """
    from .._progress import NullProgress

    progress = progress or NullProgress()
    names = tuple(s.name for s in SPECS) if include is None else tuple(include)
    opts = dict(options or {})
    present = present_columns(log)
    blocked = blockers(
        log, goal=goal, funnel=funnel, assumed=assumed, options=opts, present=present
    )
    if strict and any(n in blocked for n in names):
        raise next(blocked[n] for n in names if n in blocked).error(func, log.columns)
    ctx = _Ctx(log, goal, funnel, assumed, opts, present)
    found = Findings(
        title=title,
        summary=_summary(log, goal),
        settings={"goal": goal, "funnel": funnel, "analyses": list(names)},
    )
    for spec in SPECS:
        if spec.name not in names:
            why = blocked[spec.name].reason() if spec.name in blocked else None
            found.not_asked[spec.name] = why or "not among the analyses asked for"
            continue
        if spec.name in blocked:
            found.skipped[spec.name] = blocked[spec.name].reason()
            continue
        with progress.step(f"analysing: {spec.title.lower()}") as step:
            tables, figs = _capture(found.warnings, lambda spec=spec: spec.run(ctx))
            for tname, table in tables.items():
                found.tables[tname] = _export_ready(table)
                found.table_owner[tname] = spec.name
                found.table_titles[tname] = TABLE_TITLES.get(
                    tname, tname.replace("_", " ").capitalize()
                )
            if figures:
                for fname, draw in figs.items():
                    found.figures[fname] = _capture(found.warnings, draw)
                    found.figure_owner[fname] = spec.name
            note = " ".join(
                filter(None, (ctx.notes.get(spec.name), _optional_notes(spec, present)))
            )
            if note:
                found.notes[spec.name] = note
            found.ran.append(spec.name)
            rows = sum(len(t) for t in tables.values())
            drawn = sum(1 for f in figs if f in found.figures)
            step.done(
                f"{rows:,} row{'s' if rows != 1 else ''}"
                + (f", {drawn} picture{'s' if drawn != 1 else ''}" if figs else "")
            )
    found.maps = ctx.maps
    data_quality(log, found, TABLE_TITLES)
    return found


def spec(name: str) -> Spec:
    """The analysis called ``name``."""
    return _BY_NAME[name]
