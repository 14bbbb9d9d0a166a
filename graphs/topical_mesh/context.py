"""Run settings of the topical_mesh graph (its LangGraph `context_schema`)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, fields
from typing import Any

from langchain_core.language_models import BaseChatModel


def _default_workdir() -> str:
    return os.path.join(tempfile.gettempdir(), "topical-mesh")


@dataclass(kw_only=True)
class Context:
    """Operator settings for one run; the host builds it from its settings.

    Attributes:
        allow_local_sources: accept a local folder or a `file://` URL as the source
            (on for the CLI on one's own machine, off for a server).
        allow_http: accept plain `http://` URLs as well as `https://`.
        allowed_private_hosts: host names or CIDR networks that may be reached although
            they are not globally routable (an internal GitLab, say).
        max_pages_cap: the upper bound applied to the input's `max_pages`.
        clone_timeout_seconds: wall-clock limit of the git clone; the process group is
            killed when it is reached.
        max_checkout_bytes: size cap of the checkout on disk; the clone is killed above it.
        max_file_bytes: markdown files larger than this are skipped with a note.
        max_files_scanned: the walk of the checkout stops after this many entries.
        max_parse_seconds_per_file: a file whose parsing takes longer is skipped with a
            note (enforced in the page-reading worker processes, which big sites and
            sites with files over 256 KiB use).
        workdir: base folder of the per-run, per-attempt checkouts.
        upload_root: folder of unpacked uploads; a `repo_url` of `upload:<id>` reads
            `<upload_root>/<id>/site` in place (set by the host; None: uploads refused).
        chat_model: filled by the host when an LLM is configured; the write node then
            adds an executive summary and rewords recommendations (None: deterministic).
    """

    allow_local_sources: bool = False
    allow_http: bool = False
    allowed_private_hosts: list[str] = field(default_factory=list)
    max_pages_cap: int = 50_000
    clone_timeout_seconds: float = 120.0
    max_checkout_bytes: int = 500 * 1024 * 1024
    max_file_bytes: int = 1024 * 1024
    max_files_scanned: int = 500_000
    max_parse_seconds_per_file: float = 10.0
    workdir: str = field(default_factory=_default_workdir)
    upload_root: str | None = None
    chat_model: BaseChatModel | None = None


LOCKED_CONTEXT_KEYS = frozenset(f.name for f in fields(Context))
"""Every field is the operator's: a client's run may not reach local folders, private
hosts or plain http, move the checkout, or raise a cap. Hosts that honour the
`LOCKED_CONTEXT_KEYS` convention (genesis-mesh) refuse a run's context that names one."""


def resolve_context(value: Any) -> Context:
    """The run's Context: defaults when None, built from a dict when given one."""
    if value is None:
        return Context()
    if isinstance(value, Context):
        return value
    if isinstance(value, dict):
        return Context(**value)
    raise TypeError(f"expected a topical_mesh Context, got {type(value).__name__}")
