"""Crons of the LangGraph API: stored schedules whose due runs the host starts.

Revision ID: 0008
Revises: 0007

`next_run_at` is when the cron is next due and also its claim: the process that moves
it on (an UPDATE that names the old value) is the one that starts the run, so several
processes on one database never start a due run twice.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crons",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("assistant_id", sa.String(200), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=True),
        sa.Column("schedule", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(100), nullable=True),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("on_run_completed", sa.String(20), nullable=True),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_crons_due", "crons", ["enabled", "next_run_at"])
    op.create_index("ix_crons_owner_created", "crons", ["owner", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_crons_owner_created", table_name="crons")
    op.drop_index("ix_crons_due", table_name="crons")
    op.drop_table("crons")
