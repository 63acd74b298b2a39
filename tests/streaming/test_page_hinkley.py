"""PageHinkley: River's detections on seeded streams, `update_many` equal to `update` for every
mode, settings and their validation. The protocol checks are in test_conformance.py."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from river import drift

from driftscope.exceptions import ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.page_hinkley import PageHinkley

FloatArray = NDArray[np.float64]


def mean_shifts(seed: int) -> FloatArray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(mu, 1.0, 800) for mu in (0.0, 2.0, -1.0, 4.0, 0.5)])


def variance_shifts(seed: int) -> FloatArray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(1.0, sd, 800) for sd in (0.5, 3.0, 0.2, 5.0)])


def stable(seed: int) -> FloatArray:
    return np.random.default_rng(seed).normal(10.0, 0.2, 4000)


STREAMS = {"mean_shifts": mean_shifts, "variance_shifts": variance_shifts, "stable": stable}
PARAMS: list[dict[str, Any]] = [
    {},
    {"mode": "up"},
    {"mode": "down"},
    {"threshold": 5.0, "delta": 0.1, "alpha": 1.0},
    {"threshold": 3.0, "min_instances": 5, "alpha": 0.99, "mode": "up"},
    {"threshold": 3.0, "min_instances": 1, "delta": 0.0, "mode": "down"},
]


def per_value(detector: Any, values: FloatArray) -> list[int]:
    found = []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.drift_detected:
            found.append(i)
    return found


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("stream", sorted(STREAMS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_detections_equal_river(params: dict[str, Any], stream: str, seed: int) -> None:
    values = STREAMS[stream](seed)
    expected = per_value(drift.PageHinkley(**params), values)
    assert PageHinkley(**params).update_many(values).drifts.tolist() == expected
    assert per_value(PageHinkley(**params), values) == expected


def test_river_parity_is_not_vacuous() -> None:
    # The parity tests above must include streams with several detections, and stable ones
    # with none at the default settings.
    assert len(PageHinkley().update_many(mean_shifts(0)).drifts) >= 3
    assert len(PageHinkley().update_many(stable(0)).drifts) == 0
    assert len(PageHinkley(mode="down").update_many(mean_shifts(0)).drifts) >= 1


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("stream", sorted(STREAMS))
def test_update_many_equals_update(params: dict[str, Any], stream: str) -> None:
    values = STREAMS[stream](3)
    one = PageHinkley(**params)
    found = per_value(one, values)
    many = PageHinkley(**params)
    result = many.update_many(values)
    assert result == Detections(np.empty(0, np.int64), np.asarray(found, np.int64))
    assert result.warnings.dtype == np.int64
    assert result.drifts.dtype == np.int64
    assert many.state_dict() == one.state_dict()
    assert many.drift_detected == one.drift_detected
    assert many.n_seen == one.n_seen == values.size


def test_repr_shows_the_settings() -> None:
    detector = PageHinkley(min_instances=10, delta=0.01, threshold=20.0, alpha=0.999, mode="up")
    assert repr(detector) == (
        "PageHinkley(min_instances=10, delta=0.01, threshold=20.0, alpha=0.999, mode='up')"
    )
    assert repr(PageHinkley()) == (
        "PageHinkley(min_instances=30, delta=0.005, threshold=50.0, alpha=0.9999, mode='both')"
    )


def test_restart_after_detection_keeps_counting_n_seen() -> None:
    detector = PageHinkley(threshold=5.0)
    values = mean_shifts(9)
    drifts = detector.update_many(values).drifts
    assert drifts.size >= 2
    assert detector.n_seen == values.size
    # The test in progress has seen only the values since the last detection.
    assert not detector.drift_detected
    assert detector._n == values.size - int(drifts[-1]) - 1


def test_no_warnings() -> None:
    detector = PageHinkley(threshold=1.0)
    assert detector.update_many(mean_shifts(0)).warnings.size == 0
    assert not detector.warning_detected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "threshold",
            -1,
            "The 'threshold' parameter of PageHinkley must be a float in (0, inf). Got -1.",
        ),
        ("threshold", 0.0, "must be a float in (0, inf). Got 0.0."),
        ("threshold", float("inf"), "must be a float in (0, inf). Got inf."),
        ("threshold", "5", "must be a float in (0, inf). Got '5'."),
        (
            "delta",
            -0.1,
            "The 'delta' parameter of PageHinkley must be a float in [0, inf). Got -0.1.",
        ),
        ("delta", float("nan"), "must be a float in [0, inf). Got nan."),
        ("alpha", 0.0, "The 'alpha' parameter of PageHinkley must be a float in (0, 1]. Got 0.0."),
        ("alpha", 1.5, "must be a float in (0, 1]. Got 1.5."),
        (
            "min_instances",
            0,
            "The 'min_instances' parameter of PageHinkley must be an int in [1, inf). Got 0.",
        ),
        ("min_instances", 2.5, "must be an int in [1, inf). Got 2.5."),
        ("min_instances", True, "must be an int in [1, inf). Got True."),
        (
            "mode",
            "sideways",
            "The 'mode' parameter of PageHinkley must be one of 'up', 'down', "
            "'both'. Got 'sideways'.",
        ),
    ],
)
def test_parameter_validation(name: str, value: object, message: str) -> None:
    with pytest.raises(ParameterError) as info:
        PageHinkley(**{name: value})
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_numpy_scalars_are_accepted_as_settings() -> None:
    detector = PageHinkley(min_instances=np.int64(5), threshold=np.float64(3.0))
    assert detector.update_many(mean_shifts(0)).drifts.size > 0
