"""The topical_mesh output turned into `Finding`s: the one place that knows its shape.

The graph's `findings` list (kind, file, line, column, target, form, reason, message;
docs/topical-mesh.md) is used when the output has it. Older outputs only list
`broken_links`, `escaped_links` and `orphans` by page id, without a place in the file;
those findings point at the page's file with no line.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from typing import Any

from genesis_mesh.audit.findings import Finding, Kind

_LEGACY_LISTS = (("broken_links", Kind.BROKEN_LINK), ("escaped_links", Kind.ESCAPED_LINK))


def findings_of(output: dict[str, Any], prefix: str = "") -> list[Finding]:
    """Every finding of one audit, files prefixed with `prefix` (the audited folder's
    place in its repository), sorted by file, line, column and kind."""
    listed = output.get("findings")
    if isinstance(listed, list):
        maybe = [_from_contract(item) for item in listed if isinstance(item, dict)]
    else:
        maybe = _from_legacy(output)
    found = [f for f in maybe if f is not None]
    if prefix:
        found = [_prefixed(f, prefix) for f in found]
    return sorted(found, key=lambda f: (f.file, f.line or 0, f.column or 0, f.kind.value))


def page_files(output: dict[str, Any], prefix: str = "") -> list[str]:
    """The file of every page that was read, prefixed like the findings."""
    files = [str(p.get("path") or p.get("id")) for p in output.get("pages", []) if p]
    return sorted(posixpath.join(prefix, f) if prefix else f for f in files)


def _from_contract(item: dict[str, Any]) -> Finding | None:
    try:
        kind = Kind(str(item.get("kind")))
    except ValueError:
        return None  # a kind this version does not know yet is not reported
    target = str(item.get("target") or "")
    reason = str(item.get("reason") or "")
    return Finding(
        kind=kind,
        file=str(item.get("file") or item.get("page") or ""),
        line=_positive(item.get("line")),
        column=_positive(item.get("column")),
        target=target,
        message=str(item.get("message") or _message(kind, target, reason)),
        reason=reason,
        form=str(item.get("form") or ""),
    )


def _from_legacy(output: dict[str, Any]) -> list[Finding | None]:
    path_of = {str(p.get("id")): str(p.get("path") or p.get("id")) for p in output.get("pages", [])}
    found: list[Finding | None] = []
    for key, kind in _LEGACY_LISTS:
        for item in output.get(key, []):
            source = str(item.get("source", ""))
            target, reason = str(item.get("target", "")), str(item.get("reason", ""))
            found.append(
                Finding(
                    kind=kind,
                    file=path_of.get(source, source),
                    line=_positive(item.get("line")),
                    column=_positive(item.get("column")),
                    target=target,
                    message=_message(kind, target, reason),
                    reason=reason,
                    form=str(item.get("form", "")),
                )
            )
    content_orphans = set(output.get("content_orphans", []))
    for page in output.get("orphans", []):
        kind = Kind.CONTENT_ORPHAN if page in content_orphans else Kind.ORPHAN
        reason = "reached only from navigation" if page in content_orphans else "no page links here"
        found.append(
            Finding(kind, path_of.get(page, page), 1, 1, "", _message(kind, "", reason), reason)
        )
    return found


def _message(kind: Kind, target: str, reason: str) -> str:
    what = {
        Kind.BROKEN_LINK: f"Broken link to {target!r}",
        Kind.BROKEN_ASSET: f"Missing file {target!r}",
        Kind.BROKEN_ANCHOR: f"Broken anchor in {target!r}",
        Kind.ESCAPED_LINK: f"Link to {target!r} leaves the content folder",
        Kind.ORPHAN: "Orphan page",
        Kind.CONTENT_ORPHAN: "Page reached only from navigation",
    }[kind]
    return f"{what}: {reason}." if reason else f"{what}."


def _positive(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _prefixed(finding: Finding, prefix: str) -> Finding:
    return replace(finding, file=posixpath.join(prefix, finding.file))
