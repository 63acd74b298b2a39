"""STEPD against a plain-Python transcription of Nishida & Yamauchi (2007) on seeded error
streams (River has no STEPD)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.stats import norm
from tests.streaming._streams import one_by_one

from driftscope.exceptions import ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.stepd import STEPD


def _oracle(
    values: NDArray[np.int64],
    window_size: int = 30,
    alpha_drift: float = 0.003,
    alpha_warning: float = 0.05,
) -> tuple[list[int], list[int]]:
    """The paper's test, recomputed from the list of values since the last drift."""
    warnings, drifts = [], []
    since: list[int] = []  # 1 = correct prediction
    for i, x in enumerate(values.tolist()):
        since.append(1 - x)
        if len(since) < 2 * window_size:
            continue
        older, recent = since[:-window_size], since[-window_size:]
        n_o, n_r = len(older), len(recent)
        r_o, r_r = sum(older), sum(recent)
        if r_o / n_o <= r_r / n_r:  # only a fall of the recent accuracy counts
            continue
        p_hat = (r_o + r_r) / (n_o + n_r)
        t = (abs(r_o / n_o - r_r / n_r) - 0.5 * (1 / n_o + 1 / n_r)) / math.sqrt(
            p_hat * (1 - p_hat) * (1 / n_o + 1 / n_r)
        )
        p = float(norm.sf(t))
        if p < alpha_drift:
            drifts.append(i)
            since = []
        elif p < alpha_warning:
            warnings.append(i)
    return warnings, drifts


def _streams() -> dict[str, NDArray[np.int64]]:
    rng = np.random.default_rng(11)
    rates = {
        "stable": np.full(4000, 0.1),
        "abrupt": np.repeat([0.1, 0.4], 2000),
        "gradual": np.linspace(0.05, 0.6, 5000),
        "several": np.repeat([0.1, 0.5, 0.05, 0.7, 0.2, 0.9, 0.0, 1.0], 1000),
    }
    return {name: (rng.random(p.size) < p).astype(np.int64) for name, p in rates.items()}


STREAMS = _streams()
PARAMS: list[dict[str, Any]] = [
    {},
    {"window_size": 10, "alpha_drift": 0.01, "alpha_warning": 0.1},
    {"window_size": 1, "alpha_drift": 0.1, "alpha_warning": 0.2},
    # Drifts every few values.
    {"window_size": 3, "alpha_drift": 0.4, "alpha_warning": 0.45},
    # A warning level above 1/2: the statistic's cut-off below which the p-value is not
    # computed (as it cannot warn) is negative.
    {"window_size": 50, "alpha_drift": 0.05, "alpha_warning": 0.9},
]


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("name", list(STREAMS))
def test_matches_the_formula(name: str, params: dict[str, Any]) -> None:
    values = STREAMS[name]
    expected = _oracle(values, **params)
    assert one_by_one(STEPD(**params), values) == expected
    found = STEPD(**params).update_many(values)
    assert (found.warnings.tolist(), found.drifts.tolist()) == expected
    if name != "stable":
        assert expected[1], "the stream should drift, or this test checks little"
    if not params:
        assert expected[0], "the stream should warn, or this test checks little"


def test_stable_stream_seldom_drifts() -> None:
    found = STEPD().update_many(STREAMS["stable"])
    assert found.drifts.size <= 2


def test_several_drifts_are_found_near_each_change() -> None:
    found = STEPD().update_many(STREAMS["several"]).drifts
    # Changes at multiples of 1000; the drops in accuracy at 1000, 3000, 5000 and 7000.
    for change in (1000, 3000, 5000, 7000):
        assert ((found >= change) & (found < change + 100)).any(), (change, found.tolist())


@pytest.mark.parametrize("seed", range(5))
def test_detects_a_jump_from_10_to_40_percent_within_100_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.concatenate([rng.random(1000) < 0.1, rng.random(300) < 0.4]).astype(np.int64)
    drifts = STEPD().update_many(values).drifts
    after = drifts[drifts >= 1000]
    assert after.size, drifts.tolist()
    assert after[0] < 1100, drifts.tolist()


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 1), max_size=400),
    st.integers(0, 400),
    st.integers(1, 40),
    st.floats(0.001, 0.9),
)
def test_update_many_equals_update_property(
    bits: list[int], split: int, window_size: int, alpha: float
) -> None:
    values = np.asarray(bits, np.int64)
    params = {"window_size": window_size, "alpha_drift": alpha / 2, "alpha_warning": alpha}
    one = STEPD(**params)
    expected = one_by_one(one, values)
    many = STEPD(**params)
    first = many.update_many(values[:split])
    second = many.update_many(values[split:])
    split = min(split, values.size)
    assert first.warnings.tolist() + (second.warnings + split).tolist() == expected[0]
    assert first.drifts.tolist() + (second.drifts + split).tolist() == expected[1]
    assert many.state_dict() == one.state_dict()


@pytest.mark.parametrize("cut", [10, 45, 1066, 2500])
def test_state_round_trip_through_json_resumes_identically(cut: int) -> None:
    # Cuts before the ring of the 20 recent values is full (10), just after the tests begin
    # (45) and later, with the ring wrapped around many times.
    values = STREAMS["several"]
    whole = STEPD(window_size=20)
    whole.update_many(values[:cut])
    expected = whole.update_many(values[cut:])
    assert expected.drifts.size > 0

    first = STEPD(window_size=20)
    first.update_many(values[:cut])
    resumed = STEPD.from_state_dict(json.loads(json.dumps(first.state_dict())))
    assert resumed.state_dict() == first.state_dict()
    assert resumed.update_many(values[cut:]) == expected
    assert resumed.state_dict() == whole.state_dict()


def test_resumes_after_a_drift_on_the_last_value() -> None:
    values = STREAMS["abrupt"]
    drift = int(STEPD().update_many(values).drifts[-1])
    first = STEPD()
    assert first.update_many(values[: drift + 1]).drifts[-1] == drift
    assert first.drift_detected
    resumed = STEPD.from_state_dict(json.loads(json.dumps(first.state_dict())))
    whole = STEPD()
    whole.update_many(values[: drift + 1])
    rest = values[drift + 1 :]
    assert resumed.update_many(rest) == whole.update_many(rest)
    assert resumed.state_dict() == whole.state_dict()


def test_forgets_everything_after_a_drift() -> None:
    values = STREAMS["abrupt"]
    detector = STEPD()
    drift = int(detector.update_many(values).drifts[0])
    detector = STEPD()
    detector.update_many(values[: drift + 1])
    detector.update(0)
    fresh = STEPD()
    fresh.update(0)
    state, expected = detector.state_dict()["state"], fresh.state_dict()["state"]
    assert state["_n_seen"] == drift + 2
    del state["_n_seen"], expected["_n_seen"]
    assert state == expected


def test_repr() -> None:
    detector = STEPD(window_size=20, alpha_drift=0.001)
    assert repr(detector) == "STEPD(window_size=20, alpha_drift=0.001, alpha_warning=0.05)"


def test_recent_values_are_the_last_window_oldest_first() -> None:
    values = STREAMS["stable"][:57]
    detector = STEPD(window_size=20)
    assert detector.update_many(values).drifts.size == 0
    recent = (1 - values[-20:]).tolist()
    state = detector.state_dict()["state"]
    assert state["_recent"] == recent
    assert state["_recent_correct"] == sum(recent)
    assert state["_n_correct"] == int((1 - values).sum())


def test_resumes_from_a_state_saved_with_a_deque() -> None:
    # Earlier versions saved the recent values as a deque; such a state still resumes.
    values = STREAMS["several"]
    whole = STEPD(window_size=20)
    whole.update_many(values[:1066])
    saved = whole.state_dict()
    saved["state"]["_recent"] = {"__deque__": saved["state"]["_recent"], "maxlen": 20}
    resumed = STEPD.from_state_dict(json.loads(json.dumps(saved)))
    assert resumed.state_dict() == whole.state_dict()
    assert resumed.update_many(values[1066:]) == whole.update_many(values[1066:])


def test_a_huge_window_costs_memory_only_for_the_values_seen() -> None:
    detector = STEPD(window_size=2**70)
    values = STREAMS["several"]
    assert detector.update_many(values) == Detections(np.zeros(0, np.int64), np.zeros(0, np.int64))
    detector.update(1)
    assert detector.state_dict()["state"]["_recent"] == [*(1 - values).tolist(), 0]


def test_defaults_are_the_papers() -> None:
    assert STEPD().get_params() == {
        "window_size": 30,
        "alpha_drift": 0.003,
        "alpha_warning": 0.05,
    }


def test_n_seen_counts_across_drifts() -> None:
    detector = STEPD()
    found = detector.update_many(STREAMS["several"])
    assert found.drifts.size > 1
    assert detector.n_seen == STREAMS["several"].size


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"window_size": 0},
            "The 'window_size' parameter of STEPD must be an int in [1, inf). Got 0.",
        ),
        (
            {"window_size": 2.5},
            "The 'window_size' parameter of STEPD must be an int in [1, inf). Got 2.5.",
        ),
        (
            {"window_size": True},
            "The 'window_size' parameter of STEPD must be an int in [1, inf). Got True.",
        ),
        (
            {"alpha_warning": 1},
            "The 'alpha_warning' parameter of STEPD must be a float in (0, 1). Got 1.",
        ),
        (
            {"alpha_warning": float("nan")},
            "The 'alpha_warning' parameter of STEPD must be a float in (0, 1). Got nan.",
        ),
        (
            {"alpha_drift": 0},
            "The 'alpha_drift' parameter of STEPD must be a float in (0, alpha_warning] "
            "= (0, 0.05]. Got 0.",
        ),
        (
            {"alpha_drift": 0.1},
            "The 'alpha_drift' parameter of STEPD must be a float in (0, alpha_warning] "
            "= (0, 0.05]. Got 0.1.",
        ),
        (
            {"alpha_drift": "0.01"},
            "The 'alpha_drift' parameter of STEPD must be a float in (0, alpha_warning] "
            "= (0, 0.05]. Got '0.01'.",
        ),
    ],
)
def test_parameter_validation(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterError) as info:
        STEPD(**params)
    assert str(info.value) == message


def test_alpha_drift_may_equal_alpha_warning() -> None:
    detector = STEPD(alpha_drift=0.05, alpha_warning=0.05)
    found = detector.update_many(STREAMS["abrupt"])
    assert found.warnings.size == 0
    assert found.drifts.size > 0


def test_accepts_numpy_settings() -> None:
    values = STREAMS["several"]
    numpy_made = STEPD(window_size=np.int64(10), alpha_drift=np.float64(0.01), alpha_warning=0.1)
    assert numpy_made.update_many(values) == STEPD(10, 0.01, 0.1).update_many(values)
