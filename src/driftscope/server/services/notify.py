"""Notifiers and the delivery of alerts to them.

An admin adds notifiers (a signed webhook, a Slack-compatible webhook, email), each with
optional filters: some models only, a minimum severity. `queue_notifications` (run by the worker
every few seconds and right after a run's alert rules are evaluated) turns the alerts due a
notification (`alerts.alerts_to_notify`) into one delivery per matching notifier, and marks the
alerts notified, in one transaction: an alert is never marked without its deliveries, nor queued
twice. A delivery is a durable job of kind "notify" (`deliver`), retried with exponential
backoff, whose status, attempts and log are the delivery's (`list_deliveries`). It carries a
snapshot of the alert, so what is sent is what was due, and a delivery is never lost once
queued. A failing receiver only delays its own deliveries.

An alert with no matching notifier is not marked: it stays due, and is sent once a notifier
that wants it is added (while it still fires).
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from driftscope.server import db
from driftscope.server.errors import Conflict, Invalid, NotFound
from driftscope.server.jobs import JobKind, enqueue, exponential_backoff, note
from driftscope.server.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertState,
    Delivery,
    Job,
    JobStatus,
    Model,
    Notifier,
    Run,
    now,
)
from driftscope.server.services.alerts import (
    EventKind,
    Severity,
    alerts_to_notify,
    choice,
    mark_notified,
)
from driftscope.server.services.senders import (
    DeliveryRefused,
    Event,
    Message,
    NotifierKind,
    Security,
    Target,
    send,
)
from driftscope.server.services.users import Principal, audit
from driftscope.server.settings import ServerSettings
from driftscope.server.state import State

__all__ = [
    "JOB_KINDS",
    "NOTIFY",
    "DeliveryRow",
    "NotifierSpec",
    "create_notifier",
    "delete_notifier",
    "deliver",
    "get_delivery",
    "get_notifier",
    "list_deliveries",
    "list_notifiers",
    "queue_notifications",
    "send_test",
    "spec_of",
    "update_notifier",
]

log = logging.getLogger("driftscope.server.notify")

#: The job kind of a delivery.
NOTIFY = "notify"

#: The secret a webhook signs with: at least this many characters.
MIN_SECRET_CHARS = 16

_DEFAULT_PORTS = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}


@dataclass(frozen=True)
class NotifierSpec:
    """A notifier's fields, flat, as the API, the form and the CLI give them: ``url`` (webhook,
    Slack); ``host``, ``port``, ``security``, ``username``, ``sender``, ``recipients``,
    ``ca_file`` (email); ``secret`` (the webhook's key, the SMTP password; None keeps the stored
    one on a change); ``models`` (None: all) and ``min_severity``."""

    name: str
    kind: str
    url: str | None = None
    secret: str | None = None
    host: str | None = None
    port: int | None = None
    security: str | None = None
    username: str | None = None
    sender: str | None = None
    recipients: list[str] | None = None
    ca_file: str | None = None
    models: list[str] | None = None
    min_severity: str = Severity.INFO
    enabled: bool = True


def _url(url: str | None) -> str:
    if not url:
        raise Invalid("url is needed: the address the notifications are posted to.", field="url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        host = None
    if not host or parts.scheme not in ("http", "https"):
        raise Invalid(f"url must be an http:// or https:// address; got {url!r}.", field="url")
    return url


def _address(value: str, field_name: str) -> str:
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in value.strip()):
        raise Invalid(f"{field_name} must be an email address; got {value!r}.", field=field_name)
    return value.strip()


def _is_file(path: str) -> bool:
    try:
        return Path(path).is_file()
    except (OSError, ValueError):  # a name too long, ...
        return False


def _email_config(spec: NotifierSpec, secret: str | None) -> dict[str, Any]:
    if not spec.host:
        raise Invalid("host is needed: the mail server's name or address.", field="host")
    security = choice(Security, spec.security or Security.STARTTLS, "security")
    port = spec.port or _DEFAULT_PORTS[security]
    if not 1 <= port <= 65535:
        raise Invalid(f"port must be in 1..65535; got {port}.", field="port")
    if spec.username and security == Security.NONE:
        raise Invalid(
            "security 'none' would send the password in clear: use 'starttls' or 'tls' to log "
            "in, or leave username empty for a server that takes mail without a login.",
            field="security",
        )
    if spec.username and not secret:
        raise Invalid("secret is needed: the SMTP password of username.", field="secret")
    if not spec.sender:
        raise Invalid("sender is needed: the From address.", field="sender")
    recipients = [_address(r, "recipients") for r in spec.recipients or [] if r.strip()]
    if not recipients:
        raise Invalid("recipients is needed: at least one address to send to.", field="recipients")
    if spec.ca_file and not _is_file(spec.ca_file):
        raise Invalid(
            f"ca_file must be a PEM file on the server; {spec.ca_file!r} is not a file.",
            field="ca_file",
        )
    return {
        "host": spec.host,
        "port": port,
        "security": str(security),
        "username": spec.username or None,
        "sender": _address(spec.sender, "sender"),
        "recipients": recipients,
        "ca_file": spec.ca_file or None,
    }


def _check(session: Session, spec: NotifierSpec, stored_secret: str | None) -> dict[str, Any]:
    """The notifier's columns from ``spec``, checked field by field (`Invalid` names the
    field); ``stored_secret`` stands for a secret left out of a change."""
    name = spec.name.strip()
    if not name or len(name) > 128:
        raise Invalid("name must be 1 to 128 characters.", field="name")
    kind = choice(NotifierKind, spec.kind, "kind")
    secret = spec.secret if spec.secret is not None else stored_secret
    if kind == NotifierKind.WEBHOOK:
        config = {"url": _url(spec.url)}
        if not secret or len(secret) < MIN_SECRET_CHARS:
            raise Invalid(
                f"secret is needed: the key the webhook's requests are signed with, at least "
                f"{MIN_SECRET_CHARS} characters.",
                field="secret",
            )
    elif kind == NotifierKind.SLACK:
        config, secret = {"url": _url(spec.url)}, None
    else:
        config = _email_config(spec, secret)
        secret = secret if config["username"] else None
    severity = choice(Severity, spec.min_severity, "min_severity")
    models = sorted({m.strip() for m in spec.models or [] if m.strip()}) or None
    if models:
        known = set(session.scalars(select(Model.name).where(Model.name.in_(models))))
        if missing := [m for m in models if m not in known]:
            raise Invalid(
                f"models: no model named {', '.join(map(repr, missing))}.", field="models"
            )
    return {
        "name": name,
        "kind": str(kind),
        "config": config,
        "secret": secret,
        "models": models,
        "min_severity": str(severity),
        "enabled": spec.enabled,
    }


def _same_name(session: Session, name: str, notifier_id: int | None) -> None:
    found = session.scalar(select(Notifier.id).where(Notifier.name == name))
    if found is not None and found != notifier_id:
        raise Conflict(f"A notifier named {name!r} exists already.", field="name")


def create_notifier(session: Session, principal: Principal, spec: NotifierSpec) -> Notifier:
    columns = _check(session, spec, None)
    _same_name(session, columns["name"], None)
    notifier = Notifier(**columns, created_by=principal.actor)
    session.add(notifier)
    session.flush()
    audit(session, principal.actor, "notifier.create", f"notifier:{notifier.name}", kind=spec.kind)
    return notifier


def get_notifier(session: Session, notifier_id: int) -> Notifier:
    notifier = session.get(Notifier, notifier_id)
    if notifier is None:
        raise NotFound(f"No notifier {notifier_id}.")
    return notifier


def list_notifiers(session: Session) -> list[Notifier]:
    return list(session.scalars(select(Notifier).order_by(Notifier.name)))


def spec_of(notifier: Notifier) -> NotifierSpec:
    """The notifier's fields as a spec (its secret left out: a change keeps it)."""
    config = notifier.config
    return NotifierSpec(
        name=notifier.name,
        kind=notifier.kind,
        url=config.get("url"),
        host=config.get("host"),
        port=config.get("port"),
        security=config.get("security"),
        username=config.get("username"),
        sender=config.get("sender"),
        recipients=config.get("recipients"),
        ca_file=config.get("ca_file"),
        models=notifier.models,
        min_severity=notifier.min_severity,
        enabled=notifier.enabled,
    )


def update_notifier(
    session: Session, principal: Principal, notifier_id: int, changes: Mapping[str, Any]
) -> Notifier:
    """Change some fields; the notifier is checked whole again."""
    notifier = get_notifier(session, notifier_id)
    known = {f.name for f in fields(NotifierSpec)}
    if unknown := sorted(set(changes) - known):
        raise Invalid(f"{unknown[0]} is not a field of a notifier.", field=unknown[0])
    for name in ("name", "kind", "min_severity", "enabled"):
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be null; leave it out to keep it.", field=name)
    current = {f.name: getattr(spec_of(notifier), f.name) for f in fields(NotifierSpec)}
    # A webhook's key is no SMTP password: a notifier of another kind needs its own secret.
    kept = notifier.secret if changes.get("kind", notifier.kind) == notifier.kind else None
    columns = _check(session, NotifierSpec(**{**current, **changes}), kept)
    _same_name(session, columns["name"], notifier.id)
    for column, value in columns.items():
        setattr(notifier, column, value)
    shown = sorted(k if k != "secret" else "secret (not shown)" for k in changes)
    audit(session, principal.actor, "notifier.update", f"notifier:{notifier.name}", fields=shown)
    return notifier


def delete_notifier(session: Session, principal: Principal, notifier_id: int) -> None:
    """Delete a notifier with its deliveries (those still queued are not sent)."""
    notifier = get_notifier(session, notifier_id)
    job_ids = select(Delivery.job_id).where(Delivery.notifier_id == notifier.id)
    for job in session.scalars(select(Job).where(Job.id.in_(job_ids))):
        session.delete(job)
    audit(session, principal.actor, "notifier.delete", f"notifier:{notifier.name}")
    session.delete(notifier)


# -- queueing ---------------------------------------------------------------------------------


def _event_of(alert: Alert) -> Event:
    if alert.state == AlertState.RESOLVED:
        return Event.RESOLVED
    return Event.FIRING if alert.last_notified_at is None else Event.REMINDER


def _wants(notifier: Notifier, model: str, severity: str) -> bool:
    ranks = list(Severity)
    minimum = Severity(notifier.min_severity)
    rank = ranks.index(Severity(severity)) if severity in set(Severity) else 0
    return (notifier.models is None or model in notifier.models) and rank >= ranks.index(minimum)


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: float | None) -> float | None:
    """A value as JSON can carry it (PostgreSQL's JSON and a receiver's parser refuse NaN)."""
    return value if value is not None and math.isfinite(value) else None


def _snapshot(
    session: Session, settings: ServerSettings, alert: Alert, model: str
) -> dict[str, Any]:
    """The alert's fields as sent (JSON): what a receiver shows or de-duplicates on."""
    rule = session.get(AlertRule, alert.rule_id)
    run = session.get(Run, alert.run_id) if alert.run_id is not None else None
    resolved = (
        session.scalar(
            select(AlertEvent)
            .where(AlertEvent.alert_id == alert.id, AlertEvent.kind == EventKind.RESOLVED)
            .order_by(AlertEvent.id.desc())
            .limit(1)
        )
        if alert.state == AlertState.RESOLVED
        else None
    )
    return {
        "id": alert.id,
        "model": model,
        "rule_id": alert.rule_id,
        "rule": rule.name if rule else "",
        "comparator": rule.comparator if rule else "",
        "key": alert.key,
        "fingerprint": alert.fingerprint,
        "state": alert.state,
        "severity": alert.severity,
        "value": _number(alert.value),
        "last_value": _number(alert.last_value),
        "threshold": alert.threshold,
        "message": alert.message,
        "run_id": alert.run_id,
        "run_date": _when(run.date if run else None),
        "started_at": _when(alert.started_at),
        "resolved_at": _when(alert.resolved_at),
        # The run that resolved it and its value there (None: not resolved, or by a deletion).
        "resolved_run_id": resolved.run_id if resolved else None,
        "resolved_value": _number(resolved.value) if resolved else None,
        "acknowledged_by": alert.acknowledged_by,
        "url": f"{settings.app_url}/alerts/{alert.id}",
    }


def _queue(
    session: Session,
    settings: ServerSettings,
    notifier: Notifier,
    event: Event,
    snapshot: Mapping[str, Any],
    alert_id: int | None,
) -> Delivery:
    payload = {
        "id": uuid.uuid4().hex,
        "notifier_id": notifier.id,
        "event": str(event),
        "alert": dict(snapshot),
    }
    job = enqueue(session, NOTIFY, payload, settings.notify_max_attempts)
    delivery = Delivery(notifier_id=notifier.id, alert_id=alert_id, job_id=job.id, event=event)
    session.add(delivery)
    return delivery


def queue_notifications(state: State, at: datetime | None = None) -> int:
    """Queue a delivery of every alert due a notification to each notifier that wants it, and
    mark those alerts notified, in one transaction. How many deliveries were queued."""
    with db.transaction(state.writers) as session:
        notifiers = list(
            session.scalars(
                select(Notifier).where(Notifier.enabled.is_(True)).order_by(Notifier.id)
            )
        )
        if not notifiers:
            return 0
        candidates = [alert.id for alert in alerts_to_notify(session, at)]
        if not candidates:
            return 0
        # Two workers queueing at once: the second waits here, then finds them notified
        # (PostgreSQL; SQLite writes one at a time).
        session.execute(select(Alert.id).where(Alert.id.in_(candidates)).with_for_update())
        session.expire_all()
        due = [a for a in alerts_to_notify(session, at) if a.id in set(candidates)]
        names = dict(
            session.execute(
                select(Model.id, Model.name).where(Model.id.in_({a.model_id for a in due}))
            ).all()
        )
        queued = 0
        for alert in due:
            model = names.get(alert.model_id, "")
            targets = [n for n in notifiers if _wants(n, model, alert.severity)]
            if not targets:
                continue
            event = _event_of(alert)
            snapshot = _snapshot(session, state.settings, alert, model)
            for notifier in targets:
                _queue(session, state.settings, notifier, event, snapshot, alert.id)
            queued += len(targets)
            to = ", ".join(n.name for n in targets)
            mark_notified(session, [alert.id], at, message=f"{event} queued for {to}")
        if queued:
            log.info("queued %d notification(s) of %d alert(s)", queued, len(due))
        return queued


# -- delivering -------------------------------------------------------------------------------


def _target(notifier: Notifier) -> Target:
    return Target(notifier.name, notifier.kind, dict(notifier.config), notifier.secret)


def deliver(state: State, payload: Mapping[str, Any], progress: Callable[[str], None]) -> None:
    """The "notify" job: send the queued message to its notifier. A notifier deleted or
    disabled since it was queued gets nothing."""
    with state.sessions() as session:
        notifier = session.get(Notifier, int(payload["notifier_id"]))
        target = _target(notifier) if notifier is not None else None
        enabled = notifier is not None and notifier.enabled
    if target is None or not enabled:
        progress("nothing sent: the notifier was deleted or disabled")
        return
    message = Message(str(payload["id"]), str(payload["event"]), payload["alert"])
    progress(send(target, message, state.settings.notify_timeout_seconds))


def backoff(state: State, attempts: int) -> float:
    """The wait before another attempt of a job that talks to another server (a delivery, an
    MLflow logging): ``notify_backoff_seconds`` doubled at each attempt, capped, with jitter."""
    settings = state.settings
    return exponential_backoff(
        settings.notify_backoff_seconds, settings.notify_backoff_max_seconds, attempts
    )


#: The jobs this module runs, by kind.
JOB_KINDS = {NOTIFY: JobKind(deliver, backoff=backoff)}


def _test_snapshot(settings: ServerSettings, notifier: Notifier, actor: str) -> dict[str, Any]:
    at = now().isoformat()
    return {
        "id": None,
        "model": "driftscope-test",
        "rule_id": None,
        "rule": f"test of notifier {notifier.name}",
        "comparator": "<",
        "key": "",
        "fingerprint": "0" * 64,
        "state": "firing",
        "severity": "info",
        "value": 0.5,
        "last_value": 0.5,
        "threshold": 0.8,
        "message": f"A test message sent by {actor}: this notifier works.",
        "run_id": None,
        "run_date": None,
        "started_at": at,
        "resolved_at": None,
        "acknowledged_by": None,
        "url": f"{settings.app_url}/admin/notifiers",
    }


def send_test(state: State, principal: Principal, notifier_id: int) -> DeliveryRow:
    """Send a test message now (however the notifier's filters are set, even disabled), and
    record it as a delivery of one attempt, done or failed: its log says what the receiver
    said. The send happens outside any transaction, so a slow receiver holds no lock."""
    with state.sessions() as session:
        notifier = get_notifier(session, notifier_id)
        target = _target(notifier)
        snapshot = _test_snapshot(state.settings, notifier, principal.actor)
    message = Message(uuid.uuid4().hex, Event.TEST, snapshot)
    started = now()
    error: str | None = None
    outcome = ""
    try:
        outcome = send(target, message, state.settings.notify_timeout_seconds)
    except DeliveryRefused as refused:
        error = str(refused)
    except Exception as failed:  # a timeout, a refused connection: said, not raised
        error = str(failed) or type(failed).__name__
    with db.transaction(state.writers) as session:
        notifier = get_notifier(session, notifier_id)
        payload = {"id": message.id, "notifier_id": notifier.id, "event": str(Event.TEST)}
        job = Job(kind=NOTIFY, payload={**payload, "alert": snapshot}, max_attempts=1, attempts=0)
        note(job, f"Test message requested by {principal.actor}.")
        job.attempts, job.started_at, job.finished_at = 1, started, now()
        job.worker = "test"
        note(job, "Attempt 1 of 1 started.")
        if error is None:
            job.status, job.progress = JobStatus.DONE, "done"
            note(job, f"Step: {outcome}.")
            note(job, "Done.")
        else:
            job.status, job.error = JobStatus.FAILED, error
            note(job, f"Failed: {error}")
        session.add(job)
        session.flush()
        delivery = Delivery(notifier_id=notifier.id, job_id=job.id, event=Event.TEST)
        session.add(delivery)
        session.flush()
        audit(
            session,
            principal.actor,
            "notifier.test",
            f"notifier:{notifier.name}",
            sent=error is None,
        )
        return DeliveryRow(delivery, job, notifier.name)


# -- deliveries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery with its job (status, attempts, next attempt, log) and its notifier's name."""

    delivery: Delivery
    job: Job
    notifier: str


def list_deliveries(
    session: Session,
    *,
    notifier_id: int | None = None,
    alert_id: int | None = None,
    limit: int = 100,
) -> list[DeliveryRow]:
    """Deliveries, newest first: of one notifier, of one alert, or (neither given) all."""
    query = (
        select(Delivery, Job, Notifier.name)
        .join(Job, Job.id == Delivery.job_id)
        .join(Notifier, Notifier.id == Delivery.notifier_id)
    )
    if notifier_id is not None:
        query = query.where(Delivery.notifier_id == get_notifier(session, notifier_id).id)
    if alert_id is not None:
        query = query.where(Delivery.alert_id == alert_id)
    rows = session.execute(query.order_by(Delivery.id.desc()).limit(limit)).all()
    return [DeliveryRow(delivery, job, name) for delivery, job, name in rows]


def get_delivery(session: Session, delivery_id: int) -> DeliveryRow | None:
    """One delivery with its job and notifier's name; None once deleted."""
    row = session.execute(
        select(Delivery, Job, Notifier.name)
        .join(Job, Job.id == Delivery.job_id)
        .join(Notifier, Notifier.id == Delivery.notifier_id)
        .where(Delivery.id == delivery_id)
    ).first()
    return DeliveryRow(*row) if row is not None else None
