"""STEPD, the drift detector of Nishida & Yamauchi (2007) that tests recent against older
accuracy, on a stream of errors."""

from __future__ import annotations

from typing import ClassVar

from driftscope._validate import check_int, check_probability, is_real
from driftscope.streaming._base import SIGNIFICANCE, DriftDetector
from driftscope.streaming._core.stepd import STEPDCore

__all__ = ["STEPD"]


class STEPD(STEPDCore, DriftDetector):
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
    prediction. The defaults are the paper's. The test runs in a compiled kernel that keeps
    the recent values in a ring buffer; `update_many` runs the same kernel over the array.

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

    calibration: ClassVar[tuple[str, str] | None] = ("alpha_drift", "lower")

    calibration_range: ClassVar[tuple[float, float]] = SIGNIFICANCE

    def _calibration_bounds(self, parameter: str) -> tuple[float, float]:
        # alpha_drift may not exceed alpha_warning (or 0.01).
        if parameter == "alpha_drift":
            return (0.0, min(self.calibration_range[1], float(self.alpha_warning)))
        return self.calibration_range

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = ("_n", "_n_correct", "_recent", "_recent_correct")

    def __init__(
        self, window_size: int = 30, alpha_drift: float = 0.003, alpha_warning: float = 0.05
    ) -> None:
        self.window_size = window_size
        self.alpha_drift = alpha_drift
        self.alpha_warning = alpha_warning
        check_int(type(self).__name__, "window_size", window_size, low=1)
        check_probability(type(self).__name__, "alpha_warning", alpha_warning)
        if not is_real(alpha_drift) or not 0 < alpha_drift <= alpha_warning:
            raise self._invalid(
                "alpha_drift", f"a float in (0, alpha_warning] = (0, {alpha_warning!r}]"
            )
        self._configure(window_size, alpha_drift, alpha_warning)
        super().__init__()
