"""Turning columns into sorted categorical codes, and timestamps into UTC (private).

These are the load-time conversions every loader shares. They are vectorised:
each touches a column a constant number of times, hashing it once.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .errors import InvalidParameterError

__all__: list[str] = []

_OFFSET_RE = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)\s*$"


def blank_mask(values: pd.Series) -> np.ndarray:
    """True where a value is missing or an empty/whitespace-only string."""
    mask = np.array(values.isna().to_numpy(), dtype=bool)
    if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats = values.cat.categories
            blank_cats = np.asarray([isinstance(c, str) and not c.strip() for c in cats])
            codes = values.cat.codes.to_numpy()
            mask |= (codes >= 0) & blank_cats[np.maximum(codes, 0)] if len(cats) else False
        else:
            stripped = values.astype("string").str.strip()
            mask |= (stripped == "").to_numpy(dtype=bool, na_value=False)
    return mask


def to_categorical(values: pd.Series | np.ndarray, *, name: str = "") -> pd.Categorical:
    """Encode ``values`` as a Categorical of strings whose categories are sorted.

    Integer-valued inputs are ordered numerically (so case "2" comes before "10"),
    everything else by its string form. Missing values get code -1.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.int64)
        uniques = s.cat.categories
        used = np.zeros(len(uniques), dtype=bool)
        used[codes[codes >= 0]] = True
        if not used.all():  # drop unused categories so results do not depend on them
            remap = np.cumsum(used) - 1
            codes = np.where(codes >= 0, remap[np.maximum(codes, 0)], -1)
            uniques = uniques[used]
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        codes = codes.astype(np.int64)
    numeric = pd.api.types.is_integer_dtype(getattr(uniques, "dtype", None))
    if numeric:
        order = np.argsort(np.asarray(uniques), kind="stable")
        labels = np.asarray([str(u) for u in np.asarray(uniques)[order]], dtype=object)
    else:
        text = np.asarray([_label(u) for u in uniques], dtype=object)
        order = np.argsort(text, kind="stable")
        labels = text[order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    new_codes = np.where(codes >= 0, rank[np.maximum(codes, 0)] if len(rank) else 0, -1)
    # different raw values may share a string form (1 and "1"): merge them
    if len(labels) and (labels[1:] == labels[:-1]).any():
        first = np.r_[True, labels[1:] != labels[:-1]]
        merged = np.cumsum(first) - 1
        new_codes = np.where(new_codes >= 0, merged[np.maximum(new_codes, 0)], -1)
        labels = labels[first]
    dtype = np.int32 if len(labels) > 32_000 else np.int16
    return pd.Categorical.from_codes(new_codes.astype(dtype), categories=pd.Index(labels, dtype=object))


def _label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_timestamps(
    values: pd.Series, *, tz: str, fmt: str | None, dayfirst: bool, column: str, func: str
) -> tuple[pd.Series, np.ndarray]:
    """Parse ``values`` into ``datetime64[ns, UTC]``.

    Returns the parsed series (NaT where missing or unparseable) and a mask of the
    values that were present but could not be read. Values with an explicit UTC
    offset keep it; naive values are read as local time in ``tz``.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        raise InvalidParameterError(
            f"The timestamp column {column!r} of {func} must hold dates and times "
            f"(strings or datetimes). Got numbers of dtype {values.dtype} instead; convert epoch "
            "numbers first, e.g. pd.to_datetime(df[col], unit='s', utc=True)."
        )
    present = ~blank_mask(values)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        out = values.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(values.dtype):
        out = _localize(values, tz)
    else:
        text = values.where(pd.Series(present, index=values.index))
        if tz.upper() == "UTC":
            out = _to_dt(text, fmt, dayfirst)
        else:
            aware = (
                text.astype("string").str.contains(_OFFSET_RE, regex=True).fillna(False).to_numpy(bool)
            )
            out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
            if aware.any():
                out[aware] = _to_dt(text[aware], fmt, dayfirst).to_numpy()
            if (~aware).any():
                naive = _to_dt(text[~aware], fmt, dayfirst, utc=False)
                out[~aware] = _localize(naive, tz).to_numpy()
    out = out.dt.as_unit("ns")
    bad = present & out.isna().to_numpy()
    return out, bad


def _to_dt(text: pd.Series, fmt: str | None, dayfirst: bool, *, utc: bool = True) -> pd.Series:
    with warnings.catch_warnings():
        # "could not infer format": we handle that below by reading the misfits one by one
        warnings.filterwarnings("ignore", message="Could not infer format", category=UserWarning)
        parsed = pd.to_datetime(text, utc=utc, format=fmt, errors="coerce", dayfirst=dayfirst)
    failed = parsed.isna() & text.notna()
    if fmt is None and failed.any():
        # the inferred format did not fit every row: read the rest one by one
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning)
            parsed[failed] = pd.to_datetime(
                text[failed], utc=utc, format="mixed", errors="coerce", dayfirst=dayfirst
            )
    if not utc and isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC")
    return parsed


def _localize(values: pd.Series, tz: str) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    values = pd.to_datetime(values, errors="coerce")
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC")
    local = values.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return local.dt.tz_convert("UTC")
