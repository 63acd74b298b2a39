"""The account pages in a real browser (Debian's Chromium through Playwright) against a real
`driftscope serve`: change the password through the form and make an API token, seen once, with
the keyboard only; nothing is loaded from outside the server and the Content-Security-Policy
blocks nothing the pages need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.server._browser import watched
from tests.server._serve import ADMIN_PASSWORD, Server, serving

NEW_PASSWORD = "a new and longer passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("account")) as running:
        yield running


def test_change_the_password_and_make_a_token_with_the_keyboard(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    origin = server.url.removesuffix("/api/v1")
    with watched(browser, origin, width=390, height=844) as visit:  # a phone's width
        page = visit.page
        page.goto(f"{origin}/account")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_label("Password").press("Enter")
        page.wait_for_url(f"{origin}/account")
        # A mismatch is told next to its field; nothing is changed.
        page.get_by_label("Current password").fill(ADMIN_PASSWORD)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD + "!")
        page.get_by_label("New password again").press("Enter")
        problem = page.locator("#repeat_password-problem")
        assert "The two new passwords differ" in problem.inner_text()
        assert page.get_by_label("New password again").get_attribute("aria-invalid") == "true"
        # Then right, submitted from the keyboard: Tab to the button and press Enter.
        page.get_by_label("Current password").fill(ADMIN_PASSWORD)
        page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("New password again").fill(NEW_PASSWORD)
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        assert focused == "Change password"
        page.keyboard.press("Enter")
        page.wait_for_url(f"{origin}/account?changed=true")
        assert "Your password was changed." in page.get_by_role("status").inner_text()
        # A token, made from the keyboard, shown once.
        page.get_by_role("link", name="Your API tokens").click()
        page.wait_for_url(f"{origin}/account/tokens")
        page.get_by_label("Name").fill("nightly")
        page.get_by_label("Role").select_option("editor")
        page.get_by_label("Name").press("Enter")
        secret = page.get_by_label("The token").input_value()
        assert secret.startswith("dsk_")
        assert "shown this once" in page.content()
        page.screenshot(path=str(tmp_path / "token-390.png"), full_page=True)
        assert (tmp_path / "token-390.png").stat().st_size > 5_000
        page.goto(f"{origin}/account/tokens")
        assert secret not in page.content()
        assert page.get_by_role("row").filter(has_text="nightly").count() == 1
    # The token works against the API; the old password no longer logs in, the new one does.
    answer = httpx.get(f"{server.url}/models", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    for password, status in ((ADMIN_PASSWORD, 401), (NEW_PASSWORD, 200)):
        login = httpx.post(
            f"{server.url}/auth/login", json={"username": "admin", "password": password}
        )
        assert login.status_code == status
