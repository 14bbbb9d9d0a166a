"""An `openai.AsyncOpenAI` whose chat-completion stream yields each chunk as the JSON
object the server sent, not as a `ChatCompletionChunk` model.

`ChatOpenAI._astream` turns every model chunk straight back into a dict
(`chunk.model_dump()`) and accepts dicts as they are. Building the model costs about
50 µs of CPU per token on Python 3.11 (`openai._models.construct_type`, eleven nested
constructions and a runtime-protocol check), and dumping it more: for a host that relays
thousands of tokens a second, the largest cost on the token path. Streams that need the
models keep them: those whose request asked for a `response_format` (the SDK's
`beta.chat.completions.stream`, which parses the chunks itself) and every other type.
With a batch interval, a plain stream's chunks also come joined (`_openai_batches`).
Its Server-Sent Events are decoded by `_openai_sse.FastSSEDecoder`.
"""

from __future__ import annotations

import weakref
from typing import Any

import openai
from openai import AsyncStream
from openai.types.chat import ChatCompletionChunk

from genesis_mesh._openai_batches import BatchedChunkStream
from genesis_mesh._openai_sse import FastSSEDecoder


class DictChunkAsyncOpenAI(openai.AsyncOpenAI):
    """`AsyncOpenAI` handing plain chat-completion chunks to LangChain's stream loop."""

    _plain: weakref.WeakKeyDictionary[Any, bool]
    batch_seconds: float = 0.0
    """Join a plain stream's chunks that come within this long of each other (0: never)."""

    def _make_sse_decoder(self) -> FastSSEDecoder:
        return FastSSEDecoder()

    async def _process_response(self, **kwargs: Any) -> Any:
        result = await super()._process_response(**kwargs)
        if (
            self.batch_seconds > 0
            and isinstance(result, AsyncStream)
            and getattr(result, "_cast_to", None) is ChatCompletionChunk
            and self._is_plain(result.response)
        ):
            return BatchedChunkStream(result, self.batch_seconds)
        return result

    def _process_response_data(self, *, data: object, cast_to: Any, response: Any) -> Any:
        if cast_to is ChatCompletionChunk and isinstance(data, dict) and self._is_plain(response):
            return data
        return super()._process_response_data(data=data, cast_to=cast_to, response=response)

    def _is_plain(self, response: Any) -> bool:
        """Whether the request of `response` asked for no `response_format` (decided
        once per response: the request body can be long)."""
        plain = getattr(self, "_plain", None)
        if plain is None:
            plain = self._plain = weakref.WeakKeyDictionary()
        known = plain.get(response)
        if known is None:
            body = getattr(response.request, "content", b"") or b""
            known = plain[response] = b'"response_format"' not in body
        return known


def plain_chunks(client: object, batch_seconds: float = 0.0) -> None:
    """Make a plain `openai.AsyncOpenAI` (as LangChain builds it) a
    `DictChunkAsyncOpenAI` joining chunks within `batch_seconds`; any other client (a
    caller's own) is left as it is."""
    if type(client) is openai.AsyncOpenAI:
        client.__class__ = DictChunkAsyncOpenAI
    if isinstance(client, DictChunkAsyncOpenAI):
        client.batch_seconds = batch_seconds
