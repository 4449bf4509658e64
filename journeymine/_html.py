"""HTML escaping and a small escaped table: what the notebook displays (``_repr_html_``) share.

Ground level: the log and the result objects render their own small notebook views
with these; the report (:mod:`journeymine.reporting`) reuses :func:`esc`.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

__all__ = ["esc", "html_table"]


def esc(value: Any) -> str:
    """``str(value)`` escaped for HTML text and attribute values (quotes included).

    Examples
    --------
    >>> from journeymine._html import esc
    >>> esc('<b title="x">'), esc(None)
    ('&lt;b title=&quot;x&quot;&gt;', '')
    """
    return html.escape("" if value is None else str(value), quote=True)


def html_table(frame: pd.DataFrame, max_rows: int = 10) -> str:
    """A small HTML table of the first ``max_rows`` rows; every header and cell is escaped.

    Examples
    --------
    >>> import pandas as pd
    >>> from journeymine._html import html_table
    >>> "&lt;b&gt;" in html_table(pd.DataFrame({"a": ["<b>"]}))
    True
    """
    return frame.head(max_rows).to_html(index=False, border=0, escape=True, na_rep="")
