"""`driftscope.explain` on tabular models, checked against shap's own explainers and on built
cases where the answer is known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from driftscope import explain
from driftscope.analyses._shap import import_shap
from driftscope.analyses.explanation import ExplainSettings
from driftscope.exceptions import ColumnError, EmptyDataError, InputTypeError, ParameterError
from driftscope.models._tabular import ModelRunError


@pytest.fixture(scope="module")
def cancer() -> tuple[pd.DataFrame, pd.Series]:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


def _two_of_ten(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(1500, 10)), columns=[f"x{i}" for i in range(10)])
    y = (2 * X["x3"] - 1.5 * X["x7"] + 0.1 * rng.normal(size=1500) > 0).astype(int)
    return X, y


def test_tree_values_match_shap_and_add_up(cancer: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = cancer
    model = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X, y)
    result = explain(model, X, max_rows=200, seed=1)
    assert result.explainer == "tree"
    assert result.outputs == ("log-odds of class '1'",)
    assert result.additivity is not None
    assert result.additivity < 1e-6
    rows = X.iloc[np.sort(np.random.default_rng(1).choice(len(X), 200, replace=False))]
    oracle = import_shap().TreeExplainer(model).shap_values(rows.to_numpy())
    assert result.reference_values is not None
    np.testing.assert_allclose(result.reference_values[:, :, 0], oracle, atol=1e-9)


def test_linear_with_scaler_equals_shap_on_the_scaled_data() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), MinMaxScaler(), Ridge(alpha=0.5)).fit(X, y)
    result = explain(model, X, background=len(X), max_rows=len(X))
    assert result.explainer == "linear"
    assert result.additivity is not None
    assert result.additivity < 1e-6
    shap = import_shap()
    scaled = model[:-1].transform(X)
    oracle = shap.LinearExplainer(model[-1], shap.maskers.Independent(scaled, len(X)))
    assert result.reference_values is not None
    np.testing.assert_allclose(
        result.reference_values[:, :, 0], oracle.shap_values(scaled), atol=1e-9
    )


@pytest.mark.parametrize(
    "model",
    [
        GradientBoostingClassifier(n_estimators=40, random_state=0),
        make_pipeline(StandardScaler(), LogisticRegression()),
        "permutation",
    ],
    ids=["tree", "linear", "permutation"],
)
def test_a_model_using_two_of_ten_features_puts_them_first(model: object) -> None:
    X, y = _two_of_ten()
    method = "auto"
    if model == "permutation":
        model, method = make_pipeline(StandardScaler(), LogisticRegression()), "permutation"
    fitted = model.fit(X, y)  # type: ignore[attr-defined]
    result = explain(fitted, X, method=method, max_rows=40, background=30)
    assert set(result.top(2, side="reference")) == {"x3", "x7"}
    if result.additivity is not None:
        assert result.additivity < 1e-6


def test_permutation_adds_up_on_multiclass_and_is_seeded() -> None:
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, y)
    first = explain(model, X, max_rows=40, background=30, seed=3)
    again = explain(model, X, max_rows=40, background=30, seed=3)
    assert first.explainer == "permutation"  # shap's tree explainer reads binary GB only
    assert any("permutation explainer was used" in w for w in first.warnings)
    assert len(first.outputs) == 3
    assert first.additivity is not None
    assert first.additivity < 1e-6
    assert first.reference_values is not None
    assert again.reference_values is not None
    np.testing.assert_array_equal(first.reference_values, again.reference_values)
    assert {"petal length (cm)", "petal width (cm)"} >= set(first.top(1, side="reference"))


def test_importance_change_and_worst_rows_first(cancer: tuple[pd.DataFrame, pd.Series]) -> None:
    X, y = cancer
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(X, y)
    reference = X.assign(target=y)
    current = reference.copy()
    current["worst texture"] = current["worst texture"] * 1.8  # shifted: its weight counts more
    result = explain(model, reference, current, target="target", rows=4)
    texture = next(i for i in result.importance if i.feature == "worst texture")
    assert texture.change is not None
    assert texture.change > 0
    assert texture.current_rank == 1
    assert result.top(1) == ["worst texture"]
    losses = [r.loss for r in result.rows]
    assert all(loss is not None for loss in losses)
    assert losses == sorted(losses, reverse=True)  # type: ignore[type-var]
    assert result.rows[0].side == "current"
    row = result.rows[0]
    assert row.base_value is not None
    assert abs(row.base_value + sum(c.contribution for c in row.contributions) - row.value) < 1e-6
    assert len(result.dependence) == 5
    assert result.dependence[0].feature == "worst texture"


def test_onnx_model_explained_like_its_scikit_learn_twin(tmp_path: Path) -> None:
    from skl2onnx import to_onnx

    X, y = _two_of_ten()
    model = LogisticRegression().fit(X.to_numpy(np.float32), y)
    path = tmp_path / "model.onnx"
    path.write_bytes(
        to_onnx(model, X.to_numpy(np.float32)[:1], options={"zipmap": False}).SerializeToString()
    )
    onnx_result = explain(path, X, features=list(X.columns), max_rows=60)
    twin = explain(lambda frame: model.predict_proba(frame.to_numpy(np.float32)), X, max_rows=60)
    assert onnx_result.explainer == twin.explainer == "permutation"
    assert onnx_result.reference_values is not None
    assert twin.reference_values is not None
    np.testing.assert_allclose(onnx_result.reference_values, twin.reference_values, atol=1e-5)
    assert set(onnx_result.top(2, side="reference")) == {"x3", "x7"}


def test_lime_is_seeded_and_finds_the_used_features() -> None:
    X, y = _two_of_ten()
    model = LogisticRegression().fit(X, y)
    first = explain(model, X, method="lime", max_rows=15, seed=4)
    again = explain(model, X, method="lime", max_rows=15, seed=4)
    other = explain(model, X, method="lime", max_rows=15, seed=5)
    assert first.explainer == "lime"
    assert first.additivity is None
    assert first.reference_values is not None
    assert again.reference_values is not None
    assert other.reference_values is not None
    np.testing.assert_array_equal(first.reference_values, again.reference_values)
    assert not np.array_equal(first.reference_values, other.reference_values)
    assert set(first.top(2, side="reference")) == {"x3", "x7"}


def test_categorical_inputs_through_a_pipeline() -> None:
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "colour": rng.choice(["red", "green", "blue"], 600),
            "noise": rng.normal(size=600),
            "size": rng.normal(size=600),
        }
    )
    y = ((frame["colour"] == "red") * 2 + frame["size"] > 1).astype(int)
    model = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["colour"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(frame, y)
    result = explain(model, frame, max_rows=80)
    assert result.explainer == "permutation"
    assert result.top(1, side="reference") == ["colour"]
    assert result.importance[-1].feature == "noise"
    assert result.additivity is not None
    assert result.additivity < 1e-6
    with pytest.raises(ColumnError, match="'colour' holds categories"):
        explain(model, frame, method="linear")


def test_bounds_are_respected_and_described() -> None:
    X, y = _two_of_ten()
    model = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    result = explain(model, X, X.iloc[:300], max_rows=100, background=30)
    assert result.bounds.reference_rows == 100
    assert result.bounds.reference_total == 1500
    assert result.bounds.current_rows == 100
    assert result.bounds.current_total == 300
    assert result.bounds.describe().startswith("explained 100 of 1,500 reference rows")
    assert result.to_dict()["bounds"]["background_rows"] == 30


def test_bad_input_is_named(tmp_path: Path) -> None:
    X, y = _two_of_ten()
    model = LinearRegression().fit(X, y)
    with pytest.raises(ColumnError, match="no column 'x3'"):
        explain(model, X.drop(columns=["x3"]))
    with pytest.raises(ColumnError, match="current has no column 'x9'"):
        explain(model, X, X.drop(columns=["x9"]))
    with pytest.raises(EmptyDataError, match="reference has no rows"):
        explain(model, X.iloc[:0])
    with pytest.raises(ModelRunError, match="does not exist"):
        explain("missing.skops", X)
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(b"not read")
    with pytest.raises(ModelRunError, match="runs code when loaded"):
        explain(pickled, X)  # refused before it is even read
    with pytest.raises(ParameterError, match="'method' parameter"):
        explain(model, X, method="magic")
    with pytest.raises(ParameterError, match="method='tree' needs"):
        explain(model, X, method="tree")
    with pytest.raises(ModelRunError, match="not numbers"):
        explain(lambda frame: np.array(["yes"] * len(frame)), X)
    with pytest.raises(ModelRunError, match="returned shape"):
        explain(lambda frame: np.ones(3), X)
    with pytest.raises(ParameterError, match="max_rows"):
        ExplainSettings(max_rows=0)


def test_one_row_and_constant_features_are_explained_with_a_note() -> None:
    X, y = _two_of_ten()
    X["flat"] = 1.0
    model = LinearRegression().fit(X, y)
    result = explain(model, X.iloc[:1])
    assert any("one row" in w for w in result.warnings)
    result = explain(model, X)
    assert any("'flat'" in w for w in result.warnings)
    flat = next(i for i in result.importance if i.feature == "flat")
    assert flat.reference == 0.0


def test_chosen_rows_are_explained_in_the_order_given() -> None:
    X, y = _two_of_ten()
    model = LogisticRegression().fit(X, y)
    current = X.iloc[1000:]
    result = explain(model, X.iloc[:1000], current, select=[1400, 1003], max_rows=50)
    assert [r.row for r in result.rows] == [1400, 1003]
    row = result.rows[0]
    assert row.base_value is not None
    assert abs(row.base_value + sum(c.contribution for c in row.contributions) - row.value) < 1e-9
    with pytest.raises(ParameterError, match="no row labelled 7"):
        explain(model, X.iloc[:1000], current, select=[7])


def test_a_missing_extra_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from driftscope.exceptions import ExtraMissingError

    monkeypatch.setitem(sys.modules, "shap", None)
    X, y = _two_of_ten()
    model = GradientBoostingClassifier(n_estimators=5).fit(X, y)
    with pytest.raises(ExtraMissingError, match=r"pip install 'driftscope\[explain\]'"):
        explain(model, X)


def test_an_object_that_is_no_model_is_refused() -> None:
    X, _ = _two_of_ten()
    with pytest.raises(InputTypeError, match="expected a scikit-learn estimator"):
        explain({"weights": [1, 2]}, X)


def test_a_model_fitted_on_an_array_is_given_arrays() -> None:
    # Given a frame, scikit-learn would warn that the model was fitted without feature names
    # (and the suite turns warnings into errors).
    X, y = _two_of_ten()
    model = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X.to_numpy(), y)
    result = explain(model, X, features=list(X.columns), method="permutation", max_rows=20)
    assert set(result.top(2, side="reference")) == {"x3", "x7"}
