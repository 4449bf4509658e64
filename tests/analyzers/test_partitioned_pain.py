"""jm.pain_points on a PartitionedLog: the same table as on the log in memory, to the last bit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm

T0 = pd.Timestamp("2025-01-01")


def _quiet(func):
    def run(log, **kw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jm.DataQualityWarning)
            return func(log, **kw)

    return run


pain = _quiet(jm.pain_points)


@pytest.fixture(scope="module")
def sample():
    return jm.datasets.load_sample()


def test_sample_default(sample, same_on_partitions):
    p = same_on_partitions(pain, sample, goal="purchase")
    assert len(p)


@pytest.mark.parametrize("rank", ["conversions", "time", "effort"])
def test_sample_ranks(sample, same_on_partitions, rank):
    same_on_partitions(pain, sample, partitions=(3,), workers=(1,), goal="purchase", rank=rank)


@pytest.mark.parametrize(
    "kw",
    [
        {"after_goal": None},
        {"after_goal": "3D", "min_journeys": 5},
        {"level": "channel"},
        {"baselines": [{"from": "visit homepage", "to": "view pricing", "wait": "2D"}]},
        {"goal": ["purchase", "start trial"], "window": "2D", "self_service": None},
    ],
)
def test_sample_settings(sample, same_on_partitions, kw):
    kw = {"goal": "purchase", **kw}
    same_on_partitions(pain, sample, partitions=(2, 7), workers=(1,), **kw)


def test_partitioned_table_refuses_a_drill_down(sample):
    p = pain(jm.partition(sample, partitions=2, workers=1), goal="purchase")
    assert p.attrs["journeymine"]["analysis"] == "pain_points"
    with pytest.raises(jm.InvalidParameterError):
        jm.affected_journeys(sample, p.iloc[0])


# --------------------------------------------------------------------------- planted logs
def planted_log(n: int = 2000, seed: int = 7) -> jm.JourneyLog:
    """As tests/analyzers/test_pain_points.py: a billing -> support -> billing ping-pong."""
    rng = np.random.default_rng(seed)
    bounce = rng.random(n) < 0.25
    drop = rng.random(n) < 0.30
    help_page = rng.random(n) < 0.10
    rows = []
    for i in range(n):
        t = T0 + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 60)))
        steps = [
            ("visit", "web", "marketing", "inbound"),
            ("invoice question", "phone", "billing", "inbound"),
        ]
        if bounce[i]:
            steps += [
                ("transfer to support", "phone", "support", "internal"),
                ("transfer to billing", "phone", "billing", "internal"),
            ]
        steps += [
            ("invoice answer", "email", "billing", "outbound"),
            ("checkout", "web", "sales", "inbound"),
        ]
        if help_page[i] and drop[i]:
            steps.append(("help page", "web", "support", "inbound"))
        elif not drop[i]:
            steps.append(("purchase", "web", "sales", "inbound"))
        for act, ch, dep, d in steps:
            t = t + pd.Timedelta(minutes=float(rng.lognormal(3.0, 0.8)))
            rows.append((f"j{i:05d}", act, t, ch, dep, d))
    df = pd.DataFrame(rows, columns=["c", "a", "t", "ch", "dep", "dir"])
    return jm.from_pandas(
        df, case="c", activity="a", timestamp="t", channel="ch", department="dep", direction="dir"
    )


def after_goal_frame(n: int = 1200, seed: int = 11, share: float = 0.3) -> pd.DataFrame:
    """As tests/analyzers/test_pain_points.py: calls after buying A, in later journeys."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        who = f"c{i:05d}"
        t = T0 + pd.Timedelta(minutes=int(rng.integers(0, 60 * 24 * 200)))
        rows += [(who, "visit", t, "web", "inbound"), (who, "view product", t, "web", "inbound")]
        r = rng.random()
        if r < 0.1:
            rows.append((who, "call support", t + pd.Timedelta("1h"), "phone", "inbound"))
            continue
        if r > 0.8:
            continue
        product = "buy A" if r < 0.5 else "buy B"
        tb = t + pd.Timedelta("2h")
        rows += [
            (who, product, tb, "web", "inbound"),
            (who, "receipt", tb + pd.Timedelta("1min"), "email", "outbound"),
        ]
        if product == "buy A" and rng.random() < share:
            for _ in range(1 + int(rng.random() < 0.4)):
                day = float(rng.uniform(0.5, 9.5))
                rows.append((who, "call support", tb + pd.Timedelta(days=day), "phone", "inbound"))
        elif product == "buy A" and rng.random() < 0.05:
            rows.append((who, "call support", tb + pd.Timedelta("20D"), "phone", "inbound"))
    return pd.DataFrame(rows, columns=["who", "tp", "t", "ch", "dir"])


def after_goal_log() -> jm.JourneyLog:
    df = after_goal_frame()
    log = jm.from_pandas(
        df, customer="who", activity="tp", timestamp="t", channel="ch", direction="dir"
    )
    return jm.split_journeys(log, end_at=["buy A", "buy B"])


def test_planted_ping_pong(same_on_partitions):
    p = same_on_partitions(pain, planted_log(), partitions=(1, 3, 7), goal="purchase")
    assert p["kind"].str.contains("ping_pong").any()


def test_post_goal_contacts_across_partitions(same_on_partitions):
    # a customer's calls after buying are in later journeys, often in another partition
    log = after_goal_log()
    p = same_on_partitions(
        pain, log, partitions=(2, 5, 9), goal=["buy A", "buy B"], after_goal="10D"
    )
    assert (p["kind"] == "post_goal_contact").any()


def test_ongoing_journeys_and_an_empty_result(same_on_partitions):
    log = planted_log(300)
    end = log.events["timestamp"].max() - pd.Timedelta("3D")
    cut = jm.split_journeys(log, inactivity="90D", observation_end=end)
    assert cut.cases["ongoing"].any()
    same_on_partitions(pain, cut, partitions=(2, 3), workers=(1,), goal="purchase")
    empty = same_on_partitions(
        pain, log, partitions=(2,), workers=(1,), goal="purchase", min_journeys=10_000
    )
    assert not len(empty)


def test_unknown_goal_raises_on_partitions(sample):
    with pytest.raises(jm.GoalNotFoundError):
        jm.pain_points(jm.partition(sample, partitions=3, workers=1), goal="purchse")


# --------------------------------------------------------------------------- Parquet partitions
def test_scan_parquet_partitions(tmp_path):
    # hash partitions: journeys are not in log order, each file has its own labels
    df = after_goal_frame(600)
    planted = planted_log(400).events[
        ["case_id", "activity", "timestamp", "channel", "department", "direction"]
    ]
    planted = planted.assign(customer_id=planted["case_id"].astype(str))
    df = df.rename(columns={"who": "customer_id", "tp": "activity", "t": "timestamp"})
    df = df.rename(columns={"ch": "channel", "dir": "direction"})
    df["case_id"] = df["customer_id"]
    df["department"] = np.where(df["channel"] == "phone", "support", "sales")
    frame = pd.concat([df, planted.astype({c: object for c in planted.columns[:1]})])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    for c in ("case_id", "activity", "channel", "department", "direction", "customer_id"):
        frame[c] = frame[c].astype(str)
    path = tmp_path / "events.parquet"
    frame.to_parquet(path, index=False)
    mapping = dict(
        case="case_id",
        activity="activity",
        timestamp="timestamp",
        channel="channel",
        department="department",
        direction="direction",
        customer="customer_id",
    )
    log = jm.read_parquet(path, **mapping)
    for goal in ("purchase", ["purchase", "buy A"]):
        want = pain(log, goal=goal, after_goal="10D", min_journeys=10)
        assert len(want)
        for p, w in ((3, 1), (5, 2)):
            plog = jm.scan_parquet(path, partitions=p, workers=w, **mapping)
            got = pain(plog, goal=goal, after_goal="10D", min_journeys=10)
            pdt.assert_frame_equal(got, want, check_exact=True)


# --------------------------------------------------------------------------- real data
def test_real_receipt(real_data, same_on_partitions):
    cols = ["case:concept:name", "concept:name", "time:timestamp", "org:group"]
    df = pd.read_csv(real_data / "receipt.csv.gz")[cols]
    log = jm.from_pandas(
        df,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
    )
    goal = "Confirmation of receipt"
    assert len(same_on_partitions(pain, log, partitions=(3, 7), workers=(2,), goal=goal))


def test_real_helpdesk(real_data, same_on_partitions):
    plain = jm.read_xes(real_data / "helpdesk.xes.gz", department="org:resource")
    assert not plain.events["direction"].notna().any()
    ruled = jm.classify_direction(plain, "process")
    same_on_partitions(pain, plain, partitions=(3,), workers=(2,), goal="Closed")
    same_on_partitions(pain, ruled, partitions=(2, 5), workers=(2,), goal="Closed")
