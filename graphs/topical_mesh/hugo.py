"""Hugo's link shortcodes (`{{< ref "x" >}}`, `{{% relref path="x" %}}`) and the page
lookup its link render hooks do."""

from __future__ import annotations

import posixpath
import re

# Bounded repetitions keep this linear on hostile input (no catastrophic backtracking).
HUGO_REF = re.compile(
    r"\{\{[<%] {0,5}(?:rel)?ref {1,5}(?:path=)?[\"']?([^\"'\s>%}]{1,500})[\"']?"
    r"[^}\n]{0,200}?[>%]\}\}"
)

# Hugo's link render hook files: a site's own, a theme's, or the new template layout's.
LINK_HOOKS = (
    "layouts/_default/_markup/render-link.html",
    "layouts/_markup/render-link.html",
)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


def get_page_paths(page: str, destination: str) -> list[str]:
    """The content paths `.Page.GetPage` tries for a link destination, in order.

    A site with a link render hook (`layouts/_default/_markup/render-link.html`, or the
    embedded one) turns `[x](dest)` into the page `GetPage dest` finds, as `ref` does: a
    path with a leading `/` from the content root; any other first from the page's place
    (a section's `_index.md`: its folder; a regular page or a leaf bundle: the folder
    holding it; `../x.md`: the page's own folder; a path with an extension also from the
    page file's folder), then, unless it starts with `.`, from the content root (Hugo's
    `pageFinder.getContentNodeForRef`). `page` and the paths returned are relative to the
    content folder.
    """
    path = destination.split("#", 1)[0].split("?", 1)[0].strip()
    path = path.removeprefix("./").rstrip("/")
    if not path:
        return []
    if path.startswith("/"):
        return [_normal(path.lstrip("/"))]
    folder, _, name = page.rpartition("/")
    stem = name.rsplit(".", 1)[0].lower()
    had_extension = _EXTENSION.search(path.rpartition("/")[2]) is not None
    if stem == "_index" or (had_extension and path.startswith("../")):
        base = folder
    elif stem == "index":  # a leaf bundle's path is its folder; it is held by the parent
        base = folder.rpartition("/")[0]
    else:
        base = folder
    found = [_normal(f"{base}/{path}" if base else path)]
    if had_extension:
        found.append(_normal(f"{folder}/{path}" if folder else path))
    if not path.startswith("."):
        found.append(_normal(path))
    return [p for p in dict.fromkeys(found) if p != ".." and not p.startswith("../")]


def _normal(path: str) -> str:
    normal = posixpath.normpath(path)
    return "" if normal == "." else normal
