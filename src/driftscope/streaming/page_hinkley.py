"""The Page-Hinkley test for a change in the mean of a stream."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import lfilter

from driftscope.exceptions import ColumnError
from driftscope.streaming._base import Detections, DriftDetector, is_int, is_real

__all__ = ["PageHinkley"]

_MODES = ("up", "down", "both")
# `update_many` works through a segment in blocks that start small (a detection is often near)
# and double while nothing fires, so the cost stays linear however many detections there are.
_FIRST_BLOCK = 1024
_LAST_BLOCK = 1 << 16


class PageHinkley(DriftDetector):
    """Page-Hinkley test for a change in the mean of a stream.

    Each value's deviation from the running mean of the values seen so far is added to a
    cumulative sum that fades by ``alpha``; the test fires when the sum rises more than
    ``threshold`` above its lowest point (an increase) or falls more than ``threshold`` below its
    highest point (a decrease). ``delta`` is the magnitude of change that is tolerated. After a
    detection the next value starts a fresh test. There is no warning level.

    The settings, their defaults and the detections are River's ``drift.PageHinkley`` [^3]. The
    running mean is kept as a sum divided by a count and the faded sums in a fixed order of
    operations, so that `update_many` gives bit-for-bit the state of `update`; detections can
    differ from River's only where a statistic lies within rounding error of ``threshold``.

    Parameters
    ----------
    min_instances
        Values a test must see before it may fire.
    delta
        Magnitude of change tolerated by the test.
    threshold
        Change detection threshold (lambda).
    alpha
        Forgetting factor of the cumulative sums; 1 keeps them whole.
    mode
        Watch for increases (``"up"``), decreases (``"down"``) or both (``"both"``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(12345)
    >>> stream = np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(3.0, 1.0, 1000)])
    >>> ph = PageHinkley()
    >>> ph.update_many(stream).drifts
    array([1009, 1684])

    References
    ----------
    [^1]: E. S. Page. 1954. Continuous inspection schemes. Biometrika 41 (1/2), 100-115.
    [^2]: R. Sebastião and J. M. Fernandes. 2017. Supporting the Page-Hinkley test with empirical
        mode decomposition for change detection. ISMIS 2017, 492-498.
    [^3]: River, ``river/drift/page_hinkley.py`` (version 0.26).
    """

    _state: ClassVar[tuple[str, ...]] = (
        "_n",
        "_x_sum",
        "_sum_increase",
        "_sum_decrease",
        "_min_increase",
        "_max_decrease",
    )

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        self.min_instances = min_instances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
        if not is_int(min_instances) or min_instances < 1:
            raise self._invalid("min_instances", "an int in [1, inf)")
        if not is_real(delta) or not 0 <= delta < math.inf:
            raise self._invalid("delta", "a float in [0, inf)")
        if not is_real(threshold) or not 0 < threshold < math.inf:
            raise self._invalid("threshold", "a float in (0, inf)")
        if not is_real(alpha) or not 0 < alpha <= 1:
            raise self._invalid("alpha", "a float in (0, 1]")
        if mode not in _MODES:
            raise self._invalid("mode", "one of 'up', 'down', 'both'")
        super().__init__()

    def _restart(self) -> None:
        """Fresh test statistics; `n_seen` keeps counting."""
        self._drift_detected = False
        self._n = 0
        self._x_sum = 0.0
        self._sum_increase = 0.0
        self._sum_decrease = 0.0
        self._min_increase = math.inf
        # River starts the running maximum at -1, not -inf; kept so detections match.
        self._max_decrease = -1.0

    def _fires(self, test_increase: float, test_decrease: float) -> bool:
        if self.mode == "up":
            return test_increase > self.threshold
        if self.mode == "down":
            return test_decrease > self.threshold
        return test_increase > self.threshold or test_decrease > self.threshold

    def update(self, x: float) -> None:
        """Add one value; `drift_detected` tells whether the test fired on it."""
        x = float(x)
        if not math.isfinite(x):
            raise ColumnError(f"PageHinkley needs finite numbers; got {x!r}.")
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        self._n += 1
        self._x_sum += x
        dev = x - self._x_sum / self._n
        # `update_many` computes these sums with scipy's lfilter, which adds in this order.
        self._sum_increase = (dev - self.delta) + self.alpha * self._sum_increase
        self._sum_decrease = (dev + self.delta) + self.alpha * self._sum_decrease
        if self._sum_increase < self._min_increase:
            self._min_increase = self._sum_increase
        if self._sum_decrease > self._max_decrease:
            self._max_decrease = self._sum_decrease
        if self._n >= self.min_instances:
            self._drift_detected = self._fires(
                self._sum_increase - self._min_increase, self._max_decrease - self._sum_decrease
            )

    def update_many(self, values: ArrayLike) -> Detections:
        """Process a whole array; the same detections and final state as `update` per value."""
        arr = self._check_values(values)
        drifts: list[int] = []
        pos = 0
        size = _FIRST_BLOCK
        while pos < arr.size:
            if self._drift_detected:
                self._restart()
                size = _FIRST_BLOCK
            block = arr[pos : pos + size]
            hit = self._run_block(block)
            if hit >= 0:
                drifts.append(pos + hit)
                pos += hit + 1
            else:
                pos += block.size
                size = min(2 * size, _LAST_BLOCK)
        return Detections(np.empty(0, np.int64), np.asarray(drifts, np.int64))

    def _run_block(self, x: NDArray[np.float64]) -> int:
        """Run the current test over ``x``; stop at the first detection and return its index
        (or -1), leaving the state as `update` would after that value."""
        m = x.size
        n = self._n + np.arange(1, m + 1, dtype=np.float64)
        x_sum = np.cumsum(np.concatenate(([self._x_sum], x)))[1:]
        dev = x - x_sum / n
        sum_increase = _faded_sum(dev - self.delta, self.alpha, self._sum_increase)
        sum_decrease = _faded_sum(dev + self.delta, self.alpha, self._sum_decrease)
        min_increase = np.minimum.accumulate(np.concatenate(([self._min_increase], sum_increase)))
        max_decrease = np.maximum.accumulate(np.concatenate(([self._max_decrease], sum_decrease)))
        min_increase, max_decrease = min_increase[1:], max_decrease[1:]
        if self.mode == "up":
            fires = sum_increase - min_increase > self.threshold
        elif self.mode == "down":
            fires = max_decrease - sum_decrease > self.threshold
        else:
            fires = (sum_increase - min_increase > self.threshold) | (
                max_decrease - sum_decrease > self.threshold
            )
        fires &= n >= self.min_instances
        hit = int(np.argmax(fires)) if fires.any() else -1
        last = hit if hit >= 0 else m - 1
        self._n_seen += last + 1
        self._n += last + 1
        self._x_sum = float(x_sum[last])
        self._sum_increase = float(sum_increase[last])
        self._sum_decrease = float(sum_decrease[last])
        self._min_increase = float(min_increase[last])
        self._max_decrease = float(max_decrease[last])
        # The flag only changes once `min_instances` values are in; before that it stays False.
        self._drift_detected = hit >= 0
        return hit


def _faded_sum(u: NDArray[np.float64], alpha: float, start: float) -> NDArray[np.float64]:
    """``s[i] = u[i] + alpha * s[i - 1]`` with ``s[-1] = start``, in one compiled pass."""
    out, _ = lfilter([1.0], [1.0, -alpha], u, zi=[alpha * start])
    return np.asarray(out, dtype=np.float64)
