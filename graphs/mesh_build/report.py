"""The planned mesh as Mermaid and as a markdown report (labels escaped by topical_mesh's
`mermaid_label`, text by its `md_text`)."""

from __future__ import annotations

from typing import Any

from graphs.topical_mesh.mermaid import mermaid_label
from graphs.topical_mesh.report import md_text


def mermaid_diagram(plan: dict[str, Any], links: list[dict[str, Any]]) -> str:
    """`graph LR`: the pillar, each cluster, every planned link (related links dotted)."""
    pages = [plan["pillar"], *plan["clusters"]]
    node = {p["slug"]: f"p{i}" for i, p in enumerate(pages)}
    lines = ["graph LR", f'  p0(["{mermaid_label(pages[0]["title"])}"])']
    lines += [f'  p{i}["{mermaid_label(p["title"])}"]' for i, p in enumerate(pages) if i]
    for x in links:
        arrow = "-.->" if x["kind"] == "related" else "-->"
        lines.append(f"  {node[x['source']]} {arrow} {node[x['target']]}")
    lines += ["  classDef pillar stroke-width:3px", "  class p0 pillar"]
    return "\n".join(lines)


def render_report(state: dict[str, Any], briefs: list[dict[str, Any]], diagram: str) -> str:
    """Summary table, the briefs in plan order, then the diagram."""
    rows = [
        ("Main topic", md_text(state.get("main_topic", ""))),
        ("Pages", 1 + len(state["plan"]["clusters"])),
        ("Planned links", len(state.get("links", []))),
        ("Authority score", f"{state.get('authority_score', 0):.1f} / 100"),
        ("Grade", state.get("grade", "F")),
        ("Target", f"{state.get('target_authority', 0):.1f}"),
    ]
    parts = [
        "# Topical mesh plan\n",
        "| Metric | Value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows),
        md_text(state.get("link_note", "")) + "\n",
    ]
    for brief in briefs:
        parts.append(brief["markdown"])
    parts.append("## Mesh diagram\n\n```mermaid\n" + diagram + "\n```\n")
    return "\n".join(parts)


def links_section(slug: str, links: list[dict[str, Any]], titles: dict[str, str]) -> str:
    """The page's planned outgoing links, as a markdown table (never from the model)."""
    mine = [x for x in links if x["source"] == slug]
    rows = "".join(
        f"| {md_text(titles.get(x['target'], x['target']))} | `/{x['target']}` | "
        f"{md_text(x['anchor_text'])} | {x['kind']} |\n"
        for x in mine
    )
    return "### Planned links\n\n| To | Path | Anchor text | Kind |\n|---|---|---|---|\n" + rows
