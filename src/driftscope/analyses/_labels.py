"""Category labels: the text a value is compared under, the same on both sides of a comparison."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

# Whole floats below this print as integers; beyond it float64 no longer holds every integer.
_MAX_WHOLE = 1e15


def value_labels(values: Any) -> NDArray[np.object_]:
    """The label of each value: its text, with whole floats written as integers.

    A side read with a missing value holds floats where the other holds integers, so 1 and 1.0
    (and 0.0 and -0.0) must be one category; 1 and "1", or True and "True", meet as text.

    >>> value_labels(np.array([1.0, -0.0, 2.5, np.nan])).tolist()
    ['1', '0', '2.5', 'nan']
    >>> value_labels(pd.Index([1, 2])).tolist(), value_labels(pd.Index(["a", True])).tolist()
    (['1', '2'], ['a', 'True'])
    """
    dtype = getattr(values, "dtype", None)
    if dtype is not None and pd.api.types.is_float_dtype(dtype):
        floats = np.asarray(
            values.to_numpy(dtype=np.float64, na_value=np.nan)
            if isinstance(values, pd.Index | pd.Series)
            else values,
            dtype=np.float64,
        )
        labels = floats.astype(str).astype(object)
        whole = np.isfinite(floats) & (np.mod(floats, 1) == 0) & (np.abs(floats) < _MAX_WHOLE)
        labels[whole] = floats[whole].astype(np.int64).astype(str)
        return np.asarray(labels, dtype=object)
    return np.array([str(v) for v in values], dtype=object)


def row_labels(series: pd.Series) -> pd.Series:
    """`value_labels` of every row, missing values left missing (one label per distinct value)."""
    codes, uniques = pd.factorize(series)
    labels = np.empty(len(uniques) + 1, dtype=object)  # code -1 (missing) takes the last slot
    labels[:-1] = value_labels(uniques)
    return pd.Series(labels[codes], index=series.index, dtype=object)
