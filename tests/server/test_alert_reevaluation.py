"""Alert rules judged again when their runs change without a new analysis (SQLite and
PostgreSQL): deleting a run or a version resolves an alert its runs alone made, and the worker's
periodic step evaluates the rules of a run whose analysis was stored but whose rules were not
(the process died in between)."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.server.conftest import add_model, as_parquet, breast_cancer_split, run_jobs
from tests.server.test_alerts import _alerts, _history, _rule, _upload, _worse

from driftscope.server.models import Run
from driftscope.server.services import alerts, housekeeping
from driftscope.server.state import State
from driftscope.server.worker import make_worker


def _upload_for(admin: TestClient, frame: pd.DataFrame, day: int, version: int) -> None:
    """Upload a run for a given version (analysed by the next `run_jobs`)."""
    response = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.parquet", as_parquet(frame))},
        data={"date": f"2026-11-{day:02d}T00:00:00Z", "version": version},
    )
    assert response.status_code == 201, response.text


def test_deleting_the_run_that_fired_an_alert_resolves_it(admin: TestClient, state: State) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    _rule(admin)
    good = _upload(admin, state, production, 1)
    bad = _upload(admin, state, _worse(production, 0.4), 2)
    [alert] = _alerts(admin)
    assert (alert["state"], alert["run_id"]) == ("firing", bad)
    assert admin.delete(f"/api/v1/models/cancer/runs/{bad}").status_code == 204
    [resolved] = _alerts(admin)
    assert (resolved["id"], resolved["state"]) == (alert["id"], "resolved")
    # The run is gone from the alert and its history; the resolution names no run (no run
    # that is left ended the breach: its runs are gone) and says so.
    assert resolved["run_id"] is None
    assert resolved["resolved_at"] is not None
    assert _history(admin, alert["id"]) == [("fired", None), ("resolved", None)]
    events = admin.get(f"/api/v1/alerts/{alert['id']}/history").json()
    assert "runs are gone" in events[-1]["message"]
    # Deleting the good run too leaves nothing to judge: nothing fires.
    assert admin.delete(f"/api/v1/models/cancer/runs/{good}").status_code == 204
    assert [a["state"] for a in _alerts(admin)] == ["resolved"]


def test_deleting_a_version_resolves_the_alert_its_runs_made(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    add_model(admin, name="other")  # a second model's alerts are not touched
    baseline, production = breast_cancer_split()
    response = admin.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("baseline.parquet", as_parquet(baseline))},
        data={"target": "target", "prediction": "prediction", "proba_prefix": "proba_"},
    )
    assert response.status_code == 201, response.text
    _rule(admin)
    _upload_for(admin, production, 1, version=1)
    _upload_for(admin, _worse(production, 0.4), 2, version=2)
    _upload_for(admin, _worse(production, 0.4), 3, version=2)
    run_jobs(state)
    [alert] = _alerts(admin)
    assert alert["state"] == "firing"
    assert admin.delete("/api/v1/models/cancer/versions/2").status_code == 204
    [resolved] = _alerts(admin)
    assert (resolved["id"], resolved["state"]) == (alert["id"], "resolved")
    with state.sessions() as session:
        assert [run.version_id for run in session.scalars(select(Run))] == [1]
    # Deleting the version with the good run instead keeps a breach firing: version 1's bad
    # runs are still there.
    _upload_for(admin, _worse(production, 0.4), 4, version=1)
    run_jobs(state)
    assert sorted(a["state"] for a in _alerts(admin)) == ["firing", "resolved"]


def test_runs_deleted_by_retention_are_judged_gone_too(admin: TestClient, state: State) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    _rule(admin)
    _upload(admin, state, _worse(production, 0.4), 1)  # 2026-11-01, long past 30 days
    [alert] = _alerts(admin)
    assert alert["state"] == "firing"
    assert admin.put("/api/v1/models/cancer/retention", json={"days": 30}).status_code == 200
    assert housekeeping.apply_retention(state) == 1
    [resolved] = _alerts(admin)
    assert (resolved["id"], resolved["state"]) == (alert["id"], "resolved")
    assert resolved["run_id"] is None


def test_the_worker_evaluates_rules_an_analysis_never_reached(
    admin: TestClient, state: State, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    rule = _rule(admin)
    # The process dies after the analysis is stored, before the rules are evaluated: the
    # analysis job returns without evaluating them.
    with monkeypatch.context() as crash:
        crash.setattr(alerts, "evaluate_model", lambda *args, **kwargs: 0)
        run = _upload(admin, state, _worse(production, 0.4), 1)
    assert _alerts(admin) == []
    with state.sessions() as session:
        assert session.get(Run, run).rules_due is True  # type: ignore[union-attr]
    # The worker's periodic step, after the restart, finds the run and evaluates the rules.
    periodic = make_worker(state).analyses.periodic
    assert periodic is not None
    periodic(state)
    [alert] = _alerts(admin)
    assert (alert["rule_id"], alert["run_id"], alert["state"]) == (rule["id"], run, "firing")
    with state.sessions() as session:
        assert session.get(Run, run).rules_due is False  # type: ignore[union-attr]
    # Nothing is due any more: the next step evaluates no model.
    assert alerts.evaluate_due(state) == 0
    # A run analysed in the ordinary way is judged at once and leaves nothing due.
    _upload(admin, state, production, 2)
    assert alerts.evaluate_due(state) == 0
    assert _alerts(admin)[0]["state"] == "resolved"
