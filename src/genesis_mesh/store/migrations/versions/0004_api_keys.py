"""API keys, and an index for listing a user's runs.

Revision ID: 0004
Revises: 0003

`api_keys` holds the SHA-256 of each key's secret part, never the key itself
(genesis_mesh.auth.keys). `ix_runs_owner_created` serves `GET /api/v1/runs`, which
lists the caller's own runs, newest first.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("is_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_user_id", "api_keys", ["user_id"])
    op.create_index("ix_runs_owner_created", "runs", ["owner", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_owner_created", table_name="runs")
    op.drop_index("ix_api_keys_user_id", table_name="api_keys")
    op.drop_table("api_keys")
