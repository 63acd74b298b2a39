"""A run uploaded through the app's form in a real browser (Debian's Chromium through Playwright)
against a real `driftscope serve --no-worker` and a `driftscope worker` started once the page
shows the run queued: the run's page follows the analysis and then shows the report without
being reloaded, the report's own scripts run in its sandboxed frame, and nothing is loaded from
outside the server nor blocked by a Content-Security-Policy."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.server._browser import watched
from tests.server._serve import ADMIN_PASSWORD, FAST_JOBS, Server
from tests.server.conftest import as_parquet, breast_cancer_split


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose jobs wait for a worker of their own."""
    folder = tmp_path_factory.mktemp("runs")
    running = Server(
        folder / "data",
        f"sqlite:///{folder / 'data' / 'driftscope.db'}",
        {**FAST_JOBS, "DRIFTSCOPE_WORKER": "false"},
    )
    running.start()
    try:
        client = running.client()
        baseline, _ = breast_cancer_split()
        client.post("/models", json={"name": "cancer", "task": "binary_classification"})
        made = client.post(
            "/models/cancer/versions",
            files={"baseline": ("b.parquet", as_parquet(baseline))},
            data={"target": "target", "prediction": "prediction", "proba_prefix": "proba_"},
        )
        assert made.status_code == 201, made.text
        yield running
    finally:
        running.stop()


def _start_worker(server: Server) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "driftscope",
            "worker",
            "--data-dir",
            str(server.data_dir),
            "--database-url",
            server.database_url,
        ],
        env={**os.environ, **FAST_JOBS},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_upload_a_run_and_watch_its_analysis_end_in_the_report_without_reloading(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    origin = server.url.removesuffix("/api/v1")
    _, production = breast_cancer_split()
    drifted = production.assign(**{"mean radius": production["mean radius"] * 1.5})
    data = tmp_path / "production.parquet"
    data.write_bytes(as_parquet(drifted))
    polled: list[int] = []
    worker: subprocess.Popen[bytes] | None = None
    with watched(browser, origin, width=390, height=844) as visit:  # a phone's width
        page = visit.page
        page.on(
            "response",
            lambda response: polled.append(response.status) if "/live" in response.url else None,
        )
        try:
            page.goto(f"{origin}/models/cancer")
            page.get_by_label("User name").fill("admin")
            page.get_by_label("Password").fill(ADMIN_PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{origin}/models/cancer")
            assert "No run yet." in page.inner_text("#runs-table")
            page.get_by_label("Production data").set_input_files(str(data))
            page.get_by_label("Date (UTC)").fill("2026-11-03T09:30")
            page.get_by_role("button", name="Upload the run").click()
            page.wait_for_url(f"{origin}/models/cancer/runs/1")
            assert "Run 1 of cancer" in page.inner_text("h1")
            # A mark on this document: it is gone if the page is loaded again.
            page.evaluate("window.stillTheSamePage = true")
            assert "pending queued" in page.inner_text(".run-status")
            assert page.get_by_role("link", name="Refresh").count() == 1  # for no JavaScript
            # The page asks for its status, still pending; then a worker takes the job, and the
            # status, then the report, arrive by themselves.
            with page.expect_response(lambda r: "/live" in r.url and r.status == 200):
                pass
            worker = _start_worker(server)
            page.wait_for_selector("iframe.report", timeout=120_000)
            assert page.evaluate("window.stillTheSamePage") is True
            assert "analysed" in page.inner_text(".run-status")
            assert polled, "the page never asked for its status"
            assert polled[-1] == 286  # the last answer stopped the polling
            assert "Done." in page.inner_text("table.log")
            assert page.get_by_role("link", name="Download the report (JSON)").count() == 1
            # The report's own scripts ran in its frame (by their hashes): its table is set up, and
            # a column's plot is drawn by Plotly when opened.
            report = page.frame_locator("iframe.report")
            report.locator('.ds-report[data-ds-init="1"]').wait_for()
            report.locator("button.ds-toggle").first.click()
            report.locator(".js-plotly-plot").first.wait_for()
            # Polling stopped: no request for the status within three of its intervals.
            asked = len(polled)
            page.wait_for_timeout(6_000)
            assert len(polled) == asked
            page.screenshot(path=str(tmp_path / "run-390.png"), full_page=True)
            # The model page lists the run, analysed, with its primary metrics.
            page.get_by_role("link", name="cancer").first.click()
            page.wait_for_url(f"{origin}/models/cancer")
            row = page.locator("#runs-table tbody tr").first
            assert "analysed" in row.inner_text()
            assert "accuracy" in row.inner_text()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)
