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
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from driftscope.server import db
from driftscope.server.deps import COOKIE, State_
from driftscope.server.errors import ServiceError
from driftscope.server.models import Role
from driftscope.server.routes.pages._format import FILTERS
from driftscope.server.security import same
from driftscope.server.services import users
from driftscope.server.services.users import Principal

TEMPLATES = Jinja2Templates(
    directory=str(resources.files("driftscope.server").joinpath("templates"))
)
TEMPLATES.env.filters.update(FILTERS)
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
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


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
