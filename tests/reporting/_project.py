"""A small multichannel project folder for the report and command-line tests (loaded by path)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Touchpoint names that must do no harm in the report or the CSV exports.
EVIL_HTML = "<script>alert(1)</script>"
EVIL_FORMULA = '=HYPERLINK("http://x")'


def write_project(folder: Path, *, n_journeys: int = 150, seed: int = 5) -> Path:
    """Two raw sources (web CSV, calls JSON lines) with their own ids, a crosswalk and a config.

    Two touchpoints carry an HTML payload and a spreadsheet formula, and one web row
    has no timestamp (it is rejected).
    """
    from journeymine.datasets import sample_model, simulate

    folder.mkdir(parents=True, exist_ok=True)
    df = simulate(sample_model(), n_journeys=n_journeys, seed=seed, as_frame=True)
    df = df.astype({c: object for c in df.columns if c != "timestamp"})
    rng = np.random.default_rng(seed)
    evil = rng.random(len(df)) < 0.03
    df.loc[evil & (df["channel"] == "web"), "activity"] = EVIL_HTML
    df.loc[evil & (df["channel"] != "web"), "activity"] = EVIL_FORMULA
    phone = df["channel"].isin(["phone", "chat"])
    web = df.loc[~phone]
    web = pd.DataFrame(
        {
            "visitor": "W" + web["customer_id"].str[1:],
            "when": web["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "what": web["activity"],
            "team": web["department"],
            "via": web["channel"],
        }
    )
    web.loc[len(web)] = ["W00000", "", "visit homepage", "marketing", "web"]
    web.to_csv(folder / "web.csv", index=False)
    calls = df.loc[phone]
    pd.DataFrame(
        {
            "caller": "+31-" + calls["customer_id"].str[1:],
            "ts": calls["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "reason": calls["activity"],
            "agent": calls["resource"],
            "dept": calls["department"],
            "dir": calls["direction"],
        }
    ).to_json(folder / "calls.jsonl", orient="records", lines=True)
    cust = pd.Series(sorted(df["customer_id"].unique()))
    pd.DataFrame(
        {
            "web_id": "W" + cust.str[1:],
            "phone": "+31-" + cust.str[1:],
            "crm_id": cust,
        }
    ).to_csv(folder / "crosswalk.csv", index=False)
    (folder / "config.toml").write_text(PROJECT_CONFIG, encoding="utf-8")
    return folder / "config.toml"


PROJECT_CONFIG = """\
title = "Test journeys"
goal = "purchase"
funnel = ["visit homepage", "view pricing", "purchase"]
output = "out"

[sources.web]
path = "web.csv"
customer = "visitor"
activity = "what"
timestamp = "when"
department = "team"
channel = "via"
labels = { direction = "inbound" }

[sources.calls]
path = "calls.jsonl"
customer = "caller"
activity = "reason"
timestamp = "ts"
tz = "UTC"
resource = "agent"
department = "dept"
direction = "dir"
labels = { channel = "phone" }

[identity]
file = "crosswalk.csv"
primary = "crm_id"
keys = { web = "web_id", calls = "phone" }

[journeys]
inactivity = "30D"

[stages]
discover = ["ad click", "newsletter email", "visit homepage", "store visit", "view pricing"]
buy = ["enter payment details", "purchase"]
"""
