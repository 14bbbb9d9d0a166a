"""`ChatOpenAI` with a process-wide limit on requests in flight (imported lazily by
`genesis_mesh.llm`: langchain-openai takes a while to import)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any, Self

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.messages import BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI
from pydantic import Field, PrivateAttr, model_validator

from genesis_mesh._openai_chunks import plain_chunks


class LimitedChatOpenAI(ChatOpenAI):
    """`ChatOpenAI` whose requests wait for a slot of a process-wide limit.

    The limit is shared by every model the same `ChatModels` builds (and by the models
    that `bind_tools` / `with_structured_output` derive from them). Its streams hand
    LangChain the server's chunks as dicts (`_openai_chunks`), not the SDK's models,
    those that come within `stream_batch_seconds` of each other joined
    (`_openai_batches`).
    """

    stream_batch_seconds: float = Field(default=0.0, ge=0)

    _async_slots: asyncio.Semaphore | None = PrivateAttr(default=None)
    _sync_slots: threading.BoundedSemaphore | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _plain_stream_chunks(self) -> Self:
        plain_chunks(self.root_async_client, self.stream_batch_seconds)
        return self

    def limit(self, async_slots: asyncio.Semaphore, sync_slots: threading.BoundedSemaphore) -> None:
        """Share these slots (called by the factory right after construction)."""
        self._async_slots = async_slots
        self._sync_slots = sync_slots

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._async_slots is None:
            return await super()._agenerate(messages, stop, run_manager, **kwargs)
        async with self._async_slots:
            return await super()._agenerate(messages, stop, run_manager, **kwargs)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        if self._async_slots is None:
            async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
                yield chunk
            return
        async with self._async_slots:
            async for chunk in super()._astream(messages, stop, run_manager, **kwargs):
                yield chunk

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self._sync_slots is None:
            return super()._generate(messages, stop, run_manager, **kwargs)
        with self._sync_slots:
            return super()._generate(messages, stop, run_manager, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if self._sync_slots is None:
            yield from super()._stream(messages, stop, run_manager, **kwargs)
            return
        with self._sync_slots:
            yield from super()._stream(messages, stop, run_manager, **kwargs)
