"""The finding: one problem with its place in the source (docs/topical-mesh.md "Findings")."""

from __future__ import annotations

from typing import Any

FINDING_KINDS = ("broken_link", "broken_asset", "broken_anchor", "escaped_link")
ORPHAN_KINDS = {"unreachable": "orphan", "content_orphan": "content_orphan"}
_WHAT = {
    "broken_link": "Broken link",
    "broken_asset": "Missing file",
    "broken_anchor": "Broken anchor",
    "escaped_link": "Link outside the content",
}


def finding(
    kind: str, prefix: str, page: str, link: tuple[str, str, int, int], reason: str
) -> dict[str, Any]:
    """A finding for one link of `page` (content-root-relative; `prefix` is the subdir/)."""
    target, form, line, column = link
    return {
        "kind": kind,
        "file": prefix + page,
        "page": page,
        "line": max(1, line),
        "column": max(1, column),
        "target": target,
        "form": form,
        "reason": reason,
        "message": f"{_WHAT[kind]} to '{target}': {reason}.",
        # the original mesh API's field name for the page, kept for older clients
        "source": page,
    }


def orphan_finding(kind: str, prefix: str, page: str) -> dict[str, Any]:
    """An orphan page: it points at the top of the page."""
    reason = "no page links here" if kind == "orphan" else "only the navigation links here"
    return {
        "kind": kind,
        "file": prefix + page,
        "page": page,
        "line": 1,
        "column": 1,
        "target": "",
        "form": "",
        "reason": reason,
        "message": f"Orphan page: {reason}.",
        "source": page,
    }


def all_findings(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Every finding of a scored state, sorted by file, line, column and kind."""
    found: list[dict[str, Any]] = []
    for key in ("broken_links", "broken_assets", "broken_anchors", "escaped_links"):
        found += state.get(key) or []
    prefix = _prefix(state)
    for page in state.get("pages") or []:
        kind = ORPHAN_KINDS.get(page.get("orphan_kind") or "")
        if kind:
            found.append(orphan_finding(kind, prefix(page), page["id"]))
    return sorted(found, key=lambda f: (f["file"], f["line"], f["column"], f["kind"]))


def _prefix(state: dict[str, Any]) -> Any:
    def of(page: dict[str, Any]) -> str:
        path, page_id = str(page.get("path", "")), str(page.get("id", ""))
        return path[: len(path) - len(page_id)] if path.endswith(page_id) else ""

    return of
