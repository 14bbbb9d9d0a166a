"""Mermaid and markdown output stay inert whatever the page titles contain."""

from __future__ import annotations

from graphs.topical_mesh.advice import accepted_ids, review_question
from graphs.topical_mesh.mermaid import mermaid_diagram, mermaid_label
from graphs.topical_mesh.report import md_text

HOSTILE = 'A "quoted" [x](y) <script>%%{init}%% click me|pipe\nnext'


def test_mermaid_labels_escape_quotes_brackets_directives_and_clicks() -> None:
    label = mermaid_label(HOSTILE)
    for bad in ('"', "[", "]", "<", ">", "%%", "click", "\n", "|", "{", "}"):
        assert bad not in label.lower()
    assert len(label) < 200


def test_big_sites_draw_only_the_top_pages() -> None:
    pages = [
        {"id": f"p{i}", "title": f"{HOSTILE} {i}", "authority": float(i % 97)} for i in range(5000)
    ]
    clusters = [
        {"label": HOSTILE, "pages": [f"p{i}" for i in range(k, 5000, 20)]} for k in range(20)
    ]
    links = [[i, (i + 1) % 5000, 1] for i in range(5000)]
    diagram = mermaid_diagram(
        {"pages": pages, "clusters": clusters, "links": links, "pillar": {"id": "p0"}}
    )
    nodes = [line for line in diagram.splitlines() if '["' in line or '(["' in line]
    assert len(nodes) <= 1 + 8 * 4 + 8  # pillar, 8 clusters x 4 pages, 8 subgraph titles
    assert diagram.count("-->") <= 40
    assert "click" not in diagram.lower() and "%%" not in diagram


def test_markdown_text_is_inert() -> None:
    escaped = md_text("[x](javascript:alert(1)) <img src=x> | `code`")
    assert escaped == r"\[x\]\(javascript:alert\(1\)\) \<img src=x\> \| \`code\`"
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(escaped)
    assert "<a" not in html and "<img" not in html and "<code>" not in html


def test_review_answers_accept_a_dict_or_a_list_and_ignore_unknown_ids() -> None:
    recs = [
        {
            "id": "rec-1",
            "description": "a",
            "priority": "high",
            "estimated_impact": 80,
            "estimated_effort": "low",
        },
        {
            "id": "rec-2",
            "description": "b",
            "priority": "low",
            "estimated_impact": 30,
            "estimated_effort": "low",
        },
    ]
    assert accepted_ids({"accepted": ["rec-2", "rec-9"]}, recs) == {"rec-2"}
    assert accepted_ids(["rec-1"], recs) == {"rec-1"}
    assert accepted_ids({"accepted": []}, recs) == set()
    question = review_question(recs)
    assert [c["id"] for c in question["choices"]] == ["rec-1", "rec-2"]
