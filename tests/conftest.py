"""Fixtures shared across test folders: the throw-away PostgreSQL cluster of a test session."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.server._postgres import PostgresCluster


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
