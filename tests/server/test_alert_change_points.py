"""The ``change_points`` alert signal on real runs (SQLite and PostgreSQL): a streaming detector
over a run's predictions in time order fires within a bounded delay after a known change and not
before, finds nothing on a stationary stream, agrees with River's detector on the same stream,
reads logged predictions (sent out of time order) and uploaded runs' errors, and refuses bad
detectors and parameters by name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from river import drift as river_drift
from sqlalchemy import select, update
from tests.server.conftest import (
    add_model,
    as_parquet,
    breast_cancer_split,
    new_token,
    run_jobs,
    token_client,
)

from driftscope.server import db
from driftscope.server.models import Job, Run, RunChangePoints
from driftscope.server.services import alerts
from driftscope.server.services.ingest import enqueue_due_periods
from driftscope.server.state import State

ROWS = 1200
CHANGE = 600
#: Page-Hinkley on a probability: a shift of 0.5 in the mean is found within a few dozen rows.
PAGE_HINKLEY = {"threshold": 5.0, "min_instances": 30}
MAX_DELAY = 60


def _rows(seed: int, proba: np.ndarray) -> pd.DataFrame:
    """``ROWS`` production rows (the breast cancer features, repeated with new ids) whose
    positive-class probability is ``proba``, one a minute from 2026-11-01T00:00Z."""
    _, production = breast_cancer_split()
    picked = np.random.default_rng(seed).integers(0, len(production), ROWS)
    frame = production.iloc[picked].reset_index(drop=True)
    frame["id"] = [f"r{seed}-{i}" for i in range(ROWS)]
    frame["proba_1"] = proba
    frame["proba_0"] = 1 - proba
    frame["prediction"] = (proba >= 0.5).astype(int)
    frame["timestamp"] = pd.date_range("2026-11-01", periods=ROWS, freq="1min", tz="UTC")
    return frame


def _probabilities(seed: int, change: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mean = np.where(np.arange(ROWS) < CHANGE, 0.25, 0.75 if change else 0.25)
    out: np.ndarray = np.clip(mean + rng.normal(0, 0.05, ROWS), 0.0, 1.0)
    return out


def _log(admin: TestClient, state: State, model: str, frame: pd.DataFrame) -> None:
    """Log the rows through the REST ingest API, shuffled (the run orders them by time), and
    close the period."""
    logger = token_client(admin, new_token(admin, "editor"))
    shuffled = frame.drop(columns=["target"]).sample(frac=1.0, random_state=3)
    shuffled["timestamp"] = shuffled["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"rows": shuffled.to_dict(orient="records")}
    response = logger.post(f"/api/v1/models/{model}/predictions", json=body)
    assert response.status_code == 201, response.text
    enqueue_due_periods(state)
    run_jobs(state)


def _rule(admin: TestClient, model: str, **fields: Any) -> dict[str, Any]:
    body = {"name": "change", "signal": "change_points", "comparator": ">=", "threshold": 1}
    response = admin.post(f"/api/v1/models/{model}/alert-rules", json={**body, **fields})
    assert response.status_code == 201, response.text
    rule: dict[str, Any] = response.json()
    return rule


def _alerts(admin: TestClient, model: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = admin.get(f"/api/v1/models/{model}/alerts").json()["items"]
    return items


def _found(state: State) -> list[RunChangePoints]:
    """What the detectors found, by run and setting."""
    with state.sessions() as session:
        return list(session.scalars(select(RunChangePoints)))


def _river_first(detector: Any, values: np.ndarray) -> int | None:
    for i, x in enumerate(values.tolist()):
        detector.update(x)
        if detector.drift_detected:
            return i
    return None


def test_page_hinkley_on_logged_probabilities_fires_after_the_change_and_not_before(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    proba = _probabilities(1, change=True)
    rule = _rule(admin, "cancer", measure="probability", parameters=PAGE_HINKLEY)
    assert (rule["subject"], rule["parameters"]) == ("page_hinkley", PAGE_HINKLEY)
    _log(admin, state, "cancer", _rows(1, proba))
    with state.sessions() as session:
        run = session.scalars(select(Run)).one()
        assert (run.source, run.status, run.n_rows) == ("logged", "analysed", ROWS)
    [found] = _found(state)
    assert found.error is None
    assert found.n_values == ROWS
    assert found.first_row is not None
    assert CHANGE <= found.first_row < CHANGE + MAX_DELAY  # after the change, within the delay
    # River's Page-Hinkley on the same stream in time order first fires at the same row.
    river = river_drift.PageHinkley(**PAGE_HINKLEY)
    assert _river_first(river, proba) == found.first_row
    assert found.first_at is not None
    assert found.first_at == pd.Timestamp("2026-11-01", tz="UTC") + pd.Timedelta(
        minutes=found.first_row
    )
    [alert] = _alerts(admin, "cancer")
    assert (alert["state"], alert["run_id"], alert["value"]) == (
        "firing",
        run.id,
        float(found.changes),
    )
    assert f"first change at value {found.first_row} " in alert["message"]


def test_a_stationary_stream_raises_no_alert(admin: TestClient, state: State) -> None:
    add_model(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    _rule(admin, "cancer", measure="probability", parameters=PAGE_HINKLEY)
    adwin = _rule(admin, "cancer", name="adwin", subject="adwin", measure="probability")
    proba = _probabilities(2, change=False)
    _log(admin, state, "cancer", _rows(2, proba))
    found = _found(state)
    assert len(found) == 2  # one result per detector setting
    assert {(row.changes, row.first_row, row.error) for row in found} == {(0, None, None)}
    assert _alerts(admin, "cancer") == []
    rules = {r["name"]: r for r in admin.get("/api/v1/models/cancer/alert-rules").json()}
    assert rules["adwin"]["error"] is None
    assert adwin["parameters"] == {}
    # River's ADWIN finds nothing on it either.
    assert _river_first(river_drift.ADWIN(), proba) is None


def test_ddm_on_an_uploaded_runs_errors_matches_river(admin: TestClient, state: State) -> None:
    add_model(admin)
    rng = np.random.default_rng(5)
    frame = _rows(5, _probabilities(5, change=False)).drop(columns=["timestamp"])
    rate = np.where(np.arange(ROWS) < CHANGE, 0.05, 0.5)
    wrong = rng.random(ROWS) < rate
    frame["prediction"] = np.where(wrong, 1 - frame["target"], frame["target"])
    # DDM raises false alarms on few rows at a low error rate: it waits for 200 here.
    ddm = {"warm_start": 200}
    rule = _rule(admin, "cancer", subject="ddm", measure="error", parameters=ddm)
    response = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.parquet", as_parquet(frame))},
        data={"date": "2026-11-02T00:00:00Z"},
    )
    assert response.status_code == 201, response.text
    run_jobs(state)
    [found] = _found(state)
    errors = wrong.astype(float)
    assert found.n_values == ROWS
    assert found.first_row == _river_first(river_drift.binary.DDM(**ddm), errors)
    assert found.first_row is not None
    assert CHANGE <= found.first_row < CHANGE + 150
    assert found.first_at is None  # the version names no timestamp column: file order
    [alert] = _alerts(admin, "cancer")
    assert alert["rule_id"] == rule["id"]
    # A rule on the stream of a run without labels says why instead of guessing.
    unlabelled = frame.drop(columns=["target"])
    admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.parquet", as_parquet(unlabelled))},
        data={"date": "2026-11-03T00:00:00Z"},
    )
    run_jobs(state)
    [rule_now] = admin.get("/api/v1/models/cancer/alert-rules").json()
    assert "needs labels" in rule_now["error"]
    assert _alerts(admin, "cancer")[0]["state"] == "firing"  # an unknown run changes nothing


def test_a_run_analysed_again_is_read_again(admin: TestClient, state: State) -> None:
    add_model(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    _rule(admin, "cancer", measure="probability", parameters=PAGE_HINKLEY)
    _log(admin, state, "cancer", _rows(5, _probabilities(5, change=False)))
    [before] = _found(state)
    assert before.changes == 0
    # Late rows of the same day with a shifted probability: the run is assembled and analysed
    # again, and what the detector found is computed anew.
    late = _rows(6, np.full(ROWS, 0.9))
    late["timestamp"] = late["timestamp"] + pd.Timedelta(hours=21)
    late = late.iloc[:100]
    _log(admin, state, "cancer", late)
    [after] = _found(state)
    assert after.n_values == ROWS + 100
    assert after.changes >= 1
    assert after.first_row is not None
    assert after.first_row >= ROWS  # among the late rows, which are the newest by time
    assert len(_alerts(admin, "cancer")) == 1


def test_a_rule_made_over_runs_already_there_reads_them_in_a_job(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    _log(admin, state, "cancer", _rows(7, _probabilities(7, change=True)))
    rule = _rule(admin, "cancer", measure="probability", parameters=PAGE_HINKLEY)
    # The request read no run's data: the rule is made, its evaluation is a queued job.
    assert _found(state) == []
    assert _alerts(admin, "cancer") == []
    with state.sessions() as session:
        [job] = session.scalars(select(Job).where(Job.kind == alerts.EVALUATE)).all()
        assert job.status == "queued"
    assert run_jobs(state) == 1
    [found] = _found(state)
    assert found.changes >= 1
    [alert] = _alerts(admin, "cancer")
    assert alert["rule_id"] == rule["id"]
    # A result read from data the run no longer has is read again (not used).
    with db.transaction(state.writers) as session:
        session.execute(update(RunChangePoints).values(inputs="old+", changes=0))
    assert alerts.evaluate_model(state, 1) == 0
    [again] = _found(state)
    assert (again.changes, again.first_row) == (found.changes, found.first_row)
    assert again.inputs != "old+"


def test_bad_detectors_and_parameters_are_refused_by_name(admin: TestClient) -> None:
    add_model(admin)
    good = {"name": "r", "signal": "change_points", "comparator": ">=", "threshold": 1}
    bad: list[tuple[dict[str, Any], str, str]] = [
        ({"subject": "crystal_ball"}, "subject", "one of adwin"),
        ({"parameters": {"threshold": -1}}, "parameters", "threshold"),
        ({"parameters": {"loudness": 3}}, "parameters", "loudness"),
        ({"parameters": {"min_instances": 10**30}}, "parameters", "at most 1,000,000"),
        ({"subject": "kswin", "parameters": {"stat_size": 10**6}}, "parameters", "stat_size"),
        ({"subject": "ddm"}, "measure", "0/1 error stream"),
        ({"measure": "vibes"}, "measure", "one of prediction, probability, error"),
        ({"min_labelled_share": 0.5}, "min_labelled_share", "needs no labels"),
        ({"signal": "drift_share", "parameters": {"delta": 0.1}}, "parameters", "takes none"),
    ]
    for change, field, words in bad:
        response = admin.post("/api/v1/models/cancer/alert-rules", json={**good, **change})
        assert response.status_code == 422, (change, response.text)
        [error] = response.json()["errors"]
        assert error["field"] == field, (change, error)
        assert words in error["detail"], (change, error)
    # A label policy is a fault only where the stream needs no labels.
    assert _rule(admin, "cancer", measure="error", min_labelled_share=0.5)["measure"] == "error"


@pytest.mark.parametrize("name", ["regression"])
def test_a_regression_model_has_no_probability_stream(admin: TestClient, name: str) -> None:
    admin.post("/api/v1/models", json={"name": name, "task": "regression"})
    response = admin.post(
        f"/api/v1/models/{name}/alert-rules",
        json={
            "name": "r",
            "signal": "change_points",
            "measure": "probability",
            "comparator": ">=",
            "threshold": 1,
        },
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "measure"
