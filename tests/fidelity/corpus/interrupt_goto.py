"""One step, two nodes: `note` updates the state, `ask` asks a question then routes with
`Command(goto=...)`."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, NotRequired

from langgraph.graph import START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import TypedDict


class State(TypedDict):
    topic: str
    notes: NotRequired[Annotated[list[str], operator.add]]
    answer: NotRequired[str]


def note(state: State) -> dict[str, list[str]]:
    return {"notes": [f"noted {state['topic']}"]}


def ask(state: State) -> Command[Literal["finish"]]:
    answer = interrupt({"question": f"More on {state['topic']}?"})
    return Command(goto="finish", update={"answer": answer})


def finish(state: State) -> dict[str, list[str]]:
    return {"notes": [f"finished with {state.get('answer')}"]}


builder = StateGraph(State)
builder.add_node("note", note)
builder.add_node("ask", ask)
builder.add_node("finish", finish)
builder.add_edge(START, "note")
builder.add_edge(START, "ask")
graph = builder.compile()
