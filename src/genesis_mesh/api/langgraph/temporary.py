"""The thread of a stateless run, deleted once the run ends (`on_completion="delete"`).

The LangGraph Server deletes the thread it made for a stateless run when the run is
done, unless `on_completion="keep"`. Here the deletion waits for the run to end and for
the request that reads it (`runs.wait`, `runs.stream`) to have read its answer, so the
answer is never cut short by the deletion.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from genesis_mesh.api.langgraph.stream import MOVING, follow_events
from genesis_mesh.api.langgraph.threads import remove_thread
from genesis_mesh.protocol import RunInfo
from genesis_mesh.services import Services
from genesis_mesh.store.threads import ThreadStore

logger = logging.getLogger(__name__)
READER_GRACE_SECONDS = 300.0  # a stream never read (client gone before it began)
POLL_SECONDS = 0.5


async def delete_when_done(services: Services, run: RunInfo, read: asyncio.Event) -> None:
    """Delete the run's thread once the run is final and its reader is done. A run that
    stops at an interrupt keeps its thread: it waits for an answer; so does a thread a
    later run was started on meanwhile (docs/langgraph-api.md)."""
    async for _ in follow_events(services, run.run_id, 0, True):
        pass
    status = (await services.store.get_run(run.run_id)).status
    while status in MOVING:  # the follow ended early (a slow queue): look again
        await asyncio.sleep(POLL_SECONDS)
        status = (await services.store.get_run(run.run_id)).status
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read.wait(), READER_GRACE_SECONDS)
    record = await ThreadStore(services.store.engine).get(run.thread_id, None)
    if status.is_final and record is not None and record.active_run_id is None:
        await remove_thread(services, run.thread_id)
        logger.debug("deleted the thread %s of stateless run %s", run.thread_id, run.run_id)
