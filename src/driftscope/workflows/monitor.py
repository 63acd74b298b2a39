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
from driftscope.analyses.model import Task, resolve_model_columns
from driftscope.analyses.performance import (
    METRIC_RANGES,
    PerformanceSettings,
    check_metric_names,
    run_performance,
)
from driftscope.analyses.quality import QualitySettings, run_quality
from driftscope.analyses.text_columns import expand_text_columns
from driftscope.analyses.windows import (
    PERIODS,
    WindowSettings,
    run_windows,
    timestamp_warnings,
    utc_if_mixed,
)
from driftscope.data.infer import infer_schema
from driftscope.data.io import read_table
from driftscope.data.labels import join_labels
from driftscope.data.paths import base_folder
from driftscope.data.schema import ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import ParameterError, invalid_parameter
from driftscope.modalities.masks import read_mask_columns
from driftscope.report import Report, RunMetadata
from driftscope.workflows._settings import drift_settings as _drift_settings
from driftscope.workflows._settings import performance_settings as _performance_settings
from driftscope.workflows.compare import _as_schema, check_arguments, check_columns, read_pair

__all__ = ["metric_value_problem", "monitor"]


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
    drift_settings = _drift_settings(
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
    )
    performance_settings = _performance_settings(
        "monitor",
        performance_settings,
        n_resamples=n_resamples,
        benchmarks=dict(benchmarks or {}),
        floors=dict(floors or {}),
        seed=seed,
    )
    _check_window_arguments(period, window_size, n_windows, min_window_rows)
    window_settings = WindowSettings(
        period=period, size=window_size, count=n_windows, min_rows=min_window_rows
    )
    quality_settings = quality_settings or QualitySettings()
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
        cur_frame, joined, label_column = join_labels(cur_frame, label_table.frame, id, target)
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
        ref_frame, ref_problems = read_mask_columns(
            ref_frame, masks, "reference", base_folder(reference), allow_roots
        )
        cur_frame, cur_problems = read_mask_columns(
            cur_frame, masks, "current", base_folder(current), allow_roots
        )
        warnings += ref_problems + cur_problems
    timings["schema"] = time.perf_counter() - t0
    ref_frame, ref_zones = utc_if_mixed(ref_frame, model.timestamp)
    cur_frame, cur_zones = utc_if_mixed(cur_frame, model.timestamp)
    dated, date_warnings = timestamp_warnings(cur_frame, model.timestamp, window_settings)
    warnings += list(dict.fromkeys(ref_zones + cur_zones)) + date_warnings
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
        return concept_from_frames(
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
        concept = V.confirm_concept(concept, performance)

    windows = None
    window_splits: list[Any] = []
    # Without a date in current there are no windows by period (`timestamp_warnings` said why).
    undated = model.timestamp is not None and dated is None
    if window_settings.active and not (window_settings.period is not None and undated):
        t0 = time.perf_counter()
        windows, window_warnings, window_splits = run_windows(
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
        change_points = change_points_from_frame(
            cur_frame, timed_model, [sp.rows for sp in window_splits]
        )
        timings["change_points"] = time.perf_counter() - t0

    verdict = V.monitoring_verdict(
        drift, performance, concept, quality_result, windows, change_points, model
    )
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
