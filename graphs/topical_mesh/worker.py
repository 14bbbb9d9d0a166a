"""A page-reading worker process: `python -m graphs.topical_mesh.worker`.

Reads a pickled job `(root, batches, max_bytes, file_seconds)` from its parent on stdin, writes one
line per finished batch (its file count) on stderr and the pickled list of BatchResult
on stdout. Only the parse node starts it, with data it produced itself.
"""

from __future__ import annotations

import gc
import pickle
import sys

from graphs.topical_mesh.site_parser import read_batch


def main() -> None:
    """Process the job read from stdin (a short-lived process building acyclic data: no
    cyclic collection, see `collector`)."""
    gc.disable()
    root, batches, max_bytes, file_seconds = pickle.load(sys.stdin.buffer)  # our parent's job
    results = []
    for batch in batches:
        results.append(read_batch(batch, root, max_bytes, file_seconds))
        sys.stderr.write(f"{len(batch)}\n")
        sys.stderr.flush()
    pickle.dump(results, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
