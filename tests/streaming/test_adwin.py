"""ADWIN: River's detections and window statistics (also where the cut test is decided within
a rounding of its threshold, and on extreme magnitudes), `update_many` equal to `update` for
several settings, the state's shape, settings and their validation. The protocol checks are in
test_conformance.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from river import drift as river_drift

from driftscope.exceptions import ParameterError
from driftscope.streaming._base import Detections
from driftscope.streaming.adwin import ADWIN


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


def _river_fires(params: dict[str, float], prefix: list[float], last: float) -> bool:
    detector = river_drift.ADWIN(**params)
    for x in prefix:
        detector.update(x)
    detector.update(last)
    return bool(detector.drift_detected)


def _flip_point(seed: int) -> tuple[dict[str, float], list[float], float, float] | None:
    """A stream's settings and values but the last, and the two neighbouring doubles between
    which River's cut test on the last value flips from no cut to a cut (found by bisection);
    None when no last value in [0, 1000 scale] flips it."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 200))
    params = {
        "delta": float(rng.choice([0.002, 0.1, 0.5])),
        "clock": n,
        "max_buckets": int(rng.integers(2, 7)),
        "min_window_length": int(rng.integers(1, 6)),
        "grace_period": 0,
    }
    scale = 10.0 ** int(rng.integers(-3, 6))
    prefix = (scale * rng.normal(0.0, 1.0, n - 1)).tolist()
    low, high = 0.0, 1e3 * scale
    if _river_fires(params, prefix, low) or not _river_fires(params, prefix, high):
        return None
    while (middle := (low + high) / 2) not in (low, high):
        low, high = (low, middle) if _river_fires(params, prefix, middle) else (middle, high)
    return params, prefix, low, high


def test_cut_decided_at_the_threshold_as_river_decides_it() -> None:
    # The kernel rules most cuts out with bounds that skip River's divisions and square root;
    # a cut within a rounding of River's threshold must fall to River's own arithmetic.
    flips = [f for f in map(_flip_point, range(40)) if f is not None]
    assert len(flips) >= 10
    for params, prefix, low, high in flips:
        for last in (np.nextafter(low, -np.inf), low, high, np.nextafter(high, np.inf)):
            values = np.asarray([*prefix, last])
            expected, river = _river_run(params, values)
            if last in (low, high):
                assert expected == ([] if last == low else [len(prefix)])
            detector = ADWIN(**params)  # type: ignore[arg-type]
            assert _one_by_one(detector, values) == expected
            assert ADWIN(**params).update_many(values).drifts.tolist() == expected  # type: ignore[arg-type]
            assert (detector.width, detector.total, detector.variance) == (
                river.width,  # type: ignore[attr-defined]
                river.total,  # type: ignore[attr-defined]
                river.variance,  # type: ignore[attr-defined]
            )


def _extreme_streams() -> dict[str, NDArray[np.float64]]:
    rng = np.random.default_rng(5)
    shift = np.concatenate([rng.normal(0.0, 1.0, 2000), rng.normal(0.5, 1.0, 2000)])
    outliers = rng.normal(0.0, 1.0, 4000)
    outliers[rng.random(4000) < 0.01] = 1e200  # the variance overflows to inf
    return {
        # Offsets the window's rounding dominates: River itself then flags spurious drifts.
        "offset 1e12": 1e12 + shift,
        "offset 1e15": 1e15 + shift,
        "scale 1e-300": 1e-300 * shift,
        "scale 1e150": 1e150 * shift,
        "outliers": outliers,
        "constant 1e300": np.full(2000, 1e300),
        "signed zeros": np.where(rng.random(2000) < 0.5, -0.0, 0.0),
    }


EXTREME = _extreme_streams()


@pytest.mark.parametrize("params", PARAMS[:2])
@pytest.mark.parametrize("name", list(EXTREME))
def test_extreme_magnitudes_match_river(name: str, params: dict[str, float]) -> None:
    values = EXTREME[name]
    expected, river = _river_run(params, values)
    detector = ADWIN(**params)  # type: ignore[arg-type]
    assert _one_by_one(detector, values) == expected
    assert ADWIN(**params).update_many(values).drifts.tolist() == expected  # type: ignore[arg-type]
    assert repr((detector.width, detector.total, detector.variance)) == repr(
        (int(river.width), river.total, river.variance)  # type: ignore[attr-defined]
    )


def test_river_parity_on_extremes_is_not_vacuous() -> None:
    assert len(ADWIN().update_many(EXTREME["offset 1e15"]).drifts) >= 10
    assert len(ADWIN().update_many(EXTREME["scale 1e150"]).drifts) >= 1


def test_buckets_as_state() -> None:
    detector = ADWIN(max_buckets=3)
    detector.update_many(np.arange(20.0))
    # Row 0 keeps the newest values; rows 1 and 2 hold buckets of 2 and 4 consecutive values:
    # their totals, and their sums of squared deviations (0.5 and 5.0 for such integers).
    assert detector._totals == [[18.0, 19.0], [25.0, 29.0, 33.0], [6.0, 22.0, 38.0]]
    assert detector._variances == [[0.0, 0.0], [0.5, 0.5, 0.5], [5.0, 5.0, 5.0]]
    assert (detector.width, detector.total) == (20, 190.0)
    with pytest.raises(ValueError, match="at most 3 buckets"):
        detector._totals = [[1.0, 2.0, 3.0, 4.0]]
    with pytest.raises(ValueError, match="shape of its _totals"):
        detector._variances = [[0.0]]
    assert detector._totals == [[18.0, 19.0], [25.0, 29.0, 33.0], [6.0, 22.0, 38.0]]


def test_exact_repr_and_numpy_settings() -> None:
    assert repr(ADWIN(delta=0.01, clock=16)) == (
        "ADWIN(delta=0.01, clock=16, max_buckets=5, min_window_length=5, grace_period=10)"
    )
    values = STREAMS["abrupt"]
    numpy_settings = ADWIN(delta=np.float64(0.01), clock=np.int64(16), max_buckets=np.int32(4))
    assert numpy_settings.update_many(values) == ADWIN(
        delta=0.01, clock=16, max_buckets=4
    ).update_many(values)
