"""Dataclass state holding dataclass items, with defaults and a list reducer."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated

from langgraph.graph import END, START, StateGraph


@dataclass
class Item:
    name: str
    quantity: int


@dataclass
class State:
    customer: str
    items: Annotated[list[Item], operator.add] = field(default_factory=list)
    total: int = 0


def pick(state: State) -> dict[str, object]:
    return {"items": [Item("apple", 3), Item("pear", 2)]}


def add_up(state: State) -> dict[str, object]:
    return {"total": sum(item.quantity for item in state.items)}


builder = StateGraph(State)
builder.add_node("pick", pick)
builder.add_node("add_up", add_up)
builder.add_edge(START, "pick")
builder.add_edge("pick", "add_up")
builder.add_edge("add_up", END)
graph = builder.compile()
