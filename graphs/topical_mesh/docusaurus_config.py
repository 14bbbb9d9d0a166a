"""The docs plugin instances of a `docusaurus.config.*` and their versions, read statically.

The classic preset's `docs: {...}` and every `['@docusaurus/plugin-content-docs', {...}]`
in `plugins` are read as object literals (the config is never run; a computed value
reads as nothing and its default applies). Each instance has its own `path`,
`routeBasePath`, `id`, `include`, `exclude`, `numberPrefixParser`, `sidebarPath`,
`lastVersion`, `versions` and `includeCurrentVersion`, as plugin-content-docs reads
them. Versions are listed in `versions.json` (`<id>_versions.json` for an instance other
than `default`), newest first; a version's docs are in
`[<id>_]versioned_docs/version-<name>/` and its sidebars in
`[<id>_]versioned_sidebars/version-<name>-sidebars.json`. The last version (`lastVersion`,
else the newest) is served at the route base, the current docs at `<route>/next` once
there are versions, every other version at `<route>/<name>`; `versions: {<name>: {path}}`
renames a version's URL part.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphs.topical_mesh.docusaurus import object_at

DEFAULT_INCLUDE = ("**/*.{md,mdx}",)
MAX_INSTANCES = 20
MAX_VERSIONS = 200
CURRENT = "current"
_PRESET_DOCS = re.compile(r"\bdocs\s*:\s*\{")
_PLUGIN_DOCS = re.compile(r"""["'`]@docusaurus/plugin-content-docs["'`]\s*,\s*\{""")
# keys only the docs plugin has (themeConfig's `docs: {sidebar: {...}}` has none of them)
_PLUGIN_KEYS = frozenset(
    {
        *("path", "routeBasePath", "id", "include", "exclude", "numberPrefixParser"),
        *("sidebarPath", "lastVersion", "versions", "includeCurrentVersion"),
        *("onlyIncludeVersions", "editUrl", "showLastUpdateTime", "showLastUpdateAuthor"),
        *("remarkPlugins", "rehypePlugins", "admonitions", "tagsBasePath"),
    }
)
_SIDEBAR_PATH = re.compile(
    r"""\bsidebarPath\s*:\s*(?:require(?:\.resolve)?\s*\(\s*)?(["'`])(?P<value>[^"'`\n]{1,300})\1"""
)


@dataclass(frozen=True)
class DocsInstance:
    """One plugin-content-docs instance's options (folder paths relative to the site)."""

    plugin_id: str = "default"
    folder: str = "docs"
    route: str = "docs"
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    number_prefixes: bool = True
    prefix_parser_ignored: bool = False  # a function: the default parser stands in
    sidebar_path: str | None = None  # None: the site's `sidebars.*` (preset) or none
    last_version: str | None = None
    version_paths: tuple[tuple[str, str], ...] = ()  # (version name, URL part)
    include_current: bool = True
    only_versions: tuple[str, ...] | None = None

    @property
    def file_prefix(self) -> str:
        """`community_` before `versioned_docs` etc. for the instance `community`."""
        return "" if self.plugin_id == "default" else self.plugin_id + "_"


@dataclass(frozen=True)
class DocsMount:
    """A folder of docs served at a URL route: one version of one instance."""

    instance: DocsInstance
    version: str  # "current" or the version's name
    folder: str  # relative to the site folder
    route: str  # URL path below the site, no slashes around ("" is the site's root)
    sidebar: str | None  # the sidebars file, relative to the site folder (None: see instance)


def _clean(path: str) -> str:
    return posixpath.normpath(path.strip().removeprefix("./")).strip("/").removeprefix("./")


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _instance(options: dict[str, Any], span: str) -> DocsInstance:
    def text(key: str, default: str) -> str:
        value = options.get(key)
        return value if isinstance(value, str) else default

    parser = options.get("numberPrefixParser", True)
    sidebar = _SIDEBAR_PATH.search(span)
    versions = options.get("versions")
    paths = tuple(
        (name, v["path"].strip("/"))
        for name, v in (versions.items() if isinstance(versions, dict) else ())
        if isinstance(v, dict) and isinstance(v.get("path"), str)
    )
    return DocsInstance(
        plugin_id=text("id", "default"),
        folder=_clean(text("path", "docs")) or ".",
        route=text("routeBasePath", "docs").strip("/"),
        include=_strings(options.get("include")) or DEFAULT_INCLUDE,
        exclude=_strings(options.get("exclude")) or (),
        number_prefixes=parser is not False,
        prefix_parser_ignored="numberPrefixParser" in options and parser is None,
        sidebar_path=_clean(sidebar.group("value")) if sidebar else None,
        last_version=text("lastVersion", "") or None,
        version_paths=paths,
        include_current=options.get("includeCurrentVersion") is not False,
        only_versions=_strings(options.get("onlyIncludeVersions")),
    )


def docs_instances(config_text: str) -> list[DocsInstance]:
    """The extra plugin instances in `plugins` order, then the preset's docs (defaults when
    the config has no readable `docs: {...}`)."""
    text = config_text[:1_000_000]
    found = []
    for match in list(_PLUGIN_DOCS.finditer(text))[:MAX_INSTANCES]:
        value, span = object_at(text, match.end() - 1)
        found.append(_instance(value if isinstance(value, dict) else {}, span))
    preset = DocsInstance()
    for match in _PRESET_DOCS.finditer(text):
        value, span = object_at(text, match.end() - 1)
        if isinstance(value, dict) and _PLUGIN_KEYS & set(value):
            preset = _instance(value, span)
            break
    return [*found, preset]


def listed_versions(instance: DocsInstance, read: Callable[[str], str | None]) -> list[str]:
    """The version names of `[<id>_]versions.json`, newest first (`read` takes a path
    relative to the site folder); none when the file is missing or not a list of names."""
    text = read(instance.file_prefix + "versions.json")
    try:
        names = json.loads(text) if text else []
    except ValueError:
        return []
    if not isinstance(names, list):
        return []
    return [n for n in names[:MAX_VERSIONS] if isinstance(n, str) and n and "/" not in n]


def _url_part(instance: DocsInstance, name: str, last: str) -> str:
    renamed = dict(instance.version_paths).get(name)
    if renamed is not None:
        return renamed
    if name == last:
        return ""
    return "next" if name == CURRENT else name


def docs_mounts(instance: DocsInstance, versions: list[str]) -> list[DocsMount]:
    """Where each built version of `instance` is read from and served at."""
    names = ([CURRENT] if instance.include_current else []) + versions
    if instance.only_versions is not None:
        names = [n for n in names if n in instance.only_versions]
    last = instance.last_version or (versions[0] if versions else CURRENT)
    mounts = []
    for name in names:
        part = _url_part(instance, name, last)
        route = "/".join(p for p in (instance.route, part) if p)
        if name == CURRENT:
            mounts.append(DocsMount(instance, name, instance.folder, route, instance.sidebar_path))
            continue
        prefix = instance.file_prefix
        folder = f"{prefix}versioned_docs/version-{name}"
        sidebar = f"{prefix}versioned_sidebars/version-{name}-sidebars.json"
        mounts.append(DocsMount(instance, name, folder, route, sidebar))
    return mounts
