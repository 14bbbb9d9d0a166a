"""Resolves raw links to pages of the site, the way real sites link.

A link may name the markdown source (`page.md`), the built page (`page.html`, `page/`),
an extensionless path, a folder (its index page: `index.md`, then `_index.md`, then
`README.md`), a front matter slug, permalink or alias, or - for wikilinks and Hugo refs -
a page name. Relative `.md` links are resolved from the source file's folder; relative
built names first from the page's built URL (pretty URLs put each page one folder
deeper), then from the source file's folder.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from enum import Enum
from urllib.parse import unquote, urlsplit

from graphs.topical_mesh.docusaurus_docs import SITE_ALIAS, site_path, unescape_js
from graphs.topical_mesh.hugo import get_page_paths

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx")
HTML_SUFFIXES = (".html", ".htm")
_PAGE_SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES
INDEX_NAMES = ("index", "_index", "readme")  # priority order for a folder's page
_LIQUID_URL = re.compile(
    r"^\{\{-?\s*['\"]([^'\"]{0,500})['\"]\s*\|\s*(?:relative_url|absolute_url)\s*-?\}\}(.{0,500})$"
)
_BASEURL = re.compile(r"^\{\{-?\s*site\.(?:baseurl|url)\s*-?\}\}")
TEMPLATE_MARKS = ("{{", "{%")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_ASSET_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}$")
_NAME_SEPARATORS = re.compile(r"[\s_-]+")
NAMED_FORMS = frozenset({"wikilink", "embed", "hugo_ref"})
URL_FORMS = frozenset({"inline", "reference", "autolink", "html", "mdx_import"})
IMAGE_FORMS = frozenset({"image", "html_image"})
# Files Obsidian embeds or links as attachments (a missing one is a broken asset).
ATTACHMENT_SUFFIXES = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "svg",
        "webp",
        "avif",
        "ico",
        "mp3",
        "wav",
        "m4a",
        "ogg",
        "flac",
        "3gp",
        "webm",
        "mp4",
        "ogv",
        "mov",
        "mkv",
        "pdf",
        "canvas",
        "base",
        "zip",
        "csv",
        "json",
        "txt",
    ]
)


class LinkKind(Enum):
    """What a raw link turned out to be."""

    PAGE = "page"
    SELF = "self"
    EXTERNAL = "external"
    ASSET = "asset"
    BROKEN = "broken"
    ESCAPED = "escaped"
    TEMPLATED = "templated"  # `{{ site.x }}/...`: built by a template, cannot be checked


@dataclass(frozen=True)
class PageKeys:
    """What a page can be linked by."""

    rel: str
    title: str
    slug: str | None = None
    permalink: str | None = None
    aliases: tuple[str, ...] = ()


def strip_suffix(path: str) -> str:
    """`guide/a.md` -> `guide/a` (markdown and html suffixes only)."""
    lower = path.lower()
    if not lower.endswith(_PAGE_SUFFIXES):
        return path
    for suffix in _PAGE_SUFFIXES:
        if lower.endswith(suffix):
            return path[: -len(suffix)]
    return path


def built_url(rel: str, slug: str | None, permalink: str | None) -> str:
    """The page's pretty URL: `guide/a.md` -> `/guide/a/`, `guide/index.md` -> `/guide/`."""
    if permalink:
        return "/" + permalink.strip("/") + ("/" if permalink.strip("/") else "")
    stem = strip_suffix(rel)
    folder, _, name = stem.rpartition("/")
    if name.lower() in INDEX_NAMES:
        return "/" + (folder + "/" if folder else "")
    if slug:
        name = slug.strip("/")
    return "/" + (folder + "/" if folder else "") + name + "/"


def _alias_keys(alias: str) -> list[str]:
    """Keys of a Hugo `aliases` / Jekyll `redirect_from` entry: `/help/index.html` is `help`."""
    key = alias.strip("/")
    stem = strip_suffix(key)
    folder, _, name = stem.rpartition("/")
    return [key] + ([folder] if name.lower() in INDEX_NAMES and stem != key else [])


class SiteIndex:
    """Lookup tables from every key a page answers to, to its index in the page list."""

    def __init__(
        self, pages: list[PageKeys], site_url: str | None = None, partials_from: int | None = None
    ) -> None:
        self.pages = pages
        # Entries from `partials_from` on are Docusaurus partials: found by their path only
        self.partials_from = len(pages) if partials_from is None else partials_from
        self.urls = [built_url(p.rel, p.slug, p.permalink) for p in pages]
        self._exact: dict[str, int] = {}
        self._lower: dict[str, int] = {}
        self._names: dict[str, int] = {}
        self._suffixes: dict[str, int] = {}
        self.vault = False  # Obsidian: a markdown link may name a note anywhere, like [[x]]
        self.route_bases: tuple[str, ...] = ()  # e.g. "/docs/" where Docusaurus serves docs/
        self.files: set[str] = set()  # other files below the content root (lower case)
        self.site_dir: str | None = None  # Docusaurus: the `@site/` folder (checkout-relative)
        self.content_prefix = ""  # the content root, checkout-relative ("" or "docs/")
        self.hugo_content: str | None = None  # Hugo: the content folder ("content/", "")
        self.hugo_link_hook = False  # Hugo: markdown links go through a link render hook
        # (URL prefix, content folder): Hugo serves `content/x.md` at `/x/`, Docusaurus
        # `docs/x.md` at `/<routeBasePath>/x`
        self.mounts: tuple[tuple[str, str], ...] = ()
        self.trailing_slash = True  # built URLs end in `/` (False: Docusaurus by default)
        self.site_host, self.site_path = _site_parts(site_url)
        self._build()

    def _build(self) -> None:
        # Folder keys first in index-name priority, so index.md wins over README.md.
        order = sorted(range(len(self.pages)), key=lambda i: self._index_rank(self.pages[i].rel))
        for i in order:
            page = self.pages[i]
            stem = strip_suffix(page.rel)
            if i >= self.partials_from:
                self._add(stem, i)
                continue
            folder, _, name = stem.rpartition("/")
            keys = [stem, self.urls[i].strip("/")]
            if name.lower() in INDEX_NAMES:
                keys += [folder, (folder + "/" if folder else "") + "index"]
            keys += [key for a in page.aliases for key in _alias_keys(a)]
            for key in keys:
                self._add(key, i)
            segments = stem.lower().split("/")
            for cut in range(1, len(segments)):
                self._suffixes.setdefault("/".join(segments[cut:]), i)
            names = [name if name.lower() not in INDEX_NAMES else folder.rpartition("/")[2]]
            names += [page.title, page.slug or ""]
            for value in names:
                if value:
                    self._names.setdefault(_name_key(value), i)

    @staticmethod
    def _index_rank(rel: str) -> int:
        name = strip_suffix(rel).rpartition("/")[2].lower()
        return INDEX_NAMES.index(name) if name in INDEX_NAMES else len(INDEX_NAMES)

    def _add(self, key: str, index: int) -> None:
        self._exact.setdefault(key, index)
        self._lower.setdefault(key.lower(), index)

    def lookup(self, path: str) -> int | None:
        """The page a content-root-relative path names, trying the built-name variants."""
        key = path.strip("/")
        if key == ".":
            key = ""
        for variant in (key, strip_suffix(key)):
            found = self._exact.get(variant)
            if found is None:
                found = self._lower.get(variant.lower())
            if found is not None:
                return found
        return None

    def by_name(self, name: str) -> int | None:
        """A page by file name, title or slug (wikilinks and Hugo refs)."""
        return self._names.get(_name_key(strip_suffix(name.rpartition("/")[2] or name)))

    def resolve(self, source: int, raw: str, form: str) -> tuple[LinkKind, int | None]:
        """Classify one raw link found on page `source`."""
        if form in ("wikilink", "embed"):
            return self._resolve_named(source, raw.strip().split("#", 1)[0], relative_first=False)
        if form == "hugo_ref":
            return self._resolve_named(source, raw.strip().split("#", 1)[0], relative_first=True)
        target = untemplated(raw.strip().strip("<>"))
        if target is None:
            return LinkKind.TEMPLATED, None
        if form == "mdx_import":
            target = unescape_js(target)
        if self.site_dir is not None and target.startswith(SITE_ALIAS):
            return self._resolve_site(source, target, form)
        if self.hugo_link_hook and form in ("inline", "reference"):
            found = self._hugo_get_page(source, target)
            if found is not None:
                return self._page(source, found)
        return self._resolve_url(source, target, form)

    def _resolve_site(self, source: int, target: str, form: str) -> tuple[LinkKind, int | None]:
        """`@site/docs/x.md`: a path from the Docusaurus site folder."""
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if form in IMAGE_FORMS:
            return LinkKind.ASSET, None
        inside, below = site_path(path, self.site_dir or "", self.content_prefix)
        if below:
            found = self.lookup(posixpath.normpath(inside or "."))
            if found is not None:
                return self._page(source, found)
        if path.lower().endswith(MARKDOWN_SUFFIXES):
            return LinkKind.BROKEN, None
        return LinkKind.ASSET, None  # a file of the site: the asset check looks for it

    def _hugo_get_page(self, source: int, target: str) -> int | None:
        """The page a Hugo link render hook finds for `target` (None: not a page path)."""
        content = self.hugo_content or ""
        rel = self.pages[source].rel
        if _SCHEME.match(target) or target.startswith(("#", "//")) or not rel.startswith(content):
            return None
        for path in get_page_paths(rel[len(content) :], unquote(target)):
            found = self.lookup(content + path)
            if found is not None and found < self.partials_from:
                return found
        return None

    def _resolve_named(
        self, source: int, target: str, relative_first: bool
    ) -> tuple[LinkKind, int | None]:
        target = unquote(target)
        if not target:
            return LinkKind.SELF, source
        folder = self.pages[source].rel.rpartition("/")[0]
        candidates = [target.lstrip("/")] if target.startswith("/") else []
        if not target.startswith("/"):
            relative = normal_join(folder, target)
            candidates += [relative, target] if relative_first else [target, relative]
        for candidate in candidates:
            if not candidate.startswith(".."):
                found = self.lookup(candidate)
                if found is not None:
                    return self._page(source, found)
        found = self._by_suffix_or_name(target)
        if found is not None:
            return self._page(source, found)
        suffix = target.rpartition(".")[2].lower() if "." in target else ""
        if suffix in ATTACHMENT_SUFFIXES:
            return LinkKind.ASSET, None
        return LinkKind.BROKEN, None

    def _by_suffix_or_name(self, target: str) -> int | None:
        found = self._suffixes.get(strip_suffix(target.strip("/")).lower())
        return found if found is not None else self.by_name(target)

    def _resolve_url(self, source: int, target: str, form: str) -> tuple[LinkKind, int | None]:
        if form in IMAGE_FORMS:
            return LinkKind.ASSET, None
        if not target or target.startswith("#"):
            return LinkKind.SELF, source
        if target.startswith("//"):
            target = "https:" + target
        scheme = _SCHEME.match(target)
        if scheme:
            local = (
                self._site_path_of(target) if scheme.group(1).lower() in ("http", "https") else None
            )
            if local is None:
                return LinkKind.EXTERNAL, None
            target = local
        path = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if not path:
            return LinkKind.SELF, source
        if path.startswith("/"):
            return self._resolve_rooted(source, path)
        return self._resolve_relative(source, path)

    def _resolve_rooted(self, source: int, path: str) -> tuple[LinkKind, int | None]:
        normal = normal_path(path)
        found = self.lookup(normal)
        for url, folder in self.mounts:
            if found is None and (normal + "/").startswith(url):
                found = self.lookup(folder + normal[len(url) :].lstrip("/"))
        for base in (self.site_path, *self.route_bases):
            if found is None and base and (normal + "/").startswith(base):
                found = self.lookup(normal[len(base) :])
        if found is not None:
            return self._page(source, found)
        if normal.strip("/").lower() in self.files:
            return LinkKind.ASSET, None
        return self._missing(path)

    def _resolve_relative(self, source: int, path: str) -> tuple[LinkKind, int | None]:
        """`.md` links are relative to the source file; built names (`x/`, `x.html`, `x`)
        first to the page's built URL, as a browser would, then to the source file."""
        folder = self.pages[source].rel.rpartition("/")[0]
        joined = normal_join(folder, path)
        escaped = joined == ".." or joined.startswith("../")
        candidates = [] if escaped else [joined]
        if not path.lower().endswith(MARKDOWN_SUFFIXES):
            url = self.urls[source].lstrip("/")
            if not self.trailing_slash:  # `/docs/a` (Docusaurus): relative to `/docs/`
                url = posixpath.dirname(url.rstrip("/"))
            from_url = normal_join(url, path)
            if from_url != ".." and not from_url.startswith("../"):
                candidates.insert(0, from_url)
                escaped = False  # inside the built site: a missing page, not an escape
            served = self._from_served_url(source, path)
            if served is not None:
                candidates.insert(0, served)
                escaped = False
        for candidate in candidates:
            found = self.lookup(candidate)
            if found is not None:
                return self._page(source, found)
        if self.vault:
            found = self._by_suffix_or_name(path)
            if found is not None:
                return self._page(source, found)
        if escaped:
            return LinkKind.ESCAPED, None
        if joined.lower() in self.files:
            return LinkKind.ASSET, None  # a link to a file of the repository (LICENSE, a PDF)
        return self._missing(path)

    def _from_served_url(self, source: int, path: str) -> str | None:
        """The content path a relative link names from the URL the page is served at, when
        a folder is served at another prefix (`docs/` at `/`): `../build/x` on `/notes`."""
        url = self.urls[source]
        for prefix, folder in self.mounts:
            if not url.startswith("/" + folder):
                continue
            served = prefix + url[len(folder) + 1 :]
            base = served if self.trailing_slash else posixpath.dirname(served.rstrip("/"))
            target = normal_join(base, path)  # a browser stops at `/`
            if (target + "/").startswith(prefix):
                return folder + target[len(prefix) :].lstrip("/")
        return None

    @staticmethod
    def _missing(path: str) -> tuple[LinkKind, int | None]:
        name = path.rstrip("/").rpartition("/")[2]
        if _ASSET_SUFFIX.search(name) and not name.lower().endswith(
            MARKDOWN_SUFFIXES + HTML_SUFFIXES
        ):
            return LinkKind.ASSET, None
        return LinkKind.BROKEN, None

    @staticmethod
    def _page(source: int, found: int) -> tuple[LinkKind, int | None]:
        return (LinkKind.SELF if found == source else LinkKind.PAGE), found

    def _site_path_of(self, url: str) -> str | None:
        """The path of an absolute URL on the site's own host, else None."""
        if not self.site_host:
            return None
        parts = urlsplit(url)
        if (parts.hostname or "").lower() != self.site_host:
            return None
        path = parts.path or "/"
        if self.site_path and (path + "/").startswith(self.site_path):
            path = "/" + path[len(self.site_path) :]
        return path + ("#" + parts.fragment if parts.fragment else "")


def normal_path(path: str) -> str:
    """`posixpath.normpath(path)`, skipping its split and join for a path that is already
    normal (no empty, `.` or `..` segment, no trailing `/`), as a link within a folder is."""
    if path and "//" not in path and "/." not in path and path[0] != "." and path[-1] != "/":
        return path
    return posixpath.normpath(path)


def normal_join(base: str, path: str) -> str:
    """`posixpath.normpath(posixpath.join(base, path))`."""
    if path.startswith("/"):
        return normal_path(path)
    if not base or base.endswith("/"):
        return normal_path(base + path)
    return normal_path(base + "/" + path)


def untemplated(target: str) -> str | None:
    """Jekyll's `{{ '/x/' | relative_url }}` and `{{ site.baseurl }}/x/` as `/x/`; None for
    any other templated target."""
    if "%7B" in target or "%7b" in target:
        target = unquote(target)
    if "{" not in target or not any(mark in target for mark in TEMPLATE_MARKS):
        return target  # (every mark starts with `{`)
    liquid = _LIQUID_URL.match(target)
    if liquid:
        return liquid.group(1) + liquid.group(2)
    base = _BASEURL.match(target)
    if base and not any(mark in target[base.end() :] for mark in TEMPLATE_MARKS):
        return "/" + target[base.end() :].lstrip("/")
    return None


def split_fragment(raw: str, form: str) -> tuple[str, str | None]:
    """(target without its `#fragment`, the fragment or None)."""
    target, hash_mark, fragment = raw.strip().partition("#")
    if not hash_mark:
        return target, None
    if form not in NAMED_FORMS:
        fragment = fragment.split("?", 1)[0]
    return target, fragment


def _name_key(value: str) -> str:
    return _NAME_SEPARATORS.sub("-", value.strip().lower())


def _site_parts(site_url: str | None) -> tuple[str | None, str]:
    if not site_url:
        return None, ""
    parts = urlsplit(site_url if "://" in site_url else "https://" + site_url)
    base = "/" + parts.path.strip("/") + "/" if parts.path.strip("/") else ""
    return (parts.hostname or "").lower() or None, base
