"""Small sites written in the shape of eight real public sites (see bench/README.md, "Real
sites"), each with the answers counted by hand from the files as a reader would.

The text is ours; the structure (config, folders, link forms, generator extensions) is
the real site's. `broken` lists (file, line, column, target) of every finding of the
kind; `sample` names links (source page id, target page id) that must be resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Lookalike:
    """One site and its hand-counted truth."""

    name: str
    files: dict[str, str | bytes]
    subdir: str | None
    pages: set[str]
    distinct_links: int
    broken_links: set[tuple[str, int, int, str]] = field(default_factory=set)
    broken_assets: set[tuple[str, int, int, str]] = field(default_factory=set)
    broken_anchors: set[tuple[str, int, int, str]] = field(default_factory=set)
    sample: set[tuple[str, str]] = field(default_factory=set)


MKDOCS = Lookalike(
    name="mkdocs (mkdocs/mkdocs docs/)",
    files={
        "mkdocs.yml": "site_name: Demo\nsite_url: https://www.example.test/\n"
        "nav:\n  - Home: index.md\n  - User guide:\n    - user-guide/README.md\n"
        "    - user-guide/configuration.md\n  - about/release-notes.md\n",
        "docs/index.md": "# Demo\n\n"
        "[Configuration](user-guide/configuration.md#site_name)\n"
        "[Guide](user-guide/)\n"
        "[Notes](https://www.example.test/about/release-notes/)\n"
        "![Screenshot](img/screenshot.png)\n",
        "docs/img/screenshot.png": b"\x89PNG",
        "docs/user-guide/README.md": "# User guide\n\n"
        "[Configuration](configuration.md)\n"
        "[Home](../index.md#demo)\n",
        "docs/user-guide/configuration.md": "# Configuration\n\n## site_name\n\n## nav\n\n"
        "[Release notes](../about/release-notes.md#version-10)\n"
        "[Missing](../about/contributing.md)\n",
        "docs/about/release-notes.md": "# Release notes\n\n## Version 1.0\n\n"
        "[Nav option](../user-guide/configuration.md#navigation)\n",
    },
    subdir="docs",
    pages={
        "index.md",
        "user-guide/README.md",
        "user-guide/configuration.md",
        "about/release-notes.md",
    },
    distinct_links=7,
    broken_links={("docs/user-guide/configuration.md", 8, 11, "../about/contributing.md")},
    broken_anchors={
        (
            "docs/about/release-notes.md",
            5,
            14,
            "../user-guide/configuration.md#navigation",
        )
    },
    sample={
        ("index.md", "user-guide/configuration.md"),
        ("index.md", "user-guide/README.md"),
        ("index.md", "about/release-notes.md"),
        ("user-guide/README.md", "index.md"),
        ("user-guide/configuration.md", "about/release-notes.md"),
    },
)

MATERIAL = Lookalike(
    name="MkDocs Material (squidfunk/mkdocs-material docs/)",
    files={
        "mkdocs.yml": "site_name: Material demo\ntheme:\n  name: material\n"
        "markdown_extensions:\n  - admonition\n  - pymdownx.details\n  - pymdownx.tabbed\n"
        "  - attr_list\n  - md_in_html\n  - footnotes\n",
        "docs/index.md": "# Material demo\n\n"
        '<div class="grid cards" markdown>\n\n'
        "-   [Setup](setup/index.md)\n\n"
        "</div>\n\n"
        '!!! tip "Quick start"\n\n'
        "    Read [Getting started](getting-started.md) first.\n\n"
        "??? info\n"
        "    [Colors](setup/colors.md#primary-color)\n\n"
        '=== "pip"\n\n'
        "    [Install with pip](getting-started.md#with-pip)\n\n"
        '=== "docker"\n\n'
        "    [Install with docker](getting-started.md#with-docker)\n\n"
        "Footnote[^1].\n\n"
        "[^1]: [Reference](reference/index.md)\n",
        "docs/getting-started.md": "# Getting started\n\n"
        "### with pip { #with-pip }\n\n"
        "### Using docker\n\n"
        '<a href="../setup/colors/">Colors</a>\n',
        "docs/setup/index.md": "# Setup\n\n???+ note\n    [Home](../index.md)\n",
        "docs/setup/colors.md": "# Colors\n\n"
        "## Primary color\n\n"
        '<a href="../../reference/">Reference</a> <a href="../../reference/missing/">Gone</a>\n',
        "docs/reference/index.md": "# Reference\n\n```md\n[not a link](nowhere.md)\n```\n",
    },
    subdir="docs",
    pages={
        "index.md",
        "getting-started.md",
        "setup/index.md",
        "setup/colors.md",
        "reference/index.md",
    },
    distinct_links=7,
    broken_links={("docs/setup/colors.md", 5, 51, "../../reference/missing/")},
    broken_anchors={("docs/index.md", 22, 27, "getting-started.md#with-docker")},
    sample={
        ("index.md", "setup/index.md"),
        ("index.md", "getting-started.md"),
        ("index.md", "setup/colors.md"),
        ("index.md", "reference/index.md"),
        ("getting-started.md", "setup/colors.md"),
        ("setup/index.md", "index.md"),
        ("setup/colors.md", "reference/index.md"),
    },
)

MDBOOK = Lookalike(
    name="mdBook (rust-lang/mdBook guide/src)",
    files={
        "guide/book.toml": '[book]\ntitle = "Guide"\n',
        "guide/src/SUMMARY.md": "# Summary\n\n[Introduction](README.md)\n\n"
        "- [Format](format/README.md)\n  - [Configuration](format/configuration.md)\n"
        "- [CLI](cli/README.md)\n",
        "guide/src/README.md": "# Introduction\n\n"
        "See the [theme](format/index.html) and [config](format/configuration.html#build).\n\n"
        "Uses SipHash[^siphash].\n\n"
        "[^siphash]: [https://example.test/siphash](https://example.test/siphash)\n",
        "guide/src/format/README.md": "# Format\n\n"
        "[Configuration](configuration.md)\n"
        "[Intro](../README.md)\n",
        "guide/src/format/configuration.md": "# Configuration\n\n## Build\n\n"
        "[CLI](../cli/index.html)\n"
        "[Old](../cli/old.html)\n",
        "guide/src/cli/README.md": "# CLI\n\n[Config](../format/configuration.md#build)\n",
    },
    subdir="guide/src",
    pages={"README.md", "format/README.md", "format/configuration.md", "cli/README.md"},
    distinct_links=6,
    broken_links={("guide/src/format/configuration.md", 6, 7, "../cli/old.html")},
    sample={
        ("README.md", "format/README.md"),
        ("README.md", "format/configuration.md"),
        ("format/configuration.md", "cli/README.md"),
        ("cli/README.md", "format/configuration.md"),
    },
)

OBSIDIAN = Lookalike(
    name="Obsidian vault (obsidianmd/obsidian-help en/)",
    files={
        "en/Home.md": "# Home\n\n"
        "Start with [[Getting started/Link notes|linking]] and [[Embed files]].\n"
        "![[lucide-send.svg#icon]] ![[Attachments/diagram.png]]\n"
        "The \\[\\[double bracket syntax\\]\\] makes links.\n",
        "en/Getting started/Link notes.md": "# Link notes\n\n## Create a link\n\n"
        "[[Home]] and [[Embed files#Embed an image]] and [[Embed files#^tip]].\n"
        "[[Embed files#Embed a PDF]] [[Missing note]]\n"
        "[Home](../Home.md) ![](missing-shot.png)\n",
        "en/Linking notes and files/Embed files.md": "# Embed files\n\n"
        "## Embed an image\n\n"
        "![[diagram.png|300]] ![[manual.pdf]]\n\n"
        "Embeds are handy. ^tip\n\n"
        "[[Link notes#Create a link]]\n",
        "en/Attachments/lucide-send.svg": "<svg/>",
        "en/Attachments/diagram.png": b"\x89PNG",
        "en/Attachments/manual.pdf": b"%PDF",
    },
    subdir="en",
    pages={"Home.md", "Getting started/Link notes.md", "Linking notes and files/Embed files.md"},
    distinct_links=5,
    broken_links={("en/Getting started/Link notes.md", 6, 31, "Missing note")},
    broken_assets={("en/Getting started/Link notes.md", 7, 24, "missing-shot.png")},
    broken_anchors={("en/Getting started/Link notes.md", 6, 3, "Embed files#Embed a PDF")},
    sample={
        ("Home.md", "Getting started/Link notes.md"),
        ("Home.md", "Linking notes and files/Embed files.md"),
        ("Getting started/Link notes.md", "Home.md"),
        ("Getting started/Link notes.md", "Linking notes and files/Embed files.md"),
        ("Linking notes and files/Embed files.md", "Getting started/Link notes.md"),
    },
)

DOCUSAURUS = Lookalike(
    name="Docusaurus (prettier/prettier docs/ + website/)",
    files={
        "website/docusaurus.config.js": "module.exports = { title: 'Demo' };\n",
        "website/static/img/logo.svg": "<svg/>",
        "docs/index.md": "---\nid: index\ntitle: What is it?\n---\n\n"
        "Read the [options](/docs/options#quotes) and [rationale](rationale.md).\n"
        "![logo](/img/logo.svg) ![gone](/img/gone.svg)\n",
        "docs/options.md": "---\nid: options\ntitle: Options\n---\n\n## Quotes\n\n"
        "## JSX Quotes {#jsx}\n\n"
        "[CLI](cli)\n",
        "docs/rationale.md": "---\nid: rationale\ntitle: Rationale\n---\n\n"
        "[Quotes](options.md#quotes) [JSX](options.md#jsx) [Semicolons](options.md#semi)\n",
        "docs/command-line.mdx": "---\nid: cli\ntitle: CLI\n---\n\n[Home](/docs/)\n",
    },
    subdir="docs",
    pages={"index.md", "options.md", "rationale.md", "command-line.mdx"},
    distinct_links=5,
    broken_assets={("docs/index.md", 7, 32, "/img/gone.svg")},
    broken_anchors={("docs/rationale.md", 6, 64, "options.md#semi")},
    sample={
        ("index.md", "options.md"),
        ("index.md", "rationale.md"),
        ("options.md", "command-line.mdx"),
        ("rationale.md", "options.md"),
        ("command-line.mdx", "index.md"),
    },
)

HUGO = Lookalike(
    name="Hugo (gohugoio/hugoDocs content/en)",
    files={
        "hugo.toml": 'baseURL = "https://gohugo.example.test/"\n',
        "static/images/logo.png": b"\x89PNG",
        "content/_index.md": "---\ntitle: Hugo demo\n---\n\n"
        '[Install]({{< ref "installation" >}}) and {{< relref "/content-management/urls.md" >}}\n'
        "![Logo](/images/logo.png)\n",
        "content/installation/_index.md": "---\ntitle: Installation\n---\n\n"
        "[URLs](/content-management/urls/#aliases)\n"
        "[Old page](/getting-started/old/)\n",
        "content/content-management/urls.md": "---\ntitle: URL management\n"
        "aliases: [/old-urls/]\n---\n\n## Aliases\n\n"
        '{{< code-toggle >}}\n[[module.mounts]]\nsource = "content"\n{{< /code-toggle >}}\n\n'
        "[Home](/)\n",
        "content/news.md": "---\ntitle: News\n---\n\n[Moved](/old-urls/)\n",
    },
    subdir="content",
    pages={"_index.md", "installation/_index.md", "content-management/urls.md", "news.md"},
    distinct_links=5,
    broken_links={("content/installation/_index.md", 6, 12, "/getting-started/old/")},
    sample={
        ("_index.md", "installation/_index.md"),
        ("_index.md", "content-management/urls.md"),
        ("installation/_index.md", "content-management/urls.md"),
        ("content-management/urls.md", "_index.md"),
        ("news.md", "content-management/urls.md"),
    },
)

JEKYLL = Lookalike(
    name="Jekyll (jekyll/jekyll docs/)",
    files={
        "docs/_config.yml": "url: https://jekyll.example.test\ncollections:\n"
        "  docs:\n    permalink: /:collection/:path/\n    output: true\n"
        "  posts:\n    permalink: /news/:year/:month/:day/:title/\n    output: true\n",
        "docs/index.md": "---\ntitle: Home\n---\n\n"
        "[Install](/docs/installation/) and "
        "<a href=\"{{ '/docs/history/#v1-0-0' | relative_url }}\">history</a>\n"
        '<a href="{{ site.baseurl }}/news/2016/04/19/jekyll-3-0-4-released/">Release</a>\n',
        "docs/_docs/installation.md": "---\ntitle: Installation\npermalink: /docs/installation/\n"
        "---\n\n[History](/docs/history/#v2-0-0)\n[Gone](/tutorials/gone/)\n",
        "docs/_docs/history.md": "---\ntitle: History\n---\n\n## 1.0.0 / 2013-05-06\n"
        "{: #v1-0-0}\n\n<a href=\"{{ '/' | relative_url }}\">Home</a>\n",
        "docs/_posts/2016-04-19-jekyll-3-0-4-released.markdown": "---\ntitle: 3.0.4\n---\n\n"
        "[Install](/docs/installation/)\n",
    },
    subdir="docs",
    pages={
        "index.md",
        "_docs/installation.md",
        "_docs/history.md",
        "_posts/2016-04-19-jekyll-3-0-4-released.markdown",
    },
    distinct_links=6,
    broken_links={("docs/_docs/installation.md", 7, 8, "/tutorials/gone/")},
    broken_anchors={("docs/_docs/installation.md", 6, 11, "/docs/history/#v2-0-0")},
    sample={
        ("index.md", "_docs/installation.md"),
        ("index.md", "_docs/history.md"),
        ("index.md", "_posts/2016-04-19-jekyll-3-0-4-released.markdown"),
        ("_docs/history.md", "index.md"),
        ("_posts/2016-04-19-jekyll-3-0-4-released.markdown", "_docs/installation.md"),
    },
)

READMES = Lookalike(
    name="GitHub READMEs (kelseyhightower/kubernetes-the-hard-way)",
    files={
        "README.md": "# The hard way\n\n## Labs\n\n"
        "* [Prerequisites](docs/01-prerequisites.md)\n"
        "* [Certificates](docs/02-certificates.md#the-ca)\n"
        "* [Contributing](CONTRIBUTING.md)\n"
        "* [Cleanup](docs/99-cleanup.md)\n",
        "LICENSE": "Apache License\n",
        "CONTRIBUTING.md": "# Contributing\n\nSee [LICENSE](LICENSE) and [labs](README.md#labs).\n",
        "docs/01-prerequisites.md": "# Prerequisites\n\n## Machines\n\n## Machines\n\n"
        "Next: [Certificates](02-certificates.md)\n"
        "[Second machines](#machines-1) [Third](#machines-2)\n",
        "docs/02-certificates.md": '# Certificates\n\n<a name="the-ca"></a>\n## Authority\n\n'
        "Next: [Back](../README.md)\n",
    },
    subdir=None,
    pages={"README.md", "CONTRIBUTING.md", "docs/01-prerequisites.md", "docs/02-certificates.md"},
    distinct_links=6,
    broken_links={("README.md", 8, 13, "docs/99-cleanup.md")},
    broken_anchors={("docs/01-prerequisites.md", 8, 40, "#machines-2")},
    sample={
        ("README.md", "docs/01-prerequisites.md"),
        ("README.md", "docs/02-certificates.md"),
        ("README.md", "CONTRIBUTING.md"),
        ("CONTRIBUTING.md", "README.md"),
        ("docs/01-prerequisites.md", "docs/02-certificates.md"),
        ("docs/02-certificates.md", "README.md"),
    },
)

LOOKALIKES = [MKDOCS, MATERIAL, MDBOOK, OBSIDIAN, DOCUSAURUS, HUGO, JEKYLL, READMES]
