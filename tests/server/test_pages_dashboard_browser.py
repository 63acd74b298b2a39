"""The dashboard in a real browser (Debian's Chromium through Playwright) against a real
`driftscope serve` with analysed runs: every chart is drawn by Plotly, the heatmap has a row per
stored feature and re-orders without reloading, nothing is fetched from outside the server, the
Content-Security-Policy refuses nothing, and a phone's width does not scroll sideways."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from tests.server._browser import Watched, log_in, watched
from tests.server._serve import ADMIN_PASSWORD, FAST_JOBS, Server, serving
from tests.server.conftest import as_parquet, breast_cancer_split

#: The features drifted on purpose in the later runs.
SHIFTED = ("mean radius", "worst area")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # With the performance estimated without labels (the server's default): each metric's
    # chart draws the estimate under the realised value.
    estimating = {**FAST_JOBS, "DRIFTSCOPE_ESTIMATE_RUNS": "true"}
    with serving(tmp_path_factory.mktemp("dashboard"), settings=estimating) as running:
        client = running.client()
        baseline, production = breast_cancer_split()
        client.post("/models", json={"name": "cancer", "task": "binary_classification"})
        made = client.post(
            "/models/cancer/versions",
            files={"baseline": ("b.parquet", as_parquet(baseline))},
            data={
                "target": "target",
                "prediction": "prediction",
                "proba_prefix": "proba_",
                "id_column": "id",
                "benchmarks": '{"accuracy": 0.9}',
            },
        )
        assert made.status_code == 201, made.text
        shifted = production.copy()
        for column in SHIFTED:
            shifted[column] = shifted[column] * 1.6
        for date, frame in (("2026-11-01", production), ("2026-11-02", shifted)):
            sent = client.post(
                "/models/cancer/runs",
                files={"data": ("run.parquet", as_parquet(frame))},
                data={"date": date},
            )
            assert sent.status_code == 201, sent.text
        _wait_analysed(client, 2)
        yield running


def _wait_analysed(client: Any, count: int) -> None:
    """Until the server's worker has analysed ``count`` runs (it polls its job table)."""
    for _ in range(600):
        runs = client.get("/models/cancer/runs").json()["items"]
        assert all(run["status"] != "failed" for run in runs), runs
        if sum(run["status"] == "analysed" for run in runs) == count:
            return
        time.sleep(0.2)
    raise AssertionError(f"the runs were not analysed: {runs}")


@contextmanager
def _visit(browser: Any, server: Server, width: int) -> Iterator[Watched]:
    """The model page in a browser ``width`` pixels wide, logged in through the form, its charts
    drawn; at the end, nothing was requested from outside the server and nothing refused."""
    with watched(browser, server.url.removesuffix("/api/v1"), width=width) as visit:
        log_in(visit, "admin", ADMIN_PASSWORD, next_page="/models/cancer")
        visit.page.wait_for_selector("#dashboard[data-drawn=true]")
        yield visit


def _heatmap_rows(page: Any) -> list[str]:
    names: list[str] = page.eval_on_selector("#chart-features", "e => e.data[0].y")
    return names


def test_the_dashboard_draws_every_chart_and_sorts_the_heatmap_in_place(
    browser: Any, server: Server
) -> None:
    with _visit(browser, server, 1200) as visit:
        page = visit.page
        charts = ["#chart-drift", "#chart-verdict", "#chart-features", "#chart-outputs"]
        charts += ["#chart-quality", "[data-metric=accuracy]"]
        for chart in charts:
            drawn = page.locator(f"{chart} .main-svg")
            assert drawn.count() >= 1, chart
            traces = page.eval_on_selector(chart, "e => e.data.length")
            assert traces >= 1, chart
        # Every stored feature is a row of the heatmap, with a cell per run.
        features = page.eval_on_selector(
            "#chart-features", "e => e.data[0].z.map(row => row.length)"
        )
        assert len(features) == 30
        assert set(features) == {2}
        assert page.locator("#chart-features .heatmaplayer image").count() == 1
        by_drift = _heatmap_rows(page)
        assert set(by_drift[:2]) == set(SHIFTED)  # the two drifted features first
        # The accuracy chart carries its band, the baseline and the benchmark.
        names = page.eval_on_selector("[data-metric=accuracy]", "e => e.data.map(t => t.name)")
        assert {"Confidence interval", "Realised", "Baseline", "Benchmark"} <= set(names)
        assert {"Estimated (no labels)", "Estimate band"} <= set(names)
        # Sorting by name re-orders the rows and the table without loading the page again.
        page.evaluate("window.notReloaded = true")
        assert page.locator("#order-submit").is_hidden()  # the script sorts on change
        page.get_by_label("Name").check()
        page.wait_for_function("document.getElementById('chart-features').dataset.order === 'name'")
        by_name = _heatmap_rows(page)
        assert by_name == sorted(by_drift)
        assert by_name != by_drift
        first_row = page.locator("#features-table tbody tr").first.get_attribute("data-name")
        assert first_row == by_name[0]
        assert page.evaluate("window.notReloaded") is True
        assert page.url.endswith("order=name")
    assert f"{visit.origin}/static/vendor/plotly-cartesian-4.1.1.min.js" in visit.requested


def test_the_dashboard_fits_a_phones_width(browser: Any, server: Server) -> None:
    with _visit(browser, server, 390) as visit:  # a phone's width
        page = visit.page
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        chart = page.eval_on_selector(
            "#chart-drift .main-svg", "e => e.getBoundingClientRect().width"
        )
        assert 200 < chart <= 390
        # The range picker keeps its choice in the URL, and the charts follow it.
        page.get_by_label("Runs from").select_option("custom")
        page.get_by_label("Since").fill("2026-11-02")
        page.get_by_label("Until").fill("2026-11-02")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**range=custom**")
        page.wait_for_selector("#dashboard[data-drawn=true]")
        assert "since=2026-11-02" in page.url
        dates = page.eval_on_selector("#chart-drift", "e => e.data[0].x")
        assert dates == ["2026-11-02 00:00:00"]
