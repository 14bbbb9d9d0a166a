"""The `markdown` format: a job summary (GitHub `$GITHUB_STEP_SUMMARY`, GitLab notes).

Site text (file names, targets, messages) is escaped so it renders as text: it cannot
close the table, start a link or an HTML tag.
"""

from __future__ import annotations

import re

from genesis_mesh.audit.findings import Kind
from genesis_mesh.audit.text import summary_line
from genesis_mesh.audit.verdict import Judged, Level, Verdict

MAX_ROWS = 50
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")  # inline only: each line starts with our text


def render_markdown(verdict: Verdict) -> str:
    """A heading with the verdict, counts per kind, then the findings that fail."""
    mark = "passed" if verdict.passed else "failed"
    summary = verdict.summary
    lines = [
        f"## Link audit {mark}: {md(verdict.site)}",
        "",
        md(summary_line(verdict)),
        "",
    ]
    if summary.get("grade"):
        lines += [
            f"Grade **{md(str(summary['grade']))}**, authority score "
            f"{summary.get('authority_score', 0)}, {summary.get('total_pages', 0)} pages, "
            f"{summary.get('total_links', 0)} links between pages.",
            "",
        ]
    lines += _counts(verdict)
    lines += _table("Failing", [j for j in verdict.findings if j.level is Level.ERROR])
    lines += _table("Warnings", [j for j in verdict.findings if j.level is Level.WARNING])
    return "\n".join(lines).rstrip() + "\n"


def _counts(verdict: Verdict) -> list[str]:
    counts = verdict.counts()
    if not counts:
        return ["No findings."]
    lines = ["| kind | failing | warnings | accepted |", "|---|---:|---:|---:|"]
    for kind, levels in counts.items():
        fails = "yes" if kind in verdict.fail_on else "no"
        lines.append(
            f"| `{kind.value}` (fails: {fails}) | {levels[Level.ERROR]} | "
            f"{levels[Level.WARNING]} | {levels[Level.ACCEPTED]} |"
        )
    return [*lines, ""]


def _table(title: str, found: list[Judged]) -> list[str]:
    if not found:
        return []
    shown = found[:MAX_ROWS]
    lines = [f"### {title}", "", "| place | kind | message |", "|---|---|---|"]
    lines += [
        f"| {md(j.finding.place)} | {_kind(j.finding.kind)} | {md(j.finding.message)} |"
        for j in shown
    ]
    if len(found) > len(shown):
        lines += [
            "",
            f"{len(shown)} of {len(found)} shown; the rest are in the `json`, `sarif` and "
            "`junit` formats.",
        ]
    return [*lines, ""]


def _kind(kind: Kind) -> str:
    return f"`{kind.value}`"


def md(text: str) -> str:
    """`text` as inert markdown on one line (also inside a table cell)."""
    flat = " ".join(text.split()).replace("&", "&amp;")
    return _SPECIAL.sub(r"\\\1", flat)
