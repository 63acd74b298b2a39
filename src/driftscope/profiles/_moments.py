"""Count, mean and sum of squared deviations, merged with Chan's parallel formula."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Moments"]

# Values per block of the sum of squared deviations (512 KiB of float64).
_BLOCK = 1 << 16


@dataclass(frozen=True)
class Moments:
    """The first two moments of a set of finite numbers.

    ``m2`` is the sum of squared deviations from the mean; it is ``inf`` when that sum exceeds
    the largest float (values near 1e154 and beyond). Merging follows Chan, Golub and LeVeque
    [1]_, which keeps the variance accurate where the textbook sum of squares cancels.

    .. [1] T. F. Chan, G. H. Golub, R. J. LeVeque, "Updating formulae and a pairwise algorithm
       for computing sample variances", Stanford CS tech. report STAN-CS-79-773, 1979.

    >>> a = Moments.of(np.array([1.0, 2.0])); b = Moments.of(np.array([3.0, 4.0, 5.0]))
    >>> m = a.merge(b); m.count, m.mean, m.variance
    (5, 3.0, 2.5)
    """

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0

    @classmethod
    def of(cls, finite: NDArray[np.float64]) -> Moments:
        """The moments of ``finite`` (finite float64 values only)."""
        if finite.size == 0:
            return cls()
        with np.errstate(over="ignore", invalid="ignore"):
            mean = float(np.mean(finite))
            if not math.isfinite(mean):
                # The sum overflowed: average the values scaled into range.
                scale = float(np.max(np.abs(finite)))
                mean = float(np.mean(finite / scale)) * scale
            # Block by block into one small buffer: no second array the size of the column
            # (whose fresh pages cost more than the arithmetic), and the block stays in cache.
            block = np.empty(min(finite.size, _BLOCK))
            m2 = 0.0
            for start in range(0, finite.size, _BLOCK):
                part = finite[start : start + _BLOCK]
                deviations = np.subtract(part, mean, out=block[: part.size])
                m2 += float(np.dot(deviations, deviations))
        return cls(int(finite.size), mean, m2)

    @property
    def variance(self) -> float:
        """The sample variance (``ddof=1``); NaN below two values."""
        return self.m2 / (self.count - 1) if self.count > 1 else math.nan

    def merge(self, other: Moments) -> Moments:
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        n = self.count + other.count
        with np.errstate(over="ignore", invalid="ignore"):
            delta = other.mean - self.mean
            mean = self.mean + delta * (other.count / n)
            if not math.isfinite(mean):
                mean = self.mean * (self.count / n) + other.mean * (other.count / n)
            m2 = self.m2 + other.m2 + delta * delta * (self.count * other.count / n)
        return Moments(n, float(mean), float(m2))
