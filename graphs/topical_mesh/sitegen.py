"""Synthetic markdown sites with a known link structure (for tests and the benchmark).

A site has a home page (`index.md`), clusters `topic-K/` each with a hub page (`index.md`,
`_index.md` or `README.md` in turn) and member pages `topic-K/tK-page-J.md`. Links use
every supported form in rotation; some pages are orphans, some are reached only from the
Hugo menu, some carry one broken link. `SiteTruth` records the exact expected answers.
"""

from __future__ import annotations

import posixpath
import random
from dataclasses import dataclass, field
from pathlib import Path

SITE_URL = "https://docs.example.test/"
FORMS = (
    "inline",
    "extensionless",
    "html",
    "pretty",
    "rooted",
    "wikilink",
    "reference",
    "hugo_ref",
    "anchor",
    "encoded",
    "autolink",
)
_COMMON = [
    "guide",
    "overview",
    "detail",
    "example",
    "option",
    "setting",
    "value",
    "result",
    "process",
    "system",
    "method",
    "format",
    "reader",
    "writer",
    "update",
    "change",
]
_HUBS = ("index.md", "_index.md", "README.md")


@dataclass
class SiteTruth:
    """The answers a correct audit must give for a generated site."""

    pages: list[str] = field(default_factory=list)
    edges: set[tuple[str, str]] = field(default_factory=set)
    occurrences: int = 0
    orphans: set[str] = field(default_factory=set)
    content_orphans: set[str] = field(default_factory=set)
    broken: set[tuple[str, str]] = field(default_factory=set)
    pillar: str = "index.md"


def _url(rel: str) -> str:
    stem = rel.rsplit(".", 1)[0]
    folder, _, name = stem.rpartition("/")
    if name in ("index", "_index", "README"):
        return "/" + (folder + "/" if folder else "")
    return "/" + (folder + "/" if folder else "") + name + "/"


def link_markdown(form: str, source: str, target: str, title: str, n: int) -> tuple[str, str]:
    """(inline markdown, reference definition or "") linking `source` to `target`."""
    folder = posixpath.dirname(source) or "."
    relative = posixpath.relpath(target, folder)
    stem = relative.rsplit(".", 1)[0]
    name = posixpath.basename(target).rsplit(".", 1)[0]
    if form == "extensionless":
        return f"[{title}]({stem})", ""
    if form == "html":
        return f"[{title}]({stem}.html)", ""
    if form == "pretty":
        return f"[{title}]({posixpath.relpath(_url(target), _url(source))}/)", ""
    if form == "rooted":
        return f"[{title}]({_url(target)})", ""
    if form == "wikilink" and name not in ("index", "_index", "README"):
        return f"[[{name}|{title}]]", ""
    if form == "reference":
        return f"[{title}][ref-{n}]", f"[ref-{n}]: {relative}"
    if form == "hugo_ref":
        return f'[{title}]({{{{< ref "/{target}" >}}}})', ""
    if form == "anchor":
        return f"[{title}]({relative}#details)", ""
    if form == "encoded":
        return f"[{title}]({relative.replace('-', '%2D')})", ""
    if form == "autolink":
        return f"<{SITE_URL.rstrip('/')}{_url(target)}>", ""
    return f"[{title}]({relative})", ""


class _Writer:
    def __init__(self, root: Path, words: int, seed: int) -> None:
        self.root, self.words, self.rng = root, words, random.Random(seed)
        self.truth = SiteTruth()
        self.form = 0

    def body(self, topic: list[str]) -> str:
        vocab = topic * 3 + _COMMON
        paras = []
        for _ in range(max(1, self.words // 60)):
            paras.append(" ".join(self.rng.choice(vocab) for _ in range(60)) + ".")
        return "\n\n".join(paras)

    def page(
        self,
        rel: str,
        title: str,
        topic: list[str],
        targets: list[tuple[str, str]],
        menu: bool = False,
        broken: str | None = None,
    ) -> None:
        lines, refs = [], []
        for target, target_title in targets:
            form = FORMS[self.form % len(FORMS)]
            self.form += 1
            text, ref = link_markdown(form, rel, target, target_title, self.form)
            lines.append(f"- See {text} for more.")
            refs += [ref] if ref else []
            self.truth.edges.add((rel, target))
            self.truth.occurrences += 1
        if broken:
            lines.append(f"- An old link: [gone]({broken})")
            self.truth.broken.add((rel, broken))
        front = f'---\ntitle: "{title}"\n' + ("menu: main\n" if menu else "") + "---\n"
        decoys = (
            "\n`[not a link](decoy.md)` and <!-- [hidden](decoy2.md) -->\n\n"
            "```\n[fenced](decoy3.md)\n```\n\n"
            "[external](https://example.org/x) ![diagram](img/diagram.png)\n"
        )
        text = (
            front
            + f"# {title}\n\n{self.body(topic)}\n\n## Details\n\n"
            + "\n".join(lines)
            + "\n"
            + decoys
            + "\n"
            + "\n".join(refs)
            + "\n"
        )
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.truth.pages.append(rel)


def generate_site(
    root: Path, pages: int, cluster_size: int = 25, words: int = 120, seed: int = 7
) -> SiteTruth:
    """Write a site of exactly `pages` pages (at least 2) under `root`; return the truth."""
    writer = _Writer(root, words, seed)
    clusters = max(1, (pages - 1) // cluster_size)
    sizes = [
        (pages - 1) // clusters + (1 if k < (pages - 1) % clusters else 0) for k in range(clusters)
    ]
    hubs = []
    root.mkdir(parents=True, exist_ok=True)
    (root / "mkdocs.yml").write_text(f"site_name: Synthetic\nsite_url: {SITE_URL}\n")
    for k, size in enumerate(sizes, start=1):
        topic = [f"topic{k}word{w}" for w in range(6)]
        hub = f"topic-{k}/{_HUBS[k % 3]}"
        members = [f"topic-{k}/t{k}-page-{j}.md" for j in range(1, size)]
        hubs.append((hub, f"Topic {k} overview"))
        last = members[-1] if len(members) >= 3 else None
        hidden = last if last and k % 3 == 0 else None
        nav_only = last if last and k % 3 == 1 else None
        linked = [m for m in members if m not in (hidden, nav_only)]
        titles = {m: f"Topic {k} page {m.rsplit('-', 1)[1][:-3]}" for m in members}
        writer.page(
            hub,
            f"Topic {k} overview",
            topic,
            [("index.md", "Home")] + [(m, titles[m]) for m in linked],
        )
        for j, member in enumerate(members):
            nexts = [members[(j + d) % len(members)] for d in (1, 2)]
            targets = [(hub, f"Topic {k} overview")]
            targets += [(t, titles[t]) for t in dict.fromkeys(nexts) if t != member and t in linked]
            broken = f"missing-{k}-{j}.md" if j % 7 == 3 else None
            writer.page(
                member, titles[member], topic, targets, menu=member == nav_only, broken=broken
            )
        if hidden:
            writer.truth.orphans.add(hidden)
        if nav_only:
            writer.truth.orphans.add(nav_only)
            writer.truth.content_orphans.add(nav_only)
    writer.page("index.md", "Home", ["home"], hubs)
    return writer.truth
