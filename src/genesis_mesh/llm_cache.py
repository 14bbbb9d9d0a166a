"""The opt-in LLM response cache: an identical model call of a cached run is answered from
the host's database (or Redis in the scale-out mode) instead of the provider.

LangChain consults one process-wide cache (`set_llm_cache`) for every chat model whose
`cache` is None, and graphs never import the host, so the host installs one dispatcher,
`RunScopedCache`. It delegates only inside a run that `LLMCache.scope` marked as cached
(a context variable, which LangGraph copies into every node's task and thread); any other
call goes to the cache that was installed before it, if any. The backends are
langchain-community's `SQLAlchemyCache` (with a time to live: `llm_cache_sql`) and
`RedisCache`. Keys are the prompt and the model's parameters, as LangChain computes them;
`astream()` never consults a cache, only `invoke`/`ainvoke` (which still stream tokens
through the callbacks).

A hit's message gets `response_metadata["genesis_cache"] = "hit"`; `TokenMeter` counts no
tokens or latency for it. Lookups are counted per node task (`node.completed` carries
`llm_cache`), per run (`run.completed`), and in `/metrics`
(`genesis_mesh_llm_cache_lookups_total`).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from langchain_core.caches import RETURN_VAL_TYPE, BaseCache
from langchain_core.globals import get_llm_cache, set_llm_cache
from langchain_core.outputs import ChatGeneration
from langchain_core.runnables.config import var_child_runnable_config

from genesis_mesh.llm_cache_sql import expiring_sql_cache
from genesis_mesh.observability.llm_usage import CACHE_HIT_MARK
from genesis_mesh.observability.metrics import get_metrics

if TYPE_CHECKING:
    from genesis_mesh.settings import Settings

__all__ = [
    "HIT_MARK",
    "LLM_CACHE_KEY",
    "CacheMode",
    "CacheTally",
    "LLMCache",
    "RunScopedCache",
    "current_tally",
    "open_llm_cache",
]

logger = logging.getLogger(__name__)

LLM_CACHE_KEY = "llm_cache"
"""The key of a graph's word (langgraph.json entry, operator's context) and a run's
(`config.metadata`) on the cache."""

HIT_MARK = CACHE_HIT_MARK
"""The `response_metadata` key and value a cached answer's message carries."""


class CacheMode(StrEnum):
    """`GENESIS_MESH_LLM_CACHE`: which graphs' runs are cached."""

    OFF = "off"
    """None, whatever langgraph.json says."""
    OPT_IN = "opt-in"
    """Graphs whose langgraph.json entry has `"llm_cache": true`."""
    ON = "on"
    """Every graph but those with `"llm_cache": false`."""


@dataclass
class CacheTally:
    """Hits and misses of one run, in total and per node task (thread-safe: sync nodes
    call their models from worker threads)."""

    hits: int = 0
    misses: int = 0
    _tasks: dict[str, list[int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, task_id: str | None, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1
            if task_id is not None:
                counts = self._tasks.setdefault(task_id, [0, 0])
                counts[0 if hit else 1] += 1

    def take(self, task_id: str) -> dict[str, int] | None:
        """The task's `{"hits", "misses"}` (None: it looked nothing up), forgotten after."""
        with self._lock:
            counts = self._tasks.pop(task_id, None)
        return None if counts is None else {"hits": counts[0], "misses": counts[1]}

    def totals(self) -> dict[str, int] | None:
        """The run's `{"hits", "misses"}` so far (None: nothing was looked up)."""
        with self._lock:
            if not self.hits and not self.misses:
                return None
            return {"hits": self.hits, "misses": self.misses}


@dataclass(frozen=True)
class _Scope:
    backend: BaseCache
    graph: str
    tally: CacheTally


_SCOPE: ContextVar[_Scope | None] = ContextVar("genesis_llm_cache", default=None)


def current_tally() -> CacheTally | None:
    """The tally of the cached run whose task this is (None: not a cached run)."""
    scope = _SCOPE.get()
    return None if scope is None else scope.tally


class RunScopedCache(BaseCache):
    """The process's LangChain cache: the current run's backend when the run is cached,
    else `fallback` (the cache installed before, usually none). A failing backend never
    fails the run: the call goes to the model, and its answer is not kept."""

    def __init__(self, fallback: BaseCache | None = None) -> None:
        self.fallback = fallback

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        scope = _SCOPE.get()
        if scope is None:
            return None if self.fallback is None else self.fallback.lookup(prompt, llm_string)
        try:
            found = scope.backend.lookup(prompt, llm_string)
        except Exception:
            logger.warning("LLM cache lookup failed; asking the model", exc_info=True)
            found = None
        return _count(scope, found)

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        scope = _SCOPE.get()
        if scope is None:
            if self.fallback is None:
                return None
            return await self.fallback.alookup(prompt, llm_string)
        try:
            found = await scope.backend.alookup(prompt, llm_string)
        except Exception:
            logger.warning("LLM cache lookup failed; asking the model", exc_info=True)
            found = None
        return _count(scope, found)

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        scope = _SCOPE.get()
        target = self.fallback if scope is None else scope.backend
        if target is None:
            return
        try:
            target.update(prompt, llm_string, return_val)
        except Exception:
            if scope is None:
                raise
            logger.warning("LLM cache update failed; the answer is not kept", exc_info=True)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        scope = _SCOPE.get()
        target = self.fallback if scope is None else scope.backend
        if target is None:
            return
        try:
            await target.aupdate(prompt, llm_string, return_val)
        except Exception:
            if scope is None:
                raise
            logger.warning("LLM cache update failed; the answer is not kept", exc_info=True)

    def clear(self, **kwargs: Any) -> None:
        """Clears the fallback only: a host's backend is cleared through `LLMCache`."""
        if self.fallback is not None:
            self.fallback.clear(**kwargs)


def _count(scope: _Scope, found: RETURN_VAL_TYPE | None) -> RETURN_VAL_TYPE | None:
    hit = isinstance(found, list) and bool(found)
    scope.tally.record(_task_id(), hit)
    get_metrics().llm_cache_lookups.labels(scope.graph, "hit" if hit else "miss").inc()
    if not hit or found is None:
        return None
    return [_marked(generation) for generation in found]


def _marked(generation: Any) -> Any:
    if not isinstance(generation, ChatGeneration):
        return generation
    message = generation.message
    metadata = {**message.response_metadata, HIT_MARK[0]: HIT_MARK[1]}
    return generation.model_copy(
        update={"message": message.model_copy(update={"response_metadata": metadata})}
    )


def _task_id() -> str | None:
    """The LangGraph task making the call: the last part of its checkpoint namespace
    (`node:<task id>`, nested `parent:<id>|node:<id>` in a subgraph)."""
    config = var_child_runnable_config.get() or {}
    namespace = (config.get("configurable") or {}).get("checkpoint_ns") or (
        config.get("metadata") or {}
    ).get("langgraph_checkpoint_ns")
    if not isinstance(namespace, str) or ":" not in namespace:
        return None
    return namespace.split("|")[-1].partition(":")[2] or None


class LLMCache:
    """One host's cache: its backend and which graphs' runs use it."""

    def __init__(
        self, backend: BaseCache, mode: CacheMode, close: Sequence[Callable[[], Any]] = ()
    ) -> None:
        self.backend = backend
        self.mode = mode
        self._close = list(close)
        install()
        _quiet_load_warnings()

    def applies_to(self, graph_flag: bool | None, run_flag: bool | None = None) -> bool:
        """Whether a run is cached: never when the mode is off; else the run's own
        `llm_cache` metadata, then the graph's word (the operator's context for it, else
        its langgraph.json entry), then the mode."""
        if self.mode == CacheMode.OFF:
            return False
        for flag in (run_flag, graph_flag):
            if flag is not None:
                return flag
        return self.mode == CacheMode.ON

    @contextmanager
    def scope(
        self, graph: str, graph_flag: bool | None, run_flag: bool | None = None
    ) -> Iterator[CacheTally | None]:
        """Mark the calls made in this block (and the tasks it starts) as `graph`'s run's,
        cached if `applies_to`; yields the run's tally (None: not cached)."""
        if not self.applies_to(graph_flag, run_flag):
            yield None
            return
        scope = _Scope(self.backend, graph, CacheTally())
        token = _SCOPE.set(scope)
        try:
            yield scope.tally
        finally:
            _SCOPE.reset(token)

    def clear(self) -> None:
        """Forget every cached answer of this host's backend."""
        self.backend.clear()

    def close(self) -> None:
        """Close the backend's connections."""
        for close in self._close:
            close()


def install() -> None:
    """Make `RunScopedCache` the process's LangChain cache (once; keeps the one before
    as its fallback)."""
    current = get_llm_cache()
    if not isinstance(current, RunScopedCache):
        set_llm_cache(RunScopedCache(current))


def _quiet_load_warnings() -> None:
    """The backends revive answers with `langchain_core.load.loads`, which warns on every
    call that it is in beta and that its default allowlist will change (it allows the
    core types an answer is made of); where warnings are errors (tests), a warning would
    turn every hit into the raw JSON text."""
    warnings.filterwarnings("ignore", message=r"The function `loads` is in beta")
    warnings.filterwarnings("ignore", message=r"The default value of `allowed_objects`")


def open_llm_cache(settings: Settings, clock: Callable[[], float] = time.time) -> LLMCache | None:
    """The host's cache per its settings: Redis in the scale-out mode, else a table of
    the host's database (a SQLite file beside it when embedded), whose answers age by
    `clock` (seconds since the epoch); None when off."""
    mode = CacheMode(settings.llm_cache)
    if mode == CacheMode.OFF:
        return None
    if settings.scale_out:
        from redis import Redis

        client = Redis.from_url(settings.redis_url)
        ttl = settings.llm_cache_ttl_seconds or None
        backend = _prefixed_redis_cache()(client, settings.llm_cache_prefix, ttl)  # type: ignore[call-arg]
        return LLMCache(backend, mode, [client.close])
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    url = settings.resolved_llm_cache_url()
    if url == "sqlite://":  # in memory: one connection shared by every thread
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    backend = expiring_sql_cache(engine, settings.llm_cache_ttl_seconds, clock)
    return LLMCache(backend, mode, [engine.dispose])


@functools.cache
def _prefixed_redis_cache() -> type[BaseCache]:
    """`RedisCache` whose keys share a prefix, and whose `clear` deletes only those (the
    original flushes the whole Redis database, which also holds the host's bus). Built
    on first use: langchain-community takes seconds to import."""
    with warnings.catch_warnings():  # the package warns that it is being sunset
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.cache import RedisCache

    class PrefixedRedisCache(RedisCache):
        def __init__(self, client: Any, prefix: str, ttl: int | None) -> None:
            super().__init__(client, ttl=ttl)
            self.prefix = prefix

        def _key(self, prompt: str, llm_string: str) -> str:  # type: ignore[override]
            return self.prefix + RedisCache._key(prompt, llm_string)

        def clear(self, **kwargs: Any) -> None:
            del kwargs
            keys = list(self.redis.scan_iter(match=self.prefix + "*", count=500))
            if keys:
                self.redis.delete(*keys)

    return PrefixedRedisCache
