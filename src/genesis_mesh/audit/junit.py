"""The `junit` format: JUnit XML, one test case per page, as GitLab and Jenkins read it.

A page with findings that fail the build is a failed test case (one `<failure>` listing
each finding); warnings and accepted findings go to the case's `<system-out>`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from genesis_mesh.audit.verdict import Judged, Level, Verdict

SUITE = "genesis-mesh audit"
# Characters XML 1.0 cannot hold at all, even escaped (site text may contain them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _safe(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render_junit(verdict: Verdict) -> str:
    """A `<testsuites>` document with one `<testsuite>` of one case per page."""
    by_file: dict[str, list[Judged]] = defaultdict(list)
    for judged in verdict.findings:
        by_file[judged.finding.file].append(judged)
    files = sorted(set(_cases(verdict)) | set(by_file))
    failures = sum(1 for f in files if any(j.level is Level.ERROR for j in by_file[f]))
    root = ET.Element("testsuites", name=SUITE, tests=str(len(files)), failures=str(failures))
    suite = ET.SubElement(
        root,
        "testsuite",
        name=_safe(f"{SUITE}: {verdict.site}"),
        tests=str(len(files)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=str(verdict.summary.get("processing_time_seconds", 0)),
    )
    for file in files:
        _case(suite, file, by_file[file])
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _cases(verdict: Verdict) -> list[str]:
    if verdict.changed is None:
        return verdict.pages
    return [p for p in verdict.pages if p in verdict.changed]


def _case(suite: ET.Element, file: str, found: list[Judged]) -> None:
    case = ET.SubElement(suite, "testcase", name=_safe(file), classname="links", file=_safe(file))
    failing = [j for j in found if j.level is Level.ERROR]
    if failing:
        first = failing[0].finding
        failure = ET.SubElement(
            case,
            "failure",
            message=_safe(f"{len(failing)} finding(s): {first.message}"),
            type=first.kind.value,
        )
        failure.text = "\n".join(_line(j) for j in failing)
    others = [j for j in found if j.level is not Level.ERROR]
    if others:
        ET.SubElement(case, "system-out").text = "\n".join(_line(j) for j in others)


def _line(judged: Judged) -> str:
    f = judged.finding
    note = f" (accepted: {judged.accepted_because})" if judged.accepted_because else ""
    return _safe(f"{f.place}: {judged.level.value} {f.kind.value}: {f.message}{note}")
