"""The fast Server-Sent Events decoder reads every stream as the SDK's own decoder does,
however the stream is cut into received chunks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from openai._streaming import ServerSentEvent, SSEDecoder

from genesis_mesh._openai_sse import FastSSEDecoder

CHUNK = {"id": "c1", "choices": [{"index": 0, "delta": {"content": "héllo\\n"}}]}
STREAMS = {
    "chat": b"".join(b"data: " + json.dumps(CHUNK).encode() + b"\n\n" for _ in range(3))
    + b"data: [DONE]\n\n",
    "crlf and cr": b"data: 1\r\n\r\ndata: 2\r\rdata: 3\n\r\n",
    "fields": b": comment\nevent: delta\nid: 7\nretry: 50\ndata: a\ndata: b\n\ndata: c\n\n",
    "no space and blank lines": b'\n\ndata:x\n\n\n\ndata: {"n": 1}\n\nevent: e\n\n',
    "unfinished": b"data: 1\n\ndata: never dispatched\n",
    "an id with a NUL": b"id: a\x00b\ndata: 1\n\nid: ok\ndata: 2\n\n",
}


def described(events: list[ServerSentEvent]) -> list[tuple[object, ...]]:
    return [(e.event, e.data, e.id, e.retry) for e in events]


async def decode(decoder: SSEDecoder, pieces: list[bytes]) -> list[ServerSentEvent]:
    async def chunks() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    return [event async for event in decoder.aiter_bytes(chunks())]


@pytest.mark.parametrize("name", list(STREAMS))
def test_every_cut_of_a_stream_decodes_as_the_sdk_decodes_it(name: str) -> None:
    stream = STREAMS[name]
    expected = described(list(SSEDecoder().iter_bytes(iter([stream]))))
    assert expected  # each stream dispatches something
    for cut in range(len(stream) + 1):
        pieces = [stream[:cut], stream[cut:]]
        assert described(asyncio.run(decode(FastSSEDecoder(), pieces))) == expected, cut
        assert described(list(FastSSEDecoder().iter_bytes(iter(pieces)))) == expected, cut
    one_byte_each = [stream[i : i + 1] for i in range(len(stream))]
    assert described(asyncio.run(decode(FastSSEDecoder(), one_byte_each))) == expected


def test_event_data_parses_to_the_same_json() -> None:
    events = list(FastSSEDecoder().iter_bytes(iter([STREAMS["chat"]])))
    assert [e.json() for e in events[:3]] == [CHUNK] * 3
    nan = list(FastSSEDecoder().iter_bytes(iter([b'data: {"x": NaN}\n\n'])))
    assert str(nan[0].json()["x"]) == "nan"  # what orjson refuses, the standard parser reads
