"""Read reference and current data from files or in-memory tables into pandas DataFrames.

Every failure names the file and says what was expected; nothing here prints.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from driftscope._shorten import shown as quoted
from driftscope.exceptions import (
    EmptyDataError,
    FileFormatError,
    InputFileNotFoundError,
    InputTypeError,
    ParameterError,
)

__all__ = ["SUPPORTED_SUFFIXES", "Table", "read_table", "table_type_problem"]

SUPPORTED_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_DELIMITERS = ",;\t|"


def _starts_with_bracket(path: Path) -> bool:
    """Whether a JSON file's first non-blank character opens an array."""
    with path.open("rb") as file:
        head = file.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"[")


@dataclass(frozen=True)
class Table:
    """A loaded table and the name it is shown under in reports and messages."""

    frame: pd.DataFrame
    name: str
    warnings: tuple[str, ...] = ()


def _sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return "\t" if path.suffix.lower() == ".tsv" else ","


def _encoding_error(shown: str, encoding: str, exc: UnicodeError) -> FileFormatError:
    where = ""
    if isinstance(exc, UnicodeDecodeError):
        where = f" (byte {exc.object[exc.start]:#04x} at position {exc.start})"
    else:
        # A codec's own complaint, such as "UTF-16 stream does not start with BOM".
        where = f" ({quoted(str(exc), 100)})"
    return FileFormatError(
        f"File {shown!r} is not valid {encoding} text{where}. Pass the file's encoding "
        "(for example --encoding latin-1) or convert it to UTF-8."
    )


def _read_csv(path: Path, encoding: str, delimiter: str | None) -> tuple[pd.DataFrame, list[str]]:
    warnings: list[str] = []
    shown = str(path)
    try:
        sep = delimiter or _sniff_delimiter(path, encoding)
    except UnicodeError as exc:
        raise _encoding_error(shown, encoding, exc) from None
    except LookupError:
        raise FileFormatError(f"Unknown text encoding {encoding!r} for file {shown!r}.") from None
    try:
        frame = pd.read_csv(path, sep=sep, encoding=encoding, low_memory=False)
    except UnicodeError as exc:
        raise _encoding_error(shown, encoding, exc) from None
    except pd.errors.EmptyDataError:
        raise EmptyDataError(f"File {shown!r} is empty: expected a header row and data.") from None
    except pd.errors.ParserError as exc:
        raise FileFormatError(
            f"File {shown!r} could not be parsed as CSV with delimiter {sep!r}: "
            f"{str(exc).strip()}. Check the delimiter (--delimiter) and quoting."
        ) from None
    # Warn whether the delimiter was sniffed or forced: a forced wrong delimiter is the usual cause.
    if frame.shape[1] == 1:
        header = str(frame.columns[0])
        found = [d for d in _DELIMITERS if d != sep and d in header]
        if found:
            warnings.append(
                f"File {shown!r}: only one column was found, but its header "
                f"{quoted(header)} contains "
                f"{found[0]!r}; if that is the delimiter, pass --delimiter {found[0]!r}."
            )
    # pandas silently renames a repeated header ("a", "a" -> "a", "a.1"); read the raw header row.
    header_row = pd.read_csv(path, sep=sep, encoding=encoding, header=None, nrows=1, dtype=str)
    raw_names = header_row.iloc[0].dropna() if len(header_row) else header_row.columns[:0]
    duplicated = raw_names[raw_names.duplicated()].unique().tolist()
    if duplicated:
        raise FileFormatError(
            f"File {shown!r} has duplicated column names: {', '.join(map(quoted, duplicated))}; "
            "expected each column name once."
        )
    return frame, warnings


def _read_file(path: Path, encoding: str, delimiter: str | None) -> tuple[pd.DataFrame, list[str]]:
    shown = str(path)
    if not path.exists():
        raise InputFileNotFoundError(f"File {shown!r} does not exist.")
    if path.is_dir():
        raise FileFormatError(f"{shown!r} is a directory; expected a data file.")
    if path.stat().st_size == 0:
        raise EmptyDataError(f"File {shown!r} is empty (0 bytes); expected a header row and data.")
    fmt = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise FileFormatError(
            f"File {shown!r} has an unsupported extension {path.suffix!r}; expected one of {known}."
        )
    if fmt == "csv":
        return _read_csv(path, encoding, delimiter)
    try:
        if fmt == "parquet":
            return pd.read_parquet(path), []
        if _starts_with_bracket(path):  # a JSON array of records, not JSON Lines
            plain = encoding.lower().replace("_", "-") in ("utf-8", "utf8")
            text = path.read_text(encoding="utf-8-sig" if plain else encoding)
            return pd.read_json(io.StringIO(text), orient="records"), []
        return pd.read_json(path, lines=True, encoding=encoding), []
    except UnicodeError as exc:
        raise _encoding_error(shown, encoding, exc) from None
    except LookupError:
        raise FileFormatError(f"Unknown text encoding {encoding!r} for file {shown!r}.") from None
    except (ValueError, OSError) as exc:
        # pyarrow and pandas raise subclasses of these for corrupt files.
        kind = "Parquet" if fmt == "parquet" else "JSON Lines (one JSON object per line)"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileFormatError(
            f"File {shown!r} could not be read as {kind}: {quoted(first, 300)[1:-1]}"
        ) from None


def _from_object(data: Any) -> pd.DataFrame | None:
    if isinstance(data, pd.DataFrame):
        return data
    module = type(data).__module__.split(".")[0]
    if module == "polars" and hasattr(data, "to_arrow"):
        # polars -> Arrow -> pandas keeps dtypes and avoids a Python-level copy.
        return data.to_arrow().to_pandas()  # type: ignore[no-any-return]
    if module == "pyarrow" and hasattr(data, "to_pandas") and hasattr(data, "column_names"):
        return data.to_pandas()  # type: ignore[no-any-return]
    return None


_TABLE_TYPES = "a file path, a pandas or polars DataFrame, or a pyarrow Table"


def table_type_problem(source: object) -> str | None:
    """What a table argument must be, when ``source`` is none of the accepted types.

    >>> table_type_problem("ref.csv") is None, table_type_problem(None)
    (True, 'a file path, a pandas or polars DataFrame, or a pyarrow Table')
    """
    module = type(source).__module__.split(".")[0]
    if isinstance(source, str | Path | pd.DataFrame) or (
        module in ("polars", "pyarrow")
        and (hasattr(source, "to_arrow") or hasattr(source, "column_names"))
    ):
        return None
    return _TABLE_TYPES


def _check_delimiter(delimiter: str | None) -> None:
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise ParameterError(
            "The 'delimiter' must be one character, such as ',' ';' '|' or a tab. "
            f"Got {quoted(delimiter)}."
        )


def _flat_columns(frame: pd.DataFrame, shown: str) -> pd.DataFrame:
    """Column names as strings; hierarchical (MultiIndex) columns are refused by name."""
    if isinstance(frame.columns, pd.MultiIndex):
        first = quoted(frame.columns[0]) if len(frame.columns) else "()"
        raise FileFormatError(
            f"{shown!r} has hierarchical (MultiIndex) columns, e.g. {first}; expected one "
            "name per column. Flatten them first, e.g. "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns]."
        )
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise FileFormatError(
            f"{shown!r} has duplicated column names: "
            f"{', '.join(quoted(str(d)) for d in duplicated[:10])}; "
            "expected each column name once."
        )
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    return frame


def read_table(
    source: Any,
    *,
    name: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> Table:
    """Load a CSV, Parquet or JSON Lines file, or take a pandas/polars DataFrame or Arrow Table.

    >>> import pandas as pd
    >>> read_table(pd.DataFrame({"a": [1, 2]}), name="ref").frame.shape
    (2, 1)
    """
    _check_delimiter(delimiter)
    frame = _from_object(source)
    warnings: list[str] = []
    if frame is not None:
        shown = name or "DataFrame"
    elif isinstance(source, str | Path):
        path = Path(source)
        shown = name or str(path)
        frame, warnings = _read_file(path, encoding, delimiter)
    else:
        raise InputTypeError(f"Expected {_TABLE_TYPES}. Got {type(source).__name__}.")
    if frame.shape[1] == 0:
        raise EmptyDataError(f"{shown!r} has no columns.")
    frame = _flat_columns(frame, shown)
    return Table(frame=frame, name=shown, warnings=tuple(warnings))
