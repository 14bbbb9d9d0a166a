"""The write node: one markdown brief per page, streamed token by token, and a diagram."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from graphs.mesh_build.context import Context, chat_model_of
from graphs.mesh_build.prompts import brief_messages
from graphs.mesh_build.report import links_section, mermaid_diagram, render_report
from graphs.mesh_build.state import State
from graphs.topical_mesh.report import md_text


async def write(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Stream each page's brief from the model; links and anchors come from the plan."""
    model = chat_model_of(runtime.context)
    words = getattr(runtime.context, "brief_words", 220)
    progress = get_stream_writer()
    plan, links = state["plan"], state.get("links", [])
    pages = [("pillar", plan["pillar"]), *(("cluster", c) for c in plan["clusters"])]
    titles = {p["slug"]: p["title"] for _, p in pages}
    briefs: list[dict[str, Any]] = []
    for done, (role, page) in enumerate(pages, start=1):
        progress({"message": f"writing {page['title']}", "done": done - 1, "total": len(pages)})
        mine = [x for x in links if x["source"] == page["slug"]]
        messages = brief_messages(
            state["main_topic"], state.get("audience"), page, role, mine, words
        )
        text = ""
        async for chunk in model.astream(messages):
            text += chunk.text
        markdown = (
            f"## {md_text(page['title'])} (`/{page['slug']}`, {role})\n\n{text.strip()}\n\n"
            + links_section(page["slug"], links, titles)
        )
        briefs.append(
            {"slug": page["slug"], "title": page["title"], "role": role, "markdown": markdown}
        )
    progress({"message": "briefs written", "done": len(pages), "total": len(pages)})
    diagram = mermaid_diagram(plan, links)
    return {
        "briefs": briefs,
        "mermaid_diagram": diagram,
        "report_markdown": render_report(dict(state), briefs, diagram),
    }
