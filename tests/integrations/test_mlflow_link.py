"""A model's stored link to MLflow, end to end against a real `mlflow server` (its own
virtualenv, as in test_mlflow.py): the REST API and the app set it, the worker's `mlflow_log`
job logs each analysed run (read back with MLflow's client and checked against the driftscope
API, the oracle), a tracking server that is down is retried and a refusal is not, a retried job
logs once, unlinking stops it, aliases follow promote and rollback; and the CLI's link, status
and unlink against a real `driftscope serve` whose own worker logs."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.integrations.test_mlflow import MlflowServer
from tests.server._postgres import free_port
from tests.server._serve import ADMIN_PASSWORD, Server, admin_token, serving
from tests.server.conftest import (
    add_model,
    as_csv,
    as_parquet,
    breast_cancer_split,
    log_in,
    new_token,
    run_jobs,
    token_client,
)

import driftscope
from driftscope.cli import main
from driftscope.integrations.mlflow import COMPLETE_TAG, MODEL_TAG, RUN_ID_TAG
from driftscope.server import db, jobs
from driftscope.server.app import create_app
from driftscope.server.models import Job, JobStatus, Run, now
from driftscope.server.services import mlflow_links
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State, open_state
from driftscope.server.worker import JOB_KINDS


@pytest.fixture
def settings(tmp_path: Path) -> ServerSettings:
    return load_settings(
        explain_rows=0,
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'data' / 'driftscope.db'}",
        admin_password=ADMIN_PASSWORD,
        worker=False,
        job_stale_seconds=2.0,
        # A retried logging job waits its backoff (0.5 to 1 s here, 15 to 30 s by default).
        notify_backoff_seconds=1.0,
    )


@pytest.fixture
def state(settings: ServerSettings) -> Iterator[State]:
    opened = open_state(settings)
    try:
        yield opened
    finally:
        opened.engine.dispose()


@pytest.fixture
def admin(settings: ServerSettings, state: State) -> Iterator[TestClient]:
    with TestClient(create_app(settings, state), base_url="http://127.0.0.1") as client:
        log_in(client)
        yield client


@pytest.fixture(autouse=True)
def _no_tracking_uri_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


def mlflow_client(server: MlflowServer) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(server.url)


def link(admin: TestClient, code: int = 200, **body: Any) -> dict[str, Any]:
    answer = admin.put("/api/v1/models/cancer/mlflow", json=body)
    assert answer.status_code == code, answer.text
    result: dict[str, Any] = answer.json() if answer.content else {}
    return result


def upload(admin: TestClient, date: str = "2026-11-01") -> int:
    _, production = breast_cancer_split()
    answer = admin.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.parquet", as_parquet(production))},
        data={"date": date},
    )
    assert answer.status_code == 201, answer.text
    run_id: int = answer.json()["id"]
    return run_id


def job_rows(state: State, kind: str) -> list[Job]:
    with state.sessions() as session:
        return list(session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id)))


def logged_for(server: MlflowServer, experiment: str, run_id: int) -> list[Any]:
    """The MLflow runs of ``experiment`` logged from driftscope run ``run_id``."""
    client = mlflow_client(server)
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return []
    runs = client.search_runs([found.experiment_id], max_results=1000)
    return [r for r in runs if r.data.tags.get(RUN_ID_TAG) == str(run_id)]


def test_each_analysed_run_of_a_linked_model_is_logged_by_a_job_with_the_api_s_numbers(
    admin: TestClient, state: State, mlflow_server: MlflowServer, tmp_path: Path
) -> None:
    add_model(admin, benchmarks=json.dumps({"accuracy": 0.9}))
    got = link(admin, tracking_uri=mlflow_server.url + "/", experiment="cancer service")
    assert got["tracking_uri"] == mlflow_server.url
    assert (got["experiment"], got["log_runs"], got["move_aliases"]) == (
        "cancer service",
        True,
        False,
    )
    assert got["last_logged_run"] is None
    assert got["last_error"] is None
    assert admin.get("/api/v1/models/cancer/mlflow").json() == got

    run_id = upload(admin)
    assert run_jobs(state) == 2  # the analysis, then its logging
    assert [j.status for j in job_rows(state, mlflow_links.LOG_RUN)] == [JobStatus.DONE]
    # The logging job belongs to no run: the run's job stays its analysis.
    run = admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()
    assert run["status"] == "analysed"
    assert run["job"]["kind"] == "analyse_run"

    (logged,) = logged_for(mlflow_server, "cancer service", run_id)
    assert run["mlflow_run_id"] == logged.info.run_id
    assert run["mlflow_run_url"] == (
        f"{mlflow_server.url}/#/experiments/{logged.info.experiment_id}/runs/{logged.info.run_id}"
    )
    assert logged.data.tags[MODEL_TAG] == "cancer"
    assert logged.data.tags[COMPLETE_TAG] == "true"
    assert logged.data.tags["driftscope.verdict"] == run["verdict"]
    metrics = logged.data.metrics
    assert run["metrics"]
    for metric in run["metrics"]:
        assert metrics[metric["name"]] == pytest.approx(metric["value"], rel=1e-12)
        if metric["lower"] is not None:
            assert metrics[f"{metric['name']}_lower"] == pytest.approx(metric["lower"], rel=1e-12)
    assert metrics["drift_share"] == pytest.approx(run["drift_share"], rel=1e-12)
    assert metrics["n_rows"] == run["n_rows"]
    assert logged.data.params["run_id"] == str(run_id)
    client = mlflow_client(mlflow_server)
    folder = client.download_artifacts(logged.info.run_id, "driftscope", str(tmp_path))
    report = json.loads(Path(folder, "report.json").read_text())
    assert report == admin.get(f"/api/v1/models/cancer/runs/{run_id}/report").json()
    assert "mean radius" in Path(folder, "report.html").read_text()

    status = admin.get("/api/v1/models/cancer/mlflow").json()
    assert status["last_logged_run"] == run_id
    assert status["last_logged_at"] is not None


def test_a_retried_logging_job_logs_the_run_once(
    admin: TestClient, state: State, mlflow_server: MlflowServer
) -> None:
    add_model(admin)
    link(admin, tracking_uri=mlflow_server.url, experiment="cancer once")
    run_id = upload(admin)
    run_jobs(state)
    (first,) = logged_for(mlflow_server, "cancer once", run_id)
    # The same job again (a worker killed after MLflow stored the run, before the job's end
    # was recorded), and once more by hand: MLflow's run is found by its tag, not made again.
    with db.transaction(state.writers) as session:
        jobs.enqueue(session, mlflow_links.LOG_RUN, {"run_id": run_id}, 3)
    assert run_jobs(state) == 1
    mlflow_links.log_run(state, {"run_id": run_id}, lambda step: None)
    assert [r.info.run_id for r in logged_for(mlflow_server, "cancer once", run_id)] == [
        first.info.run_id
    ]
    with state.sessions() as session:
        stored = session.get(Run, run_id)
        assert stored is not None
        assert stored.mlflow_run_id == first.info.run_id


def test_mlflow_down_queues_the_job_again_with_the_error_then_it_logs_once_mlflow_is_up(
    admin: TestClient, state: State, tmp_path: Path
) -> None:
    later = MlflowServer(tmp_path / "later")
    later.folder.mkdir()
    add_model(admin)
    # Linked before the tracking server is up: only without the check.
    refused = link(admin, 422, tracking_uri=later.url)
    assert refused["errors"][0]["field"] == "tracking_uri"
    assert f"Cannot reach the MLflow tracking server at {later.url}" in refused["detail"]
    link(admin, tracking_uri=later.url, check=False)

    run_id = upload(admin)
    assert jobs.run_one(state, JOB_KINDS, "test")  # the analysis: never held up by MLflow
    assert admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()["status"] == "analysed"
    assert jobs.run_one(state, JOB_KINDS, "test")  # the logging: MLflow is down
    (job,) = job_rows(state, mlflow_links.LOG_RUN)
    assert job.status == JobStatus.QUEUED
    assert job.attempts == 1
    assert job.not_before is not None
    assert job.not_before > now()  # it waits its backoff
    assert job.max_attempts == state.settings.notify_max_attempts
    assert "Cannot reach the MLflow tracking server" in str(job.error)
    assert any("Attempt 1 failed: MlflowDown: Cannot reach" in line["message"] for line in job.log)
    status = admin.get("/api/v1/models/cancer/mlflow").json()
    assert f"Run {run_id} not logged: Cannot reach" in status["last_error"]

    later.start()
    try:
        # The next attempt, as soon as the worker may take it (a retried job may wait its turn).
        deadline = time.monotonic() + 120
        while not jobs.run_one(state, JOB_KINDS, "test"):
            assert time.monotonic() < deadline, "the logging job was not attempted again"
            time.sleep(0.2)
        (job,) = job_rows(state, mlflow_links.LOG_RUN)
        assert job.status == JobStatus.DONE
        assert job.attempts == 2
        assert len(logged_for(later, "cancer", run_id)) == 1
    finally:
        later.stop()
    status = admin.get("/api/v1/models/cancer/mlflow").json()
    assert status["last_error"] is None
    assert status["last_logged_run"] == run_id


def test_a_deleted_registered_model_fails_the_job_at_once_and_says_so_on_the_link(
    admin: TestClient, state: State, mlflow_server: MlflowServer
) -> None:
    client = mlflow_client(mlflow_server)
    client.create_registered_model("cancer-gone")
    add_model(admin)
    link(admin, tracking_uri=mlflow_server.url, registered_model="cancer-gone")
    client.delete_registered_model("cancer-gone")
    upload(admin)
    assert run_jobs(state) == 2
    (job,) = job_rows(state, mlflow_links.LOG_RUN)
    assert job.status == JobStatus.FAILED
    assert job.attempts == 1
    assert "cancer-gone" in str(job.error)
    assert "gave up" in admin.get("/api/v1/models/cancer/mlflow").json()["last_error"]


def test_unlinking_stops_the_logging_even_of_a_job_queued_before(
    admin: TestClient, state: State, mlflow_server: MlflowServer
) -> None:
    add_model(admin)
    link(admin, tracking_uri=mlflow_server.url, experiment="cancer unlinked")
    queued = upload(admin)
    assert jobs.run_one(state, JOB_KINDS, "test")  # analysed; its logging queued
    assert admin.delete("/api/v1/models/cancer/mlflow").status_code == 204
    missing = admin.get("/api/v1/models/cancer/mlflow")
    assert missing.status_code == 404
    assert "not linked" in missing.json()["detail"]
    later = upload(admin, "2026-11-02")
    assert run_jobs(state) == 2  # the queued logging (which logs nothing), the analysis
    assert [j.status for j in job_rows(state, mlflow_links.LOG_RUN)] == [JobStatus.DONE]
    assert logged_for(mlflow_server, "cancer unlinked", queued) == []
    assert logged_for(mlflow_server, "cancer unlinked", later) == []
    # Logging turned off keeps the link but queues nothing.
    link(admin, tracking_uri=mlflow_server.url, log_runs=False)
    upload(admin, "2026-11-03")
    assert run_jobs(state) == 1


def test_a_link_is_checked_refused_naming_the_field_and_changed_by_editors_only(
    admin: TestClient, mlflow_server: MlflowServer
) -> None:
    add_model(admin)
    unknown = link(admin, 422, tracking_uri=mlflow_server.url, registered_model="no-such")
    assert unknown["errors"][0]["field"] == "registered_model"
    assert "no-such" in unknown["detail"]
    assert "--no-check" in unknown["detail"]
    secret = link(admin, 422, tracking_uri="http://user:pw@127.0.0.1:5000")
    assert secret["errors"][0]["field"] == "tracking_uri"
    assert "MLFLOW_TRACKING_PASSWORD" in secret["detail"]
    local = link(admin, 422, tracking_uri="file:///tmp/mlruns")
    assert local["errors"][0]["field"] == "tracking_uri"
    assert "http://" in local["detail"]
    nul = link(admin, 422, tracking_uri=mlflow_server.url, experiment="a\x00b")
    assert nul["errors"][0]["field"] == "experiment"
    aliases = link(admin, 422, tracking_uri=mlflow_server.url, move_aliases=True)
    assert aliases["errors"][0]["field"] == "registered_model"
    extra = admin.put("/api/v1/models/cancer/mlflow", json={"tracking_uri": "x", "password": "p"})
    assert extra.status_code == 422
    missing = admin.put("/api/v1/models/nosuch/mlflow", json={"tracking_uri": mlflow_server.url})
    assert missing.status_code == 404
    assert admin.get("/api/v1/models/cancer/mlflow").status_code == 404  # nothing was stored

    link(admin, tracking_uri=mlflow_server.url)
    viewer = token_client(admin, new_token(admin, "viewer"))
    assert viewer.get("/api/v1/models/cancer/mlflow").json()["tracking_uri"] == mlflow_server.url
    body = {"tracking_uri": mlflow_server.url, "log_runs": False}
    assert viewer.put("/api/v1/models/cancer/mlflow", json=body).status_code == 403
    assert viewer.delete("/api/v1/models/cancer/mlflow").status_code == 403
    editor = token_client(admin, new_token(admin, "editor"))
    assert editor.put("/api/v1/models/cancer/mlflow", json=body).json()["log_runs"] is False
    assert editor.delete("/api/v1/models/cancer/mlflow").status_code == 204


def _register_imported(server: MlflowServer, name: str, numbers: list[int]) -> None:
    """A registered model whose versions carry the tags `driftscope mlflow import` sets: MLflow
    version i was imported as driftscope version ``numbers[i - 1]`` of ``cancer``."""
    client = mlflow_client(server)
    client.create_registered_model(name)
    experiment = client.create_experiment(f"{name} training")
    for number in numbers:
        made = client.create_run(experiment)
        version = client.create_model_version(
            name, f"{made.info.artifact_uri}/model", run_id=made.info.run_id
        )
        client.set_model_version_tag(name, version.version, "driftscope.model", "cancer")
        client.set_model_version_tag(name, version.version, "driftscope.version", str(number))


def test_promote_and_rollback_move_the_linked_registered_model_s_alias(
    admin: TestClient, state: State, mlflow_server: MlflowServer
) -> None:
    add_model(admin)
    add_model_version(admin)
    add_model_version(admin)
    _register_imported(mlflow_server, "cancer-aliases", [1, 2])
    link(
        admin,
        tracking_uri=mlflow_server.url,
        registered_model="cancer-aliases",
        move_aliases=True,
        log_runs=False,
    )
    client = mlflow_client(mlflow_server)

    def production() -> str:
        return str(client.get_registered_model("cancer-aliases").aliases.get("production"))

    for number in (1, 2):
        move = admin.post("/api/v1/models/cancer/aliases/production", json={"version": number})
        assert move.json()["mlflow_followed"] is True, move.json()
        assert move.json()["mlflow"] == f"MLflow: cancer-aliases@production is version {number}."
        assert production() == str(number)
    back = admin.post("/api/v1/models/cancer/aliases/production/rollback").json()
    assert back["to_version"] == 1
    assert back["mlflow_followed"] is True
    assert production() == "1"
    # Version 3 was not imported from MLflow: driftscope's alias moves, MLflow's cannot follow.
    move = admin.post("/api/v1/models/cancer/aliases/production", json={"version": 3}).json()
    assert move["to_version"] == 3
    assert move["mlflow_followed"] is False
    assert "was imported as version 3" in move["mlflow"]
    assert production() == "1"
    assert "was not moved" in admin.get("/api/v1/models/cancer/mlflow").json()["last_error"]
    # A link that does not move aliases says nothing about MLflow.
    link(admin, tracking_uri=mlflow_server.url, registered_model="cancer-aliases")
    move = admin.post("/api/v1/models/cancer/aliases/production", json={"version": 2}).json()
    assert move["mlflow"] is None
    assert move["mlflow_followed"] is None
    assert production() == "1"


def add_model_version(admin: TestClient) -> None:
    baseline, _ = breast_cancer_split()
    answer = admin.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("baseline.csv", as_csv(baseline))},
        data={"target": "target", "prediction": "prediction", "proba_prefix": "proba_"},
    )
    assert answer.status_code == 201, answer.text


def _form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_model_page_shows_the_link_and_its_form_and_the_run_page_links_the_mlflow_run(
    admin: TestClient, state: State, mlflow_server: MlflowServer
) -> None:
    add_model(admin)
    add_model_version(admin)
    page = admin.get("/models/cancer").text
    assert "Not linked to MLflow." in page
    assert 'action="/models/cancer/mlflow"' in page
    token = _form_token(page)
    form = {"tracking_uri": mlflow_server.url, "experiment": "cancer app", "csrf_token": token}
    refused = admin.post("/models/cancer/mlflow", data={**form, "registered_model": "no-such"})
    assert refused.status_code == 422
    assert "no-such" in refused.text
    assert 'href="/models/cancer"' in refused.text
    forged = admin.post("/models/cancer/mlflow", data={**form, "csrf_token": "x"})
    assert forged.status_code == 403
    made = admin.post(
        "/models/cancer/mlflow", data={**form, "log_runs": "yes"}, follow_redirects=False
    )
    assert made.status_code == 303
    assert made.headers["location"] == "/models/cancer"
    page = admin.get("/models/cancer").text
    assert mlflow_server.url in page
    assert "cancer app" in page
    assert "Change the link" in page

    run_id = upload(admin)
    run_jobs(state)
    mlflow_run = admin.get(f"/api/v1/models/cancer/runs/{run_id}").json()["mlflow_run_url"]
    run_page = admin.get(f"/models/cancer/runs/{run_id}").text
    assert f'<a href="{mlflow_run}">MLflow run</a>' in run_page
    assert f'/models/cancer/runs/{run_id}">run {run_id}</a>' in admin.get("/models/cancer").text

    # With aliases moving, the promotion's confirmation says so.
    _register_imported(mlflow_server, "cancer-app", [1, 2])
    aliases = {**form, "registered_model": "cancer-app", "move_aliases": "yes"}
    assert admin.post("/models/cancer/mlflow", data=aliases).status_code == 200
    ask = admin.post("/models/cancer/promote", data={"version": 2, "csrf_token": token})
    assert "The MLflow alias production of &#39;cancer-app&#39;" in ask.text
    done = admin.post(
        "/models/cancer/promote",
        data={"version": 2, "csrf_token": token, "confirmed": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert mlflow_client(mlflow_server).get_registered_model("cancer-app").aliases == {
        "production": "2"
    }

    password = "a reader's long password"
    made = admin.post(
        "/api/v1/users", json={"username": "reader", "password": password, "role": "viewer"}
    )
    assert made.status_code == 201, made.text
    with TestClient(admin.app, base_url="http://127.0.0.1") as viewer:
        log_in(viewer, "reader", password)
        shown = viewer.get("/models/cancer").text
        assert mlflow_server.url in shown
        assert 'action="/models/cancer/mlflow"' not in shown
        refused = viewer.post(
            "/models/cancer/mlflow", data={**form, "csrf_token": _form_token(shown)}
        )
        assert refused.status_code == 403

    ask = admin.post("/models/cancer/mlflow/unlink", data={"csrf_token": token})
    assert "Unlink cancer from MLflow?" in ask.text
    admin.post("/models/cancer/mlflow/unlink", data={"csrf_token": token, "confirmed": "yes"})
    assert "Not linked to MLflow." in admin.get("/models/cancer").text


# -- the CLI, against a real `driftscope serve` whose worker logs --------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("service")) as running:
        yield running


def cli(
    capsys: pytest.CaptureFixture[str], service: Server, token: str, *words: str, code: int = 0
) -> tuple[str, str]:
    args = [*words, "--url", service.url, "--token", token]
    got = main(args)
    out, err = capsys.readouterr()
    assert got == code, (args, out, err)
    assert "Traceback" not in out + err
    return " ".join(out.split()), " ".join(err.split())


def test_cli_link_status_and_unlink_and_the_other_commands_use_the_link(
    service: Server, mlflow_server: MlflowServer, capsys: pytest.CaptureFixture[str]
) -> None:
    token = admin_token(service)
    baseline, production = breast_cancer_split()
    with driftscope.Client(service.url, token) as api:
        api.create_model("churn", "binary_classification")
        api.add_version("churn", baseline, target="target", prediction="prediction",
                        proba_prefix="proba_", id_column="id")  # fmt: skip

    nowhere = f"http://127.0.0.1:{free_port()}"
    _, err = cli(capsys, service, token, "mlflow", "link", "--model", "churn",
                 "--mlflow-uri", nowhere, code=2)  # fmt: skip
    assert f"Cannot reach the MLflow tracking server at {nowhere}" in err
    assert "--no-check" in err
    out, _ = cli(capsys, service, token, "mlflow", "status", "--model", "churn")
    assert "'churn' is not linked to MLflow" in out
    _, err = cli(capsys, service, token, "mlflow", "log", "--model", "churn", "--all-new", code=2)
    assert "--mlflow-uri" in err
    assert "driftscope mlflow link" in err

    out, _ = cli(capsys, service, token, "mlflow", "link", "--model", "churn",
                 "--mlflow-uri", mlflow_server.url, "--experiment", "churn cli")  # fmt: skip
    assert f"Linked 'churn' to MLflow at {mlflow_server.url}" in out
    assert "churn cli" in out

    with driftscope.Client(service.url, token) as api:
        sent = api.upload_run("churn", production, date="2026-11-01")
        assert api.wait("churn", sent.id, timeout=300).status == "analysed"
        deadline = time.monotonic() + 120
        while (run := api.run("churn", sent.id)).mlflow_run_id is None:
            assert time.monotonic() < deadline, "the service's worker did not log the run"
            time.sleep(0.5)
        linked = api.mlflow_link("churn")
    assert run.mlflow_run_url is not None
    assert run.mlflow_run_id in run.mlflow_run_url
    assert linked is not None
    assert linked.last_logged_run == sent.id
    (logged,) = logged_for(mlflow_server, "churn cli", sent.id)
    assert logged.info.run_id == run.mlflow_run_id

    out, _ = cli(capsys, service, token, "mlflow", "status", "--model", "churn")
    assert f"run {sent.id}" in out
    assert "churn cli" in out
    status = json.loads(
        cli(capsys, service, token, "mlflow", "status", "--model", "churn", "--json")[0]
    )
    assert status["link"]["last_logged_run"] == sent.id
    # `mlflow log` without --mlflow-uri nor --experiment logs to the link's: nothing is new.
    out, _ = cli(capsys, service, token, "mlflow", "log", "--model", "churn", "--all-new")
    assert out == "Nothing new to log: every analysed run of 'churn' is in 'churn cli'."
    # `mlflow import` needs a registered model, which this link names none of.
    _, err = cli(capsys, service, token, "mlflow", "import", "--model", "churn", code=2)
    assert "--mlflow-model" in err
    assert "names none" in err

    out, _ = cli(capsys, service, token, "mlflow", "unlink", "--model", "churn")
    assert "Unlinked 'churn' from MLflow" in out
    out, _ = cli(capsys, service, token, "mlflow", "status", "--model", "churn")
    assert "not linked" in out
    _, err = cli(capsys, service, token, "mlflow", "unlink", "--model", "churn", code=2)
    assert "not linked" in err


def test_an_editor_links_a_model_from_its_page_in_a_browser(
    browser: Any, service: Server, mlflow_server: MlflowServer
) -> None:
    from tests.server._browser import log_in as browser_log_in
    from tests.server._browser import screenshot, watched

    token = admin_token(service)
    baseline, _ = breast_cancer_split()
    with driftscope.Client(service.url, token) as api:
        api.create_model("browsed", "binary_classification")
        api.add_version("browsed", baseline, target="target", prediction="prediction")
    origin = service.url.removesuffix("/api/v1")
    with watched(browser, origin) as visit:
        browser_log_in(visit, "admin", ADMIN_PASSWORD, "/models/browsed")
        page = visit.page
        assert page.get_by_text("Not linked to MLflow.").count() == 1
        # Every field is found by its label: the form reads to a screen reader as it looks.
        page.get_by_label("Tracking server").fill(mlflow_server.url)
        page.get_by_label("Experiment").fill("browsed in the app")
        assert page.get_by_label("Log each analysed run").is_checked()
        page.get_by_role("button", name="Link to MLflow").click()
        page.wait_for_url(f"{origin}/models/browsed")
        facts = page.locator("dl.facts").last.inner_text()
        assert mlflow_server.url in facts
        assert "browsed in the app" in facts
        assert page.get_by_role("button", name="Change the link").count() == 1
        screenshot(page, "model-mlflow-link", ("dl.facts",))
    with driftscope.Client(service.url, token) as api:
        linked = api.mlflow_link("browsed")
    assert linked is not None
    assert (linked.experiment, linked.log_runs, linked.move_aliases) == (
        "browsed in the app",
        True,
        False,
    )
