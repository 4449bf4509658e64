"""The report's fixed text: style sheet and section texts (private; no data in here)."""

from __future__ import annotations

__all__ = [
    "CSS",
    "CSP",
    "SUMMARY_EXPLAIN",
    "QUALITY_EXPLAIN",
    "ABOUT_EXPLAIN",
    "ABOUT_FINGERPRINTS",
]

#: Content-Security-Policy of the report: nothing may load or run, except inline style and
#: embedded (data:) pictures. Even a value that escaped escaping could not run a script.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

#: Every rule is scoped to ``.jm-report`` so the report can sit inside a notebook page.
CSS = """
.jm-report { --ink:#1d2430; --muted:#5b6576; --line:#dde2ea; --accent:#3b6ea8; --bg:#f6f8fb;
  --warn:#9a5b00; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); max-width: 1100px; margin: 0 auto; padding: 0 20px 40px; }
.jm-report * { box-sizing: border-box; }
.jm-report header { padding: 28px 0 12px; border-bottom: 3px solid var(--accent); }
.jm-report h1 { font-size: 28px; margin: 0 0 4px; }
.jm-report h2 { font-size: 21px; margin: 0 0 6px; }
.jm-report h3 { font-size: 16px; margin: 18px 0 6px; }
.jm-report .jm-sub { color: var(--muted); margin: 0; }
.jm-report nav { position: sticky; top: 0; z-index: 2; background: #fff; border-bottom: 1px solid var(--line);
  padding: 8px 0; margin-bottom: 8px; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; }
.jm-report nav a { color: var(--accent); text-decoration: none; white-space: nowrap; }
.jm-report nav a:hover { text-decoration: underline; }
.jm-report section { padding: 18px 0 10px; border-bottom: 1px solid var(--line); }
.jm-report .jm-explain { color: var(--muted); margin: 0 0 12px; max-width: 780px; }
.jm-report .jm-note { background: var(--bg); border-left: 3px solid var(--line); padding: 8px 12px;
  margin: 8px 0; color: var(--muted); font-size: 14px; }
.jm-report .jm-skip { border-left-color: #c9b37a; }
.jm-report .jm-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr));
  gap: 10px; margin: 10px 0; }
.jm-report .jm-card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.jm-report .jm-card b { display: block; font-size: 22px; line-height: 1.2; }
.jm-report .jm-card b.jm-small { font-size: 16px; padding: 3px 0; }
.jm-report details { margin: 6px 0; }
.jm-report details summary { cursor: pointer; color: var(--accent); font-size: 14px; }
.jm-report .jm-card span { color: var(--muted); font-size: 13px; }
.jm-report figure { margin: 8px 0 12px; }
.jm-report figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px;
  background: #fff; }
.jm-report figcaption { color: var(--muted); font-size: 13px; }
.jm-report .jm-table-wrap { overflow-x: auto; margin: 6px 0; }
.jm-report table { border-collapse: collapse; font-size: 13px; width: max-content; max-width: none; }
.jm-report th, .jm-report td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
.jm-report th { background: var(--bg); font-weight: 600; white-space: nowrap; }
.jm-report td.num, .jm-report th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.jm-report td.text { white-space: nowrap; }
.jm-report td.long { white-space: normal; min-width: 14em; max-width: 30em; }
.jm-report figure.jm-wide { overflow-x: auto; }
.jm-report .jm-more { color: var(--muted); font-size: 13px; }
.jm-report ul.jm-warnings { color: var(--warn); font-size: 14px; padding-left: 20px; }
.jm-report footer { color: var(--muted); font-size: 13px; padding-top: 14px; }
.jm-report footer code { font-size: 12px; overflow-wrap: anywhere; }
@media print { .jm-report nav { position: static; } .jm-report section { break-inside: avoid-page; } }
"""

SUMMARY_EXPLAIN = (
    "The headline figures of the data behind this report: how many events, journeys and customers "
    "it holds and the period it covers. A journey is one customer's sequence of touchpoints, from "
    "first contact to reaching the goal or going quiet."
)

QUALITY_EXPLAIN = (
    "What happened while the data was loaded: rows that were set aside (with the reason), how "
    "well the identity crosswalk linked each source's customers, and any other warnings. Check "
    "these before trusting the findings."
)

ABOUT_EXPLAIN = (
    "Made with journeymine from event data. The same data and settings always give the same report."
)

#: Added to ABOUT_EXPLAIN when the footer lists the input files' fingerprints (a batch run).
ABOUT_FINGERPRINTS = (
    " The fingerprints (SHA-256) below identify exactly which configuration and files were used."
)
