"""Confidence intervals (private, ground level: the analyzers and the comparisons share them).

* :func:`wilson_ci` — the Wilson score interval of a proportion ``k / n``. Unlike the
  Wald interval it stays inside [0, 1] and keeps its coverage for rates near 0 or 1
  and for small ``n`` (a dead end with 0 conversions out of 40 visits gets the
  honest upper bound 8.8%, not 0).
* :func:`newcombe_diff_ci` — Newcombe's hybrid score interval (method 10 of
  Newcombe 1998) for the difference of two independent proportions ``p1 - p2``,
  built from the two Wilson intervals; it has the same good behaviour at 0 and 1.
* :func:`wald_diff_ci` — the plain normal-approximation interval of ``p1 - p2``, for
  comparison and for very large samples where both agree.

All functions take scalars or arrays and return float arrays (or floats for
scalar input); an empty group (``n == 0``) gives NaN.

Examples
--------
>>> from journeymine._stats import wilson_ci, newcombe_diff_ci
>>> lo, hi = wilson_ci(0, 40)
>>> round(float(lo), 3), round(float(hi), 3)
(0.0, 0.088)
>>> lo, hi = newcombe_diff_ci(10, 100, 30, 100)
>>> round(float(lo), 3), round(float(hi), 3)
(-0.306, -0.09)
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["z_value", "wilson_ci", "newcombe_diff_ci", "wald_diff_ci", "rate"]


#: ``scipy.stats.norm.ppf(0.5 + c / 2)`` for the usual confidence levels, to the last bit:
#: importing scipy.stats for one number costs about a second on a first call.
_Z = {0.9: 1.6448536269514722, 0.95: 1.959963984540054, 0.99: 2.5758293035489004}


def z_value(confidence: float = 0.95) -> float:
    """The two-sided standard-normal quantile for ``confidence`` (1.959964 for 95%).

    Examples
    --------
    >>> round(z_value(), 6), round(z_value(0.8), 6)
    (1.959964, 1.281552)
    """
    if confidence in _Z:
        return _Z[confidence]
    from scipy import stats  # imported here: ``import journeymine`` stays light

    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def rate(k: Any, n: Any) -> Any:
    """``k / n`` as floats, NaN where ``n == 0``."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n > 0, k / np.where(n > 0, n, 1.0), np.nan)
    return out if out.ndim else float(out)


def wilson_ci(k: Any, n: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Wilson score interval of the proportion ``k / n``.

    Parameters
    ----------
    k, n : int or array of int
        Successes and trials.
    confidence : float, default 0.95

    Returns
    -------
    low, high : float or array of float
        NaN where ``n == 0``.
    """
    z = z_value(confidence)
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = n > 0
    nn = np.where(ok, n, 1.0)
    p = k / nn
    z2 = z * z
    denom = 1.0 + z2 / nn
    centre = (p + z2 / (2.0 * nn)) / denom
    half = z * np.sqrt(np.maximum(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn), 0.0)) / denom
    low = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    # exact ends: k == 0 gives low 0 and k == n gives high 1 (clip rounding noise)
    low = np.where(ok & (k <= 0), 0.0, low)
    high = np.where(ok & (k >= n), 1.0, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def newcombe_diff_ci(
    k1: Any, n1: Any, k2: Any, n2: Any, confidence: float = 0.95
) -> tuple[Any, Any]:
    """Newcombe's hybrid score interval of ``k1/n1 - k2/n2`` (independent groups).

    Returns
    -------
    low, high : float or array of float
        NaN where either group is empty.
    """
    p1 = rate(k1, n1)
    p2 = rate(k2, n2)
    l1, u1 = wilson_ci(k1, n1, confidence)
    l2, u2 = wilson_ci(k2, n2, confidence)
    d = np.asarray(p1, dtype=float) - np.asarray(p2, dtype=float)
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def wald_diff_ci(k1: Any, n1: Any, k2: Any, n2: Any, confidence: float = 0.95) -> tuple[Any, Any]:
    """Normal-approximation (Wald) interval of ``k1/n1 - k2/n2``; NaN where a group is empty."""
    z = z_value(confidence)
    p1 = np.asarray(rate(k1, n1), dtype=float)
    p2 = np.asarray(rate(k2, n2), dtype=float)
    n1 = np.asarray(n1, dtype=float)
    n2 = np.asarray(n2, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = p1 - p2
    low, high = d - z * se, d + z * se
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high
