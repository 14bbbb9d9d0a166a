"""Nodes that route and update at once with `Command(goto=..., update=...)`."""

from __future__ import annotations

import operator
from typing import Annotated, Literal, NotRequired

from langgraph.graph import END, START, StateGraph
from langgraph.types import Command
from typing_extensions import TypedDict


class State(TypedDict):
    amount: int
    path: NotRequired[Annotated[list[str], operator.add]]
    decision: NotRequired[str]


def triage(state: State) -> Command[Literal["approve", "review"]]:
    target = "approve" if state["amount"] < 100 else "review"
    return Command(goto=target, update={"path": ["triage"]})


def approve(state: State) -> Command[Literal["__end__"]]:
    return Command(goto=END, update={"path": ["approve"], "decision": "approved"})


def review(state: State) -> Command[Literal["approve"]]:
    return Command(goto="approve", update={"path": ["review"], "amount": state["amount"] // 10})


builder = StateGraph(State)
builder.add_node("triage", triage)
builder.add_node("approve", approve)
builder.add_node("review", review)
builder.add_edge(START, "triage")
graph = builder.compile()
