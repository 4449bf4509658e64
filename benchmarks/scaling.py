"""Scaling run: the full analysis at 1M .. 100M events on each engine, time and peak memory.

    python benchmarks/scaling.py --events 1M 10M 30M 100M
    python benchmarks/scaling.py --events 10M --engines memory partition-1 partition-2 spark
    python benchmarks/scaling.py --events 10M --engines memory partition-1 partition-2 --repeat 3

Engines (each run in a fresh subprocess, one after the other):

=================  ===================================================================
``memory``         ``jm.read_parquet`` then every analysis of the benchmark's full
                   analysis on the log in memory
``partition-1``    the same log, ``jm.partition(log, workers=1)``: the partitioned code
                   on one core
``partition-2``    ``jm.partition(log, workers=2)``: the same on both cores (issue #16
                   item 4 compares these two)
``scan-1``,        ``jm.scan_parquet(folder, workers=w)``: larger than memory, the whole
``scan-2``         log never in memory
``spark``          ``jm.from_spark(spark.read.parquet(folder))`` on ``local[2]``
=================  ===================================================================

Data: the benchmark's 10M-event log (``bench_data.dataset``), written as a data-lake
folder of ``N / 10M`` copies (one Parquet file each) whose journey and customer ids
carry the copy's number, so journeys stay distinct (``benchmarks/data/lake_<N>/``;
1M is the 1M log as a folder of one file).

Peak memory, sampled every 50 ms over the run's process and its children: the largest
sum of their proportional set sizes (``pss_gib``: each shared page counted once, split
between the processes that share it; what the run takes from the machine) and of their
resident sets (``peak_gib``: forked workers share pages with their parent, so this sum
counts the shared part once per process: an upper bound). ``self_peak_gib`` and
``worker_peak_gib`` are the largest single resident sets (what ``/usr/bin/time -v``
reports). Reading a proportional set size walks the process's page tables under
its memory map's lock, and every 50 ms that slows the run it measures (a 10M-event
``partition-2`` run by a fifth), so by default each engine runs twice: once timed,
sampling resident sets only, and once for ``pss_gib`` (``--pss same`` does both in one
run, faster but with slower times; ``--pss off`` skips it). ``--memory-cap GiB`` caps
the address space of the in-memory runs (default 12 GiB: half this machine), to show
where they run out of memory.

Times: ``--repeat N`` runs every engine ``N`` times, the engines taking turns (each
round in a new order), and reports the run with the median analysis time, every run's
times beside it (``runs_analyses_s``): on this shared 2-core machine one run of the
same engine varies by about 5%.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_data import dataset, parse_size, size_label  # noqa: E402
from bench_tasks import ANALYSES, GOAL, MAPPING  # noqa: E402

ENGINES = ("memory", "partition-1", "partition-2", "scan-1", "scan-2", "spark")


# ----------------------------------------------------------------------------- data
def lake(n_events: int, data_dir: Path) -> Path:
    """A folder of Parquet files holding about ``n_events`` events (see module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    out = data_dir / f"lake_{size_label(n_events)}"
    if (out / "_DONE").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    if n_events <= 1_000_000:
        src = dataset(1_000_000, data_dir)["parquet"]
        pq.write_table(pq.read_table(src), out / "part-00.parquet")
    else:
        src = pq.read_table(dataset(10_000_000, data_dir)["parquet"])
        for r in range(max(1, round(n_events / 10_000_000))):
            copy = src
            for col in ("case_id", "customer_id"):
                i = copy.schema.get_field_index(col)
                copy = copy.set_column(
                    i, col, pc.binary_join_element_wise(pa.scalar(f"R{r:02d}-"), copy[col], "")
                )
            pq.write_table(copy, out / f"part-{r:02d}.parquet")
    (out / "_DONE").write_text("")
    return out


# ----------------------------------------------------------------------------- worker
def _steps(log: Any) -> list[str]:
    """The benchmark's funnel (bench_tasks._funnel_steps) from the map, on any engine:
    the most frequent first touchpoint, the most frequent other one, the goal."""
    import journeymine as jm

    nodes = jm.discover(log).nodes
    first = str(nodes.sort_values(["starts", "node"], ascending=[False, True])["node"].iloc[0])
    common = [str(n) for n in nodes["node"] if str(n) not in (first, GOAL)]
    return [first, common[0], GOAL]


def worker(engine: str, folder: str, out_path: str, cap_gib: float) -> None:
    if engine == "memory" and cap_gib > 0:
        cap = int(cap_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    import journeymine as jm

    result: dict[str, Any] = {"engine": engine}
    t0 = time.perf_counter()
    steps = None
    try:
        if engine in ("memory", "partition-1", "partition-2"):
            log = jm.read_parquet(folder, **MAPPING)
            if engine != "memory":
                # the funnel's steps from the log in memory (untimed), so that the workers
                # start cold: the first analysis forks them and builds their partitions
                t_steps = time.perf_counter()
                steps = _steps(log)
                log._cache.clear()
                t0 += time.perf_counter() - t_steps
                log = jm.partition(log, workers=int(engine[-1]))
        elif engine.startswith("scan"):
            log = jm.scan_parquet(folder, workers=int(engine[-1]), **MAPPING)
        else:
            from pyspark.sql import SparkSession

            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers use this venv
            spark = (
                SparkSession.builder.master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.memory", "6g")
                .getOrCreate()
            )
            spark.conf.set("spark.sql.legacy.parquet.nanosAsLong", "true")
            log = jm.from_spark(spark.read.parquet(folder), epoch_unit="ns", **MAPPING)
        result["load_s"] = time.perf_counter() - t0
        if steps is None:
            steps = _steps(log)  # untimed
        log._cache.clear()  # every analysis computes what it reports
        split: dict[str, float] = {}
        skipped: dict[str, str] = {}
        for name, analysis in ANALYSES.items():
            t = time.perf_counter()
            try:
                analysis(log, steps)
            except jm.InvalidParameterError as exc:  # not partitioned (yet): say so
                if "PartitionedLog" not in str(exc) and "in memory" not in str(exc):
                    raise
                skipped[name] = str(exc).split(".")[0]
                continue
            split[name] = time.perf_counter() - t
        result.update(analyses_s=sum(split.values()), split=split, skipped=skipped, status="ok")
    except MemoryError:
        result["status"] = "out of memory (MemoryError)"
    result["total_s"] = time.perf_counter() - t0
    # the largest single process, as /usr/bin/time -v reports it (this one; its workers)
    result["self_peak_gib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
    result["worker_peak_gib"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20, 2
    )
    Path(out_path).write_text(json.dumps(result))


# ----------------------------------------------------------------------------- driver
def _tree_rss(pid: int, with_pss: bool = True) -> tuple[int, int]:
    """Resident and proportional set KiB of ``pid`` and all its descendants.

    The proportional set size walks every page table of the process, holding its
    memory map's lock: sampled every 50 ms, it slows the analyses it measures (a 3 GiB
    partitioned run by a third), so timed runs read the resident sets only.
    """
    total, pss, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            if with_pss:
                with open(f"/proc/{p}/smaps_rollup") as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            pss += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total, pss


def run_one(
    engine: str, folder: Path, cap_gib: float, timeout: float, with_pss: bool = True
) -> dict[str, Any]:
    out = folder.parent / f".scaling-{engine}.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, __file__, "--worker", engine, str(folder), str(out), str(cap_gib)]
    proc = subprocess.Popen(cmd)
    peak = peak_pss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        while not stop.is_set():
            rss, pss = _tree_rss(proc.pid, with_pss)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = "timeout"
    stop.set()
    th.join()
    res = json.loads(out.read_text()) if out.exists() else {"engine": engine}
    if "status" not in res:
        res["status"] = f"failed (exit {rc}; out of memory if killed)"
    res["peak_gib"] = round(peak / 2**20, 2)
    res["pss_gib"] = round(peak_pss / 2**20, 2)
    return res


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median analysis time (of the runs that finished), with every
    run's times beside it."""
    ok = [r for r in runs if r["status"] == "ok"]
    if not ok:
        return dict(runs[-1])
    ok.sort(key=lambda r: r["analyses_s"])
    res = dict(ok[(len(ok) - 1) // 2])
    res["runs_analyses_s"] = [round(r["analyses_s"], 2) for r in runs if r["status"] == "ok"]
    res["runs_load_s"] = [round(r["load_s"], 2) for r in runs if r["status"] == "ok"]
    res["peak_gib"] = max(r["peak_gib"] for r in runs)
    return res


def _say(size: str, engine: str, res: dict[str, Any], what: str) -> None:
    print(
        f"{size:>5} {engine:<12} {what:<10} {res['status']:<28} "
        f"load {res.get('load_s', 0):7.1f} s  analyses {res.get('analyses_s', 0):7.1f} s  "
        f"pss {res['pss_gib']:6.2f} GiB rss {res['peak_gib']:6.2f} GiB "
        f"(main {res.get('self_peak_gib', 0):.2f}, worker {res.get('worker_peak_gib', 0):.2f})  "
        f"skipped {sorted(res.get('skipped', {}))}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--worker":
        worker(argv[1], argv[2], argv[3], float(argv[4]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", nargs="+", default=["1M", "10M"])
    ap.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    ap.add_argument("--memory-cap", type=float, default=12.0)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--data-dir", type=Path, default=HERE / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "scaling.json")
    ap.add_argument("--pss", choices=("separate", "same", "off"), default="separate")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    rows = []
    for size in args.events:
        n = parse_size(size)
        folder = lake(n, args.data_dir)
        runs: dict[str, list[dict[str, Any]]] = {e: [] for e in args.engines}
        for r in range(args.repeat):
            # the engines take turns, each round in a new order: a slow spell of the
            # machine does not fall on one engine's runs
            turn = args.engines[r % len(args.engines) :] + args.engines[: r % len(args.engines)]
            for engine in turn:
                res = run_one(engine, folder, args.memory_cap, args.timeout, args.pss == "same")
                runs[engine].append(res)
                _say(size, engine, res, f"run {r + 1}/{args.repeat}")
        for engine in args.engines:
            res = _median_run(runs[engine])
            if args.pss == "separate" and res["status"] == "ok":
                mem = run_one(engine, folder, args.memory_cap, args.timeout, True)
                res["pss_gib"] = mem["pss_gib"]
                res["peak_gib"] = max(res["peak_gib"], mem["peak_gib"])
                res["pss_run_analyses_s"] = mem.get("analyses_s")
            res["events"] = size
            rows.append(res)
            _say(size, engine, res, "median" if args.repeat > 1 else "")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2))
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
