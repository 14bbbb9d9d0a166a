// The sidebar's thread list: the signed-in user's threads and runs as the server holds
// them (GET /api/v1/threads), searched and filtered there. Nothing is kept in the browser.

import { listThreads } from "./api.js";
import { formatTime, h } from "./dom.js";

const STATUSES = ["pending", "running", "interrupted", "succeeded", "failed", "cancelled"];
const SEARCH_DELAY_MS = 250;

/** A run's title: its graph and the first text of its input. */
export function titleOf(graph, input) {
  const text = input && typeof input === "object"
    ? Object.values(input).find((v) => typeof v === "string" && v.trim())
    : typeof input === "string" ? input : null;
  return text ? `${graph}: ${text}` : graph || "run";
}

/** The start of a picked day (`YYYY-MM-DD`) in the browser's own time zone, as the UTC
 * moment the server compares with; "" for no date. */
export function sinceOf(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
  if (!match) return "";
  const start = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(start.getTime()) ? "" : start.toISOString();
}

export class ThreadList {
  /**
   * elements: {list, search, graph, status, since}; onOpen(runId) opens a run.
   */
  constructor(elements, onOpen) {
    this.el = elements;
    this.onOpen = onOpen;
    this.current = null;
    this.generation = 0;
    this.timer = null;
    elements.status.replaceChildren(h("option", { value: "" }, "Any status"), ...STATUSES.map((s) => h("option", { value: s }, s)));
    elements.search.addEventListener("input", () => this.refreshSoon());
    elements.graph.addEventListener("change", () => this.refresh());
    elements.status.addEventListener("change", () => this.refresh());
    elements.since.addEventListener("change", () => this.refresh());
    elements.since.addEventListener("click", () => {
      try {
        elements.since.showPicker(); // its own picker button is hidden (styles.css)
      } catch {
        // no picker in this browser, or not from this gesture: the date is typed
      }
    });
  }

  /** The graphs the filter offers (from GET /api/v1/graphs). */
  setGraphs(graphs) {
    const chosen = this.el.graph.value;
    this.el.graph.replaceChildren(h("option", { value: "" }, "Any graph"), ...graphs.map((g) => h("option", { value: g.name }, g.name)));
    this.el.graph.value = graphs.some((g) => g.name === chosen) ? chosen : "";
  }

  /** Mark the run shown in the main view. */
  setCurrent(runId) {
    this.current = runId;
    for (const button of this.el.list.querySelectorAll("[data-run]")) {
      button.setAttribute("aria-current", button.dataset.run === runId ? "true" : "false");
    }
    for (const item of this.el.list.querySelectorAll(".thread-item")) {
      const holds = Boolean(runId) && item.dataset.runs.split(" ").includes(runId);
      const head = item.querySelector(".history-item");
      if (head) head.setAttribute("aria-current", holds ? "true" : "false");
    }
  }

  refreshSoon() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), SEARCH_DELAY_MS);
  }

  async refresh() {
    clearTimeout(this.timer);
    const generation = ++this.generation;
    const query = { q: this.el.search.value.trim(), graph: this.el.graph.value, status: this.el.status.value, since: sinceOf(this.el.since.value) };
    this.el.list.setAttribute("aria-busy", "true");
    let threads;
    try {
      threads = await listThreads(query);
    } catch (error) {
      if (generation !== this.generation) return;
      this.el.list.replaceChildren(h("li", { class: "hint" }, `Could not load the threads: ${error.message}`));
      this.el.list.dataset.loaded = "error";
      return;
    } finally {
      if (generation === this.generation) this.el.list.removeAttribute("aria-busy");
    }
    if (generation !== this.generation) return; // a newer search answered first
    this.render(threads, Boolean(query.q || query.graph || query.status || query.since));
  }

  render(threads, filtered) {
    const list = this.el.list;
    list.replaceChildren();
    if (!threads.length) list.append(h("li", { class: "hint" }, filtered ? "No thread matches." : "No runs yet."));
    for (const thread of threads) list.append(this.item(thread));
    list.dataset.loaded = "true";
    list.dataset.count = String(threads.length);
    this.setCurrent(this.current);
  }

  item(thread) {
    const runs = thread.runs || [];
    const first = runs[0];
    const newest = runs[runs.length - 1];
    const title = titleOf(thread.graph, first && first.input);
    const head = h("div", { class: "thread-head" },
      h("span", { class: "history-title" }, title),
      h("span", { class: "history-meta" },
        h("span", { class: `badge badge-small status-${thread.status || "pending"}` }, thread.status || "no run"),
        " ", formatTime(thread.updated_at)));
    const runList = h("ol", { class: "thread-runs", "aria-label": `Runs of ${title}` });
    runs.forEach((run, i) => {
      runList.append(h("li", {}, h("button", {
        type: "button",
        class: "run-item",
        dataset: { run: run.run_id },
        "aria-label": `Run ${i + 1} of ${title}: ${run.status}`,
        onclick: () => this.onOpen(run.run_id),
      }, `#${i + 1} `, h("span", { class: `badge badge-small status-${run.status}` }, run.status), " ", formatTime(run.created_at))));
    });
    return h("li", { class: "thread-item", dataset: { thread: thread.thread_id, graph: thread.graph || "", status: thread.status || "", runs: runs.map((r) => r.run_id).join(" ") } },
      newest
        ? h("button", { type: "button", class: "history-item", dataset: { openRun: newest.run_id }, onclick: () => this.onOpen(newest.run_id) }, head)
        : head,
      runs.length > 1 ? runList : null);
  }
}
