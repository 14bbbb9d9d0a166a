"""`Runner.begin_drain` in-process: the shutdown is announced, stored, and carried out."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import update

from genesis_mesh.protocol import RunStatus
from genesis_mesh.services import open_services
from genesis_mesh.settings import Settings
from genesis_mesh.store.tables import runs
from tests.conftest import FIXTURE_CONFIG
from tests.runner.test_recovery import wait_status


async def wait_line(path: Path, line: str, timeout: float = 20) -> None:
    for _ in range(int(timeout / 0.01)):
        if path.exists() and line in path.read_text().splitlines():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{line!r} never appeared in {path}")


async def test_begin_drain_stores_run_stopping_then_the_run_pauses_at_its_next_node(
    tmp_path: Path,
) -> None:
    settings = Settings(config=FIXTURE_CONFIG, data_dir=tmp_path / "data")
    record = tmp_path / "calls.txt"
    async with open_services(settings, recover=False) as services:
        run = await services.runner.create_run("steps", {"delay": 0.5, "record_to": str(record)})
        await wait_line(record, "start one")
        live: list[str] = []
        services.runner.bus.subscribe(run.run_id, lambda event: live.append(event.type))

        assert await services.runner.begin_drain() == [run.run_id]
        # Stored and published when it returns: a client still connected has it.
        # (node one may finish right after it, so it need not be the last one seen).
        assert live.count("run.stopping") == 1
        told = await services.store.get_run(run.run_id)
        assert (told.status, told.stop_requested) == (RunStatus.RUNNING, "shutdown")
        stored = await services.store.list_events(run.run_id)
        stopping = [(e.type, e.data) for e in stored if e.type == "run.stopping"]
        assert stopping == [("run.stopping", {"reason": "shutdown"})]

        # The drain starts at once, not only when the lifespan stops the runner.
        await wait_status(services, run.run_id, RunStatus.INTERRUPTED)
        paused = await services.store.get_run(run.run_id)
        assert (paused.interrupt, paused.stop_requested) == ({"reason": "shutdown"}, None)
        assert live[-1] == "run.interrupted"
        assert "start two" not in record.read_text().splitlines()
        assert await services.runner.begin_drain() == []  # nothing executes any more


async def test_a_run_recovered_after_dying_during_a_drain_no_longer_reads_as_stopping(
    tmp_path: Path,
) -> None:
    settings = Settings(config=FIXTURE_CONFIG, data_dir=tmp_path / "data")
    record = tmp_path / "calls.txt"
    async with open_services(settings, recover=False) as services:
        run = await services.runner.create_run("steps", {"delay": 0.3, "record_to": str(record)})
        await wait_line(record, "end one")
        await services.runner.begin_drain()
        await wait_status(services, run.run_id, RunStatus.INTERRUPTED)
        # As a process killed after the announcement leaves the row: running, stopping.
        async with services.store.engine.begin() as conn:
            await conn.execute(
                update(runs)
                .where(runs.c.id == run.run_id)
                .values(status="running", interrupt=None, stop_requested="shutdown")
            )

    async with open_services(settings, recover=True) as services:
        await wait_line(record, "start three")
        running = await services.store.get_run(run.run_id)
        assert (running.status, running.stop_requested) == (RunStatus.RUNNING, None)
        await wait_status(services, run.run_id, RunStatus.SUCCEEDED)
