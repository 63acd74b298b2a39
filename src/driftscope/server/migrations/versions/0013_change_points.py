"""Change-point alert rules and rules evaluated after a crash: a rule keeps its detector's
parameters (`AlertRule.parameters`); a run keeps what a detector found on its prediction stream
(`run_change_points`, computed when a rule first reads it) and whether the model's rules are due
to be evaluated after its analysis (`Run.rules_due`, false for runs analysed before this
revision: their rules were evaluated then).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parameters", sa.JSON(), nullable=True))
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rules_due", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "run_change_points",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("config", sa.String(length=512), nullable=False),
        sa.Column("inputs", sa.String(length=130), nullable=False),
        sa.Column("n_values", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.Column("first_row", sa.Integer(), nullable=True),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "config"),
    )


def downgrade() -> None:
    op.drop_table("run_change_points")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("rules_due")
    with op.batch_alter_table("alert_rules", schema=None) as batch_op:
        batch_op.drop_column("parameters")
