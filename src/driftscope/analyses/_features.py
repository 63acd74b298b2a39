"""Features as one numeric matrix, for the tests that look at all columns at once."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

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
            rv = np.array(pd.to_numeric(r, errors="coerce").to_numpy(np.float64, na_value=np.nan))
            cv = np.array(pd.to_numeric(c, errors="coerce").to_numpy(np.float64, na_value=np.nan))
            rv[~np.isfinite(rv)] = np.nan
            cv[~np.isfinite(cv)] = np.nan
            if np.isnan(rv).all():
                continue
            centre = float(np.nanmedian(rv))
            scale = float(np.nanstd(rv)) or 1.0
            rv = (np.where(np.isnan(rv), centre, rv) - centre) / scale
            cv = (np.where(np.isnan(cv), centre, cv) - centre) / scale
        else:
            labels = r.astype("string")
            freq = labels.value_counts(normalize=True, dropna=True)
            if freq.size >= _MANY_LABELS and freq.size > 0.5 * int(labels.notna().sum()):
                continue
            rv = labels.map(freq).astype("Float64").fillna(0).to_numpy(dtype=np.float64)
            cv = c.astype("string").map(freq).astype("Float64").fillna(0).to_numpy(dtype=np.float64)
            scale = float(np.std(rv)) or 1.0
            rv, cv = rv / scale, cv / scale
        ref_cols.append(np.asarray(rv, dtype=np.float64))
        cur_cols.append(np.asarray(cv, dtype=np.float64))
        names.append(spec.name)
    if not names:
        return np.empty((len(reference_rows), 0)), np.empty((len(current_rows), 0)), names
    return np.column_stack(ref_cols), np.column_stack(cur_cols), names
