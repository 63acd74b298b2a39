"""The notifiers page in a real browser (Debian's Chromium through Playwright) against a real
`driftscope serve`: a webhook notifier added through the form, and "Send test message" delivered
to a receiver on loopback that checks the signature, its outcome shown on the page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.server._browser import log_in, watched
from tests.server._receivers import webhook_receiver
from tests.server._serve import ADMIN_PASSWORD, Server, serving

SECRET = "a-webhook-secret-of-32-characters"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("notifiers")) as running:
        yield running


def test_send_a_test_message_from_the_notifiers_page(browser: Any, server: Server) -> None:
    origin = server.url.removesuffix("/api/v1")
    with webhook_receiver(SECRET) as receiver, watched(browser, origin) as visit:
        page = visit.page
        log_in(visit, "admin", ADMIN_PASSWORD, "/admin/notifiers")
        page.get_by_label("Name").fill("ops hook")
        page.get_by_label("Kind").select_option("webhook")
        page.get_by_label("Address (webhook, slack)").fill(receiver.url)
        page.get_by_label("Secret").fill(SECRET)
        page.get_by_role("button", name="Add notifier").click()
        page.wait_for_url(f"{origin}/admin/notifiers")
        assert page.get_by_role("row").filter(has_text="ops hook").count() == 1
        assert SECRET not in page.content()
        page.get_by_role("button", name="Send a test message to ops hook").click()
        page.wait_for_url(f"{origin}/admin/notifiers?tested=*")
        outcome = page.get_by_role("status").inner_text()
        assert outcome.startswith("The test message to ops hook was delivered: HTTP 200 from")
        [got] = receiver.received
        assert got.signed
        assert got.json["event"] == "test"
        deliveries = page.locator("table.deliveries tbody tr")
        assert deliveries.count() == 1
        assert "done" in deliveries.first.inner_text()
