"""`driftscope serve` run as a user runs it, in a process of its own on a free loopback port:
shared by the tests of the server, of the Python client and of the commands that use it, and
by `benchmarks/service.py`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from tests.server._postgres import free_port

__all__ = ["ADMIN_PASSWORD", "FAST_JOBS", "Server", "admin_token", "database_for", "serving"]

#: The first admin's password in every test server.
ADMIN_PASSWORD = "correct horse battery staple"

#: Settings for tests that wait for jobs: a killed job is taken up again after a second. No
#: explanations (they cost model calls on every analysis with a model file) and no performance
#: estimated without labels (calibration models fitted on every analysis) unless a test asks.
FAST_JOBS = {
    "DRIFTSCOPE_JOB_STALE_SECONDS": "1",
    "DRIFTSCOPE_JOB_POLL_SECONDS": "0.2",
    "DRIFTSCOPE_EXPLAIN_ROWS": "0",
    "DRIFTSCOPE_ESTIMATE_RUNS": "false",
}


class Server:
    """`driftscope serve` in a process of its own, on a data directory that outlives it."""

    def __init__(
        self, data_dir: Path, database_url: str, settings: Mapping[str, str] = FAST_JOBS
    ) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.settings = settings
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.clients: list[httpx.Client] = []
        self.url = f"http://127.0.0.1:{self.port}/api/v1"

    def start(self) -> None:
        env = {**os.environ, "DRIFTSCOPE_ADMIN_PASSWORD": ADMIN_PASSWORD, **self.settings}
        with (self.data_dir.parent / "serve.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "driftscope",
                    "serve",
                    "--port",
                    str(self.port),
                    "--data-dir",
                    str(self.data_dir),
                    "--database-url",
                    self.database_url,
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("driftscope serve did not answer within 60 s")

    def close_clients(self) -> None:
        for client in self.clients:
            client.close()
        self.clients.clear()

    def kill(self) -> None:
        self.close_clients()
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        self.close_clients()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60)
        self.clients.append(client)
        response = client.post(
            "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return client


def database_for(request: Any) -> str | None:
    """The store of a fixture parametrised by ``"sqlite"`` and ``"postgresql"``: None for a
    SQLite file in the data directory, or a new database in the session's cluster."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres").new_database()
    return url


@contextmanager
def serving(
    folder: Path, database_url: str | None = None, settings: Mapping[str, str] = FAST_JOBS
) -> Iterator[Server]:
    """A server with its data directory in ``folder`` and its store at ``database_url`` (a
    SQLite file in the data directory by default), stopped at the end."""
    running = Server(
        folder / "data", database_url or f"sqlite:///{folder / 'data' / 'driftscope.db'}", settings
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


def admin_token(server: Server) -> str:
    """A new API token with the admin's role, made through the admin's login."""
    response = server.client().post("/tokens", json={"name": "tests", "role": "admin"})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token
