"""Real public logs in the shapes users have: no direction, no channel, departments from groups.

Each shape is a real log of ``../shared/data/real/`` with columns removed, the way process
exports, CRM and ticketing dumps arrive. On every shape the report and the batch run must
succeed, every pain point must cost something in at least one currency, and every row of
every findings table must lead back to the journeys behind it. The tests skip when the
real logs are absent.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import journeymine as jm

pytestmark = [pytest.mark.slow, pytest.mark.realdata]

CURRENCIES = ("conversions_lost", "hours_lost", "extra_effort")


def _receipt(real_data, department: str) -> jm.JourneyLog:
    df = pd.read_csv(real_data / "receipt.csv.gz")
    df = df[["case:concept:name", "concept:name", "time:timestamp", department]]
    return jm.from_pandas(
        df,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department=department,
    )


def _helpdesk(real_data) -> jm.JourneyLog:
    # helpdesk has no groups: its resources stand for the teams tickets pass between
    return jm.read_xes(real_data / "helpdesk.xes.gz", department="org:resource")


SHAPES = {
    "receipt by group": lambda d: _receipt(d, "org:group"),
    "receipt by resource": lambda d: _receipt(d, "org:resource"),
    "helpdesk by resource": _helpdesk,
}


def _goal(log: jm.JourneyLog) -> str:
    return str(log.cases["last_activity"].mode().iloc[0])


@pytest.fixture(params=sorted(SHAPES), scope="module")
def shaped(request, real_data):
    log = SHAPES[request.param](real_data)
    assert "direction" not in log.events.columns or log.events["direction"].isna().all()
    assert "channel" not in log.events.columns or log.events["channel"].isna().all()
    return request.param, log


def test_report_runs_and_says_what_it_skipped(shaped, tmp_path):
    _, log = shaped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = jm.report(log, goal=_goal(log), path=tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "repeat_contacts" in rep.skipped or "repeat" in " ".join(rep.skipped)
    assert "direction" in " ".join(rep.skipped.values())
    assert "0 channels" not in html


def test_every_pain_point_costs_something(shaped):
    _, log = shaped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp = jm.pain_points(log, goal=_goal(log))
    lows = pp[[c + "_low" for c in CURRENCIES]].fillna(0).to_numpy(float)
    assert (lows > 0).any(axis=1).all(), pp.loc[~(lows > 0).any(axis=1), ["kind", "where"]]
    # one row per place and kind: a touchpoint's drop-off is listed once
    drop = pp[pp["kind"].str.contains("drop_off")]
    assert drop["where"].is_unique


def test_every_finding_leads_back_to_its_journeys(shaped):
    _, log = shaped
    goal = _goal(log)
    ids = set(log.cases["case_id"].astype(str))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = {
            "pain_points": jm.pain_points(log, goal=goal),
            "dropoffs": jm.dropoffs(log, goal=goal),
            "handoffs": jm.handoffs(log, goal=goal),
            "silent_gaps_summary": jm.silent_gaps_summary(log),
            "dead_ends": jm.dead_ends(log, goal=goal),
            "loops": jm.loops(log),
        }
    count = {
        "pain_points": "journeys_affected",
        "dropoffs": "lost",
        "handoffs": "journeys",
        "silent_gaps_summary": "journeys",
        "dead_ends": "journeys_before_goal",
        "loops": "looping_journeys",
    }
    for name, table in tables.items():
        assert len(table) > 0, name
        for i in range(min(len(table), 5)):
            row = table.iloc[i]
            got = jm.affected_journeys(log, row)
            assert len(got) == row[count[name]], (name, i)
            assert {str(x) for x in got} <= ids, (name, i)


def test_silent_gap_turns_with_process_rules(real_data):
    log = _helpdesk(real_data)
    plain = jm.silent_gaps(log)
    assert (plain["waiting_on"] == "unknown").all()
    ruled = jm.silent_gaps(jm.classify_direction(log, "process"))
    assert (ruled["waiting_on"] != "unknown").mean() > 0.5


def test_durations_need_a_unit(real_data):
    log = _helpdesk(real_data)
    with pytest.raises(jm.InvalidParameterError, match="inactivity"):
        jm.split_journeys(log, inactivity="30")
    with pytest.raises(jm.InvalidParameterError, match="inactivity"):
        jm.split_journeys(log, inactivity=np.int64(30))


def test_batch_run_on_an_xes_source(real_data, tmp_path):
    from journeymine.cli import main

    src = real_data / "helpdesk.xes.gz"
    (tmp_path / "config.toml").write_text(
        f'title = "Helpdesk"\ngoal = "Closed"\noutput = "out"\n\n'
        f'[sources.tickets]\npath = "{src.as_posix()}"\ndepartment = "org:resource"\n',
        encoding="utf-8",
    )
    assert main(["validate", str(tmp_path / "config.toml")]) == 0
    assert main(["run", str(tmp_path / "config.toml")]) == 0
    assert (tmp_path / "out" / "report.html").exists()
    assert (tmp_path / "out" / "results.json").exists()


# ---------------------------------------------------------------- the numbers, against pm4py and pandas


@pytest.fixture(scope="module")
def receipt_df(real_data):
    df = pd.read_csv(real_data / "receipt.csv.gz")
    return df[["case:concept:name", "concept:name", "time:timestamp", "org:group"]]


@pytest.fixture(scope="module")
def receipt_log(receipt_df):
    return jm.from_pandas(
        receipt_df,
        case="case:concept:name",
        activity="concept:name",
        timestamp="time:timestamp",
        department="org:group",
    )


def _pm4py_frame(df):
    pm4py = pytest.importorskip("pm4py")
    out = pm4py.format_dataframe(
        df.copy(),
        case_id="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )
    return pm4py, out


def test_handoff_counts_agree_with_pm4py(receipt_df, receipt_log):
    pm4py, df = _pm4py_frame(receipt_df)
    dfg, _, _ = pm4py.discover_dfg(
        df,
        activity_key="org:group",
        case_id_key="case:concept:name",
        timestamp_key="time:timestamp",
    )
    expected = {k: v for k, v in dfg.items() if k[0] != k[1]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = jm.handoffs(receipt_log, goal="Confirmation of receipt")
    got = {(r["from"], r["to"]): int(r["handoffs"]) for _, r in h.iterrows()}
    assert got == expected


def test_transition_medians_agree_with_pm4py(receipt_df, receipt_log):
    pm4py, df = _pm4py_frame(receipt_df)
    perf = pm4py.discover_performance_dfg(
        df,
        case_id_key="case:concept:name",
        activity_key="concept:name",
        timestamp_key="time:timestamp",
    )[0]
    s = jm.silent_gaps_summary(receipt_log)
    assert len(s) > 0
    for _, r in s.iterrows():
        want = perf[(r["from_activity"], r["to_activity"])]["median"]
        assert r["median_gap"].total_seconds() == pytest.approx(want, abs=1e-3)


def test_dropoff_and_loop_counts_by_hand(receipt_df, receipt_log):
    goal = "Confirmation of receipt"
    df = receipt_df.assign(t=pd.to_datetime(receipt_df["time:timestamp"], format="mixed", utc=True))
    df = df.sort_values(["case:concept:name", "t"], kind="stable")
    per_case = df.groupby("case:concept:name")["concept:name"]
    contains = per_case.apply(set)
    converted = contains.map(lambda s: goal in s)
    last = per_case.last()
    d = jm.dropoffs(receipt_log, goal=goal).set_index("touchpoint")
    for tp, row in d.iterrows():
        assert row["journeys"] == int(contains.map(lambda s, tp=tp: tp in s).sum())
        assert row["lost"] == int(((last == tp) & ~converted).sum())
    counts = df.groupby(["case:concept:name", "concept:name"]).size()
    looping = (counts > 1).groupby(level=1).sum()
    lp = jm.loops(receipt_log).set_index("touchpoint")
    for tp, row in lp.iterrows():
        assert row["looping_journeys"] == int(looping[tp])
