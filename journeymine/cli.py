"""The ``journeymine`` command line: scheduled analyses from a configuration file.

::

    journeymine sample demo            # the sample data and an example configuration
    journeymine run demo/config.toml   # every analysis, into demo/output/
    journeymine validate demo/config.toml

Exit codes: 0 success, 2 invalid configuration or data (the message names the
file and the key), 1 internal failure (a bug: please report it), 130 interrupted.
Progress goes to stderr: a live indicator on a terminal, plain lines otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import numbers
import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = [
    "main",
    "Progress",
    "NullProgress",
    "EXIT_OK",
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "EXAMPLE_CONFIG",
    "EXAMPLE_ASSUMED",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130

_EPILOG = """\
exit codes:
  0    success
  1    internal failure (a bug in journeymine: please report it with the message)
  2    invalid configuration or data (the message names the file and the key),
       or invalid command-line arguments
  130  interrupted (Ctrl-C)

A run replaces its output folder as a whole and only when everything is written:
a failed or interrupted run leaves the previous outputs as they were.

examples:
  journeymine sample demo && journeymine run demo/config.toml
  journeymine validate demo/config.toml --rejected rejected.csv
"""


# --------------------------------------------------------------------------- progress


class _Step:
    def __init__(self) -> None:
        self.detail = ""

    def done(self, detail: str) -> None:
        self.detail = detail


class NullProgress:
    """Reports nothing (for library use)."""

    @contextlib.contextmanager
    def step(self, text: str) -> Iterator[_Step]:
        yield _Step()

    def info(self, text: str) -> None:
        pass


class Progress(NullProgress):
    """Progress on ``stream`` (stderr): a spinner with elapsed time on a terminal, plain lines otherwise.

    Examples
    --------
    >>> import io
    >>> from journeymine.cli import Progress
    >>> out = io.StringIO()
    >>> p = Progress(out, tty=False)
    >>> with p.step("loading sources") as s:
    ...     s.done("3 sources, 48,211 events")
    >>> out.getvalue()
    'journeymine: loading sources ... 3 sources, 48,211 events\\n'
    """

    _FRAMES = "|/-\\"

    def __init__(
        self, stream: IO[str] | None = None, *, tty: bool | None = None, interval: float = 0.1
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = (
            bool(tty) if tty is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        )
        self.interval = interval

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not fail the run
            pass

    def info(self, text: str) -> None:
        self._write(("\r\033[K" if self.tty else "") + f"journeymine: {_printable(text)}\n")

    @contextlib.contextmanager
    def step(self, text: str) -> Iterator[_Step]:
        st = _Step()
        start = time.monotonic()
        stop = threading.Event()
        spinner = None
        if self.tty:

            def spin() -> None:
                i = 0
                while not stop.wait(self.interval):
                    i += 1
                    frame = self._FRAMES[i % len(self._FRAMES)]
                    self._write(
                        f"\r\033[Kjourneymine: {text} ... {frame} {time.monotonic() - start:.1f}s"
                    )

            self._write(f"\r\033[Kjourneymine: {text} ...")
            spinner = threading.Thread(target=spin, daemon=True)
            spinner.start()
        failed = True
        try:
            yield st
            failed = False
        finally:
            stop.set()
            if spinner is not None:
                spinner.join()
            elapsed = time.monotonic() - start
            if failed:
                outcome = "failed"
            else:
                outcome = st.detail or "done"
            if self.tty:
                self._write(f"\r\033[Kjourneymine: {text} ... {outcome} ({elapsed:.1f}s)\n")
            else:
                self._write(f"journeymine: {text} ... {outcome}\n")


def _printable(text: str) -> str:
    """Control characters from the data (terminal escape sequences) shown as ``\\x..``, not run."""
    return "".join(
        c if c.isprintable() or c == "\n" else c.encode("unicode_escape").decode("ascii")
        for c in str(text)
    )


# --------------------------------------------------------------------------- commands


def _run(args: argparse.Namespace, progress: Progress) -> int:
    from . import __version__
    from ._sources import load_log
    from .config import ANALYSES, check_analyses, load_config, requested_analyses
    from .errors import ConfigError
    from .reporting import load_assumed
    from .reporting._analyses import run_analyses
    from .reporting.results import AtomicFolder, is_output_folder, write_outputs

    cfg = load_config(args.config)
    output = Path(args.output).absolute() if args.output else cfg.output
    if not is_output_folder(output):
        raise ConfigError(
            f"{args.config}: output: the folder {cfg.display_path(output)!r} exists and does not hold a "
            "previous journeymine output (no results.json). A run replaces its output folder as a whole, "
            "so name a new or empty folder."
        )
    loaded = load_log(cfg, progress)
    for w in loaded.warnings:
        progress.info(f"warning: {w}")
    # analyses.run naming one that the settings or data cannot feed is an error; the others
    # that cannot run are said before the run starts
    blocked = check_analyses(cfg, loaded.log)
    for name in requested_analyses(cfg) or ANALYSES:
        if name in blocked:
            progress.info(f"not run: {name} {blocked[name].reason()}")
    found = run_analyses(
        loaded.log,
        goal=cfg.goal,
        funnel=cfg.funnel,
        assumed=load_assumed(cfg.assumed),
        include=requested_analyses(cfg),  # by default every one the settings and data allow
        options=cfg.options,
        title=cfg.title,
        progress=progress,
    )
    found.warnings[:0] = [w for w in loaded.warnings if w not in found.warnings]
    found.settings = {
        "title": cfg.title,
        "goal": cfg.goal,
        "funnel": cfg.funnel,
        "journeys": cfg.journeys,
        "stages": cfg.stages,
        "analyses": list(cfg.analyses),
        "options": cfg.options,
        "sources": {
            name: {
                "path": cfg.display_path(src.path),
                "format": src.format,
                **src.mapping,
                **({"key": src.key} if src.key else {}),
            }
            for name, src in cfg.sources.items()
        },
        "identity": None
        if cfg.identity is None
        else {k: (cfg.display_path(v) if k == "file" else v) for k, v in cfg.identity.items()},
        "assumed": cfg.display_path(cfg.assumed) if cfg.assumed else None,
    }
    run = {
        "journeymine_version": __version__,
        "config_file": Path(args.config).name,
        "config_sha256": cfg.sha256,
        "inputs": loaded.inputs,
    }
    with AtomicFolder(output) as tmp:
        write_outputs(found, tmp, run, progress=progress)
    shown = os.path.relpath(output) if not os.path.relpath(output).startswith("..") else str(output)
    progress.info(
        f"wrote {shown}{os.sep} (report.html, results.json, {len(found.tables)} tables, "
        f"{len(found.figures)} picture{'s' if len(found.figures) != 1 else ''})"
    )
    if not args.quiet:
        _print_summary(found, shown)
    return EXIT_OK


def _print_summary(found: Any, shown: str) -> None:
    """The journeys in a few lines on stdout: what a person reads after a run."""
    s = found.summary
    lines = [
        f"{s.get('journeys', 0):,} journeys of {s.get('customers', 0):,} customers, "
        f"{s.get('events', 0):,} events ({s.get('first_event', '')[:10]} to "
        f"{s.get('last_event', '')[:10]}); {s.get('ongoing_journeys', 0):,} still ongoing; "
        f"{s.get('rejected_rows', 0):,} input rows rejected",
    ]
    if s.get("conversion_rate") is not None:
        lines.append(
            f"conversion: {s['converted_journeys']:,} journeys ({s['conversion_rate']:.1%} of the "
            f"{s['journeys_with_known_outcome']:,} journeys whose outcome is known)"
        )
    pain = found.tables.get("pain_points")
    if pain is not None and len(pain):
        lines.append("top pain points:")
        for row in pain.head(5).to_dict("records"):
            lines.append(
                f"  {row.get('rank', '-')}. {row.get('kind')}: {row.get('where')}{_costs(row)}"
            )
    maps = [f for f in found.figures if "journey_map" in str(f)]
    where = os.path.join(shown, "figures", "journey_map.png") if maps else None
    if where:
        lines.append(f"journey map: {where}")
    lines.append(f"report: {os.path.join(shown, 'report.html')}")
    print("\n".join(lines))


#: What a pain point costs, in the order printed: (column, how a value reads). Columns that a
#: version of pain_points does not have are left out.
_COSTS = (
    ("journeys_affected", "{:,.0f} journeys"),
    ("conversions_lost", "~{:,.0f} conversions lost"),
    ("hours_lost", "~{:,.0f} hours of waiting"),
    ("extra_effort", "~{:,.0f} extra handoffs and contacts"),
)


def _costs(row: dict[str, Any]) -> str:
    """`` (1,059 journeys, ~16 conversions lost)``: the positive costs a pain-point row has."""
    parts = []
    for col, fmt in _COSTS:
        value = row.get(col)
        if isinstance(value, numbers.Real) and value == value and value > 0:
            parts.append(fmt.format(value))
    return f" ({', '.join(parts)})" if parts else ""


def _validate(args: argparse.Namespace, progress: Progress) -> int:
    from ._sources import load_log
    from .config import ANALYSES, check_analyses, load_config, requested_analyses
    from .derive import goal_mask
    from .reporting._safe import neutralise_frame

    cfg = load_config(args.config)
    loaded = load_log(cfg, progress)
    log = loaded.log
    for w in loaded.warnings:
        progress.info(f"warning: {w}")
    # names the configuration uses must occur in the data
    with progress.step("checking touchpoint names") as step:
        if cfg.goal is not None:
            goal_mask(log, cfg.goal, param="goal", func=str(args.config))
        if cfg.funnel:
            goal_mask(log, cfg.funnel, param="funnel", func=str(args.config))
        step.done("goal and funnel steps found" if cfg.goal or cfg.funnel else "nothing to check")
    with progress.step("checking what the analyses need") as step:
        blocked = check_analyses(cfg, log)
        names = requested_analyses(cfg) or ANALYSES
        step.done(f"{sum(n not in blocked for n in names)} of {len(names)} can run")
    rejected = log.rejected
    out = sys.stdout
    out.write(f"{args.config}: valid\n")
    for name, n in loaded.per_source.items():
        out.write(f"  source {name}: {n:,} events\n")
    out.write(f"  {log!r}\n")
    out.write("  analyses (checked against the columns of the loaded data):\n")
    out.write(f"    will run: {', '.join(n for n in names if n not in blocked)}\n")
    for name in names:
        if name in blocked:
            out.write(f"    not run: {name} {_printable(blocked[name].reason())}\n")
    if len(rejected):
        cols = [c for c in ("source", "reason") if c in rejected.columns]
        counts = rejected.groupby(cols, dropna=False, observed=True).size()
        out.write(f"  rejected rows: {len(rejected):,}\n")
        for key, n in counts.items():
            label = " ".join(key) if isinstance(key, tuple) else str(key)
            out.write(f"    {label}: {n:,}\n")
        if args.rejected:
            path = Path(args.rejected)
            neutralise_frame(rejected).to_csv(path, index=False, lineterminator="\n")
            out.write(f"  rejected rows written to {path}\n")
    else:
        out.write("  rejected rows: 0\n")
    if args.strict and len(rejected):
        progress.info(f"error: {len(rejected):,} rows were rejected (--strict)")
        return EXIT_INVALID
    return EXIT_OK


def _sample(args: argparse.Namespace, progress: Progress) -> int:
    from .errors import ConfigError

    folder = Path(args.dir)
    config = folder / "config.toml"
    if config.exists() and not args.force:
        raise ConfigError(
            f"{config}: already exists; pass --force to overwrite the sample folder's files."
        )
    folder.mkdir(parents=True, exist_ok=True)
    with progress.step("writing the sample data") as step:
        names = _write_sample_files(folder)
        config.write_text(EXAMPLE_CONFIG, encoding="utf-8")
        (folder / "assumed_journey.yaml").write_text(EXAMPLE_ASSUMED, encoding="utf-8")
        step.done(f"{len(names)} files, assumed_journey.yaml and config.toml")
    progress.info(f"next: journeymine run {config}")
    return EXIT_OK


def _write_sample_files(folder: Path) -> list[str]:
    """The raw multichannel sample files and the crosswalk: copied from the source tree, else generated."""
    from .datasets import _make_sample

    names = [*_make_sample.RAW_SOURCES, "identities.csv", "README.md"]
    raw = Path(_make_sample.RAW_DIR)
    if all((raw / n).is_file() for n in names):
        for n in names:
            shutil.copyfile(raw / n, folder / n)
        return names
    return sorted(p.name for p in _make_sample.write_raw_samples(folder).values())


#: The configuration ``journeymine sample`` writes beside the sample files.
EXAMPLE_CONFIG = """\
# journeymine run configuration for the sample data (see docs/config.md).
# Run it with:  journeymine run config.toml
# Relative paths are read from this file's folder.

title = "Sample company: customer journeys"
goal = "purchase"
funnel = ["visit homepage", "view pricing", "start trial", "enter payment details", "purchase"]
assumed = "assumed_journey.yaml"   # the journey as designed, to compare with the data
output = "output"

# One table per source system: its file and which of its columns hold what.
[sources.web]
path = "web_events.csv"
customer = "cookie"
activity = "event_name"
timestamp = "event_time"
department = "site_section"
labels = { channel = "web", direction = "inbound" }
drop_duplicates = true   # the web tracker sends some events twice

[sources.app]
path = "app_events.jsonl"
customer = "device_id"
activity = "event"
timestamp = "ts"
labels = { channel = "app", department = "onboarding", direction = "inbound" }

[sources.email]
path = "email_events.csv"
customer = "recipient"
activity = "campaign"
timestamp = "sent_at"
department = "team"
labels = { channel = "email", direction = "outbound" }

[sources.calls]
path = "calls.csv"
customer = "phone_number"
activity = "call_reason"
timestamp = "call_start"
resource = "agent"
labels = { channel = "phone", department = "support", direction = "inbound" }

[sources.chat]
path = "chat.csv"
customer = "customer_email"
activity = "topic"
timestamp = "started"
timestamp_format = "%d/%m/%Y %H:%M:%S"
department = "team"
resource = "agent"
direction = "direction"
labels = { channel = "chat" }

[sources.store]
path = "store_visits.csv"
customer = "member_id"
activity = "purpose"
timestamp = "visit_time"
tz = "Europe/Amsterdam"
resource = "staff"
labels = { channel = "store", department = "sales", direction = "inbound" }

[sources.tickets]
path = "tickets.csv"
customer = "customer_no"
activity = "event"
timestamp = "created_at"
channel = "channel"
department = "department"
direction = "direction"
resource = "agent"
keep = ["ticket_id"]
drop_duplicates = true

# Which identifiers belong to one person: each source's customer ids are a column here.
[identity]
file = "identities.csv"
primary = "crm_id"

[identity.keys]
web = "cookie_id"
app = "device_id"
email = "email"
calls = "phone"
chat = "email"
store = "crm_id"
tickets = "crm_id"

# A new journey starts after 30 days without any touchpoint.
[journeys]
inactivity = "30D"

# Stages group touchpoints for the stage map, in journey order.
[stages]
awareness = ["ad click", "newsletter email", "visit homepage", "store visit"]
consideration = ["view pricing", "legacy help page", "request demo", "sales chat"]
trial = ["start trial", "onboarding email", "reminder email", "setup chat", "install app", "use app"]
purchase = ["enter payment details", "purchase", "receipt email", "cancel"]
service = [
    "support ticket opened", "support reply", "email support", "chat with support", "call support",
    "billing question", "transfer to billing", "transfer back to support", "billing complaint call",
    "billing answer",
]

[analyses.handoffs]
by = "department"
"""


#: The assumed journey ``journeymine sample`` writes (read by ``jm.AssumedJourney.from_file``).
EXAMPLE_ASSUMED = """\
# The journey as the company designed it; `journeymine run` compares it with the data.
name: designed purchase journey
goal: purchase
stages:
  - name: awareness
    steps: [ad click, visit homepage]
  - name: consideration
    steps: [view pricing, {name: request demo, optional: true}]
  - name: trial
    steps: [start trial, onboarding email, {name: install app, optional: true}]
  - name: purchase
    steps: [enter payment details, purchase, receipt email]
"""


# --------------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="journeymine",
        description="Customer journey maps from event data: run scheduled analyses from a configuration file.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"journeymine {__version__}")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress output (errors are still shown)"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal failure"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "run",
        help="run the analyses a configuration file describes",
        description="Load the sources, run the analyses and write results.json, the tables, "
        "the pictures and report.html into the output folder (atomically).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", metavar="CONFIG", help="the configuration file (.toml, .yaml or .yml)")
    p.add_argument(
        "-o", "--output", metavar="DIR", help="the output folder (default: 'output' of the config)"
    )

    p = sub.add_parser(
        "validate",
        help="load and check the data; report rejected rows; change nothing",
        description="Read the configuration and every source, stitch and cut journeys, and "
        "report what would be rejected. Writes nothing (unless --rejected).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("config", metavar="CONFIG", help="the configuration file (.toml, .yaml or .yml)")
    p.add_argument("--rejected", metavar="FILE", help="write the rejected rows to this CSV file")
    p.add_argument("--strict", action="store_true", help="exit with 2 when any row is rejected")

    p = sub.add_parser(
        "sample",
        help="write the sample data and an example configuration to a folder",
        description="Write the raw multichannel sample files, the identity crosswalk and "
        "config.toml to DIR, ready for 'journeymine run DIR/config.toml'.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", metavar="DIR", help="the folder to write (created if needed)")
    p.add_argument(
        "--force", action="store_true", help="overwrite an existing sample folder's files"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``journeymine --help``)."""
    from .errors import JourneymineError, MissingDependencyError

    parser = _parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")  # a batch run draws into files, never windows
    progress: Progress = NullProgress() if args.quiet else Progress()  # type: ignore[assignment]
    commands = {"run": _run, "validate": _validate, "sample": _sample}
    try:
        return commands[args.command](args, progress)
    except KeyboardInterrupt:
        sys.stderr.write("journeymine: interrupted; the previous outputs are unchanged\n")
        return EXIT_INTERRUPTED
    except MissingDependencyError as exc:
        sys.stderr.write(f"journeymine: error: {exc}\n")
        return EXIT_INTERNAL
    except JourneymineError as exc:
        sys.stderr.write(f"journeymine: error: {_printable(str(exc))}\n")
        return EXIT_INVALID
    except Exception as exc:
        sys.stderr.write(
            f"journeymine: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in journeymine; the previous outputs are unchanged. "
            + ("" if args.debug else "Run again with --debug for the traceback.\n")
        )
        if args.debug:
            traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
