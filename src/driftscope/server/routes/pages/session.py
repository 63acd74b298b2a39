"""Logging in and out through forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from driftscope.server import db
from driftscope.server.deps import COOKIE, State_, set_session_cookie
from driftscope.server.errors import Throttled
from driftscope.server.routes.pages._common import EXPIRED, LOGIN_COOKIE, Who, form_of, local, page
from driftscope.server.security import new_secret, same
from driftscope.server.services import users

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/models", status_code=303)


@router.get("/login")
def login_form(
    request: Request, next: Annotated[str, Query(max_length=2048)] = "/models"
) -> HTMLResponse:
    token = new_secret()
    response = page(request, "login.html", csrf_token=token, next=local(next), username="")
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
        return page(
            request,
            "login.html",
            403,
            error="The form has expired; log in again.",
            csrf_token=expected or "",
            next=local(next),
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
        return page(
            request,
            "login.html",
            status,
            error=error,
            csrf_token=expected,
            next=local(next),
            username=username,
        )
    response = RedirectResponse(local(next), status_code=303)
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
    if not form_of(who, csrf_token):
        return page(request, "missing.html", 403, who=who, message=EXPIRED)
    with db.transaction(state.writers) as session:
        users.log_out(session, request.cookies[COOKIE])
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
