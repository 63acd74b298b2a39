"""`estimate`: a model's performance on data whose labels have not arrived (`driftscope.estimate`,
`driftscope estimate`): read both sides, find the model's columns, estimate window by window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from driftscope.analyses.estimation import (
    EstimationSettings,
    PerformanceEstimate,
    run_estimation,
)
from driftscope.analyses.model import resolve_model_columns, task_kinds
from driftscope.data.infer import infer_schema
from driftscope.data.schema import ColumnRole, ColumnSpec, Schema
from driftscope.workflows.compare import _as_schema, read_pair
from driftscope.workflows.monitor import _window_settings, with_pending_target

__all__ = ["estimate"]


def estimate(
    reference: Any,
    current: Any,
    schema: Schema | Mapping[str, Any] | str | Path | None = None,
    *,
    target: str | None = None,
    prediction: str | None = None,
    proba_prefix: str | None = None,
    task: str | None = None,
    timestamp: str | None = None,
    features: Sequence[str] | None = None,
    period: str | None = None,
    window_size: int | None = None,
    n_windows: int | None = None,
    min_window_rows: int = 100,
    metrics: Sequence[str] | None = None,
    calibration: str = "auto",
    confidence: float = 0.95,
    n_simulations: int = 500,
    benchmarks: Mapping[str, float] | None = None,
    warning_drop: float = 0.02,
    alert_drop: float = 0.05,
    seed: int = 0,
    settings: EstimationSettings | None = None,
    reference_name: str | None = None,
    current_name: str | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> PerformanceEstimate:
    """Estimate a model's performance on ``current`` without its labels, learning on the
    labelled ``reference``: classifiers from their calibrated probabilities (CBPE), regressors
    from a model of their expected error (DLE). See docs/estimation.md.

    ``reference`` and ``current`` are files (CSV, Parquet, JSON Lines) or DataFrames holding the
    model's outputs: a ``prediction`` column and, for a classifier, its probabilities
    (``proba_<class>`` columns, or ``proba_prefix``). Current's target may be absent, partly
    filled or complete: where labels exist, the realised value is shown beside the estimate and
    the two are checked against each other. ``features`` limits the columns the estimator learns
    from (default: every feature column). Windows: ``period`` (D, W or M on ``timestamp``),
    ``window_size`` rows, or ``n_windows`` parts (default: current as one window).

    ``calibration`` (classifiers): ``auto`` (the simplest of the candidates that no other beats
    by 2% in the reference's cross-fitted Brier score), ``isotonic``, ``features`` (P(label |
    features), learnt: follows covariate shift) or ``none``. ``settings`` gives every setting at
    once instead of the keywords.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> def sample(n, shift):
    ...     x = rng.normal(shift, 1, n)
    ...     p = 1 / (1 + np.exp(-2 * x))
    ...     y = (rng.random(n) < p).astype(int)
    ...     return pd.DataFrame({"x": x, "target": y, "prediction": (p > 0.5).astype(int),
    ...                          "proba_1": p})
    >>> ref, cur = sample(4000, 0.0), sample(2000, 1.0).drop(columns="target")
    >>> est = estimate(ref, cur, calibration="none", n_simulations=100)
    >>> est.method, round(est.overall.metrics["accuracy"].estimate, 2)
    ('cbpe', 0.85)
    """
    if settings is None:
        settings = EstimationSettings(
            metrics=None if metrics is None else tuple(metrics),
            calibration=calibration,
            confidence=confidence,
            n_simulations=n_simulations,
            benchmarks=dict(benchmarks or {}),
            warning_drop=warning_drop,
            alert_drop=alert_drop,
            seed=seed,
            owner="estimate",
        )
    one_window = period is None and window_size is None and n_windows is None
    windows = _window_settings(period, window_size, 1 if one_window else n_windows, min_window_rows)
    user_schema = _as_schema(schema)
    for name, role in (
        (target, ColumnRole.TARGET),
        (prediction, ColumnRole.PREDICTION),
        (timestamp, ColumnRole.TIMESTAMP),
    ):
        if name is not None:
            user_schema = user_schema.with_column(ColumnSpec(name=name, role=role))
    tables = read_pair(
        reference, current, reference_name, current_name, encoding=encoding, delimiter=delimiter
    )
    frames = (tables[0].frame, with_pending_target(tables[0].frame, tables[1].frame, target))
    full_schema, schema_warnings = infer_schema(*frames, user_schema, role_kinds=task_kinds(task))
    model, full_schema, model_warnings = resolve_model_columns(
        full_schema, *frames, task=task, proba_prefix=proba_prefix
    )
    if features is not None:
        keep = set(features)
        full_schema = Schema(
            tuple(
                spec
                if spec.role != ColumnRole.FEATURE or spec.name in keep
                else ColumnSpec(name=spec.name, role=ColumnRole.IGNORED, kind=spec.kind)
                for spec in full_schema
            )
        )
    result = run_estimation(*frames, full_schema, model, windows, settings)
    extra = tuple(
        dict.fromkeys([*tables[0].warnings, *tables[1].warnings, *schema_warnings, *model_warnings])
    )
    return replace(result, warnings=extra + result.warnings) if extra else result
