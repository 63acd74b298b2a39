"""Drift attribution: which features explain a run's change in loss, or in predictions.

Three answers, each saying which method gave it:

- `loss_attribution`: SHAP values of each row's loss (the model's output scored against the
  row's own label, which is held fixed), on the reference and on the current rows, with masked
  features filled from reference rows of the same label (class, or label quantile bin). Feature
  j's contribution to the loss change is the change of its mean SHAP value. The labels' own part
  (the shift of the SHAP base value, which moves as the labels' distribution does) is reported
  apart, so the parts add up to the change in mean loss exactly.
- `prediction_drift_attribution`: the same with the model's output instead of the loss, for runs
  without labels. Features are ranked by the Wasserstein distance between their reference and
  current SHAP values (so shifts that cancel in the mean still count); the mean shifts add up to
  the shift of the mean prediction exactly.
- `importance_weighted_drift`: each feature's drift score times its importance, as shares.

A change smaller than its sampling noise (a bootstrap over rows for the loss, a permutation test
for the SHAP distributions) is called not attributable rather than ranked. See
docs/attribution.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import wasserstein_distance

from driftscope._validate import check_choice, check_int, check_probability
from driftscope.analyses._explain_model import TabularModel
from driftscope.analyses._shap import import_shap
from driftscope.analyses.explanation import ExplainBounds, _Codes, _sample
from driftscope.exceptions import ColumnError, EmptyDataError, InputTypeError, ParameterError
from driftscope.models._tabular import ModelRunError

__all__ = [
    "FeatureContribution",
    "FeatureShift",
    "ImportanceWeightedDrift",
    "LossAttribution",
    "PredictionDriftAttribution",
    "WeightedDrift",
    "importance_weighted_drift",
    "loss_attribution",
    "prediction_drift_attribution",
]

Predict = Callable[[pd.DataFrame], Any]

#: Bootstrap resamples for the loss change's noise, permutations for the SHAP distributions'.
_RESAMPLES = 200
_PERMUTATIONS = 100
#: A change is attributable when it exceeds this many bootstrap standard errors.
_Z = 2.0
#: A feature whose SHAP values shifted by less than this part of all features' shift is not
#: called shifted, however clear the shift.
_MIN_SHARE = 0.01
#: Probabilities are clipped here before the log, as scikit-learn's log_loss does for float64.
_EPS = float(np.finfo(np.float64).eps)

METHOD_LOSS = "SHAP values of the per-row loss (shap permutation explainer, shared background)"
METHOD_PREDICTION = (
    "SHAP values of the model output (shap permutation explainer, shared background)"
)
METHOD_WEIGHTED = "importance-weighted drift (drift score x importance)"


class Task(StrEnum):
    CLASSIFICATION = "classification"
    REGRESSION = "regression"


class Loss(StrEnum):
    LOG_LOSS = "log_loss"
    SQUARED_ERROR = "squared_error"
    ABSOLUTE_ERROR = "absolute_error"


_LOSS_WORDS = {
    Loss.LOG_LOSS: "log loss",
    Loss.SQUARED_ERROR: "squared error",
    Loss.ABSOLUTE_ERROR: "absolute error",
}


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeatureContribution:
    """A feature's part of the change in mean loss: ``contribution`` (current mean SHAP value of
    the loss minus reference mean), ``share`` of the total change (``contribution / change``,
    None when the change is not attributable; negative for a feature pulling against the change,
    and above 1 when others pull against it), ``noise`` its bootstrap standard error, and its
    mean SHAP value on each side."""

    feature: str
    contribution: float
    share: float | None
    noise: float
    reference_mean: float
    current_mean: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "contribution": self.contribution,
            "share": self.share,
            "noise": self.noise,
            "reference_mean": self.reference_mean,
            "current_mean": self.current_mean,
        }


@dataclass(frozen=True)
class WeightedDrift:
    """One feature's importance-weighted drift: ``score = drift * importance`` and its ``share``
    of the scores' sum (None when every score is 0)."""

    feature: str
    drift: float
    importance: float
    score: float
    share: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "drift": self.drift,
            "importance": self.importance,
            "score": self.score,
            "share": self.share,
        }


@dataclass(frozen=True)
class ImportanceWeightedDrift:
    """Features ranked by drift score x importance, naming the drift score and the importance
    used."""

    drift_score: str
    importance: str
    features: tuple[WeightedDrift, ...]
    method: str = METHOD_WEIGHTED

    def top(self, n: int = 3) -> list[str]:
        return [f.feature for f in self.features[:n]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "drift_score": self.drift_score,
            "importance": self.importance,
            "features": [f.to_dict() for f in self.features],
        }


@dataclass(frozen=True)
class LossAttribution:
    """Which features explain the change of the mean loss from the reference to the current rows.

    ``change = current_loss - reference_loss`` (both measured on the explained rows) equals ``labels
    + sum(f.contribution for f in features)`` exactly: ``labels`` is the part of the change the
    labels make alone (the SHAP base value's shift: each row's label-conditional background
    predictions scored against its label), which no feature explains. ``noise`` is the bootstrap
    standard error of ``change``; ``attributable`` says ``|change|`` exceeds twice it. Features are
    ranked by ``|contribution|``. ``importance_weighted`` is the second method's answer: each
    feature's drift times its importance to the loss.
    """

    method: str
    task: str
    loss: str
    reference_loss: float
    current_loss: float
    change: float
    labels: float
    noise: float
    attributable: bool
    features: tuple[FeatureContribution, ...]
    importance_weighted: ImportanceWeightedDrift
    bounds: ExplainBounds

    def top(self, n: int = 3) -> list[str]:
        return [f.feature for f in self.features[:n]]

    def summary_sentence(self, cover: float = 0.5, most: int = 3) -> str:
        """The smallest set of top features (at most ``most``) pulling in the direction of the
        change whose shares reach ``cover``, in one sentence; honest when the change is within
        its noise or no few features explain it."""
        check_probability("LossAttribution.summary_sentence", "cover", cover, closed="right")
        check_int("LossAttribution.summary_sentence", "most", most, low=1)
        words = _LOSS_WORDS[Loss(self.loss)]
        if not self.attributable:
            return (
                f"the {words} changed by {self.change:+.3g} ({self.reference_loss:.3g} to "
                f"{self.current_loss:.3g}), within its sampling noise (+/- "
                f"{_Z * self.noise:.2g}): not attributable to features"
            )
        direction = "increase" if self.change > 0 else "decrease"
        largest = max((abs(f.contribution) for f in self.features), default=0.0)
        if abs(self.labels) > largest:
            moving = f"; of the features, `{self.features[0].feature}` moves it most"
            return (
                f"the {words} {direction} comes mostly with the labels' own shift (the "
                f"labels' part is {self.labels:+.3g} of {self.change:+.3g})"
                + (moving if self.features else "")
            )
        pulling = [f for f in self.features if f.share is not None and f.share > 0]
        chosen, covered = _cover([(f.feature, float(f.share or 0.0)) for f in pulling], cover, most)
        if not chosen:
            return f"no feature pulls the {words} toward its {direction}"
        return _covered(chosen, covered, cover, f"the {words} {direction}")

    @property
    def reason(self) -> str:
        return self.summary_sentence()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "task": self.task,
            "loss": self.loss,
            "reference_loss": self.reference_loss,
            "current_loss": self.current_loss,
            "change": self.change,
            "labels": self.labels,
            "noise": self.noise,
            "attributable": self.attributable,
            "features": [f.to_dict() for f in self.features],
            "importance_weighted": self.importance_weighted.to_dict(),
            "bounds": self.bounds.to_dict(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FeatureShift:
    """A feature's part in the shift of the predictions: ``distance``, the Wasserstein distance
    between its reference and current SHAP values (summed over the outputs), its ``share`` of the
    distances' sum, ``threshold`` the distance a shift must exceed to count (from a permutation
    test over the pooled rows, family-wise 5% over the features), ``shifted`` whether it does,
    and ``mean_shift``, the change of its mean SHAP value per output."""

    feature: str
    distance: float
    share: float | None
    threshold: float
    shifted: bool
    mean_shift: tuple[float, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "distance": self.distance,
            "share": self.share,
            "threshold": self.threshold,
            "shifted": self.shifted,
            "mean_shift": list(self.mean_shift),
        }


@dataclass(frozen=True)
class PredictionDriftAttribution:
    """Which features explain the shift of the model's predictions, without labels.

    ``outputs`` names what was explained (the predicted value, the probability of the positive
    class, or of each class); ``mean_shift`` per output equals the sum of the features'
    ``mean_shift`` exactly (one shared background gives both sides the same base value).
    Features are ranked by ``distance``; ``attributable`` says at least one feature's SHAP
    values shifted beyond the permutation threshold.
    """

    method: str
    outputs: tuple[str, ...]
    reference_mean: tuple[float, ...]
    current_mean: tuple[float, ...]
    mean_shift: tuple[float, ...]
    attributable: bool
    features: tuple[FeatureShift, ...]
    bounds: ExplainBounds

    def top(self, n: int = 3) -> list[str]:
        return [f.feature for f in self.features[:n]]

    def summary_sentence(self, cover: float = 0.5, most: int = 3) -> str:
        """The smallest set of top shifted features (at most ``most``) whose shares of the SHAP
        distribution shift reach ``cover``, in one sentence."""
        check_probability(
            "PredictionDriftAttribution.summary_sentence", "cover", cover, closed="right"
        )
        check_int("PredictionDriftAttribution.summary_sentence", "most", most, low=1)
        if not self.attributable:
            return (
                "the predictions' attributions did not shift beyond their sampling noise: "
                "not attributable to features"
            )
        shifted = [(f.feature, float(f.share or 0.0)) for f in self.features if f.shifted]
        chosen, covered = _cover(shifted, cover, most)
        return _covered(chosen, covered, cover, "the prediction shift")

    @property
    def reason(self) -> str:
        return self.summary_sentence()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "outputs": list(self.outputs),
            "reference_mean": list(self.reference_mean),
            "current_mean": list(self.current_mean),
            "mean_shift": list(self.mean_shift),
            "attributable": self.attributable,
            "features": [f.to_dict() for f in self.features],
            "bounds": self.bounds.to_dict(),
            "reason": self.reason,
        }


def _covered(chosen: Sequence[str], covered: float, cover: float, change: str) -> str:
    """The sentence naming the ``chosen`` features and the share ``covered`` of ``change``."""
    if covered >= cover:
        return f"{covered:.0%} of {change} comes from {_names(chosen)}"
    return f"{_top(chosen)} only {covered:.0%} of {change}"


def _cover(ranked: Sequence[tuple[str, float]], cover: float, most: int) -> tuple[list[str], float]:
    chosen: list[str] = []
    covered = 0.0
    for name, share in ranked[:most]:
        chosen.append(name)
        covered += share
        if covered >= cover:
            break
    return chosen, covered


def _top(names: Sequence[str]) -> str:
    if len(names) == 1:
        return f"the top feature {_names(names)} explains"
    return f"the top features {_names(names)} explain"


def _names(names: Sequence[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- importance-weighted drift ------------------------------------------------------------


def importance_weighted_drift(
    importance: Mapping[str, float],
    drift: Mapping[str, float],
    *,
    drift_score: str = "drift score",
    importance_name: str = "mean |SHAP| on the reference",
) -> ImportanceWeightedDrift:
    """Features ranked by ``drift[f] * importance[f]``, with each score's share of the sum.

    ``drift_score`` and ``importance_name`` name the measures, so a report can say what was
    multiplied. Both mappings must hold the same features, with finite values >= 0.

    >>> result = importance_weighted_drift({"age": 2.0, "income": 1.0}, {"age": 0.1, "income": 0.6},
    ...                                    drift_score="Wasserstein / reference std")
    >>> [(f.feature, round(f.share, 2)) for f in result.features]
    [('income', 0.75), ('age', 0.25)]
    """
    if set(importance) != set(drift):
        only = sorted(set(importance) ^ set(drift), key=str)
        raise ColumnError(
            f"importance and drift must name the same features; {only[:5]} are in only one."
        )
    if not importance:
        raise EmptyDataError("importance_weighted_drift needs at least one feature; got none.")
    for what, values in (("importance", importance), ("drift", drift)):
        for name, value in values.items():
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ParameterError(
                    f"{what}[{name!r}] must be a finite number >= 0; got {value!r}."
                )
    scores = {name: float(drift[name]) * float(importance[name]) for name in importance}
    total = sum(scores.values())
    items = [
        WeightedDrift(
            feature=str(name),
            drift=float(drift[name]),
            importance=float(importance[name]),
            score=scores[name],
            share=scores[name] / total if total > 0 else None,
        )
        for name in importance
    ]
    items.sort(key=lambda w: -w.score)
    return ImportanceWeightedDrift(drift_score, importance_name, tuple(items))


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Model:
    name: str
    predict: Predict
    classes: tuple[str, ...]


def _model(predict: Predict | TabularModel, classes: Sequence[Any] | None) -> _Model:
    if isinstance(predict, TabularModel):
        own = predict.classes
        chosen = tuple(str(c) for c in classes) if classes is not None else own
        return _Model(predict.name, predict.predict, chosen)
    if not callable(predict):
        raise InputTypeError(
            f"predict: expected a callable taking a DataFrame (or a TabularModel); got a "
            f"{type(predict).__name__}."
        )
    name = getattr(predict, "__name__", type(predict).__name__)
    return _Model(name, predict, () if classes is None else tuple(str(c) for c in classes))


def _check_frames(
    reference: pd.DataFrame, current: pd.DataFrame, features: Sequence[str], target: str | None
) -> list[str]:
    for side, frame in (("reference", reference), ("current", current)):
        if not isinstance(frame, pd.DataFrame):
            raise InputTypeError(
                f"{side}: expected a pandas DataFrame; got a {type(frame).__name__}."
            )
        if len(frame) < 2:
            raise EmptyDataError(
                f"{side} has {len(frame)} row(s); attribution needs at least 2 rows per side."
            )
    columns = [str(f) for f in features]
    if not columns:
        raise ColumnError("features: expected at least one feature column; got none.")
    if target is not None and target in columns:
        raise ColumnError(f"the target {target!r} is also listed among the features.")
    for side, frame in (("reference", reference), ("current", current)):
        wanted = columns + ([target] if target is not None else [])
        missing = [c for c in wanted if c not in frame.columns]
        if missing:
            raise ColumnError(
                f"{side} has no column {missing[0]!r}"
                + (f" (nor {len(missing) - 1} more)" if len(missing) > 1 else "")
                + f"; its columns are {list(frame.columns)[:10]}."
            )
        if target is not None and frame[target].isna().any():
            count = int(frame[target].isna().sum())
            raise EmptyDataError(
                f"{side}: the target {target!r} is missing on {count} row(s); drop them or fill "
                "them before attributing the loss."
            )
    return columns


def _run(model: _Model, frame: pd.DataFrame, probabilities: bool = False) -> NDArray[np.float64]:
    """``model`` on ``frame``: probabilities (rows x classes) for a classifier, values (rows,)
    otherwise; any failure or a wrong shape is a `ModelRunError`."""
    try:
        out = np.asarray(model.predict(frame), dtype=np.float64)
    except ModelRunError:
        raise
    except Exception as exc:  # the user's model: any failure on the data is its message
        raise ModelRunError(
            f"model {model.name} failed on the data: {type(exc).__name__}: {exc}"
        ) from None
    if model.classes or probabilities:
        if out.ndim != 2 or out.shape[0] != len(frame):
            raise ModelRunError(
                f"model {model.name} returned shape {out.shape} for {len(frame)} rows; expected "
                f"class probabilities ({len(frame)} x {len(model.classes)})."
            )
        if model.classes and out.shape[1] != len(model.classes):
            raise ColumnError(
                f"model {model.name} returned {out.shape[1]} class probabilities per row but "
                f"{len(model.classes)} classes were given ({list(model.classes)[:5]})."
            )
        return out
    if out.ndim == 2 and out.shape[1] == 1:
        out = out.reshape(-1)
    if out.ndim != 1 or out.shape[0] != len(frame):
        raise ModelRunError(
            f"model {model.name} returned shape {out.shape} for {len(frame)} rows; expected one "
            "value per row (a regressor), or give classes for a classifier's probabilities."
        )
    return out


def _classes_from_labels(model: _Model, labels: pd.Series, probe: NDArray[np.float64]) -> _Model:
    """A classifier given without classes: its classes are the sorted labels, when their count
    matches the probabilities' columns."""
    if model.classes:
        return model
    found = sorted({str(v) for v in labels})
    width = probe.shape[1] if probe.ndim == 2 else 1
    if len(found) != width:
        raise ColumnError(
            f"classes: not given, and the reference labels hold {len(found)} classes while model "
            f"{model.name} returns {width} probabilities per row; pass classes in the order of "
            "the model's probability columns."
        )
    return _Model(model.name, model.predict, tuple(found))


def _label_index(model: _Model, labels: pd.Series, side: str, target: str) -> NDArray[np.int64]:
    lookup = {c: k for k, c in enumerate(model.classes)}
    index = np.array([lookup.get(str(v), -1) for v in labels], dtype=np.int64)
    if (index < 0).any():
        unknown = sorted({str(v) for v, i in zip(labels, index, strict=True) if i < 0})
        raise ColumnError(
            f"{side}: the target {target!r} holds label(s) {unknown[:5]} that are not among the "
            f"classes {list(model.classes)[:10]}."
        )
    return index


def _evaluations(max_evals: int | None, n_features: int) -> int:
    one = 2 * n_features + 1
    return 2 * one if max_evals is None else max(max_evals, one)


def _bounds(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    ref_rows: int,
    cur_rows: int,
    background: int,
    evals: int,
) -> ExplainBounds:
    return ExplainBounds(ref_rows, len(reference), cur_rows, len(current), background, evals)


# --- SHAP values --------------------------------------------------------------------------


def _shap_values(
    function: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    matrix: NDArray[np.float64],
    background: NDArray[np.float64],
    evals: int,
    seed: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Permutation SHAP values of ``function`` on the rows of ``matrix``, whose last column is
    held fixed: it is each row's label (or a placeholder), copied into the background before
    each row is masked, so it never varies and takes no attribution; the features are filled
    from the shared background. Returns the feature attributions (rows x features [x outputs])
    and each row's base value (rows [x outputs])."""
    shap = import_shap()

    class FixedLastColumn(shap.maskers.Independent):  # type: ignore[misc,name-defined]
        def __call__(self, mask: Any, x: Any) -> Any:
            self.data[:, -1] = x[-1]
            return super().__call__(mask, x)

        def invariants(self, x: Any) -> Any:
            self.data[:, -1] = x[-1]
            return super().invariants(x)

    masker = FixedLastColumn(background.copy(), max_samples=len(background))
    explainer = shap.PermutationExplainer(function, masker, seed=seed)
    result = explainer(matrix, max_evals=evals, silent=True)
    values = np.asarray(result.values, dtype=np.float64)[:, :-1]
    base = np.asarray(result.base_values, dtype=np.float64)
    return values, base


def _with_column(matrix: NDArray[np.float64], column: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.column_stack([matrix, column.astype(np.float64)])


def _row_loss(
    loss: Loss, output: NDArray[np.float64], label: NDArray[np.float64]
) -> NDArray[np.float64]:
    if loss is Loss.LOG_LOSS:
        index = label.astype(np.int64)
        chosen = output[np.arange(len(index)), index]
        return -np.log(np.clip(chosen, _EPS, 1.0))
    if loss is Loss.SQUARED_ERROR:
        return (output - label) ** 2
    return np.abs(output - label)


def _bootstrap_means(
    values: NDArray[np.float64], resamples: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """Means of ``values`` (rows x columns) over ``resamples`` bootstrap draws of the rows."""
    index = rng.integers(0, len(values), size=(resamples, len(values)))
    return np.asarray(values[index].mean(axis=1), dtype=np.float64)


# --- loss attribution ---------------------------------------------------------------------


def loss_attribution(
    predict: Predict | TabularModel,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    target: str,
    features: Sequence[str],
    task: str = "classification",
    classes: Sequence[Any] | None = None,
    loss: str | None = None,
    max_rows: int = 500,
    background: int = 100,
    max_evals: int | None = None,
    label_bins: int = 5,
    seed: int = 0,
) -> LossAttribution:
    """Rank features by how much of the change in mean loss, from ``reference`` to ``current``,
    each explains.

    ``predict(frame)`` returns class probabilities (rows x classes, in the order of ``classes``; by
    default the sorted reference labels) for ``task="classification"``, or one value per row for
    ``"regression"``; a `TabularModel` may be given instead. ``loss`` is ``"log_loss"`` for a
    classifier and ``"squared_error"`` (default) or ``"absolute_error"`` for a regressor. At most
    ``max_rows`` rows per side are explained (a seeded sample). A row's masked features are filled
    from up to ``background`` reference rows with the same label (the same class; for a regressor
    the same of ``label_bins`` quantile bins of the reference labels), so the SHAP base value
    follows the label and its shift is the labels' own part; ``max_evals`` bounds the masked
    evaluations per row (default two forward-and-back permutations). A second answer,
    importance-weighted drift, multiplies each feature's drift (Wasserstein distance over the
    reference standard deviation; total variation for categories) by its importance to the loss
    (mean |SHAP| on the reference).

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> def frame(n, shift):
    ...     x = pd.DataFrame({"a": rng.normal(shift, 1, n), "b": rng.normal(0, 1, n)})
    ...     return x.assign(y=x["a"] + 0.1 * x["b"])
    >>> model = lambda f: np.clip(f["a"], -1.5, 1.5) + 0.1 * f["b"]  # wrong outside [-1.5, 1.5]
    >>> result = loss_attribution(model, frame(200, 0.0), frame(200, 2.0), target="y",
    ...     features=["a", "b"], task="regression", max_rows=100, background=20)
    >>> result.top(1), result.attributable
    (['a'], True)
    >>> abs(result.labels + sum(f.contribution for f in result.features) - result.change) < 1e-9
    True
    """
    owner = "loss_attribution"
    check_choice(owner, "task", task, [str(t) for t in Task])
    check_choice(owner, "loss", loss, [str(x) for x in Loss], allow_none=True)
    default = Loss.LOG_LOSS if task == Task.CLASSIFICATION else Loss.SQUARED_ERROR
    chosen_loss = default if loss is None else Loss(loss)
    if (task == Task.CLASSIFICATION) != (chosen_loss is Loss.LOG_LOSS):
        raise ParameterError(
            f"The 'loss' parameter of {owner} must be 'log_loss' for a classifier and "
            f"'squared_error' or 'absolute_error' for a regressor. Got {str(chosen_loss)!r} "
            f"with task={task!r}."
        )
    check_int(owner, "max_rows", max_rows, low=2)
    check_int(owner, "background", background, low=1)
    check_int(owner, "max_evals", max_evals, low=3, allow_none=True)
    check_int(owner, "label_bins", label_bins, low=1)
    check_int(owner, "seed", seed, low=0)
    columns = _check_frames(reference, current, features, target)
    model = _model(predict, classes)
    if task == Task.REGRESSION and model.classes:
        raise ParameterError(
            f"task='regression' takes one value per row, but classes were given "
            f"({list(model.classes)[:5]}); use task='classification'."
        )
    ref = _sample(reference, max_rows, seed)
    cur = _sample(current, max_rows, seed + 1)
    codes = _Codes.of(columns, reference, current)
    probe = _run(model, ref[columns].iloc[:8], task == Task.CLASSIFICATION)
    if task == Task.CLASSIFICATION:
        model = _classes_from_labels(model, reference[target], probe)
        all_label: NDArray[Any] = _label_index(model, reference[target], "reference", target)
        ref_label = _label_index(model, ref[target], "reference", target).astype(np.float64)
        cur_label = _label_index(model, cur[target], "current", target).astype(np.float64)
        edges = np.arange(0.5, len(model.classes) - 1)  # one group per class
    else:
        all_label = _numeric_target(reference[target], "reference", target)
        ref_label = _numeric_target(ref[target], "reference", target)
        cur_label = _numeric_target(cur[target], "current", target)
        edges = np.unique(np.quantile(all_label, np.arange(1, label_bins) / label_bins))

    def row_loss(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        output = _run(model, codes.frame(matrix[:, :-1]))
        return _row_loss(chosen_loss, output, matrix[:, -1])

    evals = _evaluations(max_evals, len(columns))
    groups = np.searchsorted(edges, np.asarray(all_label, dtype=np.float64), side="right")
    backgrounds = _group_backgrounds(reference, groups, len(edges) + 1, background, seed, codes)
    ref_matrix = _with_column(codes.matrix(ref), ref_label)
    cur_matrix = _with_column(codes.matrix(cur), cur_label)
    ref_groups = np.searchsorted(edges, ref_label, side="right")
    cur_groups = np.searchsorted(edges, cur_label, side="right")
    ref_values, ref_base = _grouped_values(
        row_loss, ref_matrix, ref_groups, backgrounds, evals, seed
    )
    cur_values, cur_base = _grouped_values(
        row_loss, cur_matrix, cur_groups, backgrounds, evals, seed
    )
    ref_loss = ref_base + ref_values.sum(axis=1)  # each row's own loss, by additivity
    cur_loss = cur_base + cur_values.sum(axis=1)
    change = float(cur_loss.mean() - ref_loss.mean())
    labels = float(cur_base.mean() - ref_base.mean())
    contributions = cur_values.mean(axis=0) - ref_values.mean(axis=0)

    rng = np.random.default_rng(seed)
    ref_boot = _bootstrap_means(np.column_stack([ref_values, ref_loss]), _RESAMPLES, rng)
    cur_boot = _bootstrap_means(np.column_stack([cur_values, cur_loss]), _RESAMPLES, rng)
    spread = (cur_boot - ref_boot).std(axis=0, ddof=1)
    noise = float(spread[-1])
    attributable = abs(change) > _Z * noise and change != 0.0
    items = [
        FeatureContribution(
            feature=name,
            contribution=float(contributions[j]),
            share=float(contributions[j] / change) if attributable else None,
            noise=float(spread[j]),
            reference_mean=float(ref_values[:, j].mean()),
            current_mean=float(cur_values[:, j].mean()),
        )
        for j, name in enumerate(columns)
    ]
    items.sort(key=lambda f: -abs(f.contribution))
    importance = {name: float(np.abs(ref_values[:, j]).mean()) for j, name in enumerate(columns)}
    weighted = importance_weighted_drift(
        importance,
        _feature_drift(reference, current, columns, codes),
        drift_score="Wasserstein distance / reference std (total variation for categories)",
        importance_name=f"mean |SHAP| of the {_LOSS_WORDS[chosen_loss]} on the reference",
    )
    return LossAttribution(
        method=METHOD_LOSS,
        task=str(task),
        loss=str(chosen_loss),
        reference_loss=float(ref_loss.mean()),
        current_loss=float(cur_loss.mean()),
        change=change,
        labels=labels,
        noise=noise,
        attributable=attributable,
        features=tuple(items),
        importance_weighted=weighted,
        bounds=_bounds(
            reference, current, len(ref), len(cur), sum(len(b) for b in backgrounds), evals
        ),
    )


def _group_backgrounds(
    reference: pd.DataFrame,
    groups: NDArray[np.int64],
    count: int,
    size: int,
    seed: int,
    codes: _Codes,
) -> list[NDArray[np.float64]]:
    """Per label group, up to ``size`` seeded reference rows of that group (the features, and a
    placeholder label column); a group the reference lacks takes rows of all groups."""
    out = []
    for g in range(count):
        rows = reference.iloc[np.flatnonzero(groups == g)]
        chosen = _sample(rows if len(rows) else reference, size, seed + 2 + g)
        out.append(_with_column(codes.matrix(chosen), np.zeros(len(chosen))))
    return out


def _grouped_values(
    function: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    matrix: NDArray[np.float64],
    groups: NDArray[np.int64],
    backgrounds: Sequence[NDArray[np.float64]],
    evals: int,
    seed: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """`_shap_values` of each label group's rows against that group's background, in row order."""
    values = np.zeros((len(matrix), matrix.shape[1] - 1))
    base = np.zeros(len(matrix))
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        values[rows], base[rows] = _shap_values(function, matrix[rows], backgrounds[g], evals, seed)
    return values, base


def _numeric_target(labels: pd.Series, side: str, target: str) -> NDArray[np.float64]:
    values = pd.to_numeric(labels, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        raise ColumnError(
            f"{side}: the target {target!r} must hold finite numbers for a regression loss; "
            f"got {labels[~np.isfinite(values)].iloc[0]!r}."
        )
    return values


def _feature_drift(
    reference: pd.DataFrame, current: pd.DataFrame, columns: Sequence[str], codes: _Codes
) -> dict[str, float]:
    """Each feature's drift: Wasserstein distance over the reference standard deviation for
    numbers, total variation distance for categories."""
    drift: dict[str, float] = {}
    for name in columns:
        if name in codes.categories:
            ref_freq = reference[name].astype(object).value_counts(normalize=True, dropna=False)
            cur_freq = current[name].astype(object).value_counts(normalize=True, dropna=False)
            both = ref_freq.index.union(cur_freq.index)
            gap = ref_freq.reindex(both, fill_value=0.0) - cur_freq.reindex(both, fill_value=0.0)
            drift[name] = float(0.5 * gap.abs().sum())
            continue
        ref_values = reference[name].to_numpy(dtype=np.float64, na_value=np.nan)
        cur_values = current[name].to_numpy(dtype=np.float64, na_value=np.nan)
        ref_values = ref_values[np.isfinite(ref_values)]
        cur_values = cur_values[np.isfinite(cur_values)]
        if len(ref_values) == 0 or len(cur_values) == 0:
            drift[name] = 0.0
            continue
        scale = float(ref_values.std())
        distance = float(wasserstein_distance(ref_values, cur_values))
        drift[name] = distance / scale if scale > 0 else distance
    return drift


# --- prediction drift attribution ---------------------------------------------------------


def prediction_drift_attribution(
    predict: Predict | TabularModel,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    *,
    features: Sequence[str],
    classes: Sequence[Any] | None = None,
    max_rows: int = 500,
    background: int = 100,
    max_evals: int | None = None,
    seed: int = 0,
) -> PredictionDriftAttribution:
    """Rank features by their part in the shift of the model's predictions, without labels.

    ``predict`` as in `loss_attribution`; with ``classes`` (or a `TabularModel` of a classifier)
    its output is probabilities, and the probability of the positive class (the second of two)
    is explained for a binary classifier, each class's for more. Each feature's SHAP values on
    the two sides are compared by the Wasserstein distance; a permutation test over the pooled
    rows sets the distance a shift must exceed (family-wise 5% over the features).

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> def frame(n, shift):
    ...     return pd.DataFrame({"a": rng.normal(shift, 1, n), "b": rng.normal(0, 1, n)})
    >>> model = lambda f: 2 * f["a"] + f["b"]
    >>> result = prediction_drift_attribution(model, frame(200, 0.0), frame(200, 1.0),
    ...     features=["a", "b"], max_rows=100, background=20)
    >>> result.top(1), [f.shifted for f in result.features]
    (['a'], [True, False])
    """
    owner = "prediction_drift_attribution"
    check_int(owner, "max_rows", max_rows, low=2)
    check_int(owner, "background", background, low=1)
    check_int(owner, "max_evals", max_evals, low=3, allow_none=True)
    check_int(owner, "seed", seed, low=0)
    columns = _check_frames(reference, current, features, None)
    model = _model(predict, classes)
    ref = _sample(reference, max_rows, seed)
    cur = _sample(current, max_rows, seed + 1)
    back = _sample(reference, background, seed + 2)
    codes = _Codes.of(columns, reference, current)
    _run(model, ref[columns].iloc[:8])
    if len(model.classes) == 2:
        outputs: tuple[str, ...] = (f"probability of class {model.classes[1]!r}",)
    elif model.classes:
        outputs = tuple(f"probability of class {c!r}" for c in model.classes)
    else:
        outputs = ("predicted value",)

    def output(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        out = _run(model, codes.frame(matrix[:, :-1]))
        return out[:, 1] if len(model.classes) == 2 else out

    evals = _evaluations(max_evals, len(columns))
    back_matrix = _with_column(codes.matrix(back), np.zeros(len(back)))
    ref_values, ref_base = _shap_values(
        output, _with_column(codes.matrix(ref), np.zeros(len(ref))), back_matrix, evals, seed
    )
    cur_values, cur_base = _shap_values(
        output, _with_column(codes.matrix(cur), np.zeros(len(cur))), back_matrix, evals, seed
    )
    ref_values = ref_values.reshape(len(ref), len(columns), -1)
    cur_values = cur_values.reshape(len(cur), len(columns), -1)
    ref_out = ref_base.reshape(len(ref), -1) + ref_values.sum(axis=1)
    cur_out = cur_base.reshape(len(cur), -1) + cur_values.sum(axis=1)
    mean_shift = cur_values.mean(axis=0) - ref_values.mean(axis=0)  # features x outputs
    distance = _distances(ref_values, cur_values)
    threshold = _thresholds(ref_values, cur_values, distance, seed)
    total = float(distance.sum())
    # a shift beyond the noise that is a negligible part of the whole is not called a shift
    shifted = (distance > threshold) & (distance >= _MIN_SHARE * total)
    items = [
        FeatureShift(
            feature=name,
            distance=float(distance[j]),
            share=float(distance[j] / total) if total > 0 else None,
            threshold=float(threshold[j]),
            shifted=bool(shifted[j]),
            mean_shift=tuple(float(v) for v in mean_shift[j]),
        )
        for j, name in enumerate(columns)
    ]
    items.sort(key=lambda f: -f.distance)
    return PredictionDriftAttribution(
        method=METHOD_PREDICTION,
        outputs=outputs,
        reference_mean=tuple(float(v) for v in ref_out.mean(axis=0)),
        current_mean=tuple(float(v) for v in cur_out.mean(axis=0)),
        mean_shift=tuple(float(v) for v in cur_out.mean(axis=0) - ref_out.mean(axis=0)),
        attributable=bool(shifted.any()),
        features=tuple(items),
        bounds=_bounds(reference, current, len(ref), len(cur), len(back), evals),
    )


def _distances(ref: NDArray[np.float64], cur: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per feature, the Wasserstein distance of its SHAP values, summed over the outputs."""
    return np.array(
        [
            sum(
                float(wasserstein_distance(ref[:, j, k], cur[:, j, k])) for k in range(ref.shape[2])
            )
            for j in range(ref.shape[1])
        ]
    )


def _thresholds(
    ref: NDArray[np.float64], cur: NDArray[np.float64], observed: NDArray[np.float64], seed: int
) -> NDArray[np.float64]:
    """The distance each feature must exceed to count as shifted: the pooled rows are split at
    random into two sides of the same sizes; each feature's null distances are scaled by their
    mean, and the 95% quantile of the largest scaled distance over the features (family-wise
    over them) is scaled back per feature."""
    pooled = np.concatenate([ref, cur], axis=0)
    rng = np.random.default_rng(seed)
    null = np.empty((_PERMUTATIONS, ref.shape[1]))
    for p in range(_PERMUTATIONS):
        order = rng.permutation(len(pooled))
        null[p] = _distances(pooled[order[: len(ref)]], pooled[order[len(ref) :]])
    scale = null.mean(axis=0)
    floor = np.finfo(np.float64).tiny
    scaled_max = (null / np.maximum(scale, floor)).max(axis=1)
    level = float(np.quantile(scaled_max, 0.95))
    return np.asarray(np.maximum(scale * level, floor), dtype=np.float64)
