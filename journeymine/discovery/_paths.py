"""A column of paths (tuples of labels) stored as integer codes (private).

The ``variant`` column of :func:`journeymine.variants` holds one path per
variant, such as ``("ad click", "visit homepage")``. It is a pandas extension
array, :class:`PathArray` (dtype ``"path"``), and each element *is* a Python
tuple of labels when it is read: ``v["variant"][0]``, iteration, ``tolist()``,
``set(...)``, ``dict(zip(v["variant"], v["journeys"]))``, ``sorted(...)``,
``==`` against a tuple and the printed table all behave as for a column of
tuples.

Why not a column of tuples? Speed. :func:`journeymine.variants` groups a
million events into 50,000 variants in a few vectorised passes, in less time
than it takes to create 50,000 tuples (about 35 ms for their 900,000 label
references; the Python objects, not the grouping, were the bulk of the work).
So the column is columnar, and building it costs no Python object per path:
the paths are spans of an integer code array (each path's ``start`` and
``length`` in it; length -1 for a missing path) plus the labels the codes stand
for. A tuple is made only when an element is read, and reading them all
(``tolist()``) builds them in one batch. That is the rule for writing our own
code: keep per-row Python objects out of the computation and build them only
when the caller asks for them.

The code array is shared, never written to: slices, ``take`` and ``copy`` only
select other spans, and assignment appends the new paths' codes to a fresh
array (``_Store``) shared by an array and its views. Comparisons, ``isna``,
``factorize`` (grouping, ``unique``, ``value_counts``), ``explode`` and the
Arrow conversion (``to_parquet``: a ``list<string>`` column) work on the codes;
sorting and hashing build the tuples.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import (
    ExtensionArray,
    ExtensionDtype,
    no_default,
    register_extension_dtype,
    take,
)
from pandas.api.indexers import check_array_indexer
from pandas.api.types import is_list_like, is_scalar, is_string_dtype, pandas_dtype

from .._kernels import case_variants

__all__ = ["PathDtype", "PathArray"]

#: Paths materialised at a time while iterating.
_CHUNK = 4096


def _is_na(value: Any) -> bool:
    """Whether ``value`` is a missing scalar (None, NaN, pd.NA, NaT)."""
    return bool(is_scalar(value) and pd.isna(value))


@register_extension_dtype
class PathDtype(ExtensionDtype):
    """The dtype of a :class:`PathArray`: each element is a tuple of labels.

    Its string name is ``"path"``; missing paths are NaN.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([("A", "B"), ("A",)], dtype="path")
    >>> s.dtype
    PathDtype
    >>> s[0]
    ('A', 'B')
    """

    name = "path"
    type = tuple
    kind = "O"
    na_value = np.nan
    _metadata = ()

    @classmethod
    def construct_array_type(cls) -> type[PathArray]:
        """The array class of this dtype, :class:`PathArray`."""
        return PathArray

    def __repr__(self) -> str:
        return "PathDtype"

    def __from_arrow__(self, array: Any) -> PathArray:
        """A :class:`PathArray` from a pyarrow ``list`` array (or chunked array) of labels."""
        import pyarrow as pa

        if isinstance(array, pa.ChunkedArray):
            chunks = array.chunks
            if len(chunks) == 1:
                array = chunks[0]
            elif chunks:
                array = pa.concat_arrays(chunks)
            else:
                array = pa.array([], type=array.type)
        if not (pa.types.is_list(array.type) or pa.types.is_large_list(array.type)):
            raise TypeError(f"Cannot make paths from an Arrow array of type {array.type}.")
        offsets = np.asarray(array.offsets, dtype=np.int64)
        values = array.values
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        enc = values.dictionary_encode(null_encoding="encode")
        codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        labels = np.asarray(enc.dictionary.to_pylist(), dtype=object)
        # equal labels get one code, so that equal paths have equal codes
        canon, uniq = pd.factorize(labels, use_na_sentinel=False)
        if len(uniq) < len(labels):
            codes = canon.astype(np.int32)[codes]
            labels = np.asarray(uniq, dtype=object)
        lengths = np.diff(offsets)
        lengths[np.asarray(array.is_null(), dtype=bool)] = -1
        return PathArray._from_codes(codes, offsets[:-1], lengths, labels)


class _Store:
    """The codes and labels of one or more :class:`PathArray` (append-only, shared by views)."""

    def __init__(self, codes: np.ndarray, labels: np.ndarray) -> None:
        self.codes = codes
        self.labels = labels
        self._index: dict[Any, int] | None = None

    def index(self) -> dict[Any, int]:
        """Label -> code."""
        if self._index is None:
            self._index = {lab: i for i, lab in enumerate(self.labels.tolist())}
        return self._index

    def encode(self, paths: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Append the codes of ``paths`` (tuples or missing values); their starts and lengths."""
        index = self.index()
        labels = self.labels.tolist()
        flat: list[int] = []
        lengths = np.empty(len(paths), dtype=np.int64)
        for i, path in enumerate(paths):
            if _is_na(path):
                lengths[i] = -1
                continue
            if isinstance(path, str | bytes | set | frozenset | dict) or not is_list_like(path):
                raise TypeError(
                    f"A path is a tuple of labels; got {type(path).__name__} {path!r} instead."
                )
            n = 0
            for label in path:
                code = index.get(label)
                if code is None:
                    code = index[label] = len(labels)
                    labels.append(label)
                flat.append(code)
                n += 1
            lengths[i] = n
        base = self.extend(np.asarray(flat, dtype=np.int64), labels)
        lens = np.maximum(lengths, 0)
        return base + np.cumsum(lens) - lens, lengths

    def extend(self, codes: np.ndarray, labels: list[Any]) -> int:
        """Append ``codes`` (for ``labels``, which start with this store's); where they start."""
        base = len(self.codes)
        if len(labels) > len(self.labels):
            out = np.empty(len(labels), dtype=object)
            out[:] = labels
            self.labels = out
        if len(codes):
            dtype = np.int32 if len(self.labels) < np.iinfo(np.int32).max else np.int64
            self.codes = np.concatenate([self.codes.astype(dtype, copy=False), codes.astype(dtype)])
        return base

    def adopt(self, other: PathArray) -> tuple[np.ndarray, np.ndarray]:
        """The starts and lengths, in this store, of the paths of ``other``."""
        if other._store is self:
            return other._starts, other._lengths
        codes, offsets = other._compact()
        index = self.index()
        labels = self.labels.tolist()
        remap = np.empty(len(other._store.labels), dtype=np.int64)
        for i, label in enumerate(other._store.labels.tolist()):
            code = index.get(label)
            if code is None:
                code = index[label] = len(labels)
                labels.append(label)
            remap[i] = code
        base = self.extend(remap[codes], labels)
        return base + offsets[:-1], other._lengths.copy()


def _flat_index(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in the code array of every step of the paths, in order; and the offsets."""
    lens = np.maximum(lengths, 0)
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    idx = np.repeat(starts - offsets[:-1], lens) + np.arange(offsets[-1], dtype=np.int64)
    return idx, offsets


def _object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array whose elements are ``values`` (tuples stay elements)."""
    return np.fromiter(values, dtype=object, count=len(values))


class PathArray(ExtensionArray):
    """An array of paths: each element is a tuple of labels (or NaN when missing).

    Stored as integer codes: one span of a code array per path, and the labels
    the codes stand for (see the module notes). Made by
    :func:`journeymine.variants`, or from tuples with ``pd.array(paths,
    dtype="path")``.

    Examples
    --------
    >>> import pandas as pd
    >>> arr = pd.array([("A", "B"), ("B",), None], dtype="path")
    >>> arr
    <PathArray>
    [('A', 'B'), ('B',), nan]
    Length: 3, dtype: path
    >>> arr[0], arr.isna().tolist()
    (('A', 'B'), [False, False, True])
    >>> (arr == ("B",)).tolist()
    [False, True, False]
    >>> pd.Series(arr).tolist()
    [('A', 'B'), ('B',), nan]
    """

    _dtype = PathDtype()
    __array_priority__ = 1000

    def __init__(self, store: _Store, starts: np.ndarray, lengths: np.ndarray) -> None:
        self._store = store
        self._starts = starts
        self._lengths = lengths

    # ------------------------------------------------------------------ construction
    @classmethod
    def _from_codes(
        cls, codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray, labels: Sequence[Any]
    ) -> PathArray:
        """Paths ``codes[starts[i]:starts[i] + lengths[i]]`` (length -1: missing).

        ``labels`` must be distinct. No array is copied; ``codes`` is never written to.
        """
        lab = np.empty(len(labels), dtype=object)
        lab[:] = list(labels)
        return cls(
            _Store(np.asarray(codes), lab),
            np.asarray(starts, dtype=np.int64),
            np.asarray(lengths, dtype=np.int64),
        )

    @classmethod
    def _from_sequence(cls, scalars: Any, *, dtype: Any = None, copy: bool = False) -> PathArray:
        """Paths from a sequence of tuples (or lists) of labels and missing values."""
        if dtype is not None and not isinstance(pandas_dtype(dtype), PathDtype):
            raise TypeError(f"Cannot make a PathArray of dtype {dtype}.")
        if isinstance(scalars, PathArray):
            return scalars.copy() if copy else scalars
        if isinstance(scalars, pd.Series | pd.Index) and isinstance(scalars.dtype, PathDtype):
            return cls._from_sequence(scalars.array, copy=copy)
        if type(scalars).__module__.startswith("pyarrow"):
            return PathDtype().__from_arrow__(scalars)
        store = _Store(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=object))
        starts, lengths = store.encode(list(scalars))
        return cls(store, starts, lengths)

    @classmethod
    def _from_factorized(cls, values: np.ndarray, original: PathArray) -> PathArray:
        """Paths from the tuples of :meth:`_values_for_factorize`."""
        return cls._from_sequence(values)

    # ------------------------------------------------------------------ the interface
    @property
    def dtype(self) -> PathDtype:
        """The :class:`PathDtype`."""
        return self._dtype

    def __len__(self) -> int:
        return len(self._starts)

    @property
    def nbytes(self) -> int:
        """Bytes of the starts, lengths and the codes of the paths (not the shared labels)."""
        steps = int(np.maximum(self._lengths, 0).sum())
        return int(self._starts.nbytes + self._lengths.nbytes + steps * self._store.codes.itemsize)

    def isna(self) -> np.ndarray:
        """True where the path is missing."""
        return self._lengths < 0

    def copy(self) -> PathArray:
        """A copy (the immutable code storage is shared)."""
        return type(self)(self._store, self._starts.copy(), self._lengths.copy())

    def _one(self, i: int) -> Any:
        n = int(self._lengths[i])
        if n < 0:
            return self.dtype.na_value
        s = int(self._starts[i])
        return tuple(self._store.labels[self._store.codes[s : s + n]].tolist())

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, tuple):
            rest = [k for k in item if k is not Ellipsis]
            if len(rest) > 1:
                raise IndexError("too many indices for a 1-dimensional PathArray")
            item = rest[0] if rest else slice(None)
        elif item is Ellipsis:
            item = slice(None)
        if isinstance(item, numbers.Integral):
            i = operator.index(item)
            n = len(self)
            if not -n <= i < n:
                raise IndexError(f"index {i} is out of bounds for axis 0 with size {n}")
            return self._one(i % n)
        if isinstance(item, slice):  # a view, read-only if this array is
            out = type(self)(self._store, self._starts[item], self._lengths[item])
            out._readonly = self._readonly
            return out
        item = check_array_indexer(self, item)
        return type(self)(self._store, self._starts[item], self._lengths[item])

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._readonly:
            raise ValueError("Cannot modify read-only array")
        if not isinstance(key, numbers.Integral | slice):
            key = check_array_indexer(self, key)
        if _is_na(value) or isinstance(value, tuple):
            starts, lengths = self._store.encode([value])
            self._starts[key] = starts[0]
            self._lengths[key] = lengths[0]
            return
        if not isinstance(value, PathArray):
            if not is_list_like(value) or isinstance(value, str):
                raise TypeError(
                    f"A path is a tuple of labels; got {type(value).__name__} {value!r} instead."
                )
            value = type(self)._from_sequence(value)
        starts, lengths = self._store.adopt(value)
        if isinstance(key, numbers.Integral):
            if len(starts) != 1:
                raise ValueError("setting one element needs one path")
            starts, lengths = starts[0], lengths[0]
        self._starts[key] = starts
        self._lengths[key] = lengths

    def take(self, indices: Any, *, allow_fill: bool = False, fill_value: Any = None) -> PathArray:
        """The paths at ``indices``; with ``allow_fill``, -1 gives ``fill_value`` (NaN by default)."""
        idx = np.asarray(indices, dtype=np.intp)
        if not allow_fill:
            return type(self)(self._store, take(self._starts, idx), take(self._lengths, idx))
        out = type(self)(
            self._store,
            take(self._starts, idx, allow_fill=True, fill_value=0),
            take(self._lengths, idx, allow_fill=True, fill_value=-1),
        )
        if fill_value is not None and not _is_na(fill_value):
            out[idx == -1] = fill_value
        return out

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[PathArray]) -> PathArray:
        arrays = list(to_concat)
        if not arrays:
            return cls._from_sequence([])
        store = arrays[0]._store
        if any(a._store is not store for a in arrays):
            store = _Store(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=object))
        parts = [store.adopt(a) for a in arrays]
        return cls(
            store,
            np.concatenate([p[0] for p in parts]).astype(np.int64, copy=False),
            np.concatenate([p[1] for p in parts]).astype(np.int64, copy=False),
        )

    # ------------------------------------------------------------------ tuples
    def _compact(self) -> tuple[np.ndarray, np.ndarray]:
        """The codes of all paths, one after another, and each path's offsets (missing: empty)."""
        idx, offsets = _flat_index(self._starts, self._lengths)
        return self._store.codes[idx], offsets

    def tolist(self) -> list[Any]:
        """The paths as a list of tuples (NaN where missing), built in one batch.

        All labels in one list (one gather), then one slice of it per path, in C
        (``map``): no Python-level loop, but one tuple per path, which is the cost.
        """
        if not len(self):
            return []
        idx, offsets = _flat_index(self._starts, self._lengths)
        labels = self._store.labels[self._store.codes[idx]].tolist()
        bounds = offsets.tolist()
        out = list(map(tuple, map(labels.__getitem__, map(slice, bounds[:-1], bounds[1:]))))
        for i in np.flatnonzero(self._lengths < 0).tolist():
            out[i] = self.dtype.na_value
        return out

    def _to_object(self) -> np.ndarray:
        return _object_array(self.tolist())

    def __iter__(self) -> Iterator[Any]:
        for b in range(0, len(self), _CHUNK):
            yield from self[b : b + _CHUNK].tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy is False:
            raise ValueError("Unable to avoid copy while creating an array as requested.")
        out = self._to_object()
        if dtype is None or np.dtype(dtype) == object:
            return out
        if np.dtype(dtype).kind in "US":
            return np.array([str(x) for x in out.tolist()], dtype=dtype)
        return np.asarray(out, dtype=dtype)

    def to_numpy(self, dtype: Any = None, copy: bool = False, na_value: Any = no_default) -> Any:
        """The paths as a new numpy array (``object``: tuples), missing ones as ``na_value``."""
        out = np.asarray(self, dtype=dtype)  # always a new array
        if na_value is not no_default:
            for i in np.flatnonzero(self.isna()).tolist():
                out[i] = na_value
        return out

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        """Paths as another dtype: ``object`` gives tuples, string dtypes their text."""
        dtype = pandas_dtype(dtype)
        if isinstance(dtype, PathDtype):
            return self.copy() if copy else self
        if isinstance(dtype, np.dtype):
            return np.asarray(self, dtype=dtype)
        if is_string_dtype(dtype):
            text = [x if _is_na(x) else str(x) for x in self.tolist()]
            return dtype.construct_array_type()._from_sequence(text, dtype=dtype)
        return dtype.construct_array_type()._from_sequence(self._to_object(), dtype=dtype)

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        return self._to_object(), self.dtype.na_value

    def _values_for_argsort(self) -> np.ndarray:
        return self._to_object()

    def _values_for_json(self) -> np.ndarray:
        return self._to_object()

    def factorize(self, use_na_sentinel: bool = True) -> tuple[np.ndarray, PathArray]:
        """Codes (in order of first appearance, -1 for missing) and the distinct paths.

        Grouped on the codes, exactly, by :func:`journeymine._kernels.case_variants`.
        """
        if not use_na_sentinel:
            return super().factorize(use_na_sentinel=use_na_sentinel)
        ok = np.flatnonzero(self._lengths >= 0)
        valid = self[ok]
        codes, offsets = valid._compact()
        variant, first = case_variants(codes, offsets)
        out = np.full(len(self), -1, dtype=np.intp)
        out[ok] = variant
        return out, valid[first]

    def _explode(self) -> tuple[np.ndarray, np.ndarray]:
        """One row per step (the labels, as objects); empty and missing paths give NaN."""
        codes, offsets = self._compact()
        counts = np.maximum(self._lengths, 1).astype(np.uint64)
        out = np.empty(int(counts.sum()), dtype=object)
        out[:] = self.dtype.na_value
        row_start = np.r_[0, np.cumsum(counts)[:-1]].astype(np.int64)
        lens = np.diff(offsets)
        pos = np.repeat(row_start - offsets[:-1], lens) + np.arange(offsets[-1], dtype=np.int64)
        out[pos] = self._store.labels[codes]
        return out, counts

    # ------------------------------------------------------------------ comparisons
    def _codes_of(self, path: tuple[Any, ...]) -> list[int] | None:
        """The codes of ``path``'s labels in this array's store (None if one is unknown)."""
        index = self._store.index()
        out = []
        for label in path:
            code = index.get(label)
            if code is None:
                return None
            out.append(code)
        return out

    def _equal_path(self, path: tuple[Any, ...]) -> np.ndarray:
        out = np.zeros(len(self), dtype=bool)
        codes = self._codes_of(path)
        if codes is None:
            return out
        cand = np.flatnonzero(self._lengths == len(codes))
        store = self._store.codes
        for j, c in enumerate(codes):
            cand = cand[store[self._starts[cand] + j] == c]
        out[cand] = True
        return out

    def _equal_array(self, other: PathArray) -> np.ndarray:
        if len(other) != len(self):
            raise ValueError(f"Lengths must match to compare: {len(self)} and {len(other)}.")
        if other._store is self._store:
            o_codes, o_starts, o_lengths = self._store.codes, other._starts, other._lengths
        else:  # other's paths in a copy of this store
            tmp = _Store(self._store.codes, self._store.labels)
            tmp._index = dict(self._store.index())
            o_starts, o_lengths = tmp.adopt(other)
            o_codes = tmp.codes
        out = (self._lengths == o_lengths) & (self._lengths >= 0)
        w = np.flatnonzero(out & (self._lengths > 0))
        if len(w):
            a, offsets = _flat_index(self._starts[w], self._lengths[w])
            b, _ = _flat_index(o_starts[w], o_lengths[w])
            diff = (self._store.codes[a] != o_codes[b]).astype(np.int64)
            out[w] = np.add.reduceat(diff, offsets[:-1]) == 0
        return out

    def __eq__(self, other: Any) -> Any:  # type: ignore[override]
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        if isinstance(other, tuple):
            return self._equal_path(other)
        if isinstance(other, PathArray):
            return self._equal_array(other)
        if is_list_like(other) and not isinstance(other, str | bytes | dict):
            try:
                paths = type(self)._from_sequence(other)
            except TypeError:
                values = _object_array(list(other))
                if len(values) != len(self):
                    raise ValueError(
                        f"Lengths must match to compare: {len(self)} and {len(values)}."
                    ) from None
                return np.array(
                    [a == b for a, b in zip(self.tolist(), values.tolist(), strict=True)],
                    dtype=bool,
                )
            return self._equal_array(paths)
        return np.zeros(len(self), dtype=bool)

    def __ne__(self, other: Any) -> Any:  # type: ignore[override]
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq

    def _order(self, other: Any, op: Callable[[Any, Any], Any]) -> Any:
        if isinstance(other, pd.Series | pd.Index | pd.DataFrame):
            return NotImplemented
        mine = self._to_object()
        if isinstance(other, tuple) or _is_na(other):
            theirs: Any = repeat(other, len(self))
        else:
            theirs = list(other)
            if len(theirs) != len(self):
                raise ValueError(f"Lengths must match to compare: {len(self)} and {len(theirs)}.")
        na = self.isna()
        res = [
            False if m or _is_na(b) else bool(op(a, b))
            for a, b, m in zip(mine.tolist(), theirs, na.tolist(), strict=False)
        ]
        return np.asarray(res, dtype=bool)

    def __lt__(self, other: Any) -> Any:
        return self._order(other, operator.lt)

    def __le__(self, other: Any) -> Any:
        return self._order(other, operator.le)

    def __gt__(self, other: Any) -> Any:
        return self._order(other, operator.gt)

    def __ge__(self, other: Any) -> Any:
        return self._order(other, operator.ge)

    def searchsorted(self, value: Any, side: str = "left", sorter: Any = None) -> Any:
        """Where ``value`` (a path, or an array of paths) would go in this sorted array."""
        mine = self._to_object()
        if isinstance(value, tuple) or _is_na(value):
            return mine.searchsorted(_object_array([value]), side=side, sorter=sorter)[0]
        return mine.searchsorted(_object_array(list(value)), side=side, sorter=sorter)

    def _reduce(self, name: str, *, skipna: bool = True, keepdims: bool = False, **kw: Any) -> Any:
        if name == "count":
            result: Any = int((~self.isna()).sum())
            return np.array([result]) if keepdims else result
        if name not in ("min", "max"):
            raise TypeError(f"'PathArray' with dtype path does not support operation '{name}'")
        paths = [p for p in self.tolist() if not _is_na(p)]
        if not paths or (not skipna and self.isna().any()):
            result = self.dtype.na_value
        else:
            result = min(paths) if name == "min" else max(paths)
        return type(self)._from_sequence([result]) if keepdims else result

    # ------------------------------------------------------------------ printing and I/O
    def _formatter(self, boxed: bool = False) -> Callable[[Any], str]:
        if boxed:  # as a column of tuples prints: (A, B)
            from pandas.io.formats.printing import pprint_thing

            return partial(pprint_thing, escape_chars=("\t", "\r", "\n"))
        return repr

    def __arrow_array__(self, type: Any = None) -> Any:
        """The paths as a pyarrow ``list<string>`` array (``large_list`` past 2**31 steps)."""
        import pyarrow as pa

        codes, offsets = self._compact()
        labels = self._store.labels.tolist()
        if all(isinstance(x, str) for x in labels):
            dictionary = pa.array(labels, type=pa.string())
        else:
            dictionary = pa.array(labels)
        values = dictionary.take(pa.array(codes, type=pa.int64()))
        large = offsets[-1] >= np.iinfo(np.int32).max
        off = pa.array(offsets, type=pa.int64() if large else pa.int32())
        mask = pa.array(self.isna())
        cls = pa.LargeListArray if large else pa.ListArray
        out = cls.from_arrays(off, values, mask=mask if self.isna().any() else None)
        return out.cast(type) if type is not None and type != out.type else out
