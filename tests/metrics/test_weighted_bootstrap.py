"""Count-based bootstrap statistics equal the plain metrics, and their intervals are sane."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from driftscope import metrics as M
from driftscope.metrics.weighted_bootstrap import (
    MAX_UNDEFINED_SHARE,
    CountResamples,
    average_precision_from_counts,
    ece_from_counts,
    ece_of_rows,
    mean_from_counts,
    roc_auc_from_counts,
)


def _data(n: int, seed: int, ties: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + rng.normal(0.3, 0.25, n), 0, 1)
    if ties:
        score = np.round(score, 1)
    return y, score


@pytest.mark.parametrize("ties", [False, True])
def test_statistics_with_unit_counts_equal_the_plain_metrics(ties: bool) -> None:
    y, score = _data(3000, 1, ties)
    ones = np.ones((1, y.size))
    positive = y == 1
    assert roc_auc_from_counts(positive, score)(ones)[0] == pytest.approx(roc_auc_score(y, score))
    assert average_precision_from_counts(positive, score)(ones)[0] == pytest.approx(
        average_precision_score(y, score)
    )
    proba = np.column_stack([1 - score, score])
    ece = M.expected_calibration_error(y, proba, np.arange(2))
    assert ece_from_counts(score, y.astype(float))(ones)[0] == pytest.approx(ece)
    losses = (score - y) ** 2
    assert mean_from_counts(losses)(ones)[0] == pytest.approx(M.brier_score(y, proba, np.arange(2)))


def test_counts_weight_rows_like_repeating_them() -> None:
    y, score = _data(500, 2)
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 3, size=(1, y.size)).astype(float)
    repeat = counts[0].astype(int)
    expected = roc_auc_score(np.repeat(y, repeat), np.repeat(score, repeat))
    assert roc_auc_from_counts(y == 1, score)(counts)[0] == pytest.approx(expected)
    expected_ap = average_precision_score(np.repeat(y, repeat), np.repeat(score, repeat))
    assert average_precision_from_counts(y == 1, score)(counts)[0] == pytest.approx(expected_ap)


def test_interval_matches_the_index_bootstrap_and_is_seeded() -> None:
    y, score = _data(4000, 4)
    proba = np.column_stack([1 - score, score])
    resamples = CountResamples.draw(y.size, n_resamples=1000, seed=0)
    fast = resamples.interval(roc_auc_from_counts(y == 1, score), roc_auc_score(y, score))
    slow = M.bootstrap_ci(lambda t, p: M.roc_auc(t, p, np.arange(2)), y, proba, n_resamples=1000)
    assert fast.low < fast.estimate < fast.high
    width_fast, width_slow = fast.high - fast.low, slow.high - slow.low
    assert width_fast == pytest.approx(width_slow, rel=0.15)
    again = resamples.interval(roc_auc_from_counts(y == 1, score), roc_auc_score(y, score))
    assert again == fast


def test_m_out_of_n_rescales_to_the_full_sample_width() -> None:
    rng = np.random.default_rng(5)
    values = rng.normal(size=1_000_000)
    resamples = CountResamples.draw(values.size, n_resamples=400, seed=1, max_rows=20_000)
    assert resamples.method == "m_out_of_n_percentile"
    pool_values = values[resamples.pool]
    ci = resamples.interval(mean_from_counts(pool_values), float(values.mean()))
    expected = 2 * 1.96 / np.sqrt(values.size)
    assert ci.high - ci.low == pytest.approx(expected, rel=0.2)


def test_a_statistic_undefined_on_many_resamples_gets_no_interval_and_no_warning() -> None:
    # Two rows, one of each class: half the resamples hold one class, where ROC-AUC is undefined.
    y, score = np.array([0, 1]), np.array([0.2, 0.9])
    resamples = CountResamples.draw(2, n_resamples=400, seed=0)
    ci = resamples.interval(roc_auc_from_counts(y == 1, score), 1.0)  # warnings are errors
    assert not ci.defined
    assert ci.estimate == 1.0
    assert ci.n_undefined > 100
    assert ci.n_resamples + ci.n_undefined == 400


def test_a_few_undefined_resamples_are_left_out_of_the_interval() -> None:
    y, score = _data(60, 6)
    y[:3], y[3:] = 1, 0  # 3 positives in 60 rows: about 5% of resamples draw none
    resamples = CountResamples.draw(y.size, n_resamples=2000, seed=1)
    statistic = roc_auc_from_counts(y == 1, score)
    ci = resamples.interval(statistic, roc_auc_score(y, score))
    undefined = int(np.count_nonzero(~np.isfinite(np.concatenate(
        [statistic(block) for block in resamples.blocks()]))))  # fmt: skip
    assert ci.n_undefined == undefined
    if undefined <= MAX_UNDEFINED_SHARE * 2000:
        assert ci.defined
        assert ci.n_resamples == 2000 - undefined


@pytest.mark.parametrize("seed", range(5))
def test_centred_calibration_error_interval_holds_the_estimate(seed: int) -> None:
    # ECE resamples sit above the estimate (resamples repeat rows); centred, they hold it.
    rng = np.random.default_rng(seed)
    p1 = rng.uniform(size=400)
    y = (rng.uniform(size=400) < p1).astype(float)
    statistic = ece_from_counts(p1, y)
    estimate = float(statistic(np.ones((1, 400)))[0])
    resamples = CountResamples.draw(400, n_resamples=1000, seed=seed)
    plain = resamples.interval(statistic, estimate)
    centred = resamples.intervals({"ece": (statistic, estimate)}, centred={"ece"})["ece"]
    assert centred.low <= estimate <= centred.high
    assert centred.high - centred.low == pytest.approx(plain.high - plain.low, rel=1e-9)
    assert (plain.low + plain.high) / 2 > (centred.low + centred.high) / 2


@pytest.mark.parametrize("k", [2, 4])
def test_ece_of_rows_equals_the_calibration_error_of_those_rows(k: int) -> None:
    rng = np.random.default_rng(7)
    proba = rng.dirichlet(np.ones(k), size=3000)
    y = rng.integers(0, k, 3000)
    if k == 2:
        confidence, correct = proba[:, 1], (y == 1).astype(float)
    else:
        top = proba.argmax(axis=1)
        confidence, correct = proba[np.arange(3000), top], (top == y).astype(float)
    rows = rng.choice(3000, size=700, replace=False)
    expected = M.expected_calibration_error(y[rows], proba[rows], np.arange(k))
    assert ece_of_rows(confidence, correct)(rows) == pytest.approx(expected, abs=1e-12)
