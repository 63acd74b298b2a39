"""The web app in a real browser (Debian's Chromium through Playwright) against a real
`driftscope serve`: log in through the form, see the models, log out; the pages load nothing
from outside the server and the Content-Security-Policy blocks nothing they need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.server._browser import watched
from tests.server._serve import ADMIN_PASSWORD, Server, serving
from tests.server.conftest import as_parquet, breast_cancer_split


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("pages")) as running:
        client = running.client()
        baseline, _ = breast_cancer_split()
        client.post("/models", json={"name": "cancer", "task": "binary_classification"})
        made = client.post(
            "/models/cancer/versions",
            files={"baseline": ("b.parquet", as_parquet(baseline))},
            data={"target": "target", "prediction": "prediction"},
        )
        assert made.status_code == 201, made.text
        yield running


def test_log_in_see_the_models_and_log_out_in_a_browser(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    origin = server.url.removesuffix("/api/v1")
    with watched(browser, origin, width=390, height=844) as visit:  # a phone's width
        page = visit.page
        page.goto(f"{origin}/models")
        assert page.url.startswith(f"{origin}/login?next=")  # sent to log in first
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_label("Password").press("Enter")  # the keyboard works as well as the mouse
        page.wait_for_url(f"{origin}/models")
        row = page.get_by_role("row").filter(has_text="cancer")
        assert row.count() == 1
        assert "no run yet" in row.inner_text()
        # At a phone's width the task and date columns give way to the verdict.
        assert "binary_classification" not in row.inner_text()
        # The stylesheet applied: the header is laid out as a flex bar.
        display = page.eval_on_selector("header.bar", "e => getComputedStyle(e).display")
        assert display == "flex"
        page.screenshot(path=str(tmp_path / "models-390.png"), full_page=True)
        assert (tmp_path / "models-390.png").stat().st_size > 5_000
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{origin}/login")
