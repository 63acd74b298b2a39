"""One conformance suite for every detector: the same checks, run on each.

Detector-specific behaviour (River parity, the paper's formulas) lives in each detector's own
test file; this suite holds the protocol every detector must keep.
"""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

from driftscope.streaming import (
    ADWIN,
    CUSUM,
    DDM,
    EDDM,
    HDDM_A,
    HDDM_W,
    KSWIN,
    STEPD,
    DriftDetector,
    PageHinkley,
)
from driftscope.streaming._registry import DETECTORS, available, make_detector

FACTORIES = {
    "adwin": lambda: ADWIN(),
    "kswin": lambda: KSWIN(seed=7),
    "page_hinkley": lambda: PageHinkley(),
    "cusum": lambda: CUSUM(),
    "ddm": lambda: DDM(),
    "eddm": lambda: EDDM(),
    "hddm_a": lambda: HDDM_A(),
    "hddm_w": lambda: HDDM_W(),
    "stepd": lambda: STEPD(),
}


def _stream(detector: DriftDetector, n: int = 3000, seed: int = 0) -> np.ndarray:
    """A stream with changes the detector can see: errors for error-stream detectors."""
    rng = np.random.default_rng(seed)
    if detector.binary_input:
        rate = np.where(np.arange(n) < n // 2, 0.1, 0.45)
        return (rng.random(n) < rate).astype(np.float64)
    return np.concatenate([rng.normal(0, 1, n // 2), rng.normal(4, 1, n - n // 2)])


def _per_item(detector: DriftDetector, values: np.ndarray) -> tuple[list[int], list[int]]:
    warnings, drifts = [], []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.warning_detected:
            warnings.append(i)
        if detector.drift_detected:
            drifts.append(i)
    return warnings, drifts


@pytest.fixture(params=sorted(FACTORIES))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_registered_detector_is_covered() -> None:
    assert set(available()) == set(DETECTORS) == set(FACTORIES)


def test_update_many_equals_update_and_sees_the_change(name: str) -> None:
    values = _stream(FACTORIES[name]())
    one, many = FACTORIES[name](), FACTORIES[name]()
    warnings, drifts = _per_item(one, values)
    found = many.update_many(values)
    assert found.drifts.tolist() == drifts
    assert found.warnings.tolist() == warnings
    assert many.state_dict() == one.state_dict()
    assert any(d >= len(values) // 2 for d in drifts), f"{name} missed an obvious change"


def test_update_many_in_chunks_equals_one_call(name: str) -> None:
    values = _stream(FACTORIES[name](), seed=1)
    whole = FACTORIES[name]().update_many(values)
    chunked = FACTORIES[name]()
    offset, drifts = 0, []
    for size in (1, 7, 500, 1, 1200, len(values)):
        part = values[offset : offset + size]
        drifts += (chunked.update_many(part).drifts + offset).tolist()
        offset += part.size
    assert drifts == whole.drifts.tolist()


def test_state_round_trip_through_json_resumes_identically(name: str) -> None:
    values = _stream(FACTORIES[name](), seed=2)
    cut = len(values) // 2 + 37
    reference = FACTORIES[name]()
    reference.update_many(values[:cut])
    saved = json.loads(json.dumps(reference.state_dict()))
    resumed = type(reference).from_state_dict(saved)
    assert resumed.update_many(values[cut:]) == reference.update_many(values[cut:])


def test_clone_pickle_copy_repr_and_reset(name: str) -> None:
    detector = FACTORIES[name]()
    values = _stream(detector, seed=3)
    detector.update_many(values[:1000])
    assert repr(detector).startswith(type(detector).__name__ + "(")
    fresh = detector.clone()
    assert fresh.get_params() == detector.get_params()
    assert fresh.n_seen == 0
    for twin in (pickle.loads(pickle.dumps(detector)), copy.deepcopy(detector)):
        assert twin.update_many(values[1000:]) == copy.deepcopy(detector).update_many(values[1000:])
    detector.reset()
    assert detector.n_seen == 0
    assert detector.update_many(values) == FACTORIES[name]().update_many(values)


def test_seeded_runs_are_deterministic(name: str) -> None:
    values = _stream(FACTORIES[name](), seed=4)
    assert FACTORIES[name]().update_many(values) == FACTORIES[name]().update_many(values)


def test_identical_stable_values_never_drift(name: str) -> None:
    detector = FACTORIES[name]()
    constant = np.zeros(2000) if detector.binary_input else np.full(2000, 3.0)
    assert detector.update_many(constant).drifts.size == 0


def test_registry_builds_by_name(name: str) -> None:
    assert type(make_detector(name)) is type(FACTORIES[name]())
