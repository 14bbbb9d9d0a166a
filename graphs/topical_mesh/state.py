"""Input, output and internal state of the topical_mesh graph.

The state stays small and msgpack-friendly: pages are plain dicts, links are integer
index triples into the page list, and no page body is ever kept.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from graphs.topical_mesh.context import resolve_context
from graphs.topical_mesh.errors import CloneRefused
from graphs.topical_mesh.url_guard import (
    check_ref,
    check_source_offline,
    check_subdir,
    check_syntax,
)

MAX_PAGES_LIMIT = 10_000_000
_CONTEXT_FIELDS = frozenset(
    {"allow_local_sources", "allow_http", "allowed_private_hosts", "max_pages_cap", "upload_root"}
)

Severity = Literal["low", "medium", "high", "critical"]
Priority = Literal["low", "medium", "high"]
Effort = Literal["low", "medium", "high"]


class Input(BaseModel):
    """What to audit: a git repository (or, where allowed, a local folder)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "repo_url": "https://github.com/rust-lang/mdBook",
                    "subdir": "guide/src",
                    "max_pages": 2000,
                    "include_visualization": True,
                    "review_recommendations": False,
                }
            ]
        },
    )

    repo_url: str = Field(
        description="An https git URL; a local folder or file:// URL only where the "
        "operator allows local sources.",
        min_length=1,
        max_length=2048,
    )
    ref: str | None = Field(default=None, max_length=200, description="Branch or tag to check out.")
    subdir: str | None = Field(
        default=None, max_length=1000, description="Content folder, e.g. `docs`."
    )
    site_url: str | None = Field(
        default=None,
        max_length=2048,
        description="The published site's base URL, so absolute links to it count as "
        "internal; read from mkdocs.yml / Hugo / Jekyll config when omitted.",
    )
    max_pages: int = Field(
        default=2000,
        ge=1,
        le=MAX_PAGES_LIMIT,
        description="Pages analysed at most (capped by the max_pages_cap setting).",
    )
    include_visualization: bool = Field(default=True, description="Add a Mermaid diagram.")
    review_recommendations: bool = Field(
        default=False, description="Pause so a person picks the recommendations to keep."
    )

    @field_validator("repo_url")
    @classmethod
    def _source_is_acceptable(cls, value: str, info: ValidationInfo) -> str:
        """Refuse at start what the clone would refuse, with the clone's message.

        The settings come from the validation context (the run's context values, which
        the host passes); without them only the rules that hold for any settings apply.
        """
        settings = info.context if isinstance(info.context, dict) else None
        try:
            if settings is None:
                check_syntax(value)
            else:
                known = {k: v for k, v in settings.items() if k in _CONTEXT_FIELDS}
                check_source_offline(value, resolve_context(known))
        except (CloneRefused, TypeError) as exc:
            raise PydanticCustomError("source_refused", str(exc)) from None
        return value

    @field_validator("ref")
    @classmethod
    def _ref_is_plain(cls, value: str | None) -> str | None:
        try:
            check_ref(value)
        except CloneRefused as exc:
            raise PydanticCustomError("ref_refused", str(exc)) from None
        return value

    @field_validator("subdir")
    @classmethod
    def _subdir_stays_inside(cls, value: str | None) -> str | None:
        try:
            check_subdir(value)
        except CloneRefused as exc:
            raise PydanticCustomError("subdir_refused", str(exc)) from None
        return value


class PageResult(BaseModel):
    """One markdown page of the site with its link metrics."""

    id: str
    title: str
    path: str
    url: str
    authority: float = 0.0
    word_count: int = 0
    inbound_links: int = 0
    outbound_links: int = 0
    nav_inbound_links: int = 0
    click_depth: int | None = None
    is_pillar: bool = False
    is_orphan: bool = False
    orphan_kind: Literal["content_orphan", "unreachable"] | None = None
    cluster: int | None = None


class PillarResult(BaseModel):
    """The site's pillar page (its home page when it has one)."""

    id: str
    title: str
    path: str
    authority: float
    inbound_links: int
    outbound_links: int


class ClusterResult(BaseModel):
    """A topic cluster found by community detection on the link graph."""

    id: int
    label: str
    size: int
    pages: list[str]
    hub: str
    linked_to_pillar: bool


class IssueResult(BaseModel):
    """A problem found in the mesh."""

    severity: Severity
    category: str
    description: str
    affected_pages: list[str]
    impact: str


class RecommendationResult(BaseModel):
    """A concrete change; for a link: which page links to which, with what anchor."""

    id: str
    priority: Priority
    action: str
    description: str
    estimated_effort: Effort
    estimated_impact: int = Field(ge=0, le=100)
    affected_pages: list[str]
    source_page: str | None = None
    target_page: str | None = None
    anchor_text: str | None = None
    broken_target: str | None = Field(
        default=None, description="fix_broken_link: the target as written in the source."
    )
    location: str | None = Field(
        default=None, description="fix_broken_link: file:line:column of the link."
    )


class Finding(BaseModel):
    """One problem and its place in the source (docs/topical-mesh.md "Findings")."""

    kind: str = Field(
        description="broken_link, broken_asset, broken_anchor, escaped_link, orphan or "
        "content_orphan."
    )
    file: str = Field(description="Path of the source page in the repository.")
    page: str = Field(description="The page id: its path below the content root.")
    line: int = Field(ge=1, description="1-based line of the link's target.")
    column: int = Field(ge=1, description="1-based column where the link's target starts.")
    target: str = Field(description="The target as written ('' for orphans).")
    form: str = Field(
        description="inline, reference, autolink, image, html, html_image, "
        "wikilink, embed or hugo_ref ('' for orphans)."
    )
    reason: str
    message: str
    source: str = Field(description="The page id again (the original mesh API's name).")


BrokenLinkResult = Finding


class Output(BaseModel):
    """The audit result; field names follow the original mesh API."""

    authority_score: float = Field(default=0.0, ge=0, le=100)
    grade: Literal["A+", "A", "B", "C", "D", "F"] = "F"
    total_pages: int = 0
    total_links: int = 0
    link_occurrences: int = 0
    mesh_density: float = Field(default=0.0, ge=0, le=1)
    pillar: PillarResult | None = None
    clusters: list[ClusterResult] = Field(default_factory=list)
    orphans: list[str] = Field(default_factory=list)
    content_orphans: list[str] = Field(default_factory=list)
    issues: list[IssueResult] = Field(default_factory=list)
    recommendations: list[RecommendationResult] = Field(default_factory=list)
    findings: list[Finding] = Field(
        default_factory=list, description="Every finding, sorted by file, line, column."
    )
    broken_links: list[Finding] = Field(default_factory=list)
    broken_assets: list[Finding] = Field(default_factory=list)
    broken_anchors: list[Finding] = Field(default_factory=list)
    escaped_links: list[Finding] = Field(default_factory=list)
    anchor_generator: str = Field(
        default="github", description="Heading slug rules used: github, python-markdown, obsidian."
    )
    external_links: int = 0
    asset_links: int = 0
    notes: list[str] = Field(default_factory=list)
    pages: list[PageResult] = Field(default_factory=list)
    mermaid_diagram: str = ""
    strongest_links: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The links between the strongest pages: {source, target, weight} by page id.",
    )
    report_markdown: str = ""
    executive_summary: str = ""
    analysis_timestamp: str = ""
    processing_time_seconds: float = 0.0


class State(TypedDict, total=False):
    """Everything the nodes share; each node returns only the keys it changes."""

    # input
    repo_url: str
    ref: str | None
    subdir: str | None
    site_url: str | None
    max_pages: int
    include_visualization: bool
    review_recommendations: bool
    # clone
    started_at: float
    run_dir: str | None
    checkout: str
    clone_notes: list[str]
    # parse: pages as dicts; links as [source index, target index, occurrences]
    pages: list[dict[str, Any]]
    links: list[list[int]]
    nav_links: list[list[int]]
    similar_pairs: list[list[Any]]
    home: int | None
    broken_links: list[dict[str, Any]]
    broken_assets: list[dict[str, Any]]
    broken_anchors: list[dict[str, Any]]
    escaped_links: list[dict[str, Any]]
    anchor_generator: str
    external_links: int
    asset_links: int
    link_occurrences: int
    notes: list[str]
    # score
    authority_score: float
    grade: str
    total_pages: int
    total_links: int
    mesh_density: float
    pillar: dict[str, Any] | None
    clusters: list[dict[str, Any]]
    orphans: list[str]
    content_orphans: list[str]
    components: dict[str, float]
    # recommend
    issues: list[dict[str, Any]]
    recommendations: list[dict[str, Any]]
    proposed_recommendations: int
    # write
    findings: list[dict[str, Any]]
    mermaid_diagram: str
    strongest_links: list[dict[str, Any]]
    report_markdown: str
    executive_summary: str
    analysis_timestamp: str
    processing_time_seconds: float
