"""The service: `create_app` builds the FastAPI application from its settings (nothing happens at
import), opens and migrates the store, creates the first admin when there is none, and runs the
analysis worker in the process unless told not to.

Every error is an RFC 9457 problem (``application/problem+json``) naming the field at fault; no
traceback reaches a client.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from driftscope._version import __version__
from driftscope.server import db
from driftscope.server.deps import text_without_nul
from driftscope.server.errors import ServiceError, TooLarge
from driftscope.server.routes import (
    alerts,
    auth,
    ingest,
    metrics,
    models,
    notifiers,
    pages,
    runs,
    users,
)
from driftscope.server.routes.pages import problems
from driftscope.server.services.users import ensure_admin
from driftscope.server.settings import ServerSettings
from driftscope.server.state import State, open_state
from driftscope.server.worker import make_worker

__all__ = ["API", "create_app"]

API = "/api/v1"
PROBLEM = "application/problem+json"
log = logging.getLogger("driftscope.server")


def _problem(status: int, title: str, detail: str, instance: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body |= {"instance": instance, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _validation_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            # FastAPI puts the position where the field goes: ("body", 12).
            where = [part for part in error.get("loc", ()) if isinstance(part, int)]
            reason = (error.get("ctx") or {}).get("error") or "JSON decode error"
            at = f" at character {where[0]}" if where else ""
            errors.append({"field": "body", "detail": f"not valid JSON: {reason}{at}"})
            continue
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        errors.append({"field": ".".join(location) or "body", "detail": str(error.get("msg"))})
    return errors


def _handlers(app: FastAPI) -> None:
    # A page's refusal is a page (`routes.pages.problems` says which paths are pages); the
    # handlers are plain functions, run in a thread, since a page reads who is logged in.
    @app.exception_handler(ServiceError)
    def service_error(request: Request, exc: ServiceError) -> Response:
        if problems.is_page_request(request.url.path):
            return problems.error_page(request, exc.status, exc.title, str(exc))
        return JSONResponse(
            exc.problem(request.url.path), status_code=exc.status, media_type=PROBLEM
        )

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if problems.is_page_request(request.url.path):
            return problems.validation_page(request, exc)
        errors = _validation_errors(exc)
        detail = "; ".join(f"{e['field']}: {e['detail']}" for e in errors[:5])
        return _problem(422, "Invalid input", detail, request.url.path, errors=errors)

    @app.exception_handler(HTTPException)
    def http_error(request: Request, exc: HTTPException) -> Response:
        if problems.is_page_request(request.url.path):
            return problems.http_error_page(request, exc.status_code, str(exc.detail), exc.headers)
        return _problem(exc.status_code, str(exc.detail), str(exc.detail), request.url.path)

    @app.exception_handler(Exception)
    def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if problems.is_page_request(request.url.path):
            return problems.server_error_page(request)
        return _problem(
            500,
            "Internal error",
            "The server failed on this request; the error is in its log.",
            request.url.path,
        )


class BodyLimit:
    """Refuse a request whose body is larger than ``limit`` bytes, by its Content-Length or,
    when it is sent in chunks, as soon as more has arrived."""

    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        too_large = TooLarge(
            f"The request body is larger than the limit of {limit:,} bytes "
            "(DRIFTSCOPE_MAX_UPLOAD_BYTES)."
        )
        if length is not None and length.isdigit() and int(length) > limit:
            await _send_too_large(scope, send, too_large, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise too_large
            return message

        async def guarded(message: Message) -> None:
            # What the app answers once the body went past the limit is dropped: a body parser
            # that catches the error (Starlette's form parser: "error parsing the body", 400)
            # must not hide the 413.
            nonlocal started
            if exceeded and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            # Past the limit, whatever the app failed with follows from the cut body.
            if not exceeded:
                raise
        if exceeded and not started:
            await _send_too_large(scope, send, too_large, limit)


async def _send_problem(scope: Scope, send: Send, exc: ServiceError) -> None:
    response = JSONResponse(exc.problem(scope.get("path", "")), exc.status, media_type=PROBLEM)
    await response(scope, _no_receive, send)


async def _send_too_large(scope: Scope, send: Send, exc: TooLarge, limit: int) -> None:
    """The 413: a page for a page's form (which upload, its size and the limit), else the
    problem."""
    if not problems.is_page_request(scope.get("path", "")):
        await _send_problem(scope, send, exc)
        return
    request = Request(scope)
    length = request.headers.get("content-length", "")
    size = int(length) if length.isdigit() else None
    response = await run_in_threadpool(problems.too_large_page, request, limit, size)
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def create_app(settings: ServerSettings, state: State | None = None) -> FastAPI:
    """The application. ``state`` is opened from ``settings`` at start unless given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        opened = state or open_state(settings)
        with db.transaction(opened.writers) as session:
            password = ensure_admin(session, settings)
        if password is not None:
            # Shown once, never stored in the clear: the operator must keep it now.
            print(
                "driftscope: created the first admin, user 'admin', password "
                f"{password}\n  (shown once; change it after logging in, or set "
                "DRIFTSCOPE_ADMIN_PASSWORD before the first start)",
                file=sys.stderr,
                flush=True,
            )
        app.state.driftscope = opened
        worker = make_worker(opened) if settings.worker else None
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop(timeout=30)
            if state is None:
                opened.engine.dispose()

    app = FastAPI(
        title="driftscope",
        version=__version__,
        lifespan=lifespan,
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
    )
    _handlers(app)
    routers = (auth, users, models, runs, ingest, alerts, notifiers)
    for router in (module.router for module in routers):
        app.include_router(router, prefix=API, dependencies=[Depends(text_without_nul)])

    app.include_router(metrics.router)
    app.include_router(pages.router)
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("driftscope.server").joinpath("static"))),
        name="static",
    )

    @app.get(f"{API}/health", tags=["health"])
    def health() -> dict[str, str]:
        """Is the service up (no login needed; says nothing else)."""
        return {"status": "ok"}

    app.add_middleware(BodyLimit, limit=lambda: settings.max_upload_bytes)
    return app
