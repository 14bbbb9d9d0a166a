"""Findings judged: which fail the build, which are only shown, which the baseline accepts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from genesis_mesh.audit.baseline import Accepted, Baseline
from genesis_mesh.audit.findings import Finding, Kind


class Level(StrEnum):
    """What a finding does to the build."""

    ERROR = "error"  # a kind named by --fail-on, not in the baseline: fails
    WARNING = "warning"  # a kind not named by --fail-on: shown, never fails
    ACCEPTED = "accepted"  # in the baseline: shown with its reason, never fails


@dataclass(frozen=True)
class Judged:
    """A finding and what it does to the build."""

    finding: Finding
    level: Level
    accepted_because: str | None = None


@dataclass
class Verdict:
    """Everything a format writes: the judged findings and the audit's summary."""

    site: str
    findings: list[Judged]
    fail_on: frozenset[Kind]
    summary: dict[str, Any] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)
    changed: set[str] | None = None
    unused_baseline: list[Accepted] = field(default_factory=list)

    @property
    def failing(self) -> list[Judged]:
        return [j for j in self.findings if j.level is Level.ERROR]

    @property
    def passed(self) -> bool:
        return not self.failing

    def counts(self) -> dict[Kind, Counter[Level]]:
        """Per kind: how many findings at each level (kinds without findings left out)."""
        counts: dict[Kind, Counter[Level]] = {}
        for judged in self.findings:
            counts.setdefault(judged.finding.kind, Counter())[judged.level] += 1
        return dict(sorted(counts.items(), key=lambda item: list(Kind).index(item[0])))


def judge(
    site: str,
    findings: list[Finding],
    fail_on: frozenset[Kind],
    baseline: Baseline | None = None,
    changed: set[str] | None = None,
) -> Verdict:
    """Keep the findings in `changed` files (all when None) and give each its level."""
    kept = [f for f in findings if changed is None or f.file in changed]
    baseline = baseline or Baseline()
    judged = []
    for finding in kept:
        reason = baseline.reason_for(finding)
        if reason is not None:
            judged.append(Judged(finding, Level.ACCEPTED, reason))
        elif finding.kind in fail_on:
            judged.append(Judged(finding, Level.ERROR))
        else:
            judged.append(Judged(finding, Level.WARNING))
    return Verdict(
        site, judged, fail_on, changed=changed, unused_baseline=baseline.unused(findings)
    )
