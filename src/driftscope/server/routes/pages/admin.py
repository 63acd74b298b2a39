"""Administration, for admins only: users and their roles, everyone's API tokens, the settings
the server runs with, and the audit log. The pages read through the REST API's own functions
and change through the same service functions, so the page and the API cannot disagree."""

from __future__ import annotations

import ast
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import SecretStr, ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from driftscope.server import db
from driftscope.server.deps import MAX_ID, Id, State_
from driftscope.server.errors import ServiceError
from driftscope.server.models import Role
from driftscope.server.routes import users as user_routes
from driftscope.server.routes.pages._common import Who, allowed, change, page
from driftscope.server.routes.pages.account import revoke, tokens
from driftscope.server.services import users
from driftscope.server.services.users import Principal
from driftscope.server.settings import ServerSettings

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def users_page(request: Request, state: State_, who: Who) -> Response:
    me = allowed(request, who, Role.ADMIN)
    if isinstance(me, Response):
        return me
    return _users(request, state, me)


def _users(
    request: Request,
    state: State_,
    who: Principal,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    with state.sessions() as session:
        listed = user_routes.list_users(session, who)
    return page(
        request,
        "users.html",
        status,
        who=who,
        active="admin-users",
        users=listed,
        roles=list(Role),
        errors=errors or {},
        form=form or {"username": "", "role": Role.VIEWER},
        min_length=users.MIN_PASSWORD_LENGTH,
    )


@router.post("/admin/users")
def create_user_page(
    request: Request,
    state: State_,
    who: Who,
    username: Annotated[str, Form(max_length=1024)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Add a user with a role and a first password (which they can change on their account
    page)."""
    me = allowed(request, who, Role.ADMIN, csrf_token)
    if isinstance(me, Response):
        return me
    form = {"username": username, "role": role}
    errors: dict[str, str] = {}
    problem = users.password_problem(password)
    if problem is not None:
        errors["password"] = problem
    try:
        chosen = users.role_of(role)
    except ServiceError as refused:
        errors["role"] = str(refused)
    if errors:
        return _users(request, state, me, 422, errors, form)
    try:
        with db.transaction(state.writers) as session:
            users.create_user(session, me.actor, username, password, chosen)
    except ServiceError as refused:
        return _users(request, state, me, refused.status, {refused.field or "": str(refused)}, form)
    return RedirectResponse("/admin/users", status_code=303)


def _update(
    request: Request,
    state: State_,
    who: Principal | None,
    username: str,
    csrf_token: str,
    confirmed: bool,
    ask: Callable[[Principal], tuple[str, str, dict[str, str]]],
    role: str | None = None,
    active: bool | None = None,
) -> Response:
    """A user changed (``role`` a role's name, checked here) once confirmed."""
    return change(
        request,
        state,
        who,
        csrf_token,
        "",
        ask,
        lambda session, principal: users.update_user(
            session, principal, username, None if role is None else users.role_of(role), active
        ),
        confirmed,
        needed=Role.ADMIN,
        back="/admin/users",
    )


@router.post("/admin/users/{username}/role")
def role_page(
    request: Request,
    state: State_,
    who: Who,
    username: str,
    role: Annotated[str, Form(max_length=16)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Give a user another role, once confirmed."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        chosen = users.role_of(role)
        question = (
            f"Make {username} {'a' if chosen == Role.VIEWER else 'an'} {chosen}? Their sessions "
            "and tokens take the new role at once (a token never has more than its owner)."
        )
        return "Change the role", question, {"role": str(chosen)}

    return _update(request, state, who, username, csrf_token, confirmed == "yes", ask, role)


#: Deactivating and reactivating a user: whether it leaves them active, its confirmation's
#: heading, and its question (of the user's name).
_ACTIVATIONS = {
    "deactivate": (
        False,
        "Deactivate the user",
        "Deactivate {}? They are logged out everywhere, cannot log in, and their API tokens are "
        "refused until they are reactivated.",
    ),
    "activate": (
        True,
        "Reactivate the user",
        "Reactivate {}? They can log in again, and their tokens that are not revoked or "
        "expired work again.",
    ),
}


@router.post("/admin/users/{username}/{activation}")
def activation_page(
    request: Request,
    state: State_,
    who: Who,
    username: str,
    activation: Literal["deactivate", "activate"],
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Deactivate a user (their sessions end, their tokens are refused) or reactivate them,
    once confirmed."""
    active, heading, question = _ACTIVATIONS[activation]
    return _update(
        request,
        state,
        who,
        username,
        csrf_token,
        confirmed == "yes",
        lambda principal: (heading, question.format(username), {}),
        active=active,
    )


@router.get("/admin/tokens")
def all_tokens_page(request: Request, state: State_, who: Who) -> Response:
    me = allowed(request, who, Role.ADMIN)
    if isinstance(me, Response):
        return me
    return tokens(request, state, me, everyone=True)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_any_token_page(
    request: Request,
    state: State_,
    who: Who,
    token_id: Id,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    return revoke(request, state, who, token_id, csrf_token, confirmed == "yes", everyone=True)


@dataclass(frozen=True)
class SettingRow:
    """One setting as the server runs with it: its value as shown (secrets hidden), where the
    value comes from, and what the setting means."""

    name: str
    value: str
    source: str
    meaning: str


#: How a secret setting is shown.
HIDDEN = "set (hidden)"


def setting_meanings() -> dict[str, str]:
    """Each setting's ``#:`` comment in `ServerSettings`'s source, as Sphinx reads them."""
    source = inspect.getsource(ServerSettings)
    lines = source.splitlines()
    meanings: dict[str, str] = {}
    (body,) = ast.parse(source).body
    assert isinstance(body, ast.ClassDef)
    for statement in body.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            comment: list[str] = []
            at = statement.lineno - 2
            while at >= 0 and lines[at].strip().startswith("#:"):
                comment.insert(0, lines[at].strip().removeprefix("#:").strip())
                at -= 1
            meanings[statement.target.id] = " ".join(comment)
    return meanings


def _shown(name: str, value: Any, settings: ServerSettings) -> str:
    if isinstance(value, SecretStr):
        return HIDDEN
    if name == "database_url":
        try:
            url = make_url(settings.url).render_as_string(hide_password=True)
        except ArgumentError:
            url = "(not a URL)"
        return url if value else f"{url} (a SQLite file in the data directory)"
    return "not set" if value is None else str(value)


def setting_rows(settings: ServerSettings) -> list[SettingRow]:
    """The settings the server runs with, each with where its value comes from: the default, a
    ``DRIFTSCOPE_*`` environment variable, or an option the server was started with."""
    try:
        from_environment: ServerSettings | None = ServerSettings()
    except ValidationError:  # a variable an option overrode may not be valid on its own
        from_environment = None
    environment = {key.upper() for key in os.environ}
    meanings = setting_meanings()
    rows = []
    for name in ServerSettings.model_fields:
        value = getattr(settings, name)
        variable = f"DRIFTSCOPE_{name.upper()}"
        if name not in settings.model_fields_set:
            source = "default"
        elif variable in environment and (
            from_environment is None or getattr(from_environment, name) == value
        ):
            source = f"environment variable {variable}"
        else:
            source = "option of driftscope serve"
        rows.append(SettingRow(name, _shown(name, value, settings), source, meanings[name]))
    return rows


@router.get("/admin/settings")
def settings_page(request: Request, state: State_, who: Who) -> Response:
    """The settings the server runs with, read-only: they are changed where they are given
    (environment, options) and the server restarted."""
    me = allowed(request, who, Role.ADMIN)
    if isinstance(me, Response):
        return me
    rows = setting_rows(state.settings)
    return page(request, "settings.html", who=me, active="admin-settings", rows=rows)


#: Entries on a page of the audit log.
AUDIT_PER_PAGE = 50


@router.get("/admin/audit")
def audit_page(
    request: Request,
    state: State_,
    who: Who,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Response:
    """Every change, newest first, a page at a time."""
    me = allowed(request, who, Role.ADMIN)
    if isinstance(me, Response):
        return me
    with state.sessions() as session:
        entries = user_routes.audit_log(session, me, offset, AUDIT_PER_PAGE)
    return page(request, "audit.html", who=me, active="admin-audit", entries=entries)
