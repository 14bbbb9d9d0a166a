"""The real `langgraph-sdk` clients, pointed at a live host on loopback.

A module runs its tests on both modes of the host with `pytestmark = ON_BOTH_MODES`:
the embedded default, one host per module, and the scale-out mode (one API process and
one worker on PostgreSQL and Redis, `tests/scale/conftest.py`), one cluster per test
process shared by the modules it runs (a cluster takes far longer to start than a host;
the tests use their own threads, runs and assistants, so they do not see each other's)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_client, get_sync_client
from langgraph_sdk.client import LangGraphClient, SyncLangGraphClient
from langgraph_sdk.errors import NotFoundError

from tests.conftest import FIXTURE_CONFIG, LiveHost
from tests.scale.conftest import make_cluster

MODES = ["embedded", "scale-out"]
ON_BOTH_MODES = pytest.mark.parametrize("host", MODES, indirect=True, scope="module")


def host_in_mode(
    mode: str, workdir: Path, config: Path = FIXTURE_CONFIG, env: dict[str, str] | None = None
) -> Iterator[LiveHost]:
    """A started host of `mode` (one of `MODES`), stopped (its cluster torn down) after."""
    if mode == "scale-out":
        settings = {"GENESIS_MESH_MAX_CONCURRENT_RUNS": "100", **(env or {})}
        for cluster in make_cluster(workdir, apis=1, workers=1, config=config, **settings):
            yield cluster.apis[0]
        return
    live = LiveHost(workdir, config=config, env=dict(env or {}))
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture(scope="session")
def scale_out_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    """The API process of the scale-out cluster the modules of this test process share."""
    yield from host_in_mode("scale-out", tmp_path_factory.mktemp("langgraph-scale-out"))


@pytest.fixture(scope="module")
def host(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHost]:
    """One host per module (and mode), given time to start on a loaded machine."""
    mode = getattr(request, "param", "embedded")
    if mode == "scale-out":
        yield request.getfixturevalue("scale_out_host")
        return
    yield from host_in_mode(mode, tmp_path_factory.mktemp("langgraph"))


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
