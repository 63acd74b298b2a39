"""Debian's Prometheus for the tests: ``promtool``, and a real ``prometheus`` started on a free
loopback port with a temporary configuration and store. Without the package this fails, naming
it: `make test` installs it (Makefile target ``prometheus``)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml
from tests.server._postgres import free_port

__all__ = ["Prometheus", "binary", "prometheus", "wait_for"]


def binary(name: str) -> str:
    """The path of ``promtool`` or ``prometheus``."""
    found = shutil.which(name)
    if found is None:
        raise AssertionError(
            f"{name} is not installed: `make prometheus` installs Debian's prometheus package, "
            "as `make test` does."
        )
    return found


def wait_for(what: str, check: Any, seconds: float = 90) -> Any:
    """Call ``check`` until it returns something true (returned), or fail naming ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:g} s")
        time.sleep(0.5)


class Prometheus:
    """A running Prometheus: its HTTP API's address and a query helper."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str, **params: str) -> Any:
        response = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expression: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.get("query", query=expression)["result"]
        return result

    def firing(self, alert: str) -> list[dict[str, Any]]:
        return [
            a
            for a in self.get("alerts")["alerts"]
            if a["labels"]["alertname"] == alert and a["state"] == "firing"
        ]


@contextmanager
def prometheus(
    folder: Path, target: str, token: str | None = None, rule_files: Sequence[Path] = ()
) -> Iterator[Prometheus]:
    """Prometheus scraping ``target`` (host:port) every second, with ``token`` as its Bearer
    token and ``rule_files`` evaluated every second; stopped at the end."""
    job: dict[str, Any] = {
        "job_name": "driftscope",
        "scrape_interval": "1s",
        "static_configs": [{"targets": [target]}],
    }
    if token is not None:
        job["authorization"] = {"type": "Bearer", "credentials": token}
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [job],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    with (folder / "prometheus.log").open("ab") as log:
        process = subprocess.Popen(
            [
                binary("prometheus"),
                f"--config.file={folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={folder / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=log,
        )
    running = Prometheus(f"http://127.0.0.1:{port}")

    def ready() -> bool:
        try:
            return httpx.get(f"{running.url}/-/ready", timeout=1).status_code == 200
        except httpx.TransportError:
            assert process.poll() is None, (folder / "prometheus.log").read_text()[-2000:]
            return False

    try:
        wait_for("Prometheus ready", ready, 60)
        yield running
    finally:
        process.terminate()
        process.wait(timeout=30)
