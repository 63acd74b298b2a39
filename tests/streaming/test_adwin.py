"""ADWIN against River's implementation, and the detector protocol."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from driftscope.exceptions import ColumnError, ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.adwin import ADWIN

river_drift = pytest.importorskip("river.drift")


def _streams() -> dict[str, NDArray[np.float64]]:
    rng = np.random.default_rng(20240611)
    return {
        "stable": rng.normal(0.0, 1.0, 6000),
        "abrupt": np.concatenate([rng.normal(0.0, 1.0, 3000), rng.normal(1.0, 1.0, 3000)]),
        "several": np.concatenate([rng.normal(m, 1.0, 1500) for m in (0.0, 2.0, -1.0, 3.0)]),
        "variance": np.concatenate([rng.normal(0.0, 1.0, 3000), rng.normal(0.0, 5.0, 3000)]),
        "binary": rng.binomial(1, np.r_[np.full(3000, 0.2), np.full(3000, 0.5)]).astype(float),
    }


STREAMS = _streams()
PARAMS = [
    {},
    {"delta": 0.1, "clock": 1, "max_buckets": 2, "min_window_length": 1, "grace_period": 0},
    {"delta": 0.3, "clock": 3, "max_buckets": 3, "min_window_length": 2, "grace_period": 4},
]


def _river_run(params: dict[str, float], values: NDArray[np.float64]) -> tuple[list[int], object]:
    detector = river_drift.ADWIN(**params)
    drifts = []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
    return drifts, detector


def _one_by_one(detector: ADWIN, values: NDArray[np.float64]) -> list[int]:
    drifts = []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
    return drifts


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("name", list(STREAMS))
def test_detections_and_window_match_river(name: str, params: dict[str, float]) -> None:
    values = STREAMS[name]
    expected, river = _river_run(params, values)
    detector = ADWIN(**params)  # type: ignore[arg-type]
    assert _one_by_one(detector, values) == expected
    # Same arithmetic, so the window statistics are identical, not merely close.
    assert detector.width == river.width
    assert detector.total == river.total
    assert detector.variance == river.variance
    assert detector.estimation == river.estimation


def test_shifts_are_detected() -> None:
    # Guards against the oracle comparison passing vacuously.
    detector = ADWIN()
    drifts = detector.update_many(STREAMS["several"]).drifts
    assert len(drifts) >= 3
    assert ADWIN().update_many(np.zeros(5000)).drifts.size == 0


def test_window_statistics_step_by_step() -> None:
    values = STREAMS["several"][:2000]
    river = river_drift.ADWIN(clock=4)
    detector = ADWIN(clock=4)
    for x in values.tolist():
        river.update(x)
        detector.update(x)
        assert (detector.width, detector.total, detector.variance) == (
            river.width,
            river.total,
            river.variance,
        )
        assert detector.drift_detected == river.drift_detected


def test_estimation_of_empty_window() -> None:
    detector = ADWIN()
    assert (detector.width, detector.total, detector.estimation, detector.variance) == (
        0,
        0.0,
        0.0,
        0.0,
    )
    detector.update_many([1.0, 2.0, 3.0])
    assert detector.estimation == 2.0
    assert detector.variance == 2.0


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("name", list(STREAMS))
def test_update_many_equals_update(name: str, params: dict[str, float]) -> None:
    values = STREAMS[name]
    one = ADWIN(**params)  # type: ignore[arg-type]
    expected = _one_by_one(one, values)
    batch = ADWIN(**params)  # type: ignore[arg-type]
    result = batch.update_many(values)
    assert result == Detections(np.empty(0, np.int64), np.asarray(expected, np.int64))
    assert batch.state_dict() == one.state_dict()
    assert batch.drift_detected == one.drift_detected


@pytest.mark.parametrize("chunk", [1, 7, 32, 1000])
def test_update_many_in_chunks(chunk: int) -> None:
    values = STREAMS["several"]
    one = ADWIN(clock=5)
    expected = _one_by_one(one, values)
    chunked = ADWIN(clock=5)
    drifts: list[int] = []
    for start in range(0, len(values), chunk):
        drifts.extend((chunked.update_many(values[start : start + chunk]).drifts + start).tolist())
    assert drifts == expected
    assert chunked.state_dict() == one.state_dict()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=300),
    clock=st.integers(1, 8),
    delta=st.sampled_from([0.002, 0.2, 0.9]),
)
def test_update_many_equals_update_property(values: list[float], clock: int, delta: float) -> None:
    one = ADWIN(delta=delta, clock=clock, grace_period=0, min_window_length=1)
    expected = _one_by_one(one, np.asarray(values))
    batch = ADWIN(delta=delta, clock=clock, grace_period=0, min_window_length=1)
    assert batch.update_many(values).drifts.tolist() == expected
    assert batch.state_dict() == one.state_dict()


@pytest.mark.parametrize("split", [1, 1500, 1600, 3001])
def test_state_dict_round_trip_resumes(split: int) -> None:
    values = STREAMS["several"]
    expected = ADWIN(clock=8).update_many(values).drifts
    first = ADWIN(clock=8)
    head = first.update_many(values[:split]).drifts
    saved = json.loads(json.dumps(first.state_dict()))
    resumed = ADWIN.from_state_dict(saved)
    tail = resumed.update_many(values[split:]).drifts + split
    assert np.concatenate([head, tail]).tolist() == expected.tolist()
    assert resumed.n_seen == len(values)


def test_resume_right_after_a_drift() -> None:
    values = STREAMS["abrupt"]
    drifts = ADWIN().update_many(values).drifts
    split = int(drifts[0]) + 1
    first = ADWIN()
    first.update_many(values[:split])
    assert first.drift_detected
    resumed = ADWIN.from_state_dict(json.loads(json.dumps(first.state_dict())))
    assert (resumed.update_many(values[split:]).drifts + split).tolist() == drifts[1:].tolist()


def test_pickle_clone_repr_reset() -> None:
    values = STREAMS["abrupt"]
    detector = ADWIN(delta=0.01, clock=16)
    detector.update_many(values[:4000])
    restored = pickle.loads(pickle.dumps(detector))
    assert restored.state_dict() == detector.state_dict()
    assert restored.update_many(values[4000:]) == copy.deepcopy(detector).update_many(values[4000:])

    clone = detector.clone()
    assert isinstance(clone, ADWIN)
    assert clone.get_params() == detector.get_params()
    assert clone.n_seen == 0
    assert clone.width == 0
    assert repr(detector) == (
        "ADWIN(delta=0.01, clock=16, max_buckets=5, min_window_length=5, grace_period=10)"
    )

    detector.reset()
    assert detector.state_dict() == ADWIN(delta=0.01, clock=16).state_dict()
    assert detector.update_many(values) == ADWIN(delta=0.01, clock=16).update_many(values)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"delta": 0.0}, "The 'delta' parameter of ADWIN must be a float in (0, 1). Got 0.0."),
        ({"delta": 1.5}, "'delta'"),
        ({"delta": "0.1"}, "'delta'"),
        ({"delta": True}, "'delta'"),
        ({"clock": 0}, "The 'clock' parameter of ADWIN must be an int in [1, inf). Got 0."),
        ({"clock": 2.0}, "'clock'"),
        ({"max_buckets": 1}, "'max_buckets'"),
        ({"min_window_length": 0}, "'min_window_length'"),
        ({"grace_period": -1}, "'grace_period'"),
        ({"grace_period": None}, "'grace_period'"),
    ],
)
def test_invalid_parameters(params: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        ADWIN(**params)  # type: ignore[arg-type]
    assert message in str(info.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_input_raises(bad: float) -> None:
    detector = ADWIN()
    with pytest.raises(ColumnError):
        detector.update(bad)
    with pytest.raises(ColumnError):
        detector.update_many([1.0, bad])
    assert detector.n_seen == 0
    assert detector.width == 0
