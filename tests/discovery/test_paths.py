"""PathArray: the variant column stored as codes, read as tuples.

Hand-checked cases first, then pandas' own extension-array test suite
(``pandas.tests.extension.base``), which checks the whole ExtensionArray contract.
"""

from __future__ import annotations

import functools
import importlib
import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import journeymine as jm
from journeymine.discovery._paths import PathArray, PathDtype

_compute = importlib.import_module("journeymine.discovery._compute")

AB, B, EMPTY = ("A", "B"), ("B",), ()


def _arr(*paths) -> PathArray:
    return PathArray._from_sequence(list(paths))


# ----------------------------------------------------------------------------- by hand


def test_codes_are_spans_and_elements_are_tuples():
    codes = np.array([0, 1, 1, 2, 0], dtype=np.int32)
    arr = PathArray._from_codes(codes, np.array([0, 2, 4, 0]), np.array([2, 2, 1, -1]), "ABC")
    assert arr.tolist() == [("A", "B"), ("B", "C"), ("A",), arr.dtype.na_value]
    assert type(arr[0]) is tuple and arr[-2] == ("A",) and np.isnan(arr[3])
    assert list(arr) == arr.tolist()
    assert arr.isna().tolist() == [False, False, False, True]
    assert arr.dtype == PathDtype() and arr.dtype == "path" and arr.dtype.kind == "O"
    assert arr.nbytes == 4 * 8 + 4 * 8 + 5 * 4  # starts, lengths, the codes of the paths
    with pytest.raises(IndexError):
        arr[4]


def test_slices_masks_and_take():
    arr = _arr(AB, B, EMPTY, ("C", "A"))
    assert arr[1:3].tolist() == [B, EMPTY]
    assert arr[::-2].tolist() == [("C", "A"), B]
    assert arr[np.array([True, False, False, True])].tolist() == [AB, ("C", "A")]
    assert arr[[3, 0]].tolist() == [("C", "A"), AB]
    out = arr.take([2, -1, 0], allow_fill=True)
    assert out[0] == EMPTY and out[2] == AB and np.isnan(out[1]) and out.isna().tolist()[1]
    assert arr.take([-1]).tolist() == [("C", "A")]  # without allow_fill: from the end
    assert arr.take([0, -1], allow_fill=True, fill_value=("Z",)).tolist() == [AB, ("Z",)]
    with pytest.raises(IndexError):
        arr.take([4])
    with pytest.raises(ValueError):
        arr.take([-2], allow_fill=True)


def test_concat_equality_and_copy():
    a, b = _arr(AB, B), _arr(("C",), AB, None)  # different label codes
    both = PathArray._concat_same_type([a, b])
    assert both.tolist()[:4] == [AB, B, ("C",), AB] and both.isna().tolist()[-1]
    assert (both == AB).tolist() == [True, False, False, True, False]
    assert (both != AB).tolist() == [False, True, True, False, True]
    assert (a == _arr(AB, ("A",))).tolist() == [True, False]
    assert (a == [AB, B]).tolist() == [True, True]
    assert (both == ("nowhere",)).sum() == 0 and (both == "A").sum() == 0
    c = a.copy()
    c[0] = ("X", "Y")
    assert c.tolist() == [("X", "Y"), B] and a.tolist() == [AB, B]
    view = c[1:]
    view[0] = ("new",)  # a view writes through, as numpy views do
    assert c.tolist() == [("X", "Y"), ("new",)]
    c[[0, 1]] = None
    assert c.isna().all()


def test_empty_array():
    arr = _arr()
    assert len(arr) == 0 and arr.tolist() == [] and arr.isna().tolist() == []
    assert arr.take([], allow_fill=True).tolist() == []
    assert arr.take([-1], allow_fill=True).isna().tolist() == [True]
    assert PathArray._concat_same_type([arr, _arr(B)]).tolist() == [B]
    assert pa.array(arr).type == pa.list_(pa.string())
    assert pd.Series(arr).to_list() == []


def test_explode_and_factorize_work_on_codes():
    s = pd.Series(_arr(AB, EMPTY, None, B, AB), index=list("vwxyz"))
    ex = s.explode()
    assert ex.index.tolist() == list("vvwxyzz")
    assert ex.tolist()[:2] == ["A", "B"] and ex.isna().tolist()[2:4] == [True, True]
    codes, uniques = s.array.factorize()
    assert codes.tolist() == [0, 1, -1, 2, 0] and uniques.tolist() == [AB, EMPTY, B]
    assert s.value_counts().to_dict() == {AB: 2, EMPTY: 1, B: 1}


def test_parquet_round_trip(tmp_path):
    df = pd.DataFrame({"variant": _arr(AB, None, EMPTY, ("é", "A")), "n": [1, 2, 3, 4]})
    table = pa.Table.from_pandas(df)
    assert table.schema.field("variant").type == pa.list_(pa.string())
    assert table.column("variant").to_pylist() == [["A", "B"], None, [], ["é", "A"]]
    df.to_parquet(tmp_path / "v.parquet")
    back = pd.read_parquet(tmp_path / "v.parquet")
    assert back["variant"].dtype == PathDtype()
    pd.testing.assert_frame_equal(back, df)
    # a list<dictionary> column, sliced, reads back the same
    arr = pa.array([["x", "y"], None, ["y"]]).cast(pa.list_(pa.dictionary(pa.int32(), pa.string())))
    assert PathDtype().__from_arrow__(pa.chunked_array([arr[1:], arr])).tolist()[1:] == [
        ("y",),
        ("x", "y"),
        PathDtype.na_value,
        ("y",),
    ]


def test_printing_and_text_like_a_column_of_tuples():
    paths = [AB, B, ("a\tb",)]
    obj = pd.DataFrame({"variant": pd.Series(np.fromiter(paths, object, 3), dtype=object)})
    new = pd.DataFrame({"variant": _arr(*paths)})
    assert repr(new) == repr(obj) and new.to_string() == obj.to_string()
    assert new.to_csv() == obj.to_csv() and new.to_html() == obj.to_html()
    assert new.to_json() == obj.to_json()
    assert new["variant"].astype(str).tolist() == [str(p) for p in paths]
    assert "(A, B)" in repr(new)
    back = pickle.loads(pickle.dumps(new))
    pd.testing.assert_frame_equal(back, new)


def test_variants_column_is_lazy_and_behaves_as_tuples():
    log = jm.datasets.load_sample()
    v = jm.variants(log)
    s = v["variant"]
    assert isinstance(s.array, PathArray) and s.dtype == "path"
    paths = s.tolist()
    assert all(type(p) is tuple for p in paths) and len(set(s)) == len(v)
    assert dict(zip(s, v["journeys"], strict=True))[paths[0]] == v["journeys"].iloc[0]
    assert (s == paths[3]).sum() == 1 and sorted(s)[0] == min(paths)
    assert s.map(len).tolist() == v["length"].tolist()
    # the columns are fresh arrays: writing to the table leaves the log's cache alone
    s.array[0] = ("changed",)
    assert jm.variants(log)["variant"][0] == paths[0]


def test_the_directly_follows_pairs_are_never_kept():
    log = jm.datasets.load_sample()
    jm.variants(log)
    jm.discover(log)
    steps = _compute._steps(log, "activity", False)
    # computed per use: the cached steps hold the event arrays only
    assert not any(isinstance(v, tuple) for v in vars(steps).values())
    a, b = steps.pairs(), steps.pairs()
    assert all(x is not y and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_lazy_pairs_equal_the_transitions_table():
    log = jm.datasets.load_sample()
    t = jm.transitions(log, "channel")
    steps = _compute._steps(log, "channel", False)
    labels = np.asarray(steps.labels, dtype=object)
    src, dst, gap, tcase = steps.pairs()
    assert labels[src].tolist() == t["source"].astype(str).tolist()
    assert labels[dst].tolist() == t["target"].astype(str).tolist()
    assert gap.tolist() == t["gap"].array.asi8.tolist()
    assert tcase.tolist() == t["case_id"].cat.codes.tolist()
    csrc, _, cgap, _ = _compute._steps(log, "channel", True).pairs()
    keep = (t["source"] != t["target"]).to_numpy()
    assert cgap.tolist() == t["gap"].array.asi8[keep].tolist()
    assert csrc.dtype == steps.code.dtype and cgap.dtype == np.int64


# ----------------------------------------------------------------------------- pandas' suite

base = pytest.importorskip("pandas.tests.extension.base")
from pandas.tests.extension.conftest import *  # noqa: E402, F403  (the suite's fixtures)

_A, _B, _C = ("A", "Z"), ("B",), ("C", "A")  # A < B < C


@pytest.fixture
def dtype():
    return PathDtype()


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    paths = [AB, B] + [
        tuple(rng.choice(list("ABCDE"), int(n)).tolist()) for n in rng.integers(0, 6, 8)
    ]
    return _arr(*paths)


@pytest.fixture
def data_missing():
    return _arr(None, AB)


@pytest.fixture
def data_for_sorting():
    return _arr(_B, _C, _A)


@pytest.fixture
def data_missing_for_sorting():
    return _arr(_B, None, _A)


@pytest.fixture
def data_for_grouping():
    return _arr(_B, _B, None, None, _A, _A, _B, _C)


# pandas reads a tuple as a sequence of values, not as one value, in these places (so
# does a column of tuples): Series/DataFrame assignment of one path to several rows,
# fillna with a path, a Series from one path, a DataFrame from a list of paths
_TUPLE_AS_SEQUENCE = pytest.mark.xfail(reason="pandas reads a tuple value as a sequence")


class TestPathArraySuite(
    base.BaseCastingTests,
    base.BaseConstructorsTests,
    base.BaseDtypeTests,
    base.BaseGetitemTests,
    base.BaseGroupbyTests,
    base.BaseIndexTests,
    base.BaseInterfaceTests,
    base.BaseMethodsTests,
    base.BaseMissingTests,
    base.BasePrintingTests,
    base.BaseReduceTests,
    base.BaseReshapingTests,
    base.BaseSetitemTests,
    base.BaseComparisonOpsTests,
):
    """The ExtensionArray contract (arithmetic, plotting and CSV parsing do not apply)."""

    pytestmark = pytest.mark.filterwarnings(
        "ignore:Constructing a DataFrame from a list of sequences"
    )

    def _supports_reduction(self, ser: pd.Series, op_name: str) -> bool:
        return op_name in ("count", "min", "max")

    def test_setitem_sequence_broadcasts(self, data, box_in_series, request):
        if box_in_series:
            request.applymarker(_TUPLE_AS_SEQUENCE)
        super().test_setitem_sequence_broadcasts(data, box_in_series)

    def test_setitem_mask(self, data, mask, box_in_series, request):
        if box_in_series:
            request.applymarker(_TUPLE_AS_SEQUENCE)
        super().test_setitem_mask(data, mask, box_in_series)

    test_setitem_mask.pytestmark = base.BaseSetitemTests.test_setitem_mask.pytestmark

    def test_setitem_mask_boolean_array_with_na(self, data, box_in_series, request):
        if box_in_series:
            request.applymarker(_TUPLE_AS_SEQUENCE)
        super().test_setitem_mask_boolean_array_with_na(data, box_in_series)

    def test_setitem_integer_array(self, data, idx, box_in_series, request):
        if box_in_series:
            request.applymarker(_TUPLE_AS_SEQUENCE)
        super().test_setitem_integer_array(data, idx, box_in_series)

    test_setitem_integer_array.pytestmark = (
        base.BaseSetitemTests.test_setitem_integer_array.pytestmark
    )

    def test_setitem_slice(self, data, box_in_series, request):
        if box_in_series:
            request.applymarker(_TUPLE_AS_SEQUENCE)
        super().test_setitem_slice(data, box_in_series)


def _xfail_tuple_as_sequence(name: str):
    """The suite's test ``name``, expected to fail (a wrapper: pandas' function stays unmarked)."""
    test = getattr(base.ExtensionTests, name)

    @functools.wraps(test)
    def run(self, *args, **kwargs):
        return test(self, *args, **kwargs)

    return _TUPLE_AS_SEQUENCE(run)


for _name in (
    "test_setitem_loc_scalar_mixed",
    "test_setitem_loc_scalar_multiple_homogoneous",
    "test_setitem_iloc_scalar_mixed",
    "test_setitem_iloc_scalar_multiple_homogoneous",
    "test_setitem_mask_broadcast",
    "test_loc_setitem_with_expansion_preserves_ea_index_dtype",
    "test_setitem_loc_iloc_slice",
    "test_fillna_series",
    "test_fillna_frame",
    "test_fillna_limit_frame",
    "test_fillna_limit_series",
    "test_fillna_copy_frame",
    "test_fillna_copy_series",
    "test_series_constructor_scalar_with_index",
    "test_from_dtype",
):
    setattr(TestPathArraySuite, _name, _xfail_tuple_as_sequence(_name))
