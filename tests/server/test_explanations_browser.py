"""The model page's "What drives the model" card in a real browser (Debian's Chromium through
Playwright) against a real `driftscope serve` that explained a skops model in its analysis: the
card shows the run's top features and its link leads to the run page's explanations, with
nothing loaded from outside the server nor blocked by the Content-Security-Policy."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.server._browser import log_in, watched
from tests.server._serve import ADMIN_PASSWORD, FAST_JOBS, Server
from tests.server.conftest import as_csv, as_parquet
from tests.server.test_explanations import _cancer, _scaled_model, _skops


def test_the_card_leads_to_the_run_pages_explanations(browser: Any, tmp_path: Path) -> None:
    server = Server(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'data' / 'driftscope.db'}",
        {**FAST_JOBS, "DRIFTSCOPE_EXPLAIN_ROWS": "30"},
    )
    server.start()
    try:
        client = server.client()
        train, baseline, production, features = _cancer()
        client.post("/models", json={"name": "cancer", "task": "binary_classification"})
        made = client.post(
            "/models/cancer/versions",
            files={
                "baseline": ("b.parquet", as_parquet(baseline)),
                "model_file": ("model.skops", _skops(_scaled_model(train, features))),
            },
            data={"target": "target"},
        )
        assert made.status_code == 201, made.text
        run_id = client.post(
            "/models/cancer/runs", files={"data": ("run.csv", as_csv(production))}
        ).json()["id"]
        deadline = time.monotonic() + 120
        while client.get(f"/models/cancer/runs/{run_id}").json()["status"] == "pending":
            assert time.monotonic() < deadline, "the analysis did not end"
            time.sleep(0.3)
        origin = server.url.removesuffix("/api/v1")
        with watched(browser, origin) as visit:
            page = visit.page
            log_in(visit, "admin", ADMIN_PASSWORD, "/models/cancer")
            card = page.locator("#drivers")
            assert "What drives the model" in card.inner_text()
            first = card.locator("table.drivers tbody tr").first
            assert "mean radius" in first.inner_text()
            card.get_by_role("link", name=f"The explanations of run {run_id}").click()
            page.wait_for_url(f"{origin}/models/cancer/runs/{run_id}#explanations")
            section = page.locator("section#explanations")
            section.wait_for()
            assert section.is_visible()
            assert "mean radius" in section.inner_text()
            assert "linear explainer" in section.inner_text()
            assert page.get_by_role("link", name="What drives the model").count() == 1
    finally:
        server.stop()
