"""LLM tokens reach WebSocket clients in order, and mesh_build asks for a review — driven
by the real langchain-openai client against the fake OpenAI-compatible server."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from tests.conftest import LiveHost
from tests.llm.fake_openai import FakeOpenAI, Reply, outline_arguments
from tests.wsclient import ProtocolClient


def texts_by_message(events: list[dict[str, Any]]) -> list[str]:
    """The `message.delta` texts joined per message id, messages in order of appearance."""
    joined: dict[str, str] = defaultdict(str)
    for event in events:
        if event["type"] == "message.delta":
            joined[event["data"]["message_id"]] += event["data"]["text"]
    return list(joined.values())


async def test_every_token_reaches_the_websocket_in_the_order_the_server_sent_it(
    llm_host: LiveHost, fake: FakeOpenAI
) -> None:
    fake.then(Reply(tokens=[f"tok{i} " for i in range(500)]))
    client = await ProtocolClient.open(llm_host.ws_url)
    try:
        await client.send({"type": "start", "graph": "echo", "input": {"question": "count"}})
        started = await client.until(lambda m: m.get("type") == "run.started")
        events = await client.run_events(started[-1]["run_id"])
    finally:
        await client.close()
    deltas = [e for e in events if e["type"] == "message.delta"]
    assert events[-1]["type"] == "run.completed"
    # Tokens still queued for storage may travel together; each delta carries only new
    # text, so in order they add up to exactly what the server sent.
    assert "".join(e["data"]["text"] for e in deltas) == "".join(f"tok{i} " for i in range(500))
    assert all(e["data"]["text"] for e in deltas) and len(deltas) > 1
    assert {e["node"] for e in deltas} == {"answer"}
    assert len({e["data"]["message_id"] for e in deltas}) == 1
    assert events[-1]["data"]["output"]["answer"] == fake.sent_texts[0]
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(2, len(events) + 2))  # run.started (seq 1) was read above


async def test_mesh_build_asks_for_a_review_and_the_answer_shapes_the_briefs(
    llm_host: LiveHost, fake: FakeOpenAI
) -> None:
    client = await ProtocolClient.open(llm_host.ws_url)
    try:
        await client.send(
            {
                "type": "start",
                "graph": "mesh_build",
                "input": {"main_topic": "Home espresso", "num_clusters": 4, "target_authority": 90},
            }
        )
        run_id = (await client.until(lambda m: m.get("type") == "run.started"))[-1]["run_id"]
        first = await client.run_events(run_id)
        assert first[-1]["type"] == "run.interrupted"
        question = first[-1]["data"]["question"]
        assert question["answer_key"] == "clusters"
        assert [c["id"] for c in question["choices"]] == [f"espresso-part-{i}" for i in range(1, 5)]
        assert not [e for e in first if e["type"] == "message.delta"]  # the outline is JSON

        await client.send(
            {
                "type": "resume",
                "run_id": run_id,
                "value": {
                    "clusters": ["espresso-part-1", "espresso-part-2", "espresso-part-4"],
                    "edits": "espresso-part-1: Grinders\n+ Milk steaming",
                },
            }
        )
        rest = await client.run_events(run_id, timeout=30)
    finally:
        await client.close()
    assert rest[-1]["type"] == "run.completed", rest[-1]
    output = rest[-1]["data"]["output"]
    titles = [b["title"] for b in output["briefs"]]
    assert titles == [
        "Home espresso",
        "Grinders",
        "Espresso part 2",
        "Espresso part 4",
        "Milk steaming",
    ]
    # one streamed message per brief, each complete and in the order the server sent them
    assert texts_by_message(rest) == fake.sent_texts
    assert len(fake.sent_texts) == 5
    for brief, text in zip(output["briefs"], fake.sent_texts, strict=True):
        assert text.strip() in brief["markdown"]
    assert output["mermaid_diagram"].startswith("graph LR")
    assert {e["node"] for e in rest if e["type"] == "message.delta"} == {"write"}
    assert fake.chat_requests(with_tools=True)[0]["tool_choice"]["function"]["name"] == "Outline"


async def test_a_malformed_outline_is_asked_again_then_fails_clearly(
    llm_host: LiveHost, fake: FakeOpenAI
) -> None:
    bad = Reply(tool="Outline", arguments='{"pillar": {"title": "X"}}')
    fake.then(
        bad,
        Reply(tool="Outline", arguments="{not json"),
        Reply(tool="Outline", arguments=outline_arguments()),
    )
    client = await ProtocolClient.open(llm_host.ws_url)
    try:
        await client.send(
            {
                "type": "start",
                "graph": "mesh_build",
                "input": {"main_topic": "Espresso", "num_clusters": 3},
            }
        )
        run_id = (await client.until(lambda m: m.get("type") == "run.started"))[-1]["run_id"]
        events = await client.run_events(run_id)
        assert events[-1]["type"] == "run.interrupted"
        notes = [e["data"]["message"] for e in events if e["type"] == "node.progress"]
        assert sum("malformed" in n for n in notes) == 2
        assert len(fake.chat_requests(with_tools=True)) == 3
        # the retry tells the model what was wrong
        assert "clusters" in fake.requests[1]["messages"][-1]["content"]

        fake.reset()
        fake.sticky = bad
        await client.send(
            {
                "type": "start",
                "graph": "mesh_build",
                "input": {"main_topic": "Espresso", "num_clusters": 3},
            }
        )
        run_id = (await client.until(lambda m: m.get("type") == "run.started"))[-1]["run_id"]
        events = await client.run_events(run_id)
    finally:
        await client.close()
    failed = [e for e in events if e["type"] == "node.failed"]
    assert failed and failed[0]["node"] == "outline"
    assert "no valid outline in 3 attempt(s)" in failed[0]["data"]["error"]["message"]
    assert events[-1]["type"] == "run.failed"
