"""plot_journey(after_goal=...): what follows the goal, on the journey map."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch

import journeymine as jm
from journeymine.plotting.journey import BOX_GID, EDGE_GID, NODE_GID
from journeymine.plotting.post_goal import COLOR, NOTE_GID, after_goal_view

GOALS = ["buy A", "buy B"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _log(split: bool = True, seed: int = 5) -> jm.JourneyLog:
    """A's buyers call support (70%) or chat (30%) within 10 days, a third of them;
    B's buyers never contact the company again."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(500):
        who = f"c{i:04d}"
        t = pd.Timestamp("2025-01-01") + pd.Timedelta(days=int(rng.integers(0, 200)))
        rows += [(who, "visit", t, "web", "inbound")]
        rows += [(who, "view product", t + pd.Timedelta("1h"), "web", "inbound")]
        r = rng.random()
        if r > 0.8:
            continue
        product = "buy A" if r < 0.5 else "buy B"
        tb = t + pd.Timedelta("2h")
        rows.append((who, product, tb, "web", "inbound"))
        if product == "buy A" and rng.random() < 0.33:
            call = rng.random() < 0.7
            rows.append(
                (
                    who,
                    "call support" if call else "chat",
                    tb + pd.Timedelta(days=float(rng.uniform(0.5, 9.5))),
                    "phone" if call else "chat",
                    "inbound",
                )
            )
    df = pd.DataFrame(rows, columns=["who", "tp", "t", "ch", "dir"])
    log = jm.from_pandas(
        df, customer="who", activity="tp", timestamp="t", channel="ch", direction="dir"
    )
    return jm.split_journeys(log, end_at=GOALS) if split else log


def _notes(ax) -> list:
    return [t for t in ax.texts if t.get_gid() == NOTE_GID]


def _flows(ax) -> list:
    return [
        p
        for p in ax.artists + ax.patches
        if isinstance(p, FancyArrowPatch)
        and matplotlib.colors.to_hex(p.get_edgecolor(), keep_alpha=False) == COLOR
    ]


@pytest.mark.parametrize("split", [True, False])
def test_summary_beside_each_goal_and_arcs_to_the_first_contacts(split):
    log = _log(split)
    after = jm.after_goal(log, goal=GOALS, within="10D")
    ax = jm.plot_journey(jm.discover(log), after_goal=after)
    notes = {t.get_text().split(",")[0]: t.get_text() for t in _notes(ax)}
    assert sorted(notes) == ["after buy A", "after buy B"]
    done = after[after["window_complete"]]
    for goal in GOALS:
        mine = done[done["goal_touchpoint"] == goal]
        share = (mine["contacts"] > 0).mean()
        assert f"(n={len(mine):,})" in notes[f"after {goal}"]
        assert f"{share:.0%} contacted again (95% CI" in notes[f"after {goal}"]
    assert "0% contacted again" in notes["after buy B"]
    # one dashed arc per touchpoint of a first contact, labelled with its journeys
    first = done[done["contacts"] > 0].groupby("first_contact_touchpoint").size()
    assert len(_flows(ax)) == len(first) == 2
    purple = sorted(
        t.get_text()
        for t in ax.texts
        if t.get_gid() == EDGE_GID and matplotlib.colors.same_color(t.get_color(), COLOR)
    )
    assert purple == sorted(f"{n:,}" for n in first)
    caption = ax.texts[-1].get_text()
    assert "dashed arcs: where they turned first" in caption and "10 days" in caption


def test_arcs_cross_no_box_and_notes_cover_no_box():
    log = _log(True)
    ax = jm.plot_journey(jm.discover(log), after_goal=jm.after_goal(log, goal=GOALS, within="10D"))
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [p.get_window_extent(renderer) for p in ax.patches if p.get_gid() == BOX_GID]
    labels = [t.get_window_extent(renderer) for t in ax.texts if t.get_gid() == NODE_GID]
    for arrow in _flows(ax):
        pts = arrow.get_path().interpolated(50).vertices[3:-3]  # display coordinates
        for b in boxes:
            assert not any(b.contains(x, y) for x, y in pts)
    for note in _notes(ax):
        ext = note.get_window_extent(renderer)
        assert not any(ext.overlaps(b) for b in boxes + labels)
        assert fig.bbox.contains(ext.x0, ext.y0) and fig.bbox.contains(ext.x1, ext.y1)


def test_on_given_axes_and_the_data_view():
    log = _log(False)
    after = jm.after_goal(log, goal=GOALS, within="10D")
    fig, ax = plt.subplots(figsize=(8, 4))
    assert jm.plot_journey(jm.discover(log), ax=ax, after_goal=after) is ax
    view = after_goal_view(after, jm.discover(log))
    a = next(g for g in view["goals"] if g["node"] == "buy A")
    done = after[after["window_complete"] & (after["goal_touchpoint"] == "buy A")]
    assert a["journeys"] == len(done) and a["contact"] == int((done["contacts"] > 0).sum())
    assert [t for t, _ in a["flows"]] == ["call support", "chat"]  # most journeys first
    assert view["within"] == "10 days" and view["every_event"] is False


def test_sample_map_with_after_goal_is_still_readable():
    log = jm.datasets.load_sample()
    after = jm.after_goal(log, goal="purchase")
    ax = jm.plot_journey(jm.discover(log), after_goal=after)
    (note,) = _notes(ax)
    s = after.attrs["journeymine"]["summary"]
    assert note.get_text().startswith(f"after purchase, within 30 days (n={s['journeys']:,})")
    assert not _flows(ax)  # nobody contacts the company after buying in the sample
    assert "purple: what journeys did within 30 days after the goal" in ax.texts[-1].get_text()


def test_bad_tables_are_refused():
    log = _log(False)
    graph = jm.discover(log)
    with pytest.raises(jm.InvalidParameterError, match="'after_goal' parameter of plot_journey"):
        jm.plot_journey(graph, after_goal=jm.dropoffs(log, goal=GOALS))
    with pytest.raises(jm.InvalidParameterError, match="must be a table from jm.after_goal"):
        jm.plot_journey(graph, after_goal=[1, 2])
    channel = jm.after_goal(log, goal=GOALS, level="channel")
    with pytest.raises(jm.InvalidParameterError, match="level='activity'"):
        jm.plot_journey(graph, after_goal=channel)
    # at the map's level it is fine; a goal the map does not show is said in the caption
    ax = jm.plot_journey(jm.discover(log, level="channel"), after_goal=channel)
    assert [t.get_text().split(",")[0] for t in _notes(ax)] == ["after web"]
    small = jm.discover(log).simplify(max_nodes=3)
    hidden = jm.after_goal(log, goal="buy B")
    ax = jm.plot_journey(small, after_goal=hidden, max_nodes=None)
    if "buy B" not in set(small.nodes["node"]):
        assert not _notes(ax)
        assert "its touchpoint (buy B) is not on this map" in ax.texts[-1].get_text()
