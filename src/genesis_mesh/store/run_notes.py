"""What a client said about a run beside its input: its metadata, and options such as the
stream modes it asked for. Kept apart from `RunInfo`, which every protocol shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.store.tables import runs


@dataclass(frozen=True)
class RunNote:
    metadata: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


class RunNotes:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def write(self, run_id: str, note: RunNote, delete_thread: bool | None = None) -> None:
        """`delete_thread`: also mark the run's thread with this value, as
        `TemporaryThreads.mark` does (`AT_END`, `AFTER_READER`)."""
        values: dict[str, Any] = {"metadata": note.metadata, "client_options": note.options}
        if delete_thread is not None:
            values["delete_thread"] = delete_thread
        async with self.engine.begin() as conn:
            await conn.execute(update(runs).where(runs.c.id == run_id).values(**values))

    async def read(self, run_ids: Sequence[str]) -> dict[str, RunNote]:
        """Notes of the given runs (runs without one: an empty note)."""
        query = select(runs.c.id, runs.c.metadata, runs.c.client_options).where(
            runs.c.id.in_(list(run_ids))
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        notes = {
            row.id: RunNote(
                metadata=row._mapping["metadata"] or {},
                options=row._mapping["client_options"] or {},
            )
            for row in rows
        }
        return {run_id: notes.get(run_id, RunNote()) for run_id in run_ids}
