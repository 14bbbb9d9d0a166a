"""Link-graph metrics: authority, pillar, clusters, orphans, click depth, site score.

Every formula here is written out in docs/topical-mesh.md; keep the two in step.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from graphs.topical_mesh.louvain import louvain_communities

DAMPING = 0.85
MAX_ITERATIONS = 100
TOLERANCE = 1e-8
TARGET_OUTBOUND = 3.0
DEEP_CLICKS = 3
WEIGHTS = {
    "linked": 0.25,
    "reach": 0.20,
    "link_health": 0.20,
    "connectivity": 0.20,
    "cohesion": 0.15,
}
GRADES = ((95.0, "A+"), (85.0, "A"), (70.0, "B"), (55.0, "C"), (40.0, "D"))


def pagerank(n: int, out_links: list[list[int]]) -> list[float]:
    """PageRank by power iteration; dangling pages spread their rank evenly."""
    if n == 0:
        return []
    rank = [1.0 / n] * n
    for _ in range(MAX_ITERATIONS):
        dangling = sum(rank[i] for i in range(n) if not out_links[i])
        base = (1.0 - DAMPING) / n + DAMPING * dangling / n
        new = [base] * n
        for i, targets in enumerate(out_links):
            if targets:
                share = DAMPING * rank[i] / len(targets)
                for j in targets:
                    new[j] += share
        delta = sum(abs(a - b) for a, b in zip(new, rank, strict=True))
        rank = new
        if delta < TOLERANCE * n:
            break
    return rank


def authority_scale(rank: list[float]) -> list[float]:
    """0-100: 100 * ln(1 + N*pr) / ln(1 + N*pr_max) (log scale, strongest page = 100)."""
    n = len(rank)
    if n == 0:
        return []
    top = math.log1p(n * max(rank))
    return [round(100.0 * math.log1p(n * r) / top, 1) if top > 0 else 100.0 for r in rank]


def click_depths(
    n: int, out_links: list[list[int]], start: int, nav: list[int]
) -> list[int | None]:
    """Clicks from `start` over content links; navigation targets are one click away."""
    depth: list[int | None] = [None] * n
    depth[start] = 0
    queue = deque([start])
    first = [*out_links[start], *nav]
    while queue:
        page = queue.popleft()
        nexts = first if page == start else out_links[page]
        for target in nexts:
            if depth[target] is None:
                depth[target] = (depth[page] or 0) + 1
                queue.append(target)
    return depth


def communities(n: int, edges: list[tuple[int, int]]) -> list[list[int]]:
    """Louvain communities (seed 42) of the undirected link graph, 2 pages or more (the
    communities networkx's `louvain_communities` finds, by a faster copy of it)."""
    found = louvain_communities(n, edges, seed=42)
    groups = [sorted(c) for c in found if len(c) >= 2]
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def grade_for(score: float) -> str:
    """A+ >= 95, A >= 85, B >= 70, C >= 55, D >= 40, else F."""
    return next((grade for floor, grade in GRADES if score >= floor), "F")


def score_site(
    pages: list[dict[str, Any]],
    links: list[list[int]],
    nav_links: list[list[int]],
    home: int | None,
    broken_count: int,
) -> dict[str, Any]:
    """All metrics of the site, as state updates."""
    n = len(pages)
    if n == 0:
        return _empty()
    out_links: list[list[int]] = [[] for _ in range(n)]
    inbound = [0] * n
    for a, b, _count in links:
        out_links[a].append(b)
        inbound[b] += 1
    nav_in = [0] * n
    for target, count in nav_links:
        nav_in[target] += count
    authority = authority_scale(pagerank(n, out_links))
    pillar = (
        home
        if home is not None
        else max(range(n), key=lambda i: (inbound[i] + len(out_links[i]), authority[i], -i))
    )
    depth = click_depths(n, out_links, pillar, [t for t, _ in nav_links])
    groups = communities(n, [(a, b) for a, b, _ in links])
    cluster_of = {page: k + 1 for k, group in enumerate(groups) for page in group}
    linked_pillar = set(out_links[pillar]) | {a for a, b, _ in links if b == pillar} | {pillar}
    clusters = [_cluster(k + 1, g, pages, authority, linked_pillar) for k, g in enumerate(groups)]
    orphan_kind = [
        None if i == pillar or inbound[i] else ("content_orphan" if nav_in[i] else "unreachable")
        for i in range(n)
    ]
    enriched = [
        {
            **page,
            "authority": authority[i],
            "inbound_links": inbound[i],
            "outbound_links": len(out_links[i]),
            "nav_inbound_links": nav_in[i],
            "click_depth": depth[i],
            "is_pillar": i == pillar,
            "is_orphan": orphan_kind[i] is not None,
            "orphan_kind": orphan_kind[i],
            "cluster": cluster_of.get(i),
        }
        for i, page in enumerate(pages)
    ]
    components = _components(
        enriched, len(links), sum(c for *_, c in links), broken_count, clusters
    )
    score = round(100.0 * sum(WEIGHTS[k] * v for k, v in components.items()), 1)
    return {
        "pages": enriched,
        "authority_score": score,
        "grade": grade_for(score),
        "total_pages": n,
        "total_links": len(links),
        "mesh_density": round(len(links) / (n * (n - 1)), 6) if n > 1 else 0.0,
        "pillar": _pillar(enriched[pillar]),
        "clusters": clusters,
        "orphans": [p["id"] for p in enriched if p["is_orphan"]],
        "content_orphans": [p["id"] for p in enriched if p["orphan_kind"] == "content_orphan"],
        "components": components,
    }


def _components(
    pages: list[dict[str, Any]],
    edges: int,
    occurrences: int,
    broken: int,
    clusters: list[dict[str, Any]],
) -> dict[str, float]:
    n = len(pages)
    candidates = n - 1  # every page but the pillar can be an orphan
    orphans = sum(1 for p in pages if p["is_orphan"])
    near = sum(1 for p in pages if p["click_depth"] is not None and p["click_depth"] <= DEEP_CLICKS)
    linked_clusters = sum(1 for c in clusters if c["linked_to_pillar"])
    return {
        "linked": 1.0 - orphans / candidates if candidates else 1.0,
        "reach": near / n,
        "link_health": occurrences / (occurrences + broken) if occurrences + broken else 1.0,
        "connectivity": min(1.0, edges / n / TARGET_OUTBOUND),
        "cohesion": linked_clusters / len(clusters) if clusters else 1.0,
    }


def _cluster(
    number: int,
    group: list[int],
    pages: list[dict[str, Any]],
    authority: list[float],
    linked_pillar: set[int],
) -> dict[str, Any]:
    hub = max(group, key=lambda i: (authority[i], -i))
    return {
        "id": number,
        "label": pages[hub]["title"],
        "size": len(group),
        "pages": [pages[i]["id"] for i in group],
        "hub": pages[hub]["id"],
        "linked_to_pillar": any(i in linked_pillar for i in group),
    }


def _pillar(page: dict[str, Any]) -> dict[str, Any]:
    return {
        k: page[k] for k in ("id", "title", "path", "authority", "inbound_links", "outbound_links")
    }


def _empty() -> dict[str, Any]:
    return {
        "pages": [],
        "authority_score": 0.0,
        "grade": "F",
        "total_pages": 0,
        "total_links": 0,
        "mesh_density": 0.0,
        "pillar": None,
        "clusters": [],
        "orphans": [],
        "content_orphans": [],
        "components": {},
    }
