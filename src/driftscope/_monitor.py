"""`driftscope.monitor`: drift, performance, concept drift, data quality, time windows and the
verdict for a model, in one call. The CLI's `driftscope report` is this function."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from driftscope._api import _as_schema, check_arguments, check_columns, read_pair
from driftscope._shorten import shown
from driftscope.analyses import verdict as V
from driftscope.analyses._features import encode_features, sample_rows
from driftscope.analyses.change_points import ChangePoints, detect_change_points
from driftscope.analyses.concept import ConceptDrift, ConceptSettings, concept_drift
from driftscope.analyses.drift import (
    DriftSettings,
    ReferenceCache,
    dataset_columns,
    decision_rules,
    require_tested,
    run_drift,
)
from driftscope.analyses.model import ModelColumns, Task, encode_labels, resolve_model_columns
from driftscope.analyses.performance import (
    ALERT,
    METRIC_RANGES,
    PRIMARY,
    WARNING,
    PerformanceResult,
    PerformanceSettings,
    _side,
    check_metric_names,
    metric_label,
    run_performance,
    side_metrics,
)
from driftscope.analyses.quality import QualityResult, QualitySettings, run_quality
from driftscope.analyses.results import ColumnDrift, DriftResult
from driftscope.analyses.text_columns import expand_text_columns
from driftscope.analyses.windows import (
    PERIODS,
    Window,
    WindowSettings,
    WindowsResult,
    learn_bands,
    parse_timestamps,
    split_windows,
)
from driftscope.data.infer import infer_schema
from driftscope.data.io import read_table
from driftscope.data.paths import base_folder
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import ColumnError, ParameterError, SchemaError, invalid_parameter
from driftscope.modalities.masks import read_masks
from driftscope.report import SCHEMA_VERSION, Report, RunMetadata

__all__ = ["metric_value_problem", "monitor", "quality_report"]

_CONCEPT_KINDS = (ColumnKind.NUMERICAL, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)


def metric_value_problem(name: str, value: object) -> str | None:
    """What a benchmark or floor for metric ``name`` must be, when ``value`` is not that.

    >>> metric_value_problem("accuracy", 0.9) is None
    True
    >>> metric_value_problem("accuracy", 7)
    'a number in [0, 1] (accuracy lies in [0, 1])'
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "a finite number"
    # A benchmark or floor outside the range the metric can take can never be met or missed.
    low, high = METRIC_RANGES.get(name, (-math.inf, math.inf))
    if low <= value <= high:
        return None
    if math.isinf(high):
        return f"a number >= {low:g} ({name} is never below {low:g})"
    if math.isinf(low):
        return f"a number <= {high:g} ({name} is at most {high:g})"
    return f"a number in [{low:g}, {high:g}] ({name} lies in [{low:g}, {high:g}])"


def _check_metric_values(values: Mapping[str, float] | None, argument: str) -> None:
    for name, value in (values or {}).items():
        problem = metric_value_problem(name, value)
        if problem is not None:
            raise ParameterError(
                f"The {argument} value for metric {shown(name)} must be {problem}. "
                f"Got {shown(value)}."
            )


def _check_window_arguments(
    period: object, window_size: object, n_windows: object, min_window_rows: object
) -> None:
    """The window arguments checked under the names `monitor` gives them."""
    for argument, value, optional in (
        ("window_size", window_size, True),
        ("n_windows", n_windows, True),
        ("min_window_rows", min_window_rows, False),
    ):
        if value is None and optional:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise invalid_parameter("monitor", argument, "an int >= 1", value)
    if period is not None and (not isinstance(period, str) or period.upper() not in PERIODS):
        raise invalid_parameter("monitor", "period", "one of 'D', 'W', 'M'", period)


def _utc_if_mixed(frame: pd.DataFrame, column: str | None) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with ``column`` as UTC datetimes when its strings mix UTC offsets (which pandas
    refuses to parse as one column), so that windows and change points can still use it."""
    if (
        column is None
        or column not in frame.columns
        or pd.api.types.is_datetime64_any_dtype(frame[column].dtype)
    ):
        return frame, []
    try:
        pd.to_datetime(frame[column], errors="coerce", format="mixed")
    except (ValueError, TypeError):
        converted = pd.to_datetime(frame[column], errors="coerce", format="mixed", utc=True)
        frame = frame.assign(**{column: converted})
        return frame, [
            f"Timestamp column {shown(column)} mixes time zones; its dates are compared in UTC."
        ]
    return frame, []


def _timestamp_warnings(
    current: pd.DataFrame, timestamp: str | None, windows: WindowSettings
) -> tuple[str | None, list[str]]:
    """The timestamp column when current has dates to cut windows on, with a warning counting
    the rows that have none; when no row has a date, None and one warning saying so, with the
    counts, and what is skipped (drift and performance still run)."""
    if timestamp is None or timestamp not in current.columns:
        return timestamp, []
    times, warnings = parse_timestamps(current, timestamp, "current")
    if len(current) and times.isna().all():
        # Unreadable and empty columns alike: the run goes on without what needs dates.
        if windows.period is not None:
            skipped = f"No time windows by period {windows.period!r} and no change points."
        elif windows.active:
            skipped = "Windows follow row order; change points are skipped."
        else:
            skipped = "Change points are skipped."
        return None, [f"{' '.join(warnings)} {skipped}"]
    return timestamp, warnings


def _join_labels(
    current: pd.DataFrame, labels: pd.DataFrame, id_column: str | None, target: str | None
) -> tuple[pd.DataFrame, list[str], str]:
    """Attach labels that arrived later (a table of id and target) to current rows by id."""
    if id_column is None:
        raise SchemaError("Joining late labels needs the id column: pass id= (--id).")
    if target is None:
        others = [c for c in labels.columns if c != id_column]
        if len(others) != 1:
            raise SchemaError(
                "The labels table must hold the id column and one target column, or name the "
                "target with target= (--target). Got columns "
                f"{', '.join(map(repr, labels.columns))}."
            )
        target = str(others[0])
    for frame, side in ((current, "current data"), (labels, "labels")):
        if id_column not in frame.columns:
            raise SchemaError(f"The id column {id_column!r} is not in the {side}.")
    if target not in labels.columns:
        raise SchemaError(f"The target column {target!r} is not in the labels.")
    dupes = int(labels[id_column].duplicated().sum())
    if dupes:
        raise SchemaError(
            f"The labels hold {dupes} duplicated id(s) in {id_column!r}; expected one label per id."
        )
    base = current.drop(columns=[target]) if target in current.columns else current
    joined = base.merge(labels[[id_column, target]], on=id_column, how="left", validate="m:1")
    matched = int(joined[target].notna().sum())
    warnings = [
        f"Labels joined on {id_column!r}: {matched:,} of {len(current):,} current rows have one."
    ]
    return joined, warnings, target


def _concept(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    settings: ConceptSettings,
) -> tuple[ConceptDrift | None, list[str]]:
    """Per-row losses on labelled rows and encoded features, into the concept-drift test."""
    task = model.task
    if task is None or model.target is None or model.prediction is None:
        return None, []
    if not (task.is_classification or task is Task.REGRESSION):
        return None, [f"Concept drift is not tested for {task} (no tabular features)."]
    features = [s for s in schema if s.role is ColumnRole.FEATURE and s.kind in _CONCEPT_KINDS]
    if not features:
        return None, ["Concept drift is not tested: no feature columns."]

    def labelled_rows(frame: pd.DataFrame) -> NDArray[np.int64]:
        assert model.target is not None
        assert model.prediction is not None
        ok = frame[model.target].notna() & frame[model.prediction].notna()
        return np.flatnonzero(ok.to_numpy()).astype(np.int64)

    rng = np.random.default_rng(settings.seed)
    ref_rows = labelled_rows(reference)
    cur_rows = labelled_rows(current)
    if ref_rows.size < 100 or cur_rows.size < 100:
        return None, ["Concept drift is not tested: fewer than 100 labelled rows on a side."]
    ref_rows = ref_rows[sample_rows(ref_rows.size, settings.max_rows, rng)]
    cur_rows = cur_rows[sample_rows(cur_rows.size, settings.max_rows, rng)]

    def losses(frame: pd.DataFrame, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        assert model.target is not None
        assert model.prediction is not None
        target, prediction = frame[model.target].iloc[rows], frame[model.prediction].iloc[rows]
        if task is Task.REGRESSION:
            t = pd.to_numeric(target, errors="coerce").to_numpy(np.float64, na_value=np.nan)
            p = pd.to_numeric(prediction, errors="coerce").to_numpy(np.float64, na_value=np.nan)
            return np.asarray(np.nan_to_num(np.abs(t - p), nan=0.0), dtype=np.float64)
        encoded = encode_labels(target, prediction, model.labels)
        assert encoded.y_true is not None
        assert encoded.y_pred is not None
        return np.asarray(encoded.y_true != encoded.y_pred, dtype=np.float64)

    ref_x, cur_x, names = encode_features(reference, current, features, ref_rows, cur_rows)
    if not names:
        return None, ["Concept drift is not tested: no usable feature columns."]
    loss_name = "absolute_error" if task is Task.REGRESSION else "error_rate"
    result = concept_drift(
        ref_x,
        cur_x,
        losses(reference, ref_rows),
        losses(current, cur_rows),
        loss_name=loss_name,
        settings=settings,
        feature_names=names,
    )
    return result, []


def _windows(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    schema: Schema,
    model: ModelColumns,
    drift_settings: DriftSettings,
    performance_settings: PerformanceSettings,
    quality_settings: QualitySettings,
    settings: WindowSettings,
    cache: ReferenceCache,
) -> tuple[WindowsResult, list[str], list[Any]]:
    # The rows without a date were counted once already (`_timestamp_warnings`).
    splits, _ = split_windows(current, settings, model.timestamp, "current")
    warnings: list[str] = []
    window_drift = replace(drift_settings, multivariate=False)
    # The model's columns are read and encoded once; each window takes its rows from them.
    current_side = None
    if model.task is not None and model.target is not None and model.prediction is not None:
        current_side = _side(current, model, "current", [])

    def analyse(i: int, split: Any) -> Window:
        part = current.iloc[split.rows]
        if len(part) < settings.min_rows:
            return Window(
                i,
                split.label,
                split.start,
                split.end,
                len(part),
                True,
                note=f"{len(part)} rows, under the minimum {settings.min_rows}: not analysed",
            )
        drift, _ = run_drift(reference, part, schema, window_drift, cache)
        values: dict[str, float | None] = {}
        notes: list[str] = []
        if model.task is not None and current_side is not None:
            side = current_side.subset(split.rows)
            if side.n_labelled > 0:
                point, details = side_metrics(model.task, side, performance_settings, with_ci=False)
                values = {k: v[0] for k, v in point.items()}
                notes = _metric_notes(details.get("notes", {}))
            else:
                notes = ["no row with both a target and a prediction: no metric"]
        quality = run_quality(reference, part, schema, quality_settings)
        return Window(
            index=i,
            label=split.label,
            start=split.start,
            end=split.end,
            n_rows=len(part),
            too_small=False,
            drift_share=drift.dataset.drift_share,
            n_drifted=drift.dataset.n_drifted,
            n_columns=drift.dataset.n_columns,
            dataset_drifted=drift.dataset.drifted,
            drifted_columns=tuple(drift.drifted_columns),
            drift_scores={c.name: c.effect_size for c in drift.columns if not c.skipped},
            metrics=values,
            quality_status=quality.status,
            note="; ".join(notes) or None,
        )

    windows = [analyse(i, split) for i, split in enumerate(splits)]

    # Normal bands for each metric, from windows of the reference cut the same way (by period
    # when the reference has timestamps), or in row chunks when that gives fewer than three.
    def reference_splits(cut: WindowSettings) -> list[Any]:
        try:
            found, _ = split_windows(reference, cut, model.timestamp, "reference")
        except ColumnError:
            return []
        return [sp for sp in found if len(sp.rows) >= settings.min_rows]

    has_times = model.timestamp is not None and model.timestamp in reference.columns
    ref_splits = reference_splits(settings) if settings.period is None or has_times else []
    if len(ref_splits) < 5:
        sizes = [w.n_rows for w in windows if not w.too_small]
        # Ten windows where the reference allows: a spread from three is too rough to trust.
        size = min(int(np.median(sizes)) if sizes else len(reference), len(reference) // 10)
        size = max(size, settings.min_rows)
        if len(reference) >= 3 * size:
            ref_splits = reference_splits(WindowSettings(size=size, min_rows=settings.min_rows))
    per_window: list[dict[str, float | None]] = []
    ref_sizes: list[int] = []
    if model.task is not None and model.target is not None and model.prediction is not None:
        reference_side = _side(reference, model, "reference", [])
        for split in ref_splits if reference_side is not None else []:
            assert reference_side is not None
            side = reference_side.subset(split.rows)
            if side.n_labelled > 0:
                point, _ = side_metrics(model.task, side, performance_settings, with_ci=False)
                per_window.append({k: v[0] for k, v in point.items()})
                ref_sizes.append(side.n_labelled)
    cur_sizes = [w.n_rows for w in windows if not w.too_small]
    scale = 1.0
    if ref_sizes and cur_sizes:
        scale = float(np.sqrt(np.mean(ref_sizes) / np.median(cur_sizes)))
    bands = learn_bands(
        per_window, settings.k_sigma, scale, performance_settings.warning_drop, METRIC_RANGES
    )
    flagged: list[Window] = []
    # Only the task's primary metrics are held to the bands: a dozen correlated metrics over
    # many windows would otherwise raise alarms by sheer number.
    watched = set(PRIMARY.get(model.task, ())) if model.task is not None else set()
    for w in windows:
        out = tuple(
            name
            for name, value in w.metrics.items()
            if value is not None
            and name in watched
            and name in bands
            and not (bands[name].low <= value <= bands[name].high)
        )
        flagged.append(replace(w, out_of_band=out))
    note = None
    if windows and not any(not w.too_small for w in windows):
        note = (
            f"No window was analysed: all {len(windows)} have fewer than {settings.min_rows} rows."
        )
    elif not bands:
        note = "No normal bands: the reference gives fewer than three windows with labels."
    small = sum(w.too_small for w in flagged)
    if small:
        warnings.append(
            f"{small} window(s) have fewer than {settings.min_rows} rows; they are marked, "
            "not analysed."
        )
    return WindowsResult(settings.describe(), tuple(flagged), bands, note), warnings, splits


def _metric_notes(notes: Mapping[str, str]) -> list[str]:
    """Why metrics are missing from a window, one line per reason: "ROC-AUC, PR-AUC: ..."."""
    by_reason: dict[str, list[str]] = {}
    for name, reason in notes.items():
        by_reason.setdefault(reason, []).append(metric_label(name))
    return [f"{', '.join(names)} {reason}" for reason, names in by_reason.items()]


def _change_points(
    current: pd.DataFrame, model: ModelColumns, windows: Sequence[NDArray[np.int64]]
) -> ChangePoints | None:
    """The recommended streaming detector over the time-ordered losses of labelled rows."""
    task = model.task
    if task is None or not (task.is_classification or task is Task.REGRESSION):
        return None
    side = _side(current, model, "current", [])
    if side is None or side.n_labelled == 0 or model.timestamp is None:
        return None
    times, _ = parse_timestamps(current, model.timestamp, "current")
    rows = side.rows
    dated = times.iloc[rows].notna().to_numpy()
    if task.is_classification:
        losses = np.asarray(side.arrays["y_true"] != side.arrays["y_pred"], dtype=np.float64)
    else:
        losses = np.abs(side.arrays["y_pred"] - side.arrays["y_true"])
    return detect_change_points(
        losses[dated], rows[dated], times, binary=task.is_classification, windows=windows
    )


def _beyond_chance(
    drifted: Sequence[ColumnDrift], n_tested: int, correction: str | None, families: int = 1
) -> list[ColumnDrift]:
    """The drifted columns that stay drifted across many columns (family-wise, Bonferroni).

    Each column is tested at alpha, so among 60 columns without drift about three fire by
    chance; the verdict only counts those whose decision p-value is below alpha / m. The
    column-level reasons come from up to three families (features, the target, the model's
    outputs), each given alpha / ``families``, so that together they raise a false alarm with
    probability at most alpha. Columns decided by a distance (no p-value), or already corrected
    across columns, count as they are.
    """
    if correction is not None:
        return list(drifted)
    m = max(n_tested, 1) * max(families, 1)
    return [
        c
        for c in drifted
        if c.decision_p_value is None or c.threshold is None or c.decision_p_value < c.threshold / m
    ]


def _column_families(drift: DriftResult) -> tuple[list[ColumnDrift], ...]:
    """The tested columns by family: features, targets, model outputs (predictions and
    probabilities); the non-empty ones share alpha in `_beyond_chance`."""
    tested = [c for c in drift.columns if not c.skipped]
    outputs = (str(ColumnRole.PREDICTION), str(ColumnRole.PROBABILITY))
    return (
        dataset_columns(drift.columns),
        [c for c in tested if c.role == str(ColumnRole.TARGET)],
        [c for c in tested if c.role in outputs],
    )


def _n_families(drift: DriftResult) -> int:
    return sum(1 for family in _column_families(drift) if family)


def _data_drift_reason(drift: DriftResult) -> tuple[V.Reason | None, str | None]:
    """A reason when the dataset drifted or features drifted beyond chance, quoting the same
    counts as the drift summary; otherwise a note for the verdict's summary."""
    features = dataset_columns(drift.columns)
    drifted = [c for c in features if c.drifted]
    unconfirmed = _unconfirmed_model_columns(drift)
    if not drifted and not drift.dataset.drifted:
        return None, unconfirmed
    real = _beyond_chance(drifted, len(features), drift.dataset.correction, _n_families(drift))
    counts = f"{len(drifted)} of {len(features)} features drifted"
    if not drift.dataset.drifted and not real:
        note = (
            f"{counts}, no more than chance alone explains across {len(features)} tests; "
            f"{drift.dataset.summary[0].lower()}{drift.dataset.summary[1:]}"
        )
        return None, note + (f" {unconfirmed}" if unconfirmed else "")
    # The dataset summary counts the same features, so when it fired it leads and the largest
    # drift follows; otherwise the count of features beyond chance is the reason.
    parts = [drift.dataset.summary] if drift.dataset.drifted else []
    if drifted:
        top = max(drifted, key=lambda c: c.effect_size or 0.0)
        effect = (
            f", {top.effect_size_method} {top.effect_size:.2f}"
            if top.effect_size is not None
            else ""
        )
        beyond = (
            f"{len(real)} of them beyond what chance explains across {len(features)} tests; "
            if len(real) < len(drifted)
            else ""
        )
        lead = "" if drift.dataset.drifted else f"{counts}: "
        parts.append(f"{lead}{beyond}largest drift in {top.name!r}{effect}.")
    reason = V.Reason(
        "data_drift",
        V.INVESTIGATE,
        " ".join(parts),
        len(drifted) / len(features) if features else 1.0,
    )
    return reason, None


def _counted_model_columns(drift: DriftResult) -> list[ColumnDrift]:
    """Drifted target and output columns that stay drifted across their family (the target
    alone; the prediction and probability columns together) at its share of alpha."""
    _, targets, outputs = _column_families(drift)
    families = _n_families(drift)
    counted: list[ColumnDrift] = []
    for family in (targets, outputs):
        drifted = [c for c in family if c.drifted]
        counted += _beyond_chance(drifted, len(family), drift.dataset.correction, families)
    return counted


def _unconfirmed_model_columns(drift: DriftResult) -> str | None:
    """A note naming target and output columns drifted on their own test but not beyond chance."""
    _, targets, outputs = _column_families(drift)
    counted = _counted_model_columns(drift)
    left = [c for c in (*targets, *outputs) if c.drifted and c not in counted]
    if not left:
        return None
    level = f" {left[0].threshold:g}" if left[0].threshold is not None else ""
    return (
        f"{', '.join(repr(c.name) for c in left)} drifted on its own test, but not beyond what "
        f"chance explains when features, target and model outputs share the level{level} "
        f"({_n_families(drift)} families, an equal share each)."
    )


def _model_column_reasons(drift: DriftResult) -> list[V.Reason]:
    """Label drift per target column; prediction drift once for the predicted labels and once
    for all probability columns together (a binary model's two columns move as one).

    Each counts when it stays drifted across its family's tests at the family's share of alpha
    (`_beyond_chance`), as features do."""
    reasons = []
    roles = {"target": "Label drift", "prediction": "Prediction drift"}
    counted = _counted_model_columns(drift)
    for c in drift.columns:
        if c.drifted and c.role in roles and c in counted:
            reasons.append(
                V.Reason(
                    "label_drift" if c.role == "target" else "prediction_drift",
                    V.INVESTIGATE,
                    f"{roles[c.role]} in {c.name!r} ({', '.join(c.signals)}){_numbers(c)}.",
                    c.effect_size or 0.0,
                )
            )
    probabilities = [c for c in counted if c.role == str(ColumnRole.PROBABILITY)]
    if probabilities:
        top = max(probabilities, key=lambda c: c.effect_size or 0.0)
        names = ", ".join(repr(c.name) for c in probabilities)
        reasons.append(
            V.Reason(
                "prediction_drift",
                V.INVESTIGATE,
                f"Prediction drift in the probabilities ({names}); largest in {top.name!r}"
                f"{_numbers(top)}.",
                top.effect_size or 0.0,
            )
        )
    return reasons


def _numbers(c: ColumnDrift) -> str:
    return (
        (f": {c.method} statistic {c.statistic:.3g}" if c.statistic is not None else "")
        + (f", p = {c.p_value:.2g}" if c.p_value is not None else "")
        + (f", {c.effect_size_method} {c.effect_size:.2f}" if c.effect_size is not None else "")
    )


def _confirm_concept(concept: ConceptDrift, performance: PerformanceResult) -> ConceptDrift:
    """With inputs that did not move, concept drift is a performance drop and nothing else: it
    counts when the performance comparison (family-wise over the metrics) finds the drop too, not
    on a second, looser test of the same question. Otherwise the result says it was not counted,
    so the report's concept-drift flag and the verdict agree."""
    if not concept.drifted or concept.inputs_moved:
        return concept
    primary = [m for m in performance.metrics if m.primary]
    if any(m.significant for m in primary):
        return concept
    names = " or ".join(metric_label(m.name) for m in primary) or "the primary metric"
    return replace(
        concept,
        drifted=False,
        message=(
            f"No concept drift counted: the inputs did not move (domain AUC "
            f"{concept.domain_auc:.2f}), and the performance comparison finds no significant drop "
            f"in {names}; the loss test alone gives {concept.loss} {concept.reference_loss:.4g} "
            f"in reference, {concept.current_loss:.4g} on current (p = {concept.p_value:.2g}), "
            f"which the family-wise performance test puts within sampling error."
        ),
    )


def _reasons(
    drift: DriftResult,
    performance: PerformanceResult | None,
    concept: ConceptDrift | None,
    quality: QualityResult | None,
    windows: WindowsResult | None,
    model: ModelColumns,
) -> list[V.Reason]:
    reasons: list[V.Reason] = []
    dropped = False
    if performance is not None:
        for m in performance.metrics:
            if m.status == ALERT and m.primary:
                dropped = True
                reasons.append(
                    V.Reason("performance", V.RETRAIN, m.message, abs(m.relative_change or 0))
                )
            elif m.status == ALERT or (m.status == WARNING and (m.primary or m.significant)):
                # A secondary metric's large but not significant move (a Brier score of 0.005
                # against 0.006 is +14%) is shown in the table, not made a reason.
                reasons.append(
                    V.Reason(
                        "performance", V.INVESTIGATE, m.message, abs(m.relative_change or 0) / 2
                    )
                )
    if concept is not None and concept.drifted:
        severity = V.RETRAIN if dropped else V.INVESTIGATE
        reasons.append(V.Reason("concept_drift", severity, concept.message, concept.concept_effect))
    if concept is not None and concept.outside:
        reasons.append(
            V.Reason("concept_drift", V.INVESTIGATE, concept.message, concept.domain_auc - 0.5)
        )
    data_drift, _ = _data_drift_reason(drift)
    if data_drift is not None:
        reasons.append(data_drift)
    reasons += _model_column_reasons(drift)
    if quality is not None:
        alerts = [c for c in quality.checks if c.status == "alert"]
        for check in alerts[:5]:
            reasons.append(V.Reason("quality", V.INVESTIGATE, check.message, check.share or 0.0))
    if windows is not None:
        broken = [w for w in windows.windows if w.out_of_band]
        if broken:
            names = sorted({n for w in broken for n in w.out_of_band})
            reasons.append(
                V.Reason(
                    "windows",
                    V.INVESTIGATE,
                    f"{len(broken)} of {len(windows.windows)} windows left the normal band learnt "
                    f"from the reference for {', '.join(metric_label(n) for n in names[:3])}"
                    + (f" and {len(names) - 3} more metrics" if len(names) > 3 else "")
                    + f" (first: {broken[0].label}).",
                    len(broken) / len(windows.windows),
                )
            )
    if performance is None and model.target is not None:
        reasons.append(
            V.Reason(
                "performance",
                V.INVESTIGATE if data_drift is not None else V.OK,
                "No current labels: performance could not be measured.",
                0.0,
            )
        )
    return [r for r in reasons if r.severity != V.OK]


#: Masks that could not be used, listed by path in a warning; the rest are counted.
_MASK_PROBLEMS_SHOWN = 3


def _read_mask_columns(
    frame: pd.DataFrame,
    columns: Sequence[str | None],
    side: str,
    base: Path,
    allow_roots: Sequence[Path | str] | None,
) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with its mask columns as arrays, read through the one mask loader (paths
    resolved against ``base`` and read only under ``allow_roots``, as `monitor_images` reads
    them). A mask that cannot be used leaves its row unlabelled; a warning counts them and
    names the first few with the reason."""
    warnings: list[str] = []
    frame = frame.copy()
    for column in dict.fromkeys(c for c in columns if c is not None and c in frame.columns):
        cells = frame[column].tolist()
        found = read_masks(cells, range(len(cells)), column, base, allow_roots)
        frame[column] = pd.Series(found.masks, index=frame.index, dtype=object)
        if found.problems:
            listed = "; ".join(
                f"row {p.row}: {p.problem}: {p.detail}"
                for p in found.problems[:_MASK_PROBLEMS_SHOWN]
            )
            more = "; ..." if len(found.problems) > _MASK_PROBLEMS_SHOWN else ""
            warnings.append(
                f"Masks ({side}): {len(found.problems)} mask file(s) in column {column!r} could "
                f"not be used and their rows are left out of performance ({listed}{more})."
            )
    return frame, warnings


def monitor(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    *,
    target: str | None = None,
    prediction: str | None = None,
    proba_prefix: str | None = None,
    task: str | None = None,
    timestamp: str | None = None,
    id: str | None = None,
    labels: Any = None,
    period: str | None = None,
    window_size: int | None = None,
    n_windows: int | None = None,
    min_window_rows: int = 100,
    benchmarks: Mapping[str, float] | None = None,
    floors: Mapping[str, float] | None = None,
    columns: Sequence[str] | None = None,
    methods: Mapping[str, str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    alpha: float = 0.05,
    drift_share: float = 0.5,
    correction: str | None = None,
    multivariate: bool = True,
    quality: bool = True,
    n_resamples: int = 1000,
    seed: int = 0,
    n_jobs: int | None = None,
    reference_name: str | None = None,
    current_name: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    allow_roots: Sequence[Path | str] | None = None,
) -> Report:
    """Monitor a model: data, prediction and label drift, performance, concept drift, data
    quality, time windows, and a verdict (``ok``, ``investigate`` or ``retrain``).

    ``labels`` optionally holds labels that arrived later (a file or table with the ``id`` and
    ``target`` columns); they are joined to current by ``id``. Windows: ``period`` (D, W or M on
    the ``timestamp``), ``window_size`` rows, or ``n_windows`` parts.

    With ``task="segmentation"`` the target and prediction cells hold masks: arrays, or paths
    of ``.npy`` or image files read, as `monitor_images` reads files, only under ``allow_roots``
    (default: each table's folder and below; the current folder for a DataFrame). A mask that
    cannot be used (outside the roots, missing, unreadable) leaves its row unlabelled, with a
    warning naming it.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=4000)
    >>> y = (x + rng.normal(scale=0.5, size=4000) > 0).astype(int)
    >>> pred = (x > 0).astype(int)
    >>> ref = pd.DataFrame({"x": x[:2000], "target": y[:2000], "prediction": pred[:2000]})
    >>> flipped = 1 - y[2000:]          # the labelling rule changed: concept drift
    >>> cur = pd.DataFrame({"x": x[2000:], "target": flipped, "prediction": pred[2000:]})
    >>> report = monitor(ref, cur, multivariate=False, n_resamples=200)
    >>> report.verdict.decision
    'retrain'
    """
    started = time.perf_counter()
    timings: dict[str, float] = {}
    user_schema = _as_schema(schema)
    check_arguments(
        reference,
        current,
        seed=seed,
        methods=methods,
        thresholds=thresholds,
        schema=user_schema,
        owner="monitor",
    )
    _check_metric_values(benchmarks, "benchmarks")
    _check_metric_values(floors, "floors")
    drift_settings = DriftSettings(
        alpha=alpha,
        drift_share=drift_share,
        correction=correction,
        methods=dict(methods or {}),
        thresholds=dict(thresholds or {}),
        multivariate=multivariate,
        seed=seed,
        n_jobs=n_jobs,
    )
    performance_settings = PerformanceSettings(
        n_resamples=n_resamples,
        benchmarks=dict(benchmarks or {}),
        floors=dict(floors or {}),
        seed=seed,
    )
    _check_window_arguments(period, window_size, n_windows, min_window_rows)
    window_settings = WindowSettings(
        period=period, size=window_size, count=n_windows, min_rows=min_window_rows
    )
    quality_settings = QualitySettings()
    for name, role in (
        (target, ColumnRole.TARGET),
        (prediction, ColumnRole.PREDICTION),
        (timestamp, ColumnRole.TIMESTAMP),
        (id, ColumnRole.ID),
    ):
        if name is not None:
            user_schema = user_schema.with_column(ColumnSpec(name=name, role=role))

    t0 = time.perf_counter()
    ref_table, cur_table = read_pair(
        reference, current, reference_name, current_name, encoding=encoding, delimiter=delimiter
    )
    warnings: list[str] = [*ref_table.warnings, *cur_table.warnings]
    ref_frame, cur_frame = ref_table.frame, cur_table.frame
    if labels is not None:
        label_table = read_table(labels, name=None, encoding=encoding, delimiter=delimiter)
        cur_frame, joined, label_column = _join_labels(cur_frame, label_table.frame, id, target)
        warnings += joined
        if target is None:
            target = label_column
            user_schema = user_schema.with_column(ColumnSpec(name=target, role=ColumnRole.TARGET))
    timings["read"] = time.perf_counter() - t0
    check_columns(ref_table, cur_table, columns, methods, thresholds)
    if columns is not None:
        keep = list(
            dict.fromkeys([*columns, *(c for c in (target, prediction, timestamp, id) if c)])
        )
        ref_frame = ref_frame[[c for c in keep if c in ref_frame.columns]]
        cur_frame = cur_frame[[c for c in keep if c in cur_frame.columns]]

    t0 = time.perf_counter()
    full_schema, schema_warnings = infer_schema(ref_frame, cur_frame, user_schema)
    ref_frame, cur_frame, full_schema = expand_text_columns(ref_frame, cur_frame, full_schema)
    model, full_schema, model_warnings = resolve_model_columns(
        full_schema, ref_frame, cur_frame, task=task, proba_prefix=proba_prefix
    )
    warnings += schema_warnings + model_warnings
    if model.task is not None:
        check_metric_names(performance_settings, model.task, bool(model.probabilities))
    if model.task is Task.SEGMENTATION:
        # Mask columns hold arrays or paths: the drift core has no test for them, performance does.
        for name in (model.target, model.prediction):
            if name is not None:
                full_schema = full_schema.with_column(
                    ColumnSpec(
                        name=name,
                        role=ColumnRole.IGNORED,
                        note="segmentation masks: measured by performance, not drift-tested",
                    )
                )
        # Mask files are read here, through the one gate for user-given paths, never by the
        # analyses.
        masks = (model.target, model.prediction)
        ref_frame, ref_problems = _read_mask_columns(
            ref_frame, masks, "reference", base_folder(reference), allow_roots
        )
        cur_frame, cur_problems = _read_mask_columns(
            cur_frame, masks, "current", base_folder(current), allow_roots
        )
        warnings += ref_problems + cur_problems
    timings["schema"] = time.perf_counter() - t0
    ref_frame, ref_zones = _utc_if_mixed(ref_frame, model.timestamp)
    cur_frame, cur_zones = _utc_if_mixed(cur_frame, model.timestamp)
    dated, timestamp_warnings = _timestamp_warnings(cur_frame, model.timestamp, window_settings)
    warnings += list(dict.fromkeys(ref_zones + cur_zones)) + timestamp_warnings
    # Unreadable dates stop only what needs them: windows by row count run in row order.
    timed_model = replace(model, timestamp=dated)

    cache = ReferenceCache()

    def timed(name: str, work: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            t0 = time.perf_counter()
            try:
                return work()
            finally:
                timings[name] = time.perf_counter() - t0

        return run

    def concept_task() -> tuple[ConceptDrift | None, list[str]]:
        target_col = model.target
        if target_col is None or target_col not in cur_frame or cur_frame[target_col].isna().all():
            return None, []
        return _concept(
            ref_frame, cur_frame, full_schema, model, ConceptSettings(alpha=alpha, seed=seed)
        )

    # The analyses are independent: performance, concept drift and quality (mostly on one core
    # each) run beside the drift analysis, which spreads its columns over its own threads.
    with ThreadPoolExecutor(max_workers=3) as pool:
        performance_job = pool.submit(
            timed(
                "performance",
                lambda: run_performance(ref_frame, cur_frame, model, performance_settings),
            )
        )
        concept_job = pool.submit(timed("concept_drift", concept_task))
        quality_job = (
            pool.submit(
                timed(
                    "quality",
                    lambda: run_quality(ref_frame, cur_frame, full_schema, quality_settings),
                )
            )
            if quality
            else None
        )
        t0 = time.perf_counter()
        drift, drift_timings = run_drift(ref_frame, cur_frame, full_schema, drift_settings, cache)
        timings["drift"] = time.perf_counter() - t0
        timings.update({f"drift_{k}": v for k, v in drift_timings.items()})
        performance, perf_warnings = performance_job.result()
        concept, concept_warnings = concept_job.result()
        quality_result = quality_job.result() if quality_job is not None else None
    warnings += perf_warnings
    if performance is not None:
        warnings += concept_warnings
    else:
        concept = None
        require_tested(drift, ref_table.name, cur_table.name)
    if concept is not None and performance is not None:
        concept = _confirm_concept(concept, performance)

    windows = None
    window_splits: list[Any] = []
    # Without a date in current there are no windows by period (`_timestamp_warnings` said why).
    undated = model.timestamp is not None and dated is None
    if window_settings.active and not (window_settings.period is not None and undated):
        t0 = time.perf_counter()
        windows, window_warnings, window_splits = _windows(
            ref_frame,
            cur_frame,
            full_schema,
            timed_model,
            drift_settings,
            performance_settings,
            quality_settings,
            window_settings,
            cache,
        )
        warnings += window_warnings
        timings["windows"] = time.perf_counter() - t0

    change_points = None
    if performance is not None and dated is not None:
        t0 = time.perf_counter()
        change_points = _change_points(cur_frame, timed_model, [sp.rows for sp in window_splits])
        timings["change_points"] = time.perf_counter() - t0

    reasons = _reasons(drift, performance, concept, quality_result, windows, model)
    if change_points is not None and change_points.drifts:
        first = change_points.drifts[0]
        name = change_points.detector.split("(")[0]
        reasons.append(
            V.Reason(
                "change_points",
                V.INVESTIGATE,
                f"The model's {change_points.stream.replace('_', ' ')} changed in time: "
                f"{name} found {len(change_points.drifts)} drift(s), "
                f"the first at {first.timestamp or f'item {first.index}'}.",
                0.1,
            )
        )
    verdict = V.decide(reasons, note=_data_drift_reason(drift)[1])
    timings["total"] = time.perf_counter() - started
    metadata = RunMetadata(
        reference=ref_table.name,
        current=cur_table.name,
        n_reference_rows=len(ref_frame),
        n_current_rows=len(cur_frame),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings={
            **drift_settings.to_dict(),
            "performance": {
                "confidence": performance_settings.confidence,
                "n_resamples": performance_settings.n_resamples,
                "warning_drop": performance_settings.warning_drop,
                "alert_drop": performance_settings.alert_drop,
                "benchmarks": dict(performance_settings.benchmarks),
                "floors": dict(performance_settings.floors),
            },
            "windows": window_settings.describe() if window_settings.active else None,
        },
        timings=timings,
    )
    return Report(
        drift=drift,
        schema=full_schema,
        metadata=metadata,
        rules=decision_rules(drift_settings),
        model=model,
        performance=performance,
        concept_drift=concept,
        quality=quality_result,
        windows=windows,
        change_points=change_points,
        verdict=verdict,
        extra_warnings=tuple(warnings),
    )


def quality_report(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    *,
    settings: QualitySettings | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> dict[str, Any]:
    """Data quality alone (`driftscope quality`): JSON-ready data with the inputs and checks."""
    check_arguments(
        reference, current, seed=0, methods=None, thresholds=None, owner="quality_report"
    )
    ref_table, cur_table = read_pair(reference, current, encoding=encoding, delimiter=delimiter)
    full_schema, warnings = infer_schema(ref_table.frame, cur_table.frame, _as_schema(schema))
    result = run_quality(
        ref_table.frame, cur_table.frame, full_schema, settings or QualitySettings()
    )
    return {
        # The same version as the report JSON: `quality` here is that report's quality section.
        "schema_version": SCHEMA_VERSION,
        "reference": ref_table.name,
        "current": cur_table.name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "warnings": [*ref_table.warnings, *cur_table.warnings, *warnings],
        "quality": result.to_dict(),
    }
