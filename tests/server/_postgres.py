"""A real PostgreSQL for the tests: a throw-away cluster (Debian's ``initdb`` and ``pg_ctl``)
in a temporary folder, listening on a free loopback port, one database per test.

As root the cluster runs as the ``postgres`` user (PostgreSQL refuses to run as root). Without
the server binaries this fails, naming the package: `make test` installs it (Makefile target
``postgres``)."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

__all__ = ["PostgresCluster", "free_port", "throwaway_database"]


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): "
            "`make postgres` installs Debian's package, as `make test` does."
        )
    return Path(found[-1]).parent


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PostgresCluster:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "cluster"
        self.port = free_port()
        self.bin = _binaries()
        self._names = itertools.count()
        self._migrated: str | None = None
        self.as_root = os.geteuid() == 0

    def _run(self, *argv: str) -> None:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        # A throw-away cluster: nothing is worth waiting on the disk for.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.folder / "log"),
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def new_database(self) -> str:
        """A fresh database; its SQLAlchemy URL."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self._url(name)

    def migrated_database(self) -> str:
        """A fresh database at the latest revision; its SQLAlchemy URL. It is a copy (``CREATE
        DATABASE ... TEMPLATE``) of one migrated once per cluster, as each SQLite store of the
        server tests starts as a copy of one migrated per session: Alembic's migrations take
        about a second a test."""
        if self._migrated is None:
            from driftscope.server import db

            template = self.new_database()
            engine = db.make_engine(template)
            try:
                db.upgrade(engine)
            finally:
                engine.dispose()  # a template must have no connection when it is copied
            self._migrated = template.rsplit("/", 1)[1]
        name = f"test_{next(self._names)}"
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._migrated}"')
        return self._url(name)

    def _url(self, name: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A database in a cluster started for the caller (the benchmarks' ``--postgres``), its
    URL; the cluster is stopped and its folder removed at the end."""
    cluster = PostgresCluster(Path(tempfile.mkdtemp(prefix="driftscope-bench-postgres-")))
    cluster.start()
    try:
        yield cluster.new_database()
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)
