"""The run store: threads, runs and events in SQLite or PostgreSQL (SQLAlchemy 2, async)."""

from genesis_mesh.store.run_store import RunStore, new_id, utcnow

__all__ = ["RunStore", "new_id", "utcnow"]
