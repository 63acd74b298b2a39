"""A run keeps its verdict's reasons (`Run.verdict_reasons`), for the dashboard's verdict
history. Runs analysed before this revision have none until they are analysed again: their
reasons are in their reports, which this store's migrations cannot read.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verdict_reasons", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("verdict_reasons")
