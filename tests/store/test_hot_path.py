"""The cheaper hot path keeps what it promises: a task's checkpoint writes commit once,
all or none; a batch of events alone is committed on the writer's plain connection; a
run's owner is known without a query."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from langgraph.checkpoint.base import empty_checkpoint

from genesis_mesh.checkpointers import open_checkpointer
from genesis_mesh.errors import RunNotFound
from genesis_mesh.protocol import Event, EventType, RunStatus
from genesis_mesh.store import RunStore, end_work
from genesis_mesh.store.temporary_threads import AFTER_READER, TemporaryThreads
from genesis_mesh.store.threads import ThreadStore, create_thread_row


def _stored_writes(path: Path, thread_id: str) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT channel, idx FROM writes WHERE thread_id = ? ORDER BY idx", (thread_id,)
        ).fetchall()
    return [(channel, idx) for channel, idx in rows]


async def _saved_checkpoint(saver: object, thread_id: str) -> dict[str, object]:
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    stored: dict[str, object] = await saver.aput(  # type: ignore[attr-defined]
        config, empty_checkpoint(), {"source": "input", "step": -1}, {}
    )
    return stored


async def test_a_tasks_writes_commit_in_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "cp.db"
    statements: list[str] = []
    async with open_checkpointer(str(path)) as saver:
        conn = saver.conn  # type: ignore[attr-defined]
        await conn.set_trace_callback(statements.append)
        thread_id = uuid.uuid4().hex
        config = await _saved_checkpoint(saver, thread_id)
        statements.clear()
        await saver.aput_writes(config, [("a", 1), ("b", 2), ("c", 3)], "task-1")  # type: ignore[arg-type]
        await conn.set_trace_callback(None)
    inserts = [s for s in statements if s.startswith("INSERT")]
    assert len(inserts) == 3
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT", statements
    # committed: another connection reads all three
    assert _stored_writes(path, thread_id) == [("a", 0), ("b", 1), ("c", 2)]


async def test_a_failed_write_leaves_none_of_the_tasks_writes_and_no_open_transaction(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cp.db"
    async with open_checkpointer(str(path)) as saver:
        conn = saver.conn  # type: ignore[attr-defined]
        thread_id = uuid.uuid4().hex
        config = await _saved_checkpoint(saver, thread_id)
        # the third row breaks a constraint the table does not have: add one
        await conn.execute(
            "CREATE TRIGGER refuse_c BEFORE INSERT ON writes WHEN NEW.channel = 'c' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        with pytest.raises(sqlite3.IntegrityError, match="refused"):
            await saver.aput_writes(config, [("a", 1), ("b", 2), ("c", 3)], "task-1")  # type: ignore[arg-type]
        assert not conn.in_transaction
        assert _stored_writes(path, thread_id) == []
        # the saver goes on working
        await saver.aput_writes(config, [("a", 1), ("b", 2)], "task-2")  # type: ignore[arg-type]
        assert _stored_writes(path, thread_id) == [("a", 0), ("b", 1)]


async def test_events_alone_are_committed_and_a_repeat_is_ignored(tmp_path: Path) -> None:
    db = tmp_path / "gm.db"
    store = RunStore(f"sqlite+aiosqlite:///{db}")
    await store.open()
    try:
        run = await store.create_run("g", {}, None, "alice")
        first = [
            Event(
                run_id=run.run_id, seq=seq, ts=run.created_at, type=EventType.NODE_STARTED, node="n"
            )
            for seq in (1, 2)
        ]
        await store.append_events(first)
        # seq 2 again (a retried batch) is ignored, seq 3 is new
        again = [
            *first[1:],
            Event(run_id=run.run_id, seq=3, ts=run.created_at, type=EventType.NODE_STARTED),
        ]
        await store.append_events(again)
        with sqlite3.connect(db) as conn:
            seqs = [s for (s,) in conn.execute("SELECT seq FROM events ORDER BY seq")]
            assert not conn.in_transaction
        assert seqs == [1, 2, 3]
        # the SQLAlchemy path on the same connection still works after the plain one
        await store.update_run(run.run_id, error={"message": "x"})
        assert (await store.get_run(run.run_id)).error == {"message": "x"}
    finally:
        await store.close()


async def test_a_runs_owner_is_remembered_and_a_missing_run_still_refused(tmp_path: Path) -> None:
    db = tmp_path / "gm.db"
    store = RunStore(f"sqlite+aiosqlite:///{db}")
    await store.open()
    try:
        run = await store.create_run("g", {}, None, "alice")
        assert await store.run_owner(run.run_id) == "alice"
        with pytest.raises(RunNotFound):
            await store.run_owner("run-missing")
    finally:
        await store.close()
    # a store that did not create the run reads the owner from the database
    other = RunStore(f"sqlite+aiosqlite:///{db}")
    await other.open()
    try:
        assert await other.run_owner(run.run_id) == "alice"
    finally:
        await other.close()


async def test_plain_run_writes_read_back_like_sqlalchemys_and_promote_the_queued_run(
    tmp_path: Path,
) -> None:
    """A run created on a new thread, its `running` and final updates (plain DB-API on
    SQLite) read back as written; its end hands the thread to the run queued behind it."""
    db = tmp_path / "gm.db"
    store = RunStore(f"sqlite+aiosqlite:///{db}")
    await store.open()
    try:
        first = await store.create_run(
            "g", {"text": "é", "n": [1, None]}, None, "alice", context={"k": 1}
        )
        queued = await store.create_run("g", {}, first.thread_id, enqueue=True)
        assert queued.status == RunStatus.QUEUED
        started = Event(run_id=first.run_id, seq=1, ts=first.created_at, type=EventType.RUN_STARTED)
        running = {"status": RunStatus.RUNNING, "interrupt": None, "error": None}
        assert (await store.append_events([started], {first.run_id: running})).promoted == []
        got = await store.get_run(first.run_id)
        assert (got.status, got.input, got.context, got.error) == (
            RunStatus.RUNNING,
            {"text": "é", "n": [1, None]},
            {"k": 1},
            None,
        )
        assert got.created_at == first.created_at and got.last_seq == 1
        done = Event(run_id=first.run_id, seq=2, ts=first.created_at, type=EventType.RUN_COMPLETED)
        final = {"status": RunStatus.SUCCEEDED, "output": {"out": [1, 2]}}
        result = await store.append_events([done], {first.run_id: final})
        assert result.promoted == [queued.run_id]
        got = await store.get_run(first.run_id)
        assert (got.status, got.output, got.last_seq) == (RunStatus.SUCCEEDED, {"out": [1, 2]}, 2)
        assert (await store.get_run(queued.run_id)).status == RunStatus.PENDING
        with sqlite3.connect(db) as conn:
            assert not conn.in_transaction
    finally:
        await store.close()


def test_an_events_wire_text_is_its_wire_document_encoded_once() -> None:
    ts = datetime.now(UTC)
    event = Event(
        run_id="r", seq=1, ts=ts, type=EventType.NODE_COMPLETED, node="n", data={"a": "é"}
    )
    assert json.loads(event.wire_text()) == event.wire()
    assert event.wire_text() is event.wire_text()
    assert Event.model_validate_json(event.wire_text()) == event
    # what orjson refuses (an integer past 64 bits) takes the general path
    big = Event(run_id="r", seq=2, ts=ts, type=EventType.NODE_PROGRESS, data={"n": 2**70})
    assert big.data_json() is None
    assert json.loads(big.wire_text()) == big.wire()
    # a copy with other fields is encoded again
    assert json.loads(event.model_copy(update={"seq": 5}).wire_text())["seq"] == 5


async def test_a_checkpoint_put_is_committed_in_one_statement(tmp_path: Path) -> None:
    path = tmp_path / "cp.db"
    statements: list[str] = []
    async with open_checkpointer(str(path)) as saver:
        conn = saver.conn  # type: ignore[attr-defined]
        await conn.set_trace_callback(statements.append)
        thread_id = uuid.uuid4().hex
        stored = await _saved_checkpoint(saver, thread_id)
        await conn.set_trace_callback(None)
        assert (await saver.aget_tuple(stored)) is not None  # type: ignore[arg-type]
    assert [s.split(" ", 3)[:3] for s in statements] == [["INSERT", "OR", "REPLACE"]]
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM checkpoints").fetchone() == (1,)


async def test_a_threads_checkpoints_and_writes_go_in_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "cp.db"
    statements: list[str] = []
    async with open_checkpointer(str(path)) as saver:
        conn = saver.conn  # type: ignore[attr-defined]
        gone, kept = uuid.uuid4().hex, uuid.uuid4().hex
        for thread_id in (gone, kept):
            config = await _saved_checkpoint(saver, thread_id)
            await saver.aput_writes(config, [("a", 1), ("b", 2)], "task-1")  # type: ignore[arg-type]
        await conn.set_trace_callback(statements.append)
        await saver.adelete_thread(gone)  # type: ignore[attr-defined]
        await conn.set_trace_callback(None)
    # one commit (one WAL sync), not one per DELETE
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT", statements
    assert sum(s.startswith("DELETE") for s in statements) == 2
    with sqlite3.connect(path) as other:
        for table in ("checkpoints", "writes"):
            left = other.execute(f"SELECT DISTINCT thread_id FROM {table}").fetchall()
            assert left == [(kept,)], table


async def test_a_runs_end_work_reads_back_as_stored(tmp_path: Path) -> None:
    """What a run owes at its end, read on the writer's connection: its status, its
    interrupt (JSON), its mark, whether another run holds its thread, when it changed."""
    store = RunStore(f"sqlite+aiosqlite:///{tmp_path / 'gm.db'}")
    await store.open()
    try:
        run = await store.create_run("g", {}, None, "alice")
        await TemporaryThreads(store.engine).mark(run.run_id, after_reader=True)
        paused = Event(run_id=run.run_id, seq=1, ts=run.created_at, type=EventType.RUN_STARTED)
        stop = {"status": RunStatus.INTERRUPTED, "interrupt": {"reason": "shutdown", "n": [1]}}
        await store.append_events([paused], {run.run_id: stop})
        work = await end_work.read(store.db, run.run_id)
        assert work is not None
        assert (work.thread_id, work.status, work.interrupt) == (
            run.thread_id,
            RunStatus.INTERRUPTED,
            {"reason": "shutdown", "n": [1]},
        )
        assert work.paused_for_restart and work.mark is AFTER_READER and not work.webhook
        assert work.updated_at == (await store.get_run(run.run_id)).updated_at
        assert not work.thread_busy
        done = Event(run_id=run.run_id, seq=2, ts=run.created_at, type=EventType.RUN_COMPLETED)
        await store.append_events([done], {run.run_id: {"status": RunStatus.SUCCEEDED}})
        await store.create_run("g", {}, run.thread_id)  # a later run holds the thread
        busy = await end_work.read(store.db, run.run_id)
        assert busy is not None and busy.thread_busy and busy.status == RunStatus.SUCCEEDED
        assert await end_work.read(store.db, "run-missing") is None
    finally:
        await store.close()


async def test_a_thread_created_in_one_hop_reads_back_and_a_taken_id_is_refused(
    tmp_path: Path,
) -> None:
    store = RunStore(f"sqlite+aiosqlite:///{tmp_path / 'gm.db'}")
    await store.open()
    try:
        meta = {"team": "blue", "n": [1, None], "text": "é"}
        created = await create_thread_row(store.db, "t-1", "alice", meta)
        assert created is not None
        read = await ThreadStore(store.engine).get("t-1", "alice")
        assert read is not None
        assert (read.owner, read.graph, read.metadata) == ("alice", None, meta)
        assert (read.created_at, read.updated_at) == (created.created_at, created.updated_at)
        assert await create_thread_row(store.db, "t-1", "bob", {}) is None
        assert await ThreadStore(store.engine).get("t-1", "bob") is None
        run = await store.create_run("g", {}, "t-1", "alice")  # the writer goes on working
        assert run.thread_id == "t-1"
    finally:
        await store.close()


async def test_concurrent_checkpoint_writes_share_a_commit_and_one_that_fails_fails_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cp.db"
    statements: list[str] = []
    async with open_checkpointer(str(path)) as saver:
        conn = saver.conn  # type: ignore[attr-defined]
        threads = [uuid.uuid4().hex for _ in range(20)]
        configs = [await _saved_checkpoint(saver, t) for t in threads]
        await conn.set_trace_callback(statements.append)

        async def put_then_read(thread_id: str, config: dict[str, object]) -> list[tuple[str, int]]:
            await saver.aput_writes(config, [("a", 1), ("b", 2)], "task-1")  # type: ignore[arg-type]
            return _stored_writes(path, thread_id)  # another connection: committed

        pairs = zip(threads, configs, strict=True)
        seen = await asyncio.gather(*(put_then_read(t, c) for t, c in pairs))
        await conn.set_trace_callback(None)
        assert seen == [[("a", 0), ("b", 1)]] * len(threads)
        assert 1 <= statements.count("COMMIT") < len(threads), statements

        # a write refused inside a shared commit takes none of the others with it
        await conn.execute(
            "CREATE TRIGGER refuse_c BEFORE INSERT ON writes WHEN NEW.channel = 'c' "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
        writes = [[("a", 1)], [("a", 1), ("c", 3)], [("a", 1)], [("c", 3)], [("b", 2)]]
        tried = zip(configs[:5], writes, strict=True)
        results = await asyncio.gather(
            *(saver.aput_writes(c, w, "task-2") for c, w in tried),  # type: ignore[arg-type]
            return_exceptions=True,
        )
        refused = [isinstance(r, sqlite3.IntegrityError) for r in results]
        assert refused == [False, True, False, True, False], results
        assert not conn.in_transaction
    with sqlite3.connect(path) as other:
        added = [
            other.execute(
                "SELECT channel FROM writes WHERE thread_id = ? AND task_id = 'task-2'", (t,)
            ).fetchall()
            for t in threads[:5]
        ]
    assert added == [[("a",)], [], [("a",)], [], [("b",)]]


async def test_a_checkpoint_read_is_one_hop_and_reads_what_langgraphs_saver_reads(
    tmp_path: Path,
) -> None:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    path = tmp_path / "cp.db"
    async with open_checkpointer(str(path)) as saver:
        conn = saver.conn  # type: ignore[attr-defined]
        thread_id = uuid.uuid4().hex
        first = await _saved_checkpoint(saver, thread_id)
        second = await saver.aput(  # type: ignore[arg-type]
            first, empty_checkpoint(), {"source": "loop", "step": 0}, {}
        )
        await saver.aput_writes(second, [("a", 1), ("b", 2)], "task-1")  # type: ignore[arg-type]
        hops: list[object] = []
        execute = conn._execute

        async def counted(function: object, *args: object) -> object:
            hops.append(function)
            return await execute(function, *args)

        conn._execute = counted
        latest = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        got = [await saver.aget_tuple(c) for c in (latest, first, second)]  # type: ignore[arg-type]
        assert len(hops) == 3
        missing = {"configurable": {"thread_id": "none", "checkpoint_ns": ""}}
        assert await saver.aget_tuple(missing) is None  # type: ignore[arg-type]
        del conn._execute
    async with AsyncSqliteSaver.from_conn_string(str(path)) as theirs:
        want = [await theirs.aget_tuple(c) for c in (latest, first, second)]  # type: ignore[arg-type]
    assert got == want
    assert got[0] is not None and got[0].pending_writes
