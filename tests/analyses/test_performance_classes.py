"""Macro averages in monitoring are over the classes each side holds, as scikit-learn's.

The confusion matrix of a side spans every class the model knows; a class with no row on that
side (true or predicted) counted as 0 once gave a perfect two-row window a macro F1 of 0.5 and a
"significant" drop, and a digits current set without class 3 a macro F1 of 0.86 for sklearn's
0.95.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import driftscope

_MACRO = {
    "precision_macro": lambda y, p: skm.precision_score(y, p, average="macro", zero_division=0),
    "recall_macro": lambda y, p: skm.recall_score(y, p, average="macro", zero_division=0),
    "f1_macro": lambda y, p: skm.f1_score(y, p, average="macro", zero_division=0),
    "f1_weighted": lambda y, p: skm.f1_score(y, p, average="weighted", zero_division=0),
}


def _monitor(ref: pd.DataFrame, cur: pd.DataFrame) -> driftscope.Report:
    return driftscope.monitor(
        ref, cur, target="label", prediction="pred", multivariate=False, n_resamples=200
    )


def test_digits_current_without_a_class_matches_sklearn_on_both_sides() -> None:
    bunch = load_digits(as_frame=True)
    x = bunch.data.loc[:, bunch.data.nunique() > 1]  # type: ignore[attr-defined]
    y = bunch.target  # type: ignore[attr-defined]
    order = np.random.default_rng(0).permutation(len(x))
    train, ref_rows, cur_rows = np.array_split(order, 3)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    model.fit(x.iloc[train], y.iloc[train])

    def scored(rows: np.ndarray) -> pd.DataFrame:
        out = x.iloc[rows].reset_index(drop=True)
        return out.assign(label=y.iloc[rows].to_numpy(), pred=model.predict(x.iloc[rows]))

    ref, cur = scored(ref_rows), scored(cur_rows)
    cur = cur[(cur["label"] != 3) & (cur["pred"] != 3)].reset_index(drop=True)
    report = _monitor(ref, cur)
    assert report.performance is not None
    for name, oracle in _MACRO.items():
        metric = report.performance.metric(name)
        assert metric.current == pytest.approx(oracle(cur["label"], cur["pred"]), rel=1e-12)
        assert metric.reference == pytest.approx(oracle(ref["label"], ref["pred"]), rel=1e-12)
        assert metric.current_low is not None
        assert metric.current_high is not None
        assert metric.current_low <= metric.current <= metric.current_high
    assert report.performance.metric("f1_macro").status == "ok"


def test_a_window_of_rows_all_predicted_right_is_not_a_drop() -> None:
    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(size=300), "label": rng.integers(0, 3, 300)})
    ref["pred"] = np.where(rng.random(300) < 0.9, ref["label"], (ref["label"] + 1) % 3)
    cur = pd.DataFrame({"x": rng.normal(size=2), "label": [0, 1], "pred": [0, 1]})
    report = _monitor(ref, cur)
    assert report.performance is not None
    for name in _MACRO:
        metric = report.performance.metric(name)
        assert metric.current == 1.0
        assert not metric.significant
        assert metric.status == "ok"
    assert report.performance.status == "ok"
    assert report.verdict is not None
    assert report.verdict.decision == "ok"
