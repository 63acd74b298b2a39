"""Performance estimated without labels, feedback per run, and shadow comparisons: a run keeps
each estimated metric (`run_estimates`: the estimate, its band, the baseline and status, and the
realised value once labels arrived), how much feedback its rows got (`Run.n_feedback`,
`Run.negative_feedback`; None for runs analysed before this revision), and its comparison with
the model's shadow version (`run_shadows`).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("n_feedback", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("negative_feedback", sa.Integer(), nullable=True))
    op.create_table(
        "run_estimates",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("estimate", sa.Float(), nullable=True),
        sa.Column("lower", sa.Float(), nullable=True),
        sa.Column("upper", sa.Float(), nullable=True),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("realised", sa.Float(), nullable=True),
        sa.Column("realised_rows", sa.Integer(), nullable=False),
        sa.Column("within_band", sa.Boolean(), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id", "metric"),
    )

    op.create_table(
        "run_shadows",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("candidate_version_id", sa.Integer(), nullable=True),
        sa.Column("candidate_number", sa.Integer(), nullable=False),
        sa.Column("n_rows", sa.Integer(), nullable=False),
        sa.Column("agreement", sa.Float(), nullable=True),
        sa.Column("agreement_low", sa.Float(), nullable=True),
        sa.Column("agreement_high", sa.Float(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=True),
        sa.Column("production_value", sa.Float(), nullable=True),
        sa.Column("candidate_value", sa.Float(), nullable=True),
        sa.Column("difference", sa.Float(), nullable=True),
        sa.Column("p_value", sa.Float(), nullable=True),
        sa.Column("better", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["candidate_version_id"], ["versions.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("run_id"),
    )


def downgrade() -> None:
    op.drop_table("run_shadows")
    op.drop_table("run_estimates")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("negative_feedback")
        batch_op.drop_column("n_feedback")
