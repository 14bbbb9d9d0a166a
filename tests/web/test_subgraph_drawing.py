"""A subgraph in the drawn graph (issue 16): drawn closed as one node with a toggle that
opens it into its inner nodes inside a labelled box; a live run lights the inner node when
it is open and the subgraph's node when it is closed, at 1440 and at 390 px."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveHost
from tests.web.conftest import Ui

pytestmark = pytest.mark.browser

DRAWING = "#graph-drawing"


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def start(ui: Ui, graph: str, **fields: str) -> Any:
    page = ui.open()
    page.check(f"#cap-{graph}")
    for name, value in fields.items():
        page.fill(f"#field-{name}", value)
    page.click("#start-button")
    expect(page.locator("#run-view")).to_be_visible()
    return page


def node(page: Any, node_id: str) -> Any:
    return page.locator(f'{DRAWING} [data-graph-node="{node_id}"]')


def toggle(page: Any, group: str) -> Any:
    return page.locator(f'{DRAWING} .subgraph-toggle[data-toggle="{group}"]')


def test_a_running_inner_node_lights_its_subgraph_closed_and_itself_opened(
    ui_factory: Any, host: LiveHost
) -> None:
    ui: Ui = ui_factory(host.base_url)
    page = start(ui, "nested", delay="4")
    drawing = page.locator(f"{DRAWING} svg")
    expect(drawing).to_have_attribute("aria-label", "Graph nested: 5 nodes, 4 edges, 1 subgraph")
    # Closed by default: one node for the subgraph, its inner node not drawn.
    expect(node(page, "sub")).to_have_attribute("data-status", "running")
    expect(node(page, "sub:inner")).to_have_count(0)
    expect(toggle(page, "sub")).to_have_attribute("aria-expanded", "false")
    expect(toggle(page, "sub")).to_have_attribute("aria-label", "Open subgraph sub")
    # The step list (graphview.js) keeps top-level nodes: the inner node's custom event
    # and name show on the subgraph's step, never as a step of their own.
    step = page.locator('#graph [data-node="sub"]')
    expect(step).to_have_attribute("data-status", "running")
    expect(step.locator(".node-message")).to_have_text("inner working")
    expect(page.locator('#graph [data-node="inner"]')).to_have_count(0)
    ui.shot("closed-running")

    toggle(page, "sub").click()
    box = page.locator(f'{DRAWING} .subgraph-box[data-subgraph="sub"]')
    expect(box).to_have_attribute("aria-label", "Subgraph sub: running")
    expect(box.locator(".subgraph-label")).to_have_text("sub")
    expect(node(page, "sub")).to_have_count(0)
    inner = node(page, "sub:inner")
    expect(inner).to_have_attribute("data-status", "running")
    expect(inner).to_have_attribute("aria-label", "inner (in sub): running, visited once")
    expect(inner.locator(".node-label")).to_have_text("inner")
    expect(page.locator(f'{DRAWING} [data-edge="before->sub:inner"]')).to_have_attribute(
        "data-taken", "1"
    )
    expect(toggle(page, "sub")).to_have_attribute("aria-expanded", "true")
    expect(toggle(page, "sub")).to_be_focused()  # the same control, redrawn
    ui.shot("opened-running")
    # The box holds its inner node.
    outer, held = box.locator("rect").bounding_box(), inner.locator("rect").bounding_box()
    assert outer and held
    assert outer["x"] < held["x"] and outer["x"] + outer["width"] > held["x"] + held["width"]
    assert outer["y"] < held["y"] and outer["y"] + outer["height"] > held["y"] + held["height"]

    page.keyboard.press("Enter")  # closed again by keyboard
    expect(toggle(page, "sub")).to_have_attribute("aria-expanded", "false")
    expect(node(page, "sub")).to_have_attribute("data-status", "running")
    expect(node(page, "sub:inner")).to_have_count(0)

    expect(page.locator("#run-status")).to_have_text("succeeded")
    expect(node(page, "sub")).to_have_attribute("data-status", "done")
    expect(page.locator(f'{DRAWING} [data-edge="sub->after"]')).to_have_attribute("data-taken", "1")
    page.keyboard.press("Space")
    expect(node(page, "sub:inner")).to_have_attribute("data-status", "done")
    expect(node(page, "sub:inner")).to_have_attribute("data-visits", "1")
    expect(page.locator(f'{DRAWING} [data-edge="sub:inner->after"]')).to_have_attribute(
        "data-taken", "1"
    )
    expect(node(page, "after")).to_have_attribute("data-status", "done")
    assert ui.errors == [] and ui.violations() == []


def test_a_question_inside_a_subgraph_marks_the_inner_node_that_asked(
    ui_factory: Any, host: LiveHost
) -> None:
    ui: Ui = ui_factory(host.base_url, viewport={"width": 390, "height": 844})
    page = start(ui, "sub_ask")
    expect(page.locator("#run-status")).to_have_text("interrupted (question)")
    expect(node(page, "review")).to_have_attribute("data-status", "interrupted")
    expect(node(page, "review")).to_have_attribute(
        "aria-label", "review: interrupted, visited once, subgraph (closed)"
    )
    ui.screen("subgraph-closed")
    problems = ui.axe()
    assert problems == [], "\n".join(problems)
    toggle(page, "review").focus()
    page.keyboard.press("Enter")
    expect(node(page, "review:confirm")).to_have_attribute("data-status", "interrupted")
    expect(node(page, "review:draft")).to_have_attribute("data-status", "done")
    expect(page.locator(f'{DRAWING} [data-edge="review:draft->review:confirm"]')).to_have_attribute(
        "data-taken", "1"
    )
    node(page, "review:draft").click()  # the inspector shows the node that runs it
    expect(page.locator("#inspector-title")).to_have_text("Step: review")
    # Readable at 390 px: the drawing fits the screen and a node keeps a legible size.
    drawing = page.locator(f"{DRAWING} svg").bounding_box()
    rect = node(page, "review:draft").locator("rect").bounding_box()
    assert drawing and rect
    assert drawing["x"] >= 0 and drawing["x"] + drawing["width"] <= 390
    assert rect["width"] >= 120, rect
    ui.screen("subgraph-open")
    problems = ui.axe()
    assert problems == [], "\n".join(problems)

    page.get_by_label("Your answer").fill("ok")
    page.get_by_role("button", name="Answer and resume").click()
    expect(page.locator("#run-status")).to_have_text("succeeded")
    expect(node(page, "review:confirm")).to_have_attribute("data-status", "done")
    expect(node(page, "finish")).to_have_attribute("data-status", "done")
    expect(page.locator(f'{DRAWING} [data-edge="review:confirm->finish"]')).to_have_attribute(
        "data-taken", "1"
    )
    assert ui.errors == [] and ui.violations() == []


TWO_LEVELS = {
    "nodes": [{"id": i, "name": i} for i in ("__start__", "first", "middle", "__end__")],
    "edges": [
        {"source": "__start__", "target": "first", "conditional": False},
        {"source": "first", "target": "middle", "conditional": False},
        {"source": "middle", "target": "__end__", "conditional": False},
    ],
    "subgraphs": [
        {"id": "middle", "name": "middle", "parent": None},
        {"id": "middle:inner", "name": "inner", "parent": "middle"},
    ],
    "xray": {
        "nodes": [
            {"id": "__start__", "name": "__start__", "subgraph": None},
            {"id": "first", "name": "first", "subgraph": None},
            {"id": "middle:plan", "name": "plan", "subgraph": "middle"},
            {"id": "middle:inner:deep", "name": "deep", "subgraph": "middle:inner"},
            {"id": "__end__", "name": "__end__", "subgraph": None},
        ],
        "edges": [
            {"source": "__start__", "target": "first", "conditional": False},
            {"source": "first", "target": "middle:plan", "conditional": False},
            {"source": "middle:plan", "target": "middle:inner:deep", "conditional": True},
            {"source": "middle:inner:deep", "target": "__end__", "conditional": False},
        ],
    },
}
"""What GET /api/v1/graphs/{name} serves for a subgraph inside a subgraph
(tests/registry/test_drawing.py pins the server side of it)."""

VISIBLE = """async ([info, open]) => {
  const { visibleGraph, pathOf } = await import("/static/subgraphs.js");
  const seen = visibleGraph(info, new Set(open));
  return {
    nodes: seen.nodes.map((n) => n.id),
    edges: seen.edges.map((e) => `${e.source}->${e.target}`),
    boxes: seen.boxes.map((b) => [b.id, b.members]),
    path: pathOf("deep", ["middle:t1", "inner:t2"]),
  };
}"""


def test_a_subgraph_inside_a_subgraph_opens_level_by_level(ui: Ui) -> None:
    page = ui.open()
    closed = page.evaluate(VISIBLE, [TWO_LEVELS, []])
    assert closed["nodes"] == ["__start__", "first", "middle", "__end__"]
    assert closed["boxes"] == [] and closed["path"] == "middle:inner:deep"
    outer = page.evaluate(VISIBLE, [TWO_LEVELS, ["middle"]])
    assert outer["nodes"] == ["__start__", "first", "middle:plan", "middle:inner", "__end__"]
    assert "middle:plan->middle:inner" in outer["edges"]
    assert outer["boxes"] == [["middle", ["middle:plan", "middle:inner"]]]
    both = page.evaluate(VISIBLE, [TWO_LEVELS, ["middle", "middle:inner"]])
    assert both["boxes"] == [
        ["middle", ["middle:plan", "middle:inner:deep"]],
        ["middle:inner", ["middle:inner:deep"]],
    ]
    # The inner one stays open while its parent is closed: it shows again with it.
    hidden = page.evaluate(VISIBLE, [TWO_LEVELS, ["middle:inner"]])
    assert hidden == closed

    boxes = page.evaluate(
        """async (info) => {
          const { GraphDrawing } = await import("/static/graphdraw.js");
          const host = document.createElement("div");
          document.body.append(host);
          const drawing = new GraphDrawing(host, () => {});
          drawing.setGraph({ ...info, name: "two_levels" });
          drawing.toggle("middle");
          drawing.toggle("middle:inner");
          const box = (sel) => {
            const r = host.querySelector(sel);
            const [x, y, w, h] = ["x", "y", "width", "height"].map((k) => +r.getAttribute(k));
            return { left: x, top: y, right: x + w, bottom: y + h };
          };
          return {
            outer: box('[data-subgraph="middle"] rect'),
            inner: box('[data-subgraph="middle:inner"] rect'),
            deep: box('[data-graph-node="middle:inner:deep"] rect'),
            toggles: [...host.querySelectorAll(".subgraph-toggle")].map(
              (t) => [t.dataset.toggle, t.getAttribute("aria-expanded")]),
          };
        }""",
        TWO_LEVELS,
    )
    assert boxes["toggles"] == [["middle", "true"], ["middle:inner", "true"]]
    for big, small in (("outer", "inner"), ("inner", "deep")):
        a, b = boxes[big], boxes[small]
        assert a["left"] < b["left"] and a["right"] > b["right"], (big, small, boxes)
        assert a["top"] < b["top"] and a["bottom"] > b["bottom"], (big, small, boxes)
