"""The run store: threads, runs and events in SQLite or PostgreSQL (SQLAlchemy 2, async)."""

from genesis_mesh.store.clock import utcnow
from genesis_mesh.store.ids import new_id
from genesis_mesh.store.run_store import RunStore

__all__ = ["RunStore", "new_id", "utcnow"]
