"""Timestamps that cannot be parsed: the warning names the column and quotes a bounded example."""

from __future__ import annotations

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


def test_no_parseable_value_is_an_error_with_a_bounded_example() -> None:
    frame = pd.DataFrame({"ts": ["y" * 20_000, "nope"]})
    with pytest.raises(ColumnError, match="no value could be parsed") as caught:
        parse_timestamps(frame, "ts", "reference")
    assert len(str(caught.value)) < 400
