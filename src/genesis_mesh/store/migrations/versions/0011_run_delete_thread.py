"""Durable temporary threads: a stateless run whose thread is deleted once it ends.

Revision ID: 0011
Revises: 0010

`delete_thread` is set when a LangGraph client starts a stateless run that does not keep
its thread (`on_completion="delete"`, a cron's `on_run_completed="delete"`). The thread,
and the run's row with it, goes once the run ended, whichever process ends it; a process
that starts after a crash finds the runs still marked.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("delete_thread", sa.Boolean, nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "delete_thread")
