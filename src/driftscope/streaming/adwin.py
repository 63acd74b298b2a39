"""ADWIN: adaptive windowing over an exponential histogram of buckets."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike

from driftscope.exceptions import ColumnError
from driftscope.streaming._base import Detections, DriftDetector, is_int

__all__ = ["ADWIN"]


class ADWIN(DriftDetector):
    r"""Adaptive Windowing drift detector[^1], step for step River's ``drift.ADWIN``.

    ADWIN keeps a window of recent values compressed into an exponential histogram: row ``i``
    holds up to ``max_buckets`` buckets that each summarise ``2**i`` consecutive values by
    their total and their sum of squared deviations. Every ``clock`` values it tries every
    boundary between buckets as a cut into an older part :math:`W_0` and a newer part
    :math:`W_1`, and signals a drift when

    .. math:: |\hat\mu_0 - \hat\mu_1| > \sqrt{2 m \sigma^2_W \delta'} + \tfrac{2}{3}\delta' m,

    with :math:`\delta' = \ln(2 \ln|W| / \delta)` and :math:`1/m = 1/(n_0 - \ell + 1) +
    1/(n_1 - \ell + 1)` (:math:`\ell` = ``min_window_length``); the oldest bucket is then
    dropped and the cuts are tried again. As in River, the update after a drift starts
    again from an empty window.

    The arithmetic follows River 0.26's implementation operation by operation, so detection
    indices and the window statistics are identical to River's on the same stream.

    Parameters
    ----------
    delta
        Significance value of the cut test, in (0, 1).
    clock
        Look for a cut every ``clock`` values.
    max_buckets
        Buckets of each size kept before the two oldest are merged (at least 2).
    min_window_length
        Fewest values either side of a cut for the cut to be tested.
    grace_period
        No cut is tested until the window holds more than this many values.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.adwin import ADWIN
    >>> rng = np.random.default_rng(7)
    >>> stream = np.concatenate([rng.normal(0, 1, 1000), rng.normal(2, 1, 1000)])
    >>> detector = ADWIN()
    >>> detector.update_many(stream).drifts
    array([1023])

    References
    ----------
    [^1]: Albert Bifet and Ricard Gavaldà. "Learning from time-changing data with adaptive
       windowing." Proceedings of the 2007 SIAM International Conference on Data Mining,
       pp. 443-448, 2007.
    """

    _state: ClassVar[tuple[str, ...]] = (
        "_totals",
        "_variances",
        "_width",
        "_total",
        "_variance",
        "_tick",
    )

    def __init__(
        self,
        delta: float = 0.002,
        clock: int = 32,
        max_buckets: int = 5,
        min_window_length: int = 5,
        grace_period: int = 10,
    ) -> None:
        self.delta = delta
        self.clock = clock
        self.max_buckets = max_buckets
        self.min_window_length = min_window_length
        self.grace_period = grace_period
        if not isinstance(delta, int | float) or isinstance(delta, bool) or not 0.0 < delta < 1.0:
            raise self._invalid("delta", "a float in (0, 1)")
        if not is_int(clock) or clock < 1:
            raise self._invalid("clock", "an int in [1, inf)")
        # With a single bucket per row a merge empties its row, and dropping the oldest bucket
        # can then reach an empty row (River's implementation panics there).
        if not is_int(max_buckets) or max_buckets < 2:
            raise self._invalid("max_buckets", "an int in [2, inf)")
        if not is_int(min_window_length) or min_window_length < 1:
            raise self._invalid("min_window_length", "an int in [1, inf)")
        if not is_int(grace_period) or grace_period < 0:
            raise self._invalid("grace_period", "an int in [0, inf)")
        super().__init__()

    def _restart(self) -> None:
        # Row i holds the buckets of 2**i values, oldest first: their totals and their sums
        # of squared deviations from the bucket mean.
        self._totals: list[list[float]] = [[]]
        self._variances: list[list[float]] = [[]]
        self._width = 0
        self._total = 0.0
        self._variance = 0.0
        self._tick = 0

    # -- results ---------------------------------------------------------------------------------

    @property
    def width(self) -> int:
        """Number of values in the adaptive window."""
        return self._width

    @property
    def total(self) -> float:
        """Sum of the values in the window."""
        return self._total

    @property
    def estimation(self) -> float:
        """Mean of the values in the window (0.0 for an empty window)."""
        return self._total / self._width if self._width else 0.0

    @property
    def variance(self) -> float:
        """Sum of squared deviations from the window mean, River's ``ADWIN.variance``
        (divide by `width` for the variance of the window)."""
        return self._variance

    # -- updates ---------------------------------------------------------------------------------

    def update(self, x: float) -> None:
        """Add one value; every ``clock`` values, test the cuts of the window."""
        x = float(x)
        if not math.isfinite(x):
            raise ColumnError(f"ADWIN needs finite numbers; got {x!r}.")
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        self._insert(x)
        self._tick += 1
        if self._tick % self.clock == 0 and self._width > self.grace_period:
            self._drift_detected = self._detect_change()
        else:
            self._drift_detected = False

    def update_many(self, values: ArrayLike) -> Detections:
        """Process a whole array; the same detections and state as calling `update` on each
        value, with the per-value work inlined and the cut tests run every ``clock`` values."""
        arr = self._check_values(values)
        drifts: list[int] = []
        clock = self.clock
        grace = self.grace_period
        max_buckets = self.max_buckets
        drifted = self._drift_detected
        width, total, variance, tick = self._width, self._total, self._variance, self._tick
        totals, variances = self._totals, self._variances
        totals0, variances0 = totals[0], variances[0]
        for i, x in enumerate(arr.tolist()):
            if drifted:
                self._restart()
                width, total, variance, tick = 0, 0.0, 0.0, 0
                totals, variances = self._totals, self._variances
                totals0, variances0 = totals[0], variances[0]
            totals0.append(x)
            variances0.append(0.0)
            width += 1
            if width > 1:
                mean_diff = x - total / (width - 1)
                variance += (width - 1) * mean_diff * mean_diff / width
            total += x
            if len(totals0) > max_buckets:
                # _merge_first_row, inlined.
                t0, t1 = totals0[0], totals0[1]
                del totals0[:2], variances0[:2]
                if len(totals) == 1:
                    totals.append([])
                    variances.append([])
                totals1 = totals[1]
                totals1.append(t0 + t1)
                variances[1].append(0.5 * (t0 - t1) * (t0 - t1))
                if len(totals1) > max_buckets:
                    self._compress(1)
            tick += 1
            if tick % clock == 0 and width > grace:
                self._width, self._total, self._variance = width, total, variance
                drifted = self._detect_change()
                if drifted:
                    drifts.append(i)
                    width, total, variance = self._width, self._total, self._variance
            else:
                drifted = False
        self._width, self._total, self._variance, self._tick = width, total, variance, tick
        self._drift_detected = drifted
        self._n_seen += len(arr)
        # ADWIN has no warning level.
        return Detections(np.empty(0, np.int64), np.asarray(drifts, np.int64))

    def _insert(self, x: float) -> None:
        self._totals[0].append(x)
        self._variances[0].append(0.0)
        width = self._width + 1
        if width > 1:
            mean_diff = x - self._total / (width - 1)
            self._variance += (width - 1) * mean_diff * mean_diff / width
        self._width = width
        self._total += x
        if len(self._totals[0]) > self.max_buckets:
            self._merge_first_row()

    def _merge_first_row(self) -> None:
        """`_compress` from row 0, where buckets hold one value: their means are their totals
        and their variances are 0.0, so the merged variance is exactly ``0.5 * d * d``."""
        totals, variances = self._totals, self._variances
        t0, t1 = totals[0][0], totals[0][1]
        del totals[0][:2], variances[0][:2]
        if len(totals) == 1:
            totals.append([])
            variances.append([])
        totals[1].append(t0 + t1)
        variances[1].append(0.5 * (t0 - t1) * (t0 - t1))
        if len(totals[1]) > self.max_buckets:
            self._compress(1)

    def _compress(self, row: int) -> None:
        """Merge the two oldest buckets of each overflowing row, from ``row`` on, into the
        next row."""
        totals, variances = self._totals, self._variances
        max_buckets = self.max_buckets
        while True:
            row_totals, row_variances = totals[row], variances[row]
            size = float(1 << row)
            t0, t1 = row_totals[0], row_totals[1]
            mean0, mean1 = t0 / size, t1 / size
            merged_total = t0 + t1
            merged_variance = (
                row_variances[0] + row_variances[1] + size * 0.5 * (mean0 - mean1) * (mean0 - mean1)
            )
            del row_totals[:2], row_variances[:2]
            if row + 1 == len(totals):
                totals.append([])
                variances.append([])
            totals[row + 1].append(merged_total)
            variances[row + 1].append(merged_variance)
            if len(totals[row + 1]) <= max_buckets:
                return
            row += 1

    def _detect_change(self) -> bool:
        """Test every cut, oldest first; on a significant one drop the oldest bucket and
        test again. Returns whether any cut was significant."""
        detected = False
        totals = self._totals
        min_len = self.min_window_length
        while True:
            width = self._width
            window_variance = self._variance / width
            if width < 2 or window_variance < 0.0:
                # No cut to test, or a variance rounded below zero: River's square root is
                # then NaN and no cut can pass.
                return detected
            log_term = math.log(2.0 * math.log(width) / self.delta)
            n0, n1, u0, u1 = 0, width, 0.0, self._total
            cut = False
            for row in range(len(totals) - 1, -1, -1):
                size = 1 << row
                row_totals = totals[row]
                last = len(row_totals) - 1
                for k, bucket_total in enumerate(row_totals):
                    n0 += size
                    n1 -= size
                    u0 += bucket_total
                    u1 -= bucket_total
                    if row == 0 and k == last:
                        break
                    if n1 >= min_len and n0 >= min_len:
                        m_recip = 1.0 / (n0 - min_len + 1.0) + 1.0 / (n1 - min_len + 1.0)
                        epsilon = (
                            math.sqrt(2.0 * m_recip * window_variance * log_term)
                            + 2.0 / 3.0 * log_term * m_recip
                        )
                        if abs(u0 / n0 - u1 / n1) > epsilon:
                            cut = True
                            break
                if cut:
                    break
            if not cut:
                return detected
            detected = True
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        """Remove the oldest bucket from the window and its statistics."""
        last = len(self._totals) - 1
        size = 1 << last
        u = self._totals[last].pop(0)
        v = self._variances[last].pop(0)
        mean = u / size
        width = self._width = self._width - size
        self._total -= u
        window_mean = self._total / width
        self._variance -= v + size * width * (mean - window_mean) * (mean - window_mean) / (
            size + width
        )
        if not self._totals[last]:
            self._totals.pop()
            self._variances.pop()
