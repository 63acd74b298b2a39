"""`driftscope serve` as a user runs it: a real process on a loopback port, talked to over HTTP,
killed with SIGKILL during an upload and during an analysis, and started again."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from tests.server._postgres import free_port
from tests.server._serve import FAST_JOBS, Server
from tests.server.conftest import as_parquet, breast_cancer_split


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Server]:
    running = Server(tmp_path / "data", database_url)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def _model(client: httpx.Client) -> pd.DataFrame:
    baseline, production = breast_cancer_split()
    client.post("/models", json={"name": "cancer", "task": "binary_classification"})
    response = client.post(
        "/models/cancer/versions",
        files={"baseline": ("b.parquet", as_parquet(baseline))},
        data={"target": "target", "prediction": "prediction", "proba_prefix": "proba_"},
    )
    assert response.status_code == 201, response.text
    return production


def _wait(client: httpx.Client, run_id: int, timeout: float = 120) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run: dict[str, object] = client.get(f"/models/cancer/runs/{run_id}").json()
        job = run["job"]
        # The run's result and its job's end are stored one after the other.
        ended = not isinstance(job, dict) or job["status"] not in ("queued", "running")
        if run["status"] != "pending" and ended:
            return run
        time.sleep(0.3)
    raise AssertionError(f"run {run_id} still pending after {timeout} s")


@pytest.mark.slow
def test_a_run_is_analysed_by_the_server_and_survives_a_restart(server: Server) -> None:
    client = server.client()
    production = _model(client)
    run = client.post(
        "/models/cancer/runs", files={"data": ("run.parquet", as_parquet(production))}
    ).json()
    analysed = _wait(client, int(run["id"]))
    assert analysed["status"] == "analysed"
    assert analysed["verdict"] in ("ok", "investigate")
    server.stop()
    server.start()
    again = server.client().get(f"/models/cancer/runs/{run['id']}").json()
    assert again == analysed


@pytest.mark.slow
def test_a_server_killed_during_an_analysis_finishes_it_after_a_restart(server: Server) -> None:
    client = server.client()
    production = _model(client)
    # A run large enough that its analysis takes a few seconds.
    rng = np.random.default_rng(0)
    big = production.sample(60_000, replace=True, random_state=0).reset_index(drop=True)
    big["mean radius"] += rng.normal(0, 0.5, len(big))
    run = client.post("/models/cancer/runs", files={"data": ("run.parquet", as_parquet(big))})
    run_id = int(run.json()["id"])
    deadline = time.monotonic() + 60
    while client.get(f"/models/cancer/runs/{run_id}").json()["job"]["status"] != "running":
        assert time.monotonic() < deadline, "the analysis never started"
        time.sleep(0.05)
    server.kill()
    server.start()
    client = server.client()
    finished = _wait(client, run_id)
    assert finished["status"] == "analysed"
    job = finished["job"]
    assert isinstance(job, dict)
    assert job["status"] == "done"
    assert job["attempts"] == 2
    assert "stopped reporting" not in str(job["error"] or "")
    assert len(client.get("/models/cancer/runs").json()["items"]) == 1


@pytest.mark.slow
def test_a_server_killed_during_an_upload_stores_no_part_of_it(server: Server) -> None:
    client = server.client()
    production = _model(client)
    payload = as_parquet(production.sample(200_000, replace=True, random_state=1))
    boundary = "driftscopeboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="data"; '
        'filename="run.parquet"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    # Send the headers and a third of the file by hand, then kill the server mid-body.
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        body_length = len(head) + len(payload) + len(f"\r\n--{boundary}--\r\n")
        request = (
            "POST /api/v1/models/cancer/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {body_length}\r\nCookie: {cookie}\r\n"
            f"X-CSRF-Token: {client.headers['X-CSRF-Token']}\r\n\r\n"
        ).encode()
        raw.sendall(request + head + payload[: len(payload) // 3])
        time.sleep(0.5)
        server.kill()
    server.start()
    client = server.client()
    assert client.get("/models/cancer/runs").json()["total"] == 0
    assert client.get("/jobs").json()["total"] == 0
    staging = server.data_dir / "artifacts" / ".staging"
    assert not staging.exists() or list(staging.iterdir()) == []
    # The service goes on: the same upload, whole, is stored and analysed.
    whole = client.post(
        "/models/cancer/runs", files={"data": ("run.parquet", as_parquet(production))}
    )
    assert whole.status_code == 201
    assert _wait(client, int(whole.json()["id"]))["status"] == "analysed"
    assert json.loads(json.dumps(client.get("/jobs").json()))["total"] == 1


def _serve(data_dir: Path, port: int, **env: str) -> subprocess.CompletedProcess[str]:
    """`driftscope serve` as a user types it, expected to stop at once."""
    command = ["serve", "--port", str(port), "--data-dir", str(data_dir)]
    return subprocess.run(
        [sys.executable, "-m", "driftscope", *command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_short_admin_password_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    done = _serve(tmp_path / "data", free_port(), DRIFTSCOPE_ADMIN_PASSWORD="short")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "DRIFTSCOPE_ADMIN_PASSWORD" in line
    assert "at least 12 characters" in line


def test_a_port_in_use_is_said_before_the_first_admin_is_made(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # No password given: the first start would make one and print it.
        done = _serve(tmp_path / "data", port, DRIFTSCOPE_ADMIN_PASSWORD="")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert f"127.0.0.1:{port}" in line
    assert "already in use" in line
    # Nothing was made: no admin, no generated password shown, no store.
    assert "password" not in done.stderr
    assert not (tmp_path / "data" / "driftscope.db").exists()


def test_a_chunked_upload_past_the_limit_is_413_over_http(tmp_path: Path) -> None:
    settings = {**FAST_JOBS, "DRIFTSCOPE_MAX_UPLOAD_BYTES": "2000"}
    running = Server(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'd.db'}", settings)
    running.start()
    try:
        client = running.client()
        client.post("/models", json={"name": "m", "task": "regression"})
        rows = ("a\n" + "1\n" * 3000).encode()

        def chunks() -> Iterator[bytes]:
            yield b'--b\r\nContent-Disposition: form-data; name="data"; filename="r.csv"\r\n\r\n'
            for start in range(0, len(rows), 500):
                yield rows[start : start + 500]
            yield b"\r\n--b--\r\n"

        response = client.post(
            "/models/m/runs",
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b"},
        )
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 413, response.text
        assert "DRIFTSCOPE_MAX_UPLOAD_BYTES" in response.json()["detail"]
    finally:
        running.stop()
