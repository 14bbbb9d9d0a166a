"""Docusaurus versioned docs and the own options of each docs plugin instance (issue 15).

The lookalike follows ExpediaGroup/graphql-kotlin's `website/` (commit 361651b99df8:
`lastVersion`, `versions: {current: {path}}`, `versions.json`, `versioned_docs/version-X/`
and `versioned_sidebars/version-X-sidebars.json` beside the current `docs/`) and the
`community` docs instance of facebook/docusaurus's own website (`id`, `path`,
`routeBasePath`, its own `sidebarPath`), given its own `include`, `exclude` and
`numberPrefixParser`. The text is ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphs.topical_mesh.context import Context
from graphs.topical_mesh.docusaurus_config import docs_instances, docs_mounts

from .conftest import make_repo
from .test_parse import edges_of, run_graph

CONFIG = """\
// @ts-check
/** @type {import('@docusaurus/types').Config} */
module.exports = {
  title: "Lookalike",
  presets: [
    ["@docusaurus/preset-classic", {
      docs: {
        editUrl: "https://example.test/edit/website",
        lastVersion: '10.x.x',
        sidebarPath: require.resolve('./sidebars.js'),
        exclude: ['**/internal/**'],
        versions: {
          current: {label: 'pre-release', path: '11.x.x'},
        },
      },
    }],
  ],
  plugins: [
    [
      '@docusaurus/plugin-content-docs',
      {
        id: 'community',
        path: 'community',
        routeBasePath: 'community',
        sidebarPath: './sidebarsCommunity.js',
        include: ['**/*.md'],
        exclude: ['**/drafts/**'],
        numberPrefixParser: false,
      },
    ],
  ],
  themeConfig: {docs: {sidebar: {hideable: true}}},
};
"""

KTOR = "# Ktor server\n\nRouting plugins serve queries through coroutines and websockets.\n"
SPRING = "# Spring server\n\nRouting plugins serve queries through reactive websockets.\n"

SITE: dict[str, str | bytes] = {
    "website/docusaurus.config.js": CONFIG,
    "website/versions.json": '[\n  "10.x.x",\n  "9.x.x"\n]\n',
    "website/sidebars.js": "module.exports = {docs: {Introduction: ['getting-started', "
    "'server/ktor']}};\n",
    "website/sidebarsCommunity.js": "module.exports = {community: ['01-support']};\n",
    "website/versioned_sidebars/version-10.x.x-sidebars.json": '{"docs": {"Introduction": '
    '["getting-started", "server/ktor"]}}\n',
    "website/versioned_sidebars/version-9.x.x-sidebars.json": '{"docs": [{"type": "category", '
    '"label": "Introduction", "items": [{"type": "doc", "id": "getting-started"}]}]}\n',
    "website/docs/getting-started.md": "# Getting started\n\n"
    "[ktor](server/ktor.md) [latest ktor](/docs/server/ktor)"
    " [this version](/docs/11.x.x/getting-started) [old](/docs/9.x.x/getting-started)"
    " [not in 9](/docs/9.x.x/server/ktor) [notes](internal/notes.md)"
    " [support](/community/01-support) [stripped](/community/support)"
    " [plan](drafts/plan.md)\n",
    "website/docs/server/ktor.md": KTOR,
    "website/docs/server/spring.mdx": SPRING,
    "website/docs/internal/notes.md": "# Notes\n",
    "website/docs/drafts/plan.md": "# Plan\n\n[start](../getting-started.md)\n",
    "website/versioned_docs/version-10.x.x/getting-started.md": "# Getting started\n\n"
    "[ktor](server/ktor.md) [next](/docs/11.x.x/getting-started)\n",
    "website/versioned_docs/version-10.x.x/server/ktor.md": KTOR,
    "website/versioned_docs/version-10.x.x/server/spring.mdx": SPRING,
    "website/versioned_docs/version-10.x.x/internal/notes.md": "# Notes\n",
    "website/versioned_docs/version-9.x.x/getting-started.md": "# Getting started\n\n"
    "[latest](/docs/getting-started)\n",
    "website/community/01-support.md": "# Support\n\n[team](./team) [idea](drafts/idea.md)"
    " [docs](/docs/getting-started)\n",
    "website/community/team.mdx": "# Team\n",
    "website/community/drafts/idea.md": "# Idea\n",
}
CURRENT = "website/docs/"
V10 = "website/versioned_docs/version-10.x.x/"
V9 = "website/versioned_docs/version-9.x.x/"


def _broken(output: dict[str, Any]) -> set[tuple[str, str]]:
    return {(b["source"], b["target"]) for b in output["broken_links"]}


async def _audit(tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    root = make_repo(tmp_path / "site", SITE)
    ctx = Context(allow_local_sources=True, workdir=str(tmp_path / "w"))
    return await run_graph(ctx, repo_url=str(root))


async def test_each_instance_builds_only_what_its_own_include_and_exclude_keep(
    tmp_path: Path,
) -> None:
    output, _state = await _audit(tmp_path)
    assert {p["id"] for p in output["pages"]} == {
        CURRENT + "getting-started.md",
        CURRENT + "server/ktor.md",
        CURRENT + "server/spring.mdx",  # the preset includes .mdx; community does not
        CURRENT + "drafts/plan.md",  # community's `**/drafts/**` is its own
        V10 + "getting-started.md",
        V10 + "server/ktor.md",
        V10 + "server/spring.mdx",
        V9 + "getting-started.md",
        "website/community/01-support.md",
    }
    assert _broken(output) == {
        (CURRENT + "getting-started.md", "/docs/9.x.x/server/ktor"),
        (CURRENT + "getting-started.md", "internal/notes.md"),
        (CURRENT + "getting-started.md", "/community/support"),  # numberPrefixParser: false
        ("website/community/01-support.md", "./team"),
        ("website/community/01-support.md", "drafts/idea.md"),
    }


async def test_versions_are_served_at_their_routes_and_the_last_one_at_the_base(
    tmp_path: Path,
) -> None:
    _output, state = await _audit(tmp_path)
    assert edges_of(state) == {
        (CURRENT + "getting-started.md", CURRENT + "server/ktor.md"): 1,
        (CURRENT + "getting-started.md", V10 + "server/ktor.md"): 1,  # /docs/ is 10.x.x
        (CURRENT + "getting-started.md", V9 + "getting-started.md"): 1,
        (CURRENT + "getting-started.md", "website/community/01-support.md"): 1,
        (CURRENT + "getting-started.md", CURRENT + "drafts/plan.md"): 1,
        (CURRENT + "drafts/plan.md", CURRENT + "getting-started.md"): 1,
        (V10 + "getting-started.md", V10 + "server/ktor.md"): 1,  # relative: same version
        (V10 + "getting-started.md", CURRENT + "getting-started.md"): 1,  # /docs/11.x.x/
        (V9 + "getting-started.md", V10 + "getting-started.md"): 1,
        ("website/community/01-support.md", V10 + "getting-started.md"): 1,
    }


async def test_versioned_sidebars_and_an_instances_own_sidebars_are_navigation(
    tmp_path: Path,
) -> None:
    _output, state = await _audit(tmp_path)
    in_nav = {p["id"] for p in state["pages"] if p["nav_inbound_links"]}
    assert in_nav == {
        CURRENT + "getting-started.md",
        CURRENT + "server/ktor.md",
        V10 + "getting-started.md",
        V10 + "server/ktor.md",
        V9 + "getting-started.md",
        "website/community/01-support.md",
    }


async def test_versions_of_one_page_are_never_suggested_as_similar_pages(
    tmp_path: Path,
) -> None:
    _output, state = await _audit(tmp_path)
    ids = [p["id"] for p in state["pages"]]
    pairs = {frozenset((ids[a], ids[b])) for a, b, _score, _terms in state["similar_pairs"]}
    assert pairs == {
        frozenset((CURRENT + "server/ktor.md", CURRENT + "server/spring.mdx")),
        frozenset((V10 + "server/ktor.md", V10 + "server/spring.mdx")),
    }


def test_version_routes_follow_last_version_renamed_paths_and_only_included_versions() -> None:
    config = (
        "export default {presets: [['classic', {docs: {routeBasePath: 'api',"
        " onlyIncludeVersions: ['current', '2.0', '1.0'],"
        " versions: {'1.0': {path: 'legacy'}}}}]]};"
    )
    (preset,) = docs_instances(config)
    mounts = docs_mounts(preset, ["3.0", "2.0", "1.0"])
    assert [(m.version, m.folder, m.route) for m in mounts] == [
        ("current", "docs", "api/next"),
        ("2.0", "versioned_docs/version-2.0", "api/2.0"),
        ("1.0", "versioned_docs/version-1.0", "api/legacy"),
    ]
    plain = docs_mounts(docs_instances("module.exports = {};")[-1], [])
    assert [(m.folder, m.route) for m in plain] == [("docs", "docs")]  # no versions: no /next


def test_an_instance_other_than_default_has_prefixed_version_files() -> None:
    config = (
        "plugins: [['@docusaurus/plugin-content-docs', {id: 'community', path: 'community',"
        " routeBasePath: 'community', includeCurrentVersion: false}]]"
    )
    community = docs_instances(config)[0]
    (mount,) = docs_mounts(community, ["1.0.0"])
    assert (mount.folder, mount.route, mount.sidebar) == (
        "community_versioned_docs/version-1.0.0",
        "community",
        "community_versioned_sidebars/version-1.0.0-sidebars.json",
    )
