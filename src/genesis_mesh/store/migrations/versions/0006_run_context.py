"""A run's own context and config.

Revision ID: 0006
Revises: 0004

`context` and `config` hold what the client gave the run (LangGraph's `context` and the
`configurable` / `recursion_limit` / `tags` / `metadata` of its config), so a resume, a
recovery after a crash and a worker in another process run it the same way. Both are
NULL for runs stored before.

(Chained on 0004; the assistants migration of the LangGraph Server API is 0005 on its
branch: whichever lands second re-points its `down_revision` at the other.)
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("context", sa.JSON, nullable=True))
    op.add_column("runs", sa.Column("config", sa.JSON, nullable=True))


def downgrade() -> None:
    op.drop_column("runs", "config")
    op.drop_column("runs", "context")
