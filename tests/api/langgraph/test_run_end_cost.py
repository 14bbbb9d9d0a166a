"""What a run's end costs in store statements, counted at the driver (SQLAlchemy's
`before_cursor_execute` on both of the run store's engines, SQLite's trace callback on
the writer's DB-API connection): nothing for a run that owes
nothing, one look and the removal for a stateless run's thread.

In process, with the LangGraph API's run-end hooks registered as the host registers
them; the runs start through the same `start` the routes and the cron scheduler call.
(The checkpointer's own deletion of the thread's checkpoints is on its own connection,
not counted here.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from starlette.requests import Request

from genesis_mesh.api.langgraph.run_end import following_run_ends
from genesis_mesh.api.langgraph.run_start import LangGraphRunCreate, start
from genesis_mesh.api.limits import ProcessLimits
from genesis_mesh.auth.identity import Identity
from genesis_mesh.runner.run_end import RunEnd
from genesis_mesh.services import Services, open_services
from genesis_mesh.settings import Settings
from genesis_mesh.store.threads import ThreadStore
from tests.conftest import FIXTURE_CONFIG

SETTLE_SECONDS = 0.5  # for a follow-up the end would have spawned


@dataclass
class Counter:
    """Every statement the run store sends, and where each run's end came in it."""

    statements: list[str] = field(default_factory=list)
    ends: dict[str, int] = field(default_factory=dict)
    ended: dict[str, asyncio.Event] = field(default_factory=dict)

    def record(self, *args: Any) -> None:
        self.statements.append(" ".join(str(args[2]).split()))

    def record_raw(self, sql: str) -> None:
        """A statement on the writer's DB-API connection (`store/sqlite_rows.py`)."""
        if sql.split()[0] not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.statements.append(" ".join(sql.split()))

    def end(self, end: RunEnd) -> None:
        self.ends[end.run_id] = len(self.statements)
        self.ended.setdefault(end.run_id, asyncio.Event()).set()

    async def after_end(self, run_id: str) -> list[str]:
        """The statements sent after the run's end, once its follow-up had its time."""
        await asyncio.wait_for(self.ended.setdefault(run_id, asyncio.Event()).wait(), 30)
        await asyncio.sleep(SETTLE_SECONDS)
        return self.statements[self.ends[run_id] :]


@pytest.fixture
async def counted(tmp_path: Path) -> AsyncIterator[tuple[Services, Counter]]:
    settings = Settings(config=FIXTURE_CONFIG, data_dir=tmp_path / "data")
    async with open_services(settings) as services, following_run_ends(services):
        counter = Counter()
        services.runner.run_end_hooks.insert(0, counter.end)
        engines = (services.store.engine.sync_engine, services.store.db.writer_engine)
        for engine in engines:
            event.listen(engine, "before_cursor_execute", counter.record)
        db = services.store.db
        await db.write(lambda: db.raw_writer().set_trace_callback(counter.record_raw))
        try:
            yield services, counter
        finally:
            for engine in engines:
                event.remove(engine, "before_cursor_execute", counter.record)


def _request(services: Services) -> Request:
    """The request a run's admission reads its user and limits from (as a cron's)."""
    app = FastAPI()
    app.state.limits = ProcessLimits(services.settings)
    state = {"user_id": "local", "authenticated": True}
    return Request({"type": "http", "app": app, "headers": [], "client": None, "state": state})


async def _start(services: Services, thread_id: str | None, **body: Any) -> str:
    run_body = LangGraphRunCreate(assistant_id="steps", input={}, **body)
    started = await start(services, Identity("local"), _request(services), thread_id, run_body)
    return started.run.run_id


async def test_a_run_that_owes_nothing_costs_no_statement_at_its_end(
    counted: tuple[Services, Counter],
) -> None:
    services, counter = counted
    native = await services.runner.create_run("steps", {})
    assert await counter.after_end(native.run_id) == []
    on_thread = await _start(services, native.thread_id)  # a LangGraph run, no webhook
    assert await counter.after_end(on_thread) == []
    kept = await _start(services, None, on_completion="keep")
    assert await counter.after_end(kept) == []


async def test_a_stateless_runs_thread_goes_in_one_look_and_the_removal(
    counted: tuple[Services, Counter],
) -> None:
    services, counter = counted
    run_id = await _start(services, None)
    thread_id = (await services.store.get_run(run_id)).thread_id
    after = await counter.after_end(run_id)
    assert [s.split()[0] for s in after] == ["SELECT", "DELETE", "DELETE", "DELETE"], after
    assert "FROM runs" in after[0] and "delete_thread" in after[0]
    assert await ThreadStore(services.store.engine).get(thread_id, None) is None
