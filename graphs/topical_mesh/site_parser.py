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

from graphs.topical_mesh.frontmatter import FrontMatter
from graphs.topical_mesh.links import LinkKind, PageKeys, SiteIndex
from graphs.topical_mesh.markdown_page import PageDraft, new_parser, read_page
from graphs.topical_mesh.navigation import is_nav_file, nav_file_targets
from graphs.topical_mesh.reader import FileTooLarge, read_inside
from graphs.topical_mesh.similarity import similar_unlinked_pairs, term_vectors

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
    broken_links: list[dict[str, str]]
    escaped_links: list[dict[str, str]]
    external_links: int
    asset_links: int
    link_occurrences: int
    notes: list[str]

    def as_state(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _keys(draft: PageDraft) -> PageKeys:
    front: FrontMatter = draft.front
    return PageKeys(
        rel=draft.rel,
        title=draft.title,
        slug=front.slug,
        permalink=front.permalink,
        aliases=tuple(front.aliases),
    )


def assemble_site(
    drafts: list[PageDraft],
    site_url: str | None,
    extra_nav_targets: list[str],
    path_prefix: str,
) -> SiteLinks:
    """Resolve every link of every page, read navigation and find similar unlinked pages."""
    nav_drafts = [d for d in drafts if is_nav_file(d.rel)]
    unpublished = [d for d in drafts if d.front.draft and not is_nav_file(d.rel)]
    pages = [d for d in drafts if not d.front.draft and not is_nav_file(d.rel)]
    index = SiteIndex([_keys(d) for d in pages], site_url)
    with_drafts = (
        SiteIndex([_keys(d) for d in pages + unpublished], site_url) if unpublished else None
    )
    edges: Counter[tuple[int, int]] = Counter()
    counts: Counter[str] = Counter()
    broken: list[dict[str, str]] = []
    escaped: list[dict[str, str]] = []
    for i, draft in enumerate(pages):
        for raw, form in draft.links:
            kind, target = index.resolve(i, raw, form)
            counts[kind.value] += 1
            if kind is LinkKind.PAGE and target is not None:
                edges[(i, target)] += 1
            elif kind is LinkKind.BROKEN and len(broken) < MAX_LISTED_PROBLEMS:
                broken.append(_broken(i, draft.rel, raw, form, with_drafts, len(pages)))
            elif kind is LinkKind.ESCAPED and len(escaped) < MAX_LISTED_PROBLEMS:
                escaped.append(
                    {
                        "source": draft.rel,
                        "target": raw,
                        "form": form,
                        "reason": "climbs out of the content root",
                    }
                )
    nav = _navigation(index, nav_drafts, pages, extra_nav_targets)
    vectors = term_vectors([d.terms for d in pages])
    pairs = similar_unlinked_pairs(vectors, set(edges))
    notes = _notes(unpublished, pages)
    return SiteLinks(
        pages=[_page_dict(d, index.urls[i], path_prefix) for i, d in enumerate(pages)],
        links=[[a, b, n] for (a, b), n in sorted(edges.items())],
        nav_links=[[t, n] for t, n in sorted(nav.items())],
        similar_pairs=[[a, b, s, terms] for a, b, s, terms in pairs],
        home=index.lookup(""),
        broken_links=broken,
        escaped_links=escaped,
        external_links=counts[LinkKind.EXTERNAL.value],
        asset_links=counts[LinkKind.ASSET.value],
        link_occurrences=counts[LinkKind.PAGE.value],
        notes=notes,
    )


def _broken(
    source: int, rel: str, raw: str, form: str, with_drafts: SiteIndex | None, n_pages: int
) -> dict[str, str]:
    reason = (
        "no page with this name" if form in ("wikilink", "hugo_ref") else "no page at this path"
    )
    if with_drafts is not None:
        kind, target = with_drafts.resolve(source, raw, form)
        if kind is LinkKind.PAGE and target is not None and target >= n_pages:
            reason = "links to a draft page"
    return {"source": rel, "target": raw, "form": form, "reason": reason}


def _navigation(
    index: SiteIndex, nav_drafts: list[PageDraft], pages: list[PageDraft], extra: list[str]
) -> Counter[int]:
    nav: Counter[int] = Counter()
    targets = list(extra)
    for draft in nav_drafts:
        targets += nav_file_targets(draft.rel, draft.links)
    for target in targets:
        found = index.lookup(target)
        if found is not None:
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
