"""The plan of a mesh: a pillar page and its cluster pages, as the model must return it."""

from __future__ import annotations

import re
import unicodedata

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_SLUG = 60


def slugify(text: str) -> str:
    """`How to Brew Tea?` -> `how-to-brew-tea` (ASCII, lowercase, at most MAX_SLUG)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-") or "page"


class PagePlan(BaseModel):
    """One planned page."""

    model_config = ConfigDict(extra="ignore")

    title: str = Field(min_length=2, max_length=120, description="The page title.")
    slug: str = Field(
        default="", max_length=80, description="URL slug: lowercase words joined by hyphens."
    )
    brief: str = Field(
        default="", max_length=1500, description="One paragraph: what the page covers."
    )
    key_questions: list[str] = Field(
        default_factory=list, max_length=10, description="Questions the page answers."
    )

    @field_validator("title", "brief")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return re.sub(r"\s+", " ", value).strip()

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        return slugify(value) if value.strip() else ""


class Outline(BaseModel):
    """A pillar page about the main topic and its cluster pages."""

    pillar: PagePlan = Field(description="The pillar page: the broad guide to the topic.")
    clusters: list[PagePlan] = Field(
        min_length=1, max_length=40, description="The cluster pages, one subtopic each."
    )

    def normalized(self, num_clusters: int) -> Outline:
        """Exactly `num_clusters` clusters (extra ones cut), unique slugs filled in.

        Raises:
            ValueError: fewer clusters than asked for.
        """
        if len(self.clusters) < num_clusters:
            raise ValueError(
                f"the outline has {len(self.clusters)} cluster pages; {num_clusters} are needed"
            )
        pages = [self.pillar, *self.clusters[:num_clusters]]
        seen: set[str] = set()
        fixed: list[PagePlan] = []
        for page in pages:
            base = page.slug or slugify(page.title)
            slug, n = base, 2
            while slug in seen:
                slug, n = f"{base}-{n}", n + 1
            seen.add(slug)
            fixed.append(page.model_copy(update={"slug": slug}))
        return Outline(pillar=fixed[0], clusters=fixed[1:])
