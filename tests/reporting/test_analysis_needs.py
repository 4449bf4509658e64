"""The report's analysis registry: every analysis runs on the columns a log has, the others say why.

A log shaped like most users' data (case, activity, timestamp, a group; no direction, no
channel) must give a report, never a MissingColumnError, unless an analysis that cannot run
is asked for by name.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import journeymine as jm
from journeymine.reporting._analyses import SPECS, blockers, column_hint, run_analyses
from journeymine.reporting.html import render_html


def _plain_log(*, department: bool = True) -> jm.JourneyLog:
    """Six tickets: case, activity, timestamp and a group; no direction, no channel."""
    rows = []
    for i in range(6):
        t0 = pd.Timestamp("2025-01-01") + pd.Timedelta(days=i)
        late = pd.Timedelta("20D") if i < 2 else pd.Timedelta(hours=3 + i)
        rows += [
            (f"c{i}", "open", t0, "desk"),
            (f"c{i}", "review", t0 + pd.Timedelta(hours=1), "backoffice"),
            (f"c{i}", "review", t0 + pd.Timedelta(hours=2), "backoffice"),
            (f"c{i}", "close" if i % 3 else "cancel", t0 + pd.Timedelta(hours=2) + late, "desk"),
        ]
    df = pd.DataFrame(rows, columns=["case", "activity", "ts", "group"])
    return jm.from_pandas(
        df,
        case="case",
        activity="activity",
        timestamp="ts",
        department="group" if department else None,
    )


def _text(html: str) -> str:
    """The report's text as a reader sees it (tags dropped, entities decoded)."""
    import html as _html

    return _html.unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.filterwarnings("ignore::journeymine.DataQualityWarning")
def test_report_runs_every_analysis_the_columns_allow() -> None:
    log = _plain_log()
    rep = jm.report(log, goal="close", path=None)
    ran = set(rep._findings.ran)
    assert {"journey_map", "variants", "dropoffs", "handoffs", "silent_gaps", "loops"} <= ran
    assert {"dead_ends", "pain_points"} <= ran
    # what cannot run says which column it needs and how to map it, in both worlds
    reason = rep.skipped["repeat_contacts"]
    assert "'direction' column" in reason
    assert 'direction = "<column>" in the [sources.<name>] table' in reason
    assert 'direction_rules = "process"' in reason
    assert 'jm.from_pandas(df, ..., direction="<column>")' in reason
    assert "jm.classify_direction" in reason
    assert "funnel = [" in rep.skipped["funnel"] and "funnel=[" in rep.skipped["funnel"]
    assert "[stages] table" in rep.skipped["stage_map"]
    text = _text(rep.html)
    assert "Not run: needs the 'direction' column" in text
    # optional columns: the analysis runs and its section says what is missing
    assert "does not record direction" in rep._findings.notes["silent_gaps"]
    assert "unanswered" in rep._findings.notes["pain_points"]
    # the warnings the notes replace are not repeated to the reader as Python advice
    assert not any("pain_points skipped" in w for w in rep._findings.warnings)


def test_without_department_handoffs_are_skipped_not_an_error() -> None:
    log = _plain_log(department=False)
    found = run_analyses(log)
    assert "'department' column" in found.skipped["handoffs"]
    assert 'department = "<column>"' in found.skipped["handoffs"]
    assert "handoffs" not in found.ran and "loops" in found.ran


def test_asking_by_name_for_an_analysis_that_cannot_run_is_an_error() -> None:
    log = _plain_log()
    with pytest.raises(jm.MissingColumnError, match="'direction' column") as info:
        jm.report(log, goal="close", path=None, analyses=["variants", "repeat_contacts"])
    assert info.value.column == "direction"
    with pytest.raises(jm.InvalidParameterError, match="'goal' parameter of report"):
        jm.report(log, path=None, analyses=["dropoffs"])
    # asked for and possible: runs
    rep = jm.report(log, path=None, analyses=["loops"])
    assert rep._findings.ran == ["loops"]


def test_header_says_channel_not_recorded_instead_of_zero() -> None:
    found = run_analyses(_plain_log(), include=("variants",))
    text = _text(render_html(found))
    assert "0 channels" not in text and not re.search(r"\b0\s+channels\b", text)
    assert re.search(r"not recorded\s+channel", text)
    assert re.search(r"2\s+departments", text)


def test_footer_promises_fingerprints_only_when_it_shows_them() -> None:
    found = run_analyses(_plain_log(), include=("variants",))
    assert "fingerprint" not in render_html(found).lower()
    run = {
        "journeymine_version": jm.__version__,
        "config_sha256": "ab" * 32,
        "inputs": [{"role": "source", "name": "s", "path": "s.csv", "sha256": "cd" * 32}],
    }
    html = render_html(found, run=run)
    assert "fingerprints (SHA-256) below" in html and "cd" * 32 in html


def test_sections_not_run_say_why_in_one_line() -> None:
    found = run_analyses(_plain_log(), include=("variants",))
    html = render_html(found)
    stage = html.split('<section id="stage_map">', 1)[1].split("</section>", 1)[0]
    assert stage.count('class="jm-note jm-skip"') == 1
    assert "Not run: needs the &#x27;stage&#x27; column" in stage
    pain = html.split('<section id="pain_points">', 1)[1].split("</section>", 1)[0]
    assert "Not run: needs a goal" in pain


def test_every_spec_declares_known_needs() -> None:
    for spec in SPECS:
        assert set(spec.settings) <= {"goal", "funnel", "assumed"}, spec.name
        for column, lost in spec.optional:
            assert lost.startswith("so "), (spec.name, column)
    assert "keep" in column_hint("ticket_type")


def test_blockers_follow_the_option_that_names_a_column() -> None:
    log = _plain_log()
    assert "handoffs" not in blockers(log)
    b = blockers(log, options={"handoffs": {"level": "resource"}})["handoffs"]
    assert (b.kind, b.name, b.exists, b.option) == ("column", "resource", True, "level")
    assert "analyses.handoffs.level" in b.reason()
