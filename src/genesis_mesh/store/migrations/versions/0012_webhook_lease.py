"""At-least-once webhooks: a delivery holds a lease instead of clearing the URL.

Revision ID: 0012
Revises: 0011

`webhook_lease_until` is set by the process that claims a run's webhook delivery; the URL
stays until the receiver answered (or the attempts were given up on). A process killed
between the claim and a successful POST leaves the URL with a lease that runs out, and
another process (or the restart) delivers it again (`store/webhook_outbox.py`). The
partial index keeps the periodic look for such webhooks off the rest of the runs.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_OWED = "webhook_url IS NOT NULL"


def upgrade() -> None:
    op.add_column("runs", sa.Column("webhook_lease_until", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_runs_webhook_owed",
        "runs",
        ["id"],
        sqlite_where=sa.text(_OWED),
        postgresql_where=sa.text(_OWED),
    )


def downgrade() -> None:
    op.drop_index("ix_runs_webhook_owed", "runs")
    op.drop_column("runs", "webhook_lease_until")
