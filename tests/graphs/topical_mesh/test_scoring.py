"""Metric formulas: PageRank scaling, grade bands, density, pillar, click depth, clusters."""

from __future__ import annotations

import math

import pytest

from graphs.topical_mesh.scoring import authority_scale, grade_for, pagerank, score_site


def pages(n: int) -> list[dict[str, object]]:
    return [
        {"id": f"p{i}.md", "title": f"P{i}", "path": f"p{i}.md", "url": f"/p{i}/", "word_count": 10}
        for i in range(n)
    ]


def test_pagerank_sums_to_one_and_favours_the_linked_page() -> None:
    rank = pagerank(3, [[2], [2], [0]])
    assert math.isclose(sum(rank), 1.0, rel_tol=1e-6)
    assert rank[2] > rank[0] > rank[1]


def test_authority_is_log_scaled_with_the_strongest_page_at_100() -> None:
    rank = [0.5, 0.25, 0.25]
    scaled = authority_scale(rank)
    assert scaled[0] == 100.0
    assert scaled[1] == round(100 * math.log1p(0.75) / math.log1p(1.5), 1)
    assert authority_scale([1 / 4] * 4) == [100.0] * 4


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A+"), (95, "A+"), (94.9, "A"), (85, "A"), (70, "B"), (55, "C"), (40, "D"), (39.9, "F")],
)
def test_grade_bands(score: float, grade: str) -> None:
    assert grade_for(score) == grade


def test_a_fully_linked_site_scores_100_with_density_1() -> None:
    links = [[a, b, 1] for a in range(4) for b in range(4) if a != b]
    result = score_site(pages(4), links, [], 0, 0)
    assert result["mesh_density"] == 1.0
    assert result["authority_score"] == 100.0 and result["grade"] == "A+"
    assert result["orphans"] == []


def test_orphans_depth_and_pillar_without_a_home_page() -> None:
    # 0 -> 1 -> 2 -> 3 -> 4 -> 5, 1 <-> 0, page 6 alone, page 7 only in navigation
    links = [[0, 1, 1], [1, 0, 1], [1, 2, 1], [2, 3, 1], [3, 4, 1], [4, 5, 1]]
    result = score_site(pages(8), links, [[7, 1]], None, 2)
    assert result["pillar"]["id"] == "p1.md"  # most connected
    by_id = {p["id"]: p for p in result["pages"]}
    assert by_id["p5.md"]["click_depth"] == 4
    assert by_id["p7.md"]["click_depth"] == 1
    assert by_id["p6.md"]["click_depth"] is None
    assert set(result["orphans"]) == {"p6.md", "p7.md"}
    assert result["content_orphans"] == ["p7.md"]
    assert by_id["p6.md"]["orphan_kind"] == "unreachable"
    assert result["components"]["link_health"] == pytest.approx(6 / 8)
    assert result["mesh_density"] == round(6 / (8 * 7), 6)


def ring(base: int) -> list[list[int]]:
    forward = [[base + i, base + (i + 1) % 5, 1] for i in range(5)]
    return forward + [[b, a, 1] for a, b, _ in forward]


def test_clusters_are_found_and_labelled_by_their_strongest_page() -> None:
    links = ring(0) + ring(5) + [[0, 5, 1]]
    result = score_site(pages(10), links, [], 0, 0)
    assert len(result["clusters"]) == 2
    assert sorted(c["size"] for c in result["clusters"]) == [5, 5]
    for cluster in result["clusters"]:
        hub = next(p for p in result["pages"] if p["id"] == cluster["hub"])
        assert cluster["label"] == hub["title"]
    assert all(c["linked_to_pillar"] for c in result["clusters"])


def test_an_empty_site_scores_zero() -> None:
    result = score_site([], [], [], None, 0)
    assert result["total_pages"] == 0 and result["grade"] == "F" and result["pillar"] is None
