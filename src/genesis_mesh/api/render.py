"""REST: markdown rendered to HTML and sanitized on the server (docs/ui.md).

Two layers: markdown-it renders with raw HTML disabled (HTML in the source stays text)
and every image replaced by its alt text; nh3 then keeps only an allowlist of tags and
attributes, links with http(s)/mailto or relative targets, each with
`rel="noopener noreferrer nofollow"`. The UI puts the result in the page as is; the
page's Content-Security-Policy is the third layer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # imported on the first render: most hosts never render (about 2 MB)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

MAX_MARKDOWN_CHARS = 500_000

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "details", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "input", "kbd", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "input": {"type", "checked", "disabled"},
    "li": {"class"},
    "span": {"class"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_SAFE_CLASS = re.compile(r"^(language-[A-Za-z0-9_+-]{1,40}|task-list-item|image-dropped)$")
_ALIGN = {"left", "right", "center"}

router = APIRouter(prefix="/api/v1/render", tags=["render"])


class MarkdownRequest(BaseModel):
    """Markdown to render (CommonMark with tables, strikethrough and task lists)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"markdown": "# Report\n\n| page | links |\n|---|---|\n| /a | 3 |"}]
        },
    )

    markdown: str = Field(max_length=MAX_MARKDOWN_CHARS)


class RenderedHtml(BaseModel):
    """Sanitized HTML, safe to insert into the page."""

    html: str


@router.post("/markdown", summary="Render markdown to sanitized HTML")
async def render_markdown(body: MarkdownRequest) -> RenderedHtml:
    return RenderedHtml(html=markdown_to_safe_html(body.markdown))


def markdown_to_safe_html(markdown: str) -> str:
    """Render `markdown` and sanitize the HTML; images become their alt text."""
    return sanitize(_renderer().render(markdown))


def sanitize(html: str) -> str:
    """Keep only the allowlisted tags, attributes and link schemes of `html`."""
    import nh3

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        kept = [name for name in value.split() if _SAFE_CLASS.match(name)]
        return " ".join(kept) or None
    if attribute == "align":
        return value if value in _ALIGN else None
    if tag == "input":
        if attribute == "type":
            return value if value == "checkbox" else None
        return value
    return value


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.tasklists import tasklists_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.use(tasklists_plugin)
    md.add_render_rule("image", _render_image_as_text)
    return md


def _render_image_as_text(
    _self: Any, tokens: Sequence[Token], idx: int, _options: Any, _env: Any
) -> str:
    """No image is loaded from a report: show `[image: alt]` instead."""
    token = tokens[idx]
    alt = "".join(child.content for child in token.children or [])
    return f'<span class="image-dropped">[image: {escape(alt)}]</span>'
