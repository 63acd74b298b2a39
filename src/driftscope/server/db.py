"""The store's engine and sessions, made by a factory (nothing happens at import), and the
migrations applied to it (Alembic, `server/migrations/`).

SQLite, the default, is opened with write-ahead logging (readers never wait for the writer),
foreign keys enforced and a busy timeout, so the server and a `driftscope worker` can share the
file. PostgreSQL is one URL away (``postgresql+psycopg://...``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from driftscope.exceptions import DriftscopeError

__all__ = [
    "MigrationError",
    "current_revision",
    "downgrade",
    "is_sqlite",
    "make_engine",
    "make_sessions",
    "make_writers",
    "transaction",
    "upgrade",
]


class MigrationError(DriftscopeError, RuntimeError):
    """A migration that would leave the store inconsistent (rolled back)."""


#: How long a SQLite connection waits for another writer before it gives up, in seconds.
SQLITE_BUSY_SECONDS = 30


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created, its owner's only (the store
    keeps the notifiers' secrets in clear)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_SECONDS, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is turned off, so that a write transaction can
        # start with BEGIN IMMEDIATE (`_sqlite_begin`).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A write transaction (`transaction`) takes the write lock at its start: two writers queue on
    # the busy timeout instead of one failing with "database is locked" when it would upgrade a
    # read lock. Reads begin deferred and, with WAL, never wait for a writer.
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_WRITE = "driftscope_write"


def make_writers(engine: Engine) -> sessionmaker[Session]:
    """Sessions for writes: on SQLite their transaction begins IMMEDIATE, at its first
    statement (not before, so that a request's other work can run before it takes the lock)."""
    return sessionmaker(engine.execution_options(**{_WRITE: True}), expire_on_commit=False)


@contextmanager
def transaction(writers: sessionmaker[Session]) -> Iterator[Session]:
    """A session (from `make_writers`) whose work is committed at the end of the block, or
    rolled back on error. A read needs only ``with sessions() as session``."""
    with writers() as session, session.begin():
        yield session


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (Alembic, `server/migrations/`)."""
    _migrate(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo the migrations after ``revision``."""
    _migrate(engine, "downgrade", revision)


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    """Run the migrations in one transaction. On SQLite foreign keys are off meanwhile: a
    table is altered by copying it and dropping the old one, and the drop would cascade to
    every row that refers to it (a version's runs, a run's points). They are checked before
    the transaction commits."""
    from alembic import command

    with engine.connect() as connection:
        sqlite = is_sqlite(engine)
        if sqlite:  # outside a transaction (SQLAlchemy's own would begin one)
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                config = _alembic_config()
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise MigrationError(
                            f"the migration to {revision} left a row of {broken[0]!r} that "
                            f"refers to a missing row of {broken[2]!r}; nothing was changed"
                        )
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    location = resources.files("driftscope.server").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    return config
