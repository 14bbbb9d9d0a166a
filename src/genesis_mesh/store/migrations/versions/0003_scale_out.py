"""Scale-out: leases, fencing, stop requests, dispatch and superseded runs.

Revision ID: 0003
Revises: 0002

`attempt` (from 0001) becomes the fencing token: every claim of a run increments it and
every write of the run's worker checks it. A run superseded by the `interrupt` multitask
policy no longer holds its thread, so the one-active-run index skips it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_OLD_ACTIVE = "status IN ('pending', 'running', 'interrupted')"
_NEW_ACTIVE = "status IN ('pending', 'running', 'interrupted') AND superseded_by IS NULL"


def upgrade() -> None:
    op.add_column("runs", sa.Column("worker_id", sa.String(100), nullable=True))
    op.add_column("runs", sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "runs", sa.Column("recoveries", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("runs", sa.Column("stop_requested", sa.String(20), nullable=True))
    op.add_column("runs", sa.Column("dispatch", sa.JSON, nullable=True))
    op.add_column("runs", sa.Column("superseded_by", sa.String(64), nullable=True))
    _replace_active_index(_NEW_ACTIVE)
    op.create_index("ix_runs_status_created", "runs", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_status_created", table_name="runs")
    _replace_active_index(_OLD_ACTIVE)
    for column in (
        "superseded_by",
        "dispatch",
        "stop_requested",
        "recoveries",
        "lease_expires_at",
        "worker_id",
    ):
        op.drop_column("runs", column)


def _replace_active_index(where: str) -> None:
    op.drop_index("uq_runs_one_active_per_thread", table_name="runs")
    op.create_index(
        "uq_runs_one_active_per_thread",
        "runs",
        ["thread_id"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )
