"""CSV formula neutralisation (OWASP CSV injection) and HTML escaping helpers."""

from __future__ import annotations

import pandas as pd
import pytest

from journeymine.reporting._safe import FORMULA_STARTS, esc, neutralise_cell, neutralise_frame


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert neutralise_cell(start + "cmd") == "'" + start + "cmd"


def test_numbers_and_other_values_are_left_alone() -> None:
    frame = pd.DataFrame(
        {
            "int": [-1, 2],
            "float": [-0.5, 1.0],
            "text": ["-1", "safe"],
            "mixed": [-3, "=1"],
            "missing": [None, "+x"],
            "cat": pd.Categorical(["@home", "x"]),
            "string": pd.array(["\tTAB", None], dtype="string"),
            "when": pd.to_datetime(["2025-01-01", "2025-01-02"]),
        }
    )
    out = neutralise_frame(frame)
    assert out["int"].tolist() == [-1, 2] and out["int"].dtype == frame["int"].dtype
    assert out["float"].tolist() == [-0.5, 1.0]
    assert out["text"].tolist() == ["'-1", "safe"]
    assert out["mixed"].tolist() == [-3, "'=1"]
    assert out["missing"].tolist()[1] == "'+x" and pd.isna(out["missing"].tolist()[0])
    assert list(out["cat"].astype(str)) == ["'@home", "x"]
    assert out["string"].tolist()[0] == "'\tTAB"
    assert out["when"].equals(frame["when"])
    assert frame["text"].tolist() == ["-1", "safe"]  # the input is never changed


def test_column_names_are_neutralised_too() -> None:
    out = neutralise_frame(pd.DataFrame({"=cmd": [1]}))
    assert list(out.columns) == ["'=cmd"]


def test_categorical_that_would_collide_stays_correct() -> None:
    frame = pd.DataFrame({"c": pd.Categorical(["=a", "'=a"])})
    assert neutralise_frame(frame)["c"].astype(str).tolist() == [
        "'=a",
        "'=a",
    ]  # no error, each cell safe


def test_esc() -> None:
    assert esc("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert esc("\"x\" & 'y'") == "&quot;x&quot; &amp; &#x27;y&#x27;"
    assert esc(None) == ""
