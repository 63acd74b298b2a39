"""XGBoost and LightGBM models under `driftscope.explain`: shap's exact tree explainer, checked
against each library's own raw output (XGBoost's margin, LightGBM's raw score) and against
shap's `TreeExplainer` on the same rows, given directly and behind a scaler."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import lightgbm
import numpy as np
import pandas as pd
import pytest
import xgboost
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from driftscope import explain
from driftscope.analyses._shap import import_shap
from driftscope.analyses.explanation import Explanation
from driftscope.exceptions import ColumnError

# One thread each: the suite runs a worker per core.
MODELS: dict[str, tuple[Callable[[], Any], str]] = {
    "xgboost-binary": (
        lambda: xgboost.XGBClassifier(n_estimators=30, max_depth=3, n_jobs=1, random_state=0),
        "binary",
    ),
    "xgboost-multiclass": (
        lambda: xgboost.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1, random_state=0),
        "multiclass",
    ),
    "xgboost-regressor": (
        lambda: xgboost.XGBRegressor(n_estimators=30, max_depth=3, n_jobs=1, random_state=0),
        "regression",
    ),
    "lightgbm-binary": (
        lambda: lightgbm.LGBMClassifier(n_estimators=30, n_jobs=1, verbose=-1, random_state=0),
        "binary",
    ),
    "lightgbm-multiclass": (
        lambda: lightgbm.LGBMClassifier(n_estimators=20, n_jobs=1, verbose=-1, random_state=0),
        "multiclass",
    ),
    "lightgbm-regressor": (
        lambda: lightgbm.LGBMRegressor(n_estimators=30, n_jobs=1, verbose=-1, random_state=0),
        "regression",
    ),
}


def _data(task: str, rows: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(rows, 5)), columns=["a", "b", "c", "d", "e"])
    signal = 2 * X["a"] - X["c"] + 0.5 * X["b"] * X["d"]
    if task == "binary":
        return X, (signal + rng.logistic(size=rows) > 0).astype(int)
    if task == "multiclass":
        return X, pd.Series(np.digitize(signal, [-1.0, 1.0]), name="y")
    return X, signal + 0.1 * rng.normal(size=rows)


def _two_of_ten(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(1000, 10)), columns=[f"x{i}" for i in range(10)])
    y = (2 * X["x3"] - 1.5 * X["x7"] + 0.1 * rng.normal(size=1000) > 0).astype(int)
    return X, y


def _final(model: Any) -> Any:
    return model[-1] if isinstance(model, Pipeline) else model


def _inputs(model: Any, rows: pd.DataFrame) -> Any:
    """The rows as the booster itself takes them (after the scaler, in a pipeline)."""
    return model[:-1].transform(rows) if isinstance(model, Pipeline) else rows


def _raw(model: Any, rows: pd.DataFrame) -> np.ndarray:
    """The library's own raw output: what shap's tree explainer explains."""
    final, inputs = _final(model), _inputs(model, rows)
    if isinstance(final, xgboost.XGBModel):
        raw = final.predict(inputs, output_margin=True)
    else:
        raw = final.predict(inputs, raw_score=True)
    return np.asarray(raw, dtype=np.float64).reshape(len(rows), -1)


def _assert_adds_up(
    model: Any, values: np.ndarray, base: tuple[float, ...] | None, raw: np.ndarray
) -> float:
    """Base value + attributions = the library's raw output, row by row and output by output;
    returns the largest gap."""
    assert base is not None
    total = values.sum(axis=1) + np.asarray(base)[None, :]
    gap = np.abs(total - raw)
    if isinstance(_final(model), xgboost.XGBModel):
        # XGBoost adds its trees up in single precision, its margin and its SHAP values alike:
        # they agree to float32 rounding, a few parts in 10 million of the terms' size (1e-6
        # absolute fails on a margin of 10). LightGBM works in double precision.
        size = np.abs(values).sum(axis=1) + np.abs(np.asarray(base))[None, :]
        assert (gap <= 1e-5 * np.maximum(size, 1.0)).all(), gap.max()
    else:
        assert gap.max() < 1e-6
    return float(gap.max())


def _assert_both_sides_add_up(
    model: Any, result: Explanation, reference: pd.DataFrame, current: pd.DataFrame
) -> None:
    """The tree explainer was used, and every row of both sides adds up to the raw output."""
    assert result.explainer == "tree"
    assert result.reference_values is not None
    assert result.current_values is not None
    _assert_adds_up(model, result.reference_values, result.base_values, _raw(model, reference))
    _assert_adds_up(model, result.current_values, result.base_values, _raw(model, current))


def _expected_outputs(task: str, classes: list[str]) -> tuple[str, ...]:
    if task == "regression":
        return ("predicted value",)
    if task == "binary":
        return (f"log-odds of class {classes[1]!r}",)
    return tuple(f"softmax margin of class {c!r}" for c in classes)


@pytest.mark.parametrize("scaled", [False, True], ids=["direct", "scaler"])
@pytest.mark.parametrize("name", list(MODELS))
def test_tree_explainer_adds_up_to_the_raw_output_and_equals_shap(name: str, scaled: bool) -> None:
    make, task = MODELS[name]
    X, y = _data(task)
    model = make_pipeline(StandardScaler(), make()) if scaled else make()
    model.fit(X, y)
    result = explain(model, X, max_rows=len(X))
    assert result.explainer == "tree"
    classes = [str(c) for c in getattr(model, "classes_", [])]
    assert result.outputs == _expected_outputs(task, classes)
    assert result.warnings == ()
    values = result.reference_values
    assert values is not None
    assert values.shape == (len(X), 5, 3 if task == "multiclass" else 1)
    raw = _raw(model, X)
    gap = _assert_adds_up(model, values, result.base_values, raw)
    assert result.additivity == pytest.approx(gap, abs=1e-12)
    oracle = import_shap().TreeExplainer(_final(model))(_inputs(model, X))
    expected = np.asarray(oracle.values, dtype=np.float64).reshape(values.shape)
    np.testing.assert_allclose(values, expected, atol=1e-6)
    np.testing.assert_allclose(
        result.base_values, np.atleast_1d(oracle.base_values[0]).astype(float), atol=1e-6
    )
    assert set(result.top(2, side="reference")) == {"a", "c"}


@pytest.mark.parametrize(
    ("make", "dataset"),
    [
        (lambda: xgboost.XGBClassifier(n_estimators=50, n_jobs=1, random_state=0), "cancer"),
        (lambda: lightgbm.LGBMClassifier(n_estimators=50, n_jobs=1, verbose=-1), "cancer"),
        (lambda: xgboost.XGBRegressor(n_estimators=50, n_jobs=1, random_state=0), "diabetes"),
        (lambda: lightgbm.LGBMRegressor(n_estimators=50, n_jobs=1, verbose=-1), "diabetes"),
    ],
    ids=["xgboost-cancer", "lightgbm-cancer", "xgboost-diabetes", "lightgbm-diabetes"],
)
def test_on_scikit_learn_datasets(make: Callable[[], Any], dataset: str) -> None:
    load = load_breast_cancer if dataset == "cancer" else load_diabetes
    X, y = load(return_X_y=True, as_frame=True)
    model = make().fit(X, y)
    reference, current = X.iloc[:300], X.iloc[300:]
    result = explain(model, reference, current, max_rows=len(X))
    _assert_both_sides_add_up(model, result, reference, current)
    assert result.features == tuple(X.columns)
    assert result.current_values is not None
    oracle = import_shap().TreeExplainer(model)(current)
    np.testing.assert_allclose(
        result.current_values[:, :, 0], np.asarray(oracle.values, dtype=np.float64), atol=1e-6
    )
    # The importance is the mean |SHAP value| on each side, as shap's own values give it.
    top = max(result.importance, key=lambda i: i.current or 0.0)
    assert top.current == pytest.approx(float(np.abs(oracle.values).mean(axis=0).max()))


@pytest.mark.parametrize(
    "make",
    [
        lambda: xgboost.XGBClassifier(n_estimators=40, max_depth=3, n_jobs=1, random_state=0),
        lambda: lightgbm.LGBMClassifier(n_estimators=40, n_jobs=1, verbose=-1, random_state=0),
    ],
    ids=["xgboost", "lightgbm"],
)
def test_a_model_using_two_of_ten_features_puts_them_first(make: Callable[[], Any]) -> None:
    X, y = _two_of_ten()
    result = explain(make().fit(X, y), X, max_rows=200)
    assert result.explainer == "tree"
    assert set(result.top(2, side="reference")) == {"x3", "x7"}
    rest = [i.reference for i in result.importance[2:]]
    assert max(r or 0.0 for r in rest) < 0.1 * min(
        i.reference or 0.0 for i in result.importance[:2]
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda X, y: xgboost.XGBClassifier(n_estimators=10, n_jobs=1).fit(X, y),
        lambda X, y: lightgbm.LGBMClassifier(n_estimators=10, n_jobs=1, verbose=-1).fit(X, y),
        # a scaler that hands the booster a frame: the booster knows the column names
        lambda X, y: make_pipeline(
            StandardScaler().set_output(transform="pandas"),
            lightgbm.LGBMClassifier(n_estimators=10, n_jobs=1, verbose=-1),
        ).fit(X, y),
        # fitted on an array: given arrays, not frames (LightGBM would warn of the names)
        lambda X, y: lightgbm.LGBMClassifier(n_estimators=10, n_jobs=1, verbose=-1).fit(
            X.to_numpy(), y
        ),
    ],
    ids=["xgboost-frame", "lightgbm-frame", "lightgbm-pandas-scaler", "lightgbm-array"],
)
def test_no_warning_leaks_on_frames(build: Callable[[pd.DataFrame, pd.Series], Any]) -> None:
    X, y = _data("binary", rows=400)
    model = build(X, y)
    reference = X.iloc[:200].assign(label=y.iloc[:200])
    current = X.iloc[200:].assign(label=y.iloc[200:])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = explain(model, reference, current, target="label", features=list(X.columns))
    assert [str(w.message) for w in caught] == []
    assert result.explainer == "tree"
    assert result.rows[0].loss is not None  # the rows' predictions ran on frames too
    row = result.rows[0]
    assert row.base_value is not None
    total = row.base_value + sum(c.contribution for c in row.contributions)
    assert total == pytest.approx(row.value, abs=1e-5)


def _cities(rows: int = 800, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "size": rng.normal(size=rows),
            "noise": rng.normal(size=rows),
            "member": rng.random(rows) < 0.5,
            "city": pd.Categorical(rng.choice(["lima", "oslo", "paris", "rome"], size=rows)),
        }
    )
    lift = X["city"].map({"lima": -1.0, "oslo": 0.0, "paris": 0.5, "rome": 2.5}).astype(float)
    signal = X["size"] + lift + 0.7 * X["member"] + 0.3 * rng.logistic(size=rows)
    return X, (signal > 0.5).astype(int)


@pytest.mark.parametrize(
    "make",
    [
        lambda: xgboost.XGBClassifier(
            n_estimators=30, max_depth=3, enable_categorical=True, n_jobs=1, random_state=0
        ),
        lambda: lightgbm.LGBMClassifier(n_estimators=30, n_jobs=1, verbose=-1, random_state=0),
    ],
    ids=["xgboost", "lightgbm"],
)
def test_native_categories_and_booleans_are_explained_by_the_tree_explainer(
    make: Callable[[], Any],
) -> None:
    X, y = _cities()
    model = make().fit(X, y)
    # The first rows again with their categories listed in another order, and a row with a
    # city the model never saw: both libraries match categories by name, so the first rows get
    # the same attributions, and every row adds up to the model's own output.
    current = pd.concat([X.iloc[:6], X.iloc[:1]], ignore_index=True)
    current["city"] = pd.Categorical(
        [*X["city"].iloc[:6].astype(str), "berlin"],
        categories=["rome", "paris", "oslo", "lima", "berlin"],
    )
    result = explain(model, X, current, max_rows=len(X))
    _assert_both_sides_add_up(model, result, X, current)
    assert result.top(1, side="reference") == ["city"]
    assert result.importance[-1].feature == "noise"
    assert result.reference_values is not None
    assert result.current_values is not None
    np.testing.assert_allclose(result.current_values[:6], result.reference_values[:6], atol=1e-6)
    assert not np.allclose(result.current_values[6], result.reference_values[0])
    oracle = import_shap().TreeExplainer(model)(X)
    np.testing.assert_allclose(
        result.reference_values[:, :, 0], np.asarray(oracle.values, dtype=np.float64), atol=1e-6
    )
    contributions = {c.feature: c.value for c in result.rows[0].contributions}
    assert contributions["city"] == current["city"].iloc[0]  # the label, not a code


def test_categories_the_tree_explainer_cannot_read_are_refused_by_name() -> None:
    X, y = _cities()
    X = X.drop(columns=["member"])
    # scikit-learn's histogram boosting splits on categories too, but shap cannot read those
    # splits: 'auto' uses the permutation explainer, and 'tree' says what to do.
    model = HistGradientBoostingClassifier(
        max_iter=20, categorical_features="from_dtype", random_state=0
    ).fit(X, y)
    with pytest.raises(
        ColumnError, match=r"column 'city' holds category values\. Use method='permutation'"
    ):
        explain(model, X, method="tree")
    result = explain(model, X, max_rows=40, background=30)
    assert result.explainer == "permutation"
    assert result.top(1, side="reference") == ["city"]


@pytest.mark.parametrize(
    ("model", "task", "label"),
    [
        (
            xgboost.XGBRegressor(objective="count:poisson", n_estimators=20, n_jobs=1),
            "counts",
            "log of predicted value",
        ),
        (
            lightgbm.LGBMRegressor(objective="poisson", n_estimators=20, n_jobs=1, verbose=-1),
            "counts",
            "log of predicted value",
        ),
        (
            lightgbm.LGBMClassifier(
                objective="multiclassova", n_estimators=20, n_jobs=1, verbose=-1
            ),
            "multiclass",
            "log-odds of class '0'",
        ),
    ],
    ids=["xgboost-poisson", "lightgbm-poisson", "lightgbm-one-vs-all"],
)
def test_the_output_label_names_the_raw_output(model: Any, task: str, label: str) -> None:
    X, signal = _data("regression" if task == "counts" else task)
    y = (
        np.random.default_rng(1).poisson(np.exp(0.5 * signal.clip(-3, 3)))
        if task == "counts"
        else signal
    )
    model.fit(X, y)
    result = explain(model, X, max_rows=len(X))
    assert result.explainer == "tree"
    assert result.outputs[0] == label
    assert result.reference_values is not None
    raw = _raw(model, X)
    _assert_adds_up(model, result.reference_values, result.base_values, raw)
    if task == "counts":  # the raw output is the log of what the model predicts
        np.testing.assert_allclose(np.exp(raw[:, 0]), model.predict(X), rtol=1e-5)
