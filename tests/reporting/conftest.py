"""Fixtures of the report tests: a small multichannel project folder (see _project.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def load_project_module():
    """tests/reporting/_project.py, imported by path (tests have no packages)."""
    spec = importlib.util.spec_from_file_location(
        "_jm_report_project", Path(__file__).with_name("_project.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_project = load_project_module()
EVIL_HTML = _project.EVIL_HTML
EVIL_FORMULA = _project.EVIL_FORMULA


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Path of the config.toml of a small two-source project in a temporary folder."""
    return _project.write_project(tmp_path / "project")


@pytest.fixture
def evil_names() -> tuple[str, str]:
    """The HTML payload and the spreadsheet formula planted as touchpoint names."""
    return EVIL_HTML, EVIL_FORMULA
