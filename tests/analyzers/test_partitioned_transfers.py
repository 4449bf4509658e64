"""handoffs, loops and repeat_contacts on a PartitionedLog: the same tables as in memory.

Partitions of one log in memory (jm.partition: the log's own categories) and partitions
loaded one by one (jm.scan_parquet: each partition its own labels, journeys hashed to
partitions), on the sample, on small logs with the tricky cases, and on real logs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm
from journeymine.analyzers._parts_transfers import ordered_union

T0 = pd.Timestamp("2025-01-01 09:00")
COLS = ["department", "direction", "channel", "resource"]
MAPPING = {
    "case": "case",
    "activity": "activity",
    "timestamp": "timestamp",
    "department": "department",
    "direction": "direction",
    "channel": "channel",
    "resource": "resource",
}


def bought(events: pd.DataFrame) -> pd.Series:
    """A goal predicate (module level: it is pickled to the workers)."""
    return events["activity"] == "buy"


def _at(hours: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(hours=hours)


def _rows() -> list[tuple]:
    """Ten journeys with the tricky cases (see the comments)."""
    return [
        # a: support -> billing -> support (a ping-pong) -> sales, inbound contacts; buys
        ("a", "question", _at(0), "support", "inbound", "chat", "r1"),
        ("a", "browse", _at(1), None, "inbound", "web", None),  # no department: skipped
        ("a", "transfer", _at(2), "billing", "internal", "chat", "r2"),
        ("a", "transfer back", _at(3), "support", "internal", "chat", "r1"),
        ("a", "call", _at(4), "support", "inbound", "phone", "r1"),
        ("a", "buy", _at(5), "sales", "inbound", "web", "r3"),
        # b: a single event
        ("b", "buy", _at(0), "sales", "inbound", "web", "r3"),
        # c: ties in time, a missing department, a loop on "question"
        ("c", "question", _at(0), "support", "inbound", "email", "r1"),
        ("c", "question", _at(0), "billing", "inbound", "email", "r2"),
        ("c", "note", _at(0), None, None, None, None),
        ("c", "question", _at(2), "support", "inbound", "chat", "r1"),
        ("c", "question", _at(2), "support", "inbound", "phone", "r4"),
        # d: the only journey with "legal" (one partition has it) and a repeat chain
        ("d", "letter", _at(0), "legal", "inbound", "post", "r9"),
        ("d", "call", _at(24), "support", "inbound", "phone", "r1"),
        ("d", "call", _at(48), "support", "inbound", "phone", "r1"),
        ("d", "call", _at(400), "legal", "inbound", "phone", "r9"),
        # e: no department and no direction at all
        ("e", "browse", _at(0), None, None, "web", None),
        ("e", "browse", _at(1), None, None, "web", None),
        # f: self-loops and returns, a month-long gap
        ("f", "form", _at(0), "sales", "outbound", "email", "r3"),
        ("f", "form", _at(1), "sales", "inbound", "web", "r3"),
        ("f", "help", _at(2), "support", "inbound", "chat", "r1"),
        ("f", "form", _at(720), "sales", "inbound", "app", "r3"),
        ("f", "buy", _at(721), "sales", "inbound", "web", "r3"),
        # g, h: the same handoff twice, equal delays (ties in the medians)
        ("g", "question", _at(0), "support", "inbound", "chat", "r1"),
        ("g", "transfer", _at(3), "billing", "internal", "chat", "r2"),
        ("h", "question", _at(0), "support", "inbound", "chat", "r1"),
        ("h", "transfer", _at(3), "billing", "internal", "chat", "r2"),
        ("h", "answer", _at(5), "billing", "outbound", "email", "r2"),
        # i, j: recent journeys (ongoing after split_journeys with an observation end)
        ("i", "question", _at(1000), "support", "inbound", "chat", "r1"),
        ("i", "transfer", _at(1001), "billing", "internal", "chat", "r2"),
        ("j", "question", _at(1000), "billing", "inbound", "phone", "r2"),
        ("j", "question", _at(1002), "billing", "inbound", "phone", "r2"),
    ]


@pytest.fixture(scope="module")
def tricky() -> jm.JourneyLog:
    df = pd.DataFrame(_rows(), columns=["case", "activity", "timestamp", *COLS])
    log = jm.from_pandas(df, **MAPPING)
    return jm.split_journeys(log, inactivity="20D", observation_end=_at(1010))


@pytest.fixture(scope="module")
def sample() -> jm.JourneyLog:
    return jm.datasets.load_sample()


def _random_frame(seed: int, n_cases: int = 240) -> pd.DataFrame:
    """Journeys of random length with missing values, ties in time and integer resources."""
    rng = np.random.default_rng(seed)
    n = rng.integers(1, 12, size=n_cases)
    case = np.repeat(np.arange(n_cases), n)
    m = len(case)

    def pick(values, p_missing):
        out = np.asarray(values, dtype=object)[rng.integers(0, len(values), m)]
        out[rng.random(m) < p_missing] = None
        return out

    hours = np.cumsum(rng.choice([0, 0, 1, 2, 30, 400], size=m))
    return pd.DataFrame(
        {
            "case": [f"c{c:04d}" for c in case],
            "activity": pick([f"step {k}" for k in range(9)] + ["buy"], 0.0),
            "timestamp": T0 + pd.to_timedelta(hours, unit="h"),
            "department": pick(["support", "billing", "sales", "legal", "ops"], 0.15),
            "direction": pick(["inbound", "inbound", "outbound", "internal"], 0.1),
            "channel": pick(["web", "app", "phone", "chat", "email"], 0.1),
            # integers: sorted numerically (2 before 10), not as text
            "resource": rng.choice([2, 3, 10, 11, 25, 100], size=m),
        }
    )


# ---------------------------------------------------------------------- the sample
HANDOFFS = [
    {},
    {"goal": "purchase"},
    {"goal": ["purchase", "start trial"], "min_handoffs": 3},
    {"goal": bought, "window": "2D"},
    {"level": "channel", "self_service": None},
    {"level": "resource", "goal": "purchase", "min_handoffs": 1},
    {"level": "activity", "window": "1h", "self_service": ["web"]},
]
LOOPS = [{}, {"level": "channel"}, {"level": "department"}, {"level": "resource"}]
REPEATS = [
    {},
    {"chains": True},
    {"window": "30D", "level": "activity"},
    {"window": "1D", "level": "department", "self_service": None, "chains": True},
    {"window": "12h", "level": "resource"},
]


@pytest.mark.parametrize("kw", HANDOFFS)
def test_handoffs_on_the_sample(sample, same_on_partitions, kw):
    same_on_partitions(jm.handoffs, sample, **kw)


@pytest.mark.parametrize("kw", LOOPS)
def test_loops_on_the_sample(sample, same_on_partitions, kw):
    same_on_partitions(jm.loops, sample, **kw)


@pytest.mark.parametrize("kw", REPEATS)
def test_repeat_contacts_on_the_sample(sample, same_on_partitions, kw):
    same_on_partitions(jm.repeat_contacts, sample, **kw)


# ---------------------------------------------------------------------- tricky small logs
def test_tricky_log_has_what_the_tests_need(tricky):
    assert tricky._ongoing.sum() >= 2  # i and j may still continue
    h = jm.handoffs(tricky, goal="buy")
    assert {"legal"} <= set(h["from"]) and h["ping_pongs"].sum() >= 1


TRICKY_HANDOFFS = [
    {},
    {"goal": "buy"},
    {"goal": bought, "level": "resource"},
    {"goal": ["buy", "letter"], "window": "1D", "level": "channel"},
]


@pytest.mark.parametrize("kw", TRICKY_HANDOFFS)
def test_handoffs_on_tricky_journeys(tricky, same_on_partitions, kw):
    same_on_partitions(jm.handoffs, tricky, partitions=(1, 2, 3, 5, 10), **kw)


@pytest.mark.parametrize("kw", LOOPS)
def test_loops_on_tricky_journeys(tricky, same_on_partitions, kw):
    same_on_partitions(jm.loops, tricky, partitions=(1, 2, 3, 5, 10), **kw)


@pytest.mark.parametrize("kw", [*REPEATS, {"window": "100D", "chains": True, "self_service": None}])
def test_repeat_contacts_on_tricky_journeys(tricky, same_on_partitions, kw):
    same_on_partitions(jm.repeat_contacts, tricky, partitions=(1, 2, 3, 5, 10), **kw)


@pytest.mark.parametrize("seed", [0, 1])
def test_random_logs(same_on_partitions, seed):
    log = jm.from_pandas(_random_frame(seed), **MAPPING)
    for kw in HANDOFFS[:2] + HANDOFFS[4:5]:
        kw = {**kw, "goal": "buy"} if "goal" in kw else kw
        same_on_partitions(jm.handoffs, log, partitions=(3, 7), **kw)
    same_on_partitions(jm.handoffs, log, partitions=(3, 7), level="resource", goal="buy")
    same_on_partitions(jm.loops, log, partitions=(3, 7))
    for kw in REPEATS:
        same_on_partitions(jm.repeat_contacts, log, partitions=(3, 7), **kw)


def test_a_goal_in_one_partition_only(tricky, same_on_partitions):
    # "letter" occurs in journey d only
    got = same_on_partitions(jm.handoffs, tricky, partitions=(10,), goal="letter")
    assert got["conversion_with"].notna().any()


def test_empty_results(make_log, same_on_partitions):
    rows = [
        ("a", "x", "2025-01-01 10:00", "support", "inbound", "chat"),
        ("b", "y", "2025-01-01 11:00", "support", "outbound", "chat"),
        ("c", "x", "2025-01-02 10:00", "billing", "inbound", "chat"),
    ]
    log = make_log(rows, columns=["department", "direction", "channel"])
    assert same_on_partitions(jm.handoffs, log, goal="x").empty
    assert same_on_partitions(jm.loops, log).empty
    assert same_on_partitions(jm.repeat_contacts, log).empty
    assert same_on_partitions(jm.repeat_contacts, log, chains=True).empty


# ---------------------------------------------------------------------- errors and warnings
def _same_error(func, log, exc, **kw):
    with pytest.raises(exc) as want:
        func(log, **kw)
    for p, w in [(1, 1), (3, 1), (3, 2)]:
        with pytest.raises(exc) as got:
            func(jm.partition(log, partitions=p, workers=w), **kw)
        assert str(got.value) == str(want.value)


def test_the_same_errors(tricky, make_log):
    _same_error(jm.handoffs, tricky, jm.MissingColumnError, level="departmnt")
    _same_error(jm.loops, tricky, jm.MissingColumnError, level="stage")
    _same_error(jm.repeat_contacts, tricky, jm.MissingColumnError, level="nope")
    _same_error(jm.handoffs, tricky, jm.GoalNotFoundError, goal=["buy", "by"])
    bare = make_log([("a", "x", "2025-01-01"), ("a", "y", "2025-01-02"), ("b", "x", "2025-01-03")])
    _same_error(jm.handoffs, bare, jm.MissingColumnError)  # no department values
    _same_error(jm.repeat_contacts, bare, jm.MissingColumnError, level="department")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jm.DataQualityWarning)
        _same_error(jm.repeat_contacts, bare, jm.MissingColumnError)  # no direction values


def test_a_lambda_goal_is_refused_with_advice(tricky):
    plog = jm.partition(tricky, partitions=2, workers=2)
    with pytest.raises(jm.InvalidParameterError, match="module-level function"):
        jm.handoffs(plog, goal=lambda ev: ev["activity"] == "buy")


def _messages(run) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = run()
    return out, [str(w.message) for w in caught if issubclass(w.category, jm.DataQualityWarning)]


def test_the_same_warnings(make_log):
    rows = [
        ("a", "x", "2025-01-01 10:00", "support", "inbound"),
        ("a", "y", "2025-01-01 11:00", "billing", "inbound"),
        ("b", "x", "2025-01-02 10:00", "billing", "inbound"),
        ("b", "x", "2025-01-02 12:00", "support", "inbound"),
    ]
    no_channel = make_log(rows, columns=["department", "direction"])
    no_direction = make_log([r[:4] for r in rows], columns=["department"])
    cases = [
        (jm.repeat_contacts, no_channel, {}),  # grouped by touchpoint instead
        (jm.handoffs, no_direction, {"window": "1D"}),  # repeat contacts cannot be found
    ]
    for func, log, kw in cases:
        want, want_msgs = _messages(lambda func=func, log=log, kw=kw: func(log, **kw))
        assert want_msgs
        for p in (1, 2):
            plog = jm.partition(log, partitions=p, workers=1)
            got, msgs = _messages(lambda func=func, plog=plog, kw=kw: func(plog, **kw))
            assert msgs == want_msgs
            pdt.assert_frame_equal(got, want, check_exact=True)


def test_direction_in_some_partitions_only(make_log, same_on_partitions):
    rows = [
        ("a", "x", "2025-01-01 10:00", "support", None, "chat"),
        ("a", "y", "2025-01-01 11:00", "billing", None, "chat"),
        ("b", "x", "2025-01-02 10:00", "support", "inbound", "chat"),
        ("b", "y", "2025-01-02 12:00", "billing", "internal", "phone"),
        ("b", "z", "2025-01-02 13:00", "billing", "inbound", "phone"),
    ]
    log = make_log(rows, columns=["department", "direction", "channel"])
    same_on_partitions(jm.handoffs, log, window="1D")
    same_on_partitions(jm.repeat_contacts, log)


def test_tables_of_a_partitioned_log_say_what_made_them(tricky):
    h = jm.handoffs(jm.partition(tricky, partitions=2, workers=1), goal="buy")
    info = h.attrs["journeymine"]
    assert info["analysis"] == "handoffs" and info["params"]["goal"] == "buy"
    with pytest.raises(jm.InvalidParameterError, match="another log"):
        jm.affected_journeys(tricky, h.iloc[0])


# ---------------------------------------------------------------------- partitions with own labels
def _same_on_files(tmp_path, frame, mapping, calls, partitions=(2, 5), workers=(1, 2)):
    path = tmp_path / "events.parquet"
    frame.to_parquet(path)
    log = jm.read_parquet(path, **mapping)
    for p in partitions:
        for w in workers:
            plog = jm.scan_parquet(path, partitions=p, workers=w, **mapping)
            for func, kw in calls:
                pdt.assert_frame_equal(func(plog, **kw), func(log, **kw), check_exact=True)
    return log


def test_partitions_with_their_own_labels(tmp_path):
    calls = [
        (jm.handoffs, {"goal": "buy"}),
        (jm.handoffs, {"level": "resource", "goal": bought}),  # integer labels
        (jm.handoffs, {"level": "channel", "window": "3h"}),
        (jm.loops, {}),
        (jm.loops, {"level": "resource"}),
        (jm.repeat_contacts, {}),
        (jm.repeat_contacts, {"level": "resource", "chains": True}),
    ]
    frame = _random_frame(7, 300)
    # resources of one event each: the partitions' label sets differ
    frame.loc[[3, 100], "resource"] = [7, 1000]
    log = _same_on_files(tmp_path, frame, MAPPING, calls)
    h = jm.handoffs(log, level="resource")
    assert {"2", "7", "10", "1000"} <= set(h["from"]) | set(h["to"])


def test_ordered_union_follows_the_partitions():
    # integers sorted numerically, text as text, an ordered categorical as it says
    assert ordered_union([["2", "10"], ["3", "100"]])[0] == ["2", "3", "10", "100"]
    assert ordered_union([["10", "2"], ["3"]])[0] == ["10", "2", "3"]
    assert ordered_union([["b", "a"], ["c", "a"]])[0] == ["b", "c", "a"]
    labels, maps = ordered_union([["x", "y"], ["x", "y"]])
    assert labels == ["x", "y"] and [m.tolist() for m in maps] == [[0, 1], [0, 1]]


# ---------------------------------------------------------------------- real logs
@pytest.mark.filterwarnings("ignore:repeat_contacts. the log has no 'channel' values")
def test_real_process_logs(real_data, same_on_partitions):
    df = pd.read_csv(real_data / "receipt.csv.gz")
    df = df[["case:concept:name", "concept:name", "time:timestamp", "org:group", "org:resource"]]
    receipt = jm.from_pandas(
        df,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
        resource="org:resource",
    )
    goal = "Confirmation of receipt"
    kw = {"partitions": (1, 3, 7), "workers": (2,)}
    same_on_partitions(jm.handoffs, receipt, goal=goal, **kw)
    same_on_partitions(jm.handoffs, receipt, level="resource", min_handoffs=5, **kw)
    same_on_partitions(jm.loops, receipt, **kw)
    helpdesk = jm.read_xes(real_data / "helpdesk.xes.gz", department="org:resource")
    same_on_partitions(jm.handoffs, helpdesk, goal="Closed", **kw)
    same_on_partitions(jm.loops, helpdesk, **kw)
    process = jm.classify_direction(helpdesk, "process")  # inbound events: repeat contacts
    same_on_partitions(jm.repeat_contacts, process, window="30D", level="activity", **kw)
    same_on_partitions(jm.repeat_contacts, process, chains=True, **kw)


def test_real_complaints_with_channel_codes(real_data, tmp_path):
    # integer channel codes, journeys of customers; scanned into partitions of their own
    frame = pd.read_csv(real_data / "BPI2016_Complaints.csv", sep=";", encoding="latin-1")
    frame = frame[["CustomerID", "ComplaintTopic_EN", "ContactDate", "ContactChannelID"]].copy()
    frame["ContactDate"] = pd.to_datetime(frame["ContactDate"])
    frame["direction"] = "inbound"
    mapping = {
        "case": "CustomerID",
        "activity": "ComplaintTopic_EN",
        "timestamp": "ContactDate",
        "channel": "ContactChannelID",
        "direction": "direction",
    }
    calls = [
        (jm.repeat_contacts, {"window": "60D"}),
        (jm.repeat_contacts, {"window": "60D", "chains": True}),
        (jm.handoffs, {"level": "channel", "min_handoffs": 2}),
        (jm.loops, {"level": "channel"}),
    ]
    _same_on_files(tmp_path, frame, mapping, calls, partitions=(3,), workers=(2,))
