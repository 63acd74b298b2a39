"""What a Prometheus scrape of ``/metrics`` shows, read from the store at scrape time: each model
version's latest analysed run (metrics with intervals, drift share, verdict, each column's
drift), the rows each model holds and when its last data came, and the jobs by status.

Eight queries, whatever the number of models, versions and columns: the latest analysed run of
every version at once (a window over the runs), its metrics and its packed column drift (each
joined to that window, not listed by id), the analysed runs per version, the uploaded runs' and
the logged batches' rows per model, the jobs by status and the aliases.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from driftscope.integrations.prometheus import (
    AlertsFiring,
    FeatureDrift,
    MetricPoint,
    MetricsSnapshot,
    ModelActivity,
    VersionAlias,
    VersionPoint,
)
from driftscope.server.models import (
    SENT_WHOLE,
    Alert,
    AlertState,
    Alias,
    Job,
    JobStatus,
    LoggedChunk,
    Model,
    Run,
    RunColumnDrift,
    RunMetric,
    RunStatus,
    Version,
    now,
)

__all__ = ["alerts_firing", "metrics_snapshot"]


def _ranked() -> Any:
    """The analysed runs ranked within their version, newest data first (rank 1: the latest)."""
    rank = (
        func.row_number()
        .over(partition_by=Run.version_id, order_by=(Run.date.desc(), Run.id.desc()))
        .label("rank")
    )
    return (
        select(Run.id, Run.version_id, Run.date, Run.verdict, Run.drift_share, rank)
        .where(Run.status == RunStatus.ANALYSED)
        .subquery()
    )


#: A packed verdict (1 drifted, 0 not, -1 unknown) as the feature's flag.
_DRIFTED = {1: True, 0: False, -1: None}


def _features(row: RunColumnDrift) -> tuple[FeatureDrift, ...]:
    # Python floats and ints from the packed arrays at once (tolist): a scrape builds one of
    # these per column of every version, and numpy scalars one at a time cost ten times more.
    statistic = np.frombuffer(row.statistic, dtype="<f8").tolist()
    drifted = np.frombuffer(row.drifted, dtype="i1").tolist()
    return tuple(
        FeatureDrift(column, role, method, None if math.isnan(score) else score, _DRIFTED[decided])
        for column, role, method, score, decided in zip(
            row.columns, row.roles, row.methods, statistic, drifted, strict=True
        )
    )


def alerts_firing(session: Session) -> tuple[AlertsFiring, ...]:
    """How many alerts fire now, per model and severity (``driftscope_alerts_firing``); a model
    with none has no series."""
    rows = session.execute(
        select(Model.name, Alert.severity, func.count(Alert.id))
        .join(Model, Model.id == Alert.model_id)
        .where(Alert.state == AlertState.FIRING)
        .group_by(Model.name, Alert.severity)
        .order_by(Model.name, Alert.severity)
    )
    return tuple(AlertsFiring(name, str(severity), count) for name, severity, count in rows)


def metrics_snapshot(session: Session) -> MetricsSnapshot:
    """The store's numbers for one scrape (the module says which queries)."""
    taken_at = now()
    ranked = _ranked()
    latest = session.execute(
        select(
            ranked.c.id, ranked.c.version_id, Model.name, Version.number, ranked.c.date,
            ranked.c.verdict, ranked.c.drift_share,
        )
        .join(Version, Version.id == ranked.c.version_id)
        .join(Model, Model.id == Version.model_id)
        .where(ranked.c.rank == 1)
        .order_by(Model.name, Version.number)
    ).all()  # fmt: skip
    latest_ids = select(ranked.c.id).where(ranked.c.rank == 1)
    metrics: dict[int, list[MetricPoint]] = {}
    for run_id, name, value, lower, upper in session.execute(
        select(
            RunMetric.run_id, RunMetric.metric, RunMetric.value, RunMetric.lower, RunMetric.upper
        )
        .where(RunMetric.run_id.in_(latest_ids))
        .order_by(RunMetric.run_id, RunMetric.metric)
    ):
        metrics.setdefault(run_id, []).append(MetricPoint(name, value, lower, upper))
    features = {
        row.run_id: _features(row)
        for row in session.scalars(
            select(RunColumnDrift).where(RunColumnDrift.run_id.in_(latest_ids))
        )
    }
    analysed = dict(
        session.execute(
            select(Run.version_id, func.count())
            .where(Run.status == RunStatus.ANALYSED)
            .group_by(Run.version_id)
        ).all()
    )
    versions = tuple(
        VersionPoint(
            model=model,
            version=number,
            run_date=date,
            verdict=verdict,
            drift_share=drift_share,
            metrics=tuple(metrics.get(run_id, ())),
            features=features.get(run_id, ()),
            analysed_runs=analysed.get(version_id, 0),
        )
        for run_id, version_id, model, number, date, verdict, drift_share in latest
    )
    return MetricsSnapshot(
        taken_at=taken_at,
        versions=versions,
        models=_activity(session),
        jobs=_jobs(session),
        aliases=tuple(
            VersionAlias(model, number, alias)
            for model, number, alias in session.execute(
                select(Model.name, Version.number, Alias.alias)
                .join(Version, Version.id == Alias.version_id)
                .join(Model, Model.id == Alias.model_id)
                .order_by(Model.name, Alias.alias)
            )
        ),
        alerts=alerts_firing(session),
    )


def _activity(session: Session) -> tuple[ModelActivity, ...]:
    """Every model's rows and last data: uploaded runs, as rows or as a profile of them (a
    logged run's rows are its batches') and logged batches."""
    rows: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for query in (
        select(Model.name, func.coalesce(func.sum(Run.n_rows), 0), func.max(Run.created_at))
        .select_from(Model)
        .outerjoin(Run, (Run.model_id == Model.id) & Run.source.in_(SENT_WHOLE))
        .group_by(Model.name),
        select(Model.name, func.sum(LoggedChunk.n_rows), func.max(LoggedChunk.received_at))
        .join(LoggedChunk, LoggedChunk.model_id == Model.id)
        .group_by(Model.name),
    ):
        for name, count, at in session.execute(query):
            rows[name] = rows.get(name, 0) + int(count or 0)
            if at is not None and (name not in last or at > last[name]):
                last[name] = at
    return tuple(ModelActivity(name, rows[name], last.get(name)) for name in sorted(rows))


def _jobs(session: Session) -> dict[str, int]:
    counts = dict.fromkeys((str(status) for status in JobStatus), 0)
    for status, count in session.execute(select(Job.status, func.count()).group_by(Job.status)):
        counts[str(status)] = count
    return counts
