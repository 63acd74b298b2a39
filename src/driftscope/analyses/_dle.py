"""Direct loss estimation (DLE): a regressor's error on rows without labels, from a second model
that learnt, on the reference, how large the error is given the inputs and the prediction.

Two gradient-boosted models (scikit-learn's `HistGradientBoostingRegressor`, Poisson loss: the
targets are non-negative and the predictions stay so) learn the conditional means
``m1(x) = E[|y - f(x)| | x]`` and ``m2(x) = E[(y - f(x))^2 | x]`` from the reference's features and
the model's prediction. On new rows:

- **MAE** is estimated by the mean of ``m1`` and **RMSE** by the square root of the mean of
  ``m2``;
- **bands**: given the inputs, each row's absolute error varies with variance
  ``m2 - m1^2``, so the realised MAE of n rows has standard error ``sqrt(sum(m2 - m1^2)) / n``;
  the squared error's variance is taken as ``c * m2^2``, with ``c`` measured on the reference
  (2 for normal errors), and the RMSE's standard error follows by the delta method. The band
  is the estimate plus and minus ``z`` of those.

The reference's own estimates are cross-fitted (each fold estimated by models learnt on the
others), so that comparing them with the reference's realised errors tests the estimator, not
its memory.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold

from driftscope.analyses._design import Design

__all__ = ["DLE_METRICS", "LossModel", "dle_bands", "dle_estimates", "fit_loss_model"]

FloatArray = NDArray[np.float64]

DLE_METRICS = ("mae", "rmse")


@dataclass(frozen=True)
class LossModel:
    """The two fitted loss models, the columns they read, and ``c`` (the squared error's
    variance over its mean squared, measured on the reference)."""

    absolute: HistGradientBoostingRegressor
    squared: HistGradientBoostingRegressor
    design: Design
    squared_dispersion: float


def _regressor(seed: int) -> HistGradientBoostingRegressor:
    return HistGradientBoostingRegressor(
        loss="poisson",
        max_iter=200,
        learning_rate=0.1,
        categorical_features="from_dtype",
        random_state=seed,
    )


def _fit_pair(
    design: pd.DataFrame, errors: FloatArray, seed: int
) -> tuple[HistGradientBoostingRegressor, HistGradientBoostingRegressor]:
    absolute, squared = _regressor(seed), _regressor(seed)
    with warnings.catch_warnings():
        # A column that is constant in a fold is dropped by the binning; nothing to tell.
        warnings.simplefilter("ignore", category=UserWarning)
        absolute.fit(design, np.abs(errors))
        squared.fit(design, errors**2)
    return absolute, squared


def fit_loss_model(
    frame: pd.DataFrame,
    prediction: FloatArray,
    target: FloatArray,
    columns: Sequence[str],
    categorical: Sequence[str],
    *,
    folds: int,
    seed: int,
) -> tuple[LossModel, FloatArray, FloatArray]:
    """Fit the loss models on the reference; return them with the reference's cross-fitted
    estimates of each row's absolute and squared error."""
    encoder = Design.learn(frame, columns, categorical)
    design = encoder.frame(frame, {"prediction": prediction})
    errors = target - prediction
    m1 = np.empty(len(errors))
    m2 = np.empty(len(errors))
    n_folds = max(2, min(folds, len(errors) // 50))
    for train, test in KFold(n_splits=n_folds, shuffle=True, random_state=seed).split(design):
        absolute, squared = _fit_pair(design.iloc[train], errors[train], seed)
        m1[test] = absolute.predict(design.iloc[test])
        m2[test] = squared.predict(design.iloc[test])
    residual = errors**2 - m2
    dispersion = float(np.mean(residual**2) / max(float(np.mean(m2**2)), 1e-300))
    absolute, squared = _fit_pair(design, errors, seed)
    model = LossModel(absolute, squared, encoder, dispersion)
    return model, m1, m2


def dle_estimates(
    model: LossModel, frame: pd.DataFrame, prediction: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Each row's expected absolute and squared error."""
    design = model.design.frame(frame, {"prediction": prediction})
    return (
        np.maximum(model.absolute.predict(design), 0.0),
        np.maximum(model.squared.predict(design), 0.0),
    )


def dle_bands(
    m1: FloatArray, m2: FloatArray, dispersion: float, z: float
) -> dict[str, tuple[float, float, float, float]]:
    """Per metric: the estimate, the band's low and high ends, and the standard error."""
    n = m1.size
    mae = float(m1.mean())
    se_mae = float(np.sqrt(np.maximum(m2 - m1**2, 0.0).sum())) / n
    mse = float(m2.mean())
    rmse = float(np.sqrt(mse))
    se_mse = float(np.sqrt(dispersion * (m2**2).sum())) / n
    se_rmse = se_mse / (2.0 * rmse) if rmse > 0 else 0.0
    return {
        "mae": (mae, max(mae - z * se_mae, 0.0), mae + z * se_mae, se_mae),
        "rmse": (rmse, max(rmse - z * se_rmse, 0.0), rmse + z * se_rmse, se_rmse),
    }
