"""Users (admin), API tokens (one's own; an admin sees all) and the audit log (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlalchemy import func, select

from driftscope.server.deps import Admin, Id, Limit, Offset, Reader, Session_
from driftscope.server.models import ApiToken, Audit, Role, User
from driftscope.server.schemas import (
    Page,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from driftscope.server.services import users

router = APIRouter(tags=["users"])


@router.get("/users")
def list_users(session: Session_, who: Admin) -> list[UserOut]:
    rows = session.scalars(select(User).order_by(User.id))
    return [UserOut.model_validate(row) for row in rows]


@router.post("/users", status_code=201)
def create_user(body: UserIn, session: Session_, who: Admin) -> UserOut:
    user = users.create_user(
        session, who.actor, body.username, body.password, users.role_of(body.role)
    )
    return UserOut.model_validate(user)


@router.patch("/users/{username}")
def update_user(
    username: Annotated[str, Path(max_length=64)], body: UserPatch, session: Session_, who: Admin
) -> UserOut:
    """Change a user's role or deactivate (reactivate) them. Deactivating ends their sessions
    and refuses their tokens; no admin may demote or deactivate themselves or the last admin."""
    role = users.role_of(body.role) if body.role is not None else None
    return UserOut.model_validate(users.update_user(session, who, username, role, body.active))


@router.get("/tokens")
def list_tokens(session: Session_, who: Reader, mine: bool = False) -> list[TokenOut]:
    """One's own tokens; an admin sees everyone's, unless ``mine``."""
    query = select(ApiToken).order_by(ApiToken.id)
    if who.role != Role.ADMIN or mine:
        query = query.where(ApiToken.user_id == who.user_id)
    return [TokenOut.model_validate(row) for row in session.scalars(query)]


@router.post("/tokens", status_code=201)
def create_token(body: TokenIn, session: Session_, who: Reader) -> TokenCreated:
    """A new token; its secret is in this answer only."""
    secret, token = users.create_token(
        session, who, body.name, users.role_of(body.role), body.expires_at
    )
    return TokenCreated.model_validate(
        {**TokenOut.model_validate(token).model_dump(), "token": secret}
    )


@router.delete("/tokens/{token_id}")
def revoke_token(token_id: Id, session: Session_, who: Reader) -> TokenOut:
    return TokenOut.model_validate(users.revoke_token(session, who, token_id))


@router.get("/audit")
def audit_log(
    session: Session_, who: Admin, offset: Offset = 0, limit: Limit = 100
) -> Page[dict[str, Any]]:
    total = session.scalar(select(func.count()).select_from(Audit)) or 0
    rows = session.scalars(select(Audit).order_by(Audit.id.desc()).offset(offset).limit(limit))
    items = [
        {"at": r.at, "actor": r.actor, "action": r.action, "target": r.target, "detail": r.detail}
        for r in rows
    ]
    return Page(items=items, total=total, offset=offset, limit=limit)
