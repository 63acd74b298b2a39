"""`replay`: run a detector over a whole recorded stream, optionally tuned on its stable start.

What `driftscope stream` does once it has read the file: the command reads and presents, this
decides nothing but runs the detector.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from driftscope._validate import check_int
from driftscope.streaming._base import Detections, DriftDetector
from driftscope.streaming.calibrate import Calibration, CalibrationWarning, calibrate

__all__ = ["Replay", "replay"]


@dataclass(frozen=True)
class Replay:
    """The detector as run (the calibrated one with ``calibrate_on``), its detections, the
    calibration, and every event as ``(position, "warning" | "drift")`` in stream order."""

    detector: DriftDetector
    detections: Detections
    calibration: Calibration | None
    events: tuple[tuple[int, str], ...]


def replay(
    detector: DriftDetector,
    values: NDArray[Any] | list[float],
    *,
    calibrate_on: int | None = None,
    target_false_alarms_per_10k: float = 1.0,
) -> Replay:
    """Run ``detector`` over ``values``. With ``calibrate_on=n``, its threshold is first tuned
    (`calibrate`) on the first ``n`` values, known to be stable, to at most
    ``target_false_alarms_per_10k`` false alarms; the tuned detector then runs over every value,
    the stable stretch included, so positions stay those of ``values``. When the target cannot
    be shown to be met, ``calibration.status`` and ``calibration.message`` say so (no warning is
    raised: the caller shows it).

    >>> from driftscope.streaming import PageHinkley
    >>> stream = np.r_[np.zeros(500), np.ones(500) * 5]
    >>> run = replay(PageHinkley(), stream)
    >>> run.events[0][1], 500 <= run.events[0][0] < 520
    ('drift', True)
    """
    array = np.asarray(values, dtype=np.float64)
    calibration = None
    check_int("replay", "calibrate_on", calibrate_on, low=1, high=array.size, allow_none=True)
    if calibrate_on is not None:
        with warnings.catch_warnings():
            # Said by the result (`calibration.status`), not as a Python warning.
            warnings.simplefilter("ignore", CalibrationWarning)
            calibration = calibrate(
                detector, array[: int(calibrate_on)], target_false_alarms_per_10k
            )
        detector = calibration.detector
    found = detector.update_many(array)
    events = sorted(
        [(int(i), "warning") for i in found.warnings] + [(int(i), "drift") for i in found.drifts]
    )
    return Replay(detector, found, calibration, tuple(events))
