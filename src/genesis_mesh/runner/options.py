"""How a runner executes runs: durability, concurrency, waits, time limits."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langgraph.types import Durability

if TYPE_CHECKING:
    from genesis_mesh.llm_cache import LLMCache

CURRENT_CLAIM: ContextVar[tuple[str, int] | None] = ContextVar("genesis_claim", default=None)
"""(run id, attempt) of the claimed run whose task this is; read by the checkpoint guard."""


@dataclass
class RunnerOptions:
    durability: Durability = "sync"
    max_concurrent_runs: int = 1_000
    shutdown_grace_seconds: float = 5.0
    interrupt_wait_seconds: float = 30.0
    run_timeout_seconds: float | None = None
    follow_poll_seconds: float | None = None
    """Scale-out: how often a quiet follower reads the store for what the bus missed."""
    graph_context: dict[str, dict[str, Any]] = field(default_factory=dict)
    llm_cache: LLMCache | None = None
    """The LLM response cache of the runs this runner executes (None: off)."""
