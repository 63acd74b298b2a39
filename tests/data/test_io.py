"""`read_table`: every supported input gives the same frame; every failure names the file."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from driftscope.data.io import read_table
from driftscope.exceptions import (
    DriftscopeError,
    EmptyDataError,
    FileFormatError,
    InputFileNotFoundError,
    InputTypeError,
    ParameterError,
)


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [21.5, 35.0, None, 47.25],
            "visits": [1, 2, 3, 4],
            "city": ["Paris", "Oslo", None, "Rome"],
            "churned": [True, False, True, False],
        }
    )


# ---------------------------------------------------------------------------------------------
# CSV


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"], ids=["comma", "semicolon", "tab", "pipe"])
def test_csv_delimiter_is_sniffed(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "data.csv"
    rows = ["age{0}city{0}score", "21{0}Paris{0}0.5", "35{0}Oslo{0}1.5", "47{0}Rome{0}2.5"]
    path.write_text("\n".join(r.format(sep) for r in rows) + "\n", encoding="utf-8")

    table = read_table(path)

    assert list(table.frame.columns) == ["age", "city", "score"]
    assert table.frame["age"].tolist() == [21, 35, 47]
    assert table.frame["city"].tolist() == ["Paris", "Oslo", "Rome"]
    assert table.frame["score"].tolist() == [0.5, 1.5, 2.5]
    assert table.name == str(path)
    assert table.warnings == ()


def test_csv_quoted_fields_keep_their_delimiters(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text(
        'name,comment,n\n"Smith, J","a, b; c",1\n"Doe, A","x|y\tz",2\n"Roe, B","plain",3\n',
        encoding="utf-8",
    )

    frame = read_table(path).frame

    assert list(frame.columns) == ["name", "comment", "n"]
    assert frame["name"].tolist() == ["Smith, J", "Doe, A", "Roe, B"]
    assert frame["comment"].tolist() == ["a, b; c", "x|y\tz", "plain"]
    assert frame["n"].tolist() == [1, 2, 3]


def test_forced_wrong_delimiter_warns_about_the_one_column(tmp_path: Path) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text("age;city;score\n21;Paris;0.5\n35;Oslo;1.5\n", encoding="utf-8")

    table = read_table(path, delimiter=",")

    assert list(table.frame.columns) == ["age;city;score"]
    assert len(table.warnings) == 1
    warning = table.warnings[0]
    assert str(path) in warning
    assert "only one column" in warning
    assert "--delimiter ';'" in warning


def test_forced_right_delimiter_reads_without_warning(tmp_path: Path) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text("age;city\n21;Paris\n35;Oslo\n", encoding="utf-8")

    table = read_table(path, delimiter=";")

    assert list(table.frame.columns) == ["age", "city"]
    assert table.warnings == ()


def test_latin1_file_reads_with_its_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("city,n\nMünchen,1\nSão Paulo,2\nZürich,3\n".encode("latin-1"))

    frame = read_table(path, encoding="latin-1").frame

    assert frame["city"].tolist() == ["München", "São Paulo", "Zürich"]
    assert frame["n"].tolist() == [1, 2, 3]


def test_non_utf8_file_without_encoding_names_file_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("city,n\nMünchen,1\n".encode("latin-1"))

    with pytest.raises(FileFormatError) as caught:
        read_table(path)

    message = str(caught.value)
    assert str(path) in message
    assert "not valid utf-8" in message
    assert "0xfc" in message  # "ü" in latin-1
    assert "--encoding" in message


def test_non_utf8_byte_past_the_sniffed_sample_names_file_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(b"a,b\n" + b"1,x\n" * 20_000 + "2,é\n".encode("latin-1"))

    with pytest.raises(FileFormatError) as caught:
        read_table(path)

    message = str(caught.value)
    assert str(path) in message
    assert "0xe9" in message
    assert "utf-8" in message


def test_unknown_encoding_names_encoding_and_file(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")

    with pytest.raises(FileFormatError) as caught:
        read_table(path, encoding="no-such-codec")

    assert "'no-such-codec'" in str(caught.value)
    assert str(path) in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Parquet and JSON Lines


def test_parquet_round_trips(tmp_path: Path, frame: pd.DataFrame) -> None:
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)

    table = read_table(path)

    pd.testing.assert_frame_equal(table.frame, frame)
    assert table.name == str(path)


def test_corrupt_parquet_names_file_and_format(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"this is not a parquet file")

    with pytest.raises(FileFormatError) as caught:
        read_table(path)

    assert str(path) in str(caught.value)
    assert "could not be read as Parquet" in str(caught.value)


@pytest.mark.parametrize("suffix", [".jsonl", ".ndjson"])
def test_json_lines(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_text(
        '{"age": 21.5, "city": "Paris"}\n{"age": 35.0, "city": "Oslo"}\n'
        '{"age": null, "city": "Rome"}\n',
        encoding="utf-8",
    )

    frame = read_table(path).frame

    assert list(frame.columns) == ["age", "city"]
    assert frame["age"].tolist()[:2] == [21.5, 35.0]
    assert pd.isna(frame["age"].iloc[2])
    assert frame["city"].tolist() == ["Paris", "Oslo", "Rome"]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_json_array_of_records_is_read_as_rows(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_text(
        '\ufeff [\n {"age": 21.5, "city": "Paris"},\n {"age": 35.0, "city": "Oslo"}\n]\n',
        encoding="utf-8",
    )

    frame = read_table(path).frame

    assert list(frame.columns) == ["age", "city"]
    assert frame["city"].tolist() == ["Paris", "Oslo"]


def test_malformed_json_lines_names_file_and_format(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"age": 21.5}\n{"age": \n', encoding="utf-8")

    with pytest.raises(FileFormatError) as caught:
        read_table(path)

    message = str(caught.value)
    assert str(path) in message
    assert "JSON Lines (one JSON object per line)" in message


# ---------------------------------------------------------------------------------------------
# in-memory tables


def test_pandas_frame_is_taken_as_is(frame: pd.DataFrame) -> None:
    table = read_table(frame, name="reference")

    pd.testing.assert_frame_equal(table.frame, frame)
    assert table.name == "reference"
    assert read_table(frame).name == "DataFrame"


def test_polars_frame_gives_the_pandas_frame(frame: pd.DataFrame) -> None:
    import polars as pl

    table = read_table(pl.from_pandas(frame))

    pd.testing.assert_frame_equal(table.frame, frame)


def test_arrow_table_gives_the_pandas_frame(frame: pd.DataFrame) -> None:
    import pyarrow as pa

    table = read_table(pa.Table.from_pandas(frame, preserve_index=False))

    pd.testing.assert_frame_equal(table.frame, frame)


def test_unsupported_object_says_what_is_accepted() -> None:
    with pytest.raises(
        InputTypeError, match=r"Expected a file path, a pandas or polars .* Got list\."
    ):
        read_table([[1, 2], [3, 4]])


# ---------------------------------------------------------------------------------------------
# file errors


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.csv"

    with pytest.raises(InputFileNotFoundError) as caught:
        read_table(path)

    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value, DriftscopeError)
    assert str(caught.value) == f"File {str(path)!r} does not exist."


def test_directory_path(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError) as caught:
        read_table(tmp_path)

    assert str(caught.value) == f"{str(tmp_path)!r} is a directory; expected a data file."


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")

    with pytest.raises(EmptyDataError) as caught:
        read_table(path)

    message = str(caught.value)
    assert str(path) in message
    assert "is empty" in message
    assert "expected a header row and data" in message


def test_csv_with_only_blank_lines_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n\n", encoding="utf-8")

    with pytest.raises(EmptyDataError) as caught:
        read_table(path)

    assert str(path) in str(caught.value)
    assert "expected a header row and data" in str(caught.value)


def test_unsupported_extension_lists_the_supported_ones(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK\x03\x04")

    with pytest.raises(FileFormatError) as caught:
        read_table(path)

    message = str(caught.value)
    assert str(path) in message
    assert "'.xlsx'" in message
    expected = re.search(r"expected one of (.*)\.$", message)
    assert expected is not None
    assert expected.group(1).split(", ") == [
        ".csv",
        ".json",
        ".jsonl",
        ".ndjson",
        ".parquet",
        ".pq",
        ".tsv",
        ".txt",
    ]


# ---------------------------------------------------------------------------------------------
# column names


def test_duplicated_column_names_in_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("age,age,city\n1,2,Paris\n3,4,Oslo\n", encoding="utf-8")

    with pytest.raises(FileFormatError) as caught:
        read_table(path)

    message = str(caught.value)
    assert str(path) in message
    assert "duplicated column names: 'age'" in message
    assert "expected each column name once" in message


def test_csv_names_that_only_look_mangled_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "dotted.csv"
    path.write_text("age,age.1\n1,2\n3,4\n", encoding="utf-8")

    assert list(read_table(path).frame.columns) == ["age", "age.1"]


def test_duplicated_column_names_in_a_frame() -> None:
    frame = pd.DataFrame([[1, 2, 3]], columns=["age", "age", "city"])

    with pytest.raises(FileFormatError) as caught:
        read_table(frame, name="reference")

    assert str(caught.value) == (
        "'reference' has duplicated column names: 'age'; expected each column name once."
    )


def test_non_string_column_names_become_strings() -> None:
    frame = pd.DataFrame({0: [1.0, 2.0], 1: ["a", "b"], "name": [3, 4]})

    table = read_table(frame)

    assert list(table.frame.columns) == ["0", "1", "name"]
    assert all(type(c) is str for c in table.frame.columns)
    assert table.frame["1"].tolist() == ["a", "b"]


def test_frame_without_columns() -> None:
    with pytest.raises(EmptyDataError, match=r"^'current' has no columns\.$"):
        read_table(pd.DataFrame(index=[0, 1]), name="current")


# ---------------------------------------------------------------------------------------------
# issue 9: arguments and tables that used to raise foreign exceptions


@pytest.mark.parametrize("delimiter", ["", ";;", "ab"])
def test_a_delimiter_of_other_than_one_character_is_refused(delimiter: str, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ParameterError) as caught:
        read_table(path, delimiter=delimiter)
    assert str(caught.value) == (
        f"The 'delimiter' must be one character, such as ',' ';' '|' or a tab. Got {delimiter!r}."
    )


def test_multiindex_columns_are_refused_by_name() -> None:
    frame = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")]))
    with pytest.raises(FileFormatError, match=r"'ref' has hierarchical \(MultiIndex\) columns"):
        read_table(frame, name="ref")


@pytest.mark.parametrize("source", [None, b"a,b", [1, 2], {"a": [1]}, 3])
def test_an_unsupported_source_is_a_driftscope_type_error(source: object) -> None:
    with pytest.raises(InputTypeError, match="Expected a file path"):
        read_table(source)


def test_a_codec_error_names_the_file_and_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(FileFormatError) as caught:
        read_table(path, encoding="utf-16")
    assert str(caught.value).startswith(f"File {str(path)!r} is not valid utf-16 text (")


def test_a_huge_header_is_quoted_shortened(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a;" + "b" * 100_000 + "\n1;2\n")
    table = read_table(path, delimiter=",")
    (warning,) = table.warnings
    assert "(100,002 characters, truncated)" in warning
    assert len(warning) < 600
