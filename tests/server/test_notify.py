"""Notifications of alerts, sent to real receivers on loopback: a webhook whose receiver checks
the signature as the docs say, a Slack-compatible webhook, and an SMTP server with STARTTLS and
AUTH; receivers that answer 500, 404, 429, late, or not at all; durable delivery jobs retried
with backoff; the notifiers' API, its roles and its field errors."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.server._receivers import closed_port, mail_server, verify, webhook_receiver
from tests.server.conftest import (
    add_model,
    as_parquet,
    breast_cancer_split,
    new_token,
    run_jobs,
    token_client,
)
from tests.server.test_pages_admin import _browser
from tests.server.test_pages_bad_input import _said

from driftscope.server import db
from driftscope.server.jobs import Retry
from driftscope.server.models import (
    Alert,
    AlertEvent,
    AlertRule,
    AlertState,
    Job,
    JobStatus,
    Model,
    now,
)
from driftscope.server.services import alerts, notify
from driftscope.server.services.senders import DeliveryRefused, Message, Target, send, sign
from driftscope.server.state import State
from driftscope.server.worker import make_worker

SECRET = "a-webhook-secret-of-32-characters"
NOTIFIERS = "/api/v1/notifiers"


def _message(event: str = "firing") -> Message:
    alert = {
        "id": 7,
        "model": "cancer",
        "rule_id": 3,
        "rule": "accuracy low",
        "comparator": "<",
        "key": "",
        "fingerprint": "f" * 64,
        "state": "firing",
        "severity": "critical",
        "value": 0.61,
        "last_value": 0.58,
        "threshold": 0.85,
        "message": "cancer: accuracy low: metric accuracy is 0.61, < 0.85 for 1 run(s)",
        "run_id": 12,
        "run_date": "2026-11-03T00:00:00+00:00",
        "started_at": "2026-11-03T00:00:00+00:00",
        "resolved_at": None,
        "acknowledged_by": None,
        "url": "http://127.0.0.1:8000/alerts/7",
    }
    return Message("d" * 32, event, alert)


# -- senders against real receivers -----------------------------------------------------------


def test_a_webhook_is_signed_so_that_the_receiver_can_verify_it() -> None:
    with webhook_receiver(SECRET) as receiver:
        said = send(Target("hook", "webhook", {"url": receiver.url}, SECRET), _message(), 5)
    assert said.startswith("HTTP 200 from 127.0.0.1:")
    [got] = receiver.received
    assert got.signed
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Driftscope-Delivery"] == "d" * 32
    assert got.headers["X-Driftscope-Event"] == "firing"
    body = got.json
    assert (body["event"], body["alert"]["model"], body["alert"]["fingerprint"]) == (
        "firing",
        "cancer",
        "f" * 64,
    )
    # The signature covers the timestamp and every byte of the body: change either and it fails.
    headers = got.headers
    assert not verify(SECRET, headers, got.body + b" ")
    assert not verify("another secret of 32 characters!", headers, got.body)
    older = {**headers, "X-Driftscope-Timestamp": str(int(headers["X-Driftscope-Timestamp"]) - 1)}
    assert not verify(SECRET, older, got.body)
    stale = str(int(headers["X-Driftscope-Timestamp"]) - 3600)
    replayed = {
        "X-Driftscope-Timestamp": stale,
        "X-Driftscope-Signature": sign(SECRET, stale, got.body),
    }
    assert not verify(SECRET, replayed, got.body)  # a correct signature, but too old


def test_a_slack_webhook_gets_text_and_blocks() -> None:
    with webhook_receiver("") as receiver:
        send(Target("slack", "slack", {"url": receiver.url}, None), _message("resolved"), 5)
    [got] = receiver.received
    body = got.json
    assert body["text"].startswith("[driftscope] RESOLVED critical: cancer: accuracy low\n")
    assert "Value: 0.61 < threshold 0.85 (latest run: 0.58)\n" in body["text"]
    assert "Run: 12 of 2026-11-03" in body["text"]
    assert (
        body["blocks"][0]["text"]["text"] == "[driftscope] RESOLVED critical: cancer: accuracy low"
    )
    assert "<http://127.0.0.1:8000/alerts/7|Open the alert>" in json.dumps(body["blocks"])


@pytest.mark.parametrize(
    ("statuses", "headers", "retried", "said"),
    [
        ([500], {}, True, "HTTP 500 from"),
        ([503], {"Retry-After": "7"}, True, "HTTP 503"),
        ([429], {"Retry-After": "42"}, True, "HTTP 429"),
        ([408], {}, True, "HTTP 408"),
        ([404], {}, False, "HTTP 404"),
        ([400], {}, False, "not retried"),
        ([307], {"Location": "https://elsewhere.example.org/"}, False, "redirects are not"),
    ],
)
def test_receiver_errors_are_retried_only_where_it_may_help(
    statuses: list[int], headers: dict[str, str], retried: bool, said: str
) -> None:
    target_message = _message()
    with webhook_receiver(SECRET, statuses=statuses, headers=headers) as receiver:
        target = Target("hook", "webhook", {"url": receiver.url}, SECRET)
        error: type[Exception] = Retry if retried else DeliveryRefused
        with pytest.raises(error, match=said) as raised:
            send(target, target_message, 5)
    if statuses[0] >= 400:
        assert f"answer {statuses[0]}" in str(raised.value)  # what the receiver said, shown
    else:
        assert str(raised.value).endswith("the final address https://elsewhere.example.org/")
    if isinstance(raised.value, Retry) and headers:
        assert raised.value.after == float(headers["Retry-After"])


def test_a_slow_or_unreachable_receiver_is_retried() -> None:
    with webhook_receiver(SECRET, delay=1.5) as receiver:
        target = Target("hook", "webhook", {"url": receiver.url}, SECRET)
        with pytest.raises(Retry, match=r"did not answer within 0.5 s \(ReadTimeout\)"):
            send(target, _message(), 0.5)
    nowhere = Target("hook", "webhook", {"url": f"http://127.0.0.1:{closed_port()}/"}, SECRET)
    with pytest.raises(Retry, match=r"could not connect to 127\.0\.0\.1:"):
        send(nowhere, _message(), 2)


def _mail_target(server: Any, password: str, ca_file: Path | None) -> Target:
    config = {
        "host": server.host,
        "port": server.port,
        "security": "starttls",
        "username": "alerts",
        "sender": "driftscope@example.org",
        "recipients": ["oncall@example.org", "ml@example.org"],
        "ca_file": str(ca_file) if ca_file else None,
    }
    return Target("mail", "email", config, password)


def test_email_over_starttls_with_a_login(tmp_path: Path) -> None:
    with mail_server(tmp_path, "alerts", "right password") as server:
        said = send(_mail_target(server, "right password", server.ca_file), _message(), 5)
        assert said == (
            f"127.0.0.1:{server.port} accepted the message for oncall@example.org, ml@example.org"
        )
        [envelope] = server.messages
        assert envelope.mail_from == "driftscope@example.org"
        assert envelope.rcpt_tos == ["oncall@example.org", "ml@example.org"]
        assert isinstance(envelope.original_content, bytes)
        mail = message_from_bytes(envelope.original_content, policy=policy.default)
        assert mail["Message-ID"] == f"<{'d' * 32}@driftscope>"
        assert mail["Subject"] == "[driftscope] FIRING critical: cancer: accuracy low"
        assert mail["X-Driftscope-Fingerprint"] == "f" * 64
        text = mail.get_body().get_content()  # type: ignore[union-attr]
        assert "Value: 0.61 < threshold 0.85" in text
        assert "Open: http://127.0.0.1:8000/alerts/7" in text
        # Wrong credentials: refused, not retried, and said clearly.
        with pytest.raises(DeliveryRefused, match="refused the login of 'alerts': 535"):
            send(_mail_target(server, "wrong password", server.ca_file), _message(), 5)
        # A certificate no trusted CA signed: refused with the way out.
        with pytest.raises(
            DeliveryRefused, match=r"could not be verified \(self-signed certificate\).*\(ca_file\)"
        ):
            send(_mail_target(server, "right password", None), _message(), 5)
        # smtplib tries each mechanism (PLAIN, then LOGIN) before it gives up.
        assert server.logins[0] == ("alerts", True)
        assert {ok for _, ok in server.logins[1:]} == {False}
        assert len(server.messages) == 1
    # The server gone: retried.
    with pytest.raises(Retry, match=r"could not send through 127\.0\.0\.1"):
        send(_mail_target(server, "right password", server.ca_file), _message(), 2)


# -- the service: notifiers, queueing, delivery jobs ------------------------------------------


def _alert(
    admin: TestClient,
    state: State,
    severity: str = "critical",
    renotify_seconds: int | None = None,
    model: str = "cancer",
) -> int:
    """A model with a rule and its firing alert, stored as an evaluation stores them (no
    notification queued: as if the process died right after)."""
    created = admin.post("/api/v1/models", json={"name": model, "task": "binary_classification"})
    assert created.status_code == 201, created.text
    with db.transaction(state.writers) as session:
        model_id = session.scalar(select(Model.id).where(Model.name == model))
        assert model_id is not None
        rule = AlertRule(
            model_id=model_id,
            name="accuracy low",
            signal="metric",
            subject="accuracy",
            comparator="<",
            threshold=0.85,
            severity=severity,
            renotify_seconds=renotify_seconds,
            created_by="admin",
        )
        session.add(rule)
        session.flush()
        alert = Alert(
            rule_id=rule.id,
            model_id=model_id,
            key="",
            fingerprint="f" * 64,
            state=AlertState.FIRING,
            severity=severity,
            started_at=now(),
            value=0.61,
            threshold=0.85,
            message=f"{model}: accuracy low: metric accuracy is 0.61, < 0.85 for 1 run(s)",
        )
        session.add(alert)
        session.flush()
        return alert.id


def _notifier(admin: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "hook", "kind": "webhook", "secret": SECRET, **fields}
    response = admin.post(NOTIFIERS, json=body)
    assert response.status_code == 201, response.text
    notifier: dict[str, Any] = response.json()
    return notifier


def _deliveries(admin: TestClient, alert_id: int) -> list[dict[str, Any]]:
    response = admin.get(f"/api/v1/alerts/{alert_id}/deliveries")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def _due_now(state: State) -> None:
    """Make the waiting retries due (instead of sleeping through their backoff)."""
    with db.transaction(state.writers) as session:
        session.execute(update(Job).where(Job.status == JobStatus.QUEUED).values(not_before=now()))


def test_an_alert_left_unqueued_is_delivered_by_the_worker_retried_after_a_500(
    admin: TestClient, state: State
) -> None:
    alert_id = _alert(admin, state)
    with webhook_receiver(SECRET, statuses=[500, 200]) as receiver:
        _notifier(admin, url=receiver.url)
        # The worker's periodic step finds the alert due and queues it, once.
        periodic = make_worker(state).analyses.periodic
        assert periodic is not None
        periodic(state)
        assert notify.queue_notifications(state) == 0
        with state.sessions() as session:
            assert alerts.alerts_to_notify(session) == []
        before = now()
        assert run_jobs(state) == 1
        [waiting] = _deliveries(admin, alert_id)
        assert (waiting["status"], waiting["attempts"], waiting["event"]) == ("queued", 1, "firing")
        assert waiting["max_attempts"] == state.settings.notify_max_attempts == 8
        assert waiting["error"].startswith("HTTP 500 from 127.0.0.1:")
        # The backoff (30 s, times 0.5 to 1) is respected: nothing is due yet.
        next_at = datetime.fromisoformat(waiting["next_attempt_at"])
        assert timedelta(seconds=14) < next_at - before < timedelta(seconds=31)
        assert "queued again, next attempt at" in waiting["log"][-1]["message"]
        assert run_jobs(state) == 0
        _due_now(state)
        assert run_jobs(state) == 1
    [done] = _deliveries(admin, alert_id)
    assert (done["status"], done["attempts"], done["next_attempt_at"]) == ("done", 2, None)
    assert any("HTTP 200 from" in line["message"] for line in done["log"])
    first, second = receiver.received
    assert (first.signed, second.signed) == (True, True)
    # The same delivery id both times, so the receiver can drop the duplicate.
    assert first.headers["X-Driftscope-Delivery"] == second.headers["X-Driftscope-Delivery"]
    sent = second.json["alert"]
    assert (sent["id"], sent["model"], sent["rule"], sent["severity"]) == (
        alert_id,
        "cancer",
        "accuracy low",
        "critical",
    )
    assert sent["url"] == f"http://127.0.0.1:8000/alerts/{alert_id}"
    history = admin.get(f"/api/v1/alerts/{alert_id}/history").json()
    assert [(e["kind"], e["message"]) for e in history] == [("notified", "firing queued for hook")]
    # The alert's page in the app lists the delivery with its attempts and its log.
    shown = _said(_browser(admin).get(f"/alerts/{alert_id}"))
    notifications = shown[shown.index("Notifications") :]
    assert "hook" in notifications
    assert "2 of 8" in notifications
    assert "HTTP 500 from 127.0.0.1:" in notifications


def test_reminders_stop_once_acknowledged_and_the_resolution_is_sent(
    admin: TestClient, state: State
) -> None:
    alert_id = _alert(admin, state, renotify_seconds=3600)
    _notifier(admin, url="http://127.0.0.1:9/never-called")
    start = now()
    assert notify.queue_notifications(state, start) == 1
    assert notify.queue_notifications(state, start + timedelta(minutes=30)) == 0
    assert notify.queue_notifications(state, start + timedelta(minutes=61)) == 1
    assert admin.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 200
    assert notify.queue_notifications(state, start + timedelta(hours=3)) == 0
    with db.transaction(state.writers) as session:
        session.execute(
            update(Alert)
            .where(Alert.id == alert_id)
            .values(
                state=AlertState.RESOLVED,
                resolved_at=start + timedelta(hours=3),
                updated_at=start + timedelta(hours=3, seconds=1),
            )
        )
        session.add(AlertEvent(alert_id=alert_id, kind="resolved", value=0.93, message="resolved"))
    assert notify.queue_notifications(state, start + timedelta(hours=4)) == 1
    assert notify.queue_notifications(state, start + timedelta(hours=5)) == 0
    events = [d["event"] for d in _deliveries(admin, alert_id)]
    assert events == ["resolved", "reminder", "firing"]
    # The resolution says the value that resolved it; the earlier messages said none.
    with state.sessions() as session:
        sent = [j.payload["alert"] for j in session.scalars(select(Job).order_by(Job.id))]
    assert [(a["state"], a["resolved_value"]) for a in sent if "state" in a] == [
        ("firing", None),
        ("firing", None),
        ("resolved", 0.93),
    ]
    resolved = Message("d", "resolved", sent[-1])
    assert "Resolved: " in resolved.text
    assert ", value 0.93" in resolved.text


def test_filters_pick_the_notifiers_and_an_unwanted_alert_waits(
    admin: TestClient, state: State
) -> None:
    alert_id = _alert(admin, state, severity="warning")
    admin.post("/api/v1/models", json={"name": "other", "task": "regression"})
    _notifier(admin, name="other model only", url="http://127.0.0.1:9/", models=["other"])
    _notifier(admin, name="critical only", url="http://127.0.0.1:9/", min_severity="critical")
    assert notify.queue_notifications(state) == 0
    with state.sessions() as session:  # not marked: it waits for a notifier that wants it
        assert [a.id for a in alerts.alerts_to_notify(session)] == [alert_id]
    _notifier(admin, name="warnings", url="http://127.0.0.1:9/", min_severity="warning")
    assert notify.queue_notifications(state) == 1
    assert [d["notifier"] for d in _deliveries(admin, alert_id)] == ["warnings"]


def test_an_unreachable_receiver_is_retried_and_holds_up_no_other(
    admin: TestClient, state: State
) -> None:
    alert_id = _alert(admin, state)
    with webhook_receiver(SECRET) as receiver:
        _notifier(admin, name="down", url=f"http://127.0.0.1:{closed_port()}/hook")
        _notifier(admin, name="up", url=receiver.url)
        assert notify.queue_notifications(state) == 2
        assert run_jobs(state) == 2
    by_name = {d["notifier"]: d for d in _deliveries(admin, alert_id)}
    assert by_name["up"]["status"] == "done"
    assert (by_name["down"]["status"], by_name["down"]["attempts"]) == ("queued", 1)
    assert "could not connect to 127.0.0.1:" in by_name["down"]["error"]
    assert len(receiver.received) == 1
    # Out of attempts, it fails for good, with the last error.
    with db.transaction(state.writers) as session:
        session.execute(update(Job).where(Job.status == JobStatus.QUEUED).values(max_attempts=2))
    _due_now(state)
    assert run_jobs(state) == 1
    failed = {d["notifier"]: d for d in _deliveries(admin, alert_id)}["down"]
    assert (failed["status"], failed["attempts"]) == ("failed", 2)
    assert "could not connect" in failed["error"]


def test_bad_smtp_credentials_fail_at_once_and_a_test_message_says_so(
    admin: TestClient, state: State, tmp_path: Path
) -> None:
    alert_id = _alert(admin, state)
    with mail_server(tmp_path, "alerts", "right password") as server:
        mail = _notifier(
            admin,
            name="on-call mail",
            kind="email",
            secret="wrong password",
            host=server.host,
            port=server.port,
            username="alerts",
            sender="driftscope@example.org",
            recipients=["oncall@example.org"],
            ca_file=str(server.ca_file),
        )
        assert (mail["security"], mail["secret_set"]) == ("starttls", True)
        assert notify.queue_notifications(state) == 1
        assert run_jobs(state) == 1
        [failed] = _deliveries(admin, alert_id)
        assert (failed["status"], failed["attempts"]) == ("failed", 1)  # not retried
        assert "refused the login of 'alerts': 535" in failed["error"]
        tested = admin.post(f"{NOTIFIERS}/{mail['id']}/test")
        assert tested.status_code == 200, tested.text
        assert (tested.json()["status"], tested.json()["event"]) == ("failed", "test")
        assert "refused the login" in tested.json()["error"]
        fixed = admin.patch(f"{NOTIFIERS}/{mail['id']}", json={"secret": "right password"})
        assert fixed.status_code == 200, fixed.text
        tested = admin.post(f"{NOTIFIERS}/{mail['id']}/test").json()
        assert (tested["status"], tested["error"]) == ("done", None)
        assert any("accepted the message" in line["message"] for line in tested["log"])
        [envelope] = server.messages
        assert isinstance(envelope.original_content, bytes)
        sent = message_from_bytes(envelope.original_content, policy=policy.default)
        assert (
            sent["Subject"]
            == "[driftscope] TEST info: driftscope-test: test of notifier on-call mail"
        )
        # The failed delivery, queued again now that the password is right, goes through.
        retried = admin.post(f"/api/v1/jobs/{failed['job_id']}/retry")
        assert retried.status_code == 200, retried.text
        assert run_jobs(state) == 1
        assert len(server.messages) == 2
    listed = admin.get(f"{NOTIFIERS}/{mail['id']}/deliveries").json()
    assert [(d["event"], d["status"]) for d in listed] == [
        ("test", "done"),
        ("test", "failed"),
        ("firing", "done"),
    ]


def test_notifiers_are_for_admins_and_their_secret_is_never_shown(
    admin: TestClient, state: State
) -> None:
    editor = token_client(admin, new_token(admin, "editor"))
    assert editor.get(NOTIFIERS).status_code == 403
    assert editor.post(NOTIFIERS, json={"name": "x", "kind": "slack"}).status_code == 403
    hook = _notifier(admin, url="https://hooks.example.org/driftscope")
    assert hook["secret_set"] is True
    changed = admin.patch(f"{NOTIFIERS}/{hook['id']}", json={"enabled": False})
    assert (changed.json()["enabled"], changed.json()["secret_set"]) == (False, True)
    for path in (NOTIFIERS, f"{NOTIFIERS}/{hook['id']}", "/api/v1/audit"):
        response = admin.get(path)
        assert response.status_code == 200
        assert SECRET not in response.text
    assert admin.post(f"{NOTIFIERS}/{hook['id']}/test").json()["alert_id"] is None
    assert admin.delete(f"{NOTIFIERS}/{hook['id']}").status_code == 204
    assert admin.get(f"{NOTIFIERS}/{hook['id']}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"kind": "pager"}, "kind", "must be one of 'webhook', 'slack', 'email'"),
        ({"secret": None}, "secret", "at least 16 characters"),
        ({"secret": "short"}, "secret", "at least 16 characters"),
        ({"url": "ftp://example.org/x"}, "url", "http:// or https://"),
        ({"url": None}, "url", "url is needed"),
        ({"min_severity": "huge"}, "min_severity", "'info', 'warning', 'critical'"),
        ({"models": ["nope"]}, "models", "no model named 'nope'"),
        (
            {"kind": "email", "host": "mail", "security": "none", "username": "u", "secret": "p"},
            "security",
            "password in clear",
        ),
        (
            {"kind": "email", "host": "mail", "sender": "a@b", "recipients": ["not an address"]},
            "recipients",
            "must be an email address",
        ),
        ({"kind": "email", "host": "mail", "sender": "a@b"}, "recipients", "at least one"),
        (
            {
                "kind": "email",
                "host": "mail",
                "sender": "a@b",
                "recipients": ["c@d"],
                "ca_file": "/nope.pem",
            },
            "ca_file",
            "is not a file",
        ),
    ],
)
def test_a_bad_notifier_is_refused_naming_the_field(
    admin: TestClient, fields: dict[str, Any], field: str, said: str
) -> None:
    body = {"name": "bad", "kind": "webhook", "url": "https://example.org/", "secret": SECRET}
    response = admin.post(NOTIFIERS, json={**body, **fields})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["field"] == field
    assert said in problem["detail"]
    assert admin.get(NOTIFIERS).json() == []


def test_a_notifier_name_is_unique(admin: TestClient) -> None:
    _notifier(admin, url="https://example.org/a")
    again = admin.post(NOTIFIERS, json={"name": "hook", "kind": "slack", "url": "https://x.org/"})
    assert (again.status_code, again.json()["errors"][0]["field"]) == (409, "name")


def test_a_rule_firing_on_an_analysed_run_is_sent_right_after_the_analysis(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    bad = production.copy()
    flipped = bad.index[: int(len(bad) * 0.4)]
    bad.loc[flipped, "target"] = 1 - bad.loc[flipped, "target"]
    rule = {"name": "accuracy low", "signal": "metric", "subject": "accuracy"}
    rule |= {"comparator": "<", "threshold": 0.85, "severity": "critical"}
    assert admin.post("/api/v1/models/cancer/alert-rules", json=rule).status_code == 201
    with webhook_receiver(SECRET) as receiver:
        _notifier(admin, url=receiver.url)
        uploaded = admin.post(
            "/api/v1/models/cancer/runs",
            files={"data": ("run.parquet", as_parquet(bad))},
            data={"date": "2026-11-03T00:00:00+00:00"},
        )
        assert uploaded.status_code == 201, uploaded.text
        # The analysis, then the delivery it queued: no periodic step needed.
        assert run_jobs(state) == 2
    [got] = receiver.received
    assert got.signed
    sent = got.json["alert"]
    assert (got.json["event"], sent["run_id"], sent["severity"]) == (
        "firing",
        uploaded.json()["id"],
        "critical",
    )
    assert sent["run_date"].startswith("2026-11-03")
    assert sent["value"] < 0.85


def test_a_change_keeps_what_it_leaves_out_and_refuses_a_null_name(admin: TestClient) -> None:
    hook = _notifier(admin, url="https://example.org/a")
    path = f"{NOTIFIERS}/{hook['id']}"
    for field in ("name", "kind", "min_severity", "enabled"):
        refused = admin.patch(path, json={field: None})
        assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, field)
    moved = admin.patch(path, json={"url": "https://example.org/b", "models": None})
    assert (moved.json()["url"], moved.json()["secret_set"]) == ("https://example.org/b", True)
    # Made an email notifier with a login: the webhook's key is not taken for its password.
    refused = admin.patch(path, json={"kind": "email", "host": "mail", "username": "u"})
    assert refused.json()["errors"][0]["field"] == "secret"
    bad_url = admin.patch(path, json={"url": "http://[nope/"})
    assert (bad_url.status_code, bad_url.json()["errors"][0]["field"]) == (422, "url")
    long_name = admin.post(
        NOTIFIERS,
        json={"name": "m", "kind": "email", "host": "h", "sender": "a@b", "recipients": ["c@d"],
              "ca_file": "/" + "x" * 1000},
    )  # fmt: skip
    assert (long_name.status_code, long_name.json()["errors"][0]["field"]) == (422, "ca_file")


def test_a_notifier_disabled_after_queueing_gets_nothing_and_its_log_says_so(
    admin: TestClient, state: State
) -> None:
    alert_id = _alert(admin, state)
    with webhook_receiver(SECRET) as receiver:
        hook = _notifier(admin, url=receiver.url)
        assert notify.queue_notifications(state) == 1
        assert admin.patch(f"{NOTIFIERS}/{hook['id']}", json={"enabled": False}).status_code == 200
        assert run_jobs(state) == 1
    assert receiver.received == []
    [skipped] = _deliveries(admin, alert_id)
    assert skipped["status"] == "done"
    assert "nothing sent: the notifier was deleted or disabled" in skipped["log"][-2]["message"]


# aiosmtpd cannot tell that an implicit-TLS port is TLS when it checks AUTH (see _receivers).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_email_over_implicit_tls(tmp_path: Path) -> None:
    with mail_server(tmp_path, "alerts", "right password", implicit_tls=True) as server:
        target = _mail_target(server, "right password", server.ca_file)
        tls = Target(target.name, target.kind, {**target.config, "security": "tls"}, target.secret)
        assert send(tls, _message(), 5).startswith(f"127.0.0.1:{server.port} accepted")
        assert len(server.messages) == 1
        # STARTTLS against a server that speaks TLS from the start: it cannot be understood.
        with pytest.raises(Retry, match="could not send through"):
            send(target, _message(), 2)
