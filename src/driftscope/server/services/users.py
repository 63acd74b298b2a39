"""Users, logins, browser sessions, API tokens and the audit log.

No built-in password: the first admin's comes from ``DRIFTSCOPE_ADMIN_PASSWORD`` or is generated
and shown once (`ensure_admin`). Logins are throttled per user name. A session or a token is a
random secret held by the client; the store keeps its SHA-256 only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from driftscope.server import security
from driftscope.server.errors import Conflict, Forbidden, Invalid, NotFound, Throttled
from driftscope.server.models import (
    ApiToken,
    Audit,
    LoginFailure,
    Role,
    User,
    UserSession,
    now,
)
from driftscope.server.settings import ServerSettings

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "WRONG_LOGIN",
    "Principal",
    "audit",
    "authenticate_session",
    "authenticate_token",
    "change_password",
    "create_token",
    "create_user",
    "ensure_admin",
    "log_in",
    "log_out",
    "password_problem",
    "revoke_token",
    "role_of",
    "start_session",
    "touch_token",
    "update_user",
]

MIN_PASSWORD_LENGTH = 12
#: One answer to a wrong user name and to a wrong password.
WRONG_LOGIN = "Wrong user name or password."
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a user through a browser session (with its CSRF token) or a
    token (with the token's role, at most its owner's)."""

    user_id: int
    name: str
    role: Role
    csrf_token: str | None = None
    token_id: int | None = None

    @property
    def actor(self) -> str:
        return f"{self.name} (token {self.token_id})" if self.token_id else self.name

    def require(self, needed: Role) -> None:
        if not self.role.may(needed):
            raise Forbidden(f"This needs the {needed} role; {self.actor} has {self.role}.")


def role_of(value: str, field: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        raise Invalid(
            f"The role must be one of {', '.join(r.value for r in Role)}; got {value!r}.",
            field=field,
        ) from None


def audit(session: Session, actor: str, action: str, target: str, **detail: object) -> Audit:
    entry = Audit(at=now(), actor=actor, action=action, target=target, detail=detail)
    session.add(entry)
    return entry


def password_problem(password: str) -> str | None:
    """What is wrong with a new password, or None when it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password needs at least {MIN_PASSWORD_LENGTH} characters; got {len(password)}."
    return None


def _check_password(password: str, field: str = "password") -> None:
    problem = password_problem(password)
    if problem is not None:
        raise Invalid(problem, field=field)


def create_user(session: Session, actor: str, username: str, password: str, role: Role) -> User:
    if not _USERNAME.fullmatch(username):
        raise Invalid(
            "A user name is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter "
            f"or digit; got {username!r}.",
            field="username",
        )
    _check_password(password)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"A user named {username!r} exists already.", field="username")
    user = User(username=username, password_hash=security.hash_password(password), role=role)
    session.add(user)
    session.flush()
    audit(session, actor, "user.create", f"user:{username}", role=str(role))
    return user


def ensure_admin(session: Session, settings: ServerSettings) -> str | None:
    """Create the first admin, ``admin``, when there is no user yet. Its password is
    ``settings.admin_password``, or a generated one, returned (to be shown once); None when
    no admin was created or the password was given."""
    if session.scalar(select(func.count()).select_from(User)):
        return None
    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    password = given or security.new_password()
    create_user(session, "driftscope", "admin", password, Role.ADMIN)
    return None if given else password


def log_in(
    session: Session, settings: ServerSettings, username: str, password: str
) -> tuple[str, UserSession] | None:
    """A new browser session for a user with the right password: its secret (for the cookie)
    and its row; None for a wrong name or password, recorded (so the caller commits, then
    refuses with `WRONG_LOGIN`). Too many failures in the window: `Throttled`."""
    since = now() - timedelta(seconds=settings.login_window_seconds)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= since)
    )
    if (failures or 0) >= settings.login_attempts:
        raise Throttled(
            f"Too many failed logins for {username!r}; try again in "
            f"{settings.login_window_seconds} seconds."
        )
    user = session.scalar(select(User).where(User.username == username, User.active))
    # Verify against a hash even for an unknown name, so the answer takes as long either way.
    known = user.password_hash if user is not None else _unknown_hash()
    if not security.verify_password(known, password) or user is None:
        session.add(LoginFailure(username=username))
        return None
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user.last_login_at = audit(session, username, "login", f"user:{username}").at
    return start_session(session, settings, user.id)


def start_session(
    session: Session, settings: ServerSettings, user_id: int
) -> tuple[str, UserSession]:
    """A new browser session of a user: its secret (for the cookie) and its row."""
    secret = security.new_secret()
    row = UserSession(
        secret_hash=security.hash_secret(secret),
        csrf_token=security.new_secret(),
        user_id=user_id,
        expires_at=now() + timedelta(seconds=settings.session_seconds),
    )
    session.add(row)
    return secret, row


_UNKNOWN: list[str] = []


def _unknown_hash() -> str:
    if not _UNKNOWN:
        _UNKNOWN.append(security.hash_password(security.new_secret()))
    return _UNKNOWN[0]


def log_out(session: Session, secret: str) -> None:
    session.execute(
        delete(UserSession).where(UserSession.secret_hash == security.hash_secret(secret))
    )


def authenticate_session(session: Session, secret: str) -> Principal | None:
    row = session.scalar(
        select(UserSession).where(UserSession.secret_hash == security.hash_secret(secret))
    )
    if row is None or row.expires_at <= now():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return Principal(user.id, user.username, Role(user.role), csrf_token=row.csrf_token)


#: A token's last use is recorded at most this often, so that a busy client does not turn
#: every read into a write.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def authenticate_token(session: Session, secret: str) -> tuple[Principal, bool] | None:
    """The principal of an API token that is neither revoked nor expired, and whether its
    recorded last use is older than `TOKEN_USE_RESOLUTION` (then the caller records it with
    `touch_token`)."""
    token = session.scalar(
        select(ApiToken).where(ApiToken.secret_hash == security.hash_secret(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now():
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    # A token never has more rights than its owner has now.
    role = min(Role(token.role), Role(user.role), key=lambda r: r.rank)
    stale = token.last_used_at is None or token.last_used_at < now() - TOKEN_USE_RESOLUTION
    return Principal(user.id, user.username, role, token_id=token.id), stale


def touch_token(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now()))


#: Characters no name may have: they cannot be shown, and PostgreSQL stores no NUL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def create_token(
    session: Session,
    principal: Principal,
    name: str,
    role: Role,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """A new token for the principal's user, at most with the principal's role, refused from
    ``expires_at`` on (None: never): the secret (shown once) and its row."""
    if not name.strip() or len(name) > 128:
        raise Invalid("A token needs a name of 1 to 128 characters.", field="name")
    if _CONTROL.search(name):
        raise Invalid(
            f"A token's name may not contain control characters (such as NUL); got {name!r}.",
            field="name",
        )
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)  # the store's times are UTC
    if expires_at is not None and expires_at <= now():
        raise Invalid(
            "A token's expiry must be in the future; got "
            f"{expires_at.isoformat(timespec='seconds')}.",
            field="expires_at",
        )
    if not principal.role.may(role):
        raise Forbidden(
            f"A token may not have more rights than its maker: {principal.actor} is "
            f"{principal.role}, the token asks for {role}.",
        )
    secret = security.new_token()
    token = ApiToken(
        name=name,
        secret_hash=security.hash_secret(secret),
        prefix=secret[:10],
        role=role,
        user_id=principal.user_id,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    expiry = expires_at.isoformat(timespec="seconds") if expires_at else None
    audit(
        session,
        principal.actor,
        "token.create",
        f"token:{token.id}",
        name=name,
        role=str(role),
        expires_at=expiry,
    )
    return secret, token


def revoke_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    """Revoke a token: one's own, or any as an admin. One revoked already: `Conflict`."""
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != principal.user_id and principal.role != Role.ADMIN):
        raise NotFound(f"No token {token_id}.")
    if token.revoked_at is not None:
        raise Conflict(
            f"Token {token.id} ({token.name!r}) was revoked already, at "
            f"{token.revoked_at.isoformat(timespec='seconds')}."
        )
    token.revoked_at = now()
    audit(session, principal.actor, "token.revoke", f"token:{token.id}")
    return token


def change_password(session: Session, principal: Principal, current: str, new: str) -> None:
    """Change the principal's password; every session of the user ends (a page that goes on
    for the user starts a new one, `start_session`)."""
    user = session.get(User, principal.user_id)
    if user is None or not security.verify_password(user.password_hash, current):
        raise Invalid("The current password is wrong.", field="current_password")
    _check_password(new, "new_password")
    user.password_hash = security.hash_password(new)
    # Every other session of the user ends.
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit(session, principal.actor, "user.password", f"user:{user.username}")


def update_user(
    session: Session,
    principal: Principal,
    username: str,
    role: Role | None = None,
    active: bool | None = None,
) -> User:
    """Change a user's role, or deactivate or reactivate them (an admin's doing). A deactivated
    user's sessions end and their tokens are refused until they are active again. No admin may
    demote or deactivate themselves, nor the last active admin: the store always keeps one."""
    principal.require(Role.ADMIN)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user named {username!r}.")
    demoted = role is not None and role != Role.ADMIN and user.role == Role.ADMIN
    deactivated = active is False and user.active
    if (demoted or deactivated) and user.id == principal.user_id:
        raise Forbidden(
            f"An admin may not {'demote' if demoted else 'deactivate'} themselves; "
            "another admin can.",
            field="role" if demoted else "active",
        )
    if (demoted or deactivated) and user.role == Role.ADMIN and user.active:
        # Every active admin's row is locked, so that two admins demoting each other at once
        # cannot both succeed: the second waits, then finds the first's change (on SQLite a
        # write transaction holds the whole store already).
        admins = session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.active).with_for_update()
        ).all()
        if not set(admins) - {user.id}:
            raise Conflict(
                f"{username!r} is the last active admin; make another user an admin first.",
                field="role" if demoted else "active",
            )
    if role is not None and role != user.role:
        audit(
            session, principal.actor, "user.role", f"user:{username}", role=str(role), was=user.role
        )
        user.role = role
    if active is not None and active != user.active:
        user.active = active
        if not active:
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
        action = "user.activate" if active else "user.deactivate"
        audit(session, principal.actor, action, f"user:{username}")
    session.flush()
    return user
