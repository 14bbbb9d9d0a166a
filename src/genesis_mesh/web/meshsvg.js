// The site's mesh drawn as SVG from the analysis data: pillar in the middle, topic
// clusters around it, orphans along the bottom, suggested links dashed.
// Every label is a text node; nothing from the data is parsed as markup.
// Each node is focusable with a text alternative; its tooltip (an SVG group, placed by
// attributes because the CSP forbids inline styles) shows on hover and on focus alike.

import { svg } from "./dom.js";

const W = 860;
const H = 640;
const CX = W / 2;
const CY = 290;
const PER_CLUSTER = 8;
const MAX_CLUSTERS = 10;
const MAX_ORPHANS = 14;
const MAX_SUGGESTED = 12;

function clip(text, n = 22) {
  const s = String(text ?? "");
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function radius(authority, maxAuthority) {
  const a = Math.max(0, Number(authority) || 0);
  return 5 + 13 * Math.sqrt(maxAuthority > 0 ? a / maxAuthority : 0);
}

/** One tooltip per drawing, shown next to the hovered or focused node. It is
 * aria-hidden: each node's aria-label already carries the same lines. */
function tooltip() {
  const rect = svg("rect", { class: "mesh-tip-box", rx: "6" });
  const text = svg("text", { class: "mesh-tip-text" });
  const g = svg("g", { class: "mesh-tip", "aria-hidden": "true", visibility: "hidden" }, rect, text);
  let owner = null;
  const hide = () => {
    owner = null;
    g.setAttribute("visibility", "hidden");
  };
  const show = (node, lines, x, y, r) => {
    owner = node;
    text.replaceChildren(...lines.map((line, i) => svg("tspan", { x: "10", dy: i ? "16" : "18" }, clip(line, 60))));
    const box = text.getBBox();
    const w = box.width + 20;
    const h = box.height + 14;
    const left = Math.min(Math.max(4, x + r + 8), W - w - 4);
    const top = y + r + 8 + h <= H ? y + r + 8 : Math.max(4, y - r - 8 - h);
    rect.setAttribute("width", w.toFixed(1));
    rect.setAttribute("height", h.toFixed(1));
    g.setAttribute("transform", `translate(${left.toFixed(1)}, ${top.toFixed(1)})`);
    g.setAttribute("visibility", "visible");
  };
  const attach = (node, lines, x, y, r) => {
    const open = () => show(node, lines, x, y, r);
    const close = () => { if (owner === node) hide(); };
    node.addEventListener("mouseenter", open);
    node.addEventListener("focus", open);
    node.addEventListener("mouseleave", () => { if (document.activeElement !== node) close(); });
    node.addEventListener("blur", close);
    node.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && owner === node) {
        event.preventDefault();
        hide();
      }
    });
  };
  return { g, attach };
}

/** True when the output has enough to draw a mesh. */
export function canDrawMesh(output) {
  return Boolean(output && (output.pillar || (Array.isArray(output.clusters) && output.clusters.length)
    || (Array.isArray(output.pages) && output.pages.length)));
}

export function drawMesh(output) {
  const pages = Array.isArray(output.pages) ? output.pages.filter((p) => p && typeof p === "object") : [];
  const byId = new Map();
  for (const p of pages) {
    if (p.id !== undefined) byId.set(String(p.id), p);
    if (p.path !== undefined && !byId.has(String(p.path))) byId.set(String(p.path), p);
  }
  const lookup = (ref) => byId.get(String(ref)) || null;
  const maxAuthority = Math.max(1e-9, ...pages.map((p) => Number(p.authority) || 0));
  const pillarRef = output.pillar && typeof output.pillar === "object" ? output.pillar : null;
  const pillar = pillarRef ? lookup(pillarRef.id) || pillarRef : pages.find((p) => p.is_pillar) || null;
  const pillarId = pillar ? String(pillar.id ?? "pillar") : null;

  const positions = new Map(); // page id -> {x, y, r}
  const edgeLayer = svg("g", { class: "mesh-edges" });
  const suggestLayer = svg("g", { class: "mesh-suggested" });
  const nodeLayer = svg("g", { class: "mesh-nodes" });
  const labelLayer = svg("g", { class: "mesh-labels" });
  const tip = tooltip();

  const place = (page, x, y, cls, label) => {
    const id = String(page.id ?? page.path ?? Math.random());
    if (positions.has(id)) return positions.get(id);
    const r = cls.includes("pillar") ? 22 : radius(page.authority, maxAuthority);
    positions.set(id, { x, y, r });
    const authority = Number(page.authority);
    const lines = [
      String(page.title || id),
      page.path ? `path: ${page.path}` : "",
      Number.isFinite(authority) ? `authority: ${authority.toFixed(1)}` : "",
      page.inbound_links !== undefined ? `links in/out: ${page.inbound_links}/${page.outbound_links ?? "?"}` : "",
      page.click_depth !== undefined && page.click_depth !== null ? `click depth: ${page.click_depth}` : "",
    ].filter(Boolean);
    const node = svg("circle", {
      cx: x.toFixed(1), cy: y.toFixed(1), r: r.toFixed(1), class: `mesh-node ${cls}`, dataset: { page: id },
      tabindex: "0", role: "img", "aria-label": lines.join(", "),
    });
    tip.attach(node, lines, x, y, r);
    nodeLayer.append(node);
    if (label) {
      labelLayer.append(svg("text", { x: x.toFixed(1), y: (y + r + 13).toFixed(1), class: "mesh-label", "text-anchor": "middle" }, clip(label)));
    }
    return positions.get(id);
  };
  const line = (a, b, cls, layer = edgeLayer) => {
    if (!a || !b) return;
    layer.append(svg("line", { x1: a.x.toFixed(1), y1: a.y.toFixed(1), x2: b.x.toFixed(1), y2: b.y.toFixed(1), class: cls }));
  };

  const center = pillar ? place(pillar, CX, CY, "mesh-pillar", pillar.title || pillar.path || "pillar") : null;

  const clusters = (Array.isArray(output.clusters) ? output.clusters : [])
    .filter((c) => c && typeof c === "object")
    .slice()
    .sort((a, b) => (Number(b.size) || 0) - (Number(a.size) || 0))
    .slice(0, MAX_CLUSTERS);
  const ring = Math.min(CX, CY) - 70;
  clusters.forEach((cluster, i) => {
    const n = Math.max(1, clusters.length);
    const angle = (2 * Math.PI * i) / n - Math.PI / 2 + (n === 2 ? Math.PI / 2 : 0);
    const hx = CX + ring * Math.cos(angle);
    const hy = CY + ring * 0.92 * Math.sin(angle);
    const colour = `mesh-c${i % 8}`;
    const hubPage = lookup(cluster.hub) || { id: cluster.hub ?? `cluster-${i}`, title: cluster.label };
    const isPillarHub = pillarId !== null && String(hubPage.id) === pillarId;
    const hub = isPillarHub ? center : place(hubPage, hx, hy, `mesh-hub ${colour}`, cluster.label || hubPage.title);
    if (!isPillarHub && center) {
      line(center, hub, cluster.linked_to_pillar === false ? "mesh-edge mesh-edge-missing" : "mesh-edge mesh-edge-strong");
    }
    const members = (Array.isArray(cluster.pages) ? cluster.pages : [])
      .map((ref) => lookup(ref) || { id: ref, title: String(ref) })
      .filter((p) => String(p.id) !== String(hubPage.id) && String(p.id) !== pillarId)
      .sort((a, b) => (Number(b.authority) || 0) - (Number(a.authority) || 0))
      .slice(0, PER_CLUSTER);
    members.forEach((page, j) => {
      const a = angle + ((j - (members.length - 1) / 2) * 0.45);
      const dist = 58 + (j % 2) * 16;
      const pos = place(page, (isPillarHub ? CX : hx) + dist * Math.cos(a), (isPillarHub ? CY : hy) + dist * Math.sin(a),
        `mesh-page ${colour}${page.is_orphan ? " mesh-orphan" : ""}`, null);
      line(hub, pos, "mesh-edge");
    });
  });

  const orphanSet = new Set((Array.isArray(output.orphans) ? output.orphans : []).map(String));
  const loose = pages
    .filter((p) => !positions.has(String(p.id)) && !p.is_orphan && !orphanSet.has(String(p.id)) && !orphanSet.has(String(p.path)))
    .sort((a, b) => (Number(b.authority) || 0) - (Number(a.authority) || 0))
    .slice(0, 16);
  loose.forEach((page, k) => {
    const a = (2 * Math.PI * k) / loose.length + Math.PI / 7;
    const dist = clusters.length ? ring * 0.45 : ring * 0.7;
    const pos = place(page, CX + dist * Math.cos(a), CY + dist * 0.9 * Math.sin(a), "mesh-page mesh-loose", clusters.length ? null : page.title || page.path);
    line(center, pos, "mesh-edge");
  });

  const orphanRefs = Array.isArray(output.orphans) ? output.orphans : pages.filter((p) => p.is_orphan).map((p) => p.id);
  const orphans = orphanRefs.slice(0, MAX_ORPHANS).map((ref) => lookup(ref) || { id: ref, title: String(ref) });
  if (orphans.length) {
    labelLayer.append(svg("text", { x: 24, y: H - 70, class: "mesh-caption" }, `Orphan pages (${orphanRefs.length})`));
    const step = (W - 80) / Math.max(1, orphans.length);
    orphans.forEach((page, k) => {
      const id = String(page.id);
      if (positions.has(id)) {
        const p = positions.get(id);
        nodeLayer.append(svg("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: (p.r + 4).toFixed(1), class: "mesh-orphan-ring" }));
        return;
      }
      place(page, 50 + step * k + step / 2 - 10, H - 42, "mesh-page mesh-orphan", k % 2 && orphans.length > 6 ? null : page.title || page.path);
    });
  }

  const explicit = Array.isArray(output.links) ? output.links : Array.isArray(output.strongest_links) ? output.strongest_links : [];
  explicit
    .filter((l) => l && typeof l === "object")
    .slice()
    .sort((a, b) => (Number(b.weight) || 0) - (Number(a.weight) || 0))
    .slice(0, 40)
    .forEach((l) => line(positions.get(String(l.source)), positions.get(String(l.target)), "mesh-edge mesh-edge-strong"));

  const recommendations = Array.isArray(output.recommendations) ? output.recommendations : [];
  let suggested = 0;
  for (const rec of recommendations) {
    if (suggested >= MAX_SUGGESTED || !rec || !rec.source_page || !rec.target_page) continue;
    const a = positions.get(String(rec.source_page)) || positions.get(String((lookup(rec.source_page) || {}).id));
    const b = positions.get(String(rec.target_page)) || positions.get(String((lookup(rec.target_page) || {}).id));
    if (a && b) {
      line(a, b, "mesh-edge mesh-edge-suggested", suggestLayer);
      suggested += 1;
    }
  }

  const legend = svg("g", { class: "mesh-legend", transform: `translate(${W - 230}, 18)` });
  const items = [
    ["mesh-node mesh-pillar", "pillar page"],
    ["mesh-node mesh-hub mesh-c0", "cluster hub (size = authority)"],
    ["mesh-node mesh-page mesh-orphan", "orphan page"],
  ];
  items.forEach(([cls, text], i) => {
    legend.append(svg("circle", { cx: 8, cy: 8 + i * 20, r: 6, class: cls }));
    legend.append(svg("text", { x: 22, y: 12 + i * 20, class: "mesh-legend-text" }, text));
  });
  [["mesh-edge mesh-edge-strong", "linked to pillar"], ["mesh-edge mesh-edge-missing", "cluster not linked"], ["mesh-edge mesh-edge-suggested", "suggested link"]]
    .forEach(([cls, text], i) => {
      const y = 8 + (items.length + i) * 20;
      legend.append(svg("line", { x1: 0, y1: y, x2: 16, y2: y, class: cls }));
      legend.append(svg("text", { x: 22, y: y + 4, class: "mesh-legend-text" }, text));
    });

  const summary = `Mesh diagram: ${pillar ? `pillar ${clip(pillar.title || pillar.path, 60)}, ` : ""}${clusters.length} cluster(s), ${orphanRefs.length} orphan page(s).`;
  // A group, not an image: an image's children are hidden from assistive technology,
  // and its nodes are focusable with a name each.
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "mesh-svg", role: "group", "aria-label": summary, xmlns: "http://www.w3.org/2000/svg" });
  const title = svg("title");
  title.textContent = summary;
  root.append(title, edgeLayer, suggestLayer, nodeLayer, labelLayer, legend, tip.g);
  return root;
}
