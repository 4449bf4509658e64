"""Regenerate the bundled sample and the raw multichannel sample files.

Run ``python -m journeymine.datasets._make_sample`` from the repository root. It
writes

* ``journeymine/datasets/data/sample.parquet``: the events of
  ``simulate(sample_model(), **SAMPLE_SIMULATION, as_frame=True)``, with the
  ongoing journeys and the end of the observation window in the file's
  metadata (read by :func:`journeymine.datasets.load_sample`);
* ``data/samples/``: the same events split into raw exports per source (web,
  app, email, calls, chat, store visits, tickets), each with its own column
  names, identifiers and timestamp format, a few planted dirty rows, the
  identity crosswalk ``identities.csv``, and ``README.md`` describing them.

Everything is deterministic: running it twice gives identical files (a test
checks that the shipped files equal a fresh run).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._sample_model import SAMPLE_SIMULATION, sample_model
from ._simulate import simulate

__all__ = [
    "PACKAGE_FILE",
    "RAW_DIR",
    "RAW_SOURCES",
    "RAW_CUSTOMERS",
    "raw_subset",
    "METADATA_KEY",
    "sample_frame",
    "write_package_sample",
    "raw_tables",
    "write_raw_samples",
    "main",
]

#: Where the bundled sample lives.
PACKAGE_FILE = Path(__file__).resolve().parent / "data" / "sample.parquet"
#: Where the raw sample files live (in the source repository, not in the package).
RAW_DIR = Path(__file__).resolve().parents[2] / "data" / "samples"
#: The key of the parquet file's metadata that holds the sample's ground truth.
METADATA_KEY = b"journeymine"

#: The raw files hold the customers C00000 to C03499 of the sample (all their journeys),
#: which keeps ``data/samples/`` under 3 MB.
RAW_CUSTOMERS = 3500
_SEED = 7  # the seed of everything the raw files add: identifiers, dirty rows, extra columns
_STORE_TZ = "Europe/Amsterdam"

#: Which touchpoints of :func:`sample_model` each raw file holds.
RAW_SOURCES: dict[str, tuple[str, ...]] = {
    "web_events.csv": (
        "ad click",
        "visit homepage",
        "view pricing",
        "legacy help page",
        "request demo",
        "start trial",
        "enter payment details",
        "purchase",
        "cancel",
    ),
    "app_events.jsonl": ("install app", "use app"),
    "email_events.csv": ("newsletter email", "onboarding email", "reminder email", "receipt email"),
    "calls.csv": ("call support", "billing complaint call"),
    "chat.csv": (
        "sales chat",
        "setup chat",
        "chat with support",
        "billing question",
        "transfer to billing",
        "transfer back to support",
    ),
    "store_visits.csv": ("store visit",),
    "tickets.csv": ("support ticket opened", "support reply", "email support", "billing answer"),
}

_PAGES = {
    "ad click": "/lp/spring-offer?utm_source=ads",
    "visit homepage": "/",
    "view pricing": "/pricing",
    "legacy help page": "/help/v1/faq",
    "request demo": "/demo",
    "start trial": "/signup/trial",
    "enter payment details": "/checkout/payment",
    "purchase": "/checkout/confirmed",
    "cancel": "/account/cancel",
}
_FIRST = (
    "anna emma julia sophie lotte noah liam lucas daan sem eva sara tess mila finn levi "
    "bram lars ruben thijs fleur iris lisa maud nina"
).split()
_LAST = (
    "jansen devries bakker visser smit meijer bos mulder dekker dijkstra peters hendriks "
    "vandam koster prins huisman vos kramer"
).split()
_STORES = ("AMS-01", "AMS-02", "UTR-01", "RTM-01", "EHV-01")


# --------------------------------------------------------------------------- the sample


def sample_frame() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample's events and ground truth, fresh from the simulator."""
    frame, truth = simulate(sample_model(), **SAMPLE_SIMULATION, as_frame=True, return_truth=True)
    return frame, truth


def _metadata(truth: pd.DataFrame) -> dict[str, Any]:
    end = pd.Timestamp(SAMPLE_SIMULATION["end"], tz="UTC")
    return {
        "generator": "python -m journeymine.datasets._make_sample",
        "simulation": {"model": "sample_model()", **SAMPLE_SIMULATION},
        "observation_end": end.isoformat(),
        "ongoing": truth.loc[truth["ongoing"], "case_id"].tolist(),
    }


def write_package_sample(
    path: Path = PACKAGE_FILE,
    frame: pd.DataFrame | None = None,
    truth: pd.DataFrame | None = None,
) -> Path:
    """Write the bundled parquet file (events, plus ground truth in its metadata)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if frame is None or truth is None:
        frame, truth = sample_frame()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[METADATA_KEY] = json.dumps(_metadata(truth), separators=(",", ":")).encode()
    table = table.replace_schema_metadata(meta)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd", compression_level=19)
    return path


# --------------------------------------------------------------------------- identities


def _identities(frame: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """Per customer: cookie(s), device, email, phone, crm id; and per journey its cookie."""
    rng = np.random.default_rng(_SEED)
    customers = frame["customer_id"].cat.categories
    n = len(customers)
    idx = np.arange(n)
    first = np.asarray(_FIRST, dtype=object)[rng.integers(len(_FIRST), size=n)]
    last = np.asarray(_LAST, dtype=object)[rng.integers(len(_LAST), size=n)]
    email = np.array(
        [f"{f}.{la}{i}@example.com" for f, la, i in zip(first, last, idx, strict=True)]
    )
    phone = np.array([f"+316{(12345678 + i * 7919) % 100_000_000:08d}" for i in idx])
    cookie = np.array([f"ck_{v:012x}" for v in rng.integers(0, 2**48, size=n)])
    cookie2 = np.array([f"ck_{v:012x}" for v in rng.integers(0, 2**48, size=n)])
    raw = rng.integers(0, 2**63, size=(n, 2))
    device = np.array([_uuid(a, b) for a, b in raw])
    new_cookie = rng.random(n) < 0.10  # cleared cookies: later journeys on a second cookie
    if len(set(cookie) | set(cookie2)) != 2 * n or len(set(device)) != n:
        raise RuntimeError("identifier collision; change _SEED")
    jcust = pd.Index(customers).get_indexer(truth["customer_id"])
    journey_cookie = np.where(
        new_cookie[jcust] & (truth["journey_number"].to_numpy() > 1), cookie2[jcust], cookie[jcust]
    )
    return {
        "customers": customers,
        "email": email,
        "phone": phone,
        "cookie": cookie,
        "cookie2": cookie2,
        "device": device,
        "new_cookie": new_cookie,
        "journey_cookie": journey_cookie,
    }


def _uuid(a: int, b: int) -> str:
    h = f"{int(a):016x}{int(b):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}".upper()


def _crosswalk(frame: pd.DataFrame, ids: dict[str, Any], used: dict[str, set[str]]) -> pd.DataFrame:
    """The identity crosswalk: partly transitive links, a few identifiers never linked."""
    rng = np.random.default_rng(_SEED + 1)
    customers = ids["customers"]
    rows: list[dict[str, Any]] = []
    unlinked: dict[str, int] = {"cookie_id": 0, "device_id": 0}
    for i, crm in enumerate(customers):
        cookies = [c for c in (ids["cookie"][i], ids["cookie2"][i]) if c in used["cookie_id"]]
        device = ids["device"][i] if ids["device"][i] in used["device_id"] else None
        phone = ids["phone"][i] if ids["phone"][i] in used["phone"] else None
        email = ids["email"][i]
        style = rng.random()
        drop_cookie = rng.random() < 0.03
        drop_device = rng.random() < 0.03
        if drop_cookie and cookies:
            unlinked["cookie_id"] += len(cookies)
            cookies = []
        if drop_device and device is not None:
            unlinked["device_id"] += 1
            device = None
        if style < 0.2:  # one full row from the CRM
            rows.append(
                {
                    "cookie_id": cookies[0] if cookies else None,
                    "device_id": device,
                    "email": email,
                    "phone": phone,
                    "crm_id": crm,
                }
            )
            extra = cookies[1:]
        else:  # pairwise links, some only through the email address
            rows.append({"email": email, "crm_id": crm})
            if phone is not None:
                rows.append({"phone": phone, "crm_id": crm})
            if device is not None:
                key = ("email", email) if rng.random() < 0.5 else ("crm_id", crm)
                rows.append({"device_id": device, key[0]: key[1]})
            extra = cookies
        for c in extra:
            key = ("email", email) if rng.random() < 0.6 else ("crm_id", crm)
            rows.append({"cookie_id": c, key[0]: key[1]})
    xw = pd.DataFrame(rows, columns=["cookie_id", "device_id", "email", "phone", "crm_id"])
    order = rng.permutation(len(xw))
    xw = xw.iloc[order].reset_index(drop=True)
    xw.attrs["unlinked"] = unlinked
    return xw


# --------------------------------------------------------------------------- raw tables


def _fmt(ts: pd.Series, fmt: str) -> pd.Series:
    return ts.dt.strftime(fmt)


def raw_subset(frame: pd.DataFrame, truth: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events and truth of the customers the raw files hold (the first ``RAW_CUSTOMERS``)."""
    keep = frame["customer_id"].cat.categories[:RAW_CUSTOMERS]
    sub = frame[frame["customer_id"].isin(keep)].reset_index(drop=True)
    for col in ("case_id", "customer_id"):
        sub[col] = sub[col].cat.remove_unused_categories()
    return sub, truth[truth["customer_id"].isin(keep)].reset_index(drop=True)


#: The time column of each raw source table.
_TIME_COLUMN = {
    "web_events.csv": "event_time",
    "app_events.jsonl": "ts",
    "email_events.csv": "sent_at",
    "calls.csv": "call_start",
    "chat.csv": "started",
    "store_visits.csv": "visit_time",
    "tickets.csv": "created_at",
}


def raw_tables(
    frame: pd.DataFrame | None = None, truth: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """The raw per-source tables (dirty rows included) and the identity crosswalk.

    ``frame`` and ``truth`` are the whole sample; the tables hold the customers
    of :func:`raw_subset`. Each table has an ``attrs["dirty"]`` dict: reason ->
    number of planted rows.
    """
    if frame is None or truth is None:
        frame, truth = sample_frame()
    frame, truth = raw_subset(frame, truth)
    ids = _identities(frame, truth)
    rng = np.random.default_rng(_SEED + 2)
    cust = pd.Index(ids["customers"]).get_indexer(frame["customer_id"])
    case = frame["case_id"].cat.codes.to_numpy()
    activity = frame["activity"].astype(str)
    ts = frame["timestamp"]
    dept = frame["department"].astype(str)
    res = frame["resource"].astype(object)
    direction = frame["direction"].astype(str)
    channel = frame["channel"].astype(str)
    tables: dict[str, pd.DataFrame] = {}

    def rows_of(name: str) -> np.ndarray:
        return np.flatnonzero(activity.isin(RAW_SOURCES[name]).to_numpy())

    r = rows_of("web_events.csv")
    tables["web_events.csv"] = pd.DataFrame(
        {
            "cookie": ids["journey_cookie"][case[r]],
            "event_time": _fmt(ts.iloc[r], "%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "event_name": activity.iloc[r].to_numpy(),
            "page": activity.iloc[r].map(_PAGES).to_numpy(),
            "site_section": dept.iloc[r].to_numpy(),
        }
    )
    r = rows_of("app_events.jsonl")
    os_name = np.where(rng.random(len(ids["customers"])) < 0.55, "android", "ios")
    version = np.asarray(["3.2.0", "3.2.1", "3.3.0"], dtype=object)[
        np.searchsorted(
            pd.to_datetime(["2025-05-01", "2025-09-01"], utc=True).as_unit("ns").asi8,
            ts.iloc[r].array.asi8,
            side="right",
        )
    ]
    tables["app_events.jsonl"] = pd.DataFrame(
        {
            "device_id": ids["device"][cust[r]],
            "event": activity.iloc[r].to_numpy(),
            "ts": _fmt(ts.iloc[r].dt.tz_convert("Etc/GMT-1"), "%Y-%m-%dT%H:%M:%S+01:00").to_numpy(),
            "os": os_name[cust[r]],
            "app_version": version,
        }
    )
    r = rows_of("email_events.csv")
    tables["email_events.csv"] = pd.DataFrame(
        {
            "recipient": ids["email"][cust[r]],
            "sent_at": _fmt(ts.iloc[r], "%Y-%m-%d %H:%M:%S").to_numpy(),
            "campaign": activity.iloc[r].to_numpy(),
            "team": dept.iloc[r].to_numpy(),
        }
    )
    r = rows_of("calls.csv")
    tables["calls.csv"] = pd.DataFrame(
        {
            "phone_number": ids["phone"][cust[r]],
            "call_start": _fmt(ts.iloc[r], "%Y-%m-%dT%H:%M:%S+00:00").to_numpy(),
            "agent": res.iloc[r].to_numpy(),
            "call_reason": activity.iloc[r].to_numpy(),
            "duration_sec": np.round(rng.lognormal(np.log(420), 0.6, size=r.size)).astype(int),
        }
    )
    r = rows_of("chat.csv")
    is_transfer = activity.iloc[r].str.startswith("transfer").to_numpy()
    session = np.cumsum(~is_transfer)
    tables["chat.csv"] = pd.DataFrame(
        {
            "chat_id": session,
            "customer_email": ids["email"][cust[r]],
            "started": _fmt(ts.iloc[r], "%d/%m/%Y %H:%M:%S").to_numpy(),
            "topic": activity.iloc[r].to_numpy(),
            "team": dept.iloc[r].to_numpy(),
            "agent": res.iloc[r].to_numpy(),
            "direction": direction.iloc[r].to_numpy(),
        }
    )
    r = rows_of("store_visits.csv")
    local = ts.iloc[r].dt.tz_convert(_STORE_TZ)
    _check_unambiguous(local)
    tables["store_visits.csv"] = pd.DataFrame(
        {
            "store": np.asarray(_STORES, dtype=object)[rng.integers(len(_STORES), size=r.size)],
            "member_id": ids["customers"][cust[r]].to_numpy(),
            "visit_time": _fmt(local, "%Y-%m-%d %H:%M:%S").to_numpy(),
            "purpose": activity.iloc[r].to_numpy(),
            "staff": res.iloc[r].to_numpy(),
        }
    )
    r = rows_of("tickets.csv")
    act = activity.iloc[r].to_numpy()
    opener = act != "support reply"  # a reply belongs to the ticket just before it
    ticket = np.cumsum(opener)
    tables["tickets.csv"] = pd.DataFrame(
        {
            "ticket_id": ticket,
            "customer_no": ids["customers"][cust[r]].to_numpy(),
            "created_at": _fmt(ts.iloc[r], "%Y-%m-%dT%H:%M:%S.000Z").to_numpy(),
            "event": act,
            "channel": channel.iloc[r].to_numpy(),
            "department": dept.iloc[r].to_numpy(),
            "direction": direction.iloc[r].to_numpy(),
            "agent": res.iloc[r].to_numpy(),
        }
    )
    if sum(len(t) for t in tables.values()) != len(frame):
        raise RuntimeError("RAW_SOURCES does not cover every touchpoint exactly once")

    # chronological exports, then the planted dirty rows
    _sort_chronologically(tables, ts, rows_of)
    _plant_dirty_rows(tables, rng)

    used = {
        "cookie_id": set(tables["web_events.csv"]["cookie"]),
        "device_id": set(tables["app_events.jsonl"]["device_id"]),
        "phone": set(tables["calls.csv"]["phone_number"]),
    }
    tables["identities.csv"] = _crosswalk(frame, ids, used)
    return tables


def _sort_chronologically(tables: dict[str, pd.DataFrame], ts: pd.Series, rows_of: Any) -> None:
    """Each export in time order (ties in touchpoint order); chat and ticket numbers count up."""
    order_ns = {name: None for name in tables}
    for name in tables:
        src = rows_of(name)
        order_ns[name] = ts.iloc[src].array.asi8
    for name, table in tables.items():
        order = np.lexsort((np.arange(len(table)), order_ns[name]))
        tables[name] = table.iloc[order].reset_index(drop=True)
    # chat and ticket numbers count up in time order
    for name, col, prefix in (("chat.csv", "chat_id", "CH-"), ("tickets.csv", "ticket_id", "TCK-")):
        codes, _ = pd.factorize(tables[name][col])
        tables[name][col] = [f"{prefix}{100001 + c}" for c in codes]


def _plant_dirty_rows(tables: dict[str, pd.DataFrame], rng: np.random.Generator) -> None:
    """Plant the dirty rows (duplicates, missing and unparseable values) in place; each table's
    ``attrs["dirty"]`` counts them by reason."""
    dirty = {
        "web_events.csv": [("duplicate", None), ("missing_timestamp", "")],
        "email_events.csv": [
            ("missing_activity", "campaign"),
            ("unparseable_timestamp", "2025-02-30 10:00:00"),
        ],
        "chat.csv": [("unparseable_timestamp", "31/04/2025 10:15:00")],
        "store_visits.csv": [("missing_timestamp", "")],
        "tickets.csv": [("duplicate", None), ("missing_activity", "event")],
    }
    for name, plants in dirty.items():
        table = tables[name]
        counts: dict[str, int] = {}
        for reason, value in plants:
            pos = int(rng.integers(1, len(table) - 1))
            row = table.iloc[[pos]].copy()
            if reason in ("missing_timestamp", "unparseable_timestamp"):
                row[_TIME_COLUMN[name]] = value if value else None
            elif reason == "missing_activity":
                row[value] = None
            table = pd.concat(
                [table.iloc[: pos + 1], row, table.iloc[pos + 1 :]], ignore_index=True
            )
            counts[reason] = counts.get(reason, 0) + 1
        table.attrs["dirty"] = counts
        tables[name] = table
    for name in tables:
        tables[name].attrs.setdefault("dirty", {})


def _check_unambiguous(local: pd.Series) -> None:
    naive = local.dt.tz_localize(None)
    back = naive.dt.tz_localize(_STORE_TZ, ambiguous="NaT", nonexistent="NaT")
    if back.isna().any():
        raise RuntimeError(
            "a store visit falls in the repeated hour of a DST change; the naive local times "
            "of store_visits.csv would be ambiguous"
        )


def write_raw_samples(
    directory: Path = RAW_DIR,
    frame: pd.DataFrame | None = None,
    truth: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write the raw per-source files, the identity crosswalk and the README."""
    if frame is None or truth is None:
        frame, truth = sample_frame()
    tables = raw_tables(frame, truth)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, table in tables.items():
        path = directory / name
        if name.endswith(".jsonl"):
            lines = table.to_json(orient="records", lines=True, force_ascii=False)
            path.write_text(lines if lines.endswith("\n") else lines + "\n", encoding="utf-8")
        else:
            table.to_csv(path, index=False, lineterminator="\n")
        paths[name] = path
    readme = directory / "README.md"
    readme.write_text(_readme(frame, truth, tables), encoding="utf-8")
    paths["README.md"] = readme
    return paths


# --------------------------------------------------------------------------- README


def _readme(frame: pd.DataFrame, truth: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> str:
    frame, truth = raw_subset(frame, truth)
    n_rows = {k: len(v) for k, v in tables.items()}
    dirty = {k: v.attrs.get("dirty", {}) for k, v in tables.items() if k != "identities.csv"}
    total_dirty = sum(sum(d.values()) for d in dirty.values())
    by_reason: dict[str, int] = {}
    for d in dirty.values():
        for k, v in d.items():
            by_reason[k] = by_reason.get(k, 0) + v
    xw = tables["identities.csv"]
    unlinked = xw.attrs.get("unlinked", {})
    n_cust = frame["customer_id"].nunique()
    dirty_lines = "\n".join(
        f"| `{name}` | " + ", ".join(f"{v} {k}" for k, v in d.items()) + " |"
        for name, d in dirty.items()
        if d
    )
    reasons = ", ".join(f"{v} {k}" for k, v in sorted(by_reason.items()))
    sim = ", ".join(f"{k}={v!r}" for k, v in SAMPLE_SIMULATION.items())
    sizes = "\n".join(f"| `{k}` | {v:,} |" for k, v in n_rows.items())
    return f"""# Raw multichannel sample

<!-- Generated by `python -m journeymine.datasets._make_sample`; do not edit by hand. -->

The bundled sample (`journeymine.datasets.load_sample()`, generated by
`simulate(sample_model(), {sim})`) split into the raw exports a company would
have: one file per source system, each with its own column names, its own
customer identifier and its own timestamp format, plus an identity crosswalk.
To stay small they hold the first {n_cust:,} customers of the sample
(`C00000` to `C{n_cust - 1:05d}`, with all their journeys): exactly
{len(frame):,} events of {len(truth):,} journeys, plus {total_dirty} planted
dirty rows. Journey ids are **not** in the files: journeys are recovered by
loading each file, stitching identities with `identities.csv` (`jm.combine`),
and cutting each customer's events at 30 days of inactivity
(`jm.split_journeys(log, inactivity="30D")`). Inside a journey no wait exceeds
27 days and a customer's journeys are more than 30 days apart, so the cut is
exact. Activity labels are the sample's touchpoint names in every file.

| file | rows |
|---|---|
{sizes}

## Files

| file | format | customer identifier (crosswalk column) | activity | timestamp (format, zone) | other columns | constant labels |
|---|---|---|---|---|---|---|
| `web_events.csv` | CSV | `cookie` (`cookie_id`) | `event_name` | `event_time`: ISO 8601 with `Z`, UTC (`2025-03-01T09:30:00Z`) | `page` (URL path), `site_section` = department | channel `web`, direction `inbound`; no resource |
| `app_events.jsonl` | JSON lines | `device_id` (`device_id`) | `event` | `ts`: ISO 8601 with a `+01:00` offset (`2025-03-01T10:30:00+01:00` is 09:30 UTC) | `os`, `app_version` | channel `app`, department `onboarding`, direction `inbound`; no resource |
| `email_events.csv` | CSV | `recipient` (`email`) | `campaign` | `sent_at`: naive, **UTC** (`2025-03-01 09:30:00`) | `team` = department | channel `email`, direction `outbound`; no resource |
| `calls.csv` | CSV | `phone_number` (`phone`) | `call_reason` | `call_start`: ISO 8601 with `+00:00` | `agent` = resource, `duration_sec` | channel `phone`, department `support`, direction `inbound` |
| `chat.csv` | CSV | `customer_email` (`email`) | `topic` | `started`: day first, UTC (`01/03/2025 09:30:00`, format `%d/%m/%Y %H:%M:%S`) | `chat_id` (a transfer stays in its chat), `team` = department, `agent` = resource, `direction` | channel `chat` |
| `store_visits.csv` | CSV | `member_id` (`crm_id`) | `purpose` | `visit_time`: naive **local time, Europe/Amsterdam** (`tz="Europe/Amsterdam"`; no visit falls in a DST-repeated hour) | `store`, `staff` = resource | channel `store`, department `sales`, direction `inbound` |
| `tickets.csv` | CSV | `customer_no` (`crm_id`) | `event` | `created_at`: ISO 8601 with milliseconds and `Z` | `ticket_id` (a reply has the id of the ticket it answers), `channel`, `department`, `direction`, `agent` = resource | none |
| `identities.csv` | CSV | columns `cookie_id`, `device_id`, `email`, `phone`, `crm_id` | | | | |

Departments are marketing, sales, onboarding, support and billing; agents are
named `<department>-<k>` (e.g. `support-3`). Values of `direction` are
`inbound`, `outbound` or `internal` (the two chat transfers). Rows are in
time order per file.

## Identity crosswalk (`identities.csv`)

{len(xw):,} rows; each row links identifiers of one person, and links are
transitive: a cookie may be linked only to an email address in one row while
that email address is linked to the `crm_id` in another (likewise devices),
and about 20% of customers have one full row instead. `crm_id` equals the
sample's `customer_id` (`C00045`), so stitching with `primary="crm_id"` gives
back the sample's customers. About 10% of customers cleared their cookies:
their second and later journeys are on a second cookie, linked separately.
Never linked (no crosswalk row; their events stay an anonymous customer of
their own): {unlinked.get("cookie_id", 0)} cookies and
{unlinked.get("device_id", 0)} devices (about 3% of customers each).

## Planted dirty rows

{total_dirty} extra rows in all ({reasons}); without them the files hold
exactly the sample's events. Each is a copy of a real row next to it, changed
as listed, so a loader should reject exactly these rows, with these reasons:

| file | planted rows |
|---|---|
{dirty_lines}

`duplicate` is an exact copy of the row before it; `missing_timestamp` has an
empty timestamp; `unparseable_timestamp` has an impossible date (`2025-02-30
10:00:00` in `email_events.csv`, `31/04/2025 10:15:00` in `chat.csv`);
`missing_activity` has an empty activity column.

## Loading them

```python
import pandas as pd
import journeymine as jm

d = "data/samples/"
web = jm.read_csv(d + "web_events.csv", customer="cookie", activity="event_name",
                  timestamp="event_time", department="site_section",
                  labels={{"channel": "web", "direction": "inbound"}})
app = jm.read_json(d + "app_events.jsonl", customer="device_id", activity="event", timestamp="ts",
                   labels={{"channel": "app", "department": "onboarding", "direction": "inbound"}})
email = jm.read_csv(d + "email_events.csv", customer="recipient", activity="campaign",
                    timestamp="sent_at", department="team",
                    labels={{"channel": "email", "direction": "outbound"}})
calls = jm.read_csv(d + "calls.csv", customer="phone_number", activity="call_reason",
                    timestamp="call_start", resource="agent",
                    labels={{"channel": "phone", "department": "support", "direction": "inbound"}})
chat = jm.read_csv(d + "chat.csv", customer="customer_email", activity="topic",
                   timestamp="started", timestamp_format="%d/%m/%Y %H:%M:%S",
                   department="team", resource="agent", direction="direction",
                   labels={{"channel": "chat"}})
store = jm.read_csv(d + "store_visits.csv", customer="member_id", activity="purpose",
                    timestamp="visit_time", tz="{_STORE_TZ}", resource="staff",
                    labels={{"channel": "store", "department": "sales", "direction": "inbound"}})
tickets = jm.read_csv(d + "tickets.csv", customer="customer_no", activity="event",
                      timestamp="created_at", channel="channel", department="department",
                      direction="direction", resource="agent", keep=["ticket_id"])
ids = pd.read_csv(d + "identities.csv", dtype=str)
log = jm.combine([web, app, email, calls, chat, store, tickets], identities=ids,
                 keys=["cookie_id", "device_id", "email", "phone", "email", "crm_id", "crm_id"],
                 primary="crm_id")
journeys = jm.split_journeys(log, inactivity="30D")
```

## Ground truth

The planted patterns (drop-off, ping-pong, silent gaps, dead end, repeat
contacts, segment difference) and their rates are `journeymine.datasets.PLANTED`.
The events of these files with their true journey ids, and one row of truth per
journey (converted, ongoing, ping-pong, ...), are
`journeymine.datasets._make_sample.raw_subset(*journeymine.datasets._make_sample.sample_frame())`.
The customer attribute `acquisition` is only in the bundled parquet file.
"""


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the bundled parquet file and the raw sample files."""
    parser = argparse.ArgumentParser(
        prog="python -m journeymine.datasets._make_sample", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--package-file", type=Path, default=PACKAGE_FILE)
    parser.add_argument("--raw-dir", type=Path, default=RAW_DIR)
    parser.add_argument("--no-raw", action="store_true", help="only write the parquet file")
    args = parser.parse_args(argv)
    frame, truth = sample_frame()
    path = write_package_sample(args.package_file, frame, truth)
    print(f"{path}: {len(frame):,} events, {path.stat().st_size / 1e6:.2f} MB")
    if not args.no_raw:
        for p in write_raw_samples(args.raw_dir, frame, truth).values():
            print(f"{p}: {p.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
