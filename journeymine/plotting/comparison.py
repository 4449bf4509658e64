"""The assumed map and the observed journeys in one picture (matplotlib, imported when drawing).

The assumed steps stand in a row, in the assumed order, under their stage names;
the most frequent unexpected touchpoints stand in a second row below. Edges are
coloured by what the comparison found: transitions that are both assumed and
observed (green, as thick as the share of journeys taking them), assumed
transitions never observed (red, dashed) and observed transitions the map does
not have (orange, as thick as their share).
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np

from .._validation import InstanceOf, validate_params
from ..comparison import Comparison
from ..schema import END, START

__all__ = ["plot_comparison"]

MATCHED = "#1a9850"
NEVER_OBSERVED = "#d73027"
UNEXPECTED = "#f08c00"
_BOX_W = 1.0
_BOX_H = 0.62
_SX = 1.55  # distance between neighbouring steps
_ROW_UNEXPECTED = -2.1
_MANY_STEPS = 15


@validate_params({"comparison": [InstanceOf(Comparison, "a result of jm.compare")]})
def plot_comparison(
    comparison: Any,
    ax: Any = None,
    *,
    max_unexpected: int = 6,
    min_share: float = 0.01,
    label_share: float = 0.02,
    max_never_observed: int = 40,
) -> Any:
    """Overlay the assumed map and the observed journeys.

    Parameters
    ----------
    comparison : Comparison
        The result of :func:`journeymine.compare`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure is made when omitted.
    max_unexpected : int, default 6
        At most this many unexpected touchpoints (the most frequent) are drawn.
    min_share : float, default 0.01
        Observed transitions taken by a smaller share of journeys are not drawn.
    label_share : float, default 0.02
        Transitions with at least this share get their share written on them.
    max_never_observed : int, default 40
        Assumed-but-never-observed transitions are drawn only up to this many (a
        BPMN model allows many); the legend says how many there are. A BPMN or
        Petri-net model's steps are laid out by their median position in the
        journeys, and with more than 15 steps those in fewer than ``min_share`` of
        the journeys are left out.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> import journeymine as jm
    >>> df = pd.DataFrame({"case": list("aaabbb"), "activity": ["x", "y", "z", "x", "w", "z"],
    ...                    "time": pd.date_range("2025-01-01", periods=6, freq="h")})
    >>> log = jm.from_pandas(df, case="case", activity="activity", timestamp="time")
    >>> ax = jm.plot_comparison(jm.compare(log, jm.AssumedJourney(["x", "y", "z"])))
    >>> ax.get_title()
    'assumed journey: assumed vs observed (2 journeys, fitness 0.83)'
    """
    import matplotlib.pyplot as plt

    aj = comparison.assumed
    steps, hidden = _steps_shown(comparison, min_share)
    names = steps["step"].tolist()
    edges = comparison.edges
    n_s = len(names)
    pos: dict[str, tuple[float, float]] = {name: (_SX * i, 0.0) for i, name in enumerate(names)}
    pos[START] = (-_SX * 0.9, 0.0)
    pos[END] = (_SX * (n_s - 0.1), 0.0)
    unexpected = comparison.unexpected_touchpoints
    shown = unexpected[unexpected["share"] >= min_share].head(max_unexpected)["touchpoint"].tolist()
    _place_unexpected(shown, edges, pos)
    xs = [p[0] for p in pos.values()]
    if ax is None:
        width = float(np.clip(1.05 * (max(xs) - min(xs) + 2), 8, 60))
        _, ax = plt.subplots(figsize=(width, 6.2 if shown else 4.6))
    if aj.kind == "steps" and len(aj.stages) > 1:
        _stage_bands(ax, aj)
    n_never, never_drawn = _draw_edges(ax, edges, pos, min_share, label_share, max_never_observed)
    _draw_nodes(ax, steps, names, shown, unexpected, pos)
    _legend(ax, n_never, never_drawn, hidden, min_share)
    ax.set_title(
        f"{aj.name}: assumed vs observed ({comparison.n_journeys} journeys, fitness {comparison.fitness:.2f})",
        fontsize=11,
    )
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 1.0, 2.1)
    ax.set_axis_off()
    return ax


def _steps_shown(comparison: Any, min_share: float) -> tuple[Any, int]:
    """The assumed steps to draw, in drawing order, and how many were left out."""
    aj = comparison.assumed
    steps = comparison.steps
    hidden = 0
    if aj.kind != "steps":
        # a model has no single order: lay its steps out where journeys meet them, and leave out
        # the rare ones when there are many
        steps = steps.sort_values(
            ["median_position", "assumed_position"], kind="stable", na_position="last"
        )
        if len(steps) > _MANY_STEPS:
            keep = steps["contains"] >= min_share
            hidden = int((~keep).sum())
            steps = steps[keep]
        steps = steps.reset_index(drop=True)
    return steps, hidden


def _stage_bands(ax: Any, aj: Any) -> None:
    """A shaded band behind each stage's steps, with the stage's name above."""
    i = 0
    for k, stage in enumerate(aj.stages):
        lo, hi = _SX * (i - 0.5), _SX * (i + len(stage.steps) - 0.5)
        ax.axvspan(
            lo + 0.04,
            hi - 0.04,
            ymin=0,
            ymax=1,
            color="#eef3f8" if k % 2 == 0 else "#f7f7f7",
            zorder=0,
        )
        label = stage.name + (" (any order)" if stage.order == "any" else "")
        ax.text(
            (lo + hi) / 2,
            1.72,
            _wrap(label, 22),
            ha="center",
            va="center",
            fontsize=9,
            color="#445",
            fontweight="bold",
        )
        i += len(stage.steps)


def _draw_edges(
    ax: Any,
    edges: Any,
    pos: dict[str, tuple[float, float]],
    min_share: float,
    label_share: float,
    max_never_observed: int,
) -> tuple[int, bool]:
    """Draw the edges between shown boxes, coloured by status, labelled with their share.

    Returns how many assumed transitions were never observed and whether they were drawn.
    """
    drawn = [e for e in edges.itertuples(index=False) if e.source in pos and e.target in pos]
    never = [e for e in drawn if e.status == "assumed_not_observed"]
    n_never = int((edges["status"] == "assumed_not_observed").sum())
    for e in drawn:
        if e.status == "assumed_not_observed":
            if len(never) > max_never_observed:
                continue
            color, width, style = NEVER_OBSERVED, 1.3, (0, (4, 3))
        elif e.share < min_share:
            continue
        else:
            color = MATCHED if e.status == "matched" else UNEXPECTED
            width, style = 0.8 + 7.0 * float(e.share), "solid"
        mid = _edge(ax, pos[e.source], pos[e.target], color, width, style)
        if e.status != "assumed_not_observed" and e.share >= label_share:
            straight = (
                pos[e.source][1] == pos[e.target][1]
                and 0 < pos[e.target][0] - pos[e.source][0] < 1.2 * _SX
            )
            ax.text(
                mid[0],
                mid[1] + (0.16 if straight else 0.0),
                f"{e.share:.0%}",
                fontsize=7.5,
                ha="center",
                va="center",
                color=color,
                zorder=6,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
            )
    return n_never, len(never) <= max_never_observed


def _draw_nodes(
    ax: Any,
    steps: Any,
    names: list[str],
    shown: list[str],
    unexpected: Any,
    pos: dict[str, tuple[float, float]],
) -> None:
    """The assumed steps' boxes, the unexpected touchpoints' boxes, then start and end."""
    for i, name in enumerate(names):
        row = steps.iloc[i]
        share = row["contains"]
        observed = bool(row["in_log"])
        face = "#ffffff" if observed else "#eeeeee"
        text = _wrap(name, 13) + (f"\n{share:.0%}" if observed else "\nnever observed")
        _node(
            ax,
            pos[name],
            text,
            face=face,
            edge="#333333" if observed else NEVER_OBSERVED,
            dashed=not bool(row["required"]),
            color="#111111" if observed else NEVER_OBSERVED,
        )
    for name in shown:
        share = float(unexpected.loc[unexpected["touchpoint"] == name, "share"].iloc[0])
        _node(
            ax,
            pos[name],
            _wrap(name, 13) + f"\n{share:.0%}",
            face="#fff4e0",
            edge=UNEXPECTED,
            dashed=False,
            color="#5a3300",
        )
    for name in (START, END):
        _node(
            ax,
            pos[name],
            "start" if name == START else "end",
            face="#e8e8e8",
            edge="#888888",
            dashed=False,
            color="#333333",
            small=True,
        )


def _legend(ax: Any, n_never: int, never_drawn: bool, hidden: int, min_share: float) -> None:
    """The legend of edge colours and box styles, below the map."""
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=MATCHED, lw=3, label="assumed and observed"),
        Line2D(
            [],
            [],
            color=NEVER_OBSERVED,
            lw=1.5,
            ls=(0, (4, 3)),
            label=f"assumed, never observed ({n_never})" + ("" if never_drawn else ", not drawn"),
        ),
        Line2D([], [], color=UNEXPECTED, lw=3, label="observed, not assumed"),
        Line2D([], [], color="#333333", lw=1, ls=(0, (2, 2)), label="optional step (dashed box)"),
    ]
    if hidden:
        handles.append(
            Line2D(
                [],
                [],
                color="none",
                label=f"{hidden} steps in < {min_share:.0%} of journeys not drawn",
            )
        )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.01),
        ncol=4,
        fontsize=8,
        frameon=False,
    )


def _wrap(text: str, width: int) -> str:
    lines = textwrap.wrap(str(text), width) or [""]
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][: width - 1] + "…"]
    return "\n".join(lines)


def _place_unexpected(shown: list[str], edges: Any, pos: dict[str, tuple[float, float]]) -> None:
    """Put each unexpected touchpoint below the steps it sits between; keep them apart."""
    wanted = []
    for name in shown:
        near = edges[((edges["source"] == name) | (edges["target"] == name))]
        xs, ws = [], []
        for e in near.itertuples(index=False):
            other = e.target if e.source == name else e.source
            if other in pos:
                xs.append(pos[other][0] + (0.5 if e.target == name else -0.5) * _SX)
                ws.append(max(int(e.journeys), 1))
        wanted.append(float(np.average(xs, weights=ws)) if xs else 0.0)
    order = np.argsort(wanted, kind="stable")
    last = -np.inf
    for k in order:
        x = max(wanted[k], last + 1.25)
        pos[shown[k]] = (x, _ROW_UNEXPECTED)
        last = x


def _edge(
    ax: Any, p: tuple[float, float], q: tuple[float, float], color: str, width: float, style: Any
) -> np.ndarray:
    """Draw one edge as a quadratic curve with an arrow head; return the curve's midpoint."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    (x1, y1), (x2, y2) = p, q
    hw, hh = _BOX_W / 2, _BOX_H / 2
    if p == q:  # self loop above the node
        a, b = (x1 - 0.18, y1 + hh), (x1 + 0.18, y1 + hh)
        c = (x1, y1 + hh + 0.9)
    elif y1 == y2 and x2 > x1 and x2 - x1 < 1.2 * _SX:  # next step: straight
        a, b = (x1 + hw, y1), (x2 - hw, y2)
        c = ((a[0] + b[0]) / 2, y1)
    elif y1 == y2 and x2 > x1:  # skip forward: arc above
        a, b = (x1 + 0.15, y1 + hh), (x2 - 0.15, y2 + hh)
        c = ((x1 + x2) / 2, y1 + hh + 0.32 * min(x2 - x1, 4.5))
    elif y1 == y2:  # backward: arc below
        a, b = (x1 - 0.15, y1 - hh), (x2 + 0.15, y2 - hh)
        c = ((x1 + x2) / 2, y1 - hh - 0.28 * min(x1 - x2, 4.0))
    else:  # between the rows
        down = (
            y2 < y1
        )  # into the lower row: land on its left half; out of it: leave from its right half
        a = (x1 + 0.15, y1 - hh) if down else (x1 + 0.22, y1 + hh)
        b = (x2 - 0.22, y2 + hh) if down else (x2 - 0.15, y2 - hh)
        c = ((a[0] + b[0]) / 2 + (0.2 if down else -0.2), (a[1] + b[1]) / 2)
    path = Path([a, c, b], [Path.MOVETO, Path.CURVE3, Path.CURVE3])
    arrow = FancyArrowPatch(
        path=path,
        arrowstyle="-|>",
        mutation_scale=9 + width,
        color=color,
        lw=width,
        linestyle=style,
        alpha=0.85,
        zorder=3,
        shrinkA=0,
        shrinkB=0,
    )
    ax.add_patch(arrow)
    return 0.25 * np.asarray(a) + 0.5 * np.asarray(c) + 0.25 * np.asarray(b)


def _node(
    ax: Any,
    xy: tuple[float, float],
    text: str,
    *,
    face: str,
    edge: str,
    dashed: bool,
    color: str,
    small: bool = False,
) -> None:
    from matplotlib.patches import FancyBboxPatch

    w, h = (0.5, 0.34) if small else (_BOX_W, _BOX_H)
    box = FancyBboxPatch(
        (xy[0] - w / 2, xy[1] - h / 2),
        w,
        h,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        fc=face,
        ec=edge,
        lw=1.3,
        ls=(0, (3, 2)) if dashed else "solid",
        zorder=4,
    )
    ax.add_patch(box)
    ax.text(
        xy[0],
        xy[1],
        text,
        ha="center",
        va="center",
        fontsize=7.2 if not small else 7.5,
        color=color,
        zorder=5,
    )
