"""What a service function refuses, each with the HTTP status and the RFC 9457 problem it
becomes (`app.py` turns them into ``application/problem+json``). ``field`` names the request
field at fault, where there is one."""

from __future__ import annotations

from typing import Any

from driftscope.exceptions import DriftscopeError

__all__ = [
    "Conflict",
    "Forbidden",
    "Invalid",
    "LoginFailed",
    "NotFound",
    "ServiceError",
    "Throttled",
    "TooLarge",
    "Unauthorized",
]


class ServiceError(DriftscopeError):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    def problem(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.field is not None:
            body["errors"] = [{"field": self.field, "detail": self.detail}]
        return body


class Invalid(ServiceError, ValueError):
    status = 422
    title = "Invalid input"


class Unauthorized(ServiceError):
    status = 401
    title = "Login required"


class LoginFailed(Unauthorized):
    title = "Login failed"


class Forbidden(ServiceError):
    status = 403
    title = "Not allowed"


class NotFound(ServiceError, LookupError):
    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class TooLarge(ServiceError):
    status = 413
    title = "Too large"


class Throttled(ServiceError):
    status = 429
    title = "Too many attempts"
