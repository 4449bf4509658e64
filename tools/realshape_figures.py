"""Print the figures of the trust issue on real logs in the shape most users have.

Real public logs of ``../shared/data/real/`` reduced to case, activity, timestamp and a
group or resource (no direction, no channel), and the bundled sample:

    .venv/bin/python tools/realshape_figures.py

For each log: what the report skipped and why, the top pain points with their three
currencies, the silent-gap summary's first rows with and without the "process" direction
rules, the first handoff pairs, and the drop-off / dead-end / map counts per touchpoint.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd

import journeymine as jm

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
COLS = ["kind", "where", "journeys_affected", "conversions_lost_low", "hours_lost_low"]
COLS += ["extra_effort_low"]


def _logs() -> dict[str, tuple[jm.JourneyLog, str]]:
    out = {"sample": (jm.datasets.load_sample(), "purchase")}
    if not REAL.is_dir():
        print(f"{REAL} is absent: only the sample", file=sys.stderr)
        return out
    df = pd.read_csv(REAL / "receipt.csv.gz")
    for dept in ("org:group", "org:resource"):
        part = df[["case:concept:name", "concept:name", "time:timestamp", dept]]
        log = jm.from_pandas(
            part,
            case="case:concept:name",
            activity="concept:name",
            timestamp="time:timestamp",
            department=dept,
        )
        out[f"receipt ({dept})"] = (log, "Confirmation of receipt")
    help_log = jm.read_xes(REAL / "helpdesk.xes.gz", department="org:resource")
    out["helpdesk (org:resource)"] = (help_log, "Closed")
    out["bpic2012"] = (jm.read_xes(REAL / "bpic2012.xes.gz"), "A_APPROVED")
    return out


def main() -> None:
    pd.set_option("display.width", 220)
    pd.set_option("display.max_colwidth", 70)
    warnings.simplefilter("ignore")
    for name, (log, goal) in _logs().items():
        print(f"\n===== {name}: {log}")
        rep = jm.report(log, goal=goal, path=Path(tempfile.mkdtemp()) / "r.html")
        for analysis, why in sorted(rep.skipped.items()):
            print(f"  skipped {analysis}: {why[:150]}")
        pp = jm.pain_points(log, goal=goal)
        harmless = int((pp[[c for c in COLS if c.endswith("_low")]] <= 0).all(axis=1).sum())
        print(f"-- pain points: {len(pp)} rows, {harmless} with no harmful currency")
        print(pp[COLS].head(10).round(1).to_string())
        for label, lg in (
            ("as loaded", log),
            ("process rules", jm.classify_direction(log, "process")),
        ):
            s = jm.silent_gaps_summary(lg)
            unknown = s["waiting_on_unknown"].sum() / max(s["silent"].sum(), 1)
            print(f"-- silent gaps ({label}): {unknown:.1%} of silent waits of unknown turn")
            cols = ["from_activity", "to_activity", "silent", "expected_gap", "baseline"]
            print(s[cols + ["hours_lost"]].head(3).round(0).to_string())
        if log.events["department"].notna().any():
            h = jm.handoffs(log, goal=goal)
            print("-- handoffs, first rows:")
            cols = ["from", "to", "handoffs", "median_delay", "customer_hours"]
            print(h[cols].head(3).to_string())
        d = jm.dropoffs(log, goal=goal).set_index("touchpoint")["journeys"]
        de = jm.dead_ends(log, goal=goal).set_index("touchpoint")["journeys"]
        nodes = jm.discover(log).nodes.set_index("node")["journeys"]
        common = d.index.intersection(de.index).intersection(nodes.index)
        same = bool((d[common] == de[common]).all() and (d[common] == nodes[common]).all())
        print(f"-- journeys per touchpoint agree in dropoffs, dead_ends and the map: {same}")


if __name__ == "__main__":
    main()
