"""The notebooks of ``notebooks/`` run, top to bottom, against the current code.

Each committed notebook is read, executed with nbclient in a copy (the committed
file is never rewritten) with ``notebooks/`` as the working directory, the folder
the notebooks assume, and the test fails on the first cell that raises. The real
public logs are optional: the notebooks check for ``../shared/data/real/`` and skip
those parts cleanly when it is absent.

The committed notebooks must also be what ``notebooks/_build.py`` generates (same
cells, executed, small enough to review): rebuild them with
``.venv/bin/python notebooks/_build.py`` after changing a cell.
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MAX_BYTES = 300 * 1024

nbformat = pytest.importorskip("nbformat", reason="nbformat (the dev extra) is not installed")
nbclient = pytest.importorskip("nbclient", reason="nbclient (the dev extra) is not installed")


def _build_module():
    spec = importlib.util.spec_from_file_location("_build", NOTEBOOKS / "_build.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_build", module)
    spec.loader.exec_module(module)
    return module


_BUILD = _build_module()
NAMES = list(_BUILD.NOTEBOOKS)


def test_every_notebook_is_listed():
    on_disk = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert on_disk == sorted(NAMES), (
        "notebooks/_build.py and the .ipynb files of notebooks/ disagree"
    )


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_matches_its_cells(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    expected = _BUILD.cells_of(_BUILD.NOTEBOOKS[name])
    assert [(c.cell_type, c.source) for c in nb.cells] == list(expected), (
        f"{name} differs from its cells in notebooks/_build.py: run .venv/bin/python notebooks/_build.py"
    )
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), f"{name} is committed unexecuted"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"], (
        f"{name} has an error output"
    )
    assert (NOTEBOOKS / name).stat().st_size < MAX_BYTES, f"{name} is over {MAX_BYTES // 1024} KB"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name):
    nb = copy.deepcopy(nbformat.read(NOTEBOOKS / name, as_version=4))
    try:
        _BUILD.execute(nb, cwd=NOTEBOOKS, timeout=300)
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{name}: a cell failed:\n{exc}")
