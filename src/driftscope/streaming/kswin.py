"""KSWIN: a Kolmogorov-Smirnov test between a sliding window's newest values and a sample of
its older ones."""

from __future__ import annotations

import operator
import sys
import warnings
from collections import deque
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from driftscope._validate import check_int, check_probability, is_int
from driftscope.streaming._base import SIGNIFICANCE, DriftDetector
from driftscope.streaming._core.kswin import KSWINCore

__all__ = ["KSWIN"]

#: scipy's ``ks_2samp(method="auto")`` computes exact p-values up to this sample size.
_MAX_EXACT_N = 10_000


class KSWIN(KSWINCore, DriftDetector):
    r"""Kolmogorov-Smirnov Windowing drift detector[^1], step for step River's ``drift.KSWIN``.

    KSWIN keeps the last ``window_size`` values. Once the window is full, every update draws
    ``stat_size`` values without replacement from its oldest ``window_size - stat_size`` values
    and runs a two-sample Kolmogorov-Smirnov test of them against the newest ``stat_size``
    values; a drift is signalled when the p-value is at most ``alpha`` and the statistic
    exceeds 0.1. As in River, the update after a drift starts again from an empty window and
    a freshly seeded random generator.

    The sample is the one River draws with ``random.Random(seed).sample``: a compiled kernel
    repeats CPython's Mersenne Twister and sampling algorithm word for word, so the same seed
    gives the same samples and the same detections as River; the generator's state is saved by
    `state_dict` in ``random.Random.getstate`` form. The test is scipy's
    ``ks_2samp(method="auto")``: the statistic is computed in the kernel from the two sorted
    samples, and scipy's p-value, which depends only on the statistic and the sample sizes, is
    computed once per distinct statistic.

    Parameters
    ----------
    alpha
        Significance level of the test, in (0, 1); the paper advises below 0.01.
    window_size
        Length of the sliding window.
    stat_size
        Length of the newest part of the window and of the sample drawn from the older part;
        at most half of ``window_size``.
    seed
        Seed of the random generator, fixed by default so that a run can be repeated (River's
        default, None, draws one from the operating system and is still accepted).
    window
        Values to start the window with (the last ``window_size`` are kept), or None.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.kswin import KSWIN
    >>> rng = np.random.default_rng(7)
    >>> stream = np.concatenate([rng.normal(0, 1, 500), rng.normal(3, 1, 500)])
    >>> detector = KSWIN(alpha=0.0001, seed=42)
    >>> detector.update_many(stream).drifts
    array([516])

    References
    ----------
    [^1]: Christoph Raab, Moritz Heusinger and Frank-Michael Schleif. "Reactive soft prototype
       computing for concept drift streams." Neurocomputing 416, pp. 340-351, 2020.
    """

    calibration: ClassVar[tuple[str, str] | None] = ("alpha", "lower")

    calibration_range: ClassVar[tuple[float, float]] = SIGNIFICANCE

    _state: ClassVar[tuple[str, ...]] = ("_window", "_p_value", "_statistic", "_rng_state")

    def __init__(
        self,
        alpha: float = 0.005,
        window_size: int = 100,
        stat_size: int = 30,
        seed: int | None = 42,
        window: Sequence[float] | NDArray[np.float64] | None = None,
    ) -> None:
        self.alpha = alpha
        self.window_size = window_size
        self.stat_size = stat_size
        self.seed = seed
        self.window = window
        check_probability(type(self).__name__, "alpha", alpha)
        # The window takes memory only as values arrive (see `_core/kswin.pyx`), so any size
        # an index can address is accepted.
        check_int(type(self).__name__, "window_size", window_size, low=2, high=sys.maxsize)
        # The sample is drawn without replacement from the window_size - stat_size older values.
        if not is_int(stat_size) or not 1 <= stat_size <= window_size // 2:
            expected = f"an int in [1, window_size // 2 = {window_size // 2}]"
            raise self._invalid("stat_size", expected)
        check_int(type(self).__name__, "seed", seed, allow_none=True)
        if window is not None:
            if not isinstance(window, Sequence | np.ndarray) or isinstance(window, str | bytes):
                raise self._invalid("window", "a sequence of finite numbers or None")
            try:
                initial = np.asarray(window, dtype=np.float64)
            except (TypeError, ValueError):
                raise self._invalid("window", "a sequence of finite numbers or None") from None
            if initial.ndim != 1 or not np.isfinite(initial).all():
                raise self._invalid("window", "a sequence of finite numbers or None")
        # random.Random takes Python ints only (not numpy integers) and seeds by their value.
        self._configure(
            alpha,
            window_size,
            stat_size,
            None if seed is None else operator.index(seed),
            stat_size <= _MAX_EXACT_N,
        )
        super().__init__()

    def _reset(self) -> None:
        super()._reset()  # also restarts
        if self.window is not None:
            # Only a fresh (or reset) detector starts from the given values; the restart
            # after a drift does not, as in River.
            self._window = deque(np.asarray(self.window, dtype=np.float64).tolist())

    # -- results ---------------------------------------------------------------------------------

    @property
    def p_value(self) -> float:
        """p-value of the last test (0.0 before the first one)."""
        return self._p_value

    @property
    def statistic(self) -> float:
        """Kolmogorov-Smirnov statistic of the last test (0.0 before the first one)."""
        return self._statistic

    # -- the test --------------------------------------------------------------------------------

    @staticmethod
    def _scipy_test(sample: list[float], recent: list[float]) -> tuple[float, float]:
        """scipy's statistic and p-value of the two samples; the kernel calls it once per
        distinct statistic (on every test above `_MAX_EXACT_N` values)."""
        with warnings.catch_warnings():
            # scipy warns when it falls back from the exact to the asymptotic p-value, which
            # River silences too.
            warnings.simplefilter("ignore", category=RuntimeWarning)
            result = stats.ks_2samp(sample, recent, method="auto")
        return float(result.statistic), float(result.pvalue)
