"""The report's outcome sections: time to goal, attribution, after the goal (issue #17)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import journeymine as jm
from journeymine.reporting._analyses import run_analyses
from journeymine.reporting.html import render_html

_NEW = ("time_to_goal", "attribution", "after_goal")


def _section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


@pytest.fixture(scope="module")
def sample_report() -> jm.reporting.Report:
    return jm.report(jm.datasets.load_sample(), goal="purchase", path=None)


def test_sample_report_has_the_three_sections(sample_report) -> None:
    found = sample_report._findings
    assert set(_NEW) <= set(found.ran)
    for name in ("time_to_goal", "attribution", "after_goal_summary", "after_goal_outcomes"):
        assert len(found.tables[name]), name
    assert "time_to_goal" in found.figures
    att = found.tables["attribution"]
    assert {"channel", "conversions", "removal_effect", "linear_conversions"} <= set(att.columns)
    assert att["conversions"].sum() == pytest.approx(att["linear_conversions"].sum())
    assert "median" in found.notes["time_to_goal"]
    assert "95% interval" in found.notes["after_goal"]
    outcomes = found.tables["after_goal_outcomes"]
    assert outcomes["outcome"].tolist() == ["contact", "repeat goal", "self-service", "silence"]
    html = sample_report.html
    for name, title in zip(_NEW, ("Time to goal", "Attribution", "After the goal"), strict=True):
        assert title in _section(html, name)


def test_options_reach_the_functions() -> None:
    log = jm.datasets.load_sample()
    found = run_analyses(
        log,
        goal="purchase",
        include=_NEW,
        figures=False,
        options={"attribution": {"method": "first_touch"}, "after_goal": {"within": "7D"}},
    )
    att = found.tables["attribution"]
    assert "removal_effect" not in att.columns and "linear_share" in att.columns
    assert found.tables["after_goal_summary"]["within"].tolist() == ["7D"]


def test_without_channels_attribution_is_skipped_with_the_reason() -> None:
    df = pd.DataFrame(
        {
            "case": ["a", "a", "b", "b"],
            "activity": ["open", "close", "open", "cancel"],
            "ts": pd.to_datetime(
                ["2025-01-01 09:00", "2025-01-02 09:00", "2025-01-01 10:00", "2025-01-03 10:00"]
            ),
        }
    )
    log = jm.from_pandas(df, case="case", activity="activity", timestamp="ts")
    found = run_analyses(log, goal="close", include=_NEW, figures=False)
    reason = found.skipped["attribution"]
    assert "'channel' column" in reason
    assert 'channel = "<column>" in the [sources.<name>] table' in reason
    assert {"time_to_goal", "after_goal"} <= set(found.ran)
    html = render_html(found)
    assert "Not run: needs the &#x27;channel&#x27; column" in _section(html, "attribution")
    # without a goal, all three say so
    found = run_analyses(log, include=_NEW, figures=False)
    assert all(re.search("needs a goal", found.skipped[n]) for n in _NEW)


def test_the_journey_map_shows_what_follows_the_goal(sample_report) -> None:
    data = sample_report._findings.maps["journey_map"]
    (goal,) = data["after"]["goals"]
    assert data["nodes"][goal["node"]]["name"] == "purchase"
    assert goal["lines"][0].startswith("after purchase, within 30 days (n=")
    assert goal["badge"] == "after: 0% contact again" and goal["flows"] == []
    html = sample_report.html
    assert "Purple: what journeys did after the goal" in _section(html, "journey_map")
    # without a goal the map is as before
    plain = run_analyses(jm.datasets.load_sample(), include=("journey_map",))
    assert "after" not in plain.maps["journey_map"]


def test_the_window_after_the_goal_is_one_setting() -> None:
    log = jm.datasets.load_sample()
    found = run_analyses(
        log,
        goal="purchase",
        include=("journey_map", "after_goal", "pain_points"),
        options={"after_goal": {"within": "7D"}},
    )
    assert found.maps["journey_map"]["after"]["within"] == "7 days"
    assert found.tables["after_goal_summary"]["within"].tolist() == ["7D"]
    assert "7 days" in found.maps["journey_map"]["after"]["goals"][0]["lines"][0]
