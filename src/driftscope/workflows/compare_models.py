"""`ab_test` and `shadow_compare`: two versions of a model compared on a table given as a file
or a frame (the CLI's `driftscope compare-models`). Read, find the model's columns, run the
analysis of `driftscope.analyses.model_comparison`, return its result."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from driftscope._shorten import shown
from driftscope.analyses.model import ModelColumns, resolve_model_columns, task_kinds
from driftscope.analyses.model_comparison import (
    ABTestResult,
    ComparisonSettings,
    ShadowResult,
    compare_arms,
    compare_paired,
    compare_shadow,
    second_model_columns,
)
from driftscope.analyses.windows import WindowSettings
from driftscope.data.infer import infer_schema
from driftscope.data.io import read_table
from driftscope.data.schema import ColumnKind, ColumnRole, ColumnSpec, Schema
from driftscope.exceptions import ColumnError, EmptyDataError, ParameterError

__all__ = ["ab_test", "shadow_compare"]

_UNTESTED = (ColumnKind.ID, ColumnKind.DATETIME, ColumnKind.BINARY, ColumnKind.CONSTANT)


def _require(frame: pd.DataFrame, name: str, column: str | None, what: str) -> None:
    if column is not None and column not in frame.columns:
        listing = ", ".join(map(shown, list(frame.columns)[:20]))
        more = " ..." if frame.shape[1] > 20 else ""
        raise ColumnError(
            f"The {what} column {shown(column)} ({name}) is not in the data; its columns are "
            f"{listing}{more}."
        )


def _prefixed(frame: pd.DataFrame, prefix: str | None) -> list[str]:
    if not prefix:
        return []
    return [c for c in frame.columns if c.startswith(prefix) and len(c) > len(prefix)]


def _model(
    frame: pd.DataFrame,
    *,
    target: str | None,
    prediction: str,
    proba_prefix: str | None,
    task: str | None,
    roles: dict[str, ColumnRole],
    others: Sequence[str],
    other_prefix: str | None,
    features: Sequence[str] | None,
) -> tuple[ModelColumns, Schema, list[str], list[str]]:
    """The first version's columns and task, the schema, the feature columns and warnings.
    ``others`` are the other version's prediction columns: their labels join the class labels,
    and they (and the columns under ``other_prefix``) are nobody's features."""
    hidden = set(others) | set(_prefixed(frame, other_prefix))
    if proba_prefix:
        hidden -= set(_prefixed(frame, proba_prefix))
    own = frame.drop(columns=[c for c in hidden if c in frame.columns])
    if features is not None:
        for name in features:
            _require(frame, "features=", name, "feature")
    user = Schema()
    for name in own.columns:
        role = roles.get(name)
        if role is None:
            role = (
                ColumnRole.FEATURE if features is None or name in features else ColumnRole.IGNORED
            )
        user = user.with_column(ColumnSpec(name=name, role=role))
    # The other version's labels are labels of the task too (a class only B predicts).
    extra = [own.assign(**{prediction: frame[other]}) for other in others]
    current = pd.concat([own, *extra], ignore_index=True) if extra else own
    schema, warnings = infer_schema(own, current, user, role_kinds=task_kinds(task))
    model, schema, found = resolve_model_columns(
        schema, own, current, task=task, proba_prefix=proba_prefix
    )
    warnings.extend(found)
    return model, schema, segment_features(schema), warnings


def segment_features(schema: Schema) -> list[str]:
    """The feature columns a comparison segments and drift-tests: not ids, dates, binary
    blobs or constants."""
    return [
        spec.name
        for spec in schema
        if spec.role is ColumnRole.FEATURE and spec.kind not in _UNTESTED and spec.kind is not None
    ]


def _settings(
    settings: ComparisonSettings | None, owner: str, **shortcuts: Any
) -> ComparisonSettings:
    """The settings object, or the flat keyword shortcuts mapped onto one (in this one place)."""
    if settings is not None:
        if not isinstance(settings, ComparisonSettings):
            raise ParameterError(
                f"The 'settings' parameter of {owner} must be a ComparisonSettings. "
                f"Got {type(settings).__name__}."
            )
        return settings
    if shortcuts.get("metrics") is not None:
        shortcuts["metrics"] = tuple(shortcuts["metrics"])
    return ComparisonSettings(**shortcuts, owner=owner)


def _frame(data: Any, encoding: str, delimiter: str | None) -> pd.DataFrame:
    table = read_table(data, name=None, encoding=encoding, delimiter=delimiter)
    if len(table.frame) == 0:
        raise EmptyDataError(f"{table.name!r} has no rows; nothing to compare.")
    return table.frame


def ab_test(
    data: Any,
    *,
    target: str,
    prediction: str,
    arm: str | None = None,
    arms: Sequence[str] | None = None,
    prediction_b: str | None = None,
    proba_prefix: str | None = None,
    proba_prefix_b: str | None = None,
    id: str | None = None,
    task: str | None = None,
    features: Sequence[str] | None = None,
    confidence: float = 0.95,
    min_effect: float | None = None,
    power: float = 0.8,
    expected_share_b: float = 0.5,
    primary_metric: str | None = None,
    metrics: Sequence[str] | None = None,
    n_resamples: int = 1000,
    seed: int = 0,
    settings: ComparisonSettings | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> ABTestResult:
    """A/B test of two model versions: each metric's difference B - A with an interval and a
    p-value, the rows per arm needed to detect ``min_effect``, a warning when the split is
    unbalanced or the arms' populations differ, and a verdict on the primary metric.

    ``data`` is a CSV, Parquet or JSON Lines file, or a DataFrame. Two layouts:

    - **split traffic**: ``arm`` names the column saying which version served each row; the
      ``target``, ``prediction`` (and ``proba_prefix``) columns are shared. ``arms`` chooses
      A (baseline) and B when the column holds more than two values (default: the two values
      in natural order). With ``id``, ids present in both arms make the test paired.
    - **both versions scored every row** (paired): no ``arm``; ``prediction`` is A's and
      ``prediction_b`` B's (``proba_prefix_b`` B's probability columns).

    The shortcuts (``confidence`` to ``seed``) build a `ComparisonSettings`; ``settings``,
    when given, is used instead. Feature columns (``features``, default every other column)
    are drift-tested between the arms.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> y = rng.integers(0, 2, 1000)
    >>> frame = pd.DataFrame({"y": y, "a": np.where(rng.uniform(size=1000) < 0.8, y, 1 - y),
    ...                       "b": np.where(rng.uniform(size=1000) < 0.8, y, 1 - y)})
    >>> result = ab_test(frame, target="y", prediction="a", prediction_b="b", n_resamples=200)
    >>> result.design, result.winner
    ('paired', None)
    """
    owner = "ab_test"
    chosen = _settings(
        settings,
        owner,
        confidence=confidence,
        min_effect=min_effect,
        power=power,
        expected_share_b=expected_share_b,
        primary_metric=primary_metric,
        metrics=metrics,
        n_resamples=n_resamples,
        seed=seed,
    )
    if arm is None and prediction_b is None:
        raise ParameterError(
            "ab_test needs either arm= (the column naming the version that served each row) or "
            "prediction_b= (B's predictions on the same rows as A's). Got neither."
        )
    if arm is not None and prediction_b is not None:
        raise ParameterError(
            "ab_test takes arm= (split traffic) or prediction_b= (both versions on every row), "
            f"not both. Got arm={arm!r} and prediction_b={prediction_b!r}."
        )
    frame = _frame(data, encoding, delimiter)
    for column, argument, what in (
        (target, "target=", "target"),
        (prediction, "prediction=", "prediction"),
        (arm, "arm=", "arm"),
        (prediction_b, "prediction_b=", "prediction"),
        (id, "id=", "id"),
    ):
        _require(frame, argument, column, what)
    roles = {target: ColumnRole.TARGET, prediction: ColumnRole.PREDICTION}
    if arm is not None:
        roles[arm] = ColumnRole.IGNORED
    if id is not None:
        roles[id] = ColumnRole.ID
    others = [prediction_b] if prediction_b is not None else []
    model, schema, feature_names, _ = _model(
        frame,
        target=target,
        prediction=prediction,
        proba_prefix=proba_prefix,
        task=task,
        roles=roles,
        others=others,
        other_prefix=proba_prefix_b,
        features=features,
    )
    if prediction_b is not None:
        second = second_model_columns(list(frame.columns), model, prediction_b, proba_prefix_b)
        return compare_paired(frame, model, second, names=("A", "B"), settings=chosen)
    assert arm is not None
    return compare_arms(
        frame,
        model,
        arm=arm,
        arms=arms,
        schema=schema,
        features=feature_names,
        settings=chosen,
    )


def shadow_compare(
    data: Any,
    *,
    production: str,
    candidate: str,
    production_proba_prefix: str | None = None,
    candidate_proba_prefix: str | None = None,
    target: str | None = None,
    timestamp: str | None = None,
    task: str | None = None,
    features: Sequence[str] | None = None,
    tolerance: float | None = None,
    min_effect: float | None = None,
    power: float = 0.8,
    primary_metric: str | None = None,
    metrics: Sequence[str] | None = None,
    n_windows: int | None = 5,
    window_size: int | None = None,
    period: str | None = None,
    min_window_rows: int = 30,
    confidence: float = 0.95,
    min_segment_rows: int = 30,
    n_resamples: int = 1000,
    seed: int = 0,
    settings: ComparisonSettings | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
) -> ShadowResult:
    """Compare a shadow (candidate) version with production on the rows both scored: agreement
    overall and per window, divergence of predictions and probabilities, the feature segments
    where they disagree most, and, with a ``target``, who was right.

    ``production`` and ``candidate`` are the two prediction columns; the probability columns
    are found by their prefixes (one per class, ``prefix + label``). Windows: ``n_windows``
    equal parts, ``window_size`` rows each, or calendar ``period`` (D, W, M) on ``timestamp``
    (time order with a timestamp, row order without). ``tolerance`` is the largest difference
    between two regression predictions that still agree (default 0.1 standard deviations of
    production's predictions). ``min_effect``, ``power``, ``primary_metric`` and ``metrics``
    shape who-was-right, the paired A/B test of the labelled rows (production as A).
    ``settings``, when given, replaces the shortcuts.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"x": range(200), "prod": [0, 1] * 100, "cand": [0, 1] * 100})
    >>> shadow_compare(frame, production="prod", candidate="cand").agreement.rate
    1.0
    """
    owner = "shadow_compare"
    if period is not None or window_size is not None:
        n_windows = None
    windows = WindowSettings(
        period=period, size=window_size, count=n_windows, min_rows=min_window_rows
    )
    chosen = _settings(
        settings,
        owner,
        confidence=confidence,
        tolerance=tolerance,
        min_effect=min_effect,
        power=power,
        primary_metric=primary_metric,
        metrics=metrics,
        min_segment_rows=min_segment_rows,
        n_resamples=n_resamples,
        seed=seed,
        windows=windows,
    )
    if production == candidate:
        raise ParameterError(
            f"production= and candidate= name the same column {production!r}; give the "
            "candidate's own predictions."
        )
    frame = _frame(data, encoding, delimiter)
    for column, argument, what in (
        (production, "production=", "production prediction"),
        (candidate, "candidate=", "candidate prediction"),
        (target, "target=", "target"),
        (timestamp, "timestamp=", "timestamp"),
    ):
        _require(frame, argument, column, what)
    roles = {production: ColumnRole.PREDICTION}
    if target is not None:
        roles[target] = ColumnRole.TARGET
    if timestamp is not None:
        roles[timestamp] = ColumnRole.TIMESTAMP
    model, schema, feature_names, _ = _model(
        frame,
        target=target,
        prediction=production,
        proba_prefix=production_proba_prefix,
        task=task,
        roles=roles,
        others=[candidate],
        other_prefix=candidate_proba_prefix,
        features=features,
    )
    second = second_model_columns(list(frame.columns), model, candidate, candidate_proba_prefix)
    return compare_shadow(
        frame, model, second, schema=schema, features=feature_names, settings=chosen
    )
