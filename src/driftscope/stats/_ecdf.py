"""Shared work for numerical two-sample statistics: sort once, merge once, reuse everywhere."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SortedPair", "as_sorted_finite"]

FloatArray = NDArray[np.float64]


def as_sorted_finite(values: ArrayLike, name: str = "sample") -> FloatArray:
    """Return ``values`` as a sorted float64 array, checking it is non-empty and finite.

    A sorted input is returned without copying, so callers that sorted once pay nothing more.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        arr = arr.ravel()
    if arr.size == 0:
        raise ValueError(f"The {name} must hold at least one value. Got an empty array.")
    if not np.isfinite(arr).all():
        raise ValueError(f"The {name} must hold only finite values. Got NaN or inf.")
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
    def reference_std(self) -> float:
        return float(np.std(self.reference))
