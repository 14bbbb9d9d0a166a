"""The findings model: one problem at one place in one file, and the kinds of problem."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The stable categories of the topical_mesh finding contract."""

    BROKEN_LINK = "broken_link"
    BROKEN_ASSET = "broken_asset"
    BROKEN_ANCHOR = "broken_anchor"
    ESCAPED_LINK = "escaped_link"
    ORPHAN = "orphan"
    CONTENT_ORPHAN = "content_orphan"


DESCRIPTIONS: dict[Kind, str] = {
    Kind.BROKEN_LINK: "An internal link whose target is not a page of the site.",
    Kind.BROKEN_ASSET: "A link or embed of a file (image, PDF, ...) that does not exist.",
    Kind.BROKEN_ANCHOR: "A link to a heading or id that the target page does not have.",
    Kind.ESCAPED_LINK: "A relative link that climbs out of the content folder.",
    Kind.ORPHAN: "A page no other page links to and no navigation reaches.",
    Kind.CONTENT_ORPHAN: "A page reached only from navigation, never from another page.",
}

# `--fail-on` names: short words for people, and every kind's own name.
FAIL_ON_NAMES: dict[str, frozenset[Kind]] = {
    "broken": frozenset({Kind.BROKEN_LINK}),
    "assets": frozenset({Kind.BROKEN_ASSET}),
    "anchors": frozenset({Kind.BROKEN_ANCHOR}),
    "escaped": frozenset({Kind.ESCAPED_LINK}),
    "orphans": frozenset({Kind.ORPHAN}),
    "content-orphans": frozenset({Kind.CONTENT_ORPHAN}),
    "all": frozenset(Kind),
    "none": frozenset(),
    **{kind.value: frozenset({kind}) for kind in Kind},
}
DEFAULT_FAIL_ON = "broken,assets,anchors"


def parse_fail_on(value: str) -> frozenset[Kind]:
    """The kinds named by a comma-separated `--fail-on`; ValueError names a wrong word."""
    kinds: set[Kind] = set()
    for word in (w.strip().lower() for w in value.split(",")):
        if not word:
            continue
        if word not in FAIL_ON_NAMES:
            known = ", ".join(n for n in FAIL_ON_NAMES if n not in {k.value for k in Kind})
            raise ValueError(f"--fail-on: {word!r} is not a kind of finding; use {known}")
        kinds |= FAIL_ON_NAMES[word]
    return frozenset(kinds)


@dataclass(frozen=True)
class Finding:
    """One problem: `file` is relative to the repository root (`/`-separated); `line`
    and `column` are 1-based, None when the graph did not say where."""

    kind: Kind
    file: str
    line: int | None
    column: int | None
    target: str
    message: str
    reason: str = ""
    form: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """What a baseline matches on: lines move when text is edited, these do not."""
        return (self.kind.value, self.file, self.target)

    @property
    def fingerprint(self) -> str:
        """A stable id of the finding (SARIF `partialFingerprints`)."""
        return hashlib.sha256("\x00".join(self.key).encode()).hexdigest()[:32]

    @property
    def place(self) -> str:
        """`file:line:column` as far as it is known."""
        parts = [self.file] + [str(n) for n in (self.line, self.column) if n is not None]
        return ":".join(parts)
