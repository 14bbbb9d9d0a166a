"""The thread of a stateless run, deleted once the run ends (`on_completion="delete"`).

The LangGraph Server deletes the thread it made for a stateless run (or a stateless
cron's run) when the run is done, unless `on_completion="keep"`. Here the deletion waits
for the run to end and for the request that reads it (`runs.wait`, `runs.stream`) to have
read its answer, so the answer is never cut short by the deletion; a run with a webhook
keeps its thread until the webhook was sent (or given up on), as the webhook reads it.

The deletion is owed in the run's row (`store/temporary_threads.py`), not only in this
process's memory: a host that starts after a crash (`deleting_temporary_threads`) follows
every marked run still going to its end and deletes the threads of those that ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from genesis_mesh.api.langgraph.stream import MOVING, follow_events
from genesis_mesh.api.langgraph.threads import remove_thread
from genesis_mesh.errors import RunNotFound
from genesis_mesh.protocol import RunInfo
from genesis_mesh.runner.recovery import needs_recovery
from genesis_mesh.services import Services
from genesis_mesh.store.temporary_threads import TemporaryThreads
from genesis_mesh.store.threads import ThreadStore
from genesis_mesh.store.webhook_outbox import WebhookOutbox

logger = logging.getLogger(__name__)
READER_GRACE_SECONDS = 300.0  # a stream never read (client gone before it began)
POLL_SECONDS = 0.5
_unread: dict[str, asyncio.Event] = {}  # runs whose answer a request here still reads


def hold_until_read(run_id: str, read: asyncio.Event) -> None:
    """Keep the run's thread (in this process) until the request reading it sets `read`."""
    for done in [k for k, event in _unread.items() if event.is_set()]:
        del _unread[done]  # read: nothing left to wait for
    if not read.is_set():
        _unread[run_id] = read


async def delete_when_done(services: Services, run: RunInfo, after_seq: int = 0) -> None:
    """Delete the run's thread once the run is final and its reader is done."""
    try:
        async for _ in follow_events(services, run.run_id, after_seq, True):
            pass
        status = (await services.store.get_run(run.run_id)).status
        while status in MOVING:  # the follow ended early (a slow queue): look again
            await asyncio.sleep(POLL_SECONDS)
            status = (await services.store.get_run(run.run_id)).status
    except RunNotFound:
        return  # deleted meanwhile, with its thread
    await delete_if_ended(services, run.run_id)


async def delete_if_ended(services: Services, run_id: str) -> bool:
    """Delete the thread of a marked run that has ended; True if it was deleted. A run
    that stopped at an interrupt keeps its thread (it waits for an answer), and so does a
    thread a later run was started on meanwhile (docs/langgraph-api.md): their mark goes.
    A run paused by a shutdown keeps its mark, for its recovery to end it."""
    read = _unread.get(run_id)
    if read is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(read.wait(), READER_GRACE_SECONDS)
        _unread.pop(run_id, None)
    marks = TemporaryThreads(services.store.engine)
    try:
        if not await marks.is_marked(run_id):
            return False
        run = await services.store.get_run(run_id)
    except RunNotFound:
        return False  # deleted meanwhile (by another process, or with its thread)
    if run.status in MOVING or needs_recovery(run):
        return False
    record = await ThreadStore(services.store.engine).get(run.thread_id, None)
    if not run.status.is_final or record is None or record.active_run_id is not None:
        await marks.unmark(run_id)
        return False
    await remove_thread(services, run.thread_id)
    logger.debug("deleted the thread %s of stateless run %s", run.thread_id, run_id)
    return True


async def _sweep(services: Services, tasks: set[asyncio.Task[None]]) -> None:
    """Delete the threads a dead process owed; follow the marked runs still going."""
    owed_webhooks = set(await WebhookOutbox(services.store.engine).owed())
    for run_id in await TemporaryThreads(services.store.engine).marked():
        if run_id in owed_webhooks:
            continue  # its webhook is sent first, then its thread deleted (`runs.py`)
        try:
            run = await services.store.get_run(run_id)
        except RunNotFound:
            continue
        if run.status in MOVING or needs_recovery(run):
            task = asyncio.create_task(delete_when_done(services, run, run.last_seq))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        else:
            await delete_if_ended(services, run_id)


@contextlib.asynccontextmanager
async def deleting_temporary_threads(services: Services) -> AsyncIterator[None]:
    """While the host serves: at start, the deletions a dead process left undone."""
    tasks: set[asyncio.Task[None]] = set()
    try:
        await _sweep(services, tasks)
    except Exception:  # the host serves even so; the next start sweeps again
        logger.exception("deleting the threads of ended stateless runs failed")
    try:
        yield
    finally:
        for task in list(tasks):
            task.cancel()
