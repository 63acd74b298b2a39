"""`compare` with a profile on either side: the report of the rows where the profiles are
exact, a profiles section saying what was not run, and clear messages on bad input."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import driftscope
from driftscope import compare, prepare, profile
from driftscope.data.profile import FORMAT_VERSION, MAGIC
from driftscope.exceptions import (
    FileFormatError,
    InputFileNotFoundError,
    InputTypeError,
    ParameterError,
    SchemaError,
)
from driftscope.report._validate import validate_report

SCHEMA = {"columns": {"age": "numerical", "city": "categorical", "member": "boolean"}}


def _frame(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = np.round(rng.normal(40 + 10 * shift, 10, n))
    age[rng.random(n) < 0.02] = np.nan
    return pd.DataFrame(
        {
            "age": age,
            "city": rng.choice(
                ["paris", "lyon", "nice"], n, p=[0.5 - shift / 2, 0.3, 0.2 + shift / 2]
            ),
            "member": rng.random(n) < 0.5,
        }
    )


@pytest.fixture
def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _frame(4000, 1), _frame(3000, 2, shift=0.4)


@pytest.fixture
def saved(tmp_path: Path, tables: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[Path, Path]:
    ref, cur = tables
    ref_path, cur_path = tmp_path / "ref.profile", tmp_path / "cur.profile"
    profile(ref, SCHEMA).save(ref_path)
    profile(cur, SCHEMA).save(cur_path)
    return ref_path, cur_path


def test_either_side_or_both_as_profiles_gives_the_report_of_the_rows(
    tables: tuple[pd.DataFrame, pd.DataFrame], saved: tuple[Path, Path]
) -> None:
    ref, cur = tables
    raw = compare(ref, cur, SCHEMA, multivariate=False)
    assert raw.drift.drifted_columns  # the shift is there to be found
    for reference, current in ((saved[0], cur), (ref, saved[1]), saved):
        report = compare(reference, current, multivariate=False)
        assert report.drift.columns == raw.drift.columns
        assert report.drift.dataset == raw.drift.dataset
        assert report.profiles is not None
        assert (report.profiles.reference is not None) == isinstance(reference, Path)
        assert (report.profiles.current is not None) == isinstance(current, Path)
    assert report.metadata.reference == str(saved[0])
    assert report.metadata.n_reference_rows == len(ref)


def test_a_profile_object_and_names_are_taken(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, cur = tables
    report = compare(profile(ref, SCHEMA), cur, reference_name="train", current_name="today")
    assert (report.metadata.reference, report.metadata.current) == ("train", "today")
    assert report.profiles is not None
    assert report.profiles.reference is not None
    assert report.profiles.reference.name == "train"


def test_the_report_says_what_was_not_run_and_validates(
    saved: tuple[Path, Path], tmp_path: Path
) -> None:
    report = compare(*saved)
    data = json.loads(report.to_json())
    validate_report(data)
    assert data["schema_version"] == "1.7"
    assert data["multivariate"] == []
    assert any("Whole-table tests" in line for line in data["profiles"]["not_run"])
    assert data["profiles"]["reference"]["exact"] is True
    html = report.to_html()
    assert "Not run from profiles" in html
    assert "Whole-table tests" in html
    # A report from rows has no profiles section.
    rows = compare(_frame(300, 3), _frame(300, 4), SCHEMA)
    assert json.loads(rows.to_json())["profiles"] is None


def test_a_profile_is_known_by_its_first_bytes_whatever_its_name(
    saved: tuple[Path, Path], tables: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    renamed = tmp_path / "reference.bin"
    renamed.write_bytes(saved[0].read_bytes())
    assert compare(renamed, tables[1]).drift.columns == compare(saved[0], tables[1]).drift.columns


def test_arguments_that_would_shape_the_schema_are_refused_naming_them(
    saved: tuple[Path, Path], tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    for given in (
        {"schema": SCHEMA},
        {"target": "member"},
        {"prediction": "member"},
        {"task": "regression"},
        {"columns": ["age"]},
    ):
        argument = next(iter(given))
        with pytest.raises(ParameterError, match=f"'{argument}' argument of compare"):
            compare(saved[0], tables[1], **given)  # type: ignore[arg-type]


def test_a_prepared_reference_and_a_current_profile_are_refused(
    saved: tuple[Path, Path], tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    with pytest.raises(InputTypeError, match="prepared Reference"):
        compare(prepare(tables[0], SCHEMA), saved[1])


def test_profiles_of_another_schema_are_refused_naming_the_files(
    tmp_path: Path, saved: tuple[Path, Path], tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    other = tmp_path / "other.profile"
    profile(tables[1], {"columns": {"age": "categorical"}}).save(other)
    with pytest.raises(SchemaError, match=r"'age'.*ref\.profile.*other\.profile"):
        compare(saved[0], other)


def test_rows_without_a_column_of_the_profile_are_refused_naming_both(
    saved: tuple[Path, Path], tables: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    path = tmp_path / "cur.csv"
    tables[1].drop(columns=["city"]).to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"'city'.*ref\.profile.*missing from .*cur\.csv"):
        compare(saved[0], path)


def test_rows_with_more_columns_are_compared_on_the_profiles_columns(
    saved: tuple[Path, Path], tables: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    wider = tables[1].assign(extra=1.0)
    report = compare(saved[0], wider)
    assert [c.name for c in report.drift.columns] == ["age", "city", "member"]


def _rewritten(data: bytes, version: int) -> bytes:
    body = data[:-4]
    body = MAGIC + struct.pack(">H", version) + body[len(MAGIC) + 2 :]
    return body + struct.pack(">I", zlib.crc32(body))


def test_damaged_truncated_unknown_and_missing_files_are_named(
    saved: tuple[Path, Path], tables: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    data = saved[0].read_bytes()
    damaged = tmp_path / "damaged.profile"
    damaged.write_bytes(data[:-20] + bytes(b ^ 0xFF for b in data[-20:-4]) + data[-4:])
    with pytest.raises(FileFormatError, match=r"damaged\.profile.*checksum"):
        compare(damaged, tables[1])
    truncated = tmp_path / "truncated.profile"
    truncated.write_bytes(data[:50])
    with pytest.raises(FileFormatError, match=r"truncated\.profile.*truncated"):
        compare(tables[0], truncated)
    newer = tmp_path / "newer.profile"
    newer.write_bytes(_rewritten(data, FORMAT_VERSION + 1))
    with pytest.raises(
        FileFormatError, match=rf"newer\.profile.*format version {FORMAT_VERSION + 1}"
    ):
        compare(newer, tables[1])
    not_one = tmp_path / "table.profile"
    not_one.write_text("age,city\n1,a\n")
    with pytest.raises(FileFormatError, match=r"table\.profile.*not a driftscope profile"):
        compare(not_one, tables[1])
    with pytest.raises(InputFileNotFoundError, match=r"gone\.profile"):
        compare(tmp_path / "gone.profile", tables[1])


def test_compare_is_exported_with_profile() -> None:
    assert driftscope.compare is compare
    assert driftscope.profile is profile


def test_a_sketched_statistic_is_shown_with_its_bound(tmp_path: Path) -> None:
    from rich.console import Console

    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(size=5000)})
    cur = pd.DataFrame({"x": rng.normal(0.8, size=4000)})
    settings = driftscope.ProfileSettings(quantile_k=64, max_exact_values=0)
    report = compare(profile(ref, settings=settings), profile(cur, settings=settings))
    column = report.drift.column("x")
    assert not column.exact
    assert column.statistic_bounds is not None
    assert column.drifted
    data = json.loads(report.to_json())
    validate_report(data)
    assert data["columns"][0]["bound_note"].startswith("from quantile sketches")
    html = report.to_html()
    assert "from sketches" in html
    console = Console(record=True, width=200)
    console.print(report)
    text = console.export_text()
    line = next(line for line in text.splitlines() if "\u2502 x " in line)
    assert "\u00b1" in line
    assert "from sketches" in line


DOC = Path(__file__).resolve().parents[2] / "docs" / "profiles.md"


def test_the_docs_example_runs_and_says_what_it_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## Comparing profiles") :]
    code = section[section.index("```python\n") + len("```python\n") :]
    code = code[: code.index("```")]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(DOC), "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "['age']"
    assert printed[1].startswith("True 0.")
    assert "Whole-table tests" in printed[2]


def test_ignored_columns_need_not_be_in_the_rows(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    ref = pd.DataFrame({"x": rng.normal(size=500), "note": ["a"] * 500})
    schema = {"columns": {"x": "numerical", "note": {"role": "ignored"}}}
    report = compare(profile(ref, schema), pd.DataFrame({"x": rng.normal(size=400)}))
    assert [c.name for c in report.drift.columns] == ["x"]
