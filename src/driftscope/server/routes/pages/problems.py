"""Refusals as pages: what the app answers a browser when a request to a page is malformed (a
path or query parameter, a form field), goes nowhere (404), uses the wrong method (405), is too
large (413), or fails in the server (500).

Which requests get a page rather than the REST API's JSON problem is decided by the path alone
(`is_page_request`), never by guessing from the Accept header: everything is a page but the REST
API (``/api/``), the static files (``/static/``), the health checks (``/health...``) and the
JSON files the pages fetch or offer for download (a path ending in ``.json``). Every refusal
keeps its status code and names the parameter or field at fault with what was expected.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from fastapi import Request
from fastapi import params as fastapi_params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from starlette.routing import Match

from driftscope.server.routes.pages import ROUTES
from driftscope.server.routes.pages._common import form_page, is_page_request, page, who_of
from driftscope.server.services.users import Principal

__all__ = [
    "error_page",
    "http_error_page",
    "is_page_request",
    "server_error_page",
    "too_large_page",
    "validation_page",
]

log = logging.getLogger("driftscope.server")

#: Where a parameter comes from, as a page names it.
_PLACES = {
    "path": "The address's part",
    "query": "The address's parameter",
    "body": "The form field",
    "cookie": "The cookie",
    "header": "The header",
}
#: The longest piece of the user's input a message repeats.
_SHOWN = 60
#: Fields whose value a message never repeats (nor any whose name has "password").
_SECRETS = frozenset({"csrf_token", "token", "stage"})


def _who(request: Request) -> Principal | None:
    """Who is logged in, for the page's header; None when that cannot be told (an error page
    must render even when the store is what failed)."""
    try:
        return who_of(request, request.app.state.driftscope)
    except Exception:  # the page is the answer to another failure: it must render
        log.warning("the error page of %s could not read the session", request.url.path)
        return None


def error_page(
    request: Request,
    status: int,
    heading: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    *,
    back: str | None = None,
    known_user: bool = True,
) -> HTMLResponse:
    """A refusal as a page of the app, with its status; ``back`` links the page to go on from."""
    who = _who(request) if known_user else None
    response = page(
        request, "missing.html", status, who=who, heading=heading, message=message, back=back
    )
    for name, value in (headers or {}).items():
        response.headers.setdefault(name, value)
    return response


def _shown(value: Any) -> str:
    """The user's input as a message repeats it: quoted, control characters escaped, cut."""
    if isinstance(value, str):
        cut = value if len(value) <= _SHOWN else f"{value[:_SHOWN]}..."
        return f"{cut!r}" + (f" ({len(value):,} characters)" if len(value) > _SHOWN else "")
    return repr(value)


def _named(location: Sequence[Any]) -> tuple[str, str]:
    """Where a parameter comes from and its name; a list's item by its index (the parts a
    union's members add to the location, such as ``literal['']``, are not the user's)."""
    place = _PLACES.get(str(location[0]), "The field") if location else "The request"
    name = str(location[1]) if len(location) > 1 else "body"
    name += "".join(f"[{part}]" for part in location[2:] if isinstance(part, int))
    return place, name


def _problems(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    """A sentence per parameter at fault: its name, what was expected (a union's members'
    expectations joined), and what was given."""
    expected: dict[tuple[str, str], list[str]] = {}
    given: dict[tuple[str, str], Any] = {}
    missing: set[tuple[str, str]] = set()
    for error in errors:
        key = _named(error.get("loc", ()))
        if error.get("type") == "missing":
            missing.add(key)
        message = str(error.get("msg", "Input is not valid"))
        expected.setdefault(key, []).append(message[:1].lower() + message[1:])
        given.setdefault(key, error.get("input"))
    sentences = []
    for (place, name), messages in list(expected.items())[:5]:
        if (place, name) in missing:
            sentences.append(f"{place} '{name}' is missing: it is required.")
            continue
        should = "input should be "
        if len(messages) > 1 and all(m.startswith(should) for m in messages):
            messages = [should + " or ".join(m.removeprefix(should) for m in messages)]
        secret = "password" in name or name in _SECRETS
        shown = "a value not repeated here" if secret else _shown(given[place, name])
        sentences.append(f"{place} '{name}' is not valid: {'; '.join(messages)}; got {shown}.")
    return sentences


def validation_page(request: Request, exc: RequestValidationError) -> HTMLResponse:
    """A malformed page request (an address's part or parameter, a form field), each problem
    naming its parameter or field and what was expected."""
    return error_page(
        request,
        422,
        "Invalid input",
        " ".join(_problems(exc.errors())) or "The request is not valid.",
        back=form_page(request) if request.method not in ("GET", "HEAD") else None,
    )


def _not_served(request: Request, status: int) -> tuple[str, str, str | None]:
    """The heading, message and page to go on from of a 404 or 405 that no route answered."""
    path = request.url.path
    if status == 405:
        if request.method in ("GET", "HEAD"):
            return (
                "Not a page",
                f"{path} is where a form is sent, not a page to open.",
                form_page(request),
            )
        return "Method not allowed", f"{path} does not take a {request.method} request.", None
    return "Not found", f"There is no page at {path}.", None


def http_error_page(
    request: Request, status: int, detail: str, headers: Mapping[str, str] | None
) -> HTMLResponse:
    """An HTTP error that a route or the router raised, such as a path no page has (404), a
    method the path does not take (405), or a form the server could not parse (400)."""
    routed = any(route.matches(request.scope)[0] is Match.FULL for route in request.app.routes)
    if status in (404, 405) and not routed:
        heading, message, back = _not_served(request, status)
    elif status == 400:  # a body the form parser refused (not a form, too many fields...)
        reason = detail.rstrip(".")
        message = f"The form could not be read: {reason[:1].lower()}{reason[1:]}."
        heading, back = "Bad request", form_page(request)
    else:
        heading, message, back = detail, detail if detail.endswith(".") else f"{detail}.", None
    return error_page(request, status, heading, message, headers, back=back)


def _files(dependant: Dependant) -> Iterator[str]:
    """The file fields a route's form takes, its dependencies' included."""
    for field in dependant.body_params:
        if isinstance(field.field_info, fastapi_params.File):
            yield field.alias
    for dependency in dependant.dependencies:
        yield from _files(dependency)


def _upload_of(request: Request) -> str:
    """The upload a request to this path makes, in words: the form's file fields."""
    for route in ROUTES:
        if route.matches(request.scope)[0] is Match.FULL:
            files = list(dict.fromkeys(_files(route.dependant)))
            if files:
                named = ", ".join(f"'{name}'" for name in files)
                return f"The form's files ({named}) and fields"
    return "The form"


def too_large_page(request: Request, limit: int, length: int | None) -> HTMLResponse:
    """The 413 of a page's form whose body passes the server's limit: which upload, how large
    it was (when the browser said), and the limit."""
    size = f"{length:,} bytes" if length is not None else "more than that"
    message = (
        f"{_upload_of(request)} sent to {request.url.path} came to {size}; the server takes "
        f"at most {limit:,} bytes in one request (DRIFTSCOPE_MAX_UPLOAD_BYTES). Choose smaller "
        "files, or ask the operator to raise the limit. Nothing was stored."
    )
    return error_page(request, 413, "Too large", message, back=form_page(request))


def server_error_page(request: Request) -> HTMLResponse:
    """A failure of the server itself: said, with no trace (that is in the server's log)."""
    message = "The server failed on this request; the error is in its log."
    return error_page(request, 500, "Internal error", message, known_user=False)
