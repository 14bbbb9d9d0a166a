"""Greets with its runtime context before and after an optional question; records what
its config carried. `delay` and `record_to` let a test kill the host mid-run."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from typing_extensions import TypedDict


@dataclass
class Persona:
    user_name: str = "friend"
    shout: bool = False
    repeat: int = 1


class State(TypedDict, total=False):
    ask: bool
    delay: float
    record_to: str
    greetings: list[str]
    answer: str
    seen: dict[str, Any]


def _say(context: Persona, word: str) -> str:
    text = " ".join([f"{word} {context.user_name}"] * context.repeat)
    return text.upper() if context.shout else text


async def greet(state: State, runtime: Runtime[Persona], config: RunnableConfig) -> State:
    seen = {
        "style": config["configurable"].get("style"),
        "thread_id": config["configurable"].get("thread_id"),
        "tags": [t for t in config.get("tags", []) if not t.startswith("graph:")],
        "origin": config["metadata"].get("origin"),
        "genesis_run_id": config["metadata"].get("genesis_run_id"),
        "recursion_limit": config.get("recursion_limit"),
    }
    return {"greetings": [_say(runtime.context, "hello")], "seen": seen}


async def wait(state: State) -> State:
    if state.get("record_to"):
        with Path(state["record_to"]).open("a") as f:
            f.write("start wait\n")
    await asyncio.sleep(state.get("delay", 0.0))
    return {}


async def question(state: State) -> State:
    if not state.get("ask"):
        return {}
    return {"answer": str(interrupt("who am I talking to?"))}


async def farewell(state: State, runtime: Runtime[Persona]) -> State:
    return {"greetings": [*state.get("greetings", []), _say(runtime.context, "bye")]}


builder = StateGraph(State, context_schema=Persona)
builder.add_node("greet", greet)
builder.add_node("wait", wait)
builder.add_node("question", question)
builder.add_node("farewell", farewell)
builder.add_edge(START, "greet")
builder.add_edge("greet", "wait")
builder.add_edge("wait", "question")
builder.add_edge("question", "farewell")
builder.add_edge("farewell", END)
graph = builder.compile()
