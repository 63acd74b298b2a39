"""Drift attribution on built cases where the answer is known: the identities against
scikit-learn's losses, covariate shift in one important feature, a large shift in an unused
feature, a concept change, a bundled dataset, and bad input."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_diabetes
from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import log_loss, mean_absolute_error, mean_squared_error

from driftscope.analyses._explain_model import tabular_model
from driftscope.analyses.attribution import (
    FeatureContribution,
    LossAttribution,
    importance_weighted_drift,
    loss_attribution,
    prediction_drift_attribution,
)
from driftscope.analyses.explanation import ExplainBounds
from driftscope.exceptions import ColumnError, EmptyDataError, InputTypeError, ParameterError
from driftscope.models._tabular import ModelRunError

FEATURES = ["x0", "x1", "x2", "unused"]


def _regression_data(n: int, seed: int, shift: float = 0.0, unused: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=FEATURES)
    X["x0"] += shift
    X["unused"] += unused
    return X.assign(y=2 * X["x0"] + X["x1"] + 0.5 * X["x2"] + 0.1 * rng.normal(size=n))


@pytest.fixture(scope="module")
def regressor() -> GradientBoostingRegressor:
    train = _regression_data(1000, 0)
    return GradientBoostingRegressor(n_estimators=60, random_state=0).fit(
        train[FEATURES].to_numpy(), train["y"]
    )


def _values(model: Any) -> Any:
    return lambda frame: model.predict(frame[FEATURES].to_numpy())


@pytest.fixture(scope="module")
def covariate(regressor: GradientBoostingRegressor) -> dict[str, Any]:
    """x0 shifted beyond the training range (the model extrapolates flat, so its loss grows) and
    the unused feature shifted far more."""
    reference = _regression_data(150, 1)
    current = _regression_data(150, 2, shift=2.5, unused=8.0)
    kwargs: dict[str, Any] = {"features": FEATURES, "max_rows": 150, "background": 30}
    return {
        "reference": reference,
        "current": current,
        "loss": loss_attribution(
            _values(regressor), reference, current, target="y", task="regression", **kwargs
        ),
        "prediction": prediction_drift_attribution(
            _values(regressor), reference, current, **kwargs
        ),
    }


def test_loss_parts_add_up_to_the_change_in_squared_error(
    regressor: GradientBoostingRegressor, covariate: dict[str, Any]
) -> None:
    result = covariate["loss"]
    reference, current = covariate["reference"], covariate["current"]
    ref_mse = mean_squared_error(reference["y"], regressor.predict(reference[FEATURES].to_numpy()))
    cur_mse = mean_squared_error(current["y"], regressor.predict(current[FEATURES].to_numpy()))
    assert result.reference_loss == pytest.approx(ref_mse, abs=1e-6)
    assert result.current_loss == pytest.approx(cur_mse, abs=1e-6)
    parts = result.labels + sum(f.contribution for f in result.features)
    assert parts == pytest.approx(cur_mse - ref_mse, abs=1e-6)
    assert result.change == pytest.approx(cur_mse - ref_mse, abs=1e-6)


def test_covariate_shift_in_an_important_feature_ranks_it_first_and_the_unused_one_last(
    covariate: dict[str, Any],
) -> None:
    result = covariate["loss"]
    assert result.attributable
    assert result.change > 0
    assert result.top(1) == ["x0"]
    assert result.features[-1].feature == "unused"
    assert abs(result.features[-1].contribution) < 0.02 * result.change
    # the labels left the reference's range with x0, so the labels' part is most of the change
    # and x0, which the model follows part of the way, pulls against it
    assert result.labels > result.change
    assert result.reason.endswith("of the features, `x0` moves it most")
    weighted = result.importance_weighted
    assert weighted.top(1) == ["x0"]
    assert weighted.features[-1].feature == "unused"
    assert "Wasserstein" in weighted.drift_score
    assert "SHAP" in weighted.importance
    assert "loss" in result.method
    assert json.loads(json.dumps(result.to_dict()))["reason"] == result.reason
    assert result.to_dict()["features"][0]["feature"] == "x0"


def test_prediction_shift_ranks_the_shifted_feature_first_and_adds_up(
    regressor: GradientBoostingRegressor, covariate: dict[str, Any]
) -> None:
    result = covariate["prediction"]
    reference, current = covariate["reference"], covariate["current"]
    shift = (
        regressor.predict(current[FEATURES].to_numpy()).mean()
        - regressor.predict(reference[FEATURES].to_numpy()).mean()
    )
    assert result.mean_shift[0] == pytest.approx(shift, abs=1e-6)
    assert sum(f.mean_shift[0] for f in result.features) == pytest.approx(shift, abs=1e-6)
    assert result.top(1) == ["x0"]
    assert result.features[0].shifted
    assert result.features[-1].feature == "unused"
    assert result.features[-1].share is not None
    assert result.features[-1].share < 0.001
    assert not result.features[-1].shifted
    assert result.outputs == ("predicted value",)
    assert "`x0`" in result.reason


def _concept_data(n: int, seed: int, flipped: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    sign = -1.0 if flipped else 1.0
    score = sign * 2 * X["a"] + X["b"] + 0.3 * rng.normal(size=n)
    return X.assign(label=np.where(score > 0, "yes", "no"))


@pytest.fixture(scope="module")
def concept() -> dict[str, Any]:
    train = _concept_data(1000, 0, flipped=False)
    model = LogisticRegression().fit(train[["a", "b", "c"]], train["label"])
    reference = _concept_data(150, 1, flipped=False)
    current = _concept_data(150, 2, flipped=True)
    predict = tabular_model(model, reference, target="label")
    kwargs: dict[str, Any] = {"features": ["a", "b", "c"], "max_rows": 150, "background": 30}
    return {
        "model": model,
        "reference": reference,
        "current": current,
        "loss": loss_attribution(predict, reference, current, target="label", **kwargs),
        "prediction": prediction_drift_attribution(predict, reference, current, **kwargs),
    }


def test_log_loss_parts_add_up_against_scikit_learn(concept: dict[str, Any]) -> None:
    result, model = concept["loss"], concept["model"]
    features = ["a", "b", "c"]
    expected = {
        side: log_loss(
            concept[side]["label"],
            model.predict_proba(concept[side][features]),
            labels=["no", "yes"],
        )
        for side in ("reference", "current")
    }
    assert result.reference_loss == pytest.approx(expected["reference"], abs=1e-6)
    assert result.current_loss == pytest.approx(expected["current"], abs=1e-6)
    parts = result.labels + sum(f.contribution for f in result.features)
    assert parts == pytest.approx(expected["current"] - expected["reference"], abs=1e-6)


def test_a_concept_change_is_found_in_the_loss_but_not_in_the_predictions(
    concept: dict[str, Any],
) -> None:
    loss, prediction = concept["loss"], concept["prediction"]
    assert loss.attributable
    assert loss.change > 0.5
    assert loss.top(1) == ["a"]
    assert loss.features[-1].feature == "c"
    assert loss.features[0].share is not None
    assert loss.features[0].share > 0.7
    assert abs(loss.labels) < 0.1 * loss.change
    assert loss.reason.endswith("of the log loss increase comes from `a`")
    assert not prediction.attributable
    assert not any(f.shifted for f in prediction.features)
    assert abs(prediction.mean_shift[0]) < 0.1
    assert prediction.outputs == ("probability of class 'yes'",)
    assert "not attributable" in prediction.reason


def test_a_shift_applied_to_one_diabetes_feature_is_ranked_first() -> None:
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    frame = X.assign(target=y)
    train, reference, current = frame.iloc[:242], frame.iloc[242:342], frame.iloc[342:]
    features = list(X.columns)
    model = Ridge(alpha=0.1).fit(train[features], train["target"])
    current = current.assign(bmi=current["bmi"] + 3 * reference["bmi"].std())
    predict = tabular_model(model, reference, target="target")
    kwargs: dict[str, Any] = {"features": features, "max_rows": 100, "background": 20}
    loss = loss_attribution(
        predict, reference, current, target="target", task="regression", **kwargs
    )
    assert loss.attributable
    assert loss.top(1) == ["bmi"]
    prediction = prediction_drift_attribution(predict, reference, current, **kwargs)
    assert prediction.top(1) == ["bmi"]
    assert [f.feature for f in prediction.features if f.shifted] == ["bmi"]


def test_no_change_is_not_attributable(regressor: GradientBoostingRegressor) -> None:
    reference, current = _regression_data(100, 3), _regression_data(100, 4)
    result = loss_attribution(
        _values(regressor),
        reference,
        current,
        target="y",
        features=FEATURES,
        task="regression",
        loss="absolute_error",
        background=20,
    )
    cur_mae = mean_absolute_error(current["y"], regressor.predict(current[FEATURES].to_numpy()))
    assert result.current_loss == pytest.approx(cur_mae, abs=1e-6)
    assert not result.attributable
    assert all(f.share is None for f in result.features)
    assert "not attributable" in result.reason
    assert "absolute error" in result.reason
    # five label bins of up to 20 background rows each
    assert result.bounds.background_rows <= 5 * 20
    assert (result.bounds.reference_rows, result.bounds.current_rows) == (100, 100)


def test_seeded_runs_repeat_and_bounds_hold() -> None:
    rng = np.random.default_rng(5)
    reference = pd.DataFrame(rng.normal(size=(300, 3)), columns=["p", "q", "r"])
    current = reference.assign(p=reference["p"] + 1)
    calls: list[int] = []

    def predict(frame: pd.DataFrame) -> Any:
        calls.append(len(frame))
        return frame["p"] * 2 + frame["q"]

    kwargs: dict[str, Any] = {"features": ["p", "q", "r"], "max_rows": 40, "background": 7}
    first = prediction_drift_attribution(predict, reference, current, seed=3, **kwargs)
    assert max(calls) <= 7 * _largest_batch(3)
    assert calls
    second = prediction_drift_attribution(predict, reference, current, seed=3, **kwargs)
    assert first.to_dict() == second.to_dict()
    bounds = first.bounds
    assert (bounds.reference_rows, bounds.reference_total) == (40, 300)
    assert (bounds.current_rows, bounds.background_rows) == (40, 7)
    assert "40 of 300 reference rows" in bounds.describe()
    other = prediction_drift_attribution(predict, reference, current, seed=4, **kwargs)
    assert other.to_dict() != first.to_dict()


def _largest_batch(n_features: int) -> int:
    """Masked copies of one row the permutation explainer evaluates at once (two permutations
    forward and back: 2 * (2 * features + 1))."""
    return 2 * (2 * n_features + 1)


def test_importance_weighted_drift_shares_and_refusals() -> None:
    result = importance_weighted_drift(
        {"a": 1.0, "b": 3.0, "c": 0.0}, {"a": 0.5, "b": 0.5, "c": 9.0}, drift_score="PSI"
    )
    assert [(f.feature, f.share) for f in result.features] == [
        ("b", 0.75),
        ("a", 0.25),
        ("c", 0.0),
    ]
    assert result.to_dict()["drift_score"] == "PSI"
    with pytest.raises(ColumnError, match="same features"):
        importance_weighted_drift({"a": 1.0}, {"b": 1.0})
    with pytest.raises(ParameterError, match=r"drift\['a'\]"):
        importance_weighted_drift({"a": 1.0}, {"a": -1.0})
    assert importance_weighted_drift({"a": 0.0}, {"a": 1.0}).features[0].share is None


@pytest.fixture(scope="module")
def small() -> dict[str, Any]:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(rng.normal(size=(60, 2)), columns=["u", "v"])
    frame["label"] = np.where(frame["u"] > 0, 1, 0)
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(
        frame[["u", "v"]], frame["label"]
    )
    return {"frame": frame, "model": model}


def _proba(model: Any) -> Any:
    return lambda f: model.predict_proba(f[["u", "v"]])


@pytest.mark.parametrize(
    ("change", "kwargs", "error", "match"),
    [
        (lambda f: f.drop(columns="label"), {}, ColumnError, "no column 'label'"),
        (lambda f: f.drop(columns="v"), {}, ColumnError, "no column 'v'"),
        (lambda f: f.assign(label=f["label"].where(f.index > 3)), {}, EmptyDataError, "missing"),
        (lambda f: f.iloc[:1], {}, EmptyDataError, "1 row"),
        (lambda f: f, {"classes": [0, 1, 2]}, ColumnError, "3 classes were given"),
        (lambda f: f.assign(label=f["label"] + 5), {"classes": [0, 1]}, ColumnError, "not among"),
        (lambda f: f, {"loss": "squared_error"}, ParameterError, "'log_loss' for a classifier"),
        (lambda f: f, {"loss": "hinge"}, ParameterError, "'loss' parameter"),
        (lambda f: f, {"max_rows": 1}, ParameterError, "'max_rows' parameter"),
    ],
)
def test_bad_input_gives_a_clear_error(
    small: dict[str, Any], change: Any, kwargs: dict[str, Any], error: type, match: str
) -> None:
    current = change(small["frame"])
    with pytest.raises(error, match=match):
        loss_attribution(
            _proba(small["model"]),
            small["frame"],
            current,
            target="label",
            features=["u", "v"],
            **kwargs,
        )


def test_a_failing_or_misshaped_model_gives_a_clear_error(small: dict[str, Any]) -> None:
    frame = small["frame"]

    def broken(_: pd.DataFrame) -> Any:
        raise ZeroDivisionError("boom")

    kwargs: dict[str, Any] = {"target": "label", "features": ["u", "v"]}
    with pytest.raises(ModelRunError, match="ZeroDivisionError: boom"):
        loss_attribution(broken, frame, frame, **kwargs)
    with pytest.raises(ModelRunError, match=r"shape \(3,\)"):
        loss_attribution(lambda f: np.zeros(3), frame, frame, **kwargs)
    with pytest.raises(ModelRunError, match="class probabilities"):
        loss_attribution(lambda f: f["u"].to_numpy(), frame, frame, **kwargs)
    with pytest.raises(ModelRunError, match="one value per row"):
        prediction_drift_attribution(_proba(small["model"]), frame, frame, features=["u", "v"])
    with pytest.raises(InputTypeError, match="callable"):
        loss_attribution("model.skops", frame, frame, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="'cover' parameter"):
        loss_attribution(
            _proba(small["model"]), frame, frame, **kwargs, background=5, max_rows=10
        ).summary_sentence(cover=0)


def _loss_result(change: float, labels: float, parts: dict[str, float]) -> LossAttribution:
    features = tuple(
        FeatureContribution(name, value, value / change, 0.01, 0.0, value)
        for name, value in sorted(parts.items(), key=lambda p: -abs(p[1]))
    )
    return LossAttribution(
        method="m",
        task="classification",
        loss="log_loss",
        reference_loss=0.3,
        current_loss=0.3 + change,
        change=change,
        labels=labels,
        noise=0.01,
        attributable=True,
        features=features,
        importance_weighted=importance_weighted_drift({"a": 1.0}, {"a": 1.0}),
        bounds=ExplainBounds(10, 10, 10, 10, 5, 6),
    )


def test_the_sentence_names_the_fewest_features_covering_the_share() -> None:
    two = _loss_result(1.0, 0.0, {"income": 0.4, "age": 0.35, "zip": 0.25})
    assert (
        two.summary_sentence(cover=0.7)
        == "75% of the log loss increase comes from `income` and `age`"
    )
    assert two.summary_sentence(cover=0.4) == "40% of the log loss increase comes from `income`"
    one = _loss_result(1.0, 0.0, {"income": 0.4, "age": -0.2, "zip": 0.8})
    assert one.summary_sentence(cover=0.9, most=1) == (
        "the top feature `zip` explains only 80% of the log loss increase"
    )
    fell = _loss_result(-0.5, 0.0, {"income": -0.45, "age": -0.05})
    assert fell.reason == "90% of the log loss decrease comes from `income`"
    labels = _loss_result(1.0, 0.9, {"income": 0.1})
    assert labels.reason.startswith("the log loss increase comes mostly with the labels' own shift")
