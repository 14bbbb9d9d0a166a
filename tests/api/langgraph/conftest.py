"""The real `langgraph-sdk` clients, pointed at a live host on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.client import LangGraphClient, SyncLangGraphClient
from langgraph_sdk.errors import NotFoundError

from tests.conftest import LiveHost


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    """One host per module, given time to start on a loaded machine."""
    live = LiveHost(tmp_path_factory.mktemp("langgraph"))
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture
async def client(host: LiveHost) -> AsyncIterator[LangGraphClient]:
    async with get_client(url=host.base_url, api_key=None) as sdk:
        yield sdk


@pytest.fixture
def sync_client(host: LiveHost) -> Iterator[SyncLangGraphClient]:
    with get_sync_client(url=host.base_url, api_key=None) as sdk:
        yield sdk


async def thread_gone(client: LangGraphClient, thread_id: str) -> bool:
    """Whether the thread is deleted within 10 seconds (a temporary thread goes after its
    run's answer was read, or its webhook sent)."""
    for _ in range(200):
        try:
            await client.threads.get(thread_id)
        except NotFoundError:
            return True
        await asyncio.sleep(0.05)
    return False
