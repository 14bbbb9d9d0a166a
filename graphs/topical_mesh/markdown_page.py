"""Reads one markdown page: title, headings, words, terms and its raw links by form.

Links inside code spans, fenced or indented code and HTML (including comments) are not
links. Wikilinks and Hugo `ref`/`relref` shortcodes are found in plain text only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

from graphs.topical_mesh.frontmatter import FrontMatter, split_front_matter

# Bounded repetitions keep these linear on hostile input (no catastrophic backtracking).
WIKILINK = re.compile(r"\[\[([^\[\]\n|#]{0,300})(?:#[^\[\]\n|]{0,300})?(?:\|[^\[\]\n]{0,300})?\]\]")
HUGO_REF = re.compile(
    r"\{\{[<%] {0,5}(?:rel)?ref {1,5}(?:path=)?[\"']?([^\"'\s>%}]{1,500})[\"']?"
    r"[^}\n]{0,200}?[>%]\}\}"
)
_TERM = re.compile(r"[a-z][a-z0-9]{2,}")
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "are",
        "but",
        "not",
        "you",
        "all",
        "any",
        "can",
        "had",
        "her",
        "was",
        "one",
        "our",
        "out",
        "has",
        "have",
        "this",
        "that",
        "with",
        "from",
        "they",
        "will",
        "would",
        "there",
        "their",
        "what",
        "about",
        "which",
        "when",
        "make",
        "like",
        "time",
        "just",
        "him",
        "know",
        "take",
        "into",
        "your",
        "some",
        "could",
        "them",
        "see",
        "other",
        "than",
        "then",
        "now",
        "look",
        "only",
        "come",
        "its",
        "over",
        "think",
        "also",
        "back",
        "after",
        "use",
        "two",
        "how",
        "work",
        "first",
        "well",
        "way",
        "even",
        "new",
        "want",
        "because",
        "these",
        "give",
        "most",
        "very",
        "such",
        "here",
        "more",
        "must",
        "each",
        "does",
        "how",
        "where",
        "been",
        "were",
        "should",
        "using",
        "used",
        "page",
        "pages",
        "see",
        "link",
        "links",
        "http",
        "https",
        "www",
        "com",
        "org",
        "html",
    ]
)
MAX_LINKS_PER_PAGE = 5000


@dataclass
class PageDraft:
    """What parse keeps of one page (the body itself is dropped)."""

    rel: str
    title: str
    front: FrontMatter
    headings: list[str]
    word_count: int
    links: list[tuple[str, str]]
    terms: Counter[str] = field(default_factory=Counter)


def new_parser() -> MarkdownIt:
    """A CommonMark parser with the default nesting limit (deep input stays flat)."""
    return MarkdownIt("commonmark", {"maxNesting": 20})


def read_page(parser: MarkdownIt, rel: str, text: str) -> PageDraft:
    """Extract the page; raises only on parser bugs (the caller notes and skips the file)."""
    front, body = split_front_matter(text)
    env: dict[str, object] = {}
    tokens = parser.parse(body, env)
    reference_hrefs = _reference_hrefs(env)
    walker = _Walker(reference_hrefs)
    walker.walk(tokens)
    title = front.title or walker.first_h1 or _title_from_path(rel)
    terms = walker.terms
    for word in _TERM.findall(title.lower()):
        if word not in STOPWORDS:
            terms[word] += 3
    return PageDraft(
        rel=rel,
        title=title[:300],
        front=front,
        headings=walker.headings[:200],
        word_count=walker.words,
        links=walker.links[:MAX_LINKS_PER_PAGE],
        terms=terms,
    )


def _reference_hrefs(env: dict[str, object]) -> set[str]:
    refs = env.get("references")
    if not isinstance(refs, dict):
        return set()
    return {str(v.get("href", "")) for v in refs.values() if isinstance(v, dict)}


def _title_from_path(rel: str) -> str:
    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem.lower() in ("index", "_index", "readme") and "/" in rel:
        stem = rel.rsplit("/", 2)[-2]
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or rel


class _Walker:
    """One pass over the token stream."""

    def __init__(self, reference_hrefs: set[str]) -> None:
        self.reference_hrefs = reference_hrefs
        self.links: list[tuple[str, str]] = []
        self.headings: list[str] = []
        self.first_h1: str | None = None
        self.words = 0
        self.terms: Counter[str] = Counter()

    def walk(self, tokens: list[Token]) -> None:
        heading_level = 0
        for token in tokens:
            if token.type == "heading_open":
                heading_level = int(token.tag[1:])
            elif token.type == "heading_close":
                heading_level = 0
            elif token.type == "inline":
                text = self._inline(token)
                if heading_level:
                    self._heading(text.strip(), heading_level)

    def _heading(self, text: str, level: int) -> None:
        if level == 1 and self.first_h1 is None and text:
            self.first_h1 = text
        self.headings.append(text)
        for word in _TERM.findall(text.lower()):
            if word not in STOPWORDS:
                self.terms[word] += 1  # plus the body count below: headings weigh double

    def _inline(self, token: Token) -> str:
        parts: list[str] = []
        for child in token.children or ():
            kind = child.type
            if kind == "text":
                parts.append(child.content)
            elif kind == "link_open":
                self._link(child, token.content)
            elif kind == "image":
                self.links.append((str(child.attrGet("src") or ""), "image"))
            elif kind in ("softbreak", "hardbreak"):
                parts.append("\n")
        text = "".join(parts)
        self._text(text)
        return text

    def _link(self, child: Token, inline_source: str) -> None:
        href = str(child.attrGet("href") or "")
        if child.markup == "autolink":
            self.links.append((href, "autolink"))
            return
        decoded = unquote(href)
        hugo = HUGO_REF.search(decoded)
        if hugo:
            self.links.append((hugo.group(1), "hugo_ref"))
        elif href in self.reference_hrefs and f"]({decoded}" not in inline_source:
            self.links.append((href, "reference"))
        else:
            self.links.append((href, "inline"))

    def _text(self, text: str) -> None:
        if "[[" in text:
            self.links.extend((m.group(1), "wikilink") for m in WIKILINK.finditer(text))
        if "{{" in text:
            self.links.extend((m.group(1), "hugo_ref") for m in HUGO_REF.finditer(text))
        self.words += len(text.split())
        terms = self.terms
        for word in _TERM.findall(text.lower()):
            if word not in STOPWORDS:
                terms[word] += 1
