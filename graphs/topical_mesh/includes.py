"""Build-time includes: the headings and ids of an included file are the including page's.

A MkDocs page whose body is `--8<-- "CONTRIBUTING.md"` (pymdownx.snippets) or a Hugo page
with `{{% include "/_common/x.md" %}}` shows the included file's headings in the built
page, so links to those anchors are not broken. Snippet paths are tried from the
checkout top (the snippets `base_path` default, where mkdocs runs), the content root and
the page's folder, or - when `mkdocs.yml` sets the snippets `base_path` - from each
configured base path only (relative to the folder of `mkdocs.yml`, as mkdocs runs there;
a base path that is a file, `LICENSE.md`, is included by its name);
a `file.md:2:8` line range names `file.md`. Hugo include paths are tried from the content
root and the page's folder. The files are read like pages (inside the checkout,
size-limited, no symlinks followed).
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from graphs.topical_mesh.markdown_page import PageDraft, new_parser, read_page
from graphs.topical_mesh.reader import read_inside

MAX_DEPTH = 3
MAX_FILES = 200  # distinct files outside the pages read per site (pages are not re-read)
MAX_BASE_PATHS = 20
_LINE_RANGE = re.compile(r"(?::-?\d*){1,2}$")  # `file.md:3:8`, `file.md:3`


def snippet_base_paths(configs: dict[str, tuple[dict[str, Any], str]]) -> list[str] | None:
    """Checkout-relative snippet base paths set in mkdocs.yml (None: not set, the default).

    `configs` maps a config file name to (its contents, its checkout-relative folder).
    """
    for name, (config, where) in configs.items():
        if not name.startswith("mkdocs"):
            continue
        for extension in config.get("markdown_extensions") or []:
            if not isinstance(extension, dict) or "pymdownx.snippets" not in extension:
                continue
            options = extension["pymdownx.snippets"]
            bases = options.get("base_path") if isinstance(options, dict) else None
            if isinstance(bases, str):
                bases = [bases]
            if isinstance(bases, list):
                found = [str(b) for b in bases[:MAX_BASE_PATHS] if isinstance(b, str)]
                return [posixpath.normpath(posixpath.join(where, b)) for b in found]
    return None


def merge_includes(
    drafts: list[PageDraft],
    checkout_real: str,
    subdir: str,
    max_bytes: int,
    snippet_bases: list[str] | None = None,
) -> list[str]:
    """Add each page's included headings and ids to it; return notes for files not found."""
    by_rel = {d.rel: d for d in drafts}
    prefix = subdir.strip("/") + "/" if subdir.strip("/") else ""
    reader = _Reader(by_rel, checkout_real, prefix, max_bytes)
    reader.snippet_bases = snippet_bases
    for draft in drafts:
        if not draft.includes:
            continue
        headings, ids = reader.gather(draft, 0, {draft.rel})
        draft.headings += headings
        draft.ids += ids
    missing = sorted(reader.missing)
    if not missing:
        return []
    return [
        f"{len(missing)} included file(s) not found, their headings not known: "
        + ", ".join(missing[:10])
    ]


class _Reader:
    def __init__(
        self, by_rel: dict[str, PageDraft], checkout: str, prefix: str, max_bytes: int
    ) -> None:
        self.by_rel, self.checkout, self.prefix, self.max_bytes = (
            by_rel,
            checkout,
            prefix,
            max_bytes,
        )
        self.read: dict[str, PageDraft | None] = {}  # checkout-relative path -> page
        self.missing: set[str] = set()
        self.parser = new_parser()
        self.snippet_bases: list[str] | None = None

    def gather(self, draft: PageDraft, depth: int, seen: set[str]) -> tuple[list[str], list[str]]:
        headings: list[str] = []
        ids: list[str] = []
        if depth >= MAX_DEPTH:
            return headings, ids
        folder = posixpath.dirname(self.prefix + draft.rel)
        for kind, path in draft.includes:
            found = self._find(kind, path, folder)
            if found is None:
                self.missing.add(path)
                continue
            key, included = found
            if key in seen:
                continue
            headings += included.headings
            ids += included.ids
            more = self.gather(included, depth + 1, seen | {key})
            headings += more[0]
            ids += more[1]
        return headings, ids

    def _find(self, kind: str, path: str, folder: str) -> tuple[str, PageDraft] | None:
        bare = path.strip().lstrip("/")
        if kind == "snippet":
            bare = _LINE_RANGE.sub("", bare)
            places = [bare, self.prefix + bare, posixpath.join(folder, bare)]
            if self.snippet_bases is not None:  # a base path may be a file, named as it is
                places = [
                    place
                    for base in self.snippet_bases
                    for place in [posixpath.join(base, bare)]
                    + ([base] if posixpath.basename(base) == bare else [])
                ]
        else:
            places = [self.prefix + bare, posixpath.join(folder, bare)]
        for place in places:
            key = posixpath.normpath(place)
            if key.startswith(".."):
                continue
            page = self._page(key)
            if page is not None:
                return key, page
        return None

    def _page(self, key: str) -> PageDraft | None:
        if self.prefix and key.startswith(self.prefix) and key[len(self.prefix) :] in self.by_rel:
            return self.by_rel[key[len(self.prefix) :]]
        if not self.prefix and key in self.by_rel:
            return self.by_rel[key]
        if key in self.read:
            return self.read[key]
        page = None
        if len(self.read) < MAX_FILES:
            try:
                page = read_page(self.parser, key, read_inside(self.checkout, key, self.max_bytes))
            except Exception:  # missing, too large, a symlink, unreadable: not included
                page = None
            self.read[key] = page
        return page
