"""How a notification leaves the service: the message (`Message`, built from an alert's
snapshot) and the three ways it is sent: a webhook signed with HMAC-SHA256, a Slack-compatible
incoming webhook, and email over SMTP.

A sender returns what the receiver said ("HTTP 200 from hooks.example.com"), raises `jobs.Retry`
when a later attempt may pass (a 5xx, 408 or 429 answer, a timeout, a refused connection, a mail
server's 4xx), and `DeliveryRefused` when it would fail again (another 4xx, a login refused, a
certificate that cannot be verified, a recipient refused): such a delivery is not retried.

The webhook's signature (docs/alerts.md shows a receiver checking it): the header
``X-Driftscope-Signature`` is ``sha256=`` and the lowercase hex HMAC-SHA256, keyed with the
notifier's secret (its UTF-8 bytes), of the bytes ``timestamp + "." + body``, where
``timestamp`` is the header ``X-Driftscope-Timestamp`` (Unix seconds, ASCII digits) and ``body``
the request's body exactly as sent. A receiver refuses an old timestamp, so a captured request
cannot be replayed.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx

from driftscope._version import __version__
from driftscope.exceptions import DriftscopeError
from driftscope.server.jobs import Retry

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "DeliveryRefused",
    "Event",
    "Message",
    "NotifierKind",
    "Security",
    "Target",
    "send",
    "sign",
]

SIGNATURE_HEADER = "X-Driftscope-Signature"
TIMESTAMP_HEADER = "X-Driftscope-Timestamp"
DELIVERY_HEADER = "X-Driftscope-Delivery"
EVENT_HEADER = "X-Driftscope-Event"

#: What a receiver's error answer shows of its body, at most.
_BODY_CHARS = 200


class NotifierKind(StrEnum):
    WEBHOOK = "webhook"
    SLACK = "slack"
    EMAIL = "email"


class Security(StrEnum):
    """How an SMTP connection is protected: STARTTLS on a plain port (587), TLS from the start
    (465), or none (only without a login: a password is never sent in clear)."""

    STARTTLS = "starttls"
    TLS = "tls"
    NONE = "none"


class Event(StrEnum):
    """What a notification tells: an alert fired, is still firing (its rule's re-notify
    interval passed), resolved; or a test message."""

    FIRING = "firing"
    REMINDER = "reminder"
    RESOLVED = "resolved"
    TEST = "test"


class DeliveryRefused(DriftscopeError):
    """The receiver refused the notification for a reason another attempt would not change."""


@dataclass(frozen=True)
class Target:
    """A notifier as a sender needs it: its kind, its configuration and its secret."""

    name: str
    kind: str
    config: Mapping[str, Any]
    secret: str | None


@dataclass(frozen=True)
class Message:
    """One notification: what happened (``event``), the alert's fields as they were when it was
    queued (``alert``: model, rule, severity, state, value, threshold, run, fingerprint, url),
    and an id the receiver can use to drop a delivery it already has (a retry resends it)."""

    id: str
    event: str
    alert: Mapping[str, Any]

    @property
    def subject(self) -> str:
        a = self.alert
        what = "TEST" if self.event == Event.TEST else self.event.upper()
        return f"[driftscope] {what} {a['severity']}: {a['model']}: {a['rule']}"

    @property
    def lines(self) -> list[str]:
        a = self.alert
        value = "unknown" if a.get("value") is None else f"{a['value']:.4g}"
        lines = [
            f"Model: {a['model']}",
            f"Rule: {a['rule']}" + (f" (column {a['key']})" if a.get("key") else ""),
            f"Severity: {a['severity']}",
            f"State: {a['state']}" + (" (reminder)" if self.event == Event.REMINDER else ""),
            " ".join(part for part in ("Value:", value, a.get("comparator"), "threshold") if part)
            + f" {a['threshold']:g}"
            + _latest(a.get("value"), a.get("last_value")),
            f"Run: {a.get('run_id') or 'none'}"
            + (f" of {a['run_date']}" if a.get("run_date") else ""),
            f"Since: {a['started_at']}",
        ]
        if a.get("resolved_at"):
            by = a.get("resolved_run_id")
            at = a.get("resolved_value")
            lines.append(
                f"Resolved: {a['resolved_at']}"
                + (f" by run {by}" if by is not None else "")
                + (f", value {at:.4g}" if at is not None else "")
            )
        lines += [a["message"], f"Open: {a['url']}"]
        return lines

    @property
    def text(self) -> str:
        return self.subject + "\n" + "\n".join(self.lines)

    def json_body(self) -> bytes:
        """The webhook's body: compact JSON, keys sorted (the exact bytes that are signed)."""
        body = {"id": self.id, "event": self.event, "alert": dict(self.alert)}
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _latest(value: float | None, last: float | None) -> str:
    """The latest run's value, when a firing alert's has moved since it fired."""
    return f" (latest run: {last:.4g})" if last is not None and last != value else ""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The webhook's signature header value: ``sha256=`` and the hex HMAC-SHA256 of
    ``timestamp + "." + body`` keyed with ``secret``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def send(target: Target, message: Message, timeout: float) -> str:
    """Send ``message`` to ``target``, waiting at most ``timeout`` seconds for each answer;
    what the receiver said."""
    if target.kind == NotifierKind.WEBHOOK:
        return _webhook(target, message, timeout)
    if target.kind == NotifierKind.SLACK:
        return _slack(target, message, timeout)
    if target.kind == NotifierKind.EMAIL:
        return _email(target, message, timeout)
    raise DeliveryRefused(f"Notifier {target.name!r} has an unknown kind {target.kind!r}.")


def _webhook(target: Target, message: Message, timeout: float) -> str:
    body = message.json_body()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(target.secret or "", timestamp, body),
        DELIVERY_HEADER: message.id,
        EVENT_HEADER: message.event,
    }
    return _post(str(target.config["url"]), body, headers, timeout)


def _slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack(target: Target, message: Message, timeout: float) -> str:
    """Slack's incoming-webhook shape: ``text`` (shown in notifications and by any compatible
    receiver, e.g. Mattermost) and ``blocks`` (the same, laid out)."""
    link = str(message.alert["url"])
    details = "\n".join(_slack_escaped(line) for line in message.lines[:-1])
    payload = {
        "text": message.text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": details}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|Open the alert>"}},
        ],
    }
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    return _post(str(target.config["url"]), body, headers, timeout)


def _retry_after(response: httpx.Response) -> float | None:
    """The wait a 429 or 503 answer asks for (``Retry-After``: seconds or an HTTP date)."""
    given = response.headers.get("retry-after", "").strip()
    if not given:
        return None
    if given.isdigit():
        return float(given)
    try:
        when = parsedate_to_datetime(given)
    except (TypeError, ValueError):
        return None
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


@functools.cache
def _tls() -> ssl.SSLContext:
    """The system's CAs, loaded once: loading them is most of a request's time (45 ms) when
    every delivery builds its own client."""
    return ssl.create_default_context()


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> str:
    host = urlsplit(url).netloc
    headers = {**headers, "User-Agent": f"driftscope/{__version__}"}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout, verify=_tls())
    except httpx.TimeoutException as error:
        raise Retry(
            f"{host} did not answer within {timeout:g} s ({type(error).__name__})"
        ) from None
    except httpx.ConnectError as error:
        raise Retry(f"could not connect to {host}: {error}") from None
    except httpx.HTTPError as error:
        raise Retry(f"the request to {host} failed: {type(error).__name__}: {error}") from None
    status = response.status_code
    if 200 <= status < 300:
        return f"HTTP {status} from {host}"
    said = response.text[:_BODY_CHARS].strip()
    answer = f"HTTP {status} from {host}" + (f": {said}" if said else "")
    if status in (408, 429) or status >= 500:
        raise Retry(answer, after=_retry_after(response))
    if 300 <= status < 400:
        where = response.headers.get("location", "")
        raise DeliveryRefused(
            f"HTTP {status} from {host}: redirects are not followed (a signed request is sent "
            f"to the address given only); give the notifier the final address {where}".rstrip()
        )
    raise DeliveryRefused(f"{answer} (not retried: the receiver refused the request)")


def _email_message(target: Target, message: Message) -> EmailMessage:
    config = target.config
    # Headers up to RFC 5322's 998 characters: folding a subject that starts with "[" at 78
    # would leave a blank first line, which some clients show as a leading space.
    email = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
    email["Subject"] = message.subject
    email["From"] = str(config["sender"])
    email["To"] = ", ".join(config["recipients"])
    email["Date"] = format_datetime(datetime.now(UTC))
    # The same on every attempt of a delivery, so a mail system can drop a duplicate.
    email["Message-ID"] = f"<{message.id}@driftscope>"
    email["X-Driftscope-Event"] = message.event
    email["X-Driftscope-Fingerprint"] = str(message.alert.get("fingerprint", ""))
    email.set_content("\n".join(message.lines) + "\n")
    return email


def _email(target: Target, message: Message, timeout: float) -> str:
    config = target.config
    host, port = str(config["host"]), int(config["port"])
    security = config.get("security", Security.STARTTLS)
    username = config.get("username")
    where = f"{host}:{port}"
    context = ssl.create_default_context(cafile=config.get("ca_file") or None)
    try:
        smtp: smtplib.SMTP
        if security == Security.TLS:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if security == Security.STARTTLS:
                smtp.starttls(context=context)
            if username:
                smtp.login(str(username), target.secret or "")
            smtp.send_message(_email_message(target, message))
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryRefused(
            f"{where} refused the login of {username!r}: {error.smtp_code} "
            f"{_said(error.smtp_error)} (check the username and the password)"
        ) from None
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryRefused(
            f"{where} does not support what the notifier needs: {error}"
        ) from None
    except smtplib.SMTPRecipientsRefused as error:
        refused = ", ".join(
            f"{who} ({code} {_said(text)})" for who, (code, text) in error.recipients.items()
        )
        raise DeliveryRefused(f"{where} refused the recipients: {refused}") from None
    except smtplib.SMTPResponseException as error:
        answer = f"{where} answered {error.smtp_code} {_said(error.smtp_error)}"
        if 400 <= error.smtp_code < 500:  # a temporary refusal: try again later
            raise Retry(answer) from None
        raise DeliveryRefused(answer) from None
    except ssl.SSLCertVerificationError as error:
        raise DeliveryRefused(
            f"the certificate of {where} could not be verified ({error.verify_message}); give "
            "the notifier the CA file that signed it (ca_file)"
        ) from None
    except (OSError, smtplib.SMTPException) as error:  # refused, unreachable, timed out, cut
        raise Retry(f"could not send through {where}: {type(error).__name__}: {error}") from None
    return f"{where} accepted the message for {', '.join(config['recipients'])}"


def _said(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else text
