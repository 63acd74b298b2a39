"""What every route depends on: the shared state, a database session, and who is asking.

Every endpoint but the health check needs a principal: a browser session (cookie) or an API
token (``Authorization: Bearer dsk_...``). A write through a browser session must carry the
session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``); a token is not sent
by a browser on its own, so token requests need none.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from driftscope.server import db
from driftscope.server.errors import Forbidden, Unauthorized
from driftscope.server.models import Role
from driftscope.server.security import same
from driftscope.server.services.users import (
    Principal,
    authenticate_session,
    authenticate_token,
    touch_token,
)
from driftscope.server.settings import ServerSettings
from driftscope.server.state import State

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "Admin",
    "Editor",
    "Id",
    "Limit",
    "Offset",
    "Reader",
    "Session_",
    "State_",
    "get_state",
    "requires",
    "set_session_cookie",
    "text_without_nul",
]

#: The largest id, offset or number a request may give: ids are the store's integers, 32 bits
#: on PostgreSQL (a larger one is refused as invalid, not failed on by the store).
MAX_ID = 2**31 - 1

#: A row's id in a path, and a list's paging.
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]

COOKIE = "driftscope_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE = {"GET", "HEAD", "OPTIONS"}


def set_session_cookie(response: Response, secret: str, settings: ServerSettings) -> None:
    """Start a browser session on ``response``: its secret in an HttpOnly, SameSite=Strict
    cookie (Secure behind TLS), lasting as long as the session."""
    response.set_cookie(
        COOKIE,
        secret,
        max_age=settings.session_seconds,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )


def get_state(request: Request) -> State:
    state: State = request.app.state.driftscope
    return state


State_ = Annotated[State, Depends(get_state)]


def get_session(request: Request, state: State_) -> Iterator[Session]:
    """A session committed when the route returns, rolled back when it raises: a writer for
    a request that may change something, a reader for the others."""
    sessions = state.sessions if request.method in _SAFE else state.writers
    with sessions() as session, session.begin():
        yield session


# Committed before the answer is sent (scope "function"; FastAPI's default ends a dependency
# after it), so a client that acts on an answer finds the change made.
Session_ = Annotated[Session, Depends(get_session, scope="function")]


async def _csrf_given(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def get_principal(request: Request, state: State_) -> Principal:
    authorization = request.headers.get("authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        with state.sessions() as session:
            found = authenticate_token(session, credentials.strip())
        if found is None:
            raise Unauthorized("The API token is unknown, revoked or expired.")
        principal, stale = found
        if stale and principal.token_id is not None:
            with db.transaction(state.writers) as session:
                touch_token(session, principal.token_id)
        return principal
    secret = request.cookies.get(COOKIE)
    if secret:
        with state.sessions() as session:
            from_session = authenticate_session(session, secret)
        if from_session is None:
            raise Unauthorized("The session has ended; log in again.")
        principal = from_session
        if request.method not in _SAFE:
            given = await _csrf_given(request)
            if (
                given is None
                or principal.csrf_token is None
                or not same(given, principal.csrf_token)
            ):
                raise Forbidden(
                    f"A change through a browser session needs its CSRF token (header "
                    f"{CSRF_HEADER} or form field csrf_token)."
                )
        return principal
    raise Unauthorized("Log in, or send an API token (Authorization: Bearer dsk_...).")


def requires(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the principal, refused unless its role is at least ``role``."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        principal.require(role)
        return principal

    return check


Reader = Annotated[Principal, Depends(requires(Role.VIEWER))]
Editor = Annotated[Principal, Depends(requires(Role.EDITOR))]
Admin = Annotated[Principal, Depends(requires(Role.ADMIN))]


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def text_without_nul(request: Request) -> None:
    """Refuse a request whose path, query or form (a file's name included) has a NUL character:
    no page or endpoint means one, and PostgreSQL can neither store nor compare it (a JSON body
    is checked where its fields are: a name refuses control characters)."""
    given: list[tuple[str, str, object]] = [
        *(("path", key, value) for key, value in request.path_params.items()),
        *(("query", key, value) for key, value in request.query_params.multi_items()),
    ]
    if request.headers.get("content-type", "").startswith(_FORMS):
        for key, value in (await request.form()).multi_items():
            given.append(("body", key, value.filename if isinstance(value, UploadFile) else value))
    errors = [
        {
            "type": "value_error",
            "loc": (place, key),
            "msg": "Value must not contain a NUL character (\\x00)",
            "input": value,
        }
        for place, key, value in given
        if isinstance(value, str) and "\x00" in value
    ]
    if errors:
        raise RequestValidationError(errors)
