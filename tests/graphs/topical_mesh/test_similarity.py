"""Similar unlinked pairs: the same answer in every process (no string-hash order)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from graphs.topical_mesh.similarity import similar_unlinked_pairs, term_vectors

_ROOT = Path(__file__).resolve().parents[3]
# Two pages sharing ten terms of equal weight: every shared term ties with the others.
_TIED = [Counter({f"term{k}": 2 for k in range(10)}), Counter({f"term{k}": 2 for k in range(10)})]


def test_tied_shared_terms_keep_the_first_pages_order() -> None:
    pairs = similar_unlinked_pairs(term_vectors(_TIED), set())
    assert pairs == [(0, 1, 1.0, ["term0", "term1", "term2"])]


def test_pairs_do_not_depend_on_the_string_hash_seed() -> None:
    script = (
        "import json; from collections import Counter;"
        "from graphs.topical_mesh.similarity import similar_unlinked_pairs, term_vectors;"
        "tied = [Counter({f'w{k}': 1 + k % 3 for k in range(40)}) for _ in range(3)];"
        "print(json.dumps(similar_unlinked_pairs(term_vectors(tied), set())))"
    )
    seen = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(_ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        ).stdout
        seen.add(out)
    assert len(seen) == 1
    assert json.loads(seen.pop())[0][3] == ["w2", "w5", "w8"]
