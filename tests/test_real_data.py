"""Decisions on real data: scikit-learn's bundled sets, split at random and split by a feature.

A random split of one source has no drift: the dataset verdict is "no drift" and the model's
verdict is "ok". A split by a feature moves the inputs: the dataset drifts. Concept drift is
called only where the labelling rule changed; a split whose two sides do not overlap at all is
refused ("outside what the model was validated on"), never called concept drift.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import driftscope

Loader = Callable[..., object]
_CLASSIFIERS: dict[str, Loader] = {
    "breast_cancer": load_breast_cancer,
    "wine": load_wine,
    "digits": load_digits,
}


def _frame(loader: Loader) -> tuple[pd.DataFrame, pd.Series]:
    bunch = loader(as_frame=True)
    data = bunch.data  # type: ignore[attr-defined]
    # digits has 64 pixel columns, some constant; keep the ones that vary.
    data = data.loc[:, data.nunique() > 1]
    return data, bunch.target  # type: ignore[attr-defined]


def _scored(
    features: pd.DataFrame, target: pd.Series, train: np.ndarray, rows: np.ndarray, task: str
) -> pd.DataFrame:
    """The rows of ``rows`` with the label, the prediction (and probabilities) of a model fitted
    on ``train``."""
    if task == "regression":
        model = make_pipeline(StandardScaler(), Ridge()).fit(
            features.iloc[train], target.iloc[train]
        )
    else:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(
            features.iloc[train], target.iloc[train]
        )
    out = features.iloc[rows].reset_index(drop=True).copy()
    out["label"] = target.iloc[rows].to_numpy()
    out["pred"] = model.predict(features.iloc[rows])
    return out


def _random_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(n)
    third = n // 3
    return order[:third], order[third : 2 * third], order[2 * third :]


@pytest.mark.parametrize("name", sorted(_CLASSIFIERS))
@pytest.mark.parametrize("seed", [0, 1])
def test_random_split_of_a_classification_set_is_ok(name: str, seed: int) -> None:
    features, target = _frame(_CLASSIFIERS[name])
    train, reference, current = _random_split(len(features), seed)
    report = driftscope.monitor(
        _scored(features, target, train, reference, "classification"),
        _scored(features, target, train, current, "classification"),
        target="label",
        prediction="pred",
        seed=seed,
    )
    assert not report.drift.dataset.drifted, report.drift.dataset.summary
    assert report.drift.dataset.summary.startswith("No dataset drift")
    assert report.verdict.decision == "ok", [r.message for r in report.verdict.reasons]


@pytest.mark.parametrize("seed", [0, 1])
def test_random_split_of_diabetes_is_ok(seed: int) -> None:
    features, target = _frame(load_diabetes)
    train, reference, current = _random_split(len(features), seed)
    report = driftscope.monitor(
        _scored(features, target, train, reference, "regression"),
        _scored(features, target, train, current, "regression"),
        target="label",
        prediction="pred",
        task="regression",
        seed=seed,
    )
    assert not report.drift.dataset.drifted, report.drift.dataset.summary
    assert report.verdict.decision == "ok", [r.message for r in report.verdict.reasons]


@pytest.mark.parametrize(
    ("name", "column"),
    [("breast_cancer", "mean texture"), ("wine", "alcohol"), ("diabetes", "bmi")],
)
def test_split_by_a_feature_is_dataset_drift(name: str, column: str) -> None:
    loader = {**_CLASSIFIERS, "diabetes": load_diabetes}[name]
    features, _ = _frame(loader)
    order = np.argsort(features[column].to_numpy(), kind="stable")
    half = len(order) // 2
    report = driftscope.compare(features.iloc[order[:half]], features.iloc[order[half:]])
    assert report.drift.column(column).drifted
    assert report.drift.dataset.drifted, report.drift.dataset.summary
    assert report.drift.dataset.summary.startswith("Dataset drift")


def test_inputs_that_do_not_overlap_are_refused_not_called_concept_drift() -> None:
    """Breast cancer split by mean radius: no current row looks like a reference row."""
    features, target = _frame(load_breast_cancer)
    order = np.argsort(features["mean radius"].to_numpy(), kind="stable")
    half = len(order) // 2
    reference, current = order[:half], order[half:]
    report = driftscope.monitor(
        _scored(features, target, reference, reference, "classification"),
        _scored(features, target, reference, current, "classification"),
        target="label",
        prediction="pred",
    )
    concept = report.concept_drift
    assert concept is not None
    assert concept.domain_auc > 0.95
    assert not concept.separable
    assert not concept.drifted
    messages = [r.message for r in report.verdict.reasons]
    assert any("outside what the model was validated on" in m for m in messages), messages
    assert not any(m.startswith("Concept drift:") for m in messages), messages


def test_concept_drift_only_where_the_labelling_rule_changed() -> None:
    """Wine, random split; in current, the labels of one class are swapped with another's for
    rows where alcohol is high: the inputs are the same, the rule is not."""
    features, target = _frame(load_digits)
    train, reference, current = _random_split(len(features), 3)
    ref = _scored(features, target, train, reference, "classification")
    same = _scored(features, target, train, current, "classification")
    changed = same.copy()
    flip = changed["label"].isin([3, 8])
    changed.loc[flip, "label"] = changed.loc[flip, "label"].map({3: 8, 8: 3})
    unchanged_report = driftscope.monitor(ref, same, target="label", prediction="pred")
    changed_report = driftscope.monitor(ref, changed, target="label", prediction="pred")
    assert unchanged_report.concept_drift is not None
    assert not unchanged_report.concept_drift.drifted
    assert changed_report.concept_drift is not None
    assert changed_report.concept_drift.drifted
    assert not changed_report.drift.dataset.drifted, changed_report.drift.dataset.summary
