"""The review question (docs/protocol.md's question convention) and how answers apply.

An answer may be `None`/`true`/`{"approved": true}` (approve as proposed), the form's
`{"clusters": [slug, ...]}` (the clusters to keep), and any of:

- `"titles": {slug: "New title"}` (`"pillar"` or the pillar's slug renames the pillar),
- `"drop": [slug, ...]`, `"add": ["Title", {"title": ..., "brief": ...}, ...]`,
- `"edits"`: free text, one change per line: `slug: New title`, `- slug`, `+ New title`.
"""

from __future__ import annotations

from typing import Any

from graphs.mesh_build.plan import PagePlan, slugify

ANSWER_KEY = "clusters"


def review_question(plan: dict[str, Any], problem: str | None = None) -> dict[str, Any]:
    """The interrupt value: the plan, a checkbox per cluster and an optional edits field."""
    pillar = plan["pillar"]
    text = (
        f"Review the plan for the pillar page {pillar['title']!r}: untick clusters to drop "
        "them; rename or add pages in the edits field (`slug: New title`, `+ New cluster`, "
        "`- slug`). Submit to approve."
    )
    return {
        "question": f"{problem} {text}" if problem else text,
        "choices": [
            {
                "id": c["slug"],
                "label": c["title"],
                "detail": c.get("brief", ""),
                "checked": True,
            }
            for c in plan["clusters"]
        ],
        "answer_key": ANSWER_KEY,
        "edits": {"key": "edits", "label": "Edits (optional)", "placeholder": "slug: New title"},
        "plan": plan,
    }


def apply_answer(plan: dict[str, Any], answer: Any) -> dict[str, Any]:
    """The plan after the reviewer's answer.

    Raises:
        ValueError: the answer leaves no cluster, or is not a form answer.
    """
    if answer is None or answer is True:
        return plan
    if not isinstance(answer, dict):
        raise ValueError(f"expected the form's answer (an object), got {type(answer).__name__}")
    pillar = dict(plan["pillar"])
    clusters = [dict(c) for c in plan["clusters"]]
    kept = answer.get(ANSWER_KEY)
    if isinstance(kept, list):
        wanted = {str(k) for k in kept}
        clusters = [c for c in clusters if c["slug"] in wanted]
    titles = {str(k): str(v) for k, v in (answer.get("titles") or {}).items() if str(v).strip()}
    drops = {str(s) for s in answer.get("drop") or []}
    adds: list[Any] = list(answer.get("add") or [])
    for line in str(answer.get("edits") or "").splitlines():
        line = line.strip()
        if line.startswith("+"):
            adds.append(line[1:].strip())
        elif line.startswith("-"):
            drops.add(line[1:].strip())
        elif ":" in line:
            slug, _, title = line.partition(":")
            titles[slug.strip()] = title.strip()
    clusters = [c for c in clusters if c["slug"] not in drops]
    for page in (pillar, *clusters):
        is_pillar = page is pillar
        new = titles.get(page["slug"]) or (titles.get("pillar") if is_pillar else None)
        if new:
            page["title"] = PagePlan(title=new).title
    taken = {pillar["slug"], *(c["slug"] for c in clusters)}
    for item in adds:
        fields = item if isinstance(item, dict) else {"title": str(item)}
        if not str(fields.get("title", "")).strip():
            continue
        page = PagePlan.model_validate(fields).model_dump()
        base = page["slug"] or slugify(page["title"])
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        clusters.append({**page, "slug": slug})
    if not clusters:
        raise ValueError("The plan needs at least one cluster page.")
    return {"pillar": pillar, "clusters": clusters}
