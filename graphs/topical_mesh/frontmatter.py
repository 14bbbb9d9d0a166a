"""Front matter (YAML `---` or TOML `+++`) of a markdown page, read defensively."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_FRONT_MATTER_CHARS = 64 * 1024
_YAML_BLOCK = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_TOML_BLOCK = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)(?:\r?\n)\+\+\+[ \t]*(?:\r?\n|\Z)", re.S)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# One `key: value` line whose value YAML reads as that very string: double-quoted printable
# ASCII without escapes, or a plain scalar of letters first (never a number, date, null or
# boolean, which are checked below). Anything else goes to the YAML parser.
_SIMPLE_LINE = re.compile(
    r'([A-Za-z_][A-Za-z0-9_-]{0,100}):[ ]+(?:"([ !#-\[\]-~]*)"|([A-Za-z][A-Za-z0-9 _.,/-]*))[ ]*'
)
_YAML_WORDS = frozenset(["yes", "no", "true", "false", "on", "off", "null", "y", "n", "nan", "inf"])


@dataclass(slots=True)
class FrontMatter:
    """The fields the audit uses; everything else in the front matter is ignored."""

    title: str | None = None
    slug: str | None = None
    permalink: str | None = None
    aliases: list[str] = field(default_factory=list)
    doc_id: str | None = None  # Docusaurus `id`: replaces the file name in the URL
    draft: bool = False
    in_menu: bool = False
    error: str | None = None


def split_front_matter(text: str) -> tuple[FrontMatter, str]:
    """The page's front matter and the markdown body after it."""
    head = text[: MAX_FRONT_MATTER_CHARS + 16]
    for pattern, load in ((_YAML_BLOCK, _load_yaml), (_TOML_BLOCK, tomllib.loads)):
        match = pattern.match(head)
        if match:
            try:
                data = load(match.group(1))
            except Exception as exc:  # malformed front matter must not stop the audit
                return FrontMatter(error=f"front matter not readable: {type(exc).__name__}"), (
                    text[match.end() :]
                )
            return _fields(data if isinstance(data, dict) else {}), text[match.end() :]
    return FrontMatter(), text


def _load_yaml(source: str) -> Any:
    simple = simple_yaml(source)
    return simple if simple is not None else yaml.load(source, Loader=_Loader)


def simple_yaml(source: str) -> dict[str, str] | None:
    """The mapping of front matter made only of `key: string` lines (most pages' `title:`),
    read without the YAML parser (about a tenth of a page's parse time); None when any line
    is not that simple, so YAML reads it."""
    found: dict[str, str] = {}
    for line in source.split("\n"):
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None:
            return None
        key, quoted, plain = match.group(1), match.group(2), match.group(3)
        if key.lower() in _YAML_WORDS:  # `on:` is the key True in YAML 1.1
            return None
        if quoted is not None:
            found[key] = quoted
            continue
        value = str(plain).rstrip()
        if value.lower() in _YAML_WORDS or " #" in value or value.endswith(":"):
            return None
        found[key] = value
    return found


def _text(value: Any) -> str | None:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip() or None
    return None


def _fields(data: dict[str, Any]) -> FrontMatter:
    aliases = data.get("aliases") or data.get("redirect_from") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    menu = data.get("menu") or data.get("menus")
    return FrontMatter(
        title=_text(data.get("title")),
        slug=_text(data.get("slug")),
        permalink=_text(data.get("permalink") or data.get("url")),
        aliases=[a for a in (_text(x) for x in aliases if not isinstance(x, dict)) if a][:50]
        if isinstance(aliases, list)
        else [],
        doc_id=_text(data.get("id")),
        draft=data.get("draft") is True or str(data.get("draft")).lower() == "true",
        in_menu=bool(menu),
    )
