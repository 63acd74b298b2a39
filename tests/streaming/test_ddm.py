"""DDM: River parity at hypothesis split points, drift and warning positions, settings (the
seeded parity table is in test_river_parity.py)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from river.drift.binary import DDM as RiverDDM
from tests.streaming._streams import error_streams, one_by_one

from driftscope.exceptions import ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.ddm import DDM

STREAMS = error_streams(fall=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 1), max_size=400),
    st.integers(0, 400),
    st.integers(0, 40),
    st.floats(0.1, 4.0),
)
def test_update_many_equals_update_property(
    bits: list[int], split: int, warm_start: int, threshold: float
) -> None:
    values = np.asarray(bits, np.int64)
    params = {"warm_start": warm_start, "warning_threshold": threshold / 2}
    params["drift_threshold"] = threshold
    one = DDM(**params)
    expected = one_by_one(one, values)
    assert expected == one_by_one(RiverDDM(**params), values)
    many = DDM(**params)
    first = many.update_many(values[:split])
    second = many.update_many(values[split:])
    split = min(split, values.size)
    assert first.warnings.tolist() + (second.warnings + split).tolist() == expected[0]
    assert first.drifts.tolist() + (second.drifts + split).tolist() == expected[1]
    assert many.state_dict() == one.state_dict()


def test_state_round_trip_through_json_during_the_warm_start() -> None:
    # Before the warm start ends p_min and s_min are still inf, which JSON cannot hold as is.
    values = STREAMS["several"]
    whole = DDM(warm_start=10)
    whole.update_many(values[:5])
    expected = whole.update_many(values[5:])
    assert expected.drifts.size > 0

    first = DDM(warm_start=10)
    first.update_many(values[:5])
    assert first.state_dict()["state"]["_p_min"] == {"__float__": "inf"}
    resumed = DDM.from_state_dict(json.loads(json.dumps(first.state_dict())))
    assert resumed.update_many(values[5:]) == expected
    assert resumed.state_dict() == whole.state_dict()


def test_resumes_after_a_drift_on_the_last_value() -> None:
    values = STREAMS["abrupt"]
    drift = int(DDM().update_many(values).drifts[0])
    first = DDM()
    assert first.update_many(values[: drift + 1]).drifts.tolist() == [drift]
    assert first.drift_detected
    resumed = DDM.from_state_dict(json.loads(json.dumps(first.state_dict())))
    whole = DDM()
    whole.update_many(values[: drift + 1])
    assert resumed.update_many(values[drift + 1 :]) == whole.update_many(values[drift + 1 :])


def test_repr() -> None:
    detector = DDM(warm_start=10, drift_threshold=2.5)
    assert repr(detector) == "DDM(warm_start=10, warning_threshold=2.0, drift_threshold=2.5)"


def test_n_seen_counts_across_drifts() -> None:
    detector = DDM()
    found = detector.update_many(STREAMS["several"])
    assert found.drifts.size > 1
    assert detector.n_seen == STREAMS["several"].size


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"warm_start": -1},
            "The 'warm_start' parameter of DDM must be an int in [0, inf). Got -1.",
        ),
        (
            {"warm_start": 2.5},
            "The 'warm_start' parameter of DDM must be an int in [0, inf). Got 2.5.",
        ),
        (
            {"warm_start": True},
            "The 'warm_start' parameter of DDM must be an int in [0, inf). Got True.",
        ),
        (
            {"warning_threshold": -1},
            "The 'warning_threshold' parameter of DDM must be a float in (0, inf). Got -1.",
        ),
        (
            {"drift_threshold": float("nan")},
            "The 'drift_threshold' parameter of DDM must be a float in (0, inf). Got nan.",
        ),
        (
            {"drift_threshold": "3"},
            "The 'drift_threshold' parameter of DDM must be a float in (0, inf). Got '3'.",
        ),
    ],
)
def test_parameter_validation(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        DDM(**params)
    assert str(info.value) == message


def test_accepts_numpy_settings() -> None:
    values = STREAMS["several"]
    numpy_made = DDM(warm_start=np.int64(5), warning_threshold=np.float64(1.0))
    assert numpy_made.update_many(values) == DDM(5, 1.0).update_many(values)


def test_a_warm_start_past_any_count_never_signals() -> None:
    detector = DDM(warm_start=2**70)
    assert detector.update_many(STREAMS["several"]) == Detections(
        np.zeros(0, np.int64), np.zeros(0, np.int64)
    )
    assert detector.warm_start == 2**70
