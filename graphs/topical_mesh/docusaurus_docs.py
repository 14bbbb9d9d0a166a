"""How Docusaurus names its docs: number prefixes, partials and `@site/` paths.

Docusaurus (plugin-content-docs `numberPrefix.ts`) strips a number prefix such as `01-`,
`2_` or `003 - ` from each folder and file name when it makes a doc's id and URL
(`02-guides/01-intro.md` is the doc `guides/intro` at `/docs/guides/intro`), except for
date-like (`2021-01-31-x`) and version-like (`7.0-x`) names. Files and folders starting
with `_` are excluded from the docs, blog and pages (its default `exclude`): they are
partials, rendered only where a page imports them. `@site/` is the site folder (where
`docusaurus.config.*` is), in MDX imports and in markdown links and images.
"""

from __future__ import annotations

import re

SITE_ALIAS = "@site/"
_DATE_PREFIX = re.compile(r"^(?:\d{2}|\d{4})[-_.]\d{2}(?:[-_.](?:\d{2}|\d{4}))?")
_VERSION_PREFIX = re.compile(r"^\d+[-_.]\d+(?:[-_.]\d+)?[-_.\s]")
_NUMBER_PREFIX = re.compile(r"^\d+\s*[-_.]+\s*(?P<suffix>[^-_.\s].*)$")
_UNPREFIXED_FOLDERS = frozenset({"blog", "src"})  # the blog and pages keep their names


def strip_number_prefix(name: str) -> str:
    """`01-intro` -> `intro`; `2021-01-31-news` and `7.0-notes` stay as they are."""
    if _DATE_PREFIX.match(name) or _VERSION_PREFIX.match(name):
        return name
    match = _NUMBER_PREFIX.match(name)
    return match.group("suffix") if match else name


def strip_path_prefixes(path: str) -> str:
    """Every segment of a slash-separated path with its number prefix stripped."""
    return "/".join(strip_number_prefix(segment) for segment in path.split("/"))


def is_partial(rel: str) -> bool:
    """True for a file Docusaurus does not publish: it or one of its folders starts `_`."""
    return any(segment.startswith("_") for segment in rel.split("/"))


def doc_path(rel_stem: str, site_folder: str) -> str | None:
    """The prefix-stripped path of a doc (its id path below the content root), or None
    when nothing is stripped or the file belongs to the blog or the pages."""
    inside = rel_stem[len(site_folder) :] if rel_stem.startswith(site_folder) else rel_stem
    if inside.split("/", 1)[0] in _UNPREFIXED_FOLDERS:
        return None
    stripped = rel_stem[: len(rel_stem) - len(inside)] + strip_path_prefixes(inside)
    return stripped if stripped != rel_stem else None


def site_path(target: str, site_dir: str, content_prefix: str) -> tuple[str, bool]:
    """An `@site/x` target as (path, below_content): the content-root-relative path when
    it lies below the content root, else the checkout-relative path."""
    rest = target[len(SITE_ALIAS) :].lstrip("/")
    checkout_path = (site_dir.strip("/") + "/" if site_dir.strip("/") else "") + rest
    if content_prefix and not checkout_path.startswith(content_prefix):
        return checkout_path, False
    return checkout_path[len(content_prefix) :], True


def unescape_js(literal: str) -> str:
    """A JavaScript string's value: `@site/docs/\\_x.mdx` names `@site/docs/_x.mdx`."""
    return re.sub(r"\\(.)", r"\1", literal) if "\\" in literal else literal


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A Docusaurus (globby) glob as a regex on a docs-folder-relative path."""
    out, i = "", 0
    pattern = pattern.removeprefix("./")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            out += "(?:" + "|".join(re.escape(p) for p in pattern[i + 1 : end].split(",")) + ")"
            i = end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")
