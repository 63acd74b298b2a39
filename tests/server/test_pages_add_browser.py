"""Adding a model in a real browser (Debian's Chromium through Playwright) against a real
`driftscope serve`, at a phone's width: a wrong file first and its problem shown next to it, the
right one, the inferred schema confirmed, and the new model's page; nothing is loaded from
outside the server and the Content-Security-Policy blocks nothing the pages need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.server._browser import watched
from tests.server._serve import ADMIN_PASSWORD, Server, serving
from tests.server.conftest import breast_cancer_split


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("add-pages")) as running:
        yield running


def test_add_a_model_with_a_wrong_file_first_in_a_browser(
    browser: Any, server: Server, tmp_path: Path
) -> None:
    origin = server.url.removesuffix("/api/v1")
    baseline, _ = breast_cancer_split()
    right = tmp_path / "cancer.csv"
    baseline.to_csv(right, index=False)
    wrong = tmp_path / "photo.png"
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    with watched(browser, origin, width=390, height=844) as visit:  # a phone's width
        page = visit.page
        page.goto(f"{origin}/login")
        page.get_by_label("User name").fill("admin")
        page.get_by_label("Password").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{origin}/models")
        page.get_by_role("link", name="Add model").click()
        page.wait_for_url(f"{origin}/models/new")
        page.get_by_label("Task").select_option("binary_classification")
        page.get_by_label("Name", exact=True).fill("cancer")
        page.get_by_label("Baseline data").set_input_files(str(wrong))
        page.get_by_label("Target column").fill("target")
        page.get_by_label("Prediction column").fill("prediction")
        page.get_by_label("Probability prefix").fill("proba_")
        page.get_by_label("ID column").fill("id")
        page.get_by_label("Metric 1").fill("accuracy")
        page.get_by_label("Value 1").fill("0.9")
        page.get_by_role("button", name="Check and show the schema").click()
        page.wait_for_load_state()
        assert "1 problem(s)" in page.get_by_role("alert").inner_text()
        problem = page.locator("#baseline-problem")
        assert "'baseline' must be a table file" in problem.inner_text()
        # The problem is tied to its field for a screen reader, and what was typed is kept.
        baseline_input = page.get_by_label("Baseline data")
        assert baseline_input.get_attribute("aria-invalid") == "true"
        assert "baseline-problem" in (baseline_input.get_attribute("aria-describedby") or "")
        assert page.get_by_label("Name", exact=True).input_value() == "cancer"
        assert page.get_by_label("Value 1").input_value() == "0.9"
        # The problem is not told by colour alone.
        before = page.eval_on_selector(
            "#baseline-problem p", "e => getComputedStyle(e, '::before').content"
        )
        assert "Problem" in before
        page.screenshot(path=str(tmp_path / "add-problem-390.png"), full_page=True)
        baseline_input.set_input_files(str(right))
        page.get_by_role("button", name="Check and show the schema").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="Confirm the schema").count() == 1
        # Correct one column's role from the keyboard-reachable select.
        role = page.get_by_label("Role of mean radius")
        assert role.input_value() == "feature"
        role.select_option("ignored")
        assert page.get_by_label("Kind of mean radius").is_visible()  # not hidden at 390 px
        page.screenshot(path=str(tmp_path / "add-schema-390.png"), full_page=True)
        page.get_by_role("button", name="Save the model").click()
        page.wait_for_url(f"{origin}/models/cancer")
        assert page.get_by_role("heading", name="cancer").count() == 1
        assert "accuracy 0.9" in page.get_by_role("row").filter(has_text="v1").inner_text()
    version = server.client().get("/models/cancer/versions/1").json()
    columns = {c["name"]: c for c in version["schema"]["columns"]}
    assert columns["mean radius"]["role"] == "ignored"
