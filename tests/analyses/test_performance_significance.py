"""A drop is significant when it is beyond the uncertainty of the difference, not of one side.

The reference value is measured on a sample too: a random split of 147 rows a side moved R² from
0.566 to 0.404, its 95% interval [0.273, 0.521] missed the reference value, and the verdict was
"retrain" (tests/test_real_data.py). A benchmark is a fixed number and keeps the one-sided rule.
"""

from __future__ import annotations

import pytest

from driftscope.analyses.model import Task
from driftscope.analyses.performance import PerformanceSettings, _family_widening, _judge


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
