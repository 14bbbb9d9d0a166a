"""The drawing data of a graph with subgraphs: the top level as it is, and every subgraph
opened, its inner nodes named by their path and grouped under the subgraph they sit in."""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from genesis_mesh.registry.drawing import drawing_of


class State(TypedDict, total=False):
    n: int


def _step(state: State) -> State:
    return {}


def _chain(*names: str) -> StateGraph[State, None, State, State]:
    builder = StateGraph(State)
    previous = START
    for name in names:
        builder.add_node(name, _step)
        builder.add_edge(previous, name)
        previous = name
    builder.add_edge(previous, END)
    return builder


def _two_levels() -> StateGraph[State, None, State, State]:
    inner = _chain("deep").compile()
    middle = StateGraph(State)
    middle.add_node("plan", _step)
    middle.add_node("inner", inner)
    middle.add_edge(START, "plan")
    middle.add_edge("plan", "inner")
    middle.add_edge("inner", END)
    outer = StateGraph(State)
    outer.add_node("first", _step)
    outer.add_node("middle", middle.compile())
    outer.add_edge(START, "first")
    outer.add_edge("first", "middle")
    outer.add_edge("middle", END)
    return outer


def test_subgraphs_two_levels_deep_are_opened_and_grouped_by_path() -> None:
    drawing = drawing_of(_two_levels().compile())
    assert [n["id"] for n in drawing["nodes"]] == ["__start__", "first", "middle", "__end__"]
    inner = {n["id"]: n["subgraph"] for n in drawing["xray"]["nodes"]}
    assert inner == {
        "__start__": None,
        "first": None,
        "middle:plan": "middle",
        "middle:inner:deep": "middle:inner",
        "__end__": None,
    }
    assert drawing["subgraphs"] == [
        {"id": "middle", "name": "middle", "parent": None},
        {"id": "middle:inner", "name": "inner", "parent": "middle"},
    ]
    edges = {(e["source"], e["target"]) for e in drawing["xray"]["edges"]}
    assert edges == {
        ("__start__", "first"),
        ("first", "middle:plan"),
        ("middle:plan", "middle:inner:deep"),
        ("middle:inner:deep", "__end__"),
    }


def test_a_graph_without_subgraphs_has_the_same_drawing_opened() -> None:
    drawing = drawing_of(_chain("a", "b").compile())
    assert drawing["subgraphs"] == []
    assert [n["id"] for n in drawing["xray"]["nodes"]] == [n["id"] for n in drawing["nodes"]]
    assert drawing["xray"]["edges"] == drawing["edges"]
