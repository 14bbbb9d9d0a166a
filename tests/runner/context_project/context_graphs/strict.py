"""A pydantic context with a required, typed field: LangGraph refuses a run without it."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field
from typing_extensions import TypedDict


class Level(BaseModel):
    level: int = Field(ge=0, le=10)


class State(TypedDict, total=False):
    level: int


async def read(state: State, runtime: Runtime[Level]) -> State:
    return {"level": runtime.context.level}


builder = StateGraph(State, context_schema=Level)
builder.add_node("read", read)
builder.add_edge(START, "read")
builder.add_edge("read", END)
graph = builder.compile()
