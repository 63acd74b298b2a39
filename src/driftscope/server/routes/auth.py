"""Logging in and out, who am I, changing one's password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from driftscope.server import db
from driftscope.server.deps import COOKIE, Reader, Session_, State_, set_session_cookie
from driftscope.server.errors import LoginFailed
from driftscope.server.models import Role, User
from driftscope.server.schemas import LoginIn, MeOut, PasswordIn
from driftscope.server.services import users

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
def log_in(body: LoginIn, response: Response, state: State_) -> MeOut:
    """Start a browser session: a cookie, and the CSRF token every change must carry."""
    with db.transaction(state.writers) as session:
        found = users.log_in(session, state.settings, body.username, body.password)
        role = None
        if found is not None:
            user = session.get(User, found[1].user_id)
            role = Role(user.role) if user is not None else None
    if found is None or role is None:
        # One answer whether the name or the password is wrong.
        raise LoginFailed(users.WRONG_LOGIN)
    secret, row = found
    set_session_cookie(response, secret, state.settings)
    return MeOut(username=body.username, role=role, csrf_token=row.csrf_token)


@router.post("/logout", status_code=204)
def log_out(request: Request, response: Response, session: Session_, who: Reader) -> None:
    secret = request.cookies.get(COOKIE)
    if secret:
        users.log_out(session, secret)
    response.delete_cookie(COOKIE, path="/")


@router.get("/me")
def me(who: Reader) -> MeOut:
    return MeOut(username=who.name, role=who.role, csrf_token=who.csrf_token)


@router.post("/password", status_code=204)
def change_password(body: PasswordIn, session: Session_, who: Reader) -> None:
    """Change one's own password; every session of the user ends."""
    users.change_password(session, who, body.current_password, body.new_password)
