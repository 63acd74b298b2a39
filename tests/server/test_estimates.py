"""Performance estimated without labels, and feedback, in the service: a run analysed before its
labels arrive gets estimated metrics (`run_estimates`), kept beside the realised ones once the
labels come; feedback posted by id is counted per run, again when it arrives late; alert rules
on an estimated metric and on the negative-feedback share; the timeline and the dashboard show
both. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import ADMIN_PASSWORD, as_parquet, run_jobs

from driftscope.server.services.ingest import enqueue_due_periods
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> ServerSettings:
    """The conftest's settings with estimation on (the server's default)."""
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_password=ADMIN_PASSWORD,
        worker=False,
        period_quiet_seconds=0,
        explain_rows=0,
    )


def _sample(n: int, seed: int, *, spread: float = 1.0) -> pd.DataFrame:
    """A calibrated binary model (its probability is P(y=1 | x)); ``spread`` < 1 packs the rows
    near the boundary, where it is least sure: its ROC-AUC falls with no concept change."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(0.0, spread, n)
    x1 = rng.normal(size=n)
    p1 = 1 / (1 + np.exp(-(2.0 * x0 - 0.5 * x1)))
    return pd.DataFrame(
        {
            "id": [f"s{seed}-{i}" for i in range(n)],
            "x0": x0,
            "x1": x1,
            "target": (rng.random(n) < p1).astype(int),
            "prediction": (p1 > 0.5).astype(int),
            "proba_0": 1 - p1,
            "proba_1": p1,
        }
    )


def _add(admin: TestClient, name: str = "calibrated") -> None:
    created = admin.post("/api/v1/models", json={"name": name, "task": "binary_classification"})
    assert created.status_code == 201, created.text
    version = admin.post(
        f"/api/v1/models/{name}/versions",
        files={"baseline": ("baseline.parquet", as_parquet(_sample(1500, 1)))},
        data={
            "target": "target",
            "prediction": "prediction",
            "proba_prefix": "proba_",
            "id_column": "id",
        },
    )
    assert version.status_code == 201, version.text


def _upload(admin: TestClient, frame: pd.DataFrame, date: str, name: str = "calibrated") -> int:
    response = admin.post(
        f"/api/v1/models/{name}/runs",
        files={"data": ("run.parquet", as_parquet(frame))},
        data={"date": date},
    )
    assert response.status_code == 201, response.text
    run_id: int = response.json()["id"]
    return run_id


def _run(admin: TestClient, run_id: int, name: str = "calibrated") -> dict[str, Any]:
    answer: dict[str, Any] = admin.get(f"/api/v1/models/{name}/runs/{run_id}").json()
    return answer


def _logged(frame: pd.DataFrame, day: str) -> dict[str, Any]:
    rows = frame.drop(columns=["target"]).copy()
    rows["timestamp"] = pd.date_range(f"{day}T00:00:00Z", periods=len(rows), freq="10s").strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    return {"rows": rows.to_dict(orient="records")}


def test_estimate_before_the_labels_and_realised_beside_it_after(
    admin: TestClient, state: State
) -> None:
    _add(admin)
    admin.post("/api/v1/models/calibrated/aliases/production", json={"version": 1})
    production = _sample(800, 2)
    sent = admin.post(
        "/api/v1/models/calibrated/predictions", json=_logged(production, "2026-11-02")
    )
    assert sent.status_code == 201, sent.text
    assert enqueue_due_periods(state) == 1
    run_jobs(state)
    runs = admin.get("/api/v1/models/calibrated/runs").json()["items"]
    run = runs[0]
    assert run["status"] == "analysed", run["error"]
    assert run["metrics"] == []  # no labels yet
    before = {e["name"]: e for e in run["estimates"]}
    assert run["estimates"][0]["name"] == "roc_auc"  # the primary metric first
    assert run["estimates"][0]["primary"] is True
    auc = before["roc_auc"]
    assert auc["method"] == "cbpe"
    assert auc["lower"] <= auc["estimate"] <= auc["upper"]
    assert auc["realised"] is None
    assert auc["realised_rows"] == 0

    labels = {"rows": production[["id", "target"]].to_dict(orient="records")}
    assert admin.post("/api/v1/models/calibrated/labels", json=labels).status_code == 201
    run_jobs(state)
    after = _run(admin, run["id"])
    assert after["status"] == "analysed"
    assert after["n_labelled"] == 800
    realised = {m["name"]: m["value"] for m in after["metrics"]}
    estimates = {e["name"]: e for e in after["estimates"]}
    # The estimate is the one made before the labels (it never reads them); beside it now the
    # realised value, equal to the realised metric, and the estimate holds it in its band.
    assert estimates["roc_auc"]["estimate"] == pytest.approx(auc["estimate"], abs=1e-12)
    assert estimates["roc_auc"]["realised"] == pytest.approx(realised["roc_auc"], abs=1e-9)
    assert estimates["roc_auc"]["realised_rows"] == 800
    assert estimates["accuracy"]["within_band"] is True
    timeline = admin.get("/api/v1/models/calibrated/timeline").json()
    assert timeline["estimates"]["roc_auc"]["estimate"] == [pytest.approx(auc["estimate"])]
    assert timeline["estimates"]["roc_auc"]["realised"] == [pytest.approx(realised["roc_auc"])]
    assert timeline["primary_estimates"] == ["roc_auc"]
    assert timeline["runs"]["n_labelled"] == [800]
    page = admin.get("/models/calibrated").text
    assert "Estimated without labels" in page


def test_an_estimated_drop_fires_an_alert_rule_without_labels(
    admin: TestClient, state: State
) -> None:
    _add(admin)
    rule = admin.post(
        "/api/v1/models/calibrated/alert-rules",
        json={
            "name": "estimated auc drop",
            "signal": "estimated_metric",
            "subject": "roc_auc",
            "measure": "relative_drop",
            "comparator": ">",
            "threshold": 0.05,
        },
    )
    assert rule.status_code == 201, rule.text
    steady = _upload(admin, _sample(800, 3).drop(columns="target"), "2026-11-01")
    run_jobs(state)
    firing = admin.get("/api/v1/alerts", params={"state": "firing"}).json()["items"]
    assert firing == []
    dropped = _upload(admin, _sample(800, 4, spread=0.3).drop(columns="target"), "2026-11-02")
    run_jobs(state)
    firing = admin.get("/api/v1/alerts", params={"state": "firing"}).json()["items"]
    assert [a["run_id"] for a in firing] == [dropped]
    assert firing[0]["value"] > 0.05
    steady_auc = _run(admin, steady)["estimates"][0]
    dropped_auc = _run(admin, dropped)["estimates"][0]
    assert dropped_auc["status"] == "alert"
    assert dropped_auc["estimate"] < steady_auc["estimate"]


def test_feedback_is_counted_per_run_and_fires_its_rule(admin: TestClient, state: State) -> None:
    _add(admin)
    rule = admin.post(
        "/api/v1/models/calibrated/alert-rules",
        json={
            "name": "users unhappy",
            "signal": "negative_feedback",
            "measure": "share_lower",
            "comparator": ">",
            "threshold": 0.3,
        },
    )
    assert rule.status_code == 201, rule.text
    first, second = _sample(300, 5), _sample(300, 6)
    first_id = _upload(admin, first.drop(columns="target"), "2026-11-01")
    second_id = _upload(admin, second.drop(columns="target"), "2026-11-02")
    run_jobs(state)
    assert _run(admin, first_id)["n_feedback"] == 0
    # Feedback arrives after the analysis: 40 votes on the first run (5 down), 60 on the
    # second (45 down), and a vote on an id no run holds.
    votes = [
        *({"id": i, "score": -1 if k < 5 else 1} for k, i in enumerate(first["id"][:40])),
        *({"id": i, "score": -1 if k < 45 else 1} for k, i in enumerate(second["id"][:60])),
        {"id": "nobody", "score": -1},
    ]
    sent = admin.post("/api/v1/models/calibrated/feedback", json={"rows": votes})
    assert sent.status_code == 201, sent.text
    run_jobs(state)
    one, two = _run(admin, first_id), _run(admin, second_id)
    assert (one["n_feedback"], one["negative_feedback"]) == (40, 5)
    assert (two["n_feedback"], two["negative_feedback"]) == (60, 45)
    firing = admin.get("/api/v1/alerts", params={"state": "firing"}).json()["items"]
    assert [a["run_id"] for a in firing] == [second_id]
    # The Wilson lower bound of 45 of 60 (scipy's binomtest gives the same interval).
    from scipy.stats import binomtest

    low = binomtest(45, 60).proportion_ci(method="wilson").low
    assert firing[0]["value"] == pytest.approx(low, abs=1e-9)
    timeline = admin.get("/api/v1/models/calibrated/timeline").json()
    assert timeline["runs"]["n_feedback"] == [40, 60]
    assert timeline["runs"]["negative_feedback"] == [5, 45]
    assert "thumbs down" in admin.get("/models/calibrated").text


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (
            {"signal": "estimated_metric", "subject": "wer"},
            "subject",
            "no metric estimated for a binary_classification model",
        ),
        ({"signal": "estimated_metric"}, "subject", "needs a 'subject'"),
        (
            {"signal": "estimated_metric", "subject": "roc_auc", "measure": "p_value"},
            "measure",
            "estimate, drop, relative_drop, status",
        ),
        ({"signal": "negative_feedback", "subject": "roc_auc"}, "subject", "takes no 'subject'"),
        (
            {"signal": "negative_feedback", "min_labelled_share": 0.5},
            "min_labelled_share",
            "needs no labels",
        ),
    ],
)
def test_rules_on_estimates_and_feedback_refuse_what_they_cannot_watch(
    admin: TestClient, body: dict[str, Any], field: str, words: str
) -> None:
    _add(admin)
    response = admin.post(
        "/api/v1/models/calibrated/alert-rules",
        json={"name": "r", "comparator": ">", "threshold": 0.1, **body},
    )
    assert response.status_code == 422, response.text
    assert words in response.text
    assert field in response.text


def test_feedback_counts_skip_missing_ids_and_read_numbers_as_text(
    admin: TestClient, state: State
) -> None:
    from driftscope.server.services.feedback import feedback_counts

    _add(admin)
    # Two users' votes on row 7 (a batch holds an id once), one on "x".
    for votes in ([{"id": "7", "score": -1}, {"id": "x", "score": -1}], [{"id": "7", "score": 1}]):
        sent = admin.post("/api/v1/models/calibrated/feedback", json={"rows": votes})
        assert sent.status_code == 201, sent.text
    ids = pd.array([7, None, 8], dtype="Int64")  # an id column with a missing value
    with state.sessions() as session:
        model_id = admin.get("/api/v1/models/calibrated").json()["id"]
        assert feedback_counts(session, model_id, ids) == (2, 1)
        assert feedback_counts(session, model_id, ["x", np.nan, None]) == (1, 1)
        assert feedback_counts(session, model_id, []) == (0, 0)
