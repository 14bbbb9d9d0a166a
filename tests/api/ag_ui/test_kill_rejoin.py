"""A kill -9 of the host mid-run: the AG-UI client rejoins the recovered run from the
last event number it saw and gets the rest, nothing twice, ending with RUN_FINISHED."""

from __future__ import annotations

import json

import pytest

from tests.api.ag_ui.agui import EVENT, Stream, get, parse, run_input
from tests.api.ag_ui.test_rejoin import check_order_without_ids, dumped
from tests.conftest import LiveHost

NODES = ["one", "two", "three", "four", "five"]


def _until_step_two_finished(lines: list[str]) -> bool:
    if not lines or not lines[-1].startswith("data:"):
        return False
    event = EVENT.validate_python(json.loads(lines[-1][5:]))
    return event.type.value == "STEP_FINISHED" and getattr(event, "step_name", "") == "two"


@pytest.mark.slow
def test_rejoining_after_kill_9_of_the_host_delivers_the_rest_once(
    live_host: LiveHost,
) -> None:
    live_host.start(timeout=120)
    body = run_input(state={"delay": 1.0})
    lines: list[str] = []
    with (
        live_host.client() as http,
        http.stream("POST", "/ag-ui/steps", json=body, timeout=60) as response,
    ):
        assert response.status_code == 200, response.read()
        path = response.headers["content-location"]
        for line in response.iter_lines():
            lines.append(line)
            if _until_step_two_finished(lines):
                break
    first = parse(lines)
    last_seen = first.ids[-1]
    assert last_seen is not None and first.ids == list(range(1, last_seen + 1))
    live_host.kill()
    live_host.start(timeout=120)  # same port and data folder: the run is recovered

    with live_host.client() as http:
        rest = get(http, path, params={"after_event": last_seen})
        whole = get(http, path)
        run = http.get(f"/api/v1/runs/{response.headers['x-genesis-mesh-run-id']}").json()
    numbered = [i for i in rest.ids if i is not None]
    assert numbered == list(range(last_seen + 1, last_seen + 1 + len(numbered)))
    assert dumped(first) + dumped(rest, numbered_only=True) == dumped(whole)
    assert whole.ids == list(range(1, len(whole.events) + 1))
    assert rest.types[0] == "RUN_STARTED"
    assert "RUN_FINISHED" not in first.types  # the kill came mid-run
    assert [e.step_name for e in rest.of("STEP_STARTED")] == ["three", "four", "five"]
    check_order_without_ids(rest)
    assert rest.finished.outcome.type == "success"
    steps = [e.step_name for e in Stream(whole.events).of("STEP_STARTED")]
    assert steps == NODES
    assert run["status"] == "succeeded"
