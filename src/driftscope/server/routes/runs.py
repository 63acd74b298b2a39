"""Production runs (upload, list, show, report, delete), the model's timeline, and jobs."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, UploadFile
from sqlalchemy import func, select

from driftscope.server.deps import MAX_ID, Editor, Id, Limit, Offset, Reader, Session_, State_
from driftscope.server.errors import Invalid, NotFound
from driftscope.server.models import (
    Job,
    JobStatus,
    Run,
    RunEstimate,
    RunMetric,
    RunShadow,
    Version,
)
from driftscope.server.schemas import (
    FastJSON,
    JobOut,
    Page,
    RunEstimateOut,
    RunMetricOut,
    RunOut,
    RunShadowOut,
)
from driftscope.server.services import ab_tests, registry, runs, shadow
from driftscope.server.services import timeline as timelines
from driftscope.server.services.uploads import Upload

router = APIRouter(tags=["runs"])


def _runs_out(session: Session_, runs: list[Run]) -> list[RunOut]:
    """The runs with their version numbers, metrics, estimates, shadow comparisons and latest
    jobs: five queries for the whole list."""
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
    metrics: dict[int, list[RunMetricOut]] = {}
    for metric in session.scalars(
        select(RunMetric)
        .where(RunMetric.run_id.in_(ids))
        .order_by(RunMetric.is_primary.desc(), RunMetric.metric)
    ):
        metrics.setdefault(metric.run_id, []).append(
            RunMetricOut(
                name=metric.metric,
                value=metric.value,
                lower=metric.lower,
                upper=metric.upper,
                status=metric.status,
                primary=metric.is_primary,
            )
        )
    estimates: dict[int, list[RunEstimateOut]] = {}
    for row in session.scalars(
        select(RunEstimate)
        .where(RunEstimate.run_id.in_(ids))
        .order_by(RunEstimate.is_primary.desc(), RunEstimate.metric)
    ):
        estimates.setdefault(row.run_id, []).append(
            RunEstimateOut(
                name=row.metric,
                method=row.method,
                estimate=row.estimate,
                lower=row.lower,
                upper=row.upper,
                baseline=row.baseline,
                status=row.status,
                primary=row.is_primary,
                realised=row.realised,
                realised_rows=row.realised_rows,
                within_band=row.within_band,
            )
        )
    shadows = {
        row.run_id: RunShadowOut(
            candidate_version=row.candidate_number,
            n_rows=row.n_rows,
            agreement=row.agreement,
            agreement_low=row.agreement_low,
            agreement_high=row.agreement_high,
            verdict=row.verdict,
            metric=row.metric,
            production_value=row.production_value,
            candidate_value=row.candidate_value,
            difference=row.difference,
            p_value=row.p_value,
            better=row.better,
            error=row.error,
        )
        for row in session.scalars(select(RunShadow).where(RunShadow.run_id.in_(ids)))
    }
    out = []
    for run in runs:
        fields = {name: getattr(run, name) for name in RunOut.model_fields if hasattr(run, name)}
        fields["version"] = numbers.get(run.version_id, 0)
        latest = jobs.get(run.id)
        fields["job"] = JobOut.model_validate(latest) if latest is not None else None
        fields["metrics"] = metrics.get(run.id, [])
        fields["estimates"] = estimates.get(run.id, [])
        fields["shadow"] = shadows.get(run.id)
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
    data: Annotated[
        UploadFile | None, File(description="Production data: CSV, Parquet or JSON Lines")
    ] = None,
    profile: Annotated[
        UploadFile | None,
        File(description="Instead of data: its driftscope profile, of the version's schema"),
    ] = None,
    date: Annotated[datetime | None, Form(description="When production saw the data")] = None,
    labels: Annotated[UploadFile | None, File(description="Ground truth, by id")] = None,
    version: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> RunOut:
    """Upload a run of production data (with its predictions, and ground truth in it or in a
    file of its own), or its profile (`driftscope.profile` with the version's schema; ground
    truth in its model part); its analysis is queued."""
    if (data is None) == (profile is None):
        got = "not both." if data is not None else "got neither."
        raise Invalid(
            "Send the run's data (a table file) or its profile (a driftscope profile file), " + got,
            field="data",
        )
    if profile is not None:
        if labels is not None:
            raise Invalid(
                "A run sent as a profile carries its ground truth in the profile (its "
                "confusion counts or regression sums); send no labels file with it.",
                field="labels",
            )
        run = runs.upload_profile_run(
            state,
            session,
            who,
            name,
            profile=Upload("profile", profile.filename or "", profile.file),
            date=date,
            version=version,
        )
        return _run_out(session, run)
    assert data is not None
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


@router.post("/models/{name}/runs/profile", status_code=201)
def upload_run_profile(
    name: str,
    session: Session_,
    state: State_,
    who: Editor,
    body: Annotated[
        bytes,
        Body(
            media_type="application/octet-stream",
            description="The run's profile (`Profile.to_bytes`), of the version's schema",
        ),
    ],
    date: Annotated[datetime | None, Query(description="When production saw the data")] = None,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> RunOut:
    """A run sent as its profile in the request's body (``application/octet-stream``), for a
    job that posts bytes: as the multipart ``profile`` field of ``POST .../runs``."""
    run = runs.upload_profile_run(
        state,
        session,
        who,
        name,
        profile=Upload("body", "the request body", io.BytesIO(body)),
        date=date,
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


@router.get("/runs/{run_id}/explanations")
def run_explanations(run_id: Id, session: Session_, state: State_, who: Reader) -> dict[str, Any]:
    """The explanations section of the run's report: which features drive the version's model
    on its baseline and on this run (importance on each side, the change, the explainer and
    what it was bounded to), or the error that stopped them. 404 when the run is not analysed
    yet or its report has none (no model file, or explanations off)."""
    return runs.run_explanations(state, session, run_id)


@router.get("/models/{name}/runs/{run_id}/shadow")
def run_shadow(
    name: str, run_id: Id, session: Session_, state: State_, who: Reader
) -> dict[str, Any]:
    """The run's whole comparison with the model's shadow version (`driftscope.shadow_compare`'s
    JSON: agreement overall and per window, divergence of the outputs, the segments where they
    disagree most, who was right). 404 when the run had no shadow, or it could not score it."""
    model = registry.get_model(session, name)
    return shadow.comparison(state, session, runs.get_run(session, model, run_id))


@router.delete("/models/{name}/runs/{run_id}", status_code=204)
def delete_run(name: str, run_id: Id, session: Session_, who: Editor) -> None:
    runs.delete_run(session, who, name, run_id)


@dataclass(frozen=True)
class _Dates:
    """The runs' dates a timeline covers: from ``since`` (included) to ``until`` (excluded)."""

    since: datetime | None = None
    until: datetime | None = None


Dates = Annotated[_Dates, Depends()]


@router.get("/models/{name}/timeline", response_model=None)
def timeline(name: str, session: Session_, who: Reader, dates: Dates) -> FastJSON:
    """What a dashboard plots over the analysed runs in date order, as columns aligned with
    ``runs``: each run's date, version, verdict, drift share and data-quality counts, and each
    metric with its interval, baseline and benchmark (``null`` where a run has none)."""
    model = registry.get_model(session, name)
    return FastJSON(timelines.timeline(session, model, dates.since, dates.until))


@router.get("/models/{name}/ab-test")
def ab_test(
    name: str,
    session: Session_,
    state: State_,
    who: Reader,
    dates: Dates,
    a: Annotated[int, Query(ge=1, le=MAX_ID, description="The baseline version")],
    b: Annotated[int, Query(ge=1, le=MAX_ID, description="The version compared with it")],
    metric: Annotated[str | None, Query(max_length=64)] = None,
) -> dict[str, Any]:
    """An A/B test of versions ``a`` and ``b`` on the runs each analysed in the range (their
    rows pooled per version with their ground truth): each metric's difference B - A with an
    interval and a p-value, the rows still needed, the split and population checks, and a
    verdict on the primary ``metric`` (docs/model-comparison.md)."""
    return ab_tests.compare_versions(
        state, session, name, a, b, since=dates.since, until=dates.until, primary_metric=metric
    )


@router.get("/models/{name}/timeline/features", response_model=None)
def feature_timeline(name: str, session: Session_, who: Reader, dates: Dates) -> FastJSON:
    """Each column's drift over the analysed runs (the dashboard's heatmap): its role, how many
    runs it drifted in, and per run the method, statistic, p-value, effect size and verdict."""
    model = registry.get_model(session, name)
    return FastJSON(timelines.feature_timeline(session, model, dates.since, dates.until))


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
