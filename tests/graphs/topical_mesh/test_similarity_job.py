"""Similar pages found in a worker process while links are checked: the in-process answer."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from graphs.topical_mesh import similarity_job
from graphs.topical_mesh.similarity import similar_unlinked_pairs, term_vectors
from graphs.topical_mesh.similarity_job import PROCESS_THRESHOLD, SimilarityJob

TOPICS = [[f"topic{t}word{k}" for k in range(12)] for t in range(60)]


def _site(pages: int) -> list[Counter[str]]:
    """Pages drawing their words from one of 60 topics (fixed seed: the same every run)."""
    rng = random.Random(15)
    counts = []
    for _ in range(pages):
        words = rng.choice(TOPICS)
        counts.append(Counter({rng.choice(words): rng.randint(1, 5) for _ in range(8)}))
    return counts


def _linked(pages: int) -> set[tuple[int, int]]:
    return {(i, (i * 7 + 3) % pages) for i in range(0, pages, 2)}


def _groups(pages: int) -> list[tuple[int, str] | None]:
    """Every third page is one of two versions of one docs instance."""
    return [(1, "current" if i % 2 else "1.0") if i % 3 == 0 else None for i in range(pages)]


def test_a_big_site_is_compared_in_a_worker_with_the_in_process_answer() -> None:
    pages = PROCESS_THRESHOLD + 100
    counts, linked, groups = _site(pages), _linked(pages), _groups(pages)
    expected = similar_unlinked_pairs(term_vectors(counts), linked, groups)
    job = SimilarityJob(counts, groups)
    assert job._proc is not None  # a worker was started
    found = job.pairs(linked)
    assert found == expected
    assert len(found) > 100  # the sample has pairs to compare


def test_a_worker_that_fails_leaves_the_answer_to_the_caller(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pages = PROCESS_THRESHOLD
    counts, linked = _site(pages), _linked(pages)
    monkeypatch.setattr(similarity_job.sys, "executable", "/bin/false")
    job = SimilarityJob(counts, None)
    assert job.pairs(linked) == similar_unlinked_pairs(term_vectors(counts), linked)


def test_a_small_site_is_compared_in_process() -> None:
    counts = _site(50)
    job = SimilarityJob(counts, None)
    assert job._proc is None
    assert job.pairs(set()) == similar_unlinked_pairs(term_vectors(counts), set())
