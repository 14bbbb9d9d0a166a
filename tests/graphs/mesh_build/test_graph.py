"""mesh_build as a plain LangGraph graph: an injected fake chat model, an InMemorySaver."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from graphs.mesh_build.context import Context
from graphs.mesh_build.graph import build_graph
from graphs.mesh_build.linking import plan_links
from graphs.mesh_build.nodes.outline import MalformedOutline
from graphs.mesh_build.review import apply_answer
from graphs.topical_mesh.scoring import score_site


def outline(clusters: int = 4) -> dict[str, Any]:
    def page(title: str, brief: str) -> dict[str, Any]:
        return {"title": title, "slug": "", "brief": brief, "key_questions": ["Why?"]}

    return {
        "pillar": page("Home espresso", "Everything about espresso at home."),
        "clusters": [
            page(f"Espresso grinder {i}", f"Grinders for espresso, {i}.") for i in range(clusters)
        ],
    }


class ToolCallingFake(GenericFakeChatModel):
    """A fake that supports `bind_tools` (its scripted replies carry the tool calls)."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable[Any, AIMessage]:
        return self


def model(*replies: str | AIMessage) -> GenericFakeChatModel:
    return GenericFakeChatModel(
        messages=iter([AIMessage(r) if isinstance(r, str) else r for r in replies])
    )


def compiled() -> Any:
    return build_graph().compile(checkpointer=InMemorySaver())


CONFIG: Any = {"configurable": {"thread_id": "t"}}
START = {"main_topic": "Home espresso", "num_clusters": 3, "target_authority": 90.0}


async def test_the_run_pauses_with_the_plan_as_a_checkbox_question() -> None:
    graph = compiled()
    context = Context(chat_model=model(json.dumps(outline())))
    result = await graph.ainvoke(START, CONFIG, context=context)
    question = result["__interrupt__"][0].value
    assert question["answer_key"] == "clusters"
    assert [c["id"] for c in question["choices"]] == [
        "espresso-grinder-0",
        "espresso-grinder-1",
        "espresso-grinder-2",
    ]  # the fourth cluster is cut to num_clusters
    assert all(c["checked"] for c in question["choices"])
    assert question["plan"]["pillar"]["slug"] == "home-espresso"


async def test_approval_links_and_streams_one_brief_per_page() -> None:
    graph = compiled()
    briefs = [f"Brief {i} with several words." for i in range(4)]
    context = Context(chat_model=model(json.dumps(outline()), *briefs))
    await graph.ainvoke(START, CONFIG, context=context)
    tokens: list[str] = []
    async for chunk, meta in graph.astream(
        Command(resume={"approved": True}), CONFIG, context=context, stream_mode="messages"
    ):
        assert meta["langgraph_node"] == "write"
        tokens.append(chunk.text)
    state = (await graph.aget_state(CONFIG)).values
    assert "".join(tokens) == "".join(briefs)
    assert [b["slug"] for b in state["briefs"]] == [
        "home-espresso",
        "espresso-grinder-0",
        "espresso-grinder-1",
        "espresso-grinder-2",
    ]
    assert "Brief 0 with several words." in state["briefs"][0]["markdown"]
    assert (
        "| Espresso grinder 0 | `/espresso-grinder-0` | espresso grinder 0 | pillar |"
        in (state["briefs"][0]["markdown"])
    )
    assert state["mermaid_diagram"].startswith('graph LR\n  p0(["Home espresso"])')
    assert state["report_markdown"].startswith("# Topical mesh plan")


async def test_a_tool_call_outline_is_used_and_a_malformed_one_is_asked_again() -> None:
    bad = AIMessage(
        "", tool_calls=[{"name": "Outline", "args": {"pillar": {"title": "X"}}, "id": "1"}]
    )
    good = AIMessage("", tool_calls=[{"name": "Outline", "args": outline(), "id": "2"}])
    graph = compiled()
    context = Context(chat_model=ToolCallingFake(messages=iter([bad, good])))
    result = await graph.ainvoke(START, CONFIG, context=context)
    assert "__interrupt__" in result


async def test_an_outline_still_malformed_after_the_last_attempt_fails_clearly() -> None:
    graph = compiled()
    context = Context(chat_model=model("not json", '{"pillar": {}}', "```json\n{}\n```"))
    with pytest.raises(MalformedOutline, match=r"no valid outline in 3 attempt\(s\); last problem"):
        await graph.ainvoke(START, CONFIG, context=context)


async def test_without_a_model_the_outline_node_names_what_to_configure() -> None:
    with pytest.raises(RuntimeError, match="GENESIS_MESH_LLM_MODEL"):
        await compiled().ainvoke(START, CONFIG, context=Context())


def test_the_review_answer_renames_drops_and_adds_clusters() -> None:
    plan = {
        "pillar": {"title": "Tea", "slug": "tea", "brief": "", "key_questions": []},
        "clusters": [
            {"title": t, "slug": t.lower(), "brief": "", "key_questions": []}
            for t in ("Green", "Black", "White")
        ],
    }
    answer = {
        "clusters": ["green", "black"],
        "titles": {"pillar": "All about tea"},
        "edits": "green: Green tea\n- black\n+ Oolong\n+ Green",
    }
    result = apply_answer(plan, answer)
    assert result["pillar"]["title"] == "All about tea"
    assert [(c["slug"], c["title"]) for c in result["clusters"]] == [
        ("green", "Green tea"),
        ("oolong", "Oolong"),
        ("green-2", "Green"),
    ]
    assert apply_answer(plan, None) == plan
    with pytest.raises(ValueError, match="at least one cluster"):
        apply_answer(plan, {"clusters": []})


async def test_an_answer_that_leaves_no_cluster_is_asked_again() -> None:
    graph = compiled()
    context = Context(chat_model=model(json.dumps(outline())))
    await graph.ainvoke(START, CONFIG, context=context)
    result = await graph.ainvoke(Command(resume={"clusters": []}), CONFIG, context=context)
    question = result["__interrupt__"][0].value
    assert question["question"].startswith("The plan needs at least one cluster page.")


def test_links_are_scored_with_topical_mesh_scoring_and_iterate_to_the_target() -> None:
    plan = {"pillar": outline()["pillar"] | {"slug": "p"}, "clusters": []}
    plan["clusters"] = [c | {"slug": f"c{i}"} for i, c in enumerate(outline(5)["clusters"])]
    low = plan_links(plan, 50)
    high = plan_links(plan, 97)
    assert low["rounds"] == high["rounds"][:1]
    assert len(high["rounds"]) > 1 and high["target_reached"]
    pages = [
        {"id": p["slug"], "title": p["title"], "path": p["slug"]}
        for p in [plan["pillar"], *plan["clusters"]]
    ]
    index = {p["id"]: i for i, p in enumerate(pages)}
    links = [[index[x["source"]], index[x["target"]], 1] for x in high["links"]]
    assert score_site(pages, links, [], 0, 0)["authority_score"] == high["authority_score"]


def test_a_target_that_unrelated_clusters_cannot_reach_is_explained() -> None:
    def page(title: str) -> dict[str, Any]:
        return {"title": title, "slug": title.lower(), "brief": "", "key_questions": []}

    plan = {"pillar": page("Hobbies"), "clusters": [page(t) for t in ("Tea", "Cars", "Jazz")]}
    result = plan_links(plan, 100)
    assert not result["target_reached"]
    assert len(result["rounds"]) == 1
    assert {x["kind"] for x in result["links"]} == {"pillar", "cluster"}
    assert "stays below the target 100.0" in result["link_note"]
    assert "all 0 related cluster pair(s)" in result["link_note"]
