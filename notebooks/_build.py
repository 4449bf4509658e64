"""Write and execute the notebooks of this folder from the cell lists below.

The notebooks are generated so that a change to one is reviewed as a diff of this
file, then committed executed (outputs included) so they can be read without
running anything. Each notebook is executed with nbclient in this folder, the
working directory the notebooks assume.

    .venv/bin/python notebooks/_build.py            # all notebooks
    .venv/bin/python notebooks/_build.py 01 04      # the ones whose name starts so
    .venv/bin/python notebooks/_build.py --no-execute

The cells live in ``_cells_*.py`` modules next to this file (one per notebook), each
defining ``CELLS``: a list of ``md(...)`` and ``py(...)`` cells.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: notebook file name -> the module holding its cells
NOTEBOOKS = {
    "01-quickstart.ipynb": "_cells_01",
    "02-handoffs-and-silence.ipynb": "_cells_02",
    "03-assumed-vs-observed.ipynb": "_cells_03",
    "04-funnels-bpic2012.ipynb": "_cells_04",
    "05-notebook-to-schedule.ipynb": "_cells_05",
}

KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def md(text: str) -> tuple[str, str]:
    """A Markdown cell."""
    return ("markdown", textwrap.dedent(text).strip("\n"))


def py(text: str) -> tuple[str, str]:
    """A code cell."""
    return ("code", textwrap.dedent(text).strip("\n"))


def notebook(cells: list[tuple[str, str]]):
    """An nbformat v4 notebook of the cells, with stable cell ids."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, source) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(source)
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    return nb


def execute(nb, cwd: Path = HERE, timeout: int = 600):
    """Run every cell in ``cwd``; raises ``nbclient.exceptions.CellExecutionError`` on an error."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
    )
    client.execute()
    return nb


def shrink_images(nb, colours: int = 256):
    """Re-encode every PNG output as a palette PNG (a quarter of the size, the same picture).

    Matplotlib writes 24-bit PNGs; a journey map has few distinct colours, so a
    palette of ``colours`` keeps it visually identical and the committed notebooks
    small enough to review.
    """
    import base64
    import io

    from PIL import Image

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" not in data:
                continue
            image = Image.open(io.BytesIO(base64.b64decode(data["image/png"]))).convert("RGB")
            buffer = io.BytesIO()
            image.quantize(colours).save(buffer, format="png", optimize=True)
            data["image/png"] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return nb


def cells_of(module: str) -> list[tuple[str, str]]:
    sys.path.insert(0, str(HERE))
    try:
        return importlib.import_module(module).CELLS
    finally:
        sys.path.remove(str(HERE))


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="build only the notebooks whose name starts with these")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks without running them")
    args = parser.parse_args(argv)
    for name, module in NOTEBOOKS.items():
        if args.only and not any(name.startswith(o) for o in args.only):
            continue
        nb = notebook(cells_of(module))
        start = time.monotonic()
        if not args.no_execute:
            shrink_images(execute(nb))
        path = HERE / name
        nbformat.write(nb, path)
        size = path.stat().st_size
        print(f"{name}: {len(nb.cells)} cells, {size / 1024:.0f} KB, {time.monotonic() - start:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
