"""The mesh diagram with the keyboard (issue 16): every node is reached by Tab, named,
and shows on focus the tooltip the mouse shows; Escape and blur hide it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveHost
from tests.web.conftest import Canary

pytestmark = pytest.mark.browser

FOCUSED_NODE = """() => {
  const el = document.activeElement;
  return el && el.matches(".mesh-nodes .mesh-node") ? el.getAttribute("aria-label") : null;
}"""


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def test_tab_reaches_a_mesh_node_whose_tooltip_shows_on_focus_and_escape_hides_it(
    ui_factory: Any, mesh_host: LiveHost, canary: Canary
) -> None:
    ui = ui_factory(mesh_host.base_url)
    page = ui.open()
    page.check("#cap-topical_mesh")
    page.fill("#field-repo_url", "https://example.com/site")
    page.click("#start-button")
    expect(page.locator("#run-status")).to_have_text("succeeded")
    mesh = page.locator("#result svg.mesh-svg")
    expect(mesh).to_have_attribute("role", "group")
    assert (mesh.get_attribute("aria-label") or "").startswith("Mesh diagram:")
    nodes = page.locator(".mesh-nodes .mesh-node")
    assert nodes.count() >= 10
    for node in nodes.all():
        assert node.get_attribute("tabindex") == "0"
        assert node.get_attribute("role") == "img"
        assert "links in/out:" in (node.get_attribute("aria-label") or "")
    tip = page.locator(".mesh-tip")
    expect(tip).to_be_hidden()

    label = None
    for _ in range(300):
        page.keyboard.press("Tab")
        label = page.evaluate(FOCUSED_NODE)
        if label:
            break
    assert label, "Tab never reached a node of the mesh"
    title = label.split(", ")[0]
    expect(tip).to_be_visible()
    # The tooltip's lines are the node's: its title first (as text, never markup).
    expect(tip.locator("tspan").first).to_have_text(title if len(title) <= 60 else title[:59] + "…")
    expect(tip).to_contain_text("links in/out:")
    focus = page.evaluate("document.activeElement.getBoundingClientRect().toJSON()")
    box = tip.bounding_box()
    assert box is not None and box["width"] > 0
    assert abs(box["x"] - focus["right"]) < 40 or abs(box["y"] - focus["bottom"]) < 40
    ui.shot("mesh-tooltip-on-focus")
    assert ui.axe() == []  # named, focusable nodes inside a labelled group

    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    assert page.evaluate(FOCUSED_NODE) == label  # Escape hides the tip, keeps the focus

    page.keyboard.press("Tab")  # the next node: its own tooltip
    next_label = page.evaluate(FOCUSED_NODE)
    assert next_label and next_label != label
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(next_label.split(", ")[0][:40])
    page.evaluate("document.activeElement.blur()")
    expect(tip).to_be_hidden()

    nodes.last.hover()  # the mouse shows the same tooltip
    expect(tip).to_be_visible()
    expect(tip).to_contain_text((nodes.last.get_attribute("aria-label") or "").split(", ")[0][:40])
    page.mouse.move(1, 1)
    expect(tip).to_be_hidden()

    assert ui.errors == [] and ui.dialogs == [] and ui.violations() == []
    assert canary.requests == []
