"""State holding a pydantic model, a dataclass and a set."""

from __future__ import annotations

from dataclasses import dataclass

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel
from typing_extensions import TypedDict


class Page(BaseModel):
    title: str
    words: int


@dataclass
class Link:
    source: str
    target: str


class State(TypedDict, total=False):
    title: str
    page: Page
    link: Link
    tags: set[str]


async def build(state: State) -> State:
    title = state.get("title", "Home")
    return {
        "page": Page(title=title, words=2),
        "link": Link(source="/", target="/about"),
        "tags": {"pillar"},
    }


builder = StateGraph(State)
builder.add_node("build", build)
builder.add_edge(START, "build")
builder.add_edge("build", END)
graph = builder.compile()
