"""The scale-out mode (two API processes, a worker, PostgreSQL + Redis): a stream begun on
one API process is resumed from its `seq` on the other, nothing lost or repeated."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.api.agent_protocol.streams import (
    ALL,
    close,
    command,
    is_root_end,
    read_until,
    seqs,
    transport_for,
)
from tests.scale.conftest import Cluster, make_cluster

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from make_cluster(tmp_path_factory.mktemp("agent-protocol"), apis=2, workers=1)


async def test_a_stream_resumed_on_another_api_process_loses_and_repeats_nothing(
    cluster: Cluster,
) -> None:
    first, second = cluster.apis
    thread_id = str(uuid.uuid4())
    socket = transport_for("websocket", first.base_url, thread_id)
    try:
        started = await command(
            socket, "run.start", {"assistant_id": "steps", "input": {"delay": 0.5}}
        )
        since = started["meta"]["applied_through_seq"]
        half = await read_until(
            socket,
            {"channels": ALL, "since": since},
            lambda e: e["method"] == "updates" and e["params"]["data"]["node"] == "two",
        )
    finally:
        await close(socket)
    sse = transport_for("sse", second.base_url, thread_id)
    try:
        rest = await read_until(sse, {"channels": ALL, "since": half[-1]["seq"]}, is_root_end)
        whole = await read_until(sse, {"channels": ALL, "since": since}, is_root_end)
    finally:
        await close(sse)
    assert [*half, *rest] == whole
    assert seqs(whole) == sorted(set(seqs(whole)))
    assert [e["params"]["data"]["node"] for e in whole if e["method"] == "updates"] == NODES


async def test_an_interrupt_asked_through_one_api_process_is_answered_through_the_other(
    cluster: Cluster,
) -> None:
    first, second = cluster.apis
    thread_id = str(uuid.uuid4())
    one = transport_for("sse", first.base_url, thread_id)
    other = transport_for("websocket", second.base_url, thread_id)
    try:
        started = await command(one, "run.start", {"assistant_id": "ask", "input": {}})
        since = started["meta"]["applied_through_seq"]
        asked = await read_until(other, {"channels": ["input"], "since": since}, lambda e: True)
        question = asked[-1]["params"]["data"]
        answered = await command(
            other,
            "input.respond",
            {"interrupt_id": question["interrupt_id"], "response": {"accepted": ["a"]}},
        )
        events = await read_until(one, {"channels": ALL, "since": asked[-1]["seq"]}, is_root_end)
    finally:
        await close(one)
        await close(other)
    assert answered["type"] == "success"
    assert question["payload"]["question"] == "Which pages about links?"
    values = [e["params"]["data"] for e in events if e["method"] == "values"]
    assert values[-1]["summary"] == "links: a"
