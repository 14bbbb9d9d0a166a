"""Subgraphs added as nodes that share the parent's state keys, two levels deep."""

from __future__ import annotations

from typing import Annotated, NotRequired

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict


def extend(left: list[str], right: list[str]) -> list[str]:
    """Append what is new: a subgraph hands back the whole trail it was given."""
    return left + [entry for entry in right if entry not in left]


class State(TypedDict):
    trail: Annotated[list[str], extend]
    depth: NotRequired[int]


def step(name: str, depth: int) -> object:
    def run(state: State) -> dict[str, object]:
        return {"trail": [f"{name} saw {len(state['trail'])}"], "depth": depth}

    return run


def sequence(*nodes: tuple[str, object]) -> StateGraph[State, None, State, State]:
    builder = StateGraph(State)
    previous = START
    for name, node in nodes:
        builder.add_node(name, node)  # type: ignore[call-overload]
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


grandchild = sequence(("grandchild_step", step("grandchild_step", 2))).compile()
child = sequence(
    ("child_before", step("child_before", 1)),
    ("grandchild", grandchild),
    ("child_after", step("child_after", 1)),
).compile()
graph = sequence(
    ("parent_start", step("parent_start", 0)),
    ("child", child),
    ("parent_end", step("parent_end", 0)),
).compile()
