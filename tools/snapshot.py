"""Save, or compare, every table and figure of the full analysis of the sample and the real logs.

A refactoring must leave every result as it was. Before it, save a snapshot; after it,
save another and compare the two: every table with ``assert_frame_equal(check_exact=True)``,
every figure byte for byte.

    .venv/bin/python tools/snapshot.py save /tmp/before
    ... change the code ...
    .venv/bin/python tools/snapshot.py save /tmp/after
    .venv/bin/python tools/snapshot.py compare /tmp/before /tmp/after

The real logs are read from ``../shared/data/real/`` (skipped, with a note, when absent)
in the shapes users have (no direction, no channel; departments from groups or resources).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import warnings
from pathlib import Path

import pandas as pd

import journeymine as jm

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "real"


def _datasets() -> dict[str, dict]:
    out = {
        "sample": {
            "log": lambda: jm.datasets.load_sample(),
            "goal": "purchase",
            "funnel": ["visit homepage", "view pricing", "start trial", "purchase"],
            "assumed": ROOT / "notebooks" / "assumed_journey.yaml",
        }
    }
    if not REAL.is_dir():
        print(f"note: {REAL} is absent; only the sample is snapshotted", file=sys.stderr)
        return out

    def receipt():
        df = pd.read_csv(REAL / "receipt.csv.gz")
        df = df[["case:concept:name", "concept:name", "time:timestamp", "org:group"]]
        return jm.from_pandas(
            df,
            case="case:concept:name",
            activity="concept:name",
            timestamp="time:timestamp",
            department="org:group",
        )

    out["receipt"] = {
        "log": receipt,
        "goal": "Confirmation of receipt",
        "funnel": None,
        "assumed": REAL / "receipt.bpmn",
    }
    out["helpdesk"] = {
        "log": lambda: jm.read_xes(REAL / "helpdesk.xes.gz", department="org:resource"),
        "goal": "Closed",
        "funnel": None,
        "assumed": None,
    }
    out["helpdesk_process"] = {
        "log": lambda: jm.classify_direction(
            jm.read_xes(REAL / "helpdesk.xes.gz", department="org:resource"), "process"
        ),
        "goal": "Closed",
        "funnel": None,
        "assumed": None,
    }
    out["bpic2012"] = {
        "log": lambda: jm.read_xes(REAL / "bpic2012.xes.gz"),
        "goal": "A_APPROVED",
        "funnel": ["A_SUBMITTED", "A_PREACCEPTED", "A_ACCEPTED", "A_APPROVED"],
        "assumed": None,
    }
    return out


def _extra_tables(log, goal) -> dict[str, pd.DataFrame]:
    """Findings the report does not show with every setting."""
    tables = {}
    for rank in ("balanced", "conversions", "time", "effort"):
        tables[f"pain_points_{rank}"] = jm.pain_points(log, goal=goal, rank=rank)
    tables["silent_gaps"] = jm.silent_gaps(log)
    tables["case_table"] = jm.case_table(log)
    tables["transitions"] = jm.transitions(log)
    return tables


def save(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in _datasets().items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            log = spec["log"]()
            assumed = spec["assumed"]
            rep = jm.report(
                log,
                goal=spec["goal"],
                funnel=spec["funnel"],
                assumed=str(assumed) if assumed is not None and assumed.exists() else None,
                path=None,
            )
            tables = {**rep.tables, **_extra_tables(log, spec["goal"])}
        figures = {
            f"{fig}.{fmt}": data
            for fig, forms in rep._findings.figures.items()
            for fmt, data in forms.items()
        }
        with open(folder / f"{name}.pkl", "wb") as fh:
            pickle.dump({"tables": tables, "figures": figures, "skipped": rep.skipped}, fh)
        print(f"{name}: {len(tables)} tables, {len(figures)} figures")


def compare(a: Path, b: Path) -> int:
    problems = []
    for path in sorted(a.glob("*.pkl")):
        other = b / path.name
        if not other.exists():
            problems.append(f"{path.stem}: missing in {b}")
            continue
        x = pickle.loads(path.read_bytes())
        y = pickle.loads(other.read_bytes())
        if set(x["tables"]) != set(y["tables"]):
            problems.append(f"{path.stem}: tables {sorted(set(x['tables']) ^ set(y['tables']))}")
        for t in sorted(set(x["tables"]) & set(y["tables"])):
            try:
                pd.testing.assert_frame_equal(x["tables"][t], y["tables"][t], check_exact=True)
            except AssertionError as exc:
                problems.append(f"{path.stem}.{t}: {str(exc).splitlines()[0:3]}")
        for f in sorted(set(x["figures"]) | set(y["figures"])):
            if x["figures"].get(f) != y["figures"].get(f):
                problems.append(f"{path.stem}: figure {f} differs")
        if x["skipped"] != y["skipped"]:
            problems.append(f"{path.stem}: skipped {x['skipped']} != {y['skipped']}")
        n = len(x["tables"]) + len(x["figures"])
        print(f"{path.stem}: {n} tables and figures compared")
    for p in problems:
        print("DIFFERS", p)
    print("identical" if not problems else f"{len(problems)} differences")
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("save")
    s.add_argument("folder", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args(argv)
    if args.cmd == "save":
        save(args.folder)
        return 0
    return compare(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
