"""Durable webhooks: the URL a run's end is still to be posted to.

Revision ID: 0010
Revises: 0009

`webhook_url` is set when a LangGraph client starts (or resumes) a run with `webhook=`,
and cleared by the one process that claims its delivery, whichever finishes the run (also
after a restart recovered it). `webhook_after_seq` is where that run segment's events
begin, for the final values the POST carries.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("webhook_url", sa.String(2000), nullable=True))
    op.add_column("runs", sa.Column("webhook_after_seq", sa.Integer, nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "webhook_after_seq")
    op.drop_column("runs", "webhook_url")
