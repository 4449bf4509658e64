"""Hostile XES files: the reader refuses them with journeymine's errors, within its limits.

Each test writes its own hostile file with a small generator. How long a refusal takes
and how much memory it needs are measured by ``benchmarks/hostile.py`` (time and peak
memory of each file, and how the time grows with the events), not asserted here.
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pytest

from journeymine.errors import DataError, DataQualityWarning, JourneymineError
from journeymine.io import _xes_stream as limits
from journeymine.io.xes import read_xes

NS = 'xmlns="http://www.xes-standard.org/"'
EVENT = (
    '<event><string key="concept:name" value="{a}"/>'
    '<date key="time:timestamp" value="2024-01-01T00:00:{s:02d}Z"/>{extra}</event>'
)


# --------------------------------------------------------------------------- #
# generators
# --------------------------------------------------------------------------- #


def new_key_per_event(path: Path, n: int) -> Path:
    """One trace whose every event brings a new attribute key (quadratic before the fix)."""
    with open(path, "wb") as f:
        f.write(f'<log {NS}><trace><string key="concept:name" value="c"/>'.encode())
        for i in range(n):
            f.write(EVENT.format(a="a", s=i % 60, extra=f'<string key="k{i}" value="v"/>').encode())
        f.write(b"</trace></log>")
    return path


def new_key_per_trace(path: Path, n: int) -> Path:
    """Many traces, each with a trace attribute key of its own."""
    with open(path, "wb") as f:
        f.write(f"<log {NS}>".encode())
        for i in range(n):
            f.write(
                f'<trace><string key="concept:name" value="c{i}"/><string key="t{i}" value="v"/>'
                f"{EVENT.format(a='a', s=i % 60, extra='')}</trace>".encode()
            )
        f.write(b"</log>")
    return path


def sparse_keys(path: Path, keys: int, n: int) -> Path:
    """``keys`` distinct keys (within MAX_KEYS), each used once, then ``n`` bare events."""
    with open(path, "wb") as f:
        f.write(f'<log {NS}><trace><string key="concept:name" value="c"/>'.encode())
        for i in range(keys):
            f.write(EVENT.format(a="a", s=0, extra=f'<string key="k{i}" value="v"/>').encode())
        bare = EVENT.format(a="a", s=0, extra="").encode()
        for _ in range(n):
            f.write(bare)
        f.write(b"</trace></log>")
    return path


def huge_attribute_gz(path: Path, mib: int, *, on_root: bool = False) -> Path:
    """A small .xes.gz hiding an attribute value of ``mib`` MiB (gzip members, written fast)."""
    block = gzip.compress(b"A" * (1 << 20), compresslevel=9)
    head = (
        f'<log {NS} big="'
        if on_root
        else f'<log {NS}><trace><event><string key="concept:name" value="'
    )
    tail = '"><trace/></log>' if on_root else '"/></event></trace></log>'
    with open(path, "wb") as f:
        f.write(gzip.compress(head.encode()))
        for _ in range(mib):
            f.write(block)
        f.write(gzip.compress(tail.encode()))
    return path


def many_nodes_in_one_event(path: Path, n: int) -> Path:
    with open(path, "wb") as f:
        f.write(f"<log {NS}><trace><event>".encode())
        f.write(b"<a/>" * n)
        f.write(b"</event></trace></log>")
    return path


def _refused(path: Path, match: str) -> None:
    with pytest.raises(DataError, match=match) as info:
        read_xes(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- #
# bounded time and memory
# --------------------------------------------------------------------------- #


def test_new_key_per_event_is_refused_fast(tmp_path):
    path = new_key_per_event(tmp_path / "keys.xes", 21_000)  # about 2.8 MB, as in issue 14
    assert path.stat().st_size > 2_500_000
    _refused(path, "distinct event attribute keys")


def test_new_key_per_trace_is_refused_fast(tmp_path):
    path = new_key_per_trace(tmp_path / "trace_keys.xes", 5_000)
    _refused(path, "distinct trace attribute keys")


def test_sparse_keys_within_the_key_limit_are_refused_fast(tmp_path):
    path = sparse_keys(tmp_path / "sparse.xes", limits.MAX_KEYS - 10, 30_000)
    _refused(path, "fewer than 1 cell in")


def test_many_keys_within_limits_are_read(tmp_path):
    path = sparse_keys(tmp_path / "ok.xes", 200, 2_000)
    log = read_xes(path, keep=True)
    assert len(log) == 2_200
    assert "k199" in log.events.columns


@pytest.mark.parametrize("on_root", [False, True], ids=["in-event", "on-root"])
def test_huge_attribute_in_small_gz_is_refused_fast(tmp_path, on_root):
    path = huge_attribute_gz(tmp_path / "huge.xes.gz", 1024, on_root=on_root)  # 1 GiB inside
    assert path.stat().st_size < 2_000_000
    _refused(path, "MiB")


def test_long_value_is_refused(tmp_path):
    value = "x" * (limits.MAX_VALUE_CHARS + 1)
    path = tmp_path / "long.xes"
    path.write_text(
        f'<log {NS}><trace><event><string key="concept:name" value="{value}"/></event></trace></log>'
    )
    _refused(path, "characters")


def test_many_elements_in_one_event_are_refused(tmp_path):
    path = many_nodes_in_one_event(tmp_path / "nodes.xes", limits.MAX_ELEMENT_NODES + 10_000)
    _refused(path, "XML elements")


def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.xes"
    path.write_text(
        f"<log {NS}><trace><event>"
        + '<string key="a" value="b">' * 300
        + "</string>" * 300
        + "</event></trace></log>"
    )
    with pytest.raises(DataError, match="depth"):
        read_xes(path)


def test_every_hostile_file_is_refused_with_a_journeymine_error(tmp_path):
    paths = [
        new_key_per_event(tmp_path / "keys.xes", 21_000),
        new_key_per_trace(tmp_path / "trace_keys.xes", 5_000),
        sparse_keys(tmp_path / "sparse.xes", limits.MAX_KEYS - 10, 30_000),
        huge_attribute_gz(tmp_path / "huge.xes.gz", 1024),
        huge_attribute_gz(tmp_path / "root.xes.gz", 1024, on_root=True),
        many_nodes_in_one_event(tmp_path / "nodes.xes", limits.MAX_ELEMENT_NODES + 10_000),
    ]
    for path in paths:
        with pytest.raises(DataError) as info:
            read_xes(path)
        assert str(path) in str(info.value)


# --------------------------------------------------------------------------- #
# no DTD processing, nothing lost, errors that name the file
# --------------------------------------------------------------------------- #

ATTLIST = f"""<?xml version="1.0"?>
<!DOCTYPE log [
<!ATTLIST string value CDATA "INJECTED">
]>
<log {NS}><trace><string key="concept:name" value="c1"/>
<event><string key="concept:name"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event>
</trace></log>
"""


@pytest.mark.parametrize("gz", [False, True])
def test_attlist_defaults_never_inject_values(tmp_path, gz):
    path = tmp_path / ("dtd.xes.gz" if gz else "dtd.xes")
    data = ATTLIST.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    with pytest.raises(DataError, match="internal DTD") as info:
        read_xes(path)
    assert "INJECTED" not in str(info.value)


def test_bare_doctype_is_accepted(tmp_path):
    path = tmp_path / "bare.xes"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE log>\n<log {NS}><trace><string key="concept:name" '
        f'value="c"/>{EVENT.format(a="a", s=0, extra="")}</trace></log>'
    )
    assert len(read_xes(path)) == 1


def test_events_outside_traces_become_rejected_rows(tmp_path):
    path = tmp_path / "stray.xes"
    path.write_text(
        f"<log {NS}>"
        + EVENT.format(a="stray1", s=1, extra="")
        + '<trace><string key="concept:name" value="c"/>'
        + EVENT.format(a="a", s=2, extra="")
        + EVENT.format(a="b", s=3, extra="")
        + "</trace>"
        + EVENT.format(a="stray2", s=4, extra='<string key="row" value="r"/>')
        + "</log>"
    )
    with pytest.warns(DataQualityWarning, match="outside any <trace>"):
        log = read_xes(path)
    assert log.events["activity"].tolist() == ["a", "b"]
    rejected = log.rejected
    assert rejected["reason"].tolist() == ["event_outside_trace"] * 2
    assert rejected["row"].tolist() == [2, 3]
    assert rejected["concept:name"].tolist() == ["stray1", "stray2"]
    assert rejected["source_row"].tolist()[1] == "r"
    assert len(log) + len(rejected) == 4


def test_truncated_gz_names_the_file(tmp_path):
    body = f'<log {NS}><trace><string key="concept:name" value="c"/>' + "".join(
        EVENT.format(a=f"a{i}", s=i % 60, extra="") for i in range(2000)
    )
    data = gzip.compress((body + "</trace></log>").encode())
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(data[: len(data) // 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(JourneymineError, match="truncated") as info:
            read_xes(path)
    assert str(path) in str(info.value)
