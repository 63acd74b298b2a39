"""Shared work for numerical two-sample statistics: sort once, merge once, reuse everywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.exceptions import ColumnError, EmptyDataError
from driftscope.stats._reference_side import PreparedReference

__all__ = [
    "SortedPair",
    "WeightedPair",
    "as_sorted_finite",
    "sorted_quantiles",
    "weighted_quantiles",
]

FloatArray = NDArray[np.float64]
# Values per block in blocked passes: small enough that temporaries are recycled by the allocator
# instead of being mapped (and page-faulted) afresh.
_BLOCK = 32768


def _lerp(low: FloatArray, high: FloatArray, frac: FloatArray) -> FloatArray:
    # numpy's own interpolation rule for quantiles, so results match np.quantile to the last bit.
    diff = high - low
    out: FloatArray = np.where(frac >= 0.5, high - diff * (1.0 - frac), low + diff * frac)
    return out


def sorted_quantiles(values: FloatArray, q: FloatArray) -> FloatArray:
    """Quantiles of a sorted sample, as ``np.quantile(values, q)`` (linear), without a partition."""
    h = q * (values.size - 1)
    lo = np.floor(h).astype(np.intp)
    hi = np.minimum(lo + 1, values.size - 1)
    return _lerp(values[lo], values[hi], h - lo)


def weighted_quantiles(values: FloatArray, cumulative: FloatArray, q: FloatArray) -> FloatArray:
    """``np.quantile`` (linear) of the sample holding each of the sorted distinct ``values``
    as often as its count, given the running totals of those counts, without expanding it.

    >>> weighted_quantiles(np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([0.5, 0.9]))
    array([1. , 1.7])
    """
    last = float(cumulative[-1]) - 1.0
    h = q * last
    lo = np.floor(h)
    hi = np.minimum(lo + 1.0, last)
    # The value of 0-based order statistic i is the first distinct value with cumulative > i.
    low = values[np.searchsorted(cumulative, lo, side="right")]
    high = values[np.searchsorted(cumulative, hi, side="right")]
    return _lerp(low, high, h - lo)


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

    def reference_quantiles(self, q: FloatArray) -> FloatArray:
        """Quantiles of the reference, as ``np.quantile(reference, q)`` (linear)."""
        return sorted_quantiles(self.reference, q)

    def counts_at_or_below(self, points: FloatArray) -> tuple[FloatArray, FloatArray]:
        """How many reference and current values are at or below each of the sorted ``points``."""
        return (
            np.searchsorted(self.reference, points, side="right").astype(np.float64),
            np.searchsorted(self.current, points, side="right").astype(np.float64),
        )

    @cached_property
    def pooled_std(self) -> float:
        """Population standard deviation of both samples pooled."""
        return float(np.std(np.concatenate([self.reference, self.current])))

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


class WeightedPair(SortedPair):
    """A `SortedPair` given as each sample's sorted distinct values and their counts.

    Every statistic that reads the merged ECDFs (KS, Wasserstein, Cramér-von Mises,
    Anderson-Darling, Mann-Whitney, energy, the binned distances) runs in time linear in the
    number of distinct values, never expanding the samples. ``reference`` and ``current`` expand
    them on first use: only the small-sample exact p-values read them, where the samples are
    small. The standard deviations may be given (from exact moments) instead of computed.

    >>> pair = WeightedPair(np.array([1.0, 2.0]), np.array([2.0, 1.0]), np.array([2.0]),
    ...                     np.array([3.0]))
    >>> pair.n_reference, pair.values.tolist(), pair.cdf_current.tolist()
    (3, [1.0, 2.0], [0.0, 1.0])
    >>> pair.reference.tolist()
    [1.0, 1.0, 2.0]
    """

    _sides: tuple[FloatArray, FloatArray, FloatArray, FloatArray]

    def __init__(
        self,
        reference_values: FloatArray,
        reference_weights: FloatArray,
        current_values: FloatArray,
        current_weights: FloatArray,
        *,
        reference_std: float | None = None,
        pooled_std: float | None = None,
    ) -> None:
        # SortedPair's fields hold expanded samples; here they are properties, so its __init__
        # is not called. The instance is as immutable as a SortedPair.
        sides = (reference_values, reference_weights, current_values, current_weights)
        object.__setattr__(self, "_sides", sides)
        if reference_std is not None:
            self.__dict__["reference_std"] = float(reference_std)
        if pooled_std is not None:
            self.__dict__["pooled_std"] = float(pooled_std)

    def __repr__(self) -> str:
        return f"WeightedPair(n_reference={self.n_reference}, n_current={self.n_current})"

    @property
    def reference(self) -> FloatArray:
        return self._expanded[0]

    @property
    def current(self) -> FloatArray:
        return self._expanded[1]

    @cached_property
    def _expanded(self) -> tuple[FloatArray, FloatArray]:
        rv, rw, cv, cw = self._sides
        return np.repeat(rv, rw.astype(np.int64)), np.repeat(cv, cw.astype(np.int64))

    @cached_property
    def _cumulative(self) -> tuple[FloatArray, FloatArray]:
        """Running totals of each side's counts, starting at 0."""
        rw, cw = self._sides[1], self._sides[3]
        return np.concatenate([[0.0], np.cumsum(rw)]), np.concatenate([[0.0], np.cumsum(cw)])

    @property
    def n_reference(self) -> int:
        return int(self._cumulative[0][-1])

    @property
    def n_current(self) -> int:
        return int(self._cumulative[1][-1])

    def counts_at_or_below(self, points: FloatArray) -> tuple[FloatArray, FloatArray]:
        rv, _, cv, _ = self._sides
        ref_cum, cur_cum = self._cumulative
        return (
            ref_cum[np.searchsorted(rv, points, side="right")],
            cur_cum[np.searchsorted(cv, points, side="right")],
        )

    def reference_quantiles(self, q: FloatArray) -> FloatArray:
        return weighted_quantiles(self._sides[0], self._cumulative[0][1:], q)

    @cached_property
    def _merged(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        rv, _, cv, _ = self._sides
        values = np.union1d(rv, cv)
        ref_cum, cur_cum = self.counts_at_or_below(values)
        return values, ref_cum / self.n_reference, cur_cum / self.n_current

    @cached_property
    def ks_and_wasserstein(self) -> tuple[float, float]:
        return self._ks_and_wasserstein_merged()

    @cached_property
    def reference_std(self) -> float:
        rv, rw = self._sides[0], self._sides[1]
        mean = float(np.dot(rw, rv)) / self.n_reference
        return math.sqrt(float(np.dot(rw, (rv - mean) ** 2)) / self.n_reference)

    @cached_property
    def pooled_std(self) -> float:
        rv, rw, cv, cw = self._sides
        values, weights = np.concatenate([rv, cv]), np.concatenate([rw, cw])
        total = float(weights.sum())
        mean = float(np.dot(weights, values)) / total
        return math.sqrt(float(np.dot(weights, (values - mean) ** 2)) / total)
