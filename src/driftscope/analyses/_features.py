"""Features as one numeric matrix, for the tests that look at all columns at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope.analyses._labels import row_labels
from driftscope.data.schema import ColumnKind, ColumnSpec

__all__ = ["encode_features", "sample_rows"]

# A categorical column with at least this many labels, more than half the rows, is id-like.
_MANY_LABELS = 20


def sample_rows(n: int, size: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """Up to ``size`` distinct row positions out of ``n``, seeded, in ascending order."""
    return np.sort(rng.choice(n, size=min(size, n), replace=False)).astype(np.int64)


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
    ref_cols: list[NDArray[np.float64]] = []
    cur_cols: list[NDArray[np.float64]] = []
    names: list[str] = []
    for spec in columns:
        r = reference[spec.name].iloc[reference_rows]
        c = current[spec.name].iloc[current_rows]
        if spec.kind is ColumnKind.NUMERICAL:
            encoded = _scaled(_floats(r), _floats(c))
            if encoded is None:
                continue
            rv, cv = encoded
        else:
            encoded = _shares(r, c)
            if encoded is None:
                continue
            rv, cv = encoded
        ref_cols.append(rv)
        cur_cols.append(cv)
        names.append(spec.name)
    if not names:
        return np.empty((len(reference_rows), 0)), np.empty((len(current_rows), 0)), names
    return np.column_stack(ref_cols), np.column_stack(cur_cols), names


def _floats(values: pd.Series) -> NDArray[np.float64]:
    out = np.array(pd.to_numeric(values, errors="coerce").to_numpy(np.float64, na_value=np.nan))
    out[~np.isfinite(out)] = np.nan
    return out


def _scaled(
    ref: NDArray[np.float64], cur: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Centred on the reference median, scaled by its sd; missing values become the median."""
    present = ~np.isnan(ref)
    if not present.any():
        return None
    centre = float(np.median(ref[present]))
    scale = float(np.std(ref[present])) or 1.0
    rv = (np.where(present, ref, centre) - centre) / scale
    cv = (np.where(np.isnan(cur), centre, cur) - centre) / scale
    return rv, cv


def _shares(
    ref: pd.Series, cur: pd.Series
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """Each value's share among the reference rows (0 for missing or unseen), scaled by its sd.

    None for an id-like column (many labels, most of them seen once), which would make any two
    samples separable.
    """
    codes, uniques = pd.factorize(row_labels(ref))  # missing: -1
    if len(uniques) >= _MANY_LABELS and len(uniques) > 0.5 * int((codes >= 0).sum()):
        return None
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    shares = np.append(counts / max(int(counts.sum()), 1), 0.0)  # index -1: share 0
    cur_codes = pd.Index(uniques).get_indexer(row_labels(cur))  # missing, unseen: -1
    rv, cv = shares[codes], shares[cur_codes]
    scale = float(np.std(rv)) or 1.0
    return rv / scale, cv / scale
