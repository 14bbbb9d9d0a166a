"""`genesis-mesh audit`: options in, reports out, an exit code back.

Exit codes: 0 no finding fails, 1 findings of a `--fail-on` kind that the baseline does
not accept, 2 the command was used wrongly (bad option, baseline or ref), 3 the site
could not be read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genesis_mesh.audit.adapter import findings_of, page_files
from genesis_mesh.audit.baseline import BaselineError, load_baseline, write_baseline
from genesis_mesh.audit.changed import ChangedError, changed_files, folder_prefix
from genesis_mesh.audit.execute import (
    SiteUnreadable,
    UsageError,
    load_graph,
    operator_context,
    run_audit,
)
from genesis_mesh.audit.findings import DEFAULT_FAIL_ON, parse_fail_on
from genesis_mesh.audit.github import render_github
from genesis_mesh.audit.json_report import render_json
from genesis_mesh.audit.junit import render_junit
from genesis_mesh.audit.markdown import render_markdown
from genesis_mesh.audit.sarif import render_sarif
from genesis_mesh.audit.text import render_text
from genesis_mesh.audit.verdict import Verdict, judge

EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_UNREADABLE = 0, 1, 2, 3
FORMATS: dict[str, Callable[[Verdict], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
    "markdown": render_markdown,
}
SUMMARY_KEYS = (
    "grade",
    "authority_score",
    "total_pages",
    "total_links",
    "link_occurrences",
    "external_links",
    "asset_links",
    "processing_time_seconds",
)


@dataclass
class AuditOptions:
    """The command line of one audit."""

    source: str
    config: Path
    subdir: str | None = None
    ref: str | None = None
    formats: list[str] = field(default_factory=lambda: ["text"])
    fail_on: str = DEFAULT_FAIL_ON
    baseline: Path | None = None
    write_baseline: Path | None = None
    changed_since: str | None = None
    max_pages: int = 50_000
    graph_context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Output:
    """One requested format and where it goes (None: standard output)."""

    format: str
    path: Path | None


def parse_formats(values: list[str]) -> list[Output]:
    """`FORMAT` or `FORMAT=PATH` each; at most one goes to standard output."""
    outputs = []
    for value in values or ["text"]:
        name, _, path = value.partition("=")
        name = name.strip().lower()
        if name not in FORMATS:
            raise UsageError(f"--format {name!r} is not one of {', '.join(FORMATS)}")
        if _ and not path.strip():
            raise UsageError(f"--format {value!r}: give a file after '='")
        outputs.append(Output(name, Path(path) if path.strip() else None))
    if sum(1 for o in outputs if o.path is None) > 1:
        raise UsageError("only one --format can go to standard output; add =FILE to the others")
    return outputs


def audit(options: AuditOptions, say: Callable[[str], None], write: Callable[[str], None]) -> int:
    """Run one audit: `say` gets progress and problems, `write` the standard output."""
    try:
        outputs = parse_formats(options.formats)
        fail_on = parse_fail_on(options.fail_on)
        baseline = load_baseline(options.baseline) if options.baseline else None
        local = _local_folder(options.source)
        prefix = folder_prefix(local) if local is not None else ""
        changed = _changed(local, options.changed_since)
        entry = load_graph(options.config)
        context = operator_context(entry, options.graph_context)
    except (UsageError, BaselineError, ChangedError, ValueError) as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    payload = {
        "repo_url": options.source,
        "ref": options.ref,
        "subdir": options.subdir,
        "max_pages": options.max_pages,
        "include_visualization": False,
        "review_recommendations": False,
    }
    try:
        output = asyncio.run(run_audit(entry, payload, context, say))
    except UsageError as exc:
        say(f"error: {exc}")
        return EXIT_USAGE
    except SiteUnreadable as exc:
        say(f"error: the site could not be read: {exc}")
        return EXIT_UNREADABLE
    findings = findings_of(output, prefix)
    if options.write_baseline is not None:
        count = write_baseline(options.write_baseline, findings)
        say(f"wrote {count} accepted finding(s) to {options.write_baseline}; give each a reason")
        return EXIT_PASSED
    verdict = judge(options.source, findings, fail_on, baseline, changed)
    verdict.summary = {k: output[k] for k in SUMMARY_KEYS if k in output}
    verdict.pages = page_files(output, prefix)
    for note in output.get("notes", []):
        say(f"note: {note}")
    for out in outputs:
        text = FORMATS[out.format](verdict)
        if out.path is None:
            write(text)
        else:
            out.path.write_text(text, encoding="utf-8")
    return EXIT_PASSED if verdict.passed else EXIT_FAILED


def _local_folder(source: str) -> Path | None:
    """The folder a local source names (a path or `file://` URL), else None."""
    if source.startswith("file://"):
        return Path(source.removeprefix("file://") or "/").resolve()
    if "://" in source or source.startswith("upload:"):
        return None
    return Path(source).expanduser().resolve()


def _changed(local: Path | None, ref: str | None) -> set[str] | None:
    if ref is None:
        return None
    if local is None or not local.is_dir():
        raise UsageError("--changed-since needs a local folder inside a git repository")
    return changed_files(local, ref)
