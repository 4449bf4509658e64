"""Draw the pictures of the README and the docs from the bundled sample.

Run from anywhere: ``.venv/bin/python docs/make_images.py``. It writes
``docs/img/journey-map.png``; commit the result. The picture is deterministic for a
given journeymine and matplotlib version.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import journeymine as jm

HERE = Path(__file__).resolve().parent


def journey_map(path: Path) -> Path:
    """The observed journey map of the sample's 8,000 journeys, simplified to 14 touchpoints."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        log = jm.datasets.load_sample()
    graph = jm.discover(log)
    ax = jm.plot_journey(graph, max_nodes=14, title="Observed customer journeys (bundled sample)")
    path.parent.mkdir(parents=True, exist_ok=True)
    ax.figure.savefig(path, dpi=90, bbox_inches="tight", metadata={"Software": None})
    return path


if __name__ == "__main__":
    print(journey_map(HERE / "img" / "journey-map.png"))
