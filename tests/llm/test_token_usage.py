"""LLM tokens and latency in /metrics, and the tokens-per-run limit: the real
langchain-openai client against the fake OpenAI-compatible server, in a live host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveHost
from tests.graphs.topical_mesh.conftest import make_repo
from tests.llm.conftest import LLM_CONFIG, llm_env
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.observability.helpers import scrape, scrape_until, value

TOKENS = "genesis_mesh_llm_tokens_total"
CALLS = "genesis_mesh_llm_request_duration_seconds_count"


@pytest.fixture
def limited_host(tmp_path: Path, fake: FakeOpenAI) -> Iterator[LiveHost]:
    """A host whose runs may use 50 LLM tokens each (not started: add `env`, `start()`)."""
    live = LiveHost(tmp_path, config=LLM_CONFIG)
    live.env = llm_env(fake, GENESIS_MESH_LLM_MAX_TOKENS_PER_RUN="50")
    yield live
    live.stop()


def ask(http: httpx.Client, live: LiveHost, status: str) -> dict[str, object]:
    run = http.post("/api/v1/runs", json={"graph": "echo", "input": {"question": "q"}}).json()
    return live.wait_for_status(str(run["run_id"]), {status})


def test_tokens_and_latency_are_counted_by_model(llm_host: LiveHost, fake: FakeOpenAI) -> None:
    fake.then(Reply(tokens=[f"w{i} " for i in range(30)]))
    with llm_host.client() as http:
        before = scrape(http)
        ask(http, llm_host, "succeeded")
        after = scrape_until(http, lambda s: value(s, CALLS, model="fake-model", outcome="ok")
                             > value(before, CALLS, model="fake-model", outcome="ok"))  # fmt: skip

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert fake.requests[-1]["stream_options"] == {"include_usage": True}
    assert grew(TOKENS, model="fake-model", kind="output") == 30
    assert grew(TOKENS, model="fake-model", kind="input") == fake.prompt_tokens
    assert grew(CALLS, model="fake-model", outcome="ok") == 1
    first_token = "genesis_mesh_llm_time_to_first_token_seconds_count"
    assert grew(first_token, model="fake-model") == 1
    assert grew("genesis_mesh_llm_request_duration_seconds_sum", model="fake-model",
                outcome="ok") > 0  # fmt: skip


def test_a_run_over_its_token_limit_fails_and_names_the_setting(
    limited_host: LiveHost, fake: FakeOpenAI
) -> None:
    limited_host.start()
    fake.then(Reply(tokens=[f"w{i} " for i in range(20)]), Reply(tokens=["x "] * 100))
    with limited_host.client() as http:
        under = ask(http, limited_host, "succeeded")  # 10 + 20 tokens
        over = ask(http, limited_host, "failed")  # 10 + 100 tokens
        events = http.get(f"/api/v1/runs/{over['run_id']}/events").json()
        samples = scrape(http)
    assert under["output"] == {"question": "q", "answer": "".join(f"w{i} " for i in range(20))}
    error = over["error"]
    assert isinstance(error, dict)
    assert error["type"] == "LLMTokenLimitExceeded"
    assert "GENESIS_MESH_LLM_MAX_TOKENS_PER_RUN" in error["message"]
    assert "used 110 LLM tokens, over the limit of 50" in error["message"]
    failed = [e for e in events if e["type"] == "node.failed"]
    assert [e["node"] for e in failed] == ["answer"]
    assert events[-1]["type"] == "run.failed"
    assert value(samples, "genesis_mesh_llm_token_limit_exceeded_total") == 1


def test_without_usage_reports_tokens_are_estimated_and_still_limited(
    limited_host: LiveHost, fake: FakeOpenAI
) -> None:
    limited_host.env["GENESIS_MESH_LLM_STREAM_USAGE"] = "false"
    limited_host.start()
    fake.then(Reply(tokens=["four"] * 10), Reply(tokens=["four"] * 60))
    with limited_host.client() as http:
        ask(http, limited_host, "succeeded")  # about 10 output tokens and 1 input token
        over = ask(http, limited_host, "failed")  # 240 characters: about 60 tokens
        samples = scrape(http)
    assert "stream_options" not in fake.requests[-1]
    assert "GENESIS_MESH_LLM_MAX_TOKENS_PER_RUN" in str(over["error"])
    assert value(samples, TOKENS, model="fake-model", kind="output") == 10 + 60


async def test_a_graph_that_catches_the_limit_error_still_fails(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    """topical_mesh keeps its report when the model errs; over the limit, the run fails."""
    fake.default = lambda _body, _n: Reply(tokens=["word "] * 80)
    site = make_repo(
        tmp_path / "site",
        {"index.md": "# Home\n\n[A](a.md)\n", "a.md": "# A\n\n[Home](index.md)\n"},
    )
    host = LiveHost(tmp_path / "host", config=LLM_CONFIG)
    (tmp_path / "host").mkdir()
    host.env = llm_env(fake, GENESIS_MESH_LLM_MAX_TOKENS_PER_RUN="50") | {
        "GENESIS_MESH_GRAPH_CONTEXT": json.dumps(
            {"topical_mesh": {"allow_local_sources": True, "workdir": str(tmp_path / "work")}}
        )
    }
    host.start()
    try:
        with host.client() as http:
            run = http.post(
                "/api/v1/runs", json={"graph": "topical_mesh", "input": {"repo_url": str(site)}}
            ).json()
            done = host.wait_for_status(run["run_id"], {"succeeded", "failed"}, timeout=60)
    finally:
        host.stop()
    assert done["status"] == "failed"
    assert done["error"]["type"] == "LLMTokenLimitExceeded"
    assert "GENESIS_MESH_LLM_MAX_TOKENS_PER_RUN" in done["error"]["message"]
    assert len(fake.requests) == 1  # the second call was refused before it was sent
