"""Subgraph events against a real host: a subgraph's own nodes stream `node.*` events
with their namespace (as LangGraph's `subgraphs=True` stream gives it), beside the
parent node's own events, over the socket and in the stored log."""

from __future__ import annotations

from tests.conftest import LiveHost, wait_for_status
from tests.wsclient import ProtocolClient


async def test_inner_nodes_stream_their_own_events_with_their_namespace(host: LiveHost) -> None:
    client = await ProtocolClient.open(host.ws_url)
    await client.send({"type": "start", "graph": "sub_ask", "input": {}})
    run_id = (await client.until(lambda m: m.get("type") == "run.started"))[-1]["run_id"]
    events = await client.run_events(run_id)
    await client.close()
    top = [(e["type"], e["node"]) for e in events if "namespace" not in e["data"]]
    inner = [(e["type"], e["node"]) for e in events if "namespace" in e["data"]]
    assert ("node.started", "review") in top and ("node.completed", "begin") in top
    assert inner == [
        ("node.started", "draft"),
        ("node.progress", "review"),
        ("node.completed", "draft"),
        ("node.started", "confirm"),
        ("run.interrupted", "confirm"),  # asked by the inner node, with its namespace
    ]
    namespaces = {tuple(e["data"]["namespace"]) for e in events if "namespace" in e["data"]}
    review_task = next(e for e in events if e["type"] == "node.started" and e["node"] == "review")
    assert namespaces == {(f"review:{review_task['data']['task_id']}",)}
    draft = next(e for e in events if e["type"] == "node.completed" and e["node"] == "draft")
    assert draft["data"]["update"] == {"notes": ["draft"]}


def test_resuming_inside_a_subgraph_completes_the_inner_node_before_its_parent(
    host: LiveHost,
) -> None:
    with host.client() as http:
        run = http.post("/api/v1/runs", json={"graph": "sub_ask", "input": {}}).json()
        wait_for_status(http, run["run_id"], {"interrupted"})
        http.post(f"/api/v1/runs/{run['run_id']}/resume", json={"value": "ok"})
        done = wait_for_status(http, run["run_id"], {"succeeded", "failed"})
        assert done["status"] == "succeeded", done
        events = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
    completed = [e["node"] for e in events if e["type"] == "node.completed"]
    assert completed == ["begin", "draft", "confirm", "review", "finish"]
    confirm = next(e for e in events if e["type"] == "node.completed" and e["node"] == "confirm")
    assert confirm["data"]["namespace"][0].startswith("review:")
    assert confirm["data"]["update"] == {"notes": ["confirm:ok"]}
