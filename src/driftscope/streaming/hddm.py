"""HDDM_A and HDDM_W: drift detection with Hoeffding's and McDiarmid's bounds (Frías-Blanco
et al., 2015), on a stream of errors."""

from __future__ import annotations

from typing import ClassVar

from driftscope._validate import check_bool, check_probability
from driftscope.streaming._base import SIGNIFICANCE, DriftDetector
from driftscope.streaming._core.hddm import HDDMACore, HDDMWCore

__all__ = ["HDDM_A", "HDDM_W"]


def _check_confidence(detector: DriftDetector, name: str) -> None:
    check_probability(type(detector).__name__, name, getattr(detector, name))


def _check_flag(detector: DriftDetector, name: str) -> None:
    check_bool(type(detector).__name__, name, getattr(detector, name))


class HDDM_A(HDDMACore, DriftDetector):
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
    prediction. The arithmetic is River's, operation for operation, in a compiled kernel;
    `update_many` runs the same kernel over the array.

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

    calibration: ClassVar[tuple[str, str] | None] = ("drift_confidence", "lower")

    calibration_range: ClassVar[tuple[float, float]] = SIGNIFICANCE

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
        self._configure(drift_confidence, warning_confidence, two_sided_test)
        super().__init__()


class HDDM_W(HDDMWCore, DriftDetector):
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
    prediction. The arithmetic is River's, operation for operation, in a compiled kernel;
    `update_many` runs the same kernel over the array.

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

    calibration: ClassVar[tuple[str, str] | None] = ("drift_confidence", "lower")

    #: The weighted averages remember about 1 / lambda_val values, so they are noisy: above
    #: twice the default level HDDM_W re-fires while a model relearns after a drift.
    calibration_range: ClassVar[tuple[float, float]] = (0.0, 0.002)

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
        check_probability(type(self).__name__, "lambda_val", lambda_val, closed="right")
        _check_flag(self, "two_sided_test")
        self._configure(drift_confidence, warning_confidence, lambda_val, two_sided_test)
        super().__init__()
