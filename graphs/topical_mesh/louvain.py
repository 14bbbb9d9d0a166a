"""Louvain communities of an unweighted, undirected graph: networkx 3.6's algorithm
(`louvain_communities(G, seed=...)`, resolution 1, threshold 1e-7), step for step.

The clusters a site is given must not change with this faster copy, so it replays what
networkx does in the same order: the same node order and shuffle of each level, each
node's neighbours in networkx's adjacency order (which decides ties between equal
gains), the same float expressions, and modularity summed community by community in
the same order. Edge weights are counts (integers), so their sums are exact whatever
the order. What makes it faster: nodes are list indices, not dict keys of a graph
object, and no graph is rebuilt between levels. `tests/graphs/topical_mesh/test_louvain.py`
compares it with networkx on random graphs and on generated sites.

Derived from networkx's `networkx/algorithms/community/louvain.py`, Copyright (c)
2004-2025, NetworkX Developers, under the 3-clause BSD licence kept beside this file in
`LICENSE-networkx.txt`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

THRESHOLD = 0.0000001

Adjacency = list[dict[int, int]]  # node -> {neighbour: weight}, networkx's insertion order


def louvain_communities(nodes: int, edges: Iterable[tuple[int, int]], seed: int) -> list[set[int]]:
    """The communities networkx finds for `Graph(range(nodes)) + edges` with its degree-0
    nodes removed, as sets of node numbers (the order of the list is networkx's)."""
    adjacency: Adjacency = [{} for _ in range(nodes)]
    for a, b in edges:
        adjacency[a][b] = 1
        adjacency[b][a] = 1
    labels = [v for v in range(nodes) if adjacency[v]]
    if not labels:
        return []
    number = {v: i for i, v in enumerate(labels)}
    graph = _copied([{number[u]: w for u, w in adjacency[v].items()} for v in labels])
    return [{labels[i] for i in group} for group in _partitions(graph, random.Random(seed))]


def _copied(adjacency: Adjacency) -> Adjacency:
    """The graph as `louvain_partitions` copies it: edges re-added in `G.edges()` order,
    which is what orders each node's neighbours from here on."""
    copy: Adjacency = [{} for _ in adjacency]
    for a, b, weight in _edges(adjacency):
        copy[a][b] = weight
        copy[b][a] = weight
    return copy


def _edges(adjacency: Adjacency) -> list[tuple[int, int, int]]:
    """Each edge once, as networkx's `G.edges()` lists them (a self-loop once)."""
    found = []
    for a, neighbours in enumerate(adjacency):
        for b, weight in neighbours.items():
            if b >= a:  # (a neighbour listed before `a` has had its edges listed)
                found.append((a, b, weight))
    return found


def _degrees(adjacency: Adjacency) -> list[int]:
    """Weighted degrees, a self-loop counted twice (networkx's `G.degree(weight=...)`)."""
    return [sum(n.values()) + (v in n and n[v]) for v, n in enumerate(adjacency)]


def _modularity(adjacency: Adjacency, groups: list[set[int]]) -> float:
    """networkx's `modularity(G, groups)`, resolution 1, summed in the same order."""
    degrees = _degrees(adjacency)
    deg_sum = sum(degrees)
    m = deg_sum / 2
    norm = 1 / deg_sum**2

    def contribution(group: set[int]) -> float:
        inside = sum(w for u in group for v, w in adjacency[u].items() if v in group and v >= u)
        degree_sum = sum(degrees[u] for u in group)
        return inside / m - 1 * degree_sum * degree_sum * norm

    return sum(map(contribution, groups))


def _partitions(graph: Adjacency, rng: random.Random) -> list[set[int]]:
    """`louvain_partitions`' last partition (sets of the first graph's nodes)."""
    partition = [{u} for u in range(len(graph))]
    mod = _modularity(graph, partition)
    m = sum(_degrees(graph)) / 2
    partition, inner, _ = _one_level(graph, m, partition, rng)
    while True:
        new_mod = _modularity(graph, inner)
        if new_mod - mod <= THRESHOLD:
            return partition
        mod = new_mod
        graph = _merged(graph, inner)
        found, inner, moved = _one_level(graph, m, partition, rng)
        if not moved:
            return partition  # (networkx stops without yielding the unchanged level)
        partition = found


def _one_level(
    graph: Adjacency, m: float, partition: list[set[int]], rng: random.Random
) -> tuple[list[set[int]], list[set[int]], bool]:
    """networkx's `_one_level` (undirected, resolution 1): move nodes to the neighbouring
    community of best gain until none moves. Returns the communities as sets of
    first-graph nodes and of this level's nodes, and whether any node moved."""
    size = len(graph)
    node2com = list(range(size))
    inner = [{u} for u in range(size)]
    degrees = _degrees(graph)
    stot = list(degrees)
    nbrs = [[v for v in n if v != u] for u, n in enumerate(graph)]
    nbr_weights = [[w for v, w in n.items() if v != u] for u, n in enumerate(graph)]
    outside = [len(n) for n in nbrs]  # neighbours in another community than the node's
    order = list(range(size))
    rng.shuffle(order)
    two_m2 = 2 * m**2
    moves = 1
    moved = False
    while moves > 0:
        moves = 0
        for u in order:
            if not outside[u]:
                continue  # no other community to join: networkx keeps it where it is
            here = node2com[u]
            coms = [node2com[v] for v in nbrs[u]]
            best_mod: float = 0
            best_com = here
            weights: dict[int, float] = {}
            for com, wt in zip(coms, nbr_weights[u], strict=True):
                weights[com] = weights.get(com, 0.0) + wt
            degree = degrees[u]
            stot[best_com] -= degree
            if best_com not in weights:
                weights[best_com] = 0.0  # (networkx reads it from a defaultdict)
            remove_cost = -weights[best_com] / m + (stot[best_com] * degree) / two_m2
            for nbr_com, wt in weights.items():
                gain = remove_cost + wt / m - (stot[nbr_com] * degree) / two_m2
                if gain > best_mod:
                    best_mod = gain
                    best_com = nbr_com
            stot[best_com] += degree
            if best_com != here:
                moved = True
                moves += 1
                node2com[u] = best_com
                outside[u] = len(coms) - coms.count(best_com)
                for v, com in zip(nbrs[u], coms, strict=True):
                    if com == here:
                        outside[v] += 1
                    elif com == best_com:
                        outside[v] -= 1
                inner[here].remove(u)
                inner[best_com].add(u)
    return (*_regrouped(partition, node2com, inner), moved)


def _regrouped(
    partition: list[set[int]], node2com: list[int], inner: list[set[int]]
) -> tuple[list[set[int]], list[set[int]]]:
    """The level's communities as sets of first-graph nodes and of this level's nodes,
    empty ones left out (in community order, as networkx keeps them)."""
    outer: list[set[int]] = [set() for _ in inner]
    for u, com in enumerate(node2com):
        outer[com] |= partition[u]
    return [s for s in outer if s], [s for s in inner if s]


def _merged(graph: Adjacency, inner: list[set[int]]) -> Adjacency:
    """networkx's `_gen_graph`: one node per community, edge weights summed, each node's
    neighbours in the order its edges are first met in `G.edges()`."""
    com_of = [0] * len(graph)
    for i, group in enumerate(inner):
        for u in group:
            com_of[u] = i
    merged: Adjacency = [{} for _ in inner]
    for a, b, weight in _edges(graph):
        ca, cb = com_of[a], com_of[b]
        total = merged[ca].get(cb, 0) + weight
        merged[ca][cb] = total
        merged[cb][ca] = total
    return merged
