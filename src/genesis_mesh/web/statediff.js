// A step's input state and its update as a per-key diff, for the step inspector.
// The input is the checkpoint the step started from (GET /api/v1/threads/{id}/history):
// LangGraph runs a step's tasks from the checkpoint saved just before them, so it is the
// one at the step the `node.started` event names whose `next` lists the node. The diff
// compares each key the node wrote with its value in that input; for a key with a reducer
// (add_messages, operator.add) "new" is what the node wrote, not the merged result.

import { h } from "./dom.js";

function json(value) {
  return JSON.stringify(value, null, 2);
}

/** The checkpoint `node` started from at `step` (prefer the run's own), or null. */
export function inputCheckpoint(history, node, step, runId) {
  if (!Array.isArray(history) || step === null || step === undefined) return null;
  const fits = history.filter((cp) => cp.step === step && (cp.next || []).includes(node));
  return fits.find((cp) => runId && cp.run_id === runId) || fits[0] || null;
}

/** The keys of `update` as added / changed / unchanged against `before`. */
export function diffKeys(before, update) {
  const old = before && typeof before === "object" ? before : {};
  const rows = { added: [], changed: [], unchanged: [] };
  if (!update || typeof update !== "object" || Array.isArray(update)) return rows;
  for (const [key, value] of Object.entries(update)) {
    if (!Object.prototype.hasOwnProperty.call(old, key)) rows.added.push({ key, value });
    else if (JSON.stringify(old[key]) !== JSON.stringify(value)) rows.changed.push({ key, old: old[key], value });
    else rows.unchanged.push({ key, value });
  }
  return rows;
}

/** The input state as JSON (or why it is not shown). */
export function renderInput(checkpoint, loading) {
  if (!checkpoint) return h("p", { class: "hint step-input-missing" }, loading ? "Loading the input state…" : "The checkpoint this step started from is not available.");
  return h("pre", { tabindex: "0", class: "step-input", dataset: { checkpoint: checkpoint.checkpoint_id || "" } }, json(checkpoint.values ?? {}));
}

/** The update as a per-key diff against the input state's values. */
export function renderDiff(before, update) {
  const rows = diffKeys(before, update);
  const items = [
    ...rows.added.map((r) => h("li", { class: "diff-added", dataset: { key: r.key, change: "added" } },
      h("strong", {}, `+ ${r.key}`), " (added) ", h("code", { class: "diff-new" }, JSON.stringify(r.value)))),
    ...rows.changed.map((r) => h("li", { class: "diff-changed", dataset: { key: r.key, change: "changed" } },
      h("strong", {}, `~ ${r.key}`), " ", h("code", { class: "diff-old" }, JSON.stringify(r.old)),
      " → ", h("code", { class: "diff-new" }, JSON.stringify(r.value)))),
  ];
  const parts = [items.length ? h("ul", { class: "step-diff" }, items) : h("p", { class: "hint step-diff" }, "No key changed.")];
  if (rows.unchanged.length) {
    parts.push(h("details", { class: "diff-unchanged" }, h("summary", {}, `${rows.unchanged.length} unchanged`),
      h("ul", {}, rows.unchanged.map((r) => h("li", { dataset: { key: r.key, change: "unchanged" } }, h("strong", {}, r.key), " ", h("code", {}, JSON.stringify(r.value)))))));
  }
  return parts;
}
