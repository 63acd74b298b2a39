"""The web app end to end, as a team uses it, in a real browser (Debian's Chromium through
Playwright) against a real `driftscope serve` on a temporary data directory: log in, add a model
through the form (a wrong file first, its problem shown), upload two runs and watch their jobs
finish, see the dashboard's charts drawn, open a run's report, promote a version and roll it
back, see that a viewer has no write button and is refused if it posts anyway, and log out.
Nothing is loaded from outside the server and the Content-Security-Policy refuses nothing.

The models list, the dashboard and a run's page are kept as screenshots at 1280 and 390 pixels
wide (in ``test-output/screenshots``, or ``$DRIFTSCOPE_TEST_OUTPUT/screenshots``), each checked
for being drawn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.server._browser import log_in, screenshot, watched
from tests.server._serve import ADMIN_PASSWORD, Server, serving
from tests.server.conftest import as_parquet, breast_cancer_split

VIEWER_PASSWORD = "a viewer's own long passphrase"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("app")) as running:
        made = running.client().post(
            "/users", json={"username": "vera", "password": VIEWER_PASSWORD, "role": "viewer"}
        )
        assert made.status_code == 201, made.text
        yield running


def _files(folder: Path) -> dict[str, Path]:
    """The baseline as CSV, a PNG posing as data, and two weeks of production: as it was, and
    with two features shifted."""
    baseline, production = breast_cancer_split()
    shifted = production.assign(
        **{
            "mean radius": production["mean radius"] * 1.6,
            "worst area": production["worst area"] * 1.6,
        }
    )
    files = {
        "baseline": folder / "cancer.csv",
        "wrong": folder / "photo.png",
        "week1": folder / "week1.parquet",
        "week2": folder / "week2.parquet",
    }
    baseline.to_csv(files["baseline"], index=False)
    files["wrong"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    files["week1"].write_bytes(as_parquet(production))
    files["week2"].write_bytes(as_parquet(shifted))
    return files


def _add_model(page: Any, origin: str, files: dict[str, Path]) -> None:
    page.get_by_role("link", name="Add model").click()
    page.wait_for_url(f"{origin}/models/new")
    page.get_by_label("Task").select_option("binary_classification")
    page.get_by_label("Name", exact=True).fill("cancer")
    page.get_by_label("Baseline data").set_input_files(str(files["wrong"]))
    page.get_by_label("Target column").fill("target")
    page.get_by_label("Prediction column").fill("prediction")
    page.get_by_label("Probability prefix").fill("proba_")
    page.get_by_label("ID column").fill("id")
    page.get_by_label("Metric 1").fill("accuracy")
    page.get_by_label("Value 1").fill("0.9")
    page.get_by_role("button", name="Check and show the schema").click()
    page.wait_for_load_state()
    assert "'baseline' must be a table file" in page.locator("#baseline-problem").inner_text()
    page.get_by_label("Baseline data").set_input_files(str(files["baseline"]))
    page.get_by_role("button", name="Check and show the schema").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Confirm the schema").count() == 1
    page.get_by_role("button", name="Save the model").click()
    page.wait_for_url(f"{origin}/models/cancer")


def _upload(page: Any, origin: str, data: Path, date: str) -> None:
    """Upload a run from the model page, and wait on its page until its report is shown."""
    page.goto(f"{origin}/models/cancer")
    page.get_by_label("Production data").set_input_files(str(data))
    page.get_by_label("Date (UTC)").fill(date)
    page.get_by_role("button", name="Upload the run").click()
    page.wait_for_url(f"{origin}/models/cancer/runs/*")
    page.evaluate("window.notReloaded = true")
    page.wait_for_selector("iframe.report", timeout=120_000)  # the job ends, the page follows
    assert page.evaluate("window.notReloaded") is True
    assert "analysed" in page.inner_text(".run-status")


def _confirm(page: Any, origin: str, button: str, version: str | None = None) -> None:
    """Press ``button`` on the model page (in the row of ``version``, when given), then again on
    the page that asks for confirmation."""
    where = page
    if version is not None:
        where = page.locator("table tbody tr").filter(
            has=page.locator("td:first-child", has_text=version)
        )
    where.get_by_role("button", name=button).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=button).count() == 1
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{origin}/models/cancer")


def _production(page: Any) -> str:
    row = page.locator("table tbody tr").filter(
        has=page.locator(".badge.alias", has_text="production")
    )
    text: str = row.first.locator("td").first.inner_text()
    return text


def test_a_team_uses_the_app_from_login_to_rollback(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    origin = server.url.removesuffix("/api/v1")
    files = _files(tmp_path)
    with watched(browser, origin) as visit:
        page = visit.page
        log_in(visit, "admin", ADMIN_PASSWORD)
        _add_model(page, origin, files)
        _upload(page, origin, files["week1"], "2026-11-02T09:00")
        _upload(page, origin, files["week2"], "2026-11-09T09:00")
        run_url = page.url
        # The run's report is the report's own page, its scripts running in its frame.
        report = page.frame_locator("iframe.report")
        report.locator('.ds-report[data-ds-init="1"]').wait_for()
        assert page.get_by_role("link", name="Download the report (JSON)").count() == 1
        screenshot(page, "run-1280", ("iframe.report",))
        # The dashboard draws its charts from both runs; the shifted features lead the heatmap.
        page.goto(f"{origin}/models/cancer")
        page.wait_for_selector("#dashboard[data-drawn=true]")
        for chart in (
            "#chart-drift",
            "#chart-verdict",
            "#chart-features",
            "[data-metric=accuracy]",
        ):
            assert page.locator(f"{chart} .main-svg").count() >= 1, chart
        heatmap = page.eval_on_selector("#chart-features", "e => e.data[0].y")
        assert set(heatmap[:2]) == {"mean radius", "worst area"}
        screenshot(page, "dashboard-1280", ("#chart-drift", "#chart-features"))
        # A second version: make it production, then roll production back.
        made = server.client().post(
            "/models/cancer/versions",
            files={"baseline": ("b.csv", files["baseline"].read_bytes())},
            data={"target": "target", "prediction": "prediction", "proba_prefix": "proba_"},
        )
        assert made.status_code == 201, made.text
        page.reload()
        assert page.locator(".badge.alias").count() == 0  # no version serves yet
        _confirm(page, origin, "Make production", "v1")
        assert _production(page) == "v1"
        _confirm(page, origin, "Make production", "v2")
        assert _production(page) == "v2"
        _confirm(page, origin, "Roll production back")
        assert _production(page) == "v1"
        history = page.locator("table", has=page.locator("th", has_text="Move")).inner_text()
        assert "promote" in history
        assert "rollback" in history
        page.goto(f"{origin}/models")
        assert "cancer" in page.locator("table.models").inner_text()
        screenshot(page, "models-1280")
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{origin}/login")
        page.goto(f"{origin}/models")
        assert page.url.startswith(f"{origin}/login")  # the session ended
    # A phone's width: the same pages, kept as screenshots, no sideways scroll on the models list.
    with watched(browser, origin, width=390, height=844) as phone:
        page = phone.page
        log_in(phone, "admin", ADMIN_PASSWORD)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "models-390")
        page.goto(f"{origin}/models/cancer")
        page.wait_for_selector("#dashboard[data-drawn=true]")
        screenshot(page, "dashboard-390", ("#chart-drift", "#chart-features"))
        page.goto(run_url)
        page.frame_locator("iframe.report").locator('.ds-report[data-ds-init="1"]').wait_for()
        screenshot(page, "run-390", ("iframe.report",))
    # A viewer sees no write button or form, and is refused if it posts anyway.
    with watched(browser, origin) as viewer:
        page = viewer.page
        log_in(viewer, "vera", VIEWER_PASSWORD, next_page="/models/cancer")
        for button in ("Make production", "Roll production back", "Upload the run"):
            assert page.get_by_role("button", name=button).count() == 0, button
        assert page.get_by_role("link", name="Add model").count() == 0
        token = page.locator("input[name=csrf_token]").first.get_attribute("value")
        for path, form in (
            ("/models/cancer/promote", {"version": "2", "confirmed": "yes"}),
            ("/models/cancer/rollback", {"confirmed": "yes"}),
        ):
            refused = page.request.post(f"{origin}{path}", form={**form, "csrf_token": token})
            assert refused.status == 403, path
            assert "Your role may only read." in refused.text()
        page.reload()
        assert _production(page) == "v1"
