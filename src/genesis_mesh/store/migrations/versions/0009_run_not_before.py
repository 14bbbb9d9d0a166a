"""Delayed runs: the time before which a pending run is not started.

Revision ID: 0009
Revises: 0008

`not_before` is set by LangGraph's `after_seconds`: the run is stored `pending` at once,
and neither the embedded runner nor a scale-out worker's claim starts it before then.
NULL (every run stored before) means "at once".
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("not_before", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "not_before")
