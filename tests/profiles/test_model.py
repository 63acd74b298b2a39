"""Model columns in a profile: the confusion counts and the regression sums merge exactly and
give scikit-learn's metrics on the union."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    mean_absolute_error,
    r2_score,
    root_mean_squared_error,
)

from driftscope.exceptions import SchemaError
from driftscope.profiles import ConfusionCounts, ModelProfile, ProfileSettings, RegressionSums


def test_confusion_counts_merge_to_scikit_learns_matrix_of_the_union() -> None:
    rng = np.random.default_rng(0)
    target = rng.choice(["cat", "dog", "eel"], 900)
    prediction = np.where(rng.random(900) < 0.7, target, rng.choice(["cat", "dog", "fox"], 900))
    parts = [slice(0, 100), slice(100, 500), slice(500, 900)]
    counts = [ConfusionCounts.from_labels(target[s], prediction[s]) for s in parts]
    merged = counts[2].merge(counts[0]).merge(counts[1])
    assert merged == counts[0].merge(counts[1].merge(counts[2]))
    labels = sorted(set(target) | set(prediction))
    assert merged.labels == tuple(labels)
    expected = confusion_matrix(target, prediction, labels=labels)
    assert merged.array().tolist() == expected.tolist()
    assert merged.accuracy == pytest.approx(accuracy_score(target, prediction))


def test_confusion_counts_past_the_cap_are_truncated() -> None:
    config = ProfileSettings(max_classes=3)
    a = ConfusionCounts.from_labels(np.array(["a", "b"]), np.array(["a", "a"]), config)
    b = ConfusionCounts.from_labels(np.array(["c", "d"]), np.array(["c", "c"]), config)
    assert not a.truncated
    assert a.merge(b).truncated
    assert a.merge(b).labels == ()
    assert math.isnan(a.merge(b).accuracy)


def test_regression_sums_give_scikit_learns_metrics_of_the_union() -> None:
    rng = np.random.default_rng(1)
    y = rng.normal(50, 10, 1000)
    p = y + rng.normal(1, 3, 1000)
    sums = [RegressionSums.from_values(y[s], p[s]) for s in (slice(0, 10), slice(10, 1000))]
    merged = sums[1].merge(sums[0])
    assert merged.count == 1000
    assert merged.mae == pytest.approx(mean_absolute_error(y, p), rel=1e-12)
    assert merged.rmse == pytest.approx(root_mean_squared_error(y, p), rel=1e-12)
    assert merged.r2 == pytest.approx(r2_score(y, p), rel=1e-9)
    assert merged.mean_error == pytest.approx(np.mean(p - y), rel=1e-9)
    with_nan = RegressionSums.from_values(np.array([1.0, np.nan]), np.array([2.0, 3.0]))
    assert with_nan.count == 1
    assert math.isnan(with_nan.r2)


def test_model_profiles_of_other_columns_do_not_merge() -> None:
    sums = RegressionSums.from_values(np.ones(2), np.ones(2))
    a = ModelProfile("y", "p", 0, None, sums)
    with pytest.raises(SchemaError, match="target='y', prediction='p' with target='y2'"):
        a.merge(ModelProfile("y2", "p", 0, None, sums))
    confusion = ConfusionCounts.from_labels(np.array(["a"]), np.array(["a"]))
    with pytest.raises(SchemaError, match="class labels and the other as numbers"):
        a.merge(ModelProfile("y", "p", 0, confusion, None))
