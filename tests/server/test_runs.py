"""Production runs: uploaded, analysed by the same `driftscope.monitor` as the library, their
numbers stored as rows, and shown over time."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.server.conftest import add_model, as_csv, as_parquet, breast_cancer_split, run_jobs

import driftscope
from driftscope.server.models import Job, RunMetric
from driftscope.server.state import State


def _upload(client: TestClient, frame: object, date: str, **files: tuple[str, bytes]) -> dict:
    response = client.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.csv", as_csv(frame)), **files},  # type: ignore[arg-type]
        data={"date": date},
    )
    assert response.status_code == 201, response.text
    body: dict = response.json()
    return body


def test_a_run_is_analysed_as_the_library_analyses_it(admin: TestClient, state: State) -> None:
    add_model(admin, benchmarks=json.dumps({"accuracy": 0.93}))
    baseline, production = breast_cancer_split()
    run = _upload(admin, production, "2026-11-01T10:00:00+02:00")
    assert (run["status"], run["job"]["status"], run["n_rows"]) == ("pending", "queued", 171)
    assert run["date"].startswith("2026-11-01T08:00:00")
    assert run_jobs(state) == 1
    shown = admin.get(f"/api/v1/models/cancer/runs/{run['id']}").json()
    assert (shown["status"], shown["job"]["status"], shown["error"]) == ("analysed", "done", None)
    expected = driftscope.monitor(
        baseline,
        production,
        target="target",
        prediction="prediction",
        proba_prefix="proba_",
        id="id",
        task="binary",
        benchmarks={"accuracy": 0.93},
    )
    assert shown["verdict"] == expected.verdict.decision
    assert shown["drift_share"] == pytest.approx(expected.drift.dataset.drift_share)
    report = admin.get(f"/api/v1/models/cancer/runs/{run['id']}/report").json()
    assert report["verdict"]["decision"] == expected.verdict.decision
    timeline = admin.get("/api/v1/models/cancer/timeline").json()
    accuracy = timeline["metrics"]["accuracy"]
    wanted = next(m for m in expected.performance.metrics if m.name == "accuracy")
    assert accuracy["value"] == [pytest.approx(wanted.current)]
    assert (accuracy["lower"][0], accuracy["upper"][0]) == pytest.approx(
        (wanted.current_low, wanted.current_high)
    )
    assert accuracy["benchmark"] == [0.93]
    assert timeline["runs"]["version"] == [1]
    statuses = [str(check.status) for check in expected.quality.checks]
    assert (timeline["runs"]["quality_warnings"], timeline["runs"]["quality_alerts"]) == (
        [statuses.count("warning")],
        [statuses.count("alert")],
    )
    features = admin.get("/api/v1/models/cancer/timeline/features").json()
    assert features["runs"]["run"] == [run["id"]]
    columns = features["columns"]
    assert set(columns) == {c.name for c in expected.drift.columns}
    for column in expected.drift.columns:
        shown = columns[column.name]
        verdict = None if column.skipped else column.drifted  # a skipped column has none
        assert (shown["role"], shown["methods"]) == (str(column.role), [column.method])
        assert shown["drifted"] == [verdict]
        assert shown["drifted_runs"] == int(bool(verdict))
        assert shown["statistic"] == [
            None if column.statistic is None else pytest.approx(column.statistic)
        ]
        assert shown["p_value"] == [
            None if column.p_value is None else pytest.approx(column.p_value)
        ]


def test_late_ground_truth_in_its_own_file_is_joined_by_id(admin: TestClient, state: State) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    labels = production[["id", "target"]].sample(frac=1.0, random_state=0)
    _upload(
        admin,
        production.drop(columns=["target"]),
        "2026-11-02",
        labels=("labels.parquet", as_parquet(labels)),
    )
    run_jobs(state)
    accuracy = admin.get("/api/v1/models/cancer/timeline").json()["metrics"]["accuracy"]
    expected = float(np.mean(production.prediction == production.target))
    assert accuracy["value"] == [pytest.approx(expected)]


def test_runs_that_cannot_be_analysed_say_why(admin: TestClient, state: State) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    no_prediction = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.csv", as_csv(production.drop(columns=["prediction"])))},
    )
    assert no_prediction.status_code == 422
    assert "prediction" in no_prediction.json()["detail"]
    labels_without_id = admin.post(
        "/api/v1/models/cancer/runs",
        files={
            "data": ("run.csv", as_csv(production)),
            "labels": ("l.csv", as_csv(production[["target"]])),
        },
    )
    assert labels_without_id.json()["errors"][0]["field"] == "labels"
    # Stored, but the analysis fails on the data (two labels for every id): the run is failed
    # with the library's message, after one attempt (bad data would fail again).
    labels = production[["id", "target"]]
    twice = labels.assign(target=1 - labels.target)
    run = _upload(
        admin,
        production.drop(columns=["target"]),
        "2026-11-03",
        labels=("labels.csv", as_csv(pd.concat([labels, twice]))),
    )
    run_jobs(state)
    failed = admin.get(f"/api/v1/models/cancer/runs/{run['id']}").json()
    assert failed["status"] == "failed"
    assert failed["job"]["status"] == "failed"
    assert failed["job"]["attempts"] == 1
    assert (
        failed["error"]
        == "The labels hold 171 duplicated id(s) in 'id'; expected one label per id."
    )
    no_report = admin.get(f"/api/v1/models/cancer/runs/{run['id']}/report")
    assert no_report.status_code == 404
    assert f"Run {run['id']} has no report (its analysis failed: The labels" in no_report.text
    last_error = admin.get("/api/v1/models/cancer/ingestion").json()["last_error"]
    assert last_error == f"Run {run['id']}: {failed['error']}"
    assert admin.get("/api/v1/models/cancer/runs/999").status_code == 404


def test_deleting_a_run_or_a_model_deletes_its_points_and_jobs(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    first = _upload(admin, production, "2026-11-01")
    _upload(admin, production, "2026-11-02")
    run_jobs(state)
    with state.sessions() as session:
        before = session.scalar(select(func.count()).select_from(RunMetric))
    assert admin.delete(f"/api/v1/models/cancer/runs/{first['id']}").status_code == 204
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RunMetric)) == before // 2
        assert session.scalar(select(func.count()).select_from(Job)) == 1
    assert admin.get("/api/v1/models/cancer/runs").json()["total"] == 1
    assert admin.delete("/api/v1/models/cancer").status_code == 204
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RunMetric)) == 0
        assert session.scalar(select(func.count()).select_from(Job)) == 0
    assert admin.get("/api/v1/models/cancer").status_code == 404


def test_the_timeline_and_the_run_list_follow_the_data_dates(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    shifted = production.copy()
    shifted["mean radius"] *= 1.5
    for date, frame in (("2026-11-03", shifted), ("2026-11-01", production)):
        _upload(admin, frame, date)
    run_jobs(state)
    timeline = admin.get("/api/v1/models/cancer/timeline").json()
    dates = [date[:10] for date in timeline["runs"]["date"]]
    assert dates == ["2026-11-01", "2026-11-03"]
    first, second = timeline["runs"]["drift_share"]
    assert second > first
    newest = admin.get("/api/v1/models/cancer/runs", params={"limit": 1}).json()
    assert newest["total"] == 2
    assert newest["items"][0]["date"].startswith("2026-11-03")
    since = admin.get("/api/v1/models/cancer/timeline", params={"since": "2026-11-02T00:00:00Z"})
    assert [date[:10] for date in since.json()["runs"]["date"]] == ["2026-11-03"]
    before = {"until": "2026-11-01T00:00:00Z"}
    empty = admin.get("/api/v1/models/cancer/timeline", params=before).json()
    assert empty["runs"]["date"] == []
    assert empty["metrics"] == {}
    no_columns = admin.get("/api/v1/models/cancer/timeline/features", params=before).json()
    assert no_columns["runs"] == {"run": [], "date": []}
    assert no_columns["columns"] == {}


def test_concurrent_uploaders_lose_and_double_no_run(admin: TestClient, state: State) -> None:
    import threading

    from tests.server.conftest import new_token, token_client

    add_model(admin)
    token = new_token(admin)
    _, production = breast_cancer_split()
    body = as_parquet(production)
    failures: list[str] = []

    def upload(day: int) -> None:
        own = token_client(admin, token)
        for k in range(3):
            response = own.post(
                "/api/v1/models/cancer/runs",
                files={"data": ("run.parquet", body)},
                data={"date": f"2026-10-{day:02d}T{k:02d}:00:00Z"},
            )
            if response.status_code != 201:
                failures.append(response.text)

    threads = [threading.Thread(target=upload, args=(day,)) for day in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    listed = admin.get("/api/v1/models/cancer/runs", params={"limit": 100}).json()
    assert listed["total"] == 12
    assert len({run["date"] for run in listed["items"]}) == 12
    assert run_jobs(state) == 12
