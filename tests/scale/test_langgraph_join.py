"""Scale-out: a LangGraph client whose API process dies (kill -9) mid-stream joins the
run through another API process with `Last-Event-ID` and gets the rest, nothing twice.
The run itself never stopped: a worker executes it, not the API process that died."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client

from tests.scale.conftest import Cluster, make_cluster

NODES = ["one", "two", "three", "four", "five"]
Part = tuple[str, Any, str | None]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    yield from make_cluster(tmp_path, apis=2, workers=1)


async def _parts_until_first_update(url: str, thread_id: str) -> list[Part]:
    seen: list[Part] = []
    async with get_client(url=url, api_key=None) as client:
        stream = client.runs.stream(thread_id, "steps", input={"delay": 1.0}, stream_mode="updates")
        async for part in stream:
            seen.append((part.event, part.data, part.id))
            if part.event == "updates":
                break
        await stream.aclose()
    return seen


@pytest.mark.slow
async def test_join_stream_on_another_api_after_a_kill_of_the_first_delivers_the_rest_once(
    cluster: Cluster,
) -> None:
    first, second = cluster.apis
    async with get_client(url=second.base_url, api_key=None) as client:
        thread_id = (await client.threads.create())["thread_id"]
    seen = await _parts_until_first_update(first.base_url, thread_id)
    first.kill()
    run_id = seen[0][1]["run_id"]
    async with get_client(url=second.base_url, api_key=None) as client:
        rest = [
            (p.event, p.data, p.id)
            async for p in client.runs.join_stream(thread_id, run_id, last_event_id=seen[-1][2])
        ]
        whole = [
            (p.event, p.data, p.id)
            async for p in client.runs.join_stream(thread_id, run_id, last_event_id="0")
        ]
        state = await client.threads.get_state(thread_id)
    updates = [next(iter(d)) for e, d, _ in [*seen, *rest] if e == "updates"]
    assert updates == NODES, cluster.logs()
    ids = [i for e, _, i in [*seen, *rest] if e == "updates"]  # `end` repeats the last id
    assert len(ids) == len(set(ids)) == len(NODES)
    assert [p for p in whole if p[0] == "updates"] == [
        p for p in [*seen, *rest] if p[0] == "updates"
    ]
    assert rest[-1][0] == "end"
    assert state["values"]["visited"] == NODES
