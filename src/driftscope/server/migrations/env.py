"""Alembic's entry point for the store's migrations: run on the connection `db.upgrade` hands
over (there is no alembic.ini; the engine comes from the server's settings)."""

from __future__ import annotations

from alembic import context

from driftscope.exceptions import DriftscopeError
from driftscope.server.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `db.upgrade` runs the migrations
    raise DriftscopeError("driftscope's migrations run through `driftscope db upgrade`")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters a table by copying it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
