"""The LLM response cache: where it keeps answers, which runs it serves, and how a
cached run's model calls are answered and counted (in-process, with LangChain's
in-memory cache as the backend; tests/llm/test_llm_cache.py drives live hosts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.caches import BaseCache, InMemoryCache
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import END, START, StateGraph
from pydantic import ValidationError
from typing_extensions import TypedDict

from genesis_mesh.llm_cache import HIT_MARK, CacheMode, LLMCache
from genesis_mesh.settings import Settings


def test_the_embedded_cache_is_a_sqlite_file_beside_the_run_store(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.llm_cache == "off"
    assert settings.resolved_llm_cache_url() == f"sqlite:///{tmp_path}/genesis-mesh.llm-cache.db"


def test_a_postgresql_run_store_holds_the_cache_table_through_a_sync_driver() -> None:
    settings = Settings(database_url="postgresql+psycopg://127.0.0.1:5432/gm")
    assert settings.resolved_llm_cache_url() == "postgresql+psycopg://127.0.0.1:5432/gm"
    assert Settings(llm_cache_url="sqlite://").resolved_llm_cache_url() == "sqlite://"


def test_an_unknown_cache_mode_is_refused_with_the_choices() -> None:
    with pytest.raises(ValidationError, match="'off', 'opt-in' or 'on'"):
        Settings(llm_cache="always")


@pytest.mark.parametrize(
    ("mode", "graph", "run", "cached"),
    [
        (CacheMode.OFF, True, True, False),
        (CacheMode.OPT_IN, None, None, False),
        (CacheMode.OPT_IN, True, None, True),
        (CacheMode.OPT_IN, True, False, False),
        (CacheMode.ON, None, None, True),
        (CacheMode.ON, False, None, False),
        (CacheMode.ON, False, True, True),
    ],
)
def test_the_run_then_the_graph_then_the_mode_decide(
    mode: CacheMode, graph: bool | None, run: bool | None, cached: bool
) -> None:
    assert LLMCache(InMemoryCache(), mode).applies_to(graph, run) is cached


class BrokenCache(BaseCache):
    """A backend whose database is gone."""

    def lookup(self, prompt: str, llm_string: str) -> None:
        raise ConnectionError("cache database unreachable")

    def update(self, prompt: str, llm_string: str, return_val: Any) -> None:
        raise ConnectionError("cache database unreachable")

    def clear(self, **kwargs: Any) -> None:
        return None


class State(TypedDict, total=False):
    question: str
    answer: str


def answering_graph(model: GenericFakeChatModel, sync: bool = False) -> Any:
    async def ask(state: State) -> dict[str, Any]:
        return {"answer": (await model.ainvoke([HumanMessage(state["question"])])).text}

    def ask_in_a_thread(state: State) -> dict[str, Any]:
        return {"answer": model.invoke([HumanMessage(state["question"])]).text}

    builder = StateGraph(State)
    builder.add_node("ask", ask_in_a_thread if sync else ask)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile()


def fake_model(*answers: str) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter([AIMessage(a) for a in answers]))


async def run_once(graph: Any) -> tuple[str, list[dict[str, Any]]]:
    parts = [p async for p in graph.astream({"question": "same"}, stream_mode="tasks")]
    results = [p for p in parts if "result" in p]
    return str(results[-1]["result"]["answer"]), results


@pytest.mark.parametrize("sync", [False, True])
async def test_a_cached_run_is_answered_from_the_backend_and_counted_per_task(
    sync: bool,
) -> None:
    cache = LLMCache(InMemoryCache(), CacheMode.ON)
    graph = answering_graph(fake_model("first", "second", "third"), sync)
    with cache.scope("g", None) as tally:
        assert (await run_once(graph))[0] == "first"
    assert tally is not None and tally.totals() == {"hits": 0, "misses": 1}
    with cache.scope("g", None) as tally:
        answer, results = await run_once(graph)
    assert answer == "first"  # not "second": the model was not asked
    assert tally is not None and tally.take(results[-1]["id"]) == {"hits": 1, "misses": 0}
    assert (await run_once(graph))[0] == "second"  # outside a cached run: the model


async def test_a_hit_is_marked_and_costs_no_tokens() -> None:
    from langchain_core.outputs import ChatGeneration

    backend = InMemoryCache()
    cache = LLMCache(backend, CacheMode.ON)
    model = fake_model("first")
    with cache.scope("g", None):
        await model.ainvoke([HumanMessage("q")])
        again = await model.ainvoke([HumanMessage("q")])
    assert again.response_metadata[HIT_MARK[0]] == HIT_MARK[1]
    stored = next(iter(backend._cache.values()))[0]
    assert isinstance(stored, ChatGeneration)
    assert HIT_MARK[0] not in stored.message.response_metadata  # the stored one is untouched


async def test_a_failing_backend_asks_the_model_and_the_run_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = LLMCache(BrokenCache(), CacheMode.ON)
    graph = answering_graph(fake_model("first", "second"))
    with cache.scope("g", None) as tally:
        assert (await run_once(graph))[0] == "first"
        assert (await run_once(graph))[0] == "second"
    assert tally is not None and tally.totals() == {"hits": 0, "misses": 2}
    assert "LLM cache lookup failed" in caplog.text


def test_clearing_the_redis_cache_deletes_its_keys_only() -> None:
    import uuid

    import redis
    from langchain_core.outputs import ChatGeneration

    from genesis_mesh.llm_cache import open_llm_cache
    from tests.scale.conftest import REDIS_URL, require_redis

    require_redis()
    prefix = f"gm_test_llm_cache:{uuid.uuid4().hex[:8]}:"
    other = f"gm_test_other:{uuid.uuid4().hex[:8]}"
    settings = Settings(
        llm_cache="on",
        llm_cache_prefix=prefix,
        redis_url=REDIS_URL,
        database_url="postgresql+psycopg://127.0.0.1:5432/test",
    )
    client = redis.Redis.from_url(REDIS_URL)
    cache = open_llm_cache(settings)
    assert cache is not None
    try:
        client.set(other, "the bus's")
        cache.backend.update("prompt", "model", [ChatGeneration(message=AIMessage("kept"))])
        found = cache.backend.lookup("prompt", "model")
        assert found is not None and found[0].text == "kept"
        assert len(list(client.scan_iter(match=prefix + "*"))) == 1
        cache.clear()
        assert cache.backend.lookup("prompt", "model") is None
        assert client.get(other) == b"the bus's"
    finally:
        client.delete(other)
        cache.close()
        client.close()


def test_an_operators_llm_cache_word_must_be_a_boolean() -> None:
    from genesis_mesh.runner.context import read_policy

    assert read_policy("g", {"llm_cache": False}).defaults == {"llm_cache": False}
    with pytest.raises(ValueError, match=r"GENESIS_MESH_GRAPH_CONTEXT\['g'\] has llm_cache 'yes'"):
        read_policy("g", {"defaults": {"llm_cache": "yes"}})
