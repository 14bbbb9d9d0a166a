"""A topical_mesh output in the finding contract's shape (docs/topical-mesh.md), as the
graph writes it: every finding with kind, file, page, line, column, target and message."""

from __future__ import annotations

from typing import Any

from genesis_mesh.audit.adapter import findings_of, page_files
from genesis_mesh.audit.baseline import Baseline
from genesis_mesh.audit.findings import parse_fail_on
from genesis_mesh.audit.verdict import Verdict, judge


def finding(kind: str, file: str, line: int, column: int, target: str, **extra: Any) -> dict:
    return {
        "kind": kind,
        "file": file,
        "page": file.removeprefix("docs/"),
        "line": line,
        "column": column,
        "target": target,
        "form": extra.get("form", "inline"),
        "reason": extra.get("reason", "no page at this path"),
        "message": extra.get("message", f"Broken link to {target!r}: no page at this path."),
    }


OUTPUT: dict[str, Any] = {
    "grade": "B",
    "authority_score": 71.5,
    "total_pages": 3,
    "total_links": 4,
    "processing_time_seconds": 0.25,
    "pages": [
        {"id": "index.md", "path": "docs/index.md"},
        {"id": "guide.md", "path": "docs/guide.md"},
        {"id": "lonely.md", "path": "docs/lonely.md"},
    ],
    "findings": [
        finding("broken_link", "docs/index.md", 7, 12, "missing.md"),
        finding(
            "broken_anchor",
            "docs/guide.md",
            3,
            5,
            "index.md#nowhere",
            reason="no heading or id 'nowhere' in index.md",
            message="Broken anchor '#nowhere' in index.md.",
        ),
        finding(
            "orphan",
            "docs/lonely.md",
            1,
            1,
            "",
            form="",
            reason="no page links here",
            message="Orphan page.",
        ),
        finding(
            "broken_asset",
            "docs/my, odd: file.md",
            2,
            9,
            "img/x%.png",
            message="Missing file 'img/x%.png'\n::error::injected",
        ),
        {"kind": "some_future_kind", "file": "docs/index.md", "line": 1, "column": 1},
    ],
}


def verdict(fail_on: str = "broken,assets,anchors", baseline: Baseline | None = None) -> Verdict:
    judged = judge("docs site", findings_of(OUTPUT), parse_fail_on(fail_on), baseline)
    judged.summary = {k: OUTPUT[k] for k in ("grade", "authority_score", "total_pages")}
    judged.pages = page_files(OUTPUT)
    return judged
