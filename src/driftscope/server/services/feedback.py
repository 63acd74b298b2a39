"""Feedback per run: the thumbs up and down users gave a run's predictions, joined by the run's
id column, as a signal of its own (`Run.n_feedback`, `Run.negative_feedback`): the dashboard's
negative-feedback series and the ``negative_feedback`` alert rules read it.

A run is counted when it is analysed, and counted again when feedback arrives later (the
``count_feedback`` job, queued once per model by each feedback request): feedback comes after
the prediction, often long after, and a run analysed before it must not keep a count of zero.
Every feedback event counts (two users' thumbs on one prediction are two).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from driftscope.analyses.feedback import wilson_interval
from driftscope.server import db
from driftscope.server.jobs import JobKind
from driftscope.server.models import Feedback, Run, RunSource, RunStatus, Version
from driftscope.server.state import State

__all__ = [
    "COUNT_FEEDBACK",
    "JOB_KINDS",
    "feedback_counts",
    "negative_share",
    "negative_share_lower",
    "run_id_column",
]

#: The job kind that counts a model's runs' feedback again.
COUNT_FEEDBACK = "count_feedback"
# Ids per query: an IN list this long is far below every database's limit on parameters.
_CHUNK = 5_000


def run_id_column(run: Run, version: Version) -> str | None:
    """The column of a run's data that names its rows: the version's id column, or for a
    logged run the ``id`` every logged row carries (None: the rows have no id, or the run came
    as a profile, without rows)."""
    if run.source == RunSource.PROFILE:
        return None
    if version.id_column:
        return version.id_column
    return "id" if run.source == "logged" else None


def feedback_counts(session: Session, model_id: int, ids: Iterable[object]) -> tuple[int, int]:
    """How much feedback the rows ``ids`` of a model got, and how much of it thumbs down."""
    # Missing ids (None, NaN, pd.NA) name no row; the store keeps ids as text.
    unique = pd.Series(list(ids), dtype=object).dropna().astype(str).unique().tolist()
    total = negative = 0
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        row = session.execute(
            select(func.count(), func.sum(case((Feedback.score < 0, 1), else_=0))).where(
                Feedback.model_id == model_id, Feedback.record_id.in_(chunk)
            )
        ).one()
        total += int(row[0] or 0)
        negative += int(row[1] or 0)
    return total, negative


def negative_share(n_feedback: int | None, negative: int | None) -> float | None:
    """The share of thumbs down among a run's feedback (None without feedback)."""
    if not n_feedback or negative is None:
        return None
    return negative / n_feedback


def negative_share_lower(n_feedback: int | None, negative: int | None) -> float | None:
    """The lower end of the negative share's 95% Wilson interval: a share that is high on few
    votes (1 of 1) stays low here (None without feedback)."""
    if not n_feedback or negative is None:
        return None
    low, _ = wilson_interval(negative, n_feedback)
    return float(low)


def _recount(state: State, payload: Mapping[str, Any], progress: Callable[[str], None]) -> None:
    """Count the feedback of each analysed run of the model again, and evaluate its alert rules
    when a count changed."""
    from driftscope.server.services import alerts, notify

    model_id = int(payload["model_id"])
    with state.sessions() as session:
        runs = [
            (run.id, run.data, run_id_column(run, version), run.n_feedback, run.negative_feedback)
            for run, version in session.execute(
                select(Run, Version)
                .join(Version, Version.id == Run.version_id)
                .where(Run.model_id == model_id, Run.status == RunStatus.ANALYSED)
            )
        ]
    changed = 0
    for run_id, data, column, old_total, old_negative in runs:
        if column is None:
            continue
        try:
            ids = pd.read_parquet(state.artifacts.path(data), columns=[column])[column]
        except (OSError, ValueError, KeyError):  # gone, or a run of files without the column
            continue
        with state.sessions() as session:
            counts = feedback_counts(session, model_id, ids.to_numpy())
        if counts == (old_total, old_negative):
            continue
        with db.transaction(state.writers) as session:
            run = session.get(Run, run_id)
            if run is None:
                continue
            run.n_feedback, run.negative_feedback = counts
        changed += 1
    progress(f"feedback counted again: {changed} run(s) changed")
    if changed:
        alerts.evaluate_model(state, model_id)
        notify.queue_notifications(state)


#: The jobs of this module, by kind.
JOB_KINDS = {COUNT_FEEDBACK: JobKind(_recount)}
