"""Recovery in-process: a run whose last events died with the process is made whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import delete, update

from genesis_mesh.protocol import InterruptMode, RunStatus
from genesis_mesh.services import open_services
from genesis_mesh.settings import Settings
from genesis_mesh.store.tables import events, runs
from tests.conftest import FIXTURE_CONFIG

NODES = ["one", "two", "three", "four", "five"]


async def wait_status(services, run_id: str, status: RunStatus, timeout: float = 20) -> None:
    for _ in range(int(timeout / 0.02)):
        if (await services.store.get_run(run_id)).status == status:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{run_id} never became {status}")


async def test_recovery_emits_lost_completions_once_and_skips_committed_nodes(
    tmp_path: Path,
) -> None:
    settings = Settings(config=FIXTURE_CONFIG, data_dir=tmp_path / "data")
    record = tmp_path / "calls.txt"
    async with open_services(settings, recover=False) as services:
        run = await services.runner.create_run("steps", {"delay": 0.2, "record_to": str(record)})
        while "end two" not in (record.read_text() if record.exists() else ""):
            await asyncio.sleep(0.01)
        await services.runner.interrupt(run.run_id, InterruptMode.PAUSE)
        stored = await services.store.list_events(run.run_id)
        first_done = next(e.seq for e in stored if e.type == "node.completed")
        # The process "died" right after node one's event was stored: node two's
        # checkpoint is committed, but its event and everything later were lost.
        async with services.store.engine.begin() as conn:
            await conn.execute(
                delete(events).where(events.c.run_id == run.run_id, events.c.seq > first_done)
            )
            await conn.execute(
                update(runs).where(runs.c.id == run.run_id).values(status="running", interrupt=None)
            )

    async with open_services(settings, recover=True) as services:
        await wait_status(services, run.run_id, RunStatus.SUCCEEDED)
        replay = await services.store.list_events(run.run_id)

    assert [e.seq for e in replay] == list(range(1, len(replay) + 1))
    completed = [e.node for e in replay if e.type == "node.completed"]
    assert completed == NODES
    two = next(e for e in replay if e.type == "node.completed" and e.node == "two")
    resumed = next(e for e in replay if e.type == "run.resumed")
    assert two.seq < resumed.seq
    assert two.data["update"] == {"visited": ["one", "two"]}
    starts = [line for line in record.read_text().splitlines() if line.startswith("start")]
    assert starts == [f"start {n}" for n in NODES]
