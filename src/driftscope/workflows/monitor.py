"""`driftscope.monitor`: drift, performance, concept drift, data quality, time windows and the
verdict for a model, in one call. The CLI's `driftscope report` is this function."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from driftscope._shorten import shown
from driftscope.analyses import verdict as V
from driftscope.analyses.change_points import (
    change_points_from_frame,
)
from driftscope.analyses.concept import (
    ConceptDrift,
    ConceptSettings,
    concept_from_frames,
)
from driftscope.analyses.drift import (
    DriftSettings,
    ReferenceCache,
    decision_rules,
    require_tested,
    run_drift,
)
from driftscope.analyses.estimation import (
    ESTIMATED_METRICS,
    EstimationSettings,
    PerformanceEstimate,
    run_estimation,
)
from driftscope.analyses.explanation import (
    ExplainSettings,
    ExplanationsSection,
    explanations_from_frames,
    text_explanations_section,
)
from driftscope.analyses.feedback import FeedbackSettings
from driftscope.analyses.model import ModelColumns, Task, resolve_model_columns, task_kinds
from driftscope.analyses.model_comparison import ComparisonSettings
from driftscope.analyses.performance import (
    METRIC_RANGES,
    PerformanceResult,
    PerformanceSettings,
    check_metric_names,
    run_performance,
)
from driftscope.analyses.quality import QualityResult, QualitySettings, run_quality
from driftscope.analyses.results import DriftResult
from driftscope.analyses.text_columns import expand_text_columns
from driftscope.analyses.text_explanation import (
    TextExplainSettings,
    is_text_model,
)
from driftscope.analyses.windows import (
    PERIODS,
    WindowSettings,
    WindowSplit,
    WindowsResult,
    run_windows,
    timestamp_warnings,
    utc_if_mixed,
)
from driftscope.data.infer import infer_schema
from driftscope.data.io import Table, read_table
from driftscope.data.labels import join_labels
from driftscope.data.paths import base_folder
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import (
    ColumnError,
    EmptyDataError,
    ParameterError,
    invalid_parameter,
)
from driftscope.modalities.masks import read_mask_columns
from driftscope.report import Report, RunMetadata
from driftscope.workflows._sections import (
    SectionRequest,
    bookkeeping_columns,
    run_sections,
    section_columns,
    set_aside,
)
from driftscope.workflows._settings import describe_performance, refuse_arguments
from driftscope.workflows._settings import drift_settings as _drift_settings
from driftscope.workflows._settings import performance_settings as _performance_settings
from driftscope.workflows.compare import _as_schema, check_arguments, check_columns, read_pair
from driftscope.workflows.profiles import is_profile, monitor_profiles, refuse_with_profiles

__all__ = ["metric_value_problem", "monitor", "with_pending_target"]

#: Rows explained per side in a report unless the explanation settings say otherwise.
REPORT_EXPLAIN_ROWS = 200

_T = TypeVar("_T")


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


# The names a target goes by when the user names none (as schema inference reads them).
_TARGET_NAMES = ("target", "label")


def with_pending_target(
    reference: pd.DataFrame, current: pd.DataFrame, target: str | None
) -> pd.DataFrame:
    """Current with the reference's target column, empty where current has none: its labels have
    not arrived, and the column's kind and role are read from the reference."""
    names = (
        [target] if target else [c for c in reference.columns if str(c).lower() in _TARGET_NAMES]
    )
    missing = [c for c in names if c in reference.columns and c not in current.columns]
    if not missing:
        return current
    empty = {
        # NaN, not pd.NA: a numpy float column cannot hold pd.NA (an extension one reads NaN
        # as missing).
        c: pd.Series(np.nan, index=current.index, dtype=reference[c].dtype)
        if reference[c].dtype.kind in "fc"
        else pd.Series(None, index=current.index, dtype=object)
        for c in missing
    }
    return current.assign(**empty)


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
    numerical_effect_threshold: float = 0.1,
    categorical_effect_threshold: float = 0.05,
    max_categories: int = 10_000,
    drift_settings: DriftSettings | None = None,
    performance_settings: PerformanceSettings | None = None,
    quality_settings: QualitySettings | None = None,
    explain_model: Any = None,
    explain_settings: ExplainSettings | TextExplainSettings | None = None,
    allow_pickle: bool = False,
    estimate: bool | None = None,
    estimation_settings: EstimationSettings | None = None,
    feedback: Any = None,
    feedback_settings: FeedbackSettings | None = None,
    feedback_value: str = "feedback",
    feedback_comment: str | None = None,
    shadow_prediction: str | None = None,
    shadow_proba_prefix: str | None = None,
    arm: str | None = None,
    arms: Sequence[str] | None = None,
    comparison_settings: ComparisonSettings | None = None,
) -> Report:
    """Monitor a model: data, prediction and label drift, performance, concept drift, data
    quality, time windows, and a verdict (``ok``, ``investigate`` or ``retrain``).

    ``labels`` optionally holds labels that arrived later (a file or table with the ``id`` and
    ``target`` columns); they are joined to current by ``id``. Windows: ``period`` (D, W or M on
    the ``timestamp``), ``window_size`` rows, or ``n_windows`` parts.

    ``drift_settings``, ``performance_settings`` and ``quality_settings`` give every setting of
    those analyses at once (the drift and performance keywords above are their shortcuts; give
    one or the other); parameter messages name ``monitor``.

    With ``task="segmentation"`` the target and prediction cells hold masks: arrays, or paths
    of ``.npy`` or image files read, as `monitor_images` reads files, only under ``allow_roots``
    (default: each table's folder and below; the current folder for a DataFrame). A mask that
    cannot be used (outside the roots, missing, unreadable) leaves its row unlabelled, with a
    warning naming it.

    ``explain_model`` (a scikit-learn model, a ``.skops`` or ``.onnx`` file, or a callable; see
    `driftscope.explain`) adds an explanations section: the model's attributions on reference
    and current, bounded by ``explain_settings`` (default: 200 rows a side, so that a report
    with a black-box model stays quick). A model that cannot be explained leaves the
    section with its reason and the rest of the report as it is. A text classifier (a
    scikit-learn pipeline whose first step is a text vectorizer) is explained word by word on
    the one text column among the features (`driftscope.explain_text`, docs/explain-text.md),
    bounded by ``explain_settings`` (a `TextExplainSettings`, or an `ExplainSettings` whose
    ``max_rows`` and ``seed`` become ``max_texts`` and ``seed``); its result is the section's
    ``text``.

    Where current's labels have not arrived (some or all rows without a target), the report
    gets a "performance (estimated)" section (`driftscope.estimate`: CBPE for classifiers with
    probabilities, DLE for regressors), per window when windows are asked for; it learns on the
    reference's labels. ``estimate`` is None for that (a model it cannot estimate is left out
    with a warning), True to estimate even a fully labelled current (and fail when it cannot),
    False never; ``estimation_settings`` sets it (default: the ``benchmarks`` and ``seed``
    given here).
    ``feedback`` (a file or table of thumbs up or down by id; docs/feedback.md) adds a
    feedback section: its ``id`` and ``feedback_value`` columns (and ``feedback_comment``) are
    joined to current by ``id`` and analysed as `driftscope.feedback` does, in the monitor's
    windows unless ``feedback_settings`` cut others; with current labels, negative feedback is
    compared with the realised errors. A window whose negative share is significantly above
    the baseline makes the verdict at least ``investigate``.

    ``shadow_prediction`` (a current column: a candidate model's predictions on the same rows,
    its probabilities under ``shadow_proba_prefix``) adds a shadow section, as
    `driftscope.shadow_compare`; ``arm`` (the column naming the version that served each row,
    ``arms`` the two to compare, baseline first) adds an A/B test section, as
    `driftscope.ab_test`; ``comparison_settings`` shape both (docs/model-comparison.md). These
    columns are not drift-tested, and the two sections add a line to the verdict's reasons
    without changing its decision.

    Either side, or both, may be a `driftscope.Profile` or a saved profile's path, as in
    `compare`: drift is tested from the profiles, performance comes from their model columns
    (a classifier's confusion counts, with their bootstrap intervals; a regressor's sums,
    without), and the verdict rests on both. The schema arguments are the profile's, windows
    cannot be cut from a profile, and what needs rows (``labels``, ``explain_model``,
    ``feedback``, ``shadow_prediction``, ``arm``, ``estimate=True``) is refused, each named;
    what was not run is listed in the report's ``profiles`` section.

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
    log = _Run(started=time.perf_counter())
    profiled = is_profile(reference) or is_profile(current)
    if profiled:
        _refuse_with_profiles(
            schema=schema,
            target=target,
            prediction=prediction,
            proba_prefix=proba_prefix,
            task=task,
            timestamp=timestamp,
            id=id,
            labels=labels,
            columns=columns,
            explain_model=explain_model,
            feedback=feedback,
            shadow_prediction=shadow_prediction,
            arm=arm,
            period=period,
            window_size=window_size,
            n_windows=n_windows,
            estimate=estimate or None,
        )
    user_schema = _as_schema(schema)
    asked = SectionRequest(
        feedback=feedback,
        feedback_settings=feedback_settings,
        feedback_value=feedback_value,
        feedback_comment=feedback_comment,
        shadow_prediction=shadow_prediction,
        shadow_proba_prefix=shadow_proba_prefix,
        arm=arm,
        arms=arms,
        comparison_settings=comparison_settings,
        id=id,
    )
    check_arguments(
        reference,
        current,
        seed=seed,
        methods=methods,
        thresholds=thresholds,
        schema=user_schema,
        owner="monitor",
        profiles=profiled,
    )
    _check_metric_values(benchmarks, "benchmarks")
    _check_metric_values(floors, "floors")
    settings = _Settings(
        drift=_drift_settings(
            "monitor",
            drift_settings,
            alpha=alpha,
            numerical_effect_threshold=numerical_effect_threshold,
            categorical_effect_threshold=categorical_effect_threshold,
            drift_share=drift_share,
            correction=correction,
            methods=dict(methods or {}),
            thresholds=dict(thresholds or {}),
            multivariate=multivariate,
            max_categories=max_categories,
            seed=seed,
            n_jobs=n_jobs,
        ),
        performance=_performance_settings(
            "monitor",
            performance_settings,
            n_resamples=n_resamples,
            benchmarks=dict(benchmarks or {}),
            floors=dict(floors or {}),
            seed=seed,
        ),
        windows=_window_settings(period, window_size, n_windows, min_window_rows),
        quality=quality_settings or QualitySettings(),
        concept=ConceptSettings(alpha=alpha, seed=seed),
        with_quality=quality,
    )
    if profiled:
        return monitor_profiles(
            reference,
            current,
            settings.drift,
            settings.performance,
            settings.quality if quality else None,
            reference_name=reference_name,
            current_name=current_name,
            encoding=encoding,
            delimiter=delimiter,
        )
    for name, role in (
        (target, ColumnRole.TARGET),
        (prediction, ColumnRole.PREDICTION),
        (timestamp, ColumnRole.TIMESTAMP),
        (id, ColumnRole.ID),
    ):
        if name is not None:
            user_schema = user_schema.with_column(ColumnSpec(name=name, role=role))

    with log.timed("read"):
        tables = read_pair(
            reference, current, reference_name, current_name, encoding=encoding, delimiter=delimiter
        )
        log.warnings += [*tables[0].warnings, *tables[1].warnings]
        frames = (tables[0].frame, tables[1].frame)
        for spec in section_columns(frames[1], asked):
            user_schema = user_schema.with_column(spec)
        current_ids = None
        if labels is not None:
            label_table = read_table(labels, name=None, encoding=encoding, delimiter=delimiter)
            current_frame, joined, label_column = join_labels(
                frames[1], label_table.frame, id, target
            )
            if id is not None and id not in frames[0].columns:
                # An id only the current rows carry is there to join their labels: bookkeeping,
                # not a column the reference lacks. The feedback is joined by it too.
                current_ids = current_frame[id]
                current_frame = current_frame.drop(columns=[id])
                user_schema = Schema(tuple(c for c in user_schema if c.name != id))
            frames = (frames[0], current_frame)
            log.warnings += joined
            if target is None:
                target = label_column
                user_schema = user_schema.with_column(
                    ColumnSpec(name=target, role=ColumnRole.TARGET)
                )
            # Rows without a label yet are not missing data.
            settings = replace(
                settings,
                drift=replace(settings.drift, pending_labels=target),
                quality=replace(settings.quality, pending_labels=target),
            )
        elif estimate is not False:
            # Current without the reference's target: its labels have not arrived. The column,
            # empty, keeps the target's role for the estimated performance.
            current_frame = with_pending_target(frames[0], frames[1], target)
            pending = [c for c in current_frame.columns if c not in frames[1].columns]
            if pending:
                frames = (frames[0], current_frame)
                settings = replace(
                    settings,
                    drift=replace(settings.drift, pending_labels=pending[0]),
                    quality=replace(settings.quality, pending_labels=pending[0]),
                )
    frames, user_schema, aside = set_aside(frames, user_schema, asked, current_ids)
    check_columns(*tables, columns, methods, thresholds)
    if columns is not None:
        keep = [*columns, *(c for c in (target, prediction, timestamp, id) if c)]
        keep += [spec.name for spec in bookkeeping_columns(tables[1].frame, asked)]
        frames = _only(frames, keep)
    with log.timed("schema"):
        frames, full_schema, model = _model_and_schema(
            log, frames, user_schema, task, proba_prefix, settings.performance
        )
        if model.task is Task.SEGMENTATION:
            bases = (base_folder(reference), base_folder(current))
            frames, full_schema = _read_masks(log, frames, full_schema, model, bases, allow_roots)
    frames, dated = _dated(log, frames, model, settings.windows)
    drift, performance, concept, quality_result = _analyse(
        log, frames, full_schema, model, settings
    )
    if performance is None:
        require_tested(drift, tables[0].name, tables[1].name)
    # Unreadable dates stop only what needs them: windows by row count run in row order.
    timed_model = replace(model, timestamp=dated)
    windows, window_splits = _windows(log, frames, full_schema, model, timed_model, settings)
    change_points = None
    if performance is not None and dated is not None:
        with log.timed("change_points"):
            change_points = change_points_from_frame(
                frames[1], timed_model, [split.rows for split in window_splits]
            )
    estimated = _estimated_performance(
        log, frames, full_schema, timed_model, settings, estimate, estimation_settings
    )
    verdict = V.monitoring_verdict(
        drift, performance, concept, quality_result, windows, change_points, model, estimated
    )
    sections = None
    if asked.asked:
        with log.timed("sections"):
            sections = run_sections(
                frames[1],
                aside,
                full_schema,
                timed_model,
                settings.windows,
                asked,
                seed=seed,
                n_resamples=n_resamples,
                encoding=encoding,
                delimiter=delimiter,
            )
        log.warnings += sections.warnings
        verdict = V.with_section_reasons(
            verdict, sections.feedback, sections.shadow, sections.ab_test
        )
    explanations = None
    if explain_model is not None and is_text_model(explain_model, allow_pickle):
        with log.timed("explanations"):
            explanations = _text_explanations(
                frames, full_schema, explain_model, explain_settings, seed, allow_pickle
            )
        if explanations.error is not None:
            log.warnings.append(f"explanations: {explanations.error}")
    elif explain_model is not None:
        attribute = V.attribution_wanted(drift, performance, model)
        tabular = (
            ExplainSettings(max_rows=explain_settings.max_texts, seed=explain_settings.seed)
            if isinstance(explain_settings, TextExplainSettings)
            else explain_settings
        )
        with log.timed("explanations"):
            explanations, explain_warnings = explanations_from_frames(
                frames[0],
                frames[1],
                explain_model,
                features=[c.name for c in full_schema if c.role == ColumnRole.FEATURE],
                target=model.target,
                settings=tabular or ExplainSettings(max_rows=REPORT_EXPLAIN_ROWS, seed=seed),
                allow_pickle=allow_pickle,
                attribute=attribute,
            )
        log.warnings += explain_warnings
        if explanations.error is not None:
            log.warnings.append(f"explanations: {explanations.error}")
        if attribute is not None and explanations.reason is not None:
            verdict = V.with_attribution(verdict, attribute, explanations.reason)
    return Report(
        drift=drift,
        schema=full_schema,
        metadata=_metadata(log, tables, frames, settings),
        rules=decision_rules(settings.drift),
        model=model,
        performance=performance,
        concept_drift=concept,
        quality=quality_result,
        windows=windows,
        change_points=change_points,
        verdict=verdict,
        explanations=explanations,
        estimated_performance=estimated,
        feedback=None if sections is None else sections.feedback,
        shadow=None if sections is None else sections.shadow,
        ab_test=None if sections is None else sections.ab_test,
        extra_warnings=tuple(log.warnings),
    )


def _refuse_with_profiles(
    *, period: object, window_size: object, n_windows: object, **given: object
) -> None:
    """With a profile on either side: the schema is the profile's, windows cannot be cut from
    a profile, and what needs rows (labels joined later, explanations, feedback, a shadow
    model, an A/B test, estimation) is refused, each argument named."""
    windows = {"period": period, "window_size": window_size, "n_windows": n_windows}
    refuse_arguments(
        "monitor",
        "a side is a profile",
        "chunking a profile into windows is impossible, it holds no rows (compare each "
        "window's profile, or give current as rows and no profile)",
        **windows,
    )
    fixed = ("schema", "target", "prediction", "proba_prefix", "task", "timestamp", "id", "columns")
    refuse_with_profiles("monitor", **{k: v for k, v in given.items() if k in fixed})
    refuse_arguments(
        "monitor",
        "a side is a profile",
        "it needs the rows, which a profile does not keep",
        **{k: v for k, v in given.items() if k not in fixed},
    )


@dataclass
class _Run:
    """What one run keeps beside its results: its warnings, how long each step took, and the
    reference's share of the drift work, done once for the whole table and every window."""

    started: float
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    cache: ReferenceCache = field(default_factory=ReferenceCache)

    @contextmanager
    def timed(self, step: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[step] = time.perf_counter() - t0


@dataclass(frozen=True)
class _Settings:
    """Every analysis's settings for one run; the whole table's quality is checked only
    ``with_quality`` (the windows always check theirs)."""

    drift: DriftSettings
    performance: PerformanceSettings
    windows: WindowSettings
    quality: QualitySettings
    concept: ConceptSettings
    with_quality: bool


Frames = tuple[pd.DataFrame, pd.DataFrame]


def _window_settings(
    period: str | None, window_size: int | None, n_windows: int | None, min_window_rows: int
) -> WindowSettings:
    _check_window_arguments(period, window_size, n_windows, min_window_rows)
    return WindowSettings(
        period=period, size=window_size, count=n_windows, min_rows=min_window_rows
    )


def _only(frames: Frames, keep: Sequence[str]) -> Frames:
    """Both frames cut to the ``keep`` columns they have, in that order, each once."""
    names = list(dict.fromkeys(keep))
    reference, current = frames
    return (
        reference[[c for c in names if c in reference.columns]],
        current[[c for c in names if c in current.columns]],
    )


def _model_and_schema(
    log: _Run,
    frames: Frames,
    user_schema: Schema,
    task: str | None,
    proba_prefix: str | None,
    performance: PerformanceSettings,
) -> tuple[Frames, Schema, ModelColumns]:
    """The full schema (inferred where the user said nothing, text columns expanded into
    features) and the model's columns, with the metrics checked against the model's task."""
    full_schema, schema_warnings = infer_schema(*frames, user_schema, role_kinds=task_kinds(task))
    reference, current, full_schema = expand_text_columns(*frames, full_schema)
    model, full_schema, model_warnings = resolve_model_columns(
        full_schema, reference, current, task=task, proba_prefix=proba_prefix
    )
    log.warnings += schema_warnings + model_warnings
    if model.task is not None:
        check_metric_names(performance, model.task, bool(model.probabilities))
    return (reference, current), full_schema, model


def _read_masks(
    log: _Run,
    frames: Frames,
    full_schema: Schema,
    model: ModelColumns,
    bases: tuple[Path, Path],
    allow_roots: Sequence[Path | str] | None,
) -> tuple[Frames, Schema]:
    """Segmentation: the mask columns, measured by performance and not drift-tested, read here,
    through the one gate for user-given paths, never by the analyses."""
    masks = (model.target, model.prediction)
    for name in masks:
        if name is not None:
            full_schema = full_schema.with_column(
                ColumnSpec(
                    name=name,
                    role=ColumnRole.IGNORED,
                    note="segmentation masks: measured by performance, not drift-tested",
                )
            )
    read = [
        read_mask_columns(frame, masks, side, base, allow_roots)
        for frame, side, base in zip(frames, ("reference", "current"), bases, strict=True)
    ]
    log.warnings += read[0][1] + read[1][1]
    return (read[0][0], read[1][0]), full_schema


def _dated(
    log: _Run, frames: Frames, model: ModelColumns, windows: WindowSettings
) -> tuple[Frames, str | None]:
    """Both frames with their timestamps in UTC where the zones are mixed, and the timestamp
    column when current's dates can be read (None otherwise, with a warning saying why)."""
    reference, ref_zones = utc_if_mixed(frames[0], model.timestamp)
    current, cur_zones = utc_if_mixed(frames[1], model.timestamp)
    dated, date_warnings = timestamp_warnings(current, model.timestamp, windows)
    log.warnings += list(dict.fromkeys(ref_zones + cur_zones)) + date_warnings
    return (reference, current), dated


def _analyse(
    log: _Run, frames: Frames, full_schema: Schema, model: ModelColumns, settings: _Settings
) -> tuple[DriftResult, PerformanceResult | None, ConceptDrift | None, QualityResult | None]:
    """Drift, performance, concept drift and quality of the whole current table.

    The analyses are independent: performance, concept drift and quality (mostly on one core
    each) run beside the drift analysis, which spreads its columns over its own threads.
    Concept drift needs performance (labels), and counts only where performance confirms it.
    """
    reference, current = frames

    def timed(step: str, work: Callable[[], _T]) -> Callable[[], _T]:
        def run() -> _T:
            with log.timed(step):
                return work()

        return run

    def concept() -> tuple[ConceptDrift | None, list[str]]:
        target = model.target
        if target is None or target not in current or current[target].isna().all():
            return None, []
        return concept_from_frames(reference, current, full_schema, model, settings.concept)

    with ThreadPoolExecutor(max_workers=3) as pool:
        performance_job = pool.submit(
            timed(
                "performance",
                lambda: run_performance(reference, current, model, settings.performance),
            )
        )
        concept_job = pool.submit(timed("concept_drift", concept))
        quality_job = (
            pool.submit(
                timed(
                    "quality",
                    lambda: run_quality(reference, current, full_schema, settings.quality),
                )
            )
            if settings.with_quality
            else None
        )
        with log.timed("drift"):
            drift, drift_timings = run_drift(
                reference, current, full_schema, settings.drift, log.cache
            )
        log.timings.update({f"drift_{k}": v for k, v in drift_timings.items()})
        performance, performance_warnings = performance_job.result()
        concept_drift, concept_warnings = concept_job.result()
        quality_result = quality_job.result() if quality_job is not None else None
    log.warnings += performance_warnings
    if performance is None:
        return drift, None, None, quality_result
    log.warnings += concept_warnings
    if concept_drift is not None:
        concept_drift = V.confirm_concept(concept_drift, performance)
    return drift, performance, concept_drift, quality_result


def _windows(
    log: _Run,
    frames: Frames,
    full_schema: Schema,
    model: ModelColumns,
    timed_model: ModelColumns,
    settings: _Settings,
) -> tuple[WindowsResult | None, list[WindowSplit]]:
    """The analyses per time window of current, when windows were asked for and can be made
    (no windows by period without a date in current: `timestamp_warnings` said why)."""
    windows = settings.windows
    undated = model.timestamp is not None and timed_model.timestamp is None
    if not windows.active or (windows.period is not None and undated):
        return None, []
    with log.timed("windows"):
        result, window_warnings, splits = run_windows(
            *frames,
            full_schema,
            timed_model,
            settings.drift,
            settings.performance,
            settings.quality,
            windows,
            log.cache,
        )
    log.warnings += window_warnings
    return result, splits


def _estimation_problem(frames: Frames, model: ModelColumns) -> str | None:
    """Why the model's performance cannot be estimated on these frames (None: it can)."""
    task = model.task
    if task not in ESTIMATED_METRICS:
        return (
            f"the task is {task or 'unknown'}; estimation covers binary and multiclass "
            "classifiers and regressors (task=)"
        )
    if model.target is None or model.target not in frames[0].columns:
        return "it learns on the reference's labels, and the reference has no target column"
    if task is not None and task.is_classification and not model.probabilities:
        return "a classifier is estimated from its probabilities, and none were found"
    if model.prediction is None and not model.probabilities:
        return "the model's outputs (a prediction column) were not found"
    return None


def _unlabelled(current: pd.DataFrame, model: ModelColumns) -> bool:
    target = model.target
    return target is None or target not in current or bool(current[target].isna().any())


def _estimated_performance(
    log: _Run,
    frames: Frames,
    full_schema: Schema,
    model: ModelColumns,
    settings: _Settings,
    estimate: bool | None,
    chosen: EstimationSettings | None,
) -> PerformanceEstimate | None:
    """The performance estimated without current's labels (the "performance (estimated)"
    section), in the monitor's windows: when some of current's labels are missing, or when
    asked for. Unasked, a model it cannot estimate is left out with a warning."""
    if estimate is False or (estimate is None and not _unlabelled(frames[1], model)):
        return None
    if estimate is not None and not isinstance(estimate, bool):
        raise invalid_parameter("monitor", "estimate", "True, False or None", estimate)
    problem = _estimation_problem(frames, model)
    if problem is not None:
        if estimate:
            raise ColumnError(
                f"monitor(estimate=True): performance cannot be estimated: {problem}."
            )
        if model.task in ESTIMATED_METRICS and model.target is not None:
            log.warnings.append(f"performance (estimated): not made: {problem}.")
        return None
    if chosen is None:
        known = set(ESTIMATED_METRICS[model.task])  # type: ignore[index]
        chosen = EstimationSettings(
            benchmarks={k: v for k, v in settings.performance.benchmarks.items() if k in known},
            seed=settings.performance.seed,
            owner="monitor",
        )
    windows = settings.windows
    if windows.period is not None and model.timestamp is None:
        windows = WindowSettings(min_rows=windows.min_rows)  # undated: current as a whole
    with log.timed("estimation"):
        try:
            result = run_estimation(*frames, full_schema, model, windows, chosen)
        except (ColumnError, EmptyDataError) as error:
            if estimate:
                raise
            log.warnings.append(f"performance (estimated): not made: {error}")
            return None
    log.warnings += [f"performance (estimated): {w}" for w in result.warnings]
    return result


def _metadata(
    log: _Run, tables: tuple[Table, Table], frames: Frames, settings: _Settings
) -> RunMetadata:
    log.timings["total"] = time.perf_counter() - log.started
    return RunMetadata(
        reference=tables[0].name,
        current=tables[1].name,
        n_reference_rows=len(frames[0]),
        n_current_rows=len(frames[1]),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        settings={
            **settings.drift.to_dict(),
            "performance": describe_performance(settings.performance),
            "windows": settings.windows.describe() if settings.windows.active else None,
        },
        timings=log.timings,
    )


def _text_explanations(
    frames: Sequence[pd.DataFrame],
    schema: Schema,
    model: Any,
    settings: ExplainSettings | TextExplainSettings | None,
    seed: int,
    allow_pickle: bool,
) -> ExplanationsSection:
    """A text classifier explained on the one text column among the features; the section's
    error when there is none, or more than one."""
    texts = [c.name for c in schema if c.role == ColumnRole.FEATURE and c.kind == ColumnKind.TEXT]
    if len(texts) != 1:
        found = ", ".join(repr(t) for t in texts) if texts else "none"
        return ExplanationsSection(
            None,
            "the model is a text pipeline (its first step is a text vectorizer), explained on "
            f"one text column among the features; found {found}. Mark the column of texts "
            "kind 'text' in the schema, and the other text columns role 'ignored'.",
        )
    if not isinstance(settings, TextExplainSettings):
        settings = TextExplainSettings(
            max_texts=REPORT_EXPLAIN_ROWS if settings is None else settings.max_rows,
            seed=seed if settings is None else settings.seed,
        )
    column = texts[0]
    return text_explanations_section(
        model,
        frames[1][column],
        frames[0][column],
        column=column,
        settings=settings,
        allow_pickle=allow_pickle,
    )
