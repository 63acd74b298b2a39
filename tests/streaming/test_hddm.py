"""HDDM_A and HDDM_W: River's ``drift.binary.HDDMA`` / ``HDDMW`` detections on seeded and
random error streams, settings and their validation, and bad values. The protocol checks are in
test_conformance.py."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.streaming._streams import RIVER_CASES, error_streams, one_by_one

from driftscope.exceptions import ParameterError
from driftscope.streaming._base import DriftDetector
from driftscope.streaming.hddm import HDDM_A, HDDM_W

#: Our detector, River's, and settings to compare them with (the HDDM rows of the parity table).
CASES = [case for case in RIVER_CASES if case[0] in (HDDM_A, HDDM_W)]
DETECTORS = sorted({case[0] for case in CASES}, key=lambda cls: cls.__name__)


STREAMS = error_streams(fall=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 1), max_size=400),
    st.integers(0, 400),
    st.sampled_from(CASES),
)
def test_matches_river_on_random_streams_split_anywhere(
    bits: list[int], split: int, case: tuple[type[DriftDetector], Any, dict[str, Any]]
) -> None:
    ours, theirs, params = case
    values = np.asarray(bits, np.int64)
    one = ours(**params)
    expected = one_by_one(one, values)
    assert expected == one_by_one(theirs(**params), values)
    many = ours(**params)
    first = many.update_many(values[:split])
    second = many.update_many(values[split:])
    split = min(split, values.size)
    assert first.warnings.tolist() + (second.warnings + split).tolist() == expected[0]
    assert first.drifts.tolist() + (second.drifts + split).tolist() == expected[1]
    assert many.state_dict() == one.state_dict()


@pytest.mark.parametrize("cls", DETECTORS)
def test_resumes_after_a_drift_on_the_last_value(cls: type[DriftDetector]) -> None:
    # Saved while the restart after a drift is still pending (not a case the conformance
    # suite's JSON round trip is sure to hit).
    values = STREAMS["abrupt"]
    drift = int(cls().update_many(values).drifts[0])
    first = cls()
    assert first.update_many(values[: drift + 1]).drifts.tolist() == [drift]
    assert first.drift_detected
    resumed = cls.from_state_dict(json.loads(json.dumps(first.state_dict())))
    whole = cls()
    whole.update_many(values[: drift + 1])
    assert resumed.update_many(values[drift + 1 :]) == whole.update_many(values[drift + 1 :])


@pytest.mark.parametrize("cls", DETECTORS)
def test_repr_evaluates_back_and_reset_restores_the_fresh_state(cls: type[DriftDetector]) -> None:
    detector = cls(drift_confidence=0.002, two_sided_test=True)  # type: ignore[call-arg]
    detector.update_many(STREAMS["abrupt"][:2500])
    assert repr(detector).startswith(f"{cls.__name__}(drift_confidence=0.002, ")
    assert eval(repr(detector), {cls.__name__: cls}).get_params() == detector.get_params()
    detector.reset()
    fresh = cls(drift_confidence=0.002, two_sided_test=True)  # type: ignore[call-arg]
    assert detector.state_dict() == fresh.state_dict()


def test_exact_repr() -> None:
    assert repr(HDDM_A()) == (
        "HDDM_A(drift_confidence=0.001, warning_confidence=0.005, two_sided_test=False)"
    )
    assert repr(HDDM_W(lambda_val=0.2, two_sided_test=True)) == (
        "HDDM_W(drift_confidence=0.001, warning_confidence=0.005, lambda_val=0.2, "
        "two_sided_test=True)"
    )


@pytest.mark.parametrize("cls", DETECTORS)
def test_n_seen_counts_across_drifts(cls: type[DriftDetector]) -> None:
    detector = cls()
    assert detector.update_many(STREAMS["several"]).drifts.size > 1
    assert detector.n_seen == STREAMS["several"].size


@pytest.mark.parametrize("cls", DETECTORS)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"drift_confidence": 0},
            "'drift_confidence' parameter of {} must be a float in (0, 1). Got 0.",
        ),
        (
            {"warning_confidence": 1.5},
            "'warning_confidence' parameter of {} must be a float in (0, 1). Got 1.5.",
        ),
        (
            {"warning_confidence": float("nan")},
            "'warning_confidence' parameter of {} must be a float in (0, 1). Got nan.",
        ),
        ({"two_sided_test": 1}, "'two_sided_test' parameter of {} must be a bool. Got 1."),
    ],
)
def test_parameter_validation(
    cls: type[DriftDetector], params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParameterError) as info:
        cls(**params)
    assert str(info.value) == "The " + message.format(cls.__name__)


@pytest.mark.parametrize("value", [0, 1.5, True, "0.1"])
def test_hddm_w_lambda_validation(value: Any) -> None:
    with pytest.raises(ParameterError) as info:
        HDDM_W(lambda_val=value)
    assert str(info.value) == (
        f"The 'lambda_val' parameter of HDDM_W must be a float in (0, 1]. Got {value!r}."
    )


def test_numpy_numbers_are_accepted_as_settings() -> None:
    values = STREAMS["several"]
    assert HDDM_A(drift_confidence=np.float32(0.25)).update_many(values) == HDDM_A(
        drift_confidence=float(np.float32(0.25))
    ).update_many(values)
    assert HDDM_W(lambda_val=np.float64(0.2), warning_confidence=np.float32(0.125)).update_many(
        values
    ) == HDDM_W(lambda_val=0.2, warning_confidence=0.125).update_many(values)
