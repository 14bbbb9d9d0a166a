"""The Louvain copy gives a site the clusters networkx's `louvain_communities` gives it:
the same communities, in the same order, for the same seed."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from graphs.topical_mesh.louvain import louvain_communities
from graphs.topical_mesh.scoring import communities


def networkx_communities(n: int, edges: list[tuple[int, int]], seed: int) -> list[set[int]]:
    """What `scoring.communities` computed before the copy."""
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    graph.remove_nodes_from([v for v in list(graph.nodes) if graph.degree(v) == 0])
    if graph.number_of_edges() == 0:
        return []
    found: list[set[int]] = nx.community.louvain_communities(graph, seed=seed)
    return found


def site_like(rng: random.Random, clusters: int, size: int) -> list[tuple[int, int]]:
    """Clusters of pages linking inside, with a hub per cluster and some cross links (as
    generated and real sites have), duplicates and links back included."""
    n = clusters * size
    edges = []
    for page in range(n):
        base = page - page % size
        edges.append((page, base))
        edges += [(page, base + rng.randrange(size)) for _ in range(rng.randint(1, 5))]
        if rng.random() < 0.3:
            edges.append((page, rng.randrange(n)))
    edges += [(c * size, 0) for c in range(clusters)]
    return edges


@pytest.mark.parametrize("seed", range(300))
def test_small_random_graphs_match_networkx(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 90)
    edges = [(rng.randrange(n), rng.randrange(n)) for _ in range(rng.randint(0, 4 * n))]
    assert louvain_communities(n, edges, seed) == networkx_communities(n, edges, seed)


@pytest.mark.parametrize("seed", range(6))
def test_site_like_graphs_match_networkx(seed: int) -> None:
    rng = random.Random(seed)
    edges = site_like(rng, clusters=rng.randint(20, 80), size=25)
    n = max(max(e) for e in edges) + 5  # a few pages without links
    assert louvain_communities(n, edges, 42) == networkx_communities(n, edges, 42)


def test_scoring_clusters_are_networkx_clusters() -> None:
    edges = site_like(random.Random(7), clusters=40, size=25)
    expected = sorted(
        (sorted(c) for c in networkx_communities(1000, edges, 42) if len(c) >= 2),
        key=lambda g: (-len(g), g[0]),
    )
    assert communities(1000, edges) == expected


def test_a_graph_without_links_has_no_communities() -> None:
    assert louvain_communities(5, [], 42) == []
    assert louvain_communities(0, [], 42) == []
