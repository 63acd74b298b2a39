"""PageHinkley: River's detections on seeded streams, `update_many` equal to `update`, saved and
resumed state, and the common detector checks."""

from __future__ import annotations

import copy
import itertools
import json
import pickle
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from river import drift

from driftscope.exceptions import ColumnError, ParameterError
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


@pytest.mark.parametrize("params", PARAMS)
def test_update_many_in_chunks(params: dict[str, Any]) -> None:
    values = mean_shifts(4)
    whole = PageHinkley(**params)
    expected = whole.update_many(values).drifts
    chunked = PageHinkley(**params)
    found = []
    bounds = [0, 1, 17, 1000, 1001, 2500, 3999, values.size]
    for lo, hi in itertools.pairwise(bounds):
        found.extend((lo + chunked.update_many(values[lo:hi]).drifts).tolist())
    assert found == expected.tolist()
    assert chunked.state_dict() == whole.state_dict()


def test_update_after_update_many_continues_identically() -> None:
    values = mean_shifts(5)
    reference = PageHinkley(threshold=5.0)
    found = per_value(reference, values)
    assert len(found) >= 3
    # Stop right on a detection so the pending restart is carried over to `update`.
    cut = found[1] + 1
    mixed = PageHinkley(threshold=5.0)
    head = mixed.update_many(values[:cut]).drifts.tolist()
    assert mixed.drift_detected
    tail = per_value(mixed, values[cut:])
    assert head + [cut + i for i in tail] == found
    assert mixed.state_dict() == reference.state_dict()


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-100, 100, allow_nan=False), min_size=0, max_size=300),
    cut=st.integers(0, 300),
    threshold=st.floats(0.1, 20.0),
    mode=st.sampled_from(["up", "down", "both"]),
)
def test_update_many_equals_update_property(
    values: list[float], cut: int, threshold: float, mode: str
) -> None:
    arr = np.asarray(values, dtype=np.float64)
    one = PageHinkley(threshold=threshold, mode=mode, min_instances=3)
    found = per_value(one, arr)
    many = PageHinkley(threshold=threshold, mode=mode, min_instances=3)
    first = many.update_many(arr[:cut]).drifts.tolist()
    second = (many.update_many(arr[cut:]).drifts + min(cut, arr.size)).tolist()
    assert first + second == found
    assert many.state_dict() == one.state_dict()


@pytest.mark.parametrize("cut", [0, 10, 1009, 1010, 2500])
def test_state_dict_round_trip_through_json(cut: int) -> None:
    values = mean_shifts(6)
    straight = PageHinkley(mode="up", threshold=10.0)
    expected = straight.update_many(values).drifts
    first = PageHinkley(mode="up", threshold=10.0)
    head = first.update_many(values[:cut]).drifts
    saved = json.loads(json.dumps(first.state_dict()))
    resumed = PageHinkley.from_state_dict(saved)
    assert isinstance(resumed, PageHinkley)
    assert resumed.get_params() == first.get_params()
    tail = resumed.update_many(values[cut:]).drifts + cut
    assert np.concatenate([head, tail]).tolist() == expected.tolist()
    assert resumed.state_dict() == straight.state_dict()


def test_state_dict_of_a_fresh_detector_survives_json() -> None:
    # The running minimum starts at inf, which plain JSON cannot hold.
    fresh = PageHinkley()
    restored = PageHinkley.from_state_dict(json.loads(json.dumps(fresh.state_dict())))
    assert restored.state_dict() == fresh.state_dict()
    assert restored._min_increase == np.inf


def test_state_dict_for_another_detector_is_refused() -> None:
    data = PageHinkley().state_dict()
    data["detector"] = "ADWIN"
    with pytest.raises(ValueError, match="'ADWIN', not 'PageHinkley'"):
        PageHinkley.from_state_dict(data)


def test_pickle_and_deepcopy_keep_state() -> None:
    values = mean_shifts(7)
    detector = PageHinkley(delta=0.01)
    detector.update_many(values[:2000])
    for copied in (pickle.loads(pickle.dumps(detector)), copy.deepcopy(detector)):
        assert copied.state_dict() == detector.state_dict()
        assert copied.update_many(values[2000:]) == copy.deepcopy(detector).update_many(
            values[2000:]
        )


def test_clone_repr_and_reset() -> None:
    detector = PageHinkley(min_instances=10, delta=0.01, threshold=20.0, alpha=0.999, mode="up")
    assert repr(detector) == (
        "PageHinkley(min_instances=10, delta=0.01, threshold=20.0, alpha=0.999, mode='up')"
    )
    assert repr(PageHinkley()) == (
        "PageHinkley(min_instances=30, delta=0.005, threshold=50.0, alpha=0.9999, mode='both')"
    )
    fresh = detector.state_dict()
    values = mean_shifts(8)
    expected = detector.update_many(values)
    assert detector.n_seen == values.size
    clone = detector.clone()
    assert isinstance(clone, PageHinkley)
    assert clone.get_params() == detector.get_params()
    assert clone.state_dict() == fresh
    detector.reset()
    assert detector.state_dict() == fresh
    assert not detector.drift_detected
    assert detector.update_many(values) == expected
    assert clone.update_many(values) == expected


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


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_values_raise(bad: float) -> None:
    detector = PageHinkley()
    detector.update_many([1.0, 2.0])
    before = detector.state_dict()
    with pytest.raises(ColumnError, match="value 2 is"):
        detector.update_many([1.0, 2.0, bad, 3.0])
    assert detector.state_dict() == before
    with pytest.raises(ColumnError, match="finite"):
        detector.update(bad)
    assert detector.state_dict() == before


def test_accepts_lists_and_2d_arrays() -> None:
    values = mean_shifts(1)
    expected = PageHinkley().update_many(values)
    assert PageHinkley().update_many(values.tolist()) == expected
    assert PageHinkley().update_many(values.reshape(-1, 1)) == expected
    empty = PageHinkley()
    assert empty.update_many([]) == Detections(np.empty(0, np.int64), np.empty(0, np.int64))
    assert empty.n_seen == 0


@pytest.mark.slow
def test_throughput_against_river(capsys: pytest.CaptureFixture[str]) -> None:
    """Measured, not asserted: the numbers go to the report."""
    values = np.random.default_rng(0).normal(size=1_000_000)
    start = time.perf_counter()
    ours = PageHinkley().update_many(values)
    ours_seconds = time.perf_counter() - start
    river_detector = drift.PageHinkley()
    start = time.perf_counter()
    theirs = per_value(river_detector, values)
    river_seconds = time.perf_counter() - start
    assert ours.drifts.tolist() == theirs
    with capsys.disabled():
        print(
            f"\nPageHinkley, 1e6 values: update_many {ours_seconds:.3f} s, "
            f"River per value {river_seconds:.3f} s, {river_seconds / ours_seconds:.1f}x"
        )
