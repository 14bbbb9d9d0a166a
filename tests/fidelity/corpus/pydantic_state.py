"""Pydantic state with a nested model and a reducer: state comes back as objects, not pairs."""

from __future__ import annotations

import operator
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from pydantic import BaseModel, Field


class Verdict(BaseModel):
    label: str
    score: float


class State(BaseModel):
    topic: str
    notes: Annotated[list[str], operator.add] = Field(default_factory=list)
    verdict: Verdict | None = None


def research(state: State) -> dict[str, object]:
    return {"notes": [f"{state.topic} is studied"]}


def judge(state: State) -> dict[str, object]:
    return {"verdict": Verdict(label=f"{state.topic}: ok", score=0.5 * len(state.notes))}


builder = StateGraph(State)
builder.add_node("research", research)
builder.add_node("judge", judge)
builder.add_edge(START, "research")
builder.add_edge("research", "judge")
builder.add_edge("judge", END)
graph = builder.compile()
