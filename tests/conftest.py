"""Fixtures shared across test folders: the throw-away PostgreSQL cluster of a test session, and
a headless Chromium (Debian's, driven by Playwright; no browser download).

BLAS runs on one thread in the tests and in the processes they start (`make pytest` sets the
same variables before Python starts; these lines cover a bare `pytest`): on a shared 2-core
machine OpenBLAS's threads wait on each other, and a 569-row logistic regression took 38 s with
two threads against 4 s with one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.server._postgres import PostgresCluster
from threadpoolctl import threadpool_limits

# Read when a BLAS library loads (here, and in the processes the tests start); the limit covers
# the libraries a plugin loaded before this file.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
threadpool_limits(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster on loopback for the session; ``new_database()`` gives each user of
    it a database of its own."""
    # Not under pytest's temporary folder, which only its owner may enter: as root the cluster
    # runs as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="driftscope-postgres-"))
    cluster = PostgresCluster(folder)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True, scope="session")
def service_hasher() -> Iterator[Any]:
    """Passwords hashed with argon2id at its lowest cost in this process. The service hashes at
    RFC 9106's parameters (64 MiB, 3 passes: about 0.3 s a hash on this machine), and every
    server test hashes the first admin's password and verifies it at each log-in, three times
    a test. The stored hashes are argon2id all the same; the servers the tests start in
    processes of their own, and `test_the_service_hashes_at_rfc_9106_parameters`, keep the
    real cost. Its value is the service's own hasher."""
    from argon2 import PasswordHasher

    from driftscope.server import security

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    real = security._hasher
    security._hasher = lambda: cheap  # type: ignore[assignment]
    try:
        yield real
    finally:
        security._hasher = real


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium, headless. Missing Playwright or Chromium fails the test, on purpose: CI installs
    both, and a skipped browser test would hide a broken page."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "The browser tests need Playwright for Python: pip install playwright "
            "(no `playwright install`: the tests use Debian's chromium)."
        )
    if not CHROMIUM.exists():
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM}: apt-get install -y chromium.")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


#: Seconds each test file took in a recorded run (`scripts/test_costs.py` writes it from a
#: `pytest --durations=0` log). Only the order of the files is read from it.
COSTS = Path(__file__).with_name("file_costs.json")
#: The guess for a file the record does not know yet, per test.
UNKNOWN_COST_PER_TEST = 0.2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest files first. `make pytest` hands whole files to one worker per core
    (`--dist loadfile --no-loadscope-reorder` keeps this order): started longest first, the
    workers end together instead of one running the last long server file alone."""
    if not COSTS.exists():
        return
    import json

    recorded: dict[str, float] = json.loads(COSTS.read_text(encoding="utf-8"))
    root = config.rootpath
    by_file: dict[str, list[pytest.Item]] = {}
    for item in items:
        path = Path(str(item.path))
        key = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        by_file.setdefault(key, []).append(item)
    order = sorted(
        by_file,
        key=lambda key: -recorded.get(key, UNKNOWN_COST_PER_TEST * len(by_file[key])),
    )
    items[:] = [item for key in order for item in by_file[key]]
