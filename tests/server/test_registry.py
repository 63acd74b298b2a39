"""The model registry over the API: models, immutable versions, aliases with their history."""

from __future__ import annotations

import io
import json

import joblib
from fastapi.testclient import TestClient
from sklearn.linear_model import LogisticRegression
from tests.server.conftest import (
    add_model,
    add_version,
    as_csv,
    as_parquet,
    breast_cancer_split,
    log_in,
)

from driftscope.server.app import create_app
from driftscope.server.settings import ServerSettings
from driftscope.server.state import State


def test_a_model_and_its_version_are_stored_with_the_inferred_schema(admin: TestClient) -> None:
    version = add_model(admin, benchmarks=json.dumps({"accuracy": 0.9, "roc_auc": 0.95}))
    assert version["number"] == 1
    assert version["benchmarks"] == {"accuracy": 0.9, "roc_auc": 0.95}
    columns = {c["name"]: c for c in version["schema"]["columns"]}
    assert columns["target"]["role"] == "target"
    assert columns["mean radius"]["kind"] == "numerical"
    assert columns["id"]["role"] == "id"
    model = admin.get("/api/v1/models/cancer").json()
    assert (model["task"], model["n_versions"], model["aliases"]) == (
        "binary_classification",
        1,
        {},
    )
    listed = admin.get("/api/v1/models", params={"search": "canc"}).json()
    assert listed["total"] == 1
    assert listed["items"][0]["name"] == "cancer"


def test_bad_models_and_versions_name_the_field(admin: TestClient) -> None:
    bad_task = admin.post("/api/v1/models", json={"name": "m", "task": "astrology"})
    assert bad_task.status_code == 422
    assert bad_task.json()["errors"][0]["field"] == "task"
    reserved = admin.post("/api/v1/models", json={"name": "new", "task": "regression"})
    assert reserved.status_code == 422
    assert "reserved" in reserved.json()["detail"]
    assert reserved.json()["errors"][0]["field"] == "name"
    add_model(admin)
    twice = admin.post("/api/v1/models", json={"name": "cancer", "task": "regression"})
    assert twice.status_code == 409
    baseline, _ = breast_cancer_split()

    def version(**fields: object) -> dict[str, object]:
        files = {"baseline": ("b.parquet", as_parquet(baseline))}
        if "files" in fields:
            files |= fields.pop("files")  # type: ignore[arg-type]
        response = admin.post("/api/v1/models/cancer/versions", files=files, data=fields)
        assert response.status_code in (404, 422), response.text
        body: dict[str, object] = response.json()
        return body

    missing = version(target="label")
    assert missing["errors"] == [{"field": "baseline", "detail": missing["detail"]}]
    assert "no column 'label'" in str(missing["detail"])
    assert version(target="target", benchmarks="{not json")["errors"][0]["field"] == "benchmarks"
    unknown = version(target="target", prediction="prediction", benchmarks='{"bleu": 0.5}')
    assert "bleu" in str(unknown["detail"])
    out_of_range = version(target="target", benchmarks='{"accuracy": 7}')
    assert "[0, 1]" in str(out_of_range["detail"])
    text = version(files={"baseline": ("notes.txt", b"hello")})
    assert text["errors"][0]["field"] == "baseline"
    empty = version(files={"baseline": ("b.csv", b"a,b\n")})
    assert "no rows" in str(empty["detail"])
    pickled = version(target="target", files={"model_file": ("model.pkl", b"\x80\x04.")})
    assert "--allow-pickle" in str(pickled["detail"])
    assert pickled["errors"][0]["field"] == "model_file"
    assert (
        admin.post(
            "/api/v1/models/nope/versions", files={"baseline": ("b.csv", as_csv(baseline))}
        ).status_code
        == 404
    )
    # Nothing was stored by any refused version.
    assert admin.get("/api/v1/models/cancer").json()["n_versions"] == 1


def test_pickle_models_are_accepted_when_the_operator_allows_them(
    settings: ServerSettings, state: State
) -> None:
    allowing = settings.model_copy(update={"allow_pickle": True})
    with TestClient(create_app(allowing), base_url="http://127.0.0.1") as client:
        log_in(client)
        client.post("/api/v1/models", json={"name": "p", "task": "binary_classification"})
        baseline, _ = breast_cancer_split()
        features = [c for c in baseline.columns if c.startswith(("mean", "worst"))]
        features = [c for c in baseline.columns if c in features or " error" in c]
        model = LogisticRegression(max_iter=10_000).fit(baseline[features], baseline.target)
        dumped = io.BytesIO()
        joblib.dump(model, dumped)
        response = client.post(
            "/api/v1/models/p/versions",
            files={
                "baseline": ("b.parquet", as_parquet(baseline[["id", *features, "target"]])),
                "model_file": ("model.joblib", dumped.getvalue()),
            },
            data={"target": "target", "id_column": "id"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["model_format"] == "joblib"


def test_promote_and_rollback_keep_a_history(admin: TestClient) -> None:
    add_model(admin)
    baseline, _ = breast_cancer_split()
    second = admin.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("b.csv", as_csv(baseline))},
        data={"target": "target", "prediction": "prediction"},
    )
    assert second.json()["number"] == 2
    assert admin.post("/api/v1/models/cancer/aliases/production/rollback").status_code == 409
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 2})
    admin.post("/api/v1/models/cancer/aliases/staging", json={"version": 2})
    assert admin.get("/api/v1/models/cancer").json()["aliases"] == {"production": 2, "staging": 2}
    back = admin.post("/api/v1/models/cancer/aliases/production/rollback").json()
    assert (back["action"], back["from_version"], back["to_version"]) == ("rollback", 2, 1)
    assert admin.get("/api/v1/models/cancer").json()["aliases"]["production"] == 1
    history = admin.get("/api/v1/models/cancer/aliases/history").json()
    assert [(h["alias"], h["action"], h["to_version"]) for h in history] == [
        ("production", "rollback", 1),
        ("staging", "promote", 2),
        ("production", "promote", 2),
        ("production", "promote", 1),
    ]
    assert all(h["actor"] == "admin" for h in history)
    # Nothing earlier than version 1 to go back to.
    assert admin.post("/api/v1/models/cancer/aliases/production/rollback").status_code == 409
    assert (
        admin.post("/api/v1/models/cancer/aliases/canary", json={"version": 1}).json()["errors"][0][
            "field"
        ]
        == "alias"
    )
    assert (
        admin.post("/api/v1/models/cancer/aliases/production", json={"version": 9}).status_code
        == 404
    )


def test_deleting_a_version_deletes_its_runs_and_its_alias(admin: TestClient, state: State) -> None:
    from sqlalchemy import func, select
    from tests.server.conftest import run_jobs

    from driftscope.server.models import Run, RunMetric

    add_model(admin)
    _, production = breast_cancer_split()
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    admin.post("/api/v1/models/cancer/runs", files={"data": ("r.csv", as_csv(production))})
    run_jobs(state)
    assert admin.delete("/api/v1/models/cancer/versions/1").status_code == 204
    assert admin.get("/api/v1/models/cancer").json()["aliases"] == {}
    assert admin.get("/api/v1/models/cancer/versions/1").status_code == 404
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Run)) == 0
        assert session.scalar(select(func.count()).select_from(RunMetric)) == 0
    history = admin.get("/api/v1/models/cancer/aliases/history").json()
    assert [(h["action"], h["to_version"], h["to_version_deleted"]) for h in history] == [
        ("promote", 1, True)
    ]
    assert admin.delete("/api/v1/models/cancer/versions/1").status_code == 404


def _add_version(admin: TestClient) -> int:
    number: int = add_version(admin)["number"]
    return number


def test_a_version_number_is_never_reused(admin: TestClient) -> None:
    add_model(admin)
    assert _add_version(admin) == 2
    assert admin.delete("/api/v1/models/cancer/versions/2").status_code == 204
    assert _add_version(admin) == 3  # not a second version 2
    for number in (1, 3):
        assert admin.delete(f"/api/v1/models/cancer/versions/{number}").status_code == 204
    assert admin.get("/api/v1/models/cancer").json()["n_versions"] == 0
    assert _add_version(admin) == 4  # not version 1 again
    listed = admin.get("/api/v1/models/cancer/versions").json()
    assert [v["number"] for v in listed] == [4]
    # A model deleted and made again under its name starts anew.
    assert admin.delete("/api/v1/models/cancer").status_code == 204
    assert add_model(admin)["number"] == 1


def test_the_alias_history_keeps_the_numbers_of_deleted_versions(admin: TestClient) -> None:
    add_model(admin)
    _add_version(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 2})
    assert admin.delete("/api/v1/models/cancer/versions/1").status_code == 204
    history = admin.get("/api/v1/models/cancer/aliases/history").json()
    moves = [
        (h["from_version"], h["from_version_deleted"], h["to_version"], h["to_version_deleted"])
        for h in history
    ]
    assert moves == [(1, True, 2, False), (None, False, 1, True)]
    # Version 1 is gone: nothing to roll back to, and the refusal says why.
    refused = admin.post("/api/v1/models/cancer/aliases/production/rollback")
    assert refused.status_code == 409
    assert "version 1" in refused.json()["detail"]
    assert "deleted" in refused.json()["detail"]
    # A new version takes a new number; promoted and rolled back, the history tells them apart.
    assert _add_version(admin) == 3
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 3})
    back = admin.post("/api/v1/models/cancer/aliases/production/rollback").json()
    assert (back["from_version"], back["to_version"]) == (3, 2)
    assert admin.get("/api/v1/models/cancer").json()["aliases"] == {"production": 2}


def test_a_model_keeps_the_period_it_is_created_with(admin: TestClient) -> None:
    made = admin.post(
        "/api/v1/models", json={"name": "weekly", "task": "regression", "period": "week"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["period"] == "week"
    assert admin.get("/api/v1/models/weekly").json()["period"] == "week"
