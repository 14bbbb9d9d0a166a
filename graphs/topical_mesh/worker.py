"""A page-reading worker process: `python -m graphs.topical_mesh.worker`.

Reads a pickled job `(root, max_bytes, file_seconds, out_path)` from its parent on stdin,
then pickled batches `(number, files)` until stdin ends (the parent sends the next one as
each is finished); writes one line per finished batch (its file count) on stderr and the
pickled list of (number, BatchResult) to `out_path` (a file in a folder the parent made:
the parent unpickles it as a stream, never holding the whole pickle in memory). Only the
parse node starts it, with data it produced itself.
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
    jobs = sys.stdin.buffer
    root, max_bytes, file_seconds, out_path = pickle.load(jobs)  # the parent's job
    results = []
    while True:
        try:
            number, batch = pickle.load(jobs)  # the parent's next batch
        except EOFError:
            break
        results.append((number, read_batch(batch, root, max_bytes, file_seconds)))
        sys.stderr.write(f"{len(batch)}\n")
        sys.stderr.flush()
    with open(out_path, "wb") as out:
        pickle.dump(results, out, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()
