"""Timestamps without a date: the warning names the column, counts the rows by cause (unreadable,
empty) and quotes bounded examples; an unreadable column and an empty one come out alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from driftscope.analyses.windows import parse_timestamps
from driftscope.exceptions import ColumnError


def test_a_huge_unparseable_cell_is_quoted_short() -> None:
    frame = pd.DataFrame({"ts": ["2026-01-01", "x" * 1_000_000, "2026-01-03"]})
    parsed, warnings = parse_timestamps(frame, "ts", "current")
    assert parsed.isna().sum() == 1
    assert len(warnings) == 1
    assert "'ts'" in warnings[0]
    assert "1,000,000 characters, truncated" in warnings[0]
    assert len(warnings[0]) < 400


def test_missing_markers_and_dashes_are_counted_with_bounded_examples() -> None:
    # What a CSV file gives for "n/a" (missing) beside words and dashes pandas keeps as text.
    values = ["2026-01-01", np.nan, "none", "-", "n.a.", "unknown", "-", "2026-01-02", None]
    parsed, warnings = parse_timestamps(pd.DataFrame({"ts": values}), "ts", "current")
    assert parsed.notna().sum() == 2
    assert len(warnings) == 1
    message = warnings[0]
    assert "Timestamp column 'ts' (current): 7 of 9 rows have no date" in message
    assert "5 unreadable, e.g. 'none', '-', 'n.a.'" in message
    assert "'unknown'" not in message  # three examples at most
    assert "2 empty or marked missing" in message
    assert "left out of the time windows" in message


def test_a_column_of_missing_dates_is_counted_too() -> None:
    times = pd.Series(pd.to_datetime(["2026-01-01", None, "2026-01-03"]))
    _, warnings = parse_timestamps(pd.DataFrame({"ts": times}), "ts", "current")
    assert warnings == [
        "Timestamp column 'ts' (current): 1 of 3 rows have no date (1 empty or marked "
        "missing, such as n/a); those rows are left out of the time windows."
    ]


@pytest.mark.parametrize(
    ("values", "cause"),
    [(["y" * 20_000, "nope"], "2 unreadable, e.g. 'yyy"), ([None, np.nan], "2 empty")],
    ids=["unreadable", "empty"],
)
def test_a_column_without_any_date_is_one_warning_of_the_same_shape(
    values: list[object], cause: str
) -> None:
    parsed, warnings = parse_timestamps(pd.DataFrame({"ts": values}), "ts", "reference")
    assert parsed.isna().all()
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "Timestamp column 'ts' (reference): none of its 2 rows has a date ("
    )
    assert cause in warnings[0]
    assert "expected dates such as 2026-01-31" in warnings[0]
    assert len(warnings[0]) < 400


def test_a_missing_timestamp_column_is_an_error() -> None:
    with pytest.raises(ColumnError, match="'ts' is not in the current data"):
        parse_timestamps(pd.DataFrame({"x": [1]}), "ts", "current")
