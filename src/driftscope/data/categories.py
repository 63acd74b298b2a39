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
    if isinstance(values, pd.Index | pd.Series):
        # Iterating an Arrow-backed column yields its values one call at a time (seconds for a
        # million); a numpy array of the same objects iterates at C speed.
        values = values.to_numpy(dtype=object)
    return np.array([str(v) for v in values], dtype=object)


def factorize_labels(series: pd.Series) -> tuple[NDArray[np.intp], NDArray[np.object_]]:
    """Codes of each row into distinct `value_labels` (-1 for missing), each value read once.

    Python objects are made strings first: 1, 1.0 and True are one key to pandas' hashing and
    three labels here.

    >>> codes, labels = factorize_labels(pd.Series([1.0, None, -0.0, 0.0, 1.0]))
    >>> codes.tolist(), labels.tolist()
    ([0, -1, 1, 1, 0], ['1', '0'])
    """
    if series.dtype == object:
        series = series.astype("string")
    codes, uniques = pd.factorize(series)
    merged, labels = pd.factorize(pd.Index(value_labels(pd.Index(uniques)), dtype=object))
    out = np.where(codes >= 0, np.append(merged, -1)[codes], -1)
    return out.astype(np.intp), np.asarray(labels, dtype=object)
