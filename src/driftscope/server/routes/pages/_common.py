"""What every page shares: the templates, the security headers, who is logged in, the CSRF check
of a posted form, and a confirmed change.

A page needs a browser session; without one it sends the browser to the login page, which comes
back to the page after. Every form carries a CSRF token: the session's, or, on the login form
(there is no session yet), one kept in a cookie of its own and compared with the form's. Every
page says with a Content-Security-Policy that it loads nothing from outside the server.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Match

from driftscope.server import db
from driftscope.server.deps import COOKIE, State_, get_state
from driftscope.server.errors import ServiceError
from driftscope.server.models import Role
from driftscope.server.routes.pages._format import FILTERS
from driftscope.server.security import same
from driftscope.server.services import alerts, users
from driftscope.server.services.users import Principal

TEMPLATES = Jinja2Templates(
    directory=str(resources.files("driftscope.server").joinpath("templates"))
)
TEMPLATES.env.filters.update(FILTERS)


def firing_alerts(request: Request) -> int:
    """How many alerts are firing over every model: the menu's count (one query, made only
    when a whole page is drawn, not for the fragments htmx polls)."""
    state = get_state(request)
    with state.sessions() as session:
        return alerts.firing_count(session)


TEMPLATES.env.globals["firing_alerts"] = firing_alerts
#: The login form's CSRF token, before there is a session to hold one.
LOGIN_COOKIE = "driftscope_login"
#: What every page may load: its own server's files, nothing else.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def who_of(request: Request, state: State_) -> Principal | None:
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    with state.sessions() as session:
        return users.authenticate_session(session, secret)


Who = Annotated[Principal | None, Depends(who_of)]


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(
        request, template, {"who": None, **context}, status_code=status_code
    )
    response.headers.update(SECURITY_HEADERS)
    return response


EXPIRED = "The form has expired; reload the page."


#: Whether a content type is a form's.
def form_of(who: Principal, csrf_token: str) -> bool:
    """Whether a posted form carries its session's CSRF token."""
    return who.csrf_token is not None and same(csrf_token, who.csrf_token)


def allowed(
    request: Request, who: Principal | None, needed: Role, csrf_token: str | None = None
) -> Principal | Response:
    """The one logged in, when they may see this page (or, given the form's ``csrf_token``,
    post this form); else the page that refuses them: the login page without a session, a 403
    page to a role below ``needed`` or to a form without its session's CSRF token."""
    if who is None:
        return to_login(request)
    if not who.role.may(needed):
        message = (
            "Your role may only read."
            if needed == Role.EDITOR
            else f"This needs the {needed} role; you are {who.role}."
        )
        return page(request, "missing.html", 403, who=who, heading="Not allowed", message=message)
    if csrf_token is not None and not form_of(who, csrf_token):
        return page(request, "missing.html", 403, who=who, heading="Not allowed", message=EXPIRED)
    return who


def to_login(request: Request) -> RedirectResponse:
    """To the login page, and back after: to this page, or for a posted form (whose path is
    no page to come back to) to the page the form was on."""
    if request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        target = form_page(request)
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


#: Paths that answer JSON (or files), never an HTML page.
JSON_PREFIXES = ("/api/", "/static/", "/health", "/metrics")


def is_page_request(path: str) -> bool:
    """Whether a request to ``path`` is answered by the pages (HTML), its refusals too, rather
    than as JSON: all but the REST API, the static files, the health checks, the Prometheus
    scrape and the JSON the
    pages fetch or offer for download (a path ending in ``.json``). Decided by the path alone,
    never by guessing from the Accept header."""
    return not (path.startswith(JSON_PREFIXES) or path == "/api" or path.endswith(".json"))


def is_page_path(routes: list[BaseRoute], path: str) -> bool:
    """Whether ``path`` is a page among ``routes`` (an app's): an HTML route a browser GETs."""
    scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
    return is_page_request(path) and any(route.matches(scope)[0] is Match.FULL for route in routes)


def form_page(request: Request) -> str:
    """The page a form sent to this request's path was on: the Referer when it is a page of
    this server (with its query, such as a dashboard's time range), else the nearest page
    above the path (``/models/x/promote`` -> ``/models/x``)."""
    referer = urlsplit(request.headers.get("referer", ""))
    same_site = (referer.scheme, referer.netloc) == (request.url.scheme, request.url.netloc)
    if same_site and is_page_path(request.app.routes, referer.path):
        return local(referer.path + (f"?{referer.query}" if referer.query else ""))
    path = request.url.path.rstrip("/")
    while path:
        if is_page_path(request.app.routes, path):
            return path
        path = path.rpartition("/")[0]
    return "/models"


def local(target: str) -> str:
    """Where to go after logging in: a path of this server only (never another site)."""
    if target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/models"


def change(
    request: Request,
    state: State_,
    who: Principal | None,
    csrf_token: str,
    name: str,
    ask: Callable[[Principal], tuple[str, str, dict[str, str]]],
    make: Callable[[Session, Principal], object],
    confirmed: bool,
    *,
    needed: Role = Role.EDITOR,
    back: str | None = None,
) -> Response:
    """A change from a form: logged in, at least the ``needed`` role, the session's CSRF token,
    and confirmed on a page of its own (``ask`` gives its heading, question and the form's
    fields) before ``make`` runs; then back to ``back`` (by default the model's page). A refusal
    is shown as a page."""
    me = allowed(request, who, needed, csrf_token)
    if isinstance(me, Response):
        return me
    who = me
    back = back or f"/models/{quote(name)}"
    try:
        if not confirmed:
            heading, question, fields = ask(who)
            return page(
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
        return page(
            request,
            "missing.html",
            refused.status,
            who=who,
            heading=refused.title,
            message=str(refused),
        )
    return RedirectResponse(back, status_code=303)
