"""Turning columns into sorted categorical codes, and timestamps into UTC (private).

These are the load-time conversions every loader shares. They are vectorised:
each touches a column a constant number of times, hashing it once.
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from .errors import InvalidParameterError

__all__: list[str] = []

_T = TypeVar("_T")

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
            stripped = as_strings(values).str.strip()
            mask |= (stripped == "").to_numpy(dtype=bool, na_value=False)
    return mask


def as_strings(values: pd.Series) -> pd.Series:
    """``values`` as pandas strings; bytes that are not UTF-8 are decoded with replacements."""
    try:
        return values.astype("string")
    except (UnicodeError, TypeError, ValueError):
        return (
            values.astype(object)
            .map(lambda v: v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
            .astype("string")
        )


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
        try:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
        except TypeError:  # unhashable values (lists, dicts, sets): label them by their text
            text = s.astype(object).map(lambda v: v if _hashable(v) else repr(v))
            codes, uniques = pd.factorize(text, use_na_sentinel=True)
    labels, rank = _sorted_labels(uniques)
    code_type = np.int32 if len(labels) < 2**31 - 1 else np.int64
    lut = np.append(rank, -1).astype(code_type)
    return lut[codes], labels


def code_type(n_labels: int) -> type[np.signedinteger[Any]]:
    """The integer type of a Categorical's codes for ``n_labels`` categories.

    It is the one pandas picks (the narrowest holding them: int8 below 127, int16 below
    32,767, ...): codes given in any other type are converted by pandas, a copy of
    every code.
    """
    for dtype in (np.int8, np.int16, np.int32):
        if n_labels < np.iinfo(dtype).max:
            return dtype
    return np.int64


def parallel_map(fn: Callable[[Any], _T], items: Sequence[Any]) -> list[_T]:
    """``[fn(item) for item in items]``, on up to four threads (one per CPU).

    For the column-wise steps of a load (encoding, gathering in sorted order): their
    loops run in numpy and pyarrow, which release the GIL, so two CPUs do them in
    about half the time. ``fn`` must only read what the items share.
    """
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    workers = min(len(items), cpus or 1, 4)
    if workers <= 1:
        return [fn(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def narrow_codes(codes: np.ndarray, n_labels: int) -> np.ndarray:
    """``codes`` in the integer type :func:`as_categorical` stores for ``n_labels`` labels."""
    return codes.astype(code_type(n_labels), copy=False)


def as_categorical(codes: np.ndarray, labels: np.ndarray) -> pd.Categorical:
    """The Categorical of :func:`encode` output, its codes in :func:`code_type`."""
    dtype = code_type(len(labels))
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

    The strings are sorted as UTF-8 bytes (see :func:`_argsort_utf8`). Strings that
    are not valid UTF-8 (lone surrogates) fall back to numpy.
    """
    if len(text) > 1:
        try:
            import pyarrow as pa

            arr = pa.array(text, type=pa.string())
        except (ImportError, UnicodeError, ValueError, TypeError):
            return np.argsort(text, kind="stable")
        if isinstance(arr, pa.Array):
            return _argsort_utf8(arr)
        import pyarrow.compute as pc

        return pc.sort_indices(arr).to_numpy()
    return np.argsort(text, kind="stable")


def _argsort_utf8(arr: Any) -> np.ndarray:
    """Stable argsort of a pyarrow string array without nulls, in code point order.

    UTF-8 byte order is the code point order: short values (identifiers like
    "J000123") are sorted as big-endian integer keys, longer ones by pyarrow; both
    are several times faster than numpy comparing Python objects.
    """
    import pyarrow.compute as pc

    order = _argsort_short_utf8(arr) if len(arr) > 1 else None
    return order if order is not None else pc.sort_indices(arr).to_numpy()


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
    data = arr.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    if n and int(lengths.min()) == width:
        # values of one length (identifiers such as "C000123"): their bytes are one block,
        # and the positions where every value has the same byte (the "C") order nothing
        first = int(offsets[0])
        block = data[first : first + n * width].reshape(n, width)
        block = block[:, (block != block[0]).any(axis=0)]
        if block.shape[1] <= 16:
            padded = np.zeros((n, 8 if block.shape[1] <= 8 else 16), dtype=np.uint8)
            padded[:, : block.shape[1]] = block
            keys = padded.view(">u8").astype(np.uint64)
            if keys.shape[1] == 1:
                return np.argsort(keys[:, 0], kind="stable")
            return np.lexsort((keys[:, 1], keys[:, 0]))
    if width > 16:
        return None
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


def encode_arrow(chunks: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, bool]:
    """What :func:`encode` gives for the text of pyarrow arrays, without Python strings per row.

    ``chunks`` are pyarrow arrays of text, dictionary-encoded or not (a Parquet
    column read with ``read_dictionary``: one dictionary per row group), together
    one column. Returns the codes (-1 for missing) and labels of :func:`encode`:
    the labels are the distinct values used, stripped, in code point order. The
    codes are in the integer type :func:`as_categorical` stores (:func:`code_type`),
    so that building the column copies nothing more. The third value tells whether
    each label is exactly the text of its rows (no value needed stripping).

    Only the dictionaries are sorted (all together, so that a value in several of
    them gets one label); each row costs a count and a lookup of its dictionary index.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = [c if pa.types.is_dictionary(c.type) else pc.dictionary_encode(c) for c in chunks]
    dictionaries = [
        p.dictionary if p.dictionary.type == pa.string() else p.dictionary.cast(pa.string())
        for p in parts
    ]
    indices, used = [], []
    for part, dictionary in zip(parts, dictionaries, strict=True):
        idx = part.indices.cast(pa.int32())
        if idx.null_count:  # a missing value: the index just past the dictionary
            idx = pc.fill_null(idx, len(dictionary))
        idx = idx.to_numpy()
        indices.append(idx)
        # a dictionary may hold values that no row uses (pandas categories): those are no labels
        used.append(np.bincount(idx, minlength=len(dictionary) + 1)[: len(dictionary)] > 0)
    values = pa.concat_arrays([pa.array([], pa.string()), *dictionaries])
    in_use = np.concatenate([np.zeros(0, dtype=bool), *used])
    if values.null_count:  # (a null dictionary entry is a missing value)
        in_use &= values.is_valid().to_numpy(zero_copy_only=False)
    entries = np.flatnonzero(in_use)
    used_values = values.take(pa.array(entries, type=pa.int64()))
    exact = not _may_strip(used_values)
    labels, rank = _sorted_utf8_labels(used_values, exact)
    code_of_entry = np.full(len(values), -1, dtype=np.int64)
    code_of_entry[entries] = rank
    dtype = code_type(len(labels))
    codes = np.empty(sum(len(i) for i in indices), dtype=dtype)
    start = first_entry = 0
    for idx, dictionary in zip(indices, dictionaries, strict=True):
        entry_codes = code_of_entry[first_entry : first_entry + len(dictionary)]
        lut = np.append(entry_codes, -1).astype(dtype)  # the index past the end: missing
        np.take(lut, idx, out=codes[start : start + len(idx)])
        start += len(idx)
        first_entry += len(dictionary)
    return codes, labels, exact


def _sorted_utf8_labels(values: Any, exact: bool) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_sorted_labels` of a pyarrow string array without nulls.

    Values that no ``str.strip`` changes (``exact``: see :func:`_may_strip`), the usual
    case, are sorted in Arrow, equal ones merged, and become Python strings once each,
    in order. Otherwise ``_sorted_labels`` does it all.
    """
    import pyarrow.compute as pc

    if not len(values):
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    if not exact:
        return _sorted_labels(values.to_numpy(zero_copy_only=False))
    order = _argsort_utf8(values)
    ordered = values.take(order)
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = pc.not_equal(ordered[1:], ordered[:-1]).to_numpy(zero_copy_only=False)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.cumsum(first) - 1
    return ordered.filter(first).to_numpy(zero_copy_only=False), rank


# first and last bytes (UTF-8) of the characters str.strip() removes: ASCII white space
# and the separators U+001C..U+001F; U+0085, U+00A0 (0xC2 ..), U+1680 (0xE1 ..), U+2000..
# U+205F (0xE2 ..) and U+3000 (0xE3 ..), whose last byte is a continuation byte (>= 0x80)
_STRIP_FIRST = np.zeros(256, dtype=bool)
_STRIP_FIRST[[*range(0x09, 0x0E), *range(0x1C, 0x21), 0xC2, 0xE1, 0xE2, 0xE3]] = True
_STRIP_LAST = np.zeros(256, dtype=bool)
_STRIP_LAST[[*range(0x09, 0x0E), *range(0x1C, 0x21), *range(0x80, 0x100)]] = True


def _may_strip(values: Any) -> bool:
    """Whether ``str.strip`` may change a value of a pyarrow string array (no false "no").

    A conservative test on the first and last byte of each value.
    """
    start, n = values.offset, len(values)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[start : start + n + 1]
    data = values.buffers()[2]
    if data is None:
        return False  # only empty strings
    data = np.frombuffer(data, dtype=np.uint8)
    full = offsets[1:] > offsets[:-1]
    first = data[offsets[:-1][full]]
    last = data[offsets[1:][full] - 1]
    return bool(_STRIP_FIRST[first].any() or _STRIP_LAST[last].any())


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _label(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_timestamps(
    values: pd.Series,
    *,
    tz: str,
    fmt: str | None,
    dayfirst: bool,
    column: str,
    func: str,
    epoch_unit: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``values`` into int64 nanoseconds since the epoch, UTC.

    Returns the times (``_NAT``, the int64 minimum, where missing or not read) and a
    problem code per value: 0 when the value was read or is missing, else ``i + 1``
    for ``TIMESTAMP_PROBLEMS[i]``. Values with an explicit UTC offset keep it; naive
    values are read as local time in ``tz``. Numbers are read only as epoch numbers
    in ``epoch_unit``: a numeric column without it is an error naming the parameter.
    Nothing outside :data:`TIME_MIN` .. :data:`TIME_MAX` is ever converted (those are
    ``timestamp_out_of_range``), so no value can raise.
    """
    _check_tz(tz, func)
    if epoch_unit is not None and epoch_unit not in _UNIT_NS:
        raise InvalidParameterError(
            f"The 'epoch_unit' parameter of {func} must be one of {list(_UNIT_NS)!r} or None. "
            f"Got {epoch_unit!r} instead."
        )
    n = len(values)
    dtype = values.dtype
    if getattr(dtype, "kind", "O") in "iuf":
        if epoch_unit is None:
            raise InvalidParameterError(_epoch_message(column, func, f"numbers of dtype {dtype}"))
        return _epoch(values, epoch_unit)
    problem = np.zeros(n, dtype=np.int8)
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        ns, oob, aware = _checked_ns(values)
        problem[oob] = _OOB
        return _localized(ns, problem, ~aware, tz)
    ns = np.full(n, _NAT, dtype=np.int64)
    if tz.upper() == "UTC" and fmt is None and not dayfirst and _is_text_dtype(dtype):
        fast = _parse_iso(values)
        if fast is not None:
            ns, oob, _ = _checked_ns(fast)
            problem[oob] = _OOB
            return ns, problem
    obj = values if _is_text_dtype(dtype) else values.astype(object)
    present = ~blank_mask(obj)
    if obj.dtype == object and pd.api.types.infer_dtype(obj, skipna=True) not in _TEXTUAL:
        number = np.fromiter((_is_number(x) for x in obj.to_numpy()), dtype=bool, count=n)
        number &= present
        if number.any():
            if epoch_unit is None:
                raise InvalidParameterError(
                    _epoch_message(
                        column, func, f"numbers among the values (e.g. {obj[number].iloc[0]!r})"
                    )
                )
            ns[number], problem[number] = _epoch(obj[number].astype(float), epoch_unit)
            present &= ~number
    if epoch_unit is not None and present.any():
        digits = (
            as_strings(obj).str.fullmatch(r"\s*[+-]?\d+(?:\.\d*)?\s*").fillna(False)
        ).to_numpy(dtype=bool) & present
        if digits.any():
            num = pd.to_numeric(as_strings(obj[digits]).str.strip(), errors="coerce")
            ns[digits], problem[digits] = _epoch(num.astype(float), epoch_unit)
            present &= ~digits
    idx = np.flatnonzero(present)
    if len(idx):
        text = obj.iloc[idx].reset_index(drop=True)
        if tz.upper() == "UTC":
            sub_ns, oob, _ = _parse_text(text, fmt, dayfirst, utc=True)
            sub_problem = np.where(oob, _OOB, 0).astype(np.int8)
        else:
            has_offset = (
                as_strings(text).str.contains(_OFFSET_RE, regex=True).fillna(False)
            ).to_numpy(dtype=bool)
            sub_ns = np.full(len(idx), _NAT, dtype=np.int64)
            sub_problem = np.zeros(len(idx), dtype=np.int8)
            aware = np.zeros(len(idx), dtype=bool)
            for mask, utc in ((has_offset, True), (~has_offset, False)):
                if mask.any():
                    part_ns, part_oob, part_aware = _parse_text(text[mask], fmt, dayfirst, utc=utc)
                    sub_ns[mask], aware[mask] = part_ns, part_aware | utc
                    sub_problem[mask] = np.where(part_oob, _OOB, 0)
            sub_ns, sub_problem = _localized(sub_ns, sub_problem, ~aware, tz)
        unread = (sub_ns == _NAT) & (sub_problem == 0)
        sub_problem[unread] = _BAD
        ns[idx], problem[idx] = sub_ns, sub_problem
    return ns, problem


#: Why a timestamp could not be used, as ``log.rejected`` reasons (codes 1, 2, ...).
TIMESTAMP_PROBLEMS = (
    "unparseable_timestamp",
    "timestamp_out_of_range",
    "ambiguous_local_time",
    "nonexistent_local_time",
)
_BAD, _OOB, _AMB, _NONEXISTENT = 1, 2, 3, 4
_NAT = np.iinfo(np.int64).min
#: The supported time range, inside what ``datetime64[ns]`` holds: TIME_MIN <= t < TIME_MAX.
TIME_MIN = pd.Timestamp("1677-09-22", tz="UTC")
TIME_MAX = pd.Timestamp("2262-04-11", tz="UTC")
_LO, _HI = TIME_MIN.value, TIME_MAX.value
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
#: The accepted values of ``epoch_unit``.
EPOCH_UNITS = tuple(_UNIT_NS)
_TEXTUAL = ("string", "empty", "datetime", "datetime64", "date")


def _epoch_message(column: str, func: str, got: str) -> str:
    return (
        f"The timestamp column {column!r} of {func} holds {got}. Numbers are read as times only "
        f"with an explicit unit: pass epoch_unit='s', 'ms', 'us' or 'ns' (seconds, milliseconds, "
        "... since 1970-01-01 UTC), or convert the column to dates and times first."
    )


def _check_tz(tz: Any, func: str) -> None:
    ok = isinstance(tz, str)
    if ok:
        try:
            pd.Timestamp("2000-01-01").tz_localize(tz)
        except Exception:  # unknown zone names raise several exception types
            ok = False
    if not ok:
        raise InvalidParameterError(
            f"The 'tz' parameter of {func} must be a time zone name such as 'UTC' or "
            f"'Europe/Amsterdam'. Got {tz!r} instead."
        )


def _is_number(x: object) -> bool:
    """A real number (int, float, Decimal, numpy scalar), not a bool."""
    return isinstance(x, numbers.Number) and not isinstance(
        x, bool | np.bool_ | complex | np.complexfloating
    )


def _epoch(values: pd.Series, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Epoch numbers in ``unit`` as int64 ns UTC, with problem codes (out of range only)."""
    f = _UNIT_NS[unit]
    if isinstance(values.dtype, np.dtype) and values.dtype.kind == "i":
        v = values.to_numpy()
        ok = (v >= -(-_LO // f)) & (v < -(-_HI // f))
        ns = np.where(ok, v, 0).astype(np.int64) * f
        missing = np.zeros(len(v), dtype=bool)
    else:
        v = values.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(over="ignore", invalid="ignore"):
            x = v * f
            missing = np.isnan(v)
            ok = ~missing & (x >= _LO) & (x < _HI)
            ns = np.where(ok, np.round(x), 0).astype(np.int64)
    ns[~ok] = _NAT
    problem = np.where(~ok & ~missing, _OOB, 0).astype(np.int8)
    return ns, problem


def _checked_ns(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Datetimes of any unit as int64 ns (UTC for aware ones, wall time for naive ones).

    Returns the times, a mask of those outside the supported range (set to NaT, never
    converted, so nothing overflows) and whether each value was time-zone aware.
    """
    aware = isinstance(values.dtype, pd.DatetimeTZDtype)
    f = _UNIT_NS[values.dt.unit]
    # (an aware array holds UTC times: its int64 values are those of the UTC wall time)
    v = values.array.asi8 if aware else values.to_numpy().view(np.int64)
    if len(v) and int(v.min()) >= _LO // f and int(v.max()) < _HI // f:
        # all present and in range (the usual case; NaT is the int64 minimum): two passes
        # over the times instead of the masks below (the result is a new array either way)
        return v * f if f != 1 else v.copy(), np.zeros(len(v), dtype=bool), np.full(len(v), aware)
    nat = v == _NAT
    oob = ~nat & ((v < _LO // f) | (v >= _HI // f))
    ok = ~nat & ~oob
    ns = np.where(ok, v, 0) * f
    ns[~ok] = _NAT
    return ns, oob, np.full(len(v), aware)


def _localized(
    ns: np.ndarray, problem: np.ndarray, naive: np.ndarray, tz: str
) -> tuple[np.ndarray, np.ndarray]:
    """Read the naive (wall-time) values among ``ns`` as local times in ``tz``, to UTC.

    Local times that a clock change skips or repeats become NaT with the problem
    ``nonexistent_local_time`` or ``ambiguous_local_time``.
    """
    if tz.upper() == "UTC":
        return ns, problem
    todo = naive & (ns != _NAT)
    if not todo.any():
        return ns, problem
    ns, problem = ns.copy(), problem.copy()
    local = pd.Series(ns[todo].view("M8[ns]"))
    utc = local.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").array.asi8.copy()
    failed = utc == _NAT
    sub_problem = np.zeros(len(utc), dtype=np.int8)
    if failed.any():
        shifted = local[failed].dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
        sub_problem[failed] = np.where(shifted.array.asi8 == _NAT, _AMB, _NONEXISTENT)
    oob = (utc != _NAT) & ((utc < _LO) | (utc >= _HI))
    utc[oob] = _NAT
    sub_problem[oob] = _OOB
    ns[todo], problem[todo] = utc, sub_problem
    return ns, problem


def _parse_text(
    text: pd.Series, fmt: str | None, dayfirst: bool, *, utc: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse text (or datetime objects) into ns, as :func:`_checked_ns` returns them.

    pandas parses the column at once; if that raises (a value out of every range, mixed
    kinds), the values are read one by one, so one bad value never fails the column.
    """
    try:
        parsed = _to_dt(text, fmt, dayfirst, utc=utc)
        if not (
            isinstance(parsed.dtype, pd.DatetimeTZDtype)
            or pd.api.types.is_datetime64_dtype(parsed.dtype)
        ):
            raise TypeError("not datetimes")
        return _checked_ns(parsed)
    except (ValueError, TypeError, OverflowError, ArithmeticError, AttributeError):
        return _parse_each(text, fmt, dayfirst, utc=utc)


def _parse_each(
    text: pd.Series, fmt: str | None, dayfirst: bool, *, utc: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(text)
    ns = np.full(n, _NAT, dtype=np.int64)
    oob = np.zeros(n, dtype=bool)
    aware = np.zeros(n, dtype=bool)
    lo, hi = TIME_MIN.tz_localize(None), TIME_MAX.tz_localize(None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, x in enumerate(text.to_numpy(dtype=object)):
            try:
                t = pd.to_datetime(x, format=fmt, dayfirst=dayfirst, utc=utc, errors="coerce")
                if not isinstance(t, pd.Timestamp) or pd.isna(t):
                    continue
                if t.tzinfo is not None:
                    t = t.tz_convert("UTC").tz_localize(None)
                    aware[i] = True
                if t < lo or t >= hi:
                    oob[i] = True
                    continue
                ns[i] = t.as_unit("ns").value
            except Exception:  # any failure to read one value makes it unparseable
                continue
    return ns, oob, aware


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
