"""Read a column as dates, counting the rows that have none: one reader for the time windows
and the quality checks, so both count the same rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from driftscope._shorten import shorten

__all__ = ["DateValues", "read_dates"]

# No date is 100 characters long; a longer cell is not handed to the parser, which takes
# seconds on a megabyte of text.
_MAX_DATE_LENGTH = 100
_EXAMPLES = 3
_MAX_NANOSECONDS = 9.2e18


@dataclass(frozen=True)
class DateValues:
    """A column read as dates.

    ``dates`` is NaT where a row has no date: ``n_missing`` rows were empty (or held a marker the
    file reader takes for missing, such as ``n/a`` or ``NULL`` in a CSV file) and
    ``n_unreadable`` held a value that is not a date (``garbage``, ``-``, ``none``), of which
    ``examples`` holds up to three distinct ones, shortened.
    """

    dates: pd.Series
    n_missing: int
    n_unreadable: int
    examples: tuple[str, ...]

    @property
    def n_undated(self) -> int:
        return self.n_missing + self.n_unreadable

    def describe_undated(self) -> str:
        """The undated rows in words, counted by cause, with examples of the unreadable."""
        parts = []
        if self.n_unreadable:
            quoted = ", ".join(map(repr, self.examples))
            parts.append(f"{self.n_unreadable:,} unreadable, e.g. {quoted}")
        if self.n_missing:
            parts.append(f"{self.n_missing:,} empty or marked missing, such as n/a")
        return "; ".join(parts)


def read_dates(values: pd.Series) -> DateValues:
    """``values`` as dates, with the rows that have none counted.

    >>> read = read_dates(pd.Series(["2026-01-31", "garbage", None, "-", "2026-02-01 12:00"]))
    >>> read.dates.notna().tolist(), read.n_missing, read.n_unreadable, read.examples
    ([True, False, False, False, True], 1, 2, ('garbage', '-'))
    >>> read.describe_undated()
    "2 unreadable, e.g. 'garbage', '-'; 1 empty or marked missing, such as n/a"
    """
    missing = values.isna()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return DateValues(values, int(missing.sum()), 0, ())
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        # Numbers read as nanoseconds since the epoch; infinities and numbers beyond the range
        # of an int64 are no instant (and make pandas warn on the cast).
        numbers = values.to_numpy(dtype="float64", na_value=float("nan"))
        instant = np.isfinite(numbers) & (np.abs(numbers) < _MAX_NANOSECONDS)
        plausible = values.where(pd.Series(instant, index=values.index))
    else:
        too_long = values.astype("string").str.len() > _MAX_DATE_LENGTH
        plausible = values.where(~too_long.fillna(False))
    try:
        dates = pd.to_datetime(plausible, errors="coerce", format="mixed")
    except (ValueError, TypeError):
        # Offsets that differ from row to row: pandas reads them only as UTC.
        dates = pd.to_datetime(plausible, errors="coerce", format="mixed", utc=True)
    unreadable = dates.isna() & ~missing
    n_unreadable = int(unreadable.sum())
    examples: tuple[str, ...] = ()
    if n_unreadable:
        examples = tuple(shorten(str(v), 80) for v in values[unreadable].unique()[:_EXAMPLES])
    return DateValues(dates, int(missing.sum()), n_unreadable, examples)
