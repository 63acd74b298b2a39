"""`driftscope.Client` against a real `driftscope serve` process, on SQLite and on PostgreSQL:
the whole flow (model, version from a DataFrame, promotion, run, wait, timeline, report),
aliases, tokens, and how every refusal and an unreachable service become driftscope errors."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from tests.server._postgres import free_port
from tests.server._receivers import webhook_receiver
from tests.server._serve import FAST_JOBS, Server, admin_token, database_for, serving
from tests.server.conftest import as_csv, as_parquet, breast_cancer_split

import driftscope
from driftscope.client import (
    Alert,
    AlertEvent,
    AlertRule,
    Client,
    Delivery,
    Job,
    Logged,
    Model,
    NewToken,
    Notifier,
    Page,
    Run,
    Version,
)
from driftscope.exceptions import (
    DriftscopeError,
    InputTypeError,
    ServiceConnectionError,
    ServiceRequestError,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """`driftscope serve` on a SQLite store, and on PostgreSQL."""
    # Explanations on (40 rows a side) for the one test of them.
    settings = {**FAST_JOBS, "DRIFTSCOPE_EXPLAIN_ROWS": "40"}
    with serving(tmp_path_factory.mktemp("client"), database_for(request), settings) as running:
        yield running


@pytest.fixture(scope="module")
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    return breast_cancer_split()


@pytest.fixture
def client(server: Server) -> Iterator[Client]:
    with Client(server.url, admin_token(server)) as opened:
        yield opened


def _model(client: Client, name: str, baseline: pd.DataFrame) -> None:
    client.create_model(name, "binary_classification", "a logistic model")
    client.add_version(
        name,
        baseline,
        target="target",
        prediction="prediction",
        proba_prefix="proba_",
        id_column="id",
        benchmarks={"accuracy": 0.9},
    )


@pytest.mark.slow
def test_a_run_goes_from_upload_to_report_and_the_timeline_agrees(
    client: Client, server: Server, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    baseline, production = split
    _model(client, "cancer", baseline)
    version = client.version("cancer", 1)
    assert version.n_baseline_rows == len(baseline)
    assert version.benchmarks == {"accuracy": 0.9}
    assert version.schema == client.versions("cancer")[0].schema
    move = client.promote("cancer", 1)
    assert (move.alias, move.action, move.from_version, move.to_version) == (
        "production",
        "promote",
        None,
        1,
    )
    model = client.model("cancer")
    assert model.aliases == {"production": 1}
    assert model.n_versions == 1

    date = datetime(2024, 3, 1, 12, tzinfo=UTC)
    pending = client.upload_run("cancer", production, date=date)
    assert pending.status == "pending"
    assert pending.model == "cancer"
    assert pending.date == date
    assert pending.n_rows == len(production)
    run = client.wait("cancer", pending.id, timeout=120)
    assert run.status == "analysed", run.error
    assert run.verdict in ("ok", "investigate", "retrain")
    assert run.job is not None
    assert run.job.status == "done"

    # What the client returns is what the API says.
    raw = server.client()
    api_run = raw.get(f"/models/cancer/runs/{run.id}").json()
    assert (run.verdict, run.drift_share, run.n_rows) == (
        api_run["verdict"],
        api_run["drift_share"],
        api_run["n_rows"],
    )
    report = client.report("cancer", run.id)
    assert report == raw.get(f"/models/cancer/runs/{run.id}/report").json()
    assert report["verdict"]["decision"] == run.verdict
    timeline = client.timeline("cancer")
    assert timeline == raw.get("/models/cancer/timeline").json()
    points = timeline["runs"]
    assert (points["run"], points["verdict"], points["drift_share"]) == (
        [run.id],
        [run.verdict],
        [run.drift_share],
    )
    assert timeline["metrics"]["accuracy"]["benchmark"] == [0.9]
    assert client.timeline("cancer", since=datetime(2024, 4, 1, tzinfo=UTC))["runs"]["run"] == []
    features = client.feature_timeline("cancer")
    assert features == raw.get("/models/cancer/timeline/features").json()
    assert features["runs"]["run"] == [run.id]

    runs = client.runs("cancer")
    assert isinstance(runs, Page)
    assert runs.total == 1
    assert runs.items == (run,)
    job = client.job(run.job.id)
    assert job == run.job
    assert job in client.jobs("done").items
    client.delete_run("cancer", run.id)
    assert client.runs("cancer").total == 0


def _fields(cls: type) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_the_results_carry_every_field_the_api_returns(
    client: Client, server: Server, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    baseline, production = split
    created = client.create_model("fields", "binary_classification", period="week")
    assert created.period == "week"
    assert created.retention_days is None
    client.add_version("fields", baseline, target="target", prediction="prediction", id_column="id")
    kept = client.set_retention("fields", 30)
    assert isinstance(kept, Model)
    assert (kept.period, kept.retention_days) == ("week", 30)
    assert client.model("fields") == kept
    assert client.set_retention("fields", None).retention_days is None

    # A run lacking a column of the baseline, with one it does not have: a schema change.
    changed = production.drop(columns=["mean radius"]).assign(extra=1.0)
    pending = client.upload_run("fields", changed, date="2024-03-01")
    assert (pending.source, pending.notes) == ("upload", ())
    run = client.wait("fields", pending.id, timeout=120)
    assert run.status == "analysed", run.error
    assert len(run.notes) == 1
    assert run.notes[0].startswith("Schema change: the run lacks 1 of the baseline's columns")
    assert run.quality_warnings is not None
    assert run.quality_alerts is not None

    raw = server.client()
    api_model = raw.get("/models/fields").json()
    api_version = raw.get("/models/fields/versions/1").json()
    api_run = raw.get(f"/models/fields/runs/{run.id}").json()
    assert _fields(Model) == set(api_model)
    assert _fields(Version) == set(api_version)
    assert _fields(Run) == set(api_run) | {"model"}
    assert _fields(Job) == set(api_run["job"])
    for field in ("quality_warnings", "quality_alerts", "source"):
        assert getattr(run, field) == api_run[field]
    assert list(run.notes) == api_run["notes"]


def test_a_runs_explanations_through_the_client(
    client: Client, split: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    baseline, production = split
    features = [
        c
        for c in baseline.columns
        if c not in ("id", "target", "prediction") and not c.startswith("proba_")
    ]
    model = LogisticRegression(max_iter=10_000).fit(baseline[features], baseline.target)
    sio.dump(model, tmp_path / "model.skops")
    client.create_model("explained", "binary_classification")
    client.add_version(
        "explained",
        baseline,
        target="target",
        prediction="prediction",
        proba_prefix="proba_",
        id_column="id",
        model_file=tmp_path / "model.skops",
    )
    run = client.wait("explained", client.upload_run("explained", production).id, timeout=120)
    assert run.status == "analysed", run.error
    section = client.run_explanations(run.id)
    assert section["error"] is None
    assert section["explanation"]["explainer"] == "linear"
    assert {i["feature"] for i in section["explanation"]["importance"]} == set(features)
    assert section == client.report("explained", run.id)["explanations"]
    with pytest.raises(ServiceRequestError) as missing:
        client.run_explanations(10**9)
    assert missing.value.status == 404
    assert missing.value.detail == f"No run {10**9}."


def test_predictions_labels_and_feedback_are_logged_and_become_runs(
    client: Client, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    baseline, production = split
    _model(client, "logged", baseline)
    client.promote("logged", 1)
    logged = production.drop(columns=["target"]).assign(
        timestamp=pd.date_range("2024-03-01T20:00:00Z", periods=len(production), freq="3min")
    )
    first = client.log_predictions("logged", logged.iloc[:100])  # a DataFrame
    assert isinstance(first, Logged)
    assert first.received == 100
    assert first.periods == (
        datetime(2024, 3, 1, tzinfo=UTC),
        datetime(2024, 3, 2, tzinfo=UTC),
    )
    rest = pa.Table.from_pandas(logged.iloc[100:], preserve_index=False)
    assert client.log_predictions("logged", rest).received == len(production) - 100
    status = client.ingestion("logged")
    assert (status["rows_received"], status["rows_waiting"]) == (len(production),) * 2

    assert client.flush("logged") == 2
    deadline = time.monotonic() + 120  # the worker gathers each period's rows into a run
    runs = client.runs("logged").items
    while len(runs) < 2 or {r.status for r in runs} != {"analysed"}:
        assert time.monotonic() < deadline, (runs, client.ingestion("logged"))
        time.sleep(0.2)
        runs = client.runs("logged").items
    assert sorted((r.date.day, r.n_rows, r.source) for r in runs) == [
        (1, 80, "logged"),
        (2, 91, "logged"),
    ]
    labels = production[["id", "target"]].iloc[:50]
    assert client.log_labels("logged", labels) == 50
    assert client.log_labels("logged", labels.to_dict(orient="records")) == 50
    feedback = {"id": production["id"].iloc[:2].tolist(), "score": [1, -1], "comment": ["ok", None]}
    assert client.log_feedback("logged", feedback) == 2
    assert client.ingestion("logged")["feedback"] == 2

    assert client.set_period("logged", "hour") == "hour"
    assert client.model("logged").period == "hour"
    with pytest.raises(ServiceRequestError) as caught:
        client.set_period("logged", "fortnight")
    assert (caught.value.status, caught.value.field) == (422, "period")
    with pytest.raises(InputTypeError, match="A batch must be"):
        client.log_predictions("logged", 42)


def test_a_version_is_deleted(client: Client, split: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    baseline, _ = split
    _model(client, "pruned", baseline)
    client.add_version("pruned", baseline, target="target")
    client.promote("pruned", 2)
    client.delete_version("pruned", 2)
    assert [v.number for v in client.versions("pruned")] == [1]
    assert client.model("pruned").aliases == {}
    with pytest.raises(ServiceRequestError) as caught:
        client.version("pruned", 2)
    assert caught.value.status == 404


def test_models_are_listed_paged_and_searched(client: Client) -> None:
    for name in ("search-a", "search-b", "other-c"):
        client.create_model(name, "regression")
    found = client.models("search")
    assert [m.name for m in found.items] == ["search-a", "search-b"]
    assert found.total == 2
    page = client.models("search", offset=1, limit=1)
    assert [m.name for m in page.items] == ["search-b"]
    assert (page.total, page.offset, page.limit) == (2, 1, 1)
    client.delete_model("other-c")
    with pytest.raises(ServiceRequestError) as caught:
        client.model("other-c")
    assert caught.value.status == 404


def test_a_rollback_points_production_at_the_version_before(
    client: Client, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    baseline, _ = split
    _model(client, "rolled", baseline)
    # Bytes and (filename, bytes) are tables too.
    assert client.add_version("rolled", as_parquet(baseline), target="target").number == 2
    assert client.add_version("rolled", ("b.csv", as_csv(baseline))).number == 3
    client.promote("rolled", 1)
    client.promote("rolled", 3)
    client.promote("rolled", 2, alias="staging")
    back = client.rollback("rolled")
    assert (back.action, back.from_version, back.to_version) == ("rollback", 3, 1)
    assert client.model("rolled").aliases == {"production": 1, "staging": 2}
    history = client.alias_history("rolled")
    assert [(m.alias, m.action, m.to_version) for m in history] == [
        ("production", "rollback", 1),
        ("staging", "promote", 2),
        ("production", "promote", 3),
        ("production", "promote", 1),
    ]
    client.delete_version("rolled", 3)
    moved_to_3 = client.alias_history("rolled")[2]
    assert (moved_to_3.to_version, moved_to_3.to_version_deleted) == (3, True)
    assert client.add_version("rolled", baseline, target="target").number == 4  # 3 not reused


def test_a_token_is_shown_once_and_refused_once_revoked(client: Client, server: Server) -> None:
    created = client.create_token("nightly", role="editor")
    assert isinstance(created, NewToken)
    assert created.token.startswith("dsk_")
    assert created.token.startswith(created.prefix)
    listed = {t.id: t for t in client.tokens()}
    assert listed[created.id].revoked_at is None
    assert not hasattr(listed[created.id], "token")
    with Client(server.url, created.token) as nightly:
        assert nightly.models().total >= 0
        revoked = client.revoke_token(created.id)
        assert revoked.revoked_at is not None
        with pytest.raises(ServiceRequestError) as caught:
            nightly.models()
    assert caught.value.status == 401


def test_a_user_logs_in_with_a_password_and_makes_a_token(client: Client, server: Server) -> None:
    user = client.create_user("carol", "a long enough password", "editor")
    assert (user.username, user.role, user.active) == ("carol", "editor", True)
    assert "carol" in {u.username for u in client.users()}
    with Client(server.url) as anonymous:
        assert anonymous.health()
        with pytest.raises(ServiceRequestError) as caught:
            anonymous.models()
        assert caught.value.status == 401
        assert anonymous.log_in("carol", "a long enough password") == "editor"
        token = anonymous.create_token("carol's", role="editor")
    assert token.role == "editor"


def test_a_refusal_names_the_field_and_its_status(
    client: Client, server: Server, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    baseline, _ = split
    client.create_model("refusals", "binary_classification")
    with pytest.raises(ServiceRequestError) as caught:
        client.add_version("refusals", baseline, target="no such column")
    error = caught.value
    assert isinstance(error, DriftscopeError)
    assert isinstance(error, OSError)
    assert error.status == 422
    assert error.field == "baseline"
    assert "no such column" in error.detail
    assert "field 'baseline'" in str(error)
    assert error.errors[0]["field"] == "baseline"

    with pytest.raises(ServiceRequestError) as caught:
        client.create_model("refusals", "no task")
    assert caught.value.status == 422
    assert caught.value.field == "task"

    with pytest.raises(ServiceRequestError) as caught:
        client.upload_run("absent", ("run.parquet", as_parquet(baseline)))
    assert caught.value.status == 404
    assert "absent" in caught.value.detail

    viewer_token = client.create_token("reader", role="viewer").token
    with Client(server.url, viewer_token) as viewer:
        assert viewer.model("refusals").name == "refusals"
        with pytest.raises(ServiceRequestError) as caught:
            viewer.create_model("not allowed", "regression")
    assert caught.value.status == 403


def test_a_table_of_another_type_or_a_missing_file_is_refused_before_sending(
    client: Client, tmp_path: Path
) -> None:
    with pytest.raises(InputTypeError, match="'baseline' must be a file path"):
        client.add_version("cancer", [1, 2, 3])
    with pytest.raises(FileNotFoundError, match=r"nope\.csv"):
        client.upload_run("cancer", tmp_path / "nope.csv")


def test_an_unreachable_service_is_named_in_the_message() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with Client(url, "dsk_x") as nowhere, pytest.raises(ServiceConnectionError) as caught:
        nowhere.models()
    assert isinstance(caught.value, ConnectionError)
    assert url in str(caught.value)
    assert "driftscope serve" in str(caught.value)


def test_url_and_token_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRIFTSCOPE_URL", "http://example.test:9000/api/v1/")
    monkeypatch.setenv("DRIFTSCOPE_TOKEN", "dsk_env")
    with Client() as client:
        assert client.url == "http://example.test:9000"
        assert client.token == "dsk_env"
        assert repr(client) == "Client('http://example.test:9000')"
    monkeypatch.delenv("DRIFTSCOPE_URL")
    with Client(token="dsk_given") as client:
        assert client.url == "http://127.0.0.1:8000"
        assert client.token == "dsk_given"


def test_the_results_are_frozen() -> None:
    import dataclasses

    now = datetime.now(UTC)
    run = Run("m", 1, 1, now, now, "a", 1, "pending", *[None] * 7, "upload", (), None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.status = "analysed"  # type: ignore[misc]


def test_the_client_is_exported_lazily_and_says_how_to_install_httpx() -> None:
    assert driftscope.Client is Client
    code = (
        "import sys; sys.modules['httpx'] = None\n"
        "import driftscope\n"
        "try:\n"
        "    driftscope.Client\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, isinstance(exc, driftscope.DriftscopeError), exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "ExtraMissingError True The driftscope client needs httpx, which is not installed: "
        'pip install "driftscope[server]"'
    )


def test_alert_rules_and_alerts_through_the_client(
    client: Client, server: Server, split: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    baseline, production = split
    client.create_model("alerted", "binary_classification")
    client.add_version("alerted", baseline, target="target", prediction="prediction")
    worse = production.copy()
    flipped = worse.index[: len(worse) // 2]
    worse.loc[flipped, "target"] = 1 - worse.loc[flipped, "target"]
    run = client.wait("alerted", client.upload_run("alerted", worse, date="2024-03-01").id)
    rule = client.add_alert_rule(
        "alerted", "accuracy low", "metric", "<", 0.8, subject="accuracy", for_runs=1
    )
    assert (rule.signal, rule.subject, rule.error) == ("metric", "accuracy", None)
    [alert] = client.alerts("alerted").items
    assert (alert.state, alert.run_id, alert.model) == ("firing", run.id, "alerted")
    assert client.alerts(state="resolved").items == ()
    acked = client.acknowledge_alert(alert.id)
    assert acked.acknowledged_by is not None
    until = datetime(2030, 1, 1, tzinfo=UTC)
    assert client.silence_alert(alert.id, until).silenced_until == until
    assert [e.kind for e in client.alert_history(alert.id)] == ["fired", "acknowledged", "silenced"]
    raw = server.client()
    assert _fields(AlertRule) == set(raw.get("/models/alerted/alert-rules").json()[0])
    assert _fields(Alert) == set(raw.get(f"/alerts/{alert.id}").json())
    assert _fields(AlertEvent) == set(raw.get(f"/alerts/{alert.id}/history").json()[0])
    off = client.update_alert_rule("alerted", rule.id, enabled=False)
    assert not off.enabled
    assert client.alerts("alerted").items[0].state == "resolved"
    with pytest.raises(ServiceRequestError) as refused:
        client.add_alert_rule("alerted", "bad", "metric", "~", 1.0, subject="accuracy")
    assert refused.value.field == "comparator"
    client.delete_alert_rule("alerted", rule.id)
    assert client.alert_rules("alerted") == []


def test_notifiers_through_the_client(client: Client, server: Server) -> None:
    secret = "a-webhook-secret-of-32-characters"
    with webhook_receiver(secret) as receiver:
        hook = client.add_notifier("client hook", "webhook", url=receiver.url, secret=secret)
        assert (hook.kind, hook.secret_set, hook.models) == ("webhook", True, None)
        delivery = client.test_notifier(hook.id)
        assert (delivery.status, delivery.event, delivery.notifier) == ("done", "test", hook.name)
        assert receiver.received[0].signed
    assert client.deliveries(notifier=hook.id) == [delivery]
    assert client.update_notifier(hook.id, enabled=False).enabled is False
    raw = server.client()
    assert _fields(Notifier) == set(raw.get(f"/notifiers/{hook.id}").json())
    assert _fields(Delivery) == set(raw.get(f"/notifiers/{hook.id}/deliveries").json()[0])
    with pytest.raises(ServiceRequestError) as refused:
        client.add_notifier("short key", "webhook", url=receiver.url, secret="short")
    assert refused.value.field == "secret"
    with pytest.raises(InputTypeError, match="either notifier or alert"):
        client.deliveries()
    client.delete_notifier(hook.id)
    assert client.notifiers() == []


def test_a_run_is_sent_as_a_profile_to_a_model_that_keeps_no_raw_baseline(
    client: Client, split: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    baseline, production = split
    created = client.create_model("profiled", "binary_classification", keep_raw_baseline=False)
    assert created.keep_raw_baseline is False
    version = client.add_version(
        "profiled", baseline, target="target", prediction="prediction", proba_prefix="proba_"
    )
    assert (version.raw_baseline, version.baseline_profile) == (False, True)
    kept = client.version_profile("profiled", 1)
    assert isinstance(kept, driftscope.Profile)
    assert (kept.n_rows, dict(kept.schema.to_dict())) == (len(baseline), version.schema)
    made = driftscope.profile(production, kept.schema)
    saved = tmp_path / "run.profile"
    made.save(saved)
    # A Profile, a saved file or its bytes: the same run.
    runs = [
        client.upload_profile("profiled", made, date="2024-03-01"),
        client.upload_profile("profiled", saved, date="2024-03-02", version=1),
        client.upload_profile("profiled", made.to_bytes()),
    ]
    assert [(r.source, r.n_rows, r.version) for r in runs] == [("profile", len(production), 1)] * 3
    assert runs[0].date == datetime(2024, 3, 1, tzinfo=UTC)
    # Analysed from the two profiles: the verdict, and what was not run said in a note.
    analysed = client.wait("profiled", runs[0].id, timeout=120)
    assert analysed.status == "analysed", analysed.error
    assert analysed.verdict is not None
    assert any(
        "not run: this model keeps no raw baseline; the run came as a profile" in n
        for n in analysed.notes
    )
    with pytest.raises(ServiceRequestError) as caught:
        client.upload_profile("profiled", as_parquet(production))
    assert (caught.value.status, caught.value.field) == (422, "profile")
    assert "not a driftscope profile" in caught.value.detail
    with pytest.raises(InputTypeError, match="'profile' of upload_profile"):
        client.upload_profile("profiled", 3)
    assert client.set_raw_baseline("profiled", True).keep_raw_baseline is True
    again = client.add_version("profiled", baseline, target="target", prediction="prediction")
    assert (again.raw_baseline, again.baseline_profile) == (True, True)
