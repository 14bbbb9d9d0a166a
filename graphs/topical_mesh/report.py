"""The markdown report: summary, grade, top issues, recommendations, clusters, diagram."""

from __future__ import annotations

import re
from typing import Any

TOP_ISSUES = 10
TOP_RECOMMENDATIONS = 25
TOP_BROKEN = 25
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#|!])")


def md_text(value: Any) -> str:
    """Untrusted text made inert in markdown (no links, HTML or table breaks)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", re.sub(r"[\x00-\x1f\x7f]+", " ", str(value)))


def render_report(state: dict[str, Any], mermaid: str) -> str:
    """The whole report as markdown."""
    parts = [
        _summary(state),
        _issues(state),
        _recommendations(state),
        _clusters(state),
        _broken(state),
    ]
    if mermaid:
        parts.append("## Mesh diagram\n\n```mermaid\n" + mermaid + "\n```\n")
    if state.get("notes"):
        parts.append("## Notes\n\n" + "".join(f"- {md_text(n)}\n" for n in state["notes"]))
    return "\n".join(p for p in parts if p)


def _summary(state: dict[str, Any]) -> str:
    pillar = state.get("pillar") or {}
    rows = [
        ("Site authority score", f"{state.get('authority_score', 0):.1f} / 100"),
        ("Grade", state.get("grade", "F")),
        ("Pages", state.get("total_pages", 0)),
        ("Internal links (distinct page pairs)", state.get("total_links", 0)),
        ("Internal link occurrences", state.get("link_occurrences", 0)),
        ("Mesh density", f"{state.get('mesh_density', 0):.4f}"),
        ("Pillar page", md_text(pillar.get("title", "none"))),
        ("Orphan pages", len(state.get("orphans", []))),
        ("Broken internal links", len(state.get("broken_links", []))),
        ("Missing files (assets)", len(state.get("broken_assets", []))),
        ("Broken anchors", len(state.get("broken_anchors", []))),
        (
            "External links / assets",
            f"{state.get('external_links', 0)} / {state.get('asset_links', 0)}",
        ),
    ]
    table = "| Metric | Value |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows)
    return f"# Topical mesh report\n\nSource: `{md_text(state.get('repo_url', ''))}`\n\n{table}"


def _issues(state: dict[str, Any]) -> str:
    issues = state.get("issues", [])
    if not issues:
        return "## Top issues\n\nNo issues found.\n"
    lines = ["## Top issues\n"]
    for issue in issues[:TOP_ISSUES]:
        lines.append(
            f"- **{issue['severity']}** ({issue['category']}): "
            f"{md_text(issue['description'])} {md_text(issue['impact'])}"
        )
    return "\n".join(lines) + "\n"


def _recommendations(state: dict[str, Any]) -> str:
    recs = state.get("recommendations", [])
    proposed = state.get("proposed_recommendations", len(recs))
    head = f"## Recommendations\n\n{len(recs)} of {proposed} proposed kept.\n"
    if not recs:
        return head
    rows = (
        "| # | Priority | Impact | Action | Source → target | Anchor text |\n"
        "|---|---|---|---|---|---|\n"
    )
    for rec in recs[:TOP_RECOMMENDATIONS]:
        pair = _pair(rec)
        rows += (
            f"| {rec['id']} | {rec['priority']} | {rec['estimated_impact']} | "
            f"{rec['action']} | {pair} | {md_text(rec.get('anchor_text') or '')} |\n"
        )
    return head + "\n" + rows + _shown(len(recs), TOP_RECOMMENDATIONS, "`recommendations`")


def _pair(rec: dict[str, Any]) -> str:
    """`source → target`; a broken link without a guess names the link to fix instead."""
    source = md_text(rec.get("source_page") or "")
    if rec.get("target_page"):
        return f"{source} → {md_text(rec['target_page'])}"
    where = md_text(rec.get("location") or source)
    broken = str(rec.get("broken_target") or "").replace("`", "")
    return f"{where}: fix `{broken}`" if broken else where


def _shown(total: int, limit: int, field: str) -> str:
    """The line under a shortened table: how many rows are shown and where the rest are."""
    if total <= limit:
        return ""
    return f"\nShowing {limit} of {total}; all {total} are in the JSON output's {field}.\n"


def _clusters(state: dict[str, Any]) -> str:
    clusters = state.get("clusters", [])
    if not clusters:
        return ""
    lines = [
        "## Topic clusters\n",
        "| Cluster | Pages | Hub | Linked to pillar |",
        "|---|---|---|---|",
    ]
    for c in clusters[:20]:
        lines.append(
            f"| {md_text(c['label'])} | {c['size']} | {md_text(c['hub'])} | "
            f"{'yes' if c['linked_to_pillar'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def _broken(state: dict[str, Any]) -> str:
    broken = [
        *state.get("broken_links", []),
        *state.get("broken_assets", []),
        *state.get("broken_anchors", []),
    ]
    if not broken:
        return ""
    lines = ["## Broken links, files and anchors\n"]
    for b in broken[:TOP_BROKEN]:
        place = f"{b.get('file', b['source'])}:{b.get('line', 1)}:{b.get('column', 1)}"
        lines.append(
            f"- {md_text(place)} ({b.get('kind', 'broken_link')}): "
            f"`{b['target'].replace('`', '')}` ({md_text(b['reason'])})"
        )
    field = "`broken_links`, `broken_assets` and `broken_anchors`"
    return "\n".join(lines) + "\n" + _shown(len(broken), TOP_BROKEN, field)
