"""The dashboard's reads made cheap: a run's data-quality findings counted on the run, and its
columns' drift packed in one row per run (`RunColumnDrift`), both filled for the runs analysed
before this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quality_warnings", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("quality_alerts", sa.Integer(), nullable=True))
    # Runs analysed before this revision: their counts from their checks.
    for column, status in (("quality_warnings", "warning"), ("quality_alerts", "alert")):
        op.execute(
            f"UPDATE runs SET {column} = (SELECT count(*) FROM run_checks "
            f"WHERE run_checks.run_id = runs.id AND run_checks.status = '{status}') "
            "WHERE runs.status = 'analysed'"
        )
    drift = op.create_table(
        "run_column_drift",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("methods", sa.JSON(), nullable=False),
        sa.Column("statistic", sa.LargeBinary(), nullable=False),
        sa.Column("p_value", sa.LargeBinary(), nullable=False),
        sa.Column("drifted", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id"),
    )
    rows = op.get_bind().execute(
        sa.text(
            'SELECT run_id, "column", role, method, statistic, p_value, drifted '
            "FROM run_features ORDER BY run_id"
        )
    )
    packed: dict[int, list[tuple[object, ...]]] = {}
    for row in rows:
        packed.setdefault(row[0], []).append(tuple(row[1:]))
    op.bulk_insert(drift, [_pack(run_id, columns) for run_id, columns in packed.items()])


def _pack(run_id: int, columns: list[tuple[object, ...]]) -> dict[str, object]:
    """One run's columns as `RunColumnDrift` holds them (as the service packs them today)."""
    names, roles, methods, statistic, p_value, drifted = zip(*columns, strict=True)
    number = [np.nan if v is None else float(v) for v in statistic]
    p = [np.nan if v is None else float(v) for v in p_value]
    verdict = [-1 if v is None else int(bool(v)) for v in drifted]
    return {
        "run_id": run_id,
        "columns": list(names),
        "roles": list(roles),
        "methods": list(methods),
        "statistic": np.asarray(number, dtype="<f8").tobytes(),
        "p_value": np.asarray(p, dtype="<f8").tobytes(),
        "drifted": np.asarray(verdict, dtype="i1").tobytes(),
    }


def downgrade() -> None:
    op.drop_table("run_column_drift")
    with op.batch_alter_table("runs", schema=None) as batch_op:
        batch_op.drop_column("quality_alerts")
        batch_op.drop_column("quality_warnings")
