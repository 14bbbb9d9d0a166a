"""Whether a linked file (image, download, Obsidian attachment) exists in the checkout.

Paths are checkout-relative. An embed or wikilink names a file anywhere in the vault (as
Obsidian resolves it: by file name, or by the end of its path); a URL-style link is tried
from the page's folder, from its built URL, and, when root-relative, from the content
root, the checkout top and the usual static folders (`static/`, `public/`,
`website/static/`, `docs/public/`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from urllib.parse import unquote

STATIC_FOLDERS = ("", "static/", "public/", "website/static/", "docs/public/", "assets/")
TEMPLATE_MARKS = ("{{", "{%", "<%", "$")


class AssetIndex:
    """The non-markdown files of a checkout, by path and by name."""

    def __init__(self, files: Iterable[str], content_prefix: str, site_path: str = "") -> None:
        self.paths = {f.lower() for f in files}
        self.prefix = content_prefix.lower()
        self.site_path = site_path.lower()
        self.names: set[str] = set()
        self.suffixes: set[str] = set()
        for path in self.paths:
            segments = path.split("/")
            self.names.add(segments[-1])
            for cut in range(1, len(segments)):
                self.suffixes.add("/".join(segments[cut:]))

    def below(self, prefix: str) -> set[str]:
        """The files below the content folder `prefix` (lower case, relative to it)."""
        start = len(prefix)
        return {p[start:] for p in self.paths if p.startswith(prefix.lower())}

    @staticmethod
    def checkable(target: str) -> bool:
        """False for templated targets (`{{ site.baseurl }}/x.png`): they cannot be checked."""
        return not any(mark in target for mark in TEMPLATE_MARKS)

    def has_named(self, name: str) -> bool:
        """An Obsidian attachment: `diagram.png` or `Attachments/diagram.png`."""
        key = unquote(name).strip().strip("/").lower()
        return key in self.paths or key in self.names or key in self.suffixes

    def has_file(self, path: str) -> bool:
        """A checkout-relative path (`@site/static/x.png` once read from the site folder)."""
        key = posixpath.normpath(unquote(path.split("?", 1)[0]).strip("/").lower())
        return key in self.paths

    def has_path(self, page: str, page_url: str, target: str) -> bool:
        """A URL-style link from content-root-relative `page` (built at `page_url`)."""
        path = unquote(target.split("#", 1)[0].split("?", 1)[0]).lower()
        if not path:
            return True
        if path.startswith("/"):
            rooted = path.lstrip("/")
            if self.site_path and ("/" + rooted).startswith(self.site_path):
                rooted = ("/" + rooted)[len(self.site_path) :]
            candidates = [self.prefix + rooted] + [folder + rooted for folder in STATIC_FOLDERS]
        else:
            folder = posixpath.dirname(page.lower())
            candidates = [
                self.prefix + posixpath.join(folder, path),
                self.prefix + posixpath.join(page_url.lower().strip("/"), path),
            ]
        return any(posixpath.normpath(c).lstrip("/") in self.paths for c in candidates)
