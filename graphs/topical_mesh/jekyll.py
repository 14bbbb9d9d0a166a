"""Jekyll collections: `_docs/x.md` and `_posts/2016-04-19-title.md` are served at the
URL their collection's `permalink` pattern gives (`_config.yml` `collections`)."""

from __future__ import annotations

import re
from typing import Any

_POST_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
DEFAULT_POST_PERMALINK = "/:categories/:year/:month/:day/:title:output_ext"
DEFAULT_COLLECTION_PERMALINK = "/:collection/:path:output_ext"


def collection_permalinks(config: dict[str, Any]) -> dict[str, str]:
    """Collection name -> permalink pattern, for `posts` and each collection with output."""
    patterns = {"posts": str(config.get("permalink") or DEFAULT_POST_PERMALINK)}
    collections = config.get("collections")
    if isinstance(collections, dict):
        for name, options in list(collections.items())[:100]:
            options = options if isinstance(options, dict) else {}
            if name == "posts" or options.get("output"):
                default = patterns["posts"] if name == "posts" else DEFAULT_COLLECTION_PERMALINK
                patterns[str(name)] = str(options.get("permalink") or default)
    elif isinstance(collections, list):
        for name in collections[:100]:
            patterns.setdefault(str(name), DEFAULT_COLLECTION_PERMALINK)
    return patterns


def collection_url(rel: str, patterns: dict[str, str]) -> str | None:
    """The URL of a page in a collection folder (`_docs/...`), or None."""
    top, _, rest = rel.partition("/")
    name = top[1:] if top.startswith("_") else ""
    if not rest or name not in patterns:
        return None
    path = rest.rsplit(".", 1)[0]
    stem = path.rpartition("/")[2]
    values = {":collection": name, ":path": path, ":name": stem, ":output_ext": "/"}
    post = _POST_NAME.match(stem)
    if post:
        values.update({":year": post[1], ":month": post[2], ":day": post[3], ":title": post[4]})
        values[":slug"] = post[4]
    else:
        values.update({":title": stem, ":slug": stem})
    url = patterns[name]
    if url in ("date", "pretty", "ordinal", "none"):
        url = "/:categories/:year/:month/:day/:title/" if url != "none" else "/:title:output_ext"
    url = url.replace(":categories", "")
    for key in sorted(values, key=len, reverse=True):
        url = url.replace(key, values[key])
    if ":" in url:
        return None
    return re.sub(r"/{2,}", "/", "/" + url.strip("/") + "/")
