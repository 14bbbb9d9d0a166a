"""The stateless run's path, in process: its thread and note are stored with the run, its
reader hears every event exactly once without a replay from the store, and its thread
goes once the run is over, also when the run ended in a process that had no reader left.

The runs start through the same `start` the routes call (`api/langgraph/runs.py`), with
the LangGraph API's run-end hooks registered as the host registers them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.requests import Request

from genesis_mesh.api.langgraph.run_end import EndHooks, following_run_ends
from genesis_mesh.api.langgraph.run_start import LangGraphRunCreate, Started, start
from genesis_mesh.api.langgraph.stream import follow_events
from genesis_mesh.api.limits import ProcessLimits
from genesis_mesh.auth.identity import Identity
from genesis_mesh.errors import InvalidRunState
from genesis_mesh.protocol import EventType
from genesis_mesh.services import Services, open_services
from genesis_mesh.settings import Settings
from genesis_mesh.store.run_notes import RunNotes
from genesis_mesh.store.threads import ThreadStore
from tests.conftest import FIXTURE_CONFIG

NODES = ["one", "two", "three", "four", "five"]


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Services, EndHooks]]:
    settings = Settings(config=FIXTURE_CONFIG, data_dir=tmp_path / "data")
    async with open_services(settings) as services, following_run_ends(services) as hooks:
        yield services, hooks


def _request(services: Services) -> Request:
    app = FastAPI()
    app.state.limits = ProcessLimits(services.settings)
    state = {"user_id": "local", "authenticated": True}
    return Request({"type": "http", "app": app, "headers": [], "client": None, "state": state})


async def _start(services: Services, reads: bool = False, **body: Any) -> Started:
    run_body = LangGraphRunCreate(assistant_id="steps", **{"input": {}, **body})
    return await start(
        services, Identity("alice"), _request(services), None, run_body, reads=reads, feed=True
    )


async def _gone(services: Services, thread_id: str) -> bool:
    for _ in range(200):
        if await ThreadStore(services.store.engine).get(thread_id, None) is None:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_stateless_runs_thread_and_note_are_stored_with_the_run(
    served: tuple[Services, EndHooks],
) -> None:
    services, _ = served
    started = await _start(services, on_completion="keep", metadata={"team": "blue"})
    async for _ in follow_events(services, started.run.run_id, 0, True, started.feed):
        pass
    thread = await ThreadStore(services.store.engine).get(started.run.thread_id, "alice")
    assert thread is not None and thread.owner == "alice"
    assistant_id = started.note.metadata["assistant_id"]
    assert thread.metadata == {"graph_id": "steps", "assistant_id": assistant_id}
    note = (await RunNotes(services.store.engine).read([started.run.run_id]))[started.run.run_id]
    assert note.metadata == {"team": "blue", "assistant_id": assistant_id}
    assert note.options["stream_mode"] == ["values"]
    assert await ThreadStore(services.store.engine).get(started.run.thread_id, "bob") is None


async def test_a_new_runs_reader_hears_every_stored_event_exactly_once_in_order(
    served: tuple[Services, EndHooks],
) -> None:
    services, _ = served
    started = await _start(services, reads=True, stream_mode=["updates", "custom"])
    assert started.feed is not None
    await asyncio.sleep(0.2)  # the run moves on before its reader starts reading
    heard = [e async for e in follow_events(services, started.run.run_id, 0, True, started.feed)]
    stored = await services.store.list_events(started.run.run_id, 0, 10_000)
    assert [e.seq for e in heard] == [e.seq for e in stored] == list(range(1, len(stored) + 1))
    assert heard[-1].type == EventType.RUN_COMPLETED
    assert [e.node for e in heard if e.type == EventType.NODE_COMPLETED] == NODES
    started.read.set()
    assert await _gone(services, started.run.thread_id)


async def test_a_resume_command_on_a_stateless_run_is_refused_and_leaves_no_thread(
    served: tuple[Services, EndHooks],
) -> None:
    services, _ = served
    before = await ThreadStore(services.store.engine).search("alice")
    with pytest.raises(InvalidRunState):
        await _start(services, command={"resume": "yes"})
    assert await ThreadStore(services.store.engine).search("alice") == before


async def test_a_read_run_that_ended_without_its_reader_here_still_loses_its_thread(
    served: tuple[Services, EndHooks],
) -> None:
    """As for a run recovered after its process died with its reader: its end, followed
    up from the row alone, deletes the thread (embedded mode: no other process reads)."""
    services, hooks = served
    started = await _start(services, reads=True)
    async for _ in follow_events(services, started.run.run_id, 0, True, started.feed):
        pass
    while services.runner.is_executing(started.run.run_id):
        await asyncio.sleep(0.01)
    assert await ThreadStore(services.store.engine).get(started.run.thread_id, None) is not None
    await hooks.follow_up(started.run.run_id, None)
    assert await ThreadStore(services.store.engine).get(started.run.thread_id, None) is None
