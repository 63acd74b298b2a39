"""`driftscope notifiers` (admin): add, list, show, enable, disable, delete a notifier, send it
a test message, and list the deliveries of a notifier or of an alert, through `driftscope.Client`
like the other remote commands (--url, --token). A secret (the webhook's key, the SMTP password)
is read from a prompt or an environment variable, never from the command line, where the shell
history and the process list would keep it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from driftscope.cli._options import TokenOption, Url, _check_choice
from driftscope.cli.remote import (
    _CTRL_C,
    _USAGE,
    REMOTE_EPILOG,
    AsJson,
    Limit,
    _client,
    _print_json,
    _table,
    _when,
)

if TYPE_CHECKING:
    from driftscope.client import Delivery, Notifier

__all__ = ["register"]

TEST_EPILOG = (
    "Exit codes: 0 done, the receiver took the message; 1 it did not (what it said is "
    f"printed); {_USAGE}; {_CTRL_C}"
)
#: The environment variable a secret is read from, when set (else it is prompted for).
SECRET_ENV = "DRIFTSCOPE_NOTIFIER_SECRET"
_KINDS = ("webhook", "slack", "email")
_SEVERITIES = ("info", "warning", "critical")

notifiers_app = typer.Typer(
    help="Where alerts are sent (admin): signed webhooks, Slack-compatible webhooks, email "
    "(docs/alerts.md, Notifications).",
    no_args_is_help=True,
    epilog=REMOTE_EPILOG,
)

NotifierId = Annotated[int, typer.Argument(help="The notifier's id (see `notifiers list`).")]


def _secret(kind: str, username: str | None) -> str | None:
    """The webhook's key or the SMTP password: from DRIFTSCOPE_NOTIFIER_SECRET, else a hidden
    prompt; none for Slack, or email without a login."""
    if kind == "slack" or (kind == "email" and not username):
        return None
    given = os.environ.get(SECRET_ENV)
    if given:
        return given
    what = "HMAC key (at least 16 characters)" if kind == "webhook" else "SMTP password"
    secret: str = typer.prompt(f"The notifier's {what}", hide_input=True)
    return secret


def _target(notifier: Notifier) -> str:
    if notifier.kind == "email":
        to = ", ".join(notifier.recipients or ())
        return f"{notifier.host}:{notifier.port} ({notifier.security}) to {to}"
    return notifier.url or ""


def _rows(notifiers: Iterable[Notifier]) -> Iterable[list[Any]]:
    for n in notifiers:
        models = ", ".join(n.models) if n.models else "all"
        yield [n.id, n.name, n.kind, _target(n), models, n.min_severity, n.enabled]


_HEADERS = ("id", "name", "kind", "to", "models", "from severity", "enabled")


@notifiers_app.command("add", epilog=REMOTE_EPILOG)
def notifiers_add(
    name: Annotated[str, typer.Argument(help="The notifier's name (unique).")],
    kind: Annotated[str, typer.Option(help="webhook, slack or email.")],
    to_url: Annotated[
        str | None, typer.Option("--to-url", help="webhook, slack: the address posted to.")
    ] = None,
    host: Annotated[str | None, typer.Option(help="email: the mail server.")] = None,
    port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="email: its port [587 starttls, 465 tls, 25 none]."),
    ] = None,
    security: Annotated[
        str | None,
        typer.Option(help="email: starttls (default), tls, or none (only without a login)."),
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(help=f"email: the login (its password: ${SECRET_ENV} or a prompt)."),
    ] = None,
    sender: Annotated[str | None, typer.Option(help="email: the From address.")] = None,
    recipient: Annotated[
        list[str] | None, typer.Option("--recipient", help="email: a To address (repeatable).")
    ] = None,
    ca_file: Annotated[
        str | None,
        typer.Option(help="email: a PEM file on the server with the CA certificates to trust."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Only this model's alerts (repeatable; default: all)."),
    ] = None,
    min_severity: Annotated[
        str, typer.Option(help="Only alerts of this severity or more: info, warning, critical.")
    ] = "info",
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """Add a notifier. A webhook's key (at least 16 characters) or an SMTP password is read
    from $DRIFTSCOPE_NOTIFIER_SECRET, or prompted for."""
    _check_choice(kind, _KINDS, "--kind")
    _check_choice(min_severity, _SEVERITIES, "--min-severity")
    given = {
        "url": to_url,
        "host": host,
        "port": port,
        "security": security,
        "username": username,
        "sender": sender,
        "recipients": recipient,
        "ca_file": ca_file,
        "models": model,
        "secret": _secret(kind, username),
    }
    fields = {key: value for key, value in given.items() if value is not None}
    with _client(url, token) as client:
        notifier = client.add_notifier(name, kind, min_severity=min_severity, **fields)
    typer.echo(f"Added notifier {notifier.id} {notifier.name!r} ({notifier.kind}).")


@notifiers_app.command("list", epilog=REMOTE_EPILOG)
def notifiers_list(as_json: AsJson = False, url: Url = None, token: TokenOption = None) -> None:
    """List the notifiers."""
    with _client(url, token) as client:
        notifiers = client.notifiers()
    if as_json:
        _print_json(notifiers)
        return
    _table(f"{len(notifiers)} notifier(s)", _HEADERS, _rows(notifiers))


@notifiers_app.command("show", epilog=REMOTE_EPILOG)
def notifiers_show(
    notifier_id: NotifierId, as_json: AsJson = False, url: Url = None, token: TokenOption = None
) -> None:
    """Show a notifier and its latest deliveries."""
    with _client(url, token) as client:
        notifier = client.notifier(notifier_id)
        deliveries = client.deliveries(notifier=notifier_id, limit=20)
    if as_json:
        _print_json({"notifier": notifier, "deliveries": deliveries})
        return
    _table(f"Notifier {notifier.id}", _HEADERS, _rows([notifier]))
    typer.echo(f"Secret: {'set' if notifier.secret_set else 'not set'}")
    _deliveries_table(f"Latest deliveries of {notifier.name!r}", deliveries)


def _set_enabled(notifier_id: int, enabled: bool, url: str | None, token: str | None) -> None:
    with _client(url, token) as client:
        notifier = client.update_notifier(notifier_id, enabled=enabled)
    typer.echo(
        f"Notifier {notifier.id} {notifier.name!r} is {'enabled' if enabled else 'disabled'}."
    )


@notifiers_app.command("enable", epilog=REMOTE_EPILOG)
def notifiers_enable(notifier_id: NotifierId, url: Url = None, token: TokenOption = None) -> None:
    """Enable a notifier: the alerts due a notification are sent to it again."""
    _set_enabled(notifier_id, True, url, token)


@notifiers_app.command("disable", epilog=REMOTE_EPILOG)
def notifiers_disable(notifier_id: NotifierId, url: Url = None, token: TokenOption = None) -> None:
    """Disable a notifier: nothing is sent to it (its queued deliveries end unsent)."""
    _set_enabled(notifier_id, False, url, token)


@notifiers_app.command("delete", epilog=REMOTE_EPILOG)
def notifiers_delete(notifier_id: NotifierId, url: Url = None, token: TokenOption = None) -> None:
    """Delete a notifier with its deliveries."""
    with _client(url, token) as client:
        client.delete_notifier(notifier_id)
    typer.echo(f"Deleted notifier {notifier_id}.")


@notifiers_app.command("test", epilog=TEST_EPILOG)
def notifiers_test(notifier_id: NotifierId, url: Url = None, token: TokenOption = None) -> None:
    """Send a test message now and say how it went."""
    with _client(url, token) as client:
        delivery = client.test_notifier(notifier_id)
    if delivery.status != "done":
        typer.echo(f"The test message to {delivery.notifier!r} failed: {delivery.error}", err=True)
        raise typer.Exit(1)
    typer.echo(f"The test message to {delivery.notifier!r} was delivered: {_said(delivery)}.")


def _said(delivery: Delivery) -> str | None:
    """What the receiver said: the error, or the step its job logged on success."""
    if delivery.error:
        return delivery.error
    steps = [line.message for line in delivery.log if line.message.startswith("Step: ")]
    return steps[-1].removeprefix("Step: ").rstrip(".") if steps else None


def _deliveries_table(title: str, deliveries: Iterable[Delivery]) -> None:
    rows = (
        [
            d.id,
            _when(d.created_at),
            d.notifier,
            d.alert_id,
            d.event,
            d.status,
            f"{d.attempts}/{d.max_attempts}",
            _when(d.next_attempt_at),
            _said(d),
        ]
        for d in deliveries
    )
    headers = ("id", "queued", "notifier", "alert", "event", "status", "attempts", "next", "said")
    _table(title, headers, rows)


@notifiers_app.command("deliveries", epilog=REMOTE_EPILOG)
def notifiers_deliveries(
    notifier_id: Annotated[
        int | None, typer.Argument(help="The notifier's id (or give --alert).")
    ] = None,
    alert: Annotated[
        int | None, typer.Option(min=1, help="The deliveries of this alert instead.")
    ] = None,
    limit: Limit = 100,
    as_json: AsJson = False,
    url: Url = None,
    token: TokenOption = None,
) -> None:
    """List the deliveries of a notifier, or of an alert (--alert), newest first: status,
    attempts, next attempt, and what the receiver said."""
    if (notifier_id is None) == (alert is None):
        raise typer.BadParameter("give a notifier's id or --alert, one of the two")
    with _client(url, token) as client:
        deliveries = client.deliveries(notifier=notifier_id, alert=alert, limit=limit)
    if as_json:
        _print_json(deliveries)
        return
    whose = f"alert {alert}" if alert is not None else f"notifier {notifier_id}"
    _deliveries_table(f"{len(deliveries)} delivery(ies) of {whose}", deliveries)


def register(app: typer.Typer) -> None:
    """Add the `notifiers` group to ``app``."""
    app.add_typer(notifiers_app, name="notifiers")
