"""Regression quality metrics on numpy arrays, checked against scikit-learn.

Every function takes ``y_true`` and ``y_pred``, 1-D arrays of finite numbers of the same length.
The error of a row is ``y_pred - y_true`` (positive when the model over-predicts), so
`mean_error` is the model's bias and `error_distribution` describes the same signed errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from driftscope._validate import check_int
from driftscope.exceptions import ColumnError
from driftscope.metrics._checks import FloatArray, as_1d, check_same_length

__all__ = [
    "ERROR_QUANTILE_LEVELS",
    "ErrorDistribution",
    "MAPEResult",
    "error_distribution",
    "mae",
    "mape",
    "mean_error",
    "median_absolute_error",
    "r2",
    "rmse",
]

# Quantile levels reported by `error_distribution`.
ERROR_QUANTILE_LEVELS = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


@dataclass(frozen=True, slots=True)
class MAPEResult:
    """Mean absolute percentage error over the rows whose true value is not 0.

    ``value`` is a fraction (0.1 means 10%), as scikit-learn's; it is NaN when every true value is
    0. ``n_skipped`` counts the rows left out because their true value is 0.
    """

    value: float
    n_skipped: int


@dataclass(frozen=True, slots=True)
class ErrorDistribution:
    """Summary of the signed errors ``y_pred - y_true``.

    ``quantiles[i]`` is the error quantile at ``quantile_levels[i]`` (numpy's linear rule);
    ``std`` is the population standard deviation (``ddof=0``). The histogram has
    ``len(bin_edges) - 1`` equal-width bins spanning the smallest to the largest error, with
    ``counts`` rows in each (the last bin closed, as ``np.histogram``).
    """

    quantile_levels: tuple[float, ...]
    quantiles: tuple[float, ...]
    mean: float
    std: float
    bin_edges: tuple[float, ...]
    counts: tuple[int, ...]


def _pair(y_true: ArrayLike, y_pred: ArrayLike, owner: str) -> tuple[FloatArray, FloatArray]:
    true = np.asarray(as_1d(y_true, "y_true", owner), dtype=np.float64)
    pred = np.asarray(as_1d(y_pred, "y_pred", owner), dtype=np.float64)
    check_same_length(owner, "y_true", true, "y_pred", pred)
    for name, values in (("y_true", true), ("y_pred", pred)):
        if not np.isfinite(values).all():
            bad = int(np.count_nonzero(~np.isfinite(values)))
            raise ColumnError(
                f"{owner} needs finite values in {name}. "
                f"Got {bad} NaN or infinite of {values.size}."
            )
    return true, pred


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error.

    >>> mae([1.0, 2.0, 3.0], [1.5, 2.0, 1.0])
    0.8333333333333334
    """
    true, pred = _pair(y_true, y_pred, "mae")
    return float(np.mean(np.abs(pred - true)))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error.

    >>> rmse([1.0, 2.0, 3.0], [1.0, 2.0, 6.0])
    1.7320508075688772
    """
    true, pred = _pair(y_true, y_pred, "rmse")
    error = pred - true
    # Not np.dot: BLAS threads cost more than they save on one vector.
    return float(np.sqrt(np.einsum("i,i", error, error) / error.size))


def mape(y_true: ArrayLike, y_pred: ArrayLike) -> MAPEResult:
    """Mean absolute percentage error ``mean(|y_pred - y_true| / |y_true|)``, skipping zeros.

    Rows with ``y_true == 0`` have no percentage error; they are left out and counted in
    ``n_skipped``, rather than divided by a tiny epsilon as scikit-learn does (which turns each
    into an error of about 1e15). On data without zeros both agree.

    >>> mape([100.0, 0.0, 50.0], [110.0, 3.0, 40.0])
    MAPEResult(value=0.15000000000000002, n_skipped=1)
    """
    true, pred = _pair(y_true, y_pred, "mape")
    nonzero = true != 0
    n_skipped = int(true.size - np.count_nonzero(nonzero))
    if n_skipped == true.size:
        return MAPEResult(float("nan"), n_skipped)
    if n_skipped:
        true, pred = true[nonzero], pred[nonzero]
    return MAPEResult(float(np.mean(np.abs((pred - true) / true))), n_skipped)


def median_absolute_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Median of the absolute errors, robust to a few wild predictions.

    >>> median_absolute_error([1.0, 2.0, 3.0, 4.0], [1.0, 2.5, 3.0, 14.0])
    0.25
    """
    true, pred = _pair(y_true, y_pred, "median_absolute_error")
    return float(np.median(np.abs(pred - true)))


def r2(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot``.

    When ``y_true`` is constant (``SS_tot = 0``) the ratio is undefined; as scikit-learn's
    ``r2_score`` (``force_finite=True``) the result is 1.0 for a perfect prediction and 0.0
    otherwise.

    >>> r2([1.0, 2.0, 3.0, 4.0], [1.1, 1.9, 3.2, 3.8])
    0.98
    """
    true, pred = _pair(y_true, y_pred, "r2")
    residual = pred - true
    centred = true - true.mean()
    ss_res = float(np.einsum("i,i", residual, residual))
    ss_tot = float(np.einsum("i,i", centred, centred))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


def mean_error(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Bias: the mean signed error ``mean(y_pred - y_true)``, positive when over-predicting.

    >>> mean_error([1.0, 2.0, 3.0], [2.0, 2.0, 3.5])
    0.5
    """
    true, pred = _pair(y_true, y_pred, "mean_error")
    return float(np.mean(pred - true))


def error_distribution(y_true: ArrayLike, y_pred: ArrayLike, n_bins: int = 30) -> ErrorDistribution:
    """Quantiles (1, 5, 25, 50, 75, 95, 99%), mean, std and histogram of ``y_pred - y_true``.

    >>> d = error_distribution([0.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 1.0], n_bins=2)
    >>> d.quantiles[3], d.mean, d.bin_edges, d.counts
    (0.0, 0.0, (-1.0, 0.0, 1.0), (1, 3))
    """
    owner = "error_distribution"
    bins = check_int(owner, "n_bins", n_bins, low=1)
    true, pred = _pair(y_true, y_pred, owner)
    error = pred - true
    quantiles = np.quantile(error, ERROR_QUANTILE_LEVELS)
    counts, edges = np.histogram(error, bins=bins)
    return ErrorDistribution(
        quantile_levels=ERROR_QUANTILE_LEVELS,
        quantiles=tuple(quantiles.tolist()),
        mean=float(error.mean()),
        std=float(error.std()),
        bin_edges=tuple(edges.tolist()),
        counts=tuple(counts.tolist()),
    )
