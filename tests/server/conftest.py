"""The service under test: a store in a temporary folder (SQLite, and PostgreSQL in a cluster
this session starts on loopback), the app in process through Starlette's TestClient, and the
analysis jobs run by the test itself (`run_jobs`) unless a test starts a worker."""

from __future__ import annotations

import functools
import io
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from tests.server._postgres import PostgresCluster
from tests.server._serve import ADMIN_PASSWORD

from driftscope.server import db, jobs
from driftscope.server.app import create_app
from driftscope.server.settings import ServerSettings, load_settings
from driftscope.server.state import State, open_state
from driftscope.server.worker import JOB_KINDS


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'driftscope.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    # At the latest revision already, as the SQLite stores are (`state`).
    return cluster.migrated_database()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> ServerSettings:
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        admin_password=ADMIN_PASSWORD,
        worker=False,
        job_stale_seconds=2.0,
        login_attempts=3,
        period_quiet_seconds=0,
        # Explanations cost model calls on every analysis of a version with a model file;
        # tests/server/test_explanations*.py turn them on where they are tested.
        explain_rows=0,
        # Estimating performance without labels fits calibration models on every analysis of
        # a classifier with probabilities or a regressor; tests/server/test_estimates.py turns
        # it on where it is tested.
        estimate_runs=False,
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite store migrated to the latest revision once per session: each test's store starts
    as a copy of it (Alembic's migrations take about a second a test on a loaded machine)."""
    path = tmp_path_factory.mktemp("migrated") / "driftscope.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def state(settings: ServerSettings, migrated_sqlite: Path) -> Iterator[State]:
    url = str(settings.url)
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///"))
        if not target.exists():
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # SQLite's backup API: a consistent copy whatever the template's journal holds.
            with (
                closing(sqlite3.connect(migrated_sqlite)) as source,
                closing(sqlite3.connect(target)) as copy,
            ):
                source.backup(copy)
    # At the latest revision already, the migration is a check that finds nothing to do.
    opened = open_state(settings)
    try:
        yield opened
    finally:
        opened.engine.dispose()


@pytest.fixture
def client(settings: ServerSettings, state: State) -> Iterator[TestClient]:
    with TestClient(create_app(settings, state), base_url="http://127.0.0.1") as test_client:
        yield test_client


def log_in(client: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    """Log the client in; its CSRF token, which the client then sends with every request."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = csrf
    return csrf


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    log_in(client)
    return client


def token_client(client: TestClient, token: str) -> TestClient:
    other = TestClient(client.app, base_url="http://127.0.0.1")
    other.headers["Authorization"] = f"Bearer {token}"
    return other


def new_token(admin: TestClient, role: str = "editor") -> str:
    response = admin.post("/api/v1/tokens", json={"name": f"{role} service", "role": role})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def run_jobs(state: State) -> int:
    """Run every queued job; how many ran."""
    ran = 0
    while jobs.run_one(state, JOB_KINDS, "test-worker"):
        ran += 1
    return ran


def as_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def as_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


def breast_cancer_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    """scikit-learn's breast cancer set with a logistic model's predictions and probabilities:
    the model fitted on one half (the baseline is the other half's first part, data it did not
    learn from), and a production run. Fitted once per test process (the unscaled fit takes
    about 2,300 iterations); each call gets its own copies."""
    baseline, production = _breast_cancer_split()
    return baseline.copy(), production.copy()


@functools.cache
def _breast_cancer_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    frame = load_breast_cancer(as_frame=True).frame
    train, rest = train_test_split(frame, test_size=0.6, random_state=0, stratify=frame.target)
    features = [c for c in frame.columns if c != "target"]
    model = LogisticRegression(max_iter=10_000).fit(train[features], train.target)
    rest = rest.copy()
    rest["prediction"] = model.predict(rest[features])
    rest["proba_1"] = model.predict_proba(rest[features])[:, 1]
    rest["proba_0"] = 1 - rest["proba_1"]
    rest.insert(0, "id", [f"p{i}" for i in range(len(rest))])
    baseline, production = train_test_split(rest, test_size=0.5, random_state=1)
    return baseline.reset_index(drop=True), production.reset_index(drop=True)


def add_model(
    client: TestClient, name: str = "cancer", *, keep_raw_baseline: bool = True, **version: Any
) -> dict[str, Any]:
    """A binary model with one version whose baseline is the breast cancer baseline (the
    version, as the API gives it)."""
    body = {"name": name, "task": "binary_classification", "keep_raw_baseline": keep_raw_baseline}
    assert client.post("/api/v1/models", json=body).status_code == 201
    fields = {"proba_prefix": "proba_", "id_column": "id", **version}
    return add_version(client, name, **fields)


def add_version(client: TestClient, name: str = "cancer", **fields: Any) -> dict[str, Any]:
    """A version of the model whose baseline is the breast cancer baseline, with its target and
    prediction columns and ``fields`` (the version, as the API gives it)."""
    baseline, _ = breast_cancer_split()
    response = client.post(
        f"/api/v1/models/{name}/versions",
        files={"baseline": ("baseline.parquet", as_parquet(baseline))},
        data={"target": "target", "prediction": "prediction", **fields},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def is_postgres(state: State) -> bool:
    return not db.is_sqlite(state.engine)


__all__ = [
    "ADMIN_PASSWORD",
    "add_model",
    "add_version",
    "as_csv",
    "as_parquet",
    "breast_cancer_split",
    "is_postgres",
    "log_in",
    "new_token",
    "os",
    "run_jobs",
    "token_client",
]
