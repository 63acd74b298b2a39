"""The web app's pages (server-rendered, Jinja2): log in and out, and the models at a glance.

A page needs a browser session; without one it sends the browser to the login page, which comes
back to the page after. Every form carries a CSRF token: the session's, or, on the login form
(there is no session yet), one kept in a cookie of its own and compared with the form's. Every
page says with a Content-Security-Policy that it loads nothing from outside the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from driftscope.server import db
from driftscope.server.deps import COOKIE, MAX_ID, State_, set_session_cookie
from driftscope.server.errors import NotFound, ServiceError, Throttled
from driftscope.server.models import Alias, Model, Role, Run, RunStatus, Version
from driftscope.server.routes import models as model_routes
from driftscope.server.routes import runs as run_routes
from driftscope.server.security import new_secret, same
from driftscope.server.services import registry, users
from driftscope.server.services.users import Principal

router = APIRouter(include_in_schema=False)

TEMPLATES = Jinja2Templates(
    directory=str(resources.files("driftscope.server").joinpath("templates"))
)
#: The login form's CSRF token, before there is a session to hold one.
LOGIN_COOKIE = "driftscope_login"
#: What every page may load: its own server's files, nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _who(request: Request, state: State_) -> Principal | None:
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    with state.sessions() as session:
        return users.authenticate_session(session, secret)


Who = Annotated[Principal | None, Depends(_who)]


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(
        request, template, {"who": None, **context}, status_code=status_code
    )
    response.headers.update(SECURITY_HEADERS)
    return response


_EXPIRED = "The form has expired; reload the page."


def _form_of(who: Principal, csrf_token: str) -> bool:
    """Whether a posted form carries its session's CSRF token."""
    return who.csrf_token is not None and same(csrf_token, who.csrf_token)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def _local(target: str) -> str:
    """Where to go after logging in: a path of this server only (never another site)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/models"


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/models", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/models") -> HTMLResponse:
    token = new_secret()
    response = _page(request, "login.html", csrf_token=token, next=_local(next), username="")
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login")
    return response


@router.post("/login")
def log_in(
    request: Request,
    state: State_,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=2048)] = "/models",
) -> Response:
    expected = request.cookies.get(LOGIN_COOKIE)
    if not expected or not same(csrf_token, expected):
        return _page(
            request,
            "login.html",
            403,
            error="The form has expired; log in again.",
            csrf_token=expected or "",
            next=_local(next),
            username=username,
        )
    try:
        with db.transaction(state.writers) as session:
            found = users.log_in(session, state.settings, username, password)
    except Throttled as throttled:
        found, status, error = None, throttled.status, str(throttled)
    else:
        status, error = 401, users.WRONG_LOGIN
    if found is None:
        return _page(
            request,
            "login.html",
            status,
            error=error,
            csrf_token=expected,
            next=_local(next),
            username=username,
        )
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(response, found[0], state.settings)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def log_out(
    request: Request,
    state: State_,
    who: Who,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    if who is None:
        return RedirectResponse("/login", status_code=303)
    if not _form_of(who, csrf_token):
        return _page(request, "missing.html", 403, who=who, message=_EXPIRED)
    with db.transaction(state.writers) as session:
        users.log_out(session, request.cookies[COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@dataclass(frozen=True)
class _ModelRow:
    name: str
    task: str
    production: int | None
    verdict: str | None
    drift_share: float | None
    latest: datetime | None


@router.get("/models")
def models_page(
    request: Request,
    state: State_,
    who: Who,
    search: Annotated[str, Query(max_length=128)] = "",
) -> Response:
    """Every model with its task, production version, and its latest analysed run's verdict,
    drift share and date: a handful of queries, whatever the number of models."""
    if who is None:
        return _to_login(request)
    who.require(Role.VIEWER)
    with state.sessions() as session:
        query = select(Model.id, Model.name, Model.task)
        if search:
            query = query.where(Model.name.contains(search, autoescape=True))
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        models = session.execute(query.order_by(Model.name).limit(500)).all()
        production = dict(
            session.execute(
                select(Alias.model_id, Version.number)
                .join(Version, Version.id == Alias.version_id)
                .where(Alias.alias == "production")
            ).all()
        )
        newest = (
            select(Run.model_id, func.max(Run.date).label("date"))
            .where(Run.status == RunStatus.ANALYSED)
            .group_by(Run.model_id)
            .subquery()
        )
        latest = {
            model_id: (verdict, share, date)
            for model_id, verdict, share, date in session.execute(
                select(Run.model_id, Run.verdict, Run.drift_share, Run.date).join(
                    newest, (Run.model_id == newest.c.model_id) & (Run.date == newest.c.date)
                )
            )
        }
    rows = [
        _ModelRow(name, str(task), production.get(model_id), *latest.get(model_id, (None,) * 3))
        for model_id, name, task in models
    ]
    return _page(
        request, "models.html", who=who, active="models", rows=rows, total=total, search=search
    )


#: Runs on a page of the model page.
RUNS_PER_PAGE = 50


@router.get("/models/{name}")
def model_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """A model: its versions with their aliases, and its runs, newest first, a page at a time;
    the same reads as the REST API's."""
    if who is None:
        return _to_login(request)
    who.require(Role.VIEWER)
    try:
        with state.sessions() as session:
            model = model_routes.show_model(name, session, who)
            versions = model_routes.list_versions(name, session, who)
            runs = run_routes.list_runs(name, session, who, offset, RUNS_PER_PAGE)
            history = model_routes.alias_history(name, session, who)
    except NotFound as missing:
        return _page(request, "missing.html", 404, who=who, message=str(missing))
    aliases: dict[int, list[str]] = {}
    for alias, number in sorted(model.aliases.items()):
        aliases.setdefault(number, []).append(alias)
    return _page(
        request,
        "model.html",
        who=who,
        active="models",
        model=model,
        versions=versions,
        aliases=aliases,
        runs=runs,
        history=history,
        can_edit=who.role.may(Role.EDITOR),
    )


def _change(
    request: Request,
    state: State_,
    who: Principal | None,
    csrf_token: str,
    name: str,
    ask: Callable[[Principal], tuple[str, str, dict[str, str]]],
    make: Callable[[Session, Principal], object],
    confirmed: bool,
) -> Response:
    """A change from a form: logged in, an editor, the session's CSRF token, and confirmed on a
    page of its own (``ask`` gives its heading, question and the form's fields) before ``make``
    runs; then back to the model's page. A refusal is shown as a page."""
    if who is None:
        return _to_login(request)
    back = f"/models/{quote(name)}"
    if not who.role.may(Role.EDITOR):
        return _page(request, "missing.html", 403, who=who, message="Your role may only read.")
    if not _form_of(who, csrf_token):
        return _page(request, "missing.html", 403, who=who, message=_EXPIRED)
    try:
        if not confirmed:
            heading, question, fields = ask(who)
            return _page(
                request,
                "confirm.html",
                who=who,
                heading=heading,
                question=question,
                fields=fields,
                action=request.url.path,
                back=back,
            )
        with db.transaction(state.writers) as session:
            make(session, who)
    except ServiceError as refused:
        return _page(request, "missing.html", refused.status, who=who, message=str(refused))
    return RedirectResponse(back, status_code=303)


@router.post("/models/{name}/promote")
def promote_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    version: Annotated[int, Form(ge=1, le=MAX_ID)],
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Point ``production`` at a version, once confirmed."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        with state.sessions() as session:
            shown = model_routes.show_model(name, session, principal)
            now_serving = shown.aliases.get("production")
            registry.get_version(session, registry.get_model(session, name), version)
        was = f"v{now_serving}" if now_serving else "no version"
        question = f"Point production of {name} at v{version}? It now points at {was}."
        return "Make production", question, {"version": str(version)}

    return _change(
        request,
        state,
        who,
        csrf_token,
        name,
        ask,
        lambda session, principal: registry.promote(
            session, principal, name, "production", version
        ),
        confirmed == "yes",
    )


@router.post("/models/{name}/rollback")
def rollback_page(
    request: Request,
    name: str,
    state: State_,
    who: Who,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Point ``production`` back at the version it held before, once confirmed."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        question = (
            f"Point production of {name} back at the version it held before its last "
            "promotion? The move is kept in the history."
        )
        return "Roll production back", question, {}

    return _change(
        request,
        state,
        who,
        csrf_token,
        name,
        ask,
        lambda session, principal: registry.rollback(session, principal, name, "production"),
        confirmed == "yes",
    )
