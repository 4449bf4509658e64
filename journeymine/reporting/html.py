"""The self-contained HTML journey report.

:func:`render_html` turns :class:`~journeymine.reporting._analyses.Findings` into one
HTML file that needs no network to open: inline CSS, pictures embedded as
``data:`` URIs (SVG inside ``<img>``, where no script in a picture can run), no web
fonts, and a Content-Security-Policy that forbids loading anything and running any
script but one: the hand-written script of the explorable maps
(:mod:`~journeymine.reporting._explore_js`, allowed by its hash), which draws each
map from JSON data (:mod:`~journeymine.reporting._explore`). Every value that comes
from the data goes through :func:`~journeymine.reporting._safe.esc`
(``html.escape``), or reaches the page as escaped JSON that the script puts in as text.

Examples
--------
>>> import pandas as pd
>>> from journeymine.reporting.html import table_html
>>> print(table_html(pd.DataFrame({"touchpoint": ["<b>x</b>"], "journeys": [1200]})))
<div class="jm-table-wrap"><table><thead><tr><th class="text">touchpoint</th><th class="num">journeys</th></tr></thead><tbody><tr><td class="text">&lt;b&gt;x&lt;/b&gt;</td><td class="num">1,200</td></tr></tbody></table></div>
"""

from __future__ import annotations

import base64
import math
import re
from typing import Any

import pandas as pd

from ._analyses import DETAIL_TABLES, SPECS, Findings
from ._analyses import spec as _spec
from ._explore import map_json
from ._explore_js import SCRIPT
from ._safe import esc
from ._template import ABOUT_EXPLAIN, ABOUT_FINGERPRINTS, CSP, CSS, QUALITY_EXPLAIN, SUMMARY_EXPLAIN

__all__ = [
    "render_html",
    "render_fragment",
    "table_html",
    "format_duration",
    "KEY_COLUMNS",
    "for_reader",
]

#: Sections that are always in the report (with a note when they could not be made).
_ALWAYS = (
    "journey_map",
    "stage_map",
    "funnel",
    "dropoffs",
    "handoffs",
    "silent_gaps",
    "dead_ends",
    "pain_points",
)
_MAX_ROWS = 15

# --------------------------------------------------------------------------- formatting


def format_duration(td: Any) -> str:
    """A duration in words a reader takes in at once: ``14d 2h``, ``3h 20m``, ``45s``.

    Examples
    --------
    >>> from journeymine.reporting.html import format_duration
    >>> import pandas as pd
    >>> format_duration(pd.Timedelta("14D 2h 5min")), format_duration(pd.Timedelta("200min"))
    ('14d 2h', '3h 20m')
    """
    if td is None or td is pd.NaT:
        return "–"
    secs = pd.Timedelta(td).total_seconds()
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    d, rem = divmod(int(round(secs)), 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    if d:
        return f"{sign}{d}d {h}h" if h else f"{sign}{d}d"
    if h:
        return f"{sign}{h}h {m}m" if m else f"{sign}{h}h"
    if m:
        return f"{sign}{m}m {s}s" if s and m < 10 else f"{sign}{m}m"
    return f"{sign}{secs:.0f}s" if secs >= 1 else f"{sign}{secs:.2g}s"


_SHARE_WORDS = (
    "share",
    "rate",
    "pct",
    "percent",
    "ratio",
    "conversion",
    "probability",
    "difference",
)


def _is_share(name: str, s: pd.Series) -> bool:
    key = name.lower()
    if not any(w in key for w in _SHARE_WORDS):
        return False
    vals = s.dropna()
    low = -1 if "difference" in key or "diff" in key.split("_") else 0
    return bool(len(vals) == 0 or ((vals >= low) & (vals <= 1)).all())


def _cell(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "–"
    try:
        if pd.isna(value):
            return "–"
    except (TypeError, ValueError):
        pass
    if kind == "share":
        return f"{value:+.1%}" if value < 0 else f"{value:.1%}"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "float":
        v = float(value)
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
    if kind == "duration":
        return format_duration(value)
    if kind == "datetime":
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")
    if kind == "bool":
        return "yes" if value else "no"
    if isinstance(value, tuple | list):
        return " → ".join(map(str, value))
    return str(value)


def _kind(name: str, s: pd.Series) -> str:
    dtype = s.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "share" if _is_share(name, s) else "float"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "duration"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "text"


#: The columns a reader looks at first, by table; the others fold into "All N columns".
KEY_COLUMNS = {
    "pain_points": (
        "rank",
        "kind",
        "where",
        "conversions_lost",
        "hours_lost",
        "journeys_affected",
        "detail",
    ),
    "handoffs": (
        "from",
        "to",
        "handoffs",
        "journeys",
        "median_delay",
        "conversion_difference",
        "conversions_lost",
    ),
    "dropoffs": (
        "touchpoint",
        "journeys",
        "lost",
        "exit_rate",
        "conversion_rate",
        "conversions_lost",
        "share_of_lost",
    ),
    "dead_ends": (
        "touchpoint",
        "journeys",
        "conversion",
        "overall_conversion",
        "conversions_lost",
        "dead_end",
    ),
    "silent_gaps": ("case_id", "from_activity", "to_activity", "gap", "expected_gap", "waiting_on"),
    "loops": (
        "touchpoint",
        "journeys",
        "looping_journeys",
        "loop_share",
        "extra_visits",
        "median_extra_time",
    ),
}
_MAX_COLS = 8


def table_html(
    frame: pd.DataFrame,
    *,
    max_rows: int = _MAX_ROWS,
    source: str | None = None,
    key: tuple[str, ...] | None = None,
) -> str:
    """An HTML table of the first ``max_rows`` rows; every header and cell is escaped.

    A table wider than ``key`` (or than eight columns) shows those columns first and
    folds the whole table into a ``<details>`` ("All N columns"), so nothing scrolls sideways.
    """
    cols = [c for c in (key or ()) if c in frame.columns] or list(frame.columns[:_MAX_COLS])
    if len(cols) < frame.shape[1]:
        short = _table(frame[cols], max_rows, source)
        full = _table(frame, max_rows, None)
        return (
            f'{short}<details class="jm-allcols"><summary>All {frame.shape[1]} columns</summary>'
            f"{full}</details>"
        )
    return _table(frame, max_rows, source)


def _table(frame: pd.DataFrame, max_rows: int, source: str | None) -> str:
    head = frame.head(max_rows)
    kinds = [_kind(str(c), frame[c]) for c in frame.columns]
    cls = ["num" if k in ("int", "float", "share", "duration") else "text" for k in kinds]
    ths = "".join(
        f'<th class="{c}">{esc(str(col).replace("_", " "))}</th>'
        for col, c in zip(frame.columns, cls, strict=True)
    )
    columns = [head[c].tolist() for c in head.columns]
    body = []
    for i in range(len(head)):
        tds = "".join(
            _td(_cell(col[i], k), c) for col, k, c in zip(columns, kinds, cls, strict=True)
        )
        body.append(f"<tr>{tds}</tr>")
    more = ""
    if len(frame) > max_rows:
        where = f"; the full table is in {esc(source)}" if source else ""
        more = f'<p class="jm-more">Showing {max_rows} of {len(frame):,} rows{where}.</p>'
    elif not len(frame):
        more = '<p class="jm-more">No rows: nothing of this kind was found.</p>'
    return (
        f'<div class="jm-table-wrap"><table><thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>{more}"
    )


_LONG = 90


def _td(text: str, cls: str) -> str:
    """One escaped cell; short text does not wrap, long text is cut (the full text is its tooltip)."""
    if cls == "text" and len(text) > _LONG:
        return f'<td class="text long" title="{esc(text)}">{esc(text[: _LONG - 1])}…</td>'
    if cls == "text" and len(text) > 28:
        return f'<td class="text long">{esc(text)}</td>'
    return f'<td class="{cls}">{esc(text)}</td>'


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG from its header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return 0, 0
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _figure(name: str, figure: dict[str, bytes], caption: str) -> str:
    """An embedded picture (SVG in an ``<img>``: nothing in it can run), as wide as the page
    at most (a wide map shrinks rather than scroll sideways; its file keeps full size)."""
    data = base64.b64encode(figure["svg"]).decode("ascii")
    width, _ = _png_size(figure.get("png", b""))
    img = f'<img alt="{esc(caption)}" src="data:image/svg+xml;base64,{data}">'
    note = ""
    if width > 1600:
        note = (
            f"<figcaption>A large picture, shrunk to the page: figures/{esc(name)}.svg "
            "(next to this report when it was written to a folder) has it at full size."
            "</figcaption>"
        )
    return f'<figure id="fig-{esc(name)}">{img}{note}</figure>'


def _explorer(name: str, data: dict[str, Any], static: str) -> str:
    """The explorable map (drawn by the page's script from JSON) and its static picture."""
    unit = esc(data.get("unit", "touchpoints"))
    controls = (
        f'<div class="jm-x-controls"><label>Detail ({unit} shown) '
        f'<input type="range" min="0" max="0" step="1" aria-label="detail"></label>'
        '<label>Show <select aria-label="show"><option value="journeys">journeys per step</option>'
        '<option value="time">median time per step</option></select></label>'
        '<span class="jm-x-zoom"><button type="button" class="jm-x-in" title="zoom in">+</button>'
        '<button type="button" class="jm-x-out" title="zoom out">−</button>'
        '<button type="button" class="jm-x-fit" title="whole map">fit</button></span></div>'
    )
    box = (
        f'<div class="jm-explore" id="explore-{esc(name)}" data-source="data-{esc(name)}" hidden>'
        f'{controls}<p class="jm-x-status"></p>'
        '<svg class="jm-x-map" role="img" preserveAspectRatio="xMidYMid meet"></svg>'
        '<div class="jm-x-tip" hidden></div><div class="jm-x-panel" hidden></div>'
        '<p class="jm-more">Drag to move, scroll (or +/−) to zoom; point at a box or a step '
        "for its figures, click a box for the most frequent paths through it."
        + (
            " Purple: what journeys did after the goal (point at the goal's box, or at a "
            "dashed arc: where they turned first)."
            if data.get("after")
            else ""
        )
        + "</p></div>"
        f'<script type="application/json" id="data-{esc(name)}">{map_json(data)}</script>'
    )
    return (
        f'{box}<details class="jm-static" open><summary>Static picture (for print and e-mail)'
        f"</summary>{static}</details>"
    )


# --------------------------------------------------------------------------- sections

#: Pointers into the Python object, and what the report's reader is told instead.
_READER_WORDS = (
    (
        re.compile(r"they are kept in log\.rejected with a 'reason' column"),
        "the table of rows set aside, in this section, gives the reasons",
    ),
    (
        re.compile(r"kept in log\.rejected with reason '([^']*)'"),
        r"set aside (reason: \1; see the table of rows set aside in this section)",
    ),
    (
        re.compile(r"See log\.stitching\."),
        "The identity stitching table in this section gives the figures per source.",
    ),
    (re.compile(r"^map_stages: "), "Stages: "),
    (re.compile(r"\blog\.rejected\b"), "the rows set aside"),
    (re.compile(r"\blog\.stitching\b"), "the identity stitching table"),
)


def for_reader(note: str) -> str:
    """A warning reworded for the report's reader: no Python attribute names.

    Examples
    --------
    >>> from journeymine.reporting.html import for_reader
    >>> for_reader("3 of 9 rows were rejected (duplicate: 3); they are kept in "
    ...            "log.rejected with a 'reason' column.")
    '3 of 9 rows were rejected (duplicate: 3); the table of rows set aside, in this section, gives the reasons.'
    """
    for pattern, words in _READER_WORDS:
        note = pattern.sub(words, note)
    return note


def _cards(summary: dict[str, Any]) -> str:
    def period() -> str:
        a, b = summary.get("first_event"), summary.get("last_event")
        return f"{str(a)[:10]} – {str(b)[:10]}" if a and b else "–"

    items = [
        ("events", f"{summary.get('events', 0):,}"),
        ("journeys", f"{summary.get('journeys', 0):,}"),
        ("customers", f"{summary.get('customers', 0):,}"),
        ("touchpoints", f"{summary.get('touchpoints', 0):,}"),
    ]
    # a log without channels (or departments) says so, rather than "0 channels"
    for key, one in (("channels", "channel"), ("departments", "department")):
        n = summary.get(key, 0)
        items.append((key, f"{n:,}") if n else (one, "not recorded"))
    items.append(("period", period()))
    if summary.get("median_journey_duration"):
        items.append(
            (
                "median journey duration",
                format_duration(pd.Timedelta(summary["median_journey_duration"])),
            )
        )
    if summary.get("median_events_per_journey") is not None:
        items.append(
            ("median touchpoints per journey", f"{summary['median_events_per_journey']:g}")
        )
    if summary.get("conversion_rate") is not None:
        items.append(
            (
                "journeys reaching the goal",
                f"{summary['conversion_rate']:.1%} ({summary['converted_journeys']:,})",
            )
        )
    if summary.get("ongoing_journeys"):
        items.append(("journeys still in progress", f"{summary['ongoing_journeys']:,}"))
    if summary.get("rejected_rows"):
        items.append(("rows set aside", f"{summary['rejected_rows']:,}"))
    cards = "".join(
        f'<div class="jm-card"><b{" class=jm-small" if len(v) > 12 else ""}>{esc(v)}</b><span>{esc(k)}</span></div>'
        for k, v in items
    )
    return f'<div class="jm-cards">{cards}</div>'


def _section(sid: str, title: str, explain: str, body: str) -> str:
    return f'<section id="{esc(sid)}"><h2>{esc(title)}</h2><p class="jm-explain">{esc(explain)}</p>{body}</section>'


def _analysis_body(found: Findings, name: str) -> str:
    parts = []
    if name in found.notes:
        parts.append(f'<p class="jm-note">{esc(found.notes[name])}</p>')
    for fname, owner in found.figure_owner.items():
        if owner == name:
            title = _spec(name).title
            picture = _figure(fname, found.figures[fname], title)
            if fname in found.maps:
                picture = _explorer(fname, found.maps[fname], picture)
            parts.append(picture)
            if fname in found.notes and fname != name:
                parts.append(f'<p class="jm-note">{esc(found.notes[fname])}</p>')
    drawn = any(owner == name for owner in found.figure_owner.values())
    tables = [t for t, owner in found.table_owner.items() if owner == name]
    for t in tables:
        title = found.table_titles.get(t, t.replace("_", " "))
        table = table_html(found.tables[t], source=f"tables/{t}.csv", key=KEY_COLUMNS.get(t))
        if drawn and t in DETAIL_TABLES:
            parts.append(f"<details><summary>{esc(title)} (table)</summary>{table}</details>")
        else:
            parts.append(f"<h3>{esc(title)}</h3>{table}" if len(tables) > 1 else table)
    return "".join(parts)


def render_fragment(found: Findings, *, run: dict[str, Any] | None = None) -> str:
    """The report as a ``<style>`` plus one ``<div class="jm-report">`` (for notebooks)."""
    s = found.summary
    sections: list[tuple[str, str, str]] = []  # (id, nav title, html)
    sections.append(
        ("summary", "Summary", _section("summary", "Summary", SUMMARY_EXPLAIN, _cards(s)))
    )
    for spec in SPECS:
        show = spec.name in found.ran or spec.name in found.skipped or spec.name in _ALWAYS
        if not show:
            continue
        if spec.name in found.ran:
            body = _analysis_body(found, spec.name)
        else:
            reason = found.skipped.get(spec.name) or found.not_asked.get(spec.name)
            text = f"Not run: {reason or 'not among the analyses asked for'}."
            body = f'<p class="jm-note jm-skip">{esc(text)}</p>'
        sections.append(
            (spec.name, spec.title, _section(spec.name, spec.title, spec.explain, body))
        )
    quality = []
    for t in ("rejected_rows", "stitching"):
        if t in found.tables:
            title = found.table_titles.get(t, t)
            quality.append(f"<h3>{esc(title)}</h3>" + table_html(found.tables[t], max_rows=50))
    if found.warnings:
        items = "".join(f"<li>{esc(for_reader(w))}</li>" for w in found.warnings)
        quality.append(f'<h3>warnings</h3><ul class="jm-warnings">{items}</ul>')
    if not quality:
        quality.append('<p class="jm-note">No rows were set aside and there were no warnings.</p>')
    sections.append(
        (
            "data_quality",
            "Data quality",
            _section("data_quality", "Data quality", QUALITY_EXPLAIN, "".join(quality)),
        )
    )
    nav = "".join(f'<a href="#{esc(sid)}">{esc(t)}</a>' for sid, t, _ in sections)
    period = ""
    if s.get("first_event") and s.get("last_event"):
        period = f", {str(s['first_event'])[:10]} to {str(s['last_event'])[:10]}"
    sub = f"{s.get('journeys', 0):,} journeys of {s.get('customers', 0):,} customers{period}"
    return (
        f"<style>{CSS}</style>"
        f'<div class="jm-report"><header><h1>{esc(found.title)}</h1><p class="jm-sub">{esc(sub)}</p></header>'
        f"<nav>{nav}</nav>{''.join(h for _, _, h in sections)}{_footer(run)}</div>"
        + (f"<script>{SCRIPT}</script>" if found.maps else "")
    )


def _footer(run: dict[str, Any] | None) -> str:
    from .._version import __version__

    run = run or {}
    lines = [f"journeymine {esc(run.get('journeymine_version', __version__))}"]
    if run.get("config_sha256"):
        lines.append(
            f"configuration {esc(run.get('config_file') or '')} sha256 <code>{esc(run['config_sha256'])}</code>"
        )
    for item in run.get("inputs", []):
        print_ = (
            f"sha256 <code>{esc(item['sha256'])}</code>"
            if item.get("sha256")
            else "a database query (no file to fingerprint)"
        )
        lines.append(f"{esc(item['role'])} {esc(item['name'])}: {esc(item['path'])} {print_}")
    about = ABOUT_EXPLAIN + (ABOUT_FINGERPRINTS if len(lines) > 1 else "")
    return f"<footer><p>{esc(about)}</p><p>{'<br>'.join(lines)}</p></footer>"


def render_overview(found: Findings, *, path: Any = None) -> str:
    """A compact notebook view of a report: headline figures, top pain points, contents.

    The whole report (every table and picture, ~300 KB for the sample) would make
    every notebook that displays it that much bigger; this view is a few KB and
    says where the whole report is.
    """
    parts = [
        f"<style>{CSS}</style>",
        '<div class="jm-report" style="max-width:none;padding:0">',
        f"<p><b>{esc(found.title)}</b></p>",
        _cards(found.summary),
    ]
    if "pain_points" in found.tables:
        parts.append(
            "<h3>Top pain points</h3>" + table_html(found.tables["pain_points"], max_rows=5)
        )
    contents = pd.DataFrame(
        {
            "table": [found.table_titles.get(n, n) for n in found.tables],
            "name": list(found.tables),
            "rows": [len(t) for t in found.tables.values()],
        }
    )
    parts.append("<h3>Contents</h3>" + table_html(contents, max_rows=len(contents) or 1))
    if found.skipped:
        items = "".join(f"<li>{esc(k)}: {esc(v)}</li>" for k, v in sorted(found.skipped.items()))
        parts.append(f"<h3>Not run</h3><ul>{items}</ul>")
    where = f"The whole report: {esc(str(path))}. " if path else ""
    parts.append(
        f'<p class="jm-more">{where}Tables: <code>rep.tables["name"]</code>; the whole report '
        "here: <code>IPython.display.HTML(rep.html)</code>; to a file: "
        "<code>rep.save(path)</code>.</p></div>"
    )
    return "".join(parts)


def render_html(found: Findings, *, run: dict[str, Any] | None = None) -> str:
    """The whole report as one self-contained HTML document."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="journeymine">'
        f'<title>{esc(found.title)}</title></head>\n<body style="margin:0;background:#fff">'
        f"{render_fragment(found, run=run)}</body></html>\n"
    )
