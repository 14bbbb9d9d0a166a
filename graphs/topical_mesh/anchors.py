"""Heading anchors the way each site generator makes them, and the check of a `#fragment`.

Rules (docs/topical-mesh.md "Anchors"): GitHub (also Docusaurus, Hugo's goldmark and
Jekyll's kramdown, which follow the same shape), Python-Markdown `toc` (MkDocs), and
Obsidian, which links a heading by its text. Explicit ids (`{#id}`, `<a id>`/`name`, any
HTML `id`) and Obsidian block ids (`^block`) count on every generator.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from urllib.parse import unquote

GITHUB = "github"
PYTHON_MARKDOWN = "python-markdown"
OBSIDIAN = "obsidian"
GENERATORS = (GITHUB, PYTHON_MARKDOWN, OBSIDIAN)

_EXPLICIT_ID = re.compile(r"\s*\{:?[^}\n]*?(?:#|\bid=[\"']?)([\w:.-]+)[^}\n]*\}\s*$")
GENERATED_PREFIXES = ("fn:", "fnref:", "fn-", "fnref-", "user-content-fn")  # footnotes
_GITHUB_DROP = re.compile(r"[^\w\- ]")
_PYMD_DROP = re.compile(r"[^\w\s-]")
_PYMD_JOIN = re.compile(r"[-\s]+")
_OBSIDIAN_DROP = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def split_explicit_id(heading: str) -> tuple[str, str | None]:
    """`Install {#setup}` -> ("Install", "setup"); headings without an id keep their text."""
    match = _EXPLICIT_ID.search(heading)
    if not match:
        return heading, None
    return heading[: match.start()], match.group(1)


def github_slug(text: str) -> str:
    """github-slugger: lower case, punctuation removed, each space a hyphen."""
    return _GITHUB_DROP.sub("", text.strip().lower()).replace(" ", "-")


def python_markdown_slug(text: str, ascii_only: bool = True) -> str:
    """Python-Markdown `toc.slugify` (ascii) or `pymdownx.slugs.uslugify` (unicode kept)."""
    value = unicodedata.normalize("NFKD", text)
    if ascii_only:
        value = value.encode("ascii", "ignore").decode("ascii")
    value = _PYMD_DROP.sub("", value).strip().lower()
    return _PYMD_JOIN.sub("-", value)


def obsidian_key(text: str) -> str:
    """How Obsidian matches `[[Page#Heading]]`: the heading text, case and spacing aside."""
    return _SPACES.sub(" ", _OBSIDIAN_DROP.sub(" ", text)).strip().lower()


def heading_anchors(headings: Iterable[str], generator: str) -> set[str]:
    """Every anchor the headings of one page get under `generator` (duplicates numbered)."""
    anchors: set[str] = set()
    seen: Counter[str] = Counter()
    for raw in headings:
        text, explicit = split_explicit_id(raw)
        if explicit:
            anchors.add(explicit)
        if generator == OBSIDIAN:
            anchors.add(obsidian_key(text))
            anchors.add(github_slug(text))  # markdown links in vaults published elsewhere
            continue
        if explicit:
            continue
        if generator == PYTHON_MARKDOWN:
            slugs = {python_markdown_slug(text), python_markdown_slug(text, ascii_only=False)}
            separator = "_"
        else:
            slugs = {github_slug(text)}
            separator = "-"
        for slug in slugs:
            count = seen[slug]
            seen[slug] += 1
            anchors.add(slug if count == 0 else f"{slug}{separator}{count}")
    return anchors


def anchor_found(fragment: str, anchors: set[str], generator: str) -> bool:
    """True when `#fragment` names a heading, an explicit id or a block of the page."""
    wanted = unquote(fragment).strip()
    if generator == OBSIDIAN and "#" in wanted:
        wanted = wanted.rsplit("#", 1)[1].strip()  # [[Note#Heading#Subheading]]
    if not wanted or wanted in anchors or wanted.startswith(GENERATED_PREFIXES):
        return True
    if wanted.startswith("^"):
        return wanted in anchors
    if generator == OBSIDIAN:
        return obsidian_key(wanted) in anchors or wanted.lower() in anchors
    return wanted.lower() in anchors


def generator_of(config_names: Iterable[str], has_obsidian_folder: bool) -> str:
    """The slug rules of a site: MkDocs uses Python-Markdown, a vault Obsidian's, else GitHub's."""
    names = set(config_names)
    if has_obsidian_folder:
        return OBSIDIAN
    if names & {"mkdocs.yml", "mkdocs.yaml"}:
        return PYTHON_MARKDOWN
    return GITHUB
