"""Page's tabular CUSUM chart for a change in the mean of a stream."""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.exceptions import ColumnError
from driftscope.streaming._base import Detections, DriftDetector, is_int, is_real

__all__ = ["CUSUM"]

_MODES = ("up", "down", "both")
# `update_many` works through a test in blocks that start small and double while nothing
# fires, so the cost stays linear however many detections there are.
_FIRST_BLOCK = 1024
_LAST_BLOCK = 1 << 16


class CUSUM(DriftDetector):
    r"""Page's tabular CUSUM chart for a shift in the mean of a stream.

    The first ``min_instances`` values of a test fix the reference mean :math:`\mu_0` and
    standard deviation :math:`\sigma_0` (sample standard deviation); from the value that
    completes them on, two one-sided sums collect the deviations beyond a slack
    :math:`k = \mathrm{slack} \cdot \sigma_0`:

    .. math::

        S^+_i = \max(0,\; S^+_{i-1} + x_i - \mu_0 - k), \qquad
        S^-_i = \max(0,\; S^-_{i-1} - (x_i - \mu_0) - k),

    and the chart fires when a watched sum exceeds the decision interval
    :math:`h = \mathrm{threshold} \cdot \sigma_0`. After a detection the next value starts a new
    test with a new reference. ``slack=0.5`` and ``threshold=5`` are the classical settings for
    a one-sigma shift. There is no warning level.

    River 0.26 has no CUSUM; the parameter names and defaults follow River's development
    version (``river/drift/cusum.py``), itself Page's chart. Each sum is computed as a running
    total minus its running minimum, which is the recursion above, so that `update_many` gives
    bit-for-bit the state of `update`.

    Parameters
    ----------
    min_instances
        Values that fix the reference mean and standard deviation of a test.
    slack
        Slack :math:`k`, in reference standard deviations; larger is less sensitive.
    threshold
        Decision interval :math:`h`, in reference standard deviations; larger delays detection
        and lengthens the run between false alarms.
    mode
        Watch for increases (``"up"``), decreases (``"down"``) or both (``"both"``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(12345)
    >>> stream = np.concatenate([rng.normal(0.0, 1.0, 200), rng.normal(3.0, 1.0, 200)])
    >>> CUSUM().update_many(stream).drifts
    array([203, 243, 320, 386])

    References
    ----------
    [^1]: E. S. Page. 1954. Continuous inspection schemes. Biometrika 41 (1/2), 100-115.
    [^2]: D. C. Montgomery. 2009. Introduction to Statistical Quality Control, 6th ed.,
        section 9.1 (the tabular CUSUM). Wiley.
    """

    _state: ClassVar[tuple[str, ...]] = (
        "_warmup",
        "_reference",
        "_sigma",
        "_total_increase",
        "_min_increase",
        "_total_decrease",
        "_min_decrease",
    )

    def __init__(
        self,
        min_instances: int = 30,
        slack: float = 0.5,
        threshold: float = 5.0,
        mode: str = "both",
    ) -> None:
        self.min_instances = min_instances
        self.slack = slack
        self.threshold = threshold
        self.mode = mode
        if not is_int(min_instances) or min_instances < 2:
            raise self._invalid("min_instances", "an int in [2, inf)")
        if not is_real(slack) or not 0 <= slack < math.inf:
            raise self._invalid("slack", "a float in [0, inf)")
        if not is_real(threshold) or not 0 < threshold < math.inf:
            raise self._invalid("threshold", "a float in (0, inf)")
        if mode not in _MODES:
            raise self._invalid("mode", "one of 'up', 'down', 'both'")
        super().__init__()

    def _restart(self) -> None:
        """A new test with a new reference; `n_seen` keeps counting."""
        self._drift_detected = False
        self._warmup: list[float] = []
        self._reference = 0.0
        self._sigma = 0.0
        # S+ = total - running minimum of the total (and of 0): Page's max(0, .) recursion.
        self._total_increase = 0.0
        self._min_increase = 0.0
        self._total_decrease = 0.0
        self._min_decrease = 0.0

    def _fix_reference(self) -> None:
        # From a fresh array in both `update` and `update_many`, so both round alike.
        warmup = np.asarray(self._warmup, dtype=np.float64)
        self._reference = float(np.mean(warmup))
        self._sigma = float(np.std(warmup, ddof=1))

    def update(self, x: float) -> None:
        """Add one value; `drift_detected` tells whether the chart fired on it."""
        x = float(x)
        if not math.isfinite(x):
            raise ColumnError(f"CUSUM needs finite numbers; got {x!r}.")
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        if len(self._warmup) < self.min_instances:
            self._warmup.append(x)
            if len(self._warmup) < self.min_instances:
                return
            self._fix_reference()
        dev = x - self._reference
        k = self.slack * self._sigma
        self._total_increase += dev - k
        self._total_decrease += -dev - k
        if self._total_increase < self._min_increase:
            self._min_increase = self._total_increase
        if self._total_decrease < self._min_decrease:
            self._min_decrease = self._total_decrease
        self._drift_detected = self._fires(
            self._total_increase - self._min_increase, self._total_decrease - self._min_decrease
        )

    def _fires(self, increase: float, decrease: float) -> bool:
        limit = self.threshold * self._sigma
        if self.mode == "up":
            return increase > limit
        if self.mode == "down":
            return decrease > limit
        return increase > limit or decrease > limit

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
            missing = self.min_instances - len(self._warmup)
            if missing > 0:
                # Values before the reference is fixed cannot fire; the one that fixes it can.
                taken = arr[pos : pos + missing]
                self._warmup.extend(taken.tolist())
                if taken.size < missing:
                    self._n_seen += taken.size
                    break
                self._n_seen += missing - 1
                pos += missing - 1
                self._fix_reference()
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
        """Run the chart (reference fixed) over ``x``; stop at the first detection and return its
        index (or -1), leaving the state as `update` would after that value."""
        dev = x - self._reference
        k = self.slack * self._sigma
        total_increase = np.cumsum(np.concatenate(([self._total_increase], dev - k)))
        total_decrease = np.cumsum(np.concatenate(([self._total_decrease], -dev - k)))
        min_increase = np.minimum.accumulate(
            np.concatenate(([self._min_increase], total_increase[1:]))
        )
        min_decrease = np.minimum.accumulate(
            np.concatenate(([self._min_decrease], total_decrease[1:]))
        )
        total_increase, total_decrease = total_increase[1:], total_decrease[1:]
        min_increase, min_decrease = min_increase[1:], min_decrease[1:]
        limit = self.threshold * self._sigma
        if self.mode == "up":
            fires = total_increase - min_increase > limit
        elif self.mode == "down":
            fires = total_decrease - min_decrease > limit
        else:
            fires = (total_increase - min_increase > limit) | (
                total_decrease - min_decrease > limit
            )
        hit = int(np.argmax(fires)) if fires.any() else -1
        last = hit if hit >= 0 else x.size - 1
        self._n_seen += last + 1
        self._total_increase = float(total_increase[last])
        self._total_decrease = float(total_decrease[last])
        self._min_increase = float(min_increase[last])
        self._min_decrease = float(min_decrease[last])
        self._drift_detected = hit >= 0
        return hit
