"""Imports run one way: every module of journeymine sits in a layer and imports only below or beside itself.

See ``docs/dev/architecture.md``. The test reads the source with :mod:`ast` (nothing is
imported), so a lazy import inside a function counts exactly like one at the top of
the module. It checks three rules:

1. no module imports a module of a higher layer;
2. no import circle between modules (imports under ``if TYPE_CHECKING:`` are left out
   of this check only: they never run);
3. no ``from X import _name`` where ``X`` belongs to another package than the importing
   module (what two packages share is a public name of a module below both).
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1] / "journeymine"

# Bottom to top. A module belongs to the layer of the longest prefix that names it.
LAYERS: list[tuple[str, list[str]]] = [
    (
        "ground",
        [
            "journeymine.errors",
            "journeymine.schema",
            "journeymine._validation",
            "journeymine._kernels",
            "journeymine._optional",
            "journeymine._stats",
            "journeymine._html",
            "journeymine._progress",
            # worker results through shared memory
            "journeymine._shipping",
            "journeymine._version",
            # the journey model the simulator runs and an assumed journey converts to
            "journeymine._journeymodel",
        ],
    ),
    (
        "log",
        [
            "journeymine.log",
            "journeymine.derive",
            "journeymine._arrays",
            "journeymine._encode",
            "journeymine._rules",
            # partitions of whole journeys and the engines that run them
            "journeymine._partitioned",
        ],
    ),
    (
        "library",
        [
            "journeymine.io",
            "journeymine.journeys",
            "journeymine.reshape",
            "journeymine.directions",
            "journeymine.discovery",
            "journeymine.analyzers",
            "journeymine.comparison",
        ],
    ),
    # the sample data and the simulator: build logs through io; nothing in the library uses them
    ("datasets", ["journeymine.datasets"]),
    ("plotting", ["journeymine.plotting"]),
    ("reporting", ["journeymine.reporting"]),
    ("cli", ["journeymine.cli", "journeymine.__main__"]),
    # the public contract gathers everything; nothing inside imports it
    ("package", ["journeymine"]),
]
RANK = {prefix: i for i, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes}

# (importer, imported): upward imports that cannot be fixed today. Keep this short.
ALLOWED_UPWARD: set[tuple[str, str]] = set()
# (importer, imported module, name): private names used across packages that cannot be fixed today.
ALLOWED_PRIVATE: set[tuple[str, str, str]] = set()


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def _package_of(module: str) -> str:
    return module if MODULES[module][1] else module.rpartition(".")[0]


def _layer(module: str) -> int:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in RANK and (prefix != "journeymine" or module == "journeymine"):
            return RANK[prefix]
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skip |= {id(n) for n in ast.walk(inner)}
    return skip


def _imports(module: str) -> list[tuple[str, str | None, int, bool]]:
    """(imported module, imported name or None, line, runs) for every journeymine import of a module."""
    path, is_package = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_nodes(tree)
    out = []
    for node in ast.walk(tree):
        runs = id(node) not in typing_only
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "journeymine":
                    out.append((alias.name, None, node.lineno, runs))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "journeymine":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in MODULES:
                    out.append((sub, None, node.lineno, runs))
                else:
                    out.append((target, alias.name, node.lineno, runs))
    return out


def _graph(*, runtime_only: bool) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    for module in MODULES:
        for target, _, _, runs in _imports(module):
            if target in MODULES and target != module and (runs or not runtime_only):
                graph.add_edge(module, target)
    return graph


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


def test_every_import_names_a_module_that_exists():
    missing = [
        f"{module}:{line} imports {target}"
        for module in MODULES
        for target, _, line, _ in _imports(module)
        if target not in MODULES
    ]
    assert missing == []


def test_no_upward_imports():
    upward = []
    for module in MODULES:
        for target, name, line, _ in _imports(module):
            if target not in MODULES or (module, target) in ALLOWED_UPWARD:
                continue
            if _layer(target) > _layer(module):
                what = f"{target}.{name}" if name else target
                upward.append(
                    f"{module}:{line} ({LAYERS[_layer(module)][0]}) imports {what} ({LAYERS[_layer(target)][0]})"
                )
    assert upward == [], "\n".join(upward)


def test_no_import_cycles():
    graph = _graph(runtime_only=True)
    # every module in a circle is in a strongly connected component of more than one module
    tangles = sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)
    shown = [" -> ".join([*c, c[0]]) for c in nx.simple_cycles(graph, length_bound=4)][:20]
    assert tangles == [], "\n".join(["modules in circles:", *map(str, tangles), "e.g.", *shown])


def test_no_private_names_across_packages():
    reached = []
    for module in MODULES:
        for target, name, line, _ in _imports(module):
            if target not in MODULES:
                continue
            private = name if name is not None else target.rpartition(".")[2]
            if not private.startswith("_") or private.startswith("__"):
                continue
            if name is not None:  # a private name: only from a module of the same package
                holder = target
                if _package_of(target) == _package_of(module):
                    continue
            else:  # a private module: only from its package or a package inside it
                holder = target.rpartition(".")[0]
                if f"{_package_of(module)}.".startswith(f"{holder}."):
                    continue
            if (module, holder, private) in ALLOWED_PRIVATE:
                continue
            reached.append(f"{module}:{line} imports {private} from {holder}")
    assert reached == [], "\n".join(reached)


def _private_package(module: str) -> str | None:
    """The package a module is private to: the parent of its first underscored part (None: public)."""
    parts = module.split(".")
    for i, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def test_no_private_modules_across_packages():
    """``from journeymine.discovery._paths import PathArray`` only inside journeymine.discovery."""
    reached = []
    for module in MODULES:
        for target, name, line, _ in _imports(module):
            owner = _private_package(target) if target in MODULES else None
            if owner is None or f"{module}.".startswith(f"{owner}."):
                continue
            if (module, target, name or "") in ALLOWED_PRIVATE:
                continue
            reached.append(f"{module}:{line} imports {name or ''} from {target}")
    assert reached == [], "\n".join(reached)


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("journeymine.log", "log"),
        ("journeymine.reporting.html", "reporting"),
        ("journeymine", "package"),
    ],
)
def test_layer_table_reads_as_intended(module, layer):
    assert LAYERS[_layer(module)][0] == layer
