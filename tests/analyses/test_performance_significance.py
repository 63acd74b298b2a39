"""A drop is significant when it is beyond the uncertainty of the difference, not of one side.

The reference value is measured on a sample too: a random split of 147 rows a side moved R² from
0.566 to 0.404, its 95% interval [0.273, 0.521] missed the reference value, and the verdict was
"retrain" (tests/test_real_data.py). A benchmark is a fixed number and keeps the one-sided rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import driftscope
from driftscope.analyses.model import Task
from driftscope.analyses.performance import (
    MIN_INTERVAL_ROWS,
    PerformanceSettings,
    _family_widening,
    _judge,
)


def test_a_drop_inside_both_sides_uncertainty_is_ok_and_says_so() -> None:
    # Current 0.75 [0.71, 0.79]: its interval misses the reference 0.80, but with the
    # reference's own half-width (equal rows: the same) the margin is 0.057 > 0.05.
    result = _judge(
        "accuracy",
        Task.BINARY,
        (0.80, None, None),
        (0.75, 0.71, 0.79),
        PerformanceSettings(),
        reference_scale=1.0,
    )
    assert not result.significant
    assert result.status == "ok"
    assert "within sampling error" in result.message


def test_the_same_drop_against_a_benchmark_is_an_alert() -> None:
    result = _judge(
        "accuracy",
        Task.BINARY,
        (0.80, None, None),
        (0.75, 0.71, 0.79),
        PerformanceSettings(benchmarks={"accuracy": 0.80}),
        reference_scale=1.0,
    )
    assert result.significant
    assert result.status == "alert"
    assert "(benchmark)" in result.message


def test_a_much_larger_reference_leaves_the_current_interval_alone() -> None:
    # n_reference = 100 x n_current: the reference is almost exact, the old rule holds.
    result = _judge(
        "accuracy",
        Task.BINARY,
        (0.80, None, None),
        (0.75, 0.71, 0.79),
        PerformanceSettings(),
        reference_scale=0.1,
    )
    assert result.significant
    assert result.status == "alert"


def test_the_family_widens_the_margin() -> None:
    # 0.06 below the reference: beyond hypot(0.04, 0.04) = 0.057 alone, not beyond it widened
    # for three metrics (x 1.22).
    args = ("accuracy", Task.BINARY, (0.80, None, None), (0.74, 0.70, 0.78), PerformanceSettings())
    assert _judge(*args, reference_scale=1.0).significant
    assert not _judge(*args, reference_scale=1.0, widen=_family_widening(0.95, 3)).significant
    assert _family_widening(0.95, 3) == pytest.approx(1.221, abs=1e-3)


@pytest.mark.parametrize("benchmarks", [{}, {"accuracy": 0.90}])
def test_an_interval_without_width_never_makes_a_drop_significant(
    benchmarks: dict[str, float],
) -> None:
    # Every resample alike gives [0.5, 0.5]: a margin of 0, which any drop used to exceed.
    result = _judge(
        "accuracy",
        Task.BINARY,
        (0.90, None, None),
        (0.50, 0.50, 0.50),
        PerformanceSettings(benchmarks=benchmarks),
        reference_scale=1.0,
    )
    assert not result.significant
    assert result.status == "ok"
    assert "not judged" in result.message


def _frames(n_current: int, right: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)
    ref = pd.DataFrame({"x": rng.normal(size=400), "label": rng.integers(0, 2, 400)})
    ref["pred"] = np.where(rng.random(400) < 0.95, ref["label"], 1 - ref["label"])
    label = rng.integers(0, 2, n_current)
    label[:2] = [0, 1]
    pred = np.where(np.arange(n_current) < right, label, 1 - label)
    cur = pd.DataFrame({"x": rng.normal(size=n_current), "label": label, "pred": pred})
    return ref, cur


def _performance(ref: pd.DataFrame, cur: pd.DataFrame) -> driftscope.Report:
    return driftscope.monitor(
        ref, cur, target="label", prediction="pred", multivariate=False, n_resamples=200
    )


def test_below_the_minimum_rows_metrics_have_no_interval_and_no_significance() -> None:
    ref, cur = _frames(MIN_INTERVAL_ROWS - 1, right=MIN_INTERVAL_ROWS // 2)
    report = _performance(ref, cur)
    assert report.performance is not None
    for metric in report.performance.metrics:
        assert metric.current_low is None
        assert metric.current_high is None
        assert not metric.significant
        assert metric.note is not None
        assert f"fewer than {MIN_INTERVAL_ROWS}" in metric.note
    accuracy = report.performance.metric("accuracy")
    assert accuracy.current == pytest.approx((MIN_INTERVAL_ROWS // 2) / (MIN_INTERVAL_ROWS - 1))
    assert "not judged without a confidence interval" in accuracy.message
    assert report.performance.status == "ok"


def test_at_the_minimum_rows_metrics_have_intervals() -> None:
    ref, cur = _frames(MIN_INTERVAL_ROWS, right=MIN_INTERVAL_ROWS // 2)
    report = _performance(ref, cur)
    assert report.performance is not None
    accuracy = report.performance.metric("accuracy")
    assert accuracy.current_low is not None
    assert accuracy.significant
    assert report.performance.status == "alert"


def test_a_model_wrong_on_every_row_is_still_a_significant_drop() -> None:
    # Labels swapped: every resample reads 0, an interval without width; the exact binomial
    # interval of 0 right in 200 rows, [0, 0.018], keeps the drop significant.
    ref, cur = _frames(200, right=0)
    report = _performance(ref, cur)
    assert report.performance is not None
    accuracy = report.performance.metric("accuracy")
    assert accuracy.current == 0.0
    assert accuracy.current_low == 0.0
    assert accuracy.current_high == pytest.approx(1 - 0.025 ** (1 / 200))
    assert accuracy.note is not None
    assert "Clopper-Pearson" in accuracy.note
    assert accuracy.significant
    assert report.verdict is not None
    assert report.verdict.decision == "retrain"
