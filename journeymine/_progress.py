"""Progress reporting: a live indicator on a terminal, plain lines otherwise, or nothing.

Ground level: the command line shows progress with :class:`Progress`; the library
(sources, analyses, the output folder) takes any object with ``step`` and ``info``
and defaults to :class:`NullProgress`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import IO

__all__ = ["Step", "NullProgress", "Progress", "printable"]


class Step:
    """One step of a run: ``done(detail)`` says what it found."""

    def __init__(self) -> None:
        self.detail = ""

    def done(self, detail: str) -> None:
        self.detail = detail


class NullProgress:
    """Reports nothing (for library use)."""

    @contextlib.contextmanager
    def step(self, text: str) -> Iterator[Step]:
        yield Step()

    def info(self, text: str) -> None:
        pass


class Progress(NullProgress):
    """Progress on ``stream`` (stderr): a spinner with elapsed time on a terminal, plain lines otherwise.

    Examples
    --------
    >>> import io
    >>> from journeymine._progress import Progress
    >>> out = io.StringIO()
    >>> p = Progress(out, tty=False)
    >>> with p.step("loading sources") as s:
    ...     s.done("3 sources, 48,211 events")
    >>> out.getvalue()
    'journeymine: loading sources ... 3 sources, 48,211 events\\n'
    """

    _FRAMES = "|/-\\"

    def __init__(
        self, stream: IO[str] | None = None, *, tty: bool | None = None, interval: float = 0.1
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = (
            bool(tty) if tty is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        )
        self.interval = interval

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not fail the run
            pass

    def info(self, text: str) -> None:
        self._write(("\r\033[K" if self.tty else "") + f"journeymine: {printable(text)}\n")

    @contextlib.contextmanager
    def step(self, text: str) -> Iterator[Step]:
        st = Step()
        start = time.monotonic()
        stop = threading.Event()
        spinner = None
        if self.tty:

            def spin() -> None:
                i = 0
                while not stop.wait(self.interval):
                    i += 1
                    frame = self._FRAMES[i % len(self._FRAMES)]
                    self._write(
                        f"\r\033[Kjourneymine: {text} ... {frame} {time.monotonic() - start:.1f}s"
                    )

            self._write(f"\r\033[Kjourneymine: {text} ...")
            spinner = threading.Thread(target=spin, daemon=True)
            spinner.start()
        failed = True
        try:
            yield st
            failed = False
        finally:
            stop.set()
            if spinner is not None:
                spinner.join()
            elapsed = time.monotonic() - start
            if failed:
                outcome = "failed"
            else:
                outcome = st.detail or "done"
            if self.tty:
                self._write(f"\r\033[Kjourneymine: {text} ... {outcome} ({elapsed:.1f}s)\n")
            else:
                self._write(f"journeymine: {text} ... {outcome}\n")


def printable(text: str) -> str:
    """Control characters from the data (terminal escape sequences) shown as ``\\x..``, not run."""
    return "".join(
        c if c.isprintable() or c == "\n" else c.encode("unicode_escape").decode("ascii")
        for c in str(text)
    )
