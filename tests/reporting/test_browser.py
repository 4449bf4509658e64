"""report.html in a real browser: headless Chromium renders it without console errors.

Skips when no Chromium is installed (``.ci/run`` installs Debian's ``chromium`` on CI;
locally: ``apt-get install chromium``). The screenshot is saved to the test's temporary
folder, or to ``$JOURNEYMINE_SCREENSHOT_DIR`` when set, to be looked at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from journeymine import cli

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
    "comparison",
    "data_quality",
)

ASSUMED = """\
name: designed journey
goal: purchase
steps: [visit homepage, view pricing, start trial, enter payment details, purchase]
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (apt-get install chromium); the browser test needs it")


def _browse(browser: str, url: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-extensions",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        url,
    ]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=180, env={**os.environ, "LANG": "C.UTF-8"}
    )


def _console_errors(stderr: str) -> list[str]:
    bad = []
    for line in stderr.splitlines():
        if "Uncaught" in line or "Refused to" in line or "Content Security Policy" in line:
            bad.append(line)
        elif re.search(
            r":CONSOLE[:(]\d+", line
        ):  # the report has no script: any console message is wrong
            bad.append(line)
        elif "net::ERR_" in line:
            bad.append(line)
    return bad


@pytest.mark.slow
def test_console_errors_are_detected(tmp_path: Path) -> None:
    """The check itself: a page with a failing script and a blocked resource is caught."""
    browser = _chromium()
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
        """content="default-src 'none'"></head><body><script>undefinedFn()</script>"""
        "</body></html>",
        encoding="utf-8",
    )
    done = _browse(browser, page.as_uri(), tmp_path / "profile", "--dump-dom")
    assert _console_errors(done.stderr), done.stderr[-2000:]


@pytest.mark.slow
def test_report_renders_in_chromium(tmp_path: Path, evil_names) -> None:
    browser = _chromium()
    from conftest import load_project_module

    config = load_project_module().write_project(tmp_path / "project")
    (config.parent / "assumed.yaml").write_text(ASSUMED, encoding="utf-8")
    config.write_text(
        'assumed = "assumed.yaml"\n' + config.read_text(encoding="utf-8"), encoding="utf-8"
    )
    assert cli.main(["-q", "run", str(config)]) == 0
    report = config.parent / "out" / "report.html"
    url = report.as_uri()

    dom = _browse(browser, url, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert "<script" not in html.lower()  # the planted <script> is text, not an element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<img") >= 4  # journey map, stage map, funnel, comparison
    assert _console_errors(dom.stderr) == []

    shots = Path(os.environ.get("JOURNEYMINE_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / "report.png"
    done = _browse(
        browser,
        url,
        tmp_path / "profile-shot",
        f"--screenshot={shot}",
        "--window-size=1280,7000",
        "--hide-scrollbars",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.is_file() and shot.read_bytes().startswith(b"\x89PNG")
    assert _console_errors(done.stderr) == []
    print(f"screenshot: {shot}")
