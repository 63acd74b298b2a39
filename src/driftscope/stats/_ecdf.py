"""Shared work for numerical two-sample statistics: sort once, merge once, reuse everywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.exceptions import ColumnError, EmptyDataError
from driftscope.stats._reference_side import PreparedReference

__all__ = ["SortedPair", "as_sorted_finite"]

FloatArray = NDArray[np.float64]
# Values per block in blocked passes: small enough that temporaries are recycled by the allocator
# instead of being mapped (and page-faulted) afresh.
_BLOCK = 32768


def as_sorted_finite(values: ArrayLike, name: str = "sample") -> FloatArray:
    """Return ``values`` as a sorted float64 array, checking it is non-empty and finite.

    A sorted input is returned without copying, so callers that sorted once pay nothing more.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.size == 0:
        raise EmptyDataError(f"The {name} must hold at least one value. Got an empty array.")
    if not np.isfinite(arr).all():
        raise ColumnError(f"The {name} must hold only finite values. Got NaN or inf.")
    if arr.size > 1 and not bool(np.all(arr[1:] >= arr[:-1])):
        arr = np.sort(arr)
    return arr


@dataclass(frozen=True)
class SortedPair:
    """A reference and a current sample, both sorted, with their merged empirical CDFs.

    Every statistic built on the two ECDFs (Kolmogorov-Smirnov, Cramér-von Mises, Wasserstein,
    energy distance) reads the merged arrays below, which are computed once and cached.

    >>> pair = SortedPair.from_samples([3.0, 1.0, 2.0], [2.0, 4.0])
    >>> pair.values.tolist(), pair.cdf_reference.tolist(), pair.cdf_current.tolist()
    ([1.0, 2.0, 3.0, 4.0], [0.3333333333333333, 0.6666666666666666, 1.0, 1.0], [0.0, 0.5, 0.5, 1.0])
    """

    reference: FloatArray
    current: FloatArray

    @classmethod
    def from_samples(cls, reference: ArrayLike, current: ArrayLike) -> SortedPair:
        return cls(as_sorted_finite(reference, "reference"), as_sorted_finite(current, "current"))

    @classmethod
    def against(cls, reference: PreparedReference, current: FloatArray) -> SortedPair:
        """A pair whose KS and Wasserstein come from the prepared reference, in time
        proportional to ``current`` (sorted, finite) rather than to the reference."""
        pair = cls(reference.values, current)
        # Fill the cached properties: the blocked pass over the reference is not needed.
        pair.__dict__["ks_and_wasserstein"] = reference.ks_and_wasserstein(current)
        pair.__dict__["reference_std"] = reference.std
        return pair

    @property
    def n_reference(self) -> int:
        return int(self.reference.size)

    @property
    def n_current(self) -> int:
        return int(self.current.size)

    @cached_property
    def _merged(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        # One binary search places every current value among the reference values: a linear
        # merge, instead of sorting the pooled sample again.
        n, m = self.n_reference, self.n_current
        current_slots = np.searchsorted(self.reference, self.current, side="right")
        current_slots += np.arange(m)
        from_reference = np.ones(n + m, dtype=bool)
        from_reference[current_slots] = False
        merged = np.empty(n + m, dtype=np.float64)
        merged[from_reference] = self.reference
        merged[current_slots] = self.current
        # Keep the last position of each run of equal values: ECDFs are right-continuous.
        last = np.empty(merged.size, dtype=bool)
        last[:-1] = merged[1:] != merged[:-1]
        last[-1] = True
        ref_counts = np.cumsum(from_reference)[last]
        positions = np.flatnonzero(last) + 1
        cur_counts = positions - ref_counts
        return (
            merged[last],
            ref_counts / self.n_reference,
            cur_counts / self.n_current,
        )

    @property
    def values(self) -> FloatArray:
        """Distinct values of the pooled sample, ascending."""
        return self._merged[0]

    @property
    def cdf_reference(self) -> FloatArray:
        """Reference ECDF evaluated at each of `values`."""
        return self._merged[1]

    @property
    def cdf_current(self) -> FloatArray:
        """Current ECDF evaluated at each of `values`."""
        return self._merged[2]

    @cached_property
    def ks_and_wasserstein(self) -> tuple[float, float]:
        """The Kolmogorov-Smirnov statistic and the raw first Wasserstein distance, together.

        Without ties the pooled order is implicit: each value's successor in the pooled sample is
        the smaller of its successor in its own sample and the first value above it in the other,
        found by one binary search. Walking both samples in small blocks touches no array larger
        than a block, which matters more than arithmetic at a million rows. With ties the merged
        ECDFs are built instead.
        """
        a, b = self.reference, self.current
        if a.size > 1 and bool(np.any(a[1:] == a[:-1])):
            return self._ks_and_wasserstein_merged()
        if b.size > 1 and bool(np.any(b[1:] == b[:-1])):
            return self._ks_and_wasserstein_merged()
        top = max(float(a[-1]), float(b[-1]))
        d_max = 0.0
        area = 0.0
        for own, other in ((a, b), (b, a)):
            n_own, n_other = own.size, other.size
            sign = 1.0 if own is a else -1.0
            for start in range(0, n_own, _BLOCK):
                x = own[start : start + _BLOCK]
                # x is sorted, so its positions lie in one window of `other`: search only there.
                lo = int(np.searchsorted(other, x[0], side="left"))
                hi = int(np.searchsorted(other, x[-1], side="right"))
                below = np.searchsorted(other[lo:hi], x, side="left") + lo
                nearest = np.minimum(below, n_other - 1)
                if bool(np.any(other[nearest] == x)):
                    return self._ks_and_wasserstein_merged()
                rank = np.arange(start + 1, start + 1 + x.size, dtype=np.float64)
                gap = sign * (rank / n_own - below / n_other)
                d_max = max(d_max, float(np.max(np.abs(gap))))
                next_own = own[start + 1 : start + 1 + x.size]
                if next_own.size < x.size:
                    next_own = np.append(next_own, top)
                next_other = np.where(below < n_other, other[nearest], top)
                width = np.minimum(next_own, next_other) - x
                # einsum, not BLAS dot: BLAS may wake its thread pool for a block this size.
                area += float(np.einsum("i,i->", np.abs(gap), width))
        return d_max, area

    def _ks_and_wasserstein_merged(self) -> tuple[float, float]:
        gap = np.abs(self.cdf_reference - self.cdf_current)
        return float(gap.max()), float(np.dot(gap[:-1], np.diff(self.values)))

    @cached_property
    def reference_std(self) -> float:
        """Population standard deviation (ddof=0) of the reference, as ``np.std``.

        Two passes in blocks: the same arithmetic as ``np.std`` without its sample-sized
        temporary.
        """
        a = self.reference
        mean = float(np.mean(a))
        total = 0.0
        for start in range(0, a.size, _BLOCK):
            dev = a[start : start + _BLOCK] - mean
            total += float(np.einsum("i,i->", dev, dev))
        return math.sqrt(total / a.size)
