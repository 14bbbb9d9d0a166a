"""The fast path of `read_page`: pulldown-cmark (through `pyromark`) instead of markdown-it-py.

Parsing was about 95 % of the audit's time with markdown-it-py (0.5-2 ms a page in pure
Python); pulldown-cmark does the same CommonMark parse in Rust, an order of magnitude
faster, and reports the byte range of every event. The walk below feeds the same
`_Walker` collectors as the markdown-it walk, so both paths produce the same page: the
same links with the same forms, lines and columns, headings, ids, words and terms.

markdown-it-py stays the parser of pages that need a rule pulldown-cmark lacks (MkDocs
admonitions and content tabs, see `needs_markdown_it`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pyromark
from markdown_it.common.normalize_url import normalizeLink, validateLink

from graphs.topical_mesh.html_links import html_links, opens_code
from graphs.topical_mesh.hugo import HUGO_REF
from graphs.topical_mesh.locate import BlockText, target_column

_PARSER = pyromark.Markdown(options=pyromark.Options.ENABLE_FOOTNOTES)
# Tags whose start or end closes the run of inline text (markdown-it's `inline` token).
_INLINE_TAGS = frozenset({"Emphasis", "Strong", "Strikethrough", "Superscript", "Subscript"})
_REFERENCE_TYPES = frozenset({"Reference", "Collapsed", "Shortcut"})
# Block tags whose start and end only close the run of inline text (as `_start`/`_end`
# would: they are neither inline tags, headings, code nor HTML).
_BLOCK_BOUNDS = frozenset({"Paragraph", "Item", "BlockQuote", "TableHead", "TableRow", "TableCell"})
Span = Any  # pyromark's Range: {'start': byte offset, 'end': byte offset}
_NO_BLOCK = BlockText([""], 0, 1, 0)


# Characters markdown-it's normalizeLink leaves alone (mdurl's encode set, `%XX` kept)
_PLAIN_URL = re.compile(r"(?:[A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]|%[0-9A-Fa-f]{2})*")


def normalize(dest: str) -> str:
    """markdown-it's link normalization (percent-encoding, punycode hosts), plain URLs kept.

    normalizeLink costs about 0.2 ms a call; most URLs are already in normal form.
    """
    if _PLAIN_URL.fullmatch(dest):
        return dest
    return normalizeLink(dest)


def _valid(href: str) -> bool:
    """markdown-it's validateLink: only a URL with a scheme (`javascript:`) can be refused."""
    return ":" not in href or validateLink(href)


def _tag_name(tag: Any) -> str:
    return tag if isinstance(tag, str) else next(iter(tag))


def _escaped(raw: bytes, start: int) -> bool:
    """True when the text at `start` follows an odd run of backslashes (`\\[`)."""
    count = 0
    while start - count - 1 >= 0 and raw[start - count - 1] == 0x5C:
        count += 1
    return count % 2 == 1


class ByteLines:
    """Maps UTF-8 byte offsets of the body to 0-based (line, character column)."""

    def __init__(self, body: str) -> None:
        self.raw = body.encode("utf-8", "surrogatepass")
        self.ascii = len(self.raw) == len(body)
        starts, at = [0], self.raw.find(b"\n")
        while at >= 0:
            starts.append(at + 1)
            at = self.raw.find(b"\n", at + 1)
        self.starts = starts

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def text(self, start: int, end: int) -> str:
        return self.raw[start:end].decode("utf-8", "replace")


class FastWalk:
    """One pass over pulldown-cmark's events, filling a markdown_page `_Walker`."""

    def __init__(self, walker: Any, body: str) -> None:
        self.w = walker
        self.src = ByteLines(body)
        self.definitions = {
            " ".join(label.split()).casefold(): value["span"]["start"]
            for label, value in _PARSER.reference_definitions(body).items()
        }
        self.body = body
        self.parts: list[str] = []
        self.marked: list[str] | None = None
        self.run_start = -1
        self.run_end = -1
        # (kind, payload, normalized href of a link) of each link, image and HTML of a run
        self.links: list[tuple[str, Any, str]] = []
        self.heading = 0
        self.code = 0
        self.image = 0
        self.html_depth = 0
        self.unsafe: list[str] = []  # per open link: its source tail when markdown-it drops it

    def walk(self) -> None:
        """The event loop, with the commonest events (text, paragraph and item bounds)
        handled inline: a page is a few dozen events, each once through here."""
        raw = self.src.raw
        parts = self.parts  # `_flush` empties these lists in place
        events: Iterator[tuple[Any, Span]] = _PARSER.events_with_range(self.body)
        for event, span in events:
            if event.__class__ is str:
                if (event == "SoftBreak" or event == "HardBreak") and not self.code:
                    self._piece("\n", span)
                continue
            ((kind, value),) = event.items()
            if kind == "Text":
                if self.code or self.image:
                    continue
                first = value[:1]
                if (first == "[" or first == "]") and _escaped(raw, span["start"]):
                    self._piece(first, span, escaped=True)  # `\[`: never a wikilink
                    if len(value) > 1:
                        self._piece(value[1:], span)
                else:  # the common case, inlined: `_piece` without the escape
                    if self.run_start < 0:
                        self.run_start = span["start"]
                    end = span["end"]
                    if end > self.run_end:
                        self.run_end = end
                    if self.marked is not None:
                        self.marked.append(value)
                    parts.append(value)
            elif kind == "Start":
                if value.__class__ is str and value in _BLOCK_BOUNDS:
                    if self.run_start >= 0:
                        self._flush()
                else:
                    self._start(value, span)
            elif kind == "End":
                if value.__class__ is str and value in _BLOCK_BOUNDS:
                    if self.run_start >= 0:
                        self._flush()
                else:
                    self._end(value)
            elif kind == "Code":
                if self.heading:
                    self._piece(value, span)
                else:
                    self._touch(span)
            elif kind == "InlineHtml":
                self._touch(span)
                self.html_depth = max(0, self.html_depth + opens_code(value))
                if not self.html_depth and not self.image:
                    self.links.append(("html", value, ""))
        self._flush()

    def _start(self, tag: Any, span: Span) -> None:
        name = _tag_name(tag)
        if name == "Link":
            self._touch(span)
            data = tag["Link"]
            autolink = data["link_type"] in ("Autolink", "Email")
            href = "" if autolink else normalize(data["dest_url"])
            unsafe = not autolink and not _valid(href)
            # markdown-it keeps a `javascript:` (or other unsafe) link as its source text
            self.unsafe.append(f"]({data['dest_url']})" if unsafe else "")
            if not self.image and not unsafe:
                self.links.append(("link", data, href))
        elif name == "Image":
            self._touch(span)
            if not self.image:
                self.links.append(("image", tag["Image"], ""))
            self.image += 1
        elif name in _INLINE_TAGS:
            self._touch(span)
        else:
            self._flush()
            if name == "Heading":
                self.heading = int(tag["Heading"]["level"][1:])
            elif name == "CodeBlock":
                self.code += 1
            elif name == "HtmlBlock":
                self._html_block(span)
                self.code += 1  # its Html events are read from the source above

    def _end(self, tag: Any) -> None:
        name = _tag_name(tag)
        if name == "Image":
            self.image = max(0, self.image - 1)
        elif name == "Link":
            tail = self.unsafe.pop() if self.unsafe else ""
            if tail and not self.code and not self.image:
                self.parts.append(tail)
                if self.marked is not None:
                    self.marked.append(tail)
        elif name in _INLINE_TAGS:
            return
        elif name == "Heading":
            text = self._flush()
            self.w._heading(text.strip(), self.heading)
            self.heading = 0
        else:
            self._flush()
            if name in ("CodeBlock", "HtmlBlock"):
                self.code = max(0, self.code - 1)

    def _html_block(self, span: Span) -> None:
        """Links and ids of an HTML block, read from its source lines as markdown-it does."""
        src, w = self.src, self.w
        row = src.line(span["start"])
        content = src.text(src.starts[row], span["end"])
        links, ids = html_links(content)
        w.ids += ids
        for target, form, line, column in links:
            at = row + line
            text = w.lines[at] if at < len(w.lines) else ""
            w.links.append(
                (target, form, at + 1 + w.line_offset, target_column(text, target, column))
            )

    def _touch(self, span: Span) -> None:
        if self.run_start < 0:
            self.run_start = span["start"]
        self.run_end = max(self.run_end, span["end"])

    def _piece(self, text: str, span: Span, escaped: bool = False) -> None:
        self._touch(span)
        if escaped:
            self.marked = self.marked if self.marked is not None else list(self.parts)
            self.marked.append("\x01")
        elif self.marked is not None:
            self.marked.append(text)
        self.parts.append(text)

    def _flush(self) -> str:
        """Hand the run of inline text and links to the walker, as markdown-it's `inline`."""
        if self.run_start < 0:
            return ""
        src, w = self.src, self.w
        text = "".join(self.parts)
        if self.links or "[[" in text or "{{" in text or "import" in text:
            first = src.line(self.run_start)
            last = src.line(max(self.run_start, self.run_end - 1))
            block = BlockText(w.lines, first, last + 1, w.line_offset)
        else:
            block = _NO_BLOCK  # nothing in this run is searched for in the source
        for kind, payload, href in self.links:
            if kind == "link":
                self._link(payload, href, block)
            elif kind == "image":
                href = normalize(payload["dest_url"])
                if _valid(href):
                    w._add(block, href, "image", (href, unquote(href)))
            else:
                w._html_inline(payload, block)
        w._text(text, block, "".join(self.marked) if self.marked is not None else text)
        self.parts.clear()
        self.links.clear()
        self.marked = None
        self.run_start = self.run_end = -1
        self.html_depth = 0
        return text

    def _link(self, data: dict[str, Any], href: str, block: BlockText) -> None:
        """`href` is the normalized destination (unused for autolinks)."""
        w = self.w
        link_type = data["link_type"]
        if link_type in ("Autolink", "Email"):
            dest = data["dest_url"]
            href = normalize(("mailto:" + dest) if link_type == "Email" else dest)
            w._add(block, href, "autolink", (href, unquote(href)))
            return
        decoded = unquote(href) if "%" in href else href
        hugo = HUGO_REF.search(decoded) if "{{" in decoded else None
        if hugo:
            w._add(block, hugo.group(1), "hugo_ref", (hugo.group(1),))
            return
        label = " ".join(str(data.get("id") or "").split()).casefold()
        if link_type in _REFERENCE_TYPES and label in self.definitions:
            row = self.src.line(self.definitions[label])
            definition = BlockText(w.lines, row, row + 1, w.line_offset)
            line, column = definition.find(("]: " + href, "]: <" + decoded, href, decoded))
            w.links.append((href, "reference", line, column))
        else:
            w._add(
                block, href, "inline", ("](" + href, "](<" + decoded, "](" + decoded, href, decoded)
            )
