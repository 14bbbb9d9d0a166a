"""The scale-out mode (two API processes, a worker, PostgreSQL + Redis): an AG-UI run
begun on one API process is rejoined with `after_event` on the other, and the client ends
with what an unbroken run gives, nothing lost or sent twice."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.api.ag_ui.agui import EVENT, Stream, get, parse, post, run_input
from tests.api.ag_ui.test_rejoin import check_order_without_ids, dumped
from tests.scale.conftest import Cluster, make_cluster

NODES = ["one", "two", "three", "four", "five"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    yield from make_cluster(tmp_path_factory.mktemp("ag-ui"), apis=2, workers=1)


def _step_two_finished(lines: list[str]) -> bool:
    if not lines or not lines[-1].startswith("data:"):
        return False
    event = EVENT.validate_python(json.loads(lines[-1][5:]))
    return event.type.value == "STEP_FINISHED" and getattr(event, "step_name", "") == "two"


def _shape(stream: Stream) -> list[tuple[str, str | None]]:
    """Each event's type and step: what two runs of one graph share (not their ids)."""
    return [(e.type.value, getattr(e, "step_name", None)) for e in stream.events]


def test_a_run_begun_on_one_api_process_is_rejoined_on_the_other_and_ends_unbroken(
    cluster: Cluster,
) -> None:
    first, second = cluster.apis
    lines: list[str] = []
    with (
        first.client() as http,
        http.stream(
            "POST", "/ag-ui/steps", json=run_input(state={"delay": 0.5}), timeout=60
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        path = response.headers["content-location"]
        run_id = response.headers["x-genesis-mesh-run-id"]
        for line in response.iter_lines():
            lines.append(line)
            if _step_two_finished(lines):
                break  # the client goes away mid-run, from this process
    seen = parse(lines)
    last_seen = seen.ids[-1]
    assert last_seen is not None and seen.ids == list(range(1, last_seen + 1))

    with second.client() as http:
        rest = get(http, path, params={"after_event": last_seen})
        whole = get(http, path)
        run = http.get(f"/api/v1/runs/{run_id}").json()
        unbroken = post(http, "steps", run_input(state={"delay": 0.5}))

    assert "RUN_FINISHED" not in seen.types  # the client left mid-run
    numbered = [i for i in rest.ids if i is not None]
    assert numbered == list(range(last_seen + 1, last_seen + 1 + len(numbered)))
    assert dumped(seen) + dumped(rest, numbered_only=True) == dumped(whole)
    assert rest.types[0] == "RUN_STARTED"
    assert [e.step_name for e in rest.of("STEP_STARTED")] == ["three", "four", "five"]
    check_order_without_ids(rest)
    assert rest.finished.outcome.type == "success"
    assert whole.ids == list(range(1, len(whole.events) + 1))
    assert [e.step_name for e in whole.of("STEP_STARTED")] == NODES
    assert _shape(whole) == _shape(unbroken)
    (state,) = (e.snapshot for e in whole.of("STATE_SNAPSHOT"))
    assert state == {"delay": 0.5, "visited": NODES}
    assert [e.snapshot for e in unbroken.of("STATE_SNAPSHOT")] == [state]
    assert run["status"] == "succeeded"
