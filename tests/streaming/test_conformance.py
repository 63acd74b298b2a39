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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftscope.exceptions import ColumnError, ParameterError
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
from driftscope.streaming.calibrate import calibrate

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


def test_stopping_on_a_drift_then_updating_one_by_one_continues_identically(name: str) -> None:
    values = _stream(FACTORIES[name](), seed=5)
    warnings, drifts = _per_item(FACTORIES[name](), values)
    assert drifts, f"{name} found no drift to stop on"
    # Stop right on a detection, so the pending restart is carried over to `update`.
    cut = drifts[0] + 1
    mixed = FACTORIES[name]()
    head = mixed.update_many(values[:cut])
    assert mixed.drift_detected
    tail_warnings, tail_drifts = _per_item(mixed, values[cut:])
    assert head.drifts.tolist() + [cut + i for i in tail_drifts] == drifts
    assert head.warnings.tolist() + [cut + i for i in tail_warnings] == warnings


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, 3000))
def test_update_many_split_anywhere_equals_update(name: str, cut: int) -> None:
    values = _stream(FACTORIES[name](), seed=6)
    one = FACTORIES[name]()
    _, drifts = _per_item(one, values)
    many = FACTORIES[name]()
    first = many.update_many(values[:cut]).drifts.tolist()
    second = (many.update_many(values[cut:]).drifts + min(cut, values.size)).tolist()
    assert first + second == drifts
    assert many.state_dict() == one.state_dict()


def test_fresh_state_survives_json_and_is_refused_by_another_detector(name: str) -> None:
    fresh = FACTORIES[name]()
    restored = type(fresh).from_state_dict(json.loads(json.dumps(fresh.state_dict())))
    assert restored.state_dict() == fresh.state_dict()
    other = "ADWIN" if type(fresh).__name__ != "ADWIN" else "DDM"
    data = fresh.state_dict() | {"detector": other}
    with pytest.raises(ValueError, match=f"'{other}', not '{type(fresh).__name__}'"):
        type(fresh).from_state_dict(data)


def test_lists_2d_arrays_and_empty_input(name: str) -> None:
    values = _stream(FACTORIES[name](), seed=7)[:1500]
    expected = FACTORIES[name]().update_many(values)
    assert FACTORIES[name]().update_many(values.tolist()) == expected
    assert FACTORIES[name]().update_many(values.reshape(-1, 1)) == expected
    assert FACTORIES[name]().update_many(values.astype(np.float32).astype(np.float64)) == expected
    empty = FACTORIES[name]()
    found = empty.update_many([])
    assert found.drifts.dtype == found.warnings.dtype == np.int64
    assert found.drifts.size == found.warnings.size == empty.n_seen == 0


def test_a_bad_value_is_named_and_changes_nothing(name: str) -> None:
    detector = FACTORIES[name]()
    detector.update_many(_stream(detector, seed=8)[:500])
    before = detector.state_dict()
    detector_name = type(detector).__name__
    bad_values: list[object] = [float("nan"), float("inf"), -float("inf"), "abc", None]
    if detector.binary_input:
        bad_values += [0.5, 2.0, -1.0]
    for bad in bad_values:
        expected = "needs 0/1 values" if bad in (0.5, 2.0, -1.0) else "needs"
        with pytest.raises(ColumnError, match=f"^{detector_name} .*{expected}") as info:
            detector.update_many([0.0, 1.0, bad, 0.0])
        if bad is not None:  # None becomes nan in an array
            assert f"value 2 is {bad!r}" in str(info.value)
        assert detector.state_dict() == before
        with pytest.raises(ColumnError, match=f"^{detector_name} .*{expected}"):
            detector.update(bad)  # type: ignore[arg-type]
        assert detector.state_dict() == before


def test_numpy_and_python_scalars_are_the_same_value(name: str) -> None:
    values = _stream(FACTORIES[name](), seed=9)[:1200]
    plain, numpy_scalars = FACTORIES[name](), FACTORIES[name]()
    for x in values.tolist():
        plain.update(x)
    for x in values:
        numpy_scalars.update(x)
    ints = FACTORIES[name]()
    for x in values.astype(np.int64).tolist() if ints.binary_input else []:
        ints.update(x)
    assert numpy_scalars.state_dict() == plain.state_dict()
    if ints.binary_input:
        assert ints.state_dict() == plain.state_dict()


def test_state_saved_on_a_drift_resumes_with_the_pending_restart(name: str) -> None:
    values = _stream(FACTORIES[name](), seed=10)
    reference = FACTORIES[name]()
    _, drifts = _per_item(FACTORIES[name](), values)
    cut = drifts[0] + 1
    reference.update_many(values[:cut])
    assert reference.drift_detected
    resumed = type(reference).from_state_dict(json.loads(json.dumps(reference.state_dict())))
    assert resumed.drift_detected
    assert resumed.update_many(values[cut:]) == reference.update_many(values[cut:])
    assert resumed.state_dict() == reference.state_dict()


def test_reset_restores_the_fresh_state_exactly(name: str) -> None:
    detector = FACTORIES[name]()
    fresh = detector.state_dict()
    detector.update_many(_stream(detector, seed=11))
    assert detector.state_dict() != fresh
    detector.reset()
    assert detector.state_dict() == fresh
    assert detector.clone().state_dict() == fresh


def test_calibrate_meets_a_false_alarm_target_on_stable_data(name: str) -> None:
    detector = FACTORIES[name]()
    rng = np.random.default_rng(12)
    null = (
        (rng.random(20_000) < 0.2).astype(float)
        if detector.binary_input
        else rng.normal(size=20_000)
    )
    assert type(detector).calibration is not None
    result = calibrate(detector, null, target_false_alarms_per_10k=2.0)
    assert type(result.detector) is type(detector)
    assert result.parameter == type(detector).calibration[0]
    assert result.met
    assert result.false_alarms_per_10k <= result.upper_bound_per_10k <= 2.0
    found = result.detector.update_many(null).drifts.size / null.size * 10_000
    assert found == result.false_alarms_per_10k


ERROR_STREAM = sorted(name for name, make in FACTORIES.items() if make().binary_input)


@pytest.mark.parametrize("detector_name", ERROR_STREAM)
@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([0, 1, 2, 0], "{} watches an error stream and needs 0/1 values; value 2 is 2.0."),
        ([0, 0.5], "{} watches an error stream and needs 0/1 values; value 1 is 0.5."),
        ([0, -1], "{} watches an error stream and needs 0/1 values; value 1 is -1.0."),
        ([1, 0, 0, float("nan")], "{} needs finite numbers; value 3 is nan."),
        ([float("inf")], "{} needs finite numbers; value 0 is inf."),
    ],
)
def test_error_streams_name_the_value_that_is_not_an_error(
    detector_name: str, values: list[float], message: str
) -> None:
    detector = FACTORIES[detector_name]()
    with pytest.raises(ColumnError) as info:
        detector.update_many(values)
    assert str(info.value) == message.format(type(detector).__name__)
    assert detector.n_seen == 0


@pytest.mark.parametrize("detector_name", ERROR_STREAM)
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2, "{} watches an error stream and needs 0/1 values; got 2.0."),
        (-1, "{} watches an error stream and needs 0/1 values; got -1.0."),
        (0.5, "{} watches an error stream and needs 0/1 values; got 0.5."),
        # As in `update_many`: a value that is not a number at all is named as such.
        (float("nan"), "{} needs finite numbers; got nan."),
        ("a", "{} needs finite numbers; got 'a'."),
    ],
)
def test_update_names_a_value_that_is_not_an_error(
    detector_name: str, value: object, message: str
) -> None:
    detector = FACTORIES[detector_name]()
    with pytest.raises(ColumnError) as info:
        detector.update(value)  # type: ignore[arg-type]
    assert str(info.value) == message.format(type(detector).__name__)
    assert detector.n_seen == 0


@pytest.mark.parametrize("detector_name", ERROR_STREAM)
def test_error_streams_accept_booleans(detector_name: str) -> None:
    values = _stream(FACTORIES[detector_name]())
    as_bools = FACTORIES[detector_name]().update_many(values.astype(bool))
    assert as_bools == FACTORIES[detector_name]().update_many(values)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (None, "needs the dict made by state_dict(), with 'detector', 'params' and 'state'"),
        ("garbage", "needs the dict made by state_dict()"),
        ({"detector": "x"}, "needs the dict made by state_dict()"),
        ({"detector": "x" * 500, "params": {}, "state": {}}, "This state is for 'xxx"),
    ],
)
def test_a_state_that_is_not_one_is_refused(name: str, data: object, needle: str) -> None:
    detector_class = type(FACTORIES[name]())
    with pytest.raises(ParameterError) as info:
        detector_class.from_state_dict(data)  # type: ignore[arg-type]
    assert needle in str(info.value)
    assert len(str(info.value)) < 400  # a huge value is never echoed whole


def test_a_garbage_state_field_is_named(name: str) -> None:
    detector = FACTORIES[name]()
    detector.update_many(_stream(detector, seed=9)[:400])
    saved = json.loads(json.dumps(detector.state_dict()))
    cls = type(detector)
    owner = f"{cls.__name__}.from_state_dict"
    for field, value in saved["state"].items():
        garbage: list[object] = ["garbage", {"a": 1}, None]
        if isinstance(value, list) or (isinstance(value, dict) and "__deque__" in value):
            garbage += [["garbage"], [None] * 3]
        for bad in garbage:
            broken = copy.deepcopy(saved)
            broken["state"][field] = bad
            with pytest.raises(ParameterError, match=f"state field '{field}' given to {owner}"):
                cls.from_state_dict(broken)
        missing = copy.deepcopy(saved)
        del missing["state"][field]
        with pytest.raises(ParameterError, match="'state' field of the state given to"):
            cls.from_state_dict(missing)
    extra = copy.deepcopy(saved)
    extra["state"]["_secret"] = 1  # would set any attribute, bypassing the checks
    with pytest.raises(ParameterError, match=r"'state' field .* got \[.*'_secret'"):
        cls.from_state_dict(extra)
    for params, needle in (
        ("garbage", "'params' field of the state given to"),
        ({"speed": 1}, "'params' field of the state given to"),
    ):
        with pytest.raises(ParameterError, match=needle):
            cls.from_state_dict(saved | {"params": params})


def test_a_table_is_not_taken_for_one_stream(name: str) -> None:
    detector = FACTORIES[name]()
    table = np.column_stack([_stream(detector)[:100]] * 2)
    with pytest.raises(ColumnError, match=r"needs a 1-D array of values; got an array of shape"):
        detector.update_many(table)
    with pytest.raises(ColumnError, match=r"shape \(2, 100\)"):
        detector.update_many(table.T.tolist())
    assert detector.n_seen == 0
