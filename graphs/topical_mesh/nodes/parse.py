"""The parse node: every markdown page, its links in all common forms, and navigation."""

from __future__ import annotations

import asyncio
import glob
import math
import os
import posixpath
import re
from typing import Any

from langgraph.runtime import Runtime

from graphs.topical_mesh.anchors import generator_of
from graphs.topical_mesh.assets import AssetIndex
from graphs.topical_mesh.collector import without_collection
from graphs.topical_mesh.context import Context, resolve_context
from graphs.topical_mesh.docusaurus import sidebar_nav_targets
from graphs.topical_mesh.docusaurus_config import docs_instances, docs_mounts, listed_versions
from graphs.topical_mesh.docusaurus_site import mount_nav_targets
from graphs.topical_mesh.errors import CloneRefused
from graphs.topical_mesh.hugo import LINK_HOOKS
from graphs.topical_mesh.includes import merge_includes, snippet_base_paths
from graphs.topical_mesh.jekyll import collection_permalinks
from graphs.topical_mesh.markdown_page import PageDraft
from graphs.topical_mesh.navigation import (
    CONFIG_FILES,
    is_nav_file,
    load_config,
    mkdocs_nav_targets,
    site_url_from_config,
)
from graphs.topical_mesh.nodes.clone import checkout_is_present, fetch_source
from graphs.topical_mesh.nodes.progress import Progress, run_id
from graphs.topical_mesh.parallel import read_pages, worker_count
from graphs.topical_mesh.reader import Scan, read_inside, scan_markdown
from graphs.topical_mesh.site_parser import SiteFacts, assemble_site
from graphs.topical_mesh.state import State
from graphs.topical_mesh.workspace import remove_in_background

BATCHES = 100  # small enough that the two page workers finish close together
MAX_CONFIG_BYTES = 1024 * 1024


async def parse(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    """Read the site; the checkout is removed afterwards whatever happens."""
    ctx = resolve_context(runtime.context)
    progress = Progress()
    run_dir = state.get("run_dir")
    checkout = str(state.get("checkout", ""))
    try:
        if not checkout_is_present(state):
            progress.say("the checkout of an earlier attempt is gone; fetching it again")
            fetched = await fetch_source(state, ctx, run_id(runtime), progress)
            run_dir, checkout = fetched["run_dir"], fetched["checkout"]
            state = {**state, "clone_notes": fetched["clone_notes"]}
        return await _parse_checkout(state, ctx, checkout, progress)
    finally:
        await remove_in_background(run_dir)


async def _parse_checkout(
    state: State, ctx: Context, checkout: str, progress: Progress
) -> dict[str, Any]:
    checkout_real = os.path.realpath(checkout)
    subdir = (state.get("subdir") or "").strip("/")
    root = _content_root(checkout_real, subdir)
    scan = await asyncio.to_thread(scan_markdown, root, ctx.max_files_scanned)
    limit = min(state.get("max_pages", 2000), ctx.max_pages_cap)
    nav_files = [f for f in scan.files if is_nav_file(f)]
    files = [f for f in scan.files if not is_nav_file(f)]
    notes = list(state.get("clone_notes", [])) + _scan_notes(scan, len(files), limit)
    files = files[:limit] + nav_files
    progress.say(f"found {len(files)} markdown files", 0, len(files))
    size = max(25, math.ceil(len(files) / BATCHES))
    batches = [files[start : start + size] for start in range(0, len(files), size)]
    finished = 0

    def on_done(count: int) -> None:
        nonlocal finished
        finished += count
        progress.say(f"parsed {finished}/{len(files)} pages", finished, len(files))

    workers = worker_count(len(files), scan.large_files)
    results = await read_pages(
        root, batches, ctx.max_file_bytes, workers, on_done, ctx.max_parse_seconds_per_file
    )
    drafts: list[PageDraft] = [d for r in results for d in r.drafts]
    notes += [note for r in results for note in r.notes]
    configs = await asyncio.to_thread(_configs, checkout_real, root, subdir)
    notes += await asyncio.to_thread(
        merge_includes,
        drafts,
        checkout_real,
        subdir,
        ctx.max_file_bytes,
        snippet_base_paths(configs),
    )
    nav_targets = [
        t
        for name, (cfg, where) in configs.items()
        if name.startswith("mkdocs")
        for t in mkdocs_nav_targets(cfg, where, subdir)
    ]
    nav_targets += await asyncio.to_thread(_sidebar_targets, checkout_real, subdir, scan.files)
    site_url = state.get("site_url") or site_url_from_config({k: v[0] for k, v in configs.items()})
    progress.say("resolving links and comparing topics")
    prefix = subdir + "/" if subdir else ""
    others = (
        scan.others
        if not subdir
        else await asyncio.to_thread(_checkout_files, checkout_real, ctx.max_files_scanned)
    )
    facts = SiteFacts(
        site_url=site_url,
        extra_nav_targets=nav_targets,
        path_prefix=prefix,
        assets=AssetIndex([prefix + f for f in others] if not subdir else others, prefix),
        generator=generator_of(
            configs,
            os.path.isdir(os.path.join(root, ".obsidian"))
            or os.path.isdir(os.path.join(checkout_real, ".obsidian")),
        ),
    )
    jekyll = configs.get("_config.yml")
    if jekyll:
        facts.jekyll_collections = collection_permalinks(jekyll[0])
    hugo = [(cfg, where) for name, (cfg, where) in configs.items() if _is_hugo(name, cfg)]
    facts.wikilinks = not hugo
    if hugo:
        config, where = hugo[0]
        at_content = subdir and where != subdir  # `subdir` is the content folder
        facts.hugo_content = "" if at_content else _hugo_content_dir(config)
        facts.hugo_link_hook = _has_link_hook(os.path.join(checkout_real, where), config)
    docusaurus = _docusaurus_configs(checkout_real)
    if docusaurus:
        await asyncio.to_thread(_read_docusaurus, facts, checkout_real, docusaurus[0], notes)
        facts.extra_nav_targets += await asyncio.to_thread(
            _mount_targets, facts, checkout_real, scan.files
        )
    if subdir and docusaurus:
        facts.route_bases.append("/" + subdir.rpartition("/")[2] + "/")
    site = await asyncio.to_thread(without_collection(assemble_site), drafts, facts)
    progress.say(
        f"parsed {len(site.pages)} pages, {site.link_occurrences} internal links, "
        f"{len(site.broken_links)} broken"
    )
    return {**site.as_state(), "notes": notes + site.notes}


def _is_hugo(name: str, config: dict[str, Any]) -> bool:
    return name.startswith("hugo.") or (name.startswith("config.") and "baseURL" in config)


def _sidebar_targets(checkout_real: str, subdir: str, files: list[str]) -> list[str]:
    """The docs Docusaurus sidebars name (read statically, never run)."""

    def read(name: str) -> str | None:
        try:
            return read_inside(checkout_real, name, MAX_CONFIG_BYTES)
        except Exception:
            return None

    def is_dir(name: str) -> bool:
        path = os.path.join(checkout_real, name)
        return os.path.isdir(path) and not os.path.islink(path)

    return sidebar_nav_targets(read, is_dir, subdir, files)


def _read_docusaurus(
    facts: SiteFacts, checkout_real: str, config: tuple[str, str], notes: list[str]
) -> None:
    """The site folder, docs plugin instances and their versions, and `trailingSlash`."""
    folder, name = config
    facts.docusaurus_site = folder
    config_text = _read_config(checkout_real, f"{folder}/{name}" if folder else name) or ""

    def read(rel: str) -> str | None:
        return _read_config(checkout_real, posixpath.join(folder, rel))

    for instance in docs_instances(config_text):
        facts.docs_mounts += docs_mounts(instance, listed_versions(instance, read))
        if instance.prefix_parser_ignored:
            notes.append(
                f"docusaurus: numberPrefixParser of the docs instance {instance.plugin_id!r} "
                "is a function, which is never run; number prefixes were stripped as by "
                "the default parser"
            )
    facts.trailing_slash = bool(re.search(r"\btrailingSlash\s*:\s*true", config_text))


def _mount_targets(facts: SiteFacts, checkout_real: str, files: list[str]) -> list[str]:
    """The docs the sidebars of extra instances and of versions name."""

    def read(name: str) -> str | None:
        return _read_config(checkout_real, name)

    site = facts.docusaurus_site or ""
    return mount_nav_targets(facts.docusaurus_mounts(), read, site, files)


def _docusaurus_configs(checkout_real: str) -> list[tuple[str, str]]:
    """(folder, name) of the Docusaurus config files at the top or in `website/` (docs are
    served under /docs/; the folder is the site's `@site/`)."""
    found = []
    for folder in ("", "website"):
        for ext in ("js", "ts", "mjs", "cjs"):
            name = f"docusaurus.config.{ext}"
            path = os.path.join(checkout_real, folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                found.append((folder, name))
    return found


def _read_config(checkout_real: str, rel: str) -> str | None:
    try:
        return read_inside(checkout_real, rel, MAX_CONFIG_BYTES)
    except Exception:  # unreadable: the defaults apply
        return None


def _has_link_hook(site: str, config: dict[str, Any]) -> bool:
    """A Hugo site (its folder: where its config is) whose markdown links go through a
    link render hook (its own, a theme's, or the embedded one switched on in the config)."""
    themes = sorted(glob.glob(os.path.join(site, "themes", "*")))[:20]
    places = [site, *themes]
    for place in places:
        for hook in LINK_HOOKS:
            path = os.path.join(place, hook)
            if os.path.isfile(path) and not os.path.islink(path):
                return True
    markup = config.get("markup")
    goldmark = markup.get("goldmark") if isinstance(markup, dict) else None
    hooks = goldmark.get("renderHooks") if isinstance(goldmark, dict) else None
    link = hooks.get("link") if isinstance(hooks, dict) else None
    if not isinstance(link, dict):
        return False
    return link.get("enableDefault") is True or link.get("useEmbedded") in ("always", "fallback")


def _hugo_content_dir(config: dict[str, Any]) -> str:
    """The site-relative content folder: a module mount onto `content`, else the first
    language's `contentDir`, else `contentDir`, else `content`."""
    module = config.get("module")
    mounts = module.get("mounts") if isinstance(module, dict) else None
    found = [
        m.get("source")
        for m in (mounts if isinstance(mounts, list) else [])
        if isinstance(m, dict) and m.get("target") == "content"
    ]
    languages = config.get("languages")
    for language in languages.values() if isinstance(languages, dict) else []:
        if isinstance(language, dict):
            found.append(language.get("contentDir"))
    found.append(config.get("contentDir"))
    for folder in found:
        if isinstance(folder, str) and folder.strip("/") and ".." not in folder:
            return folder.strip("/") + "/"
    return "content/"


def _checkout_files(checkout_real: str, max_entries: int) -> list[str]:
    """Every non-markdown file of the checkout (assets may live outside the content)."""
    return scan_markdown(checkout_real, max_entries).others


def _content_root(checkout_real: str, subdir: str) -> str:
    if not subdir:
        return checkout_real
    root = os.path.realpath(os.path.join(checkout_real, subdir))
    if not root.startswith(checkout_real + os.sep) or os.path.islink(
        os.path.join(checkout_real, subdir)
    ):
        raise CloneRefused(f"Refused: subdir {subdir!r} leads outside the checkout.")
    if not os.path.isdir(root):
        raise CloneRefused(f"subdir {subdir!r} is not a folder of the repository.")
    return root


def _configs(checkout_real: str, root: str, subdir: str) -> dict[str, tuple[dict[str, Any], str]]:
    """Generator configs from the checkout top (and the content folder when different)."""
    found: dict[str, tuple[dict[str, Any], str]] = {}
    places = [(checkout_real, "")] + ([(root, subdir)] if subdir else [])
    for base, where in places:

        def read(name: str, base: str = base) -> str | None:
            try:
                return read_inside(base, name, MAX_CONFIG_BYTES)
            except Exception:
                return None

        for name in CONFIG_FILES:
            config = load_config(read, name)
            if config and name not in found:
                found[name] = (config, where)
    return found


def _scan_notes(scan: Scan, files: int, limit: int) -> list[str]:
    notes = []
    if scan.symlinks:
        notes.append(
            f"skipped {len(scan.symlinks)} symlink(s), never followed: "
            + ", ".join(scan.symlinks[:10])
        )
    if scan.too_deep:
        notes.append(f"skipped {scan.too_deep} folder(s) nested too deeply")
    if scan.truncated:
        notes.append("stopped listing files at max_files_scanned; some pages were not seen")
    if files > limit:
        notes.append(
            f"analysed the first {limit} of {files} pages (max_pages); shallow pages come first"
        )
    return notes
