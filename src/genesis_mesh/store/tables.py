"""SQLAlchemy tables of the run store: threads, runs and their events; API keys."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    text,
)

metadata = MetaData()

ACTIVE_STATUSES = ("pending", "running", "interrupted")
FINAL_STATUSES = ("succeeded", "failed", "cancelled")
_ACTIVE_SQL = "status IN ('pending', 'running', 'interrupted') AND superseded_by IS NULL"

threads = Table(
    "threads",
    metadata,
    Column("id", String(200), primary_key=True),
    Column("owner", String(200), nullable=False, default="local"),
    Column("graph", String(200), nullable=True),
    Column("metadata", JSON, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("thread_id", String(200), ForeignKey("threads.id"), nullable=False),
    Column("graph", String(200), nullable=False),
    Column("owner", String(200), nullable=False, default="local"),
    Column("status", String(20), nullable=False),
    Column("input", JSON, nullable=False),
    Column("output", JSON, nullable=True),
    Column("error", JSON, nullable=True),
    Column("interrupt", JSON, nullable=True),
    # The fencing token: incremented by every claim, checked by every write of a worker.
    Column("attempt", Integer, nullable=False, default=0),
    Column("worker_id", String(100), nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    Column("recoveries", Integer, nullable=False, default=0, server_default="0"),
    Column("stop_requested", String(20), nullable=True),
    Column("dispatch", JSON, nullable=True),
    Column("superseded_by", String(64), nullable=True),
    # What the client gave the run (resume, recovery and other workers run with it).
    Column("context", JSON, nullable=True),
    Column("config", JSON, nullable=True),
    # What the client said about the run beside its input: metadata, and options such as
    # the stream modes it asked for (`store/run_notes.py`).
    Column("metadata", JSON, nullable=True),
    Column("client_options", JSON, nullable=True),
    Column("stream_modes", JSON, nullable=True),
    # A delayed run (LangGraph's `after_seconds`): pending, and not started before this.
    Column("not_before", DateTime(timezone=True), nullable=True),
    # A webhook still to be posted when the run ends (`store/webhook_outbox.py`).
    Column("webhook_url", String(2000), nullable=True),
    Column("webhook_after_seq", Integer, nullable=True),
    Column("webhook_lease_until", DateTime(timezone=True), nullable=True),
    # The run's thread is deleted once the run ends (`store/temporary_threads.py`).
    Column("delete_thread", Boolean, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_runs_thread_id", "thread_id"),
    Index("ix_runs_status", "status"),
    Index("ix_runs_status_created", "status", "created_at"),
    Index("ix_runs_owner_created", "owner", "created_at"),
    # One active run per thread, enforced by the database itself.
    Index(
        "uq_runs_one_active_per_thread",
        "thread_id",
        unique=True,
        sqlite_where=text(_ACTIVE_SQL),
        postgresql_where=text(_ACTIVE_SQL),
    ),
    # The runs whose webhook is still owed (`store/webhook_outbox.py`).
    Index(
        "ix_runs_webhook_owed",
        "id",
        sqlite_where=text("webhook_url IS NOT NULL"),
        postgresql_where=text("webhook_url IS NOT NULL"),
    ),
)

events = Table(
    "events",
    metadata,
    Column("run_id", String(64), ForeignKey("runs.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", DateTime(timezone=True), nullable=False),
    Column("type", String(40), nullable=False),
    Column("node", String(200), nullable=True),
    Column("task_id", String(64), nullable=True),
    Column("data", JSON, nullable=False),
    Index("ix_events_run_task", "run_id", "task_id"),
)

# API keys (genesis_mesh.auth.keys): only a hash of the secret part is stored.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_id", String(200), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("note", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Index("ix_api_keys_user_id", "user_id"),
)

# Assistants: a graph with its config, context and metadata, versioned; the default
# assistant of each graph is not stored (it is derived from the registry).
assistants = Table(
    "assistants",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("graph", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", String(2000), nullable=True),
    Column("config", JSON, nullable=False),
    Column("context", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_assistants_owner_created", "owner", "created_at"),
)

assistant_versions = Table(
    "assistant_versions",
    metadata,
    Column("assistant_id", String(64), ForeignKey("assistants.id"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("graph", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", String(2000), nullable=True),
    Column("config", JSON, nullable=False),
    Column("context", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Crons of the LangGraph API: a stored schedule whose due runs any host process may start;
# `next_run_at` is also the claim (a process moves it on before it starts the run).
crons = Table(
    "crons",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("assistant_id", String(200), nullable=False),
    Column("thread_id", String(200), nullable=True),
    Column("schedule", String(200), nullable=False),
    Column("timezone", String(100), nullable=True),
    Column("payload", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("on_run_completed", String(20), nullable=True),
    Column("end_time", DateTime(timezone=True), nullable=True),
    Column("next_run_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_crons_due", "enabled", "next_run_at"),
    Index("ix_crons_owner_created", "owner", "created_at"),
)
