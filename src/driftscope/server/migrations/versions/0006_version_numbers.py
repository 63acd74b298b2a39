"""A version's number is never reused: each model counts the versions it was ever given
(`Model.last_version_number`), and the alias history keeps the numbers of the versions it moved
(`AliasMove.from_number`, `to_number`), which stay when a version is deleted.

For the stores made before this revision, the counter is the highest number the model's versions
have, or had: the audit log names every version added or deleted since the model was made. The
history's numbers are those of the versions still there (a move of a version deleted before
this revision had already lost it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: An audit target naming a version, as the registry writes it ("model:churn/v3").
_VERSION_TARGET = re.compile(r"model:([^/]*)/v(\d+)")


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_version_number", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("alias_moves", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("to_number", sa.Integer(), nullable=True))
    for end in ("from", "to"):
        op.execute(
            f"UPDATE alias_moves SET {end}_number = (SELECT number FROM versions "
            f"WHERE versions.id = alias_moves.{end}_version_id) "
            f"WHERE {end}_version_id IS NOT NULL"
        )
    bind = op.get_bind()
    last: dict[int, int] = {}

    def seen(model_id: int, number: int | None) -> None:
        if number is not None and number > last.get(model_id, 0):
            last[model_id] = number

    for model_id, number in bind.execute(
        sa.text("SELECT model_id, max(number) FROM versions GROUP BY model_id")
    ):
        seen(model_id, number)
    for model_id, *numbers in bind.execute(
        sa.text(
            "SELECT model_id, max(from_number), max(to_number) FROM alias_moves GROUP BY model_id"
        )
    ):
        for number in numbers:
            seen(model_id, number)
    # Versions deleted before this revision: the audit log's "version.create" and
    # "version.delete" of the model (by name, since it was made: a model deleted and made
    # again under its name starts anew).
    models = {
        name: (model_id, created_at)
        for model_id, name, created_at in bind.execute(
            sa.text("SELECT id, name, created_at FROM models")
        )
    }
    for target, at in bind.execute(
        sa.text(
            "SELECT target, at FROM audit_log WHERE action IN ('version.create', 'version.delete')"
        )
    ):
        named = _VERSION_TARGET.fullmatch(target)
        if named is None or named.group(1) not in models:
            continue
        model_id, created_at = models[named.group(1)]
        if at >= created_at:
            seen(model_id, int(named.group(2)))
    if last:
        bind.execute(
            sa.text("UPDATE models SET last_version_number = :number WHERE id = :id"),
            [{"id": model_id, "number": number} for model_id, number in last.items()],
        )


def downgrade() -> None:
    with op.batch_alter_table("alias_moves", schema=None) as batch_op:
        batch_op.drop_column("to_number")
        batch_op.drop_column("from_number")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_column("last_version_number")
