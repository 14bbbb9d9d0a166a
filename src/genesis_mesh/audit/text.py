"""The `text` format: one line per finding, compiler style, then the verdict."""

from __future__ import annotations

from genesis_mesh.audit.verdict import Level, Verdict


def render_text(verdict: Verdict) -> str:
    """`file:line:col: level kind: message` lines, then a one-line summary."""
    lines = []
    for judged in verdict.findings:
        f = judged.finding
        note = f" (accepted: {judged.accepted_because})" if judged.accepted_because else ""
        lines.append(f"{f.place}: {judged.level.value} {f.kind.value}: {f.message}{note}")
    for entry in verdict.unused_baseline:
        lines.append(
            f"baseline: {entry.kind} {entry.file} -> {entry.target!r} no longer occurs; "
            "remove it from the baseline"
        )
    lines.append(summary_line(verdict))
    return "\n".join(lines) + "\n"


def summary_line(verdict: Verdict) -> str:
    """`FAILED: 3 findings fail (broken_link 2, broken_anchor 1); 4 warnings, 1 accepted`."""
    failing = verdict.failing
    by_kind: dict[str, int] = {}
    for judged in failing:
        by_kind[judged.finding.kind.value] = by_kind.get(judged.finding.kind.value, 0) + 1
    warnings = sum(1 for j in verdict.findings if j.level is Level.WARNING)
    accepted = sum(1 for j in verdict.findings if j.level is Level.ACCEPTED)
    scope = "" if verdict.changed is None else f" in {len(verdict.changed)} changed file(s)"
    pages = verdict.summary.get("total_pages", len(verdict.pages))
    tail = f"{warnings} warning(s), {accepted} accepted by the baseline; {pages} page(s) read"
    if not failing:
        return f"passed: no failing findings{scope}; {tail}"
    kinds = ", ".join(f"{k} {n}" for k, n in by_kind.items())
    return f"FAILED: {len(failing)} finding(s) fail{scope} ({kinds}); {tail}"
