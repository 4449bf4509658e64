"""Turning columns into sorted categorical codes, and timestamps into UTC (private).

These are the load-time conversions every loader shares. They are vectorised:
each touches a column a constant number of times, hashing it once.
"""

from __future__ import annotations

import warnings
from typing import Any

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
    codes, labels = encode(values)
    return as_categorical(codes, labels)


def encode(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes and labels :func:`to_categorical` stores, as plain arrays.

    Returns ``codes`` (int32, -1 for missing) and ``labels`` (object array of unique
    strings, in category order, every one used). One hash pass over ``values``; the
    labels are computed and sorted once per distinct value, not per row.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        uniques = s.cat.categories
        # counts[0] counts the missing (-1) codes
        shifted = np.add(codes, 1, dtype=np.intp)
        used = (
            np.bincount(shifted, minlength=len(uniques) + 1)[1:].astype(bool)
            if len(uniques)
            else None
        )
        # drop unused categories so results do not depend on them
        if used is not None and not used.all():
            kept = np.flatnonzero(used)
            lut = np.full(len(uniques) + 1, -1, dtype=np.int64)
            lut[kept] = np.arange(len(kept))
            codes = lut[codes]  # code -1 picks the trailing -1
            uniques = uniques[kept]
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    labels, rank = _sorted_labels(uniques)
    code_type = np.int32 if len(labels) < 2**31 - 1 else np.int64
    lut = np.append(rank, -1).astype(code_type)
    return lut[codes], labels


def narrow_codes(codes: np.ndarray, n_labels: int) -> np.ndarray:
    """``codes`` in the integer type :func:`as_categorical` stores for ``n_labels`` labels."""
    return codes.astype(np.int32 if n_labels > 32_000 else np.int16, copy=False)


def as_categorical(codes: np.ndarray, labels: np.ndarray) -> pd.Categorical:
    """The Categorical of :func:`encode` output: int16 codes up to 32,000 labels, int32 beyond."""
    dtype = np.int32 if len(labels) > 32_000 else np.int16
    categories = pd.Index(labels, dtype=object)
    try:
        # the labels are unique by construction: skip pandas' uniqueness check (a hash
        # pass over every category, ~0.2 s for a million journeys)
        cat_dtype = pd.CategoricalDtype._from_fastpath(categories, False)
    except AttributeError:  # pragma: no cover - other pandas versions
        cat_dtype = pd.CategoricalDtype(categories)
    codes = codes.astype(dtype, copy=False)
    return pd.Categorical.from_codes(codes, dtype=cat_dtype, validate=False)


def _sorted_labels(uniques: Any) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, merged string labels of distinct raw values, and each raw value's label index."""
    raw = np.asarray(uniques)
    if pd.api.types.is_integer_dtype(getattr(uniques, "dtype", None)):
        order = np.argsort(raw, kind="stable")
        if raw.dtype.kind in "iu":
            labels = raw[order].astype(str).astype(object)
        else:
            labels = np.asarray([str(u) for u in raw[order]], dtype=object)
    else:
        if raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=False) == "string":
            text = np.asarray([u.strip() for u in raw], dtype=object)
        else:
            text = np.asarray([_label(u) for u in raw], dtype=object)
        order = _argsort_text(text)
        labels = text[order]
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    # different raw values may share a string form (1 and "1", "a" and " a"): merge them
    if len(labels) > 1:
        first = np.r_[True, labels[1:] != labels[:-1]]
        if not first.all():
            merged = np.cumsum(first) - 1
            rank = merged[rank]
            labels = labels[first]
    return labels, rank


def _argsort_text(text: np.ndarray) -> np.ndarray:
    """Stable argsort of an object array of str, in Python's (code point) order.

    The strings are sorted as UTF-8 bytes, whose order is the code point order: short
    ones (identifiers like "J000123") as big-endian integer keys, longer ones by
    pyarrow; both are several times faster than numpy comparing Python objects.
    Strings that are not valid UTF-8 (lone surrogates) fall back to numpy.
    """
    if len(text) > 1:
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            arr = pa.array(text, type=pa.string())
        except (ImportError, UnicodeError, ValueError, TypeError):
            return np.argsort(text, kind="stable")
        if isinstance(arr, pa.Array):
            order = _argsort_short_utf8(arr)
            if order is not None:
                return order
        return pc.sort_indices(arr).to_numpy()
    return np.argsort(text, kind="stable")


def _argsort_short_utf8(arr: Any) -> np.ndarray | None:
    """Stable byte-order argsort of a pyarrow string array whose values have at most 16 bytes.

    Each value, zero-padded to 16 bytes, is two big-endian integers; the byte length
    breaks ties, so that "a" sorts before "a\x00". None for longer values.
    """
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    starts = offsets[:-1].astype(np.int64)
    lengths = np.diff(offsets)
    width = int(lengths.max())
    if width > 16:
        return None
    data = arr.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    padded = np.zeros((n, 16), dtype=np.uint8)
    for j in range(width):
        has = lengths > j
        padded[has, j] = data[starts[has] + j]
    keys = padded.view(">u8").astype(np.uint64)  # shape (n, 2), native byte order
    if width <= 8:
        if int(lengths.min()) == width:
            return np.argsort(keys[:, 0], kind="stable")
        return np.lexsort((lengths, keys[:, 0]))
    return np.lexsort((lengths, keys[:, 1], keys[:, 0]))


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
    if tz.upper() == "UTC" and fmt is None and not dayfirst and _is_text_dtype(values.dtype):
        fast = _parse_iso(values)
        if fast is not None:
            return fast, np.zeros(len(values), dtype=bool)
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
                text.astype("string")
                .str.contains(_OFFSET_RE, regex=True)
                .fillna(False)
                .to_numpy(bool)
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


def _is_text_dtype(dtype: Any) -> bool:
    return pd.api.types.is_object_dtype(dtype) or (
        pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype)
    )


def _parse_iso(values: pd.Series) -> pd.Series | None:
    """Text timestamps that are all strict ISO 8601, parsed by pyarrow; None if any is not.

    pyarrow parses only well-formed ISO 8601 (``2025-03-01T10:15:00Z``, ``2025-03-01
    10:15``, ``+01:00`` offsets, ...) and, cast to a UTC type, only values with an
    offset; cast to a naive type, only values without one. When every present value
    passes one of the two casts, pandas reads each to the same instant (naive ones as
    UTC), several times slower; anything else (blanks, other formats, mixed offsets,
    dates out of the nanosecond range) returns None and takes pandas' path.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        array = values.array
        arr = (
            array.__arrow_array__()
            if hasattr(array, "__arrow_array__")
            else pa.array(values.to_numpy(dtype=object), from_pandas=True)
        )
    except (ImportError, TypeError, ValueError, NotImplementedError, ArithmeticError):
        return None  # (pyarrow's errors derive from these) not plain text
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    for target in (pa.timestamp("ns", "UTC"), pa.timestamp("ns")):
        try:
            parsed = pc.cast(arr, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        ns = pc.fill_null(parsed.cast(pa.int64()), np.iinfo(np.int64).min)
        ns = ns.to_numpy() if isinstance(ns, pa.Array) else ns.combine_chunks().to_numpy()
        return pd.Series(ns.view("M8[ns]"), index=values.index, copy=False).dt.tz_localize("UTC")
    return None


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
