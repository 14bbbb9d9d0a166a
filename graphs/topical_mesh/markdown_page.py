"""Reads one markdown page: title, headings, ids, words, terms and its raw links.

The grammar is CommonMark plus what the common generators add: MkDocs admonitions
(`!!!`, `???`, `???+`) and content tabs (`=== "Tab"`), footnotes, `<a href>` / `<img src>`
in inline and block HTML (stdlib HTML parser), Obsidian wikilinks and embeds, Hugo
`ref`/`relref`. Links inside code spans, fenced or indented code, HTML comments and
`<code>`/`<pre>` are not links. Each link keeps the 1-based line and column of its target
in the file (markdown-it token maps give the lines, the block source the columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.footnote import footnote_plugin

from graphs.topical_mesh.fast_page import FastWalk
from graphs.topical_mesh.frontmatter import FrontMatter, split_front_matter
from graphs.topical_mesh.html_links import html_links, opens_code
from graphs.topical_mesh.hugo import HUGO_REF
from graphs.topical_mesh.locate import BlockText, target_column
from graphs.topical_mesh.mkdocs_tabs import tabs_plugin
from graphs.topical_mesh.similarity import NO_TERMS, TermCounts
from graphs.topical_mesh.terms import page_terms

# Bounded repetitions keep these linear on hostile input (no catastrophic backtracking).
WIKILINK = re.compile(
    r"(!?)\[\[([^\[\]\n|#]{0,300}(?:#[^\[\]\n|]{0,300})?)(?:\|[^\[\]\n]{0,300})?\]\]"
)
BLOCK_ID = re.compile(r"(?:^|\s|\]\])\^([A-Za-z0-9-]{1,100})[ \t]*$", re.M)
# attr_list / kramdown ids in text: `{: #id}` under a heading, `**x**{ #id }`, `{ id=x }`
ATTR_ID = re.compile(
    r"\{:?[ \t]{0,5}(?:[.\w-]{1,50}[ \t]{1,5}){0,5}(?:#|id=[\"']?)([\w:.-]{1,100})[^}\n]{0,200}\}"
)
ESCAPED_MARK = "\x01"  # stands for an escaped character in the text searched for wikilinks
# MDX: `import Snippet from './_snippet.mdx';` (or `@site/docs/_x.md`, from the site
# folder) renders that file inside the page
MDX_IMPORT = re.compile(
    r"^[ \t]{0,3}import[ \t]{1,20}[\w$*{}, \t]{1,300}?[ \t]from[ \t]{1,20}"
    r"[\"']((?:\.{1,2}/|@site/)[^\"'\n]{1,500}?\.mdx?)[\"'];?[ \t]*$",
    re.M,
)
# Build-time includes whose headings become the page's: pymdownx.snippets `--8<-- "file"`
# and the Hugo `include` shortcode (`{{% include "/_common/x.md" %}}`).
SNIPPET = re.compile(
    r"^[ \t]{0,3}-{1,5}8<-{1,5}[ \t]{1,20}[\"']([^\"'\n]{1,500})[\"'][ \t]*$", re.M
)
HUGO_INCLUDE = re.compile(
    r"\{\{[<%][ \t]{0,5}include[ \t]{1,5}[\"']([^\"'\n]{1,500})[\"'][ \t]{0,5}[>%]\}\}"
)
MAX_INCLUDES_PER_PAGE = 20
# a line that may open an MkDocs admonition, collapsible block or content tab
MKDOCS_BLOCK = re.compile(r"^[ \t>]*(?:!!!|\?\?\?|===)", re.M)
MAX_LINKS_PER_PAGE = 5000
MAX_IDS_PER_PAGE = 2000

RawLink = tuple[str, str, int, int]  # (target as written, form, 1-based line, 1-based column)


@dataclass(slots=True)
class PageDraft:
    """What parse keeps of one page (the body itself is dropped)."""

    rel: str
    title: str
    front: FrontMatter
    headings: list[str]
    word_count: int
    links: list[RawLink]
    terms: TermCounts = NO_TERMS  # packed by `read_page`
    ids: list[str] = field(default_factory=list)
    includes: list[tuple[str, str]] = field(default_factory=list)  # (kind, path as written)


def new_parser() -> MarkdownIt:
    """CommonMark with admonitions, content tabs and footnotes; nesting limit 20."""
    parser = MarkdownIt("commonmark", {"maxNesting": 20})
    parser.use(admon_plugin).use(tabs_plugin).use(footnote_plugin)
    parser.disable("text_join")  # keeps `\[\[` (escaped) apart from a real `[[`
    return parser


def read_page(parser: MarkdownIt, rel: str, text: str) -> PageDraft:
    """Extract the page; raises only on parser bugs (the caller notes and skips the file)."""
    front, body = split_front_matter(text)
    line_offset = text.count("\n", 0, len(text) - len(body))
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    if needs_markdown_it(body):
        env: dict[str, object] = {}
        tokens = parser.parse(body, env)
        walker = _Walker(body.split("\n"), line_offset, _references(env))
        walker.walk(tokens)
    else:
        walker = _Walker(body.split("\n"), line_offset, {})
        FastWalk(walker, body).walk()
    title = front.title or walker.first_h1 or _title_from_path(rel)
    text = "\n".join(walker.texts)
    return PageDraft(
        rel=rel,
        title=title[:300],
        front=front,
        headings=walker.headings[:MAX_IDS_PER_PAGE],
        word_count=len(text.split()),
        links=walker.links[:MAX_LINKS_PER_PAGE],
        terms=page_terms(text, "\n".join(walker.heading_terms), title),
        ids=walker.ids[:MAX_IDS_PER_PAGE],
        includes=walker.includes[:MAX_INCLUDES_PER_PAGE],
    )


def needs_markdown_it(body: str) -> bool:
    """True when the page has a block only markdown-it's rules read (admonitions, tabs)."""
    if "!!!" not in body and "???" not in body and "===" not in body:
        return False  # three substring scans instead of a regex tried at every line start
    return MKDOCS_BLOCK.search(body) is not None


def _references(env: dict[str, object]) -> dict[str, int]:
    """href of each reference definition -> 0-based line of its first definition."""
    refs = env.get("references")
    if not isinstance(refs, dict):
        return {}
    found: dict[str, int] = {}
    for value in refs.values():
        if isinstance(value, dict):
            where = value.get("map") or [0]
            found.setdefault(str(value.get("href", "")), int(where[0]))
    return found


def _title_from_path(rel: str) -> str:
    stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if stem.lower() in ("index", "_index", "readme") and "/" in rel:
        stem = rel.rsplit("/", 2)[-2]
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or rel


class _Walker:
    """One pass over the token stream."""

    def __init__(self, lines: list[str], line_offset: int, references: dict[str, int]) -> None:
        self.lines = lines
        self.line_offset = line_offset
        self.references = references
        self.links: list[RawLink] = []
        self.headings: list[str] = []
        self.ids: list[str] = []
        self.first_h1: str | None = None
        self.texts: list[str] = []  # every run of text, counted once at the end
        self.heading_terms: list[str] = []
        self.includes: list[tuple[str, str]] = []

    def walk(self, tokens: list[Token]) -> None:
        heading_level = 0
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                heading_level = int(token.tag[1:])
            elif kind == "heading_close":
                heading_level = 0
            elif kind == "inline":
                text = self._inline(token, heading_level > 0)
                if heading_level:
                    self._heading(text.strip(), heading_level)
            elif kind == "html_block":
                self._html_block(token)

    def _heading(self, text: str, level: int) -> None:
        if level == 1 and self.first_h1 is None and text:
            self.first_h1 = re.sub(r"\s*\{:?\s*#[^}]*\}\s*$", "", text) or text
        self.headings.append(text)
        self.heading_terms.append(text)  # counted again in the terms: headings weigh double

    def _block(self, token: Token) -> BlockText:
        start, end = token.map if token.map else (0, len(self.lines))
        return BlockText(self.lines, start, end, self.line_offset)

    def _add(self, block: BlockText, target: str, form: str, needles: tuple[str, ...]) -> None:
        line, column = block.find(needles)
        self.links.append((target, form, line, column))

    def _inline(self, token: Token, in_heading: bool) -> str:
        block = self._block(token)
        parts: list[str] = []
        marked: list[str] | None = None  # `parts` with escaped characters masked
        code_depth = 0
        for child in token.children or ():
            kind = child.type
            piece = ""
            if kind == "text" or (kind == "code_inline" and in_heading):
                piece = child.content
            elif kind == "text_special":
                piece = child.content
                if child.info == "escape" and piece in ("[", "]"):
                    marked = marked if marked is not None else list(parts)
                    parts.append(piece)
                    marked.append(ESCAPED_MARK)
                    continue
            elif kind in ("softbreak", "hardbreak"):
                piece = "\n"
            elif kind == "link_open":
                self._link(child, token.content, block)
            elif kind == "image":
                src = str(child.attrGet("src") or "")
                self._add(block, src, "image", (src, unquote(src)))
            elif kind == "html_inline":
                code_depth = max(0, code_depth + opens_code(child.content))
                if not code_depth:
                    self._html_inline(child.content, block)
            if piece:
                parts.append(piece)
                if marked is not None:
                    marked.append(piece)
        text = "".join(parts)
        self._text(text, block, "".join(marked) if marked is not None else text)
        return text

    def _link(self, child: Token, inline_source: str, block: BlockText) -> None:
        href = str(child.attrGet("href") or "")
        if child.markup == "autolink":
            self._add(block, href, "autolink", (href, unquote(href)))
            return
        decoded = unquote(href)
        hugo = HUGO_REF.search(decoded)
        if hugo:
            self._add(block, hugo.group(1), "hugo_ref", (hugo.group(1),))
        elif href in self.references and f"]({decoded}" not in inline_source:
            row = self.references[href]
            definition = BlockText(self.lines, row, row + 1, self.line_offset)
            line, column = definition.find(("]: " + href, "]: <" + decoded, href, decoded))
            self.links.append((href, "reference", line, column))
        else:
            needles = ("](" + href, "](<" + decoded, "](" + decoded, href, decoded)
            self._add(block, href, "inline", needles)

    def _html_inline(self, source: str, block: BlockText) -> None:
        links, ids = html_links(source)
        self.ids += ids
        for target, form, _line, _column in links:
            self._add(block, target, form, (target,))

    def _html_block(self, token: Token) -> None:
        links, ids = html_links(token.content)
        self.ids += ids
        start = token.map[0] if token.map else 0
        for target, form, line, column in links:
            row = start + line
            text = self.lines[row] if row < len(self.lines) else ""
            self.links.append(
                (target, form, row + 1 + self.line_offset, target_column(text, target, column))
            )

    def _text(self, text: str, block: BlockText, unescaped: str) -> None:
        if "[[" in unescaped:
            block = block.restarted()
            for match in WIKILINK.finditer(unescaped):
                form = "embed" if match.group(1) else "wikilink"
                target = match.group(2)
                self._add(block, target, form, ("[[" + target, "[[" + target.split("#", 1)[0]))
        if "{{" in text:
            for match in HUGO_REF.finditer(text):
                self._add(block, match.group(1), "hugo_ref", (match.group(1),))
        if "import" in text and " from " in text:
            imports = block.restarted()
            for match in MDX_IMPORT.finditer(block.text):
                self._add(imports, match.group(1), "mdx_import", (match.group(1),))
        if "8<-" in text:
            self.includes += [("snippet", path) for path in SNIPPET.findall(text)]
        if "{{" in text and "include" in text:
            self.includes += [("hugo", path) for path in HUGO_INCLUDE.findall(text)]
        if "{" in text:
            self.ids += ATTR_ID.findall(text)
        if "^" in text:
            self.ids += ["^" + m.group(1) for m in BLOCK_ID.finditer(text)]
        self.texts.append(text)
