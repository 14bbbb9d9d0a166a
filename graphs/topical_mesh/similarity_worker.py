"""A similarity worker process: `python -m graphs.topical_mesh.similarity_worker`.

Reads pickled `(term counts, groups)` from its parent on stdin and writes the pickled
`(vectors, candidates)` of `similarity.term_vectors` and `similarity.candidates` on
stdout. Only `similarity_job` starts it, with data it produced itself.
"""

from __future__ import annotations

import gc
import pickle
import sys

from graphs.topical_mesh.similarity import candidates, term_vectors


def main() -> None:
    """One job (acyclic data in a short-lived process: no cyclic collection)."""
    gc.disable()
    counts, groups = pickle.load(sys.stdin.buffer)  # the parent's own data
    vectors = term_vectors(counts, release=True)
    found = candidates(vectors, groups)
    pickle.dump((vectors, found), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
