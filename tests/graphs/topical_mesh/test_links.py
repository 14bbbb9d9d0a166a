"""Link resolution rules, one behaviour at a time."""

from __future__ import annotations

import itertools
import posixpath

import pytest

from graphs.topical_mesh.links import (
    LinkKind,
    PageKeys,
    SiteIndex,
    built_url,
    normal_join,
    normal_path,
)


def index(*rels: str, site_url: str | None = None) -> SiteIndex:
    return SiteIndex(
        [PageKeys(rel=r, title=r.rsplit("/", 1)[-1][:-3].title()) for r in rels], site_url
    )


@pytest.mark.parametrize(
    ("rel", "url"),
    [("index.md", "/"), ("a/_index.md", "/a/"), ("a/README.md", "/a/"), ("a/b.md", "/a/b/")],
)
def test_built_urls_are_pretty(rel: str, url: str) -> None:
    assert built_url(rel, None, None) == url


def test_index_md_wins_over_readme_for_a_folder() -> None:
    site = index("x.md", "docs/README.md", "docs/index.md")
    assert site.resolve(0, "docs/", "inline") == (LinkKind.PAGE, 2)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("#top", LinkKind.SELF),
        ("", LinkKind.SELF),
        ("a.md", LinkKind.SELF),
        ("mailto:x@example.test", LinkKind.EXTERNAL),
        ("https://other.test/a/", LinkKind.EXTERNAL),
        ("//cdn.test/x.js", LinkKind.EXTERNAL),
        ("img/x.svg", LinkKind.ASSET),
        ("../../../../etc/passwd", LinkKind.ESCAPED),
        ("nope.md", LinkKind.BROKEN),
        ("nope/", LinkKind.BROKEN),
    ],
)
def test_link_kinds(raw: str, kind: LinkKind) -> None:
    assert index("a.md", "b.md").resolve(0, raw, "inline")[0] is kind


def test_absolute_links_to_the_sites_own_base_path_are_internal() -> None:
    site = index("a.md", "guide/b.md", site_url="https://example.test/project/")
    assert site.resolve(0, "https://example.test/project/guide/b/", "inline") == (LinkKind.PAGE, 1)
    assert site.resolve(0, "/project/guide/b.html", "inline") == (LinkKind.PAGE, 1)
    assert site.resolve(0, "https://example.test/other/", "inline")[0] is LinkKind.BROKEN


def test_wikilinks_match_names_and_titles_case_insensitively() -> None:
    site = index("a.md", "notes/Big Idea.md")
    assert site.resolve(0, "big idea", "wikilink") == (LinkKind.PAGE, 1)
    assert site.resolve(0, "big-idea", "wikilink") == (LinkKind.PAGE, 1)
    assert site.resolve(0, "Missing", "wikilink") == (LinkKind.BROKEN, None)


def test_a_redirect_to_a_folder_index_answers_for_the_folder() -> None:
    """jekyll/jekyll: `redirect_from: "/help/index.html"` makes `/help/` a built page."""
    keys = [
        PageKeys(rel="index.md", title="Home"),
        PageKeys(
            rel="_docs/community/community.md",
            title="Community",
            permalink="/docs/community/",
            aliases=("/help/index.html", "/old/page.html"),
        ),
    ]
    site = SiteIndex(keys, "https://jekyll.example.test/")
    assert site.resolve(0, "/help/", "inline") == (LinkKind.PAGE, 1)
    assert site.resolve(0, "https://jekyll.example.test/help/", "inline") == (LinkKind.PAGE, 1)
    assert site.resolve(0, "/old/page.html", "inline") == (LinkKind.PAGE, 1)
    assert site.resolve(0, "/old/", "inline")[0] is LinkKind.BROKEN


def test_normal_join_is_posixpath_normpath_of_join() -> None:
    """Link targets are normalised as `posixpath` does, the fast path included."""
    paths = ["".join(p) for n in range(7) for p in itertools.product("a./", repeat=n)]
    assert [normal_path(p) for p in paths] == [posixpath.normpath(p) for p in paths]
    short = [p for p in paths if len(p) <= 4] + ["docs/guide", "../x.md", "a/b/", "/r/./s"]
    for base, path in itertools.product(short, repeat=2):
        assert normal_join(base, path) == posixpath.normpath(posixpath.join(base, path))
