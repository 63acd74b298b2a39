"""Shared count handling for the distances: validate aligned counts, turn them into shares, smooth.

Every distance between two distributions of counts (categories, or histogram bins of a numerical
column) goes through `shares`, so the categorical and the binned numerical distances are one
implementation each.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.exceptions import ColumnError, EmptyDataError

__all__ = ["SMOOTHING", "aligned_counts", "shares", "smooth", "whole_counts"]

FloatArray = NDArray[np.float64]

#: Share given to an empty cell where a logarithm needs a positive share (PSI, KL). It is the usual
#: convention for PSI: one in ten thousand.
SMOOTHING = 1e-4


def aligned_counts(
    reference_counts: ArrayLike, current_counts: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Check two aligned count vectors and return them as float arrays.

    Counts must be 1-D, of equal length, finite and non-negative, with a positive total on each
    side. Float counts are accepted (weights from a profile), so only callers that need whole
    numbers check for them.
    """
    ref = np.asarray(reference_counts, dtype=np.float64)
    cur = np.asarray(current_counts, dtype=np.float64)
    if ref.ndim != 1 or cur.ndim != 1:
        raise ColumnError(
            "Reference and current counts must be 1-D vectors over the same categories. "
            f"Got shapes {ref.shape} and {cur.shape}."
        )
    if ref.shape != cur.shape:
        raise ColumnError(
            "Reference and current counts must be aligned over the same categories. "
            f"Got lengths {ref.size} and {cur.size}."
        )
    if ref.size == 0:
        raise EmptyDataError("Counts must cover at least one category. Got empty vectors.")
    for side, counts in (("reference", ref), ("current", cur)):
        if not bool(np.all(np.isfinite(counts))) or bool(np.any(counts < 0)):
            raise ColumnError(
                f"The {side} counts must be finite and non-negative. Got {counts.tolist()[:10]}."
            )
        if not counts.sum() > 0:
            raise EmptyDataError(f"The {side} counts must have a positive total. Got 0.")
    return ref, cur


def whole_counts(counts: FloatArray, owner: str) -> NDArray[np.int64]:
    """Return float counts as int64, checking they are whole numbers (exact tests need them)."""
    if not bool(np.all(counts == np.floor(counts))):
        raise ColumnError(f"{owner} needs whole-number counts. Got {counts.tolist()[:10]}.")
    return counts.astype(np.int64)


def shares(reference_counts: ArrayLike, current_counts: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Shares of each category on both sides, dropping categories empty on both sides.

    A category absent from both samples carries no information, and dropping it keeps every
    distance independent of how many unused categories the caller listed.

    >>> p, q = shares([2, 0, 2], [1, 0, 3])
    >>> p.tolist(), q.tolist()
    ([0.5, 0.5], [0.25, 0.75])
    """
    ref, cur = aligned_counts(reference_counts, current_counts)
    used = (ref > 0) | (cur > 0)
    ref, cur = ref[used], cur[used]
    return ref / ref.sum(), cur / cur.sum()


def smooth(share: FloatArray) -> FloatArray:
    """Replace empty shares by `SMOOTHING`, leaving every other share as it is.

    Only cells that a logarithm would send to infinity change, so two identical distributions
    still score exactly zero.
    """
    return np.where(share > 0, share, SMOOTHING)
