"""The opt-in LLM response cache: the real langchain-openai client against the fake
OpenAI-compatible server, in live hosts on SQLite, and on PostgreSQL + Redis."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import LiveHost
from tests.graphs.topical_mesh.conftest import make_repo
from tests.llm.conftest import LLM_CONFIG, llm_env
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.observability.helpers import scrape, scrape_until, value
from tests.postgres import create_database, drop_database
from tests.scale.conftest import require_redis

LOOKUPS = "genesis_mesh_llm_cache_lookups_total"
TOKENS = "genesis_mesh_llm_tokens_total"
FIXTURES = LLM_CONFIG.parent


def answer_topical(body: dict[str, Any], _number: int) -> Reply:
    if "JSON object mapping" in body["messages"][-1]["content"]:
        return Reply(tokens=["{}"])
    return Reply(tokens=["The ", "site ", "needs ", "more ", "links."])


def topical_host(tmp_path: Path, fake: FakeOpenAI, **env: str) -> LiveHost:
    host = LiveHost(tmp_path / "host", config=LLM_CONFIG)
    (tmp_path / "host").mkdir()
    context = {"topical_mesh": {"allow_local_sources": True, "workdir": str(tmp_path / "work")}}
    host.env = llm_env(fake, **env) | {"GENESIS_MESH_GRAPH_CONTEXT": json.dumps(context)}
    return host


def run_to_end(
    http: httpx.Client, host: LiveHost, graph: str, payload: dict[str, Any], **extra: Any
) -> list[dict[str, Any]]:
    """Start a run on a new thread, wait for its end, and return its events."""
    run = http.post("/api/v1/runs", json={"graph": graph, "input": payload, **extra}).json()
    done = host.wait_for_status(str(run["run_id"]), {"succeeded", "failed"}, timeout=60)
    assert done["status"] == "succeeded", done
    events: list[dict[str, Any]] = http.get(f"/api/v1/runs/{run['run_id']}/events").json()
    return events


def cache_counts(events: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(per node: its `llm_cache`, the run's `llm_cache`)."""
    nodes = {
        e["node"]: e["data"]["llm_cache"]
        for e in events
        if e["type"] == "node.completed" and "llm_cache" in e["data"]
    }
    return nodes, events[-1]["data"].get("llm_cache")


def test_a_second_identical_topical_mesh_run_is_answered_from_the_cache(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.default = answer_topical
    site = make_repo(
        tmp_path / "site",
        {"index.md": "# Home\n\n[A](a.md)\n", "a.md": "# A\n\n[Home](index.md)\n"},
    )
    host = topical_host(tmp_path, fake, GENESIS_MESH_LLM_CACHE="on")
    host.start()
    try:
        with host.client() as http:
            first = run_to_end(http, host, "topical_mesh", {"repo_url": str(site)})
            calls = len(fake.requests)
            before = scrape_until(
                http, lambda s: value(s, LOOKUPS, graph="topical_mesh", outcome="miss") == calls
            )
            second = run_to_end(http, host, "topical_mesh", {"repo_url": str(site)})
            after = scrape_until(
                http, lambda s: value(s, LOOKUPS, graph="topical_mesh", outcome="hit") == calls
            )
    finally:
        host.stop()
    assert calls >= 1  # the executive summary (and the rewording, with recommendations)
    assert len(fake.requests) == calls  # the second run asked the server nothing
    assert (tmp_path / "host" / "data" / "genesis-mesh.llm-cache.db").is_file()
    missed, hit = {"hits": 0, "misses": calls}, {"hits": calls, "misses": 0}
    assert cache_counts(first) == ({"write": missed}, missed)
    assert cache_counts(second) == ({"write": hit}, hit)
    output = second[-1]["data"]["output"]
    assert output["executive_summary"] == first[-1]["data"]["output"]["executive_summary"]
    assert output["executive_summary"] == "The site needs more links."
    # a cached answer costs no tokens
    assert value(after, TOKENS, model="fake-model", kind="output") == value(
        before, TOKENS, model="fake-model", kind="output"
    )
    deltas = [e for e in second if e["type"] == "message.delta"]
    assert "The site needs more links." in "".join(d["data"]["text"] for d in deltas)


def test_without_the_cache_the_second_run_asks_the_server_again(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.default = answer_topical
    site = make_repo(tmp_path / "site", {"index.md": "# Home\n\n[A](a.md)\n", "a.md": "# A\n"})
    host = topical_host(tmp_path, fake)  # GENESIS_MESH_LLM_CACHE defaults to off
    host.start()
    try:
        with host.client() as http:
            first = run_to_end(http, host, "topical_mesh", {"repo_url": str(site)})
            calls = len(fake.requests)
            second = run_to_end(http, host, "topical_mesh", {"repo_url": str(site)})
            samples = scrape(http)
    finally:
        host.stop()
    assert calls >= 1
    assert len(fake.requests) == 2 * calls
    assert cache_counts(first) == ({}, None) and cache_counts(second) == ({}, None)
    assert not [k for k in samples if k[0] == LOOKUPS]


def write_config(tmp_path: Path, echo: dict[str, Any]) -> Path:
    """A langgraph.json with two echo graphs: `echo` as given, `plain` without a word."""
    config = tmp_path / "langgraph.json"
    path = str(FIXTURES / "echo.py") + ":graph"
    config.write_text(json.dumps({"graphs": {"echo": {"path": path, **echo}, "plain": path}}))
    return config


def ask_twice(
    http: httpx.Client, host: LiveHost, graph: str, question: str = "same question", **extra: Any
) -> list[str]:
    """The answers of two runs asking the same question."""
    return [
        run_to_end(http, host, graph, {"question": question}, **extra)[-1]["data"]["output"][
            "answer"
        ]
        for _ in range(2)
    ]


def test_opt_in_caches_only_the_graphs_that_ask_and_a_run_can_refuse(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    host = LiveHost(tmp_path / "host", config=write_config(tmp_path, {"llm_cache": True}))
    (tmp_path / "host").mkdir()
    host.env = llm_env(fake, GENESIS_MESH_LLM_CACHE="opt-in")
    host.start()
    try:
        with host.client() as http:
            first, second = ask_twice(http, host, "echo")
            assert len(fake.requests) == 1 and second == first
            ask_twice(http, host, "plain")
            assert len(fake.requests) == 3
            ask_twice(http, host, "echo", config={"metadata": {"llm_cache": False}})
            assert len(fake.requests) == 5
    finally:
        host.stop()


def test_on_caches_every_graph_but_one_that_says_no(fake: FakeOpenAI, tmp_path: Path) -> None:
    host = LiveHost(tmp_path / "host", config=write_config(tmp_path, {"llm_cache": False}))
    (tmp_path / "host").mkdir()
    host.env = llm_env(fake, GENESIS_MESH_LLM_CACHE="on")
    host.start()
    try:
        with host.client() as http:
            ask_twice(http, host, "plain")
            assert len(fake.requests) == 1
            ask_twice(http, host, "echo")
            assert len(fake.requests) == 3
    finally:
        host.stop()


def test_scale_out_caches_in_redis_under_its_prefix(fake: FakeOpenAI, tmp_path: Path) -> None:
    import redis

    require_redis()
    database = create_database()
    prefix = f"gm_test_llm_cache:{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    host = LiveHost(tmp_path / "host", config=LLM_CONFIG)
    (tmp_path / "host").mkdir()
    host.env = llm_env(
        fake,
        GENESIS_MESH_LLM_CACHE="on",
        GENESIS_MESH_LLM_CACHE_PREFIX=prefix,
        GENESIS_MESH_LLM_CACHE_TTL_SECONDS="600",
        GENESIS_MESH_DATABASE_URL=f"postgresql+psycopg://127.0.0.1:5432/{database}",
        GENESIS_MESH_REDIS_URL="redis://127.0.0.1:6379/0",
        GENESIS_MESH_DATA_DIR=str(tmp_path / "data"),
    )
    try:
        host.start()
        with host.client() as http:
            first, second = ask_twice(http, host, "echo")
            samples = scrape_until(
                http, lambda s: value(s, LOOKUPS, graph="echo", outcome="hit") == 1
            )
        keys = list(client.scan_iter(match=prefix + "*"))
        assert len(fake.requests) == 1
        assert second == first and first.startswith("t1.0 ")  # the answer, revived whole
        assert value(samples, LOOKUPS, graph="echo", outcome="miss") == 1
        assert len(keys) == 1
        assert 0 < int(client.ttl(keys[0])) <= 600
    finally:
        host.stop()
        for key in client.scan_iter(match=prefix + "*"):
            client.delete(key)
        client.close()
        drop_database(database)


def test_on_postgresql_the_cache_is_a_table_of_the_hosts_database(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    import psycopg

    database = create_database()
    host = LiveHost(tmp_path / "host", config=LLM_CONFIG)
    (tmp_path / "host").mkdir()
    host.env = llm_env(
        fake,
        GENESIS_MESH_LLM_CACHE="on",
        GENESIS_MESH_DATABASE_URL=f"postgresql+psycopg://127.0.0.1:5432/{database}",
    )
    try:
        host.start()
        with host.client() as http:
            first, second = ask_twice(http, host, "echo")
        with psycopg.connect(f"postgresql://127.0.0.1:5432/{database}") as conn:
            rows = conn.execute("SELECT count(*) FROM full_llm_cache").fetchone()
        assert len(fake.requests) == 1 and second == first
        assert rows == (1,)
        assert not (tmp_path / "host" / "data" / "genesis-mesh.llm-cache.db").exists()
    finally:
        host.stop()
        drop_database(database)


def test_the_ttl_setting_ages_the_embedded_hosts_answers(fake: FakeOpenAI, tmp_path: Path) -> None:
    import sqlite3

    host = LiveHost(tmp_path / "host", config=write_config(tmp_path, {}))
    (tmp_path / "host").mkdir()
    host.env = llm_env(fake, GENESIS_MESH_LLM_CACHE="on", GENESIS_MESH_LLM_CACHE_TTL_SECONDS="600")
    cache_file = tmp_path / "host" / "data" / "genesis-mesh.llm-cache.db"
    host.start()
    try:
        with host.client() as http:
            first, second = ask_twice(http, host, "echo")
            assert len(fake.requests) == 1 and second == first
            with sqlite3.connect(cache_file) as conn:  # the answer was stored 601 s ago
                conn.execute("UPDATE full_llm_cache SET stored_at = stored_at - 601")
            third, fourth = ask_twice(http, host, "echo")
        with sqlite3.connect(cache_file) as conn:
            (stored_at,) = conn.execute("SELECT max(stored_at) FROM full_llm_cache").fetchone()
    finally:
        host.stop()
    assert len(fake.requests) == 2  # asked again once, then served the new answer
    assert third != first and fourth == third
    assert abs(time.time() - stored_at) < 60


def test_the_operators_context_for_a_graph_overrides_its_langgraph_json_word(
    fake: FakeOpenAI, tmp_path: Path
) -> None:
    host = LiveHost(tmp_path / "host", config=write_config(tmp_path, {"llm_cache": False}))
    (tmp_path / "host").mkdir()
    context = {
        "echo": {"defaults": {"llm_cache": True}, "locked": ["llm_cache"]},
        "plain": {"llm_cache": True},
    }
    host.env = llm_env(
        fake, GENESIS_MESH_LLM_CACHE="opt-in", GENESIS_MESH_GRAPH_CONTEXT=json.dumps(context)
    )
    refuse = {"config": {"metadata": {"llm_cache": False}}}
    host.start()
    try:
        with host.client() as http:
            ask_twice(http, host, "echo")
            assert len(fake.requests) == 1  # langgraph.json says no, the operator yes
            ask_twice(http, host, "echo", **refuse)
            assert len(fake.requests) == 1  # the operator locked it: the run cannot refuse
            ask_twice(http, host, "plain", "another question")  # (echo's would be a hit)
            assert len(fake.requests) == 2
            ask_twice(http, host, "plain", "another question", **refuse)
            assert len(fake.requests) == 4  # not locked: the run's word wins
    finally:
        host.stop()
