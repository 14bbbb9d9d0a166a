"""The whole graph without the host: exact answers on a generated site, review, progress,
schemas, re-execution and cleanup."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from graphs.topical_mesh import graph as graph_module
from graphs.topical_mesh.context import Context
from graphs.topical_mesh.errors import CloneRefused
from graphs.topical_mesh.graph import build_graph
from graphs.topical_mesh.sitegen import SITE_URL, generate_site
from graphs.topical_mesh.state import Input, Output

from .conftest import GitServer, make_repo


def local_context(tmp_path: Path) -> Context:
    return Context(allow_local_sources=True, workdir=str(tmp_path / "work"))


async def test_a_generated_site_gives_the_exact_known_answers(tmp_path: Path) -> None:
    truth = generate_site(tmp_path / "site", 300)
    compiled = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": "gen"}}
    out = await compiled.ainvoke(
        {"repo_url": str(tmp_path / "site")}, config, context=local_context(tmp_path)
    )
    state = compiled.get_state(config).values
    ids = [p["id"] for p in state["pages"]]
    assert sorted(ids) == sorted(truth.pages)
    assert {(ids[a], ids[b]) for a, b, _ in state["links"]} == truth.edges
    assert out["link_occurrences"] == truth.occurrences
    assert set(out["orphans"]) == truth.orphans
    assert set(out["content_orphans"]) == truth.content_orphans
    assert {(b["source"], b["target"]) for b in out["broken_links"]} == truth.broken
    assert out["pillar"]["id"] == truth.pillar
    assert out["external_links"] == len(truth.pages)
    assert out["asset_links"] == len(truth.pages)
    assert len(out["clusters"]) >= 2
    hubs = {c["hub"] for c in out["clusters"]}
    assert all(h.startswith("topic-") or h == "index.md" for h in hubs)
    Output.model_validate(out)


async def test_the_output_follows_the_mesh_api_fields_and_the_report_renders(
    tmp_path: Path,
) -> None:
    generate_site(tmp_path / "site", 100)
    compiled = build_graph().compile(checkpointer=InMemorySaver())
    out = await compiled.ainvoke(
        {"repo_url": str(tmp_path / "site")},
        {"configurable": {"thread_id": "api"}},
        context=local_context(tmp_path),
    )
    for key in (
        "authority_score",
        "grade",
        "total_pages",
        "total_links",
        "mesh_density",
        "pillar",
        "clusters",
        "orphans",
        "issues",
        "recommendations",
        "mermaid_diagram",
        "analysis_timestamp",
        "processing_time_seconds",
        "broken_links",
        "report_markdown",
        "pages",
    ):
        assert key in out
    assert "started_at" not in out and "links" not in out
    assert out["grade"] in {"A+", "A", "B", "C", "D", "F"}
    assert 0 <= out["authority_score"] <= 100 and 0 < out["mesh_density"] < 1
    assert out["mermaid_diagram"].startswith("graph LR")
    assert (
        "```mermaid" in out["report_markdown"] and "# Topical mesh report" in out["report_markdown"]
    )
    categories = {i["category"] for i in out["issues"]}
    assert {"orphan_pages", "content_orphans", "broken_links"} <= categories
    impacts = [r["estimated_impact"] for r in out["recommendations"]]
    assert impacts == sorted(impacts, reverse=True)
    link_recs = [r for r in out["recommendations"] if r["action"] == "link_orphan"]
    assert {r["target_page"] for r in link_recs} == set(out["orphans"])
    assert all(r["anchor_text"] and r["source_page"] for r in link_recs)
    assert any(r["action"] == "link_related" for r in out["recommendations"])
    strong = out["strongest_links"]
    authority = {p["id"]: p["authority"] for p in out["pages"]}
    assert 0 < len(strong) <= 40
    assert [s["weight"] for s in strong] == sorted((s["weight"] for s in strong), reverse=True)
    for link in strong:
        assert link["weight"] == round(authority[link["source"]] + authority[link["target"]], 2)


async def test_visualization_can_be_left_out(tmp_path: Path) -> None:
    generate_site(tmp_path / "site", 30)
    compiled = build_graph().compile(checkpointer=InMemorySaver())
    out = await compiled.ainvoke(
        {"repo_url": str(tmp_path / "site"), "include_visualization": False},
        {"configurable": {"thread_id": "novis"}},
        context=local_context(tmp_path),
    )
    assert out["mermaid_diagram"] == ""
    assert "```mermaid" not in out["report_markdown"]


@pytest.mark.parametrize("answer_form", ["dict", "list"])
async def test_review_pauses_with_the_recommendations_and_keeps_the_accepted_ones(
    answer_form: str, tmp_path: Path
) -> None:
    generate_site(tmp_path / "site", 60)
    compiled = build_graph().compile(checkpointer=InMemorySaver())
    config = {"configurable": {"thread_id": f"review-{answer_form}"}}
    first = await compiled.ainvoke(
        {"repo_url": str(tmp_path / "site"), "review_recommendations": True},
        config,
        context=local_context(tmp_path),
    )
    [pause] = first["__interrupt__"]
    question = pause.value
    assert question["question"] == "Which recommendations go into the report?"
    assert question["answer_key"] == "accepted"
    choices = question["choices"]
    assert len(choices) >= 3 and all(c["checked"] for c in choices)
    assert [c["id"] for c in choices[:2]] == ["rec-1", "rec-2"]
    chosen = [choices[0]["id"], choices[2]["id"]]
    answer: Any = {"accepted": chosen} if answer_form == "dict" else chosen
    final = await compiled.ainvoke(Command(resume=answer), config, context=local_context(tmp_path))
    assert [r["id"] for r in final["recommendations"]] == chosen
    assert f"2 of {len(choices)} proposed kept" in final["report_markdown"]


async def test_every_node_streams_throttled_progress(tmp_path: Path) -> None:
    generate_site(tmp_path / "site", 400)
    compiled = build_graph().compile(checkpointer=InMemorySaver())
    order = ["clone", "parse", "score", "recommend", "write", "done"]
    current = "clone"
    events: dict[str, list[dict[str, Any]]] = {}
    async for mode, chunk in compiled.astream(
        {"repo_url": str(tmp_path / "site")},
        {"configurable": {"thread_id": "progress"}},
        context=local_context(tmp_path),
        stream_mode=["custom", "updates"],
    ):
        if mode == "custom":
            events.setdefault(current, []).append(chunk)
        else:
            current = order[order.index(next(iter(chunk))) + 1]
    assert set(events) == {"clone", "parse", "score", "recommend", "write"}
    parse_counts = [e for e in events["parse"] if "done" in e]
    assert parse_counts[-1]["done"] == parse_counts[-1]["total"] == 400
    assert all(len(e) <= 55 for e in events.values())
    assert all(isinstance(e["message"], str) for es in events.values() for e in es)


async def test_local_sources_are_refused_with_the_default_context(tmp_path: Path) -> None:
    compiled = build_graph().compile(checkpointer=InMemorySaver())
    with pytest.raises(CloneRefused, match="allow_local_sources"):
        await compiled.ainvoke({"repo_url": str(tmp_path)}, {"configurable": {"thread_id": "x"}})


async def test_parse_refetches_a_checkout_removed_before_it_ran_and_cleans_up(
    git_server: GitServer, tmp_path: Path, context: Context
) -> None:
    url = git_server.publish(
        "site",
        make_repo(
            tmp_path / "src",
            {"index.md": "# Home\n\n[a](a.md)\n", "a.md": "# A\n\n[home](index.md)\n"},
        ),
    )
    compiled = build_graph().compile(checkpointer=InMemorySaver(), interrupt_before=["parse"])
    config = {"configurable": {"thread_id": "crash"}}
    await compiled.ainvoke({"repo_url": url}, config, context=context)
    checkout = Path(compiled.get_state(config).values["checkout"])
    assert checkout.is_dir()
    shutil.rmtree(Path(context.workdir) / "crash")  # what a crash-recovery sweep leaves
    out = await compiled.ainvoke(None, config, context=context)
    assert out["total_pages"] == 2 and out["total_links"] == 2
    assert not (Path(context.workdir) / "crash").exists()


def test_the_module_exposes_an_uncompiled_graph_with_pydantic_schemas() -> None:
    from langgraph.graph import StateGraph

    assert isinstance(graph_module.graph, StateGraph)
    assert graph_module.__doc__ and "\n" not in graph_module.__doc__.strip()
    compiled = build_graph().compile()
    schema = compiled.get_input_jsonschema()
    assert schema["properties"]["max_pages"]["default"] == 2000
    assert schema["required"] == ["repo_url"]
    assert schema.get("examples")
    assert "report_markdown" in compiled.get_output_jsonschema()["properties"]
    assert Input.model_validate({"repo_url": "https://example.test/x.git"}).max_pages == 2000


def test_the_synthetic_site_uses_the_published_site_url() -> None:
    assert SITE_URL.startswith("https://")


def test_max_pages_above_the_cap_is_capped(tmp_path: Path) -> None:
    ctx = Context(max_pages_cap=10)
    assert min(5000, ctx.max_pages_cap) == 10
