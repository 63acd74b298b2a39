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
from driftscope.server.security import same
from driftscope.server.services import users
from driftscope.server.services.users import Principal

TEMPLATES = Jinja2Templates(
    directory=str(resources.files("driftscope.server").joinpath("templates"))
)
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


def refusal(request: Request, who: Principal, csrf_token: str) -> Response | None:
    """The page refusing a posted change: to a viewer, or without the session's CSRF token;
    None when the change may go ahead."""
    if not who.role.may(Role.EDITOR):
        return page(request, "missing.html", 403, who=who, message="Your role may only read.")
    if not form_of(who, csrf_token):
        return page(request, "missing.html", 403, who=who, message=EXPIRED)
    return None


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
) -> Response:
    """A change from a form: logged in, an editor, the session's CSRF token, and confirmed on a
    page of its own (``ask`` gives its heading, question and the form's fields) before ``make``
    runs; then back to the model's page. A refusal is shown as a page."""
    if who is None:
        return to_login(request)
    back = f"/models/{quote(name)}"
    stop = refusal(request, who, csrf_token)
    if stop is not None:
        return stop
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
        return page(request, "missing.html", refused.status, who=who, message=str(refused))
    return RedirectResponse(back, status_code=303)
