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
