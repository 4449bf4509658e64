"""Run the analyses of a report and collect their tables and pictures (private).

Each analysis is one entry of :data:`SPECS`: a name, a title, a plain-language
explanation (shown in the report), what it needs (a goal, stages, funnel steps,
an assumed journey) and a function that calls the public journeymine API and
returns its tables and figures. An analysis whose function is not in this
version of journeymine is listed in ``skipped`` with the reason, never an error.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..discovery._paths import PathDtype

__all__ = [
    "Spec",
    "SPECS",
    "Findings",
    "run_analyses",
    "render_figure",
    "TABLE_TITLES",
    "DETAIL_TABLES",
]


@dataclass(frozen=True)
class Spec:
    """One analysis of the report."""

    name: str
    title: str
    explain: str
    needs: tuple[str, ...]
    api: tuple[str, ...]
    run: Callable[[_Ctx], tuple[dict[str, pd.DataFrame], dict[str, Any]]]


@dataclass
class Findings:
    """Everything a report shows: summary, tables, pictures, what was skipped and why."""

    title: str
    summary: dict[str, Any]
    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    table_titles: dict[str, str] = field(default_factory=dict)
    table_owner: dict[str, str] = field(default_factory=dict)
    figures: dict[str, dict[str, bytes]] = field(default_factory=dict)
    figure_owner: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)


@dataclass
class _Ctx:
    log: Any
    goal: Any
    funnel: list[str] | None
    assumed: Any
    options: dict[str, dict[str, Any]]
    notes: dict[str, str]


# --------------------------------------------------------------------------- figures


@contextlib.contextmanager
def _figure_context() -> Iterator[None]:
    import logging

    import matplotlib

    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)  # layout notes are not the user's business in a batch run
    try:
        with matplotlib.rc_context(
            {
                "svg.hashsalt": "journeymine",
                "svg.fonttype": "path",
                "font.family": "DejaVu Sans",
                "figure.dpi": 100,
                "savefig.dpi": 110,
                "path.simplify": True,
            }
        ):
            yield
    finally:
        logger.setLevel(level)


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def render_figure(fig: Any) -> dict[str, bytes]:
    """A matplotlib figure as PNG and SVG bytes, identical on every rerun.

    The SVG has no date and a fixed hash salt for its ids; the PNG carries only the
    software name (no time).
    """
    out = {}
    with _figure_context():
        for fmt, meta in (
            ("png", {"Software": "journeymine"}),
            ("svg", {"Date": None, "Creator": "journeymine"}),
        ):
            buf = io.BytesIO()
            fig.savefig(
                buf,
                format=fmt,
                metadata=meta,
                facecolor="white",
                bbox_inches="tight",
                pad_inches=0.15,
            )
            out[fmt] = buf.getvalue()
    return out


def _plot_graph(ctx: _Ctx, graph: Any, name: str, title: str) -> dict[str, bytes]:
    """The map drawn by ``jm.plot_journey`` on a figure it sizes itself (simplified if large)."""
    import journeymine as jm

    metric = ctx.options.get("journey_map", {}).get("metric")
    kwargs: dict[str, Any] = {"title": title}
    if metric:
        kwargs["metric"] = metric
    with _figure_context():
        import matplotlib.pyplot as plt

        before = set(plt.get_fignums())
        try:
            ax = jm.plot_journey(graph, **kwargs)
            return render_figure(ax.figure)
        finally:
            for num in set(plt.get_fignums()) - before:
                plt.close(num)


# --------------------------------------------------------------------------- analyses


def _jm(name: str) -> Any:
    import journeymine as jm

    return getattr(jm, name)


def _graph_tables(prefix: str, graph: Any) -> dict[str, pd.DataFrame]:
    return {f"{prefix}_nodes": graph.nodes, f"{prefix}_edges": graph.edges}


def _journey_map(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    level = ctx.options.get("journey_map", {}).get("level", "activity")
    graph = _jm("discover")(ctx.log, level=level)
    figures = {
        "journey_map": lambda: _plot_graph(ctx, graph, "journey_map", "Observed journey map")
    }
    return _graph_tables("journey_map", graph), figures


def _stage_map(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    graph = _jm("discover")(ctx.log, level="stage", collapse_repeats=True)
    figures = {"stage_map": lambda: _plot_graph(ctx, graph, "stage_map", "Observed stage map")}
    return _graph_tables("stage_map", graph), figures


def _variants(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    return {"variants": _jm("variants")(ctx.log)}, {}


def _funnel(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    table = _jm("funnel")(ctx.log, steps=ctx.funnel)
    return {"funnel": table}, {"funnel": lambda: _funnel_figure(table, ctx.funnel or [])}


def _funnel_figure(table: pd.DataFrame, steps: list[str]) -> dict[str, bytes]:
    """A horizontal bar per funnel step: journeys that reached it, and the share of the first step."""
    count_col = next(
        (c for c in ("journeys", "reached", "count", "n_journeys", "cases") if c in table.columns),
        next((c for c in table.columns if pd.api.types.is_integer_dtype(table[c])), None),
    )
    label_col = next(
        (c for c in ("touchpoint", "activity", "stage", "step") if c in table.columns), None
    )
    if count_col is None:
        raise ValueError("the funnel table has no count column to draw")
    labels = (
        [str(v) for v in table[label_col]] if label_col else [str(s) for s in steps][: len(table)]
    )
    counts = table[count_col].to_numpy(dtype=float)
    first = counts[0] if len(counts) and counts[0] > 0 else 1.0
    with _figure_context():
        fig = _new_figure(8.0, 1.2 + 0.55 * len(labels))
        ax = fig.add_subplot()
        y = np.arange(len(labels))[::-1]
        ax.barh(y, counts, color="#3b6ea8", height=0.6)
        ax.set_yticks(y, labels)
        for yi, c in zip(y, counts, strict=True):
            ax.text(c, yi, f"  {int(c):,} ({c / first:.0%})", va="center", fontsize=9)
        ax.set_xlim(0, max(counts.max() if len(counts) else 1, 1) * 1.3)
        ax.set_xlabel(f"journeys ({count_col})")
        ax.set_title("Funnel")
        ax.spines[["top", "right"]].set_visible(False)
        return render_figure(fig)


def _with_goal(
    func: str, **extra: Any
) -> Callable[[_Ctx], tuple[dict[str, pd.DataFrame], dict[str, Any]]]:
    def run(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        kwargs = {k: v for k, v in ctx.options.get(func, {}).items()}
        return {func: _jm(func)(ctx.log, goal=ctx.goal, **kwargs, **extra)}, {}

    return run


def _plain(func: str) -> Callable[[_Ctx], tuple[dict[str, pd.DataFrame], dict[str, Any]]]:
    def run(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
        return {func: _jm(func)(ctx.log, **ctx.options.get(func, {}))}, {}

    return run


def _handoffs(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    opts = dict(ctx.options.get("handoffs", {}))
    if ctx.goal is not None:
        opts.setdefault("goal", ctx.goal)
    return {"handoffs": _jm("handoffs")(ctx.log, **opts)}, {}


_COMPARISON_TABLES = (
    "steps",
    "unexpected_touchpoints",
    "edges",
    "timing",
    "deviation_summary",
    "not_observed",
)


def _comparison(ctx: _Ctx) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    result = _jm("compare")(ctx.assumed, ctx.log)
    tables: dict[str, pd.DataFrame] = {}
    summary = getattr(result, "summary", None)
    if callable(summary):
        flat = {k: _flat(v) if isinstance(v, list | tuple) else v for k, v in summary().items()}
        tables["comparison_summary"] = pd.DataFrame([flat])
    for attr in _COMPARISON_TABLES:
        value = getattr(result, attr, None)
        if isinstance(value, pd.DataFrame):
            tables[f"comparison_{attr}"] = value
    figures: dict[str, Any] = {}
    if hasattr(result, "plot"):

        def draw() -> dict[str, bytes]:
            with _figure_context():
                import matplotlib.pyplot as plt

                before = set(plt.get_fignums())
                try:
                    ax = result.plot()
                    return render_figure(ax.figure)
                except ImportError as exc:  # the comparison plot is not in this version
                    raise NotImplementedError(str(exc)) from exc
                finally:
                    for num in set(plt.get_fignums()) - before:
                        plt.close(num)

        figures["comparison"] = draw
    return tables, figures


SPECS: tuple[Spec, ...] = (
    Spec(
        "journey_map",
        "Journey map",
        "Every touchpoint is a box and every arrow a step that customers really took, from the "
        "start of their journey to its end. Thicker arrows are taken more often. This is the map "
        "as observed in the data, not as designed.",
        (),
        ("discover", "plot_journey"),
        _journey_map,
    ),
    Spec(
        "stage_map",
        "Stage map",
        "The same journeys, with touchpoints grouped into the stages you defined. It shows how "
        "customers move between stages, including steps backwards and stages that are skipped.",
        ("stages",),
        ("discover", "plot_journey"),
        _stage_map,
    ),
    Spec(
        "variants",
        "Most common paths",
        "A path (variant) is the exact sequence of touchpoints of a journey. Few paths covering "
        "most journeys means a uniform experience; a long tail means customers take many routes.",
        (),
        ("variants",),
        _variants,
    ),
    Spec(
        "funnel",
        "Funnel",
        "How many journeys reach each funnel step, in order, and how many are lost between steps.",
        ("funnel",),
        ("funnel",),
        _funnel,
    ),
    Spec(
        "dropoffs",
        "Drop-offs",
        "Where journeys that did not reach the goal ended. Journeys that may still be in "
        "progress are not counted as lost.",
        ("goal",),
        ("dropoffs",),
        _with_goal("dropoffs"),
    ),
    Spec(
        "handoffs",
        "Handoffs",
        "Moments when a journey passes from one department to another. Many handoffs, or "
        "handoffs that bounce back (ping-pong), often mean customers are being passed around.",
        (),
        ("handoffs",),
        _handoffs,
    ),
    Spec(
        "silent_gaps",
        "Silent gaps",
        "Long waits after a customer reached out and before the company answered: the customer "
        "is left waiting without hearing anything.",
        (),
        ("silent_gaps",),
        _plain("silent_gaps"),
    ),
    Spec(
        "dead_ends",
        "Dead ends",
        "Touchpoints after which journeys (almost) never reach the goal.",
        ("goal",),
        ("dead_ends",),
        _with_goal("dead_ends"),
    ),
    Spec(
        "repeat_contacts",
        "Repeat contacts",
        "Customers who contact the company again shortly after a contact, often on another "
        "channel: a sign the first contact did not solve their problem.",
        (),
        ("repeat_contacts",),
        _plain("repeat_contacts"),
    ),
    Spec(
        "loops",
        "Loops",
        "Journeys that go back to a touchpoint they already passed, e.g. reloading the same help "
        "page or being transferred back.",
        (),
        ("loops",),
        _plain("loops"),
    ),
    Spec(
        "pain_points",
        "Pain points, ranked",
        "All the findings above, ranked by how many journeys they affect and how much they lower "
        "the chance of reaching the goal. Start at the top.",
        ("goal",),
        ("pain_points",),
        _with_goal("pain_points"),
    ),
    Spec(
        "comparison",
        "Assumed versus observed",
        "The journey the organisation assumes, set against what customers actually do: assumed "
        "steps nobody takes, and frequent real steps that the assumed journey does not have.",
        ("assumed",),
        ("compare",),
        _comparison,
    ),
)

_BY_NAME = {s.name: s for s in SPECS}

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
}

#: Tables that back a picture: the report folds them away under the picture.
DETAIL_TABLES = frozenset(
    {"journey_map_nodes", "journey_map_edges", "stage_map_nodes", "stage_map_edges"}
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


def _summary(log: Any, goal: Any) -> dict[str, Any]:
    summary = dict(log.summary())
    if goal is not None:
        from ..derive import case_goals

        converted = case_goals(log, goal, func="report")["converted"].to_numpy()
        # the analyzers' definition: ongoing journeys that have not converted yet are
        # censored, so they count neither as converted nor as lost
        known = converted | ~log.cases["ongoing"].to_numpy(dtype=bool)
        summary["converted_journeys"] = int(converted.sum())
        summary["journeys_with_known_outcome"] = int(known.sum())
        summary["conversion_rate"] = float(converted.sum() / known.sum()) if known.any() else None
    return summary


def run_analyses(
    log: Any,
    *,
    goal: Any = None,
    funnel: list[str] | None = None,
    assumed: Any = None,
    include: tuple[str, ...] | None = None,
    options: dict[str, dict[str, Any]] | None = None,
    title: str = "Customer journeys",
    progress: Any = None,
    figures: bool = True,
) -> Findings:
    """Run the analyses ``include`` names (default: all that the settings allow)."""
    from ..cli import NullProgress

    progress = progress or NullProgress()
    has = {
        "goal": goal is not None,
        "stages": "stage" in log.columns,
        "funnel": bool(funnel),
        "assumed": assumed is not None,
    }
    names = (
        include
        if include is not None
        else tuple(s.name for s in SPECS if all(has[n] for n in s.needs))
    )
    ctx = _Ctx(log, goal, funnel, assumed, dict(options or {}), {})
    found = Findings(
        title=title,
        summary=_summary(log, goal),
        settings={"goal": goal, "funnel": funnel, "analyses": list(names)},
    )
    import journeymine as jm

    for spec in SPECS:
        if spec.name not in names:
            continue
        missing_needs = [n for n in spec.needs if not has[n]]
        if missing_needs:
            found.skipped[spec.name] = f"needs {', '.join(missing_needs)}, which is not set"
            continue
        missing_api = [a for a in spec.api if not hasattr(jm, a)]
        if missing_api:
            found.skipped[spec.name] = (
                f"not available in this version of journeymine ({', '.join(missing_api)})"
            )
            continue
        with progress.step(f"analysing: {spec.title.lower()}") as step:
            try:
                tables, figs = _capture(found.warnings, lambda spec=spec: spec.run(ctx))
            except NotImplementedError as exc:
                found.skipped[spec.name] = f"not available in this version of journeymine ({exc})"
                step.done("not available")
                continue
            for tname, table in tables.items():
                found.tables[tname] = _export_ready(table)
                found.table_owner[tname] = spec.name
                found.table_titles[tname] = TABLE_TITLES.get(
                    tname, tname.replace("_", " ").capitalize()
                )
            if figures:
                for fname, draw in figs.items():
                    try:
                        found.figures[fname] = _capture(found.warnings, draw)
                        found.figure_owner[fname] = spec.name
                    except NotImplementedError as exc:
                        ctx.notes.setdefault(
                            fname, f"The picture is not available in this version ({exc})."
                        )
            found.ran.append(spec.name)
            rows = sum(len(t) for t in tables.values())
            drawn = sum(1 for f in figs if f in found.figures)
            step.done(
                f"{rows:,} rows" + (f", {drawn} picture{'s' if drawn != 1 else ''}" if figs else "")
            )
    found.notes = ctx.notes
    _data_quality(log, found)
    return found


def _data_quality(log: Any, found: Findings) -> None:
    rej = log.rejected
    if len(rej):
        cols = [c for c in ("source", "reason") if c in rej.columns]
        counts = rej.groupby(cols, dropna=False, observed=True).size().reset_index(name="rows")
        found.tables["rejected_rows"] = counts.sort_values(cols, kind="stable").reset_index(
            drop=True
        )
        found.table_owner["rejected_rows"] = "data_quality"
        found.table_titles["rejected_rows"] = TABLE_TITLES["rejected_rows"]
    stitching = log.stitching
    if stitching is not None:
        found.tables["stitching"] = stitching.reset_index(drop=True)
        found.table_owner["stitching"] = "data_quality"
        found.table_titles["stitching"] = TABLE_TITLES["stitching"]


def spec(name: str) -> Spec:
    """The analysis called ``name``."""
    return _BY_NAME[name]
