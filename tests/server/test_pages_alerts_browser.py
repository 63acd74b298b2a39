"""Alert rules in a real browser (Debian's Chromium through Playwright) against a real
`driftscope serve` on the demo's store (its digits model, whose scans and labels shift from the
fourth week): an editor makes a rule in the app (a wrong threshold first, told beside its field;
the preview says the rule in words as the form changes), sees it fire at once on the shifted
weeks, follows the menu's count to the alert, sees its history linked to the run that fired it,
acknowledges it, and finds it on the dashboard, marked on its timelines; and makes a
change-point rule with its detector's parameters (one out of bounds first, told beside the
field), then edits it, its parameters kept as typed. Nothing is loaded from outside the server
and the Content-Security-Policy refuses nothing.

The rule form, the model's alerts and the alert's page are kept as screenshots at 1280 pixels
wide (in ``test-output/screenshots``), each checked for being drawn."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.server._browser import log_in, screenshot, watched
from tests.server._serve import ADMIN_PASSWORD, Server, serving

from driftscope.demo.digits import DIGITS
from driftscope.demo.store import fill_store

MODEL = "/models/digits"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo's digits model (six weekly runs, shifted from the fourth) in a served store."""
    folder = tmp_path_factory.mktemp("demo")
    fill_store(folder / "data", admin_password=ADMIN_PASSWORD, size=0.3, models=(DIGITS,))
    with serving(folder) as running:
        yield running


def _field(page: Any, label: str) -> Any:
    return page.get_by_label(label, exact=True)


def test_an_editor_makes_a_rule_in_the_app_sees_it_fire_and_acknowledges_it(
    browser: Any, server: Server
) -> None:
    origin = server.url.removesuffix("/api/v1")
    with watched(browser, origin) as visit:
        page = visit.page
        log_in(visit, "admin", ADMIN_PASSWORD, next_page=MODEL)
        assert page.locator(".count-firing").count() == 0  # no rule, no alert yet
        page.get_by_role("navigation", name="digits").get_by_role("link", name="Alerts").click()
        page.wait_for_url(f"{origin}{MODEL}/alerts")
        assert "No rule yet." in page.inner_text("main")
        page.get_by_role("link", name="New rule").click()
        page.wait_for_url(f"{origin}{MODEL}/alerts/rules/new")

        _field(page, "Name").fill("most columns drifted")
        _field(page, "Signal").select_option("drift_share")
        _field(page, "Subject").select_option("")
        _field(page, "Comparator").select_option(">")
        _field(page, "Threshold").fill("a third")
        _field(page, "For runs in a row").fill("2")
        _field(page, "Severity").select_option("critical")
        page.get_by_role("button", name="Make the rule").click()
        page.wait_for_load_state()
        problem = page.locator("#threshold-problem").inner_text()
        assert "The 'threshold' must be a number; got 'a third'" in problem
        assert _field(page, "Name").input_value() == "most columns drifted"

        # The preview follows the form (htmx posts it as it changes).
        _field(page, "Threshold").fill("0.3")
        _field(page, "Threshold").dispatch_event("change")
        page.locator("#preview", has_text="0.3 for 2 runs").wait_for()
        assert "share of drifted columns > 0.3 for 2 runs in a row" in page.inner_text("#preview")
        screenshot(page, "alerts-rule-form-1280")
        page.get_by_role("button", name="Make the rule").click()
        page.wait_for_url(f"{origin}{MODEL}/alerts")

        # Evaluated at once over the analysed weeks: it fired on the fifth week (the second
        # shifted one in a row), its breach starting with the fourth.
        rules = page.locator("table.rules").inner_text()
        assert "share of drifted columns > 0.3 for 2 runs in a row" in rules
        assert "1 firing" in rules
        assert page.locator(".count-firing").inner_text() == "1"
        row = page.locator("table.alerts tbody tr")
        assert row.count() == 1
        assert "2026-09-28" in row.inner_text()
        screenshot(page, "alerts-model-1280")

        page.locator(".count-firing").click()
        page.wait_for_url(f"{origin}/alerts")
        page.locator("table.alerts").get_by_role("link", name="#1").click()
        page.wait_for_url(f"{origin}/alerts/1")
        history = page.locator("table.history tbody tr")
        assert history.count() == 1
        assert "fired" in history.first.inner_text()
        history.first.get_by_role("link", name="run 5").click()
        page.wait_for_url(f"{origin}{MODEL}/runs/5")
        assert "fired" in page.locator("#run-alerts").inner_text()
        page.locator("#run-alerts").get_by_role("link").click()
        page.wait_for_url(f"{origin}/alerts/1")

        page.get_by_role("button", name="Acknowledge").click()
        page.wait_for_url(f"{origin}/alerts/1")
        assert "by admin" in page.locator(".facts").inner_text()
        assert page.get_by_role("button", name="Acknowledge").count() == 0
        _field(page, "For").select_option("1d")
        page.get_by_role("button", name="Silence", exact=True).click()
        page.wait_for_url(f"{origin}/alerts/1")
        kinds = page.locator("table.history tbody tr td:nth-child(2)").all_inner_texts()
        assert kinds == ["fired", "acknowledged", "silenced"]
        screenshot(page, "alerts-alert-1280")

        # The dashboard lists it, and marks it on the timelines at the run that fired it.
        page.goto(f"{origin}{MODEL}")
        page.wait_for_selector("#dashboard[data-drawn=true]")
        assert "most columns drifted" in page.locator("#firing-alerts").inner_text()
        shapes = page.eval_on_selector("#chart-drift", "e => e.layout.shapes")
        assert [(s["x0"], s["line"]["dash"]) for s in shapes] == [("2026-10-05 00:00:00", "dash")]
        assert "#1 most columns drifted" in page.locator("#alert-marks").inner_text()
        fired = page.eval_on_selector(
            "#chart-drift", "e => e.data.filter(t => t.name === 'Alert fired')[0]"
        )
        assert (fired["x"], fired["customdata"]) == (["2026-10-05 00:00:00"], ["/alerts/1"])
        shares = page.eval_on_selector("#chart-drift", "e => e.data[0].y")
        assert fired["y"][0] > max(shares)  # a flag above the drift shares, at its line's top
        # A click on the point opens the alert.
        point = page.locator("#chart-drift .scatterlayer .trace").last.locator("path.point")
        assert point.count() == 1
        point.scroll_into_view_if_needed()
        box = point.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)  # Plotly finds the point under the mouse as it hovers
        page.locator(".hoverlayer .hovertext").first.wait_for()
        page.mouse.click(x, y)
        page.wait_for_url(f"{origin}/alerts/1")


def test_an_editor_makes_a_change_point_rule_with_parameters_and_edits_it(
    browser: Any, server: Server
) -> None:
    origin = server.url.removesuffix("/api/v1")
    with watched(browser, origin) as visit:
        page = visit.page
        log_in(visit, "admin", ADMIN_PASSWORD, next_page=f"{MODEL}/alerts/rules/new")
        _field(page, "Name").fill("probabilities shifted")
        _field(page, "Signal").select_option("change_points")
        _field(page, "Subject").select_option("page_hinkley")
        _field(page, "Measure").select_option("probability")
        _field(page, "Comparator").select_option(">=")
        _field(page, "Threshold").fill("1")
        _field(page, "Detector parameters").fill("delta=-1\nmin_instances=50")
        page.get_by_role("button", name="Make the rule").click()
        page.wait_for_load_state()
        problem = page.locator("#parameters-problem").inner_text()
        assert "The 'delta' parameter of PageHinkley must be a float in [0, inf)" in problem
        assert _field(page, "Detector parameters").input_value() == "delta=-1\nmin_instances=50"

        typed = "delta=0.01\nmin_instances=50\nmode=up"
        _field(page, "Detector parameters").fill(typed)
        _field(page, "Detector parameters").dispatch_event("change")
        page.locator("#preview", has_text="delta=0.01").wait_for()
        words = (
            "page_hinkley change points in the run's probabilities "
            "(delta=0.01, min_instances=50, mode=up) >= 1"
        )
        assert words in page.inner_text("#preview")
        screenshot(page, "alerts-rule-form-change-points-1280")
        page.get_by_role("button", name="Make the rule").click()
        page.wait_for_url(f"{origin}{MODEL}/alerts")
        row = page.locator("table.rules tbody tr", has_text="probabilities shifted")
        assert words in row.inner_text()

        # Its form opens as stored; saved again, its parameters are unchanged.
        row.get_by_role("link", name="Edit").click()
        page.wait_for_url(f"{origin}{MODEL}/alerts/rules/*")
        assert _field(page, "Signal").input_value() == "change_points"
        assert _field(page, "Subject").input_value() == "page_hinkley"
        assert _field(page, "Measure").input_value() == "probability"
        assert _field(page, "Detector parameters").input_value() == typed
        _field(page, "Threshold").fill("2")
        page.get_by_role("button", name="Save the rule").click()
        page.wait_for_url(f"{origin}{MODEL}/alerts")
        assert words.replace(">= 1", ">= 2") in row.inner_text()
