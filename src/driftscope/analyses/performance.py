"""Performance drift: is the model still as good as on the reference (or a benchmark)?

Every metric is computed on both sides with a seeded bootstrap confidence interval on current.
Status per metric (docs/performance.md, "Performance status"):

- **alert**: below a user floor, or a *significant* drop of at least ``alert_drop`` relative to
  the baseline;
- **warning**: a significant drop smaller than that but at least ``warning_drop``;
- **ok** otherwise: a drop that is not significant is within what sampling alone gives, and its
  message says so.

Significant means beyond the uncertainty of the difference. Against a benchmark (a fixed number)
that is the current interval alone: it excludes the benchmark. Against the reference value, which
is measured on a sample too, the half-width of the current interval on the side of the reference
is combined with the reference's own, taken as current's scaled by sqrt(n_current / n_reference):
the drop must exceed sqrt(h_current^2 + h_reference^2). Treating the reference value as exact
would flag about one random split in three on a few hundred rows. The task's metrics are one
family: the half-widths are widened from the interval's level to the Bonferroni level over the
k metrics with a direction (normal quantiles: z(1 - a / 2k) / z(1 - a / 2), a = 1 - confidence),
so that k looks at one model do not find a drop k times as often.

The baseline is the user's benchmark for that metric when given, else the reference value; for
the calibration error, which grows as rows get fewer, the reference's value expected on as many
rows as current. The overall status follows the verdict's rule (`overall_status`).

Below `MIN_INTERVAL_ROWS` labelled current rows no metric gets an interval, and a metric without
one, or with one of no width towards the baseline, is never significant. An interval of no width
at the edge of [0, 1] (every row right, or every row wrong) is replaced by the exact binomial one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope import metrics as M
from driftscope._shorten import printable
from driftscope._validate import check_int, check_probability
from driftscope.analyses.model import ModelColumns, Task, encode_labels
from driftscope.analyses.results import _clean
from driftscope.analyses.status import Status
from driftscope.exceptions import (
    ColumnError,
    MetricNotComputedError,
    ParameterError,
    invalid_parameter,
)
from driftscope.metrics import weighted_bootstrap as W

__all__ = [
    "CONFUSION_METRICS",
    "METRIC_RANGES",
    "MIN_INTERVAL_ROWS",
    "TASK_METRICS",
    "MetricResult",
    "PerformanceResult",
    "PerformanceSettings",
    "check_metric_names",
    "class_probabilities",
    "computed_metrics",
    "confusion_intervals",
    "format_interval",
    "higher_is_better",
    "judge_metrics",
    "overall_status",
    "run_performance",
    "side_metrics",
]

OK, WARNING, ALERT = Status.OK, Status.WARNING, Status.ALERT
_LABELS = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "precision_macro": "precision (macro)",
    "recall_macro": "recall (macro)",
    "f1_macro": "F1 (macro)",
    "f1_weighted": "F1 (weighted)",
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "log_loss": "log loss",
    "brier_score": "Brier score",
    "ece": "calibration error (ECE)",
    "mae": "MAE",
    "rmse": "RMSE",
    "mape": "MAPE",
    "median_absolute_error": "median absolute error",
    "r2": "R²",
    "mean_error": "mean error (bias)",
    "wer": "WER",
    "cer": "CER",
    "mean_iou": "mean IoU",
    "mean_dice": "mean Dice",
    "pixel_accuracy": "pixel accuracy",
}
_LOWER_IS_BETTER = {
    "log_loss",
    "brier_score",
    "ece",
    "mae",
    "rmse",
    "mape",
    "median_absolute_error",
    "wer",
    "cer",
}
# Metrics whose value is a level, not a quality: no direction, no status.
_NO_DIRECTION = {"mean_error"}
_UNIT = (0.0, 1.0)
_POSITIVE = (0.0, math.inf)
_CLASSIFICATION_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "f1_weighted",
)
# The range of each metric's values: a window's normal band is clipped to it, and a benchmark
# or a floor outside it is refused.
METRIC_RANGES: Mapping[str, tuple[float, float]] = {
    **dict.fromkeys(
        (
            *_CLASSIFICATION_METRICS,
            "roc_auc",
            "pr_auc",
            "ece",
            "mean_iou",
            "mean_dice",
            "pixel_accuracy",
        ),
        _UNIT,
    ),
    # Multiclass Brier score (sum over classes) reaches 2; WER and CER exceed 1 with insertions.
    "brier_score": (0.0, 2.0),
    **dict.fromkeys(
        ("log_loss", "mae", "rmse", "mape", "median_absolute_error", "wer", "cer"), _POSITIVE
    ),
    "r2": (-math.inf, 1.0),
    "mean_error": (-math.inf, math.inf),
}
_PROBABILITY_METRICS = ("roc_auc", "pr_auc", "log_loss", "brier_score", "ece")
# The metrics each task computes; a classifier's probability metrics need probability columns.
TASK_METRICS: Mapping[Task, tuple[str, ...]] = {
    Task.BINARY: _CLASSIFICATION_METRICS + _PROBABILITY_METRICS,
    Task.MULTICLASS: _CLASSIFICATION_METRICS + _PROBABILITY_METRICS,
    Task.REGRESSION: ("mae", "rmse", "mape", "median_absolute_error", "r2", "mean_error"),
    Task.ASR: ("wer", "cer"),
    Task.SEGMENTATION: ("mean_iou", "mean_dice", "pixel_accuracy"),
}
PRIMARY = {
    Task.BINARY: ("accuracy", "f1_macro", "roc_auc"),
    Task.MULTICLASS: ("accuracy", "f1_macro", "roc_auc"),
    Task.REGRESSION: ("mae", "rmse", "r2"),
    Task.ASR: ("wer",),
    Task.SEGMENTATION: ("mean_iou", "mean_dice"),
}


def higher_is_better(name: str) -> bool | None:
    """Whether a larger value of the metric is better (None: the metric is a level, such as
    the mean error, with no direction).

    >>> higher_is_better("accuracy"), higher_is_better("mae"), higher_is_better("mean_error")
    (True, False, None)
    """
    return None if name in _NO_DIRECTION else name not in _LOWER_IS_BETTER


def metric_label(name: str) -> str:
    return _LABELS.get(name, name)


@dataclass(frozen=True)
class PerformanceSettings:
    """Drop sizes are relative to the baseline (0.05 = 5% worse); ``floors`` and
    ``benchmarks`` map metric names to absolute values."""

    confidence: float = 0.95
    n_resamples: int = 1000
    warning_drop: float = 0.02
    alert_drop: float = 0.05
    floors: Mapping[str, float] = field(default_factory=dict)
    benchmarks: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    #: Who the user called, named in parameter messages (`monitor`).
    owner: InitVar[str] = "PerformanceSettings"

    def __post_init__(self, owner: str) -> None:
        check_probability(owner, "confidence", self.confidence)
        check_int(owner, "n_resamples", self.n_resamples, low=100)
        if not 0 <= self.warning_drop <= self.alert_drop:
            raise invalid_parameter(
                owner,
                "warning_drop",
                f"a float in [0, alert_drop={self.alert_drop}]",
                self.warning_drop,
            )
        known = [n for n in _LABELS if n not in _NO_DIRECTION]
        for mapping, what in ((self.floors, "floor"), (self.benchmarks, "benchmark")):
            for name, value in mapping.items():
                if name not in known:
                    raise _not_computed(
                        f"{what}s",
                        str(name),
                        "is a level with no better direction"
                        if name in _NO_DIRECTION
                        else "is not a metric driftscope computes",
                        _every_task_metrics(),
                    )
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ParameterError(
                        f"The {what} for {name!r} must be a number. Got {value!r}."
                    )


def computed_metrics(task: Task, probabilities: bool) -> tuple[str, ...]:
    """The metrics ``task`` computes that a benchmark or floor can apply to (all but those
    without a direction); a classifier's probability metrics only with ``probabilities``.

    >>> computed_metrics(Task.ASR, probabilities=False)
    ('wer', 'cer')
    """
    return tuple(
        name
        for name in TASK_METRICS[task]
        if name not in _NO_DIRECTION and (probabilities or name not in _PROBABILITY_METRICS)
    )


def check_metric_names(settings: PerformanceSettings, task: Task, probabilities: bool) -> None:
    """Refuse a benchmark or floor for a metric this task never computes: it would be
    accepted and then never compared with anything."""
    computed = computed_metrics(task, probabilities)
    for mapping, argument in ((settings.benchmarks, "benchmarks"), (settings.floors, "floors")):
        for name in mapping:
            if name in computed:
                continue
            if task.is_classification and name in _PROBABILITY_METRICS:
                reason = f"needs probability columns, and this {task} model has none"
            elif name in _NO_DIRECTION and name in TASK_METRICS[task]:
                reason = "is a level with no better direction"
            else:
                reason = f"is not computed by a {task} task"
            raise _not_computed(argument, name, reason, f"one of {', '.join(computed)}")


def _every_task_metrics() -> str:
    """The metrics each task computes, for a name no task knows."""
    tasks = {
        "classification": computed_metrics(Task.MULTICLASS, probabilities=False),
        "classification with probability columns": _PROBABILITY_METRICS,
        "regression": computed_metrics(Task.REGRESSION, probabilities=False),
        "speech recognition": TASK_METRICS[Task.ASR],
        "segmentation": TASK_METRICS[Task.SEGMENTATION],
    }
    return "one of " + "; ".join(f"{task}: {', '.join(names)}" for task, names in tasks.items())


def _not_computed(argument: str, name: str, reason: str, expected: str) -> MetricNotComputedError:
    return MetricNotComputedError(
        f"The {argument} name metric {name!r}, which {reason}: no {argument[:-1]} can apply to "
        f"it. Expected {expected}.",
        argument=argument,
        metric=name,
        reason=reason,
        expected=expected,
    )


@dataclass(frozen=True)
class MetricResult:
    name: str
    label: str
    higher_is_better: bool | None
    primary: bool
    reference: float | None
    current: float | None
    current_low: float | None
    current_high: float | None
    baseline: float | None
    baseline_source: str | None
    floor: float | None
    delta: float | None
    relative_change: float | None
    significant: bool
    status: str
    message: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(_clean(asdict(self)))


@dataclass(frozen=True)
class PerformanceResult:
    task: str
    labels: tuple[str, ...]
    n_reference: int
    n_current: int
    n_reference_labelled: int
    n_current_labelled: int
    metrics: tuple[MetricResult, ...]
    status: str
    confidence: float = 0.95
    details: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None

    def metric(self, name: str) -> MetricResult:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "labels": list(self.labels),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "n_reference_labelled": self.n_reference_labelled,
            "n_current_labelled": self.n_current_labelled,
            "status": self.status,
            "confidence": self.confidence,
            "metrics": [m.to_dict() for m in self.metrics],
            "details": _clean(dict(self.details)),
            "note": self.note,
        }


# ---------------------------------------------------------------------------------------------
# one side's data


@dataclass(frozen=True)
class _Side:
    n_rows: int
    n_labelled: int
    arrays: Mapping[str, Any]
    # Frame positions of the rows in `arrays`, ascending.
    rows: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def subset(self, positions: NDArray[np.int64]) -> _Side:
        """The same data restricted to some frame rows (a time window), without re-reading
        or re-encoding the frame."""
        keep = np.isin(self.rows, positions)
        arrays: dict[str, Any] = {}
        for key, value in self.arrays.items():
            if isinstance(value, np.ndarray) and value.shape[:1] == self.rows.shape:
                arrays[key] = value[keep]
            elif isinstance(value, list) and len(value) == self.rows.size:
                arrays[key] = [v for v, k in zip(value, keep, strict=True) if k]
            else:
                arrays[key] = value
        return _Side(int(positions.size), int(keep.sum()), arrays, self.rows[keep])


def class_probabilities(
    frame: pd.DataFrame, model: ModelColumns, side: str
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The model's probability of each class as given, one column per class of
    ``model.labels``, and which rows hold usable ones (every value finite and in [0, 1]).

    A binary model's one probability column is the positive class's: the other class gets its
    complement. Classes without a column (labels the model never learnt) get probability 0.

    >>> frame = pd.DataFrame({"y_pred_proba": [0.25, 0.5, None]})
    >>> model = ModelColumns(Task.BINARY, "y", "p", ("y_pred_proba",), ("0", "1"))
    >>> proba, usable = class_probabilities(frame, model, "current")
    >>> proba[:2].tolist(), usable.tolist()
    ([[0.75, 0.25], [0.5, 0.5]], [True, True, False])
    """
    columns = []
    for name in model.probabilities:
        if name not in frame.columns:
            raise ColumnError(f"Probability column {name!r} is not in the {side} data.")
        columns.append(
            pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64, na_value=np.nan)
        )
    proba = np.column_stack(columns)
    if len(model.probabilities) == 1 and len(model.labels) == 2:
        proba = np.column_stack([1.0 - proba[:, 0], proba[:, 0]])
    elif proba.shape[1] < len(model.labels):
        # Labels the model never learnt have no probability column: probability 0.
        missing = len(model.labels) - proba.shape[1]
        proba = np.column_stack([proba, np.zeros((proba.shape[0], missing))])
    usable = (np.isfinite(proba) & (proba >= 0) & (proba <= 1)).all(axis=1)
    return proba, usable


def _probabilities(
    frame: pd.DataFrame,
    model: ModelColumns,
    rows: NDArray[np.bool_],
    side: str,
    warnings: list[str],
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """The probabilities of each class, rows rescaled to sum to 1 (for losses and calibration),
    and as given (for the ranking metrics, ROC-AUC and PR-AUC: rescaling a row by its sum, off
    1 by rounding, would split ties between rows and move the AUC off scikit-learn's)."""
    if not model.probabilities:
        return None
    every, usable = class_probabilities(frame, model, side)
    proba, bad = every[rows], ~usable[rows]
    if bad.any():
        warnings.append(
            f"Probabilities ({side}): {int(bad.sum())} row(s) hold values outside [0, 1] or "
            f"missing (columns {', '.join(map(repr, model.probabilities))}); "
            "probability metrics (ROC-AUC, log loss, Brier, calibration) are skipped."
        )
        return None
    sums = proba.sum(axis=1)
    off = np.abs(sums - 1.0) > 1e-3
    if off.any():
        worst = float(sums[np.argmax(np.abs(sums - 1.0))])
        warnings.append(
            f"Probabilities ({side}): {int(off.sum())} row(s) do not sum to 1 (worst {worst:.4g}); "
            "they are rescaled to sum to 1."
        )
    total = np.where(sums > 0, sums, 1.0)
    return proba / total[:, None], proba


def _masks(values: pd.Series, column: str, side: str) -> list[NDArray[np.int64]]:
    """The masks of a column, as arrays. Mask files are read before the analysis, through the
    one gate for user-given paths (`driftscope.modalities.masks.read_masks`): a path reaching
    here was not read, and is refused rather than opened."""
    out: list[NDArray[np.int64]] = []
    for value in values:
        if not isinstance(value, np.ndarray):
            raise ColumnError(
                f"Column {column!r} ({side}): expected a mask as a 2-D array; got "
                f"{printable(repr(value), 100)} (mask files are read by driftscope.monitor, "
                "under the allowed roots)."
            )
        out.append(np.asarray(value, dtype=np.int64))
    return out


def _side(frame: pd.DataFrame, model: ModelColumns, side: str, warnings: list[str]) -> _Side | None:
    """The labelled rows of one side as the arrays the task's metrics need, or None when there
    is no target (or no prediction) to measure."""
    assert model.target is not None
    assert model.prediction is not None
    if model.target not in frame.columns or model.prediction not in frame.columns:
        return None
    target, prediction = frame[model.target], frame[model.prediction]
    labelled = (target.notna() & prediction.notna()).to_numpy()
    n_labelled = int(labelled.sum())
    arrays: dict[str, Any] = {}
    task = model.task
    rows = np.flatnonzero(labelled).astype(np.int64)
    if n_labelled == 0:
        return _Side(len(frame), 0, arrays, rows)
    if task is not None and task.is_classification:
        encoded = encode_labels(target[labelled], prediction[labelled], model.labels)
        arrays["y_true"], arrays["y_pred"] = encoded.y_true, encoded.y_pred
        arrays["n_labels"] = len(model.labels)
        arrays["labels"] = model.labels
        both = _probabilities(frame, model, labelled, side, warnings)
        arrays["proba"], arrays["scores"] = (None, None) if both is None else both
    elif task is Task.REGRESSION:
        y_true = pd.to_numeric(target[labelled], errors="coerce").to_numpy(
            np.float64, na_value=np.nan
        )
        y_pred = pd.to_numeric(prediction[labelled], errors="coerce").to_numpy(
            np.float64, na_value=np.nan
        )
        ok = np.isfinite(y_true) & np.isfinite(y_pred)
        if not ok.all():
            warnings.append(
                f"Performance ({side}): {int((~ok).sum())} row(s) with a non-numeric or infinite "
                "target or prediction are left out."
            )
        arrays["y_true"], arrays["y_pred"] = y_true[ok], y_pred[ok]
        n_labelled = int(ok.sum())
        rows = rows[ok]
    elif task is Task.ASR:
        arrays["references"] = target[labelled].astype(str).tolist()
        arrays["hypotheses"] = prediction[labelled].astype(str).tolist()
    elif task is Task.SEGMENTATION:
        arrays["true_masks"] = _masks(target[labelled], model.target, side)
        arrays["pred_masks"] = _masks(prediction[labelled], model.prediction, side)
    return _Side(len(frame), n_labelled, arrays, rows)


# ---------------------------------------------------------------------------------------------
# metrics of one side

CountStatistic = Callable[[NDArray[np.float64]], NDArray[np.float64]]


#: The metrics of a confusion matrix, each of a batch of matrices, shape (..., k, k) -> (...).
CONFUSION_METRICS: Mapping[str, Callable[[Any], Any]] = {
    "accuracy": M.accuracy_from_confusion,
    "balanced_accuracy": M.balanced_accuracy_from_confusion,
    "precision_macro": lambda b: M.precision_from_confusion(b, average="macro"),
    "recall_macro": lambda b: M.recall_from_confusion(b, average="macro"),
    "f1_macro": lambda b: M.f1_from_confusion(b, average="macro"),
    "f1_weighted": lambda b: M.f1_from_confusion(b, average="weighted"),
}


def _calibration_pairs(
    y_true: NDArray[np.int64], proba: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """What the calibration error compares, per row, as `expected_calibration_error`: the
    positive-class probability and whether the row is positive (binary), or the top-label
    probability and whether the top label is right (multiclass)."""
    if proba.shape[1] == 2:
        return proba[:, 1], (y_true == 1).astype(np.float64)
    top = proba.argmax(axis=1)
    return proba[np.arange(y_true.size), top], (top == y_true).astype(np.float64)


def _proba_statistics(
    y_true: NDArray[np.int64], proba: NDArray[np.float64], scores: NDArray[np.float64], k: int
) -> dict[str, CountStatistic]:
    """Each probability metric as a function of resample counts over these rows: losses and
    calibration from ``proba`` (rows summing to 1), rankings from ``scores`` (as given)."""
    rows = np.arange(y_true.size)
    eps = float(np.finfo(np.float64).eps)
    p_true = np.clip(proba[rows, y_true], eps, 1.0 - eps)
    if k == 2:
        brier = (proba[:, 1] - (y_true == 1)) ** 2
    else:
        brier = np.sum(proba * proba, axis=1) - 2.0 * proba[rows, y_true] + 1.0
    confidence, correct = _calibration_pairs(y_true, proba)
    stats: dict[str, CountStatistic] = {
        "log_loss": W.mean_from_counts(-np.log(p_true)),
        "brier_score": W.mean_from_counts(brier),
        "ece": W.ece_from_counts(confidence, correct),
    }
    if k == 2:
        stats["roc_auc"] = W.roc_auc_from_counts(y_true == 1, scores[:, 1])
        stats["pr_auc"] = W.average_precision_from_counts(y_true == 1, scores[:, 1])
    else:
        # One-vs-rest scores are defined only for classes with both positives and negatives
        # among these rows (a class no current row has would divide by zero).
        present = [c for c in range(k) if 0 < int(np.count_nonzero(y_true == c)) < y_true.size]
        aucs = [W.roc_auc_from_counts(y_true == c, scores[:, c]) for c in present]
        aps = [W.average_precision_from_counts(y_true == c, scores[:, c]) for c in present]

        def macro(parts: list[CountStatistic]) -> CountStatistic:
            """The mean over classes, per resample, of the classes that resample has both
            positives and negatives of (a rare class can be missing from a resample)."""

            def stat(counts: NDArray[np.float64]) -> NDArray[np.float64]:
                with np.errstate(invalid="ignore", divide="ignore"):
                    values = np.stack([f(counts) for f in parts])
                finite = np.isfinite(values)
                n = finite.sum(axis=0)
                total = np.where(finite, values, 0.0).sum(axis=0)
                result: NDArray[np.float64] = np.divide(
                    total, n, out=np.full(total.shape, np.nan), where=n > 0
                )
                return result

            return stat

        if present:
            stats["roc_auc"], stats["pr_auc"] = macro(aucs), macro(aps)
    return stats


def _regression_statistics(
    y_true: NDArray[np.float64], y_pred: NDArray[np.float64]
) -> dict[str, CountStatistic]:
    """Each regression metric with a count form, as a function of resample counts."""
    error = y_pred - y_true
    nonzero = (y_true != 0).astype(np.float64)
    ape = np.abs(error) / np.where(y_true != 0, np.abs(y_true), 1.0) * nonzero

    def rmse(counts: NDArray[np.float64]) -> NDArray[np.float64]:
        result: NDArray[np.float64] = np.sqrt((counts @ (error * error)) / counts.sum(axis=1))
        return result

    def r2(counts: NDArray[np.float64]) -> NDArray[np.float64]:
        n = counts.sum(axis=1)
        total = counts @ (y_true * y_true) - (counts @ y_true) ** 2 / n
        result: NDArray[np.float64] = 1.0 - (counts @ (error * error)) / total
        return result

    def mape(counts: NDArray[np.float64]) -> NDArray[np.float64]:
        result: NDArray[np.float64] = (counts @ ape) / (counts @ nonzero)
        return result

    return {
        "mae": W.mean_from_counts(np.abs(error)),
        "rmse": rmse,
        "mean_error": W.mean_from_counts(error),
        "r2": r2,
        "mape": mape,
    }


Interval = tuple[float, float | None, float | None]
# Metrics biased by the number of rows (the calibration error of a perfectly calibrated model is
# above 0, more so on fewer rows): their bootstrap resamples are centred on the estimate, and
# their reference baseline is taken at the current's size (`_expected_ece`).
_SIZE_BIASED = frozenset({"ece"})
# Below this many labelled current rows (utterances, images) metrics get no interval: a
# percentile bootstrap of a handful of rows is too coarse to call anything significant.
MIN_INTERVAL_ROWS = 30


def _clopper_pearson_edge(n: int, confidence: float) -> float:
    """How far the exact (Clopper-Pearson) interval of a share seen at 0 (or 1) in n rows
    reaches: 1 - (a / 2)^(1 / n), a = 1 - confidence.

    >>> round(_clopper_pearson_edge(30, 0.95), 4), round(_clopper_pearson_edge(200, 0.95), 4)
    (0.1157, 0.0183)
    """
    return float(1.0 - ((1.0 - confidence) / 2.0) ** (1.0 / n))


def _ci(ci: M.ConfidenceInterval) -> Interval:
    return ci.estimate, ci.low, ci.high


def confusion_intervals(
    cm: NDArray[np.int64], settings: PerformanceSettings, with_ci: bool
) -> dict[str, Interval]:
    """The metrics of a confusion matrix (value, and the bootstrap interval when ``with_ci``:
    rows resampled are the matrix's cells resampled, so the counts alone give it)."""
    out: dict[str, Interval] = {}
    for name, fn in CONFUSION_METRICS.items():
        if with_ci:
            out[name] = _ci(
                M.bootstrap_ci_confusion(
                    cm,
                    fn,
                    n_resamples=settings.n_resamples,
                    confidence=settings.confidence,
                    seed=settings.seed,
                )
            )
        else:
            out[name] = float(np.asarray(fn(cm))), None, None
    return out


def side_metrics(
    task: Task, side: _Side, settings: PerformanceSettings, with_ci: bool = True
) -> tuple[dict[str, Interval], dict[str, Any]]:
    """Every metric of the task on one side (value, CI low, CI high), and details for plots."""
    a = side.arrays
    out: dict[str, Interval] = {}
    details: dict[str, Any] = {}
    n_boot, conf, seed = settings.n_resamples, settings.confidence, settings.seed

    def ci_rows(fn: Callable[..., float], *arrays: Any) -> Interval:
        return _ci(M.bootstrap_ci(fn, *arrays, n_resamples=n_boot, confidence=conf, seed=seed))

    def ci_ratio(numerators: Any, denominators: Any) -> Interval:
        return _ci(
            M.bootstrap_ci_ratio(
                numerators, denominators, n_resamples=n_boot, confidence=conf, seed=seed
            )
        )

    def point(value: float) -> Interval:
        return value, None, None

    notes: dict[str, str] = {}

    def interval(name: str, ci: M.ConfidenceInterval) -> Interval:
        if ci.defined:
            return ci.estimate, ci.low, ci.high
        total = ci.n_resamples + ci.n_undefined
        notes[name] = (
            f"no confidence interval: undefined on {ci.n_undefined} of {total} bootstrap "
            "resamples (too few rows, or too few of a class)"
        )
        return ci.estimate, None, None

    few = with_ci and side.n_labelled < MIN_INTERVAL_ROWS
    with_ci = with_ci and not few
    if task.is_classification:
        seen = int(max(a["y_true"].max(initial=-1), a["y_pred"].max(initial=-1)) + 1)
        k = max(seen, int(a.get("n_labels", 0)))
        labels = np.arange(k)
        y_true, y_pred = a["y_true"], a["y_pred"]
        cm = M.confusion_matrix(y_true, y_pred, labels=labels)
        details["confusion_matrix"] = cm.tolist()
        out.update(confusion_intervals(cm, settings, with_ci))
        prf = M.precision_recall_f1(y_true, y_pred, labels=labels)
        details["per_class"] = {
            "precision": list(prf.precision),
            "recall": list(prf.recall),
            "f1": list(prf.f1),
            "support": list(prf.support),
        }
        proba, scores = a.get("proba"), a.get("scores")
        if proba is not None and scores is not None and proba.shape[1] == k:
            estimates = {
                "log_loss": M.log_loss(y_true, proba, labels),
                "brier_score": M.brier_score(y_true, proba, labels),
                "ece": M.expected_calibration_error(y_true, proba, labels),
            }
            missing = [c for c in range(k) if not np.any(y_true == c)]
            if missing or k < 2:
                names = [str(n) for n in a.get("labels", labels)]
                why = (
                    f"not computed: class(es) {', '.join(repr(names[c]) for c in missing[:5])} "
                    "have no row in the target here, and one-vs-rest ROC-AUC and PR-AUC need "
                    "every class"
                )
                notes.update({"roc_auc": why, "pr_auc": why})
            else:
                # From the count statistics with every count 1: ranked on the scores as given.
                ranking = _proba_statistics(y_true, proba, scores, k)
                ones = np.ones((1, y_true.size))
                estimates["roc_auc"] = float(ranking["roc_auc"](ones)[0])
                estimates["pr_auc"] = float(ranking["pr_auc"](ones)[0])
            if with_ci:
                resamples = W.CountResamples.draw(y_true.size, n_resamples=n_boot, seed=seed)
                pool = resamples.pool
                stats = _proba_statistics(y_true[pool], proba[pool], scores[pool], k)
                found = resamples.intervals(
                    {name: (stats[name], value) for name, value in estimates.items()},
                    conf,
                    centred=_SIZE_BIASED,
                )
                out.update({name: interval(name, ci) for name, ci in found.items()})
            else:
                out.update({name: point(value) for name, value in estimates.items()})
            curve = M.reliability_curve(y_true, proba, labels)
            details["reliability"] = _clean(asdict(curve))
    elif task is Task.REGRESSION:
        y_true, y_pred = a["y_true"], a["y_pred"]
        reg: dict[str, Callable[..., float]] = {
            "mae": M.mae,
            "rmse": M.rmse,
            "median_absolute_error": M.median_absolute_error,
            "r2": M.r2,
            "mean_error": M.mean_error,
        }
        if np.any(y_true != 0):
            reg["mape"] = lambda t, p: M.mape(t, p).value
        estimates = {name: fn(y_true, y_pred) for name, fn in reg.items()}
        if with_ci:
            resamples = W.CountResamples.draw(y_true.size, n_resamples=n_boot, seed=seed)
            stats = _regression_statistics(y_true[resamples.pool], y_pred[resamples.pool])
            found = resamples.intervals(
                {name: (stats[name], v) for name, v in estimates.items() if name in stats}, conf
            )
            out.update({name: interval(name, ci) for name, ci in found.items()})
            # The median has no count form: resample rows (m-out-of-n beyond 20,000).
            out["median_absolute_error"] = ci_rows(M.median_absolute_error, y_true, y_pred)
        else:
            out.update({name: point(value) for name, value in estimates.items()})
        details["error_distribution"] = _clean(asdict(M.error_distribution(y_true, y_pred)))
    elif task is Task.ASR:
        for name, per in (
            ("wer", M.word_errors_per_utterance),
            ("cer", M.character_errors_per_utterance),
        ):
            u = per(a["references"], a["hypotheses"])
            if with_ci:
                out[name] = ci_ratio(u.errors, u.n_reference_units)
            else:
                total = float(np.sum(u.n_reference_units))
                out[name] = point(float(np.sum(u.errors)) / total if total else math.nan)
    elif task is Task.SEGMENTATION:
        counts = M.per_image_counts(a["true_masks"], a["pred_masks"])
        if with_ci:
            out["mean_iou"] = ci_ratio(counts.intersection, counts.union)
            dice_num = 2 * counts.intersection
            dice_den = counts.true_area + counts.pred_area
            out["mean_dice"] = ci_ratio(dice_num, dice_den)
            out["pixel_accuracy"] = ci_ratio(counts.correct, counts.n_pixels)
        else:
            out["mean_iou"] = point(M.mean_iou(a["true_masks"], a["pred_masks"]))
            out["mean_dice"] = point(M.mean_dice(a["true_masks"], a["pred_masks"]))
            out["pixel_accuracy"] = point(M.pixel_accuracy(a["true_masks"], a["pred_masks"]))
    if few:
        for name in out:
            notes.setdefault(
                name,
                f"no confidence interval: {side.n_labelled} labelled row(s), fewer than "
                f"{MIN_INTERVAL_ROWS}; a change is not judged significant",
            )
    for name, (value, low, high) in out.items():
        # Every resample alike (every row right, or every row wrong): the percentile interval
        # has no width, and a drop beside it would look certain on any number of rows.
        if (
            low is not None
            and low == high
            and METRIC_RANGES.get(name) == _UNIT
            and value in (0.0, 1.0)
        ):
            edge = _clopper_pearson_edge(side.n_labelled, conf)
            out[name] = (value, max(0.0, value - edge), min(1.0, value + edge))
            notes.setdefault(
                name,
                f"every bootstrap resample gave {value:g}: the interval is the exact "
                f"(Clopper-Pearson) one of a share seen at {value:g} in {side.n_labelled:,} rows",
            )
    if notes:
        details["notes"] = notes
    return out, details


# ---------------------------------------------------------------------------------------------
# comparison


def format_interval(low: float, high: float, digits: int = 4) -> str:
    """An interval as ``[low, high]``: unambiguous with negative ends, unlike ``low-high``.

    >>> format_interval(-0.72761, -0.27839)
    '[-0.7276, -0.2784]'
    """
    return f"[{low:.{digits}g}, {high:.{digits}g}]"


def _family_widening(confidence: float, k: int) -> float:
    """How much wider a two-sided interval at the Bonferroni level over k tests is than one at
    ``confidence`` (normal quantiles).

    >>> round(_family_widening(0.95, 1), 6), round(_family_widening(0.95, 3), 3)
    (1.0, 1.221)
    """
    from scipy.stats import norm

    a = 1.0 - confidence
    return float(norm.ppf(1 - a / (2 * max(k, 1))) / norm.ppf(1 - a / 2))


def _significance_text(significant: bool, large: bool, half: float | None) -> str:
    """What the message says of a drop: significant, within sampling error, or not judged
    (no interval, or one without width towards the baseline); nothing for a small move."""
    if significant:
        return "; significant"
    if not large:
        return ""
    if half is None:
        return "; not judged without a confidence interval"
    if half <= 0:
        return "; not judged: the interval has no width towards the baseline"
    return "; within sampling error"


def _judge(
    name: str,
    task: Task,
    reference: Interval | None,
    current: Interval | None,
    settings: PerformanceSettings,
    *,
    resized: tuple[float, int] | None = None,
    note: str | None = None,
    reference_scale: float = 0.0,
    widen: float = 1.0,
) -> MetricResult:
    """One metric's comparison. ``resized`` is the reference's value expected on as many rows
    as current (value, rows), the baseline of a size-biased metric when there is no benchmark.
    ``reference_scale`` is sqrt(n_current / n_reference): the reference value's half-width
    relative to current's, when the baseline is the reference value (0 treats it as exact);
    ``widen`` the factor from the interval's level to the family-wise level."""
    label = metric_label(name)
    higher = higher_is_better(name)
    ref_value = None if reference is None else reference[0]
    cur_value, low, high = (None, None, None) if current is None else current
    baseline: float | None
    source: str | None
    if name in settings.benchmarks:
        baseline, source, source_text = settings.benchmarks[name], "benchmark", "benchmark"
        reference_scale = 0.0  # a benchmark is a fixed number
    elif resized is not None:
        baseline, source = resized[0], "reference"
        source_text = f"reference, expected at {resized[1]:,} rows"
        reference_scale = 0.0  # its spread is in the expectation's own resamples
    else:
        baseline, source = ref_value, None if ref_value is None else "reference"
        source_text = "reference"
    floor = settings.floors.get(name)
    delta = relative = None
    significant = False
    status = OK
    parts: list[str] = []
    if (
        cur_value is not None
        and math.isfinite(cur_value)
        and baseline is not None
        and math.isfinite(baseline)
    ):
        delta = cur_value - baseline
        relative = delta / abs(baseline) if baseline != 0 else None
        if higher is not None:
            worse = -delta if higher else delta
            rel_worse = (
                (worse / abs(baseline)) if baseline != 0 else (math.inf if worse > 0 else 0.0)
            )
            # The current interval's half towards the baseline, and the reference's own. A
            # half of zero (too few rows, every resample alike) measures nothing: it never
            # makes a drop significant.
            half: float | None = None
            if low is not None and high is not None:
                half = (high - cur_value) if higher else (cur_value - low)
            if half is not None and half > 0 and worse > 0:
                margin = widen * math.hypot(half, half * reference_scale)
                significant = bool(worse > margin)
            if significant and rel_worse >= settings.alert_drop:
                status = ALERT
            elif significant and rel_worse >= settings.warning_drop:
                status = WARNING
            verb = "fell" if worse > 0 and higher else "rose" if worse > 0 else "moved"
            if worse <= 0:
                verb = "improved" if worse < 0 else "held"
            ci = (
                f", {settings.confidence:.0%} CI {format_interval(low, high)}"
                if low is not None and high is not None
                else ""
            )
            parts.append(
                f"{label} {verb} from {baseline:.4g} ({source_text}) to {cur_value:.4g}{ci}"
                + (f", {relative:+.1%}" if relative is not None else "")
                + _significance_text(
                    significant, worse > 0 and rel_worse >= settings.warning_drop, half
                )
            )
    if floor is not None and cur_value is not None and higher is not None:
        below = cur_value < floor if higher else cur_value > floor
        if below:
            status = ALERT
            parts.append(
                f"{label} {cur_value:.4g} is {'below' if higher else 'above'} the floor {floor:.4g}"
            )
    if cur_value is None:
        status = Status.SKIPPED
        parts.append(f"{label}: no current value" + (f" ({note})" if note else ""))
    elif not parts:
        parts.append(f"{label} {cur_value:.4g}")
    return MetricResult(
        name=name,
        label=label,
        higher_is_better=higher,
        primary=name in PRIMARY.get(task, ()),
        reference=ref_value,
        current=cur_value,
        current_low=low,
        current_high=high,
        baseline=baseline,
        baseline_source=source,
        floor=floor,
        delta=delta,
        relative_change=relative,
        significant=significant,
        status=status,
        message="; ".join(parts) + ".",
        note=note,
    )


def overall_status(metrics: Sequence[MetricResult]) -> str:
    """The performance status, by the rule the verdict uses for its performance reasons.

    ``alert`` when a primary metric is in alert (the verdict's ``retrain``); ``warning`` when a
    primary metric is in warning, a secondary metric in alert, or a secondary metric in warning
    with a significant change (the verdict's ``investigate``); ``ok`` otherwise. So a secondary
    metric in alert beside ok primary metrics reads ``warning``, as the verdict ``investigate``.

    >>> def m(status, primary, significant=False):
    ...     return MetricResult("x", "x", True, primary, None, None, None, None, None, None,
    ...                         None, None, None, significant, status, "")
    >>> overall_status([m(OK, True), m(ALERT, False)]), overall_status([m(ALERT, True)])
    ('warning', 'alert')
    >>> overall_status([m(OK, True), m(WARNING, False)])
    'ok'
    """
    if any(m.primary and m.status == ALERT for m in metrics):
        return ALERT
    if any(
        m.status == ALERT or (m.status == WARNING and (m.primary or m.significant)) for m in metrics
    ):
        return WARNING
    return OK


# Rows scored in all when the reference's ECE is estimated at the current's size: 200 subsamples
# of up to 10,000 rows, fewer (but at least 20, whose mean varies little) of larger ones.
_EXPECTED_ECE_ROWS = 2_000_000


def _expected_ece(side: _Side, n_rows: int, seed: int) -> float | None:
    """Mean calibration error of this side on subsamples of ``n_rows`` rows (without
    replacement): what its ECE would read on as many rows as the other side. The ECE of even a
    perfectly calibrated model is above 0 and grows as rows get fewer, so a 40,000-row
    reference against a 5,000-row current would otherwise always look better calibrated."""
    y_true, proba = side.arrays.get("y_true"), side.arrays.get("proba")
    if proba is None or y_true is None or not 0 < n_rows < y_true.size:
        return None
    ece = W.ece_of_rows(*_calibration_pairs(y_true, proba))
    rng = np.random.default_rng([seed, 2])
    n_subsamples = min(200, max(20, _EXPECTED_ECE_ROWS // n_rows))
    values = [ece(rng.choice(y_true.size, size=n_rows, replace=False)) for _ in range(n_subsamples)]
    return float(np.mean(values))


def judge_metrics(
    task: Task,
    reference: Mapping[str, Interval],
    current: Mapping[str, Interval],
    settings: PerformanceSettings,
    *,
    n_reference: int,
    n_current: int,
    notes: Mapping[str, str] | None = None,
    resized: Mapping[str, tuple[float, int]] | None = None,
) -> tuple[MetricResult, ...]:
    """Each metric of either side judged: current against the reference (or a benchmark),
    the intervals widened to the family of metrics with a direction."""
    names = list(dict.fromkeys([*reference, *current]))
    reference_scale = math.sqrt(n_current / n_reference) if n_reference else 0.0
    family = sum(1 for n in names if n not in _NO_DIRECTION and current.get(n) is not None)
    widen = _family_widening(settings.confidence, family)
    return tuple(
        _judge(
            n,
            task,
            reference.get(n),
            current.get(n),
            settings,
            resized=(resized or {}).get(n),
            note=(notes or {}).get(n),
            reference_scale=reference_scale,
            widen=widen,
        )
        for n in names
    )


def run_performance(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    model: ModelColumns,
    settings: PerformanceSettings,
) -> tuple[PerformanceResult | None, list[str]]:
    """Compare the model's performance on current with reference (or benchmarks).

    Returns None (and a warning saying why) when current has no target to measure against.
    """
    warnings: list[str] = []
    if model.task is None or model.prediction is None or model.target is None:
        what = "target" if model.target is None else "prediction"
        warnings.append(f"Performance is skipped: no {what} column was given or found.")
        return None, warnings
    if model.target not in current.columns or current[model.target].notna().sum() == 0:
        warnings.append(
            f"Performance is skipped: the current data has no values in target {model.target!r} "
            "(labels not arrived yet?). Drift and data quality still run."
        )
        return None, warnings
    cur = _side(current, model, "current", warnings)
    ref = _side(reference, model, "reference", warnings)
    if cur is None or cur.n_labelled == 0:
        warnings.append(
            "Performance is skipped: no current row has both a target and a prediction."
        )
        return None, warnings
    cur_values, cur_details = side_metrics(model.task, cur, settings)
    ref_values: dict[str, Interval] = {}
    ref_details: dict[str, Any] = {}
    if ref is not None and ref.n_labelled > 0:
        ref_values, ref_details = side_metrics(model.task, ref, settings, with_ci=False)
    elif not settings.benchmarks:
        warnings.append(
            "Performance: the reference has no labelled rows and no benchmark was given; "
            "current metrics are reported without a baseline."
        )
    resized: dict[str, tuple[float, int]] = {}
    if ref is not None and "ece" in ref_values and "ece" in cur_values:
        expected = _expected_ece(ref, cur.n_labelled, settings.seed)
        if expected is not None:
            resized["ece"] = (expected, cur.n_labelled)
    results = judge_metrics(
        model.task,
        ref_values,
        cur_values,
        settings,
        n_reference=0 if ref is None else ref.n_labelled,
        n_current=cur.n_labelled,
        notes=cur_details.get("notes", {}),
        resized=resized,
    )
    worst = overall_status(results)
    if cur.n_labelled < cur.n_rows:
        warnings.append(
            f"Performance uses the {cur.n_labelled:,} of {cur.n_rows:,} current rows that have "
            "both a target and a prediction."
        )
    return (
        PerformanceResult(
            task=str(model.task),
            labels=model.labels,
            n_reference=len(reference),
            n_current=len(current),
            n_reference_labelled=0 if ref is None else ref.n_labelled,
            n_current_labelled=cur.n_labelled,
            metrics=results,
            status=worst,
            confidence=settings.confidence,
            details={"reference": ref_details, "current": cur_details},
        ),
        warnings,
    )
