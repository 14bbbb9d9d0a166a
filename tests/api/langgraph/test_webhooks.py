"""Webhooks: a run's `webhook` gets a POST when it ends, under the SSRF rules; received by
a real HTTP server on loopback, which the host may reach only because the test lists it.
A stateless run's thread goes once its webhook was sent, also after a kill -9."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import UnprocessableEntityError

from genesis_mesh.api.langgraph.webhooks import WebhookRefused, check_url, deliver
from genesis_mesh.settings import Settings
from tests.api.langgraph.conftest import thread_gone
from tests.conftest import LiveHost
from tests.scale.conftest import Cluster, make_cluster, wait_until

NODES = ["one", "two", "three", "four", "five"]


class Receiver:
    """An HTTP server on 127.0.0.1 that records each request; `answers` scripts replies."""

    def __init__(self) -> None:
        self.requests: queue.Queue[tuple[str, dict[str, str], Any]] = queue.Queue()
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.hold = False  # received, but no answer until `release` (a delivery in flight)
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.put((self.path, dict(self.headers), json.loads(body or b"null")))
                if receiver.hold:
                    receiver.release.wait(60)
                status, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                del args

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def next(self) -> tuple[str, dict[str, str], Any]:
        return self.requests.get(timeout=60)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHost]:
    live = LiveHost(tmp_path_factory.mktemp("webhooks"))
    live.env = {
        "GENESIS_MESH_WEBHOOK_ALLOW_HTTP": "true",
        "GENESIS_MESH_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }
    try:
        yield live.start(timeout=120)
    finally:
        live.stop()


@pytest.fixture
async def client(host: LiveHost) -> AsyncIterator[LangGraphClient]:
    async with get_client(url=host.base_url, api_key=None) as sdk:
        yield sdk


async def test_a_finished_run_posts_itself_and_its_values_to_its_webhook(
    client: LangGraphClient, receiver: Receiver
) -> None:
    thread = await client.threads.create()
    run = await client.runs.create(
        thread["thread_id"], "steps", input={}, webhook=receiver.url("/hook?token=t1")
    )
    path, headers, body = receiver.next()
    assert path == "/hook?token=t1"
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert (body["run_id"], body["thread_id"]) == (run["run_id"], thread["thread_id"])
    assert body["status"] == "success" and body["values"] == {"visited": NODES}
    assert body["webhook_sent_at"]


async def test_a_failed_run_posts_its_error(client: LangGraphClient, receiver: Receiver) -> None:
    await client.runs.create(None, "failing", input={}, webhook=receiver.url("/failed"))
    path, _, body = receiver.next()
    assert path == "/failed" and body["status"] == "error"
    assert body["values"]["__error__"]["message"] and body["error"]


@pytest.mark.parametrize("answer", [200, 404])
async def test_a_stateless_run_deletes_its_thread_once_its_webhook_was_sent_or_given_up(
    client: LangGraphClient, receiver: Receiver, answer: int
) -> None:
    receiver.answers = [(answer, {})]  # a 404 is not retried: the webhook is given up on
    run = await client.runs.create(None, "steps", input={}, webhook=receiver.url("/temp"))
    path, _, body = await asyncio.to_thread(receiver.next)
    assert path == "/temp" and body["thread_id"] == run["thread_id"]
    assert body["status"] == "success" and body["values"] == {"visited": NODES}
    assert await thread_gone(client, run["thread_id"])


async def test_a_stateless_run_with_a_webhook_and_keep_keeps_its_thread(
    client: LangGraphClient, receiver: Receiver
) -> None:
    run = await client.runs.create(
        None, "steps", input={}, webhook=receiver.url("/keep"), on_completion="keep"
    )
    _, _, body = await asyncio.to_thread(receiver.next)
    assert body["run_id"] == run["run_id"]
    await asyncio.sleep(0.5)  # past when a deletion would have happened
    state = await client.threads.get_state(run["thread_id"])
    assert state["values"] == {"visited": NODES}


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://127.0.0.1/x", "http"),
        ("http://10.0.0.7/hook", "not a public address"),
        ("http://127.0.0.2/hook", "not a public address"),
        ("http://[::1]/hook", "not a public address"),
        ("http://169.254.169.254/latest", "not a public address"),
        ("http://u:p@127.0.0.1/hook", "credentials"),
        ("http://127.0.0.1:99999/hook", "not a URL"),
    ],
)
async def test_a_webhook_the_rules_refuse_is_a_422_and_no_run_starts(
    client: LangGraphClient, url: str, why: str
) -> None:
    thread = await client.threads.create()
    with pytest.raises(UnprocessableEntityError, match=why):
        await client.runs.create(thread["thread_id"], "steps", input={}, webhook=url)
    assert await client.runs.list(thread["thread_id"]) == []


def _webhook_host(tmp_path: Path) -> LiveHost:
    """A host of this test alone that may post webhooks to the loopback receiver."""
    live = LiveHost(tmp_path)
    live.env = {
        "GENESIS_MESH_WEBHOOK_ALLOW_HTTP": "true",
        "GENESIS_MESH_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }
    return live


@pytest.mark.slow
async def test_a_run_whose_server_was_killed_posts_its_webhook_once_after_recovery(
    receiver: Receiver, tmp_path: Path
) -> None:
    live = _webhook_host(tmp_path)
    try:
        live.start(timeout=120)
        async with get_client(url=live.base_url, api_key=None) as sdk:
            thread = await sdk.threads.create()
            run = await sdk.runs.create(
                thread["thread_id"], "steps", input={"delay": 1.0}, webhook=receiver.url("/kill")
            )
            for _ in range(200):  # mid-run: a node done, the run still going
                state = await sdk.threads.get_state(thread["thread_id"])
                if (state["values"] or {}).get("visited"):
                    break
                await asyncio.sleep(0.05)
        assert receiver.requests.empty()  # not before the run ended
        live.kill()
        live.start(timeout=120)
        path, _, body = await asyncio.to_thread(receiver.next)
        assert path == "/kill" and body["run_id"] == run["run_id"]
        assert body["status"] == "success" and body["values"]["visited"] == NODES
        await asyncio.sleep(3)  # a second POST (from either process) would have come by now
        assert receiver.requests.empty()
    finally:
        live.stop()


@pytest.mark.slow
async def test_a_killed_stateless_runs_webhook_is_sent_and_then_its_thread_deleted(
    receiver: Receiver, tmp_path: Path
) -> None:
    live = _webhook_host(tmp_path)
    try:
        live.start(timeout=120)
        async with get_client(url=live.base_url, api_key=None) as sdk:
            run = await sdk.runs.create(
                None, "steps", input={"delay": 1.0}, webhook=receiver.url("/killtemp")
            )
            for _ in range(200):  # mid-run: a node done, the run still going
                state = await sdk.threads.get_state(run["thread_id"])
                if (state["values"] or {}).get("visited"):
                    break
                await asyncio.sleep(0.05)
        live.kill()
        live.start(timeout=120)
        path, _, body = await asyncio.to_thread(receiver.next)
        assert path == "/killtemp" and body["run_id"] == run["run_id"]
        assert body["status"] == "success" and body["values"]["visited"] == NODES
        async with get_client(url=live.base_url, api_key=None) as sdk:
            assert await thread_gone(sdk, run["thread_id"])
    finally:
        live.stop()


@pytest.mark.slow
async def test_a_webhook_whose_server_was_killed_while_posting_it_is_posted_after_restart(
    tmp_path: Path,
) -> None:
    """At least once: claimed, posted, killed before the answer; the restart posts it."""
    hook = Receiver()
    hook.hold = True
    live = _webhook_host(tmp_path)
    try:
        live.start(timeout=120)
        async with get_client(url=live.base_url, api_key=None) as sdk:
            thread = await sdk.threads.create()
            run = await sdk.runs.create(
                thread["thread_id"], "steps", input={}, webhook=hook.url("/again")
            )
        _, _, first = await asyncio.to_thread(hook.next)  # in flight: no answer yet
        assert first["run_id"] == run["run_id"]
        live.kill()
        hook.hold = False
        live.start(timeout=120)
        path, _, body = await asyncio.to_thread(hook.next)
        assert path == "/again" and body["run_id"] == run["run_id"]  # receivers dedupe by it
        assert body["status"] == "success" and body["values"] == {"visited": NODES}
        await asyncio.sleep(3)  # answered: owed no more, so no third POST
        assert hook.requests.empty()
    finally:
        hook.close()
        live.stop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """One API process and one standalone worker (scale-out), allowed the receiver."""
    yield from make_cluster(
        tmp_path,
        apis=1,
        workers=1,
        GENESIS_MESH_WEBHOOK_ALLOW_HTTP="true",
        GENESIS_MESH_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
    )


def _thread_rows(cluster: Cluster, thread_ids: list[str]) -> int:
    import psycopg

    with psycopg.connect(f"postgresql://127.0.0.1:5432/{cluster.database}") as conn:
        found = conn.execute("SELECT count(*) FROM threads WHERE id = ANY(%s)", (thread_ids,))
        row = found.fetchone()
    return int(row[0]) if row else 0


@pytest.mark.slow
async def test_a_standalone_worker_sends_the_webhook_and_deletes_the_stateless_thread(
    cluster: Cluster, receiver: Receiver
) -> None:
    """No API process is left when the worker runs them: the worker follows them up.
    (A run whose answer the API reads, `runs.wait`, has its thread deleted by the API once
    it has read it, not by the worker ending the run under it.)"""
    async with get_client(url=cluster.apis[0].base_url, api_key=None) as sdk:
        created: list[Any] = []
        waited = await sdk.runs.wait(None, "steps", input={}, on_run_created=created.append)
        assert waited == {"visited": NODES}
        assert await thread_gone(sdk, created[0]["thread_id"])
        hooked = await sdk.runs.create(
            None, "steps", input={}, webhook=receiver.url("/worker"), after_seconds=1
        )
        plain = await sdk.runs.create(None, "steps", input={}, after_seconds=1)
    cluster.apis[0].kill()
    path, _, body = await asyncio.to_thread(receiver.next)
    assert path == "/worker" and body["run_id"] == hooked["run_id"]
    assert body["status"] == "success" and body["values"] == {"visited": NODES}
    threads = [hooked["thread_id"], plain["thread_id"]]
    wait_until(lambda: _thread_rows(cluster, threads) == 0, 30, "both stateless threads gone")
    assert "claimed run " + plain["run_id"] in cluster.workers[0].log()
    await asyncio.sleep(1)
    assert receiver.requests.empty()


def test_by_default_only_https_to_public_addresses_is_accepted() -> None:
    settings = Settings()
    assert check_url("https://hooks.example.com/x", settings) == (
        "https",
        "hooks.example.com",
        443,
    )
    with pytest.raises(WebhookRefused, match="use https"):
        check_url("http://hooks.example.com/x", settings)
    with pytest.raises(WebhookRefused, match="not a public address"):
        check_url("https://127.0.0.1/x", settings)
    with pytest.raises(WebhookRefused, match="not a public address"):
        check_url("https://[::ffff:127.0.0.1]/x", settings)


async def test_a_host_name_resolving_to_loopback_is_refused_when_sent(receiver: Receiver) -> None:
    settings = Settings(webhook_allow_http=True, webhook_allowed_hosts=[])
    check_url(f"http://localhost:{receiver.port}/x", settings)  # a name: checked when sent
    assert not await deliver(f"http://localhost:{receiver.port}/x", {}, settings)
    assert receiver.requests.empty()


async def test_delivery_retries_a_5xx_and_never_follows_a_redirect(receiver: Receiver) -> None:
    settings = Settings(webhook_allow_http=True, webhook_allowed_hosts=["127.0.0.1"])
    receiver.answers = [(503, {}), (502, {}), (200, {})]
    assert await deliver(receiver.url("/retry"), {"n": 1}, settings)
    assert [receiver.next()[0] for _ in range(3)] == ["/retry"] * 3
    receiver.answers = [(302, {"Location": receiver.url("/elsewhere")})]
    assert not await deliver(receiver.url("/moved"), {"n": 2}, settings)
    assert receiver.next()[0] == "/moved"
    assert receiver.requests.empty()  # the redirect's target was never asked
