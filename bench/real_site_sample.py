"""Draw the 20-link sample of each real site (issue 15) for checking by hand.

Runs the real `topical_mesh` graph over a site's checkout (a local folder, never
committed), records how every link occurrence was classified, and prints a fixed
sample of 20 internal links (seeded, so the same site at the same commit gives the same
sample): up to 6 findings (broken link, anchor or asset) and the rest resolved links,
each with the source line it sits on and the page it resolved to. A person then reads
each against the site's files; the verdicts are recorded in `bench/real_sites.md`.

    .venv/bin/python bench/real_site_sample.py /path/to/checkout --subdir docs
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SAMPLE = 20
FINDINGS = 6


async def classify(checkout: str, subdir: str | None) -> tuple[list[dict[str, Any]], Any]:
    """Every link occurrence with its verdict, from one run of the real graph."""
    from langgraph.checkpoint.memory import InMemorySaver

    from graphs.topical_mesh import site_parser
    from graphs.topical_mesh.context import Context
    from graphs.topical_mesh.graph import build_graph
    from graphs.topical_mesh.links import LinkKind

    seen: list[dict[str, Any]] = []
    original = site_parser._Checker.check

    def check(self: Any, source: int, link: Any) -> None:
        before = {k: len(v) for k, v in self.found.items()}
        original(self, source, link)
        kind, target = self.index.resolve(source, link[0], link[1])
        found = [k for k, v in self.found.items() if len(v) > before[k]]
        page = self.pages[target].rel if target is not None and kind is LinkKind.PAGE else None
        seen.append(
            {
                "file": self.facts.path_prefix + self.pages[source].rel,
                "line": link[2],
                "column": link[3],
                "target": link[0],
                "form": link[1],
                "kind": kind.value,
                "page": page,
                "finding": found[0] if found else None,
            }
        )

    site_parser._Checker.check = check  # type: ignore[method-assign]
    try:
        compiled: Any = build_graph().compile(checkpointer=InMemorySaver())
        ctx = Context(allow_local_sources=True, workdir=tempfile.gettempdir())
        inputs: dict[str, Any] = {"repo_url": checkout, "max_pages": 5000}
        if subdir:
            inputs["subdir"] = subdir
        output = await compiled.ainvoke(
            inputs, {"configurable": {"thread_id": "sample"}}, context=ctx
        )
    finally:
        site_parser._Checker.check = original  # type: ignore[method-assign]
    return seen, output


def draw(seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The fixed sample: findings first (up to 6), then resolved internal links."""
    rng = random.Random(15)
    findings = [s for s in seen if s["finding"]]
    resolved = [s for s in seen if not s["finding"] and s["kind"] in ("page", "self", "asset")]
    picked = rng.sample(findings, min(FINDINGS, len(findings)))
    picked += rng.sample(resolved, min(SAMPLE - len(picked), len(resolved)))
    return sorted(picked, key=lambda s: (s["file"], s["line"], s["column"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout")
    parser.add_argument("--subdir")
    args = parser.parse_args()
    seen, output = asyncio.run(classify(os.path.realpath(args.checkout), args.subdir))
    print(
        f"pages {len(output['pages'])} distinct {output['total_links']} "
        f"occurrences {len(seen)} broken {len(output['broken_links'])} "
        f"anchors {len(output['broken_anchors'])} assets {len(output['broken_assets'])}"
    )
    for s in draw(seen):
        path = os.path.join(args.checkout, s["file"])
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().split("\n")
        text = lines[s["line"] - 1] if s["line"] <= len(lines) else ""
        at = s["column"] - 1
        verdict = s["finding"] or (f"page {s['page']}" if s["page"] else s["kind"])
        print(f"{s['file']}:{s['line']}:{s['column']}\t{s['form']}\t{s['target']}\t{verdict}")
        print(f"    | {text[max(0, at - 40) : at + 80]}")


if __name__ == "__main__":
    main()
