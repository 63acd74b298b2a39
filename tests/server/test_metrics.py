"""`/metrics`: the scrape holds the REST API's own numbers (the oracle), loses a deleted version's
series, caps the per-column series, asks who scrapes, reads the store in a fixed number of
queries, and passes `promtool check metrics` (Debian's prometheus package, which `make test`
installs)."""

from __future__ import annotations

import math
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event
from tests.server._prometheus import binary, prometheus, wait_for
from tests.server._serve import FAST_JOBS, Server, admin_token
from tests.server.conftest import add_model, as_csv, breast_cancer_split, new_token, run_jobs

from driftscope.cli import main
from driftscope.integrations.grafana import dashboard, panel_queries
from driftscope.server.app import create_app
from driftscope.server.settings import ServerSettings
from driftscope.server.state import State, open_state

LOOPBACK = ("127.0.0.1", 50000)
ELSEWHERE = ("192.0.2.7", 50000)

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape_text(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


def samples(text: str) -> Samples:
    """Every sample of a scrape by (name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def labelled(found: Samples, name: str, **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    """The samples of ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return {key: value for (n, key), value in found.items() if n == name and wanted <= key}


def one(found: Samples, name: str, **labels: str) -> float:
    matches = labelled(found, name, **labels)
    assert len(matches) == 1, (name, labels, matches)
    return next(iter(matches.values()))


@pytest.fixture
def scraper(client: TestClient) -> Iterator[TestClient]:
    """A client on this machine's loopback (the default access needs no token from there)."""
    with TestClient(client.app, base_url="http://127.0.0.1", client=LOOPBACK) as local:
        yield local


@contextmanager
def _app(settings: ServerSettings, **changed: Any) -> Iterator[TestClient]:
    """A client on loopback of an app on the same store with ``changed`` settings."""
    state = open_state(settings.model_copy(update=changed), migrate=False)
    try:
        with TestClient(
            create_app(state.settings, state), base_url="http://127.0.0.1", client=LOOPBACK
        ) as local:
            yield local
    finally:
        state.engine.dispose()


def _upload(client: TestClient, frame: Any, date: str, version: int | None = None) -> None:
    data = {"date": date} | ({"version": str(version)} if version is not None else {})
    response = client.post(
        "/api/v1/models/cancer/runs", files={"data": ("run.csv", as_csv(frame))}, data=data
    )
    assert response.status_code == 201, response.text


def _shifted() -> Any:
    """The production run with two features moved far: they drift, the others need not."""
    _, production = breast_cancer_split()
    shifted = production.copy()
    shifted["mean radius"] = shifted["mean radius"] * 1.6
    shifted["worst area"] = shifted["worst area"] * 2.0
    return shifted


def _add_version(client: TestClient) -> None:
    baseline, _ = breast_cancer_split()
    response = client.post(
        "/api/v1/models/cancer/versions",
        files={"baseline": ("baseline.csv", as_csv(baseline))},
        data={"target": "target", "prediction": "prediction", "proba_prefix": "proba_"},
    )
    assert response.status_code == 201, response.text


def test_the_scrape_holds_the_apis_numbers(
    admin: TestClient, state: State, scraper: TestClient
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    _upload(admin, production, "2026-11-01T00:00:00+00:00")
    _upload(admin, _shifted(), "2026-11-02T00:00:00+00:00")
    # An older run uploaded last: the latest run is the latest by data time.
    _upload(admin, production.head(100), "2026-10-01T00:00:00+00:00")
    assert run_jobs(state) == 3
    timeline = admin.get("/api/v1/models/cancer/timeline").json()
    columns = admin.get("/api/v1/models/cancer/timeline/features").json()["columns"]
    runs = admin.get("/api/v1/models/cancer/runs").json()
    runs = runs["items"] if isinstance(runs, dict) else runs
    found = samples(_scrape_text(scraper))

    cancer = {"model": "cancer", "version": "1"}
    last = -1  # the timeline is in date order: its last run is the latest
    assert timeline["runs"]["verdict"][last] != timeline["runs"]["verdict"][0]
    assert one(found, "driftscope_drift_share", **cancer) == pytest.approx(
        timeline["runs"]["drift_share"][last]
    )
    assert one(found, "driftscope_drift_share", **cancer) > 0
    verdicts = labelled(found, "driftscope_verdict", **cancer)
    assert {dict(k)["verdict"]: v for k, v in verdicts.items()} == {
        v: float(v == timeline["runs"]["verdict"][last]) for v in ("ok", "investigate", "retrain")
    }
    assert len(timeline["metrics"]) >= 5
    for metric, series in timeline["metrics"].items():
        for suffix, key in (("", "value"), ("_lower", "lower"), ("_upper", "upper")):
            shown = one(found, f"driftscope_model_{metric}{suffix}", **cancer)
            expected = series[key][last]
            assert (math.isnan(shown) and expected is None) or shown == pytest.approx(expected)
    assert one(found, "driftscope_model_accuracy", **cancer) < 1
    tested = 0
    for column, drift in columns.items():
        score = labelled(found, "driftscope_feature_drift_score", feature=column, **cancer)
        assert len(score) == 1, column
        statistic = drift["statistic"][last]
        value = next(iter(score.values()))
        assert (math.isnan(value) and statistic is None) or value == pytest.approx(statistic)
        assert dict(next(iter(score))).get("role") == drift["role"]
        if drift["drifted"][last] is not None:
            tested += 1
            assert one(found, "driftscope_feature_drifted", feature=column, **cancer) == float(
                drift["drifted"][last]
            )
    assert tested > 20
    assert one(found, "driftscope_feature_drifted", feature="mean radius", **cancer) == 1.0
    drifted_now = sum(1 for d in columns.values() if d["drifted"][last] is True)
    assert one(found, "driftscope_features", state="drifted", **cancer) == drifted_now
    assert one(found, "driftscope_feature_series_omitted", **cancer) == 0
    assert one(found, "driftscope_analysed_runs_total", **cancer) == 3
    assert one(found, "driftscope_rows_ingested_total", model="cancer") == sum(
        run["n_rows"] for run in runs
    )
    assert one(found, "driftscope_jobs", status="done") == 3
    assert one(found, "driftscope_jobs", status="queued") == 0
    lag = one(found, "driftscope_ingestion_lag_seconds", model="cancer")
    assert 0 <= lag < 3600
    assert one(found, "driftscope_last_run_timestamp_seconds", **cancer) == pytest.approx(
        1793577600.0  # 2026-11-02T00:00:00Z
    )


def test_a_deleted_versions_series_are_gone(
    admin: TestClient, state: State, scraper: TestClient
) -> None:
    add_model(admin)
    _add_version(admin)
    _, production = breast_cancer_split()
    _upload(admin, production, "2026-11-01T00:00:00+00:00", version=1)
    _upload(admin, _shifted(), "2026-11-01T00:00:00+00:00", version=2)
    assert run_jobs(state) == 2
    before = samples(_scrape_text(scraper))
    for version in ("1", "2"):
        assert labelled(before, "driftscope_model_accuracy", model="cancer", version=version)
        assert labelled(before, "driftscope_feature_drift_score", version=version)
    promoted = admin.post("/api/v1/models/cancer/aliases/production", json={"version": 2})
    assert promoted.status_code == 200, promoted.text
    aliased = samples(_scrape_text(scraper))
    assert labelled(aliased, "driftscope_version_alias", model="cancer") == {
        frozenset({("model", "cancer"), ("version", "2"), ("alias", "production")}): 1.0
    }
    assert admin.delete("/api/v1/models/cancer/versions/2").status_code == 204
    after = samples(_scrape_text(scraper))
    assert not [key for key in after if ("version", "2") in key[1]]
    assert labelled(after, "driftscope_model_accuracy", model="cancer", version="1")
    assert admin.delete("/api/v1/models/cancer").status_code == 204
    gone = samples(_scrape_text(scraper))
    assert not [key for key in gone if ("model", "cancer") in key[1]]


def test_the_feature_series_are_capped(
    admin: TestClient, state: State, settings: ServerSettings
) -> None:
    add_model(admin)
    _upload(admin, _shifted(), "2026-11-01T00:00:00+00:00")
    assert run_jobs(state) == 1
    columns = admin.get("/api/v1/models/cancer/timeline/features").json()["columns"]
    with _app(settings, metrics_max_features=4) as local:
        found = samples(_scrape_text(local))
    shown = {
        dict(key)["feature"]
        for key in labelled(found, "driftscope_feature_drift_score", model="cancer")
    }
    assert len(shown) == 4
    assert one(found, "driftscope_feature_series_omitted", model="cancer") == len(columns) - 4
    # The target and the prediction first, then the drifted features.
    others = sorted(name for name, d in columns.items() if d["role"] != "feature")
    drifted = sorted(
        name for name, d in columns.items() if d["role"] == "feature" and d["drifted"][0]
    )
    assert shown == set((others + drifted)[:4])
    assert "mean radius" in drifted
    total = sum(labelled(found, "driftscope_features", model="cancer").values())
    assert total == len(columns)


def test_who_may_scrape(
    client: TestClient,
    admin: TestClient,
    scraper: TestClient,
    settings: ServerSettings,
    state: State,
) -> None:
    with TestClient(client.app, base_url="http://127.0.0.1", client=ELSEWHERE) as remote:
        refused = remote.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "API token" in refused.json()["detail"]
        remote.headers["Authorization"] = "Bearer dsk_not-a-token"
        assert remote.get("/metrics").status_code == 401
        remote.headers["Authorization"] = f"Bearer {new_token(admin, 'viewer')}"
        assert remote.get("/metrics").status_code == 200
    assert scraper.get("/metrics").status_code == 200
    for host in ("::1", "::ffff:127.0.0.1", "127.0.0.53"):
        with TestClient(client.app, base_url="http://127.0.0.1", client=(host, 1)) as local:
            assert local.get("/metrics").status_code == 200, host
    for host in ("::ffff:192.0.2.7", "2001:db8::1", "localhost-ish"):
        with TestClient(client.app, base_url="http://127.0.0.1", client=(host, 1)) as other:
            assert other.get("/metrics").status_code == 401, host
    with _app(settings, metrics_access="token") as c:
        refused = c.get("/metrics")
        assert refused.status_code == 401
        assert "DRIFTSCOPE_METRICS_ACCESS=token" in refused.json()["detail"]
        c.headers["Authorization"] = f"Bearer {new_token(admin, 'viewer')}"
        assert c.get("/metrics").status_code == 200
    # Not a REST endpoint: not in the OpenAPI document.
    assert "/metrics" not in admin.get("/api/v1/openapi.json").json()["paths"]


def _queries(state: State, scraper: TestClient) -> int:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(state.engine, "before_cursor_execute", count)
    try:
        _scrape_text(scraper)
    finally:
        event.remove(state.engine, "before_cursor_execute", count)
    return sum(1 for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH")))


def test_a_scrape_reads_the_store_in_a_fixed_number_of_queries(
    admin: TestClient, state: State, scraper: TestClient
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    _upload(admin, production, "2026-11-01T00:00:00+00:00")
    assert run_jobs(state) == 1
    few = _queries(state, scraper)
    _add_version(admin)
    for name in ("second", "third"):
        add_model(admin, name)
    _upload(admin, production, "2026-11-02T00:00:00+00:00", version=2)
    assert run_jobs(state) == 1
    many = _queries(state, scraper)
    assert many == few == 9
    found = samples(_scrape_text(scraper))
    assert len(labelled(found, "driftscope_model_accuracy", model="cancer")) == 2
    assert one(found, "driftscope_rows_ingested_total", model="third") == 0


def test_promtool_accepts_a_real_scrape(
    admin: TestClient, state: State, scraper: TestClient, tmp_path: Any
) -> None:
    add_model(admin)
    _upload(admin, _shifted(), "2026-11-01T00:00:00+00:00")
    assert run_jobs(state) == 1
    text = _scrape_text(scraper)
    checked = subprocess.run(
        [binary("promtool"), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # promtool is not a rubber stamp: a counter without its suffix is reported.
    bad = "# HELP x_rows Rows.\n# TYPE x_rows counter\nx_rows 1\n"
    refused = subprocess.run(
        [binary("promtool"), "check", "metrics"],
        input=bad,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0


def test_a_real_prometheus_scrapes_the_server_and_a_generated_rule_fires(tmp_path: Path) -> None:
    """`driftscope serve` asking for a token, Debian's Prometheus scraping it with one and
    evaluating `driftscope export prometheus-rules` (with a short --for): the series arrive with
    the API's numbers, and the accuracy alert fires once a run's accuracy falls below 0.9."""
    settings = {**FAST_JOBS, "DRIFTSCOPE_METRICS_ACCESS": "token"}
    server = Server(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'driftscope.db'}", settings)
    server.start()
    try:
        api = httpx.Client(
            base_url=f"http://127.0.0.1:{server.port}",
            headers={"Authorization": f"Bearer {admin_token(server)}"},
            timeout=60,
        )
        server.clients.append(api)
        add_model(api)  # type: ignore[arg-type]
        made = api.post("/api/v1/tokens", json={"name": "prometheus", "role": "viewer"})
        token = made.json()["token"]
        assert httpx.get(f"http://127.0.0.1:{server.port}/metrics").status_code == 401
        _, production = breast_cancer_split()
        good = _upload_and_wait(api, production, "2026-11-01T00:00:00+00:00")
        rules = tmp_path / "rules.yml"
        assert main(["export", "prometheus-rules", "-o", str(rules), "--for", "3s"]) == 0
        target = f"127.0.0.1:{server.port}"
        with prometheus(tmp_path, target, token=token, rule_files=[rules]) as running:
            accuracy = wait_for(
                "driftscope_model_accuracy in Prometheus",
                lambda: running.query('driftscope_model_accuracy{model="cancer",version="1"}'),
            )
            assert float(accuracy[0]["value"][1]) == pytest.approx(good["accuracy"]["value"])
            assert float(accuracy[0]["value"][1]) >= 0.9
            up = running.query('up{job="driftscope"}')
            assert [float(series["value"][1]) for series in up] == [1.0]
            assert running.query("driftscope_jobs")
            assert running.query("driftscope_drift_share")
            assert not running.firing("DriftscopeAccuracyLow")

            # A run whose accuracy falls (a third of the predictions flipped) and whose data
            # drifted.
            worse = _shifted()
            flip = worse.index[: len(worse) // 3]
            worse.loc[flip, "prediction"] = 1 - worse.loc[flip, "prediction"]
            bad = _upload_and_wait(api, worse, "2026-11-02T00:00:00+00:00")
            assert bad["accuracy"]["value"] < 0.9
            fired = wait_for(
                "the accuracy alert firing", lambda: running.firing("DriftscopeAccuracyLow")
            )
            assert [(a["labels"]["model"], a["labels"]["version"]) for a in fired] == [
                ("cancer", "1")
            ]
            assert fired[0]["labels"]["severity"] == "critical"
            assert float(fired[0]["value"]) == pytest.approx(bad["accuracy"]["value"])
            # Every query of the Grafana dashboard is valid PromQL here, and finds series.
            for query in panel_queries(dashboard()):
                shown = query.replace("$model", ".*").replace("$version", ".*")
                if "alerts_firing" not in query:
                    assert running.query(shown), query
    finally:
        server.stop()


def _upload_and_wait(api: httpx.Client, frame: Any, date: str) -> dict[str, Any]:
    """Upload a run, wait for its analysis; its metrics by name."""
    response = api.post(
        "/api/v1/models/cancer/runs",
        files={"data": ("run.csv", as_csv(frame))},
        data={"date": date},
    )
    assert response.status_code == 201, response.text
    run_id = response.json()["id"]

    def analysed() -> dict[str, Any] | None:
        run: dict[str, Any] = api.get(f"/api/v1/models/cancer/runs/{run_id}").json()
        assert run["status"] != "failed", run
        return run if run["status"] == "analysed" else None

    run = wait_for("the run analysed", analysed)
    return {metric["name"]: metric for metric in run["metrics"]}


def test_logged_predictions_count_as_rows_and_their_jobs_as_queued(
    admin: TestClient, state: State, scraper: TestClient
) -> None:
    add_model(admin)
    _, production = breast_cancer_split()
    logged = production.drop(columns=["target"]).assign(
        timestamp=[f"2026-11-01T{h % 24:02d}:00:00Z" for h in range(len(production))]
    )
    sent = admin.post(
        "/api/v1/models/cancer/predictions", json={"rows": logged.to_dict(orient="records")}
    )
    assert sent.status_code == 201, sent.text
    _upload(admin, production, "2026-11-03T00:00:00+00:00")
    status = admin.get("/api/v1/models/cancer/ingestion").json()
    assert status["rows_received"] == len(production)
    found = samples(_scrape_text(scraper))
    assert one(found, "driftscope_rows_ingested_total", model="cancer") == (
        status["rows_received"] + len(production)
    )
    queued = admin.get("/api/v1/jobs").json()
    queued = queued["items"] if isinstance(queued, dict) else queued
    waiting = sum(1 for job in queued if job["status"] == "queued")
    assert waiting >= 1
    assert one(found, "driftscope_jobs", status="queued") == waiting
    # No run analysed yet: no version series, but the model's rows and lag are there.
    assert not labelled(found, "driftscope_drift_share", model="cancer")
    assert 0 <= one(found, "driftscope_ingestion_lag_seconds", model="cancer") < 3600


def test_alerts_firing_are_counted_per_model_and_severity(
    admin: TestClient, state: State, scraper: TestClient
) -> None:
    """A rule that fires on the run shows in ``driftscope_alerts_firing``; once resolved, the
    series goes away."""
    add_model(admin)
    _, production = breast_cancer_split()
    worse = production.copy()
    flipped = worse.index[: int(len(worse) * 0.4)]
    worse.loc[flipped, "target"] = 1 - worse.loc[flipped, "target"]
    rule = admin.post(
        "/api/v1/models/cancer/alert-rules",
        json={
            "name": "accuracy low",
            "signal": "metric",
            "subject": "accuracy",
            "comparator": "<",
            "threshold": 0.85,
            "severity": "critical",
        },
    )
    assert rule.status_code == 201, rule.text
    _upload(admin, worse, "2026-11-01T00:00:00+00:00")
    assert run_jobs(state) == 1
    [alert] = admin.get("/api/v1/models/cancer/alerts").json()["items"]
    assert alert["state"] == "firing"
    found = samples(_scrape_text(scraper))
    assert one(found, "driftscope_alerts_firing", model="cancer", severity="critical") == 1
    _upload(admin, production, "2026-11-02T00:00:00+00:00")
    assert run_jobs(state) == 1
    found = samples(_scrape_text(scraper))
    assert labelled(found, "driftscope_alerts_firing", model="cancer") == {}
