"""Input, output and internal state of the mesh_build graph."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

DEFAULT_CLUSTERS = 6
DEFAULT_TARGET = 85.0


class Input(BaseModel):
    """What to plan: a main topic, how many clusters, for whom, and how strong."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "main_topic": "Home espresso",
                    "num_clusters": 6,
                    "audience": "beginners with a first machine",
                    "target_authority": 90,
                }
            ]
        },
    )

    main_topic: str = Field(min_length=2, max_length=200, description="The pillar's topic.")
    num_clusters: int = Field(
        default=DEFAULT_CLUSTERS, ge=3, le=20, description="Cluster pages to plan."
    )
    audience: str | None = Field(default=None, max_length=300, description="Who reads it.")
    target_authority: float = Field(
        default=DEFAULT_TARGET,
        ge=0,
        le=100,
        description="Site authority score (0-100, topical_mesh's formula) the links aim for.",
    )


class PlannedLink(BaseModel):
    """A link the plan asks for: source page slug -> target page slug, with its anchor."""

    source: str
    target: str
    anchor_text: str
    kind: Literal["pillar", "cluster", "related"]


class PageBrief(BaseModel):
    """The markdown brief of one planned page."""

    slug: str
    title: str
    role: Literal["pillar", "cluster"]
    markdown: str


class Output(BaseModel):
    """The planned mesh: pages, links, the score they reach, briefs and a diagram."""

    main_topic: str = ""
    plan: dict[str, Any] = Field(default_factory=dict)
    links: list[PlannedLink] = Field(default_factory=list)
    authority_score: float = 0.0
    grade: str = "F"
    target_authority: float = 0.0
    target_reached: bool = False
    link_note: str = ""
    rounds: list[dict[str, Any]] = Field(default_factory=list)
    briefs: list[PageBrief] = Field(default_factory=list)
    mermaid_diagram: str = ""
    report_markdown: str = ""


class State(TypedDict, total=False):
    """Everything the nodes share; each node returns only the keys it changes."""

    # input
    main_topic: str
    num_clusters: int
    audience: str | None
    target_authority: float
    # outline: {"pillar": PagePlan, "clusters": [PagePlan]} as dicts
    outline: dict[str, Any]
    # review: the approved plan, same shape
    plan: dict[str, Any]
    # link
    links: list[dict[str, Any]]
    authority_score: float
    grade: str
    target_reached: bool
    link_note: str
    rounds: list[dict[str, Any]]
    # write
    briefs: list[dict[str, Any]]
    mermaid_diagram: str
    report_markdown: str
