"""Rejoining an AG-UI run (AG-UI has no replay of its own): the same runId posted again
replays it; `GET .../stream?after_event=N` (or `Last-Event-ID`) sends the rest, opened
again so that it is a valid AG-UI stream by itself."""

from __future__ import annotations

from typing import Any

from tests.api.ag_ui.agui import Stream, get, post, run_input, user_message
from tests.api.ag_ui.test_events import check_order
from tests.conftest import LiveHost
from tests.llm.fake_openai import FakeOpenAI, Reply


def dumped(stream: Stream, numbered_only: bool = False) -> list[dict[str, Any]]:
    return [
        e.model_dump(by_alias=True, mode="json")
        for e, number in zip(stream.events, stream.ids, strict=True)
        if number is not None or not numbered_only
    ]


def test_posting_the_same_run_again_replays_it_event_for_event(host: LiveHost) -> None:
    body = run_input(messages=[user_message("Weather in Paris?")])
    with host.client() as http:
        first = post(http, "react_agent", body)
        again = post(http, "react_agent", body)
        runs = http.get("/api/v1/runs", params={"thread_id": body["threadId"]}).json()
    assert len(runs) == 1  # nothing ran twice
    assert dumped(again) == dumped(first)
    assert again.ids == first.ids


def test_the_rest_after_any_event_completes_the_stream_exactly_once(host: LiveHost) -> None:
    body = run_input(messages=[user_message("Weather in Paris?")])
    with host.client() as http:
        full = post(http, "react_agent", body)
        path = full.headers["content-location"]
        rests = {n: get(http, path, params={"after_event": n}) for n in range(len(full.events))}
    whole = dumped(full)
    for n, rest in rests.items():
        numbered = dumped(rest, numbered_only=True)
        assert whole[:n] + numbered == whole, n
        assert [i for i in rest.ids if i is not None] == list(range(n + 1, len(whole) + 1))
        assert rest.types[0] == "RUN_STARTED"
        check_order_without_ids(rest)
    # after the tool call started: the step and the call are opened again, then continue
    started = full.types.index("TOOL_CALL_START") + 1
    rest = rests[started]
    assert rest.types[:4] == ["RUN_STARTED", "STEP_STARTED", "TOOL_CALL_START", "TOOL_CALL_ARGS"]
    assert rest.ids[:4] == [None, None, None, started + 1]


def check_order_without_ids(stream: Stream) -> None:
    check_order(Stream(stream.events, list(range(1, len(stream.events) + 1))))


def test_last_event_id_and_forwarded_props_rejoin_like_after_event(host: LiveHost) -> None:
    body = run_input(state={"draft": "Rejoin me"})
    with host.client() as http:
        full = post(http, "interrupt_node", body)
        path = full.headers["content-location"]
        by_header = get(http, path, headers={"Last-Event-ID": "2"})
        props = {"genesis_mesh": {"after_event": 2}}
        by_post = post(http, "interrupt_node", {**body, "forwardedProps": props})
    assert dumped(by_header, numbered_only=True) == dumped(full)[2:]
    assert dumped(by_post) == dumped(by_header)


def test_a_dropped_connection_leaves_the_run_going_and_the_rest_can_be_fetched(
    host: LiveHost, weather_model: FakeOpenAI
) -> None:
    weather_model.then(Reply(tool="get_weather", arguments='{"city": "Paris"}', hang=0.5))
    body = run_input(messages=[user_message("Weather in Paris?")])
    try:
        with host.client() as http:
            with http.stream("POST", "/ag-ui/react_agent", json=body, timeout=60) as response:
                path = response.headers["content-location"]
                seen: list[str] = []
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        seen.append(line)
                    if len(seen) == 2:
                        break  # the client goes away mid-run
            rest = get(http, path, params={"after_event": 2})
            replay = get(http, path)
            run = http.get(f"/api/v1/runs/{response.headers['x-genesis-mesh-run-id']}").json()
    finally:
        weather_model.script.clear()
    assert run["status"] == "succeeded"
    assert dumped(rest, numbered_only=True) == dumped(replay)[2:]
    assert rest.types[:2] == ["RUN_STARTED", "STEP_STARTED"]
    assert replay.finished.outcome.type == "success"
