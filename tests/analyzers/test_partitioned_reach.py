"""dropoffs, dead_ends and funnel on a PartitionedLog: the same tables as on the log in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm
from journeymine._partitioned import PartitionedLog, partition, slice_log
from journeymine.analyzers.reachability import _dead_ends
from journeymine.errors import GoalNotFoundError, InvalidParameterError, MissingColumnError

STEPS = ["visit homepage", "view pricing", "start trial", "purchase"]


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


def is_purchase(events: pd.DataFrame) -> pd.Series:
    """A goal predicate defined at module level (it pickles)."""
    return events["activity"] == "purchase"


class _OwnLabels:
    """Partitions each encoded on its own (own labels, own codes), as files are."""

    def __init__(self, logs: list[jm.JourneyLog]) -> None:
        self.logs = logs

    @property
    def n_partitions(self) -> int:
        return len(self.logs)

    def map(self, fn, args, progress):
        return [fn(log, *args) for log in self.logs]


def own_labels(log: jm.JourneyLog, cuts: list[int]) -> PartitionedLog:
    """``log`` cut at the journeys ``cuts``, each part with only the labels it uses."""
    logs = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        part = slice_log(log, a, b)
        ev = part.events
        for col in ev.columns:
            if col != "case_id" and isinstance(ev[col].dtype, pd.CategoricalDtype):
                ev[col] = ev[col].cat.remove_unused_categories()
        logs.append(part._replace(ev))
    return PartitionedLog._make(
        _OwnLabels(logs),
        name=log.name,
        columns=log.columns,
        n_events=len(log),
        n_cases=log.n_cases,
        rejected=None,
        kind="files",
    )


def _thirds(log: jm.JourneyLog) -> list[int]:
    n = log.n_cases
    return [0, n // 3, 2 * n // 3, n]


def _same(func, log, *args, cuts=None, **kw):
    """``func`` on ``log``, on its own-label partitions, equal to the last bit."""
    expected = func(log, *args, **kw)
    got = func(own_labels(log, cuts or _thirds(log)), *args, **kw)
    pdt.assert_frame_equal(got, expected, check_exact=True)
    return expected


# ---------------------------------------------------------------------- the sample
@pytest.mark.parametrize(
    "kw",
    [
        {"goal": "purchase"},
        {"goal": ["purchase", "start trial"]},
        {"goal": is_purchase},
        {"goal": lambda ev: ev["activity"].str.startswith("purchase")},
        {"goal": "purchase", "level": "channel"},
        {"goal": "purchase", "level": "department"},
    ],
    ids=["name", "names", "predicate", "lambda", "channel", "department"],
)
def test_dropoffs_on_partitions(sample, same_on_partitions, kw):
    out = same_on_partitions(jm.dropoffs, sample, **kw)
    assert len(out) > 0
    _same(jm.dropoffs, sample, **kw)


@pytest.mark.parametrize(
    "kw",
    [
        {"goal": "purchase"},
        {"goal": "purchase", "min_journeys": 1},
        {"goal": ["purchase", "start trial"], "level": "channel", "min_journeys": 1},
        {"goal": lambda ev: ev["activity"] == "purchase", "level": "department"},
        {"goal": is_purchase, "min_journeys": 5},
    ],
    ids=["name", "min1", "channel", "lambda", "predicate"],
)
def test_dead_ends_on_partitions(sample, same_on_partitions, kw):
    out = same_on_partitions(jm.dead_ends, sample, **kw)
    assert len(out) > 0
    _same(jm.dead_ends, sample, **kw)


def test_dead_ends_known_column_on_partitions(sample):
    """The private table pain_points reads (with ``known``) runs on partitions too."""
    expected = _dead_ends(sample, "purchase", 20, "activity", "pain_points")
    for plog in (partition(sample, partitions=3, workers=1), own_labels(sample, _thirds(sample))):
        got = _dead_ends(plog, "purchase", 20, "activity", "pain_points")
        pdt.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"mode": "direct"},
        {"mode": "any_order"},
        {"within": "3D"},
        {"within": "12h", "mode": "direct"},
        {"mode": "any_order", "within": "2D"},
        {"exclude": "call support"},
        {"exclude": ["call support", "view pricing"], "mode": "any_order"},
        {"optional": "start trial"},
        {"optional": ["view pricing", "start trial"], "within": "5D"},
        {"optional": "start trial", "mode": "any_order"},
        {"by": "acquisition"},
        {"by": "channel", "optional": "view pricing", "exclude": "call support"},
        {"top": None},
        {"top": 1},
    ],
)
def test_funnel_on_partitions(sample, same_on_partitions, kw):
    out = same_on_partitions(jm.funnel, sample, steps=STEPS, **kw)
    assert out["journeys"].iloc[0] > 0
    _same(jm.funnel, sample, STEPS, **kw)


def test_funnel_with_repeated_steps_on_partitions(sample, same_on_partitions):
    steps = ["view pricing", "view pricing", "purchase"]
    for mode in ("eventual", "direct", "any_order"):
        same_on_partitions(
            jm.funnel, sample, steps=steps, mode=mode, partitions=(3, 7), workers=(1,)
        )
        _same(jm.funnel, sample, steps, mode=mode)


# ---------------------------------------------------------------------- hand-written logs
def _log(rows, columns=("channel",), **kw) -> jm.JourneyLog:
    df = pd.DataFrame(rows, columns=["c", "a", "t", *columns])
    df["t"] = pd.to_datetime(df["t"])
    extra = {col: col for col in columns if col in ("channel", "department")}
    keep = [col for col in columns if col not in extra] or None
    return jm.from_pandas(df, case="c", activity="a", timestamp="t", keep=keep, **extra, **kw)


@pytest.fixture
def tricky() -> jm.JourneyLog:
    """Labels in one partition only, missing channels, ties, single-event journeys."""
    rows = [
        ("j01", "home", "2025-01-01 09:00", "web"),
        ("j01", "cart", "2025-01-01 09:05", None),
        ("j01", "buy", "2025-01-01 09:10", "web"),
        ("j02", "home", "2025-01-01 10:00", "app"),
        ("j02", "faq", "2025-01-01 10:30", "app"),
        ("j03", "home", "2025-01-02 09:00", None),
        ("j04", "cart", "2025-01-02 11:00", "web"),
        ("j04", "buy", "2025-01-02 11:20", "web"),
        ("j05", "home", "2025-01-03 09:00", "web"),
        ("j05", "cart", "2025-01-03 09:10", "web"),
        ("j05", "help", "2025-01-03 09:20", "phone"),
        ("j06", "home", "2025-01-03 12:00", "app"),
        ("j06", "cart", "2025-01-03 12:10", "app"),
        ("j06", "rare", "2025-01-03 12:20", "store"),
        ("j06", "buy", "2025-01-03 12:30", "store"),
        ("j07", "home", "2025-01-04 08:00", "web"),
        ("j07", "cart", "2025-01-04 08:10", "web"),
        ("j07", "help", "2025-01-04 08:20", "phone"),
        ("j07", "cart", "2025-01-04 08:30", "web"),
        ("j07", "buy", "2025-01-04 08:40", "web"),
        ("j08", "faq", "2025-01-05 08:00", None),
        ("j09", "home", "2025-01-05 09:00", "web"),
        ("j09", "cart", "2025-01-05 09:10", "web"),
        ("j10", "home", "2025-01-06 09:00", "app"),
        ("j10", "cart", "2025-01-06 09:30", "app"),
        ("j10", "buy", "2025-01-06 10:00", "app"),
    ]
    return _log(rows)


def _check_all(log, cuts, same_on_partitions, steps, goal="buy"):
    """Every function and most options, in-process (worker processes: the sample tests)."""

    def same(func, *args, **kw):
        same_on_partitions(func, log, *args, workers=(1,), **kw)
        _same(func, log, *args, cuts=cuts, **kw)

    for level in ("activity", "channel"):
        same(jm.dropoffs, goal=goal, level=level)
        same(jm.dead_ends, goal=goal, level=level, min_journeys=1)
    for kw in (
        {},
        {"mode": "direct"},
        {"mode": "any_order"},
        {"within": "15min"},
        {"exclude": "help"},
        {"optional": steps[1]},
        {"by": "channel"},
        {"by": "channel", "optional": steps[1], "mode": "any_order", "within": "1h"},
    ):
        same_on_partitions(jm.funnel, log, steps=steps, workers=(1,), **kw)
        _same(jm.funnel, log, steps, cuts=cuts, **kw)


def test_tricky_log_on_partitions(tricky, same_on_partitions):
    # "rare" and "store" occur only in j06 (one partition); j03 and j08 are single events
    same_on_partitions(jm.dead_ends, tricky, goal="buy", level="channel", min_journeys=1)
    same_on_partitions(jm.funnel, tricky, steps=["home", "cart", "buy"], by="channel")
    _check_all(tricky, [0, 4, 7, 10], same_on_partitions, ["home", "cart", "buy"])
    _check_all(tricky, [0, 1, 2, 9, 10], same_on_partitions, ["home", "cart", "rare", "buy"])


def test_ongoing_journeys_on_partitions(tricky, same_on_partitions):
    log = jm.split_journeys(tricky, inactivity="2D", observation_end="2025-01-07")
    assert 0 < log.cases["ongoing"].sum() < log.n_cases
    _check_all(log, _thirds(log), same_on_partitions, ["home", "cart", "buy"])


def test_a_step_or_goal_missing_from_some_partitions(tricky):
    # "rare" (a step, an excluded name, a goal) lives in the second partition only
    cuts = [0, 2, 7, 10]
    _same(jm.funnel, tricky, ["home", "rare", "buy"], cuts=cuts)
    _same(jm.funnel, tricky, ["rare", "buy"], cuts=cuts, mode="any_order")
    _same(jm.funnel, tricky, ["home", "buy"], cuts=cuts, exclude=["rare", "help"])
    _same(jm.dropoffs, tricky, goal="rare", cuts=cuts)
    _same(jm.dead_ends, tricky, goal=["rare", "faq"], min_journeys=1, cuts=cuts)


def test_ties_are_broken_by_name_as_in_memory(tricky):
    d = _same(jm.dropoffs, tricky, goal="buy", level="channel", cuts=[0, 3, 6, 10])
    assert d["touchpoint"].is_unique
    f = _same(jm.funnel, tricky, ["home", "cart", "buy"], top=None, cuts=[0, 5, 10])
    assert all(isinstance(x, list) for x in f["lost_next"])


def test_integer_segments_keep_their_numeric_order(tricky):
    ev = tricky.events
    tiers = dict(enumerate([2, 10, 2, 10, 1, 2, 10, 1, 2, 10], start=1))
    tiers = {f"j{i:02d}": t for i, t in tiers.items()}
    ev["tier"] = ev["case_id"].astype(str).map(tiers).astype(int)
    df = ev.rename(columns={"case_id": "c", "activity": "a", "timestamp": "t"})
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", keep=["tier"])
    out = _same(jm.funnel, log, ["home", "cart", "buy"], by="tier", cuts=[0, 3, 6, 10])
    assert set(out["tier"]) == {"1", "2", "10"}


def test_empty_results_on_partitions(tricky, same_on_partitions):
    d = same_on_partitions(jm.dead_ends, tricky, goal="buy", min_journeys=1000)
    assert d.empty
    f = same_on_partitions(jm.funnel, tricky, steps=["faq", "buy"], mode="direct")
    assert f["journeys"].tolist() == [2, 0]
    f = same_on_partitions(jm.funnel, tricky, steps=["buy", "home"], within="1min")
    assert f["journeys"].tolist() == [5, 0]
    # a level column without any value: no touchpoints
    ev = tricky.events
    ev["department"] = pd.Series([None] * len(ev), dtype=object)
    df = ev.rename(columns={"case_id": "c", "activity": "a", "timestamp": "t"})
    log = jm.from_pandas(df, case="c", activity="a", timestamp="t", department="department")
    d = same_on_partitions(jm.dropoffs, log, goal="buy", level="department")
    assert d.empty


# ---------------------------------------------------------------------- errors and provenance
def _message(func, *args, **kw) -> tuple[type, str]:
    with pytest.raises(Exception) as info:
        func(*args, **kw)
    return type(info.value), str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda log: jm.dropoffs(log, goal="purchse"),
        lambda log: jm.dead_ends(log, goal=["purchase", "nope"]),
        lambda log: jm.funnel(log, ["visit homepage", "view pricng"]),
        lambda log: jm.funnel(log, STEPS, exclude="call suport"),
        lambda log: jm.dropoffs(log, goal="purchase", level="stage"),
        lambda log: jm.funnel(log, STEPS, by="segmnet"),
        lambda log: jm.funnel(log, STEPS, optional="visit homepage"),
        lambda log: jm.funnel(log, STEPS, within="-1D"),
    ],
)
def test_errors_are_the_same_on_partitions(sample, call):
    expected = _message(call, sample)
    assert expected[0] in (GoalNotFoundError, MissingColumnError, InvalidParameterError)
    assert _message(call, partition(sample, partitions=3, workers=2)) == expected
    assert _message(call, own_labels(sample, _thirds(sample))) == expected


def test_results_on_partitions_carry_their_provenance(sample):
    plog = partition(sample, partitions=2, workers=1)
    table = jm.dropoffs(plog, goal="purchase")
    info = table.attrs["journeymine"]
    assert info["analysis"] == "dropoffs" and info["params"]["goal"] == "purchase"
    assert info["log"] is None  # no log in memory behind it
    assert jm.funnel(plog, STEPS, by="channel").attrs["journeymine"]["params"]["by"] == "channel"


# ---------------------------------------------------------------------- a real log
def test_real_logs_on_partitions(real_data, same_on_partitions):
    df = pd.read_csv(real_data / "receipt.csv.gz")
    df = df[["case:concept:name", "concept:name", "time:timestamp", "org:group"]]
    log = jm.from_pandas(
        df,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
    )
    goal = "Confirmation of receipt"
    for level in ("activity", "department"):
        same_on_partitions(jm.dropoffs, log, goal=goal, level=level, partitions=(1, 3, 7))
        same_on_partitions(jm.dead_ends, log, goal=goal, level=level, partitions=(1, 3, 7))
        _same(jm.dead_ends, log, goal=goal, level=level, min_journeys=1)
    steps = [str(x) for x in log.events["activity"].value_counts().index[:3]]
    for kw in ({}, {"mode": "any_order"}, {"within": "1D"}, {"by": "department"}):
        same_on_partitions(jm.funnel, log, steps=steps, partitions=(2, 7), **kw)
        _same(jm.funnel, log, steps, **kw)

    bpic = jm.read_xes(real_data / "bpic2012.xes.gz")
    steps = ["A_SUBMITTED", "A_PREACCEPTED", "A_ACCEPTED", "A_FINALIZED", "A_APPROVED"]
    out = same_on_partitions(jm.funnel, bpic, steps=steps, partitions=(3, 7))
    assert out["journeys"].tolist() == [13087, 7367, 5113, 5015, 2246]
    same_on_partitions(
        jm.funnel, bpic, steps=steps, partitions=(3,), within="30D", optional="A_FINALIZED"
    )
    same_on_partitions(jm.dead_ends, bpic, goal="A_APPROVED", partitions=(3,))
    assert np.isfinite(jm.dropoffs(partition(bpic, partitions=4), goal="A_APPROVED")["lost"]).all()
