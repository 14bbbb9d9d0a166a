"""Turns the markdown files of a site into pages, resolved links and similar pairs.

Pure functions (no LangGraph): the parse node calls them in worker threads, in batches.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphs.topical_mesh.anchors import GITHUB, OBSIDIAN, anchor_found, heading_anchors
from graphs.topical_mesh.assets import AssetIndex
from graphs.topical_mesh.docusaurus_config import DocsMount
from graphs.topical_mesh.docusaurus_docs import SITE_ALIAS, doc_path, is_partial, site_path
from graphs.topical_mesh.docusaurus_site import (
    BuildRules,
    Mount,
    content_mounts,
    mount_of,
    version_groups,
)
from graphs.topical_mesh.findings import FINDING_KINDS, finding
from graphs.topical_mesh.frontmatter import FrontMatter
from graphs.topical_mesh.jekyll import collection_url
from graphs.topical_mesh.links import (
    INDEX_NAMES,
    MARKDOWN_SUFFIXES,
    NAMED_FORMS,
    LinkKind,
    PageKeys,
    SiteIndex,
    split_fragment,
    strip_suffix,
    untemplated,
)
from graphs.topical_mesh.markdown_page import PageDraft, RawLink, new_parser, read_page
from graphs.topical_mesh.navigation import is_nav_file, nav_file_targets
from graphs.topical_mesh.reader import FileTooLarge, read_inside
from graphs.topical_mesh.similarity import (
    NO_TERMS,
    TermCounts,
    similar_unlinked_pairs,
    term_vectors,
)

MAX_LISTED_PROBLEMS = 5000
TIMED_FILE_CHARS = 64 * 1024  # smaller files parse in well under a second


@dataclass
class BatchResult:
    """Pages read from one batch of files, and notes about the files skipped."""

    drafts: list[PageDraft] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ParseTimeout(Exception):
    """A file took longer than its time budget to parse."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ParseTimeout after `seconds` (main thread of a worker process only)."""
    usable = seconds and threading.current_thread() is threading.main_thread()
    if not usable or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise ParseTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds or 0))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_batch(
    rels: list[str], root_real: str, max_bytes: int, file_seconds: float | None = None
) -> BatchResult:
    """Read and extract each file; a file that fails is noted and skipped.

    `file_seconds` bounds the parse time of each file over 64 KiB where a timer signal can
    be used (the page-reading worker processes); in a thread it is ignored.
    """
    parser = new_parser()
    result = BatchResult()
    for rel in rels:
        try:
            text = read_inside(root_real, rel, max_bytes)
            with _time_limit(file_seconds if len(text) > TIMED_FILE_CHARS else None):
                result.drafts.append(read_page(parser, rel, text))
        except ParseTimeout:
            result.notes.append(f"skipped {rel}: parsing took over {file_seconds:g} s")
            parser = new_parser()  # the interrupted parser may hold partial state
        except FileTooLarge as exc:
            result.notes.append(f"skipped {exc}")
        except (OSError, PermissionError) as exc:
            result.notes.append(f"skipped {rel}: {exc.strerror or exc}")
        except RecursionError:
            result.notes.append(f"skipped {rel}: nested too deeply to parse")
        except Exception as exc:  # one hostile file must not stop the audit
            result.notes.append(f"skipped {rel}: could not be parsed ({type(exc).__name__})")
    return result


@dataclass
class SiteLinks:
    """Everything parse hands to the later nodes (JSON-friendly)."""

    pages: list[dict[str, Any]]
    links: list[list[int]]
    nav_links: list[list[int]]
    similar_pairs: list[list[Any]]
    home: int | None
    broken_links: list[dict[str, Any]]
    broken_assets: list[dict[str, Any]]
    broken_anchors: list[dict[str, Any]]
    escaped_links: list[dict[str, Any]]
    external_links: int
    asset_links: int
    link_occurrences: int
    anchor_generator: str
    notes: list[str]

    def as_state(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _keys(
    draft: PageDraft,
    collections: dict[str, str],
    docs_folder: str | None,
    docs_dir: str = "",
    number_prefixes: bool = True,
) -> PageKeys:
    """`docs_folder` is the Docusaurus site folder below the content root (None elsewhere),
    `docs_dir` its docs folder (where an absolute `slug` is rooted); `number_prefixes`
    False keeps `01-x` as named (`numberPrefixParser: false`)."""
    front: FrontMatter = draft.front
    served = collection_url(draft.rel, collections) if collections else None
    extra: tuple[str, ...] = (served,) if served else ()
    folder = draft.rel.rpartition("/")[0]
    permalink = front.permalink
    if docs_folder is not None:
        stem = strip_suffix(draft.rel)
        # `02-guides/01-a.md`: `guides/a`
        stripped = (doc_path(stem, docs_folder) if number_prefixes else None) or stem
        folder, _, name = stripped.rpartition("/")
        # a category's index: `index.md`, `README.md` or named as its folder (`x/x.md`)
        named_as_folder = bool(folder) and name.lower() == folder.rpartition("/")[2].lower()
        extra += ((stripped,) if stripped != stem else ()) + ((folder,) if named_as_folder else ())
        slug = (front.slug or "").strip()
        if not permalink and slug.startswith("/") and (docs_dir + slug.strip("/")):
            permalink = docs_dir + slug.strip("/")  # from the docs route: `/x` is `/docs/x`
            extra += (permalink,)
        elif not permalink and (slug or stripped != stem or named_as_folder):
            name = slug.strip("/") or name
            named = front.doc_id if front.doc_id and "/" not in front.doc_id else name
            at_folder = not slug and (named_as_folder or named.lower() in INDEX_NAMES)
            permalink = folder if at_folder else (folder + "/" if folder else "") + named
    if front.doc_id and "/" not in front.doc_id:
        extra += ((folder + "/" if folder else "") + front.doc_id,)
    return PageKeys(
        rel=draft.rel,
        title=draft.title,
        slug=front.slug,
        permalink=permalink or None,
        aliases=tuple(front.aliases) + extra,
    )


@dataclass
class SiteFacts:
    """What parse knows of the site besides its pages."""

    site_url: str | None = None
    extra_nav_targets: list[str] = field(default_factory=list)
    path_prefix: str = ""
    assets: AssetIndex | None = None
    generator: str = GITHUB
    route_bases: list[str] = field(default_factory=list)
    jekyll_collections: dict[str, str] = field(default_factory=dict)
    wikilinks: bool = True  # False on Hugo sites, where `[[x]]` is text (TOML tables)
    docusaurus_site: str | None = None  # the folder of `docusaurus.config.*` ("", "website")
    hugo_content: str | None = None  # Hugo: its content folder below the content root
    hugo_link_hook: bool = False  # Hugo: markdown links go through a link render hook
    trailing_slash: bool = True  # False: pages are served at `/a`, not `/a/`
    # Docusaurus: every version of every docs plugin instance, the preset's current docs last
    docs_mounts: list[DocsMount] = field(default_factory=list)

    def docusaurus_mounts(self) -> list[Mount]:
        """The Docusaurus docs folders below the content root (none on other sites)."""
        if self.docusaurus_site is None:
            return []
        return content_mounts(self.docs_mounts, self.docusaurus_site, self.path_prefix)


def assemble_site(drafts: list[PageDraft], facts: SiteFacts) -> SiteLinks:
    """Resolve every link of every page, read navigation and find similar unlinked pages.

    The drafts are used up: their links and term counts are emptied once read, so that a
    big site's peak memory does not hold them next to what is made from them.
    """
    nav_drafts = [d for d in drafts if is_nav_file(d.rel)]
    unpublished = [d for d in drafts if d.front.draft and not is_nav_file(d.rel)]
    pages = [d for d in drafts if not d.front.draft and not is_nav_file(d.rel)]
    docs_mounts = facts.docusaurus_mounts()
    if docs_mounts:
        rules = BuildRules(docs_mounts)
        pages = [d for d in pages if rules.built(d.rel)]
    partials = [d for d in pages if facts.docusaurus_site is not None and is_partial(d.rel)]
    pages = [d for d in pages if not partials or not is_partial(d.rel)]
    collections = facts.jekyll_collections
    docs = _docs_folder(facts)
    mounts = _mounts(facts)
    keys = [_keys(d, collections, docs, *_doc_root(d, docs_mounts)) for d in pages + partials]
    index = SiteIndex(keys, facts.site_url, partials_from=len(pages))
    with_drafts = (
        SiteIndex(
            keys[: len(pages)]
            + [_keys(d, collections, docs, *_doc_root(d, docs_mounts)) for d in unpublished],
            facts.site_url,
        )
        if unpublished
        else None
    )
    generator = _generator(pages, facts.generator)
    index.vault = generator == OBSIDIAN
    index.route_bases = tuple(facts.route_bases)
    index.site_dir, index.content_prefix = facts.docusaurus_site, facts.path_prefix
    index.hugo_content, index.hugo_link_hook = facts.hugo_content, facts.hugo_link_hook
    index.mounts = mounts
    index.trailing_slash = facts.trailing_slash
    if facts.assets is not None:
        index.files = facts.assets.below(facts.path_prefix)
    checker = _Checker(index, pages + partials, facts, generator, with_drafts)
    rendered = _rendered_in(index, pages + partials, len(pages))
    for at, sources in rendered.items():  # a partial's headings are its pages' anchors
        for i in sources:
            pages[i].headings += partials[at - len(pages)].headings
            pages[i].ids += partials[at - len(pages)].ids
    for i, draft in enumerate(pages):
        for link in draft.links:
            checker.check(i, link)
    for at, draft in enumerate(partials, start=len(pages)):
        for link in draft.links:
            checker.check(at, link, sorted(rendered.get(at, ())))
    # Released as soon as read (they are a large part of a big site's peak memory): the
    # pages' links and the checker's anchor sets; the term counts go in `term_vectors`.
    checker.anchors_done()
    for draft in pages + partials:
        draft.links.clear()
    nav = _navigation(index, nav_drafts, pages, facts.extra_nav_targets)
    counts: list[TermCounts] = [d.terms for d in pages]
    for draft in pages:
        draft.terms = NO_TERMS  # `counts` holds them now, until each page's vector is made
    vectors = term_vectors(counts, release=True)
    del counts
    groups = version_groups([d.rel for d in pages], docs_mounts)
    pairs = similar_unlinked_pairs(vectors, set(checker.edges), groups)
    notes = _notes(unpublished, pages)
    return SiteLinks(
        pages=[_page_dict(d, index.urls[i], facts.path_prefix) for i, d in enumerate(pages)],
        links=[[a, b, n] for (a, b), n in sorted(checker.edges.items())],
        nav_links=[[t, n] for t, n in sorted(nav.items())],
        similar_pairs=[[a, b, s, terms] for a, b, s, terms in pairs],
        home=index.lookup(""),
        broken_links=checker.found["broken_link"],
        broken_assets=checker.found["broken_asset"],
        broken_anchors=checker.found["broken_anchor"],
        escaped_links=checker.found["escaped_link"],
        external_links=checker.counts[LinkKind.EXTERNAL.value],
        asset_links=checker.counts[LinkKind.ASSET.value],
        link_occurrences=checker.counts[LinkKind.PAGE.value],
        anchor_generator=generator,
        notes=notes,
    )


def _doc_root(draft: PageDraft, mounts: list[Mount]) -> tuple[str, bool]:
    """(docs folder an absolute `slug` is rooted at, strip number prefixes) for a page: its
    own mount's, else the preset's current docs' (the last mount)."""
    if not mounts:
        return "", True
    mount = mount_of(draft.rel, mounts) or next(
        (m for m in mounts if m.docs.instance.plugin_id == "default"), mounts[-1]
    )
    return mount.folder, mount.docs.instance.number_prefixes


def _docs_folder(facts: SiteFacts) -> str | None:
    """The Docusaurus site folder below the content root ("", "website/"; None: not one)."""
    site = facts.docusaurus_site
    if site is None:
        return None
    folder = site.strip("/") + "/" if site.strip("/") else ""
    prefix = facts.path_prefix
    return folder[len(prefix) :] if folder.startswith(prefix) else ""


def _mounts(facts: SiteFacts) -> tuple[tuple[str, str], ...]:
    """The URL prefixes served from a folder below the content root."""
    mounts = []
    if facts.hugo_content:
        mounts.append(("/", facts.hugo_content))
    mounts += [(m.url, m.folder) for m in facts.docusaurus_mounts()]
    return tuple(mounts)


def _rendered_in(index: SiteIndex, drafts: list[PageDraft], first: int) -> dict[int, set[int]]:
    """The pages each partial (index `first` on) is rendered in, through nested imports."""
    imports: dict[int, set[int]] = {}
    for source, draft in enumerate(drafts):
        for link in draft.links:
            if link[1] == "mdx_import":
                _kind, target = index.resolve(source, link[0], link[1])
                if target is not None and target >= first and target != source:
                    imports.setdefault(source, set()).add(target)
    rendered: dict[int, set[int]] = {}
    for page in range(first):
        stack, seen = list(imports.get(page, ())), set()
        while stack:
            partial = stack.pop()
            if partial in seen:
                continue
            seen.add(partial)
            rendered.setdefault(partial, set()).add(page)
            stack += imports.get(partial, ())
    return rendered


def _generator(pages: list[PageDraft], hint: str) -> str:
    """A site written mostly in wikilinks is an Obsidian vault, whatever its config says."""
    links = sum(len(d.links) for d in pages)
    named = sum(1 for d in pages for link in d.links if link[1] in ("wikilink", "embed"))
    return OBSIDIAN if links and named >= 0.3 * links else hint


class _Checker:
    """Classifies each link and collects the findings, kind by kind."""

    def __init__(
        self,
        index: SiteIndex,
        pages: list[PageDraft],
        facts: SiteFacts,
        generator: str,
        with_drafts: SiteIndex | None,
    ) -> None:
        self.index, self.pages, self.facts = index, pages, facts
        self.generator, self.with_drafts = generator, with_drafts
        self.edges: Counter[tuple[int, int]] = Counter()
        self.counts: Counter[str] = Counter()
        self.found: dict[str, list[dict[str, Any]]] = {k: [] for k in FINDING_KINDS}
        self._anchors: dict[tuple[int, str], set[str]] = {}
        self._written_in: int | None = None  # the partial whose link is being checked
        self._reported: set[tuple[str, int, int, int, str]] = set()

    def anchors_done(self) -> None:
        """Drop the anchor sets of the pages (no more anchors will be checked)."""
        self._anchors = {}

    def check(self, source: int, link: RawLink, rendered_in: list[int] | None = None) -> None:
        """Classify one link of `source`; a partial's links count in the pages that render
        it (`rendered_in`), and its problems are reported once, at the partial. A relative
        URL (`../x`, `#part`) in a partial resolves from each page that renders it; a `.md`
        path from the partial's own file, as Docusaurus resolves file links."""
        if rendered_in and _follows_the_page(link[0], link[1]):
            self._written_in = source
            try:
                for page in rendered_in:
                    self._check(page, link, [page])
            finally:
                self._written_in = None
        else:
            self._check(source, link, [source] if rendered_in is None else rendered_in)

    def _check(self, source: int, link: RawLink, shown_in: list[int]) -> None:
        raw, form = link[0], link[1]
        if form in ("wikilink", "embed") and not self.facts.wikilinks:
            return
        kind, target = self.index.resolve(source, raw, form)
        reason = None
        if target is not None and target >= self.index.partials_from and target != source:
            if form == "mdx_import":
                return  # rendered into the page: its links are checked with the partial
            kind, reason = LinkKind.BROKEN, "links to a partial (a `_` file), not a page"
        self.counts[kind.value] += len(shown_in) if kind is LinkKind.PAGE else 1
        if kind is LinkKind.PAGE and target is not None:
            for page in shown_in:
                if page != target:
                    self.edges[(page, target)] += 1
        if kind in (LinkKind.PAGE, LinkKind.SELF) and target is not None:
            self._check_anchor(source, target, link)
        elif kind is LinkKind.ASSET:
            self._check_asset(source, link)
        elif kind is LinkKind.BROKEN:
            reason = reason or self._broken_reason(source, raw, form)
            self._add("broken_link", source, link, reason)
        elif kind is LinkKind.ESCAPED:
            self._add("escaped_link", source, link, "climbs out of the content root")

    def _check_anchor(self, source: int, target: int, link: RawLink) -> None:
        _path, fragment = split_fragment(untemplated(link[0]) or "", link[1])
        if not fragment or fragment.startswith("__"):
            return
        rule = OBSIDIAN if link[1] in ("wikilink", "embed") else self.generator
        anchors = self._anchors.get((target, rule))
        if anchors is None:
            page = self.pages[target]
            anchors = heading_anchors(page.headings, rule) | set(page.ids)
            self._anchors[(target, rule)] = anchors
        if not anchor_found(fragment, anchors, rule):
            name = self.pages[target].rel
            self._add("broken_anchor", source, link, f"no heading or id '{fragment}' in {name}")

    def _check_asset(self, source: int, link: RawLink) -> None:
        assets = self.facts.assets
        raw, form = link[0], link[1]
        if assets is None or not AssetIndex.checkable(raw) or raw.startswith("data:"):
            return
        named = raw.split("#", 1)[0]
        site = self.facts.docusaurus_site
        if site is not None and raw.startswith(SITE_ALIAS):
            present = assets.has_file(site_path(named, site, "")[0])
        elif form in ("wikilink", "embed"):
            present = assets.has_named(named)
        elif self.generator == OBSIDIAN and "/" not in named.strip("./"):
            present = assets.has_named(named) or assets.has_path(
                self.pages[source].rel, self.index.urls[source], raw
            )
        else:
            page = self.pages[source]
            present = assets.has_path(
                page.rel, self.index.urls[source], _local_path(raw, self.index)
            )
        if not present:
            self._add(
                "broken_asset",
                source,
                link,
                "no file at this path"
                if form not in ("wikilink", "embed")
                else "no file with this name",
            )

    def _broken_reason(self, source: int, raw: str, form: str) -> str:
        reason = "no page with this name" if form in NAMED_FORMS else "no page at this path"
        if self.with_drafts is not None:
            kind, target = self.with_drafts.resolve(source, raw, form)
            drafts_from = self.index.partials_from  # drafts follow the pages there
            if kind is LinkKind.PAGE and target is not None and target >= drafts_from:
                reason = "links to a draft page"
        return reason

    def _add(self, kind: str, source: int, link: RawLink, reason: str) -> None:
        source = source if self._written_in is None else self._written_in
        if self._written_in is not None:  # a partial's link: reported once, not per page
            key = (kind, source, link[2], link[3], link[0])
            if key in self._reported:
                return
            self._reported.add(key)
        listed = self.found[kind]
        if len(listed) < MAX_LISTED_PROBLEMS:
            listed.append(
                finding(kind, self.facts.path_prefix, self.pages[source].rel, link, reason)
            )


def _follows_the_page(raw: str, form: str) -> bool:
    """True for a relative URL a browser resolves from the page it is shown in."""
    if form not in ("inline", "reference", "html", "image", "html_image"):
        return False
    path = raw.strip().split("#", 1)[0].split("?", 1)[0]
    if path.startswith(("/", SITE_ALIAS)) or "://" in path or ":" in path.partition("/")[0]:
        return False
    return not path.lower().endswith(MARKDOWN_SUFFIXES)


def _local_path(raw: str, index: SiteIndex) -> str:
    """An absolute URL on the site's own host as its path; other targets unchanged."""
    if "://" in raw or raw.startswith("//"):
        local = index._site_path_of("https:" + raw if raw.startswith("//") else raw)
        return local or ""
    return raw


def _navigation(
    index: SiteIndex, nav_drafts: list[PageDraft], pages: list[PageDraft], extra: list[str]
) -> Counter[int]:
    nav: Counter[int] = Counter()
    targets = list(extra)
    for draft in nav_drafts:
        targets += nav_file_targets(draft.rel, [(link[0], link[1]) for link in draft.links])
    for target in targets:
        found = index.lookup(target)
        if found is not None and found < index.partials_from:
            nav[found] += 1
    for i, draft in enumerate(pages):
        if draft.front.in_menu:
            nav[i] += 1
    return nav


def _notes(unpublished: list[PageDraft], pages: list[PageDraft]) -> list[str]:
    notes = []
    if unpublished:
        notes.append(
            f"{len(unpublished)} draft page(s) not analysed: "
            + ", ".join(d.rel for d in unpublished[:10])
        )
    bad_front = [d.rel for d in pages if d.front.error]
    if bad_front:
        notes.append(
            f"front matter not readable in {len(bad_front)} page(s): " + ", ".join(bad_front[:10])
        )
    return notes


def _page_dict(draft: PageDraft, url: str, path_prefix: str) -> dict[str, Any]:
    return {
        "id": draft.rel,
        "title": draft.title,
        "path": path_prefix + draft.rel,
        "url": url,
        "word_count": draft.word_count,
    }
