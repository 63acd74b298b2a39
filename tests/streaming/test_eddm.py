"""EDDM against River's ``drift.binary.EDDM`` on seeded error streams."""

from __future__ import annotations

import itertools
import json
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from river.drift.binary import EDDM as RiverEDDM

import driftscope.streaming.eddm
from driftscope.exceptions import ColumnError, ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.eddm import EDDM


def _streams() -> dict[str, NDArray[np.int64]]:
    rng = np.random.default_rng(7)
    rates = {
        "stable": np.full(4000, 0.1),
        "abrupt": np.repeat([0.1, 0.4], 2000),
        "gradual": np.linspace(0.05, 0.6, 5000),
        "several": np.repeat([0.1, 0.5, 0.05, 0.7, 0.2, 0.9, 0.0, 1.0], 1500),
    }
    return {name: (rng.random(p.size) < p).astype(np.int64) for name, p in rates.items()}


STREAMS = _streams()
PARAMS: list[dict[str, Any]] = [
    {},
    {"warm_start": 5, "alpha": 0.9, "beta": 0.8},
    {"warm_start": 0},
]


def _one_by_one(detector: Any, values: NDArray[np.int64]) -> tuple[list[int], list[int]]:
    warnings, drifts = [], []
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.warning_detected:
            warnings.append(i)
        if detector.drift_detected:
            drifts.append(i)
    return warnings, drifts


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("name", list(STREAMS))
def test_matches_river(name: str, params: dict[str, Any]) -> None:
    values = STREAMS[name]
    expected = _one_by_one(RiverEDDM(**params), values)
    assert _one_by_one(EDDM(**params), values) == expected
    found = EDDM(**params).update_many(values)
    assert (found.warnings.tolist(), found.drifts.tolist()) == expected
    if name != "stable":
        assert expected[1], "the stream should drift, or this test checks little"


def test_defaults_match_river() -> None:
    river = RiverEDDM()
    assert EDDM().get_params() == {
        "warm_start": river.warm_start,
        "alpha": river.alpha,
        "beta": river.beta,
    }


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("name", list(STREAMS))
def test_update_many_equals_update_also_in_chunks(name: str, params: dict[str, Any]) -> None:
    values = STREAMS[name]
    one = EDDM(**params)
    warnings, drifts = _one_by_one(one, values)
    many = EDDM(**params)
    assert many.update_many(values) == Detections(
        np.asarray(warnings, np.int64), np.asarray(drifts, np.int64)
    )
    assert many.state_dict() == one.state_dict()

    chunked = EDDM(**params)
    found_w: list[int] = []
    found_d: list[int] = []
    bounds = [0, 1, 17, 30, 31, 500, 2011, 2012, 3999, values.size]
    for lo, hi in itertools.pairwise(bounds):
        part = chunked.update_many(values[lo:hi])
        found_w += (part.warnings + lo).tolist()
        found_d += (part.drifts + lo).tolist()
    assert (found_w, found_d) == (warnings, drifts)
    assert chunked.state_dict() == one.state_dict()


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
    expected = _one_by_one(one, values)
    assert expected == _one_by_one(RiverEDDM(**params), values)
    many = EDDM(**params)
    first = many.update_many(values[:split])
    second = many.update_many(values[split:])
    split = min(split, values.size)
    assert first.warnings.tolist() + (second.warnings + split).tolist() == expected[0]
    assert first.drifts.tolist() + (second.drifts + split).tolist() == expected[1]
    assert many.state_dict() == one.state_dict()


@pytest.mark.parametrize("cut", [10, 1066, 2500])
def test_state_round_trip_through_json_resumes_identically(cut: int) -> None:
    values = STREAMS["several"]
    whole = EDDM(warm_start=10)
    whole.update_many(values[:cut])
    expected = whole.update_many(values[cut:])
    assert expected.drifts.size > 0

    first = EDDM(warm_start=10)
    first.update_many(values[:cut])
    resumed = EDDM.from_state_dict(json.loads(json.dumps(first.state_dict())))
    assert resumed.update_many(values[cut:]) == expected
    assert resumed.state_dict() == whole.state_dict()


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


def test_pickle_clone_repr_reset() -> None:
    detector = EDDM(warm_start=10, beta=0.85)
    detector.update_many(STREAMS["abrupt"][:2500])
    assert detector.n_seen == 2500

    copy = pickle.loads(pickle.dumps(detector))
    assert copy.state_dict() == detector.state_dict()
    rest = STREAMS["abrupt"][2500:]
    assert copy.update_many(rest) == detector.update_many(rest)

    fresh = detector.clone()
    assert fresh.state_dict() == EDDM(warm_start=10, beta=0.85).state_dict()
    assert repr(detector) == "EDDM(warm_start=10, alpha=0.95, beta=0.85)"

    detector.reset()
    assert detector.n_seen == 0
    assert not detector.drift_detected
    assert not detector.warning_detected
    assert detector.state_dict() == fresh.state_dict()


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


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([0, 1, 2, 0], "EDDM watches an error stream and needs 0/1 values; value 2 is 2.0."),
        ([0, 0.5], "EDDM watches an error stream and needs 0/1 values; value 1 is 0.5."),
        ([1, 0, 0, float("nan")], "EDDM needs finite numbers; value 3 is nan."),
        ([float("inf")], "EDDM needs finite numbers; value 0 is inf."),
    ],
)
def test_rejects_values_that_are_not_errors(values: list[float], message: str) -> None:
    detector = EDDM()
    with pytest.raises(ColumnError) as info:
        detector.update_many(values)
    assert str(info.value) == message
    assert detector.n_seen == 0


@pytest.mark.parametrize("value", [2, -1, 0.5, float("nan")])
def test_update_rejects_a_value_that_is_not_an_error(value: float) -> None:
    detector = EDDM()
    with pytest.raises(ColumnError, match="needs 0/1 values"):
        detector.update(value)
    assert detector.n_seen == 0


def test_accepts_booleans() -> None:
    values = STREAMS["abrupt"]
    assert EDDM().update_many(values.astype(bool)) == EDDM().update_many(values)


def test_warning_holds_between_errors_like_river() -> None:
    values = STREAMS["gradual"]
    warnings, _ = _one_by_one(RiverEDDM(), values)
    held = [i for i in warnings if values[i] == 0]
    assert held, "a warning should hold over correct predictions"
    assert EDDM().update_many(values).warnings.tolist() == warnings


def test_falls_back_to_exact_loop_for_huge_sums(monkeypatch: pytest.MonkeyPatch) -> None:
    values = STREAMS["several"]
    expected = EDDM().update_many(values)
    monkeypatch.setattr(driftscope.streaming.eddm, "_EXACT_LIMIT", 1000.0)
    detector = EDDM()
    assert detector.update_many(values) == expected
    one = EDDM()
    _one_by_one(one, values)
    assert detector.state_dict() == one.state_dict()
