"""Two nodes of one step each call `interrupt()`: both questions are pending at once."""

from __future__ import annotations

import operator
from typing import Annotated, NotRequired

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from typing_extensions import TypedDict


class State(TypedDict):
    trip: str
    answers: NotRequired[Annotated[list[str], operator.add]]


def ask_hotel(state: State) -> dict[str, list[str]]:
    return {"answers": [f"hotel: {interrupt({'question': 'Which hotel?'})}"]}


def ask_flight(state: State) -> dict[str, list[str]]:
    return {"answers": [f"flight: {interrupt({'question': 'Which flight?'})}"]}


def book(state: State) -> dict[str, list[str]]:
    return {"answers": [f"booked {state['trip']}"]}


builder = StateGraph(State)
builder.add_node("ask_hotel", ask_hotel)
builder.add_node("ask_flight", ask_flight)
builder.add_node("book", book)
builder.add_edge(START, "ask_hotel")
builder.add_edge(START, "ask_flight")
builder.add_edge(["ask_hotel", "ask_flight"], "book")
builder.add_edge("book", END)
graph = builder.compile()
