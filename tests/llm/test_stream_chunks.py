"""Chat-completion chunks reach LangChain as the server's JSON objects, those that come
close together joined; streams that parse chunks themselves (a `response_format`) keep
the SDK's models."""

from __future__ import annotations

import asyncio
import json
import threading

import openai
from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from genesis_mesh._openai_chunks import DictChunkAsyncOpenAI, plain_chunks
from genesis_mesh.llm import LLMSettings, build_chat_model
from tests.llm.fake_openai import FakeOpenAI, Reply


class Verdict(BaseModel):
    answer: str
    score: int


async def test_a_plain_stream_yields_the_servers_chunks_as_dicts(fake: FakeOpenAI) -> None:
    fake.then(Reply(tokens=["Hel", "lo", " there"]))
    model = build_chat_model(LLMSettings(model="m", base_url=fake.base_url, max_retries=0))
    stream = await model.async_client.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    chunks = [chunk async for chunk in stream]
    assert chunks and all(isinstance(chunk, dict) for chunk in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "Hello there"


async def test_langchain_streams_the_same_text_from_dict_chunks(fake: FakeOpenAI) -> None:
    fake.then(Reply(tokens=["one ", "two ", "three"]))
    settings = LLMSettings(model="m", base_url=fake.base_url, max_retries=0, stream_batch_ms=0)
    model = build_chat_model(settings)
    pieces = [chunk.text async for chunk in model.astream([HumanMessage("count")])]
    assert "".join(pieces) == "one two three"
    assert len([p for p in pieces if p]) == 3


async def test_a_stream_with_a_response_format_keeps_the_sdks_models(fake: FakeOpenAI) -> None:
    verdict = json.dumps({"answer": "yes", "score": 7})
    fake.then(Reply(tokens=[verdict[:9], verdict[9:]]))
    model = build_chat_model(LLMSettings(model="m", base_url=fake.base_url, max_retries=0))
    async with model.root_async_client.beta.chat.completions.stream(
        model="m", messages=[{"role": "user", "content": "judge"}], response_format=Verdict
    ) as stream:
        async for _ in stream:
            pass
        final = await stream.get_final_completion()
    assert final.choices[0].message.parsed == Verdict(answer="yes", score=7)


def test_only_a_plain_sdk_client_is_switched() -> None:
    class Own(openai.AsyncOpenAI):
        pass

    plain = openai.AsyncOpenAI(api_key="k", base_url="http://127.0.0.1:9/v1")
    own = Own(api_key="k", base_url="http://127.0.0.1:9/v1")
    plain_chunks(plain)
    plain_chunks(own)
    assert type(plain) is DictChunkAsyncOpenAI
    assert type(own) is Own


async def test_a_fast_stream_comes_in_fewer_chunks_with_every_token_in_order(
    fake: FakeOpenAI,
) -> None:
    tokens = [f"tok{i} " for i in range(400)]
    fake.then(Reply(tokens=tokens))
    model = build_chat_model(LLMSettings(model="m", base_url=fake.base_url, max_retries=0))
    chunks = [chunk async for chunk in model.astream([HumanMessage("count")])]
    assert "".join(chunk.text for chunk in chunks) == "".join(tokens)
    assert len(chunks) < len(tokens) / 4
    message = sum(chunks[1:], chunks[0])
    assert message.response_metadata["finish_reason"] == "stop"
    assert message.usage_metadata is not None  # the usage chunk is handed on too


async def test_a_stream_that_pauses_hands_on_what_came_before_the_pause(
    fake: FakeOpenAI,
) -> None:
    gate = threading.Event()
    fake.then(Reply(tokens=["one ", "two ", "three ", "four"], gate=gate, gate_after=3))
    model = build_chat_model(LLMSettings(model="m", base_url=fake.base_url, max_retries=0))
    seen = ""
    stream = model.astream([HumanMessage("count")])
    try:
        async with asyncio.timeout(10):  # the server sends nothing more until the gate opens
            while seen != "one two three ":
                seen += (await anext(stream)).text
    finally:
        gate.set()
    seen += "".join([chunk.text async for chunk in stream])
    assert seen == "one two three four"


async def test_a_tool_calls_arguments_join_into_the_same_call(fake: FakeOpenAI) -> None:
    arguments = json.dumps({"answer": "yes " * 100, "score": 7})  # 40 characters a chunk
    fake.then(Reply(tool="Verdict", arguments=arguments))
    model = build_chat_model(LLMSettings(model="m", base_url=fake.base_url, max_retries=0))
    chunks = [chunk async for chunk in model.bind_tools([Verdict]).astream("judge")]
    assert len(chunks) < len(arguments) / 40
    message = sum(chunks[1:], chunks[0])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [
        ("Verdict", json.loads(arguments))
    ]
