"""EDDM, the Early Drift Detection Method of Baena-García et al. (2006), on a stream of
errors."""

from __future__ import annotations

from typing import ClassVar

from driftscope._validate import check_int, check_probability, is_real
from driftscope.streaming._base import DriftDetector
from driftscope.streaming._core.eddm import EDDMCore

__all__ = ["EDDM"]


class EDDM(EDDMCore, DriftDetector):
    """Early Drift Detection Method: watches the distance between consecutive errors, which
    shrinks when the error rate rises, so gradual drifts show up earlier than with DDM.

    With :math:`p'_i` and :math:`s'_i` the mean and standard deviation of the distances
    between errors so far, EDDM remembers the largest :math:`p'_i + 2 s'_i` and, at each error
    once ``warm_start`` values and errors are seen, compares the ratio of the current value to
    it: below ``beta`` is a drift (after which it starts afresh), below ``alpha`` a warning,
    at or above ``alpha`` ends the warning [1]_. The statistics are River's
    ``drift.binary.EDDM``; like River, the warning state is only updated at errors and holds
    in between. The mean and variance come from exact integer sums of the distances, in a
    compiled kernel; `update_many` runs the same kernel over the array.

    Parameters
    ----------
    warm_start
        Values, and errors, seen (since the start or the last drift) before a warning or drift
        can be signalled.
    alpha
        Warning level, in (0, 1]; the smaller, the more conservative.
    beta
        Drift level, in (0, alpha]; the smaller, the more conservative.

    Notes
    -----
    ``update`` takes one value of an error stream: 1 for an error, 0 for a correct
    prediction.

    References
    ----------
    .. [1] M. Baena-García, J. del Campo-Ávila, R. Fidalgo, A. Bifet, R. Gavaldà,
       R. Morales-Bueno. "Early Drift Detection Method". Fourth International Workshop on
       Knowledge Discovery from Data Streams, 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.eddm import EDDM
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(1000) < 0.2, rng.random(1000) < 0.5])
    >>> found = EDDM().update_many(errors)
    >>> found.drifts[:3].tolist()
    [139, 268, 416]
    """

    calibration: ClassVar[tuple[str, str] | None] = ("beta", "lower")

    #: The paper's beta, 0.9, is the loosest drift level `calibrate` tries: above it EDDM
    #: raises several false alarms per 10k items of a stable error stream.
    calibration_range: ClassVar[tuple[float, float]] = (0.0, 0.9)

    def _calibration_bounds(self, parameter: str) -> tuple[float, float]:
        # beta may not exceed alpha.
        if parameter == "beta":
            return (0.0, min(self.calibration_range[1], float(self.alpha)))
        return self.calibration_range

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = (
        "_n",
        "_n_errors",
        "_last_error",
        "_distance_sum",
        "_distance_square_sum",
        "_p2s_max",
    )

    def __init__(self, warm_start: int = 30, alpha: float = 0.95, beta: float = 0.9) -> None:
        self.warm_start = warm_start
        self.alpha = alpha
        self.beta = beta
        check_int(type(self).__name__, "warm_start", warm_start, low=0)
        check_probability(type(self).__name__, "alpha", alpha, closed="right")
        if not is_real(beta) or not 0 < beta <= alpha:
            raise self._invalid("beta", f"a float in (0, alpha] = (0, {alpha!r}]")
        self._configure(warm_start, alpha, beta)
        super().__init__()
