"""Queries on threads, runs and events; rows become protocol models here and nowhere else."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from genesis_mesh.errors import RunNotFound, ThreadBusy, ThreadNotFound
from genesis_mesh.protocol import Event, EventType, RunInfo, RunStatus, ThreadInfo
from genesis_mesh.store.schema import upgrade_schema
from genesis_mesh.store.sqlite import DEFAULT_SYNCHRONOUS, SqliteSynchronous, tune
from genesis_mesh.store.tables import ACTIVE_STATUSES, FINAL_STATUSES, events, runs, threads
from genesis_mesh.store.writer_thread import WriterThread


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex}"


IDLE_IN_TRANSACTION_MS = 10_000
OWNER_CACHE_SIZE = 10_000


def connect_args(url: str) -> dict[str, Any]:
    """PostgreSQL ends a transaction left idle for 10 s: a worker frozen mid-transaction
    (SIGSTOP, a paused VM) would otherwise keep its row locks, and the other workers'
    `SKIP LOCKED` claims would skip its runs for as long as it stays frozen."""
    if not url.startswith("postgresql"):
        return {}
    return {"options": f"-c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"}


@dataclass
class WriteResult:
    """What a batch write did beyond storing: runs whose writer lost its claim (their
    events and updates were refused) and queued runs that their thread now lets start."""

    lost: set[str] = field(default_factory=set)
    promoted: list[str] = field(default_factory=list)


class RunStore:
    """The durable record of threads, runs and events (SQLite or PostgreSQL)."""

    def __init__(
        self, url: str, *, sqlite_synchronous: SqliteSynchronous = DEFAULT_SYNCHRONOUS
    ) -> None:
        self.url = url
        self._synchronous = sqlite_synchronous
        if url.startswith("sqlite"):
            db_path = url.split(":///", 1)[-1]
            if db_path and db_path != ":memory:":
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        self.engine: AsyncEngine = create_async_engine(url, connect_args=connect_args(url))
        # The event writer is one task doing one batch at a time: it runs each batch in a
        # worker thread on a plain (sync) connection, one thread hop per batch instead of
        # several per statement.
        self._writer_engine: Engine = create_engine(
            _sync_url(url), poolclass=StaticPool, connect_args=connect_args(url)
        )
        # Its own thread: graph nodes that fill the default executor cannot delay events.
        self._writer_thread = WriterThread("genesis-mesh-writer")
        self._sqlite = url.startswith("sqlite")
        self._raw_writer: Any = None
        """The writer's own DB-API connection (SQLite), for batches of events alone."""
        self._owners: dict[str, str] = {}
        """Who started a run, for runs seen here (an owner never changes): no query."""
        if url.startswith("sqlite"):
            for engine in (self.engine.sync_engine, self._writer_engine):
                sa_event.listen(engine, "connect", self._tune_sqlite)

    async def open(self) -> None:
        """Apply migrations; safe to call on every start, and from several processes at
        once (they take turns); a start killed half-way leaves no half schema."""
        await upgrade_schema(self.engine, _sync_url(self.url), self._synchronous)

    def _tune_sqlite(self, dbapi_connection: Any, _record: Any) -> None:
        tune(dbapi_connection, self._synchronous)

    async def close(self) -> None:
        await self.engine.dispose()
        self._writer_thread.stop()
        if self._raw_writer is not None:
            self._raw_writer.close()
            self._raw_writer = None
        self._writer_engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(select(1))

    # ---- runs -------------------------------------------------------------------------

    async def create_run(
        self,
        graph: str,
        input: Any,
        thread_id: str | None,
        owner: str = "local",
        *,
        enqueue: bool = False,
        supersede: str | None = None,
        dispatch: dict[str, Any] | None = None,
        context: dict[str, Any] | None = None,
        config: dict[str, Any] | None = None,
        stream_modes: Sequence[str] = (),
        not_before: datetime | None = None,
    ) -> RunInfo:
        """Insert a pending run, creating its thread. A thread with an active run refuses
        it, or with `enqueue` takes it as `queued`; `supersede` names a stopped run whose
        place on the thread this run takes (multitask policy `interrupt`); `not_before`
        delays its start (nobody launches or claims it before then)."""
        now = utcnow()
        run = RunInfo(
            run_id=new_id("run"),
            thread_id=thread_id or new_id("thread"),
            graph=graph,
            status=RunStatus.PENDING,
            created_at=now,
            updated_at=now,
            input=input,
            context=context,
            config=config,
            stream_modes=list(stream_modes),
            not_before=not_before,
        )
        status = await self._write(
            self._create_run_sync, run, owner, thread_id is None, enqueue, supersede, dispatch
        )
        self._remember_owner(run.run_id, owner)
        return run.model_copy(update={"status": status})

    def _remember_owner(self, run_id: str, owner: str) -> None:
        if len(self._owners) >= OWNER_CACHE_SIZE:
            self._owners.pop(next(iter(self._owners)))
        self._owners[run_id] = owner

    def _create_run_sync(
        self,
        run: RunInfo,
        owner: str,
        new_thread: bool,
        enqueue: bool,
        supersede: str | None,
        dispatch: dict[str, Any] | None,
    ) -> RunStatus:
        now = run.created_at
        status = RunStatus.PENDING
        with self._writer_engine.begin() as conn:
            exists = not new_thread and _lock_thread(conn, run.thread_id)
            if exists:
                conn.execute(
                    update(threads)
                    .where(threads.c.id == run.thread_id)
                    .values(updated_at=now, graph=func.coalesce(threads.c.graph, run.graph))
                )
                if supersede is not None:
                    conn.execute(
                        update(runs)
                        .where(runs.c.id == supersede, runs.c.thread_id == run.thread_id)
                        .values(superseded_by=run.run_id, updated_at=now)
                    )
                active = _active_run_id(conn, run.thread_id)
                if active is not None and enqueue:
                    status = RunStatus.QUEUED
                elif active is not None:
                    raise ThreadBusy(run.thread_id, active)
            else:
                conn.execute(
                    insert(threads).values(
                        id=run.thread_id,
                        owner=owner,
                        graph=run.graph,
                        created_at=now,
                        updated_at=now,
                    )
                )
            try:
                conn.execute(
                    insert(runs).values(
                        id=run.run_id,
                        thread_id=run.thread_id,
                        graph=run.graph,
                        owner=owner,
                        status=status.value,
                        input=run.input,
                        attempt=0,
                        dispatch=dispatch,
                        context=run.context,
                        config=run.config,
                        stream_modes=run.stream_modes or None,
                        not_before=run.not_before,
                        created_at=now,
                        updated_at=now,
                    )
                )
            except IntegrityError:
                self._raise_if_busy(run.thread_id)
                raise
        return status

    def _raise_if_busy(self, thread_id: str) -> None:
        """After a failed insert: another process may have won the race for the thread."""
        with self._writer_engine.connect() as conn:
            active = _active_run_id(conn, thread_id)
        if active is not None:
            raise ThreadBusy(thread_id, active)

    async def _write(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a write on the single writer thread (one hop, one connection)."""
        return await self._writer_thread.run(function, *args)

    async def get_run(self, run_id: str, owner: str | None = None) -> RunInfo:
        """The run; `owner` given, someone else's run is `RunNotFound` like a missing one."""
        query = _runs_query().where(runs.c.id == run_id)
        if owner is not None:
            query = query.where(runs.c.owner == owner)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise RunNotFound(run_id)
        return _run_info(row)

    async def run_owner(self, run_id: str) -> str:
        """Who started the run (its store items are theirs)."""
        known = self._owners.get(run_id)
        if known is not None:
            return known
        async with self.engine.connect() as conn:
            owner = (await conn.execute(select(runs.c.owner).where(runs.c.id == run_id))).scalar()
        if owner is None:
            raise RunNotFound(run_id)
        self._remember_owner(run_id, str(owner))
        return str(owner)

    async def list_runs(
        self,
        thread_id: str | None = None,
        status: RunStatus | None = None,
        limit: int = 100,
        statuses: Sequence[RunStatus] = (),
        owner: str | None = None,
    ) -> list[RunInfo]:
        query = _runs_query().order_by(runs.c.created_at.desc()).limit(limit)
        if owner is not None:
            query = query.where(runs.c.owner == owner)
        if thread_id is not None:
            query = query.where(runs.c.thread_id == thread_id)
        if status is not None:
            query = query.where(runs.c.status == status.value)
        if statuses:
            query = query.where(runs.c.status.in_([s.value for s in statuses]))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_run_info(row) for row in rows]

    async def update_run(self, run_id: str, **values: Any) -> None:
        """Set columns of a run (status given as RunStatus); bumps `updated_at`."""
        await self._write(self._update_run_sync, run_id, values)

    def _update_run_sync(self, run_id: str, values: dict[str, Any]) -> None:
        with self._writer_engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**_run_columns(values)))

    async def record_stop_request(self, run_id: str, mode: str) -> None:
        """Show a pause or cancel asked of a run executing in this process on its row
        (`stop_requested`) until the stop happens; a cancel is never weakened to a pause,
        and a run that already stopped is left alone."""
        await self._write(self._record_stop_request_sync, run_id, mode)

    def _record_stop_request_sync(self, run_id: str, mode: str) -> None:
        executing = [RunStatus.PENDING.value, RunStatus.RUNNING.value]
        with self._writer_engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status.in_(executing))
                .where(runs.c.stop_requested.is_(None) | (runs.c.stop_requested != "cancel"))
                .values(stop_requested=mode, updated_at=utcnow())
            )

    # ---- events -----------------------------------------------------------------------

    async def append_events(
        self,
        batch: Sequence[Event],
        run_updates: dict[str, dict[str, Any]] | None = None,
        fences: dict[str, int] | None = None,
    ) -> WriteResult:
        """Store events (ignoring ones already stored) and apply `run_updates`
        (run id -> columns) in the same transaction.

        `fences` (run id -> attempt) are the claims the writer holds: a run whose attempt
        has moved on was claimed by another worker, and its events and updates are refused.
        """
        if not (batch or run_updates):
            return WriteResult()
        result: WriteResult = await self._write(
            self._append_events_sync, list(batch), run_updates or {}, fences or {}
        )
        return result

    def _append_events_sync(
        self, batch: list[Event], run_updates: dict[str, dict[str, Any]], fences: dict[str, int]
    ) -> WriteResult:
        result = WriteResult()
        if batch and self._sqlite and not (fences or run_updates):
            self._append_sqlite_events(batch)
            return result
        with self._writer_engine.begin() as conn:
            if fences:
                result.lost = _lost_claims(conn, fences)
            if result.lost:
                batch = [e for e in batch if e.run_id not in result.lost]
                run_updates = {k: v for k, v in run_updates.items() if k not in result.lost}
            if batch and self.engine.dialect.name == "sqlite":
                # The hot path of every run: plain executemany, no per-row SQLAlchemy work.
                conn.exec_driver_sql(_SQLITE_INSERT_EVENTS, [_sqlite_event_row(e) for e in batch])
            elif batch:
                conn.execute(
                    _insert_ignore(self.engine.dialect.name, events),
                    [_event_row(e) for e in batch],
                )
            for run_id, values in run_updates.items():
                conn.execute(update(runs).where(runs.c.id == run_id).values(**_run_columns(values)))
            for run_id, values in run_updates.items():
                if _frees_thread(values):
                    result.promoted.extend(promote_queued(conn, run_id))
        return result

    def _append_sqlite_events(self, batch: list[Event]) -> None:
        """The hot path of every run: a batch of events alone, on SQLite, as one plain
        `executemany` and commit on the writer's DB-API connection (no SQLAlchemy
        connection, transaction or reset per batch). Committed before it returns, like
        every other write; on an error the transaction is rolled back and the error
        raised, so the event log retries the batch."""
        if self._raw_writer is None:
            # StaticPool: the one connection the writer's SQLAlchemy statements use too,
            # always from this thread and one write at a time.
            self._raw_writer = self._writer_engine.raw_connection()
        connection = self._raw_writer.driver_connection
        try:
            connection.executemany(_SQLITE_INSERT_EVENTS, [_sqlite_event_row(e) for e in batch])
            connection.commit()
        except BaseException:
            connection.rollback()
            raise

    async def transition(
        self,
        run_id: str,
        from_statuses: Sequence[RunStatus],
        values: dict[str, Any],
        event: tuple[EventType, dict[str, Any]] | None = None,
    ) -> tuple[RunInfo, Event | None, list[str]] | None:
        """Change a run that nobody executes, if it is still in one of `from_statuses`,
        with its event, in one transaction; None when the run was elsewhere by then.

        The claim's attempt moves on, so a worker that claimed the run a moment before
        cannot write over the change.
        """
        result: tuple[Event | None, list[str]] | None = await self._write(
            self._transition_sync, run_id, [s.value for s in from_statuses], values, event
        )
        if result is None:
            return None
        return await self.get_run(run_id), result[0], result[1]

    def _transition_sync(
        self,
        run_id: str,
        from_statuses: list[str],
        values: dict[str, Any],
        event: tuple[EventType, dict[str, Any]] | None,
    ) -> tuple[Event | None, list[str]] | None:
        with self._writer_engine.begin() as conn:
            changed = conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status.in_(from_statuses))
                .values(attempt=runs.c.attempt + 1, **_run_columns(values))
                .returning(runs.c.id)
            ).first()
            if changed is None:
                return None
            stored = None if event is None else insert_next_event(conn, run_id, *event)
            promoted = promote_queued(conn, run_id) if _frees_thread(values) else []
        return stored, promoted

    async def list_events(
        self, run_id: str, after_seq: int = 0, limit: int | None = None
    ) -> list[Event]:
        query = (
            select(events)
            .where(events.c.run_id == run_id, events.c.seq > after_seq)
            .order_by(events.c.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_event(row) for row in rows]

    async def max_seq(self, run_id: str) -> int:
        async with self.engine.connect() as conn:
            value = (
                await conn.execute(select(func.max(events.c.seq)).where(events.c.run_id == run_id))
            ).scalar()
        return int(value or 0)

    async def completed_task_ids(self, run_id: str) -> set[str]:
        query = select(events.c.task_id).where(
            events.c.run_id == run_id,
            events.c.type == EventType.NODE_COMPLETED.value,
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {str(row.task_id) for row in rows if row.task_id}

    # ---- threads ----------------------------------------------------------------------

    async def get_thread(self, thread_id: str, owner: str | None = None) -> ThreadInfo:
        """The thread; `owner` given, someone else's is `ThreadNotFound` like a missing one."""
        query = select(threads).where(threads.c.id == thread_id)
        if owner is not None:
            query = query.where(threads.c.owner == owner)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
            if row is None:
                raise ThreadNotFound(thread_id)
            run_rows = (
                await conn.execute(
                    select(runs.c.id, runs.c.status, runs.c.superseded_by)
                    .where(runs.c.thread_id == thread_id)
                    .order_by(runs.c.created_at)
                )
            ).all()
        active = next(
            (r.id for r in run_rows if r.status in ACTIVE_STATUSES and not r.superseded_by), None
        )
        return ThreadInfo(
            thread_id=row.id,
            graph=row.graph,
            created_at=_aware(row.created_at),
            updated_at=_aware(row.updated_at),
            active_run_id=active,
            runs=[r.id for r in run_rows],
        )


_SQLITE_INSERT_EVENTS = (
    "INSERT OR IGNORE INTO events (run_id, seq, ts, type, node, task_id, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _task_id(e: Event) -> Any:
    return e.data.get("task_id") if e.type == EventType.NODE_COMPLETED else None


def _event_row(e: Event) -> dict[str, Any]:
    return {
        "run_id": e.run_id,
        "seq": e.seq,
        "ts": e.ts,
        "type": e.type.value,
        "node": e.node,
        "task_id": _task_id(e),
        "data": e.data,
    }


def _sqlite_event_row(e: Event) -> tuple[Any, ...]:
    """A row as SQLAlchemy's SQLite types store it (naive UTC text timestamp, JSON text)."""
    ts = e.ts.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    data = json.dumps(e.data, separators=(",", ":"), default=str)
    return (e.run_id, e.seq, ts, e.type.value, e.node, _task_id(e), data)


def _runs_query() -> Any:
    """Runs with `last_seq`, the highest stored event number (read off the primary key)."""
    last_seq = (
        select(func.coalesce(func.max(events.c.seq), 0))
        .where(events.c.run_id == runs.c.id)
        .scalar_subquery()
        .label("last_seq")
    )
    return select(runs, last_seq)


def _lock_thread(conn: Connection, thread_id: str) -> bool:
    """Lock a thread's row for this transaction (PostgreSQL); False if there is none.

    Creating a run and promoting a queued one both take this lock first, so a run queued
    while the active one finishes is always seen by one of them.
    """
    query = select(threads.c.id).where(threads.c.id == thread_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first() is not None


def promote_queued(conn: Connection, run_id: str) -> list[str]:
    """After `run_id` let go of its thread: make the thread's oldest queued run pending."""
    thread_id = conn.execute(select(runs.c.thread_id).where(runs.c.id == run_id)).scalar()
    if thread_id is None or not _lock_thread(conn, thread_id):
        return []
    if _active_run_id(conn, thread_id) is not None:
        return []
    queued = conn.execute(
        select(runs.c.id)
        .where(runs.c.thread_id == thread_id, runs.c.status == RunStatus.QUEUED.value)
        .order_by(runs.c.created_at)
        .limit(1)
    ).scalar()
    if queued is None:
        return []
    conn.execute(
        update(runs)
        .where(runs.c.id == queued)
        .values(status=RunStatus.PENDING.value, updated_at=utcnow())
    )
    return [str(queued)]


def insert_next_event(
    conn: Connection, run_id: str, type: EventType, data: dict[str, Any]
) -> Event:
    """Store one event after the run's last, inside the caller's transaction."""
    last = conn.execute(select(func.max(events.c.seq)).where(events.c.run_id == run_id)).scalar()
    event = Event(run_id=run_id, seq=int(last or 0) + 1, ts=utcnow(), type=type, data=data)
    conn.execute(insert(events).values(**_event_row(event)))
    return event


def _lost_claims(conn: Connection, fences: dict[str, int]) -> set[str]:
    """Runs whose attempt is no longer the writer's; the rows stay share-locked until
    commit, so no claim can slip in between this check and the writes."""
    query = select(runs.c.id, runs.c.attempt).where(runs.c.id.in_(list(fences)))
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    current = {row.id: row.attempt for row in conn.execute(query)}
    return {run_id for run_id, attempt in fences.items() if current.get(run_id) != attempt}


def _frees_thread(values: dict[str, Any]) -> bool:
    status = values.get("status")
    return status is not None and str(RunStatus(status).value) in FINAL_STATUSES


def _active_run_id(conn: Connection, thread_id: str) -> str | None:
    row = conn.execute(
        select(runs.c.id).where(
            runs.c.thread_id == thread_id,
            runs.c.status.in_(ACTIVE_STATUSES),
            runs.c.superseded_by.is_(None),
        )
    ).first()
    return None if row is None else str(row.id)


def _sync_url(url: str) -> str:
    """The blocking-driver twin of an async URL (aiosqlite -> pysqlite; psycopg as is)."""
    return url.replace("sqlite+aiosqlite", "sqlite", 1).replace("+asyncpg", "+psycopg", 1)


def _run_columns(values: dict[str, Any]) -> dict[str, Any]:
    columns = dict(values)
    if isinstance(columns.get("status"), RunStatus):
        columns["status"] = columns["status"].value
    columns["updated_at"] = utcnow()
    return columns


def _insert_ignore(dialect: str, table: Any) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def _run_info(row: Row[Any]) -> RunInfo:
    return RunInfo(
        run_id=row.id,
        thread_id=row.thread_id,
        graph=row.graph,
        status=RunStatus(row.status),
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
        input=row.input,
        output=row.output,
        error=row.error,
        interrupt=row.interrupt,
        last_seq=row.last_seq,
        stop_requested=row.stop_requested,
        superseded_by=row.superseded_by,
        context=row.context,
        config=row.config,
        stream_modes=row._mapping["stream_modes"] or [],
        not_before=None if row.not_before is None else _aware(row.not_before),
    )


def _event(row: Row[Any]) -> Event:
    return Event(
        run_id=row.run_id,
        seq=row.seq,
        ts=_aware(row.ts),
        type=EventType(row.type),
        node=row.node,
        data=row.data or {},
    )
