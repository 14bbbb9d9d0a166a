"""Ownership: a caller reaches only their own runs and threads (admins: everyone's).

Someone else's record answers exactly like a missing one (`RunNotFound`,
`ThreadNotFound`), so ids cannot be probed. Every route and WebSocket message that
takes a run or thread id goes through here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from genesis_mesh.api.deps import RunIdPath, ServicesDep, ThreadIdPath, UserDep
from genesis_mesh.auth.identity import Identity
from genesis_mesh.protocol import RunInfo, ThreadInfo
from genesis_mesh.services import Services


async def run_of(services: Services, user: Identity, run_id: str) -> RunInfo:
    """The run if `user` may see it; `RunNotFound` otherwise."""
    return await services.store.get_run(run_id, owner=user.owner_filter)


async def thread_of(services: Services, user: Identity, thread_id: str) -> ThreadInfo:
    """The thread if `user` may see it; `ThreadNotFound` otherwise."""
    return await services.store.get_thread(thread_id, owner=user.owner_filter)


async def _owned_run(run_id: RunIdPath, services: ServicesDep, user: UserDep) -> RunInfo:
    return await run_of(services, user, run_id)


async def _owned_thread(
    thread_id: ThreadIdPath, services: ServicesDep, user: UserDep
) -> ThreadInfo:
    return await thread_of(services, user, thread_id)


OwnedRun = Annotated[RunInfo, Depends(_owned_run)]
"""The `{run_id}` of the path, resolved for the caller (404 when not theirs)."""
OwnedThread = Annotated[ThreadInfo, Depends(_owned_thread)]
"""The `{thread_id}` of the path, resolved for the caller (404 when not theirs)."""
