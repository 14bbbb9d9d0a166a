"""`RunStore`, the one object the host and the runner hold for threads, runs and events.

It owns nothing but the wiring: the connections are `database.Database`, the runs table
`runs.RunRows`, the events table and the event writer's batches `events.EventRows`, and
a thread's protocol view `threads.thread_info`. Its methods are theirs, bound here, so
each signature and contract lives in one place.
"""

from __future__ import annotations

from genesis_mesh.protocol import ThreadInfo
from genesis_mesh.store.database import Database
from genesis_mesh.store.events import EventRows
from genesis_mesh.store.runs import RunRows
from genesis_mesh.store.sqlite import DEFAULT_SYNCHRONOUS, SqliteSynchronous
from genesis_mesh.store.threads import thread_info


class RunStore:
    """The durable record of threads, runs and events (SQLite or PostgreSQL)."""

    def __init__(
        self, url: str, *, sqlite_synchronous: SqliteSynchronous = DEFAULT_SYNCHRONOUS
    ) -> None:
        self.url = url
        self.db = Database(url, sqlite_synchronous=sqlite_synchronous)
        self.engine = self.db.engine
        self.runs = RunRows(self.db)
        self.events = EventRows(self.db)

        self.open = self.db.open
        self.close = self.db.close
        self.ping = self.db.ping
        self.now = self.db.now

        self.create_run = self.runs.create
        self.get_run = self.runs.get
        self.run_owner = self.runs.owner
        self.list_runs = self.runs.find
        self.update_run = self.runs.update
        self.record_stop_request = self.runs.record_stop_request
        self.transition = self.runs.transition

        self.append_events = self.events.append
        self.list_events = self.events.read
        self.max_seq = self.events.max_seq
        self.completed_task_ids = self.events.completed_task_ids

    async def get_thread(self, thread_id: str, owner: str | None = None) -> ThreadInfo:
        """The thread; `owner` given, someone else's is `ThreadNotFound` like a missing one."""
        return await thread_info(self.engine, thread_id, owner)
