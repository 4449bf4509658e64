"""How long journeymine takes to refuse hostile inputs, and how much memory it needs.

The tests (``tests/io/test_xes_hostile.py``) check that every hostile XES file is refused
with a journeymine error; this script measures each refusal in a fresh child process
(wall time and peak resident memory, libxml2's allocations included), how parsing time
grows with the events, and how ``keep=True`` grows with the columns:

    .venv/bin/python benchmarks/hostile.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "io"))

import test_xes_hostile as gen  # noqa: E402  (the generators of the hostile files)

_CHILD = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from journeymine.errors import JourneymineError
from journeymine.io.xes import read_xes
start = time.perf_counter()
try:
    read_xes(sys.argv[1])
    kind = "read"
except JourneymineError as err:
    kind = type(err).__name__
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"kind": kind, "seconds": seconds, "peak": rss}))
"""


def _refusals(folder: Path) -> None:
    files = {
        "one new key per event (21,000 events)": gen.new_key_per_event(folder / "keys.xes", 21_000),
        "one new key per trace (5,000 traces)": gen.new_key_per_trace(
            folder / "trace_keys.xes", 5_000
        ),
        "a 1 GiB attribute in a small .xes.gz": gen.huge_attribute_gz(folder / "huge.xes.gz", 1024),
        "a 1 GiB attribute on the root": gen.huge_attribute_gz(
            folder / "root.xes.gz", 1024, on_root=True
        ),
        "a million elements in one event": gen.many_nodes_in_one_event(
            folder / "nodes.xes", gen.limits.MAX_ELEMENT_NODES + 10_000
        ),
    }
    print("| hostile XES file | size | outcome | time | peak memory |\n|---|---|---|---|---|")
    for what, path in files.items():
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        size = path.stat().st_size / 2**20
        print(
            f"| {what} | {size:.1f} MiB | {r['kind']} | {r['seconds']:.2f} s "
            f"| {r['peak'] / 2**20:.0f} MiB |"
        )


def _growth(folder: Path) -> None:
    import journeymine as jm
    from journeymine.io import xes

    for n in (20_000, 80_000):
        path = folder / f"lin{n}.xes"
        with open(path, "wb") as f:
            f.write(f"<log {gen.NS}>".encode())
            for t in range(n // 10):
                events = "".join(
                    gen.EVENT.format(
                        a=f"a{i}", s=i, extra=f'<int key="o{(t + i) % 50}" value="1"/>'
                    )
                    for i in range(10)
                )
                f.write(
                    f'<trace><string key="concept:name" value="c{t}"/>{events}</trace>'.encode()
                )
            f.write(b"</log>")
        start = time.perf_counter()
        xes._parse_xes(path)
        print(f"XES parse, {n:,} events: {time.perf_counter() - start:.2f} s")
    for k in (1_000, 8_000):
        df = pd.DataFrame({f"c{i}": ["x", "y"] for i in range(k)})
        df["case"], df["act"], df["ts"] = ["a", "a"], ["p", "q"], ["2020-01-01", "2020-01-02"]
        start = time.perf_counter()
        jm.from_pandas(df, case="case", activity="act", timestamp="ts", keep=True)
        print(f"keep=True, {k:,} columns: {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        _refusals(Path(tmp))
        _growth(Path(tmp))
