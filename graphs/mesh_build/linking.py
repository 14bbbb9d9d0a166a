"""The deterministic linking strategy of a planned mesh, scored like topical_mesh scores
a real site (the same `score_site`, imported, not copied).

Round 0 links the pillar to every cluster and every cluster back to the pillar. Each
further round links every cluster, both ways, to its next most similar cluster (TF-IDF
cosine of title, brief and questions, as topical_mesh's similarity module computes it),
until the plan reaches the target authority score or no related pair is left.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import networkx as nx

from graphs.topical_mesh.scoring import score_site
from graphs.topical_mesh.similarity import term_vectors

MIN_SIMILARITY = 0.1
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "the",
        "to",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
    }
)


def plan_links(plan: dict[str, Any], target: float) -> dict[str, Any]:
    """Links, score, grade, rounds and a note saying whether `target` was reached."""
    pages: list[dict[str, Any]] = [plan["pillar"], *plan["clusters"]]
    mesh = nx.DiGraph()
    mesh.add_nodes_from(range(len(pages)))
    for i in range(1, len(pages)):
        mesh.add_edge(0, i, kind="pillar")
        mesh.add_edge(i, 0, kind="cluster")
    related = _related(pages)
    scored = _score(pages, mesh)
    rounds = [_round(0, mesh, scored)]
    depth = 0
    while scored["authority_score"] < target:
        added = 0
        for i, candidates in related.items():
            if depth < len(candidates):
                j = candidates[depth]
                for a, b in ((i, j), (j, i)):
                    if not mesh.has_edge(a, b):
                        mesh.add_edge(a, b, kind="related")
                        added += 1
        if depth >= max((len(c) for c in related.values()), default=0):
            break
        depth += 1
        if added:
            scored = _score(pages, mesh)
            rounds.append(_round(len(rounds), mesh, scored))
    reached = scored["authority_score"] >= target
    return {
        "links": [_link(pages, a, b, kind) for a, b, kind in sorted(mesh.edges(data="kind"))],
        "authority_score": scored["authority_score"],
        "grade": scored["grade"],
        "target_reached": reached,
        "link_note": _note(reached, scored["authority_score"], target, rounds, related),
        "rounds": rounds,
    }


def similarity(pages: list[dict[str, Any]]) -> list[list[float]]:
    """Cosine similarity of every pair of pages (TF-IDF of title x3, brief, questions)."""
    vectors = term_vectors([_terms(p) for p in pages])
    return [[sum(w * b.get(t, 0.0) for t, w in a.items()) for b in vectors] for a in vectors]


def _related(pages: list[dict[str, Any]]) -> dict[int, list[int]]:
    """For each cluster, the other clusters at MIN_SIMILARITY or more, most similar first."""
    sims = similarity(pages)
    clusters = range(1, len(pages))
    return {
        i: sorted(
            (j for j in clusters if j != i and sims[i][j] >= MIN_SIMILARITY),
            key=lambda j: (-sims[i][j], j),
        )
        for i in clusters
    }


def _terms(page: dict[str, Any]) -> Counter[str]:
    text = " ".join(
        [page.get("title", "")] * 3 + [page.get("brief", ""), *page.get("key_questions", [])]
    )
    return Counter(w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1)


def _score(pages: list[dict[str, Any]], mesh: nx.DiGraph) -> dict[str, Any]:
    site_pages = [{"id": p["slug"], "title": p["title"], "path": f"{p['slug']}.md"} for p in pages]
    links = [[a, b, 1] for a, b in sorted(mesh.edges())]
    return score_site(site_pages, links, [], 0, 0)


def _round(number: int, mesh: nx.DiGraph, scored: dict[str, Any]) -> dict[str, Any]:
    return {
        "round": number,
        "links": mesh.number_of_edges(),
        "authority_score": scored["authority_score"],
        "grade": scored["grade"],
    }


def _link(pages: list[dict[str, Any]], a: int, b: int, kind: str) -> dict[str, Any]:
    return {
        "source": pages[a]["slug"],
        "target": pages[b]["slug"],
        "anchor_text": pages[b]["title"].lower() if kind != "cluster" else pages[b]["title"],
        "kind": kind,
    }


def _note(
    reached: bool,
    score: float,
    target: float,
    rounds: list[dict[str, Any]],
    related: dict[int, list[int]],
) -> str:
    last = rounds[-1]
    if reached:
        return (
            f"authority score {score:.1f} reaches the target {target:.1f} after "
            f"{len(rounds) - 1} round(s) of related links ({last['links']} links)"
        )
    pairs = sum(len(c) for c in related.values()) // 2
    return (
        f"authority score {score:.1f} stays below the target {target:.1f}: the pillar and "
        f"clusters are linked both ways and all {pairs} related cluster pair(s) "
        f"(similarity >= {MIN_SIMILARITY}) are linked; more links would join unrelated pages"
    )
