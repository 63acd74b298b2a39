"""Calibration finds the loosest setting whose false-alarm rate meets the target."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from driftscope.exceptions import ParameterError
from driftscope.streaming.calibrate import calibrate

from .test_base import Threshold


class Calibrated(Threshold):
    calibration: ClassVar[tuple[str, str]] = ("limit", "higher")


def test_calibration_meets_the_target_and_is_tight() -> None:
    stream = np.random.default_rng(0).random(20_000)
    result = calibrate(Calibrated(limit=5.0), stream, target_false_alarms_per_10k=10.0)
    assert result.parameter == "limit"
    assert result.false_alarms_per_10k <= 10.0
    # The running sum grows by 0.5 per item on average: about 10,000 * 0.5 / limit alarms.
    assert result.value == pytest.approx(500, rel=0.05)
    looser = Calibrated(limit=result.value * 0.97).update_many(stream)
    assert looser.drifts.size / stream.size * 10_000 > 10.0
    assert isinstance(result.detector, Calibrated)
    assert result.detector.limit == result.value


def test_calibration_needs_a_parameter() -> None:
    with pytest.raises(ParameterError, match="declares no calibration parameter"):
        calibrate(Threshold(), [0.1, 0.2], 1.0)
    with pytest.raises(ParameterError, match="has no parameter 'speed'"):
        calibrate(Threshold(), [0.1], 1.0, parameter="speed", fewer_alarms_when="higher")
