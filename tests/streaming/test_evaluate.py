"""Scoring detections against known drift points."""

from __future__ import annotations

import math

import pytest

from driftscope.exceptions import ParameterError
from driftscope.streaming.evaluate import evaluate


def test_true_detections_delays_and_false_alarms() -> None:
    # 90 comes before the first drift (false alarm); 120 detects the drift at 100; 130 is a
    # second detection of the same drift (false alarm); the drift at 2000 is missed.
    e = evaluate([90, 120, 130, 1510], drift_points=[100, 1500, 2000], n_items=4000)
    assert e.n_true_detections == 2
    assert e.n_false_alarms == 2
    assert e.missed == 1
    assert e.recall == pytest.approx(2 / 3)
    assert e.mean_delay == pytest.approx((20 + 10) / 2)
    assert e.false_alarms_per_10k == pytest.approx(2 / 4000 * 10_000)
    assert e.mean_time_between_false_alarms == pytest.approx(2000)
    assert e.mean_time_ratio == pytest.approx(2000 / 15 * (2 / 3))


def test_max_delay_turns_late_detections_into_misses() -> None:
    e = evaluate([400], drift_points=[100], n_items=1000, max_delay=200)
    assert e.n_true_detections == 0
    assert e.missed == 1
    assert e.n_false_alarms == 1
    assert math.isnan(e.mean_delay)


def test_no_detections_on_stable_stream() -> None:
    e = evaluate([], drift_points=[], n_items=10_000)
    assert e.n_false_alarms == 0
    assert math.isinf(e.mean_time_between_false_alarms)
    assert math.isnan(e.recall)


def test_bad_arguments() -> None:
    with pytest.raises(ParameterError, match="'n_items' parameter of evaluate"):
        evaluate([1], [0], n_items=0)
    with pytest.raises(ParameterError, match="'detections' parameter of evaluate"):
        evaluate([50], [0], n_items=10)
