"""The documentation site: every public name in the API reference, examples that run, a strict build.

The reference pages (``docs/reference/*.md``) are generated from the docstrings by
mkdocstrings (``::: journeymine.<name>`` directives). These tests keep the site in
step with the code:

* every name of ``journeymine.__all__`` has a ``::: journeymine.<name>`` directive;
* every fenced ``python`` block of the narrative pages runs, page by page, in a fresh
  namespace and a temporary working directory (blocks fenced as ``py`` are shown,
  not run: they need files that are not in the repository);
* the schema page lists every canonical column and reject reason;
* the README opens with the two commands of the contract;
* ``mkdocs build --strict`` succeeds (skipped when the ``docs`` extra is not installed).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import journeymine as jm
from journeymine import schema

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REFERENCE = DOCS / "reference"
NARRATIVE = sorted(
    p
    for p in [*DOCS.glob("*.md"), *(DOCS / "guide").glob("*.md")]
    if p.name not in ("config.md", "results-schema.md")
)
_DIRECTIVE = re.compile(r"^:::\s+(\S+)\s*$", re.MULTILINE)
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

README_COMMANDS = [
    'python3 -m venv .venv && .venv/bin/pip install -e ".[all]" && .venv/bin/journeymine sample demo '
    "&& .venv/bin/journeymine run demo/config.toml",
    "bash .ci/run",
]


def _directives() -> list[str]:
    found: list[str] = []
    for page in sorted(REFERENCE.glob("*.md")):
        found += _DIRECTIVE.findall(page.read_text(encoding="utf-8"))
    return found


def _resolve(target: str) -> object:
    """The runtime object a directive names: the longest importable module, then attributes."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(target)


def test_every_public_name_is_in_the_reference():
    """Each name of ``__all__`` has a directive, by its public path or by its defining module's.

    A public function that shares its name with a module of the package (``jm.compare``
    and the package ``journeymine.compare``, ``jm.dead_ends`` and the module
    ``journeymine.analyzers.reachability``) is documented by its defining path, with an
    anchor ``[](){#journeymine.<name>}`` above the directive so links keep working;
    ``journeymine.<name>`` would render the module.
    """
    documented = {id(_resolve(target)) for target in _directives()}
    missing = [name for name in jm.__all__ if id(getattr(jm, name)) not in documented]
    assert not missing, (
        f"add '::: journeymine.<name>' to a page under docs/reference/ for {missing}"
    )
    anchors = "".join(p.read_text(encoding="utf-8") for p in REFERENCE.glob("*.md"))
    for name in jm.__all__:
        if f"::: journeymine.{name}\n" not in anchors + "\n":
            assert f"[](){{#journeymine.{name}}}" in anchors, (
                f"no anchor #journeymine.{name} in the reference"
            )


def test_reference_directives_name_existing_objects():
    for target in _directives():
        assert target.startswith("journeymine"), target
        try:
            _resolve(target)
        except (ImportError, AttributeError):
            pytest.fail(f"docs/reference names {target!r}, which does not exist")


def test_reference_directives_render_what_they_name():
    """griffe (what mkdocstrings renders) sees the same kind of object as Python does."""
    griffe = pytest.importorskip("griffe", reason="griffe (the docs extra) is not installed")
    package = griffe.load("journeymine", search_paths=[str(ROOT)], resolve_aliases=True)
    for target in _directives():
        runtime = _resolve(target)
        kind = (
            "module"
            if inspect.ismodule(runtime)
            else "class"
            if inspect.isclass(runtime)
            else "function"
            if inspect.isroutine(runtime)
            else "attribute"
        )
        found = package[target[len("journeymine.") :]] if target != "journeymine" else package
        assert found.kind.value == kind, (
            f"'::: {target}' renders a {found.kind.value} but names a {kind}: a module of the same "
            f"name shadows it; use its defining path ({getattr(runtime, '__module__', '?')}."
            f"{getattr(runtime, '__qualname__', '?')}) with an anchor [](){{#{target}}}"
        )


def test_every_reference_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in REFERENCE.glob("*.md"):
        assert f"reference/{page.name}" in nav, f"{page} is not in mkdocs.yml's nav"


def test_schema_page_lists_every_column_and_reject_reason():
    text = (DOCS / "schema.md").read_text(encoding="utf-8")
    for name in [*schema.CANONICAL_COLUMNS, *schema.REJECT_REASONS, *schema.DIRECTIONS]:
        assert f"`{name}`" in text, f"docs/schema.md does not mention `{name}`"


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", text, re.DOTALL)
    assert block is not None, "README.md has no code block"
    lines = [ln.strip() for ln in block.group(1).strip().splitlines()]
    assert lines == README_COMMANDS
    before = text[: text.index(block.group(0))].strip().splitlines()
    assert len([ln for ln in before if ln.strip() and not ln.startswith("#")]) <= 1, (
        "only a one-line intro may come before the two commands"
    )


def test_readme_links_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


@pytest.mark.parametrize("page", NARRATIVE, ids=lambda p: str(p.relative_to(DOCS)))
def test_examples_on_the_page_run(page, tmp_path, monkeypatch):
    blocks = _PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))
    if not blocks:
        pytest.skip("no python examples on this page")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jm.DataQualityWarning)
            for i, block in enumerate(blocks, 1):
                try:
                    exec(compile(block, f"{page.name}, block {i}", "exec"), namespace)
                except Exception as exc:  # pragma: no cover - the message is the point
                    raise AssertionError(
                        f"{page.relative_to(ROOT)}: python block {i} fails: {exc!r}\n{block}"
                    ) from exc
    finally:
        plt.close("all")


def test_assumed_journey_examples_parse(tmp_path):
    """The YAML assumed journeys shown in the guide are valid ``AssumedJourney`` files."""
    text = (DOCS / "guide" / "compare.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```yaml\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert blocks, "docs/guide/compare.md shows no YAML assumed journey"
    for i, block in enumerate(blocks):
        path = tmp_path / f"assumed_{i}.yaml"
        path.write_text(block, encoding="utf-8")
        assumed = jm.AssumedJourney.from_file(path)
        assert assumed.step_names


def test_convert_rst_to_markdown():
    spec = importlib.util.spec_from_file_location("griffe_rst", DOCS / "griffe_rst.py")
    if importlib.util.find_spec("griffe") is None:
        pytest.skip("griffe (the docs extra) is not installed")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.convert("See :func:`~journeymine.discover`, :meth:`simplify`.") == (
        "See [`discover`][journeymine.discovery.graph.discover], `simplify`."
    )
    table = "\n".join(
        [
            "Returns",
            "-------",
            "DataFrame",
            "    ======  ========================",
            "    a, b    the first",
            "    c       the second, which goes",
            "            on here",
            "    ======  ========================",
            "",
            "    After.",
        ]
    )
    assert mod.convert(table).splitlines()[3:8] == [
        "    | column | meaning |",
        "    |---|---|",
        "    | a, b | the first |",
        "    | c | the second, which goes on here |",
        "",
    ]


def test_mkdocs_build_strict(tmp_path):
    missing = [
        m
        for m in ("mkdocs", "mkdocstrings", "material", "griffe")
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        pytest.skip(
            f"the docs extra is not installed (no {', '.join(missing)}): pip install -e '.[docs]'"
        )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    assert (tmp_path / "site" / "reference" / "analyze" / "index.html").is_file()
