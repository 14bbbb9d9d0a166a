"""The runs table: creating a run (and its thread), reading, listing and updating runs,
and the status changes of runs nobody executes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from genesis_mesh.errors import RunNotFound, ThreadBusy
from genesis_mesh.protocol import Event, EventType, RunInfo, RunStatus
from genesis_mesh.store.active_run import active_run_id, frees_thread, lock_thread, promote_queued
from genesis_mesh.store.clock import aware, utcnow
from genesis_mesh.store.database import Database
from genesis_mesh.store.events import insert_next_event
from genesis_mesh.store.ids import new_id
from genesis_mesh.store.rows import run_columns, run_info, runs_query
from genesis_mesh.store.tables import runs, threads

OWNER_CACHE_SIZE = 10_000
Within = Callable[[Connection, RunInfo], None]
"""Work done inside a run's creating transaction (`RunRows.create`)."""
NOTE_COLUMNS = frozenset({"metadata", "client_options", "delete_thread"})


@dataclass(frozen=True)
class Birth:
    """What a run is stored with beyond the runner's columns, in its creating transaction:
    a new thread of the caller's id and metadata (a stateless LangGraph run's), and the
    client's note (`NOTE_COLUMNS`: `run_notes.py`, `temporary_threads.py`)."""

    thread_id: str | None = None
    """A thread to create with the run under this id (None: the run's thread is given,
    or a new one with a generated id)."""
    thread_metadata: dict[str, Any] = field(default_factory=dict)
    note: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.note) - NOTE_COLUMNS
        if unknown:
            raise ValueError(f"a run's note has no columns {sorted(unknown)}; use {NOTE_COLUMNS}")


class RunRows:
    """Runs of every thread; every write goes through the database's writer."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._owners: dict[str, str] = {}
        """Who started a run, for runs seen here (an owner never changes): no query."""

    async def create(
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
        delay_seconds: float | None = None,
        within: Within | None = None,
        birth: Birth | None = None,
    ) -> RunInfo:
        """Insert a pending run, creating its thread (`birth`: what the run and a new
        thread are stored with besides, in the same transaction). A thread with an
        active run refuses it, or with `enqueue` takes it as `queued`; `supersede` names
        a stopped run whose place on the thread this run takes (multitask policy
        `interrupt`); `delay_seconds` delays its start: its `not_before` is the store's
        clock (`Database.now`) plus the delay, set by the database itself on PostgreSQL,
        so the due time and the claims that compare it with `now()` use one clock
        (nobody launches or claims the run before then). `within(conn, run)` runs in
        the creating transaction (a cron's claim of its due time): what it raises undoes
        the run, what it writes commits with it."""
        now = utcnow()
        birth = birth or Birth()
        if birth.thread_id is not None and thread_id is not None:
            raise ValueError("give the run's thread, or a new thread's id in its birth")
        run = RunInfo(
            run_id=new_id("run"),
            thread_id=thread_id or birth.thread_id or new_id("thread"),
            graph=graph,
            status=RunStatus.PENDING,
            created_at=now,
            updated_at=now,
            input=input,
            context=context,
            config=config,
            stream_modes=list(stream_modes),
        )
        delay = timedelta(seconds=delay_seconds) if delay_seconds else None
        status, not_before = await self._db.write(
            self._create_sync,
            run,
            owner,
            thread_id is None,
            enqueue,
            supersede,
            dispatch,
            delay,
            within,
            birth,
        )
        self._remember_owner(run.run_id, owner)
        return run.model_copy(update={"status": status, "not_before": not_before})

    def _remember_owner(self, run_id: str, owner: str) -> None:
        if len(self._owners) >= OWNER_CACHE_SIZE:
            self._owners.pop(next(iter(self._owners)))
        self._owners[run_id] = owner

    def _create_sync(
        self,
        run: RunInfo,
        owner: str,
        new_thread: bool,
        enqueue: bool,
        supersede: str | None,
        dispatch: dict[str, Any] | None,
        delay: timedelta | None,
        within: Within | None,
        birth: Birth,
    ) -> tuple[RunStatus, datetime | None]:
        now = run.created_at
        status = RunStatus.PENDING
        not_before: Any = None
        if delay is not None:
            not_before = now + delay if self._db.sqlite else func.now() + delay
        if self._db.sqlite and new_thread and supersede is None and within is None:
            try:
                self._create_sqlite(run, owner, dispatch, not_before, birth)
                return status, None if not_before is None else aware(not_before)
            except sqlite3.IntegrityError:
                pass  # a thread id taken after all: the general path below says how
        with self._db.writer_engine.begin() as conn:
            exists = not new_thread and lock_thread(conn, run.thread_id)
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
                active = active_run_id(conn, run.thread_id)
                if active is not None and enqueue:
                    status = RunStatus.QUEUED
                elif active is not None:
                    raise ThreadBusy(run.thread_id, active)
            else:
                conn.execute(insert(threads).values(**_thread_row(run, owner, birth)))
            if within is not None:
                within(conn, run)
            try:
                statement = insert(runs).values(
                    **_run_row(run, owner, status, dispatch, not_before), **birth.note
                )
                if self._db.sqlite:
                    conn.execute(statement)
                    due = not_before
                else:
                    due = conn.execute(statement.returning(runs.c.not_before)).scalar_one()
            except IntegrityError:
                self._raise_if_busy(run.thread_id)
                raise
        return status, None if due is None else aware(due)

    def _create_sqlite(
        self,
        run: RunInfo,
        owner: str,
        dispatch: dict[str, Any] | None,
        not_before: Any,
        birth: Birth,
    ) -> None:
        """A run on a new thread, on SQLite: the same two rows as the general path, as
        plain statements on the writer's DB-API connection (`sqlite_rows`), one commit."""
        connection = self._db.raw_writer()
        try:
            self._db.sqlite_rows(threads).insert(connection, _thread_row(run, owner, birth))
            row = {**_run_row(run, owner, RunStatus.PENDING, dispatch, not_before), **birth.note}
            self._db.sqlite_rows(runs).insert(connection, row)
            connection.commit()
        except BaseException:
            connection.rollback()
            raise

    def _raise_if_busy(self, thread_id: str) -> None:
        """After a failed insert: another process may have won the race for the thread."""
        with self._db.writer_engine.connect() as conn:
            active = active_run_id(conn, thread_id)
        if active is not None:
            raise ThreadBusy(thread_id, active)

    async def get(self, run_id: str, owner: str | None = None) -> RunInfo:
        """The run; `owner` given, someone else's run is `RunNotFound` like a missing one."""
        query = runs_query().where(runs.c.id == run_id)
        if owner is not None:
            query = query.where(runs.c.owner == owner)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise RunNotFound(run_id)
        return run_info(row)

    async def owner(self, run_id: str) -> str:
        """Who started the run (its store items are theirs)."""
        known = self._owners.get(run_id)
        if known is not None:
            return known
        async with self._db.engine.connect() as conn:
            owner = (await conn.execute(select(runs.c.owner).where(runs.c.id == run_id))).scalar()
        if owner is None:
            raise RunNotFound(run_id)
        self._remember_owner(run_id, str(owner))
        return str(owner)

    async def find(
        self,
        thread_id: str | None = None,
        status: RunStatus | None = None,
        limit: int = 100,
        statuses: Sequence[RunStatus] = (),
        owner: str | None = None,
    ) -> list[RunInfo]:
        """Runs matching every filter given, newest first."""
        query = runs_query().order_by(runs.c.created_at.desc()).limit(limit)
        if owner is not None:
            query = query.where(runs.c.owner == owner)
        if thread_id is not None:
            query = query.where(runs.c.thread_id == thread_id)
        if status is not None:
            query = query.where(runs.c.status == status.value)
        if statuses:
            query = query.where(runs.c.status.in_([s.value for s in statuses]))
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [run_info(row) for row in rows]

    async def update(self, run_id: str, **values: Any) -> None:
        """Set columns of a run (status given as RunStatus); bumps `updated_at`."""
        await self._db.write(self._update_sync, run_id, values)

    def _update_sync(self, run_id: str, values: dict[str, Any]) -> None:
        with self._db.writer_engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == run_id).values(**run_columns(values)))

    async def record_stop_request(self, run_id: str, mode: str) -> None:
        """Show a pause or cancel asked of a run executing in this process on its row
        (`stop_requested`) until the stop happens; a cancel is never weakened to a pause,
        and a run that already stopped is left alone."""
        await self._db.write(self._record_stop_request_sync, run_id, mode)

    def _record_stop_request_sync(self, run_id: str, mode: str) -> None:
        executing = [RunStatus.PENDING.value, RunStatus.RUNNING.value]
        with self._db.writer_engine.begin() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status.in_(executing))
                .where(runs.c.stop_requested.is_(None) | (runs.c.stop_requested != "cancel"))
                .values(stop_requested=mode, updated_at=utcnow())
            )

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
        result: tuple[Event | None, list[str]] | None = await self._db.write(
            self._transition_sync, run_id, [s.value for s in from_statuses], values, event
        )
        if result is None:
            return None
        return await self.get(run_id), result[0], result[1]

    def _transition_sync(
        self,
        run_id: str,
        from_statuses: list[str],
        values: dict[str, Any],
        event: tuple[EventType, dict[str, Any]] | None,
    ) -> tuple[Event | None, list[str]] | None:
        with self._db.writer_engine.begin() as conn:
            changed = conn.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status.in_(from_statuses))
                .values(attempt=runs.c.attempt + 1, **run_columns(values))
                .returning(runs.c.id)
            ).first()
            if changed is None:
                return None
            stored = None if event is None else insert_next_event(conn, run_id, *event)
            promoted = promote_queued(conn, run_id) if frees_thread(values) else []
        return stored, promoted


def _thread_row(run: RunInfo, owner: str, birth: Birth) -> dict[str, Any]:
    now = run.created_at
    return {
        "id": run.thread_id,
        "owner": owner,
        "graph": run.graph,
        **({"metadata": birth.thread_metadata} if birth.thread_metadata else {}),
        "created_at": now,
        "updated_at": now,
    }


def _run_row(
    run: RunInfo,
    owner: str,
    status: RunStatus,
    dispatch: dict[str, Any] | None,
    not_before: Any,
) -> dict[str, Any]:
    return {
        "id": run.run_id,
        "thread_id": run.thread_id,
        "graph": run.graph,
        "owner": owner,
        "status": status.value,
        "input": run.input,
        "attempt": 0,
        "dispatch": dispatch,
        "context": run.context,
        "config": run.config,
        "stream_modes": run.stream_modes or None,
        "not_before": not_before,
        "created_at": run.created_at,
        "updated_at": run.created_at,
    }
