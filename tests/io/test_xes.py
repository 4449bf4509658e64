"""Tests of the streaming, safe XES reader (journeymine.io.xes)."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeymine
from journeymine.errors import DataError, InvalidParameterError
from journeymine.io.xes import _parse_xes, read_xes

REPO = Path(__file__).resolve().parents[2]
REAL = (REPO / ".." / "shared" / "data" / "real").resolve()
REAL_FILES = (
    sorted(p.name for p in REAL.iterdir() if p.name.endswith((".xes", ".xes.gz")))
    if REAL.is_dir()
    else []
)
RUNNING_EXAMPLE = Path(journeymine.__file__).parent / "datasets" / "data" / "running-example.xes"

NS = 'xmlns="http://www.xes-standard.org/"'


def _write(tmp_path: Path, text: str, name: str = "log.xes", *, gz: bool = False) -> Path:
    path = tmp_path / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def _plain(values: pd.Series) -> list:
    """Values as plain Python objects, None for missing (to compare across dtypes)."""
    return [
        None if v is None or v is pd.NA or v is pd.NaT or v != v else v for v in values.tolist()
    ]


def _utc_ns(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True).astype("datetime64[ns, UTC]").reset_index(drop=True)


# --------------------------------------------------------------------------- #
# the contract: same events as pm4py on the real public logs
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="module")
def parsed_pair(request):
    """``{file name: (ours, pm4py's)}``, each file parsed once per side."""
    cache: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def get(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        if name not in cache:
            pm4py = pytest.importorskip("pm4py")
            path = str(REAL / name)
            ours = _parse_xes(path)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = pm4py.read_xes(path, show_progress_bar=False)
            cache[name] = (ours, theirs)
        return cache[name]

    return get


real_files = pytest.mark.parametrize(
    "name",
    REAL_FILES
    or [pytest.param("none", marks=pytest.mark.skip(reason=f"no XES logs found in {REAL}"))],
)


@pytest.mark.realdata
@real_files
def test_same_events_as_pm4py(parsed_pair, name):
    ours, theirs = parsed_pair(name)
    assert len(ours) == len(theirs) > 0
    # same (case, activity, timestamp) sequence, in file order
    assert _plain(ours["case:concept:name"]) == _plain(theirs["case:concept:name"])
    assert _plain(ours["concept:name"]) == _plain(theirs["concept:name"])
    assert str(ours["time:timestamp"].dtype) == "datetime64[ns, UTC]"
    pd.testing.assert_series_equal(
        _utc_ns(ours["time:timestamp"]), _utc_ns(theirs["time:timestamp"]), check_names=False
    )


@pytest.mark.realdata
@real_files
def test_same_columns_and_values_as_pm4py(parsed_pair, name):
    ours, theirs = parsed_pair(name)
    assert set(ours.columns) == set(theirs.columns)
    if "org:resource" in theirs.columns:
        assert _plain(ours["org:resource"]) == _plain(theirs["org:resource"])
    for column in theirs.columns:
        if pd.api.types.is_datetime64_any_dtype(theirs[column]):
            pd.testing.assert_series_equal(
                _utc_ns(ours[column]), _utc_ns(theirs[column]), check_names=False
            )
        else:
            assert _plain(ours[column]) == _plain(theirs[column]), column


@pytest.mark.realdata
def test_read_xes_real_logs_keep_every_event():
    if not REAL.is_dir():
        pytest.skip(f"real event logs not found at {REAL}")
    # helpdesk has 127 events that repeat another in every attribute; pm4py keeps them
    log = read_xes(REAL / "helpdesk.xes.gz")
    assert (len(log), log.n_cases, len(log.rejected)) == (21348, 4580, 0)
    assert log.name == "helpdesk"


# --------------------------------------------------------------------------- #
# hand-written logs
# --------------------------------------------------------------------------- #

TYPED = f"""<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" {NS}>
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event">
    <string key="org:resource" value="DEFAULT"/>
    <int key="cost" value="0"/>
  </global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="log-level" value="not an event attribute"/>
  <trace>
    <string key="concept:name" value="c1"/>
    <int key="amount" value="100"/>
    <event>
      <string key="concept:name" value="open"/>
      <date key="time:timestamp" value="2024-03-01T10:00:00.000+02:00"/>
      <string key="org:resource" value="Ann"/>
      <int key="cost" value="7"/>
      <float key="score" value="1.5"/>
      <boolean key="urgent" value="true"/>
      <id key="uid" value="a-1"/>
      <date key="due" value="2024-03-02T00:00:00Z"/>
    </event>
    <string key="channel" value="web"/>
    <event>
      <string key="concept:name" value="close"/>
      <date key="time:timestamp" value="2024-03-01T12:30:00Z"/>
      <int key="cost" value="-3"/>
      <float key="score" value="2"/>
      <boolean key="urgent" value="FALSE"/>
      <id key="uid" value="a-2"/>
      <date key="due" value="2024-03-02T12:00:00+01:00"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="c2"/>
    <boolean key="vip" value="true"/>
    <event>
      <string key="concept:name" value="open"/>
      <date key="time:timestamp" value="2024-03-05T09:00:00"/>
      <string key="org:resource" value="Bob"/>
      <int key="cost" value="5"/>
      <float key="score" value="3.25"/>
      <boolean key="urgent" value="false"/>
      <id key="uid" value="b-1"/>
      <date key="due" value="2024-03-06T00:00:00.5-05:00"/>
    </event>
  </trace>
</log>
"""


@pytest.fixture
def typed(tmp_path) -> pd.DataFrame:
    return _parse_xes(_write(tmp_path, TYPED))


def test_one_row_per_event_in_file_order(typed):
    assert typed["case:concept:name"].tolist() == ["c1", "c1", "c2"]
    assert typed["concept:name"].tolist() == ["open", "close", "open"]
    assert list(typed.columns[:4]) == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
        "org:resource",
    ]
    assert "log-level" not in typed.columns


def test_typed_attributes_get_pandas_dtypes(typed):
    assert typed["cost"].dtype == np.int64
    assert typed["cost"].tolist() == [7, -3, 5]
    assert typed["score"].dtype == np.float64
    assert typed["score"].tolist() == [1.5, 2.0, 3.25]
    assert typed["urgent"].dtype == bool
    assert typed["urgent"].tolist() == [True, False, False]
    assert typed["uid"].tolist() == ["a-1", "a-2", "b-1"]
    assert str(typed["due"].dtype) == "datetime64[ns, UTC]"


def test_missing_values_use_nullable_dtypes(tmp_path):
    df = _parse_xes(
        _write(
            tmp_path,
            """<log><trace><string key="concept:name" value="c"/>
            <event><string key="concept:name" value="a"/><int key="n" value="1"/>
                   <boolean key="b" value="true"/></event>
            <event><string key="concept:name" value="b"/><int key="n" value="not a number"/></event>
            </trace></log>""",
        )
    )
    assert str(df["n"].dtype) == "Int64"
    assert df["n"].tolist()[0] == 1 and df["n"].isna().tolist() == [False, True]
    assert str(df["b"].dtype) == "boolean"
    assert df["b"].isna().tolist() == [False, True]


def test_timezone_offsets_converted_to_utc(typed):
    assert str(typed["time:timestamp"].dtype) == "datetime64[ns, UTC]"
    assert typed["time:timestamp"].tolist() == [
        pd.Timestamp("2024-03-01 08:00:00", tz="UTC"),  # +02:00
        pd.Timestamp("2024-03-01 12:30:00", tz="UTC"),  # Z
        pd.Timestamp("2024-03-05 09:00:00", tz="UTC"),  # no offset: read as UTC, like pm4py
    ]
    assert typed["due"].tolist() == [
        pd.Timestamp("2024-03-02 00:00:00", tz="UTC"),
        pd.Timestamp("2024-03-02 11:00:00", tz="UTC"),
        pd.Timestamp("2024-03-06 05:00:00.5", tz="UTC"),
    ]


def test_trace_attributes_become_case_columns(typed):
    assert typed["case:amount"].tolist() == [100, 100, None] or (
        typed["case:amount"].tolist()[:2] == [100, 100] and pd.isna(typed["case:amount"].iloc[2])
    )
    assert str(typed["case:amount"].dtype) == "Int64"
    # a trace attribute written between (or after) the events still applies to the whole trace
    assert _plain(typed["case:channel"]) == ["web", "web", None]
    assert _plain(typed["case:vip"]) == [None, None, True]
    assert list(typed.columns[-3:]) == ["case:amount", "case:channel", "case:vip"]


def test_global_defaults_are_not_applied_like_pm4py(typed):
    # <global scope="event"> declares org:resource="DEFAULT"; pm4py does not fill it in
    assert _plain(typed["org:resource"]) == ["Ann", None, "Bob"]


def test_hand_written_log_matches_pm4py(tmp_path):
    pm4py = pytest.importorskip("pm4py")
    path = _write(tmp_path, TYPED)
    ours = _parse_xes(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pm4py.read_xes(str(path), show_progress_bar=False)
    assert set(ours.columns) == set(theirs.columns)
    for column in theirs.columns:
        if pd.api.types.is_datetime64_any_dtype(theirs[column]):
            pd.testing.assert_series_equal(
                _utc_ns(ours[column]), _utc_ns(theirs[column]), check_names=False
            )
        else:
            assert _plain(ours[column]) == _plain(theirs[column]), column


def test_gzip_detected_by_magic_bytes_not_extension(tmp_path):
    plain = _parse_xes(_write(tmp_path, TYPED, "plain.xes"))
    gz = _parse_xes(_write(tmp_path, TYPED, "zipped.xes.gz", gz=True))
    misnamed = _parse_xes(_write(tmp_path, TYPED, "zipped-but-named.xes", gz=True))
    plain_named_gz = _parse_xes(_write(tmp_path, TYPED, "plain-but-named.xes.gz"))
    for other in (gz, misnamed, plain_named_gz):
        pd.testing.assert_frame_equal(plain, other)


def test_nested_list_and_container_attributes_are_skipped(tmp_path):
    df = _parse_xes(
        _write(
            tmp_path,
            f"""<log {NS}><trace><string key="concept:name" value="c"/>
            <event>
              <string key="concept:name" value="a"/>
              <string key="outer" value="kept"><string key="inner" value="meta"/></string>
              <list key="items"><values><string key="x" value="1"/><int key="y" value="2"/></values></list>
              <container key="box"><string key="z" value="3"/></container>
              <!-- a comment --><?pi ignored?>
            </event>
            </trace></log>""",
        )
    )
    assert list(df.columns) == ["case:concept:name", "concept:name", "outer"]
    assert df["outer"].tolist() == ["kept"]


def test_repeated_key_last_value_wins_and_mixed_types(tmp_path):
    df = _parse_xes(
        _write(
            tmp_path,
            """<log><trace><string key="concept:name" value="c"/>
            <event><string key="concept:name" value="first"/><string key="concept:name" value="a"/>
                   <int key="mixed" value="1"/></event>
            <event><string key="concept:name" value="b"/><string key="mixed" value="x"/></event>
            <event><string key="concept:name" value="c"/><date key="mixed" value="2024-01-01T00:00:00Z"/></event>
            </trace></log>""",
        )
    )
    assert df["concept:name"].tolist() == ["a", "b", "c"]
    assert df["mixed"].tolist() == [1, "x", pd.Timestamp("2024-01-01", tz="UTC")]


def test_events_outside_traces_and_empty_traces(tmp_path):
    df = _parse_xes(
        _write(
            tmp_path,
            """<log>
            <event><string key="concept:name" value="stray"/></event>
            <trace><string key="concept:name" value="empty"/></trace>
            <trace><string key="concept:name" value="c"/><event><string key="concept:name" value="a"/></event></trace>
            <trace><event><string key="concept:name" value="b"/></event></trace>
            </log>""",
        )
    )
    assert df["concept:name"].tolist() == ["a", "b"]
    assert _plain(df["case:concept:name"]) == ["c", None]


@pytest.mark.parametrize(
    ("body", "rows"), [("<trace/>", 0), ("<trace><event/><event/></trace>", 2)]
)
def test_empty_log(tmp_path, body, rows):
    df = _parse_xes(_write(tmp_path, f"<log>{body}</log>"))
    assert len(df) == rows
    assert list(df.columns) == ["case:concept:name", "concept:name", "time:timestamp"]
    assert str(df["time:timestamp"].dtype) == "datetime64[ns, UTC]"
    assert df.isna().all().all()


def test_many_events_stream(tmp_path):
    events = "".join(
        f'<event><string key="concept:name" value="a{i % 7}"/>'
        f'<date key="time:timestamp" value="2024-01-01T00:00:{i % 60:02d}Z"/></event>'
        for i in range(3000)
    )
    traces = "".join(
        f'<trace><string key="concept:name" value="c{t}"/>{events}</trace>' for t in range(5)
    )
    df = _parse_xes(_write(tmp_path, f"<log {NS}>{traces}</log>", gz=True))
    assert len(df) == 15000
    assert df["case:concept:name"].value_counts().tolist() == [3000] * 5


# --------------------------------------------------------------------------- #
# safety and errors
# --------------------------------------------------------------------------- #

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE log [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<log><trace><string key="concept:name" value="&lol9;"/>
<event><string key="concept:name" value="&lol9;"/></event></trace></log>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE log [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<log><trace><string key="concept:name" value="c"/>
<event><string key="concept:name" value="a"/><string key="leak">&xxe;</string></event>
</trace></log>
"""

PARAMETER_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE log [ <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote; ]>
<log><trace><event><string key="concept:name" value="a"/></event></trace></log>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE log SYSTEM "http://127.0.0.1:9/evil.dtd">
<log><trace><event><string key="concept:name" value="a"/></event></trace></log>
"""


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize(
    ("doc", "match"),
    [
        (BILLION_LAUGHS, r"declares XML entities \(<!ENTITY lol, lol1"),
        (XXE, r"declares XML entities \(<!ENTITY xxe>\)"),
        (PARAMETER_ENTITY, r"declares XML entities"),
        (EXTERNAL_DTD, r"refers to an external DTD"),
    ],
    ids=["billion-laughs", "xxe-file", "parameter-entity", "external-dtd"],
)
def test_entities_and_dtds_are_refused(tmp_path, doc, match, gz):
    path = _write(tmp_path, doc, "evil.xes.gz" if gz else "evil.xes", gz=gz)
    with pytest.raises(DataError, match=match) as info:
        _parse_xes(path)
    assert "external-entity attacks" in str(info.value)
    assert str(path) in str(info.value)


def test_external_entity_content_never_appears(tmp_path):
    path = _write(tmp_path, XXE)
    with pytest.raises(DataError) as info:
        read_xes(path)
    text = str(info.value) + repr(info.value.failure_cases)
    assert "root:" not in text
    passwd = Path("/etc/passwd")
    if passwd.is_file():
        first = passwd.read_text(errors="replace").splitlines()[:1]
        assert not first or first[0] not in text


def test_undeclared_entity_reference_is_malformed(tmp_path):
    path = _write(
        tmp_path, '<log><trace><event><string key="a" value="&x;"/></event></trace></log>'
    )
    with pytest.raises(DataError, match=r"not well-formed XML \(line 1, column \d+\): Entity 'x'"):
        _parse_xes(path)


def test_malformed_xml_names_file_and_line(tmp_path):
    path = _write(
        tmp_path,
        '<?xml version="1.0"?>\n<log>\n<trace>\n<event><string key="a" value="x">\n</event>\n</log>\n',
        "broken.xes",
    )
    with pytest.raises(
        DataError, match=r"broken\.xes' is not well-formed XML \(line 5, column 9\)"
    ):
        _parse_xes(path)


@pytest.mark.parametrize("content", [b"", b"   \n", b"not xml at all"])
def test_empty_or_non_xml_file(tmp_path, content):
    path = tmp_path / "bad.xes"
    path.write_bytes(content)
    with pytest.raises(DataError, match="bad.xes"):
        _parse_xes(path)


def test_truncated_gzip(tmp_path):
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(gzip.compress(TYPED.encode())[:-40])
    with pytest.raises(DataError, match="cut.xes.gz"):
        _parse_xes(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        _parse_xes(tmp_path / "nope.xes")


def test_nested_trace_is_refused(tmp_path):
    path = _write(tmp_path, "<log><trace><trace><event/></trace></trace></log>")
    with pytest.raises(DataError, match=r"<trace> inside another <trace> \(line 1\)"):
        _parse_xes(path)


# --------------------------------------------------------------------------- #
# read_xes
# --------------------------------------------------------------------------- #


def test_read_xes_running_example():
    log = read_xes(RUNNING_EXAMPLE)
    assert (len(log), log.n_cases, len(log.rejected)) == (42, 6, 0)
    assert log.name == "running-example"
    events = log.events
    assert str(events["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert set(events["resource"].dropna()) == {"Pete", "Mike", "Ellen", "Sara", "Sean", "Sue"}
    assert events["department"].isna().all()  # no org:group in this log
    assert "lifecycle:transition" not in events.columns


def test_bundled_running_example_is_small():
    assert RUNNING_EXAMPLE.stat().st_size < 30_000


LIFECYCLE = """<log>
<trace><string key="concept:name" value="c1"/>
  <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="SCHEDULE"/>
         <date key="time:timestamp" value="2024-01-01T09:00:00Z"/></event>
  <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="start"/>
         <date key="time:timestamp" value="2024-01-01T10:00:00Z"/></event>
  <event><string key="concept:name" value="A"/><string key="lifecycle:transition" value="COMPLETE"/>
         <date key="time:timestamp" value="2024-01-01T11:00:00Z"/></event>
  <event><string key="concept:name" value="B"/>
         <date key="time:timestamp" value="2024-01-01T12:00:00Z"/></event>
</trace></log>"""


def test_read_xes_keeps_all_lifecycle_events_by_default(tmp_path):
    path = _write(tmp_path, LIFECYCLE)
    log = read_xes(path)
    assert len(log) == 4 and len(log.rejected) == 0
    assert _plain(log.events["lifecycle:transition"]) == ["SCHEDULE", "start", "COMPLETE", None]
    assert len(read_xes(path, lifecycle="all")) == 4


def test_read_xes_lifecycle_filter(tmp_path):
    path = _write(tmp_path, LIFECYCLE)
    complete = read_xes(path, lifecycle="complete")
    # case-insensitive; an event without a transition counts as complete (atomic)
    assert complete.events["activity"].tolist() == ["A", "B"]
    assert len(complete.rejected) == 0  # a deliberate choice, not rejected rows
    started = read_xes(path, lifecycle=["START", "Complete"])
    assert _plain(started.events["lifecycle:transition"]) == ["start", "COMPLETE", None]
    assert len(read_xes(path, lifecycle="schedule")) == 1


def test_read_xes_lifecycle_keep_rename(tmp_path):
    path = _write(tmp_path, LIFECYCLE)
    log = read_xes(path, keep={"lifecycle:transition": "transition"})
    assert "transition" in log.events.columns
    assert "lifecycle:transition" not in log.events.columns


def test_read_xes_bad_lifecycle(tmp_path):
    path = _write(tmp_path, LIFECYCLE)
    with pytest.raises(InvalidParameterError, match="'lifecycle' parameter of read_xes"):
        read_xes(path, lifecycle=3)


def test_read_xes_maps_trace_attributes(tmp_path):
    log = read_xes(_write(tmp_path, TYPED, "typed.xes.gz", gz=True), channel="case:channel")
    assert log.name == "typed"
    assert _plain(log.events["channel"]) == ["web", "web", None]
    assert len(log) == 3


def test_read_xes_refuses_entities(tmp_path):
    with pytest.raises(DataError, match="declares XML entities"):
        read_xes(_write(tmp_path, BILLION_LAUGHS))


def test_read_xes_keep_everything(tmp_path):
    log = read_xes(_write(tmp_path, TYPED), keep=True)
    assert {"lifecycle:transition"}.isdisjoint(log.events.columns)
    assert {"cost", "score", "urgent", "case:amount", "case:channel"} <= set(log.events.columns)
    log = read_xes(_write(tmp_path, LIFECYCLE, "life.xes"), keep=True)
    assert "lifecycle:transition" in log.events.columns
