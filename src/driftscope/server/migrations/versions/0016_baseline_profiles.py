"""Baselines kept as profiles: each version's baseline `driftscope.Profile` is an artifact
(`versions.baseline_profile`), a model may keep no raw baseline (`models.keep_raw_baseline`,
on for every existing model), and so a version's raw baseline may be absent (`versions.baseline`
nullable).

The profiles of the versions made before this revision are not computed here (a migration has
no artifact store, and profiling every baseline would hold the upgrade for minutes): each is
computed from the raw baseline and stored the first time it is needed
(`services.baselines.baseline_profile`).

Going down is refused while a version has no raw baseline: revision 0015 cannot hold it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from driftscope.server.db import MigrationError

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


#: SQLite alters a column's nullability by copying the table: the copy keeps AUTOINCREMENT
#: (revision 0014), so that a deleted version's id is never given again.
_AUTOINCREMENT = {"sqlite_autoincrement": True}


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None, table_kwargs=_AUTOINCREMENT) as batch_op:
        batch_op.add_column(
            sa.Column("keep_raw_baseline", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    with op.batch_alter_table("versions", schema=None, table_kwargs=_AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column("baseline_profile", sa.String(length=64), nullable=True))
        batch_op.alter_column("baseline", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    without = op.get_bind().scalar(sa.text("SELECT count(*) FROM versions WHERE baseline IS NULL"))
    if without:
        raise MigrationError(
            f"Cannot go below revision 0016: {without} version(s) keep no raw baseline, which "
            "revision 0015 cannot hold. Delete those versions first."
        )
    with op.batch_alter_table("versions", schema=None, table_kwargs=_AUTOINCREMENT) as batch_op:
        batch_op.alter_column("baseline", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("baseline_profile")
    with op.batch_alter_table("models", schema=None, table_kwargs=_AUTOINCREMENT) as batch_op:
        batch_op.drop_column("keep_raw_baseline")
