"""Predictions logged by services (JSON or Arrow), grouped into runs by period, ground truth by
id that makes the runs be analysed again, feedback, and the ingestion status."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from tests.server.conftest import (
    add_model,
    as_parquet,
    breast_cancer_split,
    new_token,
    run_jobs,
    token_client,
)

from driftscope.client import _arrow_stream
from driftscope.server import db
from driftscope.server.models import Label, LoggedChunk, Model
from driftscope.server.services.ingest import enqueue_due_periods
from driftscope.server.state import State

ARROW = "application/vnd.apache.arrow.stream"


def _logged(frame: pd.DataFrame, start: str, step: str = "1min") -> pd.DataFrame:
    """The rows with an id and a timestamp each, ``step`` apart from ``start`` (UTC)."""
    out = frame.drop(columns=["target"]).copy()
    out["timestamp"] = pd.date_range(start, periods=len(out), freq=step, tz="UTC").strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return out


def _arrow(frame: pd.DataFrame) -> bytes:
    """The batch as `driftscope.Client.log_predictions` sends it."""
    return _arrow_stream(frame)


def _records(frame: pd.DataFrame) -> dict[str, Any]:
    return {"rows": frame.to_dict(orient="records")}


@pytest.fixture
def logger(admin: TestClient) -> TestClient:
    """A service's editor token, after the model exists."""
    add_model(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    return token_client(admin, new_token(admin, "editor"))


def test_logged_predictions_become_one_run_per_day(
    logger: TestClient, state: State, admin: TestClient
) -> None:
    _, production = breast_cancer_split()
    logged = _logged(production, "2026-11-01T20:00:00Z", step="3min")  # 171 rows over 2 days
    first, second = logged.iloc[:100], logged.iloc[100:]
    as_json = logger.post("/api/v1/models/cancer/predictions", json=_records(first))
    assert as_json.status_code == 201, as_json.text
    assert as_json.json()["received"] == 100
    as_arrow = logger.post(
        "/api/v1/models/cancer/predictions",
        content=_arrow(second),
        headers={"Content-Type": ARROW},
    )
    assert as_arrow.status_code == 201, as_arrow.text
    days = sorted({p[:10] for p in as_json.json()["periods"] + as_arrow.json()["periods"]})
    assert days == ["2026-11-01", "2026-11-02"]
    status = admin.get("/api/v1/models/cancer/ingestion").json()
    assert (status["rows_received"], status["rows_waiting"]) == (171, 171)
    # Both days have ended: the worker's periodic pass queues them.
    assert enqueue_due_periods(state) == 2
    run_jobs(state)
    runs = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert sorted((r["date"][:10], r["n_rows"], r["status"]) for r in runs) == [
        ("2026-11-01", 80, "analysed"),
        ("2026-11-02", 91, "analysed"),
    ]
    # Each logged run's analysis is a job of its own, shown with the run.
    assert {(r["job"]["kind"], r["job"]["status"]) for r in runs} == {("analyse_run", "done")}
    assert admin.get("/api/v1/models/cancer/ingestion").json()["rows_waiting"] == 0


def test_late_labels_make_the_runs_be_analysed_again(
    logger: TestClient, state: State, admin: TestClient
) -> None:
    _, production = breast_cancer_split()
    logger.post(
        "/api/v1/models/cancer/predictions",
        json=_records(_logged(production, "2026-11-01T00:00:00Z")),
    )
    enqueue_due_periods(state)
    run_jobs(state)
    [run] = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert "accuracy" not in admin.get("/api/v1/models/cancer/timeline").json()["metrics"]
    labels = production[["id", "target"]].iloc[:120]
    response = logger.post(
        "/api/v1/models/cancer/labels", json={"columns": labels.to_dict(orient="list")}
    )
    assert response.status_code == 201, response.text
    assert response.json() == {"received": 120}
    run_jobs(state)
    timeline = admin.get("/api/v1/models/cancer/timeline").json()
    # Labels come back as the baseline's numbers; the rows still waiting for one, the service's
    # timestamp and the id that joins the labels are not findings.
    report = admin.get(f"/api/v1/models/cancer/runs/{run['id']}/report").json()
    target_checks = {c["check"]: c for c in report["quality"]["checks"] if c["column"] == "target"}
    assert target_checks["type_change"]["status"] == "ok"
    assert target_checks["missing_share"]["status"] == "ok"
    assert "no label yet" in target_checks["missing_share"]["message"]
    assert not any(c["column"] == "timestamp" for c in report["quality"]["checks"])
    assert not any("Schema change" in w for w in report["warnings"])
    assert admin.get(f"/api/v1/models/cancer/runs/{run['id']}").json()["notes"] == []
    labelled = production.iloc[:120]
    assert timeline["runs"]["run"] == [run["id"]]
    assert timeline["metrics"]["accuracy"]["value"][0] == pytest.approx(
        np.mean(labelled.prediction == labelled.target)
    )
    # The last label of an id wins.
    flipped = labels.iloc[:10].assign(target=1 - labels.target.iloc[:10])
    logger.post("/api/v1/models/cancer/labels", json=_records(flipped))
    run_jobs(state)
    with state.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Label)) == 120
    again = admin.get("/api/v1/models/cancer/timeline").json()["metrics"]["accuracy"]
    truth = labelled.target.to_numpy().copy()
    truth[:10] = 1 - truth[:10]
    assert again["value"][0] == pytest.approx(np.mean(labelled.prediction.to_numpy() == truth))


def test_flush_analyses_the_open_period_and_late_rows_are_added(
    logger: TestClient, state: State, admin: TestClient
) -> None:
    _, production = breast_cancer_split()
    today = pd.Timestamp.now(tz="UTC").floor("D").strftime("%Y-%m-%dT%H:%M:%SZ")
    logged = _logged(production, today, step="1s")
    logger.post("/api/v1/models/cancer/predictions", json=_records(logged.iloc[:100]))
    assert enqueue_due_periods(state) == 0  # today has not ended
    assert logger.post("/api/v1/models/cancer/predictions/flush").json() == {"queued": 1}
    run_jobs(state)
    logger.post("/api/v1/models/cancer/predictions", json=_records(logged.iloc[100:]))
    # The late rows of the same period, and one repeated id, go into the same run.
    logger.post("/api/v1/models/cancer/predictions", json=_records(logged.iloc[:1]))
    logger.post("/api/v1/models/cancer/predictions/flush")
    run_jobs(state)
    [run] = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert (run["n_rows"], run["status"], run["source"]) == (171, "analysed", "logged")
    assert run["notes"] == [
        "1 prediction(s) were logged again with an id already logged in this period; the first "
        "of each was kept."
    ]
    with state.sessions() as session:
        chunks = session.execute(select(func.count()).select_from(LoggedChunk)).scalar_one()
    assert chunks == 3


def test_bad_batches_name_what_is_wrong(logger: TestClient) -> None:
    _, production = breast_cancer_split()
    logged = _logged(production, "2026-11-01T00:00:00Z")

    def post(**kwargs: Any) -> dict[str, Any]:
        response = logger.post("/api/v1/models/cancer/predictions", **kwargs)
        assert response.status_code == 422, response.text
        body: dict[str, Any] = response.json()
        return body

    assert (
        post(content=b"{not json", headers={"Content-Type": "application/json"})["errors"][0][
            "field"
        ]
        == "body"
    )
    assert post(json={"something": 1})["errors"][0]["field"] == "body"
    assert post(json={"rows": []})["errors"][0]["field"] == "rows"
    assert post(json=_records(logged.drop(columns=["id"])))["errors"][0]["field"] == "id"
    assert post(json=_records(logged.drop(columns=["timestamp"])))["errors"][0]["field"] == (
        "timestamp"
    )
    bad_time = logged.assign(timestamp="yesterday")
    refused_time = post(json=_records(bad_time))
    assert refused_time["errors"][0]["field"] == "timestamp"
    assert refused_time["detail"].startswith("Row 0: 'yesterday' in 'timestamp' is not an ISO")
    twice = pd.concat([logged.iloc[:3], logged.iloc[:1]])
    assert "repeat an id" in post(json=_records(twice))["detail"]
    no_prediction = logged.drop(columns=["prediction"])
    assert post(json=_records(no_prediction))["errors"][0]["field"] == "prediction"
    assert (
        post(content=b"not arrow", headers={"Content-Type": ARROW})["errors"][0]["field"] == "body"
    )
    assert (
        post(content=b"a,b", headers={"Content-Type": "text/csv"})["errors"][0]["field"]
        == "Content-Type"
    )
    ragged = {"columns": {"id": ["a", "b"], "timestamp": ["2026-11-01T00:00:00Z"]}}
    assert post(json=ragged)["errors"][0]["field"] == "columns"
    mixed = _records(logged.iloc[:2])
    mixed["rows"][1]["mean radius"] = "twelve"  # a number, then text, in one column
    refused = post(json=mixed)
    assert refused["errors"][0]["field"] == "mean radius"
    assert "mixes kinds of values (such as" in refused["detail"]
    assert "'twelve'" in refused["detail"]
    assert logger.post("/api/v1/models/nope/predictions", json=_records(logged)).status_code == 404


def test_feedback_is_kept_as_its_own_signal(logger: TestClient, admin: TestClient) -> None:
    ok = logger.post(
        "/api/v1/models/cancer/feedback",
        json={"rows": [{"id": "p1", "score": 1}, {"id": "p2", "score": -1, "comment": "wrong"}]},
    )
    assert ok.json() == {"received": 2}
    bad = logger.post("/api/v1/models/cancer/feedback", json={"rows": [{"id": "p3", "score": 5}]})
    assert bad.json()["errors"][0]["field"] == "score"
    assert bad.json()["detail"].endswith("got 5.")
    flag = logger.post(
        "/api/v1/models/cancer/feedback", json={"rows": [{"id": "p3", "score": True}]}
    )
    assert flag.status_code == 422
    assert flag.json()["detail"].endswith("got True.")
    assert admin.get("/api/v1/models/cancer/ingestion").json()["feedback"] == 2


def test_concurrent_loggers_lose_and_double_no_row(
    logger: TestClient, state: State, admin: TestClient
) -> None:
    _, production = breast_cancer_split()
    batches = []
    for client in range(4):
        for batch in range(5):
            frame = _logged(production.iloc[:40], "2026-11-01T00:00:00Z")
            frame["id"] = [f"c{client}b{batch}r{i}" for i in range(len(frame))]
            batches.append(frame)
    errors: list[str] = []

    def send(frames: list[pd.DataFrame]) -> None:
        with TestClient(logger.app, base_url="http://127.0.0.1") as own:
            own.headers["Authorization"] = logger.headers["Authorization"]
            for frame in frames:
                response = own.post(
                    "/api/v1/models/cancer/predictions",
                    content=_arrow(frame),
                    headers={"Content-Type": ARROW},
                )
                if response.status_code != 201:
                    errors.append(response.text)

    threads = [threading.Thread(target=send, args=(batches[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert admin.get("/api/v1/models/cancer/ingestion").json()["rows_received"] == 800
    enqueue_due_periods(state)
    run_jobs(state)
    [run] = admin.get("/api/v1/models/cancer/runs").json()["items"]
    assert run["n_rows"] == 800


def test_an_ended_period_waits_until_its_rows_stop_coming(logger: TestClient, state: State) -> None:
    import dataclasses

    _, production = breast_cancer_split()
    logger.post(
        "/api/v1/models/cancer/predictions",
        json=_records(_logged(production, "2026-11-01T00:00:00Z")),
    )
    patient = dataclasses.replace(
        state, settings=state.settings.model_copy(update={"period_quiet_seconds": 60})
    )
    # The day has ended, but its rows came a moment ago: a backlog may still be arriving.
    assert enqueue_due_periods(patient) == 0
    assert enqueue_due_periods(state) == 1  # no quiet time asked for


@pytest.mark.parametrize(
    ("period", "expected"),
    [("hour", 3), ("day", 2), ("week", 1)],
)
def test_typed_arrow_times_are_grouped_by_the_model_period(
    logger: TestClient, admin: TestClient, period: str, expected: int
) -> None:
    assert admin.put("/api/v1/models/cancer/period", json={"period": period}).status_code == 200
    _, production = breast_cancer_split()
    rows = production.drop(columns=["target"]).iloc[:3].copy()
    # Monday 2026-11-02 22:30 and 23:50 UTC, and Tuesday 00:10 (naive times are UTC).
    rows["timestamp"] = pd.to_datetime(
        ["2026-11-02 22:30", "2026-11-02 23:50", "2026-11-03 00:10"]
    ).astype("datetime64[us]")
    response = logger.post(
        "/api/v1/models/cancer/predictions",
        content=_arrow(rows),
        headers={"Content-Type": ARROW},
    )
    assert response.status_code == 201, response.text
    periods = response.json()["periods"]
    assert len(periods) == expected
    if period == "week":
        assert periods[0].startswith("2026-11-02T00:00:00")


def test_a_batch_is_split_again_when_the_period_changes_while_it_is_stored(
    logger: TestClient, admin: TestClient, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's chunks are written before the write lock is taken; should the model's period
    change meanwhile, the batch is split again by the new period, not stored by the old."""
    _, production = breast_cancer_split()
    rows = _logged(production.iloc[:30], "2026-11-02T22:00:00Z", step="5min")  # 22:00-00:25
    store = state.artifacts
    put_table = store.put_table
    changed: list[bool] = []

    def change_then_put(table: pa.Table) -> str:
        if not changed:
            changed.append(True)
            with db.transaction(state.writers) as session:
                session.execute(update(Model).where(Model.name == "cancer").values(period="hour"))
        return put_table(table)

    monkeypatch.setattr(store, "put_table", change_then_put)
    response = logger.post("/api/v1/models/cancer/predictions", json=_records(rows))
    assert response.status_code == 201, response.text
    assert len(response.json()["periods"]) == 3  # by hour: 22:00, 23:00, 00:00
    with state.sessions() as session:
        chunks = session.scalars(select(LoggedChunk.n_rows).order_by(LoggedChunk.period_start))
        assert list(chunks) == [12, 12, 6]


def test_each_batch_goes_to_the_version_serving_when_it_is_stored(
    logger: TestClient, admin: TestClient, state: State
) -> None:
    """A process keeps where a model's last batch went; a promotion, or a version deleted and
    another made in its place (SQLite may give it the same id), sends the next batch to the
    new one."""
    _, production = breast_cancer_split()
    rows = _logged(production.iloc[:20], "2026-11-02T10:00:00Z")

    def log(first: int) -> None:
        batch = rows.assign(id=[f"r{first + i}" for i in range(len(rows))])
        response = logger.post("/api/v1/models/cancer/predictions", json=_records(batch))
        assert response.status_code == 201, response.text

    def versions() -> list[int]:
        with state.sessions() as session:
            chunks = session.scalars(select(LoggedChunk.version_id).order_by(LoggedChunk.id))
            return list(chunks)

    log(0)
    add_model_version = admin.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("b.parquet", as_parquet(breast_cancer_split()[0]))},
        data={"target": "target", "prediction": "prediction", "id_column": "id"},
    )
    assert add_model_version.status_code == 201, add_model_version.text
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 2})
    log(100)
    first, second = versions()
    assert first != second
    assert admin.delete("/api/v1/models/cancer/versions/2").status_code == 204
    renamed = breast_cancer_split()[0].rename(columns={"id": "record"})
    remade = admin.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("b.parquet", as_parquet(renamed))},
        data={"target": "target", "prediction": "prediction", "id_column": "record"},
    )
    assert remade.status_code == 201, remade.text
    admin.post(
        "/api/v1/models/cancer/aliases/production", json={"version": remade.json()["number"]}
    )
    # The version now serving names its ids "record": a batch with "id" is refused by it.
    response = logger.post("/api/v1/models/cancer/predictions", json=_records(rows))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "record"
