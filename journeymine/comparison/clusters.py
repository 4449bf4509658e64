"""Personas from the data: journeys clustered by what they contain, one map per persona.

:func:`personas` builds a feature matrix of the journeys (touchpoint mix,
channel mix, transitions, duration and length, outcome) with ``np.bincount``
over (journey, code) pairs into sparse matrices, weights it (TF-IDF, row
normalisation, standardisation), reduces wide matrices with TruncatedSVD, and
clusters with k-means (scikit-learn), choosing the number of personas by the
silhouette on a seeded sample when it is not given. The result describes each
persona and labels the log, so that ``jm.discover(personas.label(log),
by="persona")`` draws one journey map per persona.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._html import html_table
from .._kernels import case_variants, distinct, positions
from .._validation import Interval, SubsetOf, check_number, validate_params
from ..derive import Goal, arrays, event_times, new_log
from ..derive import converted as converted_of
from ..errors import InvalidParameterError
from ..log import JourneyLog
from ..schema import ACTIVITY, CANONICAL_COLUMNS, CASE, CHANNEL
from ._common import case_ids, path_text

__all__ = ["personas", "Personas", "FEATURES"]

#: The feature groups :func:`personas` can use.
FEATURES: tuple[str, ...] = (
    "touchpoints",
    "channels",
    "transitions",
    "entry",
    "duration",
    "outcome",
)
# Row-normalised blocks have norm <= weight; the numeric features are scaled to stay comparable.
_WEIGHTS = {
    "touchpoints": 1.0,
    "channels": 0.7,
    "transitions": 0.5,
    "entry": 0.7,
    "duration": 0.12,
    "outcome": 0.3,
}
_MAX_BIGRAMS = 200
_SVD_ABOVE = 60
_SILHOUETTE_SLACK = 0.02


@dataclass(frozen=True, repr=False)
class Personas:
    """Journeys grouped into personas (made by :func:`personas`).

    Attributes
    ----------
    assignment : DataFrame
        ``case_id`` and ``persona`` ("P1", "P2", ... by decreasing size), one row per journey.
    profiles : DataFrame
        One row per persona: ``persona``, ``journeys``, ``share``, ``conversion``
        (with a goal), ``median_duration``, ``median_events``, ``typical_path`` and
        ``typical_path_share`` (the persona's most common path), ``dominant_channels``,
        ``top_touchpoints`` (most over-represented against all journeys, with their
        lift) and ``description``.
    n : int
        The number of personas.
    silhouette : DataFrame or None
        The silhouette score per number of clusters tried (when ``n`` was not given).
    features : tuple of str
        The feature groups used.

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> found = jm.personas(log, n=3, goal="purchase")
    >>> isinstance(found, jm.Personas), len(found.profiles)
    (True, 3)
    """

    assignment: pd.DataFrame
    profiles: pd.DataFrame
    n: int
    silhouette: pd.DataFrame | None
    features: tuple[str, ...]

    def label(self, log: JourneyLog, column: str = "persona") -> JourneyLog:
        """A new log with a ``persona`` column (journeys not in the assignment get a missing value).

        Examples
        --------
        >>> import journeymine as jm
        >>> log = jm.datasets.load_sample()
        >>> log = log.select_cases(log.cases["case_id"][:1000])
        >>> p = jm.personas(log, n=3, goal="purchase")
        >>> labelled = p.label(log)
        >>> sorted(labelled.events["persona"].cat.categories)
        ['P1', 'P2', 'P3']
        """
        if not isinstance(log, JourneyLog):
            raise InvalidParameterError(
                f"The 'log' parameter of Personas.label must be a JourneyLog. Got {type(log).__name__} instead."
            )
        if not isinstance(column, str) or not column or column in CANONICAL_COLUMNS:
            raise InvalidParameterError(
                "The 'column' parameter of Personas.label must be a new column name (not a canonical "
                f"column). Got {column!r} instead."
            )
        ev = log.events  # a copy-on-write view
        cats = ev[CASE].cat.categories
        at = pd.Index(self.assignment[CASE].astype(str)).get_indexer(pd.Index(cats.astype(str)))
        pcodes = self.assignment["persona"].cat.codes.to_numpy()
        per_case = np.where(at >= 0, pcodes[np.maximum(at, 0)], -1)
        case_codes = ev[CASE].cat.codes.to_numpy()
        codes = per_case[case_codes] if len(case_codes) else np.zeros(0, np.int64)
        ev[column] = pd.Categorical.from_codes(
            codes.astype(np.int16), categories=self.assignment["persona"].cat.categories
        )
        return new_log(log, ev)

    apply = label

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{p} {s:.0%}"
            for p, s in zip(self.profiles["persona"], self.profiles["share"], strict=True)
        )
        return f"Personas({self.n} personas of {len(self.assignment)} journeys: {sizes})"

    def _repr_html_(self) -> str:
        import html

        cols = [
            c
            for c in (
                "persona",
                "journeys",
                "share",
                "conversion",
                "typical_path",
                "dominant_channels",
            )
            if c in self.profiles
        ]
        return f"<div><p><b>{html.escape(repr(self))}</b></p>{html_table(self.profiles[cols], 20)}</div>"


@validate_params(
    {
        "log": ["log"],
        "n": [Interval(int, 1, None), None],
        "features": [SubsetOf(FEATURES)],
        "goal": ["goal", "predicate", None],
        "seed": [Interval(int, 0, None)],
        "sample_size": [Interval(int, 10, None)],
    }
)
def personas(
    log: JourneyLog,
    *,
    n: int | None = None,
    features: Sequence[str] = FEATURES,
    goal: Goal | None = None,
    seed: int = 0,
    k_range: tuple[int, int] = (2, 8),
    sample_size: int = 2000,
) -> Personas:
    """Cluster journeys into personas and describe each one.

    Parameters
    ----------
    log : JourneyLog
    n : int, optional
        The number of personas. When omitted, k-means is run for each k in
        ``k_range`` on a seeded sample of ``sample_size`` journeys, the silhouette
        score is computed over one journey per distinct path of the sample (so a
        crowd of identical short journeys does not score as a perfect cluster of
        its own), and the smallest k within 0.02 of the best score is taken.
    features : sequence of str, default all of :data:`FEATURES`
        ``"touchpoints"`` (TF-IDF of touchpoint counts), ``"channels"`` (channel
        mix), ``"transitions"`` (TF-IDF of the most frequent touchpoint pairs),
        ``"entry"`` (first touchpoint and first channel), ``"duration"`` (log
        duration and log number of events, standardised) and ``"outcome"``
        (reaches ``goal``; ignored without a goal). Each row-normalised group is
        weighted (touchpoints 1, channels 0.7, entry 0.7, transitions 0.5); the
        numeric ones are small so that they refine rather than define personas.
    goal : str, list of str or callable, optional
        What counts as conversion (for the ``outcome`` feature and the profiles).
    seed : int, default 0
        Seeds the sample, the SVD and k-means: the same seed gives the same personas.
    k_range : (int, int), default (2, 8)
        The numbers of clusters tried when ``n`` is None (both ends included).
    sample_size : int, default 2000
        Journeys the silhouette is computed on.

    Returns
    -------
    Personas

    Examples
    --------
    >>> import journeymine as jm
    >>> log = jm.datasets.load_sample()
    >>> log = log.select_cases(log.cases["case_id"][:2000])
    >>> p = jm.personas(log, goal="purchase", seed=0)
    >>> p.profiles.columns[:4].tolist()
    ['persona', 'journeys', 'share', 'conversion']
    >>> p.assignment["persona"].value_counts().index[0]
    'P1'
    >>> jm.discover(p.label(log), by="persona")["P1"].nodes.shape[0] > 0
    True
    """
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.metrics import silhouette_score

    func = "personas"
    feats = tuple(dict.fromkeys((features,) if isinstance(features, str) else features))
    n_cases = log.n_cases
    if n is not None and n > n_cases:
        raise InvalidParameterError(
            f"The 'n' parameter of {func} must be at most the number of journeys ({n_cases}). "
            f"Got {n} instead.",
            param="n",
        )
    converted = converted_of(log, goal, func) if goal is not None else None
    x = _features(log, feats, converted, seed)
    rng = np.random.default_rng(seed)
    sil = None
    if n is None:
        lo, hi = k_range
        check_number(lo, "k_range", func, low=2, integer=True)
        check_number(hi, "k_range", func, low=lo, integer=True)
        idx = np.sort(rng.choice(n_cases, size=min(sample_size, n_cases), replace=False))
        xs = x[idx]
        # the silhouette is taken over one journey per distinct path: a crowd of identical short
        # journeys would otherwise score as a perfect cluster of its own
        arr = arrays(log)
        var, _ = case_variants(np.asarray(arr.codes(ACTIVITY, func), dtype=np.int64), arr.offsets)
        _, first_rows = np.unique(var[idx], return_index=True)
        scores = []
        for k in range(lo, min(hi, len(idx) - 1) + 1):
            lab = KMeans(n_clusters=k, n_init=2, random_state=seed).fit_predict(xs)
            ok = len(set(lab[first_rows].tolist())) > 1 and len(first_rows) > k
            scores.append(
                (k, float(silhouette_score(xs[first_rows], lab[first_rows])) if ok else -1.0)
            )
        if not scores:
            raise InvalidParameterError(
                f"{func} needs at least {lo + 2} journeys to choose the number of personas."
            )
        sil = pd.DataFrame(scores, columns=["k", "silhouette"])
        # the fewest personas whose silhouette is close to the best: broad personas over fine splits
        best = float(sil["silhouette"].max())
        n = int(sil.loc[sil["silhouette"] >= best - _SILHOUETTE_SLACK, "k"].min())
    if n_cases > 200_000:
        model = MiniBatchKMeans(n_clusters=n, n_init=3, random_state=seed, batch_size=4096)
    else:
        model = KMeans(n_clusters=n, n_init=4, random_state=seed)
    raw = model.fit_predict(x) if n > 1 else np.zeros(n_cases, dtype=np.int64)
    labels = _relabel(np.asarray(raw, dtype=np.int64), n)
    names = [f"P{i + 1}" for i in range(n)]
    assignment = pd.DataFrame(
        {CASE: case_ids(log), "persona": pd.Categorical.from_codes(labels, categories=names)}
    )
    profiles = _profiles(log, labels, names, converted)
    return Personas(assignment=assignment, profiles=profiles, n=n, silhouette=sil, features=feats)


def _counts(case: np.ndarray, code: np.ndarray, n_cases: int, n_codes: int) -> Any:
    """Sparse (journey x code) count matrix from np.bincount over pair codes."""
    from scipy import sparse

    ok = code >= 0
    key = case[ok] * n_codes + code[ok]
    uk, cnt = np.unique(key, return_counts=True)
    return sparse.csr_matrix(
        (cnt.astype(float), (uk // n_codes, uk % n_codes)), shape=(n_cases, n_codes)
    )


def _features(
    log: JourneyLog, feats: tuple[str, ...], converted: np.ndarray | None, seed: int
) -> np.ndarray:
    from scipy import sparse
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.preprocessing import normalize

    n = log.n_cases
    arr = arrays(log)
    off = arr.offsets
    case, _ = positions(off)
    act, act_labels = arr.codes(ACTIVITY, "personas"), arr.labels(ACTIVITY, "personas")
    act = np.asarray(act, dtype=np.int64)
    blocks = []
    if "touchpoints" in feats:
        m = TfidfTransformer(sublinear_tf=True).fit_transform(
            _counts(case, act, n, len(act_labels))
        )
        blocks.append(normalize(m) * _WEIGHTS["touchpoints"])
    if "channels" in feats and CHANNEL in log.columns:
        ch, ch_labels = arr.codes(CHANNEL, "personas"), arr.labels(CHANNEL, "personas")
        if len(ch_labels):
            m = _counts(case, np.asarray(ch, dtype=np.int64), n, len(ch_labels))
            blocks.append(normalize(m) * _WEIGHTS["channels"])
    if "transitions" in feats and len(case) > 1:
        inner = np.flatnonzero(case[1:] == case[:-1])
        pair = act[inner] * len(act_labels) + act[inner + 1]
        uniq, inv, cnt = np.unique(pair, return_inverse=True, return_counts=True)
        top = np.argsort(-cnt, kind="stable")[:_MAX_BIGRAMS]
        col = np.full(len(uniq), -1, dtype=np.int64)
        col[top] = np.arange(len(top))
        m = _counts(case[inner], col[inv], n, max(len(top), 1))
        if m.nnz:
            m = TfidfTransformer(sublinear_tf=True).fit_transform(m)
            blocks.append(normalize(m) * _WEIGHTS["transitions"])
    if "entry" in feats and n:
        # how the journey starts: its first touchpoint and first channel
        first = off[:-1]
        parts = [_counts(np.arange(n), act[first], n, len(act_labels))]
        if CHANNEL in log.columns:
            ch, ch_labels = arr.codes(CHANNEL, "personas"), arr.labels(CHANNEL, "personas")
            if len(ch_labels):
                parts.append(
                    _counts(np.arange(n), np.asarray(ch, dtype=np.int64)[first], n, len(ch_labels))
                )
        blocks.append(normalize(sparse.hstack(parts).tocsr()) * _WEIGHTS["entry"])
    dense = []
    if "duration" in feats:
        ts = event_times(log)
        dur = np.log1p(np.maximum(ts[off[1:] - 1] - ts[off[:-1]], 0) / 3.6e12)
        length = np.log(np.diff(off).astype(float))
        for v in (dur, length):
            dense.append(np.clip(_z(v), -3, 3) * _WEIGHTS["duration"])
    if "outcome" in feats and converted is not None:
        dense.append(converted.astype(float) * _WEIGHTS["outcome"])
    if dense:
        blocks.append(sparse.csr_matrix(np.column_stack(dense)))
    if not blocks:
        raise InvalidParameterError(
            "personas has no features to cluster on: the log lacks the requested columns."
        )
    x = sparse.hstack(blocks).tocsr()
    if x.shape[1] > _SVD_ABOVE and min(x.shape) > 2:
        k = min(30, x.shape[1] - 1, x.shape[0] - 1)
        return TruncatedSVD(n_components=k, random_state=seed).fit_transform(x)
    return x.toarray()


def _z(v: np.ndarray) -> np.ndarray:
    sd = v.std()
    return (v - v.mean()) / sd if sd > 0 else np.zeros_like(v)


def _relabel(raw: np.ndarray, n: int) -> np.ndarray:
    """Cluster ids ordered by decreasing size, ties by first journey."""
    size = np.bincount(raw, minlength=n)
    first = np.full(n, len(raw), dtype=np.int64)
    u, idx = np.unique(raw, return_index=True)
    first[u] = idx
    order = np.lexsort((first, -size))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return rank[raw]


def _profiles(
    log: JourneyLog, labels: np.ndarray, names: list[str], converted: np.ndarray | None
) -> pd.DataFrame:
    n_p = len(names)
    arr = arrays(log)
    off = arr.offsets
    case, _ = positions(off)
    ts = event_times(log)
    act, act_labels = arr.codes(ACTIVITY, "personas"), arr.labels(ACTIVITY, "personas")
    act = np.asarray(act, dtype=np.int64)
    sizes = np.bincount(labels, minlength=n_p)
    dur = ts[off[1:] - 1] - ts[off[:-1]] if log.n_cases else np.zeros(0, np.int64)
    lens = np.diff(off)
    out = pd.DataFrame(
        {"persona": names, "journeys": sizes.astype(np.int64), "share": sizes / max(len(labels), 1)}
    )
    if converted is not None:
        out["conversion"] = np.bincount(labels[converted], minlength=n_p) / np.maximum(sizes, 1)
    out["median_duration"] = pd.to_timedelta(
        [np.median(dur[labels == i]) if sizes[i] else np.nan for i in range(n_p)], unit="ns"
    )
    out["median_events"] = [
        float(np.median(lens[labels == i])) if sizes[i] else np.nan for i in range(n_p)
    ]
    var, rep = case_variants(act, off)
    vc = np.bincount(labels * len(rep) + var, minlength=n_p * len(rep)).reshape(n_p, len(rep))
    top_v = vc.argmax(1)
    out["typical_path"] = [path_text(act_labels, act[off[rep[v]] : off[rep[v] + 1]]) for v in top_v]
    out["typical_path_share"] = vc[np.arange(n_p), top_v] / np.maximum(sizes, 1)
    ev_p = labels[case] if len(case) else np.zeros(0, np.int64)
    if CHANNEL in log.columns:
        ch, ch_labels = arr.codes(CHANNEL, "personas"), arr.labels(CHANNEL, "personas")
        ch = np.asarray(ch, dtype=np.int64)
        ok = ch >= 0
        cc = np.bincount(
            ev_p[ok] * len(ch_labels) + ch[ok], minlength=n_p * len(ch_labels)
        ).reshape(n_p, -1)
        out["dominant_channels"] = [_top_shares(row, ch_labels, 3) for row in cc]
    n_a = len(act_labels)
    journeys_with = np.zeros((n_p, n_a))
    key = distinct(case * n_a + act)
    kc, ka = key // n_a, key % n_a
    journeys_with = np.bincount(labels[kc] * n_a + ka, minlength=n_p * n_a).reshape(n_p, n_a)
    base = journeys_with.sum(0) / max(len(labels), 1)
    share = journeys_with / np.maximum(sizes, 1)[:, None]
    lift = np.where(base > 0, share / np.maximum(base, 1e-12), 0)
    tops = []
    for i in range(n_p):
        cand = np.flatnonzero(share[i] >= 0.2)
        cand = cand[np.lexsort((cand, -lift[i, cand]))][:3]
        tops.append(", ".join(f"{act_labels[c]} (x{lift[i, c]:.1f})" for c in cand))
    out["top_touchpoints"] = tops
    out["description"] = [_describe(r) for r in out.itertuples(index=False)]
    return out


def _top_shares(row: np.ndarray, labels: Any, k: int) -> str:
    tot = row.sum()
    if tot == 0:
        return ""
    order = np.lexsort((np.arange(len(row)), -row))[:k]
    return ", ".join(f"{labels[i]} {row[i] / tot:.0%}" for i in order if row[i] > 0)


def _describe(r: Any) -> str:
    parts = [f"{r.persona}: {r.share:.0%} of journeys"]
    if getattr(r, "dominant_channels", ""):
        parts.append(f"channels {r.dominant_channels}")
    if hasattr(r, "conversion"):
        parts.append(f"converts {r.conversion:.0%}")
    parts.append(f"median {r.median_events:.0f} events over {_human(r.median_duration)}")
    parts.append(f"typical path: {r.typical_path} ({r.typical_path_share:.0%})")
    return "; ".join(parts)


def _human(td: pd.Timedelta) -> str:
    if td is pd.NaT or pd.isna(td):
        return "?"
    s = td.total_seconds()
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if s >= size:
            return f"{s / size:.1f} {unit}"
    return f"{s:.0f} seconds"
