"""DDM, the Drift Detection Method of Gama et al. (2004), on a stream of errors."""

from __future__ import annotations

import math
from typing import Any, ClassVar

from driftscope._validate import check_float, check_int
from driftscope.streaming._base import DriftDetector
from driftscope.streaming._core.ddm import DDMCore

__all__ = ["DDM"]


class DDM(DDMCore, DriftDetector):
    """Drift Detection Method: the error rate of a learner should only fall while the data
    are stationary.

    With :math:`p_i` the error rate after :math:`i` values and
    :math:`s_i = \\sqrt{p_i (1 - p_i) / i}`, DDM remembers :math:`p_{min}` and :math:`s_{min}`
    where :math:`p_i + s_i` was lowest, warns when
    :math:`p_i + s_i > p_{min} + w \\, s_{min}` and signals a drift when
    :math:`p_i + s_i > p_{min} + d \\, s_{min}`, after which it starts afresh [1]_. The
    statistics and thresholds are River's ``drift.binary.DDM``, operation for operation, in a
    compiled kernel; `update_many` runs the same kernel over the array.

    Parameters
    ----------
    warm_start
        Values seen (since the start or the last drift) before a warning or drift can be
        signalled.
    warning_threshold
        :math:`w`, in standard deviations; 2 is about 95% confidence.
    drift_threshold
        :math:`d`, in standard deviations; 3 is about 99% confidence.

    Notes
    -----
    ``update`` takes one value of an error stream: 1 for an error, 0 for a correct
    prediction.

    References
    ----------
    .. [1] J. Gama, P. Medas, G. Castillo, P. Rodrigues. "Learning with Drift Detection".
       SBIA 2004, LNCS 3171, pp. 286-295.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming.ddm import DDM
    >>> rng = np.random.default_rng(42)
    >>> errors = np.concatenate([rng.random(1000) < 0.2, rng.random(1000) < 0.5])
    >>> found = DDM().update_many(errors)
    >>> found.drifts.tolist()
    [1457]
    """

    calibration: ClassVar[tuple[str, str] | None] = ("drift_threshold", "higher")

    #: Drift levels below 2.5 standard deviations sit at a warning level and fire on noise.
    calibration_range: ClassVar[tuple[float, float]] = (2.5, math.inf)

    binary_input: ClassVar[bool] = True
    _state: ClassVar[tuple[str, ...]] = ("_n", "_n_errors", "_p_min", "_s_min", "_ps_min")

    def __init__(
        self, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        self.warm_start = warm_start
        self.warning_threshold = warning_threshold
        self.drift_threshold = drift_threshold
        check_int(type(self).__name__, "warm_start", warm_start, low=0)
        for name in ("warning_threshold", "drift_threshold"):
            value: Any = getattr(self, name)
            check_float(type(self).__name__, name, value, low=0, closed="neither")
        self._configure(warm_start, warning_threshold, drift_threshold)
        super().__init__()
