"""ADWIN: adaptive windowing over an exponential histogram of buckets."""

from __future__ import annotations

from typing import ClassVar

from driftscope._validate import check_int, check_probability
from driftscope.streaming._base import SIGNIFICANCE, DriftDetector
from driftscope.streaming._core.adwin import ADWINCore

__all__ = ["ADWIN"]


class ADWIN(ADWINCore, DriftDetector):
    r"""Adaptive Windowing drift detector[^1], step for step River's ``drift.ADWIN``.

    ADWIN keeps a window of recent values compressed into an exponential histogram: row ``i``
    holds up to ``max_buckets`` buckets that each summarise ``2**i`` consecutive values by
    their total and their sum of squared deviations. Every ``clock`` values it tries every
    boundary between buckets as a cut into an older part :math:`W_0` and a newer part
    :math:`W_1`, and signals a drift when

    .. math:: |\hat\mu_0 - \hat\mu_1| > \sqrt{2 m \sigma^2_W \delta'} + \tfrac{2}{3}\delta' m,

    with :math:`\delta' = \ln(2 \ln|W| / \delta)` and :math:`m = 1/(n_0 - \ell + 1) +
    1/(n_1 - \ell + 1)` (:math:`\ell` = ``min_window_length``); the oldest bucket is then
    dropped and the cuts are tried again. As in River, the update after a drift starts
    again from an empty window.

    The arithmetic follows River 0.26's implementation operation by operation, in a compiled
    kernel, so detection indices and the window statistics are identical to River's on the same
    stream; `update_many` runs the same kernel over the array. To be fast, the kernel first
    rules out most cuts with bounds that need no division or square root, and that leave a
    margin far wider than the roundings; the remaining cuts are decided by River's arithmetic.

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

    calibration: ClassVar[tuple[str, str] | None] = ("delta", "lower")

    calibration_range: ClassVar[tuple[float, float]] = SIGNIFICANCE

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
        owner = type(self).__name__
        check_probability(owner, "delta", delta)
        check_int(owner, "clock", clock, low=1)
        # With a single bucket per row a merge empties its row, and dropping the oldest bucket
        # can then reach an empty row (River's implementation panics there).
        check_int(owner, "max_buckets", max_buckets, low=2)
        check_int(owner, "min_window_length", min_window_length, low=1)
        check_int(owner, "grace_period", grace_period, low=0)
        self._configure(delta, clock, max_buckets, min_window_length, grace_period)
        super().__init__()

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
