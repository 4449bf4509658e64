"""The HTML report: self-contained, every data value escaped, sections present; jm.report from Python."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

import journeymine as jm
from journeymine import cli
from journeymine.reporting import Report, render_html
from journeymine.reporting._analyses import render_figure, run_analyses
from journeymine.reporting.html import format_duration, table_html

SECTIONS = (
    "summary",
    "journey_map",
    "stage_map",
    "funnel",
    "dropoffs",
    "handoffs",
    "silent_gaps",
    "dead_ends",
    "pain_points",
    "data_quality",
)


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import load_project_module

    _project = load_project_module()

    config = _project.write_project(tmp_path_factory.mktemp("html") / "project")
    assert cli.main(["-q", "run", str(config)]) == 0
    return config.parent / "out"


def _no_live_markup(html: str) -> None:
    """No script but the explorable map's own (named by its hash in the CSP) and its JSON
    data (never run), no external resource, no event handler anywhere in the document."""
    from journeymine.reporting._explore_js import SCRIPT, SCRIPT_HASH
    from journeymine.reporting._safe import esc

    assert html.count(f"<script>{SCRIPT}</script>") <= 1
    if "<script>" in html:  # allowed by its hash, and by nothing else
        assert f"script-src {esc(SCRIPT_HASH)};" in html
    html = html.replace(f"<script>{SCRIPT}</script>", "")
    html = re.sub(r'<script type="application/json" id="data-[a-z_]+">[^<]*</script>', "", html)
    assert "<script" not in html.lower()
    assert not re.search(r"\son[a-z]+\s*=", html, flags=re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, flags=re.I)
    assert "<link" not in html.lower() and "@import" not in html and "url(" not in html


def test_report_is_self_contained_and_escapes_data(run_folder: Path, evil_names) -> None:
    evil_html, evil_formula = evil_names
    html = (run_folder / "report.html").read_text(encoding="utf-8")
    _no_live_markup(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
    # notes speak to the report's reader, not to a Python user
    for python in ("log.rejected", "log.stitching", "map_stages:"):
        assert python not in html, python
    assert "=HYPERLINK(&quot;http://x&quot;)" in html
    assert 'http-equiv="Content-Security-Policy"' in html
    for section in SECTIONS:
        assert f'<section id="{section}">' in html, section
        assert f'href="#{section}"' in html
    # pictures are embedded, never linked
    for src in re.findall(r'<img[^>]*src="([^"]+)"', html):
        assert src.startswith("data:image/svg+xml;base64,")


def test_csv_exports_are_neutralised_but_parquet_and_json_are_true(
    run_folder: Path, evil_names
) -> None:
    _, evil_formula = evil_names
    found_csv = found_parquet = 0
    for csv in (run_folder / "tables").glob("*.csv"):
        text = csv.read_text(encoding="utf-8")
        for line in text.splitlines():
            for cell in line.split(","):
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (csv.name, cell)
        found_csv += "'=HYPERLINK" in text
        frame = pd.read_parquet(csv.with_suffix(".parquet"))
        found_parquet += frame.isin([evil_formula]).to_numpy().any()
    assert found_csv and found_parquet
    doc = (run_folder / "results.json").read_text(encoding="utf-8")
    assert json.dumps(evil_formula)[1:-1] in doc  # JSON keeps the true value


def test_svg_text_is_escaped_by_matplotlib() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    for fonttype in ("path", "none"):
        with matplotlib.rc_context({"svg.fonttype": fonttype}):
            fig = Figure()
            ax = fig.add_subplot()
            ax.set_title("<script>alert(1)</script> & <b>")
            ax.text(0.5, 0.5, "</text><script>x</script>")
            svg = render_figure(fig)["svg"].decode("utf-8")
        assert "<script" not in svg, fonttype
    assert "&lt;script&gt;" in svg


def test_pictures_are_identical_on_rerun() -> None:
    from matplotlib.figure import Figure

    def draw() -> dict[str, bytes]:
        fig = Figure()
        fig.add_subplot().plot([1, 2, 3])
        return render_figure(fig)

    a, b = draw(), draw()
    assert a == b
    assert b"<dc:date>" not in a["svg"]


@pytest.mark.filterwarnings("ignore::journeymine.DataQualityWarning")
def test_jm_report_from_python(tmp_path: Path) -> None:
    log = jm.datasets.load_sample()
    path = tmp_path / "r" / "report.html"
    rep = jm.report(
        log,
        goal="purchase",
        funnel=["visit homepage", "view pricing", "purchase"],
        stages={"early": ["ad click", "visit homepage"], "late": ["purchase"]},
        path=path,
    )
    assert isinstance(rep, Report) and rep.path == path
    html = path.read_text(encoding="utf-8")
    assert html == rep.html and html.startswith("<!DOCTYPE html>")
    _no_live_markup(html)
    for section in SECTIONS:
        assert f'<section id="{section}">' in html, section
    assert rep.summary["conversion_rate"] > 0
    fragment = rep._repr_html_()
    assert fragment.startswith("<style>") and "<html" not in fragment
    assert "Report at" in repr(rep)
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]  # no temp file left


def test_jm_report_checks_its_arguments() -> None:
    log = jm.datasets.load_sample()
    with pytest.raises(jm.InvalidParameterError, match="'analyses' parameter of report"):
        jm.report(log, path=None, analyses=["journeymap"])
    with pytest.raises(jm.InvalidParameterError, match="'log' parameter of report"):
        jm.report(log.events, path=None)
    with pytest.raises(jm.GoalNotFoundError):
        jm.report(log, goal="purchse", path=None, analyses=["variants"])


def test_sections_without_settings_explain_how_to_enable_them() -> None:
    log = jm.datasets.load_sample()
    found = run_analyses(log, include=("variants",))
    html = render_html(found)
    assert 'id="dropoffs"' in html
    assert "Not run: needs a goal: set goal = &quot;&lt;touchpoint&gt;&quot;" in html
    assert 'id="comparison"' not in html  # only with an assumed journey
    # a section left out by choice says so, in one line
    assert "Stage map" in html and "Not run: needs the &#x27;stage&#x27; column" in html


def test_table_html_escapes_headers_and_cells_and_cuts_long_text() -> None:
    frame = pd.DataFrame({"<th>": ["<td>" * 40], "share": [0.25], "gap": [pd.Timedelta("26h")]})
    html = table_html(frame)
    assert "<th>&lt;th&gt;</th>" not in html and "&lt;th&gt;" in html
    assert "<td>&lt;td&gt;" not in html and "&lt;td&gt;" in html
    assert "25.0%" in html and "1d 2h" in html and "…" in html


def test_format_duration() -> None:
    assert format_duration(pd.Timedelta("3D")) == "3d"
    assert format_duration(pd.Timedelta("90s")) == "1m 30s"
    assert format_duration(pd.NaT) == "–"


def test_journey_log_repr_html_escapes(make_log) -> None:
    log = make_log([("c1", "<img src=x onerror=alert(1)>", "2025-01-01 10:00")])
    html = log._repr_html_()
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_variant_paths_are_exported_as_text() -> None:
    """jm.variants' path column becomes "a → b" text in the exported table (CSV, Parquet, JSON)."""
    log = jm.datasets.load_sample()
    table = run_analyses(log, include=("variants",)).tables["variants"]
    paths = jm.variants(log)["variant"]
    assert table["variant"].tolist() == [" → ".join(p) for p in paths]


def test_notebook_view_is_compact_and_points_to_the_whole_report(tmp_path) -> None:
    log = jm.datasets.load_sample()
    rep = jm.report(log, goal="purchase", path=tmp_path / "r.html")
    view = rep._repr_html_()
    assert len(view) < len(rep.html) / 10  # ~8 KB against ~320 KB
    assert "Top pain points" in view and "journey_map_nodes" in view
    assert str(tmp_path / "r.html") in view and "IPython.display.HTML(rep.html)" in view
    top = rep.tables["pain_points"]["where"].iloc[0]
    assert top in view
    _no_live_markup(view.split("</style>", 1)[1])
