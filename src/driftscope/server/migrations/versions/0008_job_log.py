"""A job keeps a log of what happened to it (each attempt's start, steps and end, with times),
and a run's metric says whether it is one of the task's primary metrics (the ones a runs table
shows). The runs analysed before this revision get the primary flag by the metric's name (the
analysis's primary metrics as of this revision); the jobs before it start with an empty log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: Every task's primary metrics (`driftscope.analyses.performance.PRIMARY` at this revision);
#: no name is primary for one task and secondary for another.
_PRIMARY = ("accuracy", "f1_macro", "roc_auc", "mae", "rmse", "r2", "wer", "mean_iou", "mean_dice")


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("log", sa.JSON(), server_default="[]", nullable=False))
    with op.batch_alter_table("run_metrics", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_primary", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.get_bind().execute(
        sa.text("UPDATE run_metrics SET is_primary = :yes WHERE metric IN :names").bindparams(
            sa.bindparam("names", expanding=True)
        ),
        {"yes": True, "names": list(_PRIMARY)},
    )


def downgrade() -> None:
    with op.batch_alter_table("run_metrics", schema=None) as batch_op:
        batch_op.drop_column("is_primary")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("log")
