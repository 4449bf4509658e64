"""Readable units: every module under 800 lines, every function at most 80 lines of code.

Code lines of a function are its lines minus its docstring, blank lines and lines that
hold only a comment (a nested function's lines count for its parent too). A function
that could not be split by meaning yet is listed in ``ALLOWED`` with its reason and its
current size, so that it cannot grow unnoticed.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "journeymine"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80

#: module path -> (lines today, why it is not split yet). Shrink, never grow.
ALLOWED_MODULES: dict[str, tuple[int, str]] = {}

#: "module path::function" -> (code lines today, why it is not split yet). Shrink, never grow.
ALLOWED: dict[str, tuple[int, str]] = {
    # data, not logic: the sample's touchpoints, delays and planted findings written out as literals
    "journeymine/datasets/_sample_model.py::sample_model": (
        176,
        "one literal model, read top down",
    ),
    "journeymine/datasets/_make_sample.py::raw_tables": (
        119,
        "one block per raw source table (column names and formats), all from the same shared "
        "columns; sorting and dirty rows are split out",
    ),
    "journeymine/datasets/_make_sample.py::_readme": (
        115,
        "the sample README: counts, then one f-string template of the text",
    ),
}


def _comment_lines(source: str, tree: ast.AST) -> set[int]:
    """Line numbers holding only a comment (a "#" line inside a multi-line string is text)."""
    in_string: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant | ast.JoinedStr) and node.end_lineno != node.lineno:
            in_string.update(range(node.lineno + 1, node.end_lineno + 1))
    return {
        i
        for i, line in enumerate(source.splitlines(), start=1)
        if line.lstrip().startswith("#") and i not in in_string
    }


def _docstring_lines(node: ast.AST) -> set[int]:
    body = getattr(node, "body", [])
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return set(range(body[0].lineno, body[0].end_lineno + 1))
    return set()


def code_lines(source: str) -> dict[str, int]:
    """Qualified function name -> its number of code lines, for every function of ``source``."""
    lines = source.splitlines()
    tree = ast.parse(source)
    comments = _comment_lines(source, tree)
    # every docstring of the module (a nested function's docstring does not count for its parent)
    docs: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Module):
            docs |= _docstring_lines(node)
    sizes: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                sizes[name] = sum(
                    1
                    for i in range(child.lineno, child.end_lineno + 1)
                    if i not in docs and i not in comments and lines[i - 1].strip()
                )
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return sizes


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _key(path: Path, name: str) -> str:
    return f"{path.relative_to(PACKAGE.parent).as_posix()}::{name}"


@functools.cache
def _sizes() -> dict[str, int]:
    return {
        _key(path, name): n
        for path in _modules()
        for name, n in code_lines(path.read_text(encoding="utf-8")).items()
    }


def test_modules_are_under_800_lines() -> None:
    lines = {
        p.relative_to(PACKAGE.parent).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules()
    }
    long = {
        k: n
        for k, n in lines.items()
        if n >= MAX_MODULE_LINES and not (k in ALLOWED_MODULES and n <= ALLOWED_MODULES[k][0])
    }
    assert not long, f"modules of {MAX_MODULE_LINES} lines or more (split them by meaning): {long}"
    for k, (_, reason) in ALLOWED_MODULES.items():
        assert reason.strip() and k in lines, (
            f"{k}: allowed but gone, remove it from ALLOWED_MODULES"
        )


def test_functions_are_at_most_80_code_lines() -> None:
    sizes = _sizes()
    long = {k: n for k, n in sorted(sizes.items()) if n > MAX_FUNCTION_LINES and k not in ALLOWED}
    assert not long, (
        f"functions of more than {MAX_FUNCTION_LINES} code lines (split them by meaning, "
        f"or list them in ALLOWED with a reason): {long}"
    )


def test_allowed_long_functions_do_not_grow_and_still_exist() -> None:
    sizes = _sizes()
    for key, (limit, reason) in ALLOWED.items():
        assert reason.strip(), key
        assert key in sizes, f"{key} is allowed but no longer exists: remove it from ALLOWED"
        assert sizes[key] <= limit, f"{key} grew to {sizes[key]} code lines (allowed {limit})"
        if sizes[key] <= MAX_FUNCTION_LINES:
            pytest.fail(f"{key} is now {sizes[key]} code lines: remove it from ALLOWED")


def test_the_counter_skips_docstrings_comments_and_blanks() -> None:
    source = '''
def f(x):
    """Doc.

    More doc.
    """
    # a comment

    y = x  # trailing comment: a code line
    return y


class C:
    def m(self):
        def inner():
            """Inner doc."""
            return 1
        return inner


def g():
    text = """
# not a comment: text of a string
"""
    return text
'''
    assert code_lines(source) == {"f": 3, "C.m": 4, "C.m.inner": 2, "g": 5}
