// Zoom for the mesh drawing: fitted to the column by default (the whole mesh at a
// glance), or drawn 1×, 1.5× or 2× its own size inside a box that scrolls, so its 12 px
// labels read on a phone. Sizes go through the SVG's width attribute and a class: the
// page's CSP forbids inline styles.

import { h } from "./dom.js";

const LEVELS = [0, 1, 1.5, 2]; // 0: fitted to the column
const NAMES = ["fit", "100 %", "150 %", "200 %"];

/** The drawing `root` (an <svg> with a viewBox) with zoom buttons and a scrolling box. */
export function zoomable(root) {
  const natural = root.viewBox.baseVal.width || 0;
  let level = 0;
  const shown = h("span", { class: "hint mesh-zoom-level", "aria-live": "polite" });
  const out = h("button", { type: "button", class: "mesh-zoom-out", "aria-label": "Zoom out of the mesh" }, "−");
  const into = h("button", { type: "button", class: "mesh-zoom-in", "aria-label": "Zoom into the mesh" }, "+");
  const box = h("div", { class: "mesh-scroll" }, root);
  const apply = () => {
    const scale = LEVELS[level];
    root.classList.toggle("mesh-zoomed", scale > 0);
    if (scale > 0) root.setAttribute("width", String(Math.round(natural * scale)));
    else root.removeAttribute("width");
    box.dataset.zoom = NAMES[level];
    shown.textContent = `Zoom: ${NAMES[level]}`;
    out.disabled = level === 0;
    into.disabled = level === LEVELS.length - 1;
  };
  out.addEventListener("click", () => { level = Math.max(0, level - 1); apply(); });
  into.addEventListener("click", () => { level = Math.min(LEVELS.length - 1, level + 1); apply(); });
  apply();
  const bar = h("div", { class: "mesh-zoom", role: "group", "aria-label": "Mesh zoom" }, out, shown, into);
  return [bar, box];
}
