"""Retention, the sweep of unused artifacts, retrying a failed analysis, schema changes."""

from __future__ import annotations

import os
import time

import pandas as pd
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.server.conftest import add_model, as_csv, breast_cancer_split, run_jobs

from driftscope.server.models import RunMetric
from driftscope.server.services import housekeeping
from driftscope.server.state import State


def _age_all_artifacts(state: State) -> None:
    old = time.time() - 7200
    for path in state.artifacts.root.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))


def _run(client: TestClient, frame: pd.DataFrame, date: str) -> int:
    response = client.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.csv", as_csv(frame))},
        data={"date": date},
    )
    assert response.status_code == 201, response.text
    run_id: int = response.json()["id"]
    return run_id


def test_retention_deletes_old_runs_and_the_sweep_their_artifacts(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    today = pd.Timestamp.now(tz="UTC").isoformat()
    _run(admin, production, "2020-01-01T00:00:00Z")
    _run(admin, production.iloc[:100], today)
    run_jobs(state)
    assert (
        admin.put("/api/v1/models/cancer/retention", json={"days": 0}).json()["errors"][0]["field"]
        == "days"
    )
    assert (
        admin.put("/api/v1/models/cancer/retention", json={"days": 30}).json()["retention_days"]
        == 30
    )
    files_before = {p.name for p in state.artifacts.root.rglob("*") if p.is_file()}
    assert housekeeping.apply_retention(state) == 1
    [kept] = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert kept["date"].startswith(today[:10])
    with state.sessions() as session:
        assert {r for (r,) in session.execute(select(RunMetric.run_id).distinct())} == {kept["id"]}
    # Young artifacts stay (they may belong to a write in progress); old unnamed ones go.
    assert housekeeping.sweep_artifacts(state) == 0
    _age_all_artifacts(state)
    assert housekeeping.sweep_artifacts(state) == 2  # the old run's data and report
    files_after = {p.name for p in state.artifacts.root.rglob("*") if p.is_file()}
    assert files_after < files_before
    with state.sessions() as session:
        assert files_after == housekeeping.referenced_artifacts(session)
    assert admin.get(f"/api/v1/models/cancer/runs/{kept['id']}/report").status_code == 200


def test_a_failed_analysis_can_be_retried(admin: TestClient, state: State) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    labels = production[["id", "target"]]
    twice = pd.concat([labels, labels])
    response = admin.post(
        "/api/v1/models/cancer/runs",
        files={
            "data": ("run.csv", as_csv(production.drop(columns=["target"]))),
            "labels": ("labels.csv", as_csv(twice)),
        },
    )
    run_id = response.json()["id"]
    run_jobs(state)
    failed = admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()
    assert failed["status"] == "failed"
    job_id = failed["job"]["id"]
    retried = admin.post(f"/api/v1/jobs/{job_id}/retry").json()
    assert (retried["status"], retried["attempts"]) == ("queued", 0)
    assert (retried["started_at"], retried["progress"]) == (None, "")  # no trace of the last try
    assert admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()["status"] == "pending"
    assert admin.post(f"/api/v1/jobs/{job_id}/retry").status_code == 409
    run_jobs(state)
    assert admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()["status"] == "failed"


def test_a_run_with_other_columns_is_analysed_on_the_shared_ones(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    changed = production.drop(columns=["mean radius", "mean texture"]).assign(region="eu")
    run_id = _run(admin, changed, "2026-11-01T00:00:00Z")
    run_jobs(state)
    run = admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()
    assert run["status"] == "analysed"
    assert run["notes"] == [
        "Schema change: the run lacks 2 of the baseline's columns ('mean radius', "
        "'mean texture') and has 1 column(s) the baseline does not have ('region'); analysed on "
        "the shared columns."
    ]
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RunMetric)) > 0
