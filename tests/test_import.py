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
