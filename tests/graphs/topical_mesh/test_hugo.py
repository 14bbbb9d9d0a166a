"""Hugo link render hooks resolve markdown links to pages like `GetPage` (issue 15).

Modelled on gohugoio/hugoDocs, whose `layouts/_markup/render-link.html` looks every
destination up with `.Page.GetPage` (relative to the page, then from the content root)
before falling back to the destination as written; the text is ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphs.topical_mesh.context import Context
from graphs.topical_mesh.hugo import get_page_paths

from .conftest import make_repo
from .test_parse import edges_of, run_graph

HOOK = "layouts/_default/_markup/render-link.html"
SITE: dict[str, str | bytes] = {
    "hugo.toml": 'baseURL = "https://hugo.example.test/"\n',
    HOOK: "{{- $u := urls.Parse .Destination -}}\n{{- with $.PageInner.GetPage $u.Path -}}"
    '<a href="{{ .RelPermalink }}">{{- end -}}\n',
    "content/_index.md": "---\ntitle: Home\n---\n\n"
    "[page](/docs/page) [by file](docs/page.md) [section](docs/)\n",
    "content/docs/_index.md": "---\ntitle: Docs\n---\n\n[sibling](page.md) [other](other)\n",
    "content/docs/page.md": "---\ntitle: Page\n---\n\n[sibling](other.md) [up](../blog/post.md)"
    " [from the root](blog/post) [gone](nothing.md)\n",
    "content/docs/other.md": "---\ntitle: Other\nslug: moved\n---\n\n# Other\n",
    "content/blog/post.md": "---\ntitle: Post\n---\n\n[docs page](docs/page.md#top)\n\n# Top\n",
}


def test_get_page_tries_the_page_place_then_the_content_root() -> None:
    assert get_page_paths("docs/page.md", "other.md") == ["docs/other.md", "other.md"]
    assert get_page_paths("docs/page.md", "../blog/post.md") == ["blog/post.md"]
    assert get_page_paths("docs/_index.md", "./page") == ["docs/page", "page"]
    assert get_page_paths("docs/bundle/index.md", "sibling") == ["docs/sibling", "sibling"]
    bundle = get_page_paths("docs/bundle/index.md", "a.md")
    assert bundle == ["docs/a.md", "docs/bundle/a.md", "a.md"]
    assert get_page_paths("docs/page.md", "/blog/post/#x") == ["blog/post"]
    assert get_page_paths("docs/page.md", "./x.md") == ["docs/x.md", "x.md"]  # "./" trimmed
    assert get_page_paths("docs/page.md", "../../out.md") == []


async def test_with_a_link_render_hook_markdown_links_find_pages_like_get_page(
    tmp_path: Path,
) -> None:
    root = make_repo(tmp_path / "site", SITE)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    output, state = await run_graph(ctx, repo_url=str(root))
    assert edges_of(state) == {
        ("content/_index.md", "content/docs/page.md"): 2,
        ("content/_index.md", "content/docs/_index.md"): 1,
        ("content/docs/_index.md", "content/docs/page.md"): 1,
        ("content/docs/_index.md", "content/docs/other.md"): 1,
        ("content/docs/page.md", "content/docs/other.md"): 1,
        ("content/docs/page.md", "content/blog/post.md"): 2,
        ("content/blog/post.md", "content/docs/page.md"): 1,
    }
    broken: list[dict[str, Any]] = output["broken_links"]
    assert [(b["file"], b["target"]) for b in broken] == [("content/docs/page.md", "nothing.md")]


async def test_without_a_hook_a_content_path_link_stays_a_url(tmp_path: Path) -> None:
    files = {name: text for name, text in SITE.items() if name != HOOK}
    root = make_repo(tmp_path / "site", files)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    output, _state = await run_graph(ctx, repo_url=str(root), subdir="content")
    broken = {(b["file"], b["target"]) for b in output["broken_links"]}
    assert ("content/blog/post.md", "docs/page.md#top") in broken
    assert ("content/docs/page.md", "blog/post") in broken


async def test_root_links_are_served_from_the_mounted_content_folder(tmp_path: Path) -> None:
    files = {  # hugoDocs mounts `content/en` onto `content`
        "hugo.toml": 'baseURL = "https://hugo.example.test/"\n\n[module]\n'
        '[[module.mounts]]\nsource = "content/en"\ntarget = "content"\n',
        "content/en/_index.md": "---\ntitle: Home\n---\n\n[page](/docs/page/) [file](docs/page.md)"
        " [absolute](https://hugo.example.test/docs/page/)\n",
        "content/en/docs/page.md": "---\ntitle: Page\n---\n",
    }
    for with_hook in (False, True):
        hooked = {**files, HOOK: SITE[HOOK]} if with_hook else files
        root = make_repo(tmp_path / f"site{with_hook}", hooked)
        ctx = Context(allow_local_sources=True, workdir=str(tmp_path / f"w{with_hook}"))
        output, state = await run_graph(ctx, repo_url=str(root))
        # without a hook `docs/page.md` is a URL relative to the home page: it still finds
        # the file from the page's folder (a known leniency)
        assert edges_of(state) == {("content/en/_index.md", "content/en/docs/page.md"): 3}
        assert output["broken_links"] == []
