"""Issues and recommendations derived from the scored link graph.

Impact estimates (0-100) are fixed per kind of change and adjusted as described in
docs/topical-mesh.md; recommendations are ordered by impact, then by id.
"""

from __future__ import annotations

import difflib
import posixpath
from collections import defaultdict
from typing import Any

MAX_RECOMMENDATIONS = 200
MAX_LISTED = 50
DEEP_CLICKS = 3
MAX_GUESS_CANDIDATES = 300


def find_issues(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Problems of the mesh, most severe first."""
    pages: list[dict[str, Any]] = state.get("pages", [])
    n = len(pages) or 1
    issues: list[dict[str, Any]] = []
    unreachable = [p["id"] for p in pages if p["orphan_kind"] == "unreachable"]
    nav_only = [p["id"] for p in pages if p["orphan_kind"] == "content_orphan"]
    broken = state.get("broken_links", [])
    occurrences = state.get("link_occurrences", 0)
    if unreachable:
        share = len(unreachable) / n
        issues.append(
            _issue(
                "critical" if share > 0.25 else "high" if share > 0.1 else "medium",
                "orphan_pages",
                f"{len(unreachable)} page(s) receive no internal link and are not in "
                "the navigation.",
                unreachable,
                "Readers and crawlers cannot reach these pages by following links.",
            )
        )
    if nav_only:
        issues.append(
            _issue(
                "medium" if len(nav_only) / n > 0.1 else "low",
                "content_orphans",
                f"{len(nav_only)} page(s) are reached only from the navigation.",
                nav_only,
                "No page passes topical context or authority to them.",
            )
        )
    if broken:
        share = len(broken) / max(1, occurrences + len(broken))
        issues.append(
            _issue(
                "critical" if share > 0.2 else "high" if share > 0.05 else "medium",
                "broken_links",
                f"{len(broken)} internal link(s) point to no page.",
                sorted({b["source"] for b in broken}),
                "Broken links waste authority and frustrate readers.",
            )
        )
    for key, category, what, severity in (
        ("broken_assets", "broken_assets", "link(s) or embed(s) point to no file", "medium"),
        (
            "broken_anchors",
            "broken_anchors",
            "link(s) point to a heading or id that is not there",
            "low",
        ),
    ):
        found = state.get(key, [])
        if found:
            issues.append(
                _issue(
                    severity,
                    category,
                    f"{len(found)} {what}.",
                    sorted({f["source"] for f in found}),
                    "Readers get a missing image or land at the top of the page.",
                )
            )
    issues += _structure_issues(state, pages, n)
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    return sorted(issues, key=lambda i: (order[i["severity"]], i["category"]))


def _structure_issues(
    state: dict[str, Any], pages: list[dict[str, Any]], n: int
) -> list[dict[str, Any]]:
    issues = []
    pillar = state.get("pillar")
    if pillar and n > 2 and pillar["inbound_links"] < max(2, 0.1 * (n - 1)):
        issues.append(
            _issue(
                "medium",
                "weak_pillar",
                f"The pillar page {pillar['id']} receives links from only "
                f"{pillar['inbound_links']} page(s).",
                [pillar["id"]],
                "Cluster pages should link back to the pillar to concentrate authority on it.",
            )
        )
    deep = [p["id"] for p in pages if (p["click_depth"] or 0) > DEEP_CLICKS]
    if deep:
        issues.append(
            _issue(
                "medium",
                "deep_pages",
                f"{len(deep)} page(s) are more than {DEEP_CLICKS} clicks from the pillar.",
                deep,
                "Deep pages are crawled less and found less.",
            )
        )
    loose = [c for c in state.get("clusters", []) if not c["linked_to_pillar"]]
    if loose:
        issues.append(
            _issue(
                "medium",
                "clusters_not_linked_to_pillar",
                f"{len(loose)} topic cluster(s) have no link to or from the pillar.",
                [c["hub"] for c in loose],
                "The topic hierarchy is broken: these clusters float apart.",
            )
        )
    dead_ends = [p["id"] for p in pages if p["outbound_links"] == 0]
    if dead_ends and n > 1:
        issues.append(
            _issue(
                "low",
                "no_outbound_links",
                f"{len(dead_ends)} page(s) link to no other page.",
                dead_ends,
                "Readers reaching these pages have nowhere to go next.",
            )
        )
    escaped = state.get("escaped_links", [])
    if escaped:
        issues.append(
            _issue(
                "low",
                "links_outside_content",
                f"{len(escaped)} link(s) climb out of the content folder.",
                sorted({e["source"] for e in escaped}),
                "They work in the repository view but not on the built site.",
            )
        )
    return issues


def _issue(
    severity: str, category: str, description: str, pages: list[str], impact: str
) -> dict[str, Any]:
    listed = pages[:MAX_LISTED]
    if len(pages) > len(listed):
        description += f" (first {len(listed)} listed)"
    return {
        "severity": severity,
        "category": category,
        "description": description,
        "affected_pages": listed,
        "impact": impact,
    }


def recommend(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Concrete changes ordered by estimated impact, numbered rec-1, rec-2, ..."""
    pages: list[dict[str, Any]] = state.get("pages", [])
    if not pages:
        return []
    by_id = {p["id"]: p for p in pages}
    pillar = state["pillar"]["id"] if state.get("pillar") else pages[0]["id"]
    similar = _similar_map(state, pages)
    items: list[dict[str, Any]] = []
    for page in pages:
        if page["is_orphan"]:
            source = similar.get(page["id"], pillar)
            impact = 80 if page["orphan_kind"] == "unreachable" else 65
            items.append(
                _link(
                    source, page, by_id, impact, "high", "link_orphan", "receives no internal link"
                )
            )
        elif (page["click_depth"] or 0) > DEEP_CLICKS:
            items.append(
                _link(
                    pillar,
                    page,
                    by_id,
                    min(70, 45 + 5 * page["click_depth"]),
                    "medium",
                    "shorten_path",
                    f"is {page['click_depth']} clicks from the pillar",
                )
            )
    items += _broken_fixes(state, by_id)
    for cluster in state.get("clusters", []):
        if not cluster["linked_to_pillar"]:
            items.append(
                _link(
                    pillar,
                    by_id[cluster["hub"]],
                    by_id,
                    70,
                    "high",
                    "link_cluster",
                    f"heads the cluster '{cluster['label']}', which is not linked to the pillar",
                )
            )
    for a, b, score, terms in state.get("similar_pairs", [])[:MAX_RECOMMENDATIONS]:
        source, target = sorted((pages[a], pages[b]), key=lambda p: (-p["authority"], p["id"]))
        items.append(
            _link(
                source["id"],
                target,
                by_id,
                int(25 + 35 * min(1.0, score)),
                "low",
                "link_related",
                f"shares the topic ({', '.join(terms)})",
            )
        )
    for page in pages:
        if page["outbound_links"] == 0 and page["id"] != pillar and len(pages) > 1:
            items.append(
                _link(
                    page["id"],
                    by_id[pillar],
                    by_id,
                    35,
                    "low",
                    "add_outbound",
                    "is reachable from here but this page links nowhere",
                )
            )
    ranked = sorted(
        items,
        key=lambda r: (
            -r["estimated_impact"],
            r["action"],
            r["source_page"] or "",
            r["target_page"] or "",
        ),
    )
    ranked = [r for r in ranked if r["source_page"] != r["target_page"]]
    ranked = _dedupe(ranked)[:MAX_RECOMMENDATIONS]
    for number, item in enumerate(ranked, start=1):
        item["id"] = f"rec-{number}"
    return ranked


def _similar_map(state: dict[str, Any], pages: list[dict[str, Any]]) -> dict[str, str]:
    """For each page, the most similar page that is not an orphan itself."""
    best: dict[str, str] = {}
    for a, b, _score, _terms in state.get("similar_pairs", []):
        for x, y in ((a, b), (b, a)):
            if pages[x]["id"] not in best and not pages[y]["is_orphan"]:
                best[pages[x]["id"]] = pages[y]["id"]
    return best


def _link(
    source: str,
    target: dict[str, Any],
    by_id: dict[str, dict[str, Any]],
    impact: int,
    priority: str,
    action: str,
    why: str,
) -> dict[str, Any]:
    source_title = by_id[source]["title"] if source in by_id else source
    return {
        "id": "",
        "priority": _priority(impact, priority),
        "action": action,
        "description": f"Link from '{source_title}' to '{target['title']}': the target {why}.",
        "estimated_effort": "low",
        "estimated_impact": impact,
        "affected_pages": [source, target["id"]],
        "source_page": source,
        "target_page": target["id"],
        "anchor_text": target["title"],
    }


def _priority(impact: int, floor: str) -> str:
    level = "high" if impact >= 70 else "medium" if impact >= 45 else "low"
    rank = {"low": 0, "medium": 1, "high": 2}
    return level if rank[level] >= rank[floor] else floor


def _broken_fixes(state: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    folders: dict[str, list[str]] = defaultdict(list)
    for page_id in by_id:
        folders[posixpath.dirname(page_id)].append(page_id)
    items = []
    for link in state.get("broken_links", [])[:MAX_RECOMMENDATIONS]:
        target = _closest_page(link, folders, by_id)
        hint = f" Did you mean '{target['id']}'?" if target else " Remove it or create the page."
        place = f"{link.get('file', link['source'])}:{link.get('line', 1)}:{link.get('column', 1)}"
        items.append(
            {
                "id": "",
                "priority": "high",
                "action": "fix_broken_link",
                "description": f"Fix the link to '{link['target']}' at {place} "
                f"({link['reason']}).{hint}",
                "estimated_effort": "low",
                "estimated_impact": 75,
                "affected_pages": [link["source"]],
                "source_page": link["source"],
                "target_page": target["id"] if target else None,
                "anchor_text": target["title"] if target else None,
                "broken_target": link["target"],
                "location": place,
            }
        )
    return items


def _closest_page(
    link: dict[str, str], folders: dict[str, list[str]], by_id: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The page whose path is closest to the broken target, among its folder's pages."""
    raw = link["target"].split("#", 1)[0].strip("/")
    wanted = posixpath.normpath(posixpath.join(posixpath.dirname(link["source"]), raw))
    candidates = folders.get(posixpath.dirname(wanted)) or folders.get(
        posixpath.dirname(link["source"]), []
    )
    candidates = [c for c in candidates if c != link["source"]]
    guess = difflib.get_close_matches(wanted, candidates[:MAX_GUESS_CANDIDATES], n=1, cutoff=0.6)
    return by_id[guess[0]] if guess else None


def _dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[tuple[str, str | None, str | None, str]] = set()
    kept = []
    for item in items:
        key = (item["action"], item["source_page"], item["target_page"], item["description"])
        pair = ("link", item["source_page"], item["target_page"], "")
        if key in seen or (item["action"] != "fix_broken_link" and pair in seen):
            continue
        seen.update({key, pair} if item["action"] != "fix_broken_link" else {key})
        kept.append(item)
    return kept


def review_question(recommendations: list[dict[str, Any]]) -> dict[str, Any]:
    """The value passed to interrupt() when a person reviews the recommendations."""
    return {
        "question": "Which recommendations go into the report?",
        "choices": [
            {
                "id": r["id"],
                "label": r["description"][:200],
                "detail": f"{r['priority']} priority, impact {r['estimated_impact']}, "
                f"effort {r['estimated_effort']}",
                "checked": True,
            }
            for r in recommendations
        ],
        "answer_key": "accepted",
    }


def accepted_ids(answer: Any, recommendations: list[dict[str, Any]]) -> set[str]:
    """The ids a review answer accepts: {"accepted": [...]} or a plain list of ids."""
    if isinstance(answer, dict):
        answer = answer.get("accepted", [])
    if isinstance(answer, str):
        answer = [answer]
    if not isinstance(answer, list | tuple | set):
        raise ValueError("The review answer must be {'accepted': [ids]} or a list of ids.")
    known = {r["id"] for r in recommendations}
    return {str(x) for x in answer if str(x) in known}
