"""Human in the loop: a node asks twice with `interrupt()` and uses both answers."""

from __future__ import annotations

from typing import NotRequired

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from typing_extensions import TypedDict


class State(TypedDict):
    draft: str
    approved: NotRequired[bool]
    reviewer: NotRequired[str]


def review(state: State) -> dict[str, object]:
    verdict = interrupt({"question": "Approve this draft?", "draft": state["draft"]})
    name = interrupt({"question": "Who are you?"})
    return {"approved": verdict == "yes", "reviewer": str(name)}


def publish(state: State) -> dict[str, object]:
    status = "published" if state["approved"] else "rejected"
    return {"draft": f"{state['draft']} ({status} by {state['reviewer']})"}


builder = StateGraph(State)
builder.add_node("review", review)
builder.add_node("publish", publish)
builder.add_edge(START, "review")
builder.add_edge("review", "publish")
builder.add_edge("publish", END)
graph = builder.compile()
