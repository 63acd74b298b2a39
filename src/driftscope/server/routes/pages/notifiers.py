"""The notifiers page (admins only): the notifiers, a form to add one (each problem told next to
its field), enable and disable, delete once confirmed, "Send test message" with its outcome, and
the latest deliveries with their attempts and log. It changes through the service functions the
REST API uses, so the page and the API cannot disagree."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from driftscope.server import db
from driftscope.server.deps import MAX_ID, Id, State_
from driftscope.server.errors import ServiceError
from driftscope.server.models import Role
from driftscope.server.routes.pages._common import Who, allowed, change, page
from driftscope.server.services import notify
from driftscope.server.services.alerts import Severity
from driftscope.server.services.notify import NotifierSpec
from driftscope.server.services.senders import NotifierKind, Security
from driftscope.server.services.users import Principal

router = APIRouter(include_in_schema=False)

PATH = "/admin/notifiers"
#: The deliveries the page lists, newest first.
RECENT = 30
_Text = Annotated[str, Form(max_length=2048)]
_Csrf = Annotated[str, Form(max_length=256)]

#: The add form's fields, empty.
_EMPTY = {
    "name": "",
    "kind": str(NotifierKind.WEBHOOK),
    "url": "",
    "host": "",
    "port": "",
    "security": str(Security.STARTTLS),
    "username": "",
    "sender": "",
    "recipients": "",
    "ca_file": "",
    "models": "",
    "min_severity": str(Severity.INFO),
}


@router.get(PATH)
def notifiers_page(
    request: Request,
    state: State_,
    who: Who,
    tested: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    me = allowed(request, who, Role.ADMIN)
    if isinstance(me, Response):
        return me
    return _page(request, state, me, tested=tested)


def _page(
    request: Request,
    state: State_,
    who: Principal,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    tested: int | None = None,
) -> Response:
    with state.sessions() as session:
        notifiers = notify.list_notifiers(session)
        deliveries = notify.list_deliveries(session, limit=RECENT)
        outcome = notify.get_delivery(session, tested) if tested is not None else None
    return page(
        request,
        "notifiers.html",
        status,
        who=who,
        active="admin-notifiers",
        notifiers=notifiers,
        deliveries=deliveries,
        outcome=outcome,
        kinds=[str(k) for k in NotifierKind],
        securities=[str(s) for s in Security],
        severities=[str(s) for s in Severity],
        errors=errors or {},
        form=form or dict(_EMPTY),
        min_secret=notify.MIN_SECRET_CHARS,
    )


def _words(text: str) -> list[str] | None:
    """A list typed in one box, split on commas, spaces or lines; None when empty."""
    words = [w for w in text.replace(",", " ").split() if w]
    return words or None


@router.post(PATH)
def add_notifier_page(
    request: Request,
    state: State_,
    who: Who,
    name: _Text = "",
    kind: _Text = "",
    url: _Text = "",
    secret: _Text = "",
    host: _Text = "",
    port: _Text = "",
    security: _Text = "",
    username: _Text = "",
    sender: _Text = "",
    recipients: _Text = "",
    ca_file: _Text = "",
    models: _Text = "",
    min_severity: _Text = "",
    csrf_token: _Csrf = "",
) -> Response:
    """Add a notifier; a refused field is told next to it, the form kept (but the secret)."""
    me = allowed(request, who, Role.ADMIN, csrf_token)
    if isinstance(me, Response):
        return me
    form = {
        "name": name,
        "kind": kind,
        "url": url,
        "host": host,
        "port": port,
        "security": security,
        "username": username,
        "sender": sender,
        "recipients": recipients,
        "ca_file": ca_file,
        "models": models,
        "min_severity": min_severity,
    }
    if port.strip() and not port.strip().isdigit():
        errors = {"port": f"The port must be a whole number in 1..65535; got {port!r}."}
        return _page(request, state, me, 422, errors, form)
    spec = NotifierSpec(
        name=name,
        kind=kind,
        url=url.strip() or None,
        secret=secret or None,
        host=host.strip() or None,
        port=int(port) if port.strip() else None,
        security=security or None,
        username=username.strip() or None,
        sender=sender.strip() or None,
        recipients=_words(recipients),
        ca_file=ca_file.strip() or None,
        models=_words(models),
        min_severity=min_severity or Severity.INFO,
    )
    try:
        with db.transaction(state.writers) as session:
            notify.create_notifier(session, me, spec)
    except ServiceError as refused:
        field = refused.field if refused.field in _EMPTY or refused.field == "secret" else ""
        return _page(request, state, me, refused.status, {field or "": str(refused)}, form)
    return RedirectResponse(PATH, status_code=303)


@router.post(PATH + "/{notifier_id}/test")
def send_test_page(
    request: Request, state: State_, who: Who, notifier_id: Id, csrf_token: _Csrf = ""
) -> Response:
    """Send a test message now; the page then shows how it went."""
    me = allowed(request, who, Role.ADMIN, csrf_token)
    if isinstance(me, Response):
        return me
    try:
        row = notify.send_test(state, me, notifier_id)
    except ServiceError as refused:
        return page(
            request,
            "missing.html",
            refused.status,
            who=me,
            heading=refused.title,
            message=str(refused),
        )
    return RedirectResponse(f"{PATH}?tested={row.delivery.id}#outcome", status_code=303)


@router.post(PATH + "/{notifier_id}/delete")
def delete_notifier_page(
    request: Request,
    state: State_,
    who: Who,
    notifier_id: Id,
    csrf_token: _Csrf = "",
    confirmed: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Delete a notifier with its deliveries, once confirmed."""

    def ask(principal: Principal) -> tuple[str, str, dict[str, str]]:
        with state.sessions() as session:
            name = notify.get_notifier(session, notifier_id).name
        question = (
            f"Delete the notifier {name!r} and its deliveries? Its queued deliveries are not "
            "sent; alerts go on to the other notifiers."
        )
        return "Delete the notifier", question, {}

    return change(
        request,
        state,
        who,
        csrf_token,
        "",
        ask,
        lambda session, principal: notify.delete_notifier(session, principal, notifier_id),
        confirmed == "yes",
        needed=Role.ADMIN,
        back=PATH,
    )


@router.post(PATH + "/{notifier_id}/{switch}")
def switch_notifier_page(
    request: Request,
    state: State_,
    who: Who,
    notifier_id: Id,
    switch: Literal["enable", "disable"],
    csrf_token: _Csrf = "",
) -> Response:
    """Enable or disable a notifier (no confirmation: it is undone the same way)."""
    return change(
        request,
        state,
        who,
        csrf_token,
        "",
        lambda principal: ("", "", {}),
        lambda session, principal: notify.update_notifier(
            session, principal, notifier_id, {"enabled": switch == "enable"}
        ),
        True,
        needed=Role.ADMIN,
        back=PATH,
    )
