"""Cells of 05-notebook-to-schedule.ipynb (written by _build.py)."""

from _build import md, py

CELLS = [
    md(
        """
        # From a notebook to a schedule

        The quickstart's analysis worked in a notebook. Now it has to run every month,
        on fresh exports, without anyone opening Python: that is `journeymine run` and a
        configuration file. This notebook:

        1. writes the analysis's settings (sources, mappings, identities, journeys,
           stages, goal, funnel, assumed journey) as plain data;
        2. runs it in Python from that data;
        3. writes the same settings as `config.toml`, validates and runs it with the
           command line, as a scheduler would;
        4. reads `results.json` back and checks it against the notebook's own result;
        5. shows what a scheduler sees when something is wrong.

        The project folder is a temporary directory; in real life it is a folder next
        to the monthly exports.
        """
    ),
    py(
        """
        import hashlib
        import json
        import shutil
        import subprocess
        import sys
        import tempfile
        import warnings
        from pathlib import Path

        import pandas as pd
        from IPython.display import Image

        import journeymine as jm
        from journeymine.datasets import sample_path

        warnings.formatwarning = lambda message, category, *args, **kwargs: f"{category.__name__}: {message}\\n"
        pd.set_option("display.max_columns", 12)
        pd.set_option("display.width", 160)
        pd.set_option("display.precision", 3)

        PROJECT = Path(tempfile.mkdtemp(prefix="journeymine-schedule-"))
        for name in ["web_events.csv", "app_events.jsonl", "email_events.csv", "calls.csv", "chat.csv",
                     "store_visits.csv", "tickets.csv", "identities.csv"]:
            shutil.copyfile(sample_path(name), PROJECT / name)
        # the assumed journey of 03-assumed-vs-observed.ipynb
        shutil.copyfile("assumed_journey.yaml", PROJECT / "assumed_journey.yaml")
        sorted(p.name for p in PROJECT.iterdir())
        """
    ),
    md(
        """
        ## 1. The analysis as data

        Everything the quickstart decided, in one place: for each source its file and
        the keyword arguments of its loader, the identity crosswalk, how journeys are
        cut, and what to analyse.
        """
    ),
    py(
        """
        SOURCES = {
            "web": {"path": "web_events.csv", "customer": "cookie", "activity": "event_name",
                    "timestamp": "event_time", "department": "site_section",
                    "labels": {"channel": "web", "direction": "inbound"}},
            "app": {"path": "app_events.jsonl", "customer": "device_id", "activity": "event", "timestamp": "ts",
                    "labels": {"channel": "app", "department": "onboarding", "direction": "inbound"}},
            "email": {"path": "email_events.csv", "customer": "recipient", "activity": "campaign",
                      "timestamp": "sent_at", "department": "team",
                      "labels": {"channel": "email", "direction": "outbound"}},
            "calls": {"path": "calls.csv", "customer": "phone_number", "activity": "call_reason",
                      "timestamp": "call_start", "resource": "agent",
                      "labels": {"channel": "phone", "department": "support", "direction": "inbound"}},
            "chat": {"path": "chat.csv", "customer": "customer_email", "activity": "topic", "timestamp": "started",
                     "timestamp_format": "%d/%m/%Y %H:%M:%S", "department": "team", "resource": "agent",
                     "direction": "direction", "labels": {"channel": "chat"}},
            "store": {"path": "store_visits.csv", "customer": "member_id", "activity": "purpose",
                      "timestamp": "visit_time", "tz": "Europe/Amsterdam", "resource": "staff",
                      "labels": {"channel": "store", "department": "sales", "direction": "inbound"}},
            "tickets": {"path": "tickets.csv", "customer": "customer_no", "activity": "event",
                        "timestamp": "created_at", "channel": "channel", "department": "department",
                        "direction": "direction", "resource": "agent", "keep": ["ticket_id"]},
        }
        IDENTITY = {"file": "identities.csv", "primary": "crm_id",
                    "keys": {"web": "cookie_id", "app": "device_id", "email": "email", "calls": "phone",
                             "chat": "email", "store": "crm_id", "tickets": "crm_id"}}
        JOURNEYS = {"inactivity": "30D"}
        GOAL = "purchase"
        FUNNEL = ["visit homepage", "view pricing", "start trial", "enter payment details", "purchase"]
        STAGES = {
            "awareness": ["ad click", "newsletter email", "visit homepage", "store visit"],
            "consideration": ["view pricing", "legacy help page", "request demo", "sales chat"],
            "trial": ["start trial", "onboarding email", "reminder email", "setup chat", "install app", "use app"],
            "purchase": ["enter payment details", "purchase", "receipt email", "cancel"],
            "service": ["support ticket opened", "support reply", "email support", "chat with support",
                        "call support", "billing question", "transfer to billing", "transfer back to support",
                        "billing complaint call", "billing answer"],
        }
        ASSUMED = "assumed_journey.yaml"
        """
    ),
    md(
        """
        ## 2. Run it in Python

        The loaders take exactly these keyword arguments, so the notebook analysis is a
        loop over `SOURCES`:
        """
    ),
    py(
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jm.DataQualityWarning)  # the quickstart showed them
            logs = {}
            for name, spec in SOURCES.items():
                spec = dict(spec)
                path = PROJECT / spec.pop("path")
                read = jm.read_json if path.suffix == ".jsonl" else jm.read_csv
                logs[name] = read(path, name=name, **spec)
            identities = pd.read_csv(PROJECT / IDENTITY["file"], dtype=str)
            log = jm.combine(logs, identities=identities, keys=[IDENTITY["keys"][n] for n in logs],
                             primary=IDENTITY["primary"])
            journeys = jm.map_stages(jm.split_journeys(log, **JOURNEYS), STAGES)
        print(journeys)
        in_python = jm.pain_points(journeys, goal=GOAL)
        in_python[["rank", "kind", "where", "journeys_affected", "conversions_lost"]].head(5)
        """
    ),
    md(
        """
        ## 3. The same settings as `config.toml`

        The configuration's keys are the loaders' keyword arguments (see
        `docs/config.md`), so writing it is a translation, not a rewrite. A few lines of
        code turn the dicts above into TOML:
        """
    ),
    py(
        """
        def toml_value(value):
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, (int, float)):
                return repr(value)
            if isinstance(value, str):
                return json.dumps(value)  # a JSON string is a valid TOML basic string
            if isinstance(value, (list, tuple)):
                return "[" + ", ".join(toml_value(v) for v in value) + "]"
            if isinstance(value, dict):
                return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
            raise TypeError(f"cannot write {value!r} as TOML")


        def table(name, values):
            return [f"[{name}]", *(f"{k} = {toml_value(v)}" for k, v in values.items()), ""]


        lines = [
            '# written by 05-notebook-to-schedule.ipynb',
            'title = "Sample company: customer journeys"',
            f"goal = {toml_value(GOAL)}",
            f"funnel = {toml_value(FUNNEL)}",
            f"assumed = {toml_value(ASSUMED)}",
            'output = "output"',
            "",
        ]
        for name, spec in SOURCES.items():
            lines += table(f"sources.{name}", spec)
        lines += table("identity", {k: v for k, v in IDENTITY.items() if k != "keys"})
        lines += table("identity.keys", IDENTITY["keys"])
        lines += table("journeys", JOURNEYS)
        lines += table("stages", STAGES)
        config = PROJECT / "config.toml"
        config.write_text("\\n".join(lines), encoding="utf-8")
        print(config.read_text(encoding="utf-8"))
        """
    ),
    md(
        """
        ## 4. Validate, then run, as a scheduler would

        A scheduled job calls the command line. `journeymine validate` loads and checks
        everything and writes nothing; `journeymine run` writes the output folder. We
        call them as a separate process, from the project folder, exactly as cron or a
        CI job would (`python -m journeymine` is the same as the `journeymine`
        command).
        """
    ),
    py(
        """
        def journeymine(*args):
            done = subprocess.run([sys.executable, "-m", "journeymine", *args], cwd=PROJECT,
                                  capture_output=True, text=True)
            print(done.stdout + done.stderr)
            print("exit code:", done.returncode)
            return done.returncode

        code = journeymine("validate", "config.toml")
        """
    ),
    py(
        """
        code = journeymine("run", "config.toml")
        assert code == 0
        """
    ),
    py(
        """
        output = PROJECT / "output"
        sorted(str(p.relative_to(output)) for p in output.rglob("*") if p.is_file() and p.suffix != ".parquet")
        """
    ),
    md(
        """
        ## 5. Read `results.json` back

        Everything the run found is in `results.json` (its layout is documented in
        `docs/results-schema.md`): the run's inputs with their checksums, the settings,
        the headline figures, data-quality warnings, and every findings table, with
        its column types and its rows. The same tables are in `tables/` as CSV (safe
        for spreadsheets) and Parquet (true types).
        """
    ),
    py(
        """
        results = json.loads((output / "results.json").read_text(encoding="utf-8"))
        print("schema", results["schema_version"], "by journeymine", results["run"]["journeymine_version"])
        print("analyses:", ", ".join(results["analyses"]["ran"]))
        print("skipped:", results["skipped"] or "none")
        print(len(results["data_quality"]["warnings"]), "data-quality warnings")
        results["summary"]
        """
    ),
    py(
        """
        pain = pd.DataFrame(results["tables"]["pain_points"]["records"])
        pain[["rank", "kind", "where", "journeys_affected", "conversions_lost"]].head(5)
        """
    ),
    md(
        """
        Is it the same analysis? The scheduled run and the notebook must agree on every
        finding:
        """
    ),
    py(
        """
        cols = ["rank", "kind", "where", "journeys_affected"]
        same = pain[cols].equals(in_python[cols].astype({"kind": str, "where": str}).reset_index(drop=True))
        from_parquet = pd.read_parquet(output / "tables" / "pain_points.parquet")
        print("results.json and the notebook agree:", same)
        print("Parquet and JSON agree:", from_parquet[cols].astype({"kind": str, "where": str}).equals(pain[cols]))
        assert same
        """
    ),
    md(
        """
        The pictures are in `figures/`, as PNG and SVG; the funnel, for example:
        """
    ),
    py(
        """
        Image(filename=str(output / "figures" / "funnel.png"), width=560)
        """
    ),
    md(
        """
        ## 6. Reproducible and atomic

        The same data and configuration give byte-identical files, so a monthly run can
        be diffed against last month's, and a run replaces the output folder only when
        everything is written (a failed run leaves the previous results in place):
        """
    ),
    py(
        """
        def digest():
            return hashlib.sha256((output / "results.json").read_bytes()).hexdigest()[:16]

        before = digest()
        code = journeymine("--quiet", "run", "config.toml")
        print("results.json before and after a rerun:", before, digest(), "identical:", before == digest())
        """
    ),
    md(
        """
        ## 7. When something is wrong

        A misspelt key, a missing column, a goal that never occurs: the command exits
        with code 2 and names the file and the key, so a scheduler can alert on the
        exit code and a person can fix the line. Here `timestamp` of the calls source
        is misspelt:
        """
    ),
    py(
        """
        broken = PROJECT / "broken.toml"
        broken.write_text(config.read_text(encoding="utf-8").replace('timestamp = "call_start"', 'timestmp = "call_start"'),
                          encoding="utf-8")
        code = journeymine("run", "broken.toml")
        assert code == 2
        """
    ),
    md(
        """
        ## Scheduling it

        Any scheduler that runs a command works; for example a monthly cron entry on
        the machine that receives the exports:

        ```
        # m h dom mon dow  command
        0 6 2 * *  cd /data/journeys && /opt/journeymine/.venv/bin/journeymine run config.toml
        ```

        | exit code | meaning | what the scheduler should do |
        |---|---|---|
        | 0 | success | publish `output/report.html` |
        | 2 | invalid configuration or data (the message names the file and key) | alert the data owner |
        | 1 | internal failure (a bug; `--debug` shows the traceback) | alert the maintainers |
        | 130 | interrupted | retry |

        `journeymine validate config.toml --strict --rejected rejected.csv` is a useful
        first step of the job: it fails when any row is rejected, and writes those rows
        for whoever owns the export.
        """
    ),
    py(
        """
        shutil.rmtree(PROJECT)  # the temporary project folder
        """
    ),
]
