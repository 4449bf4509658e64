"""Reports: the self-contained HTML journey report, ``results.json`` and the findings tables.

:func:`report` makes the same report from Python that ``journeymine run`` makes
from a configuration file. See :mod:`journeymine.reporting.results` for the output
folder and ``docs/results-schema.md`` for the layout of ``results.json``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError
from ._analyses import ANALYSES, Findings, blockers, run_analyses, spec
from ._safe import neutralise_frame
from .html import render_html, render_overview

# report, Report: the public API; the rest is what the command line builds a run from
__all__ = [
    "report",
    "Report",
    "load_assumed",
    "ANALYSES",
    "blockers",
    "spec",
    "run_analyses",
    "neutralise_frame",
]


class Report:
    """A journey report: the HTML, and the findings behind it.

    Attributes
    ----------
    html : str
        The whole self-contained HTML document.
    path : pathlib.Path or None
        Where it was written, if anywhere.
    tables : dict of str -> DataFrame
        Every findings table, by name (the names of ``tables/<name>.csv`` of a run).
    summary : dict
        The headline figures (``log.summary()`` plus conversion when there is a goal).
    skipped : dict of str -> str
        Analyses that were not run, and why: the setting or the column each needs,
        and how to give it.

    Notes
    -----
    Displayed in a notebook, a report shows a compact overview (headline figures, the
    top pain points, the tables it holds; a few KB). ``IPython.display.HTML(rep.html)``
    shows the whole report there.

    Examples
    --------
    >>> import journeymine as jm
    >>> rep = jm.report(jm.datasets.load_sample(), path=None, analyses=["variants"])
    >>> sorted(rep.tables)
    ['variants']
    >>> rep._repr_html_().startswith("<style>")
    True
    """

    def __init__(self, findings: Findings, html: str, path: Path | None) -> None:
        self._findings = findings
        self.html = html
        self.path = path

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return dict(self._findings.tables)

    @property
    def summary(self) -> dict[str, Any]:
        return dict(self._findings.summary)

    @property
    def skipped(self) -> dict[str, str]:
        return dict(self._findings.skipped)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the HTML to ``path`` (atomically: a partly written file never replaces it)."""
        self.path = _write_atomic(Path(path), self.html)
        return self.path

    def __repr__(self) -> str:
        where = f" at {str(self.path)!r}" if self.path else ""
        return (
            f"Report{where}: {len(self._findings.ran)} analyses, {len(self._findings.tables)} tables"
            + (f", skipped {sorted(self._findings.skipped)}" if self._findings.skipped else "")
        )

    def _repr_html_(self) -> str:
        # a compact view: the whole report is rep.html (IPython.display.HTML(rep.html))
        return render_overview(self._findings, path=self.path)


def _write_atomic(path: Path, text: str) -> Path:
    path = path.absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_assumed(assumed: Any) -> Any:
    """An assumed journey from an :class:`~journeymine.AssumedJourney` or a file path."""
    from ..comparison import AssumedJourney

    if assumed is None or not isinstance(assumed, str | os.PathLike):
        return assumed
    return AssumedJourney.from_file(assumed)


def report(
    log: Any,
    *,
    goal: str | Sequence[str] | None = None,
    assumed: Any = None,
    path: str | os.PathLike[str] | None = "report.html",
    funnel: Sequence[str] | None = None,
    stages: Mapping[str, Sequence[str]] | None = None,
    analyses: Sequence[str] | None = None,
    title: str = "Customer journeys",
) -> Report:
    """Make the HTML journey report of a log, as ``journeymine run`` does.

    Parameters
    ----------
    log : JourneyLog or PartitionedLog
        On a :class:`~journeymine.PartitionedLog` the analyses that run partition by
        partition give the same tables as in memory; the others are listed in
        ``Report.skipped``.
    goal : str or list of str, optional
        The goal touchpoint(s); drop-offs, dead ends and pain points need it.
    assumed : AssumedJourney or path, optional
        The journey the organisation assumes; adds the assumed-versus-observed section.
    path : str or path-like or None, default "report.html"
        Where to write the HTML (written atomically); None writes nothing.
    funnel : list of str, optional
        Funnel steps, in order.
    stages : dict of stage -> touchpoints, optional
        Groups touchpoints into stages (see :func:`~journeymine.map_stages`) for the
        stage map; not needed when the log already has a ``stage`` column.
    analyses : list of str, optional
        Which analyses to run (names as in :data:`journeymine.reporting.ANALYSES`). By
        default every one that the arguments and the log's columns allow; the others
        are listed in ``Report.skipped`` with what they need (e.g. repeat contacts
        need a ``direction`` column). Naming one that cannot run is an error.
    title : str, default "Customer journeys"

    Returns
    -------
    Report
        Shows itself in a notebook; ``.tables`` holds every findings table.

    Raises
    ------
    MissingColumnError
        An analysis named in ``analyses`` needs a column the log has no values in.
    InvalidParameterError
        An analysis named in ``analyses`` needs a setting (``goal``, ``funnel``,
        ``assumed``) that is not given.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> rep = jm.report(log, goal="purchase", path=None, analyses=["variants"])
    >>> rep.html.startswith("<!DOCTYPE html>")
    True
    >>> "variants" in rep.tables
    True
    """
    from .._partitioned import is_partitioned
    from ..log import JourneyLog

    func = "report"
    if not isinstance(log, JourneyLog) and not is_partitioned(log):
        raise InvalidParameterError(
            f"The 'log' parameter of {func} must be a JourneyLog or a PartitionedLog. "
            f"Got {type(log).__name__} instead."
        )
    if stages is not None and is_partitioned(log):
        raise InvalidParameterError(
            f"The 'stages' parameter of {func} must be None on a PartitionedLog (stages are "
            "mapped on a log in memory, with jm.map_stages). Got a mapping instead."
        )
    if analyses is not None:
        bad = [a for a in analyses if a not in ANALYSES]
        if bad or isinstance(analyses, str):
            raise InvalidParameterError(
                f"The 'analyses' parameter of {func} must be a list of {list(ANALYSES)!r}. Got {analyses!r} instead."
            )
    if stages is not None:
        from ..journeys import map_stages

        log = map_stages(log, stages)
    goal_value = goal if goal is None or isinstance(goal, str) else list(goal)
    found = run_analyses(
        log,
        goal=goal_value,
        funnel=list(funnel) if funnel is not None else None,
        assumed=load_assumed(assumed),
        include=tuple(a for a in ANALYSES if a in analyses) if analyses is not None else None,
        strict=analyses is not None,
        title=title,
        func=func,
    )
    html = render_html(found)
    written = _write_atomic(Path(path), html) if path is not None else None
    return Report(found, html, written)
