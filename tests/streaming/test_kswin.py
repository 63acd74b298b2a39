"""KSWIN against River's implementation and CPython's random sampling.

The protocol (update_many == update, chunks, JSON/pickle/copy round trips, clone, reset) is in
test_conformance.py.
"""

from __future__ import annotations

import copy
import json
import random
import tracemalloc

import numpy as np
import pytest
from numpy.typing import NDArray
from river import drift as river_drift
from scipy import stats

from driftscope.exceptions import ColumnError, ParameterError
from driftscope.streaming import kswin
from driftscope.streaming._core.kswin import _randbelow, _sample, use_pool_method
from driftscope.streaming.kswin import KSWIN


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
    # random.Random.sample's set method (the others take its pool method).
    {"seed": 13, "alpha": 0.05, "window_size": 200, "stat_size": 5},
]


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
    batch = KSWIN(**params)  # type: ignore[arg-type]
    assert batch.update_many(STREAMS[name]).drifts.tolist() == expected


def test_both_sample_methods_are_compared_with_river() -> None:
    methods = set()
    for params in PARAMS:
        detector = KSWIN(**params)  # type: ignore[arg-type]
        n_old = detector.window_size - detector.stat_size
        methods.add(use_pool_method(n_old, detector.stat_size))
    assert methods == {True, False}


def test_scipy_fallback_for_large_samples_matches_river(monkeypatch: pytest.MonkeyPatch) -> None:
    # Above _MAX_EXACT_N values scipy's p-value is not a function of the gap in counts, so
    # every test calls scipy; checked on small samples by lowering the bound.
    monkeypatch.setattr(kswin, "_MAX_EXACT_N", 10)
    values = STREAMS["several"][:800]
    river = river_drift.KSWIN(seed=6, alpha=0.01)
    detector = KSWIN(seed=6, alpha=0.01)
    for x in values.tolist():
        river.update(x)
        detector.update(x)
        assert detector.drift_detected == river.drift_detected
        assert detector.p_value == float(river.p_value)


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


@pytest.mark.parametrize("split", [1, 99, 150, 700, 1300])
def test_state_dict_round_trip_resumes(split: int) -> None:
    # Cut before the window is full (1, 99), on the first tests (150) and long after the
    # window's ring has wrapped round, through drifts (700, 1300).
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
    first = KSWIN(alpha=0.001, seed=None)
    head = first.update_many(values[:1200]).drifts
    assert head.size > 0
    twin = copy.deepcopy(first)
    resumed = KSWIN.from_state_dict(json.loads(json.dumps(first.state_dict())))
    # Identical up to the next drift; after it, seed=None seeds afresh from the OS.
    expected = twin.update_many(values[1200:]).drifts[:1]
    stop = 1200 + (int(expected[0]) + 1 if expected.size else len(values))
    assert resumed.update_many(values[1200:stop]).drifts.tolist() == expected.tolist()

    drifts = KSWIN(seed=3).update_many(values).drifts
    split = int(drifts[0]) + 1
    first = KSWIN(seed=3)
    first.update_many(values[:split])
    assert first.drift_detected
    resumed = KSWIN.from_state_dict(json.loads(json.dumps(first.state_dict())))
    assert (resumed.update_many(values[split:]).drifts + split).tolist() == drifts[1:].tolist()


def test_repr_and_reset_restores_the_initial_window() -> None:
    detector = KSWIN(alpha=0.01, seed=11, window=[0.5, 1.5])
    assert repr(detector) == (
        "KSWIN(alpha=0.01, window_size=100, stat_size=30, seed=11, window=[0.5, 1.5])"
    )
    assert list(detector._window) == [0.5, 1.5]
    detector.update_many(STREAMS["abrupt"][:1100])
    detector.reset()
    assert list(detector._window) == [0.5, 1.5]
    assert detector.state_dict() == KSWIN(alpha=0.01, seed=11, window=[0.5, 1.5]).state_dict()
    # Only the last window_size initial values are kept.
    assert list(KSWIN(window_size=4, stat_size=2, window=range(10))._window) == [6, 7, 8, 9]


def test_state_format() -> None:
    # The window as a deque and the generator as random.Random.getstate() gives them, so
    # states saved before the compiled kernel still load.
    values = STREAMS["stable"][:250]
    detector = KSWIN(seed=5)
    assert detector._rng_state == [3, list(random.Random(5).getstate()[1]), None]
    detector.update_many(values)
    state = json.loads(json.dumps(detector.state_dict()))["state"]
    assert state["_window"] == {"__deque__": values[-100:].tolist(), "maxlen": 100}
    rng = random.Random(5)
    for _ in range(151):
        rng.sample(range(70), 30)
    assert state["_rng_state"] == [3, list(rng.getstate()[1]), None]
    assert state["_p_value"] == detector.p_value
    assert state["_statistic"] == detector.statistic


def test_bad_generator_state_is_refused() -> None:
    detector = KSWIN(seed=1)
    version, words, gauss_next = detector._rng_state
    with pytest.raises(ValueError, match="state vector is the wrong size"):
        detector._rng_state = [version, words[:-1], gauss_next]
    with pytest.raises(ValueError, match="invalid state"):
        detector._rng_state = [version, [*words[:-1], 625], gauss_next]
    assert detector._rng_state == [version, words, gauss_next]


# -- the kernel's copy of CPython's random.Random.sample -----------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40 + 3])
@pytest.mark.parametrize(
    ("n", "k"),
    # Pool method: n small next to k; set method: n large (k <= 5 always sets setsize 21).
    [
        (1, 1),
        (7, 0),
        (10, 10),
        (21, 5),
        (70, 30),
        (85, 20),
        (240, 60),
        (22, 5),
        (86, 20),
        (196, 4),
        (1000, 3),
        (5000, 40),
        (100_000, 500),
    ],
)
def test_kernel_sample_equals_random_sample(seed: int, n: int, k: int) -> None:
    rng = random.Random(seed)
    state = [3, list(rng.getstate()[1]), None]
    for _ in range(3):  # consecutive draws, crossing the generator's 624-word refills
        expected = rng.sample(range(n), k)
        drawn, state = _sample(state, n, k)
        assert drawn == expected
        assert state == [3, list(rng.getstate()[1]), None]


def test_kernel_sample_covers_both_methods() -> None:
    assert use_pool_method(70, 30)
    assert not use_pool_method(86, 20)
    assert not use_pool_method(22, 5)


@pytest.mark.parametrize(
    "n", [1, 2, 3, 70, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 10**12, 2**63 + 5, 2**64 - 1]
)
def test_kernel_randbelow_equals_random_randbelow(n: int) -> None:
    # getrandbits of more than 32 bits takes two words: checked up to 64 bits.
    rng = random.Random(n)
    drawn, state = _randbelow([3, list(rng.getstate()[1]), None], n, 700)
    assert drawn == [rng._randbelow(n) for _ in range(700)]  # type: ignore[attr-defined]
    assert state == [3, list(rng.getstate()[1]), None]


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


def test_numpy_settings_are_accepted() -> None:
    # random.Random refuses numpy integers as seeds; the detector seeds with their value.
    detector = KSWIN(
        alpha=np.float64(0.01),
        window_size=np.int64(80),  # type: ignore[arg-type]
        stat_size=np.int64(20),  # type: ignore[arg-type]
        seed=np.int64(5),  # type: ignore[arg-type]
    )
    assert detector._rng_state == KSWIN(seed=5)._rng_state
    values = STREAMS["abrupt"]
    expected = KSWIN(alpha=0.01, window_size=80, stat_size=20, seed=5).update_many(values)
    assert expected.drifts.size > 0
    assert detector.update_many(values) == expected


def test_the_default_seed_is_fixed_so_runs_repeat() -> None:
    assert KSWIN().seed == 42
    values = STREAMS["abrupt"]
    first, second = KSWIN(), KSWIN()
    assert first.state_dict() == second.state_dict()
    assert first.update_many(values) == second.update_many(values)
    assert first.state_dict() == second.state_dict()
    # River's default, a seed from the operating system, stays available.
    assert KSWIN(seed=None).state_dict() != KSWIN(seed=None).state_dict()


def test_a_huge_window_costs_memory_only_for_the_values_seen() -> None:
    values = STREAMS["abrupt"]
    tracemalloc.start()
    try:
        detector = KSWIN(window_size=2_000_000_000, stat_size=30)
        found = detector.update_many(values)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # 2,000 values in the window: tens of kilobytes, where the whole window would take 16 GB.
    assert peak < 2_000_000
    assert found.drifts.size == 0
    assert list(detector._window) == values.tolist()
    resumed = KSWIN.from_state_dict(json.loads(json.dumps(detector.state_dict())))
    assert resumed.state_dict() == detector.state_dict()


def test_a_window_filled_bit_by_bit_tests_as_one_filled_at_once() -> None:
    # The ring grows while the window fills: detections must not depend on where it grew.
    values = STREAMS["several"]
    expected = KSWIN(window_size=700, stat_size=50, seed=4).update_many(values)
    assert expected.drifts.size > 0
    grown = KSWIN(window_size=700, stat_size=50, seed=4)
    drifts = []
    for i, x in enumerate(values.tolist()):
        grown.update(x)
        if grown.drift_detected:
            drifts.append(i)
    assert drifts == expected.drifts.tolist()
    started = KSWIN(window_size=700, stat_size=50, seed=4, window=values[:300])
    river = river_drift.KSWIN(window_size=700, stat_size=50, seed=4, window=values[:300].tolist())
    found = []
    for i, x in enumerate(values[300:].tolist()):
        river.update(x)
        if river.drift_detected:
            found.append(i)
    assert started.update_many(values[300:]).drifts.tolist() == found
