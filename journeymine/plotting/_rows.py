"""Row charts that stay readable in small axes (private to plotting).

Every chart here is a stack of text lines drawn inside its axes, top to bottom: a
heading, then rows. Nothing but x tick labels leaves the axes (no y tick labels, no
title above, no x label below that could run into a neighbouring subplot); long
labels are shortened to the width there is, and rows that do not fit the height are
left out, saying so in the heading. Text is never smaller than :data:`MIN_FONT` points.
The y axis counts lines (0 at the top).
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []

FONT = 8.0
MIN_FONT = 7.0
BAR = "#9ecae1"
STRONG = "#c0392b"
WEAK = "#7f7f7f"
_CHAR = 0.6  # generous average character width, in font sizes (DejaVu Sans)
_LINE = 1.5  # line height, in font sizes


def axes(ax: Any, lines: float) -> Any:
    """``ax``, or a new figure's axes about tall enough for ``lines`` lines of text."""
    import matplotlib.pyplot as plt  # imported here: drawing is optional

    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, max(2.4, min(4.8, 0.6 + 0.17 * lines))))
    return ax


def size_pt(ax: Any) -> tuple[float, float]:
    """The axes' width and height in points."""
    pos = ax.get_position()
    w, h = ax.figure.get_size_inches()
    return pos.width * w * 72.0, pos.height * h * 72.0


def fit(ax: Any, n: int, per_row: float, head: float) -> tuple[float, int]:
    """The font size, and how many of ``n`` rows of ``per_row`` lines fit under a heading
    of ``head`` lines."""
    _, h = size_pt(ax)
    for fs in (FONT, 7.5, MIN_FONT):
        if (head + n * per_row) * fs * _LINE <= h:
            return fs, n
    return MIN_FONT, max(1, min(n, int((h / (MIN_FONT * _LINE) - head) // per_row)))


def width_chars(width_pt: float, fs: float) -> int:
    return max(4, int(width_pt / (_CHAR * fs)))


def shorten(text: str, width_pt: float, fs: float) -> str:
    """``text`` cut with an ellipsis to about ``width_pt`` points at font size ``fs``."""
    limit = width_chars(width_pt, fs)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def heading(ax: Any, lines: list[str], fs: float) -> float:
    """The heading lines at the top left, the first one bold; returns the lines used."""
    w, _ = size_pt(ax)
    tr = ax.get_yaxis_transform()  # x in axes fractions, y in lines
    for i, text in enumerate(lines):
        ax.text(
            0.0,
            i * 1.1 + 0.55,
            shorten(text, w, fs),
            transform=tr,
            ha="left",
            va="center",
            fontsize=fs,
            fontweight="bold" if i == 0 else "normal",
        )
    return len(lines) * 1.1 + 0.3


def finish(ax: Any, lines: float) -> None:
    """Lines top to bottom, no y ticks, no frame but the bottom spine where there are x ticks."""
    ax.set_ylim(lines + 0.2, 0)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def bar_rows(ax: Any, labels: list[str], values: list[float], notes: list[str], title: str) -> Any:
    """One row per label: a light bar as long as its value (0 to the largest), the label
    over it at the left and the note at the right; on one line when both fit the width,
    else the label on a line of its own above the bar. No x ticks: numbers are written."""
    n = len(labels)
    w, _ = size_pt(ax)
    fs, k = fit(ax, n, 1.0, 1.5)
    note_w = max([len(s) for s in notes] + [0]) * _CHAR * fs
    one_line = all(len(lab) * _CHAR * fs + note_w + 12 <= w for lab in labels[:k])
    if not one_line:
        fs, k = fit(ax, n, 2.0, 1.5)
    head = heading(ax, [title + (f" (first {k} of {n})" if k < n else "")], max(fs, 7.5))
    top = max([v for v in values if v == v] + [0.0]) or 1.0
    per = 1.0 if one_line else 2.0
    for i in range(k):
        y = head + i * per
        bar_y = y + (0.5 if one_line else 1.45)
        v = values[i] if values[i] == values[i] else 0.0
        ax.barh(bar_y, v / top, height=0.8 if one_line else 0.75, color=BAR, edgecolor="none")
        label_w = w - note_w - 12 if one_line else w
        ax.text(0.01, y + 0.5, shorten(labels[i], label_w, fs), va="center", ha="left", fontsize=fs)
        ax.text(0.99, bar_y, notes[i], va="center", ha="right", fontsize=fs)
    ax.set_xlim(0, 1)
    ax.set_xticks([])
    finish(ax, head + k * per)
    ax.spines["bottom"].set_visible(False)
    return ax
