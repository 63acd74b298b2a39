"""Performance without labels: how good the model is on rows whose labels have not arrived.

Classifiers are estimated from their probabilities (confidence-based performance estimation,
`driftscope.analyses._cbpe`), regressors from a model of their expected error (direct loss
estimation, `driftscope.analyses._dle`). Both learn on the reference, where the labels are
known, and both rest on one assumption, stated in every result: **the relation between the
inputs and the label is the one the reference had** (covariate shift is allowed, concept drift
is not). When labels do arrive, each window's estimate is compared with the realised value, and
a realised value outside the estimate's band more often than the band's level allows says the
assumption broke (`EstimateCheck`).

Per window of current (by period, size or count, as the monitoring windows), each metric has an
estimate, a band (where the realised value falls, at ``confidence``, when the assumption
holds), the baseline (a benchmark, else the reference's realised value) and a status: a drop of
at least ``warning_drop`` / ``alert_drop`` (relative) that is beyond the sampling of both sides
(the half-widths of the window's band and the reference's, combined as independent errors).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as sps
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from driftscope._validate import check_int, check_probability
from driftscope.analyses import _cbpe as CB
from driftscope.analyses import _dle as DL
from driftscope.analyses._design import Design
from driftscope.analyses.model import ModelColumns, Task, encode_labels
from driftscope.analyses.performance import (
    PRIMARY,
    class_probabilities,
    higher_is_better,
    metric_label,
)
from driftscope.analyses.results import _clean
from driftscope.analyses.status import Status
from driftscope.analyses.windows import WindowSettings, WindowSplit, split_windows
from driftscope.data.schema import ColumnKind, ColumnRole, Schema
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError, invalid_parameter

__all__ = [
    "ASSUMPTION",
    "ESTIMATED_METRICS",
    "EstimateCheck",
    "EstimatedMetric",
    "EstimationSettings",
    "EstimationWindow",
    "PerformanceEstimate",
    "run_estimation",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ESTIMATED_METRICS: Mapping[Task, tuple[str, ...]] = {
    Task.BINARY: CB.CBPE_METRICS,
    Task.MULTICLASS: CB.CBPE_METRICS,
    Task.REGRESSION: DL.DLE_METRICS,
}
ASSUMPTION = (
    "The estimates assume the relation between the inputs and the label is the reference's: "
    "they follow a change in the inputs (covariate shift) but not a change in what the label "
    "means for the same inputs (concept drift). Compare them with realised values when labels "
    "arrive."
)
_FEATURE_KINDS = (ColumnKind.NUMERICAL, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
# The estimates-versus-realised check calls the assumption broken below this p-value.
_CHECK_ALPHA = 0.01


@dataclass(frozen=True)
class EstimationSettings:
    """``calibration``: ``auto``, ``isotonic``, ``features`` or ``none`` (classifiers; see
    docs/estimation.md). ``n_simulations`` label draws give each band; drops are relative to
    the baseline (0.05 = 5% worse). ``min_labelled`` labelled rows in a window are needed to
    compare its estimate with the realised value."""

    metrics: tuple[str, ...] | None = None
    calibration: str = "auto"
    folds: int = 3
    confidence: float = 0.95
    n_simulations: int = 500
    warning_drop: float = 0.02
    alert_drop: float = 0.05
    benchmarks: Mapping[str, float] = field(default_factory=dict)
    min_labelled: int = 30
    seed: int = 0
    owner: InitVar[str] = "EstimationSettings"

    def __post_init__(self, owner: str) -> None:
        if self.calibration not in CB.CALIBRATIONS:
            raise invalid_parameter(
                owner, "calibration", f"one of {', '.join(CB.CALIBRATIONS)}", self.calibration
            )
        check_int(owner, "folds", self.folds, low=2)
        check_probability(owner, "confidence", self.confidence)
        check_int(owner, "n_simulations", self.n_simulations, low=50)
        check_int(owner, "min_labelled", self.min_labelled, low=2)
        check_int(owner, "seed", self.seed, low=0)
        if not 0 <= self.warning_drop <= self.alert_drop:
            raise invalid_parameter(
                owner,
                "warning_drop",
                f"a float in [0, alert_drop={self.alert_drop}]",
                self.warning_drop,
            )
        known = {name for names in ESTIMATED_METRICS.values() for name in names}
        for name in [*(self.metrics or ()), *self.benchmarks]:
            if name not in known:
                raise invalid_parameter(
                    owner,
                    "metrics",
                    f"metrics driftscope estimates ({', '.join(sorted(known))})",
                    name,
                )
        for name, value in self.benchmarks.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ParameterError(f"The benchmark for {name!r} must be a number. Got {value!r}.")


@dataclass(frozen=True)
class EstimatedMetric:
    """One metric of one window: the estimate and its band, the baseline and the status, and
    the realised value where labels arrived (on ``realised_rows`` rows; ``within_band`` judged
    against the band of the estimate on those same rows)."""

    name: str
    label: str
    estimate: float
    low: float
    high: float
    baseline: float | None
    status: Status
    message: str
    realised: float | None = None
    realised_rows: int = 0
    within_band: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _clean(
            {
                "name": self.name,
                "label": self.label,
                "estimate": self.estimate,
                "low": self.low,
                "high": self.high,
                "baseline": self.baseline,
                "status": str(self.status),
                "message": self.message,
                "realised": self.realised,
                "realised_rows": self.realised_rows,
                "within_band": self.within_band,
            }
        )
        return out


@dataclass(frozen=True)
class EstimationWindow:
    label: str
    start: str | None
    end: str | None
    n_rows: int
    n_labelled: int
    metrics: Mapping[str, EstimatedMetric]
    status: Status
    too_small: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "n_rows": self.n_rows,
            "n_labelled": self.n_labelled,
            "too_small": self.too_small,
            "status": str(self.status),
            "metrics": {name: m.to_dict() for name, m in self.metrics.items()},
        }


@dataclass(frozen=True)
class EstimateCheck:
    """Estimates against realised values over the windows whose labels arrived: how far off,
    how often inside the band, and whether that is as often as the band's level promises."""

    metric: str
    n_windows: int
    mean_absolute_error: float | None
    within_band: int
    expected_share: float
    p_value: float | None
    holds: bool
    message: str

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _clean(
            {
                "metric": self.metric,
                "n_windows": self.n_windows,
                "mean_absolute_error": self.mean_absolute_error,
                "within_band": self.within_band,
                "expected_share": self.expected_share,
                "p_value": self.p_value,
                "holds": self.holds,
                "message": self.message,
            }
        )
        return out


@dataclass(frozen=True)
class PerformanceEstimate:
    """The estimated performance of a model on current, window by window (`driftscope.estimate`).

    ``method`` is ``cbpe`` (classifiers) or ``dle`` (regressors); ``reference`` holds the
    reference's cross-fitted estimates beside its realised values (the estimator's own test);
    ``overall`` the whole of current; ``checks`` the estimates against realised values where
    labels arrived."""

    task: Task
    method: str
    metrics: tuple[str, ...]
    primary: str
    assumption: str
    calibration: CB.Calibration | None
    reference: EstimationWindow
    overall: EstimationWindow
    windows: tuple[EstimationWindow, ...]
    checks: tuple[EstimateCheck, ...]
    status: Status
    headline: str
    confidence: float
    features: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": str(self.task),
            "method": self.method,
            "metrics": list(self.metrics),
            "primary": self.primary,
            "assumption": self.assumption,
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "confidence": self.confidence,
            "features": list(self.features),
            "status": str(self.status),
            "headline": self.headline,
            "reference": self.reference.to_dict(),
            "overall": self.overall.to_dict(),
            "windows": [w.to_dict() for w in self.windows],
            "checks": [c.to_dict() for c in self.checks],
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        lines = [self.headline, ""]
        for window in (self.reference, *self.windows):
            parts = []
            for m in window.metrics.values():
                realised = "" if m.realised is None else f", realised {m.realised:.4f}"
                parts.append(f"{m.label} {m.estimate:.4f} [{m.low:.4f}, {m.high:.4f}]{realised}")
            lines.append(
                f"{window.label} ({window.n_rows:,} rows, {window.status}): " + "; ".join(parts)
            )
        lines += ["", self.assumption, *(c.message for c in self.checks), *self.warnings]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# the estimators behind one interface: estimate a set of rows, and measure their labels


@dataclass(frozen=True)
class _Side:
    """One side's arrays for the estimator: probabilities (or features) and labels."""

    frame: pd.DataFrame
    scores: FloatArray | None
    predicted: IntArray | FloatArray
    labels: IntArray | FloatArray | None
    labelled: NDArray[np.bool_]


@dataclass(frozen=True)
class _ClassifierEstimator:
    """CBPE on one side: its rows' calibrated probabilities (the reference's cross-fitted)
    beside the model's own scores; estimates and realised values for any of its rows."""

    side: _Side
    calibrated: FloatArray
    metrics: tuple[str, ...]
    confidence: float

    def estimate(
        self, rows: IntArray, draws: int, seed: int
    ) -> dict[str, tuple[float, float, float]]:
        """Per metric: the estimate and the band's low and high ends."""
        assert self.side.scores is not None
        proba, scores = self.calibrated[rows], self.side.scores[rows]
        predicted = np.asarray(self.side.predicted, dtype=np.int64)[rows]
        expected = CB.expected_metrics(proba, scores, predicted, self.metrics)
        simulated = CB.simulated_metrics(
            proba, scores, predicted, self.metrics, draws=draws, seed=seed
        )
        tail = (1.0 - self.confidence) / 2.0
        out = {}
        for name, value in expected.items():
            values = simulated[name][np.isfinite(simulated[name])]
            low, high = (
                (float(np.quantile(values, tail)), float(np.quantile(values, 1.0 - tail)))
                if values.size
                else (math.nan, math.nan)
            )
            out[name] = (value, low, high)
        return out

    def realised(self, rows: IntArray) -> dict[str, float]:
        assert self.side.scores is not None
        assert self.side.labels is not None
        return CB.realised_metrics(
            np.asarray(self.side.labels, dtype=np.int64)[rows],
            self.side.scores[rows],
            np.asarray(self.side.predicted, dtype=np.int64)[rows],
            self.metrics,
        )


@dataclass(frozen=True)
class _RegressorEstimator:
    """DLE on one side: its rows' expected absolute and squared errors (the reference's
    cross-fitted); estimates and realised values for any of its rows."""

    side: _Side
    losses: tuple[FloatArray, FloatArray]
    dispersion: float
    metrics: tuple[str, ...]
    confidence: float

    def estimate(
        self, rows: IntArray, draws: int, seed: int
    ) -> dict[str, tuple[float, float, float]]:
        m1, m2 = self.losses
        z = float(sps.norm.ppf(1.0 - (1.0 - self.confidence) / 2.0))
        bands = DL.dle_bands(m1[rows], m2[rows], self.dispersion, z)
        return {name: bands[name][:3] for name in self.metrics}

    def realised(self, rows: IntArray) -> dict[str, float]:
        assert self.side.labels is not None
        errors = (
            np.asarray(self.side.labels, dtype=np.float64)[rows]
            - np.asarray(self.side.predicted, dtype=np.float64)[rows]
        )
        values = {"mae": float(np.abs(errors).mean()), "rmse": float(np.sqrt((errors**2).mean()))}
        return {name: values[name] for name in self.metrics}


_Estimator = _ClassifierEstimator | _RegressorEstimator


# ---------------------------------------------------------------------------------------------
# reading the sides


def _class_scores(
    frame: pd.DataFrame, model: ModelColumns, side: str, warnings: list[str]
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """The class probabilities (rows rescaled to sum to 1) and which rows hold usable ones."""
    proba, ok = class_probabilities(frame, model, side)
    sums = proba.sum(axis=1)
    ok &= sums > 0
    if (~ok).any():
        warnings.append(
            f"Probabilities ({side}): {int((~ok).sum()):,} row(s) hold values outside [0, 1] or "
            f"missing (columns {', '.join(map(repr, model.probabilities))}); they are left out of "
            "the estimate."
        )
    safe = np.where(ok[:, None], proba, 1.0 / proba.shape[1])
    return safe / safe.sum(axis=1, keepdims=True), ok


def _classifier_side(
    frame: pd.DataFrame, model: ModelColumns, side: str, warnings: list[str]
) -> _Side:
    scores, ok = _class_scores(frame, model, side, warnings)
    target = frame[model.target] if model.target and model.target in frame.columns else None
    prediction = (
        frame[model.prediction] if model.prediction and model.prediction in frame.columns else None
    )
    encoded = encode_labels(target, prediction, model.labels)
    argmax = scores.argmax(axis=1).astype(np.int64)
    if encoded.y_pred is None:
        predicted = argmax
    else:
        missing = encoded.y_pred < 0
        if (missing & ok).any():
            warnings.append(
                f"Prediction ({side}): {int((missing & ok).sum()):,} row(s) have no predicted "
                "class; the class of highest probability stands in."
            )
        predicted = np.where(missing, argmax, encoded.y_pred)
    labels = encoded.y_true
    labelled = ok & (labels >= 0) if labels is not None else np.zeros(len(frame), dtype=bool)
    kept = frame.iloc[np.flatnonzero(ok)].reset_index(drop=True)
    return _Side(
        kept,
        scores[ok],
        predicted[ok],
        None if labels is None else labels[ok],
        labelled[ok],
    )


def _regressor_side(
    frame: pd.DataFrame, model: ModelColumns, side: str, warnings: list[str]
) -> _Side:
    assert model.prediction is not None
    if model.prediction not in frame.columns:
        raise ColumnError(f"Prediction column {model.prediction!r} is not in the {side} data.")
    predicted = pd.to_numeric(frame[model.prediction], errors="coerce").to_numpy(
        np.float64, na_value=np.nan
    )
    ok = np.isfinite(predicted)
    if (~ok).any():
        warnings.append(
            f"Prediction ({side}): {int((~ok).sum()):,} row(s) with a missing, non-numeric or "
            "infinite prediction are left out of the estimate."
        )
    labels = None
    labelled = np.zeros(len(frame), dtype=bool)
    if model.target and model.target in frame.columns:
        labels = pd.to_numeric(frame[model.target], errors="coerce").to_numpy(
            np.float64, na_value=np.nan
        )
        labelled = np.isfinite(labels)
    kept = frame.iloc[np.flatnonzero(ok)].reset_index(drop=True)
    return _Side(kept, None, predicted[ok], None if labels is None else labels[ok], labelled[ok])


def _features(
    schema: Schema, frame: pd.DataFrame, model: ModelColumns
) -> tuple[list[str], list[str]]:
    """The feature columns the calibration and the loss models learn from, and which of them
    are categories."""
    skip = {model.target, model.prediction, model.timestamp, model.id, *model.probabilities}
    columns, categorical = [], []
    for spec in schema:
        if spec.role != ColumnRole.FEATURE or spec.name in skip or spec.name not in frame.columns:
            continue
        if spec.kind not in _FEATURE_KINDS:
            continue
        columns.append(spec.name)
        if spec.kind != ColumnKind.NUMERICAL:
            categorical.append(spec.name)
    return columns, categorical


# ---------------------------------------------------------------------------------------------
# judging a window


def _judge(
    name: str,
    estimate: tuple[float, float, float],
    baseline: float | None,
    reference_half: float,
    settings: EstimationSettings,
    too_small: bool,
) -> tuple[Status, str]:
    value, low, high = estimate
    label = metric_label(name)
    if too_small:
        return Status.SKIPPED, f"{label}: too few rows to judge"
    if baseline is None or not math.isfinite(value):
        return Status.OK, f"{label} estimated at {value:.4g}"
    better = higher_is_better(name)
    drop = (baseline - value) if better else (value - baseline)
    relative = drop / abs(baseline) if baseline else (math.inf if drop > 0 else 0.0)
    half = (value - low) if better else (high - value)
    beyond = drop > math.hypot(max(half, 0.0), reference_half)
    if relative >= settings.alert_drop and beyond:
        status = Status.ALERT
    elif relative >= settings.warning_drop and beyond:
        status = Status.WARNING
    else:
        status = Status.OK
    verb = "below" if better else "above"
    if drop <= 0:
        text = f"{label} estimated at {value:.4g}, not worse than the baseline {baseline:.4g}"
    elif beyond:
        text = (
            f"{label} estimated at {value:.4g}, {relative:.1%} {verb} the baseline "
            f"{baseline:.4g}: beyond what sampling gives"
        )
    else:
        text = (
            f"{label} estimated at {value:.4g}, {relative:.1%} {verb} the baseline "
            f"{baseline:.4g}: within what sampling gives"
        )
    return status, text


def _window(
    estimator: _Estimator,
    split: WindowSplit,
    baselines: Mapping[str, float | None],
    reference_halves: Mapping[str, float],
    settings: EstimationSettings,
    min_rows: int,
    seed: int,
) -> EstimationWindow:
    rows = split.rows
    too_small = rows.size < min_rows
    estimates = estimator.estimate(rows, settings.n_simulations, seed)
    side = estimator.side
    labelled_rows = rows[side.labelled[rows]]
    realised: dict[str, float] = {}
    labelled_bands: dict[str, tuple[float, float, float]] = {}
    if side.labels is not None and labelled_rows.size >= settings.min_labelled:
        realised = estimator.realised(labelled_rows)
        labelled_bands = (
            estimates
            if labelled_rows.size == rows.size
            else estimator.estimate(labelled_rows, settings.n_simulations, seed + 1)
        )
    metrics: dict[str, EstimatedMetric] = {}
    for name, estimate in estimates.items():
        status, message = _judge(
            name,
            estimate,
            baselines.get(name),
            reference_halves.get(name, 0.0),
            settings,
            too_small,
        )
        value = realised.get(name)
        within = None
        if value is not None and math.isfinite(value) and name in labelled_bands:
            _, low, high = labelled_bands[name]
            within = bool(low <= value <= high)
        metrics[name] = EstimatedMetric(
            name,
            metric_label(name),
            estimate[0],
            estimate[1],
            estimate[2],
            baselines.get(name),
            status,
            message,
            value if value is not None and math.isfinite(value) else None,
            int(labelled_rows.size) if value is not None else 0,
            within,
        )
    worst = max((m.status for m in metrics.values()), key=lambda s: s.rank, default=Status.OK)
    return EstimationWindow(
        split.label,
        split.start,
        split.end,
        int(rows.size),
        int(labelled_rows.size),
        metrics,
        Status.SKIPPED if too_small else worst,
        too_small,
    )


def _check(
    name: str, windows: Sequence[EstimationWindow], confidence: float
) -> EstimateCheck | None:
    judged = [w.metrics[name] for w in windows if w.metrics[name].within_band is not None]
    if not judged:
        return None
    inside = sum(bool(m.within_band) for m in judged)
    outside = len(judged) - inside
    errors = [abs(m.estimate - m.realised) for m in judged if m.realised is not None]
    p_value = float(
        sps.binomtest(outside, len(judged), 1.0 - confidence, alternative="greater").pvalue
    )
    holds = p_value >= _CHECK_ALPHA
    label = metric_label(name)
    mae = float(np.mean(errors)) if errors else None
    if holds:
        message = (
            f"{label}: the realised value fell inside the estimate's band in {inside} of "
            f"{len(judged)} window(s) with labels (mean absolute error {mae:.4f}); the estimates "
            "can be trusted where labels have not arrived."
        )
    else:
        message = (
            f"{label}: the realised value fell outside the estimate's band in {outside} of "
            f"{len(judged)} window(s) with labels (p = {p_value:.2g}; mean absolute error "
            f"{mae:.4f}): the reference's relation between inputs and labels no longer holds "
            "(concept drift, or a shift the calibration cannot follow); trust the realised "
            "values."
        )
    return EstimateCheck(name, len(judged), mae, inside, confidence, p_value, holds, message)


# ---------------------------------------------------------------------------------------------


def run_estimation(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    windows: WindowSettings,
    settings: EstimationSettings,
) -> PerformanceEstimate:
    """Estimate the model's performance on current's windows, learning on the reference."""
    task = model.task
    if task not in ESTIMATED_METRICS:
        raise ColumnError(
            "Performance estimation needs a classification or regression task with a target "
            f"column in the reference; got task {task or 'unknown'} (pass --task / task=)."
        )
    assert task is not None
    if model.target is None or model.target not in reference.columns:
        raise ColumnError(
            "Performance estimation learns on the reference's labels: the reference needs the "
            "target column (--target / target=)."
        )
    if model.prediction is None and not model.probabilities:
        raise ColumnError(
            "Performance estimation needs the model's outputs: a prediction column "
            "(--prediction / prediction=) and, for a classifier, its probabilities."
        )
    if task.is_classification and not model.probabilities:
        raise ColumnError(
            "Estimating a classifier's performance needs its probabilities: columns such as "
            "proba_<class> (--proba-prefix / proba_prefix=), in the reference and in current."
        )
    warnings: list[str] = []
    metrics = tuple(
        m for m in ESTIMATED_METRICS[task] if not settings.metrics or m in settings.metrics
    )
    if not metrics:
        raise invalid_parameter(
            "estimate", "metrics", f"some of {', '.join(ESTIMATED_METRICS[task])}", settings.metrics
        )
    if task.is_classification:
        sides = (
            _classifier_side(reference, model, "reference", warnings),
            _classifier_side(current, model, "current", warnings),
        )
    else:
        sides = (
            _regressor_side(reference, model, "reference", warnings),
            _regressor_side(current, model, "current", warnings),
        )
    ref_side = sides[0]
    labelled = np.flatnonzero(ref_side.labelled)
    if labelled.size < max(settings.min_labelled, 2 * settings.folds):
        raise EmptyDataError(
            f"Performance estimation learns on the reference's labelled rows: "
            f"{labelled.size:,} of its rows have a usable target ({model.target!r}) and "
            f"outputs; at least {max(settings.min_labelled, 2 * settings.folds)} are needed."
        )
    if labelled.size < ref_side.frame.shape[0]:
        warnings.append(
            f"Reference: {ref_side.frame.shape[0] - labelled.size:,} row(s) without a target are "
            "left out of what the estimator learns."
        )
        ref_side = _Side(
            ref_side.frame.iloc[labelled].reset_index(drop=True),
            None if ref_side.scores is None else ref_side.scores[labelled],
            ref_side.predicted[labelled],
            None if ref_side.labels is None else ref_side.labels[labelled],
            ref_side.labelled[labelled],
        )
    if sides[1].frame.shape[0] == 0:
        raise EmptyDataError("Current has no row with usable model outputs to estimate.")
    feature_columns, categorical = _features(schema, ref_side.frame, model)
    feature_columns = [c for c in feature_columns if c in sides[1].frame.columns]
    categorical = [c for c in categorical if c in feature_columns]
    design = Design.learn(ref_side.frame, feature_columns, categorical) if feature_columns else None
    calibration: CB.Calibration | None = None
    current_side = sides[1]
    # One estimator per side: the reference's (cross-fitted, its own test and the baselines'
    # bands) and current's.
    on_reference: _Estimator
    on_current: _Estimator
    assert ref_side.labels is not None
    # One OpenMP thread for the boosted trees (the loss models, the feature-aware calibration):
    # the fits are small, and on a busy machine a pool of spinning threads makes them tens of
    # times slower (as in `driftscope.analyses.concept`).
    with threadpool_limits(limits=1, user_api="openmp"):
        if task.is_classification:
            assert ref_side.scores is not None
            assert current_side.scores is not None
            calibrator, calibration, crossed = CB.fit_calibration(
                ref_side.scores,
                np.asarray(ref_side.labels, dtype=np.int64),
                len(model.labels),
                method=settings.calibration,
                folds=settings.folds,
                seed=settings.seed,
                features=None if design is None else design.frame(ref_side.frame),
            )
            calibrated = calibrator.transform(
                current_side.scores, None if design is None else design.frame(current_side.frame)
            )
            on_reference = _ClassifierEstimator(ref_side, crossed, metrics, settings.confidence)
            on_current = _ClassifierEstimator(
                current_side, calibrated, metrics, settings.confidence
            )
            method = "cbpe"
        else:
            loss_model, m1, m2 = DL.fit_loss_model(
                ref_side.frame,
                np.asarray(ref_side.predicted, dtype=np.float64),
                np.asarray(ref_side.labels, dtype=np.float64),
                feature_columns,
                categorical,
                folds=settings.folds,
                seed=settings.seed,
            )
            current_losses = DL.dle_estimates(
                loss_model, current_side.frame, np.asarray(current_side.predicted, np.float64)
            )
            dispersion = loss_model.squared_dispersion
            on_reference = _RegressorEstimator(
                ref_side, (m1, m2), dispersion, metrics, settings.confidence
            )
            on_current = _RegressorEstimator(
                current_side, current_losses, dispersion, metrics, settings.confidence
            )
            method = "dle"

    all_reference = WindowSplit("reference", np.arange(ref_side.frame.shape[0]), None, None)
    reference_window = _window(on_reference, all_reference, {}, {}, settings, 0, settings.seed)
    baselines: dict[str, float | None] = {}
    halves: dict[str, float] = {}
    for name, m in reference_window.metrics.items():
        baselines[name] = settings.benchmarks.get(name, m.realised)
        halves[name] = 0.0 if name in settings.benchmarks else (m.high - m.low) / 2.0
    # No windows asked for (a monitoring report's default): current is judged as a whole.
    splits: list[WindowSplit] = []
    if windows.active:
        splits, window_warnings = split_windows(current_side.frame, windows, model.timestamp)
        warnings += window_warnings
    all_current = WindowSplit("current", np.arange(current_side.frame.shape[0]), None, None)
    overall = _window(on_current, all_current, baselines, halves, settings, 0, settings.seed)
    judged = tuple(
        _window(
            on_current,
            split,
            baselines,
            halves,
            settings,
            windows.min_rows,
            settings.seed + 2 + i,
        )
        for i, split in enumerate(splits)
    )
    checks = tuple(
        c
        for c in (_check(name, judged or (overall,), settings.confidence) for name in metrics)
        if c is not None
    )
    # ROC-AUC leads for a classifier (it does not depend on a threshold), else the task's first.
    preferred = ("roc_auc", *PRIMARY[task]) if task.is_classification else PRIMARY[task]
    primary = next((m for m in preferred if m in metrics), metrics[0])
    counted = [w for w in judged if not w.too_small]
    worst = max(
        (w.metrics[primary].status for w in (counted if judged else [overall])),
        key=lambda s: s.rank,
        default=Status.SKIPPED,
    )
    headline = _headline(primary, overall, counted, worst, checks)
    return PerformanceEstimate(
        task,
        method,
        metrics,
        primary,
        ASSUMPTION,
        calibration,
        reference_window,
        overall,
        judged,
        checks,
        worst,
        headline,
        settings.confidence,
        tuple(feature_columns),
        tuple(dict.fromkeys(warnings)),
    )


def _headline(
    primary: str,
    overall: EstimationWindow,
    windows: Sequence[EstimationWindow],
    status: Status,
    checks: Sequence[EstimateCheck],
) -> str:
    m = overall.metrics[primary]
    text = f"Estimated {m.label} on current: {m.estimate:.4f} (band {m.low:.4f} to {m.high:.4f})"
    if m.baseline is not None:
        text += f", baseline {m.baseline:.4f}"
    flagged = [
        w.label for w in windows if w.metrics[primary].status in (Status.WARNING, Status.ALERT)
    ]
    if flagged:
        text += f"; {len(flagged)} of {len(windows)} window(s) dropped: {', '.join(flagged[:3])}"
        if len(flagged) > 3:
            text += ", ..."
    text += f" [{status}]."
    broken = [c for c in checks if not c.holds]
    if broken:
        text += " Realised values disagree with the estimates: see the checks."
    return text
