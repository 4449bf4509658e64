"""A griffe extension for the API reference: the reST bits of numpydoc docstrings as Markdown.

journeymine's docstrings follow numpydoc, which is written for Sphinx: they use
cross-reference roles (``:func:`~journeymine.discover```) and reST simple tables
(column borders of ``=``). mkdocstrings renders docstrings as Markdown, where both
would show up as raw text. This extension (loaded by ``mkdocs.yml``:
``extensions: [docs/griffe_rst.py]``) rewrites them when griffe loads the package,
before the numpy parser sees the docstring; the source files are not touched.

* A role naming one of ``journeymine.__all__`` becomes a link to its entry in the
  reference (``[`discover`][journeymine.discovery.graph.discover]``); any other role
  becomes inline code. ``~`` keeps only the last component, as in Sphinx.
* A simple table becomes a Markdown table at the same indentation. A line whose
  first column is empty continues the row above (as in reST), and so does a line
  after a first cell that ends with a comma (``difference_low,`` /
  ``difference_high``). Tables without a header row get the header
  ``column | meaning``.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["RstToMarkdown", "convert"]

_ROLE = re.compile(r":(?:py:)?(func|class|meth|data|mod|attr|obj|exc):`(~?)([^`]+)`")
_BORDER = re.compile(r"^(\s*)(=+(?: +=+)+)\s*$")


def _public_targets() -> dict[str, str]:
    """Public name -> the identifier its reference entry is found under.

    Functions and classes link to their defining path (``journeymine.analyzers.reachability.
    dead_ends``): mkdocstrings registers that path for every entry, also for those
    documented under their public path, and it is the only one that exists for a
    function shadowed by a module of the same name (see ``docs/reference/analyze.md``).
    """
    try:
        import journeymine
    except ImportError:  # pragma: no cover - the docs are built with the package installed
        return {}
    targets = {}
    for name in journeymine.__all__:
        obj = getattr(journeymine, name)
        if callable(obj) and hasattr(obj, "__qualname__"):
            targets[name] = f"{obj.__module__}.{obj.__qualname__}"
        else:
            targets[name] = f"journeymine.{name}"
    return targets


_PUBLIC = _public_targets()


def _role(match: re.Match[str]) -> str:
    kind, tilde, target = match.groups()
    text = target
    explicit = re.fullmatch(r"(.*?)\s*<(.+)>", target)
    if explicit:
        text, target = explicit.groups()
    elif tilde:
        text = target.rsplit(".", 1)[-1]
    last = target.rsplit(".", 1)[-1]
    if kind != "mod" and last in _PUBLIC and target in (last, f"journeymine.{last}"):
        return f"[`{text}`][{_PUBLIC[last]}]"
    return f"`{text}`"


def _spans(border: str, indent: int) -> list[tuple[int, int]]:
    return [(indent + m.start(), indent + m.end()) for m in re.finditer(r"=+", border)]


def _cells(line: str, spans: list[tuple[int, int]]) -> list[str]:
    out = []
    for i, (start, _end) in enumerate(spans):
        stop = len(line) if i == len(spans) - 1 else spans[i + 1][0]
        out.append(line[start:stop].strip())
    return out


def _rows(lines: list[str], spans: list[tuple[int, int]]) -> list[list[str]]:
    rows: list[list[str]] = []
    for line in lines:
        if not line.strip():
            continue
        cells = _cells(line, spans)
        continues = rows and (not cells[0] or rows[-1][0].endswith(","))
        if continues:
            prev = rows[-1]
            for i, cell in enumerate(cells):
                if cell:
                    prev[i] = f"{prev[i]} {cell}".strip()
        else:
            rows.append(cells)
    return rows


def _markdown_table(indent: str, header: list[str], rows: list[list[str]]) -> list[str]:
    def fmt(cells: list[str]) -> str:
        return indent + "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [fmt(header), indent + "|" + "---|" * len(header), *(fmt(r) for r in rows)]


def _tables(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        m = _BORDER.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        indent = m.group(1)
        spans = _spans(m.group(2), len(indent))
        borders = [i]
        j = i + 1
        # a table has two borders (no header) or three (header, body); it ends at its last border
        while j < len(lines) and len(borders) < 3:
            if _BORDER.match(lines[j]):
                borders.append(j)
                # after the second border, a blank line (or the end) closes a header-less
                # table; body rows right below it make it the header's border
                if len(borders) == 2 and (j + 1 >= len(lines) or not lines[j + 1].strip()):
                    break
            elif lines[j].strip() and not lines[j].startswith(indent):
                break
            j += 1
        if len(borders) < 2:
            out.append(lines[i])
            i += 1
            continue
        if len(borders) == 3:
            header = [
                " ".join(r)
                for r in zip(*_rows(lines[borders[0] + 1 : borders[1]], spans), strict=True)
            ]
            body = _rows(lines[borders[1] + 1 : borders[2]], spans)
            end = borders[2]
        else:
            header = ["column", "meaning"] if len(spans) == 2 else [""] * len(spans)
            body = _rows(lines[borders[0] + 1 : borders[1]], spans)
            end = borders[1]
        prev = out[-1] if out else ""
        if prev.strip() and len(prev) - len(prev.lstrip()) >= len(indent):
            out.append("")  # a paragraph of the same block right above: Markdown needs a blank line
        out.extend(_markdown_table(indent, header, body))
        if end + 1 < len(lines) and lines[end + 1].strip():
            out.append("")
        i = end + 1
    return "\n".join(out)


def convert(text: str) -> str:
    """A numpydoc docstring with its reST roles and simple tables written as Markdown.

    Examples
    --------
    >>> convert("See :func:`~journeymine.discover` and :meth:`simplify`.")
    'See [`discover`][journeymine.discovery.graph.discover] and `simplify`.'
    """
    return _ROLE.sub(_role, _tables(text))


class RstToMarkdown(griffe.Extension):
    """Rewrite each docstring once, when griffe loads the object."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None and obj.docstring.value:
            obj.docstring.value = convert(obj.docstring.value)
