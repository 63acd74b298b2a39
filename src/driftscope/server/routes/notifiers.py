"""Notifiers (admin): create, list, show, change, delete, send a test message; and the
deliveries of a notifier or of an alert (any reader)."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from driftscope.server.deps import Admin, Id, Limit, Reader, Session_, State_
from driftscope.server.models import Notifier
from driftscope.server.schemas import (
    DeliveryOut,
    JobLogLine,
    NotifierIn,
    NotifierOut,
    NotifierPatch,
)
from driftscope.server.services import alerts, notify
from driftscope.server.services.notify import DeliveryRow, NotifierSpec

router = APIRouter(tags=["notifiers"])


def notifier_out(notifier: Notifier) -> NotifierOut:
    """The notifier's fields, its secret left out (only whether it is set)."""
    shown = {k: v for k, v in asdict(notify.spec_of(notifier)).items() if k != "secret"}
    return NotifierOut(
        id=notifier.id,
        **shown,
        secret_set=bool(notifier.secret),
        created_by=notifier.created_by,
        created_at=notifier.created_at,
    )


def delivery_out(row: DeliveryRow) -> DeliveryOut:
    job = row.job
    return DeliveryOut(
        id=row.delivery.id,
        job_id=job.id,
        notifier_id=row.delivery.notifier_id,
        notifier=row.notifier,
        alert_id=row.delivery.alert_id,
        event=row.delivery.event,
        status=job.status,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        error=job.error,
        created_at=row.delivery.created_at,
        next_attempt_at=job.not_before,
        finished_at=job.finished_at,
        log=[JobLogLine.model_validate(line) for line in job.log or []],
    )


@router.post("/notifiers", status_code=201)
def create_notifier(body: NotifierIn, session: Session_, who: Admin) -> NotifierOut:
    """Add a notifier; the alerts due a notification are sent to it from now on."""
    spec = NotifierSpec(**body.model_dump())
    return notifier_out(notify.create_notifier(session, who, spec))


@router.get("/notifiers")
def list_notifiers(session: Session_, who: Admin) -> list[NotifierOut]:
    return [notifier_out(n) for n in notify.list_notifiers(session)]


@router.get("/notifiers/{notifier_id}")
def show_notifier(notifier_id: Id, session: Session_, who: Admin) -> NotifierOut:
    return notifier_out(notify.get_notifier(session, notifier_id))


@router.patch("/notifiers/{notifier_id}")
def update_notifier(
    notifier_id: Id, body: NotifierPatch, session: Session_, who: Admin
) -> NotifierOut:
    """Change some of a notifier's fields (it is checked whole again); a secret left out is
    kept."""
    changes = body.model_dump(exclude_unset=True)
    return notifier_out(notify.update_notifier(session, who, notifier_id, changes))


@router.delete("/notifiers/{notifier_id}", status_code=204)
def delete_notifier(notifier_id: Id, session: Session_, who: Admin) -> None:
    """Delete a notifier with its deliveries; those still queued are not sent."""
    notify.delete_notifier(session, who, notifier_id)


@router.post("/notifiers/{notifier_id}/test")
def send_test_message(notifier_id: Id, state: State_, who: Admin) -> DeliveryOut:
    """Send a test message now and say how it went (status done or failed, the receiver's
    answer in the log); it is kept as a delivery of one attempt."""
    return delivery_out(notify.send_test(state, who, notifier_id))


@router.get("/notifiers/{notifier_id}/deliveries")
def notifier_deliveries(
    notifier_id: Id, session: Session_, who: Admin, limit: Limit = 100
) -> list[DeliveryOut]:
    """The notifier's deliveries, newest first."""
    rows = notify.list_deliveries(session, notifier_id=notifier_id, limit=limit)
    return [delivery_out(row) for row in rows]


@router.get("/alerts/{alert_id}/deliveries")
def alert_deliveries(
    alert_id: Id, session: Session_, who: Reader, limit: Limit = 100
) -> list[DeliveryOut]:
    """The deliveries of an alert's notifications, newest first."""
    alert = alerts.get_alert(session, alert_id)
    return [
        delivery_out(row) for row in notify.list_deliveries(session, alert_id=alert.id, limit=limit)
    ]
