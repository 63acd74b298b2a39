"""A model's runs in the app: uploading a run through a form, a run's page with its status, job
log and full report, and the fragments a pending run's pages poll until its analysis ends.

Reads and writes go through the REST API's route functions (`routes.runs`), so a page shows what
the API answers. The report is the very HTML `driftscope report` writes (`render_html`), served
as a document of its own with a policy that allows its inline styles and (by hash) its inline
scripts and nothing else, and shown in a sandboxed frame of the run's page. While a run is
pending, htmx (`/static/vendor/htmx.min.js`) fetches the changing part of its page every two
seconds; the answer's status 286 tells it to stop once the run is analysed or failed. Without
JavaScript the page has a "Refresh" link.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from driftscope.data.profile import MAGIC
from driftscope.report.html import render_html
from driftscope.server import db
from driftscope.server.deps import MAX_ID, Id, State_
from driftscope.server.errors import Invalid, NotFound, ServiceError
from driftscope.server.models import Role, RunStatus
from driftscope.server.routes import models as model_routes
from driftscope.server.routes import runs as run_routes
from driftscope.server.routes.pages import models as model_pages
from driftscope.server.routes.pages._common import (
    SECURITY_HEADERS,
    TEMPLATES,
    Who,
    allowed,
    page,
    to_login,
)
from driftscope.server.routes.pages._explanations import drivers
from driftscope.server.schemas import RunOut
from driftscope.server.services import alerts, runs
from driftscope.server.services.registry import ModelTask
from driftscope.server.services.users import Principal
from driftscope.server.state import State

router = APIRouter(include_in_schema=False)

#: The status that tells htmx to stop polling (and still show the answer).
STOP_POLLING = 286


def _now_minute() -> str:
    """Now in UTC, as a ``datetime-local`` input's value: the upload form's default date."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")


def _on_files(task: str) -> bool:
    """Whether a model's runs are zips of files (images, audio) with their table."""
    return ModelTask(task).on_files


TEMPLATES.env.globals.update(now_minute=_now_minute, on_files=_on_files)


def _run_url(name: str, run_id: int) -> str:
    return f"/models/{quote(name, safe='')}/runs/{run_id}"


def _date(text: str) -> datetime | None:
    """The date the form gave (a ``datetime-local`` value, taken as UTC); None for now."""
    text = text.strip()
    if not text:
        return None
    try:
        given = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(
            f"'date' must be a date and time such as 2026-11-01T09:30 (UTC); got {text!r}.",
            field="date",
        ) from None
    return given if given.tzinfo is not None else given.replace(tzinfo=UTC)


def _version(text: str) -> int | None:
    """The version the form chose; None for the default (production, else the latest)."""
    text = text.strip()
    if not text:
        return None
    # Only ASCII digits: str.isdigit() also takes "²", which int() refuses.
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise Invalid(f"'version' must be a version's number; got {text!r}.", field="version")
    return int(text)


def _is_profile(upload: UploadFile) -> bool:
    head = upload.file.read(len(MAGIC))
    upload.file.seek(0)
    return head == MAGIC


def _chosen(upload: UploadFile | None) -> UploadFile | None:
    """A file the form carries: a file input left empty comes as a part without a name."""
    return upload if upload is not None and upload.filename else None


@router.post("/models/{name}/runs")
def upload_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    data: Annotated[UploadFile | None, File()] = None,
    labels: Annotated[UploadFile | None, File()] = None,
    date: Annotated[str, Form(max_length=64)] = "",
    version: Annotated[str, Form(max_length=24)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Upload a run from the model page's form (editors), through the API's own route; the
    new run's page next. A refusal shows the form again, its message beside the field."""
    me = allowed(request, who, Role.EDITOR, csrf_token)
    if isinstance(me, Response):
        return me
    who = me
    values = {"date": date, "version": version}
    try:
        production = _chosen(data)
        if production is None:
            raise Invalid("'data' is needed: choose the production data file.", field="data")
        # A driftscope profile goes as the API's `profile` field (told by its first bytes).
        profiled = _is_profile(production)
        with db.transaction(state.writers) as session:
            made = run_routes.upload_run(
                name,
                session,
                state,
                who,
                data=None if profiled else production,
                profile=production if profiled else None,
                date=_date(date),
                labels=_chosen(labels),
                version=_version(version),
            )
    except ServiceError as refused:
        # The registry's "no version 9" names no field; the form's version is at fault. A
        # profile came in the form's data field.
        field = "data" if refused.field == "profile" else refused.field
        field = field or ("version" if "no version" in str(refused) else None)
        if isinstance(refused, NotFound) and field is None:  # no such model
            return page(request, "missing.html", 404, who=who, message=str(refused))
        return _upload_again(request, state, who, name, refused, field, values)
    return RedirectResponse(_run_url(name, made.id), status_code=303)


def _upload_again(
    request: Request,
    state: State,
    who: Principal,
    name: str,
    refused: ServiceError,
    field: str | None,
    values: dict[str, str],
) -> Response:
    """The upload form again, with the refusal beside its field (or above the form) and what
    the user gave kept (but the files: a browser never lets a page fill a file input)."""
    with state.sessions() as session:
        model = model_routes.show_model(name, session, who)
        versions = model_routes.list_versions(name, session, who)
    return page(
        request,
        "upload.html",
        refused.status,
        who=who,
        active="models",
        model=model,
        versions=versions,
        errors={field: str(refused)} if field else {},
        problem=None if field else str(refused),
        values=values,
    )


def _read_run(
    state: State, who: Principal, name: str, run_id: int
) -> tuple[RunOut, dict[str, Any] | None]:
    """The run as the API shows it, and its report once analysed."""
    with state.sessions() as session:
        run = run_routes.show_run(name, run_id, session, who)
        report = (
            run_routes.run_report(name, run_id, session, state, who)
            if run.status == RunStatus.ANALYSED
            else None
        )
    return run, report


def _live_context(
    name: str, who: Principal, run: RunOut, report: dict[str, Any] | None
) -> dict[str, Any]:
    verdict = (report or {}).get("verdict") or None
    section = (report or {}).get("explanations")
    return {
        "drivers": None if section is None else drivers(section),
        "who": who,
        "name": name,
        "run": run,
        "verdict": verdict,
        "url": _run_url(name, run.id),
        "pending": run.status == RunStatus.PENDING,
        "can_edit": who.role.may(Role.EDITOR),
    }


@router.get("/models/{name}/runs/{run_id}")
def runpage(request: Request, name: str, run_id: Id, state: State_, who: Who) -> Response:
    """A run: its date, version and rows, its status, verdict and reasons, metrics, the alerts
    it fired or resolved, its job with the log, and the full report."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    try:
        run, report = _read_run(state, who, name, run_id)
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    with state.sessions() as session:
        changes = alerts.run_alerts(session, run.id)
    return page(
        request,
        "run.html",
        active="models",
        alert_changes=changes,
        **_live_context(name, who, run, report),
    )


@router.get("/models/{name}/runs/{run_id}/live")
def run_live(request: Request, name: str, run_id: Id, state: State_, who: Who) -> Response:
    """The part of a run's page that changes while it is pending; 286 (stop polling) once
    its analysis has ended."""
    if who is None:
        return _session_ended(request, _run_url(name, run_id))
    who.require(Role.VIEWER)
    try:
        run, report = _read_run(state, who, name, run_id)
    except NotFound as missing:
        return page(request, "_gone.html", STOP_POLLING, message=str(missing))
    context = _live_context(name, who, run, report)
    status = 200 if context["pending"] else STOP_POLLING
    return page(request, "_run_live.html", status, **context)


@router.get("/models/{name}/runs")
def runs_table(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """The model page's runs table (the page at ``offset``), which the page polls while a run
    on it is pending; 286 (stop polling) once none is. A browser asking for it as a page is
    sent to the model's page."""
    kept = model_pages.kept_query(request)
    query = urlencode([*kept, *([("offset", str(offset))] if offset else [])])
    back = f"/models/{quote(name, safe='')}" + (f"?{query}" if query else "")
    if "hx-request" not in request.headers:
        return RedirectResponse(back, status_code=303)
    if who is None:
        return _session_ended(request, back)
    who.require(Role.VIEWER)
    try:
        with state.sessions() as session:
            listed = run_routes.list_runs(name, session, who, offset, model_pages.RUNS_PER_PAGE)
    except NotFound as missing:
        return page(request, "_gone.html", STOP_POLLING, message=str(missing))
    pending = any(run.status == RunStatus.PENDING for run in listed.items)
    return page(
        request,
        "_runs_table.html",
        200 if pending else STOP_POLLING,
        runs=listed,
        model_name=name,
        kept=kept,
    )


def _session_ended(request: Request, back: str) -> Response:
    """A fragment asked for without a session (it ended): say so where it would have gone,
    and stop polling; a page asked for is sent to log in."""
    if "hx-request" not in request.headers:
        return to_login(request)
    return page(
        request,
        "_gone.html",
        STOP_POLLING,
        message="Your session has ended.",
        login=f"/login?next={quote(back)}",
    )


@router.post("/models/{name}/runs/{run_id}/retry")
def retry_page(
    request: Request,
    name: str,
    run_id: Id,
    state: State_,
    who: Who,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Queue the run's failed analysis again (editors); back to the run's page."""
    me = allowed(request, who, Role.EDITOR, csrf_token)
    if isinstance(me, Response):
        return me
    who = me
    try:
        with db.transaction(state.writers) as session:
            job = run_routes.show_run(name, run_id, session, who).job
            if job is None:
                raise NotFound(f"Run {run_id} of {name} has no analysis job to retry.")
            runs.retry_job(session, who, job.id)
    except ServiceError as failed:
        return page(request, "missing.html", failed.status, who=who, message=str(failed))
    return RedirectResponse(_run_url(name, run_id), status_code=303)


def _report_of(
    request: Request, state: State, who: Principal | None, name: str, run_id: int
) -> dict[str, Any] | Response:
    """The run's report, or the page to show instead (log in; no such run or no report)."""
    if who is None:
        return to_login(request)
    who.require(Role.VIEWER)
    try:
        with state.sessions() as session:
            report: dict[str, Any] = run_routes.run_report(name, run_id, session, state, who)
    except NotFound as missing:
        return page(request, "missing.html", 404, who=who, message=str(missing))
    return report


@router.get("/models/{name}/runs/{run_id}/report.json")
def report_download(request: Request, name: str, run_id: Id, state: State_, who: Who) -> Response:
    """The run's report as a file to keep: the JSON of ``GET /api/v1/.../runs/{id}/report``."""
    report = _report_of(request, state, who, name, run_id)
    if isinstance(report, Response):
        return report
    filename = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}-run-{run_id}.json"
    return JSONResponse(
        report,
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{filename}"',
        },
    )


#: An inline script the report runs (not its JSON data, which a browser does not execute).
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def report_policy(html: str) -> str:
    """The Content-Security-Policy of a report served by the app: its own inline scripts (by
    their SHA-256, so no other script runs) and inline styles (Plotly sets style attributes),
    images and fonts from ``data:`` URLs, no request to anywhere, and framed only by the
    app's own pages."""
    hashes = " ".join(
        "'sha256-"
        + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        + "'"
        for script in _SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; form-action 'none'; base-uri 'none'; "
        "frame-ancestors 'self'"
    )


@router.get("/models/{name}/runs/{run_id}/report.html")
def report_page(request: Request, name: str, run_id: Id, state: State_, who: Who) -> Response:
    """The run's full report: the HTML `driftscope report` writes, from the same templates."""
    report = _report_of(request, state, who, name, run_id)
    if isinstance(report, Response):
        return report
    html = render_html(report)
    return HTMLResponse(
        html, headers={**SECURITY_HEADERS, "Content-Security-Policy": report_policy(html)}
    )
