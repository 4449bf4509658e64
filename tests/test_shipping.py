"""Worker results through shared memory: journeymine._shipping."""

from __future__ import annotations

import glob
import os
from concurrent.futures import Future

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import journeymine as jm
from journeymine import _shipping
from journeymine._shipping import Shipped, discard, remove, ship, unship

needs_shm = pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="no /dev/shm here")


def _ours(directory: str) -> list[str]:
    return glob.glob(os.path.join(directory, "journeymine-*"))


def _big():
    rng = np.random.default_rng(0)
    return {
        "durations": rng.random(400_000),  # 3.2 MB: mapped
        "codes": np.arange(50_000, dtype=np.int32),  # 200 kB: copied
        "frame": pd.DataFrame({"x": np.arange(200_000), "y": rng.random(200_000)}),
        "label": "edge",
    }


def _same(a, b):
    np.testing.assert_array_equal(a["durations"], b["durations"])
    np.testing.assert_array_equal(a["codes"], b["codes"])
    pdt.assert_frame_equal(a["frame"], b["frame"])
    assert a["label"] == b["label"]


def test_a_large_result_goes_through_a_file_and_comes_back_equal(tmp_path):
    value = _big()
    shipped = ship(value, directory=str(tmp_path))
    assert isinstance(shipped, Shipped)
    assert _ours(str(tmp_path)) == [shipped.path]
    # every large buffer starts on a page of the file, so it can be mapped; the small
    # ones are packed before them, each on a 64-byte boundary
    for n, o in zip(shipped.sizes, shipped.offsets, strict=True):
        if n >= _shipping._MAP_MIN:
            assert o % _shipping._PAGE == 0 and o >= shipped.small
        else:
            assert o % 64 == 0 and o + n <= shipped.small
    back = unship(shipped)
    _same(back, value)
    assert _ours(str(tmp_path)) == []  # removed as soon as it is mapped


def test_arrays_that_come_back_can_be_written_without_touching_the_file(tmp_path):
    shipped = ship(_big(), directory=str(tmp_path))
    back = unship(shipped)
    assert back["durations"].flags.writeable and back["codes"].flags.writeable
    back["durations"][:10] = -1.0
    back["codes"][:10] = -1
    assert back["durations"][0] == -1.0 and back["codes"][0] == -1


def test_many_small_buffers_come_back_equal_and_writable(tmp_path):
    rng = np.random.default_rng(1)
    value = [rng.integers(0, 100, int(k)) for k in rng.integers(0, 2000, 1500)]
    shipped = ship(value, directory=str(tmp_path))
    assert isinstance(shipped, Shipped) and len(shipped.sizes) >= 1000
    back = unship(shipped)
    assert all(np.array_equal(a, b) for a, b in zip(back, value, strict=True))
    back[0][:1] = -7  # each a writable view of one region; the others are not touched
    assert all(np.array_equal(a, b) for a, b in zip(back[1:], value[1:], strict=True))


def test_a_small_result_passes_through_as_it_is(tmp_path):
    value = {"counts": np.arange(100), "name": "x"}
    assert ship(value, directory=str(tmp_path)) is value
    assert unship(value) is value
    assert _ours(str(tmp_path)) == []


def test_no_directory_means_the_pipe(tmp_path):
    value = _big()
    assert ship(value, directory=str(tmp_path / "missing")) is value


def test_too_little_room_means_the_pipe(tmp_path, monkeypatch):
    class Full:
        f_bavail = 1
        f_frsize = 4096

    monkeypatch.setattr(_shipping.os, "statvfs", lambda _: Full())
    value = _big()
    assert ship(value, directory=str(tmp_path)) is value
    assert _ours(str(tmp_path)) == []


def test_what_does_not_pickle_is_left_for_the_pipe_to_report(tmp_path):
    value = {"f": lambda: 1, "a": np.zeros(1_000_000)}
    assert ship(value, directory=str(tmp_path)) is value


def test_discard_removes_an_unwanted_result(tmp_path):
    future: Future = Future()
    future.set_result(ship(_big(), directory=str(tmp_path)))
    assert len(_ours(str(tmp_path))) == 1
    discard(future)
    assert _ours(str(tmp_path)) == []
    failed: Future = Future()
    failed.set_exception(ValueError("boom"))
    discard(failed)  # nothing to remove, nothing raised


@needs_shm
def test_a_partitioned_run_leaves_nothing_in_shared_memory():
    log = jm.datasets.simulate(n_journeys=6000, seed=3)
    before = set(_ours("/dev/shm"))
    plog = jm.partition(log, partitions=4, workers=2)
    got = jm.silent_gaps(plog)
    pdt.assert_frame_equal(got, jm.silent_gaps(log))
    assert set(_ours("/dev/shm")) == before


@needs_shm
def test_a_failing_partition_leaves_nothing_in_shared_memory():
    log = jm.datasets.simulate(n_journeys=6000, seed=3)
    before = set(_ours("/dev/shm"))
    plog = jm.partition(log, partitions=4, workers=2)

    calls = []

    def fail_on_second(part):
        calls.append(1)
        if part.events["case_id"].iloc[0] == plog._runner.log.events["case_id"].iloc[0]:
            return {"a": np.zeros(500_000)}
        raise ValueError("the second partition fails")

    with pytest.raises(ValueError, match="fails"):
        plog._runner.map(fail_on_second, (), None)
    assert set(_ours("/dev/shm")) == before


def test_sweep_removes_what_dead_runs_left_and_keeps_the_living(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    value = {"a": np.zeros(300_000)}
    left = ship(value, directory=str(tmp_path), owner=dead_pid)
    ours = ship(value, directory=str(tmp_path), owner=os.getpid())
    other = tmp_path / "unrelated-file"
    other.write_text("x")
    assert isinstance(left, Shipped) and f"journeymine-{dead_pid}-" in left.path
    assert _shipping.sweep(str(tmp_path)) == 1
    assert not os.path.exists(left.path) and os.path.exists(ours.path) and other.exists()
    np.testing.assert_array_equal(unship(ours)["a"], value["a"])


def test_a_worker_names_its_parent_as_the_owner(tmp_path):
    shipped = ship({"a": np.zeros(300_000)}, directory=str(tmp_path))
    assert os.path.basename(shipped.path).startswith(f"journeymine-{os.getppid()}-")
    remove(shipped)
    assert _ours(str(tmp_path)) == []
