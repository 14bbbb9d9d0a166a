"""Assistants and their versions; metadata on threads and runs; a run's stream modes.

Revision ID: 0007
Revises: 0006

An assistant is a graph with its config, context and metadata; every update stores a new
version. `threads.metadata` and `runs.metadata` hold what clients said about them;
`runs.client_options` what else a client asked of a run; `runs.stream_modes` the
LangGraph stream modes whose raw parts the runner records for it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _record_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("graph", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.String(2000), nullable=True),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("context", sa.JSON, nullable=False),
        sa.Column("metadata", sa.JSON, nullable=False),
    ]


def upgrade() -> None:
    op.add_column("threads", sa.Column("metadata", sa.JSON, nullable=True))
    op.add_column("runs", sa.Column("metadata", sa.JSON, nullable=True))
    op.add_column("runs", sa.Column("client_options", sa.JSON, nullable=True))
    op.add_column("runs", sa.Column("stream_modes", sa.JSON, nullable=True))
    op.create_table(
        "assistants",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        *_record_columns(),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_assistants_owner_created", "assistants", ["owner", "created_at"])
    op.create_table(
        "assistant_versions",
        sa.Column("assistant_id", sa.String(64), sa.ForeignKey("assistants.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        *_record_columns(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("assistant_versions")
    op.drop_index("ix_assistants_owner_created", table_name="assistants")
    op.drop_table("assistants")
    op.drop_column("runs", "stream_modes")
    op.drop_column("runs", "client_options")
    op.drop_column("runs", "metadata")
    op.drop_column("threads", "metadata")
