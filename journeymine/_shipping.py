"""Large results from worker processes through shared memory, not the pipe (private).

A worker of the partitioned engine returns its partition's partial result (per-edge
durations, silent gaps, the journeys of each finding: tens of MB at 10M events) to the
parent. Through :mod:`concurrent.futures`' pipe such a result is pickled, copied into
the pipe in 64 KiB pieces while the worker waits, copied out and unpickled: measured
here at about 280 MB/s, a second or more of a 10M-event analysis. Instead, a worker
writes the result's array buffers (pickle protocol 5, out of band) into one file in
``/dev/shm`` (memory, not disk) and sends only the pickle's small head and the file's
name; the parent maps each large buffer copy-on-write (no copy unless written) and
removes the file at once (the mappings keep its pages until the arrays are freed).

Why our own: :mod:`multiprocessing.shared_memory` needs a segment's size before the
result exists and a resource tracker process; a plain file in ``/dev/shm`` needs
neither, and anything that goes wrong (no ``/dev/shm``, too little room in it, a
result that does not pickle) falls back to the pipe, so a result is never lost.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import tempfile
from dataclasses import dataclass
from typing import Any

__all__ = ["discard", "remove", "ship", "sweep", "unship"]

#: results whose buffers hold less than this go through the pipe as they are
SHIP_MIN = 1 << 20
#: buffers smaller than this are copied into the parent rather than mapped
_MAP_MIN = 1 << 18
_SHM = "/dev/shm"
_PAGE = mmap.ALLOCATIONGRANULARITY
_PREFIX = "journeymine-"


@dataclass
class Shipped:
    """A result whose buffers wait in ``path``: ``sizes[i]`` bytes at ``offsets[i]``.

    The small buffers come first, packed (``small`` bytes in all), read back with one
    call; each large one starts on a page of its own, to be mapped.
    """

    head: bytes
    path: str
    sizes: list[int]
    offsets: list[int]
    small: int = 0


def _aligned(n: int, to: int = _PAGE) -> int:
    return -(-n // to) * to


def _layout(sizes: list[int]) -> tuple[list[int], int, int]:
    """Where each buffer goes: the small ones packed (each on a 64-byte boundary, as
    numpy aligns its own), then the large ones page by page; the small region's end and
    the file's size."""
    offsets, at = [0] * len(sizes), 0
    for i, n in enumerate(sizes):
        if n < _MAP_MIN:
            offsets[i], at = at, at + _aligned(n, 64)
    small = at = _aligned(at)
    for i, n in enumerate(sizes):
        if n >= _MAP_MIN:
            offsets[i], at = at, at + _aligned(n)
    return offsets, small, at


def ship(value: Any, directory: str = _SHM, owner: int | None = None) -> Any:
    """In a worker: ``value``, or a :class:`Shipped` holding its buffers in ``directory``.

    The file's name carries ``owner``, the process that reads and removes it (default:
    this process's parent), so that :func:`sweep` can remove what a killed run left.

    Examples
    --------
    >>> import numpy as np
    >>> out = unship(ship({"a": np.arange(300_000), "b": [np.arange(5)] * 3}))
    >>> int(out["a"].sum()), out["a"].flags.writeable, out["b"][2].tolist()
    (44999850000, True, [0, 1, 2, 3, 4])
    """
    bufs: list[pickle.PickleBuffer] = []
    try:
        head = pickle.dumps(value, protocol=5, buffer_callback=bufs.append)
        raws = [b.raw() for b in bufs]
    except Exception:  # not picklable out of band: the pipe says what is wrong
        return value
    sizes = [r.nbytes for r in raws]
    if sum(sizes) < SHIP_MIN or not os.path.isdir(directory):
        return value
    offsets, small, at = _layout(sizes)
    try:
        room = os.statvfs(directory)
        if room.f_bavail * room.f_frsize < 2 * at:  # leave room for the other workers
            return value
        who = os.getppid() if owner is None else int(owner)
        fd, path = tempfile.mkstemp(prefix=f"{_PREFIX}{who}-", dir=directory)
    except OSError:
        return value
    try:
        with os.fdopen(fd, "wb") as f:
            for r, o in zip(raws, offsets, strict=True):
                f.seek(o)
                f.write(r)
            f.truncate(at)
    except OSError:
        os.unlink(path)
        return value
    return Shipped(head, path, sizes, offsets, small)


def unship(value: Any, keep: bool = False) -> Any:
    """In the parent: the result a worker shipped (``value`` itself if it was not).

    ``keep=True`` leaves the file for others to read too (the arguments the parent
    ships once to every worker); :func:`remove` removes it when all have read it.
    """
    if not isinstance(value, Shipped):
        return value
    try:
        with open(value.path, "rb") as f:
            # the small buffers: one read, each a view of it (they live as long as one
            # of them does: a few MB at most); the large ones mapped one by one
            region = bytearray(value.small)
            f.readinto(region)
            view = memoryview(region)
            bufs = [
                view[o : o + n] if n < _MAP_MIN else _mapped(f, n, o)
                for n, o in zip(value.sizes, value.offsets, strict=True)
            ]
    finally:
        if not keep:
            os.unlink(value.path)
    return pickle.loads(value.head, buffers=bufs)


def remove(value: Any) -> None:
    """Remove the file of a shipped ``value`` (nothing if it was not shipped)."""
    if isinstance(value, Shipped):
        with contextlib.suppress(OSError):
            os.unlink(value.path)


def _mapped(f: Any, size: int, offset: int) -> Any:
    # each large buffer its own mapping: an array freed in the parent frees its pages,
    # whatever else of the result is still held
    return memoryview(mmap.mmap(f.fileno(), size, offset=offset, access=mmap.ACCESS_COPY))


def sweep(directory: str = _SHM) -> int:
    """Remove the files that runs no longer alive left in ``directory`` (a run killed
    between a worker's writing and its own reading: the files would hold memory until
    the machine restarts); returns how many.

    Examples
    --------
    >>> sweep("/nonexistent")
    0
    """
    try:
        names = [x for x in os.listdir(directory) if x.startswith(_PREFIX)]
    except OSError:
        return 0
    gone = 0
    for name in names:
        pid = name[len(_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(directory, name))
            gone += 1
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def discard(future: Any) -> None:
    """Remove what a worker's finished ``future`` shipped (its result is not wanted)."""
    try:
        value = future.result()
    except BaseException:
        return
    if isinstance(value, Shipped):
        with contextlib.suppress(OSError):
            os.unlink(value.path)
