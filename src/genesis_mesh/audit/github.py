"""The `github` format: GitHub Actions workflow commands, one annotation per finding.

`::error file=F,line=L,col=C,title=T::message` for a finding that fails the build,
`::warning ...` for one that does not, `::notice ...` for one the baseline accepts.
Values are escaped the way the Actions toolkit escapes them (`%`, CR, LF; in
properties also `:` and `,`), so site text cannot end a command or start another.
"""

from __future__ import annotations

from genesis_mesh.audit.text import summary_line
from genesis_mesh.audit.verdict import Judged, Level, Verdict

_COMMAND = {Level.ERROR: "error", Level.WARNING: "warning", Level.ACCEPTED: "notice"}


def render_github(verdict: Verdict) -> str:
    """One workflow command per finding, then the summary as a plain log line."""
    lines = [_annotation(j) for j in verdict.findings]
    lines.append(summary_line(verdict))
    return "\n".join(lines) + "\n"


def _annotation(judged: Judged) -> str:
    f = judged.finding
    props = {"file": f.file}
    if f.line is not None:
        props["line"] = str(f.line)
        if f.column is not None:
            props["col"] = str(f.column)
    props["title"] = f.kind.value
    text = f.message
    if judged.accepted_because:
        text += f" (accepted: {judged.accepted_because})"
    listed = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{_COMMAND[judged.level]} {listed}::{escape_data(text)}"


def escape_data(text: str) -> str:
    """The message of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
