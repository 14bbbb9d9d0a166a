"""A small site using every supported link form, with its exact expected audit."""

from __future__ import annotations

FILES: dict[str, str] = {
    "mkdocs.yml": (
        "site_name: Fixture\nsite_url: https://docs.example.test/\ndocs_dir: .\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "nav:\n  - Home: index.md\n  - Notes:\n      - Only in nav: notes/only-in-nav.md\n"
    ),
    "SUMMARY.md": "# Summary\n\n- [Chapter](handbook/chapter.md)\n",
    "index.md": (
        "---\ntitle: Home\n---\n# Welcome\n\n"
        "Read the [Guide](guide/) and [Install](guide/install.md), then\n"
        "[Install again](guide/install.md#step-2). See the [API][api] and\n"
        "<https://docs.example.test/blog/first-post/>.\n\n"
        "[external](https://github.com/example/site) ![logo](img/logo.png)\n"
        "[manual](files/manual.pdf) [top](#top) [myself](index.md)\n\n"
        "`[not a link](nope.md)` <!-- [hidden](nope-hidden.md) -->\n\n"
        "```\n[fenced](nope-fenced.md)\n```\n\n"
        "    [indented](nope-indented.md)\n\n"
        "<!--\n[comment block](nope-comment.md)\n-->\n\n"
        "[api]: api/\n"
    ),
    "guide/index.md": (
        "# Guide\n\n[Install](install) and [Config](config.html), [[Troubleshooting Tips]],\n"
        "back [Home](../).\n"
    ),
    "guide/README.md": "# Guide readme\n\nShadowed by index.md for the folder URL.\n",
    "guide/install.md": (
        "---\ntitle: Installing\n---\n# Install\n\n## Step 2\n\n"
        '[config](../config/) [Home](/) [API]({{< relref "/api" >}})\n'
        "[notes](my%20notes.md) [broken](missing-page.md) [[Nowhere]]\n"
        "[up](../../outside.md)\n"
    ),
    "guide/config.md": (
        "---\ntitle: Configuration\n---\n# Config\n\n"
        "[[install|the install page]] and [[Installing#step-2]];\n"
        'tips: {{< ref "troubleshooting-tips.md" >}}; [draft](draft-page.md)\n'
    ),
    "guide/troubleshooting-tips.md": "# Troubleshooting tips\n\n[Guide](index.md)\n",
    "guide/my notes.md": "# My notes\n\nNo links here.\n",
    "guide/draft-page.md": "---\ntitle: Draft\ndraft: true\n---\n# Draft\n\n[Home](/)\n",
    "api/_index.md": "# API\n\n[Reference](reference.md) [Home](/index.html)\n",
    "api/reference.md": (
        "---\ntitle: API reference\nslug: ref\n---\n\n[Blog](/blog/first-post/)\n"
    ),
    "blog/first-post.md": (
        "---\ntitle: First post\naliases: [/old/first/]\n---\n\n[ref](/api/ref/)\n"
    ),
    "blog/second-post.md": "---\ntitle: Second post\nmenu: main\n---\n\nIn the menu only.\n",
    "handbook/chapter.md": "# Chapter\n\nOnly in SUMMARY.md.\n",
    "notes/only-in-nav.md": "# Only in nav\n\nOnly in the mkdocs nav.\n",
    "notes/lonely.md": "# Lonely\n\n[old](/old/first/)\n",
}

PAGES = {
    "index.md",
    "guide/index.md",
    "guide/README.md",
    "guide/install.md",
    "guide/config.md",
    "guide/troubleshooting-tips.md",
    "guide/my notes.md",
    "api/_index.md",
    "api/reference.md",
    "blog/first-post.md",
    "blog/second-post.md",
    "handbook/chapter.md",
    "notes/only-in-nav.md",
    "notes/lonely.md",
}
EDGES = {
    ("index.md", "guide/index.md"),
    ("index.md", "guide/install.md"),
    ("index.md", "api/_index.md"),
    ("index.md", "blog/first-post.md"),
    ("guide/index.md", "guide/install.md"),
    ("guide/index.md", "guide/config.md"),
    ("guide/index.md", "guide/troubleshooting-tips.md"),
    ("guide/index.md", "index.md"),
    ("guide/install.md", "guide/config.md"),
    ("guide/install.md", "index.md"),
    ("guide/install.md", "api/_index.md"),
    ("guide/install.md", "guide/my notes.md"),
    ("guide/config.md", "guide/install.md"),
    ("guide/config.md", "guide/troubleshooting-tips.md"),
    ("guide/troubleshooting-tips.md", "guide/index.md"),
    ("api/_index.md", "api/reference.md"),
    ("api/_index.md", "index.md"),
    ("api/reference.md", "blog/first-post.md"),
    ("blog/first-post.md", "api/reference.md"),
    ("notes/lonely.md", "blog/first-post.md"),
}
REPEATED = {("index.md", "guide/install.md"): 2, ("guide/config.md", "guide/install.md"): 2}
OCCURRENCES = len(EDGES) + sum(n - 1 for n in REPEATED.values())
BROKEN = {
    ("guide/install.md", "missing-page.md", "inline", "no page at this path"),
    ("guide/install.md", "Nowhere", "wikilink", "no page with this name"),
    ("guide/config.md", "draft-page.md", "inline", "links to a draft page"),
}
ESCAPED = {("guide/install.md", "../../outside.md")}
UNREACHABLE = {"guide/README.md", "notes/lonely.md"}
CONTENT_ORPHANS = {"blog/second-post.md", "handbook/chapter.md", "notes/only-in-nav.md"}
EXTERNAL_LINKS = 1
ASSET_LINKS = 2
