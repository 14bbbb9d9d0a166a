"""The services of one process (store, checkpointer, graphs, runner), opened together.

Both the HTTP host and the terminal commands use them; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from genesis_mesh.bus.memory import MemoryEventBus
from genesis_mesh.checkpointers import open_checkpointer
from genesis_mesh.registry import GraphRegistry
from genesis_mesh.runner import Runner, RunnerOptions
from genesis_mesh.settings import Settings
from genesis_mesh.store import RunStore


@dataclass
class Services:
    """Everything a request or a CLI command needs, opened together and closed together."""

    settings: Settings
    store: RunStore
    registry: GraphRegistry
    runner: Runner
    checkpointer: Any


@asynccontextmanager
async def open_services(settings: Settings, recover: bool = True) -> AsyncIterator[Services]:
    """Open store, checkpointer, registry and runner; on exit pause runs and close all."""
    async with AsyncExitStack() as stack:
        store = RunStore(settings.resolved_database_url())
        await store.open()
        stack.push_async_callback(store.close)
        checkpointer = await stack.enter_async_context(
            open_checkpointer(settings.resolved_checkpoint_url())
        )
        registry = GraphRegistry(settings.config, checkpointer)
        registry.load()
        runner = Runner(
            store,
            registry,
            MemoryEventBus(),
            RunnerOptions(
                durability=settings.durability,
                max_concurrent_runs=settings.max_concurrent_runs,
                shutdown_grace_seconds=settings.shutdown_grace_seconds,
                graph_context=settings.graph_context,
            ),
        )
        await runner.start(recover=recover)
        stack.push_async_callback(runner.stop)
        yield Services(settings, store, registry, runner, checkpointer)
