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


# --------------------------------------------------------------------------- outputs never destroy user data


def _write_output(target, text: str = "x"):
    """A complete journeymine output written the way a run writes it (marker included)."""
    import json

    from journeymine.reporting.results import AtomicFolder

    with AtomicFolder(target) as tmp:
        (tmp / "tables").mkdir()
        (tmp / "tables" / "t.csv").write_text("a\n1\n")
        doc = {
            "schema_version": "1.0",
            "text": text,
            "tables": {"t": {"files": {"csv": "tables/t.csv"}}},
        }
        (tmp / "results.json").write_text(json.dumps(doc))
        (tmp / "report.html").write_text("<html></html>")


def test_user_folder_with_a_stray_results_json_is_refused(tmp_path) -> None:
    import json

    from journeymine.errors import ConfigError
    from journeymine.reporting.results import AtomicFolder, is_output_folder

    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.docx").write_text("precious")
    (folder / "results.json").write_text(json.dumps({"schema_version": "1.0"}))
    assert not is_output_folder(folder)
    with pytest.raises(ConfigError, match="files journeymine did not write"), AtomicFolder(folder):
        pass
    assert (folder / "thesis.docx").read_text() == "precious"


def test_user_file_hidden_among_known_entries_is_refused(tmp_path) -> None:
    from journeymine.reporting.results import OUTPUT_MARKER, is_output_folder

    out = tmp_path / "out"
    _write_output(out)
    assert (out / OUTPUT_MARKER).is_file()
    assert is_output_folder(out)
    (out / "tables" / "budget.xlsx").write_text("mine")
    assert not is_output_folder(out)  # not listed by the marker
    (out / "tables" / "budget.xlsx").unlink()
    (out / "notes.txt").write_text("mine")
    assert not is_output_folder(out)  # not a known entry


def test_a_previous_output_is_replaced_with_and_without_marker(tmp_path) -> None:
    import json

    from journeymine.reporting.results import OUTPUT_MARKER, is_output_folder

    out = tmp_path / "out"
    _write_output(out, "one")
    _write_output(out, "two")
    assert json.loads((out / "results.json").read_text())["text"] == "two"
    marker = json.loads((out / OUTPUT_MARKER).read_text())
    assert marker["written_by"] == "journeymine"
    assert marker["files"] == ["report.html", "results.json", "tables/t.csv"]
    # an output written before the marker existed (scheduled jobs keep working) ...
    (out / OUTPUT_MARKER).unlink()
    assert is_output_folder(out)
    _write_output(out, "three")
    # ... but not with a file its results.json does not list
    (out / OUTPUT_MARKER).unlink()
    (out / "tables" / "other.csv").write_text("mine")
    assert not is_output_folder(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing hidden left


def test_links_never_leave_dangling_hidden_links(tmp_path) -> None:
    from journeymine.reporting.results import is_output_folder

    real = tmp_path / "real_out"
    _write_output(real, "one")
    link = tmp_path / "out"
    link.symlink_to(real, target_is_directory=True)
    _write_output(link, "two")
    assert link.is_symlink() and "two" in (link / "results.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "real_out"]
    # a link inside an output folder: not provably ours
    (real / "tables" / "t.csv").unlink()
    (real / "tables" / "t.csv").symlink_to(tmp_path / "elsewhere.csv")
    assert not is_output_folder(real)
    # a dangling link is not an output either
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    assert not is_output_folder(dangling)


def test_failed_write_removes_the_temporary_folder(tmp_path) -> None:
    from journeymine.reporting.results import AtomicFolder

    out = tmp_path / "out"
    _write_output(out, "kept")
    with pytest.raises(RuntimeError), AtomicFolder(out) as tmp:
        (tmp / "results.json").write_text("{}")
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert "kept" in (out / "results.json").read_text()
