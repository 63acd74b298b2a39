"""The Page-Hinkley test for a change in the mean of a stream."""

from __future__ import annotations

from typing import ClassVar

from driftscope._validate import check_choice, check_float, check_int, check_probability
from driftscope.streaming._base import DriftDetector
from driftscope.streaming._core.page_hinkley import PageHinkleyCore

__all__ = ["PageHinkley"]

_MODES = ("up", "down", "both")


class PageHinkley(PageHinkleyCore, DriftDetector):
    """Page-Hinkley test for a change in the mean of a stream.

    Each value's deviation from the running mean of the values seen so far is added to a
    cumulative sum that fades by ``alpha``; the test fires when the sum rises more than
    ``threshold`` above its lowest point (an increase) or falls more than ``threshold`` below its
    highest point (a decrease). ``delta`` is the magnitude of change that is tolerated. After a
    detection the next value starts a fresh test. There is no warning level.

    The settings, their defaults and the detections are River's ``drift.PageHinkley`` [^3]. The
    arithmetic is River's, operation for operation, in a compiled kernel; `update_many` runs the
    same kernel over the array.

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

    calibration: ClassVar[tuple[str, str] | None] = ("threshold", "higher")

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
        owner = type(self).__name__
        check_int(owner, "min_instances", min_instances, low=1)
        check_float(owner, "delta", delta, low=0)
        check_float(owner, "threshold", threshold, low=0, closed="neither")
        check_probability(owner, "alpha", alpha, closed="right")
        check_choice(owner, "mode", mode, _MODES)
        self._configure(min_instances, delta, threshold, alpha, mode)
        super().__init__()
