"""One's own account: changing one's password, and one's API tokens (made, shown once, revoked).

An admin sees everyone's tokens on `/admin/tokens` (`routes.pages.admin`), drawn by the same
page as one's own here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from driftscope.server import db
from driftscope.server.deps import Id, State_, set_session_cookie
from driftscope.server.errors import Invalid, NotFound, ServiceError
from driftscope.server.models import Role, now
from driftscope.server.routes import users as user_routes
from driftscope.server.routes.pages._common import Who, allowed, change, page
from driftscope.server.schemas import TokenCreated, TokenOut
from driftscope.server.services import users
from driftscope.server.services.users import Principal

router = APIRouter(include_in_schema=False)

MISMATCH = "The two new passwords differ; type the same password twice."


@router.get("/account")
def account_page(request: Request, who: Who, changed: bool = False) -> Response:
    me = allowed(request, who, Role.VIEWER)
    if isinstance(me, Response):
        return me
    return _account(request, me, changed=changed)


def _account(
    request: Request,
    who: Principal,
    status: int = 200,
    errors: dict[str, str] | None = None,
    changed: bool = False,
) -> Response:
    return page(
        request,
        "account.html",
        status,
        who=who,
        active="account",
        errors=errors or {},
        changed=changed,
        min_length=users.MIN_PASSWORD_LENGTH,
    )


@router.post("/account/password")
def change_password_page(
    request: Request,
    state: State_,
    who: Who,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat_password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Change one's password. Every session of the user ends, on other browsers too; this
    browser goes on in a new session. A wrong field is told next to it (a password is never
    sent back)."""
    me = allowed(request, who, Role.VIEWER, csrf_token)
    if isinstance(me, Response):
        return me
    errors: dict[str, str] = {}
    problem = users.password_problem(new_password)
    if problem is not None:
        errors["new_password"] = problem
    if new_password != repeat_password:
        errors["repeat_password"] = MISMATCH
    if not current_password:
        errors["current_password"] = "Type your current password."
    if errors:
        return _account(request, me, 422, errors)
    try:
        with db.transaction(state.writers) as session:
            users.change_password(session, me, current_password, new_password)
            secret, _ = users.start_session(session, state.settings, me.user_id)
    except ServiceError as refused:
        return _account(request, me, refused.status, {refused.field or "": str(refused)})
    response = RedirectResponse("/account?changed=true", status_code=303)
    set_session_cookie(response, secret, state.settings)
    return response


@router.get("/account/tokens")
def tokens_page(request: Request, state: State_, who: Who) -> Response:
    me = allowed(request, who, Role.VIEWER)
    if isinstance(me, Response):
        return me
    return tokens(request, state, me, everyone=False)


def tokens(
    request: Request,
    state: State_,
    who: Principal,
    everyone: bool,
    status: int = 200,
    created: TokenCreated | None = None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The tokens page: one's own (``everyone`` off) or everyone's, with their owners, and the
    form to make one; ``created`` is a token just made, its secret shown this once."""
    with state.sessions() as session:
        listed = user_routes.list_tokens(session, who, mine=not everyone)
        owners = (
            {user.id: user for user in user_routes.list_users(session, who)} if everyone else {}
        )
    return page(
        request,
        "tokens.html",
        status,
        who=who,
        active="admin-tokens" if everyone else "account",
        everyone=everyone,
        tokens=sorted(listed, key=lambda token: token.id, reverse=True),
        owners=owners,
        created=created,
        errors=errors or {},
        form=form or {"name": "", "role": Role.VIEWER, "expires_on": ""},
        roles=[role for role in Role if who.role.may(role)],
        now=now(),
        token_status=token_status,
        today=now().date().isoformat(),
    )


def token_status(token: TokenOut, at: datetime, owner_active: bool = True) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= at:
        return "expired"
    return "active" if owner_active else "disabled"


def _expiry(given: str) -> datetime | None:
    """The start (UTC) of the day a token expires on; None for none."""
    if not given.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(given.strip()), time(), UTC)
    except ValueError:
        raise Invalid(
            f"The expiry must be a date (YYYY-MM-DD), or empty for none; got {given!r}.",
            field="expires_at",
        ) from None


#: The form's name for a field a service names otherwise.
_FORM_FIELD = {"expires_at": "expires_on"}


@router.post("/account/tokens")
def create_token_page(
    request: Request,
    state: State_,
    who: Who,
    name: Annotated[str, Form(max_length=1024)] = "",
    role: Annotated[str, Form(max_length=16)] = "viewer",
    expires_on: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Make a token of one's own and show its secret, this once: the answer is not stored by
    the browser (``Cache-Control: no-store``) and the store keeps only the secret's hash."""
    me = allowed(request, who, Role.VIEWER, csrf_token)
    if isinstance(me, Response):
        return me
    form = {"name": name, "role": role, "expires_on": expires_on}
    try:
        expires_at = _expiry(expires_on)
        with db.transaction(state.writers) as session:
            secret, token = users.create_token(session, me, name, users.role_of(role), expires_at)
            created = TokenCreated.model_validate(
                {**TokenOut.model_validate(token).model_dump(), "token": secret}
            )
    except ServiceError as refused:
        field = _FORM_FIELD.get(refused.field or "", refused.field or "role")
        return tokens(
            request, state, me, False, refused.status, errors={field: str(refused)}, form=form
        )
    return tokens(request, state, me, False, 201, created=created)


def revoke(
    request: Request,
    state: State_,
    who: Principal | None,
    token_id: int,
    csrf_token: str,
    confirmed: bool,
    everyone: bool,
) -> Response:
    """Revoke a token once confirmed, then back to the tokens page it was revoked from."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        with state.sessions() as session:
            listed = user_routes.list_tokens(session, principal)
        found = [token for token in listed if token.id == token_id]
        if not found:
            raise NotFound(f"No token {token_id}.")
        question = (
            f"Revoke token {token_id} ({found[0].name!r}, {found[0].prefix}...)? Every request "
            "that sends it is refused from now on; this cannot be undone."
        )
        return "Revoke the token", question, {}

    return change(
        request,
        state,
        who,
        csrf_token,
        "",
        ask,
        lambda session, principal: users.revoke_token(session, principal, token_id),
        confirmed,
        needed=Role.ADMIN if everyone else Role.VIEWER,
        back="/admin/tokens" if everyone else "/account/tokens",
    )


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token_page(
    request: Request,
    state: State_,
    who: Who,
    token_id: Id,
    csrf_token: Annotated[str, Form(max_length=256)] = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    return revoke(request, state, who, token_id, csrf_token, confirmed == "yes", everyone=False)
