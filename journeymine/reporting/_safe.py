"""Safe output of data values: HTML escaping and CSV formula neutralisation (private).

Every value that comes from the data (touchpoint, department or channel names,
customer attributes) can hold anything, including markup and spreadsheet
formulas. Two rules keep the outputs harmless:

* HTML: every data value goes through :func:`esc` (``html.escape`` with quotes)
  before it is put into the report; no HTML is ever built from data without it.
* CSV: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return would be run as a formula by a spreadsheet (OWASP "CSV
  injection"). :func:`neutralise_frame` prefixes such cells with ``'``. Only
  text cells are changed (a negative number stays a number), and only in CSV
  exports: Parquet and JSON keep the true values.

Examples
--------
>>> import pandas as pd
>>> from journeymine.reporting._safe import esc, neutralise_frame
>>> esc('<script>alert("x")</script>')
'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
>>> df = pd.DataFrame({"touchpoint": ['=HYPERLINK("http://x")', "-1", "ok"], "delta": [-1.5, 2.0, 0.0]})
>>> neutralise_frame(df).values.tolist()
[['\\'=HYPERLINK("http://x")', -1.5], ["'-1", 2.0], ['ok', 0.0]]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._html import esc

__all__ = ["esc", "FORMULA_STARTS", "neutralise_cell", "neutralise_frame"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """Prefix a text value that a spreadsheet would run as a formula with ``'``.

    Anything that is not a ``str`` is returned unchanged.

    Examples
    --------
    >>> from journeymine.reporting._safe import neutralise_cell
    >>> neutralise_cell("=1+1"), neutralise_cell(-3), neutralise_cell("plain")
    ("'=1+1", -3, 'plain')
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are safe to open in a spreadsheet.

    Numeric, boolean, date and duration columns are left as they are; text in
    object, string and categorical columns is neutralised cell by cell (one
    vectorised ``startswith`` per column).
    """
    out = frame.copy(deep=False)
    out.columns = [neutralise_cell(str(c)) for c in frame.columns]
    for i, col in enumerate(frame.columns):
        s = frame[col]
        dtype = s.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            cats = pd.Index([neutralise_cell(c) for c in dtype.categories], dtype=object)
            if not cats.equals(pd.Index(dtype.categories, dtype=object)):
                s = (
                    s.cat.rename_categories(list(cats))
                    if cats.is_unique
                    else s.astype(object).map(neutralise_cell)
                )
            out.isetitem(i, s)
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            values = pd.Series(s.to_numpy(dtype=object, na_value=None), index=s.index, dtype=object)
            try:
                starts = values.str.startswith(FORMULA_STARTS)
            except AttributeError:  # no text at all in this column
                continue
            hit = starts.fillna(False).to_numpy(dtype=bool)
            if hit.any():
                values = values.copy()
                values[hit] = "'" + values[hit].astype(str)
                out.isetitem(i, values)
    return out
