"""The service's worker: every kind of job it runs, and the periodic work that makes jobs."""

from __future__ import annotations

import time

from driftscope.server.jobs import JobKind, Worker
from driftscope.server.services import alerts, housekeeping, ingest, runs
from driftscope.server.state import State

__all__ = ["JOB_KINDS", "make_worker"]

#: How often the worker evaluates the freshness alert rules (no data or labels for too long).
FRESHNESS_SECONDS = 60.0

#: Every job the service runs, by kind.
JOB_KINDS: dict[str, JobKind] = {**runs.JOB_KINDS, **ingest.JOB_KINDS, **alerts.JOB_KINDS}


def make_worker(state: State) -> Worker:
    """A worker for every kind of job, which also queues the analysis of logged periods as
    they end, every minute evaluates the freshness alert rules, and every
    ``housekeeping_seconds`` applies retention and sweeps artifacts. The minute's step also
    evaluates the rules of models with a run analysed but not judged (a crash in between)."""
    last = [0.0]
    last_freshness = [0.0]

    def periodic(current: State) -> None:
        ingest.enqueue_due_periods(current)
        if time.monotonic() - last_freshness[0] >= FRESHNESS_SECONDS:
            last_freshness[0] = time.monotonic()
            alerts.evaluate_freshness(current)
            alerts.evaluate_due(current)
        if time.monotonic() - last[0] >= current.settings.housekeeping_seconds:
            last[0] = time.monotonic()
            housekeeping.apply_retention(current)
            housekeeping.sweep_artifacts(current)

    return Worker(state, JOB_KINDS, periodic=periodic)
