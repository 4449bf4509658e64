"""Draw the picture of the outcomes guide (time to goal) from the bundled sample.

Run from anywhere: ``.venv/bin/python docs/make_outcome_images.py``. It writes
``docs/img/time-to-goal.png``; commit the result.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import journeymine as jm

HERE = Path(__file__).resolve().parent


def time_to_goal(path: Path) -> Path:
    """Cumulative share of the sample's journeys that purchased, by acquisition source."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log = jm.datasets.load_sample()
    table = jm.time_to_goal(log, goal="purchase", by="acquisition")
    ax = jm.plot_time_to_goal(table)
    ax.set_xlim(0, 60)
    ax.set_ylim(0, 0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(path, dpi=90, bbox_inches="tight", metadata={"Software": None})
    return path


if __name__ == "__main__":
    print(time_to_goal(HERE / "img" / "time-to-goal.png"))
