"""Input checks and label encoding shared by the metrics.

Every check costs a pass or two over the data at most, and every message says what was expected
and what was got: lengths by number, bad probability rows by count and worst sum, labels by value.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.exceptions import ColumnError, EmptyDataError, invalid_parameter

__all__ = [
    "FloatArray",
    "IntArray",
    "as_1d",
    "check_comparable",
    "check_proba",
    "check_same_length",
    "encode",
    "row_argmax",
    "row_sum",
    "unique_labels",
    "validate_labels",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

# Tolerance on each probability row's sum.
PROBA_SUM_TOL = 1e-6
# How many unseen labels a message lists.
_MAX_LISTED = 5
# Integer labels in [0, this) are found with one bincount instead of a sort.
_BINCOUNT_MAX_LABEL = 1 << 20
# Up to this many columns, row-wise reductions loop over columns: numpy's axis=1 reductions of a
# narrow C-ordered array are up to 10 times slower than a few whole-column passes.
_NARROW = 32


def as_1d(values: ArrayLike, name: str, owner: str) -> NDArray[np.generic]:
    """``values`` as a non-empty 1-D array."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ColumnError(f"{owner} needs {name} as a 1-D array. Got shape {array.shape}.")
    if array.size == 0:
        raise EmptyDataError(f"{owner} needs at least one row in {name}. Got none.")
    return array


def check_same_length(
    owner: str, first_name: str, first: NDArray[np.generic], second_name: str, second: object
) -> None:
    """Raise when two row-aligned inputs differ in length."""
    n_second = len(second)  # type: ignore[arg-type]
    if len(first) != n_second:
        raise ColumnError(
            f"{owner} needs {first_name} and {second_name} of the same length. "
            f"Got {len(first)} and {n_second}."
        )


def _kind(array: NDArray[np.generic]) -> str:
    if array.dtype.kind in "biuf":
        return "number"
    if array.dtype.kind in "US":
        return "string"
    return "object"


def check_comparable(
    owner: str,
    first_name: str,
    first: NDArray[np.generic],
    second_name: str,
    second: NDArray[np.generic],
) -> None:
    """Refuse numbers against strings: numpy would silently call every pair unequal."""
    kinds = {_kind(first), _kind(second)}
    if kinds == {"number", "string"}:
        raise ColumnError(
            f"{owner} needs {first_name} and {second_name} to hold the same kind of labels. "
            f"Got {first.dtype} and {second.dtype}."
        )


def validate_labels(labels: ArrayLike, owner: str, *, minimum: int = 2) -> NDArray[np.generic]:
    """``labels`` as a 1-D array of at least ``minimum`` distinct class labels."""
    array = np.asarray(labels)
    expected = f"a 1-D array of at least {minimum} distinct class labels"
    if array.ndim != 1 or array.size < minimum:
        raise invalid_parameter(owner, "labels", expected, labels)
    distinct = np.unique(array)
    if distinct.size != array.size:
        values, counts = np.unique(array, return_counts=True)
        repeated = values[counts > 1].tolist()[:_MAX_LISTED]
        raise invalid_parameter(owner, "labels", f"{expected} (repeated: {repeated})", labels)
    return array


def _small_int_range(values: NDArray[np.generic]) -> int | None:
    """``max + 1`` when ``values`` are integers in [0, 2**20), else None."""
    if values.dtype.kind not in "biu":
        return None
    low, high = int(values.min()), int(values.max())
    if low < 0 or high >= _BINCOUNT_MAX_LABEL:
        return None
    return high + 1


def unique_labels(*arrays: NDArray[np.generic]) -> NDArray[np.generic]:
    """Sorted union of the labels in ``arrays``, like scikit-learn's ``unique_labels``."""
    sizes = [_small_int_range(a) for a in arrays]
    if all(size is not None for size in sizes):
        size = max(s for s in sizes if s is not None)
        present = np.zeros(size, dtype=bool)
        for array in arrays:
            present |= np.bincount(array.astype(np.intp, copy=False), minlength=size) > 0
        dtype = np.result_type(*arrays)
        return np.flatnonzero(present).astype(dtype)
    return np.unique(np.concatenate([np.unique(a) for a in arrays]))


def encode(
    values: NDArray[np.generic], labels: NDArray[np.generic], owner: str, name: str
) -> IntArray:
    """Position of each value in ``labels``; raises, listing them, on values not in ``labels``."""
    check_comparable(owner, name, values, "labels", labels)
    k = labels.size
    integers = values.dtype.kind in "biu" and labels.dtype.kind in "biu"
    if integers and np.array_equal(labels, np.arange(k)):
        # The common case, labels 0..k-1: the values are their own codes.
        low, high = int(values.min()), int(values.max())
        if low >= 0 and high < k:
            return values.astype(np.intp, copy=False)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    try:
        position = np.searchsorted(sorted_labels, values)
    except TypeError:
        raise ColumnError(
            f"{owner} cannot compare the values of {name} with labels {labels.tolist()!r}."
        ) from None
    np.minimum(position, k - 1, out=position)
    found = sorted_labels[position] == values
    if not found.all():
        unseen = np.unique(values[~found])
        listed = unseen[:_MAX_LISTED].tolist()
        more = "" if unseen.size <= _MAX_LISTED else f" and {unseen.size - _MAX_LISTED} more"
        raise ColumnError(
            f"{owner} found {unseen.size} label(s) in {name} that are not in labels "
            f"{labels.tolist()!r}: {listed!r}{more}."
        )
    codes: IntArray = order[position]
    return codes


def row_sum(array: FloatArray) -> FloatArray:
    """Sum of each row of a 2-D array."""
    if array.shape[1] > _NARROW:
        out: FloatArray = array.sum(axis=1)
        return out
    total = array[:, 0].copy()
    for j in range(1, array.shape[1]):
        total += array[:, j]
    return total


def row_argmax(array: FloatArray) -> tuple[IntArray, FloatArray]:
    """Column of each row's largest value (the first on ties, as ``argmax``) and that value."""
    if array.shape[1] > _NARROW:
        top = array.argmax(axis=1)
        return top, array[np.arange(array.shape[0]), top]
    # Contiguous columns, and np.where rather than masked writes: each is several times faster.
    columns = np.ascontiguousarray(array.T)
    best = columns[0].copy()
    top = np.zeros(array.shape[0], dtype=np.intp)
    for j in range(1, array.shape[1]):
        larger = columns[j] > best
        top = np.where(larger, j, top)
        np.maximum(best, columns[j], out=best)
    return top, best


def check_proba(proba: ArrayLike, n_rows: int, n_labels: int, owner: str) -> FloatArray:
    """``proba`` as an (n_rows, n_labels) float array whose rows are probability vectors."""
    array = np.asarray(proba, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != n_labels:
        raise ColumnError(
            f"{owner} needs proba as a 2-D array with one column per label ({n_labels}). "
            f"Got shape {array.shape}."
        )
    if array.shape[0] != n_rows:
        raise ColumnError(
            f"{owner} needs y_true and proba of the same length. Got {n_rows} and {array.shape[0]}."
        )
    sums = row_sum(array)
    gap = np.abs(sums - 1.0)
    low, high = float(array.min()), float(array.max())
    # Written so that NaN anywhere fails the check.
    if float(gap.max()) <= PROBA_SUM_TOL and low >= 0.0 and high <= 1.0:
        return array
    bad = ~(gap <= PROBA_SUM_TOL) | ~(array.min(axis=1) >= 0.0) | ~(array.max(axis=1) <= 1.0)
    worst = int(np.argmax(np.where(np.isnan(gap), np.inf, gap)))
    raise ColumnError(
        f"{owner} needs each row of proba to hold probabilities in [0, 1] summing to 1 "
        f"(within {PROBA_SUM_TOL:g}). {int(bad.sum())} of {n_rows} rows do not; the worst "
        f"(row {worst}) sums to {float(sums[worst])!r}, and values range over [{low!r}, {high!r}]."
    )
