"""The report's fixed text: style sheet and section texts (private; no data in here)."""

from __future__ import annotations

from ._explore_js import SCRIPT_HASH

__all__ = [
    "CSS",
    "CSP",
    "SUMMARY_EXPLAIN",
    "QUALITY_EXPLAIN",
    "ABOUT_EXPLAIN",
    "ABOUT_FINGERPRINTS",
]

#: Content-Security-Policy of the report: nothing may load or run, except inline style,
#: embedded (data:) pictures and the one script of the explorable maps, named by its hash.
#: Even a value that escaped escaping could not run a script.
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    f"script-src {SCRIPT_HASH}; base-uri 'none'; form-action 'none'"
)

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
.jm-report .jm-table-wrap { margin: 6px 0; max-width: 100%; }
.jm-report table { border-collapse: collapse; font-size: 13px; max-width: 100%; }
.jm-report th, .jm-report td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
.jm-report th { background: var(--bg); font-weight: 600; white-space: nowrap; }
.jm-report td.num, .jm-report th.num { text-align: right; font-variant-numeric: tabular-nums; }
.jm-report td.num { white-space: nowrap; }
.jm-report .jm-allcols table { font-size: 11px; }
.jm-report .jm-allcols th, .jm-report .jm-allcols td { padding: 3px 4px; white-space: normal; }
.jm-report th { white-space: normal; }
.jm-report td.text { overflow-wrap: anywhere; }
.jm-report td.long { min-width: 12em; max-width: 30em; }
.jm-report .jm-explore { position: relative; margin: 8px 0; }
.jm-report .jm-x-controls { display: flex; flex-wrap: wrap; gap: 6px 18px; align-items: center; font-size: 14px; }
.jm-report .jm-x-controls input[type=range] { width: 260px; vertical-align: middle; }
.jm-report .jm-x-zoom button { min-width: 32px; margin-right: 4px; cursor: pointer; }
.jm-report .jm-x-status { font-size: 13px; color: var(--muted); margin: 4px 0; height: 3.2em;
  contain: strict; }
.jm-report svg.jm-x-map { display: block; width: 100%; border: 1px solid var(--line); border-radius: 6px;
  background: #fff; cursor: grab; touch-action: none; user-select: none; contain: strict; }
.jm-report .jm-x-map text { font-size: 9px; text-anchor: middle; fill: #102030; pointer-events: none; }
.jm-report .jm-x-map text.jm-x-fig { fill: #3a4a60; font-size: 8px; }
.jm-report .jm-x-map text.jm-x-elabel { font-size: 7.5px; fill: #44505f; paint-order: stroke;
  stroke: #fff; stroke-width: 2.5px; }
.jm-report svg.jm-x-map.jm-time text.jm-x-j, .jm-report svg.jm-x-map:not(.jm-time) text.jm-x-t { display: none; }
.jm-report .jm-x-map text.jm-x-mlabel { fill: #fff; font-weight: bold; font-size: 7px; }
.jm-report .jm-x-map rect { stroke: #2f4f7f; stroke-width: 0.8; cursor: pointer; }
.jm-report .jm-x-map .jm-x-node:hover rect { stroke-width: 2; }
.jm-report .jm-x-map path { fill: none; stroke: #7d8da3; stroke-opacity: 0.75; }
.jm-report .jm-x-map path.jm-x-back { stroke: #d98a2b; stroke-opacity: 0.7; }
.jm-report .jm-x-map path:hover { stroke-opacity: 1; stroke: #1d4f91; }
.jm-report .jm-x-map circle.jm-x-start { fill: #5aa469; }
.jm-report .jm-x-map circle.jm-x-end { fill: #6d6d6d; }
.jm-report .jm-x-tip { position: absolute; z-index: 3; max-width: 320px; background: #fff; font-size: 13px;
  border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; pointer-events: none;
  box-shadow: 0 2px 8px rgba(0,0,0,.12); overflow-wrap: anywhere; }
.jm-report .jm-x-panel { background: var(--bg); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 12px; margin: 6px 0; font-size: 13px; overflow-wrap: anywhere; }
.jm-report .jm-more { color: var(--muted); font-size: 13px; }
.jm-report ul.jm-warnings { color: var(--warn); font-size: 14px; padding-left: 20px; }
.jm-report footer { color: var(--muted); font-size: 13px; padding-top: 14px; }
.jm-report footer code { font-size: 12px; overflow-wrap: anywhere; }
.jm-report .jm-more, .jm-report .jm-note, .jm-report li { overflow-wrap: anywhere; }
@media print { .jm-report nav { position: static; } .jm-report section { break-inside: avoid-page; }
  .jm-report .jm-explore { display: none; } }
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
