"""EDDM: River parity at hypothesis split points, drift and warning positions, settings (the
seeded parity table is in test_river_parity.py)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from river.drift.binary import EDDM as RiverEDDM
from tests.streaming._streams import error_streams, one_by_one

from driftscope.exceptions import ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.eddm import EDDM

STREAMS = error_streams(fall=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 1), max_size=400),
    st.integers(0, 400),
    st.integers(0, 40),
    st.floats(0.5, 1.0),
)
def test_update_many_equals_update_property(
    bits: list[int], split: int, warm_start: int, alpha: float
) -> None:
    values = np.asarray(bits, np.int64)
    params: dict[str, Any] = {"warm_start": warm_start, "alpha": alpha, "beta": alpha * 0.95}
    one = EDDM(**params)
    expected = one_by_one(one, values)
    assert expected == one_by_one(RiverEDDM(**params), values)
    many = EDDM(**params)
    first = many.update_many(values[:split])
    second = many.update_many(values[split:])
    split = min(split, values.size)
    assert first.warnings.tolist() + (second.warnings + split).tolist() == expected[0]
    assert first.drifts.tolist() + (second.drifts + split).tolist() == expected[1]
    assert many.state_dict() == one.state_dict()


def test_resumes_after_a_drift_on_the_last_value() -> None:
    values = STREAMS["abrupt"]
    drift = int(EDDM().update_many(values).drifts[0])
    first = EDDM()
    assert first.update_many(values[: drift + 1]).drifts.tolist() == [drift]
    assert first.drift_detected
    resumed = EDDM.from_state_dict(json.loads(json.dumps(first.state_dict())))
    whole = EDDM()
    whole.update_many(values[: drift + 1])
    assert resumed.update_many(values[drift + 1 :]) == whole.update_many(values[drift + 1 :])


def test_repr() -> None:
    assert repr(EDDM(warm_start=10, beta=0.85)) == "EDDM(warm_start=10, alpha=0.95, beta=0.85)"


def test_n_seen_counts_across_drifts() -> None:
    detector = EDDM()
    found = detector.update_many(STREAMS["several"])
    assert found.drifts.size > 1
    assert detector.n_seen == STREAMS["several"].size


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"warm_start": -1},
            "The 'warm_start' parameter of EDDM must be an int in [0, inf). Got -1.",
        ),
        (
            {"warm_start": 2.5},
            "The 'warm_start' parameter of EDDM must be an int in [0, inf). Got 2.5.",
        ),
        (
            {"warm_start": True},
            "The 'warm_start' parameter of EDDM must be an int in [0, inf). Got True.",
        ),
        ({"alpha": 1.5}, "The 'alpha' parameter of EDDM must be a float in (0, 1]. Got 1.5."),
        ({"alpha": "1"}, "The 'alpha' parameter of EDDM must be a float in (0, 1]. Got '1'."),
        (
            {"beta": 0.97},
            "The 'beta' parameter of EDDM must be a float in (0, alpha] = (0, 0.95]. Got 0.97.",
        ),
        (
            {"beta": float("nan")},
            "The 'beta' parameter of EDDM must be a float in (0, alpha] = (0, 0.95]. Got nan.",
        ),
    ],
)
def test_parameter_validation(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        EDDM(**params)
    assert str(info.value) == message


def test_warning_holds_between_errors_like_river() -> None:
    values = STREAMS["gradual"]
    warnings, _ = one_by_one(RiverEDDM(), values)
    held = [i for i in warnings if values[i] == 0]
    assert held, "a warning should hold over correct predictions"
    assert EDDM().update_many(values).warnings.tolist() == warnings


def test_variance_stays_exact_past_64_bit_sums() -> None:
    # Billions of errors over a long stream: errors * sum(distance ** 2) passes 2**64, which
    # the kernel holds exactly, as Python's ints do.
    n_errors, distance_sum, square_sum = 4_000_000_007, 10**12 + 3, 10**20 + 12345
    detector = EDDM(warm_start=0)
    state = detector.state_dict()
    state["state"].update(
        _n=10**12 + 3,
        _n_errors=n_errors,
        _last_error=10**12 + 3,
        _distance_sum=distance_sum,
        _distance_square_sum=square_sum,
    )
    detector = EDDM.from_state_dict(state)
    assert detector.state_dict() == state
    for x in (0, 0, 1):
        detector.update(x)
    n, s1, s2 = n_errors + 1, distance_sum + 3, square_sum + 9
    assert n * s2 > 2**64
    mean = float(s1) / float(n)
    var = float(n * s2 - s1 * s1) / float(n * (n - 1))
    assert detector.state_dict()["state"]["_distance_square_sum"] == s2
    assert detector.state_dict()["state"]["_p2s_max"] == mean + 2 * math.sqrt(var)


def test_accepts_numpy_settings() -> None:
    values = STREAMS["several"]
    numpy_made = EDDM(warm_start=np.int64(5), alpha=np.float64(0.9), beta=0.8)
    assert numpy_made.update_many(values) == EDDM(5, 0.9, 0.8).update_many(values)


def test_a_warm_start_past_any_count_never_signals() -> None:
    detector = EDDM(warm_start=2**70)
    assert detector.update_many(STREAMS["several"]) == Detections(
        np.zeros(0, np.int64), np.zeros(0, np.int64)
    )
