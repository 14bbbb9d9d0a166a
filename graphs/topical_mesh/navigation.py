"""Navigation files: mdBook `SUMMARY.md`, docsify `_sidebar.md`, the `nav` of mkdocs.yml,
and the site's base URL from its generator config (mkdocs, Hugo, Jekyll).

Navigation links are a link type of their own: a page reached only from navigation is a
"content orphan", not an unreachable page.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import yaml

NAV_FILE_NAMES = frozenset({"SUMMARY.md", "_sidebar.md"})
CONFIG_FILES = (
    "mkdocs.yml",
    "mkdocs.yaml",
    "hugo.toml",
    "config.toml",
    "hugo.yaml",
    "config.yaml",
    "_config.yml",
)

ReadText = Callable[[str], str | None]


class _TolerantLoader(yaml.SafeLoader):
    """A safe loader that ignores unknown tags such as mkdocs' `!!python/name:`."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    return None


_TolerantLoader.add_multi_constructor("", _ignore_tag)
_TolerantLoader.add_multi_constructor("!", _ignore_tag)
_TolerantLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


def is_nav_file(rel: str) -> bool:
    """True for files read as navigation rather than as pages."""
    return rel.rpartition("/")[2] in NAV_FILE_NAMES


def nav_file_targets(rel: str, links: list[tuple[str, str]]) -> list[str]:
    """Content-root-relative paths linked from a SUMMARY.md / _sidebar.md at `rel`."""
    folder = rel.rpartition("/")[0]
    targets = []
    for href, form in links:
        if form not in ("inline", "reference") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", href):
            continue
        path = re.sub(r"[#?].*$", "", href)
        if not path:
            continue
        path = unquote(path)
        joined = path.lstrip("/") if path.startswith("/") else posixpath.join(folder, path)
        targets.append(posixpath.normpath(joined))
    return targets


def load_config(read: ReadText, name: str) -> dict[str, Any]:
    """A generator config file as a dict ({} when missing or unreadable)."""
    text = read(name)
    if not text:
        return {}
    try:
        data = (
            tomllib.loads(text)
            if name.endswith(".toml")
            else yaml.load(text, Loader=_TolerantLoader)
        )
    except Exception:  # a broken config only loses its navigation, not the audit
        return {}
    return data if isinstance(data, dict) else {}


def mkdocs_nav_targets(config: dict[str, Any], config_dir: str, content_root: str) -> list[str]:
    """Content-root-relative paths of the mkdocs `nav`.

    `config_dir` and `content_root` are checkout-relative folders ("" for the top).
    """
    docs_dir = str(config.get("docs_dir") or "docs").strip("/")
    base = posixpath.normpath(posixpath.join(config_dir, docs_dir))
    targets = []
    for item in _nav_leaves(config.get("nav")):
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", item):
            continue
        full = posixpath.normpath(posixpath.join(base, item))
        relative = posixpath.relpath(full, content_root or ".")
        if not relative.startswith(".."):
            targets.append(relative)
    return targets


def _nav_leaves(node: Any, depth: int = 0) -> Iterator[str]:
    if depth > 20:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node[:5000]:
            yield from _nav_leaves(item, depth + 1)
    elif isinstance(node, dict):
        for value in list(node.values())[:5000]:
            yield from _nav_leaves(value, depth + 1)


def site_url_from_config(configs: dict[str, dict[str, Any]]) -> str | None:
    """The published base URL declared by mkdocs (`site_url`), Hugo (`baseURL`) or Jekyll."""
    for name, config in configs.items():
        if name.startswith("mkdocs") and isinstance(config.get("site_url"), str):
            return str(config["site_url"])
        if isinstance(config.get("baseURL"), str):
            return str(config["baseURL"])
        if name == "_config.yml" and isinstance(config.get("url"), str):
            return (
                str(config["url"]).rstrip("/") + "/" + str(config.get("baseurl") or "").strip("/")
            )
    return None
