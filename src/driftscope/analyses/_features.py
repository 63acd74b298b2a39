"""Features as one numeric matrix, for the tests that look at all columns at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.analyses._labels import factorize_labels
from driftscope.data.schema import ColumnKind, ColumnSpec

__all__ = ["FeatureEncoding", "encode_features", "fit_encoding", "sample_rows"]

# A categorical column with at least this many labels, more than half the rows, is id-like.
_MANY_LABELS = 20


def sample_rows(n: int, size: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Up to ``size`` distinct row positions out of ``n``, seeded, in ascending order."""
    return np.sort(rng.choice(n, size=min(size, n), replace=False)).astype(np.int64)


@dataclass(frozen=True)
class _Scaled:
    """A numerical column: centred on the reference median, scaled by the reference sd."""

    name: str
    centre: float
    scale: float

    def apply(self, values: pd.Series) -> NDArray[np.float64]:
        raw = _floats(values)
        out: NDArray[np.float64] = (np.where(np.isnan(raw), self.centre, raw) - self.centre) / (
            self.scale
        )
        return out


@dataclass(frozen=True)
class _Shares:
    """A categorical column: each value's share among the reference rows, scaled by its sd."""

    name: str
    labels: pd.Index
    shares: NDArray[np.float64]  # one per label, then 0 for missing or unseen values
    scale: float

    def apply(self, values: pd.Series) -> NDArray[np.float64]:
        # Each distinct value is looked up once; missing and unseen values get index -1.
        codes, labels = factorize_labels(values)
        found = self.labels.get_indexer(pd.Index(labels, dtype=object))
        out: NDArray[np.float64] = self.shares[np.append(found, -1)[codes]] / self.scale
        return out


@dataclass(frozen=True)
class FeatureEncoding:
    """How the reference's rows were turned into a matrix, to turn current rows the same way.

    Everything here comes from the reference rows alone, so one encoding serves every current
    table compared with that reference.
    """

    columns: tuple[_Scaled | _Shares, ...]
    reference: NDArray[np.float64]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def transform(self, current: pd.DataFrame, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """The given rows of ``current`` as a float matrix, one column per encoded feature."""
        if not self.columns:
            return np.empty((len(rows), 0))
        # Distinct positions, as many as rows: every row in order, no copy needed.
        every = len(rows) == len(current)
        return np.column_stack(
            [
                c.apply(current[c.name] if every else current[c.name].iloc[rows])
                for c in self.columns
            ]
        )


def fit_encoding(
    reference: pd.DataFrame, columns: Sequence[ColumnSpec], rows: NDArray[np.int64]
) -> FeatureEncoding:
    """The encoding of `encode_features`, fitted on the given reference rows."""
    fitted: list[_Scaled | _Shares] = []
    encoded: list[NDArray[np.float64]] = []
    for spec in columns:
        values = reference[spec.name].iloc[rows]
        column: _Scaled | _Shares | None
        if spec.kind is ColumnKind.NUMERICAL:
            column = _fit_scaled(spec.name, values)
        else:
            column = _fit_shares(spec.name, values)
        if column is None:
            continue
        fitted.append(column)
        encoded.append(column.apply(values))
    matrix = np.column_stack(encoded) if encoded else np.empty((len(rows), 0))
    return FeatureEncoding(tuple(fitted), matrix)


def encode_features(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[ColumnSpec],
    reference_rows: NDArray[np.int64],
    current_rows: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[str]]:
    """The given rows of both sides as float matrices, one column per usable feature.

    Numerical columns are centred on the reference median and scaled by its standard deviation;
    categorical ones are replaced by the category's share in the reference rows (0 for categories
    the reference never had); missing values become the reference median or share 0. A
    categorical column with at least 20 distinct values, more than half its reference rows, is
    left out: its shares are all about 1 / n in the reference and 0 for the (unseen) current
    values, which tells the two sides apart whatever the data. The names returned are the
    columns used.
    """
    encoding = fit_encoding(reference, columns, reference_rows)
    return encoding.reference, encoding.transform(current, current_rows), encoding.names


def _floats(values: pd.Series) -> NDArray[np.float64]:
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        numbers = values
    else:
        numbers = pd.to_numeric(values, errors="coerce")
    out = np.array(numbers.to_numpy(np.float64, na_value=np.nan))
    out[~np.isfinite(out)] = np.nan
    return out


def _fit_scaled(name: str, values: pd.Series) -> _Scaled | None:
    """None for a column with no finite reference value."""
    ref = _floats(values)
    present = ~np.isnan(ref)
    if not present.any():
        return None
    centre = float(np.median(ref[present]))
    scale = float(np.std(ref[present])) or 1.0
    return _Scaled(name, centre, scale)


def _fit_shares(name: str, values: pd.Series) -> _Shares | None:
    """None for an id-like column (many labels, most of them seen once), which would make any
    two samples separable."""
    codes, uniques = factorize_labels(values)  # missing: -1
    if len(uniques) >= _MANY_LABELS and len(uniques) > 0.5 * int((codes >= 0).sum()):
        return None
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    shares = np.append(counts / max(int(counts.sum()), 1), 0.0)  # index -1: share 0
    scale = float(np.std(shares[codes])) or 1.0
    return _Shares(name, pd.Index(uniques, dtype=object), shares, scale)
