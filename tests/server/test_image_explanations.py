"""Explanations of an image classifier in the service: an image run's report carries its
overlays, equal to `monitor_images` with the service's bounds; the run's explanations endpoint
and run page show them."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.onnx_models import digits_classifier
from tests.server._serve import ADMIN_PASSWORD
from tests.server.conftest import run_jobs
from tests.server.test_files import _digits_zip

from driftscope.analyses.image_explanation import ImageExplainSettings
from driftscope.server.services.runs import EXPLAINED_IMAGE_EVALS, EXPLAINED_IMAGES
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State
from driftscope.workflows.images import monitor_images


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    """The conftest's settings on SQLite, with explanations on (the conftest turns them off)."""
    return load_settings(
        data_dir=tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        worker=False,
        period_quiet_seconds=0,
        explain_rows=200,
    )


def test_an_image_run_has_the_overlays_of_the_library(
    admin: TestClient, state: State, tmp_path: Path
) -> None:
    model = digits_classifier(tmp_path / "digits.onnx")
    baseline = _digits_zip(tmp_path, "base", 0, seed=0, n=40)
    rotated = _digits_zip(tmp_path, "rotated", 90, seed=2, n=40)
    admin.post("/api/v1/models", json={"name": "digits", "task": "image_classification"})
    version = admin.post(
        "/api/v1/models/digits/versions",
        files={
            "baseline": ("base.zip", baseline),
            "model_file": ("digits.onnx", model.read_bytes()),
        },
        data={"target": "labels"},
    )
    assert version.status_code == 201, version.text
    run = admin.post("/api/v1/models/digits/runs", files={"data": ("rotated.zip", rotated)})
    run_id = run.json()["id"]
    run_jobs(state)
    report = admin.get(f"/api/v1/models/digits/runs/{run_id}/report").json()
    section = report["explanations"]["images"]
    assert report["explanations"]["error"] is None
    # The service's bounds: a few images a side, few model calls each.
    assert len(section["images"]) == len(section["reference"]["images"]) == EXPLAINED_IMAGES
    assert section["bounds"]["evaluations_per_image"] == EXPLAINED_IMAGE_EVALS
    expected = monitor_images(
        tmp_path / "base" / "table.csv",
        tmp_path / "rotated" / "table.csv",
        model,
        labels_column="labels",
        explain=EXPLAINED_IMAGES,
        explain_settings=ImageExplainSettings(max_evals=EXPLAINED_IMAGE_EVALS),
    ).to_dict()["explanations"]["images"]
    for served, wanted in (
        (section, expected),
        (section["reference"], expected["reference"]),
    ):
        assert [i["source"] for i in served["images"]] == [i["source"] for i in wanted["images"]]
        assert [i["map"] for i in served["images"]] == [i["map"] for i in wanted["images"]]
        assert [i["overlay"] for i in served["images"]] == [i["overlay"] for i in wanted["images"]]
        assert all(i["overlay"].startswith("data:image/png;base64,") for i in served["images"])
    # The explanations endpoint, and the run's report page (data: images are allowed) with
    # the overlays in it.
    assert admin.get(f"/api/v1/runs/{run_id}/explanations").json() == report["explanations"]
    page = admin.get(f"/models/digits/runs/{run_id}/report.html")
    assert page.status_code == 200
    assert section["images"][0]["overlay"] in page.text
    # The run page and the model page say so in words, with no "could not be explained".
    for url in (f"/models/digits/runs/{run_id}", "/models/digits"):
        text = admin.get(url).text
        assert f"{EXPLAINED_IMAGES} of 40 run images and {EXPLAINED_IMAGES} of 40 baseline" in text
        assert "could not be explained" not in text
    assert "Each explained image&#39;s overlay in the report" in admin.get(
        f"/models/digits/runs/{run_id}"
    ).text.replace("'", "&#39;")
