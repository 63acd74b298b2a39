"""Pick a detector's threshold so that it raises false alarms at a chosen rate on stable data."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from driftscope.exceptions import ParameterError, invalid_parameter
from driftscope.streaming._base import DriftDetector

__all__ = ["Calibration", "calibrate"]


@dataclass(frozen=True)
class Calibration:
    """The chosen setting and the false-alarm rate it gives on the stable stream."""

    parameter: str
    value: float
    false_alarms_per_10k: float
    target_false_alarms_per_10k: float
    detector: DriftDetector


def _rate(detector: DriftDetector, parameter: str, value: float, stream: np.ndarray) -> float:
    params = detector.get_params()
    params[parameter] = value
    candidate = type(detector)(**params)
    found = candidate.update_many(stream)
    return found.drifts.size / stream.size * 10_000


def calibrate(
    detector: DriftDetector,
    null_stream: ArrayLike,
    target_false_alarms_per_10k: float,
    *,
    parameter: str | None = None,
    fewer_alarms_when: str | None = None,
    low: float | None = None,
    high: float | None = None,
    iterations: int = 30,
) -> Calibration:
    """Search ``parameter`` (on a log scale) for the value whose false-alarm rate on
    ``null_stream`` (data with no drift) is closest to, and at most, the target.

    The parameter and its direction default to the detector's class attribute ``calibration``,
    e.g. ``("threshold", "higher")`` for Page-Hinkley: a higher threshold gives fewer alarms.
    The search assumes the rate is monotone in the parameter, as it is for every threshold here.
    """
    default = getattr(type(detector), "calibration", None)
    if parameter is None or fewer_alarms_when is None:
        if default is None:
            raise ParameterError(
                f"{type(detector).__name__} declares no calibration parameter; pass parameter= "
                "and fewer_alarms_when= ('higher' or 'lower')."
            )
        parameter = parameter or default[0]
        fewer_alarms_when = fewer_alarms_when or default[1]
    if fewer_alarms_when not in ("higher", "lower"):
        raise invalid_parameter(
            "calibrate", "fewer_alarms_when", "'higher' or 'lower'", fewer_alarms_when
        )
    if not target_false_alarms_per_10k >= 0:
        raise invalid_parameter(
            "calibrate", "target_false_alarms_per_10k", "a float >= 0", target_false_alarms_per_10k
        )
    params = detector.get_params()
    if parameter not in params:
        raise ParameterError(
            f"{type(detector).__name__} has no parameter {parameter!r}; it has "
            f"{', '.join(map(repr, params))}."
        )
    stream = detector._check_values(null_stream)
    if stream.size == 0:
        raise ParameterError("The null stream is empty: calibration needs stable data.")
    start = float(params[parameter])
    floor, ceiling = detector._calibration_bounds(parameter)
    # Four decades either side of the current value, inside the values the setting may take.
    lo = math.log(low if low is not None else max(start / 1e4, floor, 1e-300))
    hi = math.log(high if high is not None else min(start * 1e4, ceiling))
    # Move in log space towards fewer alarms while the rate is above the target.
    strict, loose = (hi, lo) if fewer_alarms_when == "higher" else (lo, hi)
    best_value, best_rate = math.exp(strict), _rate(detector, parameter, math.exp(strict), stream)
    for _ in range(iterations):
        middle = (strict + loose) / 2
        value = math.exp(middle)
        rate = _rate(detector, parameter, value, stream)
        if rate <= target_false_alarms_per_10k:
            best_value, best_rate = value, rate
            strict = middle
        else:
            loose = middle
    params[parameter] = best_value
    return Calibration(
        parameter=parameter,
        value=best_value,
        false_alarms_per_10k=best_rate,
        target_false_alarms_per_10k=float(target_false_alarms_per_10k),
        detector=type(detector)(**params),
    )
