"""The service's worker: every kind of job it runs, and the periodic work that makes jobs."""

from __future__ import annotations

import time

from driftscope.server.jobs import JobKind, Worker
from driftscope.server.services import (
    alerts,
    feedback,
    housekeeping,
    ingest,
    mlflow_links,
    notify,
    runs,
)
from driftscope.server.state import State

__all__ = ["JOB_KINDS", "Workers", "make_worker"]

#: How often the worker evaluates the freshness alert rules (no data or labels for too long).
FRESHNESS_SECONDS = 60.0

#: How often the worker queues the notifications of the alerts due one (a re-notify interval
#: passed; an alert stored by a process killed before it queued them).
NOTIFY_SECONDS = 5.0

#: Every job the service runs, by kind.
JOB_KINDS: dict[str, JobKind] = {
    **runs.JOB_KINDS,
    **alerts.JOB_KINDS,
    **ingest.JOB_KINDS,
    **feedback.JOB_KINDS,
    **mlflow_links.JOB_KINDS,
    **notify.JOB_KINDS,
}


class Workers:
    """The service's two lanes of jobs, each a `Worker` thread: the analyses (with the periodic
    work), and the jobs that talk to other servers (the deliveries of notifications, the MLflow
    logging), so that a receiver or tracking server that does not answer delays only other such
    jobs, never an analysis."""

    def __init__(self, analyses: Worker, deliveries: Worker) -> None:
        self.analyses = analyses
        self.deliveries = deliveries

    def start(self) -> None:
        self.analyses.start()
        self.deliveries.start()

    def run(self) -> None:
        """Run both until stopped (`driftscope worker`): the deliveries in a thread, the
        analyses here."""
        self.deliveries.start()
        try:
            self.analyses.run()
        finally:
            self.deliveries.stop()

    def stop(self, timeout: float | None = None) -> None:
        self.analyses.stop(timeout)
        self.deliveries.stop(timeout)


def make_worker(state: State) -> Workers:
    """The workers for every kind of job. The analyses' lane also queues the analysis of logged
    periods as they end; every minute evaluates the freshness alert rules, and the rules of
    models with a run analysed but not judged (a crash in between); every few seconds queues
    the notifications due; and every ``housekeeping_seconds`` applies retention and sweeps
    artifacts."""
    last = [0.0]
    last_freshness = [0.0]
    last_notify = [0.0]

    def periodic(current: State) -> None:
        ingest.enqueue_due_periods(current)
        if time.monotonic() - last_freshness[0] >= FRESHNESS_SECONDS:
            last_freshness[0] = time.monotonic()
            alerts.evaluate_freshness(current)
            alerts.evaluate_due(current)
        if time.monotonic() - last_notify[0] >= NOTIFY_SECONDS:
            last_notify[0] = time.monotonic()
            notify.queue_notifications(current)
        if time.monotonic() - last[0] >= current.settings.housekeeping_seconds:
            last[0] = time.monotonic()
            housekeeping.apply_retention(current)
            housekeeping.sweep_artifacts(current)

    outbound = set(notify.JOB_KINDS) | set(mlflow_links.JOB_KINDS)
    return Workers(
        Worker(state, JOB_KINDS, periodic=periodic, only=set(JOB_KINDS) - outbound),
        Worker(state, JOB_KINDS, only=outbound),
    )
