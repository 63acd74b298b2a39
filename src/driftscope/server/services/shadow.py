"""Shadow models in the service: the version a model's ``staging`` alias points at, when it has
a model file, scores every tabular run of another version (production's) as well, without
serving, and the two are compared (`driftscope.shadow_compare`): how often they agree, how far
their outputs diverge, where they disagree most and, on the labelled rows, who was right. Each
run keeps a summary (`RunShadow`) and the whole comparison (an artifact); the model page shows
the latest and promotes the shadow to production in one click (`registry.promote`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from driftscope.analyses.model_comparison import ShadowResult
from driftscope.data.schema import ColumnRole, Schema
from driftscope.exceptions import DriftscopeError
from driftscope.server.errors import NotFound
from driftscope.server.models import Alias, Model, Run, RunShadow, Version
from driftscope.server.services.predict import ModelRunError, predict_columns, version_predictor
from driftscope.server.services.registry import ModelTask
from driftscope.server.state import State

__all__ = [
    "CANDIDATE_PREDICTION",
    "LatestShadow",
    "ShadowOutcome",
    "compare",
    "comparison",
    "latest_shadow",
    "shadow_candidate",
    "store",
]

#: The columns the candidate's outputs are written to beside production's.
CANDIDATE_PREDICTION = "__shadow_prediction__"
_CANDIDATE_PROBA = "__shadow_proba_"
#: The tasks a shadow is compared on (a model of tables whose model file makes predictions).
_TASKS = (ModelTask.BINARY, ModelTask.MULTICLASS, ModelTask.REGRESSION, ModelTask.TEXT)


def shadow_candidate(session: Session, model: Model, version: Version) -> Version | None:
    """The model's shadow version for a run of ``version``: the ``staging`` version, when it is
    another version with a model file, of a task compared this way (None otherwise)."""
    if ModelTask(model.task) not in _TASKS:
        return None
    version_id = session.scalar(
        select(Alias.version_id).where(Alias.model_id == model.id, Alias.alias == "staging")
    )
    if version_id is None or version_id == version.id:
        return None
    candidate = session.get(Version, version_id)
    if candidate is None or candidate.model_file is None or version.prediction is None:
        return None
    return candidate


@dataclass(frozen=True)
class ShadowOutcome:
    """A run's comparison with the shadow: the result, or why there is none."""

    candidate: Version
    result: ShadowResult | None
    error: str | None


def compare(
    state: State,
    task: ModelTask,
    version: Version,
    candidate: Version,
    current: pd.DataFrame,
    labels: pd.DataFrame | None,
    id_column: str | None,
) -> ShadowOutcome:
    """Score ``current`` (production's rows, with production's outputs) with the candidate's
    model and compare; a candidate that fails on the rows is an outcome with its error."""
    from driftscope.workflows.compare_models import shadow_compare

    assert version.prediction is not None
    proba = _CANDIDATE_PROBA if version.proba_prefix else None
    try:
        scored = predict_columns(
            current, version_predictor(state.artifacts, candidate), CANDIDATE_PREDICTION, proba
        )
    except ModelRunError as error:
        return ShadowOutcome(candidate, None, f"the shadow v{candidate.number} failed: {error}")
    target = version.target
    if labels is not None and id_column and target and target in labels.columns:
        keys = labels[[id_column, target]].drop_duplicates(id_column, keep="last")
        scored = scored.drop(columns=[target], errors="ignore")
        scored = scored.merge(keys, on=id_column, how="left")
    has_labels = bool(target and target in scored.columns and scored[target].notna().any())
    schema = Schema.from_dict(version.schema, source=f"version {version.number}'s schema")
    features = [
        spec.name
        for spec in schema
        if spec.role == ColumnRole.FEATURE and spec.name in scored.columns
    ]
    try:
        result = shadow_compare(
            scored,
            production=version.prediction,
            candidate=CANDIDATE_PREDICTION,
            production_proba_prefix=version.proba_prefix if proba else None,
            candidate_proba_prefix=proba,
            target=target if has_labels else None,
            timestamp=version.timestamp if version.timestamp in scored.columns else None,
            task=task.monitor_task,
            features=features or None,
            n_resamples=500,
        )
    except DriftscopeError as error:
        return ShadowOutcome(candidate, None, f"the shadow v{candidate.number}: {error}")
    return ShadowOutcome(candidate, result, None)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def store(state: State, session: Session, run: Run, outcome: ShadowOutcome | None) -> None:
    """The run's `RunShadow` (replacing an earlier one), or none without a shadow."""
    old = session.get(RunShadow, run.id)
    if old is not None:
        session.delete(old)
        session.flush()
    if outcome is None:
        return
    row = RunShadow(
        run_id=run.id,
        candidate_version_id=outcome.candidate.id,
        candidate_number=outcome.candidate.number,
        n_rows=0,
        verdict=outcome.error or "",
        error=outcome.error,
    )
    result = outcome.result
    if result is not None:
        row.n_rows = result.n_rows
        row.agreement = _number(result.agreement.rate)
        row.agreement_low = _number(result.agreement.low)
        row.agreement_high = _number(result.agreement.high)
        row.verdict = result.verdict
        text = json.dumps(result.to_dict(), allow_nan=False)
        row.result = state.artifacts.put_bytes(text.encode("utf-8"))
        right = result.who_was_right
        if right is not None:
            comparison = right.comparison
            primary = next((m for m in comparison.metrics if m.name == comparison.primary), None)
            if primary is not None:
                row.metric = primary.name
                row.production_value = _number(primary.value_a)
                row.candidate_value = _number(primary.value_b)
                row.difference = _number(primary.difference)
                row.p_value = _number(primary.p_value)
            row.better = {"A": "production", "B": "candidate"}.get(str(comparison.winner))
    session.add(row)


@dataclass(frozen=True)
class LatestShadow:
    """The model's shadow now (its ``staging`` version, None without one) and the comparison of
    the latest analysed run that has one (None: none yet)."""

    candidate: int | None
    run_id: int | None
    row: RunShadow | None


def latest_shadow(session: Session, model: Model) -> LatestShadow:
    staging = session.scalar(
        select(Version.number)
        .join(Alias, Alias.version_id == Version.id)
        .where(Alias.model_id == model.id, Alias.alias == "staging")
    )
    row = session.scalars(
        select(RunShadow)
        .join(Run, Run.id == RunShadow.run_id)
        .where(Run.model_id == model.id)
        .order_by(Run.date.desc(), Run.id.desc())
        .limit(1)
    ).first()
    return LatestShadow(staging, None if row is None else row.run_id, row)


def comparison(state: State, session: Session, run: Run) -> dict[str, Any]:
    """The run's whole comparison with the shadow, as `ShadowResult.to_dict` wrote it."""
    row = session.get(RunShadow, run.id)
    if row is None:
        raise NotFound(
            f"Run {run.id} has no shadow comparison: the model had no shadow version (a "
            "'staging' version with a model file) when it was analysed."
        )
    if row.result is None:
        raise NotFound(f"Run {run.id} has no shadow comparison: {row.error}.")
    loaded: dict[str, Any] = json.loads(state.artifacts.read_bytes(row.result))
    return loaded
