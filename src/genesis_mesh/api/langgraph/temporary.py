"""The thread of a stateless run, deleted once the run ends (`on_completion="delete"`).

The LangGraph Server deletes the thread it made for a stateless run (or a stateless
cron's run) when the run is done, unless `on_completion="keep"`. The deletion is owed in
the run's row (`store/temporary_threads.py`), so it survives the process that started
the run. Who deletes: for a run nobody reads (`runs.create`, a cron), the process that
ends it, from its run-end hook (`run_end.py`), a standalone worker included; for a run
whose answer a request reads (`runs.wait`, `runs.stream`), the process of that request,
once it has read it (`delete_after_read`), so the answer is never cut short. A run with
a webhook keeps its thread until the webhook was sent (or given up on), as the webhook
reads it; its delivery deletes it then. Each deletion is one look at the run's row
(`store/end_work.py`) and the removal: two statements.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from genesis_mesh.api.langgraph.stream import MOVING
from genesis_mesh.api.langgraph.threads import remove_thread
from genesis_mesh.services import Services
from genesis_mesh.store import end_work
from genesis_mesh.store.end_work import EndWork
from genesis_mesh.store.temporary_threads import AFTER_READER, TemporaryThreads

logger = logging.getLogger(__name__)
READER_GRACE_SECONDS = 300.0  # a stream never read (client gone before it began)


def pending(work: EndWork) -> bool:
    """Still something before the thread may go: the run going on, or its webhook."""
    return work.webhook or work.status in MOVING or work.paused_for_restart


async def delete_if_ended(
    services: Services, run_id: str, work: EndWork | None = None, reader_done: bool = False
) -> bool:
    """Delete the thread of a marked run that has ended; True if it was deleted. A run
    that stopped at an interrupt keeps its thread (it waits for an answer), and so does a
    thread a later run was started on meanwhile (docs/langgraph-api.md): their mark goes.
    A run paused by a shutdown keeps its mark, for its recovery to end it; a run whose
    reader has not read it yet (`AFTER_READER`) is left to that reader."""
    if work is None:
        work = await end_work.read(services.store.db, run_id)
    if work is None or work.mark is None or pending(work):
        return False
    if work.mark is AFTER_READER and not reader_done:
        return False
    if not work.status.is_final or work.thread_busy:
        await TemporaryThreads(services.store.engine).unmark(run_id)
        return False
    await remove_thread(services, work.thread_id)
    logger.debug("deleted the thread %s of stateless run %s", work.thread_id, run_id)
    return True


async def delete_after_read(
    services: Services,
    run_id: str,
    read: asyncio.Event,
    handed_over: Callable[[str], None],
    take_over: Callable[[str], bool],
) -> None:
    """Once the request has read the run's answer, delete its thread; if the run (or its
    webhook) is still going (a client that left with `on_disconnect="continue"`), hand
    the deletion to whoever ends it: the mark becomes `AT_END` (`handed_over` tells this
    process's run-end hook), then a second look catches an end in between. A run still
    executing in this process is handed to its end here without a statement
    (`take_over`: True when this process's run-end hook took the deletion)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read.wait(), READER_GRACE_SECONDS)
    if take_over(run_id):
        return
    work = await end_work.read(services.store.db, run_id)
    if work is None or work.mark is None:
        return
    if pending(work):
        handed_over(run_id)
        await TemporaryThreads(services.store.engine).mark(run_id)
        work = await end_work.read(services.store.db, run_id)
        if work is None or pending(work):
            return
    await delete_if_ended(services, run_id, work, reader_done=True)
