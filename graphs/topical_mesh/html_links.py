"""Links and ids written as HTML inside markdown, read with the stdlib HTML parser.

`<a href>` is a page link, `<img src>` / `<source src>` / `<video src>` an asset, and every
`id` (and `<a name>`) an anchor of the page. Nothing inside `<code>`, `<pre>`, `<script>`,
`<style>` or a comment counts.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_CODE_TAGS = frozenset({"code", "pre", "script", "style", "textarea"})
_ASSET_TAGS = frozenset({"img", "source", "video", "audio", "embed", "track"})
_VOID = frozenset({"img", "source", "embed", "track", "br", "hr", "input", "meta", "link", "wbr"})

HtmlLink = tuple[str, str, int, int]  # (target, form, 0-based line, 0-based column)
# A start tag opens with `<` and a letter (HTML's tag open state, and HTMLParser's own
# `starttagopen`): a fragment without one (a comment, a closing tag) has no link and no id.
_START_TAG = re.compile("<[a-zA-Z]")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[HtmlLink] = []
        self.ids: list[str] = []
        self._code_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CODE_TAGS:
            self._code_depth += 1
        if self._code_depth:
            return
        values = {k: v for k, v in attrs if v is not None}
        for key in ("id", "name") if tag == "a" else ("id",):
            if values.get(key):
                self.ids.append(values[key])
        line, column = self.getpos()
        if tag == "a" and "href" in values:
            self.links.append((values["href"], "html", line - 1, column))
        elif tag in _ASSET_TAGS and values.get("src"):
            self.links.append((values["src"], "html_image", line - 1, column))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _CODE_TAGS:
            self._code_depth = max(0, self._code_depth - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _CODE_TAGS and tag not in _VOID:
            self._code_depth = max(0, self._code_depth - 1)


def html_links(source: str) -> tuple[list[HtmlLink], list[str]]:
    """(links with their position in `source`, ids) of an HTML fragment."""
    if _START_TAG.search(source) is None:
        return [], []
    collector = _Collector()
    try:
        collector.feed(source)
        collector.close()
    except (AssertionError, ValueError):  # malformed markup keeps what was read so far
        pass
    return collector.links, collector.ids


def opens_code(source: str) -> int:
    """+1 for each `<code>`/`<pre>` opened, -1 for each closed, in an inline HTML tag."""
    tag = source.strip("<>/ \t\n").split(None, 1)[0].lower() if source.strip("<>/ ") else ""
    if tag not in ("code", "pre"):
        return 0
    return -1 if source.startswith("</") else 1
