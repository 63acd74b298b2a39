"""Explanations in the service: the analysis job explains a version's model file (skops, with
its preprocessor composed in front; ONNX) on the baseline and the run, none without a model
file or with explanations off, an unloadable model leaves the run analysed with the error in
the section; ``GET /api/v1/runs/{id}/explanations`` (roles, 404s); the model page's card and
the run page's section."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from fastapi.testclient import TestClient
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tests.server._serve import ADMIN_PASSWORD
from tests.server.conftest import (
    as_csv,
    as_parquet,
    log_in,
    new_token,
    run_jobs,
    token_client,
)

from driftscope.analyses.explanation import ExplainSettings, explain
from driftscope.server.app import create_app
from driftscope.server.models import Version
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State, open_state

#: Rows explained per side in these tests (the permutation explainer of an ONNX model costs
#: rows x evaluations x background model rows).
ROWS = 40
#: Rows explained per side of an ONNX model.
ONNX_ROWS = 10


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    """The conftest's settings on SQLite only: what is tested here is the job and the pages,
    not the store (the one query added runs on both in the dashboard tests' shape)."""
    return load_settings(
        data_dir=tmp_path / "data",
        admin_password=ADMIN_PASSWORD,
        worker=False,
        period_quiet_seconds=0,
        explain_rows=ROWS,
    )


def _cancer() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """Training rows, a baseline and a production run (without predictions) of the breast
    cancer set on 8 features; in the run "mean radius" is 3 standard deviations larger."""
    frame = load_breast_cancer(as_frame=True).frame
    features = [c for c in frame.columns if c != "target"][:8]
    frame = frame[[*features, "target"]]
    train, rest = train_test_split(frame, test_size=0.6, random_state=0, stratify=frame.target)
    baseline, production = train_test_split(rest, test_size=0.5, random_state=1)
    production = production.assign(
        **{"mean radius": production["mean radius"] + 3 * frame["mean radius"].std()}
    )
    return train, baseline.reset_index(drop=True), production.reset_index(drop=True), features


def _skops(obj: object) -> bytes:
    buffer = io.BytesIO()
    sio.dump(obj, buffer)
    return buffer.getvalue()


def _scaled_model(train: pd.DataFrame, features: list[str]) -> Pipeline:
    scaler = StandardScaler().fit(train[features])
    model = LogisticRegression(max_iter=10_000).fit(scaler.transform(train[features]), train.target)
    return Pipeline([("preprocessor", scaler), ("model", model)])


def _add(client: TestClient, baseline: pd.DataFrame, name: str = "cancer", **files: Any) -> Any:
    client.post("/api/v1/models", json={"name": name, "task": "binary_classification"})
    made = client.post(
        f"/api/v1/models/{name}/versions",
        files={"baseline": ("baseline.parquet", as_parquet(baseline)), **files},
        data={"target": "target"} if files else {"target": "target", "prediction": "prediction"},
    )
    assert made.status_code == 201, made.text
    return made.json()


def _run(client: TestClient, state: State, production: pd.DataFrame, name: str = "cancer") -> int:
    uploaded = client.post(
        f"/api/v1/models/{name}/runs", files={"data": ("run.csv", as_csv(production))}
    )
    assert uploaded.status_code == 201, uploaded.text
    run_jobs(state)
    run_id: int = uploaded.json()["id"]
    shown = client.get(f"/api/v1/models/{name}/runs/{run_id}").json()
    assert shown["status"] == "analysed", shown
    return run_id


def _importance(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["feature"]: i for i in section["explanation"]["importance"]}


def test_a_skops_model_with_its_preprocessor_is_explained_on_the_baseline_and_the_run(
    admin: TestClient, state: State
) -> None:
    train, baseline, production, features = _cancer()
    pipeline = _scaled_model(train, features)
    _add(
        admin,
        baseline,
        model_file=("model.skops", _skops(pipeline[-1])),
        preprocessor=("scaler.skops", _skops(pipeline[0])),
    )
    run_id = _run(admin, state, production)
    answer = admin.get(f"/api/v1/runs/{run_id}/explanations")
    assert answer.status_code == 200, answer.text
    section = answer.json()
    assert section["error"] is None
    explanation = section["explanation"]
    # The preprocessor composed in front kept the final step in sight: exact linear SHAP.
    assert explanation["explainer"] == "linear"
    assert explanation["bounds"] == {
        "reference_rows": ROWS,
        "reference_total": len(baseline),
        "current_rows": ROWS,
        "current_total": len(production),
        "background_rows": 100,
        "evaluations_per_row": None,
    }
    # The numbers are driftscope.explain's of the same model on the same rows.
    expected = explain(
        pipeline, baseline, production, target="target", settings=ExplainSettings(max_rows=ROWS)
    )
    stored = _importance(section)
    assert set(stored) == set(features)
    for item in expected.importance:
        assert stored[item.feature]["reference"] == pytest.approx(item.reference, rel=1e-9)
        assert stored[item.feature]["current"] == pytest.approx(item.current, rel=1e-9)
    # The shifted feature's attributions grew on the run: it leads there, more than before.
    radius = stored["mean radius"]
    assert radius["current_rank"] == 1
    assert radius["change"] > 0
    assert radius["current"] > 2 * radius["reference"]


def test_an_onnx_model_is_explained_like_the_estimator_it_was_made_from(
    admin: TestClient, settings: ServerSettings
) -> None:
    from skl2onnx import to_onnx

    train, baseline, production, features = _cancer()
    model = LogisticRegression(max_iter=10_000).fit(train[features], train.target)
    onnx = to_onnx(model, train[features].to_numpy(np.float32)[:1], target_opset=17)
    _add(admin, baseline, model_file=("model.onnx", onnx.SerializeToString()))
    # Fewer rows: the permutation explainer calls the model rows x evaluations x background
    # times on each side.
    fewer = open_state(settings.model_copy(update={"explain_rows": ONNX_ROWS}))
    try:
        run_id = _run(admin, fewer, production)
    finally:
        fewer.engine.dispose()
    section = admin.get(f"/api/v1/runs/{run_id}/explanations").json()
    assert section["error"] is None
    explanation = section["explanation"]
    assert explanation["explainer"] == "permutation"
    assert explanation["model"].endswith(".onnx")
    assert explanation["additivity"] < 1e-4
    # The scikit-learn model explained in process by the same explainer on the same rows
    # (onnxruntime computes in float32: the attributions agree to that precision).
    expected = explain(
        model,
        baseline,
        production,
        target="target",
        settings=ExplainSettings(method="permutation", max_rows=ONNX_ROWS),
    )
    stored = _importance(section)
    for item in expected.importance:
        assert stored[item.feature]["reference"] == pytest.approx(
            item.reference, rel=1e-3, abs=1e-6
        )
        assert stored[item.feature]["current"] == pytest.approx(item.current, rel=1e-3, abs=1e-6)
    assert stored["mean radius"]["change"] > 0


def test_without_a_model_file_or_explanations_off_a_run_has_none(
    admin: TestClient, state: State, settings: ServerSettings
) -> None:
    train, baseline, production, features = _cancer()
    pipeline = _scaled_model(train, features)
    _add(admin, baseline.assign(prediction=pipeline.predict(baseline[features])))
    run_id = _run(
        admin, state, production.assign(prediction=pipeline.predict(production[features]))
    )
    report = admin.get(f"/api/v1/models/cancer/runs/{run_id}/report").json()
    assert report["explanations"] is None
    missing = admin.get(f"/api/v1/runs/{run_id}/explanations")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == (
        f"Run {run_id} has no explanations: its version v1 has no model file to explain."
    )
    page = admin.get("/models/cancer").text
    assert "What drives the model" in page
    assert f"No explanations to show: run {run_id} has none: its version v1 has no model" in page

    # A version with a model file, analysed by a service with explanations off.
    _add(admin, baseline, name="off", model_file=("model.skops", _skops(pipeline)))
    off_settings = settings.model_copy(update={"explain_rows": 0})
    off = open_state(off_settings)
    try:
        off_run = _run(admin, off, production, name="off")
        with TestClient(create_app(off_settings, off), base_url="http://127.0.0.1") as other:
            log_in(other)
            text = other.get("/models/off").text
    finally:
        off.engine.dispose()
    report = admin.get(f"/api/v1/models/off/runs/{off_run}/report").json()
    assert report["explanations"] is None
    assert admin.get(f"/api/v1/runs/{off_run}/explanations").status_code == 404
    assert f"run {off_run} has none: explanations are off on this server (explain_rows 0)" in text


def test_a_model_that_cannot_be_loaded_leaves_the_run_analysed_with_the_error(
    admin: TestClient, state: State
) -> None:
    train, baseline, production, features = _cancer()
    pipeline = _scaled_model(train, features)
    _add(
        admin,
        baseline.assign(prediction=pipeline.predict(baseline[features])),
        model_file=("model.skops", _skops(pipeline)),
    )
    with state.sessions() as session:
        key = session.query(Version).one().model_file
    state.artifacts.path(key).write_bytes(b"not a skops file any more")
    # The run brings its predictions: only the explanations need the model.
    run_id = _run(
        admin, state, production.assign(prediction=pipeline.predict(production[features]))
    )
    section = admin.get(f"/api/v1/runs/{run_id}/explanations").json()
    assert section["explanation"] is None
    assert section["error"].startswith("The model could not be loaded:")
    report = admin.get(f"/api/v1/models/cancer/runs/{run_id}/report").json()
    assert report["dataset"]["drift_share"] > 0
    assert f"explanations: {section['error']}" in report["warnings"]
    card = admin.get("/models/cancer").text
    assert "The model could not be explained: The model could not be loaded:" in card
    assert f'href="/models/cancer/runs/{run_id}#explanations"' in card


def test_the_route_needs_a_reader_and_says_when_there_is_nothing_yet(
    admin: TestClient, state: State
) -> None:
    train, baseline, production, features = _cancer()
    _add(admin, baseline, model_file=("model.skops", _skops(_scaled_model(train, features))))
    pending = admin.post(
        "/api/v1/models/cancer/runs", files={"data": ("run.csv", as_csv(production))}
    ).json()["id"]
    early = admin.get(f"/api/v1/runs/{pending}/explanations")
    assert early.status_code == 404
    assert early.json()["detail"] == (
        f"Run {pending} has no report (its analysis has not finished)."
    )
    run_jobs(state)
    viewer = token_client(admin, new_token(admin, "viewer"))
    shown = viewer.get(f"/api/v1/runs/{pending}/explanations")
    assert shown.status_code == 200
    assert shown.json()["explanation"]["explainer"] == "linear"
    anonymous = TestClient(admin.app, base_url="http://127.0.0.1")
    refused = anonymous.get(f"/api/v1/runs/{pending}/explanations")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    unknown = viewer.get("/api/v1/runs/999999/explanations")
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "No run 999999."
    assert viewer.get("/api/v1/runs/0/explanations").status_code == 422
    assert "/api/v1/runs/{run_id}/explanations" in admin.get("/api/v1/openapi.json").json()["paths"]


@pytest.fixture
def explained(admin: TestClient, state: State) -> int:
    train, baseline, production, features = _cancer()
    _add(admin, baseline, model_file=("model.skops", _skops(_scaled_model(train, features))))
    return _run(admin, state, production)


def test_the_model_page_card_and_the_run_page_section(admin: TestClient, explained: int) -> None:
    none_yet = admin.get("/models/cancer")
    assert none_yet.status_code == 200
    card = none_yet.text.split('id="drivers"')[1].split("</section>")[0]
    assert "v1&#39;s model" in card or "v1's model" in card
    assert f'<a href="/models/cancer/runs/{explained}#explanations">' in card
    # Top features, the most important on the run first: the shifted one.
    first = card.split("<tbody>")[1].split("</tr>")[0]
    assert "<td>mean radius</td>" in first
    assert "linear explainer on Pipeline: explained 40 of" in card
    run_page = admin.get(f"/models/cancer/runs/{explained}").text
    assert '<a href="#explanations">What drives the model</a>' in run_page
    assert '<section id="explanations"' in run_page
    assert f"/models/cancer/runs/{explained}/report.html#explanations" in run_page


def test_a_model_without_runs_says_none_is_analysed(admin: TestClient) -> None:
    _, baseline, _, _ = _cancer()
    _add(admin, baseline.assign(prediction=0))
    page = admin.get("/models/cancer").text
    assert "No explanations to show: no run has been analysed yet." in page


def test_a_drop_is_attributed_on_the_dashboard(admin: TestClient, state: State) -> None:
    # The run's labels are flipped: the model's performance falls, the analysis attributes the
    # loss increase to features, and the sentence joins the verdict's reason the model page
    # (its dashboard) lists.
    train, baseline, production, features = _cancer()
    pipeline = _scaled_model(train, features)
    _add(
        admin,
        baseline,
        model_file=("model.skops", _skops(pipeline[-1])),
        preprocessor=("scaler.skops", _skops(pipeline[0])),
    )
    flipped = production.assign(target=1 - production["target"])
    run_id = _run(admin, state, flipped)
    section = admin.get(f"/api/v1/runs/{run_id}/explanations").json()
    loss = section["loss"]
    assert loss is not None
    assert loss["attributable"]
    assert loss["current_loss"] > loss["reference_loss"]
    assert "of the log loss increase comes from" in loss["reason"]
    page = admin.get("/models/cancer").text
    assert loss["reason"] in page
