"""API tokens may expire (`ApiToken.expires_at`), and a user's last login is kept
(`User.last_login_at`).

For the stores made before this revision, a user's last login is the latest "login" the audit
log holds for them.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    # The audit log names the user a login was of ("user:dora"), the one who logged in.
    op.execute(
        "UPDATE users SET last_login_at = (SELECT max(audit_log.at) FROM audit_log "
        "WHERE audit_log.action = 'login' AND audit_log.target = 'user:' || users.username)"
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_login_at")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
