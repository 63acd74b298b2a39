"""Pick a detector's threshold so that it raises false alarms at a chosen rate on stable data.

A rate measured on a finite stream is uncertain: no alarm in 9,000 items is what a detector
raising one false alarm per 3,000 items shows one time in twenty. So `calibrate` judges each
setting by the exact upper confidence bound of its false-alarm rate (Garwood's Poisson bound),
not by the count alone, and says when that bound cannot reach the target at all: when the stream
is too short to show the target rate with any setting, or when even the strictest setting of the
search range raises too many alarms. It never moves past the detector's `calibration_range`,
the settings that hold up on new data, however quiet the calibration stream is.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from numpy.typing import NDArray
from scipy import stats

from driftscope._validate import check_choice, check_float, check_int
from driftscope.exceptions import ParameterError
from driftscope.streaming._base import DriftDetector

__all__ = ["Calibration", "CalibrationStatus", "CalibrationWarning", "calibrate"]


class CalibrationStatus(StrEnum):
    """How a calibration ended."""

    #: The chosen setting's upper bound on the false-alarm rate is at most the target.
    MET = "met"
    #: The stream is long enough, but even the strictest setting of the search range has an
    #: upper bound above the target.
    UNREACHABLE = "unreachable"
    #: The stream is too short to show the target rate with any setting: even no alarm at all
    #: leaves an upper bound above the target.
    TOO_SHORT = "too_short"


class CalibrationWarning(UserWarning):
    """`calibrate` could not show that the setting it returns meets the target."""


@dataclass(frozen=True)
class Calibration:
    """The chosen setting, what the stable stream says of its false-alarm rate, and whether
    that meets the target.

    ``false_alarms_per_10k`` is the rate measured on the stable stream and
    ``upper_bound_per_10k`` its exact one-sided upper confidence bound at ``confidence``; the
    target is met when the bound is at most ``target_false_alarms_per_10k``. ``min_items`` is
    the shortest stable stream that could show the target rate at all (one on which a setting
    raising no alarm has an upper bound at the target). ``status`` says how the search ended and
    ``message`` says it in words (empty when the target is met).
    """

    parameter: str
    value: float
    false_alarms_per_10k: float
    upper_bound_per_10k: float
    target_false_alarms_per_10k: float
    confidence: float
    n_items: int
    n_false_alarms: int
    min_items: int
    search_range: tuple[float, float]
    status: CalibrationStatus
    message: str
    detector: DriftDetector

    @property
    def met(self) -> bool:
        """Whether the target is shown to be met."""
        return self.status is CalibrationStatus.MET

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (the detector as its name and settings)."""
        return {
            "parameter": self.parameter,
            "value": self.value,
            "status": str(self.status),
            "message": self.message,
            "false_alarms_per_10k": self.false_alarms_per_10k,
            "upper_bound_per_10k": self.upper_bound_per_10k,
            "target_false_alarms_per_10k": self.target_false_alarms_per_10k,
            "confidence": self.confidence,
            "n_items": self.n_items,
            "n_false_alarms": self.n_false_alarms,
            "min_items": self.min_items,
            "search_range": list(self.search_range),
            "detector": type(self.detector).__name__,
            "params": self.detector.get_params(),
        }


def poisson_upper_bound(count: int, confidence: float) -> float:
    """Exact one-sided upper confidence bound of a Poisson mean after ``count`` events
    (Garwood, 1936): the mean under which ``count`` or fewer events have probability
    ``1 - confidence``.

    >>> round(poisson_upper_bound(0, 0.95), 4)  # -ln(0.05): the "rule of three"
    2.9957
    """
    return float(stats.gamma.ppf(confidence, count + 1))


def _count(detector: DriftDetector, parameter: str, value: float, stream: NDArray[Any]) -> int:
    params = detector.get_params()
    params[parameter] = value
    return int(type(detector)(**params).update_many(stream).drifts.size)


def _search_range(
    detector: DriftDetector, parameter: str, low: float | None, high: float | None
) -> tuple[float, float]:
    """Four decades either side of the current value, inside the detector's
    `calibration_range` for the setting; ``low`` and ``high`` replace either end."""
    start = float(detector.get_params()[parameter])
    floor, ceiling = detector._calibration_bounds(parameter)
    for name, given in (("low", low), ("high", high)):
        check_float("calibrate", name, given, low=0, closed="neither", allow_none=True)
    lo = low if low is not None else max(start / 1e4, floor, 1e-300)
    hi = high if high is not None else min(start * 1e4, ceiling)
    if not lo < hi:
        raise ParameterError(
            f"The search range of calibrate for {type(detector).__name__}.{parameter} is empty: "
            f"low = {lo!r} is not below high = {hi!r}."
        )
    return float(lo), float(hi)


def _loosest(
    passes: Callable[[float], tuple[int, bool]], strict: float, loose: float, iterations: int
) -> tuple[float, int] | None:
    """Bisection in log space for the loosest value between ``strict`` and ``loose`` whose
    alarm count passes; None when not even ``strict`` passes. ``passes(value)`` returns the
    count and whether it passes."""
    count, ok = passes(strict)
    if not ok:
        return None
    best = (strict, count)
    count, ok = passes(loose)
    if ok:
        return (loose, count)
    a, b = math.log(strict), math.log(loose)
    for _ in range(iterations):
        middle = (a + b) / 2
        count, ok = passes(math.exp(middle))
        if ok:
            best, a = (math.exp(middle), count), middle
        else:
            b = middle
    return best


def calibrate(
    detector: DriftDetector,
    null_stream: NDArray[Any] | list[float],
    target_false_alarms_per_10k: float,
    *,
    parameter: str | None = None,
    fewer_alarms_when: str | None = None,
    low: float | None = None,
    high: float | None = None,
    confidence: float = 0.95,
    iterations: int = 30,
) -> Calibration:
    """Search ``parameter`` (on a log scale) for the loosest value whose false-alarm rate on
    ``null_stream`` (data with no drift) is shown to be at most the target.

    "Shown" means that the exact one-sided upper confidence bound (at ``confidence``) of the
    rate, from the count of alarms on the stream, is at most the target: the chosen setting
    keeps a margin for the chance that the stable stream was quieter than the next one.

    The parameter and its direction default to the detector's class attribute ``calibration``,
    e.g. ``("threshold", "higher")`` for Page-Hinkley: a higher threshold gives fewer alarms.
    The search covers four decades either side of the current value, inside the detector's
    ``calibration_range`` (for instance ADWIN's ``delta`` at most 0.01, STEPD's
    ``alpha_drift`` at most 0.01 and below its ``alpha_warning``); ``low`` and ``high`` replace
    either end. It assumes the rate is monotone in the parameter, as it is for every threshold
    here.

    The result's ``status`` says how the search ended; unless the target is met, a
    `CalibrationWarning` with the same ``message`` is also issued:

    - ``met``: the returned setting is the loosest whose bound meets the target;
    - ``unreachable``: even the strictest value of the range has a bound above the target; that
      value is returned;
    - ``too_short``: the stream has fewer than ``min_items`` values, so not even a setting with
      no alarm shows the target; the returned setting is the detector's own, or the loosest
      stricter one that raises no alarm on the stream.

    Examples
    --------
    >>> import numpy as np
    >>> from driftscope.streaming import PageHinkley
    >>> stable = np.random.default_rng(0).normal(size=40_000)
    >>> result = calibrate(PageHinkley(), stable, target_false_alarms_per_10k=2.0)
    >>> str(result.status), round(result.value, 1), result.n_false_alarms
    ('met', 129.7, 2)
    >>> round(result.false_alarms_per_10k, 2), round(result.upper_bound_per_10k, 2)
    (0.5, 1.57)
    """
    parameter, fewer_alarms_when = _parameter(detector, parameter, fewer_alarms_when)
    target = target_false_alarms_per_10k
    check_float("calibrate", "target_false_alarms_per_10k", target, low=0, closed="neither")
    check_float("calibrate", "confidence", confidence, low=0.5, high=1, closed="left")
    check_int("calibrate", "iterations", iterations, low=1)
    stream = detector._check_values(null_stream)
    if stream.size == 0:
        raise ParameterError(
            "The 'null_stream' argument of calibrate is empty: calibration needs stable data."
        )
    lo, hi = _search_range(detector, parameter, low, high)
    strict, loose = (hi, lo) if fewer_alarms_when == "higher" else (lo, hi)
    n = int(stream.size)
    own = float(detector.get_params()[parameter])

    def bound(count: int) -> float:
        return poisson_upper_bound(count, confidence) * 10_000 / n

    min_items = math.ceil(poisson_upper_bound(0, confidence) * 10_000 / target)
    if n < min_items:
        status = CalibrationStatus.TOO_SHORT
        # Nothing this stream shows can loosen the detector's own setting; it can still show
        # that setting to be too loose, so take the loosest value at most as loose that raises
        # no alarm here (or the strictest value, if every one does).
        start = min(max(own, lo), hi)
        found = _loosest(
            lambda v: (c := _count(detector, parameter, v, stream), c == 0),
            strict,
            start,
            iterations,
        )
        value, count = found or (strict, _count(detector, parameter, strict, stream))
    else:
        found = _loosest(
            lambda v: (c := _count(detector, parameter, v, stream), bound(c) <= target),
            strict,
            loose,
            iterations,
        )
        if found is None:
            status = CalibrationStatus.UNREACHABLE
            value, count = strict, _count(detector, parameter, strict, stream)
        else:
            status = CalibrationStatus.MET
            value, count = found
    params = detector.get_params()
    params[parameter] = value
    result = Calibration(
        parameter=parameter,
        value=value,
        false_alarms_per_10k=count * 10_000 / n,
        upper_bound_per_10k=bound(count),
        target_false_alarms_per_10k=float(target),
        confidence=float(confidence),
        n_items=n,
        n_false_alarms=count,
        min_items=min_items,
        search_range=(lo, hi),
        status=status,
        message="",
        detector=type(detector)(**params),
    )
    result = replace(result, message=_message(result, own))
    if not result.met:
        warnings.warn(result.message, CalibrationWarning, stacklevel=2)
    return result


def _parameter(
    detector: DriftDetector, parameter: str | None, fewer_alarms_when: str | None
) -> tuple[str, str]:
    """The setting to search and the direction that gives fewer alarms, checked."""
    default = getattr(type(detector), "calibration", None)
    if parameter is None or fewer_alarms_when is None:
        if default is None:
            raise ParameterError(
                f"{type(detector).__name__} declares no calibration parameter; pass parameter= "
                "and fewer_alarms_when= ('higher' or 'lower')."
            )
        parameter = parameter or default[0]
        fewer_alarms_when = fewer_alarms_when or default[1]
    check_choice("calibrate", "fewer_alarms_when", fewer_alarms_when, ("higher", "lower"))
    params = detector.get_params()
    if parameter not in params:
        raise ParameterError(
            f"{type(detector).__name__} has no parameter {parameter!r}; it has "
            f"{', '.join(map(repr, params))}."
        )
    return parameter, fewer_alarms_when


def _message(result: Calibration, own: float) -> str:
    """Why the result does not meet the target, in words; empty when it does. ``own`` is the
    detector's own value of the setting."""
    setting = f"{type(result.detector).__name__}({result.parameter}={result.value:.4g})"
    measured = (
        f"{result.n_false_alarms} false alarm(s) in {result.n_items:,} stable values, a rate of "
        f"{result.false_alarms_per_10k:.3g} per 10k with a {result.confidence:.0%} upper bound "
        f"of {result.upper_bound_per_10k:.3g}"
    )
    target = f"{result.target_false_alarms_per_10k:g} per 10k"
    if result.status is CalibrationStatus.TOO_SHORT:
        return (
            f"The stable stream is too short to calibrate to {target}: with {result.n_items:,} "
            f"values even no alarm leaves a {result.confidence:.0%} upper bound above the "
            f"target; at least {result.min_items:,} are needed (or a target of at least "
            f"{poisson_upper_bound(0, result.confidence) / result.n_items * 10_000:.3g} per "
            f"10k). "
            + (
                f"Kept the detector's own setting, {setting}"
                if result.value == own
                else f"Chose {setting}, the loosest value no looser than the detector's own "
                f"({own:.4g}) that raises no alarm here"
                if result.n_false_alarms == 0
                else f"Even the strictest value of the search range, {setting}, raises alarms here"
            )
            + f": {measured}."
        )
    if result.status is CalibrationStatus.UNREACHABLE:
        return (
            f"The target of {target} is out of reach: the strictest setting of the search "
            f"range, {setting}, raised {measured}. Widen the range with "
            f"{'high' if result.search_range[1] == result.value else 'low'}=, or accept a "
            "higher target."
        )
    return ""
