// The result of a run: summary card, mesh diagram, rendered report, downloads, raw JSON.

import { download, h } from "./dom.js";
import { renderInto } from "./markdown.js";
import { canDrawMesh, drawMesh } from "./meshsvg.js";
import { zoomable } from "./meshzoom.js";

const MESH_KEYS = ["authority_score", "grade", "total_pages", "total_links", "orphans", "broken_links", "report_markdown"];

function count(value) {
  if (Array.isArray(value)) return value.length;
  if (typeof value === "number") return value;
  return null;
}

function fixed(value, digits) {
  const n = Number(value);
  return Number.isFinite(n) ? n.toFixed(digits) : null;
}

function slug(text) {
  return String(text || "run").replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 60) || "run";
}

function summaryCard(output) {
  const figures = [
    ["Grade", output.grade, "grade"],
    ["Authority", fixed(output.authority_score, 1), "authority"],
    ["Pages", count(output.total_pages), "pages"],
    ["Links", count(output.total_links), "links"],
    ["Orphans", count(output.orphans), "orphans"],
    ["Broken links", count(output.broken_links), "broken"],
    ["Mesh density", fixed(output.mesh_density, 3), "density"],
  ].filter(([, value]) => value !== null && value !== undefined && value !== "");
  if (!figures.length) return null;
  const list = h("dl", { class: "figures" });
  for (const [label, value, key] of figures) {
    list.append(h("div", { class: `figure figure-${key}`, dataset: { figure: key } }, h("dt", {}, label), h("dd", {}, String(value))));
  }
  const pillar = output.pillar && typeof output.pillar === "object"
    ? h("p", { class: "pillar" }, "Pillar page: ", h("strong", {}, String(output.pillar.title || output.pillar.path || output.pillar.id || "")),
      output.pillar.path ? h("code", {}, ` ${output.pillar.path}`) : null)
    : null;
  return h("section", { class: "card summary", "aria-labelledby": "summary-title" }, h("h2", { id: "summary-title" }, "Summary"), list, pillar);
}

function topList(title, items, render) {
  if (!Array.isArray(items) || !items.length) return null;
  const list = h("ul", { class: "plain-list" });
  items.slice(0, 8).forEach((item) => list.append(render(item)));
  return h("section", { class: "card" }, h("h3", {}, `${title} (${items.length})`), list);
}

/** Render `output` of a finished run into `container`. */
export function renderResult(container, output, { graph, runId }) {
  container.replaceChildren();
  const isObject = output && typeof output === "object" && !Array.isArray(output);
  const known = isObject && MESH_KEYS.some((k) => k in output);
  const name = `${slug(graph)}-${slug(runId).slice(-8)}`;
  const json = JSON.stringify(output, null, 2);

  container.append(h("h2", { id: "result-title" }, "Result"));
  const buttons = h("div", { class: "downloads", role: "group", "aria-label": "Downloads" });
  if (isObject && typeof output.report_markdown === "string" && output.report_markdown) {
    buttons.append(h("button", { type: "button", id: "download-markdown", onclick: () => download(`${name}.md`, output.report_markdown, "text/markdown") }, "Download report (.md)"));
  }
  buttons.append(h("button", { type: "button", id: "download-json", onclick: () => download(`${name}.json`, json, "application/json") }, "Download JSON"));
  container.append(buttons);

  if (known) {
    const card = summaryCard(output);
    if (card) container.append(card);
    if (canDrawMesh(output)) {
      try {
        container.append(h("section", { class: "card mesh", "aria-labelledby": "mesh-title" }, h("h3", { id: "mesh-title" }, "Mesh"), ...zoomable(drawMesh(output))));
      } catch (error) {
        container.append(h("p", { class: "hint" }, `The mesh diagram could not be drawn: ${error.message}`));
      }
    }
    const lists = h("div", { class: "cards" },
      topList("Issues", output.issues, (issue) => h("li", {}, h("span", { class: `sev sev-${String(issue.severity || "low").replace(/[^a-z]/g, "")}` }, String(issue.severity || "")), " ", String(issue.description || issue.category || ""))),
      topList("Findings", output.findings, (f) => h("li", { class: "finding" },
        h("code", { class: "place" }, `${f.file}:${f.line}:${f.column}`), " ",
        h("span", { class: "sev" }, String(f.kind || "")), " ", String(f.message || f.reason || ""))),
      topList("Recommendations", output.recommendations, (rec) => h("li", {}, h("span", { class: "sev" }, String(rec.priority || "")), " ", String(rec.description || rec.action || ""))),
    );
    if (lists.childElementCount) container.append(lists);
  }

  if (isObject && typeof output.report_markdown === "string" && output.report_markdown) {
    const report = h("article", { class: "card report", id: "report", "aria-label": "Report" }, h("p", { class: "hint" }, "Rendering the report…"));
    container.append(report);
    renderInto(report, output.report_markdown).then((rendered) => {
      if (!rendered) report.prepend(h("p", { class: "hint" }, "The report could not be rendered; the raw markdown:"));
      report.dataset.rendered = String(rendered);
    });
  }

  const details = h("details", { class: "card json", open: !known }, h("summary", {}, "Output (JSON)"), h("pre", { id: "output-json", tabindex: "0" }, json));
  container.append(details);
}
