"""Alert rules on real analyses (SQLite and PostgreSQL): a rule fires when its signal crosses the
threshold on enough consecutive runs by data time, resolves when it recovers, keeps one open
alert per rule and key, waits for labels, survives runs analysed out of order and broken rules,
and refuses every bad field by name."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
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
from driftscope.server.models import Alert, AlertRule, Run
from driftscope.server.services import alerts
from driftscope.server.services.alerts import Point, walk
from driftscope.server.services.ingest import enqueue_due_periods
from driftscope.server.state import State

RULES = "/api/v1/models/cancer/alert-rules"
ALERTS = "/api/v1/models/cancer/alerts"


def _day(day: int) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC)


def _worse(frame: pd.DataFrame, share: float) -> pd.DataFrame:
    """The run with the first ``share`` of its labels flipped: its accuracy falls."""
    out = frame.copy()
    rows = out.index[: int(len(out) * share)]
    out.loc[rows, "target"] = 1 - out.loc[rows, "target"]
    return out


def _accuracy(frame: pd.DataFrame) -> float:
    return float(np.mean(frame.prediction.to_numpy() == frame.target.to_numpy()))


def _upload(admin: TestClient, state: State, frame: pd.DataFrame, day: int) -> int:
    response = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.parquet", as_parquet(frame))},
        data={"date": _day(day).isoformat()},
    )
    assert response.status_code == 201, response.text
    run_jobs(state)
    run_id: int = response.json()["id"]
    assert admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()["status"] == "analysed"
    return run_id


def _rule(admin: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "accuracy low", "signal": "metric", "subject": "accuracy"}
    body |= {"comparator": "<", "threshold": 0.85, **fields}
    response = admin.post(RULES, json=body)
    assert response.status_code == 201, response.text
    rule: dict[str, Any] = response.json()
    return rule


def _alerts(admin: TestClient, **query: Any) -> list[dict[str, Any]]:
    response = admin.get(ALERTS, params=query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _history(admin: TestClient, alert_id: int) -> list[tuple[str, int | None]]:
    events = admin.get(f"/api/v1/alerts/{alert_id}/history").json()
    return [(event["kind"], event["run_id"]) for event in events]


def test_an_accuracy_rule_fires_after_consecutive_bad_runs_and_resolves(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    bad = _worse(production, 0.4)
    assert _accuracy(production) > 0.9 > 0.85 > _accuracy(bad)
    rule = _rule(admin, for_runs=2, severity="critical", renotify_seconds=3600)
    _upload(admin, state, production, 1)
    _upload(admin, state, bad, 2)
    assert _alerts(admin) == []  # one bad run of the two the rule needs
    third = _upload(admin, state, bad, 3)
    [alert] = _alerts(admin)
    assert (alert["state"], alert["severity"], alert["rule"]) == (
        "firing",
        "critical",
        rule["name"],
    )
    assert alert["started_at"].startswith("2026-11-02")  # the breach began with the second run
    assert (alert["run_id"], alert["key"]) == (third, "")
    assert alert["value"] == pytest.approx(_accuracy(bad))
    assert "accuracy" in alert["message"]
    # Evaluating again keeps the one open alert.
    assert alerts.evaluate_model(state, 1) == 0
    assert [a["id"] for a in _alerts(admin)] == [alert["id"]]
    # It is due for a notification once, then again after the re-notify interval.
    with db.transaction(state.writers) as session:
        assert [a.id for a in alerts.alerts_to_notify(session)] == [alert["id"]]
        alerts.mark_notified(session, [alert["id"]], at=_day(20))
    with state.sessions() as session:
        assert alerts.alerts_to_notify(session, at=_day(20) + timedelta(minutes=59)) == []
        later = _day(20) + timedelta(hours=1)
        assert [a.id for a in alerts.alerts_to_notify(session, at=later)] == [alert["id"]]
    # Silenced: not due until the silence ends; acknowledged: not due again.
    until = (_day(20) + timedelta(days=1)).isoformat()
    silenced = admin.post(f"/api/v1/alerts/{alert['id']}/silence", json={"until": until})
    assert silenced.status_code == 200, silenced.text
    with state.sessions() as session:
        assert alerts.alerts_to_notify(session, at=_day(20) + timedelta(hours=2)) == []
        assert len(alerts.alerts_to_notify(session, at=_day(22))) == 1
    acked = admin.post(f"/api/v1/alerts/{alert['id']}/ack").json()
    assert acked["acknowledged_by"] == "admin"
    with state.sessions() as session:
        assert alerts.alerts_to_notify(session, at=_day(22)) == []
    # A good run resolves it, at that run's date; the history has every step.
    fourth = _upload(admin, state, production, 4)
    [resolved] = _alerts(admin)
    assert (resolved["state"], resolved["resolved_at"][:10]) == ("resolved", "2026-11-04")
    assert _history(admin, alert["id"]) == [
        ("fired", third),
        ("notified", None),
        ("silenced", None),
        ("acknowledged", None),
        ("resolved", fourth),
    ]
    # The resolution was not notified yet (the alert was notified while firing).
    with state.sessions() as session:
        assert [a.id for a in alerts.alerts_to_notify(session, at=_day(22))] == [alert["id"]]
    assert _alerts(admin, state="firing") == []
    assert len(admin.get("/api/v1/alerts", params={"severity": "critical"}).json()["items"]) == 1


def test_runs_analysed_out_of_order_are_judged_by_their_dates(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    bad = _worse(production, 0.4)
    _rule(admin)
    _upload(admin, state, production, 1)
    third = _upload(admin, state, bad, 3)
    [alert] = _alerts(admin)
    # A good run dated before the bad one, analysed after it: the newest state is still bad.
    _upload(admin, state, production, 2)
    [same] = _alerts(admin)
    assert (same["id"], same["state"], same["run_id"]) == (alert["id"], "firing", third)
    assert _history(admin, alert["id"]) == [("fired", third)]
    # A good run dated after it resolves it; a bad one dated before that, analysed later,
    # fires nothing: by date the newest run is good.
    fourth = _upload(admin, state, production, 4)
    _upload(admin, state, bad, 2)
    [resolved] = _alerts(admin)
    assert (resolved["id"], resolved["state"]) == (alert["id"], "resolved")
    assert _history(admin, alert["id"]) == [("fired", third), ("resolved", fourth)]
    # Deleting the good run leaves the late bad one newest by date: the rule fires again.
    assert admin.delete(f"/api/v1/models/cancer/runs/{fourth}").status_code == 204
    assert sorted(a["state"] for a in _alerts(admin)) == ["firing", "resolved"]
    # Deleting the model deletes its rules and alerts.
    assert admin.delete("/api/v1/models/cancer").status_code == 204
    with state.sessions() as session:
        assert session.scalars(select(Alert)).all() == []
        assert session.scalars(select(AlertRule)).all() == []


def test_drift_share_feature_drift_and_verdict_rules(admin: TestClient, state: State) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    shifted = production.copy()
    for column in ("mean radius", "mean area", "worst radius", "worst area", "mean perimeter"):
        shifted[column] = shifted[column] * 3
    _upload(admin, state, production, 1)
    run = _upload(admin, state, shifted, 2)
    # Rules made after the runs are evaluated at once over them.
    share = _rule(
        admin, name="drift", signal="drift_share", subject=None, comparator=">=", threshold=0.1
    )
    feature = _rule(
        admin,
        name="radius",
        signal="feature_drift",
        subject="mean radius",
        comparator="==",
        threshold=1,
    )
    calm = _rule(
        admin,
        name="texture",
        signal="feature_drift",
        subject="mean texture",
        comparator="==",
        threshold=1,
    )
    verdict = _rule(
        admin, name="retrain", signal="verdict", subject=None, comparator=">=", threshold=1
    )
    every = _rule(
        admin,
        name="every feature",
        signal="feature_drift",
        subject="*",
        comparator="==",
        threshold=1,
    )
    timeline = admin.get("/api/v1/models/cancer/timeline").json()
    assert timeline["runs"]["drift_share"][1] >= 0.1 > timeline["runs"]["drift_share"][0]
    assert timeline["runs"]["verdict"][1] != "ok"
    by_rule = {a["rule_id"]: a for a in _alerts(admin)}
    assert set(by_rule) == {share["id"], feature["id"], verdict["id"], every["id"]}
    assert calm["id"] not in by_rule
    assert by_rule[feature["id"]]["key"] == "mean radius"
    assert "mean radius" in by_rule[feature["id"]]["message"]
    assert by_rule[share["id"]]["value"] == pytest.approx(timeline["runs"]["drift_share"][1])
    assert all(a["run_id"] == run for a in by_rule.values())
    # The rule on every feature has one alert per drifted feature, named by it.
    drifted = {
        name
        for name, column in admin.get("/api/v1/models/cancer/timeline/features")
        .json()["columns"]
        .items()
        if column["role"] == "feature" and column["drifted"][-1]
    }
    assert "mean radius" in drifted
    assert {a["key"] for a in _alerts(admin, rule=every["id"])} == drifted
    # Filters: by rule.
    assert [a["rule_id"] for a in _alerts(admin, rule=feature["id"])] == [feature["id"]]
    # Disabling a rule resolves its alert.
    response = admin.patch(f"{RULES}/{feature['id']}", json={"enabled": False})
    assert response.status_code == 200, response.text
    assert _alerts(admin, rule=feature["id"])[0]["state"] == "resolved"


def _logged(frame: pd.DataFrame) -> dict[str, Any]:
    out = frame.drop(columns=["target"]).copy()
    out["timestamp"] = pd.date_range(
        "2026-11-01T00:00:00Z", periods=len(out), freq="1min", tz="UTC"
    ).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"rows": out.to_dict(orient="records")}


def test_a_label_policy_waits_for_enough_labels(admin: TestClient, state: State) -> None:
    add_model(admin)
    admin.post("/api/v1/models/cancer/aliases/production", json={"version": 1})
    logger = token_client(admin, new_token(admin, "editor"))
    _, production = breast_cancer_split()
    bad = _worse(production, 0.4)
    patient = _rule(admin, name="patient", min_labelled_share=0.8)
    eager = _rule(admin, name="eager")
    assert logger.post("/api/v1/models/cancer/predictions", json=_logged(bad)).status_code == 201
    enqueue_due_periods(state)
    run_jobs(state)
    assert _alerts(admin) == []  # no label at all: no metric
    labels = bad[["id", "target"]]
    few = labels.iloc[: len(labels) // 4]
    logger.post("/api/v1/models/cancer/labels", json={"columns": few.to_dict(orient="list")})
    run_jobs(state)
    [early] = _alerts(admin)  # a quarter labelled: only the rule without a policy fires
    assert early["rule_id"] == eager["id"]
    with state.sessions() as session:
        run = session.scalars(select(Run)).one()
        assert run.n_labelled == len(few)
    logger.post("/api/v1/models/cancer/labels", json={"columns": labels.to_dict(orient="list")})
    run_jobs(state)
    fired = {a["rule_id"]: a for a in _alerts(admin)}
    assert set(fired) == {eager["id"], patient["id"]}
    assert fired[patient["id"]]["value"] == pytest.approx(_accuracy(bad))


def test_a_broken_rule_never_fails_the_analysis(admin: TestClient, state: State) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    broken = _rule(admin, name="broken")
    working = _rule(admin, name="working", threshold=0.99)
    with db.transaction(state.writers) as session:
        session.execute(
            update(AlertRule).where(AlertRule.id == broken["id"]).values(comparator="~")
        )
    run = _upload(admin, state, production, 1)
    rules = {r["name"]: r for r in admin.get(RULES).json()}
    assert "'~' is not a valid Comparator" in rules["broken"]["error"]
    assert rules["working"]["error"] is None
    [alert] = _alerts(admin)
    assert (alert["rule_id"], alert["run_id"]) == (working["id"], run)


def test_every_bad_field_is_refused_by_name(admin: TestClient, state: State) -> None:
    add_model(admin)
    good = {
        "name": "r",
        "signal": "metric",
        "subject": "accuracy",
        "comparator": "<",
        "threshold": 0.9,
    }
    bad: list[tuple[dict[str, Any], str, str]] = [
        ({"signal": "loudness"}, "signal", "'metric'"),
        ({"comparator": "=<"}, "comparator", "'<='"),
        ({"severity": "panic"}, "severity", "'critical'"),
        ({"subject": "mae"}, "subject", "no metric of a binary_classification model"),
        ({"subject": None}, "subject", "needs a 'subject'"),
        ({"signal": "feature_drift", "subject": "no such column"}, "subject", "no column"),
        ({"signal": "quality_check", "subject": "vibes"}, "subject", "no data-quality check"),
        ({"signal": "feature_drift", "subject": "mean\x00radius"}, "subject", "no column"),
        ({"name": "a\x00b"}, "name", "without control characters"),
        ({"signal": "drift_share"}, "subject", "takes no 'subject'"),
        (
            {"signal": "feature_drift", "subject": "mean radius", "measure": "vibes"},
            "measure",
            "one of drifted",
        ),
        ({"relative": True}, "relative", "'metric_drop' rule only"),
        ({"for_runs": 0}, "for_runs", "greater than or equal to 1"),
        ({"for_seconds": -5}, "for_seconds", "greater than or equal to 0"),
        ({"renotify_seconds": -1}, "renotify_seconds", "greater than or equal to 0"),
        ({"min_labelled_share": 1.5}, "min_labelled_share", "less than or equal to 1"),
        (
            {"signal": "drift_share", "subject": None, "min_label_age_seconds": 60},
            "min_label_age_seconds",
            "needs no labels",
        ),
        ({"threshold": "high"}, "threshold", "valid number"),
        ({"name": ""}, "name", "1 to 128 characters"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ]
    for change, field, words in bad:
        response = admin.post(RULES, json={**good, **change})
        assert response.status_code == 422, (change, response.text)
        [error] = response.json()["errors"]
        assert error["field"] == field, (change, error)
        assert words in error["detail"], (change, error)
    assert admin.get(RULES).json() == []
    assert admin.post(RULES, json=good).status_code == 201
    assert admin.post(RULES, json=good).status_code == 409
    viewer = token_client(admin, new_token(admin, "viewer"))
    assert viewer.post(RULES, json={**good, "name": "other"}).status_code == 403
    assert viewer.get(RULES).status_code == 200
    assert admin.post("/api/v1/models/nope/alert-rules", json=good).status_code == 404
    [rule] = admin.get(RULES).json()
    assert admin.patch(f"{RULES}/{rule['id']}", json={"comparator": "?"}).status_code == 422
    assert admin.delete(f"{RULES}/{rule['id']}").status_code == 204
    assert admin.get(f"{RULES}/{rule['id']}").status_code == 404


def test_the_walk_needs_consecutive_runs_and_time_by_date() -> None:
    def points(values: list[float | None]) -> list[Point]:
        return [
            Point(i, _day(i + 1), v, None if v is None else v < 0.9) for i, v in enumerate(values)
        ]

    # Unknown points neither break nor extend a streak.
    assert walk(points([0.8, None, 0.8]), 2, None).firing
    assert not walk(points([0.8, 0.95, 0.8]), 2, None).firing
    ended = walk(points([0.95, 0.8, 0.8, 0.8]), 2, 2 * 86400)
    assert (ended.firing, ended.start.run_id, ended.fired.run_id) == (True, 1, 3)  # type: ignore[union-attr]
    assert not walk(points([0.8, 0.8]), 2, 2 * 86400).firing  # one day only
    resolved = walk(points([0.8, 0.95]), 1, None)
    assert (resolved.firing, resolved.resolved.run_id) == (False, 1)  # type: ignore[union-attr]


def test_revision_0010_adds_the_alert_tables_and_goes_down_again(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _rule(admin)
    db.downgrade(state.engine, "0009")
    with state.engine.connect() as connection:
        from sqlalchemy import inspect

        tables = set(inspect(connection).get_table_names())
        assert not {"alert_rules", "alerts", "alert_events"} & tables
        assert "n_labelled" not in {c["name"] for c in inspect(connection).get_columns("runs")}
    db.upgrade(state.engine)
    assert admin.get(RULES).json() == []
    assert (
        importlib.import_module(
            "driftscope.server.migrations.versions.0010_alert_rules"
        ).down_revision
        == "0009"
    )
    with state.sessions() as session:
        assert session.scalars(select(Alert)).all() == []


def test_metric_drop_quality_and_prediction_drift_rules(admin: TestClient, state: State) -> None:
    add_model(admin)
    baseline, production = breast_cancer_split()
    bad = _worse(production, 0.4)
    # A small drop: three right answers made wrong, and missing values in one column.
    slightly = production.copy()
    right = slightly.index[slightly.prediction == slightly.target][:3]
    slightly.loc[right, "target"] = 1 - slightly.loc[right, "target"]
    slightly.loc[slightly.index[:40], "mean radius"] = None
    drop = _rule(
        admin,
        name="drop",
        signal="metric_drop",
        measure="reference",
        relative=True,
        comparator=">",
        threshold=0.0,
    )
    beyond_noise = _rule(
        admin,
        name="beyond noise",
        signal="metric_drop",
        comparator=">",
        threshold=0.0,
        interval_excludes=True,
    )
    first = _upload(admin, state, bad, 1)
    second = _upload(admin, state, slightly, 2)
    # Rules made after the runs judge them at once.
    missing = _rule(
        admin,
        name="missing",
        signal="quality_check",
        subject="missing_share",
        comparator=">=",
        threshold=1,
    )
    predictions = _rule(
        admin,
        name="predictions",
        signal="prediction_drift",
        subject=None,
        measure="statistic",
        comparator=">=",
        threshold=0,
    )
    accuracy = admin.get("/api/v1/models/cancer/timeline").json()["metrics"]["accuracy"]
    reference = _accuracy(baseline)
    assert accuracy["reference"] == [pytest.approx(reference)] * 2
    # The big drop is beyond the interval, the small one within it.
    assert accuracy["upper"][0] < reference <= accuracy["upper"][1]
    by_rule = {a["rule_id"]: a for a in _alerts(admin)}
    assert by_rule[drop["id"]]["state"] == "firing"
    assert by_rule[drop["id"]]["run_id"] == first  # the breach began and fired on day 1
    assert by_rule[drop["id"]]["last_value"] == pytest.approx(
        (reference - _accuracy(slightly)) / reference
    )
    assert by_rule[drop["id"]]["value"] == pytest.approx((reference - _accuracy(bad)) / reference)
    noise = by_rule[beyond_noise["id"]]
    assert (noise["state"], noise["run_id"], noise["resolved_at"][:10]) == (
        "resolved",
        first,
        "2026-11-02",
    )
    assert _history(admin, noise["id"]) == [("fired", first), ("resolved", second)]
    status = admin.get(f"/api/v1/models/cancer/runs/{second}/report").json()["quality"]["checks"]
    worst = [c["status"] for c in status if c["check"] == "missing_share"]
    assert max(worst, key=["ok", "warning", "alert"].index) != "ok"
    assert by_rule[missing["id"]]["run_id"] == second
    assert by_rule[missing["id"]]["value"] == ["ok", "warning", "alert"].index(
        max(worst, key=["ok", "warning", "alert"].index)
    )
    with state.sessions() as session:
        from driftscope.server.models import RunFeature

        statistic = session.scalar(
            select(RunFeature.statistic).where(
                RunFeature.run_id == second, RunFeature.role == "prediction"
            )
        )
    assert by_rule[predictions["id"]]["last_value"] == pytest.approx(statistic)


def test_a_freshness_rule_fires_when_no_data_or_no_labels_came_for_too_long(
    admin: TestClient, state: State
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    unlabelled = production.drop(columns=["target"])
    run = _upload(admin, state, unlabelled, 1)
    hour = 3600
    data = _rule(
        admin, name="no data", signal="freshness", subject=None, comparator=">", threshold=24 * hour
    )
    labels = _rule(
        admin,
        name="no labels",
        signal="freshness",
        subject=None,
        measure="labels",
        comparator=">",
        threshold=24 * hour,
    )
    # Judged at once: the run's data is weeks old; the model was made just now, so the lack of
    # labels is not old yet.
    [stale] = _alerts(admin)
    assert (stale["rule_id"], stale["run_id"]) == (data["id"], run)
    # The worker's pass a day later: no labels for more than a day.
    assert alerts.evaluate_freshness(state, at=datetime.now(UTC) + timedelta(hours=25)) == 0
    fired = {a["rule_id"]: a for a in _alerts(admin, state="firing")}
    assert set(fired) == {data["id"], labels["id"]}
    assert fired[labels["id"]]["run_id"] is None
    assert fired[labels["id"]]["value"] > 25 * hour - 60
    # A labelled run dated now: both are fresh again when it is analysed.
    response = admin.post(
        "/api/v1/models/cancer/runs", files={"data": ("run.parquet", as_parquet(production))}
    )
    assert response.status_code == 201, response.text
    run_jobs(state)
    assert _alerts(admin, state="firing") == []
    assert len(_alerts(admin, state="resolved")) == 2
    refused = admin.post(
        RULES,
        json={
            "name": "x",
            "signal": "freshness",
            "comparator": ">",
            "threshold": 60,
            "for_runs": 2,
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "for_runs"
