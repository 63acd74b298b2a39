"""The HTML report in a real browser: offline, sortable, and with plots that draw.

Needs Playwright for Python and Debian's Chromium (no browser download):
``pip install playwright`` and ``apt-get install -y chromium``. When either is missing these
tests fail, on purpose: CI installs both, and a skipped browser test would hide a broken page.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from driftscope.report import Report
from driftscope.report.html import render_html

SCREENSHOT = Path("/tmp/driftscope_report.png")


class _Session:
    """One browser page that may only read files: every other request is recorded and refused."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console {msg.type}: {msg.text}")
                if msg.type in ("error", "warning")
                else None
            ),
        )
        page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def open(self, path: Path) -> None:
        self.page.goto(path.as_uri(), wait_until="load")

    def names(self) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                "table.ds-drift-table > tbody > tr.ds-row > th",
                "cells => cells.map(c => c.getAttribute('data-v'))",
            )
        )

    def sort_by(self, label: str) -> None:
        self.page.locator("table.ds-drift-table thead button.ds-sort", has_text=label).click()


@pytest.fixture
def session(browser: Any) -> Iterator[_Session]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        yield _Session(context.new_page())
    finally:
        context.close()


def _resorted(
    shown: list[str], columns: list[dict[str, Any]], key: str, descending: bool = False
) -> list[str]:
    """What a header click must give: the shown order re-sorted by ``key`` as numbers, missing
    values last in both directions, ties kept in their shown order."""
    by_name = {c["name"]: c[key] for c in columns}

    def rank(name: str) -> tuple[bool, float]:
        value = by_name[name]
        if value is None:
            return (True, 0.0)
        return (False, -value if descending else value)

    return sorted(shown, key=rank)


def test_report_works_offline_sorts_and_plots(
    session: _Session, report: Report, tmp_path: Path
) -> None:
    data = report.to_dict()
    path = tmp_path / "report.html"
    report.save_html(path)
    session.open(path)
    page = session.page

    assert session.names() == [c["name"] for c in data["columns"]]
    # Nothing is drawn before a column is opened.
    assert page.locator(".js-plotly-plot").count() == 0

    # p-values span 1e-9 to 0.64: a text sort would put "1.2e-09" after "0.64".
    columns = data["columns"]
    shown = session.names()
    session.sort_by("p-value")
    expected = _resorted(shown, columns, "p_value")
    assert expected[0] == "age"
    assert expected[-2:] == ["basket_value", "user_id"]  # no p-value: last
    assert session.names() == expected
    assert page.locator("th[aria-sort='ascending']").inner_text().startswith("p-value")
    shown = session.names()
    session.sort_by("p-value")
    expected = _resorted(shown, columns, "p_value", descending=True)
    assert expected[0] == "churn"
    assert session.names() == expected
    assert page.locator("th[aria-sort='descending']").inner_text().startswith("p-value")
    shown = session.names()
    session.sort_by("Effect size")
    assert session.names() == _resorted(shown, columns, "effect_size")
    session.sort_by("Column")
    assert session.names() == sorted((c["name"] for c in columns), key=str.lower)

    # Open the numerical column "age": an overlaid histogram of two bar traces.
    age = page.locator("tbody.ds-col", has=page.locator("th[data-v='age']"))
    details = age.locator("tr.ds-details")
    assert details.is_hidden()
    age.locator("button.ds-toggle").click()
    assert details.is_visible()
    plot = age.locator(".js-plotly-plot")
    plot.wait_for(state="attached", timeout=10_000)
    assert plot.locator("svg.main-svg").count() >= 1
    assert plot.locator(".barlayer .trace").count() == 2
    age_bars = len(data["columns"][0]["summary"]["reference_counts"])
    assert plot.locator(".barlayer .trace").first.locator("path").count() == age_bars

    # The categorical column with a hostile category: grouped bars, the label shown literally.
    plan = page.locator("tbody.ds-col", has=page.locator("th[data-v='plan']"))
    plan.locator("button.ds-toggle").click()
    plan_plot = plan.locator(".js-plotly-plot")
    plan_plot.wait_for(state="attached", timeout=10_000)
    ticks = plan_plot.locator(".xtick text").all_text_contents()
    assert ticks[:4] == ["basic", "pro", "team", "(other)"]
    assert "</script><!-- <b>vip</b>" in ticks[4]
    assert plan_plot.locator(".xtick text b").count() == 0

    # The hostile column name is text, not markup: nothing ran.
    assert page.evaluate("typeof window.alert") == "function"
    assert page.locator("table.ds-drift-table script").count() == 0
    assert page.locator("img").count() == 0

    # Closing hides the details again; only drifted rows remain when filtered.
    age.locator("button.ds-toggle").click()
    assert details.is_hidden()
    page.locator("input.ds-only-drifted").check()
    visible = page.locator("table.ds-drift-table > tbody:visible > tr.ds-row > th")
    assert sorted(visible.evaluate_all("cs => cs.map(c => c.getAttribute('data-v'))")) == sorted(
        c["name"] for c in data["columns"] if c["drifted"]
    )
    page.locator("input.ds-only-drifted").uncheck()

    plan.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert session.requests == []
    assert session.errors == []


def test_wide_report_opens_and_plots_lazily(
    session: _Session, wide_report: Report, tmp_path: Path
) -> None:
    path = tmp_path / "wide.html"
    wide_report.save_html(path)
    session.open(path)
    page = session.page
    assert len(session.names()) == 100
    assert page.locator(".js-plotly-plot").count() == 0
    for name in ("feature_000", "feature_001", "feature_099"):
        body = page.locator("tbody.ds-col", has=page.locator(f"th[data-v='{name}']"))
        body.locator("button.ds-toggle").click()
        body.locator(".js-plotly-plot .barlayer").wait_for(state="attached", timeout=10_000)
    assert page.locator(".js-plotly-plot").count() == 3
    # Shares, not counts: each side's bars add up to one whatever its sample size.
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".map(p => p.data.map(t => t.y.reduce((a, b) => a + b, 0)))"
    )
    for per_plot in heights:
        assert all(math.isclose(total, 1.0) for total in per_plot)
    assert session.requests == []
    assert session.errors == []


def test_two_fragments_on_one_page_work_independently(
    session: _Session, report: Report, wide_report: Report, tmp_path: Path
) -> None:
    # What a notebook does: several `_repr_html_` outputs in one document.
    path = tmp_path / "notebook.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        + render_html(report.to_dict(), standalone=False)
        + render_html(wide_report.to_dict(), standalone=False)
        + "</body></html>",
        encoding="utf-8",
    )
    session.open(path)
    page = session.page
    roots = page.locator(".ds-report")
    assert roots.count() == 2
    assert page.locator(".ds-report[data-ds-init='1']").count() == 2
    first, second = roots.nth(0), roots.nth(1)
    before = second.locator("tbody.ds-col > tr.ds-row > th").first.get_attribute("data-v")
    first.locator("thead button.ds-sort", has_text="Column").first.click()
    assert second.locator("tbody.ds-col > tr.ds-row > th").first.get_attribute("data-v") == before
    second.locator("button.ds-toggle").first.click()
    second.locator(".js-plotly-plot .barlayer").wait_for(state="attached", timeout=10_000)
    assert first.locator(".js-plotly-plot").count() == 0
    assert session.requests == []
    assert session.errors == []


MONITOR_SCREENSHOT = Path("/tmp/driftscope_monitor_report.png")
MONITOR_TOP_SCREENSHOT = Path("/tmp/driftscope_monitor_report_top.png")


def _chart(page: Any, kind: str, index: int = 0) -> Any:
    chart = page.locator(f".ds-chart[data-chart='{kind}']").nth(index)
    chart.locator("svg.main-svg").first.wait_for(state="attached", timeout=10_000)
    return chart


def test_monitoring_report_works_offline_and_draws_its_charts(
    session: _Session, monitor_report: Report, monitor_hostile: dict[str, str], tmp_path: Path
) -> None:
    data = monitor_report.to_dict()
    path = tmp_path / "monitor.html"
    monitor_report.save_html(path)
    session.open(path)
    page = session.page

    # The verdict first, as a big red banner, with its summary and ranked reasons.
    banner = page.locator("section.ds-decision")
    assert banner.locator(".ds-decision-main").inner_text() == "Retrain"
    assert data["verdict"]["summary"] in banner.inner_text()
    assert banner.evaluate("e => getComputedStyle(e).borderLeftColor") == "rgb(180, 35, 24)"
    box = banner.bounding_box()
    assert box is not None
    assert box["y"] < 120
    visible_reasons = banner.locator("ol.ds-reasons > li:visible")
    assert visible_reasons.count() == 6

    # Charts drawn on load from the embedded data: reliability, concept, windows.
    reliability = _chart(page, "reliability")
    traces = reliability.evaluate("e => e.data.map(t => [t.name, t.y])")
    assert [name for name, _ in traces][1:] == [
        s["name"]
        for s in _blob_sides(data)  # reference, current
    ]
    assert traces[1][1] == data["performance"]["details"]["reference"]["reliability"]["accuracy"]
    _chart(page, "concept")
    accuracy = _chart(page, "metric", 0)
    listed = data["windows"]["windows"]
    series = accuracy.evaluate("e => e.data.map(t => t.y)")
    assert series[-1] == [w["metrics"].get("accuracy") for w in listed]
    band = data["windows"]["bands"]["accuracy"]
    assert series[1] == [band["low"]] * len(listed)  # the shaded band's lower edge
    assert accuracy.locator(".annotation-text", has_text="too small").count() == 1
    share = _chart(page, "drift-share")
    assert share.evaluate("e => e.data[0].y") == [w["drift_share"] for w in listed]
    scores = _chart(page, "column-scores")
    legend = scores.locator(".legendtext").all_text_contents()
    assert monitor_hostile["feature"] in legend  # shown literally, not as markup
    assert scores.locator(".legendtext b").count() == 0
    drawn_on_load = page.locator(".js-plotly-plot").count()
    assert drawn_on_load == 7
    page.screenshot(path=str(MONITOR_TOP_SCREENSHOT))

    # The other metrics draw when their section is opened.
    more = page.locator("details.ds-more-metrics")
    assert more.locator(".js-plotly-plot").count() == 0
    more.locator("summary").click()
    n_more = more.locator(".ds-chart").count()
    more.locator(".ds-chart").last.locator("svg.main-svg").first.wait_for(
        state="attached", timeout=10_000
    )
    assert more.locator(".js-plotly-plot").count() == n_more > 0
    more.locator("summary").click()

    # The quality checks that are ok are collapsed; the jump buttons scroll to a section.
    ok_checks = page.locator("details.ds-ok-checks table")
    assert ok_checks.is_hidden()
    page.locator("button.ds-jump", has_text="Time windows").click()
    page.wait_for_function("() => window.scrollY > 500", timeout=5_000)
    banner.locator("details.ds-more-reasons > summary").click()
    assert visible_reasons.count() == len(data["verdict"]["reasons"])

    page.screenshot(path=str(MONITOR_SCREENSHOT), full_page=True)
    assert session.requests == []
    assert session.errors == []


def _blob_sides(data: dict[str, Any]) -> list[dict[str, Any]]:
    from driftscope.report.html import _monitor_data

    sides: list[dict[str, Any]] = _monitor_data(data)["reliability"]["sides"]
    return sides


def test_monitoring_and_drift_fragments_share_a_page(
    session: _Session, regression_report: Report, report: Report, tmp_path: Path
) -> None:
    path = tmp_path / "notebook.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        + render_html(report.to_dict(), standalone=False)
        + render_html(regression_report.to_dict(), standalone=False)
        + "</body></html>",
        encoding="utf-8",
    )
    session.open(path)
    page = session.page
    drift, monitor = page.locator(".ds-report").nth(0), page.locator(".ds-report").nth(1)
    errors = monitor.locator(".ds-chart[data-chart='errors']")
    errors.locator("svg.main-svg").first.wait_for(state="attached", timeout=10_000)
    assert errors.evaluate("e => e.data.length") == 2
    assert drift.locator(".js-plotly-plot").count() == 0
    drift.locator("button.ds-toggle").first.click()
    drift.locator(".js-plotly-plot .barlayer").wait_for(state="attached", timeout=10_000)
    assert session.requests == []
    assert session.errors == []


def test_image_report_shows_inputs_and_thumbnails_offline(
    session: _Session, tmp_path: Path
) -> None:
    import numpy as np
    import pandas as pd
    from PIL import Image

    from driftscope.workflows.images import compare_images

    rng = np.random.default_rng(0)
    for side, level in (("a", 0.3), ("b", 0.7)):
        (tmp_path / side).mkdir()
        for i in range(24):
            pixels = np.clip(rng.normal(level, 0.1, (16, 16, 3)), 0, 1)
            Image.fromarray((pixels * 255).astype(np.uint8)).save(tmp_path / side / f"{i}.png")
        paths = [f"{side}/{i}.png" for i in range(24)] + [f"{side}/missing.png"]
        pd.DataFrame({"inputs": paths}).to_csv(tmp_path / f"{side}.csv", index=False)
    report = compare_images(tmp_path / "a.csv", tmp_path / "b.csv")
    path = tmp_path / "images.html"
    report.save_html(path)
    session.open(path)
    page = session.page
    section = page.locator("[data-section='inputs']")
    assert section.locator("h2").inner_text() == "Images"
    assert "missing.png" in section.inner_text()
    images = section.locator("img")
    assert images.count() == 12  # six examples a side
    # Every thumbnail decoded from its data: URI, with no request leaving the page.
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert all(w and w > 0 for w in widths)
    assert session.requests == []
    assert session.errors == []


EXPLANATIONS_SCREENSHOT = Path("/tmp/driftscope_explanations.png")


def test_explanations_render_offline_draw_sort_and_jump(
    session: _Session, explained_report: Report, tmp_path: Path
) -> None:
    data = explained_report.to_dict()
    explanation = data["explanations"]["explanation"]
    path = tmp_path / "explained.html"
    explained_report.save_html(path)
    session.open(path)
    page = session.page
    section = page.locator("section#explanations[data-section='explanations']")

    # The importance chart: reference and current bars of the top features, most important on
    # top (a horizontal bar chart lists its categories from the bottom).
    importance = _chart(page, "importance")
    traces = importance.evaluate("e => e.data.map(t => [t.name, t.y, t.x])")
    top = explanation["importance"][:15]
    assert [name for name, _, _ in traces] == ["reference", "current"]
    assert traces[0][1] == [i["feature"] for i in reversed(top)]
    assert traces[1][2] == [i["current"] for i in reversed(top)]
    # A dependence plot per top feature, reference and current points.
    n_dependence = len(explanation["dependence"])
    assert n_dependence > 0
    for k in range(n_dependence):
        _chart(page, "dependence", k)
    first = page.locator(".ds-chart[data-chart='dependence']").first
    points = first.evaluate("e => e.data.map(t => [t.name, t.x.length])")
    assert points == [
        ["reference", len(explanation["dependence"][0]["reference"]["values"])],
        ["current", len(explanation["dependence"][0]["current"]["values"])],
    ]
    assert section.locator(".js-plotly-plot").count() == 1 + n_dependence
    assert section.locator("svg.main-svg").count() >= 1 + n_dependence

    # The table sorts: by reference importance, descending after two clicks.
    table = section.locator("table.ds-importance-table")

    def features() -> list[str]:
        return list(table.locator("tbody th").evaluate_all("cells => cells.map(c => c.dataset.v)"))

    assert features() == [i["feature"] for i in top]
    sort = table.locator("thead button.ds-sort", has_text="Reference rank")
    sort.click()
    assert features() == [i["feature"] for i in sorted(top, key=lambda i: i["reference_rank"])]
    table.locator("thead button.ds-sort", has_text="Change").click()
    table.locator("thead button.ds-sort", has_text="Change").click()
    assert features() == [i["feature"] for i in sorted(top, key=lambda i: -i["change"])]

    # The worst rows with their signed contributions.
    rows = section.locator("figure.ds-explained-row")
    assert rows.count() == len(explanation["rows"])
    assert rows.first.locator("li.ds-push-up, li.ds-push-down").count() > 0

    # The nav's button names the feature that rose most and jumps to the section.
    page.evaluate("() => window.scrollTo(0, 0)")
    jump = page.locator("button.ds-jump[data-target='explanations']")
    assert "mean radius rose most" in jump.inner_text()
    jump.click()
    page.wait_for_function(
        "() => Math.abs(document.getElementById('explanations').getBoundingClientRect().top) < 40",
        timeout=5_000,
    )
    section.screenshot(path=str(EXPLANATIONS_SCREENSHOT))
    assert session.requests == []
    assert session.errors == []


def test_the_standalone_explanation_page_draws_offline(
    session: _Session, explained_report: Report, tmp_path: Path
) -> None:
    from driftscope.report.html import render_explanation_html

    assert explained_report.explanations is not None
    explanation = explained_report.explanations.to_dict()["explanation"]
    path = tmp_path / "explain.html"
    path.write_text(render_explanation_html(explanation, "ref.csv", "cur.csv"), encoding="utf-8")
    session.open(path)
    page = session.page
    _chart(page, "importance")
    _chart(page, "dependence", len(explanation["dependence"]) - 1)
    assert page.locator("h1").inner_text() == "driftscope explanation report"
    assert session.requests == []
    assert session.errors == []


HOSTILE_ARM = "<b>beta</b> & 'new'"


def _sections_report() -> Report:
    """A monitoring run with feedback that sours in its last window, an identical shadow model
    and two arms, one of them named with markup."""
    import numpy as np
    import pandas as pd

    import driftscope

    rng = np.random.default_rng(4)

    def frame(n: int) -> pd.DataFrame:
        x = rng.normal(size=n)
        y = (x + rng.normal(scale=0.5, size=n) > 0).astype(int)
        return pd.DataFrame({"x": x, "target": y, "prediction": (x > 0).astype(int)})

    ref, cur = frame(800), frame(1200)
    cur["rid"] = np.arange(1200)
    cur["candidate"] = cur["prediction"]
    cur["arm"] = np.where(np.arange(1200) % 2, HOSTILE_ARM, "alpha")
    down = rng.random(1200) < np.where(np.arange(1200) >= 900, 0.35, 0.05)
    feedback = pd.DataFrame({"rid": np.arange(1200), "thumb": np.where(down, "down", "up")})
    return driftscope.monitor(
        ref,
        cur,
        target="target",
        prediction="prediction",
        id="rid",
        n_windows=4,
        multivariate=False,
        n_resamples=100,
        feedback=feedback,
        feedback_value="thumb",
        shadow_prediction="candidate",
        arm="arm",
    )


def test_feedback_shadow_and_ab_sections_render_sort_and_jump_offline(
    session: _Session, tmp_path: Path
) -> None:
    report = _sections_report()
    data = report.to_dict()
    path = tmp_path / "sections.html"
    report.save_html(path)
    session.open(path)
    page = session.page

    feedback = page.locator("section[data-section='feedback']")
    rows = feedback.locator("table.ds-feedback-table > tbody > tr")
    assert rows.count() == len(data["feedback"]["windows"]) == 4
    assert rows.nth(3).locator(".ds-badge").inner_text() == "alert"
    assert rows.nth(3).evaluate("e => getComputedStyle(e.cells[0]).boxShadow") != "none"
    # Sorting by the negative share puts the soured window first when descending.
    header = feedback.locator("table.ds-feedback-table thead button.ds-sort", has_text="Negative")
    header.click()
    header.click()
    first = feedback.locator("table.ds-feedback-table > tbody > tr").first
    assert first.locator("th").inner_text() == data["feedback"]["alerts"][0]

    shadow = page.locator("section[data-section='shadow']")
    assert "100.0% agree" in shadow.locator(".ds-lead .ds-badge").inner_text()
    assert shadow.locator("table.ds-shadow-windows > tbody > tr").count() == 4

    ab = page.locator("section[data-section='ab_test']")
    assert ab.locator("table.ds-ab-table > tbody > tr").count() == len(data["ab_test"]["metrics"])
    assert HOSTILE_ARM in ab.inner_text()  # shown literally, not as markup
    assert ab.locator("b").count() == 0

    # The verdict lists the feedback reason and the two information lines; the nav jumps.
    reasons = page.locator("section.ds-decision ol.ds-reasons").inner_text()
    assert "Negative feedback significantly up" in reasons
    for label, section in (("Feedback", feedback), ("Shadow model", shadow), ("A/B test", ab)):
        page.evaluate("() => window.scrollTo(0, 0)")
        page.locator("button.ds-jump", has_text=label).click()
        page.wait_for_function("() => window.scrollY > 300", timeout=5_000)
        section.wait_for(state="visible")
    assert session.requests == []
    assert session.errors == []
