"""What follows the goal, on the journey map (for ``plot_journey(after_goal=...)``).

From a table of :func:`~journeymine.after_goal`: per goal touchpoint on the map, the
share of its journeys whose customer contacted the company again within the window,
reached the goal again or went silent (over the journeys whose whole window is in
the data, as the table's summary), and where they turned first: a dashed purple arc
from the goal touchpoint to each touchpoint of a first contact, with the number of
journeys. The arcs run outside the map, the summary sits by its goal.
:func:`after_goal_view` gives the same as plain data, for the report's explorable map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._stats import wilson_ci
from ..errors import InvalidParameterError
from ._layout import Layout

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["after_goal_view"]

COLOR = "#7b3fa0"
#: gid of the summaries beside the goal touchpoints (tests find them by it)
NOTE_GID = "journeymine-after-goal"
#: At most this many arcs per goal touchpoint (the most journeys first).
MAX_FLOWS = 5
#: The summaries' font size, relative to the node labels'.
NOTE_SCALE = 0.78
_COLUMNS = ("goal_touchpoint", "first_contact_touchpoint", "window_complete", "contacts")
_FUNC = "plot_journey"


@dataclass
class Goal:
    """One goal touchpoint on the map: its summary and where its customers turned first."""

    node: str
    journeys: int  # with the whole window in the data
    contact: int
    repeat: int
    silent: int
    flows: list[tuple[str, int]] = field(default_factory=list)  # (touchpoint, journeys)
    elsewhere: int = 0  # first contacts on touchpoints without an arc

    def lines(self, within: str, every_event: bool) -> list[str]:
        """The summary, three short lines."""
        name = self.node if len(self.node) <= 24 else self.node[:23] + "…"
        head = f"after {name}, within {within} (n={self.journeys:,})"
        if not self.journeys:
            return [f"after {name}: no journey has the", f"whole {within} after it in the data"]
        low, high = wilson_ci(self.contact, self.journeys)
        did = "had more events" if every_event else "contacted again"
        m = self.journeys
        return [
            head,
            f"{_pct(self.contact / m)} {did} (95% CI {_pct(low)}–{_pct(high)})",
            f"{_pct(self.repeat / m)} reached the goal again · {_pct(self.silent / m)} silent",
        ]


def _pct(x: float) -> str:
    """A share in per cent: one decimal near 0% and 100% (0.3%, 99.8%), none between."""
    return f"{x:.0%}" if x in (0, 1) or 0.095 <= x <= 0.905 else f"{x:.1%}"


@dataclass
class View:
    """What the map shows of an :func:`~journeymine.after_goal` table."""

    goals: list[Goal]
    within: str
    every_event: bool
    off_map: list[str]  # goal touchpoints of the table that the map does not show


def view(table: Any, level: str, names: list[str]) -> View:
    """The goal touchpoints of ``table`` that are among ``names``, summarised."""
    info = getattr(table, "attrs", {}).get("journeymine") if hasattr(table, "attrs") else None
    if (
        not isinstance(table, pd.DataFrame)
        or not isinstance(info, dict)
        or info.get("analysis") != "after_goal"
        or not set(_COLUMNS) <= set(table.columns)
    ):
        raise InvalidParameterError(
            f"The 'after_goal' parameter of {_FUNC} must be a table from jm.after_goal "
            f"(with its columns and attrs). Got {_what(table)} instead.",
            param="after_goal",
        )
    params = info.get("params", {})
    if params.get("level", "activity") != level:
        raise InvalidParameterError(
            f"The 'after_goal' parameter of {_FUNC} must be a table at the map's level "
            f"({level!r}): jm.after_goal(log, goal=..., level={level!r}). Got a table at "
            f"level {params.get('level', 'activity')!r} instead.",
            param="after_goal",
        )
    summary = info.get("summary", {})
    done = table[table["window_complete"].to_numpy(dtype=bool)]
    goal_at = done["goal_touchpoint"].astype(object).to_numpy()
    shown = set(names)
    goals = []
    for node in sorted({str(g) for g in table["goal_touchpoint"].dropna()} & shown):
        mine = done[goal_at == node]
        contacted = mine["contacts"].to_numpy() > 0
        first = mine["first_contact_touchpoint"].astype(object).to_numpy()[contacted]
        counts = pd.Series([str(x) for x in first if not pd.isna(x)], dtype=object)
        counts = counts.value_counts(sort=False).sort_index(kind="stable")
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        arcs = [(t, int(c)) for t, c in ranked if t in shown and t != node][:MAX_FLOWS]
        goals.append(
            Goal(
                node,
                len(mine),
                int(contacted.sum()),
                int((mine["repeat_goals"].to_numpy() > 0).sum()),
                int((mine["outcome"].to_numpy() == "silence").sum()),
                arcs,
                int(contacted.sum()) - sum(c for _, c in arcs),
            )
        )
    off = sorted({str(g) for g in table["goal_touchpoint"].dropna()} - shown)
    every = summary.get("contacts_are") == "every event"
    return View(goals, _span(params.get("within")), every, off)


def _what(x: Any) -> str:
    if isinstance(x, pd.DataFrame):
        return "a DataFrame that jm.after_goal did not make"
    return f"a {type(x).__name__}"


def _span(within: Any) -> str:
    """``"30 days"``, ``"36 hours"``: the window in words."""
    try:
        td = pd.Timedelta(within)
    except (TypeError, ValueError):
        return str(within)
    for size, name in ((86_400, "day"), (3_600, "hour"), (60, "minute")):
        n = td.total_seconds() / size
        if n >= 1 and float(n).is_integer():
            return f"{int(n)} {name}{'s' if n != 1 else ''}"
    return str(td)


def flow_geometry(
    v: View, lay: Layout, size: dict[Any, tuple[float, float]], arcs: dict[Any, dict[str, Any]]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Each arc from a goal touchpoint to a first contact, routed around the boxes.

    An arc leaves the goal's box on the side facing the contact's box, runs down (or
    up) the gap beside the goal's column, along the map outside everything drawn
    there (boxes, loops and orange arcs), and back up (or down) the gap beside the
    contact's column into its box: it crosses no box. It takes the side (below or
    above the map) with the shorter way; arcs spanning less run inside those
    spanning more, 10 points apart, and arcs sharing a gap 4 points apart.
    """
    x, y = lay.x, lay.y
    ext = {1: max(y[n] + size[n][1] / 2 for n in x), -1: min(y[n] - size[n][1] / 2 for n in x)}
    ext[-1] -= 30.0 if lay.loops else 0.0
    for arc in arcs.values():
        apex = arc["apex"][1]
        ext[1], ext[-1] = max(ext[1], apex), min(ext[-1], apex)
    half: dict[float, float] = {}  # per column, the half width of its widest box
    for n in x:
        half[x[n]] = max(half.get(x[n], 0.0), size[n][0] / 2)
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    placed: dict[int, list[tuple[float, float, float]]] = {1: [], -1: []}
    gaps: dict[float, int] = {}  # arcs already in each gap
    flows = [(g.node, t, c) for g in v.goals for t, c in g.flows]
    for g, t, c in sorted(flows, key=lambda f: (abs(x[f[0]] - x[f[1]]), f[0], f[1])):
        way = 1.0 if x[t] >= x[g] else -1.0  # the goal leaves on this side, the contact
        gx = x[g] + way * (half[x[g]] + 8.0)  # enters on the other (right, right if level)
        tx = x[t] + (way if x[t] == x[g] else -way) * (half[x[t]] + 8.0)
        gx += way * 4.0 * gaps.get(round(gx, 1), 0)
        gaps[round(gx, 1)] = gaps.get(round(gx, 1), 0) + 1
        tx += (tx - x[t]) / abs(tx - x[t]) * 4.0 * gaps.get(round(tx, 1), 0)
        gaps[round(tx, 1)] = gaps.get(round(tx, 1), 0) + 1
        start = (x[g] + way * size[g][0] / 2, y[g])
        end = (x[t] + (tx - x[t]) / abs(tx - x[t]) * size[t][0] / 2, y[t])
        lo, hi = sorted((x[g], x[t]))
        if x[g] != x[t] and not any(lo < col < hi for col in half):
            # next columns: straight across the gap between them
            mid = (gx + tx) / 2
            pts = [start, (mid, y[g]), (mid, y[t]), end]
            apex = (mid, (y[g] + y[t]) / 2)
        else:
            sign = 1 if 2 * ext[1] - y[g] - y[t] <= y[g] + y[t] - 2 * ext[-1] else -1
            level = sign * ext[sign] + 20.0
            for a, b, depth in placed[sign]:
                if a <= max(gx, tx) + 6 and b >= min(gx, tx) - 6:
                    level = max(level, depth + 10.0)
            placed[sign].append((min(gx, tx), max(gx, tx), level))
            pts = [start, (gx, y[g]), (gx, sign * level), (tx, sign * level), (tx, y[t]), end]
            apex = ((gx + tx) / 2, sign * level)
        out[(g, t, "after")] = {"path": _rounded(pts, 8.0), "apex": apex, "n": c}
    return out


def _rounded(pts: list[tuple[float, float]], r: float) -> Any:
    """A polyline through ``pts`` with its corners rounded (quadratic curves)."""
    from matplotlib.path import Path

    p = np.asarray(pts, dtype=float)
    keep = np.r_[True, np.hypot(*np.diff(p, axis=0).T) > 1e-9]
    p = p[keep]
    verts, codes = [tuple(p[0])], [Path.MOVETO]
    for i in range(1, len(p) - 1):
        a, b, c = p[i - 1], p[i], p[i + 1]
        la, lc = np.hypot(*(b - a)), np.hypot(*(c - b))
        k = min(r, la / 2, lc / 2)
        verts += [tuple(b + (a - b) / la * k), tuple(b), tuple(b + (c - b) / lc * k)]
        codes += [Path.LINETO, Path.CURVE3, Path.CURVE3]
    verts.append(tuple(p[-1]))
    codes.append(Path.LINETO)
    return Path(verts, codes)


def note_spots(
    v: View,
    lay: Layout,
    size: dict[Any, tuple[float, float]],
    arcs: dict[Any, dict[str, Any]],
    flows: dict[Any, dict[str, Any]],
    fontsize: float,
) -> tuple[dict[str, tuple[float, float]], float]:
    """Where each goal's summary goes (centre and top, in layout points) and the room
    it needs below the map.

    Under the goal's box (centred, else flush with its right or left side) if that
    is clear of every box, summary and dashed arc; else above it; else below
    everything, in room kept for it. Measured before anything is
    drawn, so the figure is sized once.
    """
    x, y = lay.x, lay.y
    boxes = [_rect(x[n], y[n] - size[n][1] / 2, size[n][0], size[n][1]) for n in x]
    dots = [f["path"].interpolated(24).vertices for f in flows.values()]
    dots_all = np.concatenate(dots) if dots else np.zeros((0, 2))
    # the top and bottom of the map as plot_journey frames it: boxes, arcs and loops
    apexes = [a["apex"][1] for a in (*arcs.values(), *flows.values())]
    base = max([b[3] for b in boxes] + [a + 12 for a in apexes])
    ceiling = min([b[1] for b in boxes] + [a - 12 for a in apexes]) - (30 if lay.loops else 0)
    low = base
    spots: dict[str, tuple[float, float]] = {}
    for g in v.goals:
        w, h = note_size(g.lines(v.within, v.every_event), fontsize)
        bw, bh = size[g.node]
        xs = (x[g.node], x[g.node] + (bw - w) / 2, x[g.node] - (bw - w) / 2)
        tops = (y[g.node] + bh / 2 + 4, y[g.node] - bh / 2 - 4 - h)
        free = [
            (cx, top)
            for top in tops
            for cx in xs
            if top >= ceiling and _clear(_rect(cx, top - 2, w + 4, h + 4), boxes, dots_all)
        ]
        if free:
            cx, top = free[0]
        else:  # below everything, in room kept for it
            cx, top = x[g.node], low + 6
        low = max(low, top + h)
        spots[g.node] = (cx, top)
        boxes.append(_rect(cx, top, w, h))
    return spots, low - base + (4.0 if low > base else 0.0)


def note_size(lines: list[str], fontsize: float) -> tuple[float, float]:
    """Width and height (points) of a summary of ``lines``, with its frame."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    size = fontsize * NOTE_SCALE
    measure, prop = TextToPath(), FontProperties(size=size)
    w = max(measure.get_text_width_height_descent(t, prop, ismath=False)[0] for t in lines)
    return w + 0.6 * size + 2, len(lines) * size * 1.15 * 1.2 + 0.6 * size + 2


def _rect(cx: float, top: float, w: float, h: float) -> tuple[float, float, float, float]:
    return (cx - w / 2, top, cx + w / 2, top + h)


def _clear(rect: tuple[float, ...], boxes: list[tuple[float, ...]], dots: np.ndarray) -> bool:
    """``rect`` overlaps none of ``boxes`` and covers none of ``dots``."""
    a0, b0, a1, b1 = rect
    if any(a0 < c1 and c0 < a1 and b0 < d1 and d0 < b1 for c0, d0, c1, d1 in boxes):
        return False
    inside = (dots[:, 0] > a0) & (dots[:, 0] < a1) & (dots[:, 1] > b0) & (dots[:, 1] < b1)
    return not inside.any()


def annotate(
    ax: Axes, v: View, spots: dict[str, tuple[float, float]], fs: float, fontsize: float
) -> None:
    """Each goal's summary, its frame's top at its spot (see :func:`note_spots`); ``fs``
    the font size drawn, ``fontsize`` the one laid out."""
    for g in v.goals:
        cx, top = spots[g.node]
        ax.text(
            cx,
            top + 0.3 * fontsize * NOTE_SCALE + 1,
            "\n".join(g.lines(v.within, v.every_event)),
            ha="center",
            va="top",
            fontsize=fs * NOTE_SCALE,
            color=COLOR,
            zorder=6,
            gid=NOTE_GID,
            linespacing=1.15,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": COLOR, "lw": 0.6},
        )


def caption(v: View) -> str:
    """The caption's line for what follows the goal."""
    if not v.goals:
        return (
            f"\nafter the goal: its touchpoint ({', '.join(v.off_map)}) is not on this map"
            if v.off_map
            else ""
        )
    did = "further events" if v.every_event else "contacts"
    whole = "journeys with the whole window in the data"
    if not any(g.flows for g in v.goals):
        return f"\npurple: what journeys did within {v.within} after the goal ({whole})"
    text = (
        f"\npurple: what journeys did within {v.within} after the goal; dashed arcs: where they "
        f"turned first\n(the first of their {did}; {whole})"
    )
    elsewhere = sum(g.elsewhere for g in v.goals)
    if elsewhere:
        text += f"; {elsewhere:,} first turned to a touchpoint without an arc"
    return text


def after_goal_view(table: pd.DataFrame, graph: Any) -> dict[str, Any]:
    """What ``plot_journey(graph, after_goal=table)`` shows of what follows the goal, as
    plain data (the report's explorable map draws the same).

    ``{"within": "30 days", "every_event": False (contacts are inbound events; True:
    any event counts), "goals": [{"node", "journeys", "contact", "repeat",
    "silent", "lines" (the summary's text), "flows": [(touchpoint, journeys), ...],
    "elsewhere"}, ...], "caption"}``, for the goal touchpoints among the graph's nodes.
    """
    v = view(table, graph.level, [str(n) for n in graph.nodes["node"]])
    goals = [
        {
            "node": g.node,
            "journeys": g.journeys,
            "contact": g.contact,
            "repeat": g.repeat,
            "silent": g.silent,
            "lines": g.lines(v.within, v.every_event),
            "flows": list(g.flows),
            "elsewhere": g.elsewhere,
        }
        for g in v.goals
    ]
    return {
        "within": v.within,
        "every_event": v.every_event,
        "goals": goals,
        "caption": caption(v).strip(),
    }
