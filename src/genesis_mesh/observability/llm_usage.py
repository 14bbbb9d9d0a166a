"""LLM tokens and latency, and the tokens-per-run limit, from a LangChain callback.

`TokenMeter` rides on the chat models that `genesis_mesh.llm` builds. Each call's
tokens come from the provider's usage report (`usage_metadata`); a provider that reports
none is estimated at four characters a token. Tokens are added up per run: the run is
the `genesis_run_id` the runner puts in the graph's config metadata, which LangChain
hands to every callback of a model called inside a node.

A run over `GENESIS_MESH_LLM_MAX_TOKENS_PER_RUN` fails: the call that crossed the limit
raises `LLMTokenLimitExceeded` when it ends, and every later call of that run raises it
before it starts; a graph that catches the error and carries on still fails when its
stream ends (the runner calls `raise_if_over_token_limit`). One call can go past the
limit by its own size; the model's own `max_tokens` bounds that. The count lives in this
process: it is kept while the run is interrupted and forgotten when the run ends (a retry
of a failed run starts from zero, and so does a run recovered after a restart).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import BaseMessage
from langchain_core.outputs import LLMResult

from genesis_mesh.errors import GenesisMeshError
from genesis_mesh.observability.metrics import get_metrics
from genesis_mesh.protocol import Event, EventType

__all__ = [
    "CACHE_HIT_MARK",
    "LIMIT_SETTING",
    "LLMTokenLimitExceeded",
    "TokenMeter",
    "forget_finished_runs",
    "raise_if_over_token_limit",
    "tokens_spent",
]

LIMIT_SETTING = "GENESIS_MESH_LLM_MAX_TOKENS_PER_RUN"
CACHE_HIT_MARK = ("genesis_cache", "hit")
"""The `response_metadata` key and value of a message the LLM cache answered
(`genesis_mesh.llm_cache`): it costs no tokens."""
_CHARS_PER_TOKEN = 4
_ENDED = {EventType.RUN_COMPLETED, EventType.RUN_FAILED, EventType.RUN_CANCELLED}


class LLMTokenLimitExceeded(GenesisMeshError):
    """A run used more LLM tokens than the per-run limit allows."""

    code = "llm_token_limit_exceeded"
    http_status = 429

    def __init__(self, run_id: str, used: int, limit: int) -> None:
        super().__init__(
            f"Run {run_id} used {used} LLM tokens, over the limit of {limit} per run "
            f"({LIMIT_SETTING}); raise the limit or give the run less to do.",
            {"run_id": run_id, "used": used, "limit": limit, "setting": LIMIT_SETTING},
        )


class _Ledger:
    """Tokens spent per run in this process (thread-safe: sync models call from threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spent: dict[str, int] = {}
        self._exceeded: dict[str, int] = {}  # run id -> the limit it went over

    def spent(self, run_id: str) -> int:
        with self._lock:
            return self._spent.get(run_id, 0)

    def add(self, run_id: str, tokens: int) -> int:
        with self._lock:
            total = self._spent.get(run_id, 0) + tokens
            self._spent[run_id] = total
            return total

    def mark_exceeded(self, run_id: str, limit: int) -> bool:
        """Remember that the run went over `limit`; True the first time (the metric
        counts runs stopped, not calls refused)."""
        with self._lock:
            first = run_id not in self._exceeded
            self._exceeded.setdefault(run_id, limit)
            return first

    def exceeded(self, run_id: str) -> int | None:
        """The limit the run went over, or None."""
        with self._lock:
            return self._exceeded.get(run_id)

    def forget(self, run_id: str) -> None:
        with self._lock:
            self._spent.pop(run_id, None)
            self._exceeded.pop(run_id, None)


_ledger = _Ledger()


def tokens_spent(run_id: str) -> int:
    """LLM tokens the run has used in this process so far."""
    return _ledger.spent(run_id)


def raise_if_over_token_limit(run_id: str) -> None:
    """Raise `LLMTokenLimitExceeded` if the run went over its limit, even when its graph
    caught the error and carried on (the runner calls this when the graph's stream ends)."""
    limit = _ledger.exceeded(run_id)
    if limit is not None:
        raise LLMTokenLimitExceeded(run_id, _ledger.spent(run_id), limit)


def forget_finished_runs(batch: Iterable[Event]) -> None:
    """Drop the count of runs that ended (called with each stored batch of events)."""
    for event in batch:
        if event.type in _ENDED:
            _ledger.forget(event.run_id)


@dataclass
class _Call:
    run_id: str | None
    model: str
    started: float
    prompt_chars: int
    streamed: bool = False


class TokenMeter(BaseCallbackHandler):
    """Counts tokens and times calls of a chat model; enforces `limit` tokens per run
    (0: no limit). Runs inline and raises: its errors must reach the node."""

    raise_error = True
    run_inline = True

    def __init__(self, limit: int = 0) -> None:
        self.limit = limit
        self._calls: dict[UUID, _Call] = {}

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],  # noqa: ARG002 - LangChain's signature
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        chars = sum(len(str(m.content)) for batch in messages for m in batch)
        self._start(run_id, metadata, kwargs, chars)

    def on_llm_start(
        self,
        serialized: dict[str, Any],  # noqa: ARG002 - LangChain's signature
        prompts: list[str],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._start(run_id, metadata, kwargs, sum(len(p) for p in prompts))

    def _start(
        self, call_id: UUID, metadata: dict[str, Any] | None, extra: dict[str, Any], chars: int
    ) -> None:
        metadata = metadata or {}
        run_id = metadata.get("genesis_run_id")
        run_id = run_id if isinstance(run_id, str) else None
        if run_id is not None and self.limit and _ledger.spent(run_id) >= self.limit:
            raise LLMTokenLimitExceeded(run_id, _ledger.spent(run_id), self.limit)
        params = extra.get("invocation_params") or {}
        model = metadata.get("ls_model_name") or params.get("model") or params.get("model_name")
        self._calls[call_id] = _Call(run_id, str(model or "unknown"), time.perf_counter(), chars)

    def on_llm_new_token(
        self,
        token: str | list[str | dict[str, Any]],  # noqa: ARG002 - LangChain's signature
        *,
        run_id: UUID,
        **_: Any,
    ) -> None:
        call = self._calls.get(run_id)
        if call is not None and not call.streamed:
            call.streamed = True
            seconds = time.perf_counter() - call.started
            get_metrics().llm_first_token.labels(call.model).observe(seconds)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **_: Any) -> None:
        call = self._calls.pop(run_id, None)
        if call is None or _from_cache(response):
            return  # a cached answer costs no tokens (genesis_mesh.llm_cache counts it)
        used_in, used_out = _usage(response, call.prompt_chars)
        seconds = time.perf_counter() - call.started
        get_metrics().observe_llm_call(call.model, seconds, "ok", used_in, used_out)
        if call.run_id is None:
            return
        total = _ledger.add(call.run_id, used_in + used_out)
        if self.limit and total > self.limit:
            if _ledger.mark_exceeded(call.run_id, self.limit):
                get_metrics().llm_limit_hits.inc()
            raise LLMTokenLimitExceeded(call.run_id, total, self.limit)

    def on_llm_error(
        self,
        error: BaseException,  # noqa: ARG002 - LangChain's signature
        *,
        run_id: UUID,
        **_: Any,
    ) -> None:
        call = self._calls.pop(run_id, None)
        if call is not None:
            seconds = time.perf_counter() - call.started
            get_metrics().observe_llm_call(call.model, seconds, "error", 0, 0)


def _usage(response: LLMResult, prompt_chars: int) -> tuple[int, int]:
    """(input, output) tokens: the provider's report, else an estimate from the text."""
    reported_in = reported_out = 0
    reported = False
    texts: list[str] = []
    for generation in _flatten(response.generations):
        message = getattr(generation, "message", None)
        texts.append(getattr(generation, "text", "") or "")
        texts.extend(str(call.get("args")) for call in getattr(message, "tool_calls", None) or [])
        usage = getattr(message, "usage_metadata", None)
        if usage:
            reported = True
            reported_in += int(usage.get("input_tokens") or 0)
            reported_out += int(usage.get("output_tokens") or 0)
    if not reported:
        token_usage = (response.llm_output or {}).get("token_usage") or {}
        if token_usage:
            return int(token_usage.get("prompt_tokens") or 0), int(
                token_usage.get("completion_tokens") or 0
            )
        return _estimate(prompt_chars), _estimate(sum(len(t) for t in texts))
    return reported_in, reported_out


def _from_cache(response: LLMResult) -> bool:
    messages = [getattr(g, "message", None) for g in _flatten(response.generations)]
    key, mark = CACHE_HIT_MARK
    return bool(messages) and all(
        (getattr(m, "response_metadata", None) or {}).get(key) == mark for m in messages
    )


def _flatten(generations: Sequence[Sequence[Any]]) -> Iterable[Any]:
    for batch in generations:
        yield from batch


def _estimate(chars: int) -> int:
    return math.ceil(chars / _CHARS_PER_TOKEN)
