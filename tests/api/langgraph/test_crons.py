"""Crons through the SDK's `CronClient`: stored, searched, counted, updated, deleted, and
run by the host on their schedule; a due time is claimed once across processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from genesis_mesh.protocol import RunInfo
from genesis_mesh.store.crons import CronRecord, CronStore, claim_due
from genesis_mesh.store.run_store import RunStore
from genesis_mesh.store.tables import metadata
from tests.api.langgraph.conftest import thread_gone
from tests.conftest import LiveHost
from tests.postgres import create_database, drop_database

NODES = ["one", "two", "three", "four", "five"]
YEARLY = "0 0 1 1 *"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("crons"))
    live.env = {"GENESIS_MESH_CRON_POLL_SECONDS": "0.2"}
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture
async def client(host: LiveHost) -> AsyncIterator[LangGraphClient]:
    async with get_client(url=host.base_url, api_key=None) as sdk:
        yield sdk


async def test_a_thread_cron_is_stored_found_counted_updated_and_deleted(
    client: LangGraphClient,
) -> None:
    tid = (await client.threads.create())["thread_id"]
    cron = await client.crons.create_for_thread(
        tid, "steps", schedule=YEARLY, input={"delay": 0}, metadata={"team": "seo"}
    )
    assert (cron["thread_id"], cron["schedule"], cron["enabled"]) == (tid, YEARLY, True)
    assert cron["payload"]["input"] == {"delay": 0}
    upcoming = datetime.fromisoformat(cron["next_run_date"])
    assert upcoming.month == 1 and upcoming.day == 1 and upcoming > datetime.now(UTC)
    found = await client.crons.search(thread_id=tid)
    assert [c["cron_id"] for c in found] == [cron["cron_id"]]
    assert await client.crons.count(thread_id=tid) == 1
    assert await client.crons.count(metadata={"team": "seo"}, thread_id=tid) == 1
    assert await client.crons.count(metadata={"team": "ads"}, thread_id=tid) == 0
    changed = await client.crons.update(cron["cron_id"], schedule="*/5 * * * *", enabled=False)
    assert (changed["schedule"], changed["enabled"], changed["next_run_date"]) == (
        "*/5 * * * *",
        False,
        None,
    )
    assert await client.crons.search(thread_id=tid, enabled=True) == []
    await client.crons.delete(cron["cron_id"])
    assert await client.crons.search(thread_id=tid) == []
    with pytest.raises(NotFoundError):
        await client.crons.delete(cron["cron_id"])


async def test_a_bad_schedule_timezone_or_thread_is_refused(client: LangGraphClient) -> None:
    with pytest.raises(UnprocessableEntityError, match="cron schedule"):
        await client.crons.create("steps", schedule="every day")
    with pytest.raises(UnprocessableEntityError, match="next time"):
        await client.crons.create("steps", schedule="0 0 31 2 *")  # no February 31st
    for zone in ("Mars/Olympus", "America", "../etc"):
        with pytest.raises(UnprocessableEntityError, match="timezone"):
            await client.crons.create("steps", schedule=YEARLY, timezone=zone)
    with pytest.raises(UnprocessableEntityError, match="stream mode"):
        await client.crons.create("steps", schedule=YEARLY, stream_mode="nope")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        await client.crons.create_for_thread("no-such-thread", "steps", schedule=YEARLY)
    stateless = await client.crons.create("steps", schedule=YEARLY, timezone="Europe/Paris")
    assert stateless["thread_id"] is None and stateless["timezone"] == "Europe/Paris"
    await client.crons.delete(stateless["cron_id"])


async def test_the_host_runs_a_due_cron_on_its_thread_as_its_schedule_says(
    client: LangGraphClient,
) -> None:
    tid = (await client.threads.create())["thread_id"]
    cron = await client.crons.create_for_thread(tid, "steps", schedule="* * * * * *", input={})
    runs = await _until_runs(client, tid, 2)
    await client.crons.delete(cron["cron_id"])
    while True:  # a tick that claimed a time before the delete may still start one run
        for run in runs:
            await client.runs.join(tid, run["run_id"])
        latest = await client.runs.list(tid, limit=100)
        done = len(latest) == len(runs)
        runs = latest
        if done:
            break
    assert all(r["metadata"]["cron_id"] == cron["cron_id"] for r in runs)
    assert {r["status"] for r in runs} == {"success"}
    visited = (await client.threads.get_state(tid))["values"]["visited"]
    assert visited == NODES * (len(visited) // len(NODES)) and len(visited) >= 10


async def _new_threads(client: LangGraphClient, known: set[str]) -> list[str]:
    found = await client.threads.search(limit=1000)
    return [t["thread_id"] for t in found if t["thread_id"] not in known]


async def _first_cron_thread(client: LangGraphClient, known: set[str]) -> tuple[str, str]:
    """(thread, run) of the first run a stateless cron started on a new thread."""
    for _ in range(400):
        for tid in await _new_threads(client, known):
            with contextlib.suppress(NotFoundError):
                runs = await client.runs.list(tid)
                if runs and runs[0]["metadata"].get("cron_id"):
                    return tid, runs[0]["run_id"]
        await asyncio.sleep(0.05)
    raise AssertionError("the cron started no run on a new thread")


async def test_a_stateless_cron_deletes_each_runs_thread_after_the_run_by_default(
    client: LangGraphClient,
) -> None:
    known = set(await _new_threads(client, set()))
    cron = await client.crons.create("steps", schedule="* * * * * *", input={"delay": 0.2})
    assert cron["on_run_completed"] is None  # the LangGraph default: "delete"
    try:
        tid, run_id = await _first_cron_thread(client, known)
        state = await client.threads.get_state(tid)  # mid-run: it has a thread of its own
        assert state["values"] is not None
        assert await thread_gone(client, tid)
    finally:
        await client.crons.delete(cron["cron_id"])
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, run_id)


async def test_a_stateless_cron_with_keep_keeps_each_runs_thread_and_its_state(
    client: LangGraphClient,
) -> None:
    known = set(await _new_threads(client, set()))
    cron = await client.crons.create(
        "steps", schedule="* * * * * *", input={}, on_run_completed="keep"
    )
    assert cron["on_run_completed"] == "keep"
    try:
        tid, run_id = await _first_cron_thread(client, known)
    finally:
        await client.crons.delete(cron["cron_id"])
    await client.runs.join(tid, run_id)
    await asyncio.sleep(0.5)  # past when a deletion would have happened
    assert (await client.threads.get_state(tid))["values"] == {"visited": NODES}
    assert (await client.runs.get(tid, run_id))["status"] == "success"


async def _until_runs(client: LangGraphClient, thread_id: str, count: int) -> list[dict]:  # type: ignore[type-arg]
    for _ in range(600):
        runs = await client.runs.list(thread_id)
        if len(runs) >= count:
            return list(runs)
        await asyncio.sleep(0.1)
    raise AssertionError(f"the cron did not start {count} runs")


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_of_two_processes_claiming_one_due_time_exactly_one_wins(
    database: str, tmp_path: pytest.TempPathFactory
) -> None:
    name = None
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/crons.db"
    else:
        name = create_database()
        url = f"postgresql+psycopg://127.0.0.1:5432/{name}"
    engines = [create_async_engine(url), create_async_engine(url)]
    try:
        async with engines[0].begin() as conn:
            await conn.run_sync(metadata.create_all)
        now = datetime.now(UTC).replace(microsecond=0)
        record = CronRecord(
            cron_id="c-1",
            owner="alice",
            assistant_id="steps",
            schedule="* * * * *",
            next_run_at=now,
            created_at=now,
            updated_at=now,
        )
        await CronStore(engines[0]).create(record)
        stores = [CronStore(engine) for engine in engines]
        due = [await store.due(now + timedelta(seconds=1)) for store in stores]
        assert [len(d) for d in due] == [1, 1]  # both processes see it due
        wins = await asyncio.gather(
            *(
                store.claim(d[0], now + timedelta(minutes=1))
                for store, d in zip(stores, due, strict=True)
            )
        )
        assert sorted(wins) == [False, True]
        assert await stores[0].due(now + timedelta(seconds=1)) == []
    finally:
        for engine in engines:
            await engine.dispose()
        if name is not None:
            drop_database(name)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_a_due_time_is_claimed_in_the_transaction_that_stores_its_run(
    database: str, tmp_path: pytest.TempPathFactory
) -> None:
    """What a kill -9 between the claim and the run would leave: the claim undone with
    the run (the time stays due for another process), or both stored."""
    name = None
    if database == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path}/crons.db"
    else:
        name = create_database()
        url = f"postgresql+psycopg://127.0.0.1:5432/{name}"
    store = RunStore(url)
    try:
        await store.open()
        crons = CronStore(store.engine)
        now = datetime.now(UTC).replace(microsecond=0)
        later = now + timedelta(minutes=1)
        await crons.create(
            CronRecord(
                cron_id="c-1",
                owner="alice",
                assistant_id="steps",
                schedule="* * * * *",
                next_run_at=now,
                created_at=now,
                updated_at=now,
            )
        )

        def claim_then_die(conn: Connection, run: RunInfo) -> None:
            assert claim_due(conn, "c-1", now, later)
            raise SystemExit("killed before the run was stored")

        with pytest.raises(SystemExit):
            await store.create_run("steps", {}, None, within=claim_then_die)
        assert await store.list_runs(limit=10) == []
        (still_due,) = await crons.due(now)  # unclaimed: another process fires it
        async with crons.firing(still_due) as firing:
            assert firing is not None

            def claim(conn: Connection, run: RunInfo) -> None:
                assert claim_due(conn, "c-1", now, later)

            run = await store.create_run("steps", {}, None, within=claim)
        assert [r.run_id for r in await store.list_runs(limit=10)] == [run.run_id]
        assert await crons.due(now) == []  # claimed with it
        async with crons.firing(still_due) as stale:
            assert stale is None  # a process that read the old time fires nothing
    finally:
        await store.close()
        if name is not None:
            drop_database(name)
