"""The SQL LLM cache's time to live, on SQLite and on PostgreSQL: the real langchain-openai
client against the fake OpenAI server, with the cache's clock moved by the test."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.outputs import ChatGeneration
from sqlalchemy import create_engine, text

from genesis_mesh.llm import LLMSettings, build_chat_model
from genesis_mesh.llm_cache import HIT_MARK, LLMCache, open_llm_cache
from genesis_mesh.settings import Settings
from tests.llm.fake_openai import FakeOpenAI
from tests.postgres import create_database, drop_database

TTL = 60


@dataclass
class Clock:
    """Seconds since the epoch, as far as the cache knows; moved by the test."""

    now: float = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def cache_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/llm-cache.db"
        return
    database = create_database()
    try:
        yield f"postgresql+psycopg://127.0.0.1:5432/{database}"
    finally:
        drop_database(database)


def open_cache(url: str, clock: Clock, ttl: int = TTL) -> LLMCache:
    settings = Settings(llm_cache="on", llm_cache_url=url, llm_cache_ttl_seconds=ttl)
    cache = open_llm_cache(settings, clock=clock)
    assert cache is not None
    return cache


async def ask(cache: LLMCache, fake: FakeOpenAI, question: str = "same question") -> AIMessage:
    model = build_chat_model(
        LLMSettings(model="fake-model", base_url=fake.base_url, timeout=5, max_retries=0)
    )
    with cache.scope("g", None):
        answer = await model.ainvoke([HumanMessage(question)])
    assert isinstance(answer, AIMessage)
    return answer


def rows(url: str) -> dict[str, float | None]:
    """The cache table's rows: prompt → stored_at."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT prompt, stored_at FROM full_llm_cache")).all()
    finally:
        engine.dispose()
    return {str(prompt): stored_at for prompt, stored_at in found}


async def test_an_answer_is_served_within_the_ttl_and_asked_for_again_after_it(
    cache_url: str, fake: FakeOpenAI
) -> None:
    clock = Clock()
    cache = open_cache(cache_url, clock)
    try:
        first = await ask(cache, fake)
        clock.now += TTL - 1
        within = await ask(cache, fake)
        assert len(fake.requests) == 1
        assert within.text == first.text and within.response_metadata[HIT_MARK[0]] == HIT_MARK[1]
        clock.now += 2  # the answer is TTL + 1 seconds old
        after = await ask(cache, fake)
        assert len(fake.requests) == 2
        assert after.text != first.text and HIT_MARK[0] not in after.response_metadata
        assert list(rows(cache_url).values()) == [clock.now]  # the new answer, stored now
        clock.now += TTL - 1
        assert (await ask(cache, fake)).text == after.text
        assert len(fake.requests) == 2
    finally:
        cache.close()


async def test_expired_answers_are_deleted_as_answers_are_stored_and_on_open(
    cache_url: str, fake: FakeOpenAI
) -> None:
    clock = Clock()
    start = clock.now
    cache = open_cache(cache_url, clock)
    try:
        await ask(cache, fake, "old")
        clock.now += TTL / 2
        await ask(cache, fake, "recent")
        clock.now = start + TTL + 1
        await ask(cache, fake, "new")  # a TTL after the last pruning: prunes
        left = rows(cache_url)
    finally:
        cache.close()
    assert len(fake.requests) == 3
    assert sorted(left.values()) == [start + TTL / 2, start + TTL + 1]
    clock.now = start + TTL * 2 + 1
    open_cache(cache_url, clock).close()
    assert list(rows(cache_url).values()) == [start + TTL + 1]


async def test_with_a_ttl_of_zero_answers_are_kept_for_ever(
    cache_url: str, fake: FakeOpenAI
) -> None:
    clock = Clock()
    cache = open_cache(cache_url, clock, ttl=0)
    try:
        first = await ask(cache, fake)
        clock.now += 10 * 365 * 86_400
        again = await ask(cache, fake)
    finally:
        cache.close()
    open_cache(cache_url, clock, ttl=0).close()
    assert len(fake.requests) == 1 and again.text == first.text
    assert len(rows(cache_url)) == 1


def fill_an_old_table(url: str) -> None:
    """A `full_llm_cache` as langchain-community makes it (no `stored_at`), one answer in."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.cache import SQLAlchemyCache

    engine = create_engine(url)
    try:
        old = SQLAlchemyCache(engine)
        old.update("a prompt", "a model", [ChatGeneration(message=AIMessage("from before"))])
    finally:
        engine.dispose()


@pytest.mark.parametrize("ttl", [0, TTL])
def test_a_table_from_before_the_ttl_gets_its_column_and_ages_its_rows(
    cache_url: str, ttl: int
) -> None:
    fill_an_old_table(cache_url)
    cache = open_cache(cache_url, Clock(), ttl=ttl)
    try:
        found = cache.backend.lookup("a prompt", "a model")
    finally:
        cache.close()
    if ttl:  # of unknown age: expired, and deleted when the cache opened
        assert found is None and rows(cache_url) == {}
    else:
        assert found is not None and found[0].text == "from before"
        assert rows(cache_url) == {"a prompt": None}
