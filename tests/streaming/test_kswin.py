"""KSWIN against River's implementation, and the detector protocol."""

from __future__ import annotations

import copy
import json
import pickle
import random

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from driftscope.exceptions import ColumnError, ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.kswin import KSWIN

river_drift = pytest.importorskip("river.drift")


def _streams() -> dict[str, NDArray[np.float64]]:
    rng = np.random.default_rng(20240611)
    return {
        "stable": rng.normal(0.0, 1.0, 2000),
        "abrupt": np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(1.0, 1.0, 1000)]),
        "several": np.concatenate([rng.normal(m, 1.0, 600) for m in (0.0, 3.0, -1.0, 2.0)]),
        "variance": np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(0.0, 4.0, 1000)]),
        # Many ties: the statistic must follow scipy's handling of equal values.
        "ties": rng.integers(0, 4, 2000).astype(float),
    }


STREAMS = _streams()
PARAMS: list[dict[str, object]] = [
    {"seed": 1},
    {"seed": 42, "alpha": 0.0001},
    {"seed": 3, "alpha": 0.05, "window_size": 40, "stat_size": 20},
    {"seed": 5, "alpha": 0.01, "window_size": 300, "stat_size": 60},
    {"seed": 9, "window": [0.0] * 50 + [1.0] * 60},
]


def _one_by_one(detector: KSWIN, values: NDArray[np.float64]) -> list[int]:
    drifts = []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.drift_detected:
            drifts.append(i)
    return drifts


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("name", list(STREAMS))
def test_detections_and_p_values_match_river(name: str, params: dict[str, object]) -> None:
    river = river_drift.KSWIN(**params)
    detector = KSWIN(**params)  # type: ignore[arg-type]
    expected, got = [], []
    for i, x in enumerate(STREAMS[name].tolist()):
        river.update(x)
        detector.update(x)
        if river.drift_detected:
            expected.append(i)
        if detector.drift_detected:
            got.append(i)
        # River's p_value keeps its last test's value; it is 0 before the first test.
        assert detector.p_value == float(river.p_value)
    assert got == expected


def test_large_shift_is_detected_and_stable_stream_is_quiet() -> None:
    # Guards against the oracle comparison passing vacuously.
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.normal(0.0, 1.0, 1000), rng.normal(5.0, 1.0, 200)])
    drifts = KSWIN(alpha=0.0001, seed=1).update_many(values).drifts
    assert drifts.size > 0
    assert 1000 <= drifts[0] < 1030
    assert KSWIN(alpha=0.0001, seed=1).update_many(values[:1000]).drifts.size <= 1


def test_statistic_and_p_value_equal_scipy() -> None:
    detector = KSWIN(seed=4, window_size=60, stat_size=25)
    values = STREAMS["ties"][:60]
    detector.update_many(values)
    # Replay the sample the detector drew.
    indices = random.Random(4).sample(range(35), 25)
    expected = stats.ks_2samp(values[indices], values[35:], method="auto")
    assert detector.statistic == expected.statistic
    assert detector.p_value == expected.pvalue


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("name", list(STREAMS))
def test_update_many_equals_update(name: str, params: dict[str, object]) -> None:
    values = STREAMS[name]
    one = KSWIN(**params)  # type: ignore[arg-type]
    expected = _one_by_one(one, values)
    batch = KSWIN(**params)  # type: ignore[arg-type]
    assert batch.update_many(values) == Detections(
        np.empty(0, np.int64), np.asarray(expected, np.int64)
    )
    assert batch.state_dict() == one.state_dict()


@pytest.mark.parametrize("chunk", [1, 7, 100, 1000])
def test_update_many_in_chunks(chunk: int) -> None:
    values = STREAMS["several"]
    one = KSWIN(seed=2)
    expected = _one_by_one(one, values)
    chunked = KSWIN(seed=2)
    drifts: list[int] = []
    for start in range(0, len(values), chunk):
        drifts.extend((chunked.update_many(values[start : start + chunk]).drifts + start).tolist())
    assert drifts == expected
    assert chunked.state_dict() == one.state_dict()


@pytest.mark.parametrize("split", [1, 99, 150, 700, 1300])
def test_state_dict_round_trip_resumes(split: int) -> None:
    values = STREAMS["several"]
    whole = KSWIN(seed=7)
    expected = whole.update_many(values).drifts
    first = KSWIN(seed=7)
    head = first.update_many(values[:split]).drifts
    saved = json.loads(json.dumps(first.state_dict()))
    resumed = KSWIN.from_state_dict(saved)
    tail = resumed.update_many(values[split:]).drifts + split
    assert np.concatenate([head, tail]).tolist() == expected.tolist()
    assert resumed.state_dict() == whole.state_dict()


def test_resume_right_after_a_drift_and_without_seed() -> None:
    values = STREAMS["abrupt"]
    # seed=None: the generator's saved state alone must make the continuation identical.
    first = KSWIN(alpha=0.001)
    head = first.update_many(values[:1200]).drifts
    assert head.size > 0
    twin = copy.deepcopy(first)
    resumed = KSWIN.from_state_dict(json.loads(json.dumps(first.state_dict())))
    assert resumed.update_many(values[1200:]) == twin.update_many(values[1200:])

    drifts = KSWIN(seed=3).update_many(values).drifts
    split = int(drifts[0]) + 1
    first = KSWIN(seed=3)
    first.update_many(values[:split])
    assert first.drift_detected
    resumed = KSWIN.from_state_dict(json.loads(json.dumps(first.state_dict())))
    assert (resumed.update_many(values[split:]).drifts + split).tolist() == drifts[1:].tolist()


def test_pickle_clone_repr_reset() -> None:
    values = STREAMS["abrupt"]
    detector = KSWIN(alpha=0.01, seed=11, window=[0.5, 1.5])
    detector.update_many(values[:1100])
    restored = pickle.loads(pickle.dumps(detector))
    assert restored.state_dict() == detector.state_dict()
    assert restored.update_many(values[1100:]) == copy.deepcopy(detector).update_many(values[1100:])

    clone = detector.clone()
    assert isinstance(clone, KSWIN)
    assert clone.get_params() == detector.get_params()
    assert clone.state_dict() == KSWIN(alpha=0.01, seed=11, window=[0.5, 1.5]).state_dict()
    assert repr(detector) == (
        "KSWIN(alpha=0.01, window_size=100, stat_size=30, seed=11, window=[0.5, 1.5])"
    )

    detector.reset()
    fresh = KSWIN(alpha=0.01, seed=11, window=[0.5, 1.5])
    assert detector.state_dict() == fresh.state_dict()
    assert detector.update_many(values) == fresh.update_many(values)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"alpha": 0.0}, "The 'alpha' parameter of KSWIN must be a float in (0, 1). Got 0.0."),
        ({"alpha": 1.0}, "'alpha'"),
        ({"alpha": "0.1"}, "'alpha'"),
        ({"window_size": 1}, "'window_size'"),
        ({"window_size": 100.0}, "'window_size'"),
        ({"stat_size": 0}, "'stat_size'"),
        ({"stat_size": 51}, "must be an int in [1, window_size // 2 = 50]. Got 51."),
        ({"seed": 1.5}, "'seed'"),
        ({"seed": True}, "'seed'"),
        ({"window": "abc"}, "'window'"),
        ({"window": [1.0, float("nan")]}, "'window'"),
        ({"window": [[1.0], [2.0]]}, "'window'"),
        ({"window": iter([1.0])}, "'window'"),
    ],
)
def test_invalid_parameters(params: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        KSWIN(**params)  # type: ignore[arg-type]
    assert message in str(info.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_input_raises(bad: float) -> None:
    detector = KSWIN(seed=0)
    with pytest.raises(ColumnError):
        detector.update(bad)
    with pytest.raises(ColumnError):
        detector.update_many([1.0, bad])
    assert detector.n_seen == 0
