"""What a worker does between jobs, every ``housekeeping_seconds``: apply each model's retention
(runs, logged predictions, labels and feedback older than its ``retention_days`` are deleted,
with their points and jobs), and delete the artifacts no row names any more (those of deleted
runs, versions and models; a file young enough to belong to a write in progress stays)."""

from __future__ import annotations

import shutil
import time
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from driftscope.server import db
from driftscope.server.errors import Invalid
from driftscope.server.models import (
    Feedback,
    Label,
    LoggedChunk,
    Model,
    Run,
    RunShadow,
    Version,
    now,
)
from driftscope.server.services import alerts
from driftscope.server.services.registry import get_model
from driftscope.server.services.users import Principal, audit
from driftscope.server.state import State

__all__ = ["apply_retention", "referenced_artifacts", "set_retention", "sweep_artifacts"]

#: The longest retention that can be set, in days (100 years).
MAX_RETENTION_DAYS = 36_500


def set_retention(
    session: Session, principal: Principal, model_name: str, days: int | None
) -> Model:
    if days is not None and not 1 <= days <= MAX_RETENTION_DAYS:
        raise Invalid(
            f"The retention is a number of days from 1 to {MAX_RETENTION_DAYS}, or null to keep "
            f"everything; got {days}.",
            field="days",
        )
    model = get_model(session, model_name)
    model.retention_days = days
    audit(session, principal.actor, "model.retention", f"model:{model.name}", days=days)
    return model


def apply_retention(state: State) -> int:
    """Delete what each model keeps past its retention (the model's alert rules are evaluated
    again when runs went); how many runs were deleted."""
    deleted = 0
    with db.transaction(state.writers) as session:
        for model in session.scalars(select(Model).where(Model.retention_days.is_not(None))):
            cutoff = now() - timedelta(days=int(model.retention_days or 0))
            runs = session.execute(delete(Run).where(Run.model_id == model.id, Run.date < cutoff))
            gone = int(getattr(runs, "rowcount", 0) or 0)
            deleted += gone
            if gone:
                # The rules judge the runs that are left, as after a deletion by hand.
                alerts.evaluate_in(session, model)
            session.execute(
                delete(LoggedChunk).where(
                    LoggedChunk.model_id == model.id, LoggedChunk.period_start < cutoff
                )
            )
            for table in (Label, Feedback):
                session.execute(
                    delete(table).where(table.model_id == model.id, table.received_at < cutoff)
                )
    return deleted


def referenced_artifacts(session: Session) -> set[str]:
    """Every artifact a row names."""
    columns = (
        Version.baseline,
        Version.baseline_profile,
        Version.model_file,
        Version.preprocessor_file,
        Run.data,
        Run.labels,
        Run.report,
        LoggedChunk.data,
        RunShadow.result,
    )
    keys: set[str] = set()
    for column in columns:
        keys.update(k for k in session.scalars(select(column).distinct()) if k)
    return keys


def sweep_artifacts(state: State, grace_seconds: float = 3600.0) -> int:
    """Delete the artifacts no row names, and the unpacked folders of zips no row names (older
    than ``grace_seconds``); how many."""
    with state.sessions() as session:
        keys = referenced_artifacts(session)
    removed = state.artifacts.sweep(keys, grace_seconds)
    unpacked = state.settings.data_dir / "unpacked"
    cutoff = time.time() - grace_seconds
    if unpacked.is_dir():
        for folder in unpacked.iterdir():
            if folder.name not in keys and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
    return removed
