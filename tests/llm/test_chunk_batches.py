"""Which chat-completion chunks join (`join_plain_deltas`): plain text or the arguments
of one tool call, never a chunk carrying anything else."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from genesis_mesh._openai_batches import BatchedChunkStream, join_plain_deltas


def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    head = {"id": "c1", "object": "chat.completion.chunk", "model": "m"}
    return {**head, "choices": choices, **extra}


def texts(chunks: list[dict[str, Any]]) -> list[str | None]:
    return [c["choices"][0]["delta"].get("content") if c["choices"] else None for c in chunks]


def test_text_deltas_join_in_order_and_the_finish_and_usage_stay_apart() -> None:
    stream = [
        chunk({"role": "assistant", "content": ""}),
        chunk({"content": "Hel"}),
        chunk({"content": "lo"}, system_fingerprint=None),
        chunk({}, "stop"),
        chunk(None, usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}),
    ]
    joined = join_plain_deltas(stream)
    assert texts(joined) == ["Hello", None, None]
    assert joined[0]["choices"][0]["delta"]["role"] == "assistant"
    assert joined[1]["choices"][0]["finish_reason"] == "stop"
    assert joined[2]["usage"]["total_tokens"] == 3


def test_chunks_of_another_completion_or_carrying_more_than_text_stay_apart() -> None:
    refusal = chunk({"content": "c", "refusal": "no"})
    other = {**chunk({"content": "d"}), "id": "c2"}
    with_logprobs = chunk({"content": "e"})
    with_logprobs["choices"][0]["logprobs"] = {"content": []}
    second_choice = chunk({"content": "f"})
    second_choice["choices"][0]["index"] = 1
    stream = [chunk({"content": "a"}), refusal, other, with_logprobs, second_choice]
    assert texts(join_plain_deltas(stream)) == ["a", "c", "d", "e", "f"]


def test_a_tool_calls_arguments_join_but_a_new_call_starts_a_chunk() -> None:
    def call(index: int, arguments: str, **first: Any) -> dict[str, Any]:
        call = {"index": index, "function": {"arguments": arguments}, **first}
        return chunk({"tool_calls": [call]})

    named = call(0, "", id="call_1", type="function")
    named["choices"][0]["delta"]["tool_calls"][0]["function"]["name"] = "Verdict"
    stream = [named, call(0, '{"a"'), call(0, ": 1}"), call(1, "", id="call_2"), call(1, "{}")]
    joined = join_plain_deltas(stream)
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in joined]
    assert [(c["id"], c["function"]["arguments"]) for c in calls] == [
        ("call_1", '{"a": 1}'),
        ("call_2", "{}"),
    ]
    assert calls[0]["function"]["name"] == "Verdict"


def test_text_after_a_tool_call_starts_a_chunk() -> None:
    stream = [chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]})]
    stream.append(chunk({"content": "done"}))
    assert len(join_plain_deltas(stream)) == 2


class GatedChunks:
    """A chunk stream whose server sends each chunk when the test says so (the part of
    `openai.AsyncStream` that `BatchedChunkStream` uses)."""

    def __init__(self) -> None:
        self.response = None
        self.sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    def __aiter__(self) -> GatedChunks:
        return self

    async def __anext__(self) -> dict[str, Any]:
        return await self.sent.get()

    async def close(self) -> None:
        pass


async def test_a_chunk_that_came_just_after_a_batch_is_handed_on_while_the_server_pauses() -> None:
    """A consumer waiting with nothing buffered, then one chunk arriving inside the
    interval and the server pausing: the chunk goes on when the interval ends, not when
    the server sends again (it used to wait for the next chunk, for ever if none came)."""
    server = GatedChunks()
    stream = BatchedChunkStream(cast(Any, server), interval=0.05)
    server.sent.put_nowait(chunk({"content": "one "}))
    first = await asyncio.wait_for(anext(aiter(stream)), 2)
    loop = asyncio.get_running_loop()
    loop.call_later(0.005, server.sent.put_nowait, chunk({"content": "two "}))
    try:
        second = await asyncio.wait_for(anext(aiter(stream)), 2)
    finally:
        await stream.close()
    assert texts([first, second]) == ["one ", "two "]
