"""The ``journeymine`` command line: scheduled analyses from a configuration file.

::

    journeymine sample demo            # the sample data and an example configuration
    journeymine run demo/config.toml   # every analysis, into demo/output/
    journeymine validate demo/config.toml

Exit codes: 0 success, 2 invalid configuration or data (the message names the
file and the key), 3 not enough resources (memory, disk space), 1 internal
failure (a bug: please report it), 130 interrupted.
Progress goes to stderr: a live indicator on a terminal, plain lines otherwise.
"""

from __future__ import annotations

import argparse
import errno
import numbers
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._progress import NullProgress, Progress
from .._progress import printable as _printable

__all__ = [
    "main",
    "Progress",
    "NullProgress",
    "EXIT_OK",
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "EXIT_RESOURCES",
    "EXAMPLE_CONFIG",
    "EXAMPLE_ASSUMED",
]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID = 2
EXIT_RESOURCES = 3
EXIT_INTERRUPTED = 130

_EPILOG = """\
exit codes:
  0    success
  1    internal failure (a bug in journeymine: please report it with the message)
  2    invalid configuration or data (the message names the file and the key),
       invalid command-line arguments, or validate finding no row it could load
  3    not enough resources (out of memory or disk space)
  130  interrupted (Ctrl-C)

A run replaces its output folder as a whole and only when everything is written:
a failed or interrupted run leaves the previous outputs as they were.

examples:
  journeymine sample demo && journeymine run demo/config.toml
  journeymine validate demo/config.toml --rejected rejected.csv
"""


# --------------------------------------------------------------------------- commands


def _run(args: argparse.Namespace, progress: Progress) -> int:
    from .._version import __version__
    from ..errors import ConfigError
    from ..reporting import ANALYSES, load_assumed, run_analyses
    from ..reporting.results import NOT_AN_OUTPUT, AtomicFolder, is_output_folder, write_outputs
    from ._sources import load_log
    from .config import check_analyses, load_config, requested_analyses

    cfg = load_config(args.config)
    output = Path(args.output).absolute() if args.output else cfg.output
    if not is_output_folder(output):
        raise ConfigError(
            f"{args.config}: output: the folder {cfg.display_path(output)!r} exists and "
            f"{NOT_AN_OUTPUT}"
        )
    _check_confined(cfg, output, args)
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


def _check_confined(cfg: Any, output: Path, args: argparse.Namespace) -> None:
    """Refuse an output folder outside the configuration's folder, unless allowed."""
    from ..errors import ConfigError

    if getattr(args, "allow_output_outside", False) or cfg.data.get("allow_output_outside", False):
        return
    base = Path(os.path.realpath(cfg.folder))
    real = Path(os.path.realpath(output))  # links are followed: they cannot lead outside
    if real != base and base in real.parents:
        return
    where = "is the configuration's folder itself" if real == base else "lies outside"
    raise ConfigError(
        f"{args.config}: output: the folder {str(output)!r} {where}"
        + ("" if real == base else f" the configuration's folder {str(base)!r}")
        + ". journeymine replaces its output folder as a whole, so it writes only into a "
        "folder inside the configuration's folder. Set allow_output_outside = true in the "
        "configuration, or pass --allow-output-outside, to write elsewhere."
    )


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


def _touchpoints(log: Any) -> set[str]:
    return {str(x) for x in log.events["activity"].dropna().unique()}


def _check_names_partitioned(log: Any, cfg: Any, where: str) -> None:
    """Every goal and funnel touchpoint occurs in some partition, else a ConfigError."""
    from ..errors import ConfigError

    names = set().union(*log._map(_touchpoints, ()))
    for key, value in (("goal", cfg.goal), ("funnel", cfg.funnel)):
        wanted = [value] if isinstance(value, str) else list(value or [])
        missing = [w for w in wanted if w not in names]
        if missing:
            raise ConfigError(
                f"{where}: {key}: {missing!r} never occur in the data's touchpoints "
                f"({len(names)} distinct, e.g. {sorted(names)[:5]!r})."
            )


def _validate(args: argparse.Namespace, progress: Progress) -> int:
    from .._partitioned import is_partitioned
    from ..derive import goal_mask
    from ..reporting import ANALYSES, neutralise_frame
    from ._sources import load_log
    from .config import check_analyses, load_config, requested_analyses

    cfg = load_config(args.config)
    loaded = load_log(cfg, progress)
    log = loaded.log
    for w in loaded.warnings:
        progress.info(f"warning: {w}")
    # names the configuration uses must occur in the data
    with progress.step("checking touchpoint names") as step:
        if is_partitioned(log):  # the names of every partition, in one pass
            _check_names_partitioned(log, cfg, str(args.config))
        else:
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
    out.write(f"{args.config}: " + ("valid\n" if len(log) else "invalid: no row can be loaded\n"))
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
    if len(log) == 0:
        sys.stderr.write(
            f"journeymine: error: {args.config}: nothing would be loaded: "
            + (
                f"all {len(rejected):,} rows were rejected (see the reasons above"
                + ("" if args.rejected else "; --rejected FILE writes them out")
                + "). Check the column mapping, tz and timestamp_format of the sources.\n"
                if len(rejected)
                else "the sources hold no rows.\n"
            )
        )
        return EXIT_INVALID
    if args.strict and len(rejected):
        progress.info(f"error: {len(rejected):,} rows were rejected (--strict)")
        return EXIT_INVALID
    return EXIT_OK


def _sample(args: argparse.Namespace, progress: Progress) -> int:
    from ..datasets import copy_raw_samples
    from ..errors import ConfigError

    folder = Path(args.dir)
    config = folder / "config.toml"
    if config.exists() and not args.force:
        raise ConfigError(
            f"{config}: already exists; pass --force to overwrite the sample folder's files."
        )
    folder.mkdir(parents=True, exist_ok=True)
    with progress.step("writing the sample data") as step:
        names = copy_raw_samples(folder)
        config.write_text(EXAMPLE_CONFIG, encoding="utf-8")
        (folder / "assumed_journey.yaml").write_text(EXAMPLE_ASSUMED, encoding="utf-8")
        step.done(f"{len(names)} files, assumed_journey.yaml and config.toml")
    progress.info(f"next: journeymine run {config}")
    return EXIT_OK


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
level = "department"
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
    from .._version import __version__

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
    p.add_argument(
        "--allow-output-outside",
        action="store_true",
        help="allow an output folder outside the configuration file's folder "
        "(as allow_output_outside = true in the configuration)",
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


#: OSError numbers that mean the machine ran out of something (exit code EXIT_RESOURCES).
_RESOURCE_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "ENOMEM", "EMFILE", "ENFILE")
    if hasattr(errno, name)
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see ``journeymine --help``)."""
    from ..errors import JourneymineError, MissingDependencyError

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
        return EXIT_INVALID
    except JourneymineError as exc:
        sys.stderr.write(f"journeymine: error: {_printable(str(exc))}\n")
        return EXIT_INVALID
    except MemoryError:
        sys.stderr.write(
            "journeymine: error: not enough memory for this run; the previous outputs are "
            "unchanged. Use a smaller input (fewer sources or rows) or a machine with more "
            "memory.\n"
        )
        return EXIT_RESOURCES
    except OSError as exc:
        if exc.errno in _RESOURCE_ERRNOS:
            sys.stderr.write(
                f"journeymine: error: not enough resources: {_printable(str(exc))}; the previous "
                "outputs are unchanged. Free disk space (or raise the limit) and run again.\n"
            )
            return EXIT_RESOURCES
        sys.stderr.write(
            f"journeymine: error: {_printable(str(exc))}. Check that the files and folders the "
            "configuration names exist and can be read (and the output folder written).\n"
        )
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
