"""STEPD, the drift detector of Nishida & Yamauchi (2007) that tests recent against older
accuracy, on a stream of errors."""

from __future__ import annotations

import math
from collections import deque
from statistics import NormalDist
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope.streaming._base import Detections, DriftDetector, is_int, is_real
from driftscope.streaming.ddm import _check_bit, _scan

__all__ = ["STEPD"]

_SQRT2 = math.sqrt(2.0)
#: Slack, in units of the statistic, when ``_advance`` skips the p-value of steps whose
#: statistic is clearly below the warning level. Far above any rounding error of ``erfc`` or
#: of the normal quantile, so the skipped steps are exactly those `update` would not flag.
_SKIP_SLACK = 1e-3


def _p_value(statistic: float) -> float:
    """One-sided p-value, :math:`P(Z > T)` for a standard normal :math:`Z`."""
    return 0.5 * math.erfc(statistic / _SQRT2)


class STEPD(DriftDetector):
    """Statistical Test of Equal Proportions: a drift is a fall in the accuracy of the last
    ``window_size`` predictions below the accuracy of the older predictions.

    Since the start or the last drift, let :math:`r_r` be the number of correct predictions
    among the :math:`n_r = W` most recent values and :math:`r_o` the number among the
    :math:`n_o` older ones. Once :math:`n_o + n_r \\ge 2W`, STEPD computes the two-proportion
    statistic with continuity correction [1]_

    .. math::

        T = \\frac{\\left| r_o / n_o - r_r / n_r \\right|
                    - \\frac{1}{2} \\left( 1 / n_o + 1 / n_r \\right)}
                   {\\sqrt{\\hat p (1 - \\hat p) \\left( 1 / n_o + 1 / n_r \\right)}},
        \\qquad \\hat p = \\frac{r_o + r_r}{n_o + n_r},

    and its one-sided p-value :math:`P(Z > T)` under the standard normal, counted only when
    the recent accuracy is the lower one (otherwise the p-value is 1). A p-value below
    ``alpha_drift`` is a drift, after which STEPD forgets everything and starts afresh; below
    ``alpha_warning`` a warning.

    Parameters
    ----------
    window_size
        :math:`W`, the number of recent predictions compared with the older ones.
    alpha_drift
        Significance level of a drift, in (0, alpha_warning].
    alpha_warning
        Significance level of a warning, in (0, 1).

    Notes
    -----
    ``update`` takes one value of an error stream: 1 for an error, 0 for a correct
    prediction. The defaults are the paper's.

    References
    ----------
    .. [1] K. Nishida, K. Yamauchi. "Detecting Concept Drift Using Statistical Testing".
       Discovery Science 2007, LNCS 4755, pp. 264-269.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.stepd import STEPD
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(1000) < 0.1, rng.random(1000) < 0.4])
    >>> found = STEPD().update_many(errors)
    >>> found.drifts.tolist()
    [1014]
    """

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = ("_n", "_n_correct", "_recent", "_recent_correct")

    def __init__(
        self, window_size: int = 30, alpha_drift: float = 0.003, alpha_warning: float = 0.05
    ) -> None:
        self.window_size = window_size
        self.alpha_drift = alpha_drift
        self.alpha_warning = alpha_warning
        if not is_int(window_size) or window_size < 1:
            raise self._invalid("window_size", "an int in [1, inf)")
        if not is_real(alpha_warning) or not 0 < alpha_warning < 1:
            raise self._invalid("alpha_warning", "a float in (0, 1)")
        if not is_real(alpha_drift) or not 0 < alpha_drift <= alpha_warning:
            raise self._invalid(
                "alpha_drift", f"a float in (0, alpha_warning] = (0, {alpha_warning!r}]"
            )
        super().__init__()

    def _restart(self) -> None:
        """Forget the statistics, as after a drift (the count of values seen is kept)."""
        self._drift_detected = False
        self._warning_detected = False
        self._n = 0  # values since the start or the last drift
        self._n_correct = 0  # correct predictions among them
        # The last `window_size` values as 1 = correct, 0 = error, and how many are correct.
        self._recent: deque[int] = deque(maxlen=int(self.window_size))
        self._recent_correct = 0

    def update(self, x: float) -> None:
        """Take one value of the error stream (1 = error, 0 = correct)."""
        _check_bit(self, x)
        if self._drift_detected:
            self._restart()
        self._n_seen += 1
        self._n += 1
        correct = int(x == 0)
        self._n_correct += correct
        if len(self._recent) == self._recent.maxlen:
            self._recent_correct -= self._recent[0]
        self._recent.append(correct)
        self._recent_correct += correct
        self._warning_detected = False
        w = int(self.window_size)
        if self._n < 2 * w:
            return
        n_o, r_r = self._n - w, self._recent_correct
        r_o = self._n_correct - r_r
        if r_o * w <= r_r * n_o:  # recent accuracy not lower: one-sided test, p = 1
            return
        # The same float operations, in the same order, as `_advance`.
        inv = 1 / n_o + 1 / w
        p_hat = self._n_correct / self._n
        statistic = (abs(r_o / n_o - r_r / w) - 0.5 * inv) / math.sqrt(p_hat * (1 - p_hat) * inv)
        p = _p_value(statistic)
        if p < self.alpha_drift:
            self._drift_detected = True
        else:
            self._warning_detected = p < self.alpha_warning

    def update_many(self, values: ArrayLike) -> Detections:
        """Process a whole array, vectorised; the same detections and final state as calling
        `update` on each value."""
        return _scan(self, self._check_values(values), self._advance)

    def _advance(self, window: NDArray[np.float64]) -> tuple[NDArray[np.int64], int]:
        if self._drift_detected:
            self._restart()
        w = int(self.window_size)
        correct = (window == 0).astype(np.int64)
        n = self._n + np.arange(1, window.size + 1, dtype=np.int64)
        total = self._n_correct + np.cumsum(correct)
        # Correct predictions among the last w values at each step, from the remembered
        # window followed by this one.
        history = np.concatenate([np.asarray(self._recent, np.int64), correct])
        sums = np.concatenate([[0], np.cumsum(history)])
        ends = len(self._recent) + np.arange(1, window.size + 1)
        r_r = sums[ends] - sums[np.maximum(ends - w, 0)]
        n_o = n - w
        r_o = total - r_r
        # Steps where the test runs and the recent accuracy is the lower one (exact integers).
        idx = np.flatnonzero((n >= 2 * w) & (r_o * w > r_r * n_o))
        a_o, a_r, a_n, a_t = n_o[idx], r_r[idx], n[idx], r_o[idx]
        inv = 1 / a_o + 1 / w
        p_hat = total[idx] / a_n
        statistic = (np.abs(a_t / a_o - a_r / w) - 0.5 * inv) / np.sqrt(p_hat * (1 - p_hat) * inv)
        if self.alpha_warning <= 0.5:
            # p >= alpha_warning wherever T is clearly below the warning quantile.
            keep = statistic > -NormalDist().inv_cdf(self.alpha_warning) - _SKIP_SLACK
            idx, statistic = idx[keep], statistic[keep]
        p = np.asarray([_p_value(t) for t in statistic.tolist()], np.float64)
        drift_at = idx[p < self.alpha_drift]
        end = int(drift_at[0]) if drift_at.size else window.size - 1  # last index consumed
        warnings = idx[(p < self.alpha_warning) & (p >= self.alpha_drift) & (idx <= end)]

        self._n_seen += end + 1
        self._n = int(n[end])
        self._n_correct = int(total[end])
        recent = history[max(len(self._recent) + end + 1 - w, 0) : len(self._recent) + end + 1]
        self._recent = deque(recent.tolist(), maxlen=w)
        self._recent_correct = int(r_r[end])
        self._drift_detected = bool(drift_at.size)
        self._warning_detected = bool(warnings.size) and int(warnings[-1]) == end
        return warnings.astype(np.int64), (end if self._drift_detected else -1)
