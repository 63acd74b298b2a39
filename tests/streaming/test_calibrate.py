"""Calibration finds the loosest setting whose false-alarm rate is shown to meet the target, and
says so when it cannot."""

from __future__ import annotations

import json
import math
from typing import ClassVar

import numpy as np
import pytest
from scipy import stats

from driftscope.exceptions import ParameterError
from driftscope.streaming import ADWIN, HDDM_A, HDDM_W, KSWIN, STEPD
from driftscope.streaming.calibrate import (
    CalibrationStatus,
    CalibrationWarning,
    calibrate,
    poisson_upper_bound,
)

from .test_base import Threshold


class Calibrated(Threshold):
    calibration: ClassVar[tuple[str, str]] = ("limit", "higher")


def _alarms(limit: float, stream: np.ndarray) -> int:
    return int(Calibrated(limit=limit).update_many(stream).drifts.size)


def test_poisson_upper_bound_is_garwoods_exact_bound() -> None:
    # The bound is the mean under which `count` or fewer events have probability 1 - confidence.
    for count in (0, 1, 5, 40):
        for confidence in (0.9, 0.95, 0.99):
            mean = poisson_upper_bound(count, confidence)
            assert stats.poisson.cdf(count, mean) == pytest.approx(1 - confidence, rel=1e-9)


def test_calibration_keeps_a_margin_the_upper_bound_meets_the_target() -> None:
    stream = np.random.default_rng(0).random(20_000)
    with_margin = calibrate(Calibrated(limit=5.0), stream, target_false_alarms_per_10k=10.0)
    assert with_margin.status is CalibrationStatus.MET
    assert with_margin.met
    assert with_margin.message == ""
    assert with_margin.parameter == "limit"
    assert with_margin.n_items == 20_000
    count = with_margin.n_false_alarms
    assert count == _alarms(with_margin.value, stream)
    assert with_margin.false_alarms_per_10k == pytest.approx(count / 2)
    # The upper bound of the chosen setting meets the target; a slightly looser one's does not.
    expected_bound = poisson_upper_bound(count, 0.95) / 20_000 * 10_000
    assert with_margin.upper_bound_per_10k == pytest.approx(expected_bound)
    assert with_margin.upper_bound_per_10k <= 10.0
    looser = _alarms(with_margin.value * 0.97, stream)
    assert poisson_upper_bound(looser, 0.95) / 2 > 10.0
    # The running sum grows by 0.5 per item: about 10,000 / limit alarms; the point estimate
    # alone would stop near limit 500 (20 alarms), the bound keeps the count near 13.
    assert 700 < with_margin.value < 850
    assert isinstance(with_margin.detector, Calibrated)
    assert with_margin.detector.limit == with_margin.value


def test_an_unreachable_target_is_said_not_hidden() -> None:
    stream = np.random.default_rng(1).random(40_000)
    with pytest.warns(CalibrationWarning, match=r"out of reach.*Calibrated\(limit=10\)"):
        result = calibrate(Calibrated(limit=5.0), stream, 1.0, high=10.0)
    assert result.status is CalibrationStatus.UNREACHABLE
    assert not result.met
    assert result.value == 10.0  # the strictest value of the range
    assert result.n_false_alarms == _alarms(10.0, stream) > 1_000
    assert result.upper_bound_per_10k > result.target_false_alarms_per_10k
    assert "high=" in result.message


def test_a_stream_too_short_to_show_the_target_is_said() -> None:
    # No alarm in 9,000 values is what a rate of 3.3 per 10k shows one time in twenty, so it
    # cannot show a rate of 1 per 10k; 29,958 values with no alarm can.
    errors = (np.random.default_rng(2).random(9_000) < 0.2).astype(float)
    with pytest.warns(CalibrationWarning, match=r"too short .* at least 29,958 are needed"):
        result = calibrate(ADWIN(), errors, target_false_alarms_per_10k=1.0)
    assert result.status is CalibrationStatus.TOO_SHORT
    assert result.min_items == math.ceil(-math.log(0.05) * 10_000) == 29_958
    # Nothing here can loosen the detector's own setting.
    assert result.value <= ADWIN().delta
    assert result.n_false_alarms == 0


def test_a_too_short_stream_still_tightens_a_setting_it_shows_too_loose() -> None:
    stream = np.random.default_rng(3).random(5_000)
    with pytest.warns(CalibrationWarning, match="too short"):
        result = calibrate(Calibrated(limit=5.0), stream, target_false_alarms_per_10k=1.0)
    assert result.n_false_alarms == 0
    assert _alarms(result.value, stream) == 0
    assert _alarms(result.value * 0.97, stream) > 0


@pytest.mark.parametrize(
    ("detector", "parameter", "loosest"),
    [
        (ADWIN(), "delta", 0.01),
        (KSWIN(seed=1), "alpha", 0.01),
        (HDDM_A(), "drift_confidence", 0.01),
        (HDDM_W(), "drift_confidence", 0.002),
        (STEPD(), "alpha_drift", 0.01),
        (STEPD(alpha_warning=0.004), "alpha_drift", 0.004),
    ],
)
def test_a_quiet_stream_does_not_push_the_search_to_the_loose_edge(
    detector: ADWIN | KSWIN | HDDM_A | HDDM_W | STEPD, parameter: str, loosest: float
) -> None:
    # A stable error stream on which the default settings hardly fire: the search used to run
    # to delta = 1 - 1e-9 (ADWIN) or alpha_drift = alpha_warning (STEPD).
    errors = (np.random.default_rng(4).random(40_000) < 0.2).astype(float)
    result = calibrate(detector, errors, target_false_alarms_per_10k=5.0)
    assert result.met
    assert result.parameter == parameter
    assert result.search_range[1] == loosest
    assert result.value <= loosest


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"target_false_alarms_per_10k": 0.0}, "'target_false_alarms_per_10k' parameter"),
        ({"target_false_alarms_per_10k": float("nan")}, "'target_false_alarms_per_10k'"),
        ({"confidence": 1.0}, "'confidence' parameter of calibrate must be"),
        ({"iterations": 0}, "'iterations' parameter of calibrate"),
        ({"low": -1.0}, "'low' parameter of calibrate"),
        ({"low": 9.0, "high": 8.0}, "search range of calibrate for Calibrated.limit is empty"),
        ({"fewer_alarms_when": "up"}, "'fewer_alarms_when' parameter of calibrate"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs: dict[str, float], needle: str) -> None:
    arguments: dict[str, object] = {"target_false_alarms_per_10k": 1.0, **kwargs}
    with pytest.raises(ParameterError) as info:
        calibrate(Calibrated(), np.zeros(10), **arguments)  # type: ignore[arg-type]
    assert needle in str(info.value)


def test_an_empty_stream_is_refused() -> None:
    with pytest.raises(ParameterError, match="'null_stream' argument of calibrate is empty"):
        calibrate(Calibrated(), [], 1.0)


def test_the_result_is_json_ready() -> None:
    stream = np.random.default_rng(0).random(20_000)
    data = calibrate(Calibrated(), stream, 10.0).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["status"] == "met"
    assert data["detector"] == "Calibrated"
    assert data["params"] == {"limit": data["value"]}


def test_calibration_needs_a_parameter() -> None:
    with pytest.raises(ParameterError, match="declares no calibration parameter"):
        calibrate(Threshold(), [0.1, 0.2], 1.0)
    with pytest.raises(ParameterError, match="has no parameter 'speed'"):
        calibrate(Threshold(), [0.1], 1.0, parameter="speed", fewer_alarms_when="higher")


def _tree_errors(concepts: list[object], n_each: int) -> np.ndarray:
    """A Hoeffding tree's predict-then-learn 0/1 errors on River concepts, one after another."""
    from river.tree import HoeffdingTreeClassifier

    tree = HoeffdingTreeClassifier()
    errors = []
    for concept in concepts:
        for x, y in concept.take(n_each):  # type: ignore[attr-defined]
            errors.append(float(tree.predict_one(x) != y))
            tree.learn_one(x, y)
    return np.asarray(errors)


@pytest.mark.slow
def test_a_calibration_holds_up_on_held_out_river_streams() -> None:
    # The case: on a stable STAGGER error stream nothing fires at HDDM_A's default, so
    # the point estimate ran to drift_confidence ~0.1, which then fired about 24 times per 10k
    # on drifting STAGGER streams while the tree relearned.
    from river.datasets import synth

    stable = _tree_errors([synth.STAGGER(classification_function=0, seed=101)], 40_000)
    result = calibrate(HDDM_A(), stable, target_false_alarms_per_10k=1.0)
    assert result.met
    assert result.value <= 0.01
    held_out = _tree_errors([synth.STAGGER(classification_function=0, seed=102)], 40_000)
    assert result.detector.clone().update_many(held_out).drifts.size <= 4  # 1 per 10k
    drifting = _tree_errors(
        [synth.STAGGER(classification_function=f, seed=200 + f) for f in (0, 1, 2, 0)], 5_000
    )
    found = result.detector.clone().update_many(drifting).drifts
    # Each of the three changes found within 2,000 items, and few alarms besides.
    changes = np.array([5_000, 10_000, 15_000])
    first = [found[(found >= c) & (found < c + 2_000)] for c in changes]
    assert all(f.size for f in first)
    assert found.size - len(first) <= 4


def test_a_too_short_stream_on_which_every_setting_fires_says_so() -> None:
    stream = np.random.default_rng(5).random(5_000)
    with pytest.warns(CalibrationWarning, match=r"Even the strictest value .* raises alarms"):
        result = calibrate(Calibrated(limit=5.0), stream, 1.0, high=50.0)
    assert result.status is CalibrationStatus.TOO_SHORT
    assert result.value == 50.0
    assert result.n_false_alarms == _alarms(50.0, stream) > 0
