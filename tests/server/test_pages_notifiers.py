"""The notifiers page: admins only, each form with its session's CSRF token; a notifier added
through the form (each problem told next to its field, the secret never shown back), a test
message sent to a real receiver on loopback with its outcome shown, enabled and disabled,
deleted once confirmed, and the latest deliveries with their log."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.server._receivers import closed_port, webhook_receiver
from tests.server.conftest import ADMIN_PASSWORD
from tests.server.test_pages import _form_token, _log_in

PAGE = "/admin/notifiers"
SECRET = "a-webhook-secret-of-32-characters"


@pytest.fixture
def browser(admin: TestClient) -> Iterator[TestClient]:
    """A client logged in through the login form, as a browser is."""
    with TestClient(admin.app, base_url="http://127.0.0.1") as browser:
        assert _log_in(browser, ADMIN_PASSWORD, next_page=PAGE).status_code == 303
        yield browser


def _problem_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="problem" id="{field}-problem">([^<]*)</p>', html)
    assert found is not None, f"no problem told for {field}"
    return found.group(1)


def _add(browser: TestClient, **fields: str) -> httpx.Response:
    form = browser.get(PAGE)
    data = {"name": "hook", "kind": "webhook", "min_severity": "info", **fields}
    data["csrf_token"] = _form_token(form.text)
    return browser.post(PAGE, data=data, follow_redirects=False)


def test_only_admins_see_the_page_and_its_link(admin: TestClient, browser: TestClient) -> None:
    page = browser.get(PAGE)
    assert page.status_code == 200
    assert '<a href="/admin/notifiers" aria-current="page">Notifiers</a>' in page.text
    assert "No notifier yet" in page.text
    made = admin.post(
        "/api/v1/users",
        json={"username": "ed", "password": "an editor's password", "role": "editor"},
    )
    assert made.status_code == 201
    with TestClient(admin.app, base_url="http://127.0.0.1") as editor:
        assert _log_in(editor, "an editor's password", username="ed").status_code == 303
        refused = editor.get(PAGE)
        assert (refused.status_code, "needs the admin role" in refused.text) == (403, True)
        assert 'href="/admin/notifiers"' not in editor.get("/models").text
    with TestClient(admin.app, base_url="http://127.0.0.1") as nobody:
        gone = nobody.get(PAGE, follow_redirects=False)
        assert (gone.status_code, gone.headers["location"]) == (303, "/login?next=/admin/notifiers")


@pytest.mark.parametrize(
    ("fields", "field", "said"),
    [
        ({"url": "https://example.org/hook"}, "secret", "at least 16 characters"),
        ({"url": "gopher://example.org/", "secret": SECRET}, "url", "http:// or https://"),
        (
            {
                "kind": "email",
                "host": "mail.example.org",
                "security": "none",
                "username": "u",
                "secret": "an-smtp-password-9",
            },
            "security",
            "password in clear",
        ),
        ({"kind": "email", "host": "mail", "port": "smtp"}, "port", "whole number"),
        (
            {"kind": "email", "host": "mail", "sender": "a@b", "recipients": "c@d, nope"},
            "recipients",
            "must be an email address",
        ),
    ],
)
def test_a_refused_field_is_told_next_to_it_and_the_secret_not_sent_back(
    browser: TestClient, fields: dict[str, str], field: str, said: str
) -> None:
    refused = _add(browser, **fields)
    assert refused.status_code == 422
    html = refused.text
    assert said in _problem_of(html, field)
    assert re.search(rf'id="{field}"[^>]* aria-invalid="true"', html)
    if "secret" in fields:
        assert fields["secret"] not in html
    assert "No notifier yet" in html


def test_a_notifier_is_added_tested_disabled_and_deleted(browser: TestClient) -> None:
    with webhook_receiver(SECRET) as receiver:
        added = _add(browser, url=receiver.url, secret=SECRET, models="", min_severity="warning")
        assert added.status_code == 303
        page = browser.get(PAGE)
        assert SECRET not in page.text
        assert "warning or more, every model" in page.text
        [test_action] = re.findall(r'action="(/admin/notifiers/\d+/test)"', page.text)
        sent = browser.post(test_action, data={"csrf_token": _form_token(page.text)})
        assert sent.status_code == 200  # followed to the page
        assert re.search(r"\?tested=\d+", str(sent.url))
        assert "The test message to hook was delivered: HTTP 200 from 127.0.0.1:" in sent.text
        assert receiver.received[0].signed
    # The receiver gone: the outcome says why; the deliveries list both, with their log.
    failed = browser.post(test_action, data={"csrf_token": _form_token(page.text)})
    assert "The test message to hook failed: could not connect to 127.0.0.1:" in failed.text
    assert failed.text.count("<summary>Log</summary>") == 2
    assert "Test message requested by admin." in failed.text
    # Without the session's CSRF token, nothing is sent.
    assert browser.post(test_action, data={"csrf_token": "forged"}).status_code == 403
    notifier = test_action.rsplit("/", 2)[1]
    token = _form_token(page.text)
    off = browser.post(f"{PAGE}/{notifier}/disable", data={"csrf_token": token})
    assert '<span class="badge disabled">disabled</span>' in off.text
    on = browser.post(f"{PAGE}/{notifier}/enable", data={"csrf_token": token})
    assert '<span class="badge active">enabled</span>' in on.text
    asked = browser.post(f"{PAGE}/{notifier}/delete", data={"csrf_token": token})
    assert "Delete the notifier &#39;hook&#39; and its deliveries?" in asked.text
    assert "hook" in browser.get(PAGE).text  # not yet
    gone = browser.post(f"{PAGE}/{notifier}/delete", data={"csrf_token": token, "confirmed": "yes"})
    assert "No notifier yet" in gone.text
    assert "No delivery yet." in gone.text


def test_an_email_notifier_from_the_form_splits_its_lists(browser: TestClient) -> None:
    port = str(closed_port())
    added = _add(
        browser,
        name="mail",
        kind="email",
        host="127.0.0.1",
        port=port,
        security="none",
        sender="driftscope@localhost",
        recipients="a@example.org, b@example.org\nc@example.org",
    )
    assert added.status_code == 303
    page = browser.get(PAGE).text
    assert f"127.0.0.1:{port} (none) to a@example.org, b@example.org, c@example.org" in page
