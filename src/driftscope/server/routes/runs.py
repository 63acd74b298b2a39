"""Production runs (upload, list, show, report, delete), the model's timeline, and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from driftscope.server.deps import MAX_ID, Editor, Id, Limit, Offset, Reader, Session_, State_
from driftscope.server.errors import NotFound
from driftscope.server.models import Job, JobStatus, Run, RunMetric, RunStatus, Version
from driftscope.server.schemas import JobOut, Page, RunOut
from driftscope.server.services import registry, runs
from driftscope.server.services.uploads import Upload

router = APIRouter(tags=["runs"])


def _runs_out(session: Session_, runs: list[Run]) -> list[RunOut]:
    """The runs with their version numbers and latest jobs: two queries for the whole list."""
    ids = [run.id for run in runs]
    numbers = dict(
        session.execute(
            select(Version.id, Version.number).where(
                Version.id.in_({run.version_id for run in runs})
            )
        ).all()
    )
    jobs: dict[int, Job] = {}
    for job in session.scalars(select(Job).where(Job.run_id.in_(ids)).order_by(Job.id)):
        jobs[int(job.run_id or 0)] = job  # the latest of each run, by id
    out = []
    for run in runs:
        fields = {name: getattr(run, name) for name in RunOut.model_fields if hasattr(run, name)}
        fields["version"] = numbers.get(run.version_id, 0)
        latest = jobs.get(run.id)
        fields["job"] = JobOut.model_validate(latest) if latest is not None else None
        out.append(RunOut.model_validate(fields))
    return out


def _run_out(session: Session_, run: Run) -> RunOut:
    return _runs_out(session, [run])[0]


@router.post("/models/{name}/runs", status_code=201)
def upload_run(
    name: str,
    session: Session_,
    state: State_,
    who: Editor,
    data: Annotated[UploadFile, File(description="Production data: CSV, Parquet or JSON Lines")],
    date: Annotated[datetime | None, Form(description="When production saw the data")] = None,
    labels: Annotated[UploadFile | None, File(description="Ground truth, by id")] = None,
    version: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> RunOut:
    """Upload a run of production data (with its predictions, and ground truth in it or in a
    file of its own); its analysis is queued."""
    run = runs.upload_run(
        state,
        session,
        who,
        name,
        data=Upload("data", data.filename or "", data.file),
        date=date,
        labels=Upload("labels", labels.filename or "", labels.file) if labels else None,
        version=version,
    )
    return _run_out(session, run)


@router.get("/models/{name}/runs")
def list_runs(
    name: str,
    session: Session_,
    who: Reader,
    offset: Offset = 0,
    limit: Limit = 100,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[RunOut]:
    """The model's runs, newest data first."""
    model = registry.get_model(session, name)
    query = select(Run).where(Run.model_id == model.id)
    if since is not None:
        query = query.where(Run.date >= since)
    if until is not None:
        query = query.where(Run.date < until)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Run.date.desc(), Run.id.desc()).offset(offset).limit(limit)
    )
    return Page(items=_runs_out(session, list(rows)), total=total, offset=offset, limit=limit)


@router.get("/models/{name}/runs/{run_id}")
def show_run(name: str, run_id: Id, session: Session_, who: Reader) -> RunOut:
    model = registry.get_model(session, name)
    return _run_out(session, runs.get_run(session, model, run_id))


@router.get("/models/{name}/runs/{run_id}/report")
def run_report(
    name: str, run_id: Id, session: Session_, state: State_, who: Reader
) -> dict[str, Any]:
    """The run's full report, the JSON `driftscope report --json` writes."""
    model = registry.get_model(session, name)
    return runs.report_json(state, runs.get_run(session, model, run_id))


@router.delete("/models/{name}/runs/{run_id}", status_code=204)
def delete_run(name: str, run_id: Id, session: Session_, who: Editor) -> None:
    runs.delete_run(session, who, name, run_id)


@router.get("/models/{name}/timeline", response_model=None)
def timeline(
    name: str,
    session: Session_,
    who: Reader,
    since: datetime | None = None,
    until: datetime | None = None,
) -> JSONResponse:
    """What a dashboard plots, over the analysed runs in date order: the verdict and drift
    share of each run, and each metric with its interval. Two indexed queries, nothing parsed;
    the rows go to JSON as they come (no model validation of thousands of points)."""
    model = registry.get_model(session, name)
    where = [Run.model_id == model.id, Run.status == RunStatus.ANALYSED]
    if since is not None:
        where.append(Run.date >= since)
    if until is not None:
        where.append(Run.date < until)
    order = (Run.date, Run.id)
    runs = session.execute(
        select(Run.id, Run.date, Run.verdict, Run.drift_share, Run.dataset_drifted, Run.n_rows)
        .where(*where)
        .order_by(*order)
    )
    points = [
        {"run": run_id, "date": date.isoformat(), "verdict": verdict, "drift_share": share,
         "dataset_drifted": drifted, "n_rows": n_rows}
        for run_id, date, verdict, share, drifted, n_rows in runs
    ]  # fmt: skip
    metrics: dict[str, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(
            RunMetric.metric, RunMetric.run_id, RunMetric.value, RunMetric.lower,
            RunMetric.upper, RunMetric.reference, RunMetric.benchmark, RunMetric.status,
        ).join(Run, Run.id == RunMetric.run_id).where(*where).order_by(*order)
    )  # fmt: skip
    for metric, run_id, value, lower, upper, reference, benchmark, status in rows:
        metrics.setdefault(metric, []).append(
            {"run": run_id, "value": value, "lower": lower, "upper": upper,
             "reference": reference, "benchmark": benchmark, "status": status}
        )  # fmt: skip
    return JSONResponse({"model": model.name, "runs": points, "metrics": metrics})


@router.get("/jobs")
def list_jobs(
    session: Session_,
    who: Reader,
    status: Annotated[JobStatus | None, Query()] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[JobOut]:
    query = select(Job)
    if status is not None:
        query = query.where(Job.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Job.id.desc()).offset(offset).limit(limit))
    return Page(
        items=[JobOut.model_validate(j) for j in rows], total=total, offset=offset, limit=limit
    )


@router.get("/jobs/{job_id}")
def show_job(job_id: Id, session: Session_, who: Reader) -> JobOut:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job {job_id}.")
    return JobOut.model_validate(job)


@router.post("/jobs/{job_id}/retry")
def retry_job(job_id: Id, session: Session_, who: Editor) -> JobOut:
    """Queue a failed job again, with a fresh set of attempts (its run is pending again)."""
    return JobOut.model_validate(runs.retry_job(session, who, job_id))
