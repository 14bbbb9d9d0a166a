"""Drop runs.last_seq: it is read off the events' primary key instead of updated per batch.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Native on PostgreSQL and SQLite >= 3.35; no table rebuild (events reference runs).
    op.execute("ALTER TABLE runs DROP COLUMN last_seq")


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"))
