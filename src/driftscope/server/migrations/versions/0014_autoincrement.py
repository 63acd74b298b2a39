"""SQLite never gives an id again: every table with an integer id is rebuilt with AUTOINCREMENT,
so the next row after the newest one was deleted takes a new id, not the deleted one's (a run's
id names its MLflow run, its audit entries and the links users keep). The rebuild copies every
row, index, constraint and foreign key; SQLite starts each table's counter past its largest id.
A row deleted before this revision may still have its id taken once, by the next row.

PostgreSQL's sequences never reuse an id: there this revision changes nothing.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: The tables with an integer id at this revision (the others are keyed by their columns).
_TABLES = (
    "users",
    "sessions",
    "api_tokens",
    "login_failures",
    "audit_log",
    "models",
    "versions",
    "alias_moves",
    "runs",
    "logged_chunks",
    "feedback",
    "jobs",
    "alert_rules",
    "alerts",
    "alert_events",
    "notifiers",
    "deliveries",
)


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    """Copy each table into one made with (or without) AUTOINCREMENT. `db._migrate` turns
    SQLite's foreign keys off meanwhile (dropping the old table would cascade to the rows that
    refer to it) and checks them before it commits."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in _TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass
