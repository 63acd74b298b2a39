"""A model's link to MLflow (`mlflow_links`: tracking server, registered model, experiment,
whether the service logs each analysed run and moves the aliases, and the link's last status),
and the MLflow run each run was logged to (`runs.mlflow_run_id`, `runs.mlflow_run_url`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mlflow_run_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("mlflow_run_url", sa.String(length=2048), nullable=True))
    op.create_table(
        "mlflow_links",
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("tracking_uri", sa.String(length=1024), nullable=False),
        sa.Column("registered_model", sa.String(length=256), nullable=True),
        sa.Column("experiment", sa.String(length=256), nullable=True),
        sa.Column("log_runs", sa.Boolean(), nullable=False),
        sa.Column("move_aliases", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_logged_run", sa.Integer(), nullable=True),
        sa.Column("last_logged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("model_id"),
    )


def downgrade() -> None:
    op.drop_table("mlflow_links")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("mlflow_run_url")
        batch_op.drop_column("mlflow_run_id")
