"""`langgraph-sdk`'s own v3 stream client against a live host on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from tests.conftest import LiveHost


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    """One host per module, given time to start on a loaded machine."""
    live = LiveHost(tmp_path_factory.mktemp("agent-protocol"))
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture
async def client(host: LiveHost) -> AsyncIterator[LangGraphClient]:
    async with get_client(url=host.base_url, api_key=None) as sdk:
        yield sdk


@pytest.fixture(params=["sse", "websocket"])
def transport(request: pytest.FixtureRequest) -> str:
    """Each test runs over both of the SDK's stream transports."""
    return str(request.param)
