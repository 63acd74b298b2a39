"""HDDM_A and HDDM_W: drift detection with Hoeffding's and McDiarmid's bounds (Frías-Blanco
et al., 2015), on a stream of errors."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.streaming._base import Detections, DriftDetector
from driftscope.streaming.ddm import _check_bit, _last_event, _scan

__all__ = ["HDDM_A", "HDDM_W"]


def _check_confidence(detector: DriftDetector, name: str) -> None:
    value: Any = getattr(detector, name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise detector._invalid(name, "a float in (0, 1)")


def _check_flag(detector: DriftDetector, name: str) -> None:
    if not isinstance(getattr(detector, name), bool):
        raise detector._invalid(name, "a bool")


class HDDM_A(DriftDetector):
    """Drift detection with Hoeffding's bound on the average error rate (HDDM_A).

    HDDM_A keeps the cut point where the error rate plus its Hoeffding bound was lowest and
    signals a drift when the error rate since then is significantly higher than before, by
    Hoeffding's inequality at ``drift_confidence`` (a warning at ``warning_confidence``); with
    ``two_sided_test`` it also watches for a fall. After a drift it starts afresh [1]_. The
    statistics are River's ``drift.binary.HDDMA`` (after MOA).

    Parameters
    ----------
    drift_confidence
        Significance level of the drift test.
    warning_confidence
        Significance level of the warning test.
    two_sided_test
        Whether a fall of the error rate is also signalled (by default only a rise is).

    Notes
    -----
    ``update`` takes one value of an error stream: 1 for an error, 0 for a correct
    prediction.

    References
    ----------
    .. [1] I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno,
       A. Ortiz-Díaz, Y. Caballero-Mota. "Online and Non-Parametric Drift Detection Methods
       Based on Hoeffding's Bounds". IEEE Transactions on Knowledge and Data Engineering 27(3),
       2015, pp. 810-823.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.hddm import HDDM_A
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(1000) < 0.2, rng.random(1000) < 0.5])
    >>> found = HDDM_A().update_many(errors)
    >>> found.drifts.tolist()
    [1051]
    """

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = (
        "_n",
        "_n_errors",
        "_n_min",
        "_n_errors_min",
        "_n_max",
        "_n_errors_max",
    )

    def __init__(
        self,
        drift_confidence: float = 0.001,
        warning_confidence: float = 0.005,
        two_sided_test: bool = False,
    ) -> None:
        self.drift_confidence = drift_confidence
        self.warning_confidence = warning_confidence
        self.two_sided_test = two_sided_test
        _check_confidence(self, "drift_confidence")
        _check_confidence(self, "warning_confidence")
        _check_flag(self, "two_sided_test")
        # Python's log, not numpy's, so `update` and `update_many` share the very same floats.
        self._log_cut = math.log(1.0 / drift_confidence)
        self._log_drift = math.log(2.0 / drift_confidence)
        self._log_warning = math.log(2.0 / warning_confidence)
        super().__init__()

    def _restart(self) -> None:
        """Forget the statistics, as after a drift (the count of values seen is kept)."""
        self._drift_detected = False
        self._warning_detected = False
        # The whole stream since the last drift, and the two cut points (as counts of values
        # and of errors; 0 values means not set yet).
        self._n = 0
        self._n_errors = 0
        self._n_min = 0
        self._n_errors_min = 0
        self._n_max = 0
        self._n_errors_max = 0

    def _bound(self, n: int) -> float:
        return math.sqrt(1.0 / (2 * n) * self._log_cut)

    def _changed(self, n_cut: int, mean_cut: float, log_term: float, rise: bool) -> bool:
        if n_cut == self._n:
            return False
        m = (self._n - n_cut) / n_cut * (1.0 / self._n)
        eps = math.sqrt(m / 2 * log_term)
        mean = self._n_errors / self._n
        return (mean - mean_cut if rise else mean_cut - mean) >= eps

    def update(self, x: float) -> None:
        """Take one value of the error stream (1 = error, 0 = correct)."""
        _check_bit(self, x)
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        self._n += 1
        self._n_errors += int(x == 1)
        mean = self._n_errors / self._n
        eps = self._bound(self._n)
        if self._n_min == 0 or self._n_errors_min / self._n_min + self._bound(self._n_min) >= (
            mean + eps
        ):
            self._n_min, self._n_errors_min = self._n, self._n_errors
        if self._n_max == 0 or self._n_errors_max / self._n_max - self._bound(self._n_max) <= (
            mean - eps
        ):
            self._n_max, self._n_errors_max = self._n, self._n_errors

        mean_min = self._n_errors_min / self._n_min
        drift = self._changed(self._n_min, mean_min, self._log_drift, rise=True)
        warning = not drift and self._changed(self._n_min, mean_min, self._log_warning, True)
        if self.two_sided_test:
            mean_max = self._n_errors_max / self._n_max
            fall_drift = self._changed(self._n_max, mean_max, self._log_drift, rise=False)
            fall_warning = not fall_drift and self._changed(
                self._n_max, mean_max, self._log_warning, rise=False
            )
            drift, warning = drift or fall_drift, warning or fall_warning
        self._drift_detected = drift
        self._warning_detected = warning

    def update_many(self, values: ArrayLike) -> Detections:
        """Process a whole array, vectorised; the same detections and final state as calling
        `update` on each value."""
        return _scan(self, self._check_values(values), self._advance)

    def _cut(
        self,
        n: NDArray[np.int64],
        k: NDArray[np.int64],
        n_cut: int,
        k_cut: int,
        sign: float,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The cut point (values, errors) in force at each position: where mean + bound was
        lowest (``sign=1``) or mean - bound highest (``sign=-1``), ties going to the latest."""
        value = k / n + sign * np.sqrt(1.0 / (2 * n) * self._log_cut)
        start = k_cut / n_cut + sign * self._bound(n_cut) if n_cut else sign * math.inf
        # Work on sign * value so both cases are a running minimum.
        before = np.minimum.accumulate(np.concatenate([[sign * start], sign * value]))[:-1]
        last = _last_event(sign * value <= before)
        return np.where(last >= 0, n[last], n_cut), np.where(last >= 0, k[last], k_cut)

    def _test(
        self,
        n: NDArray[np.int64],
        k: NDArray[np.int64],
        n_cut: NDArray[np.int64],
        k_cut: NDArray[np.int64],
        rise: bool,
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        """Drift and warning tests of `update`, elementwise with the same float operations."""
        # n_cut >= 1: the first update after a (re)start always sets both cut points.
        m = (n - n_cut) / n_cut * (1.0 / n)
        diff = k / n - k_cut / n_cut if rise else k_cut / n_cut - k / n
        drift = (n_cut != n) & (diff >= np.sqrt(m / 2 * self._log_drift))
        warning = (n_cut != n) & (diff >= np.sqrt(m / 2 * self._log_warning))
        return drift, warning & ~drift

    def _advance(self, window: NDArray[np.float64]) -> tuple[NDArray[np.int64], int]:
        if self._drift_detected:
            self._restart()
        n = self._n + np.arange(1, window.size + 1, dtype=np.int64)
        k = self._n_errors + np.cumsum(window == 1, dtype=np.int64)
        n_min, k_min = self._cut(n, k, self._n_min, self._n_errors_min, 1.0)
        drift, warning = self._test(n, k, n_min, k_min, rise=True)
        n_max, k_max = self._cut(n, k, self._n_max, self._n_errors_max, -1.0)
        if self.two_sided_test:
            fall_drift, fall_warning = self._test(n, k, n_max, k_max, rise=False)
            drift, warning = drift | fall_drift, warning | fall_warning
        end = int(np.argmax(drift)) if drift.any() else window.size - 1
        self._n_seen += end + 1
        self._n, self._n_errors = int(n[end]), int(k[end])
        self._n_min, self._n_errors_min = int(n_min[end]), int(k_min[end])
        self._n_max, self._n_errors_max = int(n_max[end]), int(k_max[end])
        self._drift_detected = bool(drift[end])
        self._warning_detected = bool(warning[end])
        warnings = np.flatnonzero(warning[: end + 1]).astype(np.int64)
        return warnings, (end if self._drift_detected else -1)


class HDDM_W(DriftDetector):
    """Drift detection with McDiarmid's bound on an exponentially weighted error rate
    (HDDM_W).

    Like `HDDM_A`, but the error rates are exponentially weighted moving averages (weight
    ``lambda_val`` on the newest value), compared with McDiarmid's inequality, so recent
    errors count more [1]_. The statistics are River's ``drift.binary.HDDMW`` (after MOA).

    Parameters
    ----------
    drift_confidence
        Significance level of the drift test.
    warning_confidence
        Significance level of the warning test.
    lambda_val
        Weight of the newest value in the moving averages, in (0, 1].
    two_sided_test
        Whether a fall of the error rate is also signalled (by default only a rise is).

    Notes
    -----
    ``update`` takes one value of an error stream: 1 for an error, 0 for a correct
    prediction. ``update_many`` runs `update` on each value: the moving averages are a
    floating-point recursion that a vectorised form would not reproduce bit for bit.

    References
    ----------
    .. [1] I. Frías-Blanco, J. del Campo-Ávila, G. Ramos-Jiménez, R. Morales-Bueno,
       A. Ortiz-Díaz, Y. Caballero-Mota. "Online and Non-Parametric Drift Detection Methods
       Based on Hoeffding's Bounds". IEEE Transactions on Knowledge and Data Engineering 27(3),
       2015, pp. 810-823.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.hddm import HDDM_W
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(1000) < 0.2, rng.random(1000) < 0.5])
    >>> found = HDDM_W().update_many(errors)
    >>> found.drifts.tolist()
    [1040]
    """

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = (
        "_total",
        "_s1_incr",
        "_s2_incr",
        "_s1_decr",
        "_s2_decr",
        "_incr_cutpoint",
        "_decr_cutpoint",
    )

    def __init__(
        self,
        drift_confidence: float = 0.001,
        warning_confidence: float = 0.005,
        lambda_val: float = 0.05,
        two_sided_test: bool = False,
    ) -> None:
        self.drift_confidence = drift_confidence
        self.warning_confidence = warning_confidence
        self.lambda_val = lambda_val
        self.two_sided_test = two_sided_test
        _check_confidence(self, "drift_confidence")
        _check_confidence(self, "warning_confidence")
        value: Any = lambda_val
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            raise self._invalid("lambda_val", "a float in (0, 1]")
        _check_flag(self, "two_sided_test")
        self._log_drift = math.log(1 / drift_confidence)
        self._log_warning = math.log(1 / warning_confidence)
        self._lambda_sq = lambda_val * lambda_val
        self._c_lambda_sq = (1 - lambda_val) ** 2
        super().__init__()

    @staticmethod
    def _sample() -> list[float]:
        """An empty sample: [moving average, independent bound condition, values seen]."""
        return [0.0, 1.0, 0]

    def _restart(self) -> None:
        """Forget the statistics, as after a drift (the count of values seen is kept)."""
        self._drift_detected = False
        self._warning_detected = False
        self._total = self._sample()
        self._s1_incr = self._sample()
        self._s2_incr = self._sample()
        self._s1_decr = self._sample()
        self._s2_decr = self._sample()
        self._incr_cutpoint = math.inf
        self._decr_cutpoint = -math.inf

    def _add(self, sample: list[float], x: float) -> None:
        lam = self.lambda_val
        sample[0] = x if sample[2] == 0 else lam * x + (1 - lam) * sample[0]
        sample[1] = self._lambda_sq + self._c_lambda_sq * sample[1]
        sample[2] += 1

    def _changed(self, before: list[float], after: list[float], log_term: float) -> bool:
        if before[2] == 0 or after[2] == 0:
            return False
        bound = math.sqrt((before[1] + after[1]) * log_term / 2)
        return after[0] - before[0] > bound

    def update(self, x: float) -> None:
        """Take one value of the error stream (1 = error, 0 = correct)."""
        _check_bit(self, x)
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        x = float(x)
        total = self._total
        self._add(total, x)
        eps = math.sqrt(total[1] * self._log_drift / 2)

        if total[0] + eps < self._incr_cutpoint:
            self._incr_cutpoint = total[0] + eps
            self._s1_incr = list(total)
            self._s2_incr = self._sample()
        else:
            self._add(self._s2_incr, x)
        drift = self._changed(self._s1_incr, self._s2_incr, self._log_drift)
        warning = not drift and self._changed(self._s1_incr, self._s2_incr, self._log_warning)

        if total[0] - eps > self._decr_cutpoint:
            self._decr_cutpoint = total[0] - eps
            self._s1_decr = list(total)
            self._s2_decr = self._sample()
        else:
            self._add(self._s2_decr, x)
        if self.two_sided_test:
            if self._changed(self._s2_decr, self._s1_decr, self._log_drift):
                drift = True
            elif self._changed(self._s2_decr, self._s1_decr, self._log_warning):
                warning = True
        self._drift_detected = drift
        self._warning_detected = warning
