"""The report's pictures: matplotlib figures rendered to PNG and SVG bytes, identical on every rerun (private)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["figure_context", "render_figure", "draw_axes", "funnel_figure"]


@contextlib.contextmanager
def figure_context() -> Iterator[None]:
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
    with figure_context():
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


def draw_axes(plot: Callable[[], Any]) -> dict[str, bytes]:
    """The figure of the Axes ``plot()`` returns (a pyplot-drawing API), rendered; its figures closed."""
    with figure_context():
        import matplotlib.pyplot as plt

        before = set(plt.get_fignums())
        try:
            return render_figure(plot().figure)
        finally:
            for num in set(plt.get_fignums()) - before:
                plt.close(num)


def funnel_figure(table: pd.DataFrame, steps: list[str]) -> dict[str, bytes]:
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
    labels = [t if len(t) <= 60 else t[:59] + "…" for t in labels]  # tables keep full names
    counts = table[count_col].to_numpy(dtype=float)
    first = counts[0] if len(counts) and counts[0] > 0 else 1.0
    with figure_context():
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
