"""The baseline: findings a team has accepted, each with a reason; only new ones fail.

The file is JSON::

    {"version": 1,
     "accepted": [{"kind": "broken_link", "file": "docs/old.md", "target": "gone.md",
                   "reason": "the page was removed upstream; fixed in #123"}]}

An entry matches every finding of the same kind, file and target (not the line: lines
move when a page is edited). `--write-baseline FILE` writes one for the current findings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genesis_mesh.audit.findings import Finding, Kind

VERSION = 1
PLACEHOLDER_REASON = "accepted when the audit was adopted; replace with the real reason"


class BaselineError(ValueError):
    """The baseline file cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Accepted:
    """One accepted finding."""

    kind: str
    file: str
    target: str
    reason: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.file, self.target)


@dataclass(frozen=True)
class Baseline:
    """The accepted findings, by key."""

    entries: tuple[Accepted, ...] = ()

    def reason_for(self, finding: Finding) -> str | None:
        """The reason `finding` is accepted, or None when it is new."""
        return self._by_key().get(finding.key)

    def unused(self, findings: list[Finding]) -> list[Accepted]:
        """Entries no finding matches any more (the problem was fixed: remove them)."""
        keys = {f.key for f in findings}
        return [e for e in self.entries if e.key not in keys]

    def _by_key(self) -> dict[tuple[str, str, str], str]:
        return {e.key: e.reason for e in self.entries}


def load_baseline(path: Path) -> Baseline:
    """Read and check a baseline file; BaselineError names the entry that is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"baseline {path} does not exist; create one with --write-baseline {path}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not readable JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("accepted"), list):
        raise BaselineError(f'baseline {path} must be an object with an "accepted" list')
    if data.get("version", VERSION) != VERSION:
        raise BaselineError(f"baseline {path} has version {data.get('version')!r}; use 1")
    return Baseline(tuple(_entry(path, i, item) for i, item in enumerate(data["accepted"])))


def _entry(path: Path, index: int, item: Any) -> Accepted:
    where = f"baseline {path}, accepted[{index}]"
    if not isinstance(item, dict):
        raise BaselineError(f"{where} must be an object with kind, file, target and reason")
    values = {k: item.get(k, "") for k in ("kind", "file", "target", "reason")}
    if not all(isinstance(v, str) for v in values.values()):
        raise BaselineError(f"{where}: kind, file, target and reason must be strings")
    if values["kind"] not in {k.value for k in Kind}:
        raise BaselineError(
            f"{where}: kind {values['kind']!r} is not one of {', '.join(k.value for k in Kind)}"
        )
    if not values["file"]:
        raise BaselineError(f"{where} has no file")
    if not values["reason"].strip():
        raise BaselineError(f"{where} has no reason: say why the finding is accepted")
    return Accepted(**values)


def write_baseline(path: Path, findings: list[Finding], reason: str = PLACEHOLDER_REASON) -> int:
    """Write a baseline accepting `findings` (one entry per kind, file and target)."""
    unique = {f.key: f for f in findings}
    entries = [
        {"kind": k[0], "file": k[1], "target": k[2], "reason": reason} for k in sorted(unique)
    ]
    text = json.dumps({"version": VERSION, "accepted": entries}, indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return len(entries)
