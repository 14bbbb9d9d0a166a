"""The WebSocket fuzzer at a small size: every malformed, oversized or refused message
gets an `error`, and the host keeps serving (bench/fuzz_campaign.py runs it at 100,000)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import LiveHost
from tests.fuzz.wsfuzz import Fuzzer, Probe, probes
from tests.wsclient import ProtocolClient, final

EXAMPLES = int(os.environ.get("GENESIS_MESH_FUZZ_EXAMPLES", "300"))
# The fuzzer measures the protocol, not the per-socket message rate (tested on its own).
UNLIMITED = {
    "GENESIS_MESH_WS_MESSAGES_PER_SECOND": "1e9",
    "GENESIS_MESH_WS_MESSAGE_BURST": "1000000000",
}


@pytest.fixture(scope="module")
def fuzz_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("wsfuzz"), env=dict(UNLIMITED)).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def fuzzer(fuzz_host: LiveHost) -> Iterator[Fuzzer]:
    fuzzer = Fuzzer(fuzz_host.ws_url)
    yield fuzzer
    fuzzer.close()


@given(probe=probes())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_every_bad_message_gets_an_error_and_the_socket_keeps_serving(
    fuzzer: Fuzzer, probe: Probe
) -> None:
    assert fuzzer.send(probe), fuzzer.tally.crash_samples[-1]


async def test_after_the_fuzz_health_and_a_normal_run_still_work(
    fuzz_host: LiveHost, fuzzer: Fuzzer
) -> None:
    tally = fuzzer.tally
    assert tally.tried >= EXAMPLES and tally.crashes == 0
    assert tally.errors > tally.tried // 2
    assert {"invalid_json", "invalid_message", "message_too_large"} <= set(tally.by_code)
    with fuzz_host.client() as http:
        assert http.get("/health").json() == {"status": "ok"}
    client = await ProtocolClient.open(fuzz_host.ws_url)
    await client.send({"type": "start", "graph": "steps", "input": {"delay": 0.01}})
    started = await client.until(lambda m: m.get("type") == "run.started")
    events = await client.run_events(started[-1]["run_id"])
    assert final(events)["type"] == "run.completed"
    await client.close()
