"""KSWIN: a Kolmogorov-Smirnov test between a sliding window's newest values and a sample of
its older ones."""

from __future__ import annotations

import math
import random
import warnings
from collections import deque
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from driftscope.exceptions import ColumnError
from driftscope.streaming._base import DriftDetector, is_int

__all__ = ["KSWIN"]

#: scipy's ``ks_2samp(method="auto")`` computes exact p-values up to this sample size.
_MAX_EXACT_N = 10_000


class KSWIN(DriftDetector):
    r"""Kolmogorov-Smirnov Windowing drift detector[^1], step for step River's ``drift.KSWIN``.

    KSWIN keeps the last ``window_size`` values. Once the window is full, every update draws
    ``stat_size`` values without replacement from its oldest ``window_size - stat_size`` values
    and runs a two-sample Kolmogorov-Smirnov test of them against the newest ``stat_size``
    values; a drift is signalled when the p-value is at most ``alpha`` and the statistic
    exceeds 0.1. As in River, the update after a drift starts again from an empty window and
    a freshly seeded random generator.

    The sample is drawn with ``random.Random(seed).sample``, exactly as River draws it, so the
    same seed gives the same samples and the same detections as River; the generator's state
    is saved by `state_dict`. The test is scipy's ``ks_2samp(method="auto")``: the statistic is
    computed here from the two samples' ranks, and scipy's p-value, which depends only on the
    statistic and the sample sizes, is computed once per distinct statistic.

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
        Seed of the random generator; None draws one from the operating system.
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

    _state: ClassVar[tuple[str, ...]] = ("_window", "_p_value", "_statistic", "_rng_state")

    def __init__(
        self,
        alpha: float = 0.005,
        window_size: int = 100,
        stat_size: int = 30,
        seed: int | None = None,
        window: Sequence[float] | NDArray[np.float64] | None = None,
    ) -> None:
        self.alpha = alpha
        self.window_size = window_size
        self.stat_size = stat_size
        self.seed = seed
        self.window = window
        if not isinstance(alpha, int | float) or isinstance(alpha, bool) or not 0.0 < alpha < 1.0:
            raise self._invalid("alpha", "a float in (0, 1)")
        if not is_int(window_size) or window_size < 2:
            raise self._invalid("window_size", "an int in [2, inf)")
        # The sample is drawn without replacement from the window_size - stat_size older values.
        if not is_int(stat_size) or not 1 <= stat_size <= window_size // 2:
            expected = f"an int in [1, window_size // 2 = {window_size // 2}]"
            raise self._invalid("stat_size", expected)
        if seed is not None and not is_int(seed):
            raise self._invalid("seed", "an int or None")
        if window is not None:
            if not isinstance(window, Sequence | np.ndarray) or isinstance(window, str | bytes):
                raise self._invalid("window", "a sequence of finite numbers or None")
            try:
                initial = np.asarray(window, dtype=np.float64)
            except (TypeError, ValueError):
                raise self._invalid("window", "a sequence of finite numbers or None") from None
            if initial.ndim != 1 or not np.isfinite(initial).all():
                raise self._invalid("window", "a sequence of finite numbers or None")
        super().__init__()
        # p-value of scipy's test for each statistic seen, keyed by the integer statistic.
        self._p_values: dict[int, tuple[float, float]] = {}

    def _reset(self) -> None:
        super()._reset()  # also restarts
        if self.window is not None:
            # Only a fresh (or reset) detector starts from the given values; the restart
            # after a drift does not, as in River.
            initial = np.asarray(self.window, dtype=np.float64).tolist()
            self._window.extend(initial)

    def _restart(self) -> None:
        self._window: deque[float] = deque(maxlen=self.window_size)
        self._p_value = 0.0
        self._statistic = 0.0
        self._rng = random.Random(self.seed)

    # -- results ---------------------------------------------------------------------------------

    @property
    def p_value(self) -> float:
        """p-value of the last test (0.0 before the first one)."""
        return self._p_value

    @property
    def statistic(self) -> float:
        """Kolmogorov-Smirnov statistic of the last test (0.0 before the first one)."""
        return self._statistic

    # -- persistence -----------------------------------------------------------------------------

    @property
    def _rng_state(self) -> list[Any]:
        """The random generator's state as plain data (Mersenne Twister words)."""
        version, words, gauss_next = self._rng.getstate()
        return [version, list(words), gauss_next]

    @_rng_state.setter
    def _rng_state(self, state: list[Any]) -> None:
        version, words, gauss_next = state
        self._rng.setstate((version, tuple(words), gauss_next))

    # -- updates ---------------------------------------------------------------------------------

    def update(self, x: float) -> None:
        """Add one value; once the window is full, test its newest values against a sample of
        its older ones."""
        x = float(x)
        if not math.isfinite(x):
            raise ColumnError(f"KSWIN needs finite numbers; got {x!r}.")
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        window = self._window
        window.append(x)
        if len(window) < self.window_size:
            self._drift_detected = False
            return
        n = self.stat_size
        n_old = self.window_size - n
        # River indexes its window with the sample; a list makes the indexing O(1).
        values = list(window)
        sample = sorted([values[i] for i in self._rng.sample(range(n_old), n)])
        recent = sorted(values[n_old:])
        statistic, p_value = self._test(sample, recent)
        self._statistic, self._p_value = statistic, p_value
        self._drift_detected = p_value <= self.alpha and statistic > 0.1

    def _test(self, sample: list[float], recent: list[float]) -> tuple[float, float]:
        """scipy's ``ks_2samp(sample, recent, method="auto")`` statistic and p-value, for two
        sorted samples of the same size."""
        n = len(sample)
        if n > _MAX_EXACT_N:
            return self._scipy_test(sample, recent)
        # Largest gap between the two empirical distribution functions, in counts: scipy's
        # exact mode rounds its statistic to this count over n, and its p-value depends on
        # the count alone.
        gap = i = j = 0
        while i < n and j < n:
            value = sample[i] if sample[i] <= recent[j] else recent[j]
            while i < n and sample[i] <= value:
                i += 1
            while j < n and recent[j] <= value:
                j += 1
            if abs(i - j) > gap:
                gap = abs(i - j)
        cached = self._p_values.get(gap)
        if cached is None:
            cached = self._p_values[gap] = self._scipy_test(sample, recent)
        return cached

    @staticmethod
    def _scipy_test(sample: list[float], recent: list[float]) -> tuple[float, float]:
        with warnings.catch_warnings():
            # scipy warns when it falls back from the exact to the asymptotic p-value, which
            # River silences too.
            warnings.simplefilter("ignore", category=RuntimeWarning)
            result = stats.ks_2samp(sample, recent, method="auto")
        return float(result.statistic), float(result.pvalue)
