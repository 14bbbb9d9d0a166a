"""Map-reduce with `Send`: a joke per subject in parallel, then the best (the docs' example)."""

from __future__ import annotations

import operator
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send
from typing_extensions import TypedDict


class State(TypedDict):
    topic: str
    subjects: list[str]
    jokes: Annotated[list[str], operator.add]
    best_joke: str


class JokeState(TypedDict):
    subject: str


def generate_topics(state: State) -> dict[str, object]:
    return {"subjects": [f"{state['topic']} {n}" for n in ("cats", "dogs", "owls")]}


def continue_to_jokes(state: State) -> list[Send]:
    return [Send("generate_joke", {"subject": s}) for s in state["subjects"]]


def generate_joke(state: JokeState) -> dict[str, object]:
    return {"jokes": [f"Why did the {state['subject']} cross the road?"]}


def best_joke(state: State) -> dict[str, object]:
    return {"best_joke": max(state["jokes"], key=len)}


builder = StateGraph(State)
builder.add_node("generate_topics", generate_topics)
builder.add_node("generate_joke", generate_joke)
builder.add_node("best_joke", best_joke)
builder.add_edge(START, "generate_topics")
builder.add_conditional_edges("generate_topics", continue_to_jokes, ["generate_joke"])
builder.add_edge("generate_joke", "best_joke")
builder.add_edge("best_joke", END)
graph = builder.compile()
