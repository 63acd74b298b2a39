"""Explanations of a tabular model: which features drive its output, on the baseline and on a run.

SHAP values through the shap library: the exact tree explainer (path-dependent) for tree
ensembles (scikit-learn, XGBoost, LightGBM), exact linear attributions for linear models (a
scaler before the model is folded into its weights), and shap's permutation explainer, with a
bounded seeded background sample from the reference, for anything else (an ONNX file, a
pipeline with encoders, a callable). LIME's tabular explainer on request. Attributions are
always on the user's own columns. See docs/explain.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope._validate import check_choice, check_int
from driftscope.analyses._explain_model import TabularModel, tabular_model
from driftscope.analyses._shap import import_lime, import_shap
from driftscope.analyses.image_explanation import OVERLAY_SIDE, ImageExplanation
from driftscope.analyses.text_explanation import (
    TextExplainSettings,
    TextExplanation,
    explain_text_column,
)
from driftscope.exceptions import ColumnError, DriftscopeError, EmptyDataError, ParameterError

__all__ = [
    "DependencePoints",
    "ExplainBounds",
    "ExplainSettings",
    "Explainer",
    "Explanation",
    "ExplanationsSection",
    "FeatureImportance",
    "RowExplanation",
    "explain",
    "explanations_from_frames",
    "text_explanations_section",
]

#: Tree ensembles shap's exact tree explainer reads (module prefix, class names).
_TREE_MODULES = ("sklearn.ensemble", "sklearn.tree", "xgboost", "lightgbm")
#: Of those, the boosting libraries: they split on pandas categories themselves, and shap's tree
#: explainer asks them for the values (their own tree SHAP), so they are given frames.
_BOOSTER_MODULES = ("xgboost", "lightgbm")
#: Boosting objectives whose raw output is the log of the predicted value (a log link), and
#: those whose raw output is its logit: the tree explainer explains that raw output.
_LOG_OBJECTIVES = ("poisson", "gamma", "tweedie", "cox", "aft")
_LOGIT_OBJECTIVES = ("reg:logistic", "cross_entropy", "xentropy")
#: LightGBM's one-vs-all multiclass objective and its aliases: a log-odds per class.
_ONE_VS_ALL = ("multiclassova", "multiclass_ova", "ova", "ovr")
#: Points of a dependence plot kept per side.
_DEPENDENCE_POINTS = 200


class Explainer(StrEnum):
    AUTO = "auto"
    TREE = "tree"
    LINEAR = "linear"
    PERMUTATION = "permutation"
    LIME = "lime"


@dataclass(frozen=True)
class ExplainSettings:
    """How much to explain, and how.

    ``max_rows`` rows of each side are explained (a seeded sample when there are more);
    ``background`` reference rows stand for "feature unknown" in the linear, permutation and
    LIME explainers; ``max_evals`` bounds the permutation explainer's masked evaluations per row,
    each costing ``background`` model rows (None: two forward-and-back permutations,
    ``4 * features + 2``; at least ``2 * features + 1``, one permutation, which is exact for a
    model without interactions); ``lime_samples`` the perturbed samples LIME draws per row;
    ``rows`` the rows explained one by one (the worst errors first); ``top`` the features given
    a dependence plot.
    """

    method: str = "auto"
    max_rows: int = 1000
    background: int = 100
    max_evals: int | None = None
    lime_samples: int = 1000
    rows: int = 5
    top: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("ExplainSettings", "method", self.method, [str(e) for e in Explainer])
        check_int("ExplainSettings", "max_rows", self.max_rows, low=1)
        check_int("ExplainSettings", "background", self.background, low=1)
        check_int("ExplainSettings", "max_evals", self.max_evals, low=3, allow_none=True)
        check_int("ExplainSettings", "lime_samples", self.lime_samples, low=10)
        check_int("ExplainSettings", "rows", self.rows, low=0)
        check_int("ExplainSettings", "top", self.top, low=0)
        check_int("ExplainSettings", "seed", self.seed, low=0)


@dataclass(frozen=True)
class FeatureImportance:
    """A feature's global importance: the mean absolute attribution on each side (None where
    that side was not explained), the change, and its rank on each side (1 = most important)."""

    feature: str
    reference: float | None
    current: float | None
    change: float | None
    reference_rank: int | None
    current_rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "reference": self.reference,
            "current": self.current,
            "change": self.change,
            "reference_rank": self.reference_rank,
            "current_rank": self.current_rank,
        }


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: Any
    contribution: float

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": self.value, "contribution": self.contribution}


@dataclass(frozen=True)
class RowExplanation:
    """One row explained: its position in the input (``row``, the frame's index label), the
    output explained and its value, the base value the contributions start from, the model's
    prediction, the label and the row's loss where the label is known, and each feature's
    contribution (largest first)."""

    side: str
    row: Any
    output: str
    value: float
    base_value: float | None
    prediction: Any
    actual: Any
    loss: float | None
    contributions: tuple[Contribution, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "row": self.row,
            "output": self.output,
            "value": self.value,
            "base_value": self.base_value,
            "prediction": self.prediction,
            "actual": self.actual,
            "loss": self.loss,
            "contributions": [c.to_dict() for c in self.contributions],
        }


@dataclass(frozen=True)
class DependencePoints:
    """A dependence plot's points for one feature: its values and its attributions, a sample of
    at most 200 rows per side."""

    feature: str
    reference_values: tuple[Any, ...]
    reference_attributions: tuple[float, ...]
    current_values: tuple[Any, ...]
    current_attributions: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "reference": {
                "values": list(self.reference_values),
                "attributions": list(self.reference_attributions),
            },
            "current": {
                "values": list(self.current_values),
                "attributions": list(self.current_attributions),
            },
        }


@dataclass(frozen=True)
class ExplainBounds:
    """What was explained of what was given, so a report can print it."""

    reference_rows: int
    reference_total: int
    current_rows: int
    current_total: int
    background_rows: int
    evaluations_per_row: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_rows": self.reference_rows,
            "reference_total": self.reference_total,
            "current_rows": self.current_rows,
            "current_total": self.current_total,
            "background_rows": self.background_rows,
            "evaluations_per_row": self.evaluations_per_row,
        }

    def describe(self) -> str:
        parts = [f"{self.reference_rows:,} of {self.reference_total:,} reference rows"]
        if self.current_total:
            parts.append(f"{self.current_rows:,} of {self.current_total:,} current rows")
        parts.append(f"background {self.background_rows:,} rows")
        if self.evaluations_per_row is not None:
            parts.append(f"at most {self.evaluations_per_row:,} model calls per row")
        return "explained " + ", ".join(parts)


@dataclass(frozen=True)
class Explanation:
    """Attributions of a model's output to its features, on the reference and (optionally) on a
    current run.

    ``explainer`` says which method made them; ``outputs`` what was explained (for a classifier
    the probability, log-odds or softmax margin of each explained class, else the predicted
    value or, for a boosted regressor with a log link, its log);
    ``importance`` each feature's mean absolute attribution on both sides, most important (on
    current, else reference) first; ``rows`` single rows explained (the worst errors first where
    labels exist); ``dependence`` the top features' dependence plots; ``additivity`` the largest
    gap between base value plus attributions and the model's output over the explained rows
    (None for LIME, whose weights are not meant to add up). The raw attributions are kept in
    ``reference_values``/``current_values`` (rows x features x outputs) for further analysis.
    """

    explainer: str
    model: str
    outputs: tuple[str, ...]
    features: tuple[str, ...]
    base_values: tuple[float, ...] | None
    importance: tuple[FeatureImportance, ...]
    rows: tuple[RowExplanation, ...]
    dependence: tuple[DependencePoints, ...]
    bounds: ExplainBounds
    additivity: float | None
    warnings: tuple[str, ...] = ()
    reference_values: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)
    current_values: NDArray[np.float64] | None = field(default=None, repr=False, compare=False)

    def top(self, n: int = 3, side: str = "current") -> list[str]:
        """The ``n`` most important features on ``side`` (``"current"`` or ``"reference"``)."""
        key = "current" if side == "current" else "reference"
        ranked = sorted(
            (i for i in self.importance if getattr(i, key) is not None),
            key=lambda i: -float(getattr(i, key)),
        )
        return [i.feature for i in ranked[:n]]

    def risen(self, share: float) -> list[str]:
        """The features whose importance on current rose by more than ``share`` of the
        reference's total importance (the sum over features): what the model leans on now that
        it did not before. Empty when current was not explained.

        >>> item = FeatureImportance("a", 0.1, 0.5, 0.4, 2, 1)
        >>> other = FeatureImportance("b", 0.9, 0.9, 0.0, 1, 2)
        >>> bounds = ExplainBounds(10, 10, 10, 10, 10, None)
        >>> Explanation("linear", "m", ("y",), ("a", "b"), None, (item, other), (), (), bounds,
        ...             None).risen(0.25)
        ['a']
        """
        total = sum(i.reference or 0.0 for i in self.importance)
        return [
            i.feature
            for i in self.importance
            if i.change is not None and total > 0 and i.change > share * total
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "explainer": self.explainer,
            "model": self.model,
            "outputs": list(self.outputs),
            "features": list(self.features),
            "base_values": None if self.base_values is None else list(self.base_values),
            "importance": [i.to_dict() for i in self.importance],
            "rows": [r.to_dict() for r in self.rows],
            "dependence": [d.to_dict() for d in self.dependence],
            "bounds": self.bounds.to_dict(),
            "additivity": self.additivity,
            "warnings": list(self.warnings),
        }


# --- inputs -------------------------------------------------------------------------------


def _sample(frame: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    if len(frame) <= n:
        return frame
    rng = np.random.default_rng(seed)
    return frame.iloc[np.sort(rng.choice(len(frame), size=n, replace=False))]


@dataclass(frozen=True)
class _Codes:
    """Feature columns as one float matrix: numbers as they are, categories as integer codes,
    so shap's maskers (which subtract and compare numbers) can mix rows; ``frame`` turns a
    matrix back into the user's columns and values."""

    features: tuple[str, ...]
    categories: dict[str, NDArray[Any]]
    dtypes: dict[str, Any]

    @classmethod
    def of(cls, features: Sequence[str], *frames: pd.DataFrame) -> _Codes:
        categories: dict[str, NDArray[Any]] = {}
        dtypes: dict[str, Any] = {}
        for name in features:
            column = frames[0][name]
            dtypes[name] = column.dtype
            if not (
                pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
            ):
                values = pd.concat([f[name] for f in frames], ignore_index=True)
                categories[name] = pd.unique(values.astype(object).to_numpy())
        return cls(tuple(features), categories, dtypes)

    def matrix(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        out = np.empty((len(frame), len(self.features)), dtype=np.float64)
        for j, name in enumerate(self.features):
            if name in self.categories:
                codes = pd.Index(self.categories[name]).get_indexer(
                    frame[name].astype(object).to_numpy()
                )
                out[:, j] = codes.astype(np.float64)
            else:
                out[:, j] = frame[name].to_numpy(dtype=np.float64, na_value=np.nan)
        return out

    def frame(self, matrix: NDArray[np.float64]) -> pd.DataFrame:
        if not self.categories:
            return pd.DataFrame(matrix, columns=list(self.features), copy=False)
        columns: dict[str, Any] = {}
        for j, name in enumerate(self.features):
            if name in self.categories:
                codes = np.nan_to_num(matrix[:, j], nan=-1).astype(np.int64)
                values = self.categories[name][np.clip(codes, 0, None)]
                columns[name] = pd.Series(values, dtype=object).where(codes >= 0, None)
                if self.dtypes[name] is not np.dtype(object):
                    columns[name] = columns[name].astype(self.dtypes[name])
            else:
                columns[name] = matrix[:, j]
        return pd.DataFrame(columns)


# --- explainers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attributions:
    """What one explainer gives for a set of rows: values (rows x features x outputs), the base
    value of each output, and the explained output itself (rows x outputs)."""

    values: NDArray[np.float64]
    base: NDArray[np.float64] | None
    output: NDArray[np.float64] | None


def _is_tree(estimator: Any) -> bool:
    module = type(estimator).__module__
    return module.startswith(_TREE_MODULES) and hasattr(estimator, "fit")


def _is_booster(estimator: Any) -> bool:
    return _is_tree(estimator) and type(estimator).__module__.startswith(_BOOSTER_MODULES)


def _reads_categories(model: TabularModel, codes: _Codes) -> bool:
    """Whether the tree explainer can take the category columns as they are: an XGBoost or
    LightGBM model given with nothing before it, and each such column a pandas category (or
    boolean) column, which those libraries split on natively."""
    return (
        model.steps is None
        and _is_booster(model.final)
        and all(
            isinstance(codes.dtypes[name], pd.CategoricalDtype)
            or pd.api.types.is_bool_dtype(codes.dtypes[name])
            for name in codes.categories
        )
    )


def _is_linear(estimator: Any) -> bool:
    return type(estimator).__module__.startswith("sklearn.linear_model") and hasattr(
        estimator, "coef_"
    )


def _choose(model: TabularModel, method: str, codes: _Codes) -> Explainer:
    wanted = Explainer(method)
    if wanted is not Explainer.AUTO:
        if wanted is Explainer.TREE and not (_is_tree(model.final) and model.one_to_one):
            raise ParameterError(
                f"method='tree' needs a scikit-learn, XGBoost or LightGBM tree model, with only "
                f"scalers or imputers before it; model {model.name} is not one. Use "
                "method='auto' or 'permutation'."
            )
        if wanted is Explainer.TREE and codes.categories and not _reads_categories(model, codes):
            name = next(iter(codes.categories))
            raise ColumnError(
                f"method='tree' needs numeric inputs, or pandas category columns given straight "
                f"to an XGBoost or LightGBM model; column {name!r} holds "
                f"{codes.dtypes[name]} values. Use method='permutation'."
            )
        if wanted is Explainer.LINEAR:
            if codes.categories:
                name = next(iter(codes.categories))
                raise ColumnError(
                    f"method='linear' needs numeric inputs; column {name!r} holds categories. "
                    "Encode it in the model's pipeline and use method='permutation'."
                )
            if not (_is_linear(model.final) and model.affine):
                raise ParameterError(
                    f"method='linear' needs a scikit-learn linear model, with only scalers "
                    f"before it; model {model.name} is not one. Use method='auto' or "
                    "'permutation'."
                )
        return wanted
    if model.final is not None:
        numeric = not codes.categories
        if (
            _is_tree(model.final)
            and model.one_to_one
            and (numeric or _reads_categories(model, codes))
        ):
            return Explainer.TREE
        if numeric and _is_linear(model.final) and model.affine:
            return Explainer.LINEAR
    return Explainer.PERMUTATION


def _objective(booster: Any) -> str:
    """An XGBoost or LightGBM model's training objective, as the library names it."""
    if type(booster).__module__.startswith("xgboost"):
        config = json.loads(booster.get_booster().save_config())
        return str(config["learner"]["objective"]["name"])
    return str(getattr(booster, "objective_", ""))


def _outputs(model: TabularModel, explainer: Explainer) -> tuple[str, ...]:
    booster = explainer is Explainer.TREE and _is_booster(model.final)
    objective = _objective(model.final) if booster else ""
    if not model.is_classifier:
        if objective.endswith(_LOG_OBJECTIVES):
            return ("log of predicted value",)
        if objective.startswith(_LOGIT_OBJECTIVES):
            return ("logit of predicted value",)
        return ("predicted value",)
    scale = "probability"
    if explainer is Explainer.LINEAR or (
        explainer is Explainer.TREE
        and not type(model.final).__name__.startswith(
            ("RandomForest", "ExtraTrees", "DecisionTree")
        )
    ):
        scale = "log-odds"
    if booster and len(model.classes) > 2 and objective not in _ONE_VS_ALL:
        # A softmax model's raw outputs: only the difference of two classes' margins is a
        # log-odds (of one class against the other); one alone is log-probability plus a
        # constant of the row. LightGBM's one-vs-all multiclass gives true log-odds per class.
        scale = "softmax margin"
    classes = model.classes[1:] if len(model.classes) == 2 else model.classes
    return tuple(f"{scale} of class {c!r}" for c in classes)


def _as_3d(values: Any, n_outputs: int) -> NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.shape[2] == 2 and n_outputs == 1:  # a binary classifier's two mirrored outputs
        array = array[:, :, 1:]
    return array


def _tree_inputs(model: TabularModel, frame: pd.DataFrame) -> Any:
    """The rows as the final step takes them: a float matrix, but a frame for an XGBoost or
    LightGBM model fitted on one (with its column names, so LightGBM does not warn, and with
    pandas categories as they are, which both split on natively)."""
    inputs = model.transform(frame[list(model.features)])
    names = getattr(model.final, "feature_names_in_", None)
    if not _is_booster(model.final) or names is None:
        return np.asarray(inputs, dtype=np.float64)
    if isinstance(inputs, pd.DataFrame):
        return inputs
    return pd.DataFrame(np.asarray(inputs, dtype=np.float64), columns=list(names))


def _raw_output(model: TabularModel, inputs: Any, explainer: Any) -> NDArray[np.float64]:
    """The raw output the tree explainer's values add up to: XGBoost's margin and LightGBM's
    raw score from the model itself (shap's copy of an XGBoost 3 multiclass model keeps only
    the first class's base score, so its own prediction is off for the others), scikit-learn's
    from shap's copy of the trees."""
    module = type(model.final).__module__
    if module.startswith("xgboost"):
        raw = model.final.predict(inputs, output_margin=True)
    elif module.startswith("lightgbm"):
        raw = model.final.predict(inputs, raw_score=True)
    else:
        raw = explainer.model.predict(inputs)
    return np.asarray(raw, dtype=np.float64)


def _tree(model: TabularModel, frame: pd.DataFrame, n_outputs: int) -> _Attributions:
    shap = import_shap()
    inputs = _tree_inputs(model, frame)
    explainer = shap.TreeExplainer(model.final)
    result = explainer(inputs, check_additivity=False)
    values = _as_3d(result.values, n_outputs)
    # Read after the call: shap sets an XGBoost model's expected value when it explains rows.
    base = np.atleast_1d(np.asarray(explainer.expected_value, dtype=np.float64))
    output = _raw_output(model, inputs, explainer).reshape(len(frame), -1)
    if base.size == 2 and n_outputs == 1:
        base, output = base[1:], output[:, 1:]
    return _Attributions(values, base, output)


def _affine(model: TabularModel, n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-column ``a`` and ``b`` with ``x' = a * x + b`` for the scalers before a linear model."""
    a = np.ones(n)
    b = np.zeros(n)
    for _, step in getattr(model.steps, "steps", []):
        kind = type(step).__name__
        if kind == "StandardScaler":
            mean = step.mean_ if step.mean_ is not None else np.zeros(n)
            scale = step.scale_ if step.scale_ is not None else np.ones(n)
            a, b = a / scale, (b - mean) / scale
        elif kind == "MinMaxScaler":
            a, b = a * step.scale_, b * step.scale_ + step.min_
        elif kind == "MaxAbsScaler":
            a, b = a / step.scale_, b / step.scale_
        elif kind == "RobustScaler":
            center = step.center_ if step.center_ is not None else np.zeros(n)
            scale = step.scale_ if step.scale_ is not None else np.ones(n)
            a, b = a / scale, (b - center) / scale
    return a, b


def _linear(
    model: TabularModel, frame: pd.DataFrame, background: pd.DataFrame, n_outputs: int
) -> _Attributions:
    """Exact attributions of a linear model on the original columns: with the scalers folded
    into the weights (``w' = w a``), feature j contributes ``w'_j (x_j - E[x_j])`` with the
    expectation over the background, which is what shap's linear explainer computes with an
    independent masker."""
    n = len(model.features)
    coef = np.atleast_2d(np.asarray(model.final.coef_, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(model.final.intercept_, dtype=np.float64))
    a, b = _affine(model, n)
    weights = coef * a  # outputs x features
    offset = intercept + coef @ b
    x = frame[list(model.features)].to_numpy(dtype=np.float64)
    mean = background[list(model.features)].to_numpy(dtype=np.float64).mean(axis=0)
    values = (x - mean)[:, :, None] * weights.T[None, :, :]
    base = offset + weights @ mean
    output = x @ weights.T + offset
    return _Attributions(_as_3d(values, n_outputs), base, output)


def _evaluations(settings: ExplainSettings, n_features: int) -> int:
    one = 2 * n_features + 1
    return 2 * one if settings.max_evals is None else max(settings.max_evals, one)


def _permutation(
    model: TabularModel,
    frame: pd.DataFrame,
    background: pd.DataFrame,
    codes: _Codes,
    settings: ExplainSettings,
    n_outputs: int,
) -> _Attributions:
    shap = import_shap()

    def function(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        if model.predict_matrix is not None and not codes.categories:
            out = model.predict_matrix(matrix)
        else:
            out = model.predict(codes.frame(matrix))
        if model.is_classifier and n_outputs == 1:
            return out[:, 1]
        return out

    masker = shap.maskers.Independent(codes.matrix(background), max_samples=len(background))
    explainer = shap.PermutationExplainer(function, masker, seed=settings.seed)
    evals = _evaluations(settings, len(model.features))
    result = explainer(codes.matrix(frame), max_evals=evals, silent=True)
    values = _as_3d(result.values, n_outputs)
    base = np.asarray(result.base_values, dtype=np.float64).reshape(len(frame), -1)[0]
    output = np.asarray(function(codes.matrix(frame)), dtype=np.float64).reshape(len(frame), -1)
    return _Attributions(values, base, output)


def _lime(
    model: TabularModel,
    frame: pd.DataFrame,
    background: pd.DataFrame,
    codes: _Codes,
    settings: ExplainSettings,
    n_outputs: int,
) -> _Attributions:
    LimeTabularExplainer = import_lime("lime_tabular").LimeTabularExplainer

    def function(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        out = model.predict(codes.frame(matrix))
        return out if model.is_classifier else out.reshape(-1)

    categorical = [j for j, name in enumerate(codes.features) if name in codes.categories]
    explainer = LimeTabularExplainer(
        codes.matrix(background),
        mode="classification" if model.is_classifier else "regression",
        feature_names=list(codes.features),
        categorical_features=categorical,
        discretize_continuous=True,
        random_state=settings.seed,
    )
    labels = list(range(1, 2)) if model.is_classifier and n_outputs == 1 else list(range(n_outputs))
    matrix = codes.matrix(frame)
    values = np.zeros((len(frame), len(codes.features), n_outputs))
    for i in range(len(frame)):
        explained = explainer.explain_instance(
            matrix[i],
            function,
            labels=labels if model.is_classifier else (0,),
            num_features=len(codes.features),
            num_samples=settings.lime_samples,
        )
        maps = explained.as_map()
        for k, label in enumerate(labels if model.is_classifier else [1]):
            for j, weight in maps.get(label, []):
                values[i, j, k] = weight
    return _Attributions(values, None, None)


# --- assembly -----------------------------------------------------------------------------


def _rank(values: Sequence[float | None]) -> list[int | None]:
    present = sorted((v, i) for i, v in enumerate(values) if v is not None)
    ranks: list[int | None] = [None] * len(values)
    for rank, (_, i) in enumerate(sorted(present, key=lambda p: -p[0]), start=1):
        ranks[i] = rank
    return ranks


def _importance(
    features: Sequence[str], reference: NDArray[np.float64], current: NDArray[np.float64] | None
) -> tuple[FeatureImportance, ...]:
    ref = np.abs(reference).mean(axis=(0, 2))
    cur = None if current is None else np.abs(current).mean(axis=(0, 2))
    ref_rank = _rank(list(ref))
    cur_rank = _rank(list(cur)) if cur is not None else [None] * len(features)
    items = [
        FeatureImportance(
            feature=name,
            reference=float(ref[j]),
            current=None if cur is None else float(cur[j]),
            change=None if cur is None else float(cur[j] - ref[j]),
            reference_rank=ref_rank[j],
            current_rank=cur_rank[j],
        )
        for j, name in enumerate(features)
    ]
    key = (lambda i: -(i.current or 0.0)) if cur is not None else (lambda i: -(i.reference or 0.0))
    return tuple(sorted(items, key=key))


def _scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _row_losses(
    model: TabularModel, prediction: NDArray[np.float64], actual: pd.Series
) -> NDArray[np.float64] | None:
    if model.is_classifier:
        lookup = {c: k for k, c in enumerate(model.classes)}
        index = np.array([lookup.get(str(v), -1) for v in actual])
        if (index < 0).all():
            return None
        chosen = prediction[np.arange(len(index)), np.clip(index, 0, None)]
        loss = -np.log(np.clip(chosen, 1e-15, 1.0))
        return np.where(index >= 0, loss, np.nan)
    y = pd.to_numeric(actual, errors="coerce").to_numpy(dtype=np.float64)
    return np.abs(y - prediction.reshape(-1))


def _rows(
    model: TabularModel,
    side: str,
    frame: pd.DataFrame,
    attributions: _Attributions,
    outputs: tuple[str, ...],
    target: str | None,
    n: int,
    worst_first: bool = True,
) -> tuple[RowExplanation, ...]:
    if n == 0 or len(frame) == 0:
        return ()
    prediction = model.predict(frame)
    losses = None
    if target is not None and target in frame.columns:
        losses = _row_losses(model, prediction, frame[target])
    if not worst_first:
        order = np.arange(len(frame))
    elif losses is not None and np.isfinite(losses).any():
        order = np.argsort(-np.nan_to_num(losses, nan=-np.inf), kind="stable")[:n]
    else:
        order = np.arange(min(n, len(frame)))
    rows = []
    for i in order:
        if model.is_classifier:
            k_pred = int(np.argmax(prediction[i]))
            predicted: Any = model.classes[k_pred]
            k = 0 if len(outputs) == 1 else k_pred
        else:
            predicted, k = float(prediction[i]), 0
        values = attributions.values[i, :, k]
        order_j = np.argsort(-np.abs(values), kind="stable")
        contributions = tuple(
            Contribution(
                model.features[j], _scalar(frame[model.features[j]].iloc[i]), float(values[j])
            )
            for j in order_j
        )
        base = None if attributions.base is None else float(attributions.base[k])
        value = (
            float(attributions.output[i, k])
            if attributions.output is not None
            else float(values.sum())
        )
        rows.append(
            RowExplanation(
                side=side,
                row=_scalar(frame.index[int(i)]),
                output=outputs[k],
                value=value,
                base_value=base,
                prediction=_scalar(predicted),
                actual=None
                if target is None or target not in frame
                else _scalar(frame[target].iloc[i]),
                loss=None if losses is None or not np.isfinite(losses[i]) else float(losses[i]),
                contributions=contributions,
            )
        )
    return tuple(rows)


def _dependence(
    features: Sequence[str],
    top: Sequence[str],
    reference: pd.DataFrame,
    reference_values: NDArray[np.float64],
    current: pd.DataFrame | None,
    current_values: NDArray[np.float64] | None,
    seed: int,
) -> tuple[DependencePoints, ...]:
    def points(frame: pd.DataFrame, values: NDArray[np.float64], j: int) -> tuple[Any, Any]:
        rng = np.random.default_rng(seed)
        keep = np.arange(len(frame))
        if len(keep) > _DEPENDENCE_POINTS:
            keep = np.sort(rng.choice(len(frame), _DEPENDENCE_POINTS, replace=False))
        column = frame[features[j]].iloc[keep]
        return (
            tuple(_scalar(v) for v in column),
            tuple(float(v) for v in values[keep, j, :].sum(axis=1)),
        )

    out = []
    for name in top:
        j = list(features).index(name)
        ref_x, ref_v = points(reference, reference_values, j)
        cur_x, cur_v = (
            ((), ())
            if current is None or current_values is None
            else points(current, current_values, j)
        )
        out.append(DependencePoints(name, ref_x, ref_v, cur_x, cur_v))
    return tuple(out)


def _checked_frame(name: str, frame: Any) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{name}: expected a pandas DataFrame, got a {type(frame).__name__}.")
    if len(frame) == 0:
        raise EmptyDataError(f"{name} has no rows; explanations need at least one.")
    return frame


def explain(
    model: Any,
    reference: pd.DataFrame,
    current: pd.DataFrame | None = None,
    *,
    target: str | None = None,
    features: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    method: str = "auto",
    max_rows: int = 1000,
    background: int = 100,
    rows: int = 5,
    top: int = 5,
    seed: int = 0,
    allow_pickle: bool = False,
    select: Sequence[Any] | None = None,
    settings: ExplainSettings | None = None,
) -> Explanation:
    """Explain ``model`` on ``reference`` and, when given, on ``current``.

    ``model`` is a scikit-learn estimator or pipeline, a path to a ``.skops`` or ``.onnx`` file
    (a pickle only with ``allow_pickle``), or a callable taking a DataFrame of the feature
    columns and returning class probabilities (rows x classes) or values. The features are the
    model's own where it knows them (``feature_names_in_``), else ``features``, else every column
    but ``target``. ``method`` is ``auto`` (tree, then linear, then permutation), ``tree``,
    ``linear``, ``permutation`` or ``lime``. The flat keywords build an `ExplainSettings`
    unless ``settings`` is given.

    ``rows`` rows are explained one by one: the worst predicted first where ``target`` is
    there, else the first of the sample; ``select`` names them instead (index labels of
    ``current``, or of ``reference`` when there is no current), in the order given.

    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    >>> model = LinearRegression().fit(X, 3 * X["a"] + 0.5 * X["b"])
    >>> result = explain(model, X)
    >>> result.explainer, result.top(2, side="reference")
    ('linear', ['a', 'b'])
    """
    settings = settings or ExplainSettings(
        method=method,
        max_rows=max_rows,
        background=background,
        rows=rows,
        top=top,
        seed=seed,
    )
    reference = _checked_frame("reference", reference)
    if current is not None:
        current = _checked_frame("current", current)
    explained = tabular_model(
        model,
        reference,
        features=features,
        target=target,
        class_names=class_names,
        allow_pickle=allow_pickle,
    )
    names = list(explained.features)
    if current is not None:
        missing = [c for c in names if c not in current.columns]
        if missing:
            raise ColumnError(
                f"current has no column {missing[0]!r} that the model takes; its columns are "
                f"{list(current.columns)[:10]}."
            )
    frames = [reference] + ([current] if current is not None else [])
    codes = _Codes.of(names, *frames)
    kind = _choose(explained, settings.method, codes)
    n_outputs = len(_outputs(explained, kind))
    notes: list[str] = []
    back = _sample(reference, settings.background, settings.seed)
    if len(reference) == 1:
        notes.append(
            "the reference has one row: every attribution is measured against that single row"
        )
    constant = [c for c in names if reference[c].nunique(dropna=False) <= 1]
    if constant and len(reference) > 1:
        notes.append(
            "constant in the reference, so measured against one value: "
            + ", ".join(repr(c) for c in constant[:5])
        )
    ref_rows = _sample(reference, settings.max_rows, settings.seed)
    cur_rows = None if current is None else _sample(current, settings.max_rows, settings.seed + 1)

    def attribute(frame: pd.DataFrame) -> _Attributions:
        nonlocal kind
        if kind is Explainer.TREE:
            try:
                return _tree(explained, frame, n_outputs)
            except Exception as exc:  # shap reads only some tree models (no multiclass GB)
                if settings.method == Explainer.TREE:
                    raise ParameterError(
                        f"shap's tree explainer cannot read model {explained.name}: {exc}"
                    ) from None
                notes.append(
                    f"shap's tree explainer cannot read this model ({exc}); the permutation "
                    "explainer was used"
                )
                kind = Explainer.PERMUTATION
        if kind is Explainer.LINEAR:
            return _linear(explained, frame, back, n_outputs)
        if kind is Explainer.LIME:
            return _lime(explained, frame, back, codes, settings, n_outputs)
        return _permutation(explained, frame, back, codes, settings, n_outputs)

    ref_attr = attribute(ref_rows)
    cur_attr = None if cur_rows is None else attribute(cur_rows)
    outputs = _outputs(explained, kind)
    additivity = None
    if kind is not Explainer.LIME:
        gaps = [
            np.abs(a.values.sum(axis=1) + a.base[None, :] - a.output).max()
            for a in (ref_attr, cur_attr)
            if a is not None and a.base is not None and a.output is not None
        ]
        additivity = float(max(gaps)) if gaps else None
    importance = _importance(names, ref_attr.values, None if cur_attr is None else cur_attr.values)
    row_side, row_frame, row_attr = (
        ("current", cur_rows, cur_attr)
        if cur_rows is not None and cur_attr is not None
        else ("reference", ref_rows, ref_attr)
    )
    n_rows = settings.rows
    if select is not None:
        source = current if current is not None else reference
        unknown = [label for label in select if label not in source.index]
        if unknown:
            raise ParameterError(
                f"select: no row labelled {unknown[0]!r} in {row_side} (its index runs from "
                f"{source.index[0]!r} to {source.index[-1]!r})."
            )
        row_frame = source.loc[list(select)]
        row_attr, n_rows = attribute(row_frame), len(row_frame)
    top_features = [i.feature for i in importance[: settings.top]]
    return Explanation(
        explainer=str(kind),
        model=explained.name,
        outputs=outputs,
        features=tuple(names),
        base_values=None if ref_attr.base is None else tuple(float(v) for v in ref_attr.base),
        importance=importance,
        rows=_rows(
            explained,
            row_side,
            row_frame,
            row_attr,
            outputs,
            target,
            n_rows,
            worst_first=select is None,
        ),
        dependence=_dependence(
            names,
            top_features,
            ref_rows,
            ref_attr.values,
            cur_rows,
            None if cur_attr is None else cur_attr.values,
            settings.seed,
        ),
        bounds=ExplainBounds(
            reference_rows=len(ref_rows),
            reference_total=len(reference),
            current_rows=0 if cur_rows is None else len(cur_rows),
            current_total=0 if current is None else len(current),
            background_rows=len(back),
            evaluations_per_row=(
                _evaluations(settings, len(names))
                if kind is Explainer.PERMUTATION
                else settings.lime_samples
                if kind is Explainer.LIME
                else None
            ),
        ),
        additivity=additivity,
        warnings=tuple(notes),
        reference_values=ref_attr.values,
        current_values=None if cur_attr is None else cur_attr.values,
    )


@dataclass(frozen=True)
class ExplanationsSection:
    """The explanations of a monitoring report: the model's attributions on reference and
    current (None when they could not be made, with ``error`` saying why; the rest of the report
    runs), and, when performance fell, which features explain the loss change (``loss``), or,
    without labels and with drifted predictions, which explain the prediction shift
    (``prediction``); see docs/attribution.md. An image classifier's section has ``images``
    instead (`driftscope.explain_images` on current and reference images, overlays at most
    ``OVERLAY_SIDE`` pixels a side in the JSON; see docs/explain-images.md).
    For a text classifier, its word attributions (``text``, docs/explain-text.md) in place of
    ``explanation``."""

    explanation: Explanation | None
    error: str | None = None
    loss: Any = None
    prediction: Any = None
    images: ImageExplanation | None = None
    text: TextExplanation | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "explanation": None if self.explanation is None else self.explanation.to_dict(),
            "error": self.error,
            "loss": None if self.loss is None else self.loss.to_dict(),
            "prediction": None if self.prediction is None else self.prediction.to_dict(),
            "images": None
            if self.images is None
            else self.images.to_dict(overlay_side=OVERLAY_SIDE),
            "text": None if self.text is None else self.text.to_dict(),
        }

    @property
    def reason(self) -> str | None:
        """The attribution's sentence for the verdict, where one was made."""
        found = self.loss if self.loss is not None else self.prediction
        return None if found is None else str(found.reason)


def explanations_from_frames(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    model: Any,
    *,
    features: Sequence[str],
    target: str | None,
    settings: ExplainSettings,
    allow_pickle: bool = False,
    attribute: str | None = None,
) -> tuple[ExplanationsSection, list[str]]:
    """`explain` for `driftscope.monitor`, with the attribution ``attribute`` asks for
    (``"loss"`` or ``"prediction"``, bounded by the same settings). A failure (a model that will
    not load or run, a column it needs and the data lacks) becomes the section's ``error``, not
    the report's; an attribution that fails is left out with a warning."""
    from driftscope.analyses import attribution
    from driftscope.exceptions import DriftscopeError

    try:
        loaded = tabular_model(
            model, reference, target=target, allow_pickle=allow_pickle, fallback=features
        )
        result = explain(loaded, reference, current, target=target, settings=settings)
    except DriftscopeError as exc:
        return ExplanationsSection(None, str(exc)), []
    loss = prediction = None
    try:
        if attribute == "loss" and target is not None:
            labelled = current[current[target].notna()]
            loss = attribution.loss_attribution(
                loaded,
                reference[reference[target].notna()],
                labelled,
                target=target,
                features=loaded.features,
                task="classification" if loaded.is_classifier else "regression",
                max_rows=settings.max_rows,
                background=settings.background,
                max_evals=settings.max_evals,
                seed=settings.seed,
            )
        elif attribute == "prediction":
            prediction = attribution.prediction_drift_attribution(
                loaded,
                reference,
                current,
                features=loaded.features,
                max_rows=settings.max_rows,
                background=settings.background,
                max_evals=settings.max_evals,
                seed=settings.seed,
            )
    except DriftscopeError as exc:
        return ExplanationsSection(result), [f"drift attribution not made: {exc}"]
    return ExplanationsSection(result, loss=loss, prediction=prediction), []


def text_explanations_section(
    model: Any,
    current: Any,
    reference: Any = None,
    *,
    column: str,
    settings: TextExplainSettings | None = None,
    allow_pickle: bool = False,
) -> ExplanationsSection:
    """The explanations section of a report on a text column: `explain_text_column`'s result
    as its ``text``, or, when the model cannot be explained (a file that does not load, a model
    that fails on the texts, a missing extra), the reason as its ``error``, so that the rest of
    the report runs."""
    try:
        found = explain_text_column(
            model, current, reference, column=column, settings=settings, allow_pickle=allow_pickle
        )
    except DriftscopeError as exc:
        return ExplanationsSection(None, f"text column {column!r}: {exc}")
    return ExplanationsSection(None, text=found)
