"""Durable jobs: every analysis is a row in ``jobs``, claimed by a worker, retried, and picked
up again after a crash.

A worker claims the oldest queued job in a transaction of its own (PostgreSQL: ``FOR UPDATE
SKIP LOCKED``, so several workers never take the same job; SQLite: the write lock of ``BEGIN
IMMEDIATE``), beats a heartbeat while it runs it, and records the end: done, or failed with the
message. A job that failed on bad data (a `DriftscopeError`) is not retried, as it would fail
again; any other error is retried up to ``max_attempts``, at once, or after its kind's backoff
(`JobKind.backoff`: the job waits, queued, until ``Job.not_before``, which `claim` respects). A
job that knows it may pass later raises `Retry` (a receiver down), which may say when (HTTP
``Retry-After``); it is retried without a traceback in the log. A running job whose heartbeat
stopped (its worker was killed) is queued again by `recover_stale`, which every worker runs as
it starts and between jobs.

Each job keeps a log (`Job.log`): when it was queued, each attempt's start (by which worker),
its steps and its end, with the error, each line timed. The newest `JOB_LOG_LINES` are kept.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from driftscope.exceptions import DriftscopeError
from driftscope.server import db
from driftscope.server.models import Job, JobStatus, now
from driftscope.server.state import State

__all__ = [
    "JOB_LOG_LINES",
    "JobKind",
    "Retry",
    "Worker",
    "claim",
    "enqueue",
    "exponential_backoff",
    "note",
    "recover_stale",
    "run_one",
]

log = logging.getLogger("driftscope.server.jobs")

#: The lines a job's log keeps (the newest); a line's message is cut at `_LINE_CHARS`.
JOB_LOG_LINES = 100
_LINE_CHARS = 2_000


def note(job: Job, message: str) -> None:
    """Add a timed line to the job's log (in the caller's transaction), for its current
    attempt."""
    if len(message) > _LINE_CHARS:
        message = message[: _LINE_CHARS - 1] + "…"
    line = {"at": now().isoformat(), "attempt": job.attempts, "message": message}
    # A new list, so the ORM sees the JSON change.
    job.log = [*(job.log or []), line][-JOB_LOG_LINES:]


class Retry(Exception):
    """Raised by a job that may pass later (its receiver is down or busy): it is queued again,
    after ``after`` seconds when the other side said when, else after its kind's backoff."""

    def __init__(self, message: str, after: float | None = None) -> None:
        super().__init__(message)
        self.after = after


@dataclass(frozen=True)
class JobKind:
    """What a kind of job runs (given the state, the payload and a callback to report
    progress), what is done once when it has failed for good (given the message), and how
    long a failed attempt waits before the next (given the state and the attempts made; None:
    no wait)."""

    run: Callable[[State, Mapping[str, Any], Callable[[str], None]], None]
    failed: Callable[[State, Mapping[str, Any], str], None] | None = None
    backoff: Callable[[State, int], float] | None = None


def exponential_backoff(base: float, cap: float, attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: ``base`` doubled at each
    attempt, at most ``cap``, times a random factor in [0.5, 1] so that the jobs failing
    together (a receiver down) do not all come back at once ("equal jitter")."""
    ceiling = min(cap, base * 2.0 ** max(attempts - 1, 0))
    return ceiling * random.uniform(0.5, 1.0)  # spreading load, not a secret


def enqueue(
    session: Session,
    kind: str,
    payload: Mapping[str, Any],
    max_attempts: int,
    run_id: int | None = None,
) -> Job:
    """A new queued job, committed with the caller's transaction (so a run and its analysis job
    are stored together or not at all)."""
    job = Job(
        kind=kind, payload=dict(payload), max_attempts=max_attempts, run_id=run_id, attempts=0
    )
    note(job, "Queued.")
    session.add(job)
    session.flush()
    # A worker in this process starts on it as soon as it is committed, not at its next poll.
    event.listen(session, "after_commit", _wake_workers, once=True)
    return job


#: Set when a job is committed in this process; the workers in it wait on it between polls.
_WAKE = threading.Event()


def _wake_workers(_session: Session) -> None:
    _WAKE.set()


def claim(state: State, worker: str, only: Collection[str] | None = None) -> Job | None:
    """The oldest queued job that is due (its ``not_before`` passed), of a kind in ``only``
    (None: any), now running for ``worker``; None when there is none."""
    with db.transaction(state.writers) as session:
        due = Job.not_before.is_(None) | (Job.not_before <= now())
        query = select(Job).where(Job.status == JobStatus.QUEUED, due).order_by(Job.id).limit(1)
        if only is not None:
            query = query.where(Job.kind.in_(sorted(only)))
        if not db.is_sqlite(state.engine):
            query = query.with_for_update(skip_locked=True)
        job = session.scalar(query)
        if job is None:
            return None
        job.status = JobStatus.RUNNING
        job.not_before = None
        job.attempts += 1
        job.worker = worker
        job.started_at = job.heartbeat_at = now()
        job.error = None
        note(job, f"Attempt {job.attempts} of {job.max_attempts} started by worker {worker}.")
        return job


def recover_stale(state: State, kinds: Mapping[str, JobKind]) -> int:
    """Queue again the running jobs whose heartbeat is older than ``job_stale_seconds`` (their
    worker died); those out of attempts fail. The number recovered."""
    cutoff = now() - timedelta(seconds=state.settings.job_stale_seconds)
    given_up: list[tuple[str, dict[str, Any], str]] = []
    with db.transaction(state.writers) as session:
        stale = list(
            session.scalars(
                select(Job).where(Job.status == JobStatus.RUNNING, Job.heartbeat_at < cutoff)
            )
        )
        for job in stale:
            message = f"its worker {job.worker} stopped reporting (killed or crashed)"
            if job.attempts >= job.max_attempts:
                job.status = JobStatus.FAILED
                job.error = f"Gave up after {job.attempts} attempts: {message}."
                job.finished_at = now()
                given_up.append((job.kind, job.payload, job.error))
            else:
                job.status = JobStatus.QUEUED
                job.error = f"Attempt {job.attempts} ended: {message}; queued again."
            note(job, job.error)
    for kind, payload, error in given_up:
        _failed(state, kinds, kind, payload, error)
    return len(stale)


def _failed(
    state: State, kinds: Mapping[str, JobKind], kind: str, payload: Mapping[str, Any], error: str
) -> None:
    known = kinds.get(kind)
    if known is not None and known.failed is not None:
        known.failed(state, payload, error)


def _beat(state: State, job_id: int) -> None:
    with db.transaction(state.writers) as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING)
            .values(heartbeat_at=now())
        )


def _step(state: State, job_id: int, progress: str) -> None:
    """The step a running job is at: its progress, a heartbeat and a line of its log."""
    with db.transaction(state.writers) as session:
        job = session.scalar(
            select(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING).with_for_update()
        )
        if job is None:
            return
        job.progress = progress
        job.heartbeat_at = now()
        note(job, f"Step: {progress}.")


def _finish(
    state: State, job_id: int, error: str | None, retry: bool, delay: float = 0.0
) -> str | None:
    """Record the end of an attempt, a retry waiting ``delay`` seconds; the job's status after
    it (None if it was deleted)."""
    with db.transaction(state.writers) as session:
        job = session.get(Job, job_id)
        if job is None:  # deleted while it ran (its run or model was deleted)
            return None
        if error is None:
            job.status = JobStatus.DONE
        elif retry and job.attempts < job.max_attempts:
            job.status = JobStatus.QUEUED
        else:
            job.status = JobStatus.FAILED
        job.error = error
        job.finished_at = now() if job.status != JobStatus.QUEUED else None
        # The step it was at says nothing once it has ended (a failed job keeps it: where it
        # stopped).
        if job.status == JobStatus.DONE:
            job.progress = "done"
            note(job, "Done.")
        elif job.status == JobStatus.QUEUED:
            job.progress = ""
            when = "queued again"
            if delay > 0:
                job.not_before = now() + timedelta(seconds=delay)
                when += f", next attempt at {job.not_before.isoformat(timespec='seconds')}"
            note(job, f"Attempt {job.attempts} failed: {error}; {when}.")
        else:
            note(job, f"Failed: {error}")
        return job.status


def run_one(
    state: State, kinds: Mapping[str, JobKind], worker: str, only: Collection[str] | None = None
) -> bool:
    """Claim and run one job (of a kind in ``only``, if given); False when there was none."""
    job = claim(state, worker, only)
    if job is None:
        return False
    stop = threading.Event()
    interval = max(state.settings.job_stale_seconds / 4, 0.05)

    def heartbeat() -> None:
        while not stop.wait(interval):
            _beat(state, job.id)

    beating = threading.Thread(target=heartbeat, name=f"job-{job.id}-heartbeat", daemon=True)
    beating.start()
    error: str | None = None
    retry = False
    after: float | None = None
    kind = kinds.get(job.kind)
    try:
        if kind is None:
            raise DriftscopeError(f"No worker knows jobs of kind {job.kind!r}.")
        kind.run(state, job.payload, lambda progress: _step(state, job.id, progress))
    except DriftscopeError as exc:  # bad data: it would fail again
        error = str(exc)
    except Retry as exc:  # the job said it may pass later
        error, retry, after = str(exc), True, exc.after
    except Exception as exc:  # anything else may pass on another attempt
        log.exception("job %s (%s) failed", job.id, job.kind)
        error, retry = f"{type(exc).__name__}: {exc}", True
    finally:
        stop.set()
        beating.join()
    delay = _delay(state, kind, job.attempts, after) if retry else 0.0
    if _finish(state, job.id, error, retry, delay) == JobStatus.FAILED and error is not None:
        _failed(state, kinds, job.kind, job.payload, error)
    return True


def _delay(state: State, kind: JobKind | None, attempts: int, after: float | None) -> float:
    """How long a retry waits: what the job was told (at most a day), else its kind's backoff."""
    if after is not None:
        return min(max(after, 0.0), 86_400.0)
    if kind is None or kind.backoff is None:
        return 0.0
    return kind.backoff(state, attempts)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Worker:
    """A thread that runs jobs until stopped: in the server process, or `driftscope worker`.
    Between jobs it runs ``periodic`` (work that makes jobs, such as closing ended periods).
    With ``only`` it takes only jobs of those kinds: a lane of its own, so that slow jobs of one
    kind (a receiver that does not answer) never hold up the others (the analyses)."""

    def __init__(
        self,
        state: State,
        kinds: Mapping[str, JobKind],
        periodic: Callable[[State], object] | None = None,
        only: Collection[str] | None = None,
    ) -> None:
        self.state = state
        self.kinds = kinds
        self.periodic = periodic
        self.only = only
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="driftscope-worker", daemon=True)
        self._thread.start()

    def run(self) -> None:
        name = worker_name()
        settings = self.state.settings
        # Stale jobs are looked for four times per stale interval, not at every poll.
        every = settings.job_stale_seconds / 4
        last_recovery = -every
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_recovery >= every:
                    recover_stale(self.state, self.kinds)
                    last_recovery = time.monotonic()
                if self.periodic is not None:
                    self.periodic(self.state)
                ran = run_one(self.state, self.kinds, name, self.only)
            except Exception:  # the store is away for a moment: wait, then try again
                log.exception("the worker could not reach the store")
                ran = False
            if not ran:
                _WAKE.wait(settings.job_poll_seconds)
                _WAKE.clear()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        _WAKE.set()
        if self._thread is not None:
            self._thread.join(timeout)
