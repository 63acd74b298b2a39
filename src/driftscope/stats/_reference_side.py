"""KS and Wasserstein against a fixed, prepared reference, in time proportional to current.

Comparing many current windows with one large reference, the blocked pass of `SortedPair` walks
the whole reference for every window. With the reference sorted once and its prefix sums kept,
both statistics need only binary searches of the current values into the reference:

- between two consecutive current values the current ECDF is constant and the reference ECDF
  rises, so the largest gap on that stretch is at one of its two ends (KS);
- on each such stretch the integral of the reference ECDF has a closed form in prefix sums, and
  the integral of |F_ref - c| splits in two where F_ref crosses the constant c (Wasserstein).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

__all__ = ["PreparedReference"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PreparedReference:
    """A sorted reference sample with its prefix sums, ready for many comparisons."""

    values: FloatArray

    @cached_property
    def prefix(self) -> FloatArray:
        """Sums of the first k values, k = 0..n (made on first use: a pair compared by one
        merged pass does not need them)."""
        prefix = np.empty(self.values.size + 1)
        prefix[0] = 0.0
        np.cumsum(self.values, out=prefix[1:])
        return prefix

    @property
    def n(self) -> int:
        return int(self.values.size)

    @cached_property
    def std(self) -> float:
        return float(np.std(self.values))

    def _integral(
        self,
        a: FloatArray,
        b: FloatArray,
        k_a: NDArray[np.intp] | None = None,
        k_b: NDArray[np.intp] | None = None,
    ) -> FloatArray:
        """Integral of the reference ECDF over [a, b], elementwise (a <= b). ``k_a`` (count of
        reference values <= a) and ``k_b`` (count < b) are searched when not given."""
        r, prefix = self.values, self.prefix
        if k_a is None:
            k_a = np.searchsorted(r, a, side="right")
        if k_b is None:
            k_b = np.searchsorted(r, b, side="left")
        k_b = np.maximum(k_b, k_a)
        inside = (k_b - k_a) * b - (prefix[k_b] - prefix[k_a])
        result: FloatArray = (k_a * (b - a) + inside) / self.n
        return result

    def ks_and_wasserstein(self, current: FloatArray) -> tuple[float, float]:
        """Kolmogorov-Smirnov statistic and raw W1 distance to a sorted current sample."""
        r, w = self.values, current
        n, m = self.n, int(w.size)
        # The only search over the whole reference: one per current value, two when some
        # current values also occur in the reference.
        k_before = np.searchsorted(r, w, side="left")  # reference values < w_j
        shared = r[np.minimum(k_before, n - 1)] == w
        # reference values <= w_j
        k_at = np.searchsorted(r, w, side="right") if shared.any() else k_before
        at, before = k_at / n, k_before / n
        if m > 1 and bool(np.any(w[1:] == w[:-1])):
            cur_at = np.searchsorted(w, w, side="right") / m
            cur_before = np.searchsorted(w, w, side="left") / m
        else:
            cur_at = np.arange(1, m + 1) / m
            cur_before = np.arange(m) / m
        d = float(max(np.max(np.abs(at - cur_at)), np.max(np.abs(before - cur_before))))

        # Stretches [w_j, w_{j+1}) where F_cur = c_j, then the two unbounded ends.
        a, b, c = w[:-1], w[1:], cur_at[:-1]
        area = float(np.sum(self._abs_integral(a, b, c, k_at[:-1], k_before[1:])))
        lo, hi = float(r[0]), float(r[-1])
        if lo < w[0]:  # below the first current value F_cur = 0
            area += float(self._integral(np.array([lo]), np.array([w[0]]))[0])
        if hi > w[-1]:  # above the last one F_cur = 1
            area += float((hi - w[-1]) - self._integral(np.array([w[-1]]), np.array([hi]))[0])
        return d, area

    def _abs_integral(
        self,
        a: FloatArray,
        b: FloatArray,
        c: FloatArray,
        k_a: NDArray[np.intp],
        k_b: NDArray[np.intp],
    ) -> FloatArray:
        """Integral of |F_ref - c| over [a, b), split where F_ref reaches c."""
        n = self.n
        total = self._integral(a, b, k_a, k_b) - c * (b - a)
        plain = np.abs(total)
        # F_ref first reaches c at the t-th smallest reference value, t = ceil(c n).
        t = np.ceil(c * n - 1e-9).astype(np.int64)
        valid = (t >= 1) & (t <= n)
        cross = np.where(valid, self.values[np.clip(t - 1, 0, n - 1)], np.nan)
        split = valid & (cross > a) & (cross < b)
        if not split.any():
            return plain
        a_s, b_s, c_s, x_s = a[split], b[split], c[split], cross[split]
        left = c_s * (x_s - a_s) - self._integral(a_s, x_s, k_a=k_a[split])
        right = self._integral(x_s, b_s, k_b=k_b[split]) - c_s * (b_s - x_s)
        out = plain.copy()
        out[split] = left + right
        return out
