"""The pulldown-cmark path of read_page gives the page markdown-it-py gives (issue 15, "Fast").

Every markdown file of the eight lookalike sites and of a generated site (every link form)
is read both ways and compared field by field: links with their forms, lines and columns,
headings, ids, words and terms.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from graphs.topical_mesh import markdown_page
from graphs.topical_mesh.frontmatter import simple_yaml
from graphs.topical_mesh.markdown_page import PageDraft, needs_markdown_it, new_parser, read_page
from graphs.topical_mesh.sitegen import generate_site
from tests.graphs.topical_mesh.lookalikes import LOOKALIKES

EDGE_CASES = {
    "escapes.md": "# Esc\n\nThe \\[\\[not a link\\]\\] but [[Real]] and \\\\[[Also real]].\n",
    "refs.md": "# Refs\n\nSee [one][a], [two][B] and [a].\n\n[a]: one.md#x\n[b]: <two page.md>\n",
    "html.md": '# Html\n\n<div>\n  <a href="block.md">b</a>\n</div>\n\n'
    'Inline <a href="inline.md">i</a> and <code><a href="no.md">x</a></code>.\n',
    "code.md": "# Code\n\n`[no](a.md)`\n\n```\n[no](b.md)\n```\n\n    [no](c.md)\n",
    "mixed.md": "# Über *ein* `code` Titel {#custom}\n\nCafé [é](café.md) <https://x.test/a>"
    " <me@x.test> ![alt [x](alt.md)](i.png)\n\n[^n]: [note](note.md)\n\nText[^n] ^block-1\n",
    "hugo.md": '# H\n\n[ref]({{< ref "a.md" >}}) and {{< relref "b" >}} {{% ref c %}}\n',
    "table.md": "# T\n\n| a | b |\n|---|---|\n| [[x\\|y]] | [z](z.md) |\n",
    "unsafe.md": "# U\n\n[js](javascript:alert(1)) [ok](ok.md)\n",
}


def _both(rel: str, text: str) -> tuple[PageDraft, PageDraft]:
    parser = new_parser()
    fast = read_page(parser, rel, text)
    original = markdown_page.needs_markdown_it
    try:
        markdown_page.needs_markdown_it = lambda _body: True  # type: ignore[assignment]
        slow = read_page(parser, rel, text)
    finally:
        markdown_page.needs_markdown_it = original  # type: ignore[assignment]
    return fast, slow


def _same(fast: PageDraft, slow: PageDraft) -> None:
    assert sorted(fast.links) == sorted(slow.links)
    assert fast.headings == slow.headings
    assert sorted(fast.ids) == sorted(slow.ids)
    assert fast.title == slow.title
    assert (fast.word_count, _counts(fast)) == (slow.word_count, _counts(slow))


def _counts(draft: PageDraft) -> dict[str, int]:
    """The page's term counts (packed as (terms, counts)), in any order."""
    terms, counts = draft.terms
    return dict(zip(terms, counts, strict=True))


def _lookalike_pages() -> list[tuple[str, str]]:
    return [
        (f"{site.name.split(' (')[0]}:{rel}", text)
        for site in LOOKALIKES
        for rel, text in site.files.items()
        if isinstance(text, str) and rel.endswith((".md", ".mdx", ".markdown"))
    ]


@pytest.mark.parametrize(("rel", "text"), _lookalike_pages(), ids=lambda v: str(v)[:60])
def test_lookalike_pages_read_the_same_both_ways(rel: str, text: str) -> None:
    _same(*_both(rel, text))


@pytest.mark.parametrize("rel", sorted(EDGE_CASES))
def test_edge_cases_read_the_same_both_ways(rel: str) -> None:
    _same(*_both(rel, EDGE_CASES[rel]))


def test_a_generated_site_reads_the_same_both_ways(tmp_path: Path) -> None:
    generate_site(tmp_path, 60, words=40)
    files = sorted(tmp_path.rglob("*.md"))
    assert len(files) >= 60
    for path in files:
        text = path.read_text()
        assert not needs_markdown_it(text)  # so the fast path is what is compared
        _same(*_both(str(path.relative_to(tmp_path)), text))


def test_the_fast_path_finds_what_it_should() -> None:
    page = read_page(new_parser(), "mixed.md", EDGE_CASES["mixed.md"])
    forms = {(target, form) for target, form, _line, _col in page.links}
    assert ("caf%C3%A9.md", "inline") in forms
    assert ("https://x.test/a", "autolink") in forms
    assert ("mailto:me@x.test", "autolink") in forms
    assert ("i.png", "image") in forms
    assert ("note.md", "inline") in forms  # inside a footnote definition
    assert "custom" in page.ids and "^block-1" in page.ids
    esc = read_page(new_parser(), "escapes.md", EDGE_CASES["escapes.md"])
    assert [(t, f) for t, f, _l, _c in esc.links] == [
        ("Real", "wikilink"),
        ("Also real", "wikilink"),
    ]
    refs = read_page(new_parser(), "refs.md", EDGE_CASES["refs.md"])
    assert sorted(refs.links) == [
        ("one.md#x", "reference", 5, 6),
        ("one.md#x", "reference", 5, 6),
        ("two%20page.md", "reference", 6, 7),  # after the `<`
    ]


def test_admonitions_and_tabs_go_to_markdown_it() -> None:
    text = '# A\n\n!!! note\n    [in](a.md)\n\n=== "Tab"\n    [tab](b.md)\n'
    assert needs_markdown_it(text)
    page = read_page(new_parser(), "a.md", text)
    assert [(t, line) for t, _f, line, _c in page.links] == [("a.md", 4), ("b.md", 7)]


@pytest.mark.parametrize(
    "source",
    [
        'title: "Topic 1 page 3"',
        "title: Getting started\nslug: /intro",
        'title: "Quoted: with colon # and hash"\nid: intro',
        "title: Yes",
        "draft: true",
        "draft: True",
        "title: null",
        "title: Off",
        "title: a #comment",
        "title: a, b. c/d-e_f   ",
        "title: 'single'",
        'title: "esc \\" aped"',
        "title: 2020-01-01",
        "title: x\ntitle: y",
        "title: a\n  continued",
        "aliases: [a, b]",
        "key: value:",
        "on: x",
        "No: x",
        "Title: Notes on N",
        "",
    ],
)
def test_simple_front_matter_reads_as_yaml_does(source: str) -> None:
    """The fast reader of `key: string` front matter returns what YAML returns, or None."""
    simple = simple_yaml(source)
    if simple is not None:
        assert simple == yaml.safe_load(source)
