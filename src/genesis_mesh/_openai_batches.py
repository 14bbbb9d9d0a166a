"""A chat-completion stream whose chunks, when they come faster than `interval`, reach
LangChain joined: the text of consecutive deltas as one delta, in order.

Past the SDK, everything pays per chunk, not per character: LangChain builds an
`AIMessageChunk` and runs its callbacks for each, LangGraph's `messages` mode queues
each, and the host maps, stores and sends each. A server streaming 2,000 tokens a second
sends 2,000 chunks. This stream hands on its first chunk at once and then at most one
batch per `interval` (what arrived meanwhile), so the work per second stays bounded
whatever the token rate; a consumer that falls behind gets everything buffered at its
next read. Only plain deltas join (content text, or the arguments text of one tool
call); a chunk with anything else (a finish reason, usage, log-probs, a new tool call,
another choice) is handed on as the server sent it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, Self, TypeGuard

from openai import AsyncStream

_IGNORED_KEYS = frozenset({"choices", "created", "obfuscation"})
"""Top-level keys two joined chunks may differ in (the first's are kept)."""


class BatchedChunkStream:
    """An `AsyncStream` of chunk dicts read by a task of its own, joined per batch.

    Between batches the reader sleeps: what the server sends meanwhile waits in the
    socket (the SDK's transport reads only when asked) and is then read and parsed in
    one go, not one wake-up per chunk.
    """

    def __init__(self, stream: AsyncStream[Any], interval: float) -> None:
        self.response = stream.response
        self._stream = stream
        self._interval = interval
        self._items: list[Any] = []
        self._due = 0.0
        """When the next batch may go: the reader sleeps until then."""
        self._ended = False
        self._stopping = False
        self._error: BaseException | None = None
        self._signal: asyncio.Future[None] | None = None
        self._iterator = self._batches()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._iterator

    async def __anext__(self) -> Any:
        return await self._iterator.__anext__()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop reading and release the connection."""
        await self._iterator.aclose()
        await self._stream.close()

    async def _batches(self) -> AsyncGenerator[Any, None]:
        loop = asyncio.get_running_loop()
        reader = loop.create_task(self._read(loop))
        try:
            while True:
                await self._batch_ready(loop)
                batch, self._items = self._items, []
                self._due = loop.time() + self._interval
                for chunk in join_plain_deltas(batch):
                    yield chunk
                if self._ended and not self._items:
                    break
            if self._error is not None:
                raise self._error
        finally:
            self._stopping = True
            reader.cancel()
            await asyncio.wait([reader])

    async def _batch_ready(self, loop: asyncio.AbstractEventLoop) -> None:
        """Until the stream ended, or chunks are there and the batch is due. The reader
        says so once it has read what waited in the socket; if nothing more came, a
        timer `interval` later sends what there is."""
        while not self._ended and not (self._items and loop.time() >= self._due):
            late = self._due + self._interval - loop.time() if self._items else None
            self._signal = signal = loop.create_future()
            timer = None if late is None else loop.call_later(max(late, 0), _settle, signal)
            try:
                await signal
            finally:
                if timer is not None:
                    timer.cancel()
                self._signal = None

    async def _read(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            async for chunk in self._stream:
                self._items.append(chunk)
                pause = self._due - loop.time()
                if pause > 0:  # the batch is not due: let more come, then say it is
                    await asyncio.sleep(pause)
                self._wake()
        except BaseException as exc:
            if not self._stopping:
                self._error = exc  # raised to the consumer after what came before it
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._ended = True
            self._wake()

    def _wake(self) -> None:
        if self._signal is not None:
            _settle(self._signal)


def join_plain_deltas(chunks: list[Any]) -> list[Any]:
    """`chunks` with each run of plain deltas of one kind joined into its first chunk."""
    joined: list[Any] = []
    into: dict[str, Any] | None = None
    into_delta: dict[str, Any] | None = None
    text = _Text()
    for chunk in chunks:
        delta = _plain(chunk)
        more = (
            None if into_delta is None or delta is None else _more(into, into_delta, chunk, delta)
        )
        if more is None:
            text.store()
            joined.append(chunk)
            into, into_delta = chunk, delta
        else:
            text.extend(*more)
    text.store()
    return joined


class _Text:
    """The text of one field being joined, kept as pieces until stored (no copy per
    piece)."""

    def __init__(self) -> None:
        self._holder: dict[str, Any] | None = None
        self._key = ""
        self._pieces: list[str] = []

    def extend(self, holder: dict[str, Any], key: str, piece: str) -> None:
        if holder is not self._holder:
            self.store()
            self._holder, self._key, self._pieces = holder, key, [holder[key]]
        self._pieces.append(piece)

    def store(self) -> None:
        if self._holder is not None:
            self._holder[self._key] = "".join(self._pieces)
            self._holder, self._pieces = None, []


def _more(
    into: Any, into_delta: dict[str, Any], chunk: dict[str, Any], delta: dict[str, Any]
) -> tuple[dict[str, Any], str, str] | None:
    """Where `delta`'s text joins `into` (the field's holder, its key, the text), or None
    when the two are not plain deltas of one kind."""
    if delta.get("role") not in (None, into_delta.get("role")) or not _same_stream(into, chunk):
        return None
    text, calls = delta.get("content"), delta.get("tool_calls")
    if isinstance(text, str) and calls is None:
        if not isinstance(into_delta.get("content"), str) or into_delta.get("tool_calls"):
            return None
        return into_delta, "content", text
    return _more_arguments(into_delta, calls) if text is None else None


def _more_arguments(
    into_delta: dict[str, Any], calls: Any
) -> tuple[dict[str, Any], str, str] | None:
    """A tool call's further arguments text, for the chunk that carries the call."""
    into_calls = into_delta.get("tool_calls")
    if into_delta.get("content") or not (_one(calls) and _one(into_calls)):
        return None
    call, into_call = calls[0], into_calls[0]
    if call.get("index") != into_call.get("index") or not _only(call, _CALL_KEYS):
        return None
    function, into_function = call.get("function"), into_call.get("function")
    if not (isinstance(function, dict) and isinstance(into_function, dict)):
        return None
    more, known = function.get("arguments"), into_function.get("arguments")
    if not (_only(function, _ARGUMENTS) and isinstance(more, str) and isinstance(known, str)):
        return None
    return into_function, "arguments", more


_CHOICE_KEYS = frozenset({"index", "delta"})
_DELTA_KEYS = frozenset({"content", "role", "tool_calls"})
_CALL_KEYS = frozenset({"index", "function", "type"})
_ARGUMENTS = frozenset({"arguments"})


def _plain(chunk: Any) -> dict[str, Any] | None:
    """The delta of a chunk that is nothing but one choice's delta, else None."""
    if not isinstance(chunk, dict) or chunk.get("usage"):
        return None
    choices = chunk.get("choices")
    if not _one(choices):
        return None
    choice = choices[0]
    delta = choice.get("delta")
    if not isinstance(delta, dict) or choice.get("index", 0) != 0:
        return None
    if not (_only(choice, _CHOICE_KEYS) and _only(delta, _DELTA_KEYS)):
        return None  # a finish reason, log-probs, a refusal, reasoning, ...
    return delta


def _only(mapping: dict[str, Any], keys: frozenset[str]) -> bool:
    """Whether every key of `mapping` outside `keys` is None."""
    extra = mapping.keys() - keys
    return not extra or all(mapping[key] is None for key in extra)


def _same_stream(into: dict[str, Any], chunk: dict[str, Any]) -> bool:
    """Whether the two chunks' top-level fields agree (a field set to None or absent is
    the same)."""
    for key, value in chunk.items():
        if key not in _IGNORED_KEYS and into.get(key) != value:
            return False
    return into.keys() <= chunk.keys() or all(
        value is None or key in _IGNORED_KEYS for key, value in into.items() if key not in chunk
    )


def _one(items: Any) -> TypeGuard[list[dict[str, Any]]]:
    return isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
