"""Regression metrics, checked against scikit-learn and the formulas."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray
from sklearn import metrics as skm

from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError
from driftscope.metrics import regression as reg

RTOL = 1e-12


def data(n: int, seed: int = 0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    y = rng.normal(10.0, 3.0, size=n)
    return y, y + rng.normal(0.2, 1.5, size=n)


@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_metrics_match_sklearn(n: int) -> None:
    y, pred = data(n, seed=n)
    assert reg.mae(y, pred) == pytest.approx(skm.mean_absolute_error(y, pred), rel=RTOL)
    assert reg.rmse(y, pred) == pytest.approx(skm.root_mean_squared_error(y, pred), rel=RTOL)
    assert reg.median_absolute_error(y, pred) == pytest.approx(
        skm.median_absolute_error(y, pred), rel=RTOL
    )
    assert reg.mape(y, pred).value == pytest.approx(
        skm.mean_absolute_percentage_error(y, pred), rel=RTOL
    )
    assert reg.mape(y, pred).n_skipped == 0
    assert reg.mean_error(y, pred) == pytest.approx(np.mean(pred - y), rel=RTOL)
    if n > 1:
        assert reg.r2(y, pred) == pytest.approx(skm.r2_score(y, pred), rel=1e-10)


def test_r2_on_constant_truth_follows_sklearn_force_finite() -> None:
    y = np.full(5, 3.0)
    assert reg.r2(y, y) == skm.r2_score(y, y) == 1.0
    assert reg.r2(y, y + 1.0) == skm.r2_score(y, y + 1.0) == 0.0


@settings(max_examples=50, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.integers(2, 40), elements=st.floats(-1e6, 1e6, allow_subnormal=False)
    ),
    st.integers(0, 2**32 - 1),
)
def test_metrics_match_sklearn_on_any_finite_data(y: NDArray[np.float64], seed: int) -> None:
    pred = y + np.random.default_rng(seed).normal(size=y.size)
    assert reg.mae(y, pred) == pytest.approx(skm.mean_absolute_error(y, pred), rel=1e-9)
    assert reg.rmse(y, pred) == pytest.approx(skm.root_mean_squared_error(y, pred), rel=1e-9)
    assert reg.median_absolute_error(y, pred) == pytest.approx(
        skm.median_absolute_error(y, pred), rel=1e-9
    )


def test_mape_skips_zeros_and_counts_them() -> None:
    y = np.array([100.0, 0.0, 50.0, 0.0, -20.0])
    pred = np.array([110.0, 3.0, 40.0, -1.0, -25.0])
    result = reg.mape(y, pred)
    assert result.n_skipped == 2
    assert result.value == pytest.approx((0.1 + 0.2 + 0.25) / 3)
    # On the rows kept, it is scikit-learn's value.
    keep = y != 0
    assert result.value == pytest.approx(skm.mean_absolute_percentage_error(y[keep], pred[keep]))
    all_zero = reg.mape([0.0, 0.0], [1.0, 2.0])
    assert np.isnan(all_zero.value)
    assert all_zero.n_skipped == 2


def test_error_distribution_matches_numpy() -> None:
    y, pred = data(5000, seed=3)
    result = reg.error_distribution(y, pred, n_bins=25)
    error = pred - y
    assert result.quantile_levels == (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
    np.testing.assert_allclose(result.quantiles, np.quantile(error, result.quantile_levels))
    assert result.mean == pytest.approx(error.mean())
    assert result.std == pytest.approx(error.std())
    counts, edges = np.histogram(error, bins=25)
    assert result.counts == tuple(counts.tolist())
    np.testing.assert_allclose(result.bin_edges, edges)
    assert sum(result.counts) == error.size
    assert reg.error_distribution(y, pred).counts.__len__() == 30


def test_error_is_prediction_minus_truth() -> None:
    assert reg.mean_error([1.0, 1.0], [3.0, 3.0]) == 2.0
    assert reg.error_distribution([1.0, 1.0], [3.0, 3.0]).quantiles[3] == 2.0


def test_validation_messages() -> None:
    with pytest.raises(ColumnError, match=r"y_true and y_pred of the same length\. Got 3 and 2\."):
        reg.mae([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ColumnError, match=r"finite values in y_pred\. Got 2 NaN or infinite of 3"):
        reg.rmse([1.0, 2.0, 3.0], [np.nan, 2.0, np.inf])
    with pytest.raises(EmptyDataError, match="at least one row in y_true"):
        reg.r2([], [])
    with pytest.raises(ParameterError, match=r"^The 'n_bins' parameter of error_distribution"):
        reg.error_distribution([1.0], [2.0], n_bins=0)


def test_results_are_frozen() -> None:
    result = reg.mape([1.0], [2.0])
    with pytest.raises(AttributeError):
        result.value = 0.0  # type: ignore[misc]
