"""Seeded, vectorised bootstrap confidence intervals for the quality metrics.

Three paths, one result type (`ConfidenceInterval`), all percentile intervals:

- `bootstrap_ci`: any metric taking row-aligned arrays and returning a float. Resamples are drawn
  as index matrices, a block of them at a time; the metric runs once per resample on whole arrays
  (no Python loop over rows). Beyond ``max_rows`` rows it switches to the m-out-of-n bootstrap.
- `bootstrap_ci_confusion`: metrics of a confusion matrix. Resampling n rows with replacement
  makes the resampled confusion matrix Multinomial(n, cm / n), so all resamples are drawn in one
  ``rng.multinomial`` call and scored by a batched ``*_from_confusion`` function. It is the exact
  nonparametric bootstrap at any n, and costs milliseconds.
- `bootstrap_ci_ratio`: ratios of sums over resampled units (utterances, images), for WER/CER
  and segmentation IoU, Dice and pixel accuracy, fully vectorised.

Which path for which metric:

- accuracy, balanced accuracy, precision, recall, F1: ``bootstrap_ci_confusion`` with a
  ``*_from_confusion`` function;
- roc_auc, pr_auc, log_loss, brier_score, expected_calibration_error:
  ``bootstrap_ci(metric, y_true, proba)``;
- mae, rmse, mape (its ``.value``), median_absolute_error, r2, mean_error:
  ``bootstrap_ci(metric, y_true, y_pred)``;
- WER, CER: ``bootstrap_ci_ratio(u.errors, u.n_reference_units)`` on the per-utterance counts;
- mean IoU, mean Dice, pixel accuracy: ``bootstrap_ci_ratio`` on `per_image_counts`
  (``intersection, union``; ``2 * intersection, true_area + pred_area``; ``correct, n_pixels``).

The probabilistic metrics need ``labels`` bound first, e.g.
``bootstrap_ci(lambda y, p: roc_auc(y, p, labels), y_true, proba)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from driftscope._validate import check_int, check_probability
from driftscope.exceptions import ColumnError, EmptyDataError, InputTypeError, invalid_parameter
from driftscope.metrics._checks import FloatArray

__all__ = [
    "ConfidenceInterval",
    "bootstrap_ci",
    "bootstrap_ci_confusion",
    "bootstrap_ci_ratio",
]

# Values gathered per block of resamples (all arrays together): about 32 MB of float64.
_BLOCK_VALUES = 4_000_000


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A bootstrap confidence interval around a metric's value on the full data.

    ``estimate`` is the metric on all the data, ``[low, high]`` the percentile interval at level
    ``confidence``. ``method`` says how the resamples were drawn: ``"percentile"`` (n of n rows),
    ``"m_out_of_n_percentile"`` (m of n rows, rescaled) or ``"multinomial_percentile"``
    (resampled confusion matrices). ``n_undefined`` counts the resamples the metric could not
    score (ROC-AUC on a resample with one class), left out of the interval; when they are too
    many to ignore, ``low`` and ``high`` are NaN (`defined` is False).
    """

    estimate: float
    low: float
    high: float
    confidence: float
    n_resamples: int
    method: str
    n_undefined: int = 0

    @property
    def defined(self) -> bool:
        """Whether the interval has finite ends."""
        return math.isfinite(self.low) and math.isfinite(self.high)


def _settings(
    owner: str, n_resamples: object, confidence: object, seed: int | None
) -> tuple[int, float, np.random.Generator]:
    resamples = check_int(owner, "n_resamples", n_resamples, low=2)
    level = check_probability(owner, "confidence", confidence)
    check_int(owner, "seed", seed, allow_none=True)
    return resamples, level, np.random.default_rng(seed)


def _interval(
    owner: str,
    estimate: float,
    replicates: FloatArray,
    confidence: float,
    method: str,
    scale: float = 1.0,
) -> ConfidenceInterval:
    bad = int(np.count_nonzero(~np.isfinite(replicates)))
    if bad:
        raise ColumnError(
            f"{owner} got a NaN or infinite metric value on {bad} of {replicates.size} resamples; "
            "a percentile interval needs every resample to be scored."
        )
    if scale != 1.0:
        replicates = estimate + (replicates - replicates.mean()) * scale
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(replicates, [tail, 1.0 - tail])
    return ConfidenceInterval(
        estimate, float(low), float(high), confidence, int(replicates.size), method
    )


def _as_float(value: object, owner: str) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputTypeError(
            f"{owner} needs a metric that returns a float. Got {type(value).__name__}."
        ) from None


def _sizes(n: int, max_rows: int) -> tuple[int, str, float]:
    """Resample size, method name and the rescaling of deviations (1 for the plain bootstrap)."""
    if n <= max_rows:
        return n, "percentile", 1.0
    return max_rows, "m_out_of_n_percentile", math.sqrt(max_rows / n)


def bootstrap_ci(
    metric: Callable[..., float],
    *arrays: ArrayLike,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    max_rows: int = 20_000,
) -> ConfidenceInterval:
    """Percentile bootstrap confidence interval of ``metric(*arrays)``, resampling rows.

    ``arrays`` are row-aligned along axis 0 (``y_true``, ``y_pred`` or ``proba``, ...); each
    resample draws the same row indices for all of them. Resamples are drawn as index matrices of
    shape (block, rows), so the only Python loop is one metric call per resample.

    With n rows above ``max_rows``, resamples of m = ``max_rows`` rows are drawn instead
    (the m-out-of-n bootstrap [1]_): each replicate ``theta_m`` varies about sqrt(n / m) times more
    than a full-size replicate would, so the interval is the percentiles of
    ``estimate + (theta_m - mean(theta_m)) * sqrt(m / n)``. This is an approximation for smooth,
    root-n-consistent statistics (means, ratios, proportions, AUC, losses); it keeps the cost
    independent of n, but it is not valid for statistics driven by a few extreme rows (a maximum)
    or whose bias shrinks slower than 1 / sqrt(n). The method is then
    ``"m_out_of_n_percentile"``.

    ``metric`` must score every resample with a finite float; a resample it cannot score (say
    `roc_auc` on a resample missing a class) makes the whole call fail.

    The cost is ``n_resamples`` metric calls on min(n, ``max_rows``) rows, plus gathering those
    rows (about 0.5 s for two columns at the defaults). Metrics that sort, `roc_auc` and `pr_auc`,
    spend about 1 ms per call and class column at 20,000 rows: a smaller ``max_rows`` makes them
    proportionally cheaper, at the price of a coarser approximation. Counting metrics should use
    `bootstrap_ci_confusion` instead, which is exact and costs milliseconds.

    References
    ----------
    .. [1] Bickel, P. J., Götze, F. and van Zwet, W. R. (1997). Resampling fewer than n
       observations: gains, losses, and remedies for losses. Statistica Sinica 7, 1-31.

    >>> rng = np.random.default_rng(0)
    >>> y_true = rng.integers(0, 2, size=500)
    >>> y_pred = np.where(rng.uniform(size=500) < 0.8, y_true, 1 - y_true)
    >>> from driftscope.metrics import accuracy
    >>> ci = bootstrap_ci(accuracy, y_true, y_pred, n_resamples=500, seed=1)
    >>> ci.estimate, round(ci.low, 3), round(ci.high, 3), ci.method
    (0.808, 0.774, 0.842, 'percentile')
    """
    owner = "bootstrap_ci"
    resamples, level, rng = _settings(owner, n_resamples, confidence, seed)
    rows_cap = check_int(owner, "max_rows", max_rows, low=2)
    if not callable(metric):
        raise invalid_parameter(owner, "metric", "a callable returning a float", metric)
    if not arrays:
        raise EmptyDataError(f"{owner} needs at least one array to resample. Got none.")
    data = [np.asarray(a) for a in arrays]
    if any(a.ndim == 0 for a in data):
        raise ColumnError(f"{owner} needs arrays with a row axis. Got a 0-d array.")
    n = len(data[0])
    if any(len(a) != n for a in data):
        raise ColumnError(
            f"{owner} needs row-aligned arrays of the same length. "
            f"Got lengths {[len(a) for a in data]}."
        )
    if n == 0:
        raise EmptyDataError(f"{owner} needs at least one row. Got none.")
    estimate = _as_float(metric(*data), owner)
    m, method, scale = _sizes(n, rows_cap)
    row_values = sum(math.prod(a.shape[1:]) for a in data)
    block = max(1, min(resamples, _BLOCK_VALUES // (m * max(row_values, 1))))
    replicates = np.empty(resamples)
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        index = rng.integers(0, n, size=(size, m))
        # np.take is several times faster than fancy indexing for 2-D arrays.
        taken = [np.take(a, index, axis=0) for a in data]
        for j in range(size):
            replicates[start + j] = _as_float(metric(*(t[j] for t in taken)), owner)
    return _interval(owner, estimate, replicates, level, method, scale)


def bootstrap_ci_confusion(
    cm: ArrayLike,
    metric_from_cm: Callable[[NDArray[np.int64]], ArrayLike],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> ConfidenceInterval:
    """Exact bootstrap interval of a confusion-matrix metric, by multinomial resampling.

    Drawing n rows with replacement from the data makes the resampled confusion matrix
    Multinomial(n, cm / n); all ``n_resamples`` matrices come from one ``rng.multinomial`` call,
    shape (n_resamples, k, k). ``metric_from_cm`` maps such a batch to n_resamples values, like
    `driftscope.metrics.accuracy_from_confusion` or
    ``lambda b: f1_from_confusion(b, average="macro")``. No per-row work, so the cost does not
    depend on n.

    >>> from driftscope.metrics import accuracy_from_confusion
    >>> ci = bootstrap_ci_confusion(np.array([[400, 50], [50, 500]]), accuracy_from_confusion)
    >>> ci.estimate, round(ci.low, 3), round(ci.high, 3)
    (0.9, 0.881, 0.919)
    """
    owner = "bootstrap_ci_confusion"
    resamples, level, rng = _settings(owner, n_resamples, confidence, seed)
    counts = np.asarray(cm)
    if (
        counts.ndim != 2
        or counts.shape[0] != counts.shape[1]
        or counts.dtype.kind not in "iu"
        or counts.size == 0
    ):
        raise invalid_parameter(owner, "cm", "a square (k, k) array of integer counts", cm)
    if int(counts.min()) < 0 or int(counts.sum()) == 0:
        raise invalid_parameter(owner, "cm", "non-negative counts with a positive total", cm)
    counts = counts.astype(np.int64)
    n = int(counts.sum())
    k = counts.shape[0]
    estimate = np.asarray(metric_from_cm(counts[np.newaxis]), dtype=np.float64).reshape(-1)
    if estimate.size != 1:
        raise InputTypeError(
            f"{owner} needs metric_from_cm to return one value per matrix of a (B, k, k) batch. "
            f"Got {estimate.size} values for B = 1."
        )
    draws = rng.multinomial(n, counts.ravel() / n, size=resamples).reshape(resamples, k, k)
    replicates = np.asarray(metric_from_cm(draws), dtype=np.float64)
    if replicates.shape != (resamples,):
        raise InputTypeError(
            f"{owner} needs metric_from_cm to return one value per matrix of a (B, k, k) batch. "
            f"Got shape {replicates.shape} for B = {resamples}."
        )
    return _interval(owner, float(estimate[0]), replicates, level, "multinomial_percentile")


def _ratio_of_sums(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Sum ratios of shape (..., C) averaged over columns with a positive denominator, or (...,)."""
    valid = denominator > 0
    ratio = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=valid)
    if ratio.ndim == 1:
        return np.where(valid, ratio, np.nan)
    n_valid = valid.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = ratio.sum(axis=-1) / n_valid
    return out


def bootstrap_ci_ratio(
    numerators: ArrayLike,
    denominators: ArrayLike,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = 0,
    max_rows: int = 20_000,
) -> ConfidenceInterval:
    """Bootstrap interval of a ratio of sums over resampled units (utterances, images).

    With 1-D arrays (one value per unit) the statistic is ``sum(numerators) / sum(denominators)``,
    e.g. WER from per-utterance errors and reference words. With 2-D arrays (units x classes) it
    is the ratio of column sums, averaged over the columns whose denominator sum is positive, e.g.
    mean IoU from per-image intersections and unions (a class absent from a resample is left out
    of that resample's mean, as `mean_iou` does). Units are resampled with index matrices and the
    sums computed for a block of resamples at once; above ``max_rows`` units the m-out-of-n
    rescaling of `bootstrap_ci` applies.

    >>> errors = np.array([1, 0, 2, 1, 0, 3, 1, 0])
    >>> words = np.array([5, 4, 8, 6, 3, 9, 7, 4])
    >>> ci = bootstrap_ci_ratio(errors, words, n_resamples=2000)
    >>> ci.estimate, ci.low < ci.estimate < ci.high
    (0.17391304347826086, True)
    """
    owner = "bootstrap_ci_ratio"
    resamples, level, rng = _settings(owner, n_resamples, confidence, seed)
    rows_cap = check_int(owner, "max_rows", max_rows, low=2)
    num = np.asarray(numerators, dtype=np.float64)
    den = np.asarray(denominators, dtype=np.float64)
    if num.shape != den.shape or num.ndim not in (1, 2):
        raise ColumnError(
            f"{owner} needs numerators and denominators of the same shape, (n,) or (n, C). "
            f"Got {num.shape} and {den.shape}."
        )
    n = num.shape[0]
    if n == 0:
        raise EmptyDataError(f"{owner} needs at least one unit. Got none.")
    if not (np.isfinite(num).all() and np.isfinite(den).all()) or float(den.min()) < 0:
        raise ColumnError(f"{owner} needs finite numerators and non-negative denominators.")
    estimate = float(_ratio_of_sums(num.sum(axis=0)[np.newaxis], den.sum(axis=0)[np.newaxis])[0])
    if not math.isfinite(estimate):
        raise ColumnError(f"{owner} needs a positive sum of denominators. Got all zero.")
    m, method, scale = _sizes(n, rows_cap)
    columns = 1 if num.ndim == 1 else num.shape[1]
    block = max(1, min(resamples, _BLOCK_VALUES // (2 * m * columns)))
    replicates = np.empty(resamples)
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        index = rng.integers(0, n, size=(size, m))
        replicates[start : start + size] = _ratio_of_sums(
            np.take(num, index, axis=0).sum(axis=1), np.take(den, index, axis=0).sum(axis=1)
        )
    return _interval(owner, estimate, replicates, level, method, scale)
