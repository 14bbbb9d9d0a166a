"""The SDK's Server-Sent Events decoder with a fast path for the events a chat stream is
made of: one `data: <json>` line each, parsed with orjson.

`openai.SSEDecoder` splits every received chunk line by line with a regular expression,
copies each line, decodes it and dispatches it field by field: about a third of what a
streamed token costs the host before LangChain sees it. Here a received chunk is split
at its blank lines in one call, and an event of one `data: ` line becomes an event
without further parsing; any other event (several lines, `event:`, `id:`, `retry:`,
comments) goes through the SDK's own field parsing, so both read the same stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
from openai._streaming import ServerSentEvent, SSEDecoder

_DATA = b"data: "


class JSONEvent(ServerSentEvent):
    """A `ServerSentEvent` whose data is parsed by orjson (the standard library's
    parser for what orjson refuses, e.g. NaN or integers past 64 bits)."""

    def json(self) -> Any:
        try:
            return orjson.loads(self.data)
        except orjson.JSONDecodeError:
            return json.loads(self.data)


class FastSSEDecoder(SSEDecoder):
    """An `SSEDecoder` that decodes the common events without a pass per line."""

    async def aiter_bytes(self, iterator: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
        pending = b""
        try:
            async for chunk in iterator:
                blocks, pending = _complete_events(pending + chunk)
                for block in blocks:
                    sse = self._event_of(block)
                    if sse is not None:
                        yield sse
            for line in pending.split(b"\n"):
                self.decode(line.decode("utf-8"))  # an unfinished event: dispatched by none
        finally:
            self._reset()

    def iter_bytes(self, iterator: Iterator[bytes]) -> Iterator[ServerSentEvent]:
        pending = b""
        try:
            for chunk in iterator:
                blocks, pending = _complete_events(pending + chunk)
                for block in blocks:
                    sse = self._event_of(block)
                    if sse is not None:
                        yield sse
            for line in pending.split(b"\n"):
                self.decode(line.decode("utf-8"))
        finally:
            self._reset()

    def _event_of(self, block: bytes) -> ServerSentEvent | None:
        """The event of the lines of `block` (its blank line excluded)."""
        if block.startswith(_DATA) and b"\n" not in block and not self._data and not self._event:
            data = block[len(_DATA) :].decode("utf-8")
            event = JSONEvent(data=data, id=self._last_event_id, retry=self._retry)
            self._retry = None
            return event
        for line in block.split(b"\n"):
            self.decode(line.decode("utf-8"))
        return self.decode("")


def _complete_events(data: bytes) -> tuple[list[bytes], bytes]:
    """The complete events of `data` (each the text before a blank line) and the rest;
    CR and CRLF line ends read as LF (a CR at the very end is kept: an LF may follow)."""
    if b"\r" in data:
        held = b"\r" if data.endswith(b"\r") else b""
        data = data[: len(data) - len(held)].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *blocks, rest = data.split(b"\n\n")
        return blocks, rest + held
    *blocks, rest = data.split(b"\n\n")
    return blocks, rest
