"""Bootstrap confidence intervals: determinism, coverage, and agreement between the three paths."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from driftscope import metrics as dm
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError
from driftscope.metrics import ConfidenceInterval

FloatArray = NDArray[np.float64]


def classification_data(
    n: int, k: int, seed: int
) -> tuple[NDArray[np.int64], FloatArray, NDArray[np.int64]]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, size=n)
    y[:k] = np.arange(k)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.5
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    return y, proba, proba.argmax(axis=1)


def bernoulli_predictions(n: int, p: float, seed: int) -> tuple[NDArray[np.int64], ...]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    return y, np.where(rng.uniform(size=n) < p, y, 1 - y)


# --- every metric has a bootstrap interval ------------------------------------------------------

Y2, P2, _ = classification_data(300, 2, seed=1)
Y3, P3, PRED3 = classification_data(300, 3, seed=2)
_rng = np.random.default_rng(3)
YR = _rng.normal(5.0, 2.0, size=300)
PR = YR + _rng.normal(0.3, 1.0, size=300)
CM3 = dm.confusion_matrix(Y3, PRED3)


def _labels3(f: Callable[..., float]) -> Callable[[NDArray[np.int64], FloatArray], float]:
    return lambda y, p: f(y, p, [0, 1, 2])


INTERVALS: dict[str, Callable[[int], ConfidenceInterval]] = {
    "accuracy": lambda s: dm.bootstrap_ci(dm.accuracy, Y3, PRED3, n_resamples=200, seed=s),
    "balanced_accuracy": lambda s: dm.bootstrap_ci_confusion(
        CM3, dm.balanced_accuracy_from_confusion, seed=s
    ),
    "macro_f1": lambda s: dm.bootstrap_ci_confusion(CM3, dm.f1_from_confusion, seed=s),
    "weighted_precision": lambda s: dm.bootstrap_ci_confusion(
        CM3, lambda b: dm.precision_from_confusion(b, "weighted"), seed=s
    ),
    "micro_recall": lambda s: dm.bootstrap_ci_confusion(
        CM3, lambda b: dm.recall_from_confusion(b, "micro"), seed=s
    ),
    "roc_auc_binary": lambda s: dm.bootstrap_ci(
        lambda y, p: dm.roc_auc(y, p, [0, 1]), Y2, P2, n_resamples=200, seed=s
    ),
    "roc_auc_ovr": lambda s: dm.bootstrap_ci(_labels3(dm.roc_auc), Y3, P3, n_resamples=200, seed=s),
    "pr_auc": lambda s: dm.bootstrap_ci(_labels3(dm.pr_auc), Y3, P3, n_resamples=200, seed=s),
    "log_loss": lambda s: dm.bootstrap_ci(_labels3(dm.log_loss), Y3, P3, n_resamples=200, seed=s),
    "brier": lambda s: dm.bootstrap_ci(_labels3(dm.brier_score), Y3, P3, n_resamples=200, seed=s),
    "ece": lambda s: dm.bootstrap_ci(
        _labels3(dm.expected_calibration_error), Y3, P3, n_resamples=200, seed=s
    ),
    "mae": lambda s: dm.bootstrap_ci(dm.mae, YR, PR, n_resamples=200, seed=s),
    "rmse": lambda s: dm.bootstrap_ci(dm.rmse, YR, PR, n_resamples=200, seed=s),
    "mape": lambda s: dm.bootstrap_ci(
        lambda y, p: dm.mape(y, p).value, YR, PR, n_resamples=200, seed=s
    ),
    "median_absolute_error": lambda s: dm.bootstrap_ci(
        dm.median_absolute_error, YR, PR, n_resamples=200, seed=s
    ),
    "r2": lambda s: dm.bootstrap_ci(dm.r2, YR, PR, n_resamples=200, seed=s),
    "mean_error": lambda s: dm.bootstrap_ci(dm.mean_error, YR, PR, n_resamples=200, seed=s),
}


@pytest.mark.parametrize("name", sorted(INTERVALS))
def test_every_metric_has_a_seeded_interval_around_its_estimate(name: str) -> None:
    first, again, other = INTERVALS[name](0), INTERVALS[name](0), INTERVALS[name](1)
    assert first == again
    assert (first.low, first.high) != (other.low, other.high)
    assert first.estimate == other.estimate
    assert first.low <= first.estimate <= first.high
    assert first.low < first.high
    assert first.confidence == 0.95


def test_estimates_are_the_metric_on_all_rows() -> None:
    assert INTERVALS["macro_f1"](0).estimate == pytest.approx(
        dm.precision_recall_f1(Y3, PRED3).macro.f1
    )
    assert INTERVALS["roc_auc_ovr"](0).estimate == dm.roc_auc(Y3, P3, [0, 1, 2])
    assert INTERVALS["rmse"](0).estimate == dm.rmse(YR, PR)


# --- coverage and agreement ---------------------------------------------------------------------


def test_accuracy_half_width_matches_normal_theory() -> None:
    y, pred = bernoulli_predictions(500, 0.8, seed=7)
    p = dm.accuracy(y, pred)
    normal = 1.96 * math.sqrt(p * (1 - p) / 500)
    index = dm.bootstrap_ci(dm.accuracy, y, pred)
    multinomial = dm.bootstrap_ci_confusion(
        dm.confusion_matrix(y, pred), dm.accuracy_from_confusion
    )
    for ci in (index, multinomial):
        assert (ci.high - ci.low) / 2 == pytest.approx(normal, rel=0.2)
        assert ci.n_resamples == 1000
    assert index.method == "percentile"
    assert multinomial.method == "multinomial_percentile"


def test_confusion_bootstrap_covers_the_true_accuracy() -> None:
    # 300 data sets from a known accuracy of 0.8: a 90% interval should cover it about 90% of
    # the time; with 300 trials the share lies in [0.85, 0.95] with probability > 0.99.
    rng = np.random.default_rng(12)
    covered = 0
    trials = 300
    for trial in range(trials):
        hits = int(rng.binomial(400, 0.8))
        cm = np.array([[hits, 400 - hits], [0, 0]])
        ci = dm.bootstrap_ci_confusion(
            cm, dm.accuracy_from_confusion, confidence=0.9, n_resamples=500, seed=trial
        )
        covered += ci.low <= 0.8 <= ci.high
    assert 0.85 <= covered / trials <= 0.95


@pytest.mark.parametrize(
    "pair",
    [
        (dm.accuracy, dm.accuracy_from_confusion),
        (dm.balanced_accuracy, dm.balanced_accuracy_from_confusion),
        (lambda y, p: dm.precision_recall_f1(y, p).macro.f1, dm.f1_from_confusion),
    ],
    ids=["accuracy", "balanced_accuracy", "macro_f1"],
)
def test_multinomial_and_index_bootstraps_agree(
    pair: tuple[Callable[..., float], Callable[[NDArray[np.int64]], FloatArray]],
) -> None:
    metric, from_cm = pair
    y, _, pred = classification_data(2000, 3, seed=5)
    index = dm.bootstrap_ci(metric, y, pred, n_resamples=4000, seed=1)
    multinomial = dm.bootstrap_ci_confusion(
        dm.confusion_matrix(y, pred), from_cm, n_resamples=4000, seed=2
    )
    assert index.estimate == pytest.approx(multinomial.estimate, rel=1e-12)
    # The percentiles of 4,000 resamples each carry a Monte Carlo error of about 0.04 bootstrap
    # standard deviations; 0.25 of one is more than four of those errors for the difference.
    sd = (index.high - index.low) / (2 * 1.96)
    assert abs(index.low - multinomial.low) < 0.25 * sd
    assert abs(index.high - multinomial.high) < 0.25 * sd


def test_m_out_of_n_width_matches_normal_theory_for_a_mean() -> None:
    x = np.random.default_rng(21).normal(3.0, 2.0, size=1_000_000)
    ci = dm.bootstrap_ci(lambda a: float(np.mean(a)), x)
    assert ci.method == "m_out_of_n_percentile"
    assert ci.estimate == pytest.approx(float(np.mean(x)))
    normal = 2 * 1.96 * float(np.std(x)) / math.sqrt(x.size)
    assert ci.high - ci.low == pytest.approx(normal, rel=0.25)
    assert ci.low < ci.estimate < ci.high


def test_m_out_of_n_agrees_with_the_full_bootstrap() -> None:
    y, pred = bernoulli_predictions(8000, 0.75, seed=3)
    full = dm.bootstrap_ci(dm.accuracy, y, pred, n_resamples=2000)
    sub = dm.bootstrap_ci(dm.accuracy, y, pred, n_resamples=2000, max_rows=2000)
    assert (full.method, sub.method) == ("percentile", "m_out_of_n_percentile")
    assert sub.high - sub.low == pytest.approx(full.high - full.low, rel=0.15)


# --- ratio of sums ------------------------------------------------------------------------------


def test_ratio_bootstrap_for_wer() -> None:
    refs = ["the cat sat on the mat", "hello world", "a quick brown fox", "one two three"] * 25
    hyps = ["the cat sat on mat", "hello there world", "a quick brown box", "one two three"] * 25
    counts = dm.word_errors_per_utterance(refs, hyps)
    ci = dm.bootstrap_ci_ratio(counts.errors, counts.n_reference_units)
    assert ci.estimate == pytest.approx(dm.word_error_rate(refs, hyps).rate)
    assert ci.low < ci.estimate < ci.high
    # The same statistic through the generic path: the intervals agree within Monte Carlo error.
    generic = dm.bootstrap_ci(
        lambda e, n: float(e.sum() / n.sum()), counts.errors, counts.n_reference_units
    )
    sd = (generic.high - generic.low) / (2 * 1.96)
    assert abs(generic.low - ci.low) < 0.35 * sd
    assert abs(generic.high - ci.high) < 0.35 * sd


def test_ratio_bootstrap_for_segmentation() -> None:
    rng = np.random.default_rng(6)
    true = rng.integers(0, 4, size=(40, 8, 8))
    pred = np.where(rng.uniform(size=true.shape) < 0.7, true, rng.integers(0, 4, size=true.shape))
    c = dm.per_image_counts(true, pred)
    iou = dm.bootstrap_ci_ratio(c.intersection, c.union)
    assert iou.estimate == pytest.approx(dm.mean_iou(true, pred))
    dice = dm.bootstrap_ci_ratio(2 * c.intersection, c.true_area + c.pred_area)
    assert dice.estimate == pytest.approx(dm.mean_dice(true, pred))
    accuracy = dm.bootstrap_ci_ratio(c.correct, c.n_pixels)
    assert accuracy.estimate == pytest.approx(dm.pixel_accuracy(true, pred))
    for ci in (iou, dice, accuracy):
        assert ci.low < ci.estimate < ci.high
    assert dm.bootstrap_ci_ratio(c.intersection, c.union) == iou
    assert dm.bootstrap_ci_ratio(c.intersection, c.union, seed=1) != iou


def test_ratio_bootstrap_leaves_out_classes_absent_from_a_resample() -> None:
    # Class 1 appears in one image of 50: many resamples miss it and average over class 0 only.
    intersection = np.zeros((50, 2))
    union = np.zeros((50, 2))
    intersection[:, 0], union[:, 0] = 9, 10
    intersection[0, 1], union[0, 1] = 1, 4
    ci = dm.bootstrap_ci_ratio(intersection, union, n_resamples=500)
    assert ci.estimate == pytest.approx((0.9 + 0.25) / 2)
    assert ci.high == pytest.approx(0.9)


def test_ratio_m_out_of_n_width_matches_the_delta_method() -> None:
    rng = np.random.default_rng(8)
    words = rng.integers(1, 30, size=200_000)
    errors = rng.binomial(words, 0.15)
    ci = dm.bootstrap_ci_ratio(errors, words)
    assert ci.method == "m_out_of_n_percentile"
    rate = errors.sum() / words.sum()
    residual = errors - rate * words
    sd = math.sqrt(np.mean(residual**2) / words.size) / np.mean(words)
    assert ci.high - ci.low == pytest.approx(2 * 1.96 * sd, rel=0.25)


# --- validation ---------------------------------------------------------------------------------


def test_bad_parameters() -> None:
    y = np.array([0, 1, 1])
    with pytest.raises(ParameterError, match=r"^The 'n_resamples' parameter of bootstrap_ci"):
        dm.bootstrap_ci(dm.accuracy, y, y, n_resamples=1)
    with pytest.raises(ParameterError, match=r"'confidence' parameter of bootstrap_ci_ratio"):
        dm.bootstrap_ci_ratio(y, y, confidence=1.0)
    with pytest.raises(ParameterError, match=r"'max_rows' parameter"):
        dm.bootstrap_ci(dm.accuracy, y, y, max_rows=1)
    with pytest.raises(ParameterError, match=r"'seed' parameter"):
        dm.bootstrap_ci(dm.accuracy, y, y, seed=1.5)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"'cm' parameter of bootstrap_ci_confusion"):
        dm.bootstrap_ci_confusion(np.array([[0.5, 0.5], [0, 1]]), dm.accuracy_from_confusion)
    with pytest.raises(ParameterError, match=r"'cm' parameter of bootstrap_ci_confusion"):
        dm.bootstrap_ci_confusion(np.zeros((2, 2), dtype=int), dm.accuracy_from_confusion)


def test_bad_data_and_metrics() -> None:
    y = np.array([0, 1, 1])
    with pytest.raises(ColumnError, match=r"same length\. Got lengths \[3, 2\]"):
        dm.bootstrap_ci(dm.accuracy, y, y[:2])
    with pytest.raises(EmptyDataError):
        dm.bootstrap_ci(dm.accuracy)
    with pytest.raises(TypeError, match=r"returns a float\. Got MAPEResult"):
        dm.bootstrap_ci(dm.mape, np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    with pytest.raises(ColumnError, match=r"NaN or infinite metric value on \d+ of 100"):
        dm.bootstrap_ci(lambda a: float(np.nan if a.sum() < 2 else 1.0), y, n_resamples=100)
    with pytest.raises(TypeError, match="one value per matrix"):
        dm.bootstrap_ci_confusion(np.eye(2, dtype=int), lambda b: np.asarray(b).sum())
    with pytest.raises(ColumnError, match="same shape"):
        dm.bootstrap_ci_ratio(np.ones(3), np.ones(4))
    with pytest.raises(ColumnError, match="positive sum of denominators"):
        dm.bootstrap_ci_ratio(np.ones(3), np.zeros(3))
