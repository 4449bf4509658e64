"""`import journeymine` stays light: no heavy or optional dependency at import time."""

from __future__ import annotations

import json
import subprocess
import sys

import journeymine as jm

HEAVY = ["matplotlib", "sklearn", "pm4py", "networkx", "scipy", "yaml", "pyarrow.parquet"]


def test_import_does_not_pull_heavy_dependencies():
    code = (
        "import sys, json; import journeymine; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_public_contract_names_exist_and_are_unique():
    assert len(jm.__all__) == len(set(jm.__all__))
    for name in jm.__all__:
        assert hasattr(jm, name), name


def test_every_public_callable_has_a_docstring_with_an_example():
    import inspect

    missing = []
    for name in jm.__all__:
        obj = getattr(jm, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            doc = inspect.getdoc(obj) or ""
            if "Examples" not in doc and not issubclass_safe(obj, (Exception, Warning)):
                missing.append(name)
    assert missing == []


def issubclass_safe(obj, types) -> bool:
    return isinstance(obj, type) and issubclass(obj, types)


def test_no_public_name_hides_a_module():
    """``import journeymine.<name>`` and ``jm.<name>`` are never two different things."""
    import importlib
    import pkgutil
    import types

    import journeymine as jm

    clashes = []
    packages = [jm] + [
        importlib.import_module(f"journeymine.{m.name}")
        for m in pkgutil.iter_modules(jm.__path__)
        if m.ispkg
    ]
    for pkg in packages:
        for mod in pkgutil.iter_modules(pkg.__path__):
            value = getattr(pkg, mod.name, None)
            if value is not None and not isinstance(value, types.ModuleType):
                clashes.append(f"{pkg.__name__}.{mod.name}")
    assert clashes == []
