"""The public surface of `driftscope.metrics`."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pickle

import numpy as np
import pytest

from driftscope import metrics

EXPECTED_ALL = [
    "ERROR_QUANTILE_LEVELS",
    "PRF",
    "ASRErrors",
    "ConfidenceInterval",
    "ErrorDistribution",
    "MAPEResult",
    "PRFAverage",
    "ReliabilityCurve",
    "SegmentationCounts",
    "UtteranceErrors",
    "accuracy",
    "accuracy_from_confusion",
    "balanced_accuracy",
    "balanced_accuracy_from_confusion",
    "bootstrap_ci",
    "bootstrap_ci_confusion",
    "bootstrap_ci_ratio",
    "brier_score",
    "character_error_rate",
    "character_errors_per_utterance",
    "confusion_matrix",
    "dice_per_class",
    "error_distribution",
    "expected_calibration_error",
    "f1_from_confusion",
    "iou_per_class",
    "log_loss",
    "mae",
    "mape",
    "mean_dice",
    "mean_error",
    "mean_iou",
    "median_absolute_error",
    "per_image_counts",
    "pixel_accuracy",
    "pr_auc",
    "precision_from_confusion",
    "precision_recall_f1",
    "r2",
    "recall_from_confusion",
    "reliability_curve",
    "rmse",
    "roc_auc",
    "segmentation_confusion_matrix",
    "word_error_rate",
    "word_errors_per_utterance",
]

SUBMODULES = ["bootstrap", "classification", "regression", "segmentation", "speech"]


def test_all_is_the_expected_list() -> None:
    assert metrics.__all__ == EXPECTED_ALL


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from driftscope.metrics import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(EXPECTED_ALL)


def test_every_submodule_export_is_public() -> None:
    exported = set()
    for name in SUBMODULES:
        module = importlib.import_module(f"driftscope.metrics.{name}")
        exported.update(module.__all__)
        for item in module.__all__:
            assert getattr(metrics, item) is getattr(module, item)
    assert exported == set(EXPECTED_ALL)


def test_results_are_frozen_dataclasses_that_pickle() -> None:
    results = [
        metrics.precision_recall_f1([0, 1, 1], [0, 1, 0]),
        metrics.reliability_curve([0, 1], [[0.7, 0.3], [0.2, 0.8]], [0, 1]),
        metrics.mape([1.0, 2.0], [1.5, 2.0]),
        metrics.error_distribution([1.0, 2.0], [1.5, 2.0]),
        metrics.word_error_rate(["a b"], ["a c"]),
        metrics.bootstrap_ci(metrics.accuracy, np.array([0, 1, 1]), np.array([0, 1, 0])),
    ]
    for result in results:
        assert dataclasses.is_dataclass(result)
        params = type(result).__dataclass_params__  # type: ignore[attr-defined]
        assert params.frozen
        # repr, not ==: empty reliability bins hold NaN, which never equals itself.
        assert repr(pickle.loads(pickle.dumps(result))) == repr(result)


@pytest.mark.parametrize(
    "name", [n for n in EXPECTED_ALL if inspect.isfunction(getattr(metrics, n))]
)
def test_every_function_has_a_docstring_example(name: str) -> None:
    doc = inspect.getdoc(getattr(metrics, name))
    assert doc is not None
    assert ">>>" in doc
