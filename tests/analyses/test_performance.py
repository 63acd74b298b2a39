"""`analyses.performance`: metrics against scikit-learn, statuses, baselines and floors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from driftscope.analyses.model import ModelColumns, Task
from driftscope.analyses.performance import PerformanceSettings, metric_label, run_performance


def _side(n: int, accuracy: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    right = rng.random(n) < accuracy
    return pd.DataFrame({"y": y.astype(str), "p": np.where(right, y, 1 - y).astype(str)})


MODEL = ModelColumns(Task.BINARY, "y", "p", (), ("0", "1"), None, None, None)


def test_metrics_equal_scikit_learn_and_a_big_drop_is_an_alert() -> None:
    ref, cur = _side(3000, 0.9, 1), _side(3000, 0.75, 2)
    result, warnings = run_performance(ref, cur, MODEL, PerformanceSettings(n_resamples=200))
    assert result is not None
    assert warnings == []
    accuracy = result.metric("accuracy")
    assert accuracy.reference == pytest.approx(skm.accuracy_score(ref["y"], ref["p"]))
    assert accuracy.current == pytest.approx(skm.accuracy_score(cur["y"], cur["p"]))
    f1 = result.metric("f1_macro")
    assert f1.current == pytest.approx(skm.f1_score(cur["y"], cur["p"], average="macro"))
    assert accuracy.status == "alert"
    assert accuracy.significant
    assert accuracy.current_low is not None
    assert accuracy.current_high is not None
    assert accuracy.current_low <= accuracy.current <= accuracy.current_high
    assert result.status == "alert"


def test_the_same_model_on_fresh_rows_is_ok() -> None:
    result, _ = run_performance(
        _side(3000, 0.9, 3), _side(3000, 0.9, 4), MODEL, PerformanceSettings(n_resamples=200)
    )
    assert result is not None
    assert {m.name: m.status for m in result.metrics if m.primary} == {
        "accuracy": "ok",
        "f1_macro": "ok",
    }


def test_a_benchmark_is_the_baseline_and_a_floor_alerts_below_it() -> None:
    ref, cur = _side(2000, 0.9, 5), _side(2000, 0.9, 6)
    settings = PerformanceSettings(
        n_resamples=200, benchmarks={"accuracy": 0.99}, floors={"f1_macro": 0.95}
    )
    result, _ = run_performance(ref, cur, MODEL, settings)
    assert result is not None
    accuracy, f1 = result.metric("accuracy"), result.metric("f1_macro")
    assert (accuracy.baseline, accuracy.baseline_source) == (0.99, "benchmark")
    assert accuracy.status == "alert"
    assert f1.floor == 0.95
    assert f1.status == "alert"


def test_no_current_labels_gives_no_result_and_says_why() -> None:
    cur = _side(100, 0.9, 7).assign(y=None)
    result, warnings = run_performance(_side(100, 0.9, 8), cur, MODEL, PerformanceSettings())
    assert result is None
    assert warnings


def test_metric_labels_read_as_words() -> None:
    assert metric_label("f1_macro") == "F1 (macro)"
    assert metric_label("no_such_metric") == "no_such_metric"
