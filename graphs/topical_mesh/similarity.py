"""Pairs of unlinked pages about the same topic: TF-IDF cosine over titles, headings, body.

Each page keeps its `TOP_TERMS` heaviest terms (tf = 1 + ln(count), idf = ln((1+N)/(1+df))
+ 1, L2-normalised); candidate pairs come from an inverted index over those terms, so the
cost grows with the number of shared rare terms, not with N squared.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import Counter
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

TOP_TERMS = 20
PER_PAGE = 3
THRESHOLD = 0.3
MAX_POSTINGS = 200
MAX_PAIRS = 1000
_WEIGHT = itemgetter(1)  # nlargest by weight (ties keep their order, as with a lambda)
# A page's term counts packed in two tuples, (terms, counts), in first-seen order: a third
# of a Counter's memory, and cheaper to pickle from the page-reading workers.
PackedTerms = tuple[tuple[str, ...], tuple[int, ...]]
NO_TERMS: PackedTerms = ((), ())
TermCounts = Counter[str] | PackedTerms


def pack_terms(counts: Counter[str]) -> PackedTerms:
    """`counts` as (terms, counts), in the Counter's order."""
    return tuple(counts), tuple(counts.values())


def _counted(counts: TermCounts) -> Iterable[tuple[str, int]]:
    return zip(*counts, strict=True) if isinstance(counts, tuple) else counts.items()


def term_vectors(term_counts: list[TermCounts], release: bool = False) -> list[dict[str, float]]:
    """Sparse, normalised TF-IDF vectors holding each page's heaviest terms.

    `release` drops each page's counts from `term_counts` once its vector is made (the
    caller's list, whose counts nothing else holds): on a big site they are a large share
    of the audit's peak memory, and would otherwise live alongside the vectors.
    """
    n = len(term_counts)
    df: Counter[str] = Counter()
    for counts in term_counts:
        df.update(counts[0] if isinstance(counts, tuple) else counts.keys())
    idf = {term: math.log((1 + n) / (1 + seen)) + 1.0 for term, seen in df.items()}
    tf: dict[int, float] = {}
    vectors = []
    for k, counts in enumerate(term_counts):
        weights = {}
        for term, count in _counted(counts):
            weight = tf.get(count)
            if weight is None:
                weight = tf[count] = 1.0 + math.log(count)
            weights[term] = weight * idf[term]
        top = _largest(TOP_TERMS, weights.items())
        norm = math.sqrt(sum(w * w for _, w in top)) or 1.0
        vectors.append({term: w / norm for term, w in top})
        if release:
            term_counts[k] = NO_TERMS
    return vectors


def similar_unlinked_pairs(
    vectors: list[dict[str, float]],
    linked: set[tuple[int, int]],
    groups: list[Any] | None = None,
) -> list[tuple[int, int, float, list[str]]]:
    """Up to MAX_PAIRS (a, b, cosine, shared terms), a < b, not linked either way.

    `groups` (one value per page, or None for every page) keeps apart pages that are
    versions of each other: two pages whose values are both set, of the same instance
    (first item) and of different versions, are never a pair.
    """
    # (page numbers, weights) of each term, as compact arrays: a big site has millions
    postings: dict[str, tuple[array[int], array[float]]] = {}
    for i, vector in enumerate(vectors):
        for term, weight in vector.items():
            posting = postings.get(term)
            if posting is None:
                posting = postings[term] = (array("l"), array("d"))
            posting[0].append(i)
            posting[1].append(weight)
    # terms on more than MAX_POSTINGS pages say little about a pair: never looked at
    usable = {term: p for term, p in postings.items() if len(p[0]) <= MAX_POSTINGS}
    del postings
    best: dict[tuple[int, int], float] = {}
    for i, vector in enumerate(vectors):
        scores: dict[int, float] = {}
        score = scores.get
        for term, weight in vector.items():
            posting = usable.get(term)
            if posting is None:
                continue
            for j, other in zip(*posting, strict=True):  # in page order, as before
                scores[j] = score(j, 0.0) + weight * other
        scores.pop(i, None)  # the page itself (the others keep their order)
        if groups is not None and groups[i] is not None:
            _drop_other_versions(scores, groups, groups[i])
        top = _largest(PER_PAGE + 4, scores.items())
        kept = 0
        for j, score in top:
            if score < THRESHOLD or kept >= PER_PAGE:
                break
            if (i, j) in linked or (j, i) in linked:
                continue
            kept += 1
            key = (min(i, j), max(i, j))
            best[key] = max(best.get(key, 0.0), score)
    ranked = heapq.nlargest(MAX_PAIRS, best.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
    return [(a, b, round(s, 4), _shared(vectors[a], vectors[b])) for (a, b), s in ranked]


def _largest(count: int, items: Iterable[tuple[Any, float]]) -> list[tuple[Any, float]]:
    """`heapq.nlargest(count, items, key=weight)`: the same items in the same order (the
    sort is stable, ties keep their order), faster on the few dozen items of a page."""
    return sorted(items, key=_WEIGHT, reverse=True)[:count]


def _drop_other_versions(scores: dict[int, float], groups: list[Any], own: Any) -> None:
    for j in [j for j in scores if groups[j] is not None and groups[j][0] == own[0]]:
        if groups[j][1] != own[1]:
            del scores[j]


def _shared(a: dict[str, float], b: dict[str, float]) -> list[str]:
    """The three terms adding most to the cosine; ties keep `a`'s order (its heaviest
    terms first), never the per-process order of a set of strings (PYTHONHASHSEED)."""
    common = sorted((t for t in a if t in b), key=lambda t: -(a[t] * b[t]))
    return common[:3]
