"""A version's model run by the service on data without predictions: ONNX (checked against
scikit-learn's own predictions), skops with a preprocessor, and models that cannot run."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from tests.server.conftest import as_csv, as_parquet, run_jobs

from driftscope.server.state import State


def _cancer() -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Training rows for the model, a baseline and a production run, without predictions."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    frame = load_breast_cancer(as_frame=True).frame
    features = [c for c in frame.columns if c != "target"][:8]
    frame = frame[[*features, "target"]]
    train, rest = train_test_split(frame, test_size=0.6, random_state=0, stratify=frame.target)
    baseline, production = train_test_split(rest, test_size=0.5, random_state=1)
    return train, baseline.reset_index(drop=True), production.reset_index(drop=True), features


def _onnx_model(train: pd.DataFrame, features: list[str]) -> tuple[bytes, LogisticRegression]:
    from skl2onnx import to_onnx

    model = LogisticRegression(max_iter=10_000).fit(train[features], train.target)
    onnx = to_onnx(model, train[features].to_numpy(np.float32)[:1], target_opset=17)
    return onnx.SerializeToString(), model


def _skops(obj: object) -> bytes:
    buffer = io.BytesIO()
    sio.dump(obj, buffer)
    return buffer.getvalue()


def _version(client: TestClient, baseline: pd.DataFrame, **files: tuple[str, bytes]) -> Any:
    client.post("/api/v1/models", json={"name": "cancer", "task": "binary_classification"})
    return client.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("baseline.parquet", as_parquet(baseline)), **files},
        data={"target": "target"},
    )


def test_an_onnx_model_gives_the_baseline_and_the_runs_their_predictions(
    admin: TestClient, state: State
) -> None:
    train, baseline, production, features = _cancer()
    onnx, model = _onnx_model(train, features)
    version = _version(admin, baseline, model_file=("model.onnx", onnx))
    assert version.status_code == 201, version.text
    body = version.json()
    assert (body["prediction"], body["proba_prefix"], body["model_format"]) == (
        "prediction",
        "proba_",
        "onnx",
    )
    run = admin.post("/api/v1/models/cancer/runs", files={"data": ("run.csv", as_csv(production))})
    assert run.status_code == 201, run.text
    run_jobs(state)
    shown = admin.get(f"/api/v1/models/cancer/runs/{run.json()['id']}").json()
    assert shown["status"] == "analysed", shown
    report = admin.get(f"/api/v1/models/cancer/runs/{run.json()['id']}/report").json()
    accuracy = next(m for m in report["performance"]["metrics"] if m["name"] == "accuracy")
    expected = np.mean(model.predict(production[features]) == production.target)
    assert accuracy["current"] == pytest.approx(expected)
    reference = np.mean(model.predict(baseline[features]) == baseline.target)
    assert accuracy["reference"] == pytest.approx(reference)
    roc = next(m for m in report["performance"]["metrics"] if m["name"] == "roc_auc")
    from sklearn.metrics import roc_auc_score

    proba = model.predict_proba(production[features])[:, 1]
    assert roc["current"] == pytest.approx(roc_auc_score(production.target, proba), abs=1e-6)


def test_a_skops_model_with_its_preprocessor(admin: TestClient, state: State) -> None:
    train, baseline, production, features = _cancer()
    scaler = StandardScaler().fit(train[features])
    model = LogisticRegression(max_iter=10_000).fit(scaler.transform(train[features]), train.target)
    version = _version(
        admin,
        baseline,
        model_file=("model.skops", _skops(model)),
        preprocessor=("scaler.skops", _skops(scaler)),
    )
    assert version.status_code == 201, version.text
    run = admin.post("/api/v1/models/cancer/runs", files={"data": ("run.csv", as_csv(production))})
    run_jobs(state)
    report = admin.get(f"/api/v1/models/cancer/runs/{run.json()['id']}/report").json()
    accuracy = next(m for m in report["performance"]["metrics"] if m["name"] == "accuracy")
    expected = np.mean(model.predict(scaler.transform(production[features])) == production.target)
    assert accuracy["current"] == pytest.approx(expected)


def test_models_that_cannot_run_are_refused_or_fail_the_run_with_a_message(
    admin: TestClient, state: State
) -> None:
    train, baseline, production, features = _cancer()
    onnx, _ = _onnx_model(train, features[:3])  # takes 3 inputs; the data has 8 features
    wrong = _version(admin, baseline, model_file=("model.onnx", onnx))
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "model_file"
    assert "ONNX model failed on the data" in wrong.json()["detail"]
    garbage = _version(admin, baseline, model_file=("model.onnx", b"not a model"))
    assert "could not be loaded" in garbage.json()["detail"]
    lonely = _version(admin, baseline, preprocessor=("scaler.skops", _skops(StandardScaler())))
    assert lonely.json()["errors"][0]["field"] == "preprocessor"
    good, _ = _onnx_model(train, features)
    onnx_scaler = _version(
        admin, baseline, model_file=("model.onnx", good), preprocessor=("scaler.onnx", good)
    )
    assert onnx_scaler.json()["errors"][0]["field"] == "preprocessor"
    assert "one ONNX pipeline" in onnx_scaler.json()["detail"]
    assert admin.get("/api/v1/models/cancer").json()["n_versions"] == 0
    assert _version(admin, baseline, model_file=("model.onnx", good)).status_code == 201
    # A run without a feature the model takes: stored, then failed with the reason.
    run = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.csv", as_csv(production.drop(columns=[features[0]])))},
    )
    run_jobs(state)
    failed = admin.get(f"/api/v1/models/cancer/runs/{run.json()['id']}").json()
    assert failed["status"] == "failed"
    assert (
        failed["error"] == f"The data has no feature column {features[0]!r} that the model takes."
    )
