"""A Mermaid drawing of the mesh: the pillar, the top pages of the largest clusters and
the strongest links between the pages shown. Labels are quoted and escaped."""

from __future__ import annotations

import heapq
import re
from typing import Any

MAX_CLUSTERS = 8
PAGES_PER_CLUSTER = 4
MAX_EDGES = 40
MAX_LABEL = 40
_ENTITIES = {
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "[": "#91;",
    "]": "#93;",
    "(": "#40;",
    ")": "#41;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    "`": "#96;",
    ";": "#59;",
    "#": "#35;",
    "&": "#38;",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def mermaid_label(text: str) -> str:
    """Text made safe inside a quoted Mermaid label (no directives, clicks or markup)."""
    text = _CONTROL.sub(" ", text).replace("%%", "% %").strip()
    if len(text) > MAX_LABEL:
        text = text[: MAX_LABEL - 1] + "…"
    text = "".join(_ENTITIES.get(ch, ch) for ch in text)
    return re.sub(r"(?i)click", lambda m: m.group(0)[0] + "#108;" + m.group(0)[2:], text)


def strongest_links(state: dict[str, Any], limit: int = MAX_EDGES) -> list[dict[str, Any]]:
    """The links whose two pages have the most authority, as page ids with that weight
    (heaviest first, then by page numbers: the first `limit` of that sort of every link,
    picked without sorting them all)."""
    pages: list[dict[str, Any]] = state.get("pages", [])
    authority = [p["authority"] for p in pages]
    ranked = heapq.nsmallest(
        limit, ((-(authority[a] + authority[b]), a, b) for a, b, _ in state.get("links", []))
    )
    return [
        {"source": pages[a]["id"], "target": pages[b]["id"], "weight": round(-weight, 2)}
        for weight, a, b in ranked
    ]


def mermaid_diagram(state: dict[str, Any]) -> str:
    """`graph LR` with the pillar, a subgraph per large cluster and the strongest links."""
    pages: list[dict[str, Any]] = state.get("pages", [])
    if not pages:
        return ""
    by_id = {p["id"]: i for i, p in enumerate(pages)}
    pillar = by_id.get((state.get("pillar") or {}).get("id", ""), 0)
    shown: dict[int, str] = {pillar: "p0"}
    lines = ["graph LR", f'  p0(["{mermaid_label(pages[pillar]["title"])}"])']
    for number, cluster in enumerate(state.get("clusters", [])[:MAX_CLUSTERS], start=1):
        members = sorted((by_id[x] for x in cluster["pages"]), key=lambda i: -pages[i]["authority"])
        lines.append(f'  subgraph c{number}["{mermaid_label(cluster["label"])}"]')
        for i in members[:PAGES_PER_CLUSTER]:
            if i not in shown:
                shown[i] = f"p{len(shown)}"
                lines.append(f'    {shown[i]}["{mermaid_label(pages[i]["title"])}"]')
        lines.append("  end")
    edges = [(a, b) for a, b, _ in state.get("links", []) if a in shown and b in shown]
    edges.sort(key=lambda e: (-(pages[e[0]]["authority"] + pages[e[1]]["authority"]), e))
    lines += [f"  {shown[a]} --> {shown[b]}" for a, b in edges[:MAX_EDGES]]
    lines.append("  classDef pillar stroke-width:3px")
    lines.append("  class p0 pillar")
    return "\n".join(lines)
