"""State declared with `typing.TypedDict`: pydantic cannot read it on Python 3.11, LangGraph can."""

from __future__ import annotations

import operator
from typing import Annotated, TypedDict

from langgraph.graph import END, START, StateGraph


class State(TypedDict):
    word: str
    letters: Annotated[list[str], operator.add]


def spell(state: State) -> dict[str, object]:
    return {"letters": list(state["word"][:20])}


builder = StateGraph(State)
builder.add_node("spell", spell)
builder.add_edge(START, "spell")
builder.add_edge("spell", END)
graph = builder.compile()
