"""The services of one process (store, checkpointer, graphs, runner), opened together.

Both the HTTP host and the terminal commands use them; nothing here knows about HTTP.
In the scale-out mode (`redis_url` set) they also hold the Redis bus, the run queue and,
in a process that executes runs, the worker that claims them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langgraph.store.base import BaseStore

from genesis_mesh.bus.base import EventBus
from genesis_mesh.bus.memory import MemoryEventBus
from genesis_mesh.checkpointers import open_checkpointer
from genesis_mesh.llm_cache import open_llm_cache
from genesis_mesh.registry import GraphRegistry
from genesis_mesh.runner import Runner, RunnerOptions
from genesis_mesh.runner.context import read_policy
from genesis_mesh.runner.worker import Worker
from genesis_mesh.settings import Settings
from genesis_mesh.store import RunStore
from genesis_mesh.store.queue import RunQueue
from genesis_mesh.store_owners import OwnedStore
from genesis_mesh.stores import open_store, read_store_config

if TYPE_CHECKING:  # redis is imported only in the scale-out mode (issue 17)
    from genesis_mesh.bus.redis import RedisBus


def graph_contexts(
    configured: dict[str, Any], offered: dict[str, Any], registry: GraphRegistry
) -> dict[str, Any]:
    """`GENESIS_MESH_GRAPH_CONTEXT`, with what the host offers (today `upload_root`, the
    folder of uploaded sites) added to the defaults of each graph whose context schema
    declares the field; the operator's own values win. Other graphs get exactly the
    configured values."""
    contexts = dict(configured)
    for name, entry in registry.entries.items():
        schema = getattr(entry.graph, "context_schema", None)
        fields = getattr(schema, "__dataclass_fields__", None) or getattr(
            schema, "model_fields", None
        )
        wanted = {k: v for k, v in offered.items() if fields and k in fields}
        if not wanted:
            continue
        policy = read_policy(name, configured.get(name, {}))
        defaults = {**wanted, **policy.defaults}
        # The flat shape when nothing is locked: the runner also reads it, unparsed, as
        # the settings of the input's validators.
        contexts[name] = (
            {"defaults": defaults, "locked": sorted(policy.locked)} if policy.locked else defaults
        )
    return contexts


@dataclass
class Services:
    """Everything a request or a CLI command needs, opened together and closed together."""

    settings: Settings
    store: RunStore
    registry: GraphRegistry
    runner: Runner
    checkpointer: Any
    redis: RedisBus | None = None
    worker: Worker | None = None
    graph_store: BaseStore | None = None
    """LangGraph's store, as the process opened it; graphs and clients see `store_for`."""

    def store_for(self, owner: str) -> BaseStore:
        """`owner`'s view of the LangGraph store: their items only, with the namespaces
        their graphs use (`store_owners.py`). For the store API as for runs."""
        if self.graph_store is None:
            raise RuntimeError("this process has no LangGraph store open")
        return OwnedStore(self.graph_store, owner)


@asynccontextmanager
async def open_services(
    settings: Settings, recover: bool = True, worker: bool | None = None, follows: bool = True
) -> AsyncIterator[Services]:
    """Open store, checkpointer, registry and runner; on exit pause runs and close all.

    `worker` (default `settings.run_worker`) makes a scale-out process claim runs;
    `follows=False` (a worker without HTTP) spares it every other run's events.
    """
    async with AsyncExitStack() as stack:
        store = RunStore(
            settings.resolved_database_url(), sqlite_synchronous=settings.sqlite_synchronous
        )
        await store.open()
        stack.push_async_callback(store.close)
        checkpointer = await stack.enter_async_context(
            open_checkpointer(
                settings.resolved_checkpoint_url(), sqlite_synchronous=settings.sqlite_synchronous
            )
        )
        graph_store = await stack.enter_async_context(
            open_store(settings.resolved_store_location(), read_store_config(settings.config))
        )
        llm_cache = await asyncio.to_thread(open_llm_cache, settings)  # creates its table
        if llm_cache is not None:
            stack.callback(llm_cache.close)
        registry = GraphRegistry(settings.config, checkpointer, graph_store)
        registry.load()
        bus: EventBus = MemoryEventBus()
        redis = queue = None
        if settings.scale_out:
            from genesis_mesh.bus.redis import RedisBus

            redis = RedisBus(settings.redis_url, events=follows)
            await redis.start()
            stack.push_async_callback(redis.stop)
            queue = RunQueue(
                settings.resolved_database_url(),
                settings.resolved_worker_id(),
                settings.lease_seconds,
                settings.max_recoveries,
            )
            stack.callback(queue.close)
            bus = redis
        runner = Runner(
            store,
            registry,
            bus,
            RunnerOptions(
                durability=settings.durability,
                max_concurrent_runs=settings.max_concurrent_runs,
                shutdown_grace_seconds=settings.shutdown_grace_seconds,
                interrupt_wait_seconds=settings.interrupt_wait_seconds,
                run_timeout_seconds=settings.run_timeout_seconds,
                follow_poll_seconds=settings.claim_poll_seconds,
                graph_context=graph_contexts(
                    settings.graph_context,
                    {"upload_root": str(settings.upload_dir().resolve())},
                    registry,
                ),
                llm_cache=llm_cache,
            ),
            queue=queue,
        )
        run_worker = settings.run_worker if worker is None else worker
        claims = None
        if redis is not None and queue is not None and run_worker:
            claims = Worker(
                runner,
                queue,
                redis,
                settings.max_concurrent_runs,
                settings.heartbeat_seconds,
                settings.claim_poll_seconds,
            )
            stack.callback(claims.close)
            if hasattr(checkpointer, "guard"):
                checkpointer.guard = claims.guard_write
        await runner.start(recover=recover)
        stack.push_async_callback(runner.stop)
        if claims is not None:
            await claims.start()
            stack.push_async_callback(claims.stop_claiming)
        yield Services(settings, store, registry, runner, checkpointer, redis, claims, graph_store)
