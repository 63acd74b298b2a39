"""`server.jobs`: durable jobs claimed once, retried when it may help, recovered after a crash."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from driftscope.exceptions import DriftscopeError
from driftscope.server import db, jobs
from driftscope.server.models import Job, JobStatus, now
from driftscope.server.state import State


def _enqueue(state: State, n: int, kind: str = "count", max_attempts: int = 3) -> list[int]:
    with db.transaction(state.writers) as session:
        return [jobs.enqueue(session, kind, {"i": i}, max_attempts).id for i in range(n)]


def _job(state: State, job_id: int) -> Job:
    with state.sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def test_every_job_is_run_once_by_concurrent_workers(state: State) -> None:
    ids = _enqueue(state, 40)
    seen: list[int] = []
    lock = threading.Lock()

    def count(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        with lock:
            seen.append(int(payload["i"]))

    kinds = {"count": jobs.JobKind(count)}

    def drain(name: str) -> None:
        while jobs.run_one(state, kinds, name):
            pass

    workers = [threading.Thread(target=drain, args=(f"w{i}",)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(seen) == list(range(40))
    assert {_job(state, i).status for i in ids} == {JobStatus.DONE}


def test_bad_data_fails_at_once_other_errors_are_retried(state: State) -> None:
    calls: list[str] = []
    failed: list[str] = []

    def bad_data(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        calls.append("bad")
        raise DriftscopeError("column 'x' is empty")

    def flaky(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        calls.append("flaky")
        if calls.count("flaky") < 3:
            raise ConnectionError("store away")
        progress("done at last")

    def broken(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        raise RuntimeError("always")

    kinds = {
        "bad": jobs.JobKind(bad_data, lambda s, p, e: failed.append(e)),
        "flaky": jobs.JobKind(flaky),
        "broken": jobs.JobKind(broken, lambda s, p, e: failed.append(e)),
    }
    [bad] = _enqueue(state, 1, "bad")
    [flaky_id] = _enqueue(state, 1, "flaky")
    [broken_id] = _enqueue(state, 1, "broken", max_attempts=2)
    while jobs.run_one(state, kinds, "w"):
        pass
    assert (_job(state, bad).status, _job(state, bad).attempts) == (JobStatus.FAILED, 1)
    assert _job(state, bad).error == "column 'x' is empty"
    flaky_job = _job(state, flaky_id)
    assert (flaky_job.status, flaky_job.attempts, flaky_job.progress) == (
        JobStatus.DONE,
        3,
        "done",  # not the step it was at when it ended
    )
    broken_job = _job(state, broken_id)
    assert (broken_job.status, broken_job.attempts) == (JobStatus.FAILED, 2)
    assert broken_job.error == "RuntimeError: always"
    assert failed == ["column 'x' is empty", "RuntimeError: always"]


def test_a_job_logs_each_attempt_its_steps_and_its_end_keeping_the_newest_lines(
    state: State,
) -> None:
    attempts: list[int] = []

    def flaky(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        attempts.append(1)
        progress("reading")
        if len(attempts) == 1:
            raise ConnectionError("store away")
        for step in range(jobs.JOB_LOG_LINES):
            progress(f"chunk {step}")

    [job_id] = _enqueue(state, 1, "flaky")
    while jobs.run_one(state, {"flaky": jobs.JobKind(flaky)}, "w1"):
        pass
    first = [(line["attempt"], line["message"]) for line in _job(state, job_id).log]
    assert len(first) == jobs.JOB_LOG_LINES  # bounded: the oldest lines went
    assert first[-2:] == [(2, f"Step: chunk {jobs.JOB_LOG_LINES - 1}."), (2, "Done.")]
    # A short run keeps every line: queued, each attempt's start, steps and end, in order.
    attempts.clear()
    [again] = _enqueue(state, 1, "short")

    def short(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        progress("reading")
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionError("store away")

    while jobs.run_one(state, {"short": jobs.JobKind(short)}, "w1"):
        pass
    log = _job(state, again).log
    assert [(line["attempt"], line["message"]) for line in log] == [
        (0, "Queued."),
        (1, "Attempt 1 of 3 started by worker w1."),
        (1, "Step: reading."),
        (1, "Attempt 1 failed: ConnectionError: store away; queued again."),
        (2, "Attempt 2 of 3 started by worker w1."),
        (2, "Step: reading."),
        (2, "Done."),
    ]
    times = [line["at"] for line in log]
    assert times == sorted(times)


def test_a_job_whose_worker_died_is_queued_again_and_finishes(state: State) -> None:
    [job_id] = _enqueue(state, 1)
    claimed = jobs.claim(state, "killed-worker")
    assert claimed is not None
    assert claimed.id == job_id
    kinds = {"count": jobs.JobKind(lambda s, p, progress: None)}
    # The heartbeat is fresh: nothing to recover yet.
    assert jobs.recover_stale(state, kinds) == 0
    with db.transaction(state.writers) as session:
        session.execute(
            update(Job).values(heartbeat_at=now() - timedelta(seconds=60)).where(Job.id == job_id)
        )
    assert jobs.recover_stale(state, kinds) == 1
    assert "stopped reporting" in (_job(state, job_id).error or "")
    assert jobs.run_one(state, kinds, "new-worker")
    finished = _job(state, job_id)
    assert (finished.status, finished.attempts, finished.error) == (JobStatus.DONE, 2, None)


def test_a_long_job_keeps_its_heartbeat(state: State) -> None:
    # job_stale_seconds is 2 in these tests: the heartbeat beats every 0.5 s.
    [job_id] = _enqueue(state, 1)
    started = threading.Event()
    release = threading.Event()

    def slow(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        started.set()
        release.wait(10)

    kinds = {"count": jobs.JobKind(slow)}
    runner = threading.Thread(target=jobs.run_one, args=(state, kinds, "slow-worker"))
    runner.start()
    started.wait(10)
    time.sleep(2.5)
    assert jobs.recover_stale(state, kinds) == 0
    assert _job(state, job_id).status == JobStatus.RUNNING
    release.set()
    runner.join()
    assert _job(state, job_id).status == JobStatus.DONE


def test_the_worker_thread_runs_jobs_until_stopped(state: State) -> None:
    done = threading.Event()
    kinds = {"count": jobs.JobKind(lambda s, p, progress: done.set())}
    worker = jobs.Worker(state, kinds)
    worker.start()
    _enqueue(state, 1)
    assert done.wait(10)
    worker.stop(timeout=10)
    with state.sessions() as session:
        assert list(session.scalars(select(Job.status))) == [JobStatus.DONE]


def test_a_retry_waits_for_its_backoff_and_a_job_may_say_when(state: State) -> None:
    """A kind's backoff puts the retry in the future (`not_before`): no worker claims it
    before then, another job goes first; `Retry(after=...)` sets the wait itself."""
    calls: list[int] = []

    def down(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        i = int(payload["i"])
        calls.append(i)
        if i == 0 and calls.count(0) == 1:
            raise jobs.Retry("receiver down")
        if i == 2:
            raise jobs.Retry("busy", after=300)

    kinds = {"count": jobs.JobKind(down, backoff=lambda s, attempts: 60.0 * attempts)}
    [first, second, third] = _enqueue(state, 3, max_attempts=5)
    before = now()
    assert jobs.run_one(state, kinds, "w")
    waiting = _job(state, first)
    assert waiting.status == JobStatus.QUEUED
    assert waiting.not_before is not None
    assert timedelta(seconds=59) < waiting.not_before - before < timedelta(seconds=62)
    assert "receiver down; queued again, next attempt at" in waiting.log[-1]["message"]
    # The waiting job is skipped: the others run, then there is nothing due.
    assert jobs.run_one(state, kinds, "w")
    assert _job(state, second).status == JobStatus.DONE
    assert jobs.run_one(state, kinds, "w")
    told = _job(state, third)
    assert told.not_before is not None  # 300 s as it was told, not the backoff's 60 s
    assert timedelta(seconds=299) < told.not_before - before < timedelta(seconds=302)
    assert told.error == "busy"
    assert not jobs.run_one(state, kinds, "w")
    assert calls == [0, 1, 2]
    # Once due, it runs.
    with db.transaction(state.writers) as session:
        session.execute(update(Job).where(Job.id == first).values(not_before=now()))
    assert jobs.run_one(state, kinds, "w")
    assert calls == [0, 1, 2, 0]
    done = _job(state, first)
    assert (done.status, done.attempts, done.not_before) == (JobStatus.DONE, 2, None)


def test_exponential_backoff_doubles_up_to_its_cap_with_jitter() -> None:
    for attempts, ceiling in [(1, 10.0), (2, 20.0), (3, 40.0), (8, 100.0)]:
        delays = [jobs.exponential_backoff(10.0, 100.0, attempts) for _ in range(200)]
        assert ceiling / 2 <= min(delays) < max(delays) <= ceiling


def test_a_lane_takes_only_its_kinds_so_a_stuck_job_holds_up_no_other_lane(
    state: State,
) -> None:
    """The deliveries' lane stuck on a receiver that does not answer: the analyses' lane goes
    on; each lane leaves the other's jobs alone."""
    release = threading.Event()
    ran: list[str] = []

    def stuck(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        ran.append("notify")
        release.wait(30)

    def analyse(_: State, payload: Mapping[str, Any], progress: Any) -> None:
        ran.append("analyse")

    kinds = {"notify": jobs.JobKind(stuck), "analyse": jobs.JobKind(analyse)}
    [delivery] = _enqueue(state, 1, "notify")
    [analysis] = _enqueue(state, 1, "analyse")
    assert not jobs.run_one(state, kinds, "w", only={"other"})
    deliveries = jobs.Worker(state, kinds, only={"notify"})
    analyses = jobs.Worker(state, kinds, only={"analyse"})
    deliveries.start()
    try:
        deadline = time.monotonic() + 20
        while _job(state, delivery).status != JobStatus.RUNNING and time.monotonic() < deadline:
            time.sleep(0.02)
        analyses.start()
        while _job(state, analysis).status != JobStatus.DONE and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _job(state, analysis).status == JobStatus.DONE
        assert _job(state, delivery).status == JobStatus.RUNNING  # still stuck
    finally:
        release.set()
        analyses.stop(10)
        deliveries.stop(10)
    assert _job(state, delivery).status == JobStatus.DONE
    assert ran == ["notify", "analyse"]


def test_the_service_runs_the_deliveries_in_a_lane_of_their_own(state: State) -> None:
    from driftscope.server.worker import JOB_KINDS, make_worker

    workers = make_worker(state)
    assert workers.deliveries.only == {"notify", "mlflow_log"}
    assert workers.analyses.only == set(JOB_KINDS) - {"notify", "mlflow_log"}
    assert workers.analyses.periodic is not None
    assert workers.deliveries.periodic is None
