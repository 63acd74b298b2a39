"""Every model at a glance, for the models page: its task, production version, latest analysed
run (verdict, drift share, primary metric with its last values for a sparkline) and when its
last data arrived.

A fixed handful of queries, whatever the number of models: the models, the production aliases,
the last `SPARK_RUNS` analysed runs of every model at once (a window over the runs' model and
date index), those runs' primary metrics, and the newest upload and logged chunk per model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from driftscope.analyses.performance import PRIMARY, metric_label
from driftscope.server.models import (
    SENT_WHOLE,
    Alias,
    LoggedChunk,
    Model,
    Run,
    RunMetric,
    RunStatus,
    Version,
)

__all__ = ["SPARK_RUNS", "ModelGlance", "Overview", "overview"]

#: How many of a model's latest analysed runs its sparkline shows.
SPARK_RUNS = 12
#: The models one page lists at most (the search narrows them).
MAX_MODELS = 500
#: Each task's primary metric; the tasks' metric sets are disjoint, so a run's metrics say
#: which one it has.
_PRIMARY = tuple(dict.fromkeys(names[0] for names in PRIMARY.values()))


@dataclass(frozen=True)
class ModelGlance:
    """One model's line. ``spark`` holds the primary metric of its last analysed runs, oldest
    first (``None`` where a run has none)."""

    name: str
    task: str
    production: int | None
    verdict: str | None
    drift_share: float | None
    latest_run: datetime | None
    metric: str | None
    metric_label: str | None
    spark: tuple[float | None, ...]
    last_data: datetime | None

    @property
    def metric_value(self) -> float | None:
        return self.spark[-1] if self.spark else None


@dataclass(frozen=True)
class Overview:
    models: list[ModelGlance]
    #: Models matching the search and task before the verdict filter and the page cap.
    total: int
    #: How many of those models' latest verdict is each verdict ("none": no analysed run).
    verdicts: dict[str, int]


def _latest_runs(session: Session, model_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The last `SPARK_RUNS` analysed runs of each model, newest first."""
    rank = (
        func.row_number()
        .over(partition_by=Run.model_id, order_by=(Run.date.desc(), Run.id.desc()))
        .label("rank")
    )
    ranked = (
        select(Run.id, Run.model_id, Run.verdict, Run.drift_share, Run.date, rank)
        .where(Run.model_id.in_(model_ids), Run.status == RunStatus.ANALYSED)
        .subquery()
    )
    runs: dict[int, list[Any]] = {}
    for row in session.execute(
        select(ranked).where(ranked.c.rank <= SPARK_RUNS).order_by(ranked.c.model_id, ranked.c.rank)
    ):
        runs.setdefault(row.model_id, []).append(row)
    return runs


def _last_data(session: Session, model_ids: Sequence[int]) -> dict[int, datetime]:
    """When each model last received data: an uploaded run (rows or a profile) or a logged
    batch."""
    newest: dict[int, datetime] = {}
    for query in (
        select(Run.model_id, func.max(Run.created_at))
        .where(Run.model_id.in_(model_ids), Run.source.in_(SENT_WHOLE))
        .group_by(Run.model_id),
        select(LoggedChunk.model_id, func.max(LoggedChunk.received_at))
        .where(LoggedChunk.model_id.in_(model_ids))
        .group_by(LoggedChunk.model_id),
    ):
        for model_id, at in session.execute(query):
            if at is not None and (model_id not in newest or at > newest[model_id]):
                newest[model_id] = at
    return newest


def overview(session: Session, search: str = "", task: str = "", verdict: str = "") -> Overview:
    """The models whose name contains ``search``, of ``task`` and whose latest verdict is
    ``verdict`` ("none": no analysed run yet), by name; empty filters match every model."""
    query = select(Model.id, Model.name, Model.task)
    if search:
        query = query.where(Model.name.contains(search, autoescape=True))
    if task:
        query = query.where(Model.task == task)
    models = session.execute(query.order_by(Model.name)).all()
    ids = [model_id for model_id, _, _ in models]
    production = dict(
        session.execute(
            select(Alias.model_id, Version.number)
            .join(Version, Version.id == Alias.version_id)
            .where(Alias.alias == "production", Alias.model_id.in_(ids))
        ).all()
    )
    runs = _latest_runs(session, ids)
    metrics: dict[int, dict[str, float | None]] = {}
    run_ids = [run.id for rows in runs.values() for run in rows]
    if run_ids:
        for run_id, metric_name, value in session.execute(
            select(RunMetric.run_id, RunMetric.metric, RunMetric.value).where(
                RunMetric.run_id.in_(run_ids), RunMetric.metric.in_(_PRIMARY)
            )
        ):
            metrics.setdefault(run_id, {})[metric_name] = value
    last_data = _last_data(session, ids)
    glances, verdicts = [], dict.fromkeys(("ok", "investigate", "retrain", "none"), 0)
    for model_id, name, model_task in models:
        recent = runs.get(model_id, [])
        latest = recent[0] if recent else None
        seen = [metrics.get(run.id, {}) for run in reversed(recent)]
        metric = next((m for m in _PRIMARY if any(m in values for values in seen)), None)
        shown: str = latest.verdict if latest is not None and latest.verdict else "none"
        verdicts[shown] = verdicts.get(shown, 0) + 1
        if verdict and shown != verdict:
            continue
        glances.append(
            ModelGlance(
                name=name,
                task=str(model_task),
                production=production.get(model_id),
                verdict=latest.verdict if latest is not None else None,
                drift_share=latest.drift_share if latest is not None else None,
                latest_run=latest.date if latest is not None else None,
                metric=metric,
                metric_label=metric_label(metric) if metric else None,
                spark=tuple(values.get(metric) for values in seen) if metric else (),
                last_data=last_data.get(model_id),
            )
        )
    return Overview(glances[:MAX_MODELS], len(models), verdicts)
